/**
 * Black-box tests of the built `tcpx` CLI (services/cli/dist/bundle/main.js, spawned as users run it).
 * Every expectation comes from the CLI's contract (usage text, schemas/src/tcp-flow.ts) or from
 * tshark 4.0.17 on the same capture, never from tcpx's own output:
 *   exit 0 = input read (malformed packets counted on stderr), 2 = not readable as a capture,
 *   1 = usage; one record per tcp.stream, numbered like tshark's tcp.stream.
 * Inputs: real-traffic scenario captures, the bundled samples/demo.pcap, and bad files made here.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SEED_METRIC_NAMES, type TcpFlowRecord } from '@tcpx/schemas';
import { runTcpx, TCPX_BIN, type TcpxRun } from '../differential/run-tcpx.js';
import { countByFilter, runTsharkLines } from '../oracle/tshark.js';
import { DEFAULT_CACHE_DIR, generateCaptures, REPO_ROOT } from '../scenarios/index.js';

const DEMO = join(REPO_ROOT, 'samples', 'demo.pcap');
const SCENARIOS = ['many-short', 'refused', 'random-loss', 'port-reuse', 'ipv6'] as const;

// ------------------------------------------------------------------------------------- helpers

/** tshark's view of a capture: tcp.stream → its two endpoints ("ip port", sorted). */
async function tsharkStreams(file: string): Promise<Map<number, string[]>> {
  const streams = new Map<number, string[]>();
  const fields = ['tcp.stream', 'ip.src', 'ipv6.src', 'tcp.srcport', 'ip.dst', 'ipv6.dst', 'tcp.dstport'];
  const args = ['-n', '-r', file, '-Y', 'tcp', '-T', 'fields', '-E', 'occurrence=f', '-E', 'separator=/t'];
  await runTsharkLines([...args, ...fields.flatMap((f) => ['-e', f])], (line) => {
    if (line === '') return;
    const [stream, ip4s, ip6s, sport, ip4d, ip6d, dport] = line.split('\t');
    const s = Number(stream);
    if (!streams.has(s)) streams.set(s, [`${ip4s || ip6s} ${sport}`, `${ip4d || ip6d} ${dport}`].sort());
  });
  return streams;
}

const recordEnds = (r: TcpFlowRecord) => [`${r.src.ip} ${r.src.port}`, `${r.dst.ip} ${r.dst.port}`].sort();

function parseNdjson(stdout: string): TcpFlowRecord[] {
  assert.ok(stdout === '' || stdout.endsWith('\n'), 'NDJSON output ends with a newline');
  return stdout
    .split('\n')
    .slice(0, -1)
    .map((line, i) => {
      const value: unknown = JSON.parse(line);
      assert.ok(
        typeof value === 'object' && value !== null && !Array.isArray(value),
        `line ${i + 1} is a JSON object`,
      );
      return value as TcpFlowRecord;
    });
}

const byStream = (records: TcpFlowRecord[]) => [...records].sort((a, b) => a.stream - b.stream);

function assertRecordShape(r: TcpFlowRecord): void {
  const where = `stream ${r.stream}`;
  for (const end of [r.src, r.dst]) {
    assert.equal(typeof end?.ip, 'string', `${where}: endpoint ip`);
    assert.ok(Number.isInteger(end.port) && end.port >= 0 && end.port <= 65535, `${where}: endpoint port`);
  }
  assert.ok(Number.isInteger(r.stream) && r.stream >= 0, `${where}: stream`);
  assert.ok(Number.isInteger(r.start_us) && Number.isInteger(r.end_us), `${where}: start_us/end_us integers`);
  assert.ok(r.end_us >= r.start_us, `${where}: end_us >= start_us`);
  assert.equal(typeof r.state, 'string', `${where}: state`);
  assert.ok(Array.isArray(r.diagnosis), `${where}: diagnosis is an array`);
  assert.equal(typeof r.tcp_metrics, 'object', `${where}: tcp_metrics`);
  const metrics = r.tcp_metrics as unknown as Record<string, unknown>;
  for (const name of SEED_METRIC_NAMES) {
    assert.ok(name in metrics, `${where}: tcp_metrics.${name} missing`);
    const v = metrics[name];
    assert.ok(
      v === null || (typeof v === 'number' && Number.isFinite(v)),
      `${where}: tcp_metrics.${name}=${v}`,
    );
  }
}

