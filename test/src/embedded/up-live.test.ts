import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { echoExchange } from '@tcpx/edge-capture/testing/loopback';
import type { FlowView } from '@tcpx/query-api';
import {
  exitStats,
  followLive,
  freePort,
  getJson,
  listFlows,
  postJson,
  startUp,
  waitFor,
} from './up-process.js';

// `tcpx up -i lo`: real loopback connections captured live (libpcap), analysed, stored and served;
// the API's capture switch really closes and reopens the capture. Needs root and the optional
// `pcap` module; skipped when it cannot load.

const pcapLoads = await import('pcap').then(
  () => true,
  () => false,
);

let data: string;
let server: Server;
let serverPort: number;

before(async () => {
  data = mkdtempSync(join(tmpdir(), 'tcpx-up-live-'));
  // An echo server: every connection carries data both ways, then the client closes.
  server = createServer((socket) => socket.pipe(socket)).listen(0, '127.0.0.1');
  await once(server, 'listening');
  serverPort = (server.address() as { port: number }).port;
});
after(async () => {
  server.close();
  rmSync(data, { recursive: true, force: true });
});

interface CaptureState {
  enabled: boolean;
  edges?: { node: string; capturing: boolean; interfaces: string[] }[];
}

async function switchCapture(url: string, action: 'enable' | 'disable'): Promise<CaptureState> {
  const { status, body } = await postJson<CaptureState>(`${url}/mcp/dissection/${action}`);
  assert.equal(status, 200, JSON.stringify(body));
  return body;
}

const rowOf = (flows: FlowView[], clientPort: number) =>
  flows.find((f) => f.dst.port === serverPort && f.src.port === clientPort);

describe('tcpx up -i lo', { skip: !pcapLoads && 'the pcap module cannot load', timeout: 300_000 }, () => {
  test('captured connections appear; none while the capture is switched off', async () => {
    const up = await startUp(['-i', 'lo', '--data', data, '--listen', `127.0.0.1:${await freePort()}`]);
    try {
      const live = await followLive(up.url);
      const first = await echoExchange(serverPort);
      // An interim row may show the connection half way; wait for one with its close.
      const row = await waitFor('the first connection, closed', async () => {
        const found = rowOf(await listFlows(up.url), first);
        return found?.tcp_metrics.connection_completeness === 31 ? found : undefined;
      });
      assert.equal(row.src.ip, '127.0.0.1');
      assert.equal(row.state, 'closed');
      assert.equal(row.extra_metrics.client_payload_bytes, 5);
      assert.equal(row.extra_metrics.server_payload_bytes, 5);
      // The live feed got the row as it was stored, without asking the store.
      await waitFor('the row on the live feed', async () =>
        live.events.some((e) => e.id === row.id) ? true : undefined,
      );
      live.stop();

      assert.equal((await switchCapture(up.url, 'disable')).enabled, false);
      const off = await getJson<CaptureState>(`${up.url}/mcp/dissection`);
      assert.equal(off.body.enabled, false);
      assert.deepEqual(
        off.body.edges?.map((e) => [e.interfaces, e.capturing]),
        [[['lo'], false]],
        'the process reports itself as the one edge, not capturing',
      );
      const unseen = await echoExchange(serverPort);
      assert.equal((await switchCapture(up.url, 'enable')).enabled, true);
      const after = await echoExchange(serverPort);
      const flows = await waitFor('the connection after enable', async () => {
        const all = await listFlows(up.url);
        return rowOf(all, after) ? all : undefined;
      });
      // Rows appear in capture order (one flow table, checkpointed as a whole): had the capture
      // seen the connection made while it was off, its row would be here by now.
      assert.equal(rowOf(flows, unseen), undefined, 'a connection made while capture was off');
    } finally {
      assert.equal(await up.interrupt(), 0, up.stderr());
    }
    const stats = exitStats(up.stderr());
    assert.equal(stats.stored, true);
    assert.equal(stats.publisher.packetsDropped, 0);
    assert.equal(stats.processor.packets, stats.publisher.packetsAccepted);
  });
});
