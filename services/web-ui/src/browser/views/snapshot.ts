// #/snapshot?at=: time travel. A slider over the stored time range replays the cluster at one
// instant — the connections open then, each as it was known at that moment, and those that closed
// shortly before — with a play button that steps through time.
import { dataRange, listFlows, snapshot } from '../api.js';
import { h, notice, panel, replace, stat } from '../dom.js';
import { flowTable, openAt } from '../flow-table.js';
import { fmtCount, fmtDateTime, fmtUs, parseIso } from '../format.js';
import { codeLabel } from '../health.js';
import { lineChart } from '../line-chart.js';
import { replaceHash, withParams } from '../router.js';
import type { FlowView, RttSummary, SnapshotResult } from '../types.js';
import { errorNotice, glossaryMap, pageHeader, selectBox, timeParam, type ViewContext } from '../view-kit.js';

const WINDOWS: readonly [string, string][] = [
  ['10', 'closed in the last 10 s'],
  ['60', 'closed in the last minute'],
  ['300', 'closed in the last 5 min'],
  ['3600', 'closed in the last hour'],
];
/** Play: this many steps from one end of the range to the other, one step per tick. */
const PLAY_STEPS = 60;
const PLAY_TICK_MS = 700;

function bars(counts: Record<string, number>, label: (key: string) => string, kind: string): HTMLElement {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  if (entries.length === 0) return notice('empty', 'none');
  const max = Math.max(...entries.map(([, n]) => n));
  return h(
    'div',
    { class: 'class-bars' },
    entries.map(([key, n]) => {
      const bar = h('span', { class: `bar ${kind}-${key}` });
      bar.style.width = `${(100 * n) / max}%`;
      return h(
        'div',
        { class: 'class-row', 'data-key': key },
        h('span', { class: 'class-name' }, label(key)),
        h('span', { class: 'bar-track' }, bar),
        h('b', { class: 'num' }, fmtCount(n)),
      );
    }),
  );
}

const rttLine = (name: string, r: RttSummary) =>
  h(
    'div',
    { class: 'rtt-line' },
    h('span', { class: 'muted' }, name),
    ` P50 ${fmtUs(r.p50)} · P90 ${fmtUs(r.p90)} · P99 ${fmtUs(r.p99)}`,
    h('span', { class: 'muted' }, ` (${fmtCount(r.samples)})`),
  );

function summary(s: SnapshotResult, at: number): HTMLElement {
  return h(
    'div',
    {},
    h(
      'div',
      { class: 'stat-row' },
      stat(s.open, 'open connections', 'accent', { 'data-testid': 'snapshot-open', 'data-at': at }),
      stat(s.closed_in_window, `closed in the ${fmtUs(s.window_seconds * 1e6)} before`),
      stat(s.errors.tcp, 'TCP errors', s.errors.tcp ? 'sev-critical' : ''),
      stat(s.errors.error, 'with an error', s.errors.error ? 'sev-warning' : ''),
      h(
        'div',
        { class: 'stat wide' },
        rttLine('handshake RTT', s.rtt.initial_rtt_us),
        rttLine('mean RTT', s.rtt.rtt_avg_us),
      ),
    ),
    h(
      'div',
      { class: 'two-col' },
      panel(
        'By state',
        bars(s.by_state, (k) => k.replace(/_/g, ' '), 'state'),
      ),
      panel('By diagnosis', bars(s.by_diagnosis, codeLabel, 'code')),
    ),
  );
}

/** Open connections over the range, from the connections' latest records (when all are listed). */
function openOverTime(flows: readonly FlowView[], from: number, to: number): { x: number; y: number }[] {
  return Array.from({ length: 121 }, (_, i) => {
    const t = from + ((to - from) * i) / 120;
    return { x: t, y: flows.filter((f) => parseIso(f.start_time) <= t && openAt(f, t)).length };
  });
}

