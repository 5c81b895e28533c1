import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createPacketSummary } from '@tcpx/schemas';
import { DecodeState, decodeFrame } from './decode.js';
import { fragmentIpv4, ipv6FragmentBody, ipv6Packet, tcpSegment } from './testing/capture-writer.js';

const V4 = { src: '10.0.0.1', dst: '10.0.0.2' };
const V6 = { src: '2001:db8::a', dst: '2001:db8::b' };
const RAW_IP = 101;
const SEGMENT = tcpSegment({
  srcPort: 2000,
  dstPort: 80,
  seq: 11,
  ack: 22,
  options: [{ kind: 'mss', value: 536 }],
  payload: 1000,
});

/** Feeds raw-IP frames; returns, per frame, the decoded TCP payload length or null. */
function feed(
  frames: Uint8Array[],
  state = new DecodeState(),
): { results: Array<number | null>; state: DecodeState } {
  const out = createPacketSummary();
  const results = frames.map((f) =>
    decodeFrame(RAW_IP, f, 0, f.length, f.length, out, state)
      ? out.ipPayloadLength - out.tcpHeaderLength
      : null,
  );
  return { results, state };
}

describe('IPv4 fragment reassembly (lengths only)', () => {
  it('emits the segment on the frame completing the datagram, in any order', () => {
    const fragments = fragmentIpv4({ ...V4, id: 1 }, SEGMENT, 400);
    assert.equal(fragments.length, 3);
    for (const order of [
      [0, 1, 2],
      [2, 1, 0],
      [1, 2, 0],
      [0, 2, 1],
    ]) {
      const { results, state } = feed(order.map((i) => fragments[i]));
      assert.deepEqual(results, [null, null, 1000], order.join());
      assert.deepEqual(state.skipped, { ip_fragment: 2 });
    }
  });

  it('fills the summary from the first fragment, wherever it came', () => {
    const out = createPacketSummary();
    const state = new DecodeState();
    const [a, b] = fragmentIpv4({ ...V4, id: 9 }, SEGMENT, 800);
    assert.equal(decodeFrame(RAW_IP, b, 0, b.length, b.length, out, state), false);
    assert.equal(decodeFrame(RAW_IP, a, 0, a.length, a.length, out, state), true);
    assert.equal(out.srcPort, 2000);
    assert.equal(out.dstPort, 80);
    assert.equal(out.seq, 11);
    assert.equal(out.ack, 22);
    assert.equal(out.mss, 536);
    assert.equal(out.src3, 0x0a000001);
    assert.equal(out.dst3, 0x0a000002);
    assert.equal(out.ipPayloadLength, SEGMENT.length);
  });

  it('handles a first fragment too small to hold the TCP header', () => {
    const { results } = feed(fragmentIpv4({ ...V4, id: 2 }, SEGMENT, 8));
    assert.equal(results.at(-1), 1000);
    assert.equal(results.filter((r) => r !== null).length, 1);
  });

  it('tolerates duplicate and overlapping fragments', () => {
    const small = fragmentIpv4({ ...V4, id: 3 }, SEGMENT, 256);
    const large = fragmentIpv4({ ...V4, id: 3 }, SEGMENT, 512);
    const { results } = feed([small[0], small[0], large[0], small[3], large[1]]);
    assert.deepEqual(results, [null, null, null, null, 1000]);
  });

  it('keeps interleaved datagrams apart by id and addresses', () => {
    const a = fragmentIpv4({ ...V4, id: 5 }, SEGMENT, 600);
    const b = fragmentIpv4({ ...V4, id: 6 }, SEGMENT.subarray(0, 624), 600);
    const c = fragmentIpv4({ src: V4.dst, dst: V4.src, id: 5 }, SEGMENT.subarray(0, 700), 600);
    const { results } = feed([a[0], b[0], c[0], b[1], a[1], c[1]]);
    assert.deepEqual(results, [null, null, null, 600, 1000, 676]);
  });

  it('counts datagrams never completed, at the end and when evicted', () => {
    const state = new DecodeState();
    const firsts: Uint8Array[] = [];
    for (let id = 0; id < 70; id++) firsts.push(fragmentIpv4({ ...V4, id }, SEGMENT, 600)[0]);
    feed(firsts, state);
    assert.equal(state.skipped.ip_fragment_incomplete, 6); // 64 fit; the 6 oldest were dropped
    state.finish();
    assert.equal(state.skipped.ip_fragment_incomplete, 70);
  });

  it('does not reassemble fragments cut by the snaplen (tshark shows no tcp.len), nor non-TCP ones', () => {
    const out = createPacketSummary();
    const state = new DecodeState();
    const [first] = fragmentIpv4({ ...V4, id: 4 }, SEGMENT, 600);
    assert.equal(decodeFrame(RAW_IP, first, 0, 100, first.length, out, state), false);
    const udp = fragmentIpv4({ ...V4, id: 4, protocol: 17 }, SEGMENT, 600);
    for (const f of udp) decodeFrame(RAW_IP, f, 0, f.length, f.length, out, state);
    assert.deepEqual(state.skipped, { ip_fragment_unreassemblable: 1, not_tcp: 2 });
  });
});

describe('IPv6 fragment reassembly', () => {
  function ipv6Fragments(id: number, payload: Uint8Array, size: number, nextHeader = 6): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (let offset = 0; offset < payload.length; offset += size) {
      const more = offset + size < payload.length;
      out.push(
        ipv6Packet(
          { ...V6, nextHeader, extensions: [{ type: 44, body: ipv6FragmentBody(offset, more, id) }] },
          payload.subarray(offset, offset + size),
        ),
      );
    }
    return out;
  }

  it('reassembles a TCP segment and emits it on the completing frame', () => {
    const fragments = ipv6Fragments(0x12345678, SEGMENT, 512);
    const { results, state } = feed([fragments[1], fragments[0]]);
    assert.deepEqual(results, [null, 1000]);
    assert.deepEqual(state.skipped, { ip_fragment: 1 });
  });

  it('walks extension headers inside the fragmentable part', () => {
    const destinationOptions = new Uint8Array(8);
    destinationOptions[0] = 6; // next header: TCP
    const payload = new Uint8Array(8 + SEGMENT.length);
    payload.set(destinationOptions);
    payload.set(SEGMENT, 8);
    const { results } = feed(ipv6Fragments(7, payload, 400, 60));
    assert.equal(results.at(-1), 1000);
  });

  it('treats an atomic fragment (offset 0, no more) as unfragmented', () => {
    const packet = ipv6Packet(
      { ...V6, extensions: [{ type: 44, body: ipv6FragmentBody(0, false, 1) }] },
      SEGMENT,
    );
    assert.deepEqual(feed([packet]).results, [1000]);
  });
});