/** exit 2, nothing on stdout, exactly one stderr line that names the file and matches `reason`. */
function assertUnreadable(run: TcpxRun, file: string, reason: RegExp): void {
  assert.equal(run.code, 2, `exit status (stderr: ${run.stderr})`);
  assert.equal(run.stdout, '');
  assert.ok(run.stderr.endsWith('\n'), 'stderr line ends with a newline');
  const lines = run.stderr.slice(0, -1).split('\n');
  assert.equal(lines.length, 1, `one stderr line, got: ${JSON.stringify(run.stderr)}`);
  assert.ok(lines[0].includes(file), `stderr names ${file}: ${lines[0]}`);
  assert.match(lines[0], reason);
}

/** exit 1 with a message and no records. */
function assertUsageError(run: TcpxRun, mentions?: string): void {
  assert.equal(run.code, 1, `exit status (stderr: ${run.stderr})`);
  assert.equal(run.stdout.trim().startsWith('{'), false, 'no records on stdout');
  assert.ok(run.stderr.trim().length > 0, 'an error message on stderr');
  if (mentions) assert.ok(run.stderr.includes(mentions), `stderr mentions ${mentions}: ${run.stderr}`);
}

/** Cell spans of a table line: runs of non-blanks that may contain single spaces ("RTT avg ms"). */
function cellSpans(line: string): { start: number; end: number; text: string }[] {
  return [...line.matchAll(/\S+(?: \S+)*/g)].map((m) => ({
    start: m.index ?? 0,
    end: (m.index ?? 0) + m[0].length,
    text: m[0],
  }));
}

/** Classic pcap record offsets (file header 24 bytes, record header 16 bytes, caplen at +8). */
function pcapRecordOffsets(data: Buffer): number[] {
  const magic = data.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  assert.ok(le || data.readUInt32BE(0) === 0xa1b2c3d4 || data.readUInt32BE(0) === 0xa1b23c4d, 'classic pcap');
  const offsets: number[] = [];
  for (let off = 24; off + 16 <= data.length; ) {
    offsets.push(off);
    off += 16 + (le ? data.readUInt32LE(off + 8) : data.readUInt32BE(off + 8));
  }
  return offsets;
}

/** Spawn tcpx with `stdin` piped from a file; resolves with its exit status and output. */
function runTcpxWithStdin(args: string[], inputFile: string): Promise<TcpxRun> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [TCPX_BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    p.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    p.on('error', reject);
    p.stdin.on('error', () => undefined); // EPIPE if tcpx stops reading early; the exit status tells
    createReadStream(inputFile).pipe(p.stdin);
    p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

// ----------------------------------------------------------------------------------- fixtures

let tmp: string;
const captures = new Map<string, string>();

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'tcpx-cli-test-'));
  const scenarios = await generateCaptures(join(tmp, 'captures'), {
    cacheDir: DEFAULT_CACHE_DIR,
    only: [...SCENARIOS],
  });
  for (const s of scenarios) captures.set(s.name, s.file);
  assert.ok(existsSync(DEMO), `${DEMO} is bundled with the repo (npm run sample:regenerate)`);
  captures.set('demo', DEMO);
});

