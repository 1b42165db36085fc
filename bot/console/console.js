/* The agent console: header, the live queue (/agent/ws), the chat view and the context panel.
 * Contract: bot/PROTOCOL.md section 4. Served by the hub at /agent/ (login required). */
import { ApiError, S, api, languageSwitch, onLanguageChange, queueLabel, tickWaitingTimes, toLogin, translatePage } from './common.js';
import { renderContext, renderNotes } from './context.js';
import { ChatView } from './conversation.js';
import { renderList } from './queue.js';

const $ = (id) => document.getElementById(id);
const CLOSE_NO_SESSION = 4401;
const PING_MS = 25000;

const state = {
  me: null,
  queue: { waiting: [], mine: [], online: [] },
  seenWaiting: null, // ids already announced (null until the first queue frame)
  ws: null,
  attempt: 0,
  opening: 0, // the latest conversation asked for: older answers are dropped
};
const timers = {};
let chat = null;

/* ---------- header ---------- */
function renderHeader() {
  $('agent-name').textContent = state.me ? `${state.me.name} (${state.me.username})` : '';
  const online = !!state.ws && state.ws.readyState === WebSocket.OPEN;
  $('connection').dataset.state = online ? 'online' : 'offline';
  $('connection-text').textContent = online ? S().online : S().offline;
}

async function logOut() {
  try {
    await api('logout', { method: 'POST', on401: () => {} });
  } finally {
    location.assign('/agent/login?logout=1');
  }
}

function toast(text, isError) {
  const el = $('toast');
  el.textContent = text;
  el.classList.toggle('toast--error', !!isError);
  el.hidden = false;
  clearTimeout(timers.toast);
  timers.toast = setTimeout(() => (el.hidden = true), 6000);
}

/* ---------- queue ---------- */
function renderQueues() {
  const { waiting, mine } = state.queue;
  const handlers = { selectedId: chat.id, onOpen: openConversation, onAccept: accept };
  renderList($('waiting-list'), waiting, S().emptyWaiting, handlers);
  renderList($('mine-list'), mine, S().emptyMine, handlers);
  $('waiting-count').textContent = String(waiting.length);
  $('waiting-count').classList.toggle('count--active', waiting.length > 0);
  $('mine-count').textContent = String(mine.length);
  document.title = (waiting.length ? `(${waiting.length}) ` : '') + S().consoleTitle;
}

function onQueue(frame) {
  const list = (x) => (Array.isArray(x) ? x : []);
  state.queue = { waiting: list(frame.waiting), mine: list(frame.mine), online: list(frame.online) };
  announceArrivals();
  renderQueues();
  const open = [...state.queue.waiting, ...state.queue.mine].find((c) => c.conversation_id === chat.id);
  if (open) {
    chat.update(open);
    renderContextPanel();
  }
}

/** Screen readers hear each new waiting conversation once. */
function announceArrivals() {
  const ids = state.queue.waiting.map((c) => c.conversation_id);
  if (state.seenWaiting) {
    const arrived = state.queue.waiting.filter((c) => !state.seenWaiting.has(c.conversation_id));
    if (arrived.length) $('announcer').textContent = arrived.map((c) => S().newWaiting(queueLabel(c.queue))).join('. ');
  }
  state.seenWaiting = new Set([...(state.seenWaiting || []), ...ids]);
}

async function refreshQueue() {
  try {
    onQueue(await api('queue'));
  } catch {
    /* the WebSocket keeps the queue current anyway */
  }
}

async function accept(id) {
  try {
    await api(`conversations/${encodeURIComponent(id)}/accept`, { method: 'POST' });
    toast(S().accepted);
    await openConversation(id);
    $('composer-input').focus();
  } catch (e) {
    toast(e.status === 409 ? S().alreadyTaken : chat.explain(e), true);
    await refreshQueue();
    if (id === chat.id) await openConversation(id);
  }
}

