// The query API as the UI uses it. Every call goes to this origin (the API serves the UI).
import { askForApiKey, authHeaders } from './api-key.js';
import { parseIso } from './format.js';
import type {
  DiagnoseResult,
  FlowPage,
  FlowView,
  Glossary,
  KflCatalogue,
  KflProblem,
  PercentileResult,
  RttGroupBy,
  RttMetric,
  SnapshotResult,
} from './types.js';

export type Query = Record<string, string | number | undefined | null>;

/** A non-2xx answer: the API's `{ error, message }` body, with the KFL span for bad filters. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly problem?: KflProblem,
  ) {
    super(message);
  }
}

export function apiUrl(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

async function errorFrom(response: Response): Promise<ApiError> {
  const body = (await response.json().catch(() => ({}))) as {
    error?: string;
    message?: string;
    offset?: number;
    length?: number;
  };
  const message = body.message ?? `${response.status} ${response.statusText}`;
  const problem =
    body.error === 'bad_filter' && typeof body.offset === 'number'
      ? { message, offset: body.offset, length: body.length ?? 0 }
      : undefined;
  return new ApiError(response.status, body.error ?? 'http_error', message, problem);
}

/** fetch with the API key; a 401 asks for a key and tries once more. */
export async function apiFetch(url: string, init: RequestInit = {}): Promise<Response> {
  const send = () =>
    fetch(url, { ...init, headers: { accept: 'application/json', ...authHeaders(), ...init.headers } });
  let response = await send();
  if (response.status === 401) {
    const body = (await response.json().catch(() => ({}))) as { message?: string };
    if (await askForApiKey(body.message ?? 'This API needs a key.')) response = await send();
  }
  if (!response.ok) throw await errorFrom(response);
  return response;
}

export async function getJson<T>(path: string, query: Query = {}, signal?: AbortSignal): Promise<T> {
  const response = await apiFetch(apiUrl(path, query), { signal });
  return (await response.json()) as T;
}

export interface FlowQuery extends Query {
  kfl?: string;
  sort?: string;
  order?: 'asc' | 'desc';
  limit?: number;
  cursor?: string;
  at?: number;
  window?: number;
  from?: number;
  to?: number;
}

export const listFlows = (q: FlowQuery, signal?: AbortSignal) => getJson<FlowPage>('/api/flows', q, signal);

export const flowVersions = (id: string, signal?: AbortSignal) =>
  getJson<{ versions: FlowView[] }>(`/api/flows/${encodeURIComponent(id)}`, {}, signal).then(
    (r) => r.versions,
  );

export interface PercentileQuery extends Query {
  metric: RttMetric;
  group_by: RttGroupBy;
  kfl?: string;
  from?: number;
  to?: number;
  step?: number;
}

export const rttPercentiles = (q: PercentileQuery, signal?: AbortSignal) =>
  getJson<PercentileResult>('/api/rtt/percentiles', q, signal);

export const snapshot = (at: number, signal?: AbortSignal, window?: number) =>
  getJson<SnapshotResult>('/api/snapshot', { at, window }, signal);

export const diagnose = (q: { kfl?: string; from?: number; to?: number }, signal?: AbortSignal) =>
  getJson<DiagnoseResult>('/api/diagnose', q, signal);

// The catalogues do not change while the page is open: fetched once.
let glossaryPromise: Promise<Glossary> | undefined;
let cataloguePromise: Promise<KflCatalogue> | undefined;

export function glossary(): Promise<Glossary> {
  glossaryPromise ??= getJson<Glossary>('/api/glossary').catch((err) => {
    glossaryPromise = undefined;
    throw err;
  });
  return glossaryPromise;
}

export function kflCatalogue(): Promise<KflCatalogue> {
  cataloguePromise ??= getJson<KflCatalogue>('/api/fields').catch((err) => {
    cataloguePromise = undefined;
    throw err;
  });
  return cataloguePromise;
}

export interface KflCheck {
  problem?: KflProblem;
  warnings: string[];
}

let checkRoute = true;

/**
 * Whether a filter compiles: GET /api/kfl/check, or, on an API without that route, a one-row
 * /api/flows query (the same compiler answers both).
 */
export async function checkKfl(kfl: string, signal?: AbortSignal): Promise<KflCheck> {
  try {
    if (checkRoute) {
      const r = await getJson<{ warnings?: { message: string }[] | string[] }>(
        '/api/kfl/check',
        { kfl },
        signal,
      );
      return { warnings: (r.warnings ?? []).map((w) => (typeof w === 'string' ? w : w.message)) };
    }
    await listFlows({ kfl, limit: 1 }, signal);
    return { warnings: [] };
  } catch (err) {
    if (err instanceof ApiError && err.problem) return { problem: err.problem, warnings: [] };
    if (err instanceof ApiError && err.status === 404 && checkRoute) {
      checkRoute = false;
      return checkKfl(kfl, signal);
    }
    throw err;
  }
}

/** The span of the stored data: the earliest connection start and the latest record end (epoch ms). */
export interface DataRange {
  from: number;
  to: number;
}

export async function dataRange(signal?: AbortSignal): Promise<DataRange | undefined> {
  const [first, last] = await Promise.all([
    listFlows({ sort: 'start_time', order: 'asc', limit: 1 }, signal),
    listFlows({ sort: 'end_time', order: 'desc', limit: 1 }, signal),
  ]);
  if (!first.flows[0] || !last.flows[0]) return undefined;
  return { from: parseIso(first.flows[0].start_time), to: parseIso(last.flows[0].end_time) };
}