after(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

// -------------------------------------------------------------------------------------- tests

describe('tcpx analyze on real captures: one record per tshark tcp.stream', () => {
  for (const name of ['demo', ...SCENARIOS]) {
    test(`${name}: exit 0; --format ndjson, json and table agree with tshark`, async (t) => {
      const file = captures.get(name)!;
      const oracle = await tsharkStreams(file);
      assert.ok(oracle.size > 0, 'tshark sees TCP streams');

      await t.test(
        'ndjson: one object per connection with the record fields and all 24 seed metrics',
        async () => {
          const run = await runTcpx(['analyze', file, '--format', 'ndjson']);
          assert.equal(run.code, 0, run.stderr);
          assert.doesNotMatch(run.stderr, /malformed|truncat/i);
          const records = parseNdjson(run.stdout);
          for (const r of records) assertRecordShape(r);
          assert.equal(records.length, oracle.size, 'records = tshark tcp.stream values');
          assert.deepEqual(
            byStream(records).map((r) => r.stream),
            [...oracle.keys()].sort((a, b) => a - b),
            'stream numbers are tshark tcp.stream numbers',
          );
          for (const r of records)
            assert.deepEqual(recordEnds(r), oracle.get(r.stream), `stream ${r.stream} endpoints`);
        },
      );

      await t.test('default format is ndjson; json is an array of the same records', async () => {
        const [ndjson, plain, json] = await Promise.all([
          runTcpx(['analyze', file, '--format', 'ndjson']),
          runTcpx(['analyze', file]),
          runTcpx(['analyze', file, '--format', 'json']),
        ]);
        for (const run of [ndjson, plain, json]) assert.equal(run.code, 0, run.stderr);
        const records = byStream(parseNdjson(ndjson.stdout));
        assert.deepEqual(byStream(parseNdjson(plain.stdout)), records);
        const array: unknown = JSON.parse(json.stdout);
        assert.ok(Array.isArray(array), '--format json prints one JSON array');
        assert.deepEqual(byStream(array as TcpFlowRecord[]), records);
      });

      await t.test('table: a header and one aligned line per connection', async () => {
        const run = await runTcpx(['analyze', file, '--format', 'table']);
        assert.equal(run.code, 0, run.stderr);
        const lines = run.stdout.split('\n');
        assert.equal(lines.pop(), '', 'ends with a newline');
        assert.equal(lines.length, 1 + oracle.size, 'header + one line per tshark stream');
        const [header, ...rows] = lines;
        assert.match(header, /^\s*[A-Z]/, 'header line of column titles');
        const head = cellSpans(header);
        assert.ok(head.length >= 4, `several columns: ${header}`);
        for (const title of ['CLIENT', 'SERVER'])
          assert.ok(
            head.some((c) => c.text === title),
            title,
          );
        // Each column is either left-aligned (every cell starts where its title starts) or
        // right-aligned (every cell ends where its title ends), the same way on every line.
        const rowSpans = rows.map(cellSpans);
        for (const [i, spans] of rowSpans.entries())
          assert.equal(spans.length, head.length, `row ${i + 1} has one cell per column: ${rows[i]}`);
        head.forEach((col, c) => {
          const left = rowSpans.every((s) => s[c].start === col.start);
          const right = rowSpans.every((s) => s[c].end === col.end);
          assert.ok(
            left || right,
            `column ${col.text} is aligned:\n${[header, ...rows.slice(0, 5)].join('\n')}`,
          );
        });
        // The rows are the connections: the first column is the tcp.stream number.
        assert.equal(head[0].text, 'STREAM');
        assert.deepEqual(
          rowSpans.map((s) => Number(s[0].text)).sort((a, b) => a - b),
          [...oracle.keys()].sort((a, b) => a - b),
        );
      });
    });
  }
});

describe('tcpx analyze --sort', () => {
  // tshark's per-stream count of the expert flag behind each metric.
  const METRICS: [string, string][] = [
    ['retransmissions', 'tcp.analysis.retransmission'],
    ['dup_acks', 'tcp.analysis.duplicate_ack'],
  ];
  for (const [metric, filter] of METRICS) {
    test(`--sort ${metric}: records descending by ${metric} (tshark: ${filter})`, async () => {
      const file = captures.get('demo')!;
      const [sorted, unsorted, counts] = await Promise.all([
        runTcpx(['analyze', file, '--sort', metric]),
        runTcpx(['analyze', file]),
        countByFilter(file, filter),
      ]);
      assert.equal(sorted.code, 0, sorted.stderr);
      const records = parseNdjson(sorted.stdout);
      assert.deepEqual(byStream(records), byStream(parseNdjson(unsorted.stdout)), 'same records, reordered');
      const tshark = records.map((r) => counts.get(r.stream) ?? 0);
      assert.ok(tshark[0] > 0 && tshark.includes(0), `non-vacuous: some streams have ${filter}, some not`);
      for (let i = 1; i < records.length; i++) {
        assert.ok(
          tshark[i - 1] >= tshark[i],
          `tshark ${filter} count not descending at position ${i}: ${tshark}`,
        );
        const value = (r: TcpFlowRecord) => r.tcp_metrics[metric as 'retransmissions'];
        assert.ok(value(records[i - 1]) >= value(records[i]), `${metric} not descending at position ${i}`);
      }
    });
  }

  test('--sort retransmissions --format table puts the most retransmitting connection first', async () => {
    const file = captures.get('demo')!;
    const [run, counts] = await Promise.all([
      runTcpx(['analyze', file, '--sort', 'retransmissions', '--format', 'table']),
      countByFilter(file, 'tcp.analysis.retransmission'),
    ]);
    assert.equal(run.code, 0, run.stderr);
    const worst = Math.max(...counts.values());
    const firstStream = Number(cellSpans(run.stdout.split('\n')[1])[0].text);
    assert.equal(counts.get(firstStream), worst);
  });

  test('unknown metric: exit 1 with one line naming it', async () => {
    const run = await runTcpx(['analyze', captures.get('refused')!, '--sort', 'no_such_metric']);
    assert.equal(run.code, 1);
    assert.equal(run.stdout, '');
    const lines = run.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, `one line: ${run.stderr}`);
    assert.match(lines[0], /no_such_metric/);
  });
});

