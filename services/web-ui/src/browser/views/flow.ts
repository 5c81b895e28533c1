// #/flow/<id>: one connection — its diagnosis with the evidence, how it evolved (interim records),
// and the 24 metrics explained.
import { flowVersions } from '../api.js';
import { h, notice, panel, replace } from '../dom.js';
import { endpointLabel, metricOf, statePill } from '../flow-table.js';
import { COMPLETENESS_BITS, fmtClock, fmtDateTime, fmtMetric, fmtUs, parseIso } from '../format.js';
import { bySeverity, codeLabel, metricBand } from '../health.js';
import { lineChart } from '../line-chart.js';
import { hrefFor } from '../router.js';
import type { FlowView, GlossaryEntry } from '../types.js';
import { errorNotice, glossaryMap, pageHeader, type ViewContext } from '../view-kit.js';

/** The 24 seed metrics in the groups an SRE reads them in. */
const METRIC_GROUPS: readonly [title: string, blurb: string, names: string[]][] = [
  [
    'Loss and retransmission',
    'Segments the network lost or reordered, and how TCP recovered.',
    [
      'retransmissions',
      'fast_retransmissions',
      'retransmission_rate',
      'dup_acks',
      'out_of_order',
      'missing_segments',
    ],
  ],
  [
    'Latency',
    'How long the handshake, the first bytes and each acknowledgement took.',
    [
      'initial_rtt_us',
      'handshake_time_us',
      'connection_time_us',
      'time_to_first_byte_us',
      'rtt_min_us',
      'rtt_avg_us',
      'rtt_max_us',
      'jitter_us',
      'rtt_samples',
    ],
  ],
  [
    'Flow control',
    'Whether a receiver or its buffer held the sender back.',
    ['zero_window_events', 'window_full_events', 'window_scale', 'avg_receive_window'],
  ],
  [
    'Lifecycle',
    'How the connection opened and ended.',
    ['connection_completeness', 'fin_count', 'rst_count', 'keepalive_count'],
  ],
  ['Throughput', 'What the application actually moved.', ['goodput_bytes']],
];

/** Interim-history charts: one small chart per metric, one point per stored version. */
const HISTORY_METRICS = ['retransmissions', 'rtt_avg_us', 'goodput_bytes', 'dup_acks', 'zero_window_events'];
/** Counted from the connection's first packet: zero there, which starts their line. */
const COUNTERS = new Set(['retransmissions', 'goodput_bytes', 'dup_acks', 'zero_window_events']);

function completenessChips(value: number | null): HTMLElement | null {
  if (value === null) return null;
  return h(
    'span',
    { class: 'bits' },
    COMPLETENESS_BITS.map(([bit, name]) => h('span', { class: `bit${value & bit ? ' on' : ''}` }, name)),
  );
}

function metricCard(flow: FlowView, entry: GlossaryEntry | undefined, name: string): HTMLElement {
  const value = metricOf(flow, name);
  const band = metricBand(name, value);
  return h(
    'div',
    { class: `metric${band ? ` band-${band}` : ''}`, 'data-metric': name, 'data-value': value ?? '' },
    h('div', { class: 'metric-name' }, h('code', {}, name)),
    h(
      'div',
      { class: 'metric-value' },
      value === null
        ? h('span', { class: 'muted', title: 'not measurable on this connection' }, 'n/a')
        : fmtMetric(value, entry?.unit),
    ),
    name === 'connection_completeness' && completenessChips(value),
    h('p', { class: 'metric-desc' }, entry?.description ?? ''),
    entry &&
      h(
        'div',
        { class: 'metric-tshark' },
        entry.tshark === 'derived' ? 'derived' : `tshark: ${entry.tshark}`,
      ),
  );
}

function diagnosisPanel(flow: FlowView): HTMLElement {
  if (flow.diagnosis.length === 0) {
    return panel(
      'Diagnosis',
      h(
        'div',
        { class: 'diag healthy', 'data-testid': 'diagnosis' },
        h('span', { class: 'badge sev-ok' }, 'healthy'),
        'No rule of the slow or failing decision tree matched this connection.',
      ),
    );
  }
  return panel(
    'Diagnosis',
    h(
      'div',
      { class: 'diag-list', 'data-testid': 'diagnosis' },
      bySeverity(flow.diagnosis).map((d) =>
        h(
          'div',
          { class: `diag sev-${d.severity}`, 'data-code': d.code },
          h('span', { class: `badge sev-${d.severity}` }, d.severity),
          h(
            'div',
            {},
            h(
              'div',
              {},
              h('span', { class: 'diag-code' }, codeLabel(d.code)),
              h('span', { class: 'muted' }, ` · ${d.tree} tree`),
            ),
            h('div', { class: 'diag-msg' }, d.message),
          ),
        ),
      ),
    ),
  );
}