export async function snapshotView({ root, route, signal }: ViewContext): Promise<void> {
  replace(
    root,
    pageHeader('Time travel', 'The cluster as it was at one instant.'),
    notice('loading', 'Finding the stored time range…'),
  );
  const [range, glossary] = await Promise.all([dataRange(signal), glossaryMap()]);
  if (!range) {
    replace(root, pageHeader('Time travel', ''), notice('empty', 'No connections stored yet.'));
    return;
  }
  const from = Math.floor(range.from);
  const to = Math.ceil(range.to);
  // Every connection (when they fit one page) draws the activity curve; without an instant in the
  // URL the replay starts at the busiest moment.
  const everything = await listFlows({ sort: 'start_time', order: 'asc', limit: 1000 }, signal).catch(
    () => undefined,
  );
  const activity = everything?.next_cursor === null ? openOverTime(everything.flows, from, to) : [];
  const busiest = activity.reduce((best, p) => (p.y > best.y ? p : best), { x: to, y: -1 }).x;
  let at = Math.min(Math.max(timeParam(route.params.get('at')) ?? busiest, from), to);
  let windowSeconds = Number(route.params.get('window') ?? 300);

  const slider = h('input', {
    type: 'range',
    class: 'slider',
    min: from,
    max: to,
    step: 1,
    value: at,
    'aria-label': 'instant',
  });
  const when = h('input', {
    class: 'input when',
    type: 'text',
    'aria-label': 'instant (UTC)',
    value: fmtDateTime(at),
  });
  const play = h(
    'button',
    { class: 'button primary play', type: 'button', title: 'Play: step through time' },
    '▶ Play',
  );
  const stepBy = (n: number) =>
    h(
      'button',
      {
        class: 'button',
        type: 'button',
        title: n < 0 ? 'step back' : 'step forward',
        onclick: () => move(at + (n * (to - from)) / PLAY_STEPS),
      },
      n < 0 ? '◀' : '▶',
    );
  const activityHost = h('div', { class: 'activity' });
  const summaryHost = h('div', {}, notice('loading', 'Loading…'));
  const tableHost = h('div', {});
  replace(
    root,
    pageHeader('Time travel', [
      'Replay the cluster at any instant between ',
      h('b', {}, fmtDateTime(from)),
      ' and ',
      h('b', {}, fmtDateTime(to)),
      ' UTC.',
    ]),
    h(
      'div',
      { class: 'timebar panel' },
      h('div', { class: 'timebar-row' }, play, stepBy(-1), slider, stepBy(1)),
      h(
        'div',
        { class: 'timebar-row' },
        h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'Instant (UTC)'), when),
        selectBox('Also show', WINDOWS, String(windowSeconds), (v) => {
          windowSeconds = Number(v);
          void refresh();
        }),
      ),
      activityHost,
    ),
    summaryHost,
    tableHost,
  );

  const drawActivity = () =>
    replace(
      activityHost,
      activity.length > 0 &&
        lineChart({
          series: [{ name: 'open connections', points: activity }],
          formatY: (v) => fmtCount(Math.round(v)),
          xDomain: [from, to],
          marker: at,
          height: 120,
          label: 'open connections over time (click to travel)',
          onPick: (x) => void move(x),
        }),
    );
  drawActivity();

  let pending: AbortController | undefined;
  async function refresh(): Promise<void> {
    // A newer instant, or leaving the page, cancels this one.
    pending?.abort();
    const controller = new AbortController();
    pending = controller;
    const cancelled = AbortSignal.any([signal, controller.signal]);
    const instant = at;
    try {
      const [snap, page] = await Promise.all([
        snapshot(instant, cancelled, windowSeconds),
        listFlows(
          { at: instant, window: windowSeconds, sort: 'start_time', order: 'asc', limit: 1000 },
          cancelled,
        ),
      ]);
      if (cancelled.aborted) return;
      const table = flowTable({ glossary, at: instant });
      table.setFlows(page.flows);
      const open = page.flows.filter((f) => openAt(f, instant)).length;
      replace(summaryHost, summary(snap, instant));
      replace(
        tableHost,
        panel(
          [
            'Connections at this instant ',
            h(
              'span',
              { class: 'muted', 'data-testid': 'table-open-count', 'data-value': open },
              `${fmtCount(open)} open · ${fmtCount(page.flows.length - open)} closed${page.next_cursor ? ' · first 1000' : ''}`,
            ),
          ],
          page.flows.length ? table.el : notice('empty', 'No connection was open at this instant.'),
        ),
      );
    } catch (err) {
      if (!cancelled.aborted) replace(summaryHost, errorNotice(err));
    }
  }

  let debounce: ReturnType<typeof setTimeout> | undefined;
  function move(next: number, immediate = true): Promise<void> | undefined {
    at = Math.round(Math.min(Math.max(next, from), to));
    slider.value = String(at);
    when.value = fmtDateTime(at);
    replaceHash(withParams(route, { at: new Date(at).toISOString() }));
    drawActivity();
    clearTimeout(debounce);
    if (immediate) return refresh();
    debounce = setTimeout(refresh, 120);
    return undefined;
  }
  slider.addEventListener('input', () => move(Number(slider.value), false));
  slider.addEventListener('change', () => move(Number(slider.value)));
  when.addEventListener('change', () => {
    const ms = Date.parse(`${when.value.trim().replace(' ', 'T')}Z`);
    if (Number.isNaN(ms)) when.classList.add('invalid');
    else {
      when.classList.remove('invalid');
      void move(ms);
    }
  });

  let playing = false;
  const stop = () => {
    playing = false;
    play.textContent = '▶ Play';
  };
  play.addEventListener('click', async () => {
    if (playing) return stop();
    playing = true;
    play.textContent = '⏸ Pause';
    if (at >= to) await move(from);
    while (playing && !signal.aborted && at < to) {
      await new Promise((resolve) => setTimeout(resolve, PLAY_TICK_MS));
      if (playing) await move(at + (to - from) / PLAY_STEPS);
    }
    stop();
  });
  signal.addEventListener('abort', stop, { once: true });
  await refresh();
}
