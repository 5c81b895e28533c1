import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { StoreOutcome } from './guarded-store.js';

// 5 ms to the 10 s query timeout.
const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The API's Prometheus metrics, in a Registry of their own (not prom-client's global one), so
 * several apps in one process — tests, an embedded demo — each count only their own requests.
 */
export class ApiMetrics {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'tcpx_api_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'tcpx_api_http_request_duration_seconds',
    help: 'Time from request to response, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });

  readonly storeQueryDuration = new Histogram({
    name: 'tcpx_api_store_query_duration_seconds',
    help: 'ClickHouse query time as the API waited for it, by outcome (ok, unavailable, error)',
    labelNames: ['outcome'] as const,
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });

  readonly storeQueryFailures = new Counter({
    name: 'tcpx_api_store_query_failures_total',
    help: 'ClickHouse queries that failed: unavailable (down, timed out) or error (rejected query)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly sseSubscribers = new Gauge({
    name: 'tcpx_api_sse_subscribers',
    help: 'Open subscriptions to the live flow feed (SSE streams)',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    // Both outcomes exist from the start, so a rate() over them works before the first failure.
    this.storeQueryFailures.inc({ outcome: 'unavailable' }, 0);
    this.storeQueryFailures.inc({ outcome: 'error' }, 0);
  }

  /** For guardedStore's onQuery. */
  readonly observeStoreQuery = (outcome: StoreOutcome, seconds: number): void => {
    this.storeQueryDuration.observe({ outcome }, seconds);
    if (outcome !== 'ok') this.storeQueryFailures.inc({ outcome });
  };
}
