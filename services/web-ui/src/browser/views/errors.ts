// #/errors: the error dashboard. Problems by class (diagnosis code) and by service, with the
// evidence, for the dashboard filter `error or tcp or icmp`; then the slow-tree problems of all
// connections, which no error flag covers.
import { ApiError, diagnose, listFlows } from '../api.js';
import { h, notice, panel, replace, stat } from '../dom.js';
import { flowTable } from '../flow-table.js';
import { fmtCount, fmtMetric } from '../format.js';
import { codeLabel } from '../health.js';
import { kflBox } from '../kfl-box.js';
import { hrefFor, navigate, withParams } from '../router.js';
import type { DiagnoseGroup, DiagnoseResult, GlossaryEntry } from '../types.js';
import { errorNotice, glossaryMap, pageHeader, type ViewContext } from '../view-kit.js';

export const ERROR_DASHBOARD_KFL = 'error or tcp or icmp';

/** `retransmission_rate_max` 0.07 → `retransmission_rate (max) 7 %`, in the metric's unit. */
function evidenceText(
  name: string,
  value: number | null,
  glossary: ReadonlyMap<string, GlossaryEntry>,
): string {
  const [, metric, aggregate] = /^(.*)_(max|min|avg|sum|p\d+)$/.exec(name) ?? [name, name, ''];
  return `${metric}${aggregate ? ` (${aggregate})` : ''} ${fmtMetric(value, glossary.get(metric)?.unit)}`;
}

function classCards(result: DiagnoseResult): HTMLElement {
  const max = Math.max(1, ...result.codes.map((c) => c.flows));
  return h(
    'div',
    { class: 'class-bars', 'data-testid': 'error-classes' },
    result.codes.map((c) => {
      const bar = h('span', { class: `bar sev-${c.severity}` });
      bar.style.width = `${(100 * c.flows) / max}%`;
      return h(
        'div',
        { class: 'class-row', 'data-code': c.code, 'data-flows': c.flows },
        h('span', { class: `badge sev-${c.severity}` }, c.severity),
        h(
          'span',
          {},
          h('span', { class: 'class-name' }, codeLabel(c.code)),
          h('span', { class: 'muted' }, ` · ${c.tree}`),
        ),
        h('span', { class: 'bar-track' }, bar),
        h('b', { class: 'num' }, fmtCount(c.flows)),
      );
    }),
  );
}

function groupsTable(
  groups: readonly DiagnoseGroup[],
  glossary: ReadonlyMap<string, GlossaryEntry>,
): HTMLElement {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'compact-table groups' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['problem', 'server', 'connections', 'evidence', 'what it means', 'examples'].map((t) =>
            h('th', {}, t),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        groups.map((g) =>
          h(
            'tr',
            { 'data-code': g.code },
            h('td', {}, h('span', { class: `badge sev-${g.severity}` }, codeLabel(g.code))),
            h('td', {}, g.namespace ? h('span', { class: 'muted' }, `${g.namespace}/`) : null, g.service),
            h('td', { class: 'num' }, fmtCount(g.flows)),
            h(
              'td',
              { class: 'evidence' },
              Object.entries(g.evidence).map(([k, v]) =>
                h('span', { class: 'ev' }, evidenceText(k, v, glossary)),
              ),
            ),
            h('td', { class: 'diag-msg' }, g.message),
            h(
              'td',
              {},
              g.examples.map((id, i) =>
                h('a', { href: hrefFor('flow', {}, id), class: 'example' }, `#${i + 1}`),
              ),
            ),
          ),
        ),
      ),
    ),
  );
}

export async function errorsView({ root, route, signal }: ViewContext): Promise<void> {
  const kfl = route.params.get('kfl') ?? ERROR_DASHBOARD_KFL;
  const box = kflBox({
    value: kfl,
    onApply: (text) => navigate(withParams(route, { kfl: text || ERROR_DASHBOARD_KFL })),
    examples: [
      ['dashboard', ERROR_DASHBOARD_KFL],
      ['TCP errors only', 'tcp'],
      ['resets', 'tcp_metrics.rst_count > 0'],
    ],
  });
  const body = h('div', {}, notice('loading', 'Diagnosing…'));
  replace(
    root,
    pageHeader('Errors', [
      'Problems by class: ',
      h('code', {}, kfl),
      ' — refused, unreachable, reset and half-closed connections, and what else is wrong.',
    ]),
    box.el,
    body,
  );
  try {
    const [glossary, problems, all, page] = await Promise.all([
      glossaryMap(),
      diagnose({ kfl }, signal),
      diagnose({}, signal),
      listFlows({ kfl, sort: 'start_time', order: 'desc', limit: 200 }, signal),
    ]);
    const slow = all.groups.filter((g) => g.tree === 'slow');
    const table = flowTable({ glossary });
    table.setFlows(page.flows);
    replace(
      body,
      h(
        'div',
        { class: 'stat-row' },
        stat(problems.flows, 'connections match', 'sev-critical', { 'data-testid': 'error-total' }),
        stat(all.flows, 'connections stored'),
        stat(all.healthy, 'healthy overall', 'sev-ok'),
        stat(
          slow.reduce((n, g) => n + g.flows, 0),
          'slow-tree findings',
          'sev-warning',
        ),
      ),
      h(
        'div',
        { class: 'two-col' },
        panel(
          'By class',
          problems.codes.length
            ? classCards(problems)
            : notice('empty', 'No diagnosis on these connections.'),
        ),
        panel(
          'Performance (all connections)',
          slow.length
            ? classCards({ ...all, codes: all.codes.filter((c) => c.tree === 'slow') })
            : notice('empty', 'Nothing slow.'),
        ),
      ),
      panel(
        'By class and server',
        problems.groups.length
          ? groupsTable(problems.groups, glossary)
          : notice('empty', 'No problems match the filter.'),
      ),
      panel(
        [
          'Connections ',
          h('span', { class: 'muted' }, `${fmtCount(page.flows.length)}${page.next_cursor ? '+' : ''}`),
        ],
        table.el,
      ),
      slow.length > 0 && panel('Slow-tree problems by server', groupsTable(slow, glossary)),
    );
  } catch (err) {
    if (err instanceof ApiError && err.problem) box.showProblem(err.problem);
    replace(body, errorNotice(err));
  }
}
