// What every page shares: its context, a title bar, the glossary as a map, error display.
import { ApiError, glossary } from './api.js';
import { type Child, h, notice } from './dom.js';
import type { Route } from './router.js';
import type { GlossaryEntry } from './types.js';

export interface ViewContext {
  root: HTMLElement;
  route: Route;
  /** Aborted when the page is left: pending requests, streams and timers stop. */
  signal: AbortSignal;
}

export type View = (ctx: ViewContext) => Promise<void> | void;

export function pageHeader(title: string, subtitle: Child, ...actions: Child[]): HTMLElement {
  return h(
    'div',
    { class: 'page-header' },
    h('div', {}, h('h1', {}, title), h('p', { class: 'muted subtitle' }, subtitle)),
    h('div', { class: 'page-actions' }, ...actions),
  );
}

/** Every metric (seed and extra) by name. */
export async function glossaryMap(): Promise<Map<string, GlossaryEntry>> {
  const g = await glossary();
  return new Map([...g.tcp_metrics, ...g.extra_metrics].map((e) => [e.name, e]));
}

/** An API failure as a notice; aborted requests (the page was left) show nothing. */
export function errorNotice(err: unknown): HTMLElement | null {
  if (err instanceof DOMException && err.name === 'AbortError') return null;
  const text =
    err instanceof ApiError ? `${err.message} (${err.code})` : String((err as Error)?.message ?? err);
  return notice('error', text);
}

/** A `<select>` whose options are [value, label] pairs. */
export function selectBox(
  label: string,
  options: readonly (readonly [string, string])[],
  value: string,
  onChange: (value: string) => void,
): HTMLElement {
  const select = h(
    'select',
    {
      class: 'input',
      'aria-label': label,
      onchange: (e: Event) => onChange((e.target as HTMLSelectElement).value),
    },
    options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)),
  );
  return h('label', { class: 'field' }, h('span', { class: 'field-label' }, label), select);
}

/** A time parameter of the URL: epoch ms or ISO 8601 text. */
export function timeParam(text: string | null): number | undefined {
  if (!text) return undefined;
  const n = Number(text);
  if (Number.isFinite(n)) return n;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Ready-made filters offered under the KFL boxes. */
export const KFL_EXAMPLES: readonly (readonly [string, string])[] = [
  ['retransmitting', 'tcp_metrics.retransmissions > 0'],
  ['> 5 % loss', 'tcp_metrics.retransmission_rate > 0.05'],
  ['zero window', 'tcp_metrics.zero_window_events > 0'],
  ['slow handshake', 'tcp_metrics.initial_rtt_us > 10000'],
  ['TCP errors', 'error or tcp or icmp'],
  ['resets', 'tcp_metrics.rst_count > 0'],
];
