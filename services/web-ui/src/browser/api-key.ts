// The API key, when the query API requires one (auth mode api-key). Kept for the browser tab's
// session only, and asked for when a request comes back 401.
import { h } from './dom.js';

const STORAGE_KEY = 'tcpx.apiKey';

export function apiKey(): string | undefined {
  return sessionStorage.getItem(STORAGE_KEY) ?? undefined;
}

/** Headers that authenticate a request, if a key was given. */
export function authHeaders(): Record<string, string> {
  const key = apiKey();
  return key ? { 'x-api-key': key } : {};
}

let pending: Promise<string> | undefined;

/** Asks for a key (once, however many requests were refused); resolves when one was entered. */
export function askForApiKey(reason: string): Promise<string> {
  pending ??= new Promise<string>((resolve) => {
    const input = h('input', {
      type: 'password',
      class: 'input',
      autocomplete: 'off',
      'aria-label': 'API key',
    });
    const dialog = h(
      'dialog',
      { class: 'dialog' },
      h(
        'form',
        { method: 'dialog' },
        h('h2', {}, 'API key required'),
        h('p', { class: 'muted' }, reason),
        input,
        h(
          'div',
          { class: 'dialog-actions' },
          h('button', { class: 'button primary', type: 'submit' }, 'Use key'),
        ),
      ),
    );
    dialog.addEventListener('close', () => {
      dialog.remove();
      pending = undefined;
      if (input.value) sessionStorage.setItem(STORAGE_KEY, input.value);
      resolve(input.value);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
  return pending;
}
