/*! Checkout assistant chat widget. Protocol: bot/PROTOCOL.md. No dependencies, no build step.
 * Embed: <script src="https://hub.example/widget/widget.js" data-lang="it" defer></script>
 * Optional attributes: data-lang="it|en", data-shop-name="...", data-open="true".
 * API: window.CheckoutAssistant (setCart, setStep, setLanguage, open, close, send, on, off). */
(() => {
  'use strict';
  const previous = window.CheckoutAssistant;
  if (previous && previous.version) return; // the script was included twice

  const LANGS = ['it', 'en'];
  const K = {
    token: 'checkout-assistant-token',
    conv: 'checkout-assistant-conversation',
    read: 'checkout-assistant-read', // {c: conversation id, s: last seq the shopper has seen}
    delivered: 'checkout-assistant-delivered', // {c, s}: last seq rendered in any page (older = history)
    csat: 'checkout-assistant-csat', // conversation id the rating was asked for
    outbox: 'checkout-assistant-outbox', // sessionStorage: messages not yet acknowledged
    open: 'checkout-assistant-open', // sessionStorage: panel open across page changes
    offer: 'checkout-assistant-offer', // sessionStorage: the one proactive offer of this session
    steps: 'checkout-assistant-steps', // sessionStorage: checkout steps seen
  };

  /* ---------- interface text ---------- */
  const STRINGS = {
    it: {
      launcher: 'Serve aiuto?',
      title: 'Assistente',
      subtitle: 'Assistente virtuale',
      dialog: 'Chat di assistenza',
      close: 'Chiudi la chat',
      log: 'Conversazione',
      input: 'Scrivi un messaggio',
      placeholder: 'Scrivi la tua domanda…',
      send: 'Invia',
      human: 'Parla con una persona',
      welcome: 'Ciao! Sono l’assistente di {shop}. Chiedimi di spedizioni, pagamenti, resi o del tuo ordine.',
      suggestions: ['Quanto costa la spedizione?', 'Dov’è il mio ordine?', 'Come funzionano i resi?'],
      replies: 'Risposte rapide',
      you: 'Tu',
      bot: 'Assistente',
      agent: 'Operatore',
      system: 'Avviso',
      typing: 'L’assistente sta scrivendo…',
      offline: 'Sei offline: i messaggi partiranno appena torna la connessione.',
      reconnecting: 'Connessione persa. Nuovo tentativo tra {s} s…',
      connecting: 'Connessione in corso…',
      retryNow: 'Riprova ora',
      delayed: 'L’assistente è più lento del solito: il tuo messaggio è salvato e avrai una risposta appena possibile.',
      pending: 'In attesa di invio…',
      retry: 'Riprova',
      errors: {
        too_long: 'Messaggio troppo lungo: accorcialo e riprova.',
        rate_limited: 'Troppi messaggi in poco tempo: riprova tra qualche secondo.',
        empty: 'Il messaggio è vuoto.',
        bad_frame: 'Messaggio non accettato.',
      },
      csatQ: 'Com’è andata questa chat?',
      csatStar: (n) => `${n} su 5`,
      csatThanks: 'Grazie per la valutazione!',
      dismiss: 'Chiudi',
      offerLabel: 'Suggerimento dell’assistente',
      unread: (n) => (n === 1 ? '1 nuovo messaggio' : `${n} nuovi messaggi`),
      order: 'Ordine',
      states: { placed: 'Ricevuto', processing: 'In preparazione', shipped: 'Spedito', delivered: 'Consegnato', cancelled: 'Annullato' },
      items: 'Articoli',
      total: 'Totale',
      carrier: 'Corriere',
      expected: 'Consegna prevista',
      shipTo: 'Spedizione a',
      track: 'Traccia la spedizione',
      queued: (n, min) => `Sei il numero ${n} in coda` + (min ? `, circa ${min} ${min === 1 ? 'minuto' : 'minuti'}` : ''),
      leaveQueue: 'Lascia invece un messaggio',
      withAgent: (name) => `${name} è con te`,
      agentTyping: (name) => `${name} sta scrivendo…`,
      ticketForm: 'Lascia un messaggio al supporto',
      ticketEmail: 'La tua email',
      ticketText: 'Come possiamo aiutarti?',
      ticketSend: 'Invia la richiesta',
      ticketSent: 'Richiesta inviata…',
      ticketBadEmail: 'Scrivi un indirizzo email valido, per esempio nome@esempio.it.',
      ticketBadText: 'Descrivi brevemente la tua richiesta.',
      ticketRefused: 'Richiesta non accettata: controlla email e descrizione.',
      ticketNumber: 'Numero della richiesta',
    },
    en: {
      launcher: 'Need help?',
      title: 'Assistant',
      subtitle: 'Virtual assistant',
      dialog: 'Help chat',
      close: 'Close the chat',
      log: 'Conversation',
      input: 'Type a message',
      placeholder: 'Type your question…',
      send: 'Send',
      human: 'Talk to a person',
      welcome: 'Hi! I’m the {shop} assistant. Ask me about shipping, payment, returns or your order.',
      suggestions: ['How much is shipping?', 'Where is my order?', 'How do returns work?'],
      replies: 'Quick replies',
      you: 'You',
      bot: 'Assistant',
      agent: 'Support agent',
      system: 'Notice',
      typing: 'The assistant is typing…',
      offline: 'You are offline: messages will be sent when the connection is back.',
      reconnecting: 'Connection lost. Retrying in {s} s…',
      connecting: 'Connecting…',
      retryNow: 'Retry now',
      delayed: 'The assistant is slower than usual: your message is saved and will be answered as soon as possible.',
      pending: 'Waiting to send…',
      retry: 'Retry',
      errors: {
        too_long: 'Message too long: shorten it and try again.',
        rate_limited: 'Too many messages at once: try again in a few seconds.',
        empty: 'The message is empty.',
        bad_frame: 'Message not accepted.',
      },
      csatQ: 'How was this chat?',
      csatStar: (n) => `${n} out of 5`,
      csatThanks: 'Thanks for your rating!',
      dismiss: 'Dismiss',
      offerLabel: 'A tip from the assistant',
      unread: (n) => (n === 1 ? '1 new message' : `${n} new messages`),
      order: 'Order',
      states: { placed: 'Received', processing: 'Being prepared', shipped: 'Shipped', delivered: 'Delivered', cancelled: 'Cancelled' },
      items: 'Items',
      total: 'Total',
      carrier: 'Carrier',
      expected: 'Expected delivery',
      shipTo: 'Ship to',
      track: 'Track the parcel',
      queued: (n, min) => `You are number ${n} in the queue` + (min ? `, about ${min} ${min === 1 ? 'minute' : 'minutes'}` : ''),
      leaveQueue: 'Leave a message instead',
      withAgent: (name) => `${name} is with you`,
      agentTyping: (name) => `${name} is typing…`,
      ticketForm: 'Leave a message for our support team',
      ticketEmail: 'Your email',
      ticketText: 'How can we help?',
      ticketSend: 'Send the request',
      ticketSent: 'Request sent…',
      ticketBadEmail: 'Enter a valid email address, for example name@example.com.',
      ticketBadText: 'Describe your request briefly.',
      ticketRefused: 'Request not accepted: check the email and the description.',
      ticketNumber: 'Request number',
    },
  };
  const HANDOFF = '/human_handoff';

  /* ---------- where the hub is ---------- */
  const script =
    document.currentScript || [...document.querySelectorAll('script[src]')].find((s) => /\/widget\.js(\?|$)/.test(s.src));
  const scriptUrl = new URL(script ? script.src : '/widget/widget.js', location.href);
  const dirUrl = new URL('./', scriptUrl);
  const baseUrl = new URL('../', dirUrl);
  const apiUrl = (path) => new URL(path, baseUrl).href;
  const socketUrl = (token) => {
    const u = new URL('ws/chat', baseUrl);
    u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
    u.searchParams.set('token', token);
    return u.href;
  };
  const attr = (name) => (script && script.getAttribute('data-' + name)) || '';
  const pickLang = (v) => {
    const l = String(v || '').slice(0, 2).toLowerCase();
    return LANGS.includes(l) ? l : null;
  };

  /* ---------- storage that never throws (private modes, blocked storage) ---------- */
  const memory = {};
  const box = (area) => ({
    get(k) {
      try { return window[area].getItem(k); } catch { return memory[area + k] ?? null; }
    },
    set(k, v) {
      try { window[area].setItem(k, v); } catch { memory[area + k] = v; }
    },
    del(k) {
      try { window[area].removeItem(k); } catch { delete memory[area + k]; }
    },
    json(k, fallback) {
      try { const v = this.get(k); return v == null ? fallback : JSON.parse(v); } catch { return fallback; }
    },
  });
  const local = box('localStorage');
  const session = box('sessionStorage');

  /* ---------- DOM helpers (text only through textContent / text nodes) ---------- */
  const h = (tag, props, ...children) => {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v == null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = v;
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children.flat()) if (c != null && c !== false) el.append(c);
    return el;
  };
  const ICONS = {
    chat: 'M4 5.5A2.5 2.5 0 0 1 6.5 3h11A2.5 2.5 0 0 1 20 5.5v8a2.5 2.5 0 0 1-2.5 2.5H10l-4.2 3.6c-.5.4-1.3.1-1.3-.6V16A2.5 2.5 0 0 1 4 13.5z',
    close: 'M6.7 5.3 12 10.6l5.3-5.3 1.4 1.4-5.3 5.3 5.3 5.3-1.4 1.4-5.3-5.3-5.3 5.3-1.4-1.4 5.3-5.3-5.3-5.3z',
    down: 'M5.3 8.3 12 15l6.7-6.7 1.4 1.4L12 17.8 3.9 9.7z',
    send: 'M3.4 20.4 21 12 3.4 3.6l-.1 6.5L15 12 3.3 13.9z',
    person: 'M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zm0 2c-3.3 0-8 1.7-8 5v1h16v-1c0-3.3-4.7-5-8-5z',
    star: 'M12 2.8l2.8 5.9 6.4.8-4.7 4.4 1.2 6.4L12 17.2l-5.7 3.1 1.2-6.4-4.7-4.4 6.4-.8z',
  };
  const icon = (name) => {
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    svg.setAttribute('class', 'ca-icon');
    const path = document.createElementNS(ns, 'path');
    path.setAttribute('d', ICONS[name]);
    svg.append(path);
    return svg;
  };
  const safeHref = (url) => {
    try {
      const u = new URL(url, location.href);
      return ['http:', 'https:', 'mailto:'].includes(u.protocol) ? u.href : null;
    } catch {
      return null;
    }
  };
  const LINK = /(https?:\/\/[^\s<>"']+|www\.[^\s<>"']+)|([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})/g;
  /** Text with its URLs and email addresses as links; everything else stays plain text. */
  const richText = (text) => {
    const frag = document.createDocumentFragment();
    let last = 0;
    for (const m of String(text).matchAll(LINK)) {
      let shown = m[0];
      if (m[1]) shown = shown.replace(/[.,;:!?)\]}»]+$/, '');
      const href = safeHref(m[2] ? 'mailto:' + shown : shown.startsWith('www.') ? 'https://' + shown : shown);
      frag.append(text.slice(last, m.index));
      frag.append(href ? h('a', { href, target: m[2] ? null : '_blank', rel: 'noopener noreferrer nofollow' }, shown) : shown);
      last = m.index + shown.length;
    }
    frag.append(text.slice(last));
    return frag;
  };
  const uid = () =>
    (crypto.randomUUID && crypto.randomUUID()) || Date.now().toString(36) + '-' + Math.random().toString(36).slice(2, 12);

  /* ---------- state ---------- */
  const state = {
    lang: pickLang(attr('lang')) || pickLang(document.documentElement.lang) || 'it',
    shopName: attr('shop-name'),
    token: local.get(K.token),
    conv: local.get(K.conv),
    ws: null,
    online: false,
    attempt: 0,
    retryAt: 0,
    lastSeq: 0, // highest seq of a transcript frame rendered: the next hello's after_seq
    seqs: new Set(),
    titles: new Map(), // button payload -> title, to show shoppers what they clicked
    cart: null,
    step: null,
    open: false,
    stuck: true,
    typing: false,
    delayed: false,
    config: null,
    outbox: session.json(K.outbox, []), // [{frame, display}]
    csatPending: null,
    bootDelivered: 0,
    handoff: { state: 'bot' }, // the hub's handoff frame: state, position, wait_seconds, agent
    typingWho: null, // null: the bot is typing; else the agent's name
    shopperTyping: { on: false, lastOn: 0 },
    ticketForm: null, // the one interactive ticket form
  };
  const timers = {};
  const handlers = {};
  const emit = (event, detail) => {
    for (const fn of handlers[event] || []) {
      try { fn(detail); } catch (e) { console.error('[CheckoutAssistant]', e); }
    }
  };
  const S = () => {
    const base = STRINGS[state.lang];
    const extra = state.config && state.config.strings;
    return extra && typeof extra === 'object' ? { ...base, ...pickStrings(extra, base) } : base;
  };
  const pickStrings = (extra, base) =>
    Object.fromEntries(Object.entries(extra).filter(([k, v]) => typeof v === 'string' && typeof base[k] === 'string'));
  const fill = (s, vars) => s.replace(/\{(\w+)\}/g, (_, k) => (vars[k] ?? ''));
  const shopName = () => state.shopName || (state.config && state.config.shop_name) || S().title;

  /* ---------- DOM ---------- */
  const texts = []; // [element, key, attribute|null]
  const t = (el, key, attr) => (texts.push([el, key, attr]), el);
  const closeBtn = t(h('button', { type: 'button', class: 'ca-icon-btn', onclick: () => close() }, icon('close')), 'close', 'aria-label');
  const titleEl = h('h2', { class: 'ca-title', id: 'ca-w-title' });
  const header = h(
    'div',
    { class: 'ca-header' },
    h('div', { class: 'ca-avatar', 'aria-hidden': 'true' }, icon('chat')),
    h('div', { class: 'ca-heading' }, titleEl, t(h('p', { class: 'ca-subtitle' }), 'subtitle')),
    closeBtn,
  );
  const bannerText = h('span');
  const bannerBtn = t(h('button', { type: 'button', class: 'ca-link-btn', onclick: () => reconnectNow() }), 'retryNow');
  const banner = h('div', { class: 'ca-banner', role: 'status', hidden: true }, bannerText, ' ', bannerBtn);
  const log = t(h('div', { class: 'ca-log', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions' }), 'log', 'aria-label');
  const typingLabel = h('span', { class: 'ca-sr' });
  const typingEl = h(
    'div',
    { class: 'ca-msg ca-msg--bot ca-typing', hidden: true },
    h('div', { class: 'ca-bubble' }, typingLabel, h('span', { class: 'ca-dots', 'aria-hidden': 'true' }, h('i'), h('i'), h('i'))),
  );
  const scroller = h('div', { class: 'ca-scroll' }, log, typingEl);
  const notice = h('div', { class: 'ca-notice', role: 'status' });
  const input = t(
    t(h('textarea', { id: 'ca-w-input', class: 'ca-input', rows: '1', maxlength: '2000', autocomplete: 'off', enterkeyhint: 'send' }), 'placeholder', 'placeholder'),
    'input',
    'aria-label',
  );
  const sendBtn = t(h('button', { type: 'submit', class: 'ca-send' }, icon('send')), 'send', 'aria-label');
  const form = h('form', { class: 'ca-form', onsubmit: onSubmit }, t(h('label', { class: 'ca-sr', for: 'ca-w-input' }), 'input'), input, sendBtn);
  const humanBtn = h('button', { type: 'button', class: 'ca-human', onclick: () => send(HANDOFF) }, icon('person'), t(h('span'), 'human'));
  const handoffText = h('span', { class: 'ca-handoff-text', role: 'status' });
  const leaveBtn = t(h('button', { type: 'button', class: 'ca-link-btn', onclick: leaveQueue }), 'leaveQueue');
  const handoffBar = h('div', { class: 'ca-handoff', hidden: true }, h('span', { class: 'ca-handoff-dot', 'aria-hidden': 'true' }), handoffText, leaveBtn);
  const panel = h('div', { class: 'ca-panel', id: 'ca-w-panel', role: 'dialog', hidden: true }, header, banner, handoffBar, scroller, notice, h('div', { class: 'ca-footer' }, humanBtn, form));
  const cardSlot = h('div', { class: 'ca-slot', 'aria-live': 'polite' });
  const badge = h('span', { class: 'ca-badge', 'aria-hidden': 'true', hidden: true });
  const unreadSr = h('span', { class: 'ca-sr' });
  const launcher = h(
    'button',
    { type: 'button', class: 'ca-launcher', 'aria-expanded': 'false', 'aria-controls': 'ca-w-panel', onclick: () => (state.open ? close() : open()) },
    icon('chat'),
    icon('down'),
    t(h('span', { class: 'ca-launcher-label' }), 'launcher'),
    badge,
    unreadSr,
  );
  const root = h('div', { class: 'ca-root', 'data-state': 'closed' }, panel, launcher, cardSlot);
  root.style.visibility = 'hidden';
  let welcome = null;

  function applyStrings() {
    const s = S();
    root.setAttribute('lang', state.lang);
    for (const [el, key, at] of texts) at ? el.setAttribute(at, s[key]) : (el.textContent = s[key]);
    titleEl.textContent = shopName();
    panel.setAttribute('aria-label', `${s.dialog} – ${shopName()}`);
    renderWelcome();
    updateBanner();
    updateNotice();
    updateUnread();
    updateHandoff();
    renderTypingLabel();
  }

  /* ---------- transcript ---------- */
  const firstPending = (except) => [...log.children].find((el) => el !== except && el.classList.contains('ca-msg--pending'));
  /** Insert a confirmed entry in seq order, always above messages still waiting to be sent. */
  function place(el, seq) {
    let before = firstPending(el) || null;
    for (let node = (before || log.lastElementChild); node && seq != null; node = node.previousElementSibling) {
      if (node === el || !node.dataset.seq) continue;
      if (Number(node.dataset.seq) > seq) before = node;
      else break;
    }
    if (el.nextSibling !== before || el.parentNode !== log) log.insertBefore(el, before);
  }

  function speaker(role, name) {
    const s = S();
    return name || { shopper: s.you, bot: s.bot, agent: s.agent, system: s.system }[role] || s.bot;
  }
  const agentName = (custom) => (custom.agent && typeof custom.agent.name === 'string' && custom.agent.name) || null;

  function bubble(role, text, extra, name) {
    const b = h('div', { class: text ? 'ca-bubble' : 'ca-bubble ca-bubble--bare' }, h('span', { class: 'ca-sr' }, speaker(role, name) + ': '));
    if (text) b.append(h('span', { class: 'ca-text' }, role === 'shopper' ? text : richText(text)));
    if (extra) b.append(extra);
    return b;
  }

  function shownText(entry) {
    const text = entry.text || '';
    if (entry.role !== 'shopper') return text;
    if (state.titles.has(text)) return state.titles.get(text);
    return text === HANDOFF ? S().human : text;
  }

  function replyButtons(buttons) {
    const group = h('div', { class: 'ca-replies', role: 'group', 'aria-label': S().replies });
    for (const btn of buttons) {
      const title = String(btn.title ?? btn.payload ?? '');
      const payload = String(btn.payload ?? btn.title ?? '');
      if (!payload) continue;
      state.titles.set(payload, title);
      group.append(h('button', { type: 'button', class: 'ca-reply', onclick: () => send(payload, title) }, title));
    }
    return group;
  }
  const clearReplies = (upToSeq) => {
    for (const g of log.querySelectorAll('.ca-replies')) {
      const msg = g.closest('.ca-msg');
      if (upToSeq == null || !msg.dataset.seq || Number(msg.dataset.seq) < upToSeq) g.remove();
    }
  };

  function orderCard(o) {
    const s = S();
    const rows = h('dl', { class: 'ca-card-rows' });
    const row = (label, value) => value != null && value !== '' && rows.append(h('div', null, h('dt', null, label), h('dd', null, String(value))));
    if (Array.isArray(o.items) && o.items.length) {
      rows.append(h('div', null, h('dt', null, s.items), h('dd', null, h('ul', null, o.items.map((i) => h('li', null, `${i.quantity ?? 1} × ${i.name ?? ''}`))))));
    }
    row(s.total, o.total);
    row(s.carrier, o.carrier);
    row(s.expected, formatDate(o.expected_delivery));
    row(s.shipTo, o.ship_to);
    const href = o.tracking_url && safeHref(o.tracking_url);
    return h(
      'div',
      { class: 'ca-order' },
      h('div', { class: 'ca-order-head' }, h('strong', null, `${s.order} ${o.order_id ?? ''}`), o.status ? h('span', { class: 'ca-chip', 'data-status': o.status }, s.states[o.status] || o.status) : null),
      rows,
      href && /^https?:/.test(href) ? h('a', { class: 'ca-order-link', href, target: '_blank', rel: 'noopener noreferrer nofollow' }, s.track) : null,
    );
  }
  function formatDate(iso) {
    if (!iso) return null;
    const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(iso) ? iso + 'T12:00:00' : iso);
    if (Number.isNaN(d.getTime())) return iso;
    return d.toLocaleDateString(state.lang === 'it' ? 'it-IT' : 'en-GB', { weekday: 'short', day: 'numeric', month: 'long' });
  }

  function renderEntry(f) {
    const seq = Number(f.seq);
    if (!Number.isInteger(seq) || seq < 1) return;
    state.lastSeq = Math.max(state.lastSeq, seq);
    if (state.seqs.has(seq)) return; // already shown (replay overlap, or our own message acknowledged first)
    state.seqs.add(seq);
    const role = ['shopper', 'bot', 'agent', 'system'].includes(f.role) ? f.role : 'bot';
    const custom = f.custom && typeof f.custom === 'object' ? f.custom : {};
    const entry = { seq, role, text: String(f.text || ''), buttons: Array.isArray(f.buttons) ? f.buttons : [], custom, clientId: f.client_id || null, at: f.at || null, history: seq <= state.bootDelivered };
    const delivered = local.json(K.delivered, {});
    if (delivered.c !== state.conv || delivered.s < seq) local.set(K.delivered, JSON.stringify({ c: state.conv, s: seq }));

    if (role === 'shopper') {
      if (entry.clientId) dropFromOutbox(entry.clientId);
      const mine = entry.clientId && log.querySelector(`[data-client-id="${CSS.escape(entry.clientId)}"]`);
      clearReplies(seq);
      if (mine) {
        confirm(mine, seq);
        return emit('message', entry);
      }
    }
    if (custom.handoff && !entry.history) emit('handoff', custom.handoff);
    const extra = entryExtra(entry);
    if (!entry.text && !entry.buttons.length && !extra) return emit('message', entry);

    const el = h('div', { class: `ca-msg ca-msg--${role}`, 'data-seq': String(seq) });
    if (custom.agent_joined || custom.agent_left) el.classList.add('ca-msg--notice');
    if (custom.csat_request) el.classList.add('ca-msg--csat');
    if (custom.ticket_offer || custom.ticket) el.classList.add('ca-msg--ticket');
    if (entry.at) el.title = new Date(entry.at).toLocaleString(state.lang === 'it' ? 'it-IT' : 'en-GB');
    const name = role === 'agent' ? agentName(custom) : null;
    if (role === 'agent') el.append(h('div', { class: 'ca-name', 'aria-hidden': 'true' }, name || S().agent));
    el.append(bubble(role, shownText(entry), extra, name));
    if (entry.buttons.length && role !== 'shopper') el.append(replyButtons(entry.buttons));
    place(el, seq);

    if (role === 'bot' || role === 'agent') {
      setTyping(false);
    }
    if (state.delayed && (role === 'bot' || role === 'system')) setDelayed(false); // answered, or given up
    afterRender(role === 'shopper');
    emit('message', entry);
  }

  /** What an entry shows besides its text: an order card, the ticket form or number, the rating. */
  function entryExtra(entry) {
    const c = entry.custom;
    if (c.order_summary && typeof c.order_summary === 'object') return orderCard(c.order_summary);
    if (c.ticket_offer) return ticketForm();
    if (c.ticket && typeof c.ticket === 'object') {
      removeTicketForm(); // answered: a replayed offer before it is not shown again
      return h('p', { class: 'ca-ticket-number' }, S().ticketNumber + ' ', h('strong', null, String(c.ticket.number || '')));
    }
    if (c.csat_request && state.conv && local.get(K.csat) !== state.conv) {
      local.set(K.csat, state.conv); // asked once per conversation, here or by the card
      return csatBox();
    }
    return null;
  }

  function afterRender(force) {
    renderWelcome();
    if (state.open) markRead();
    updateUnread();
    if (force || state.stuck || state.replaying) toBottom();
  }
  const toBottom = () => requestAnimationFrame(() => (scroller.scrollTop = scroller.scrollHeight));
  // follow new messages while the shopper is at the bottom; leave them alone when they scrolled up to read
  scroller.addEventListener('scroll', () => (state.stuck = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 60), { passive: true });

  function renderWelcome() {
    const s = S();
    const empty = !log.querySelector('[data-seq], .ca-msg--pending');
    const key = [state.lang, shopName(), empty].join('|');
    if (welcome && welcome.dataset.key === key) return; // unchanged: the live log is not disturbed
    if (!welcome) {
      welcome = h('div', { class: 'ca-msg ca-msg--bot ca-msg--local' });
      log.prepend(welcome);
    }
    welcome.dataset.key = key;
    welcome.replaceChildren(bubble('bot', fill(s.welcome, { shop: shopName() })));
    if (empty) {
      const group = h('div', { class: 'ca-replies', role: 'group', 'aria-label': s.replies });
      for (const q of s.suggestions) group.append(h('button', { type: 'button', class: 'ca-reply', onclick: () => send(q) }, q));
      welcome.append(group);
    }
  }

  function clearTranscript() {
    for (const el of [...log.children]) if (el.dataset.seq) el.remove();
    state.seqs.clear();
    state.titles.clear();
    state.lastSeq = 0;
    renderWelcome();
    updateUnread();
  }

  /* ---------- sending ---------- */
  function metadata() {
    const m = { page: location.pathname, page_language: state.lang };
    if (state.cart || state.step) m.cart = { ...(state.cart || {}), ...(state.step ? { step: state.step } : {}) };
    return m;
  }

  function send(text, display) {
    text = String(text ?? '').trim();
    if (!text) return null;
    const frame = { type: 'message', id: uid(), text, metadata: metadata() };
    const item = { frame, display: String(display || (text === HANDOFF ? S().human : text)) };
    if (display) state.titles.set(text, item.display);
    state.outbox.push(item);
    saveOutbox();
    clearReplies();
    renderPending(item);
    transmit(frame);
    return frame.id;
  }

  function renderPending(item) {
    const status = h('div', { class: 'ca-status' }, S().pending);
    const el = h('div', { class: 'ca-msg ca-msg--shopper ca-msg--pending', 'data-client-id': item.frame.id }, bubble('shopper', item.display), status);
    log.append(el);
    // Show "waiting" only when it lasts: no flicker on a healthy connection.
    el._waitTimer = setTimeout(() => el.classList.add('ca-msg--waiting'), state.online ? 1500 : 0);
    afterRender(true);
  }

  function confirm(el, seq) {
    clearTimeout(el._waitTimer);
    el.classList.remove('ca-msg--pending', 'ca-msg--waiting', 'ca-msg--failed');
    el.querySelector('.ca-status')?.remove();
    el.dataset.seq = String(seq);
    place(el, seq);
    afterRender(false);
  }

  function transmit(frame) {
    if (state.ws && state.online && state.ws.readyState === 1) {
      state.ws.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }
  const saveOutbox = () => (state.outbox.length ? session.set(K.outbox, JSON.stringify(state.outbox)) : session.del(K.outbox));
  function dropFromOutbox(id) {
    const before = state.outbox.length;
    state.outbox = state.outbox.filter((i) => i.frame.id !== id);
    if (state.outbox.length !== before) saveOutbox();
  }
  function flush() {
    for (const item of state.outbox) if (!item.failed) transmit(item.frame);
    if (state.csatPending) transmit({ type: 'csat', score: state.csatPending });
  }

  function onAck(f) {
    if (f.id === 'csat') {
      state.csatPending = null;
      return;
    }
    if (f.id === 'ticket') return; // the ticket entry with its number follows
    const el = log.querySelector(`[data-client-id="${CSS.escape(String(f.id))}"]`);
    const taken = Number.isInteger(f.seq) && log.querySelector(`[data-seq="${f.seq}"]`);
    if (taken && taken !== el && !f.duplicate) return historyLost();
    const item = state.outbox.find((i) => i.frame.id === f.id);
    dropFromOutbox(f.id);
    if (!el || !el.classList.contains('ca-msg--pending')) return;
    const seq = Number.isInteger(f.seq) ? f.seq : null;
    if (seq != null) state.seqs.add(seq); // its echo will not be rendered twice
    confirm(el, seq);
    if (item) {
      const text = item.frame.text;
      emit('message', { seq, role: 'shopper', text, buttons: [], custom: {}, clientId: f.id, at: new Date().toISOString(), history: false });
    }
  }

  /** The hub numbers this conversation from scratch (an in-memory hub restarted): start over. */
  function historyLost() {
    clearTranscript();
    local.set(K.read, JSON.stringify({ c: state.conv, s: 0 }));
    const ws = state.ws;
    state.ws = null;
    clearInterval(timers.ping);
    try { ws && ws.close(); } catch {}
    state.attempt = 0;
    startSession(); // hello after_seq 0: the whole transcript again; pending messages are re-sent
  }

  function onError(f) {
    if (ticketRefused(f)) return;
    const s = S();
    const text = s.errors[f.code] || s.errors.bad_frame;
    const item = f.id && state.outbox.find((i) => i.frame.id === f.id);
    const el = f.id && log.querySelector(`[data-client-id="${CSS.escape(String(f.id))}"]`);
    if (!item || !el) return showNotice(text);
    clearTimeout(el._waitTimer);
    el.classList.remove('ca-msg--waiting');
    el.classList.add('ca-msg--failed');
    const status = el.querySelector('.ca-status');
    if (f.code === 'rate_limited') {
      item.failed = true; // not re-sent automatically; the shopper retries (same id: still idempotent)
      status.replaceChildren(text + ' ', h('button', { type: 'button', class: 'ca-link-btn', onclick: () => retry(item, el) }, s.retry));
    } else {
      dropFromOutbox(f.id);
      status.textContent = text;
      if (f.code === 'too_long' && !input.value) input.value = item.frame.text;
    }
  }
  function retry(item, el) {
    item.failed = false;
    el.classList.remove('ca-msg--failed');
    el.querySelector('.ca-status').textContent = S().pending;
    transmit(item.frame);
  }

  function onSubmit(e) {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    stopShopperTyping();
    send(text);
    input.value = '';
    autosize();
    input.focus();
  }
  function autosize() {
    input.style.height = 'auto';
    input.style.height = Math.min(input.scrollHeight, 120) + 'px';
  }
  input.addEventListener('input', () => (autosize(), shopperTyped()));
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) onSubmit(e);
  });

  /* ---------- handoff to a person: queue position, the agent, tickets (PROTOCOL.md section 3) ---------- */
  function onHandoff(f) {
    const before = state.handoff;
    const next = ['bot', 'queued', 'agent', 'ticket', 'closed'].includes(f.state) ? f.state : 'bot';
    state.handoff = { state: next, position: Number(f.position) || 0, wait: Number(f.wait_seconds) || 0, agent: next === 'agent' && typeof f.agent === 'string' ? f.agent : null };
    if (next !== 'agent') stopShopperTyping();
    if (next === 'queued' || next === 'agent') removeTicketForm();
    updateHandoff();
    if (before.state !== next || before.agent !== state.handoff.agent) emit('agent', { state: next, agent: state.handoff.agent });
  }
  function updateHandoff() {
    const s = S();
    const { state: now, position, wait, agent } = state.handoff;
    root.dataset.handoff = now;
    handoffBar.hidden = now !== 'queued' && now !== 'agent';
    humanBtn.hidden = !handoffBar.hidden;
    leaveBtn.hidden = now !== 'queued';
    leaveBtn.disabled = false;
    const minutes = wait > 0 ? Math.max(1, Math.round(wait / 60)) : 0;
    handoffText.textContent = now === 'queued' ? s.queued(position || 1, minutes) : now === 'agent' ? s.withAgent(agent || s.agent) : '';
  }
  function leaveQueue() {
    if (transmit({ type: 'leave_queue' })) leaveBtn.disabled = true;
  }

  /** The form of a ticket offer (email + description); only the latest offer is interactive. */
  function ticketForm() {
    removeTicketForm();
    const s = S();
    const id = uid();
    const field = (tag, key, props) => {
      const el = h(tag, { id: `ca-t-${key}-${id}`, class: 'ca-field', 'aria-describedby': `ca-t-${key}-err-${id}`, ...props });
      const error = h('p', { class: 'ca-field-error', id: `ca-t-${key}-err-${id}`, hidden: true });
      return { el, error, parts: [h('label', { for: el.id }, key === 'email' ? s.ticketEmail : s.ticketText), el, error] };
    };
    const email = field('input', 'email', { type: 'email', autocomplete: 'email', maxlength: '254', inputmode: 'email' });
    const text = field('textarea', 'text', { rows: '3', maxlength: '2000' });
    const general = h('p', { class: 'ca-field-error', role: 'alert', hidden: true });
    const button = h('button', { type: 'submit', class: 'ca-ticket-send' }, s.ticketSend);
    const form = h('form', { class: 'ca-ticket-form', novalidate: true, 'aria-label': s.ticketForm }, email.parts, text.parts, general, button);
    const show = (target, message) => {
      target.error.textContent = message || '';
      target.error.hidden = !message;
      target.el.setAttribute('aria-invalid', message ? 'true' : 'false');
    };
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const address = email.el.value.trim();
      const description = text.el.value.trim();
      show(email, /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(address) ? '' : S().ticketBadEmail);
      show(text, description ? '' : S().ticketBadText);
      general.hidden = true;
      if (form.querySelector('[aria-invalid="true"]')) return form.querySelector('[aria-invalid="true"]').focus();
      if (!transmit({ type: 'ticket', email: address, description })) return refused(S().offline);
      form.dataset.pending = 'true';
      button.disabled = true;
      button.textContent = S().ticketSent;
    });
    const refused = (message) => {
      delete form.dataset.pending;
      button.disabled = false;
      button.textContent = S().ticketSend;
      general.textContent = message;
      general.hidden = false;
    };
    state.ticketForm = { form, refused };
    return form;
  }
  function removeTicketForm() {
    if (state.ticketForm) state.ticketForm.form.remove();
    state.ticketForm = null;
  }
  /** An error frame that answers our ticket frame: the form says so and stays filled in. */
  function ticketRefused(f) {
    const t = state.ticketForm;
    if (!t || !t.form.dataset.pending || (f.id && f.id !== 'ticket')) return false;
    t.refused(S().ticketRefused);
    return true;
  }

  /** The shopper's typing, shown to the agent: at most one "on" per 2 s, "off" after 3 s idle or on send. */
  function shopperTyped() {
    if (state.handoff.state !== 'agent') return;
    const typing = state.shopperTyping;
    const now = Date.now();
    if ((!typing.on || now - typing.lastOn >= 2000) && transmit({ type: 'typing', on: true })) {
      typing.on = true;
      typing.lastOn = now;
    }
    clearTimeout(timers.shopperTyping);
    timers.shopperTyping = setTimeout(stopShopperTyping, 3000);
  }
  function stopShopperTyping() {
    clearTimeout(timers.shopperTyping);
    if (state.shopperTyping.on) transmit({ type: 'typing', on: false });
    state.shopperTyping.on = false;
  }

  /* ---------- status: typing, delayed, notices, connection banner ---------- */
  /** `who`: null for the bot, else the name of the agent who is typing. */
  function setTyping(on, who) {
    state.typing = on;
    state.typingWho = on ? who || null : null;
    typingEl.hidden = !on;
    renderTypingLabel();
    clearTimeout(timers.typing);
    if (on) {
      timers.typing = setTimeout(() => setTyping(false), 60000);
      afterRender(false);
    }
  }
  function renderTypingLabel() {
    const who = state.typingWho;
    typingLabel.className = who ? 'ca-typing-name' : 'ca-sr';
    typingLabel.textContent = who ? S().agentTyping(who) : S().typing;
    typingEl.classList.toggle('ca-msg--agent', !!who);
    typingEl.classList.toggle('ca-msg--bot', !who);
  }
  function setDelayed(on) {
    state.delayed = on;
    updateNotice();
  }
  function updateNotice() {
    const s = S();
    notice.textContent = state.delayed ? s.delayed : state.noticeText || '';
    notice.hidden = !notice.textContent;
  }
  function showNotice(text) {
    state.noticeText = text;
    updateNotice();
    clearTimeout(timers.notice);
    timers.notice = setTimeout(() => {
      state.noticeText = '';
      updateNotice();
    }, 6000);
  }

  function updateBanner() {
    const s = S();
    clearInterval(timers.countdown);
    if (state.online || !state.everFailed) {
      banner.hidden = true;
      return;
    }
    banner.hidden = false;
    const tick = () => {
      if (navigator.onLine === false) bannerText.textContent = s.offline;
      else if (state.connecting) bannerText.textContent = s.connecting;
      else bannerText.textContent = fill(s.reconnecting, { s: Math.max(1, Math.ceil((state.retryAt - Date.now()) / 1000)) });
      bannerBtn.hidden = !!state.connecting;
    };
    tick();
    timers.countdown = setInterval(tick, 1000);
  }

  /* ---------- connection: session, socket, reconnect with backoff ---------- */
  function setOnline(on) {
    state.online = on;
    root.dataset.connection = on ? 'online' : 'offline';
    if (!on) state.everFailed = state.everFailed || state.attempt > 0;
    updateBanner();
  }

  async function startSession() {
    clearTimeout(timers.reconnect);
    if (state.connecting) return;
    state.connecting = true;
    updateBanner();
    try {
      const stored = local.get(K.token);
      if (stored && stored !== state.rejected) state.token = stored; // another tab may have renewed it
      const res = await fetch(apiUrl('api/session'), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ token: state.token === state.rejected ? null : state.token || null, language: state.lang }),
        credentials: 'omit',
      });
      if (!res.ok) throw new Error('session ' + res.status);
      const data = await res.json();
      if (!data.token || !data.conversation_id) throw new Error('session: bad answer');
      state.token = data.token;
      local.set(K.token, data.token);
      if (data.conversation_id !== state.conv) {
        const hadOne = state.conv != null;
        state.conv = data.conversation_id;
        local.set(K.conv, state.conv);
        state.bootDelivered = 0;
        if (hadOne) clearTranscript();
      }
      state.connecting = false;
      openSocket();
    } catch (e) {
      state.connecting = false;
      scheduleReconnect();
    }
  }

  function openSocket() {
    let ws;
    try {
      ws = new WebSocket(socketUrl(state.token));
    } catch {
      return scheduleReconnect();
    }
    state.ws = ws;
    ws.onopen = () => {
      if (state.ws !== ws) return;
      state.attempt = 0;
      state.everFailed = false;
      setOnline(true);
      state.replaying = true;
      log.setAttribute('aria-busy', 'true'); // the replay is not read out message by message
      ws.send(JSON.stringify({ type: 'hello', after_seq: state.lastSeq }));
      flush();
      endReplaySoon();
      clearInterval(timers.ping);
      timers.ping = setInterval(ping, 25000);
    };
    ws.onmessage = (ev) => {
      if (state.ws !== ws) return;
      clearTimeout(timers.pong);
      let f;
      try { f = JSON.parse(ev.data); } catch { return; }
      if (!f || typeof f !== 'object') return;
      if (state.replaying) endReplaySoon();
      if (f.type === 'message') renderEntry(f);
      else if (f.type === 'ack') onAck(f);
      else if (f.type === 'typing') setTyping(!!f.on, f.who === 'agent' ? f.name || state.handoff.agent || S().agent : null);
      else if (f.type === 'handoff') onHandoff(f);
      else if (f.type === 'status') setDelayed(f.state === 'delayed');
      else if (f.type === 'error') onError(f);
    };
    ws.onclose = (ev) => closed(ws, ev.code);
    ws.onerror = () => {}; // onclose follows
  }
  function endReplaySoon() {
    clearTimeout(timers.replay);
    timers.replay = setTimeout(() => {
      state.replaying = false;
      log.removeAttribute('aria-busy');
    }, 400);
  }

  function closed(ws, code) {
    if (state.ws !== ws) return;
    state.ws = null;
    clearInterval(timers.ping);
    clearTimeout(timers.pong);
    setTyping(false);
    if (code === 4401) state.rejected = state.token; // expired or unknown: ask for a new session
    setOnline(false);
    scheduleReconnect(code === 4401 && state.attempt === 0 ? 0 : undefined);
  }

  function ping() {
    if (!transmit({ type: 'ping' })) return;
    clearTimeout(timers.pong);
    const ws = state.ws;
    timers.pong = setTimeout(() => {
      try { ws.close(); } catch {}
      closed(ws, 4000); // no answer in 10 s: the connection is dead even if the browser has not noticed
    }, 10000);
  }

  /** Exponential backoff from 1 s to 30 s with ±30% jitter. */
  function scheduleReconnect(delay) {
    clearTimeout(timers.reconnect);
    if (delay == null) {
      const base = Math.min(30000, 1000 * 2 ** state.attempt);
      delay = Math.min(30000, Math.max(1000, base * (0.7 + Math.random() * 0.6)));
    }
    state.attempt++;
    if (delay > 0) state.everFailed = true;
    state.retryAt = Date.now() + delay;
    setOnline(false);
    timers.reconnect = setTimeout(startSession, delay);
  }
  function reconnectNow() {
    if (state.online || state.connecting) return;
    startSession();
  }
  window.addEventListener('online', reconnectNow);
  window.addEventListener('offline', () => updateBanner());
  window.addEventListener('storage', (e) => {
    if (e.key === K.read) updateUnread();
    if (e.key === K.conv && e.newValue && e.newValue !== state.conv) {
      // another tab started a new conversation: follow it
      const ws = state.ws;
      state.ws = null;
      clearInterval(timers.ping);
      try { ws && ws.close(); } catch {}
      state.token = local.get(K.token);
      state.attempt = 0;
      startSession();
    }
  });

  /* ---------- unread badge ---------- */
  function readSeq() {
    const r = local.json(K.read, {});
    return r && r.c === state.conv ? Number(r.s) || 0 : 0;
  }
  function markRead() {
    if (readSeq() < state.lastSeq) local.set(K.read, JSON.stringify({ c: state.conv, s: state.lastSeq }));
  }
  function updateUnread() {
    const seen = readSeq();
    const n = state.open ? 0 : [...log.querySelectorAll('.ca-msg--bot[data-seq], .ca-msg--agent[data-seq], .ca-msg--csat[data-seq]')].filter((el) => Number(el.dataset.seq) > seen).length;
    badge.hidden = !n;
    badge.textContent = n > 9 ? '9+' : String(n);
    unreadSr.textContent = n ? ' (' + S().unread(n) + ')' : '';
  }

  /* ---------- open / close, keyboard ---------- */
  const fullscreen = () => window.matchMedia('(max-width: 479.98px)').matches;
  function open(opts) {
    if (state.open) return;
    state.open = true;
    clearCard();
    panel.hidden = false;
    root.dataset.state = 'open';
    launcher.setAttribute('aria-expanded', 'true');
    session.set(K.open, '1');
    markRead();
    updateUnread();
    toBottom();
    if (!(opts && opts.focus === false)) input.focus({ preventScroll: true });
    emit('open', {});
  }
  function close(opts) {
    if (!state.open) return;
    const hadFocus = panel.contains(document.activeElement);
    state.open = false;
    panel.hidden = true;
    root.dataset.state = 'closed';
    launcher.setAttribute('aria-expanded', 'false');
    session.set(K.open, '0');
    if (hadFocus || (opts && opts.focus)) launcher.focus({ preventScroll: true });
    emit('close', {});
    maybeAskCsat();
  }
  root.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      if (state.open && (panel.contains(e.target) || e.target === launcher)) {
        e.preventDefault();
        close({ focus: true });
      } else if (cardSlot.contains(e.target)) {
        e.preventDefault();
        clearCard();
        launcher.focus();
      }
    } else if (e.key === 'Tab' && state.open && fullscreen() && panel.contains(e.target)) {
      // full-screen on phones: keep focus inside the panel
      const items = [...panel.querySelectorAll('button, textarea, a[href]')].filter((el) => !el.disabled && el.offsetParent !== null);
      const first = items[0];
      const last = items[items.length - 1];
      if (e.shiftKey && document.activeElement === first) {
        e.preventDefault();
        last.focus();
      } else if (!e.shiftKey && document.activeElement === last) {
        e.preventDefault();
        first.focus();
      }
    }
  });

  /* ---------- cards next to the launcher: proactive offer, CSAT ---------- */
  function clearCard() {
    clearTimeout(timers.card);
    cardSlot.replaceChildren();
  }
  function card(kind, labelText, ...content) {
    const dismiss = h('button', { type: 'button', class: 'ca-icon-btn ca-card-close', 'aria-label': S().dismiss, onclick: () => (clearCard(), launcher.focus()) }, icon('close'));
    const el = h('div', { class: `ca-card ca-card--${kind}`, role: 'group', 'aria-label': labelText }, ...content, dismiss);
    cardSlot.replaceChildren(el);
    return el;
  }

  /** Five stars to rate the conversation; `onRate(n)` when one is chosen. */
  function starRow(onRate) {
    const s = S();
    const stars = [1, 2, 3, 4, 5].map((n) =>
      h('button', { type: 'button', class: 'ca-star', 'aria-label': s.csatStar(n), 'data-n': String(n), onclick: () => onRate(n) }, icon('star')),
    );
    const row = h('div', { class: 'ca-stars' }, stars);
    const light = (n) => stars.forEach((b, i) => b.classList.toggle('ca-star--on', i < n));
    row.addEventListener('mouseover', (e) => light(Number(e.target.closest('.ca-star')?.dataset.n || 0)));
    row.addEventListener('focusin', (e) => light(Number(e.target.closest('.ca-star')?.dataset.n || 0)));
    row.addEventListener('mouseleave', () => light(0));
    row.addEventListener('focusout', () => light(0));
    return row;
  }
  function maybeAskCsat() {
    const answered = log.querySelector('.ca-msg--bot[data-seq], .ca-msg--agent[data-seq]');
    if (!answered || !state.conv || local.get(K.csat) === state.conv) return;
    local.set(K.csat, state.conv);
    const s = S();
    card('csat', s.csatQ, h('p', { class: 'ca-card-text' }, s.csatQ), starRow(rateInCard));
  }
  /** The rating asked in the transcript (a csat_request entry, after an agent resolved the chat). */
  function csatBox() {
    const box = h(
      'div',
      { class: 'ca-csat', role: 'group', 'aria-label': S().csatQ },
      starRow((n) => {
        rate(n);
        box.replaceChildren(h('p', { class: 'ca-card-text' }, S().csatThanks));
        input.focus({ preventScroll: true });
      }),
    );
    return box;
  }
  function rate(score) {
    state.csatPending = score;
    transmit({ type: 'csat', score });
    emit('csat', { score, conversationId: state.conv });
  }
  function rateInCard(score) {
    rate(score);
    const el = card('csat', S().csatThanks, h('p', { class: 'ca-card-text' }, S().csatThanks));
    launcher.focus({ preventScroll: true });
    timers.card = setTimeout(() => el.isConnected && clearCard(), 4000);
  }

  const offers = () => (state.config && Array.isArray(state.config.proactive) ? state.config.proactive : []);
  function offer(o) {
    if (!o || !o.text || state.open || cardSlot.firstChild || session.get(K.offer)) return;
    session.set(K.offer, o.id || 'offer');
    const text = String(o.text);
    card(
      'offer',
      S().offerLabel,
      h('button', { type: 'button', class: 'ca-offer', onclick: () => acceptOffer(text) }, text),
    );
  }
  function acceptOffer(text) {
    clearCard();
    const el = h('div', { class: 'ca-msg ca-msg--bot ca-msg--local' }, bubble('bot', text));
    log.insertBefore(el, firstPending() || null);
    open();
  }

  // idle: no input, scroll or pointer activity for `seconds` while on checkout `step`
  let lastActivity = Date.now();
  const activity = () => (lastActivity = Date.now());
  for (const ev of ['pointermove', 'pointerdown', 'keydown', 'scroll', 'wheel', 'touchstart', 'input']) {
    window.addEventListener(ev, activity, { passive: true, capture: true });
  }
  function armIdle() {
    clearTimeout(timers.idle);
    const o = offers().find((x) => x.trigger === 'idle' && x.step === state.step && Number(x.seconds) > 0);
    if (!o || session.get(K.offer)) return;
    const check = () => {
      const left = lastActivity + o.seconds * 1000 - Date.now();
      if (state.step !== o.step) return;
      if (left > 0 || state.open) timers.idle = setTimeout(check, Math.max(left, 1000));
      else offer(o);
    };
    activity();
    timers.idle = setTimeout(check, o.seconds * 1000);
  }
  document.addEventListener('mouseout', (e) => {
    if (e.relatedTarget || e.clientY > 0) return;
    offer(offers().find((x) => x.trigger === 'exit_intent'));
  });

  function changeStep(step) {
    step = step == null ? null : String(step);
    if (!step || step === state.step) return;
    state.step = step;
    const seen = session.json(K.steps, []);
    if (seen.includes(step)) offer(offers().find((x) => x.trigger === 'step_revisited' && (!x.step || x.step === step)));
    else session.set(K.steps, JSON.stringify([...seen, step]));
    armIdle();
  }

  async function loadConfig() {
    const lang = state.lang;
    try {
      const res = await fetch(apiUrl('api/widget-config?lang=' + encodeURIComponent(lang)), { credentials: 'omit' });
      if (!res.ok) throw new Error('config ' + res.status);
      const cfg = await res.json();
      if (lang !== state.lang) return;
      state.config = cfg && typeof cfg === 'object' ? cfg : null;
      applyStrings();
      armIdle();
    } catch {
      clearTimeout(timers.config);
      timers.config = setTimeout(loadConfig, 30000);
    }
  }

  /* ---------- public API ---------- */
  const api = {
    version: '1.0.0',
    setCart(cart) {
      if (cart == null) return void (state.cart = null);
      if (typeof cart !== 'object') return;
      const num = (v) => (v == null || v === '' || !Number.isFinite(Number(v)) ? undefined : Number(v));
      state.cart = {
        items: Array.isArray(cart.items)
          ? cart.items.map((i) => ({ sku: i.sku, name: i.name, quantity: num(i.quantity) ?? 1, price: num(i.price) }))
          : [],
        subtotal: num(cart.subtotal),
        shipping: num(cart.shipping),
        country: cart.country || undefined,
      };
      changeStep(cart.step);
    },
    setStep: changeStep,
    setLanguage(lang) {
      const l = pickLang(lang);
      if (!l) return false;
      if (l !== state.lang) {
        state.lang = l;
        applyStrings();
        loadConfig();
      }
      return true;
    },
    open: () => open(),
    close: () => close(),
    send: (text) => send(text),
    on(event, fn) {
      if (typeof fn !== 'function') return () => {};
      (handlers[event] = handlers[event] || []).push(fn);
      return () => api.off(event, fn);
    },
    off(event, fn) {
      handlers[event] = (handlers[event] || []).filter((x) => x !== fn);
    },
    get language() {
      return state.lang;
    },
    get conversationId() {
      return state.conv;
    },
  };
  window.CheckoutAssistant = api;

  /* ---------- start ---------- */
  function mount() {
    const cssHref = new URL('widget.css' + scriptUrl.search, dirUrl).href;
    const reveal = () => (root.style.visibility = '');
    if ([...document.querySelectorAll('link[rel="stylesheet"]')].some((l) => l.href === cssHref)) reveal();
    else {
      const link = h('link', { rel: 'stylesheet', href: cssHref });
      link.onload = link.onerror = reveal;
      document.head.append(link);
      setTimeout(reveal, 4000);
    }
    document.body.append(root);
    const delivered = local.json(K.delivered, {});
    state.bootDelivered = delivered && delivered.c === state.conv ? Number(delivered.s) || 0 : 0;
    applyStrings();
    for (const item of state.outbox) renderPending(item);
    if (session.get(K.open) === '1' || attr('open') === 'true') open({ focus: false });
    startSession();
    loadConfig();
    if (Array.isArray(previous)) for (const [name, ...args] of previous) typeof api[name] === 'function' && api[name](...args);
    window.dispatchEvent(new CustomEvent('checkout-assistant:ready', { detail: api }));
  }
  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount);
})();
