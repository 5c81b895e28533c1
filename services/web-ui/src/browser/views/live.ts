// #/live: new connection records as they are stored (SSE), filtered with KFL; a connection's row
// is replaced by its newer version, and new rows flash.
import { h, notice, replace } from '../dom.js';
import { flowTable } from '../flow-table.js';
import { fmtClock, fmtCount } from '../format.js';
import { kflBox } from '../kfl-box.js';
import { followFlows, type StreamState } from '../live-stream.js';
import { navigate, withParams } from '../router.js';
import { glossaryMap, KFL_EXAMPLES, pageHeader, type ViewContext } from '../view-kit.js';

/** Rows kept on screen; older ones are dropped. */
const MAX_ROWS = 300;

const STATE_TEXT: Record<StreamState, string> = {
  connecting: 'connecting…',
  live: 'live',
  reconnecting: 'connection lost, reconnecting…',
  failed: 'stopped',
};

export async function liveView({ root, route, signal }: ViewContext): Promise<void> {
  const kfl = route.params.get('kfl') ?? '';
  const glossary = await glossaryMap();
  const box = kflBox({
    value: kfl,
    examples: KFL_EXAMPLES,
    onApply: (text) => navigate(withParams(route, { kfl: text })),
  });
  const indicator = h(
    'span',
    { class: 'live-indicator', 'data-state': 'connecting', 'data-testid': 'live-state' },
    STATE_TEXT.connecting,
  );
  const counter = h(
    'span',
    { class: 'muted', 'data-testid': 'live-count', 'data-value': 0 },
    'no records yet',
  );
  const table = flowTable({ glossary });
  const empty = notice(
    'empty',
    'Waiting for new connection records… (they arrive as edges capture and processors store them)',
  );
  const problem = h('div', {});
  replace(root, pageHeader('Live', [indicator, ' ', counter]), box.el, problem, table.el, empty);

  let received = 0;
  void followFlows({
    kfl,
    signal,
    onState: (state, detail) => {
      indicator.dataset.state = state;
      indicator.textContent = STATE_TEXT[state];
      if (detail) replace(problem, notice('error', detail));
    },
    onFlow: (flow) => {
      received++;
      empty.remove();
      table.upsert(flow);
      const rows = table.el.querySelectorAll('tbody tr');
      for (let i = MAX_ROWS; i < rows.length; i++) rows[i].remove();
      counter.dataset.value = String(received);
      counter.textContent = `${fmtCount(received)} record${received === 1 ? '' : 's'} · last at ${fmtClock(Date.now(), false)}`;
    },
  });
}
