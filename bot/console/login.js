/* The agent login page: POST /agent/api/login, then the console (bot/PROTOCOL.md section 4). */
import { ApiError, S, api, languageSwitch, onLanguageChange, translatePage } from './common.js';

const form = document.getElementById('login-form');
const username = document.getElementById('username');
const password = document.getElementById('password');
const error = document.getElementById('login-error');
const notice = document.getElementById('login-notice');
const query = new URLSearchParams(location.search);
let errorKey = null; // kept as a key so a language switch translates the shown error too

function showError(key) {
  errorKey = key;
  error.hidden = !key;
  error.textContent = key ? S()[key] : '';
}

function showNotice() {
  const key = query.has('expired') ? 'expired' : query.has('logout') ? 'loggedOut' : null;
  notice.hidden = !key;
  notice.textContent = key ? S()[key] : '';
}

function render() {
  translatePage();
  document.title = S().loginTitle;
  showNotice();
  if (errorKey) showError(errorKey);
}

async function logIn(event) {
  event.preventDefault();
  if (!username.value.trim() || !password.value) return showError('missingFields');
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  try {
    await api('login', { method: 'POST', body: { username: username.value.trim(), password: password.value }, on401: () => {} });
    location.assign('/agent/');
  } catch (e) {
    showError(e instanceof ApiError && e.status === 401 ? 'wrongPassword' : 'loginFailed');
    password.value = '';
    password.focus();
  } finally {
    button.disabled = false;
  }
}

document.getElementById('lang-slot').replaceWith(languageSwitch());
onLanguageChange(render);
form.addEventListener('submit', logIn);
render();
username.focus();