describe('usage errors: exit 1', () => {
  test('unknown option', async () => {
    assertUsageError(
      await runTcpx(['analyze', captures.get('refused')!, '--no-such-option']),
      '--no-such-option',
    );
  });
  test('an option without its value, at the end or followed by another option', async () => {
    const file = captures.get('refused')!;
    for (const args of [
      [file, '--sort'],
      [file, '--sort', '--format', 'json'],
    ]) {
      const run = await runTcpx(['analyze', ...args]);
      assertUsageError(run, '--sort');
      assert.equal(run.stderr.trimEnd().split('\n').length, 1, `one line, not a stack: ${run.stderr}`);
    }
  });
  test('analyze without a file argument', async () => {
    assertUsageError(await runTcpx(['analyze']));
  });
  test('analyze with two file arguments', async () => {
    const f = captures.get('refused')!;
    assertUsageError(await runTcpx(['analyze', f, f]));
  });
  test('unknown --format', async () => {
    assertUsageError(await runTcpx(['analyze', captures.get('refused')!, '--format', 'xml']), '--format');
  });
  test('unknown command', async () => {
    assertUsageError(await runTcpx(['frobnicate']), 'frobnicate');
  });
});

describe('unreadable input: exit 2 with one stderr line naming the file and the reason', () => {
  let dir: string;
  before(() => {
    dir = join(tmp, 'bad');
    mkdirSync(dir, { recursive: true });
  });

  test('random text', async () => {
    const file = join(dir, 'notes.txt');
    writeFileSync(file, 'this is not a capture file, just some text\nwith two lines\n');
    assertUnreadable(await runTcpx(['analyze', file]), file, /not a (pcap|capture)|pcapng|format|magic/i);
  });

  test('empty file', async () => {
    const file = join(dir, 'empty.pcap');
    writeFileSync(file, '');
    assertUnreadable(await runTcpx(['analyze', file]), file, /empty/i);
  });

  test('a pcap file header cut short', async () => {
    const file = join(dir, 'short.pcap');
    writeFileSync(file, readFileSync(captures.get('refused')!).subarray(0, 10));
    assertUnreadable(await runTcpx(['analyze', file]), file, /short|truncat|header/i);
  });

  test('missing file', async () => {
    const file = join(dir, 'does-not-exist.pcap');
    assertUnreadable(await runTcpx(['analyze', file]), file, /no such file|not found|ENOENT|does not exist/i);
  });

  test('a directory', async () => {
    const file = join(dir, 'a-directory');
    mkdirSync(file, { recursive: true });
    assertUnreadable(await runTcpx(['analyze', file]), file, /directory|EISDIR/i);
  });

  test('pcap with an unsupported link type (105, IEEE 802.11)', async () => {
    const file = join(dir, 'wifi.pcap');
    const header = Buffer.alloc(24);
    header.writeUInt32LE(0xa1b2c3d4, 0); // magic, µs timestamps
    header.writeUInt16LE(2, 4); // version 2.4
    header.writeUInt16LE(4, 6);
    header.writeUInt32LE(262144, 16); // snaplen
    header.writeUInt32LE(105, 20); // LINKTYPE_IEEE802_11
    // An 802.11 data frame (to-DS) carrying LLC/SNAP + IPv4 + a TCP SYN.
    const dot11 = Buffer.from(
      '0801' + '0000' + '020000000001' + '020000000002' + '020000000003' + '0000',
      'hex',
    );
    const snap = Buffer.from('aaaa030000000800', 'hex');
    const ip = Buffer.from('45000028000140004006' + '0000' + '0a000001' + '0a000002', 'hex');
    const tcp = Buffer.from('d43101bb' + '00000001' + '00000000' + '5002faf0' + '0000' + '0000', 'hex');
    const frame = Buffer.concat([dot11, snap, ip, tcp]);
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(1_700_000_000, 0);
    rec.writeUInt32LE(frame.length, 8);
    rec.writeUInt32LE(frame.length, 12);
    writeFileSync(file, Buffer.concat([header, rec, frame]));
    assertUnreadable(await runTcpx(['analyze', file]), file, /link.?type/i);
    assert.match((await runTcpx(['analyze', file])).stderr, /105|802\.11/);
  });
});

