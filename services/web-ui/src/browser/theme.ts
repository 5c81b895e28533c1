// Light / dark: follows the system unless the user picked one (kept in localStorage).
import { h } from './dom.js';

type Theme = 'light' | 'dark' | 'system';
const KEY = 'tcpx.theme';
const NEXT: Record<Theme, Theme> = { system: 'dark', dark: 'light', light: 'system' };
const ICON: Record<Theme, string> = { system: '◐', dark: '☾', light: '☀' };

function apply(theme: Theme): void {
  if (theme === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
}

export function themeToggle(): HTMLButtonElement {
  let theme = (localStorage.getItem(KEY) as Theme | null) ?? 'system';
  apply(theme);
  const button = h('button', { class: 'button icon', type: 'button' });
  const label = () => {
    button.textContent = ICON[theme];
    button.title = `Theme: ${theme} (click for ${NEXT[theme]})`;
  };
  label();
  button.addEventListener('click', () => {
    theme = NEXT[theme];
    localStorage.setItem(KEY, theme);
    apply(theme);
    label();
  });
  return button;
}
