// #/flows: the connections, filtered with KFL, sorted by any metric, health at a glance.
import { ApiError, listFlows } from '../api.js';
import { h, notice, replace } from '../dom.js';
import { type FlowTable, flowTable } from '../flow-table.js';
import { fmtCount } from '../format.js';
import { flowHealth, retransmissionBand, rttBand } from '../health.js';
import { kflBox } from '../kfl-box.js';
import { navigate, withParams } from '../router.js';
import type { FlowView } from '../types.js';
import {
  errorNotice,
  glossaryMap,
  KFL_EXAMPLES,
  pageHeader,
  selectBox,
  timeParam,
  type ViewContext,
} from '../view-kit.js';

const PAGE_SIZE = 200;

/** Counts over the rows shown, each a link to the filter that selects them. */
function healthSummary(flows: readonly FlowView[], kfl: string, route: ViewContext['route']): HTMLElement {
  const count = (test: (f: FlowView) => boolean) => flows.filter(test).length;
  const and = (extra: string) => (kfl ? `(${kfl}) and ${extra}` : extra);
  // A chip links to the filter selecting its connections; the healthy count has no KFL equivalent.
  const chip = (n: number, label: string, band: string, filter?: string) =>
    h(
      filter ? 'a' : 'span',
      {
        class: `summary-chip band-${band}${n === 0 ? ' zero' : ''}`,
        href: filter ? withParams(route, { kfl: and(filter) }) : undefined,
      },
      h('span', { class: 'chip-value' }, fmtCount(n)),
      label,
    );
  return h(
    'div',
    { class: 'summary', 'aria-label': 'health of the connections shown' },
    chip(
      count((f) => retransmissionBand(f.tcp_metrics.retransmission_rate) === 'severe'),
      '> 5 % retransmitted',
      'severe',
      'tcp_metrics.retransmission_rate > 0.05',
    ),
    chip(
      count((f) => retransmissionBand(f.tcp_metrics.retransmission_rate) === 'degraded'),
      '1–5 % retransmitted',
      'degraded',
      'tcp_metrics.retransmission_rate >= 0.01 and tcp_metrics.retransmission_rate <= 0.05',
    ),
    chip(
      count((f) => rttBand(f.tcp_metrics.initial_rtt_us) !== 'ok' && f.tcp_metrics.initial_rtt_us !== null),
      'handshake RTT > 10 ms',
      'degraded',
      'tcp_metrics.initial_rtt_us > 10000',
    ),
    chip(
      count((f) => (f.tcp_metrics.zero_window_events ?? 0) > 0),
      'zero window',
      'degraded',
      'tcp_metrics.zero_window_events > 0',
    ),
    chip(
      count((f) => f.diagnosis.some((d) => d.tree === 'failing')),
      'failing',
      'severe',
      'tcp or error',
    ),
    chip(
      count((f) => flowHealth(f) === 'ok'),
      'healthy',
      'ok',
    ),
  );
}

export async function flowsView({ root, route, signal }: ViewContext): Promise<void> {
  const kfl = route.params.get('kfl') ?? '';
  const sort = route.params.get('sort') ?? 'start_time';
  const order = route.params.get('order') === 'asc' ? 'asc' : 'desc';
  const from = timeParam(route.params.get('from'));
  const to = timeParam(route.params.get('to'));
  const glossary = await glossaryMap();

  const box = kflBox({
    value: kfl,
    examples: KFL_EXAMPLES,
    onApply: (text) => navigate(withParams(route, { kfl: text })),
  });
  const sortOptions: [string, string][] = [
    ['start_time', 'start time'],
    ['end_time', 'end time'],
    ...[...glossary.keys()].map((name): [string, string] => [name, name]),
  ];
  const controls = h(
    'div',
    { class: 'toolbar' },
    selectBox('Sort by', sortOptions, sort, (value) => navigate(withParams(route, { sort: value }))),
    selectBox(
      'Order',
      [
        ['desc', 'descending'],
        ['asc', 'ascending'],
      ],
      order,
      (value) => navigate(withParams(route, { order: value })),
    ),
  );
  const count = h('span', { class: 'count', 'data-testid': 'flow-count' }, '…');
  const summaryHost = h('div', {});
  const table: FlowTable = flowTable({
    glossary,
    sort: { sort, order },
    onSort: (next) => navigate(withParams(route, { sort: next.sort, order: next.order })),
  });
  const status = h('div', {});
  const more = h('button', { class: 'button', type: 'button', hidden: true }, 'Load more');
  replace(
    root,
    pageHeader('Connections', ['Every TCP connection, as its latest record. ', count]),
    box.el,
    controls,
    summaryHost,
    table.el,
    status,
    h('div', { class: 'more' }, more),
  );

  const shown: FlowView[] = [];
  const load = async (cursor?: string) => {
    more.disabled = true;
    try {
      const page = await listFlows({ kfl, sort, order, limit: PAGE_SIZE, cursor, from, to }, signal);
      shown.push(...page.flows);
      if (cursor) table.append(page.flows);
      else table.setFlows(page.flows);
      count.textContent = `${fmtCount(shown.length)}${page.next_cursor ? '+' : ''} connection${shown.length === 1 ? '' : 's'}${kfl ? ' match the filter' : ''}`;
      count.dataset.count = String(shown.length);
      count.dataset.complete = String(page.next_cursor === null);
      replace(summaryHost, healthSummary(shown, kfl, route));
      replace(
        status,
        shown.length === 0
          ? notice('empty', kfl ? 'No connection matches this filter.' : 'No connections stored yet.')
          : null,
      );
      more.hidden = page.next_cursor === null;
      more.onclick = () => load(page.next_cursor ?? undefined);
    } catch (err) {
      if (err instanceof ApiError && err.problem) box.showProblem(err.problem);
      count.textContent = '';
      replace(status, errorNotice(err));
    } finally {
      more.disabled = false;
    }
  };
  await load();
}
