// The KFL filter box: checks the filter as it is typed (debounced) and underlines the span the
// compiler refused, completes field names and keywords, applies on Enter. Multi-line filters are
// fine (Shift+Enter).
import { checkKfl, kflCatalogue } from './api.js';
import { h, replace } from './dom.js';
import { completionContext, insertSuggestion, type Suggestion, suggest } from './kfl-complete.js';
import { suggestList } from './kfl-suggest-list.js';
import type { KflCatalogue, KflProblem } from './types.js';

export interface KflBoxOptions {
  value: string;
  onApply(kfl: string): void;
  placeholder?: string;
  /** Ready-made filters shown under the box: [label, filter]. */
  examples?: readonly (readonly [string, string])[];
}

export interface KflBox {
  el: HTMLElement;
  /** Shows a problem the API reported for the applied filter. */
  showProblem(problem: KflProblem | undefined): void;
}

const CHECK_DELAY_MS = 250;

/** The text with the refused span wrapped in a <mark>; a zero-length span (end of text) marks a blank. */
function mirrorContent(text: string, problem: KflProblem | undefined): (Node | string)[] {
  if (!problem) return [text, '\n'];
  const start = Math.min(problem.offset, text.length);
  const end = Math.min(start + problem.length, text.length);
  const mark = h(
    'mark',
    { class: 'kfl-error-mark', 'data-offset': start, 'data-length': end - start },
    end > start ? text.slice(start, end) : ' ',
  );
  return [text.slice(0, start), mark, text.slice(end), '\n'];
}

export function kflBox(options: KflBoxOptions): KflBox {
  const input = h('textarea', {
    class: 'kfl-input',
    rows: 1,
    spellcheck: 'false',
    autocapitalize: 'off',
    autocomplete: 'off',
    'aria-label': 'KFL filter',
    placeholder:
      options.placeholder ?? 'KFL filter, e.g. tcp_metrics.retransmission_rate > 0.01 and dst.port == 443',
  });
  input.value = options.value;
  const mirror = h('div', { class: 'kfl-mirror', 'aria-hidden': 'true' });
  const status = h('div', { class: 'kfl-status', role: 'status', 'aria-live': 'polite' });
  // Completion works without the catalogue (keywords only) until it arrives.
  let catalogue: KflCatalogue = { fields: [] };
  kflCatalogue().then(
    (c) => {
      catalogue = c;
    },
    () => {},
  );

  let problem: KflProblem | undefined;
  const render = () => {
    replace(mirror, ...mirrorContent(input.value, problem));
    input.style.height = 'auto';
    input.style.height = `${input.scrollHeight}px`;
    mirror.scrollTop = input.scrollTop;
  };
  const setStatus = (state: 'ok' | 'error' | 'checking' | 'idle', ...content: (Node | string)[]) => {
    status.dataset.state = state;
    replace(status, ...content);
  };
  const showProblem = (p: KflProblem | undefined) => {
    problem = p;
    render();
    if (p) {
      setStatus('error', h('span', { class: 'kfl-status-icon' }, '✖'), p.message);
    }
  };

  // Checking as one types: only the newest answer counts.
  let timer: ReturnType<typeof setTimeout> | undefined;
  let checking: AbortController | undefined;
  const check = async () => {
    checking?.abort();
    const controller = new AbortController();
    checking = controller;
    const text = input.value;
    if (text.trim() === '') {
      showProblem(undefined);
      setStatus('idle', 'no filter: every connection');
      return;
    }
    setStatus('checking', 'checking…');
    try {
      const result = await checkKfl(text, controller.signal);
      if (controller.signal.aborted || text !== input.value) return;
      showProblem(result.problem);
      if (!result.problem) {
        setStatus(
          'ok',
          h('span', { class: 'kfl-status-icon' }, '✓'),
          result.warnings.length ? `valid; ${result.warnings.join('; ')}` : 'valid filter — Enter applies',
        );
      }
    } catch {
      if (!controller.signal.aborted) setStatus('idle', '');
    }
  };
  const scheduleCheck = () => {
    clearTimeout(timer);
    timer = setTimeout(check, CHECK_DELAY_MS);
  };

  // Completion of the identifier at the caret (Ctrl+Space: even with nothing typed yet).
  const caretContext = () => {
    const caret = input.selectionStart ?? input.value.length;
    return completionContext(input.value, caret) ?? { start: caret, end: caret, prefix: '' };
  };
  const list = suggestList((chosen: Suggestion) => {
    const { text, caret } = insertSuggestion(input.value, caretContext(), chosen);
    input.value = text;
    input.setSelectionRange(caret, caret);
    render();
    scheduleCheck();
  });
  const openList = (force = false) => {
    const ctx = completionContext(input.value, input.selectionStart ?? input.value.length);
    if (ctx || force) list.show(suggest(ctx?.prefix ?? '', catalogue));
    else list.close();
  };

  const apply = () => {
    clearTimeout(timer);
    list.close();
    options.onApply(input.value.trim());
  };

  input.addEventListener('input', () => {
    problem = undefined;
    render();
    openList();
    scheduleCheck();
  });
  input.addEventListener('scroll', () => {
    mirror.scrollTop = input.scrollTop;
  });
  input.addEventListener('blur', () => list.close());
  input.addEventListener('keydown', (event) => {
    if (list.key(event)) return;
    if (event.key === ' ' && event.ctrlKey) {
      event.preventDefault();
      openList(true);
    } else if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      apply();
    }
  });

  const examples = options.examples?.length
    ? h(
        'div',
        { class: 'kfl-examples' },
        h('span', { class: 'muted' }, 'Try:'),
        options.examples.map(([label, kfl]) =>
          h(
            'button',
            {
              type: 'button',
              class: 'chip',
              title: kfl,
              onclick: () => {
                input.value = kfl;
                render();
                apply();
              },
            },
            label,
          ),
        ),
      )
    : null;

  const el = h(
    'div',
    { class: 'kfl' },
    h(
      'div',
      { class: 'kfl-row' },
      h('span', { class: 'kfl-label', title: 'Kubeshark Filter Language' }, 'KFL'),
      h('div', { class: 'kfl-field' }, mirror, input, list.el),
      h('button', { class: 'button primary', type: 'button', onclick: apply }, 'Apply'),
      h(
        'button',
        {
          class: 'button',
          type: 'button',
          title: 'Clear the filter',
          onclick: () => {
            input.value = '';
            problem = undefined;
            render();
            apply();
          },
        },
        'Clear',
      ),
    ),
    status,
    examples,
  );
  requestAnimationFrame(render);
  if (input.value.trim()) scheduleCheck();
  else setStatus('idle', 'no filter: every connection');
  return { el, showProblem };
}
