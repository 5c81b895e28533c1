// #/rtt: P50 / P90 / P99 of an RTT metric per service, namespace or node, over time.
import { ApiError, dataRange, rttPercentiles } from '../api.js';
import { h, notice, panel, replace } from '../dom.js';
import { fmtCount, fmtDateTime, fmtUs, parseIso } from '../format.js';
import { rttBand } from '../health.js';
import { kflBox } from '../kfl-box.js';
import { lineChart, type Series, seriesClass } from '../line-chart.js';
import { navigate, withParams } from '../router.js';
import { stepFor } from '../scale.js';
import type { PercentileRow, RttGroupBy, RttMetric } from '../types.js';
import { errorNotice, pageHeader, selectBox, timeParam, type ViewContext } from '../view-kit.js';

const METRICS: readonly [RttMetric, string][] = [
  ['rtt_avg_us', 'mean ACK RTT (rtt_avg_us)'],
  ['initial_rtt_us', 'handshake RTT (initial_rtt_us)'],
  ['rtt_max_us', 'worst ACK RTT (rtt_max_us)'],
];
const GROUPS: readonly [RttGroupBy, string][] = [
  ['dst.service', 'server service'],
  ['dst.namespace', 'server namespace'],
  ['src.namespace', 'client namespace'],
  ['node', 'node'],
];
const MINUTE = 60_000;
/** Lines per chart; the groups with most connections. */
const MAX_GROUPS = 8;

const groupLabel = (group: string, by: RttGroupBy) =>
  group || (by === 'node' ? '(no node)' : `(no ${by.split('.')[1]})`);

function seriesFor(
  rows: readonly PercentileRow[],
  groups: readonly string[],
  pick: 'p50' | 'p90' | 'p99',
  by: RttGroupBy,
): Series[] {
  return groups.map((g) => ({
    name: groupLabel(g, by),
    points: rows.filter((r) => r.group === g).map((r) => ({ x: parseIso(r.time), y: r[pick] })),
  }));
}

export async function rttView({ root, route, signal }: ViewContext): Promise<void> {
  const metric = (route.params.get('metric') as RttMetric) || 'rtt_avg_us';
  const groupBy = (route.params.get('group_by') as RttGroupBy) || 'dst.service';
  const kfl = route.params.get('kfl') ?? '';
  const box = kflBox({ value: kfl, onApply: (text) => navigate(withParams(route, { kfl: text })) });
  const body = h('div', {}, notice('loading', 'Computing percentiles…'));
  replace(
    root,
    pageHeader(
      'RTT percentiles',
      'Closed connections, by the minute they started (or finer buckets, computed exactly).',
    ),
    box.el,
    h(
      'div',
      { class: 'toolbar' },
      selectBox('Metric', METRICS, metric, (v) => navigate(withParams(route, { metric: v }))),
      selectBox('Group by', GROUPS, groupBy, (v) => navigate(withParams(route, { group_by: v }))),
    ),
    body,
  );

  try {
    const range = await dataRange(signal);
    const wantedFrom = timeParam(route.params.get('from')) ?? range?.from;
    const wantedTo = timeParam(route.params.get('to')) ?? range?.to;
    if (wantedFrom === undefined || wantedTo === undefined) {
      replace(body, notice('empty', 'No connections stored yet.'));
      return;
    }
    // The API selects connections by the minute they started: whole minutes cover the range.
    const from = Math.floor(wantedFrom / MINUTE) * MINUTE;
    const to = (Math.floor(wantedTo / MINUTE) + 1) * MINUTE;
    const step = stepFor(wantedFrom, wantedTo);
    const base = { metric, group_by: groupBy, kfl, from, to };
    const [series, totals] = await Promise.all([
      rttPercentiles({ ...base, step }, signal),
      rttPercentiles(base, signal),
    ]);
    const ranked = [...totals.rows].sort((a, b) => b.flows - a.flows);
    const groups = ranked.slice(0, MAX_GROUPS).map((r) => r.group);
    if (groups.length === 0) {
      replace(body, notice('empty', 'No closed connection with this RTT in the range.'));
      return;
    }
    // Drawn over the data's own span (bucket starts are aligned to the step).
    const xDomain: [number, number] = [Math.floor(wantedFrom / (step * 1000)) * step * 1000, wantedTo];
    const chart = (pick: 'p50' | 'p90' | 'p99', title: string) =>
      panel(
        title,
        lineChart({
          series: seriesFor(series.rows, groups, pick, groupBy),
          formatY: fmtUs,
          xDomain,
          label: `${title} of ${metric}`,
        }),
      );
    const table = h(
      'table',
      { class: 'compact-table', 'data-testid': 'rtt-table' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['', groupBy, 'connections', 'samples', 'P50', 'P90', 'P99'].map((t, i) =>
            h('th', { class: i > 1 ? 'num' : '' }, t),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        ranked.map((r) => {
          const i = groups.indexOf(r.group);
          const cell = (v: number | null) =>
            h('td', { class: `num band band-${rttBand(v) ?? 'none'}` }, fmtUs(v));
          return h(
            'tr',
            { 'data-group': r.group },
            h('td', {}, i >= 0 && h('span', { class: `swatch ${seriesClass(i)}` })),
            h('td', {}, groupLabel(r.group, groupBy)),
            h('td', { class: 'num' }, fmtCount(r.flows)),
            h('td', { class: 'num' }, fmtCount(r.samples)),
            cell(r.p50),
            cell(r.p90),
            cell(r.p99),
          );
        }),
      ),
    );
    replace(
      body,
      h(
        'p',
        { class: 'muted' },
        `${fmtDateTime(from)} → ${fmtDateTime(to)} UTC · ${step} s buckets · from ${series.source === 'rollup' ? 'the per-minute rollup' : series.source === 'rollup_1h' ? 'the hourly rollup (percentiles within 1 %)' : 'the connection records (exact)'}`,
      ),
      h('div', { class: 'chart-grid' }, chart('p50', 'P50'), chart('p90', 'P90'), chart('p99', 'P99')),
      panel('Over the whole range', h('div', { class: 'table-wrap' }, table)),
    );
  } catch (err) {
    if (err instanceof ApiError && err.problem) box.showProblem(err.problem);
    replace(body, errorNotice(err));
  }
}
