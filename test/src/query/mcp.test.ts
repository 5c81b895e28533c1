// The MCP interface (services/query-api/src/mcp) driven by the SDK's own Client: over Streamable
// HTTP against a listening fastify app with the REST routes beside it, and over stdio against the
// built entry and `tcpx mcp`, on real captures in the embedded ClickHouse. Expectations come from
// tshark (which connections exist, their metrics, first and last packet), the capture scripts and
// docs/metrics.md — never from the query layer the tools call.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { type RunningApi, startApi } from '@tcpx/query-api';
import type {
  DiagnoseResult,
  FlowPage,
  FlowView,
  PercentileResult,
  SnapshotResult,
} from '@tcpx/query-api/data/types';
import { flowId } from '@tcpx/store';
import { quantileType7 } from '@tcpx/store/fixtures';
import type { OracleFlow } from '../oracle/tshark.js';
import { DEMO_CONNECTIONS, DEMO_PORTS } from '../scenarios/demo.js';
import { REPO_ROOT } from '../scenarios/index.js';
import { type Dataset, k8s, loadDataset } from './dataset.js';

const TOOLS = [
  'diagnose',
  'get_flow',
  'kfl_check',
  'list_flows',
  'metrics_glossary',
  'rtt_percentiles',
  'time_travel',
];
const STDIO_ENTRY = join(REPO_ROOT, 'services', 'query-api', 'dist', 'mcp', 'stdio.js');
const CLI = join(REPO_ROOT, 'services', 'cli', 'dist', 'bundle', 'main.js');

const API_KEY = 'mcp-test-key';

let data: Dataset;
let api: RunningApi;
let url: string;
let client: Client;

before(async () => {
  data = await loadDataset();
  // The whole app (auth, rate limit, REST routes beside /mcp), as `tcpx api` serves it.
  api = await startApi({
    context: {
      store: data.store,
      feed: { subscribe: () => () => {} },
      capture: { enabled: () => false, set: async () => {} },
      now: Date.now,
    },
    auth: { mode: 'api-key', keys: [API_KEY] },
    rateLimit: false,
    host: '127.0.0.1',
    port: 0,
  });
  url = api.url;
  client = new Client({ name: 'tcpx-test', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
      requestInit: { headers: { 'x-api-key': API_KEY } },
    }),
  );
});
after(async () => {
  await client?.close();
  await api?.close();
  await data?.close();
});

// ---- helpers ----

const key = (node: string, stream: number) => `${node}/${stream}`;
const viewKey = (v: FlowView) => key(v.node, v.stream);

/** Every tshark connection of every capture, with its node. */
const oracle = (): { node: string; flow: OracleFlow }[] =>
  data.captures.flatMap((c) => [...c.oracle.values()].map((flow) => ({ node: c.node, flow })));

const oracleKeys = (select: (f: OracleFlow, node: string) => boolean) =>
  oracle()
    .filter(({ node, flow }) => select(flow, node))
    .map(({ node, flow }) => key(node, flow.stream))
    .sort();

const textOf = (r: CallToolResult) => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');

async function call(name: string, args: Record<string, unknown>, via = client): Promise<CallToolResult> {
  return (await via.callTool({ name, arguments: args })) as CallToolResult;
}

/** A successful tool call's structured result (the client has checked it against the outputSchema). */
async function structured<T>(name: string, args: Record<string, unknown>, via = client): Promise<T> {
  const result = await call(name, args, via);
  assert.ok(!result.isError, `${name} failed: ${textOf(result)}`);
  assert.ok(textOf(result).length > 0, `${name} has a text summary`);
  return result.structuredContent as T;
}

/** Follows next_cursor through list_flows to the last page. */
async function allFlows(args: Record<string, unknown>, via = client): Promise<FlowView[]> {
  const flows: FlowView[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 1000; pages++) {
    const page = await structured<FlowPage>('list_flows', { ...args, cursor }, via);
    flows.push(...page.flows);
    if (page.next_cursor === null) return flows;
    cursor = page.next_cursor;
  }
  throw new Error('pagination does not end');
}

const demo = () => data.captures.find((c) => c.node === 'demo')!;

