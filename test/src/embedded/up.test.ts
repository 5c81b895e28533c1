import assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FlowView } from '@tcpx/query-api';
import type { TcpFlowRecord } from '@tcpx/schemas';
import { analyzeWithTcpx, runTcpx } from '../differential/run-tcpx.js';
import { REPO_ROOT } from '../scenarios/index.js';
import { exitStats, freePort, getJson, listFlows, startUp, waitFor } from './up-process.js';

// `tcpx up` as users run it: the bundled capture replayed through the embedded stack, queried over
// its HTTP API, compared field by field with `tcpx analyze` (the offline path, its own process);
// then a clean stop, a restart on the same data folder, and a second process refused.

const DEMO = join(REPO_ROOT, 'samples', 'demo.pcap');
let data: string;

before(() => {
  data = mkdtempSync(join(tmpdir(), 'tcpx-up-'));
});
after(() => rmSync(data, { recursive: true, force: true }));

/** epoch µs of the API's "2026-11-21T05:27:29.571420Z" (six fractional digits, UTC). */
function micros(iso: string): number {
  const [whole, fraction] = iso.replace(/Z$/, '').split('.');
  return (Date.parse(`${whole}Z`) / 1000) * 1e6 + Number(fraction.padEnd(6, '0'));
}

/**
 * A listed connection in `tcpx analyze`'s record shape. `stream` is left out on both sides: it is
 * tshark's numbering within one capture file, which batching per connection does not keep.
 */
function asRecord(v: FlowView): Omit<TcpFlowRecord, 'stream'> {
  return {
    src: { ip: v.src.ip, port: v.src.port },
    dst: { ip: v.dst.ip, port: v.dst.port },
    start_us: micros(v.start_time),
    end_us: micros(v.end_time),
    state: v.state,
    diagnosis: v.diagnosis,
    tcp_metrics: { ...v.tcp_metrics, ...v.extra_metrics },
    ...(v.evicted && { evicted: true }),
  } as unknown as Omit<TcpFlowRecord, 'stream'>;
}

const byEndpoints = (a: Omit<TcpFlowRecord, 'stream'>, b: Omit<TcpFlowRecord, 'stream'>) =>
  a.start_us - b.start_us || a.src.port - b.src.port || a.dst.port - b.dst.port;

const endpointsOf = (r: Omit<TcpFlowRecord, 'stream'>) =>
  `${r.src.ip}:${r.src.port}>${r.dst.ip}:${r.dst.port}@${r.start_us}`;

function withoutStream({ stream: _stream, ...rest }: TcpFlowRecord): Omit<TcpFlowRecord, 'stream'> {
  return rest;
}

