// The completion dropdown under the KFL box: shows suggestions, moves the highlight with the
// arrow keys, accepts with Tab / Enter / a click, closes with Escape.
import { h, replace } from './dom.js';
import type { Suggestion } from './kfl-complete.js';

export interface SuggestList {
  el: HTMLUListElement;
  show(items: Suggestion[]): void;
  close(): void;
  /** Handles a key pressed in the box; true when it was the list's (the box then ignores it). */
  key(event: KeyboardEvent): boolean;
}

export function suggestList(onAccept: (chosen: Suggestion) => void): SuggestList {
  const el = h('ul', { class: 'kfl-suggest', role: 'listbox', hidden: true });
  let items: Suggestion[] = [];
  let active = 0;

  const draw = () => {
    replace(
      el,
      items.map((item, i) =>
        h(
          'li',
          {
            role: 'option',
            class: `kfl-option${i === active ? ' active' : ''}`,
            'aria-selected': i === active ? 'true' : 'false',
            onmousedown: (event: Event) => {
              event.preventDefault(); // keeps the focus in the box
              accept(i);
            },
          },
          h('span', { class: `kfl-kind kfl-kind-${item.kind}` }, item.kind[0]),
          h('code', {}, item.insert),
          h('span', { class: 'kfl-detail' }, item.detail),
        ),
      ),
    );
    el.hidden = items.length === 0;
  };
  const close = () => {
    items = [];
    el.hidden = true;
  };
  const accept = (i: number) => {
    const chosen = items[i];
    close();
    if (chosen) onAccept(chosen);
  };

  return {
    el,
    show: (next) => {
      items = next;
      active = 0;
      draw();
    },
    close,
    key: (event) => {
      if (el.hidden || items.length === 0) return false;
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        active = (active + (event.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length;
        draw();
      } else if (event.key === 'Tab' || (event.key === 'Enter' && !event.shiftKey)) accept(active);
      else if (event.key === 'Escape') close();
      else return false;
      event.preventDefault();
      return true;
    },
  };
}