describe('MCP over Streamable HTTP', () => {
  test('tools/list names every tool with a description, an input and an output schema', async () => {
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), TOOLS);
    for (const tool of tools) {
      assert.ok((tool.description ?? '').length > 100, `${tool.name}: a description an assistant can act on`);
      assert.equal(tool.inputSchema.type, 'object');
      assert.equal(tool.outputSchema?.type, 'object', `${tool.name} has an outputSchema`);
      assert.equal(tool.annotations?.readOnlyHint, true);
    }
    const byName = new Map(tools.map((t) => [t.name, t]));
    assert.deepEqual(Object.keys(byName.get('list_flows')!.inputSchema.properties ?? {}).sort(), [
      'cursor',
      'from',
      'kfl',
      'limit',
      'order',
      'sort',
      'to',
    ]);
    assert.deepEqual(byName.get('rtt_percentiles')!.inputSchema.required?.sort(), ['group_by', 'metric']);
    assert.deepEqual(byName.get('time_travel')!.inputSchema.required, ['at']);
    assert.deepEqual(byName.get('kfl_check')!.inputSchema.required, ['kfl']);
  });

  test('list_flows returns exactly the connections a KFL filter selects, across pages', async () => {
    const cases: [string, (f: OracleFlow, node: string) => boolean][] = [
      ['dst.port == 8081', (f) => f.dst.port === 8081],
      [
        'tcp_metrics.retransmissions > 0 and dst.port != 5001',
        (f) => f.tcp_metrics.retransmissions > 0 && f.dst.port !== 5001,
      ],
      [
        'tcp_metrics.zero_window_events > 0 or tcp_metrics.rst_count >= 1',
        (f) => f.tcp_metrics.zero_window_events > 0 || f.tcp_metrics.rst_count >= 1,
      ],
      [
        'node.name == "demo" and src.ip.startsWith("fd00:")',
        (f, node) => node === 'demo' && f.src.ip.startsWith('fd00:'),
      ],
    ];
    for (const [kfl, select] of cases) {
      const expected = oracleKeys(select);
      assert.ok(expected.length > 0, `${kfl} selects something`);
      const flows = await allFlows({ kfl, limit: 7 });
      assert.deepEqual(flows.map(viewKey).sort(), expected, kfl);
    }
  });

  test('list_flows sorts by a metric and says so in its text', async () => {
    const expected = oracle()
      .filter(({ node }) => node === 'demo')
      .sort((a, b) => b.flow.tcp_metrics.goodput_bytes - a.flow.tcp_metrics.goodput_bytes)
      .slice(0, 3);
    const result = await call('list_flows', {
      kfl: 'node.name == "demo"',
      sort: 'goodput_bytes',
      order: 'desc',
      limit: 3,
    });
    const page = result.structuredContent as unknown as FlowPage;
    assert.deepEqual(
      page.flows.map((v) => v.tcp_metrics.goodput_bytes),
      expected.map((e) => e.flow.tcp_metrics.goodput_bytes),
    );
    assert.equal(page.flows[0].dst.port, DEMO_PORTS.bulk, 'the 3 MB download moved the most payload');
    assert.ok(page.next_cursor !== null);
    const text = textOf(result);
    assert.match(text, /^3 connection\(s\)/);
    assert.ok(text.includes(page.flows[0].id) && text.includes(`:${DEMO_PORTS.bulk}`), text);
  });

  test('list_flows passes KFL redact() through: the output schema admits the redacted values', async () => {
    const kfl = `dst.port == ${DEMO_PORTS.short} and redact("src.port", "tcp_metrics.rtt_avg_us")`;
    const page = await structured<FlowPage>('list_flows', { kfl, limit: 3 });
    assert.equal(page.flows.length, 3);
    for (const v of page.flows) {
      assert.equal(v.src.port as unknown, '[REDACTED]');
      assert.equal(v.tcp_metrics.rtt_avg_us as unknown, '[REDACTED]');
      assert.equal(v.dst.port, DEMO_PORTS.short);
    }
  });

  test('a bad KFL filter is a tool error (not a protocol error) naming the offset, in every tool', async () => {
    const bad: [string, number][] = [
      ['dst.port = 80', 'dst.port = 80'.indexOf('=')],
      ['(dst.port == 80', '(dst.port == 80'.length],
    ];
    const tools: [string, Record<string, unknown>][] = [
      ['list_flows', {}],
      ['diagnose', {}],
      ['rtt_percentiles', { metric: 'rtt_avg_us', group_by: 'node' }],
      ['time_travel', { at: demo().ingest.lastPacketUs / 1000 }],
    ];
    for (const [kfl, offset] of bad) {
      for (const [name, args] of tools) {
        const result = await call(name, { ...args, kfl });
        assert.equal(result.isError, true, `${name} ${kfl}`);
        assert.equal(result.structuredContent, undefined);
        assert.match(
          textOf(result),
          new RegExp(`^Invalid KFL filter at offset ${offset}\\b`),
          `${name}: ${textOf(result)}`,
        );
        assert.ok(textOf(result).includes(kfl), 'the filter is quoted, with a caret under the problem');
      }
    }
  });

  test('arguments the query layer refuses are tool errors too', async () => {
    const cursor = await call('list_flows', { cursor: 'not-a-cursor' });
    assert.equal(cursor.isError, true);
    assert.match(textOf(cursor), /^Invalid argument: .*cursor/i);
    const unknown = await call('get_flow', { id: '12345' });
    assert.equal(unknown.isError, true);
    assert.match(textOf(unknown), /No connection with id 12345/);
    const badTime = await call('list_flows', { from: 'yesterday' });
    assert.equal(badTime.isError, true);
    assert.match(textOf(badTime), /from/);
  });

  test("get_flow shows every version of one connection, the last one final with tshark's counts", async () => {
    const keepalive = [...demo().oracle.values()].find((f) => f.dst.port === DEMO_PORTS.keepalive)!;
    const emitted = demo().ingest.emitted.filter((e) => e.record.stream === keepalive.stream);
    const id = flowId('demo', emitted[0].record);
    const { versions } = await structured<{ id: string; versions: FlowView[] }>('get_flow', { id });
    // 5 s long, interim records while capture time advances: one version per record written.
    assert.equal(versions.length, emitted.length);
    assert.ok(versions.length >= 3, `${versions.length} versions`);
    assert.deepEqual(
      versions.map((v) => v.version),
      emitted.map((e) => e.version).sort((a, b) => a - b),
    );
    assert.deepEqual(
      versions.map((v) => v.final),
      versions.map((_, i) => i === versions.length - 1),
    );
    const last = versions[versions.length - 1];
    assert.equal(last.stream, keepalive.stream);
    assert.equal(last.tcp_metrics.keepalive_count, keepalive.tcp_metrics.keepalive_count);
    assert.ok(keepalive.tcp_metrics.keepalive_count >= 4, 'the demo sends keep-alives');
    for (let i = 1; i < versions.length; i++) {
      assert.ok(versions[i].tcp_metrics.keepalive_count! >= versions[i - 1].tcp_metrics.keepalive_count!);
      assert.ok(versions[i].end_time >= versions[i - 1].end_time);
    }
  });

  test("rtt_percentiles per service match the percentiles of tshark's handshake RTTs", async () => {
    const result = await structured<PercentileResult>('rtt_percentiles', {
      metric: 'initial_rtt_us',
      group_by: 'dst.service',
    });
    assert.equal(result.source, 'rollup');
    const groups = new Map<string, OracleFlow[]>();
    for (const { flow } of oracle()) {
      const service = k8s(flow.dst.ip, flow.dst.port)?.service ?? '';
      groups.set(service, [...(groups.get(service) ?? []), flow]);
    }
    assert.deepEqual(result.rows.map((r) => r.group).sort(), [...groups.keys()].sort());
    for (const row of result.rows) {
      const flows = groups.get(row.group)!;
      const rtts = flows.map((f) => f.tcp_metrics.initial_rtt_us).filter((v): v is number => v !== null);
      assert.equal(row.flows, flows.length, row.group);
      assert.equal(row.samples, rtts.length, row.group);
      for (const [level, value] of [
        [0.5, row.p50],
        [0.9, row.p90],
        [0.99, row.p99],
      ] as const) {
        const want = quantileType7(rtts, level);
        assert.ok(
          Math.abs(value! - want) <= 1e-6 * Math.max(1, want),
          `${row.group} p${level * 100}: ${value} vs ${want}`,
        );
      }
    }
  });

  test('rtt_percentiles with a filter outside the rollup is exact, per time bucket', async () => {
    const result = await structured<PercentileResult>('rtt_percentiles', {
      metric: 'initial_rtt_us',
      group_by: 'node',
      kfl: `dst.port == ${DEMO_PORTS.delayed} and node.name == "demo"`,
      step: 60,
    });
    assert.equal(result.source, 'raw');
    const delayed = [...demo().oracle.values()].filter((f) => f.dst.port === DEMO_PORTS.delayed);
    assert.equal(
      result.rows.reduce((n, r) => n + r.flows, 0),
      delayed.length,
    );
    assert.ok(result.rows.every((r) => r.group === 'demo' && Date.parse(r.time) % 60_000 === 0));
    // The bridge delays this port's client → server frames by 20 ms ± 5 ms (scenarios/demo.ts).
    assert.ok(
      result.rows.every((r) => r.p50! >= 15_000),
      JSON.stringify(result.rows),
    );
    assert.equal(result.rows[0].p50, delayed[0].tcp_metrics.initial_rtt_us);
  });

  test("diagnose counts the verdicts docs/metrics.md defines, on tshark's metrics", async () => {
    const result = await structured<DiagnoseResult>('diagnose', {});
    assert.equal(result.flows, oracle().length);
    const flowsWith = (code: string) => result.codes.find((c) => c.code === code)?.flows ?? 0;
    const rules: [string, (f: OracleFlow) => boolean][] = [
      // SYN (bit 1) and RST (32) without a SYN-ACK (2): the SYN was answered by RST.
      ['connection_refused', (f) => (f.tcp_metrics.connection_completeness & 0b100011) === 0b100001],
      ['zero_window', (f) => f.tcp_metrics.zero_window_events > 0],
      ['window_full', (f) => f.tcp_metrics.window_full_events > 0],
      ['high_retransmission', (f) => f.tcp_metrics.retransmission_rate > 0.05],
      [
        'elevated_retransmission',
        (f) => f.tcp_metrics.retransmission_rate > 0.01 && f.tcp_metrics.retransmission_rate <= 0.05,
      ],
      ['high_initial_rtt', (f) => (f.tcp_metrics.initial_rtt_us ?? 0) > 10_000],
    ];
    const flagged = new Set<string>();
    for (const [code, rule] of rules) {
      const expected = oracleKeys(rule);
      assert.equal(flowsWith(code), expected.length, code);
      for (const k of expected) flagged.add(k);
      const groups = result.groups.filter((g) => g.code === code);
      assert.equal(
        groups.reduce((n, g) => n + g.flows, 0),
        expected.length,
        `${code} groups`,
      );
    }
    assert.ok(
      flowsWith('connection_refused') >= 2 &&
        flowsWith('zero_window') >= 1 &&
        flowsWith('high_initial_rtt') >= 1,
    );
    assert.ok(result.healthy <= result.flows - flagged.size);

    const zeroWindow = result.groups.filter((g) => g.code === 'zero_window');
    const events = oracle()
      .filter(({ flow }) => flow.tcp_metrics.zero_window_events > 0)
      .reduce((n, { flow }) => n + flow.tcp_metrics.zero_window_events, 0);
    assert.equal(
      zeroWindow.reduce((n, g) => n + g.evidence.zero_window_events_sum!, 0),
      events,
    );
    // Each group's example ids are connections carrying that verdict.
    for (const group of result.groups.slice(0, 5)) {
      const { versions } = await structured<{ versions: FlowView[] }>('get_flow', { id: group.examples[0] });
      assert.ok(
        versions[versions.length - 1].diagnosis.some((d) => d.code === group.code),
        group.code,
      );
    }
    const demoOnly = await structured<DiagnoseResult>('diagnose', { kfl: 'node.name == "demo"' });
    assert.equal(demoOnly.flows, DEMO_CONNECTIONS);
  });

  test('time_travel lists the connections open at T (and closed just before) with a summary of T', async () => {
    const streams = [...demo().oracle.values()];
    const openAt = (t: number) => oracle().filter(({ flow }) => flow.start_us <= t && t < flow.end_us);
    // The instant just after a demo connection's start with the most connections open.
    const t = streams
      .map((f) => f.start_us + 1000)
      .reduce((best, c) => (openAt(c).length > openAt(best).length ? c : best));
    const window = 1;
    const atT = (f: OracleFlow) =>
      (f.start_us <= t && t < f.end_us) || (f.end_us <= t && f.end_us >= t - window * 1e6);
    const result = await call('time_travel', {
      at: new Date(t / 1000).toISOString(),
      window,
      kfl: 'node.name == "demo"',
      limit: 100,
    });
    assert.ok(!result.isError, textOf(result));
    const out = result.structuredContent as unknown as FlowPage & { snapshot: SnapshotResult };
    assert.deepEqual(
      out.flows.map(viewKey).sort(),
      oracleKeys((f, node) => node === 'demo' && atT(f)),
    );
    // The summary covers every node at that instant (the scenarios ran at other times).
    const open = openAt(t);
    const closed = oracle().filter(({ flow }) => flow.end_us <= t && flow.end_us >= t - window * 1e6);
    assert.ok(open.length >= 3, `${open.length} open`);
    assert.equal(out.snapshot.open, open.length);
    assert.equal(out.snapshot.closed_in_window, closed.length);
    assert.equal(out.snapshot.window_seconds, window);
    assert.equal(
      Object.values(out.snapshot.by_state).reduce((n, c) => n + c, 0),
      open.length + closed.length,
    );
    assert.match(
      textOf(result),
      new RegExp(`${open.length} open, ${closed.length} closed in the 1 s before`),
    );
  });

  test('metrics_glossary explains the 24 seed metrics of docs/metrics.md and the KFL vocabulary', async () => {
    const doc = readFileSync(join(REPO_ROOT, 'docs', 'metrics.md'), 'utf8');
    const table = doc.slice(doc.indexOf('## The 24 seed fields'), doc.indexOf('## Extra fields'));
    const documented = table
      .split('\n')
      .filter((line) => /^\| [a-z_ /]+ \|/.test(line) && !line.startsWith('| field'))
      .flatMap((line) => line.split('|')[1].trim().split(' / '));
    assert.equal(documented.length, 24);
    const glossary = await structured<{
      tcp_metrics: { name: string; unit: string; description: string; bad_when: string }[];
      extra_metrics: { name: string }[];
      kfl: { fields: { name: string }[]; keywords: { name: string }[] };
    }>('metrics_glossary', {});
    assert.deepEqual(glossary.tcp_metrics.map((m) => m.name).sort(), [...documented].sort());
    for (const m of glossary.tcp_metrics) {
      assert.ok(m.unit && m.description.length > 10 && m.bad_when.length > 10, m.name);
    }
    const fields = glossary.kfl.fields.map((f) => f.name);
    for (const name of ['dst.port', 'src.ip', 'node.name', ...documented.map((m) => `tcp_metrics.${m}`)]) {
      assert.ok(fields.includes(name), name);
    }
    assert.ok(['tcp_flow', 'tcp', 'error'].every((k) => glossary.kfl.keywords.some((w) => w.name === k)));

    const one = await structured<typeof glossary>('metrics_glossary', { metric: 'retransmission_rate' });
    assert.deepEqual(
      one.tcp_metrics.map((m) => m.name),
      ['retransmission_rate'],
    );
    assert.match(one.tcp_metrics[0].bad_when, /0\.05/);
    const unknown = await call('metrics_glossary', { metric: 'retransmision_rate' });
    assert.equal(unknown.isError, true);
    assert.match(textOf(unknown), /retransmission_rate/, 'the error lists the names there are');
  });

  test('kfl_check accepts good filters and points at the problem in bad ones', async () => {
    const good = await structured<{ valid: boolean }>('kfl_check', {
      kfl: 'tcp_metrics.retransmission_rate > 0.05 and dst.port == 443',
    });
    assert.equal(good.valid, true);
    const mixed = await structured<{ valid: boolean; warnings: string[] }>('kfl_check', {
      kfl: 'tcp_flow and error or dst.port == 443',
    });
    assert.equal(mixed.valid, true);
    assert.ok(
      mixed.warnings.some((w) => /parenthes/.test(w)),
      'mixing and/or without parentheses is flagged',
    );
    const bad = await structured<{
      valid: boolean;
      error: { offset: number; length: number; message: string };
    }>('kfl_check', { kfl: 'dst.port == 80 and tcp_metrics.nonsense > 1' });
    assert.equal(bad.valid, false);
    assert.equal(bad.error.offset, 'dst.port == 80 and '.length);
    assert.match(bad.error.message, /nonsense/);
  });

  test('/mcp takes POST only (stateless), needs the API key, and the REST routes under /mcp/ stay reachable', async () => {
    const ping = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' });
    const post = (headers: Record<string, string>) =>
      fetch(`${url}/mcp`, {
        method: 'POST',
        body: ping,
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...headers,
        },
      });
    assert.equal((await post({})).status, 401);
    const pong = await post({ 'x-api-key': API_KEY });
    assert.equal(pong.status, 200);
    assert.deepEqual(await pong.json(), { jsonrpc: '2.0', id: 1, result: {} });
    const headers = { 'x-api-key': API_KEY };
    for (const method of ['GET', 'DELETE']) {
      const res = await fetch(`${url}/mcp`, { method, headers: { ...headers, accept: 'text/event-stream' } });
      assert.equal(res.status, 405, method);
      assert.equal(res.headers.get('allow'), 'POST');
      assert.equal(((await res.json()) as { error: { code: number } }).error.code, -32000);
    }
    const calls = await fetch(`${url}/mcp/calls?limit=1`, { headers });
    assert.equal(calls.status, 200);
    assert.equal(((await calls.json()) as { calls: unknown[] }).calls.length, 1);
  });
});

