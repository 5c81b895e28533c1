// The connections table: one row per connection, health colours on the cells that have a band,
// sortable headers, a row opens the connection page. Used by the list, time travel and live mode.
import { h, replace } from './dom.js';
import { DASH, fmtAddress, fmtClock, fmtMetric, fmtUs, parseIso } from './format.js';
import { type Band, bySeverity, codeLabel, flowHealth, metricBand } from './health.js';
import { hrefFor } from './router.js';
import type { FlowView, GlossaryEntry } from './types.js';

export interface SortState {
  sort: string;
  order: 'asc' | 'desc';
}

export interface FlowTableOptions {
  /** Metric documentation (unit for formatting, description for header tooltips), by name. */
  glossary: ReadonlyMap<string, GlossaryEntry>;
  sort?: SortState;
  /** Sorting is offered when given: called with the field a header asks for. */
  onSort?(sort: SortState): void;
  /** Time travel: rows still open at this instant (epoch ms) are marked. */
  at?: number;
}

export interface FlowTable {
  el: HTMLElement;
  /** Replaces the rows. */
  setFlows(flows: readonly FlowView[]): void;
  /** Adds rows at the end (next page). */
  append(flows: readonly FlowView[]): void;
  /** Live mode: a new version replaces the connection's row (or adds one on top), flashing. */
  upsert(flow: FlowView): void;
  rowCount(): number;
}

/** Metric columns shown by default, in order. */
const METRIC_COLUMNS: readonly [name: string, label: string][] = [
  ['retransmission_rate', 'Retx %'],
  ['retransmissions', 'Retx'],
  ['initial_rtt_us', 'iRTT'],
  ['rtt_avg_us', 'RTT avg'],
  ['jitter_us', 'Jitter'],
  ['zero_window_events', 'Zero win'],
  ['dup_acks', 'Dup ACKs'],
  ['goodput_bytes', 'Goodput'],
];

/** The value of a metric, seed or extra, on a connection. */
export function metricOf(flow: FlowView, name: string): number | null {
  return flow.tcp_metrics[name] ?? flow.extra_metrics[name] ?? null;
}

/** Open at `at` the way the API counts it: no final record ending at or before it. */
export function openAt(flow: FlowView, at: number): boolean {
  return !(flow.final && parseIso(flow.end_time) <= at);
}

const bandClass = (band: Band | undefined) => (band ? ` band band-${band}` : '');

function metricCell(flow: FlowView, name: string, glossary: ReadonlyMap<string, GlossaryEntry>): HTMLElement {
  const value = metricOf(flow, name);
  const band = metricBand(name, value);
  const text =
    name === 'zero_window_events' && value !== null && value > 0
      ? h('span', { class: 'flag', title: 'the receiver advertised a zero window' }, String(value))
      : fmtMetric(value, glossary.get(name)?.unit);
  // Zero counts recede, so the rows with events stand out.
  const quiet = value === 0 && glossary.get(name)?.unit === 'count' ? ' zero' : '';
  return h(
    'td',
    {
      class: `num${bandClass(band)}${quiet}`,
      'data-metric': name,
      'data-value': value === null ? '' : value,
    },
    text,
  );
}

/** `namespace/service` of an endpoint, '' when it has no service. */
const serviceName = (e: FlowView['src']) =>
  e.service ? `${e.namespace ? `${e.namespace}/` : ''}${e.service}` : '';

export function endpointLabel(flow: FlowView, side: 'src' | 'dst'): HTMLElement {
  const e = flow[side];
  const name = serviceName(e);
  return h(
    'span',
    { class: 'endpoint' },
    h('span', { class: 'addr' }, fmtAddress(e.ip, e.port)),
    name && h('span', { class: 'svc' }, name),
  );
}

export function diagnosisBadges(flow: FlowView, max = 2): HTMLElement {
  const items = bySeverity(flow.diagnosis);
  return h(
    'span',
    { class: 'badges' },
    items
      .slice(0, max)
      .map((d) => h('span', { class: `badge sev-${d.severity}`, title: d.message }, codeLabel(d.code))),
    items.length > max &&
      h(
        'span',
        {
          class: 'badge more',
          title: items
            .slice(max)
            .map((d) => codeLabel(d.code))
            .join(', '),
        },
        `+${items.length - max}`,
      ),
  );
}

export function statePill(state: string): HTMLElement {
  return h('span', { class: `pill state-${state}` }, state.replace(/_/g, ' '));
}

