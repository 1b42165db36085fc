/* What the login page and the console share: the element helper, the interface language,
 * calls to the console API (bot/PROTOCOL.md section 4) and formatting. No dependencies. */
import { STRINGS } from './strings.js';

/** Build an element; text goes in only as text nodes (never as HTML). */
export const h = (tag, props, ...children) => {
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
  web: 'M4 5.5A2.5 2.5 0 0 1 6.5 3h11A2.5 2.5 0 0 1 20 5.5v8a2.5 2.5 0 0 1-2.5 2.5H10l-4.2 3.6c-.5.4-1.3.1-1.3-.6V16A2.5 2.5 0 0 1 4 13.5z',
  voice: 'M6.6 10.8a15.1 15.1 0 0 0 6.6 6.6l2.2-2.2c.3-.3.7-.4 1-.2 1.1.4 2.3.6 3.6.6.6 0 1 .4 1 1V20c0 .6-.4 1-1 1A17 17 0 0 1 3 4c0-.6.4-1 1-1h3.5c.6 0 1 .4 1 1 0 1.3.2 2.5.6 3.6.1.3 0 .7-.2 1z',
  logout: 'M10 3h9a2 2 0 0 1 2 2v14a2 2 0 0 1-2 2h-9v-2h9V5h-9zm-.6 5.4L11 7l5 5-5 5-1.6-1.4 2.6-2.6H3v-2h9z',
};
export function icon(name) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.setAttribute('class', 'icon');
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('d', ICONS[name]);
  svg.append(path);
  return svg;
}

/* ---------- interface language: navigator.language, then the agent's choice (remembered) ---------- */
const LANG_KEY = 'agent-console-lang';
const pickLang = (v) => {
  const code = String(v || '').slice(0, 2).toLowerCase();
  return STRINGS[code] ? code : null;
};
const stored = () => {
  try { return localStorage.getItem(LANG_KEY); } catch { return null; }
};
let lang = pickLang(stored()) || pickLang(navigator.language) || 'it';
const listeners = [];

export const currentLang = () => lang;
export const S = () => STRINGS[lang];
export function onLanguageChange(fn) {
  listeners.push(fn);
}
export function setLanguage(next) {
  if (!STRINGS[next] || next === lang) return;
  lang = next;
  try { localStorage.setItem(LANG_KEY, lang); } catch { /* storage blocked: this page only */ }
  for (const fn of listeners) fn(lang);
}

/** The IT/EN switch: a group of two toggle buttons. */
export function languageSwitch() {
  const buttons = ['it', 'en'].map((code) =>
    h('button', { type: 'button', lang: code, 'data-lang': code, title: code === 'it' ? 'Italiano' : 'English', onclick: () => setLanguage(code) }, code.toUpperCase()),
  );
  const mark = () => buttons.forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.lang === lang)));
  mark();
  onLanguageChange(mark);
  return h('div', { class: 'lang-switch', role: 'group', 'aria-label': 'Lingua / Language' }, buttons);
}

/** Static text of a page: elements with data-i18n (text) or data-i18n-<attribute>. */
export function translatePage() {
  const s = S();
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = s[el.dataset.i18n];
  for (const attr of ['placeholder', 'aria-label', 'title']) {
    for (const el of document.querySelectorAll(`[data-i18n-${attr}]`)) el.setAttribute(attr, s[el.getAttribute(`data-i18n-${attr}`)]);
  }
}

/* ---------- the console API ---------- */
export const LOGIN_PAGE = '/agent/login';

/** Back to the login page; `expired` shows "your session has expired" there. */
export function toLogin(expired) {
  location.assign(LOGIN_PAGE + (expired ? '?expired=1' : ''));
}

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail || `HTTP ${status}`);
    this.status = status;
    this.detail = detail;
  }
}

/** Call the console API. A 401 means the session is gone: back to the login page. */
export async function api(path, { method = 'GET', body, on401 = () => toLogin(true) } = {}) {
  const res = await fetch('/agent/api/' + path, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
  const data = res.status === 204 ? null : await res.json().catch(() => null);
  if (res.status === 401) on401();
  if (!res.ok) throw new ApiError(res.status, data && typeof data.detail === 'string' ? data.detail : null);
  return data;
}

/* ---------- formatting ---------- */
const locale = () => (lang === 'it' ? 'it-IT' : 'en-GB');
export const money = (n) =>
  Number.isFinite(Number(n)) ? new Intl.NumberFormat(locale(), { style: 'currency', currency: 'EUR' }).format(Number(n)) : '';
export const percent = (x) => `${Math.round(Number(x) * 100)}%`;
/** An entry's ISO time or a note's epoch seconds -> "15:20". */
export const clock = (at) => {
  const d = new Date(typeof at === 'number' ? at * 1000 : at);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleTimeString(locale(), { hour: '2-digit', minute: '2-digit' });
};
export const day = (iso) => {
  if (!iso) return '';
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(iso) ? iso + 'T12:00:00' : iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleDateString(locale(), { day: 'numeric', month: 'short' });
};
/** 75 -> "1:15", 3725 -> "1:02:05" */
export function duration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const two = (n) => String(n).padStart(2, '0');
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  return hours ? `${hours}:${two(minutes)}:${two(s % 60)}` : `${minutes}:${two(s % 60)}`;
}

/* ---------- what things are called ---------- */
/** "it.payments" -> "Pagamenti · IT" */
export function queueLabel(queue) {
  const [language, topic] = String(queue || '').split('.');
  const name = S().topics[topic];
  return name ? `${name} · ${language.toUpperCase()}` : String(queue || '');
}
export const reasonLabel = (reason) => S().reasons[reason] || String(reason || '').replaceAll('_', ' ');
export const languageName = (code) => S().languages[code] || String(code || '');
/** "DE" -> "Germania"; codes the browser does not know (e.g. "IT-88") stay as they are. */
export function countryName(code) {
  if (!code) return '';
  try {
    return new Intl.DisplayNames([locale()], { type: 'region' }).of(String(code)) || String(code);
  } catch {
    return String(code);
  }
}

/** A language badge ("IT" / "EN", the language's full name for screen readers and on hover). */
export const languageBadge = (code) =>
  h('span', { class: `flag flag--${code}`, title: languageName(code) }, h('span', { 'aria-hidden': 'true' }, String(code || '?').toUpperCase()), h('span', { class: 'sr' }, languageName(code)));

export const channelBadge = (channel) => {
  const kind = channel === 'voice' ? 'voice' : 'web';
  return h('span', { class: `channel channel--${kind}` }, icon(kind), S().channels[kind]);
};

/** Live waiting times: elements with data-since (epoch ms) show the time since then, every second. */
export const waitingSince = (waitingSeconds) => String(Date.now() - Math.max(0, Number(waitingSeconds) || 0) * 1000);
export function tickWaitingTimes() {
  for (const el of document.querySelectorAll('[data-since]')) el.textContent = duration((Date.now() - Number(el.dataset.since)) / 1000);
}
