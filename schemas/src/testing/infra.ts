import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createKafka } from '../kafka.js';
import { CONTAINER_MODE, containerRunning, pauseOrResume } from './containers.js';

// Tests get their services (Kafka, the schema registry, ClickHouse servers) through infra/'s own
// scripts. A service that is already healthy is used as is (the root `npm test` starts them once
// for the whole run); one a test started is stopped again by release(), so nothing is left running.
// With TCPX_TEST_SERVICES=testcontainers the services are containers instead (containers.ts):
// with-services.sh starts them, and `down`/`up` here pause and resume them.

const exec = promisify(execFile);
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const HOST = process.env.TCPX_HOST ?? '127.0.0.1';

export type InfraService = 'kafka' | 'registry' | 'clickhouse' | 'chdb-http';

export interface InfraEndpoints {
  kafkaBrokers: string[];
  registryUrl: string;
  /** Debian's clickhouse-server 18.16 (old dialect: transport tests only). */
  clickhouseUrl: string;
  /** ClickHouse 26 (chdb) behind ClickHouse's HTTP interface: the modern dialect over HTTP. */
  chdbHttpUrl: string;
}

export const endpoints: InfraEndpoints = {
  kafkaBrokers: [`${HOST}:${process.env.TCPX_KAFKA_PORT ?? 19092}`],
  registryUrl: `http://${HOST}:${process.env.TCPX_REGISTRY_PORT ?? 18081}/apis/ccompat/v7`,
  clickhouseUrl:
    process.env.TCPX_CLICKHOUSE_URL ?? `http://${HOST}:${process.env.TCPX_CLICKHOUSE_HTTP_PORT ?? 18123}`,
  chdbHttpUrl: process.env.TCPX_CHDB_HTTP_URL ?? `http://${HOST}:${process.env.TCPX_CHDB_HTTP_PORT ?? 18124}`,
};

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: HOST, port, timeout: 2000 });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket
      .once('connect', () => done(true))
      .once('error', () => done(false))
      .once('timeout', () => done(false));
  });
}

async function httpOk(location: string, expect?: string): Promise<boolean> {
  // fetch refuses URLs with credentials; /ping needs none
  const url = new URL(location);
  url.username = '';
  url.password = '';
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(3000) });
    return r.status === 200 && (expect === undefined || (await r.text()) === expect);
  } catch {
    return false;
  }
}

/** Whether a service answers now (a cheap probe, not the scripts' full health check). */
export async function isHealthy(service: InfraService): Promise<boolean> {
  if (CONTAINER_MODE && !(await containerRunning(service))) return false;
  switch (service) {
    case 'kafka':
      return portOpen(Number(endpoints.kafkaBrokers[0].split(':').pop()));
    case 'registry':
      return httpOk(`${endpoints.registryUrl}/subjects`);
    case 'clickhouse':
      return httpOk(`${endpoints.clickhouseUrl}/ping`, 'Ok.\n');
    case 'chdb-http':
      return httpOk(`${endpoints.chdbHttpUrl}/ping`, 'Ok.\n');
  }
}

/** Runs infra/<service>/<up|down>.sh; a failure carries the script's output. */
export async function infraScript(service: InfraService, action: 'up' | 'down'): Promise<void> {
  if (CONTAINER_MODE) return pauseOrResume(service, action);
  try {
    await exec('bash', [`infra/${service}/${action}.sh`], {
      cwd: REPO_ROOT,
      timeout: 600_000,
      maxBuffer: 16 << 20,
    });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `infra/${service}/${action}.sh failed: ${err.message}\n${err.stdout ?? ''}${err.stderr ?? ''}`,
    );
  }
}

export interface InfraLease {
  endpoints: InfraEndpoints;
  /** Stops the services this lease started, in reverse order. */
  release(): Promise<void>;
}

/**
 * Makes the services healthy (starting those that are not, in the order given) and returns a lease
 * whose release() stops exactly the ones started here. The registry keeps its state in Kafka, so
 * list kafka first.
 */
export async function useInfra(services: readonly InfraService[]): Promise<InfraLease> {
  const started: InfraService[] = [];
  try {
    for (const s of services) {
      if (await isHealthy(s)) continue;
      await infraScript(s, 'up');
      started.push(s);
    }
  } catch (err) {
    for (const s of started.reverse()) await infraScript(s, 'down').catch(() => {});
    throw err;
  }
  return {
    endpoints,
    async release() {
      for (const s of started.reverse()) await infraScript(s, 'down');
    },
  };
}

/**
 * Deletes the broker's topics that `belongs` picks. A test's or a bench's topics hold whole
 * replays: left in a long-lived local broker they pile up, and ~150 of them (600 partitions) made
 * the broker spend twice the CPU per replay and the pipeline bench run ~20 % slower.
 */
export async function deleteTopics(belongs: (topic: string) => boolean): Promise<void> {
  const admin = createKafka({ brokers: endpoints.kafkaBrokers, clientId: 'tcpx-test-cleanup' }).admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter(belongs);
    if (topics.length > 0) await admin.deleteTopics({ topics });
  } finally {
    await admin.disconnect();
  }
}