describe('tcpx up: replay → embedded engine and store → query API', { timeout: 300_000 }, () => {
  let expected: Omit<TcpFlowRecord, 'stream'>[];
  let firstRun: FlowView[];

  test('serves exactly the connections of demo.pcap, with the metrics tcpx analyze computes', async () => {
    expected = (await analyzeWithTcpx(DEMO)).map(withoutStream).sort(byEndpoints);
    assert.ok(expected.length > 0);
    const up = await startUp(['-r', DEMO, '--data', data, '--listen', `127.0.0.1:${await freePort()}`]);
    try {
      assert.deepEqual(await getJson(`${up.url}/readyz`), { status: 200, body: { status: 'ready' } });
      const page = await fetch(`${up.url}/`);
      assert.equal(page.status, 200, 'the web UI on the same origin');
      assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
      await page.body?.cancel();
      // Replayed to the end, every connection is final; until then some may be missing.
      firstRun = await waitFor('every connection final', async () => {
        const flows = await listFlows(up.url);
        return flows.length === expected.length && flows.every((f) => f.final) ? flows : undefined;
      });
      // The seed-compatible view and the MCP endpoint are served by the same process.
      const calls = await getJson<{ calls: { src: { port: number } }[] }>(
        `${up.url}/mcp/calls?kfl=tcp_flow&format=raw`,
      );
      assert.equal(calls.body.calls.length, expected.length);
      const mcp = await fetch(`${up.url}/mcp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: {
            protocolVersion: '2025-03-26',
            capabilities: {},
            clientInfo: { name: 'test', version: '1' },
          },
        }),
      });
      assert.equal(mcp.status, 200);
      assert.match(await mcp.text(), /"serverInfo":\{"name":"tcpx"/);
    } finally {
      const code = await up.interrupt();
      assert.equal(code, 0, up.stderr());
    }
    assert.deepEqual(firstRun.map(asRecord).sort(byEndpoints), expected);
    assert.deepEqual(new Set(firstRun.map((f) => f.node)), new Set(['demo.pcap']));
    assert.equal(new Set(firstRun.map((f) => f.id)).size, expected.length, 'one row per connection');

    const stats = exitStats(up.stderr());
    assert.equal(stats.msg, 'tcpx up stopped');
    assert.equal(stats.publisher.packetsDropped, 0);
    assert.equal(stats.publisher.packetsAccepted, stats.capture?.tcpPackets);
    assert.equal(stats.processor.packets, stats.capture?.tcpPackets, 'every accepted packet was analysed');
    assert.equal(stats.output.finalRows, expected.length);
    assert.equal(stats.stored, true);
  });

  test('a restart on the same data folder shows the stored rows without reading any capture', async () => {
    const up = await startUp(['--no-input', '--data', data, '--listen', `127.0.0.1:${await freePort()}`]);
    try {
      const flows = await listFlows(up.url);
      const ids = (list: FlowView[]) => list.map((f) => `${f.id}@${f.version}`).sort();
      assert.deepEqual(ids(flows), ids(firstRun));
      assert.deepEqual(flows.map(asRecord).sort(byEndpoints), expected);
      const capture = await getJson<{ enabled: boolean }>(`${up.url}/mcp/dissection`);
      assert.equal(capture.body.enabled, false, 'no input: nothing captures');

      // The folder is this process's: a second one is refused with the reason, before touching it.
      const second = await startUp([
        '--no-input',
        '--data',
        data,
        '--listen',
        `127.0.0.1:${await freePort()}`,
      ]).then(
        (other) => other.interrupt().then(() => assert.fail('a second tcpx up served the same data folder')),
        (error: Error) => error.message,
      );
      assert.match(second, /exited 2 before serving/);
      assert.match(second, new RegExp(`data directory ${data} is in use by process ${up.child.pid}`));
    } finally {
      assert.equal(await up.interrupt(), 0, up.stderr());
    }
  });

  test('replaying the same capture again adds no connection (same flow ids and versions)', async () => {
    const up = await startUp(['-r', DEMO, '--data', data, '--listen', `127.0.0.1:${await freePort()}`]);
    try {
      await waitFor('the end of the replay', async () =>
        /replay finished/.test(up.stderr()) ? true : undefined,
      );
    } finally {
      assert.equal(await up.interrupt(), 0, up.stderr());
    }
    const stats = exitStats(up.stderr());
    assert.equal(stats.output.finalRows, expected.length, 'the file was read again from its start');
    const again = await startUp(['--no-input', '--data', data, '--listen', `127.0.0.1:${await freePort()}`]);
    try {
      const flows = await listFlows(again.url);
      assert.deepEqual(flows.map(asRecord).sort(byEndpoints), expected);
    } finally {
      assert.equal(await again.interrupt(), 0);
    }
  });

  test('Ctrl-C in the middle of a replay stores what was read; the next replay redoes the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tcpx-up-interrupted-'));
    try {
      // 0.2 × real time: demo.pcap's 10 s take 50 s, interim rows come every 5 s.
      const args = ['--data', dir, '--listen', `127.0.0.1:${await freePort()}`];
      const paced = await startUp(['-r', DEMO, '--speed', '0.2', ...args]);
      try {
        await waitFor('interim rows', async () =>
          (await listFlows(paced.url)).length > 0 ? true : undefined,
        );
      } finally {
        assert.equal(await paced.interrupt(), 0, paced.stderr());
      }
      const stopped = exitStats(paced.stderr());
      assert.equal(stopped.capture, null, 'the replay was cut short');
      assert.equal(stopped.publisher.packetsDropped, 0);
      assert.equal(
        stopped.processor.packets,
        stopped.publisher.packetsAccepted,
        'every accepted packet analysed',
      );
      assert.ok(stopped.output.interimRows > 0);
      assert.equal(stopped.stored, true);

      const expectedKeys = new Set(expected.map(endpointsOf));
      const partial = await startUp(['--no-input', ...args]);
      try {
        const flows = await listFlows(partial.url);
        assert.ok(
          flows.some((f) => !f.final),
          'connections open at Ctrl-C are stored as interim rows',
        );
        for (const f of flows)
          assert.ok(expectedKeys.has(endpointsOf(asRecord(f))), 'a connection of demo.pcap');
      } finally {
        assert.equal(await partial.interrupt(), 0);
      }

      const full = await startUp(['-r', DEMO, ...args]);
      try {
        await waitFor('the end of the replay', async () =>
          /replay finished/.test(full.stderr()) ? true : undefined,
        );
        // Its final rows replace the interrupted run's interim ones (same flow ids, higher versions).
        const flows = await waitFor('every connection final', async () => {
          const list = await listFlows(full.url);
          return list.length === expected.length && list.every((f) => f.final) ? list : undefined;
        });
        assert.deepEqual(flows.map(asRecord).sort(byEndpoints), expected);
      } finally {
        assert.equal(await full.interrupt(), 0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('usage errors exit 1 with one line', async () => {
    for (const [args, message] of [
      [['-r', DEMO, '-i', 'lo'], /one of -r <file>, -i <interface>, --no-input/],
      [['--listen', '0.0.0.0:0', '--no-input'], /without authentication: give --api-key/],
      [['-i', 'lo', '--speed', '2'], /--speed applies to a replay only/],
    ] as const) {
      const { code, stderr } = await runTcpx(['up', ...args, '--data', data]);
      assert.equal(code, 1, stderr);
      assert.match(stderr, message);
      assert.equal(stderr.trim().split('\n').length, 1);
    }
  });

  test('a file that is not a capture exits 2 with the reason', async () => {
    const notCapture = join(data, 'notes.txt');
    writeFileSync(notCapture, 'not a capture\n');
    const args = ['up', '-r', notCapture, '--data', data, '--listen', `127.0.0.1:${await freePort()}`];
    const { code, stderr } = await runTcpx(args);
    assert.equal(code, 2, stderr);
    assert.match(stderr, new RegExp(`^tcpx: ${notCapture}: not a pcap or pcapng file`, 'm'));
  });

  test('a port in use exits 2 naming it, and leaves the data folder free', async () => {
    const taken = createServer().listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const port = (taken.address() as { port: number }).port;
    try {
      const { code, stderr } = await runTcpx([
        'up',
        '--no-input',
        '--data',
        data,
        '--listen',
        `127.0.0.1:${port}`,
      ]);
      assert.equal(code, 2, stderr);
      assert.match(stderr, new RegExp(`^tcpx: cannot listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`, 'm'));
    } finally {
      taken.close();
    }
    assert.equal(existsSync(join(data, 'tcpx-up.pid')), false, 'the lock was released');
  });
});
