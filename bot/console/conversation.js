/* The chat view of one conversation: header and actions, the whole transcript (bot turns
 * included), the shopper's typing, and the composer with canned responses. */
import { ApiError, S, api, channelBadge, clock, h, languageBadge, queueLabel, reasonLabel } from './common.js';
import { orderCard } from './order.js';

const QUEUES = ['it', 'en'].flatMap((language) => ['payments', 'delivery', 'returns', 'general'].map((topic) => `${language}.${topic}`));
const DISPOSITIONS = ['solved', 'not_solved', 'follow_up', 'spam'];
const TYPING_REPEAT_MS = 2000; // at most one "typing on" frame per 2 s
const TYPING_IDLE_MS = 3000; // "typing off" after 3 s without a keystroke
const SHOPPER_TYPING_TIMEOUT_MS = 15000; // hide the indicator if the "off" frame never comes

const $ = (id) => document.getElementById(id);

function speaker(entry) {
  const agent = entry.custom && entry.custom.agent;
  if (entry.role === 'agent' && agent && agent.name) return agent.name;
  return S().roles[entry.role] || entry.role;
}

/** One transcript entry; shopper, bot, agent and system entries look different. Entries with
 * nothing to show (a bot turn carrying only a machine payload) are left out. */
function entryElement(entry) {
  const role = ['shopper', 'bot', 'agent', 'system'].includes(entry.role) ? entry.role : 'bot';
  const custom = entry.custom && typeof entry.custom === 'object' ? entry.custom : {};
  const buttons = Array.isArray(entry.buttons) ? entry.buttons : [];
  const text = String(entry.text || '');
  const order = custom.order_summary && typeof custom.order_summary === 'object' ? orderCard(custom.order_summary) : null;
  if (!text && !buttons.length && !order) return null;
  return h(
    'article',
    { class: `entry entry--${role}`, 'data-seq': String(entry.seq) },
    h('p', { class: 'entry-meta' }, h('span', { class: 'who' }, speaker(entry)), ' ', entry.at ? h('time', { datetime: entry.at }, clock(entry.at)) : null),
    text ? h('p', { class: text.startsWith('/') ? 'entry-text entry-text--payload' : 'entry-text' }, text) : null,
    buttons.length ? h('ul', { class: 'entry-buttons', 'aria-label': S().buttonsShown }, buttons.map((b) => h('li', null, String(b.title ?? b.payload ?? '')))) : null,
    order,
  );
}

export class ChatView {
  /** `sendFrame(frame)` writes to the console WebSocket; `onChanged()` after an action changed the conversation. */
  constructor({ me, sendFrame, onAccept, onChanged, toast }) {
    Object.assign(this, { me, sendFrame, onAccept, onChanged, toast });
    this.conversation = null;
    this.entries = new Map(); // seq -> entry frame
    this.canned = {}; // language -> [{id, title, text}]
    this.agents = [];
    this.typing = { on: false, lastOn: 0, idle: null };
    this.el = {
      empty: $('chat-empty'), view: $('chat-view'), title: $('chat-title'), sub: $('chat-sub'),
      accept: $('accept'), transferForm: $('transfer-form'), transferTarget: $('transfer-target'),
      handback: $('handback'), resolveForm: $('resolve-form'), disposition: $('disposition'),
      transcript: $('transcript'), shopperTyping: $('shopper-typing'), composer: $('composer'),
      input: $('composer-input'), canned: $('canned'), locked: $('composer-locked'),
    };
    this.wire();
  }

  get id() {
    return this.conversation && this.conversation.conversation_id;
  }

  get mine() {
    const c = this.conversation;
    return !!c && c.state === 'agent' && !!c.owner && c.owner.username === this.me.username;
  }

