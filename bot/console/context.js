/* The context panel: who the shopper is and what they did before the handoff, plus internal notes. */
import { S, channelBadge, clock, countryName, h, languageName, money, percent, queueLabel, reasonLabel } from './common.js';
import { orderCard } from './order.js';
import { waitingTime } from './queue.js';

const section = (title, ...content) => h('section', { class: 'ctx-section' }, h('h3', null, title), ...content);
const empty = (text) => h('p', { class: 'muted' }, text);

function details(c) {
  const s = S();
  const rows = h('dl', { class: 'rows' });
  const row = (label, value) => value && rows.append(h('div', null, h('dt', null, label), h('dd', null, value)));
  row(s.state, s.states[c.state] || c.state);
  row(s.language, languageName(c.language));
  row(s.channel, channelBadge(c.channel));
  row(s.queue, queueLabel(c.queue));
  row(s.reason, reasonLabel(c.reason));
  row(s.summary, c.summary);
  row(s.waitingTime, waitingTime(c));
  return rows;
}

function cartSection(cart) {
  const s = S();
  if (!cart || typeof cart !== 'object') return section(s.cart, empty(s.noCart));
  const items = Array.isArray(cart.items) ? cart.items : [];
  const list = h(
    'ul',
    { class: 'cart-items' },
    items.map((i) => h('li', null, h('span', null, `${i.quantity ?? 1} × ${i.name || i.sku || ''}`), i.price != null ? h('span', { class: 'num' }, money(i.price * (i.quantity ?? 1))) : null)),
  );
  const rows = h('dl', { class: 'rows' });
  const row = (label, value) => value && rows.append(h('div', null, h('dt', null, label), h('dd', null, value)));
  row(s.subtotal, money(cart.subtotal));
  row(s.shipping, money(cart.shipping));
  row(s.country, countryName(cart.country));
  row(s.step, s.steps[cart.step] || cart.step);
  return section(s.cart, items.length ? list : null, rows);
}

function orderSection(c) {
  const s = S();
  if (c.order_summary && typeof c.order_summary === 'object') return section(s.verifiedOrder, orderCard(c.order_summary));
  return section(s.verifiedOrder, c.verified_order_id ? h('p', null, h('strong', null, `${s.order} ${c.verified_order_id}`)) : empty(s.noOrder));
}

function intentsSection(intents) {
  const s = S();
  if (!Array.isArray(intents) || !intents.length) return section(s.intents, empty(s.noIntents));
  return section(
    s.intents,
    h(
      'ol',
      { class: 'intents' },
      intents.map((i) =>
        h(
          'li',
          null,
          h('code', null, i.name),
          h('span', { class: 'meter', 'aria-hidden': 'true' }, h('span', { style: `width: ${Math.round(Number(i.confidence) * 100)}%` })),
          h('span', { class: 'num' }, percent(i.confidence)),
        ),
      ),
    ),
  );
}

/** The panel body for one conversation (the notes list is drawn by renderNotes). */
export function renderContext(body, conversation) {
  body.replaceChildren(details(conversation), cartSection(conversation.cart), orderSection(conversation), intentsSection(conversation.recent_intents));
}

export function renderNotes(list, notes) {
  list.replaceChildren(
    ...(notes.length
      ? notes.map((n) => h('li', null, h('p', { class: 'note-meta' }, h('strong', null, n.author || ''), ' ', h('time', null, clock(n.at))), h('p', { class: 'note-text' }, n.text)))
      : [h('li', { class: 'muted' }, S().noNotes)]),
  );
}
