import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { consumeTopic, deleteTopic } from '@tcpx/edge-capture/testing/kafka-topic';
import { echoExchange, freePort } from '@tcpx/edge-capture/testing/loopback';
import { endpoints, type InfraLease, useInfra } from '@tcpx/schemas/testing/infra';

// The capture switch end to end: POST /mcp/dissection/disable|enable on a real `tcpx api` writes
// the switch to the real Kafka, a real `tcpx edge -i lo` follows it and closes or reopens its
// libpcap session. Connections made while the switch is off must not reach the packets topic;
// those before and after must.

const MAIN = fileURLToPath(new URL('./bundle/main.js', import.meta.url));
const RUN = `tcpx-switch-test-${process.pid}-${Date.now()}`;
const pcapLoadError = await import('pcap').then(
  () => undefined,
  (error: Error) => error.message,
);
const skip =
  (process.env.TCPX_SKIP_KAFKA_TESTS === '1' && 'TCPX_SKIP_KAFKA_TESTS=1') ||
  (pcapLoadError !== undefined && `pcap cannot load: ${pcapLoadError}`);

interface DissectionState {
  enabled: boolean;
  edges: { node: string; capturing: boolean; at: number }[];
}

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe('capture switch: query API → control topic → tcpx edge -i lo', { skip, timeout: 300_000 }, () => {
  let lease: InfraLease | undefined;
  let server: Server;
  const topic = `${RUN}.packets`;
  const controlTopic = `${RUN}.control`;

  before(async () => {
    lease = await useInfra(['kafka', 'registry']);
    server = createServer((socket) => socket.pipe(socket)).listen(0, '127.0.0.1');
    await once(server, 'listening');
  });
  after(async () => {
    server.close();
    await deleteTopic(endpoints.kafkaBrokers, endpoints.registryUrl, topic);
    await deleteTopic(endpoints.kafkaBrokers, endpoints.registryUrl, controlTopic);
    await lease?.release();
  });

  it('stops capturing while the switch is off and resumes when it is on again', async () => {
    const port = (server.address() as { port: number }).port;
    const kafkaEnv = {
      ...process.env,
      TCPX_KAFKA_BROKERS: endpoints.kafkaBrokers.join(','),
      TCPX_SCHEMA_REGISTRY_URL: endpoints.registryUrl,
    };
    const data = mkdtempSync(join(tmpdir(), 'tcpx-switch-'));
    const apiPort = await freePort();
    const api = spawn(
      process.execPath,
      [
        MAIN,
        'api',
        '--store',
        `chdb:${data}`,
        '--no-auth',
        '--listen',
        `127.0.0.1:${apiPort}`,
        '--control-topic',
        controlTopic,
      ],
      { env: kafkaEnv, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let apiLog = '';
    api.stderr!.on('data', (d) => {
      apiLog += d;
    });
    const url = `http://127.0.0.1:${apiPort}/mcp/dissection`;
    const dissection = async (action?: 'enable' | 'disable'): Promise<DissectionState> => {
      const res = await fetch(action ? `${url}/${action}` : url, { method: action ? 'POST' : 'GET' });
      assert.equal(res.status, 200, await res.clone().text());
      return (await res.json()) as DissectionState;
    };
    let state: DissectionState = { enabled: false, edges: [] };
    const edge = spawn(
      process.execPath,
      [
        MAIN,
        'edge',
        '-i',
        'lo',
        '--bpf',
        `tcp port ${port}`,
        '--topic',
        topic,
        '--control-topic',
        controlTopic,
      ],
      { env: kafkaEnv, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    edge.stderr!.on('data', (d) => {
      stderr += d;
    });
    try {
      await waitUntil('the API to serve', async () => {
        state = await dissection().catch(() => state);
        return apiLog.includes('serving');
      });
      const edgeCaptures = (capturing: boolean, since: number) => async () => {
        state = await dissection();
        return state.edges.some((e) => e.capturing === capturing && e.at >= since);
      };
      await waitUntil('the edge to report it captures', edgeCaptures(true, 0));
      assert.equal(state.enabled, true, 'no switch set: edges capture');

      const before = await echoExchange(port);
      const switchedOff = Date.now();
      assert.equal((await dissection('disable')).enabled, false);
      await waitUntil('the edge to report it stopped', edgeCaptures(false, switchedOff));
      const during = await echoExchange(port);
      const switchedOn = Date.now();
      assert.equal((await dissection('enable')).enabled, true);
      await waitUntil('the edge to report it captures again', edgeCaptures(true, switchedOn));
      const afterwards = await echoExchange(port);
      await sleep(500); // libpcap's buffer timeout and the publisher's flush

      edge.kill('SIGINT');
      const [code] = await once(edge, 'exit');
      assert.equal(code, 0, stderr);

      const received = await consumeTopic({
        brokers: endpoints.kafkaBrokers,
        registryUrl: endpoints.registryUrl,
        topic,
        until: (messages) => {
          const ports = new Set(messages.flatMap((m) => m.packets.flatMap((p) => [p.srcPort, p.dstPort])));
          return ports.has(before) && ports.has(afterwards);
        },
        timeoutMs: 30_000,
      });
      const clientPorts = new Set(
        received.flatMap((m) => m.packets.map((p) => (p.srcPort === port ? p.dstPort : p.srcPort))),
      );
      const seen = `client ports seen: ${[...clientPorts].join(', ')}; before ${before}, during ${during}, after ${afterwards}`;
      assert.ok(clientPorts.has(before), `the connection before the switch was captured (${seen})`);
      assert.ok(
        clientPorts.has(afterwards),
        `the connection after switching on again was captured (${seen})`,
      );
      assert.ok(!clientPorts.has(during), `nothing was captured while the switch was off (${seen})`);
    } finally {
      edge.kill('SIGKILL');
      api.kill('SIGTERM');
      await once(api, 'exit').catch(() => {});
      rmSync(data, { recursive: true, force: true });
    }
  });
});
