// JSON schemas of the routes' responses and shared parameters: fastify validates requests and
// serialises responses with them, @fastify/swagger turns them into the OpenAPI document.
// Leaves a KFL redact(...) may replace with "[REDACTED]" also admit a string.

const redactable = (type: string | string[]) => ({ type: [...[type].flat(), 'string'] });
const metricValues = {
  type: 'object',
  additionalProperties: { type: ['number', 'null', 'string'] },
} as const;

export const errorSchema = {
  type: 'object',
  properties: {
    error: { type: 'string' },
    message: { type: 'string' },
    offset: { type: 'integer', description: 'KFL errors: character offset of the problem' },
    length: { type: 'integer' },
  },
  required: ['error', 'message'],
} as const;

const endpointSchema = {
  type: 'object',
  properties: {
    ip: { type: 'string' },
    port: redactable('integer'),
    namespace: { type: 'string', description: 'Kubernetes namespace; empty outside the cluster' },
    service: { type: 'string', description: 'Kubernetes service; empty when unknown' },
  },
  required: ['ip', 'port', 'namespace', 'service'],
} as const;

export const diagnosisSchema = {
  type: 'object',
  properties: {
    code: { type: 'string' },
    tree: { type: 'string', enum: ['slow', 'failing'] },
    severity: { type: 'string', enum: ['info', 'warning', 'critical'] },
    message: { type: 'string' },
  },
  required: ['code', 'tree', 'severity', 'message'],
} as const;

export const flowViewSchema = {
  type: 'object',
  description: 'One TCP connection (one version of its record). src = client (sent the SYN), dst = server.',
  properties: {
    id: { type: 'string', description: 'flow id, decimal UInt64 text; stable across versions' },
    node: { type: 'string', description: 'capture point that saw the connection' },
    stream: redactable('integer'),
    version: { type: 'integer' },
    final: { type: 'boolean', description: 'the closing record (closed, evicted or capture ended)' },
    evicted: { type: 'boolean' },
    state: { type: 'string' },
    start_time: { type: 'string', description: 'ISO 8601 UTC, microseconds' },
    end_time: { type: 'string', description: 'last packet covered by this version' },
    src: endpointSchema,
    dst: endpointSchema,
    diagnosis: { type: 'array', items: diagnosisSchema },
    tcp_metrics: {
      ...metricValues,
      description: 'the 24 seed metrics (GET /api/glossary); null = not measurable',
    },
    extra_metrics: metricValues,
  },
  required: [
    'id',
    'node',
    'stream',
    'version',
    'final',
    'evicted',
    'state',
    'start_time',
    'end_time',
    'src',
    'dst',
    'diagnosis',
    'tcp_metrics',
    'extra_metrics',
  ],
} as const;

export const flowPageSchema = {
  type: 'object',
  properties: {
    flows: { type: 'array', items: flowViewSchema },
    next_cursor: {
      type: ['string', 'null'],
      description: 'pass as cursor for the next page; null on the last',
    },
  },
  required: ['flows', 'next_cursor'],
} as const;

/** Times in query strings: ISO 8601 (with zone) or epoch milliseconds. */
export const timeParam = {
  type: 'string',
  pattern:
    '^(\\d{1,16}(\\.\\d+)?|\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:?\\d{2}))$',
  description: 'ISO 8601 with zone (2026-11-21T06:00:00Z) or epoch milliseconds',
} as const;

export const kflParam = {
  type: 'string',
  maxLength: 10_000,
  description: 'KFL filter, e.g. tcp_metrics.retransmission_rate > 0.05 and dst.service.name == "api"',
} as const;

/** The FlowFilter part of a query string. */
export const filterParams = {
  kfl: kflParam,
  from: { ...timeParam, description: `${timeParam.description}; connections active at or after it` },
  to: { ...timeParam, description: `${timeParam.description}; connections that started before it` },
} as const;

const rttSummarySchema = {
  type: 'object',
  properties: {
    samples: { type: 'integer' },
    p50: { type: ['number', 'null'] },
    p90: { type: ['number', 'null'] },
    p99: { type: ['number', 'null'] },
  },
  required: ['samples', 'p50', 'p90', 'p99'],
} as const;

const counts = { type: 'object', additionalProperties: { type: 'integer' } } as const;

export const snapshotSchema = {
  type: 'object',
  properties: {
    at: { type: 'string' },
    window_seconds: { type: 'number' },
    open: { type: 'integer', description: 'connections open at `at`' },
    closed_in_window: {
      type: 'integer',
      description: 'connections whose final record ended in [at - window, at]',
    },
    by_state: counts,
    by_diagnosis: counts,
    errors: {
      type: 'object',
      properties: {
        tcp: { type: 'integer' },
        error: { type: 'integer' },
        connection: { type: 'integer' },
        timeout: { type: 'integer' },
      },
      required: ['tcp', 'error', 'connection', 'timeout'],
    },
    rtt: {
      type: 'object',
      properties: { initial_rtt_us: rttSummarySchema, rtt_avg_us: rttSummarySchema },
      required: ['initial_rtt_us', 'rtt_avg_us'],
    },
  },
  required: ['at', 'window_seconds', 'open', 'closed_in_window', 'by_state', 'by_diagnosis', 'errors', 'rtt'],
} as const;

export const percentileResultSchema = {
  type: 'object',
  properties: {
    metric: { type: 'string' },
    group_by: { type: 'string' },
    source: {
      type: 'string',
      enum: ['rollup', 'rollup_1h', 'raw'],
      description:
        'rollup: per-minute, exact up to 8192 flows a group; rollup_1h: hourly (whole-hour steps, hour-aligned range), percentiles within 1 % of a sample value at their rank (DDSketch); raw: exact',
    },
    rows: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          group: { type: 'string' },
          time: { type: 'string', description: 'bucket start, ISO 8601 UTC' },
          flows: { type: 'integer' },
          samples: { type: 'integer' },
          p50: { type: ['number', 'null'] },
          p90: { type: ['number', 'null'] },
          p99: { type: ['number', 'null'] },
        },
        required: ['group', 'time', 'flows', 'samples', 'p50', 'p90', 'p99'],
      },
    },
  },
  required: ['metric', 'group_by', 'source', 'rows'],
} as const;

const verdict = {
  code: { type: 'string' },
  tree: { type: 'string', enum: ['slow', 'failing'] },
  severity: { type: 'string', enum: ['info', 'warning', 'critical'] },
  flows: { type: 'integer' },
} as const;

export const diagnoseResultSchema = {
  type: 'object',
  properties: {
    flows: { type: 'integer', description: 'matching connections' },
    healthy: { type: 'integer', description: 'matching connections without a diagnosis' },
    codes: {
      type: 'array',
      items: { type: 'object', properties: verdict, required: ['code', 'tree', 'severity', 'flows'] },
    },
    groups: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          ...verdict,
          service: { type: 'string', description: 'dst.service, or dst ip:port without one' },
          namespace: { type: 'string' },
          evidence: { type: 'object', additionalProperties: { type: ['number', 'null'] } },
          message: { type: 'string' },
          examples: { type: 'array', items: { type: 'string' } },
        },
        required: [
          'code',
          'tree',
          'severity',
          'flows',
          'service',
          'namespace',
          'evidence',
          'message',
          'examples',
        ],
      },
    },
  },
  required: ['flows', 'healthy', 'codes', 'groups'],
} as const;