export function flowTable(options: FlowTableOptions): FlowTable {
  const { glossary } = options;
  const columns = [...METRIC_COLUMNS];
  const sortField = options.sort?.sort;
  // Sorting by a metric that is not shown adds its column, so the order can be seen.
  if (
    sortField &&
    !['start_time', 'end_time'].includes(sortField) &&
    !columns.some(([n]) => n === sortField)
  ) {
    columns.push([sortField, sortField.replace(/_us$/, '').replace(/_/g, ' ')]);
  }

  const header = (label: string, field?: string, title?: string) => {
    const sorted = field !== undefined && options.sort?.sort === field;
    const arrow = sorted ? (options.sort?.order === 'asc' ? ' ▲' : ' ▼') : '';
    const attrs = {
      scope: 'col',
      title,
      class: `${field && !['start_time', 'end_time'].includes(field) ? 'num' : ''}${sorted ? ' sorted' : ''}`,
      'data-sort': field,
      'aria-sort': sorted ? (options.sort?.order === 'asc' ? 'ascending' : 'descending') : undefined,
    };
    if (!field || !options.onSort) return h('th', attrs, label);
    const onSort = options.onSort;
    return h(
      'th',
      attrs,
      h(
        'button',
        {
          type: 'button',
          class: 'sort-button',
          onclick: () =>
            onSort({
              sort: field,
              order: sorted
                ? options.sort?.order === 'asc'
                  ? 'desc'
                  : 'asc'
                : field === 'start_time'
                  ? 'asc'
                  : 'desc',
            }),
        },
        label,
        arrow,
      ),
    );
  };

  const thead = h(
    'thead',
    {},
    h(
      'tr',
      {},
      header('Connection', undefined, 'client → server (src is the side that sent the SYN)'),
      header('State'),
      header('Start (UTC)', 'start_time'),
      header('Duration', 'duration_us', glossary.get('duration_us')?.description),
      columns.map(([name, label]) => header(label, name, glossary.get(name)?.description)),
      header('Diagnosis'),
    ),
  );
  const tbody = h('tbody', {});

  const row = (flow: FlowView) => {
    const start = parseIso(flow.start_time);
    const open = options.at === undefined ? undefined : openAt(flow, options.at);
    const duration = metricOf(flow, 'duration_us') ?? Math.round((parseIso(flow.end_time) - start) * 1000);
    const href = hrefFor('flow', {}, flow.id);
    const tr = h(
      'tr',
      {
        class: `flow-row health-${flowHealth(flow)}${open === false ? ' closed-at' : ''}`,
        'data-flow-id': flow.id,
        'data-stream': flow.stream,
        'data-node': flow.node,
        'data-src': fmtAddress(flow.src.ip, flow.src.port),
        'data-dst': fmtAddress(flow.dst.ip, flow.dst.port),
        'data-open': open === undefined ? undefined : String(open),
      },
      h(
        'td',
        { class: 'conn' },
        h(
          'a',
          { href, class: 'conn-link' },
          h('span', { class: 'addr' }, fmtAddress(flow.src.ip, flow.src.port)),
          h('span', { class: 'arrow' }, '→'),
          h('span', { class: 'addr' }, fmtAddress(flow.dst.ip, flow.dst.port)),
        ),
        h(
          'span',
          { class: 'conn-meta' },
          serviceName(flow.dst) && h('span', { class: 'svc' }, serviceName(flow.dst)),
          `${flow.node} · stream ${flow.stream}${flow.final ? '' : ` · v${flow.version}, open`}`,
        ),
      ),
      h(
        'td',
        {},
        open !== undefined &&
          h('span', {
            class: `open-dot${open ? ' is-open' : ''}`,
            title: open ? 'open at this instant' : 'closed before this instant',
          }),
        statePill(flow.state),
      ),
      h('td', { class: 'time', 'data-metric': 'start_time', 'data-value': start }, fmtClock(start)),
      h('td', { class: 'num', 'data-metric': 'duration_us', 'data-value': duration }, fmtUs(duration)),
      columns.map(([name]) => metricCell(flow, name, glossary)),
      h('td', {}, flow.diagnosis.length ? diagnosisBadges(flow) : h('span', { class: 'muted' }, DASH)),
    );
    tr.addEventListener('click', (event) => {
      if (!(event.target instanceof HTMLAnchorElement) && !window.getSelection()?.toString())
        location.hash = href;
    });
    return tr;
  };

  const el = h('div', { class: 'table-wrap' }, h('table', { class: 'flows' }, thead, tbody));
  return {
    el,
    setFlows: (flows) => replace(tbody, flows.map(row)),
    append: (flows) => tbody.append(...flows.map(row)),
    upsert: (flow) => {
      const fresh = row(flow);
      fresh.classList.add('flash');
      const old = tbody.querySelector(
        `tr[data-flow-id="${CSS.escape(flow.id)}"][data-node="${CSS.escape(flow.node)}"]`,
      );
      old?.remove();
      tbody.prepend(fresh);
    },
    rowCount: () => tbody.rows.length,
  };
}
