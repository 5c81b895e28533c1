// A tiny element builder: the UI is plain DOM, no framework.

export type Child = Node | string | number | null | undefined | false | readonly Child[];

/** Attributes: `class`, `on<event>` handlers, booleans (present when true), everything else as text. */
export type Attrs = Record<string, string | number | boolean | null | undefined | ((event: Event) => void)>;

function apply(el: Element, attrs: Attrs | undefined): void {
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.slice(2).toLowerCase(), value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
}

function append(el: Element, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

/** An HTML element. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  apply(el, attrs);
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An SVG element. */
export function s<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs?: Attrs,
  ...children: Child[]
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  apply(el, attrs);
  append(el, children);
  return el;
}

/** Replaces an element's children. */
export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

/** A panel: a titled card. */
export function panel(title: Child, ...children: Child[]): HTMLElement {
  return h('section', { class: 'panel' }, h('h2', { class: 'panel-title' }, title), ...children);
}

/** A big number with its label; `kind` adds a class (accent, sev-critical, sev-warning, sev-ok). */
export function stat(count: number, label: string, kind = '', attrs: Attrs = {}): HTMLElement {
  return h(
    'div',
    { ...attrs, class: kind ? `stat ${kind}` : 'stat', 'data-value': count },
    h('span', { class: 'stat-value' }, count.toLocaleString('en-US')),
    h('span', {}, label),
  );
}

/** A "nothing here" or error message in a panel body. */
export function notice(kind: 'empty' | 'error' | 'loading', text: string): HTMLElement {
  return h('div', { class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : undefined }, text);
}
