import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { CaptureFormatError, type CaptureStats, readCaptureFile } from './capture-file.js';
import {
  type ComparedFrame,
  classifyTsharkRows,
  renderSummary,
  runLimited,
  runTshark,
  TSHARK_FIELDS,
  TSHARK_PREFS,
  tsharkAvailable,
} from './testing/tshark.js';

/**
 * tcpdump's regression captures: 830 small files, many deliberately malformed, most link types.
 * Reading all of them must never throw anything but CaptureFormatError, nor hang, nor grow memory;
 * and wherever tshark can read a file, the frames we decode as TCP must be exactly the frames
 * tshark analyses as (outermost) TCP, with the same header fields.
 */
const CORPUS = '/work/shared/pcaps/tcpdump-tests';
/** Generous bound per file: the largest is 0.5 MB and reads in milliseconds. */
const PER_FILE_TIMEOUT_MS = 10_000;
const TSHARK_CONCURRENCY = 2;
/**
 * Differences we keep on purpose, by file and field. pcap records whose sub-second field is one
 * second or more: Wireshark 4.0 multiplies µs by 1000 in 32 bits and stores ns in a signed int, so it
 * prints e.g. 1418145370.000000000 for 2147483648 µs or a negative time; we carry the excess into
 * the seconds (1418147517.483648000).
 */
const KNOWN_DIFFERENCES: Record<string, string[]> = {
  'timestamp_invalid_micro.pcap': ['frame.time_epoch'],
  'timestamp_invalid_nano.pcap': ['frame.time_epoch'],
};
const FILES_PER_TSHARK_BATCH = 120;

interface FileResult {
  name: string;
  stats?: CaptureStats;
  formatError?: string;
  /** Our TCP packets by frame number, rendered as tshark prints them. */
  tcp: Map<number, ComparedFrame>;
}