function historyPanel(
  versions: readonly FlowView[],
  glossary: ReadonlyMap<string, GlossaryEntry>,
): HTMLElement {
  const start = parseIso(versions[0].start_time);
  const points = (name: string) => [
    ...(COUNTERS.has(name) ? [{ x: start, y: 0, dot: false }] : []),
    ...versions.map((v) => ({ x: parseIso(v.end_time), y: metricOf(v, name) })),
  ];
  const end = parseIso(versions[versions.length - 1].end_time);
  const charts = HISTORY_METRICS.map((name) =>
    h(
      'div',
      { class: 'small-multiple', 'data-metric': name },
      h('div', { class: 'small-title' }, h('code', {}, name)),
      lineChart({
        series: [{ name, points: points(name) }],
        formatY: (v) => fmtMetric(v, glossary.get(name)?.unit),
        compact: true,
        xDomain: [start, Math.max(end, start + 1)],
        label: `${name} per version`,
      }),
    ),
  );
  const rows = versions.map((v) =>
    h(
      'tr',
      {},
      h('td', { class: 'num' }, v.version),
      h('td', { class: 'time' }, fmtClock(parseIso(v.end_time))),
      h('td', {}, v.final ? 'final' : 'interim'),
      h('td', {}, v.state),
      HISTORY_METRICS.map((name) =>
        h('td', { class: 'num' }, fmtMetric(metricOf(v, name), glossary.get(name)?.unit)),
      ),
    ),
  );
  return panel(
    [
      'History ',
      h(
        'span',
        { class: 'muted' },
        versions.length === 1
          ? '1 record: the connection was stored once'
          : `${versions.length} records: interim while it was open, then the ${versions[versions.length - 1].final ? 'final' : 'latest'} one`,
      ),
    ],
    h('div', { class: 'multiples', 'data-testid': 'history' }, charts),
    h(
      'details',
      { class: 'versions' },
      h('summary', {}, 'Every version'),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'compact-table' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['#', 'as of', 'kind', 'state', ...HISTORY_METRICS].map((t) => h('th', {}, t)),
            ),
          ),
          h('tbody', {}, rows),
        ),
      ),
    ),
  );
}

export async function flowView({ root, route, signal }: ViewContext): Promise<void> {
  const id = route.id ?? '';
  replace(root, notice('loading', 'Loading the connection…'));
  let versions: FlowView[];
  let glossary: Map<string, GlossaryEntry>;
  try {
    [versions, glossary] = await Promise.all([flowVersions(id, signal), glossaryMap()]);
  } catch (err) {
    replace(root, pageHeader('Connection', id), errorNotice(err));
    return;
  }
  const flow = versions[versions.length - 1];
  const start = parseIso(flow.start_time);
  const end = parseIso(flow.end_time);
  const similar = hrefFor('flows', { kfl: `dst.ip == "${flow.dst.ip}" and dst.port == ${flow.dst.port}` });

  const header = h(
    'div',
    { class: 'flow-head' },
    h('a', { href: '#/flows', class: 'back' }, '← Connections'),
    h(
      'div',
      { class: 'flow-endpoints' },
      h('div', { class: 'side' }, h('span', { class: 'side-label' }, 'client'), endpointLabel(flow, 'src')),
      h('span', { class: 'arrow big' }, '→'),
      h('div', { class: 'side' }, h('span', { class: 'side-label' }, 'server'), endpointLabel(flow, 'dst')),
      statePill(flow.state),
    ),
    h(
      'div',
      { class: 'facts' },
      [
        ['node', flow.node],
        ['stream', String(flow.stream)],
        ['started', fmtDateTime(start)],
        ['last packet', fmtDateTime(end)],
        ['duration', fmtUs(metricOf(flow, 'duration_us') ?? (end - start) * 1000)],
        ['record', flow.final ? `final (v${flow.version})` : `interim v${flow.version}, still open`],
        ['flow id', flow.id],
      ].map(([k, v]) => h('span', { class: 'fact' }, h('span', { class: 'muted' }, k), ' ', v)),
      flow.evicted && h('span', { class: 'badge sev-warning' }, 'evicted from the flow table'),
      h('a', { href: similar, class: 'fact link' }, 'same server →'),
    ),
  );

  const groups = METRIC_GROUPS.map(([title, blurb, names]) =>
    h(
      'div',
      { class: 'metric-group' },
      h('h3', {}, title, ' ', h('span', { class: 'muted' }, blurb)),
      h(
        'div',
        { class: 'metric-grid' },
        names.map((n) => metricCard(flow, glossary.get(n), n)),
      ),
    ),
  );
  const extras = Object.keys(flow.extra_metrics);
  replace(
    root,
    header,
    h('div', { class: 'flow-top' }, diagnosisPanel(flow), historyPanel(versions, glossary)),
    panel(
      ['The 24 metrics ', h('span', { class: 'muted' }, 'as Wireshark would count them')],
      h('div', { 'data-testid': 'metrics' }, groups),
    ),
    extras.length > 0 &&
      panel(
        'More',
        h(
          'details',
          {},
          h('summary', {}, `${extras.length} extra metrics`),
          h(
            'div',
            { class: 'metric-grid' },
            extras.map((n) => metricCard(flow, glossary.get(n), n)),
          ),
        ),
      ),
  );
}
