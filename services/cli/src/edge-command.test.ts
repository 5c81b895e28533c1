import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { deleteTopic } from '@tcpx/edge-capture/testing/kafka-topic';
import { endpoints, type InfraLease, REPO_ROOT, useInfra } from '@tcpx/schemas/testing/infra';

// The built CLI as a user runs it, against the real Kafka and registry of infra/.
// TCPX_SKIP_KAFKA_TESTS=1 skips the tests that need them.

const MAIN = fileURLToPath(new URL('./bundle/main.js', import.meta.url));
const DEMO = join(REPO_ROOT, 'samples/demo.pcap');
const RUN = `tcpx-cli-edge-test-${process.pid}-${Date.now()}`;
const skip = process.env.TCPX_SKIP_KAFKA_TESTS === '1';

interface Run {
  code: number | null;
  stderr: string;
}

function tcpx(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const clean = { ...process.env, TCPX_KAFKA_BROKERS: '', TCPX_SCHEMA_REGISTRY_URL: '', ...env };
    execFile(
      process.execPath,
      [MAIN, ...args],
      { env: clean, timeout: 120_000 },
      (error, _stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stderr });
      },
    );
  });
}

/** The final JSON statistics line. */
function finalStats(stderr: string) {
  const line = stderr.trim().split('\n').at(-1)!;
  return JSON.parse(line);
}

describe('tcpx edge: usage', () => {
  for (const [args, message] of [
    [['edge'], /edge needs either -r <capture file> or -i <interface>/],
    [['edge', '-r', DEMO, '-i', 'lo'], /either -r/],
    [['edge', '-r', DEMO, '--speed', '0', '--brokers', 'h:1', '--registry', 'http://h'], /--speed must be/],
    [['edge', '-r', DEMO, '--registry', 'http://h'], /--brokers/],
    [
      ['edge', '-r', DEMO, '--brokers', 'h:1', '--registry', 'http://h', '--compression', 'lz4'],
      /--compression/,
    ],
    [['edge', '-i', 'lo', '--speed', '2'], /--speed applies to -r only/],
  ] as const) {
    it(`exits 1 for: tcpx ${args.join(' ')}`, async () => {
      const { code, stderr } = await tcpx([...args]);
      assert.equal(code, 1);
      assert.match(stderr, message);
      assert.equal(stderr.trim().split('\n').length, 1);
    });
  }

  it('exits 2 with one line when the registry cannot be reached', async () => {
    const { code, stderr } = await tcpx(
      ['edge', '-r', DEMO, '--brokers', '127.0.0.1:1', '--connect-timeout', '1'],
      { TCPX_SCHEMA_REGISTRY_URL: 'http://127.0.0.1:1/apis/ccompat/v7' },
    );
    assert.equal(code, 2);
    assert.match(
      stderr,
      /^tcpx: schema registry at http:\/\/127\.0\.0\.1:1\/apis\/ccompat\/v7 unreachable .*\n$/,
    );
  });
});

describe('tcpx edge → real Kafka', { skip, timeout: 600_000 }, () => {
  let lease: InfraLease | undefined;
  const env = {
    TCPX_KAFKA_BROKERS: endpoints.kafkaBrokers.join(','),
    TCPX_SCHEMA_REGISTRY_URL: endpoints.registryUrl,
  };
  before(async () => {
    lease = await useInfra(['kafka', 'registry']);
  });
  after(async () => {
    for (const topic of [`${RUN}.a`, `${RUN}.b`, `${RUN}.x`])
      await deleteTopic(endpoints.kafkaBrokers, endpoints.registryUrl, topic);
    await lease?.release();
  });

  it('exits 2 with one line when Kafka cannot be reached', async () => {
    const args = [
      'edge',
      '-r',
      DEMO,
      '--brokers',
      '127.0.0.1:1',
      '--connect-timeout',
      '1',
      '--topic',
      `${RUN}.x`,
    ];
    const { code, stderr } = await tcpx(args, { TCPX_SCHEMA_REGISTRY_URL: endpoints.registryUrl });
    assert.equal(code, 2);
    assert.match(stderr, /^tcpx: Kafka at 127\.0\.0\.1:1 unreachable \(gave up after \d+ s\): .*\n$/);
  });

  it('replays a capture (brokers and registry from the environment) and prints its statistics', async () => {
    const { code, stderr } = await tcpx(
      ['edge', '-r', DEMO, '--node', 'cli-node', '--topic', `${RUN}.a`],
      env,
    );
    assert.equal(code, 0, stderr);
    const stats = finalStats(stderr);
    assert.equal(stats.aborted, false);
    assert.ok(stats.capture.tcpPackets > 4000);
    assert.equal(stats.publisher.packetsPublished, stats.capture.tcpPackets);
    assert.equal(stats.publisher.packetsDropped, 0);
  });

  it('stops a paced replay at SIGINT, flushing what it read', async () => {
    const args = [MAIN, 'edge', '-r', DEMO, '--speed', '1', '--topic', `${RUN}.b`, '--flush-ms', '50'];
    const child = spawn(process.execPath, args, { env: { ...process.env, ...env } });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    await new Promise((resolve) => setTimeout(resolve, 3000));
    child.kill('SIGINT');
    const [code] = await once(child, 'exit');
    assert.equal(code, 0, stderr);
    const stats = finalStats(stderr);
    assert.equal(stats.aborted, true);
    assert.equal(stats.capture, null);
    assert.ok(stats.publisher.packetsPublished > 0);
    assert.equal(stats.publisher.packetsPublished, stats.publisher.packetsAccepted);
    assert.equal(stats.publisher.packetsDropped, 0);
  });
});
