/* A compact order card (custom.order_summary of a bot turn; personal data already masked). */
import { S, day, h } from './common.js';

const safeLink = (url) => {
  try {
    const u = new URL(url, location.href);
    return ['http:', 'https:'].includes(u.protocol) ? u.href : null;
  } catch {
    return null;
  }
};

export function orderCard(order) {
  const s = S();
  const rows = h('dl', { class: 'rows' });
  const row = (label, value) => value != null && value !== '' && rows.append(h('div', null, h('dt', null, label), h('dd', null, String(value))));
  const items = Array.isArray(order.items) ? order.items : [];
  if (items.length) row(s.items, items.map((i) => `${i.quantity ?? 1} × ${i.name ?? ''}`).join(', '));
  row(s.total, order.total);
  row(s.carrier, order.carrier);
  row(s.expected, day(order.expected_delivery));
  row(s.shipTo, order.ship_to);
  const track = order.tracking_url && safeLink(order.tracking_url);
  return h(
    'div',
    { class: 'order' },
    h(
      'p',
      { class: 'order-head' },
      h('strong', null, `${s.order} ${order.order_id ?? ''}`),
      order.status ? h('span', { class: 'chip', 'data-status': order.status }, s.orderStates[order.status] || order.status) : null,
    ),
    rows,
    track ? h('a', { href: track, target: '_blank', rel: 'noopener noreferrer nofollow' }, s.track) : null,
  );
}
