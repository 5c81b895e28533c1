// The UI's entry point: the shell (top bar, navigation) and the hash router that renders a view.
import { dataRange } from './api.js';
import { h, replace, s } from './dom.js';
import { fmtDateTime } from './format.js';
import { parseHash, type ViewName } from './router.js';
import { themeToggle } from './theme.js';
import { errorNotice, type View } from './view-kit.js';
import { errorsView } from './views/errors.js';
import { flowView } from './views/flow.js';
import { flowsView } from './views/flows.js';
import { liveView } from './views/live.js';
import { rttView } from './views/rtt.js';
import { snapshotView } from './views/snapshot.js';

const VIEWS: Record<ViewName, View> = {
  flows: flowsView,
  flow: flowView,
  rtt: rttView,
  errors: errorsView,
  snapshot: snapshotView,
  live: liveView,
};

/** Navigation entries; the connection page belongs to "Connections". */
const NAV: readonly [ViewName, string][] = [
  ['flows', 'Connections'],
  ['rtt', 'RTT'],
  ['errors', 'Errors'],
  ['snapshot', 'Time travel'],
  ['live', 'Live'],
];

/** A trace line: the same mark as the favicon. */
const logo = () =>
  s(
    'svg',
    { viewBox: '0 0 24 24', width: 22, height: 22, 'aria-hidden': 'true' },
    s('path', { d: 'M2 17h4l3-10 4 14 3-9 2 5h4', class: 'logo-line' }),
  );

function shell(): { main: HTMLElement; links: Map<ViewName, HTMLAnchorElement>; range: HTMLElement } {
  const links = new Map(
    NAV.map(([view, label]) => [view, h('a', { href: `#/${view}`, class: 'nav-link' }, label)]),
  );
  const brand = h('a', { href: '#/flows', class: 'brand' }, logo(), h('span', {}, 'tcpx'));
  const range = h('span', { class: 'range muted' });
  const main = h('main', { id: 'view', class: 'view' });
  document.body.replaceChildren(
    h(
      'header',
      { class: 'topbar' },
      brand,
      h('nav', { class: 'nav' }, [...links.values()]),
      h('div', { class: 'topbar-end' }, range, themeToggle()),
    ),
    main,
  );
  return { main, links, range };
}

function start(): void {
  const { main, links, range } = shell();
  // Data keeps arriving (live capture): the span shown is refreshed with every page.
  const showRange = () =>
    dataRange().then(
      (r) => {
        range.textContent = r
          ? `data ${fmtDateTime(r.from)} → ${fmtDateTime(r.to).slice(11)} UTC`
          : 'no data yet';
      },
      () => {},
    );
  let current: AbortController | undefined;
  let rendered = 0;
  const render = async () => {
    current?.abort();
    const controller = new AbortController();
    current = controller;
    const route = parseHash(location.hash);
    void showRange();
    const active = route.view === 'flow' ? 'flows' : route.view;
    for (const [view, link] of links) link.classList.toggle('active', view === active);
    document.body.dataset.view = route.view;
    const root = h('div', { class: `page page-${route.view}` });
    main.replaceChildren(root);
    try {
      await VIEWS[route.view]({ root, route, signal: controller.signal });
    } catch (err) {
      if (!controller.signal.aborted) replace(root, errorNotice(err));
    } finally {
      // Marks for scripts and browser tests: the page is drawn, and how many pages were.
      if (!controller.signal.aborted) {
        root.dataset.ready = 'true';
        document.body.dataset.rendered = String(++rendered);
      }
    }
  };
  window.addEventListener('hashchange', render);
  if (!location.hash) history.replaceState(null, '', '#/flows');
  void render();
}

start();
