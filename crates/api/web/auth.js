// The API key prompt: shown when a call answers 401. The key is kept in sessionStorage (this
// tab only) and api.js sends it on every call; it never goes in the URL.

import { clearKey, getKey, onUnauthorized, setKey } from './api.js';
import { byId } from './dom.js';
import { state } from './state.js';

const dialog = byId('key-dialog');
const form = byId('key-form');
const input = byId('key-input');
const error = byId('key-error');
const message = byId('key-message');
const forget = byId('forget-key');

const defaultMessage = message.textContent;

const showForget = () => { forget.hidden = !getKey(); };

/**
 * Opens the key form (once, however many calls failed) and resolves to true when a key was
 * entered, false when the user cancelled. `reason` replaces the explanation.
 */
export function askForKey(reason) {
  message.textContent = reason
    ?? (getKey() ? 'The server did not accept this API key. Enter another one.' : defaultMessage);
  error.textContent = '';
  input.value = '';
  input.removeAttribute('aria-invalid');
  if (!dialog.open) dialog.showModal();
  input.focus();
  return new Promise((resolve) => state.keyWaiting.push(resolve));
}

function close(entered) {
  if (dialog.open) dialog.close();
  state.keyWaiting.splice(0).forEach((resolve) => resolve(entered));
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const key = input.value.trim();
  if (!key || /\s/.test(key)) {
    error.textContent = 'Enter the key, without spaces.';
    input.setAttribute('aria-invalid', 'true');
    input.focus();
    return;
  }
  setKey(key);
  showForget();
  close(true);
});

byId('key-cancel').addEventListener('click', () => close(false));
dialog.addEventListener('cancel', () => close(false)); // Escape

forget.addEventListener('click', () => {
  clearKey();
  showForget();
  location.reload();
});

/** Wires the prompt: `onKey` runs after a key was entered (to load again). */
export function initAuth(onKey) {
  showForget();
  onUnauthorized(() => {
    if (dialog.open) return;
    askForKey().then((entered) => { if (entered) onKey(); });
  });
}