  wire() {
    const el = this.el;
    el.accept.addEventListener('click', () => this.onAccept(this.id));
    el.handback.addEventListener('click', () => this.act('handback', undefined, S().handedBack));
    el.resolveForm.addEventListener('submit', (e) => {
      e.preventDefault();
      this.act('resolve', { disposition: el.disposition.value }, S().resolved);
    });
    el.transferForm.addEventListener('submit', (e) => {
      e.preventDefault();
      const [kind, target] = el.transferTarget.value.split(':');
      if (target) this.act('transfer', { [kind]: target }, S().transferred);
    });
    el.transferTarget.addEventListener('focus', () => this.loadAgents());
    el.canned.addEventListener('change', () => this.insertCanned());
    el.composer.addEventListener('submit', (e) => {
      e.preventDefault();
      this.sendMessage();
    });
    el.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        this.sendMessage();
      }
    });
    el.input.addEventListener('input', () => this.typed());
  }

  /** Show a conversation (GET /agent/api/conversations/{id}): everything is redrawn. */
  show(detail) {
    const switched = detail.conversation_id !== this.id;
    if (switched) this.stopTyping();
    this.conversation = detail;
    this.entries = new Map((detail.transcript || []).map((e) => [Number(e.seq), e]));
    this.el.empty.hidden = true;
    this.el.view.hidden = false;
    if (switched) {
      this.el.input.value = '';
      this.setShopperTyping(false);
    }
    this.render();
    this.loadCanned();
    this.loadAgents();
  }

  /** New summary fields (from a queue frame or an action's answer) without reloading the transcript. */
  update(summary) {
    if (!this.conversation || summary.conversation_id !== this.id) return;
    const wasMine = this.mine;
    Object.assign(this.conversation, summary);
    if (wasMine && !this.mine) this.stopTyping();
    this.renderHead();
  }

  render() {
    if (!this.conversation) return;
    this.renderHead();
    this.renderTranscript();
    this.renderCanned();
  }

  renderHead() {
    const c = this.conversation;
    const s = S();
    const el = this.el;
    el.title.replaceChildren(languageBadge(c.language), ' ', queueLabel(c.queue), ' ', h('span', { class: `state state--${c.state}` }, c.owner && c.state === 'agent' ? s.ownedBy(c.owner.name) : s.states[c.state] || c.state));
    el.sub.replaceChildren(channelBadge(c.channel), ' · ', reasonLabel(c.reason), c.summary ? ' · ' + c.summary : '');
    el.accept.hidden = c.state !== 'queued';
    for (const control of [el.transferForm, el.handback, el.resolveForm]) control.hidden = !this.mine;
    this.renderTransferTargets();
    const disposition = el.disposition.value;
    el.disposition.replaceChildren(...DISPOSITIONS.map((d) => h('option', { value: d }, s.dispositions[d])));
    if (disposition) el.disposition.value = disposition;
    el.input.disabled = !this.mine;
    el.canned.disabled = !this.mine;
    el.composer.querySelector('button[type="submit"]').disabled = !this.mine;
    el.locked.hidden = this.mine;
  }

  renderTranscript() {
    const entries = [...this.entries.values()].sort((a, b) => a.seq - b.seq);
    this.el.transcript.setAttribute('aria-busy', 'true'); // a redraw is not read out entry by entry
    this.el.transcript.replaceChildren(...entries.map(entryElement).filter(Boolean));
    this.el.transcript.removeAttribute('aria-busy');
    this.toBottom();
  }

  /** A live transcript entry (WebSocket or our own message's answer); each seq is shown once. */
  addEntry(frame) {
    const seq = Number(frame.seq);
    if (!Number.isInteger(seq) || this.entries.has(seq)) return;
    this.entries.set(seq, frame);
    if (frame.role === 'shopper') this.setShopperTyping(false);
    const el = entryElement(frame);
    if (!el) return;
    const after = [...this.el.transcript.children].find((node) => Number(node.dataset.seq) > seq);
    this.el.transcript.insertBefore(el, after || null);
    this.toBottom();
  }

  toBottom() {
    const t = this.el.transcript;
    requestAnimationFrame(() => (t.scrollTop = t.scrollHeight));
  }

  setShopperTyping(on) {
    clearTimeout(this.shopperTypingTimer);
    this.el.shopperTyping.textContent = on ? S().shopperTyping : '';
    if (on) this.shopperTypingTimer = setTimeout(() => this.setShopperTyping(false), SHOPPER_TYPING_TIMEOUT_MS);
  }

  /* ---------- my typing, shown to the shopper ---------- */
  typed() {
    if (!this.mine) return;
    const now = Date.now();
    if (!this.typing.on || now - this.typing.lastOn >= TYPING_REPEAT_MS) {
      this.sendFrame({ type: 'typing', conversation_id: this.id, on: true });
      this.typing.on = true;
      this.typing.lastOn = now;
    }
    clearTimeout(this.typing.idle);
    this.typing.idle = setTimeout(() => this.stopTyping(), TYPING_IDLE_MS);
  }

  stopTyping() {
    clearTimeout(this.typing.idle);
    if (this.typing.on && this.id) this.sendFrame({ type: 'typing', conversation_id: this.id, on: false });
    this.typing.on = false;
  }

  /* ---------- actions ---------- */
  async sendMessage() {
    const text = this.el.input.value.trim();
    if (!text || !this.mine) return;
    this.stopTyping();
    const id = this.id;
    try {
      const entry = await api(`conversations/${encodeURIComponent(id)}/messages`, { method: 'POST', body: { text } });
      if (this.el.input.value.trim() === text) this.el.input.value = '';
      if (id === this.id) this.addEntry(entry);
    } catch (e) {
      this.toast(this.explain(e), true); // the text stays in the composer
    }
  }

  /** POST an action on the open conversation; its answer is the new summary. */
  async act(action, body, done) {
    const id = this.id;
    if (!id) return;
    if (action !== 'transfer') this.stopTyping();
    try {
      const summary = await api(`conversations/${encodeURIComponent(id)}/${action}`, { method: 'POST', body });
      this.update(summary);
      this.toast(done);
      this.onChanged(summary);
    } catch (e) {
      this.toast(this.explain(e), true);
    }
  }

  explain(error) {
    const s = S();
    if (!(error instanceof ApiError)) return s.failed('');
    return { 403: s.forbidden, 404: s.notFound, 409: s.notOwner }[error.status] || s.failed(error.detail);
  }

  /* ---------- transfer targets: every queue, and the other online agents ---------- */
  async loadAgents() {
    try {
      const agents = await api('agents');
      this.agents = Array.isArray(agents) ? agents.filter((a) => a.online && a.username !== this.me.username) : [];
      this.renderTransferTargets();
    } catch {
      /* the list of queues still works */
    }
  }

  renderTransferTargets() {
    const s = S();
    const select = this.el.transferTarget;
    const chosen = select.value;
    const current = this.conversation && this.conversation.queue;
    select.replaceChildren(
      h('option', { value: '' }, s.transferPick),
      h('optgroup', { label: s.transferQueues }, QUEUES.filter((q) => q !== current).map((q) => h('option', { value: `queue:${q}` }, queueLabel(q)))),
      ...(this.agents.length ? [h('optgroup', { label: s.transferAgents }, this.agents.map((a) => h('option', { value: `agent:${a.username}` }, `${a.name} (${a.username})`)))] : []),
    );
    select.value = [...select.options].some((o) => o.value === chosen) ? chosen : '';
  }

  /* ---------- canned responses in the conversation's language ---------- */
  async loadCanned() {
    const language = this.conversation.language === 'en' ? 'en' : 'it';
    if (!this.canned[language]) {
      try {
        const list = await api(`canned?lang=${language}`);
        this.canned[language] = Array.isArray(list) ? list : [];
      } catch {
        this.canned[language] = [];
      }
    }
    this.renderCanned();
  }

  renderCanned() {
    const language = this.conversation && (this.conversation.language === 'en' ? 'en' : 'it');
    const list = this.canned[language] || [];
    this.el.canned.replaceChildren(
      h('option', { value: '' }, S().cannedPick),
      ...list.map((c, i) => h('option', { value: String(i), lang: language }, c.title)),
    );
    this.el.canned.hidden = !list.length;
    this.el.canned.previousElementSibling.hidden = !list.length;
  }

  /** Put the chosen canned text at the cursor; the agent can edit it before sending. */
  insertCanned() {
    const language = this.conversation.language === 'en' ? 'en' : 'it';
    const index = this.el.canned.value;
    this.el.canned.value = '';
    const choice = index === '' ? null : (this.canned[language] || [])[Number(index)];
    if (!choice) return;
    const input = this.el.input;
    const start = input.selectionStart ?? input.value.length;
    const end = input.selectionEnd ?? input.value.length;
    input.setRangeText(String(choice.text), start, end, 'end');
    input.focus();
    this.typed();
  }
}