/** An MCP client on a child process's stdio; its stderr is collected. */
async function stdioClient(
  command: string,
  args: string[],
): Promise<{ client: Client; stderr: () => string }> {
  const transport = new StdioClientTransport({ command, args, stderr: 'pipe', cwd: REPO_ROOT });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const c = new Client({ name: 'tcpx-test', version: '1.0.0' });
  await c.connect(transport);
  return { client: c, stderr: () => stderr };
}

describe('MCP over stdio', () => {
  // chdb binds a data directory to one process: the children read the test's store once it is closed.
  let dir: string;
  before(async () => {
    [{ path: dir }] = await data.store.query<{ path: string }>("SELECT getServerSetting('path') AS path");
    await data.store.close();
  });

  test('the built entry answers on stdio from the store and stops when stdin ends', async () => {
    const { client: stdio, stderr } = await stdioClient(process.execPath, [
      STDIO_ENTRY,
      '--store',
      `chdb:${dir}`,
    ]);
    try {
      assert.deepEqual((await stdio.listTools()).tools.map((t) => t.name).sort(), TOOLS);
      const flows = await allFlows(
        { kfl: `node.name == "demo" and dst.port == ${DEMO_PORTS.short}`, limit: 12 },
        stdio,
      );
      assert.deepEqual(
        flows.map(viewKey).sort(),
        oracleKeys((f, node) => node === 'demo' && f.dst.port === DEMO_PORTS.short),
      );
      const diagnosis = await structured<DiagnoseResult>('diagnose', { kfl: 'node.name == "demo"' }, stdio);
      assert.equal(diagnosis.flows, DEMO_CONNECTIONS);
      const bad = await call('list_flows', { kfl: 'dst.port = 1' }, stdio);
      assert.equal(bad.isError, true);
    } finally {
      await stdio.close();
    }
    const log = stderr();
    assert.match(log, /"msg":"serving MCP on stdio"/);
    assert.match(log, /"msg":"stopped"/);
  });

  test('tcpx mcp is the same server through the CLI', async () => {
    const { client: cli } = await stdioClient(process.execPath, [CLI, 'mcp', '--store', `chdb:${dir}`]);
    try {
      const page = await structured<FlowPage>('list_flows', { kfl: 'node.name == "demo"', limit: 1 }, cli);
      assert.equal(page.flows.length, 1);
    } finally {
      await cli.close();
    }
  });

  test('a store it cannot read: exit 2 with the reason on stderr, nothing on stdout', async () => {
    for (const [command, args] of [
      [STDIO_ENTRY, ['--store', 'nowhere:at-all']],
      [CLI, ['mcp', '--store', 'http://127.0.0.1:9/']],
    ] as const) {
      const child = spawn(process.execPath, [command, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => {
        stdout += c.toString();
      });
      child.stderr.on('data', (c: Buffer) => {
        stderr += c.toString();
      });
      const [code] = await once(child, 'close');
      assert.equal(code, 2, stderr);
      assert.equal(stdout, '');
      assert.match(stderr, /store (nowhere:at-all|http:\/\/127\.0\.0\.1:9\/): /);
    }
  });
});