describe('truncated capture: exit 0, connections before the cut, truncation counted on stderr', () => {
  const cuts: [string, number][] = [
    ['in the middle of a record’s data', 16 + 20],
    ['in the middle of a record header', 7],
  ];
  for (const [where, keep] of cuts) {
    test(`many-short cut ${where}`, async () => {
      const data = readFileSync(captures.get('many-short')!);
      const offsets = pcapRecordOffsets(data);
      const cutRecord = offsets[Math.floor(offsets.length / 2)];
      const truncated = join(tmp, `truncated-${keep}.pcap`);
      const intact = join(tmp, `intact-prefix-${keep}.pcap`);
      writeFileSync(truncated, data.subarray(0, cutRecord + keep));
      writeFileSync(intact, data.subarray(0, cutRecord)); // tshark's reference: the whole records
      const [run, oracle, full] = await Promise.all([
        runTcpx(['analyze', truncated]),
        tsharkStreams(intact),
        tsharkStreams(captures.get('many-short')!),
      ]);
      assert.equal(run.code, 0, run.stderr);
      assert.ok(oracle.size > 10 && oracle.size < full.size, 'the cut is inside the capture');
      const records = parseNdjson(run.stdout);
      assert.deepEqual(
        byStream(records).map((r) => r.stream),
        [...oracle.keys()].sort((a, b) => a - b),
        'the connections before the cut',
      );
      for (const r of records) assert.deepEqual(recordEnds(r), oracle.get(r.stream));
      assert.match(run.stderr, /malformed|truncat/i);
      assert.match(run.stderr, /\b[1-9]\d*\b/, `stderr gives a count: ${run.stderr}`);
    });
  }
});

describe('tcpx analyze - (capture on stdin)', () => {
  for (const name of ['demo', 'many-short']) {
    test(`${name}: piped in, the same records as from the file path`, async () => {
      const file = captures.get(name)!;
      const [fromPipe, fromFile] = await Promise.all([
        runTcpxWithStdin(['analyze', '-'], file),
        runTcpx(['analyze', file]),
      ]);
      assert.equal(fromPipe.code, 0, fromPipe.stderr);
      assert.equal(fromFile.code, 0, fromFile.stderr);
      const piped = byStream(parseNdjson(fromPipe.stdout));
      assert.equal(piped.length, (await tsharkStreams(file)).size);
      assert.deepEqual(piped, byStream(parseNdjson(fromFile.stdout)));
    });
  }

  test('text on stdin: exit 2, one line naming stdin', async () => {
    const file = join(tmp, 'stdin-text.txt');
    writeFileSync(file, 'definitely not a capture\n');
    const run = await runTcpxWithStdin(['analyze', '-'], file);
    assertUnreadable(run, '-', /not a (pcap|capture)|pcapng|format|magic/i);
  });
});

// ---------------------------------------------------------------------------------- live

/** Why live capture cannot work here (the optional `pcap` module does not load, not root), or null. */
function liveUnavailable(): string | null {
  try {
    const edgeCapture = fileURLToPath(import.meta.resolve('@tcpx/edge-capture'));
    createRequire(edgeCapture)('pcap');
  } catch (e) {
    return `the optional 'pcap' module does not load: ${(e as Error).message.split('\n')[0]}`;
  }
  if (process.getuid?.() !== 0) return 'not root: cannot open a capture on lo';
  return null;
}

