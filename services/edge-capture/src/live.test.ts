import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createConnection, createServer } from 'node:net';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  copyPacketSummary,
  createPacketSummary,
  type PacketSummary,
  payloadLength,
  TCP_FIN,
  TCP_SYN,
} from '@tcpx/schemas';
import { openLiveCapture } from './live.js';

const pcapLoadError = await import('pcap').then(
  () => undefined,
  (error: Error) => error.message,
);

describe('openLiveCapture', () => {
  it('says why live capture is unavailable and how to fix it when pcap cannot load', async () => {
    await assert.rejects(
      openLiveCapture({
        iface: 'lo',
        onPacket: () => {},
        loadPcap: () => Promise.reject(new Error("Cannot find module 'pcap'")),
      }),
      (error: Error) =>
        error.message.startsWith('live capture is unavailable') &&
        error.message.includes("Cannot find module 'pcap'") &&
        error.message.includes('apt-get install libpcap-dev && npm rebuild pcap'),
    );
  });

  it('reports an interface that cannot be opened', {
    skip: pcapLoadError && `pcap cannot load: ${pcapLoadError}`,
  }, async () => {
    await assert.rejects(
      openLiveCapture({ iface: 'no-such-interface0', onPacket: () => {} }),
      /cannot capture on interface no-such-interface0/,
    );
  });

  it('captures a TCP exchange on lo', {
    skip: pcapLoadError && `pcap cannot load: ${pcapLoadError}`,
  }, async () => {
    const server = createServer((socket) => socket.pipe(socket)); // echo
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;

    const packets: PacketSummary[] = [];
    const errors: Error[] = [];
    const capture = await openLiveCapture({
      iface: 'lo',
      bpf: `tcp port ${port}`,
      bufferTimeoutMs: 10,
      onPacket: (p) => packets.push(copyPacketSummary(p, createPacketSummary())),
      onError: (e) => errors.push(e),
    });
    const started = Date.now() / 1000;
    try {
      const client = createConnection(port, '127.0.0.1');
      await once(client, 'connect');
      client.write('hello');
      await once(client, 'data');
      client.end();
      await once(client, 'close');
      // libpcap delivers in batches: wait for both FINs (or give up after 5 s).
      for (
        let waited = 0;
        waited < 5000 && packets.filter((p) => p.flags & TCP_FIN).length < 2;
        waited += 20
      ) {
        await sleep(20);
      }
    } finally {
      server.close();
    }
    const stats = capture.stop();

    assert.deepEqual(errors, []);
    const syn = packets.find((p) => p.flags === TCP_SYN);
    assert.ok(syn, 'no SYN captured');
    assert.equal(syn.dstPort, port);
    assert.equal(syn.ipVersion, 4);
    assert.equal(syn.src3, 0x7f000001);
    assert.ok(syn.mss > 0, 'the SYN carries an MSS option');
    assert.ok(Math.abs(syn.tsSec + syn.tsNsec / 1e9 - started) < 10, 'timestamp is now');
    assert.deepEqual(packets.filter((p) => payloadLength(p) > 0).map(payloadLength), [5, 5]);
    assert.ok(packets.filter((p) => p.flags & TCP_FIN).length >= 2);
    assert.ok(packets.every((p, i) => i === 0 || p.frameNumber > packets[i - 1].frameNumber));
    assert.equal(stats.format, 'live');
    assert.equal(stats.tcpPackets, packets.length);
    assert.deepEqual(stats.linkTypes, [1]);
    assert.deepEqual(capture.stop(), stats, 'stop is idempotent');
    // node_pcap frees its poll handle only on a further matching packet (see LiveCapture.stop): send
    // one (a SYN to the closed port) so this test process can exit.
    const late = createConnection(port, '127.0.0.1');
    await once(late, 'error');
    assert.equal(packets.length, stats.tcpPackets, 'nothing delivered after stop');
  });
});
