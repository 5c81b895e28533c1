// Hash routes: #/flows, #/flow/<id>, #/rtt, #/errors, #/snapshot, #/live, each with a query string
// (?kfl=…&sort=…) that keeps the page's state in the URL, so a view can be bookmarked and shared.

export type ViewName = 'flows' | 'flow' | 'rtt' | 'errors' | 'snapshot' | 'live';

export const VIEW_NAMES: readonly ViewName[] = ['flows', 'flow', 'rtt', 'errors', 'snapshot', 'live'];

export interface Route {
  view: ViewName;
  /** The path segment after the view (#/flow/<id>). */
  id?: string;
  params: URLSearchParams;
}

export type Params = Record<string, string | number | undefined | null>;

/** `#/flow/123?x=1` → { view: 'flow', id: '123', params: x=1 }; anything unknown is the connections list. */
export function parseHash(hash: string): Route {
  const text = hash.replace(/^#\/?/, '');
  const q = text.indexOf('?');
  const path = q < 0 ? text : text.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : text.slice(q + 1));
  const [view, id] = path.split('/').map(decodeURIComponent);
  if (!VIEW_NAMES.includes(view as ViewName)) return { view: 'flows', params };
  return { view: view as ViewName, id: id || undefined, params };
}

/** The hash for a view; empty parameter values are left out. */
export function hrefFor(view: ViewName, params: Params = {}, id?: string): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') query.set(key, String(value));
  }
  const qs = query.toString();
  return `#/${view}${id === undefined ? '' : `/${encodeURIComponent(id)}`}${qs ? `?${qs}` : ''}`;
}

/** The current route with some parameters changed (undefined removes one). */
export function withParams(route: Route, changes: Params): string {
  const params: Params = Object.fromEntries(route.params.entries());
  return hrefFor(route.view, { ...params, ...changes }, route.id);
}

/** Goes to a hash: a new history entry that re-renders the view. */
export function navigate(hash: string): void {
  if (location.hash !== hash) location.hash = hash;
}

/**
 * Records state in the URL without re-rendering (no hashchange): for controls that update their
 * page in place, like the time-travel slider.
 */
export function replaceHash(hash: string): void {
  if (location.hash !== hash) history.replaceState(null, '', hash);
}