/** Spawn `tcpx capture …`; `exited` resolves with its exit status, or null after `timeoutMs` (then it is killed). */
function startCapture(args: string[], timeoutMs: number) {
  const p = spawn(process.execPath, [TCPX_BIN, 'capture', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  p.stdout.setEncoding('utf8').on('data', (d: string) => {
    out.stdout += d;
  });
  p.stderr.setEncoding('utf8').on('data', (d: string) => {
    out.stderr += d;
  });
  const exited = new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => {
      p.kill('SIGKILL'); // only this child, by its pid
      resolve(null);
    }, timeoutMs);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
  return { out, exited };
}

/** One TCP exchange on 127.0.0.1:port: the client sends `up` bytes and FIN, the server answers `down` bytes and FIN. */
async function exchange(port: number, up: number, down: number): Promise<number> {
  const client: Socket = connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', resolve);
    client.once('error', reject);
  });
  const clientPort = client.localPort!;
  let received = 0;
  const done = new Promise<void>((resolve, reject) => {
    client.on('data', (d: Buffer) => {
      received += d.length;
    });
    client.on('end', () => resolve());
    client.on('error', reject);
  });
  client.end(Buffer.alloc(up, 0x61));
  await done;
  client.destroy();
  assert.equal(received, down, 'client received the whole answer');
  return clientPort;
}

describe('tcpx capture (live, lo)', () => {
  test('capture -i lo --duration 3 --bpf "tcp port P": a record of our own client/server exchange', async (t) => {
    const reason = liveUnavailable();
    const UP = 3000;
    const DOWN = 70_000;
    const server = createServer((sock) => {
      let got = 0;
      sock.on('data', (d: Buffer) => {
        got += d.length;
      });
      sock.on('end', () => sock.end(Buffer.alloc(got === UP ? DOWN : 0, 0x62)));
      sock.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const duration = 3;
      const cap = startCapture(
        ['-i', 'lo', '--duration', String(duration), '--bpf', `tcp port ${port}`],
        20_000,
      );
      if (reason) {
        const code = await cap.exited;
        assert.equal(code, 2, `live capture unavailable (${reason}): exit 2; stderr: ${cap.out.stderr}`);
        assert.equal(cap.out.stderr.trimEnd().split('\n').length, 1, `one line: ${cap.out.stderr}`);
        assert.match(cap.out.stderr, /pcap|capture|permission|denied/i);
        t.skip(`traffic part skipped: ${reason}`);
        return;
      }
      await new Promise((r) => setTimeout(r, 1200)); // let libpcap open lo before the SYN
      const clientPort = await exchange(port, UP, DOWN);
      const code = await cap.exited;

      await t.test('the record of the exchange (endpoints, payload bytes per direction)', () => {
        const records = parseNdjson(cap.out.stdout);
        const mine = records.filter((r) => r.src.port === clientPort && r.dst.port === port);
        assert.equal(mine.length, 1, `one record 127.0.0.1:${clientPort} → :${port}: ${cap.out.stdout}`);
        const [r] = mine;
        assertRecordShape(r);
        assert.deepEqual(r.src, { ip: '127.0.0.1', port: clientPort });
        assert.deepEqual(r.dst, { ip: '127.0.0.1', port });
        assert.equal(r.tcp_metrics.client_payload_bytes, UP);
        assert.equal(r.tcp_metrics.server_payload_bytes, DOWN);
        assert.equal(r.tcp_metrics.fin_count, 2);
      });

      await t.test(`exits by itself with status 0 after --duration ${duration}`, () => {
        assert.notEqual(
          code,
          null,
          `tcpx capture was still running 20 s after start with --duration ${duration} (killed); ` +
            `stdout: ${cap.out.stdout.length} bytes, stderr: ${JSON.stringify(cap.out.stderr)}`,
        );
        assert.equal(code, 0, cap.out.stderr);
      });
    } finally {
      server.close();
    }
  });

  test('capture without -i: exit 1', async () => {
    assertUsageError(await runTcpx(['capture', '--duration', '1']));
  });

  test('capture on an interface that does not exist: exit 2 with one line', async () => {
    const { out, exited } = startCapture(['-i', 'tcpx-no-such-if0', '--duration', '1'], 15_000);
    const code = await exited;
    assert.equal(code, 2, `stderr: ${out.stderr}`);
    assert.equal(out.stderr.trimEnd().split('\n').length, 1, `one line: ${out.stderr}`);
    assert.match(out.stderr, /tcpx-no-such-if0|pcap/);
  });
});