/* ---------- the open conversation ---------- */
async function openConversation(id) {
  const ticket = ++state.opening;
  let detail;
  try {
    detail = await api(`conversations/${encodeURIComponent(id)}`);
  } catch (e) {
    if (ticket === state.opening) toast(chat.explain(e), true);
    return;
  }
  if (ticket !== state.opening) return;
  chat.show(detail);
  $('context').hidden = false;
  renderContextPanel();
  sendFrame({ type: 'watch', conversation_id: id });
  renderQueues();
}

function renderContextPanel() {
  if (!chat.conversation) return;
  renderContext($('context-body'), chat.conversation);
  renderNotes($('notes-list'), chat.conversation.notes || []);
}

async function addNote(event) {
  event.preventDefault();
  const input = $('note-input');
  const text = input.value.trim();
  const id = chat.id;
  if (!text || !id) return;
  try {
    const note = await api(`conversations/${encodeURIComponent(id)}/notes`, { method: 'POST', body: { text } });
    input.value = '';
    if (id !== chat.id) return;
    chat.conversation.notes = [...(chat.conversation.notes || []), note];
    renderContextPanel();
  } catch (e) {
    toast(chat.explain(e), true);
  }
}

async function changed() {
  await refreshQueue();
  if (chat.id) await openConversation(chat.id);
}

/* ---------- live frames ---------- */
function sendFrame(frame) {
  if (state.ws && state.ws.readyState === WebSocket.OPEN) state.ws.send(JSON.stringify(frame));
}

function onFrame(frame) {
  const here = frame.conversation_id && frame.conversation_id === chat.id;
  if (frame.type === 'queue') onQueue(frame);
  else if (frame.type === 'message' && here) chat.addEntry(frame);
  else if (frame.type === 'typing' && here && frame.who === 'shopper') chat.setShopperTyping(!!frame.on);
  else if (frame.type === 'handoff' && here) openConversation(chat.id); // new state, owner, system entry
  else if (frame.type === 'error') toast(frame.message || S().failed(frame.code), true);
}

function connect() {
  const url = new URL('/agent/ws', location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(url.href);
  state.ws = ws;
  ws.onopen = () => {
    state.attempt = 0;
    renderHeader();
    if (chat.id) sendFrame({ type: 'watch', conversation_id: chat.id });
    clearInterval(timers.ping);
    timers.ping = setInterval(() => sendFrame({ type: 'ping' }), PING_MS);
  };
  ws.onmessage = (event) => {
    let frame;
    try {
      frame = JSON.parse(event.data);
    } catch {
      return;
    }
    if (frame && typeof frame === 'object') onFrame(frame);
  };
  ws.onclose = (event) => {
    if (state.ws !== ws) return;
    state.ws = null;
    clearInterval(timers.ping);
    renderHeader();
    if (event.code === CLOSE_NO_SESSION) return toLogin(true);
    // exponential backoff from 1 s to 30 s with jitter; the queue is fetched again on reconnect
    const delay = Math.min(30000, 1000 * 2 ** state.attempt) * (0.7 + Math.random() * 0.6);
    state.attempt++;
    timers.reconnect = setTimeout(connect, delay);
  };
}

/* ---------- start ---------- */
function renderAll() {
  $('toast').hidden = true; // written in the previous language
  translatePage();
  renderHeader();
  renderQueues();
  chat.render();
  renderContextPanel();
}

async function start() {
  $('lang-slot').replaceWith(languageSwitch());
  state.me = await api('me');
  chat = new ChatView({ me: state.me, sendFrame, onAccept: accept, onChanged: changed, toast });
  $('logout').addEventListener('click', logOut);
  $('note-form').addEventListener('submit', addNote);
  onLanguageChange(renderAll);
  renderAll();
  connect();
  setInterval(tickWaitingTimes, 1000);
}

start().catch((e) => {
  if (!(e instanceof ApiError && e.status === 401)) toast(S().failed(e.message), true); // 401: already on the way to login
});