async function readWithTimeout(path: string, tcp: Map<number, ComparedFrame>): Promise<CaptureStats> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`reading ${path} took over ${PER_FILE_TIMEOUT_MS} ms`)),
      PER_FILE_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([
      readCaptureFile(path, (p) => tcp.set(p.frameNumber, renderSummary(p))),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

let ourResults: Promise<FileResult[]> | undefined;
/** Reads the whole corpus once (shared by the tests below); any exception but CaptureFormatError fails. */
function readCorpus(): Promise<FileResult[]> {
  ourResults ??= (async () => {
    const results: FileResult[] = [];
    for (const name of readdirSync(CORPUS).sort()) {
      const tcp = new Map<number, ComparedFrame>();
      try {
        results.push({ name, stats: await readWithTimeout(join(CORPUS, name), tcp), tcp });
      } catch (error) {
        if (!(error instanceof CaptureFormatError)) throw new Error(`${name}: ${error}`, { cause: error });
        results.push({ name, formatError: error.message, tcp });
      }
    }
    return results;
  })();
  return ourResults;
}

const hasFragments = (s: CaptureStats) => Object.keys(s.skipped).some((k) => k.startsWith('ip_fragment'));

describe('tcpdump corpus', { skip: !existsSync(CORPUS) && `${CORPUS} not present` }, () => {
  it('reads every file to the end, counting damage, with bounded time and memory', async (t) => {
    const rssBefore = process.memoryUsage().rss;
    const started = Date.now();
    const results = await readCorpus();
    const elapsed = Date.now() - started;
    const rssGrowth = process.memoryUsage().rss - rssBefore;

    assert.ok(results.length >= 830, `${results.length} files`);
    const rejected = results.filter((r) => r.formatError !== undefined);
    for (const r of rejected) {
      assert.match(r.formatError!, /^(not a pcap or pcapng file|unsupported link type \d+)/, r.name);
    }
    assert.ok(rejected.some((r) => r.name === 'LICENSE') && rejected.some((r) => r.name === 'README.md'));
    const read = results.filter((r) => r.stats !== undefined);
    const damaged = read.filter((r) => Object.keys(r.stats!.malformed).length > 0);
    const malformedTotals: Record<string, number> = {};
    for (const r of damaged) {
      for (const [reason, n] of Object.entries(r.stats!.malformed))
        malformedTotals[reason] = (malformedTotals[reason] ?? 0) + n;
    }
    t.diagnostic(
      `${read.length} read, ${rejected.length} rejected (CaptureFormatError), ${damaged.length} with malformed ` +
        `counts ${JSON.stringify(malformedTotals)}; ${elapsed} ms, RSS +${Math.round(rssGrowth / 2 ** 20)} MiB`,
    );
    assert.ok(damaged.length >= 20, `only ${damaged.length} files reported malformed input`);
    assert.ok(read.reduce((n, r) => n + r.stats!.tcpPackets, 0) > 1000);
    assert.ok(rssGrowth < 512 * 2 ** 20, `RSS grew by ${rssGrowth} bytes`);
  });

  it('decodes exactly the TCP frames tshark analyses', {
    skip: !tsharkAvailable() && 'tshark not installed',
  }, async (t) => {
    const results = (await readCorpus()).filter((r) => r.stats !== undefined);
    const dir = mkdtempSync(join(tmpdir(), 'edge-capture-corpus-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));

    // IP reassembly state would leak between files merged into one run: those files go alone, and
    // so do pcapng files (several interfaces each would blur the per-file mapping).
    const alone = results.filter((r) => r.stats!.format === 'pcapng' || hasFragments(r.stats!));
    const batched = results.filter((r) => !alone.includes(r));
    const batches: FileResult[][] = [];
    for (let i = 0; i < batched.length; i += FILES_PER_TSHARK_BATCH) {
      batches.push(batched.slice(i, i + FILES_PER_TSHARK_BATCH));
    }
    const jobs = [
      ...batches.map((files, i) => () => tsharkBatch(files, join(dir, `batch-${i}.pcapng`))),
      ...alone.map((file) => () => tsharkAlone(file)),
    ];
    const perFile = new Map<string, string[][]>();
    for (const job of await runLimited(jobs, TSHARK_CONCURRENCY))
      for (const [name, rows] of job) perFile.set(name, rows);

    const problems: string[] = [];
    const excludedClasses = new Map<string, number>();
    let compared = 0;
    for (const r of results) {
      const rows = perFile.get(r.name);
      if (rows === undefined) continue; // tshark cannot read it
      const tshark = classifyTsharkRows(rows);
      for (const why of tshark.excluded.values())
        excludedClasses.set(why, (excludedClasses.get(why) ?? 0) + 1);
      if (tshark.frameCount !== r.stats!.frames) {
        problems.push(`${r.name}: ${r.stats!.frames} frames, tshark ${tshark.frameCount}`);
      }
      for (const [frame, expected] of tshark.analysable) {
        compared++;
        const ours = r.tcp.get(frame);
        if (ours === undefined) problems.push(`${r.name} #${frame}: tshark analyses TCP, we do not`);
        else {
          const diff = fieldDiff(ours, expected, KNOWN_DIFFERENCES[r.name] ?? []);
          if (diff !== '') problems.push(`${r.name} #${frame}: ${diff}`);
        }
      }
      for (const frame of r.tcp.keys()) {
        if (!tshark.analysable.has(frame)) {
          problems.push(
            `${r.name} #${frame}: we return TCP, tshark: ${tshark.excluded.get(frame) ?? 'no TCP'}`,
          );
        }
      }
    }
    t.diagnostic(
      `${perFile.size} files compared, ${compared} TCP frames; tshark TCP frames we leave out by design: ` +
        JSON.stringify(Object.fromEntries(excludedClasses)),
    );
    assert.ok(compared > 1000, `only ${compared} frames compared`);
    assert.deepEqual(problems.slice(0, 40), [], `${problems.length} differences`);
  });
});

const execFileAsync = promisify(execFile);

/** Merges pcap files into one pcapng (an interface per file, in order), runs tshark once, splits rows back. */
async function tsharkBatch(files: FileResult[], merged: string): Promise<Array<[string, string[][]]>> {
  try {
    await execFileAsync('mergecap', [
      '-a',
      '-I',
      'none',
      '-F',
      'pcapng',
      '-w',
      merged,
      ...files.map((f) => join(CORPUS, f.name)),
    ]);
  } catch {
    // mergecap refuses some input: fall back to one tshark run per file.
    return (await Promise.all(files.map(tsharkAlone))).flat();
  }
  const result = await runTshark(merged, TSHARK_FIELDS, TSHARK_PREFS);
  const interfaceColumn = TSHARK_FIELDS.indexOf('frame.interface_id');
  const perFile = files.map((f): [string, string[][]] => [f.name, []]);
  for (const row of result.rows) {
    const rows = perFile[Number(row[interfaceColumn])][1];
    // Frames of each input stay contiguous and in order: renumber them per file.
    row[0] = String(rows.length + 1);
    row[interfaceColumn] = '';
    rows.push(row);
  }
  return perFile;
}

async function tsharkAlone(file: FileResult): Promise<Array<[string, string[][]]>> {
  const result = await runTshark(join(CORPUS, file.name), TSHARK_FIELDS, TSHARK_PREFS);
  // Exit code 2 with no rows: tshark cannot read the file (unknown link type…); nothing to compare.
  if (result.exitCode !== 0 && result.rows.length === 0) return [];
  return [[file.name, result.rows]];
}

/** The fields that differ (except `allowed` ones), as text; '' when none. */
function fieldDiff(ours: ComparedFrame, tshark: ComparedFrame, allowed: string[]): string {
  return Object.keys(tshark)
    .filter((k) => ours[k] !== tshark[k] && !allowed.includes(k))
    .map((k) => `${k} ours=${ours[k]} tshark=${tshark[k]}`)
    .join('; ');
}
