import type { InfraService } from './infra.js';

// The testcontainers alternative to infra/'s scripts, for machines with a Docker engine (laptops,
// other CI): `TCPX_TEST_SERVICES=testcontainers npm test`. The same tests then run against
// containers — Kafka (KRaft), Apicurio's Confluent-compatible registry and a current ClickHouse
// server in place of both local ClickHouse processes. Loaded only in that mode, so a machine
// without Docker never touches these packages.

export const CONTAINER_MODE = process.env.TCPX_TEST_SERVICES === 'testcontainers';

/** Images; override with TCPX_KAFKA_IMAGE, TCPX_REGISTRY_IMAGE, TCPX_CLICKHOUSE_IMAGE. */
const IMAGES = {
  kafka: process.env.TCPX_KAFKA_IMAGE ?? 'confluentinc/cp-kafka:7.9.0',
  registry: process.env.TCPX_REGISTRY_IMAGE ?? 'apicurio/apicurio-registry:3.0.9',
  clickhouse: process.env.TCPX_CLICKHOUSE_IMAGE ?? 'clickhouse/clickhouse-server:25.8',
};

/** Environment variable carrying the started containers' ids to the test processes. */
const IDS_VARIABLE = 'TCPX_CONTAINER_IDS';

export interface StartedServices {
  /** Variables that point infra.ts's `endpoints` at the containers. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** Why container mode cannot run, in words a person can act on. */
function explain(err: unknown): Error {
  const message = err instanceof Error ? err.message : String(err);
  if (/Cannot find (module|package)/.test(message))
    return new Error(
      `TCPX_TEST_SERVICES=testcontainers needs the testcontainers packages (devDependencies of @tcpx/schemas): run npm install. ${message}`,
    );
  if (/container runtime strategy|ENOENT|ECONNREFUSED|docker/i.test(message))
    return new Error(
      `TCPX_TEST_SERVICES=testcontainers needs a Docker engine (none found: ${message}). Unset it to use infra/'s scripts.`,
    );
  return err instanceof Error ? err : new Error(message);
}

/** Starts Kafka, the registry and ClickHouse as containers; stops whatever started on failure. */
export async function startContainers(): Promise<StartedServices> {
  const started: { stop(): Promise<unknown> }[] = [];
  const stopAll = async () => {
    for (const c of started.reverse()) await c.stop().catch(() => {});
  };
  try {
    const { GenericContainer, Wait } = await import('testcontainers');
    const { KafkaContainer } = await import('@testcontainers/kafka');
    const { ClickHouseContainer } = await import('@testcontainers/clickhouse');

    const kafka = await new KafkaContainer(IMAGES.kafka).withKraft().start();
    started.push(kafka);
    // In-memory storage: the registry needs nothing else, and a test run starts from empty.
    const registry = await new GenericContainer(IMAGES.registry)
      .withExposedPorts(8080)
      .withWaitStrategy(Wait.forHttp('/apis/ccompat/v7/subjects', 8080).forStatusCode(200))
      .withStartupTimeout(180_000)
      .start();
    started.push(registry);
    const clickhouse = await new ClickHouseContainer(IMAGES.clickhouse).start();
    started.push(clickhouse);

    const host = kafka.getHost();
    const clickhouseUrl = new URL(clickhouse.getHttpUrl());
    clickhouseUrl.username = clickhouse.getUsername();
    clickhouseUrl.password = clickhouse.getPassword();
    const clickhouseText = clickhouseUrl.origin.replace(
      '://',
      `://${clickhouseUrl.username}:${clickhouseUrl.password}@`,
    );
    const ids: Partial<Record<InfraService, string>> = {
      kafka: kafka.getId(),
      registry: registry.getId(),
      clickhouse: clickhouse.getId(),
      'chdb-http': clickhouse.getId(),
    };
    return {
      env: {
        TCPX_HOST: host,
        TCPX_KAFKA_PORT: String(kafka.getMappedPort(9093)),
        TCPX_REGISTRY_PORT: String(registry.getMappedPort(8080)),
        // One current server serves both roles: the modern dialect and the transport tests.
        TCPX_CHDB_HTTP_URL: clickhouseText,
        TCPX_CLICKHOUSE_URL: clickhouseText,
        [IDS_VARIABLE]: JSON.stringify(ids),
      },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw explain(err);
  }
}

async function containerOf(service: InfraService) {
  const ids = JSON.parse(process.env[IDS_VARIABLE] ?? '{}') as Partial<Record<InfraService, string>>;
  const id = ids[service];
  if (!id) throw new Error(`container mode: no container for ${service} (is ${IDS_VARIABLE} set?)`);
  const { getContainerRuntimeClient } = await import('testcontainers');
  return (await getContainerRuntimeClient()).container.getById(id);
}

/**
 * An outage in container mode: `down` pauses the container and `up` resumes it. Pausing (rather
 * than stopping) keeps the mapped ports, so clients reconnect to the same address afterwards, as
 * they do when infra/'s scripts restart a local process.
 */
export async function pauseOrResume(service: InfraService, action: 'up' | 'down'): Promise<void> {
  const container = await containerOf(service);
  const state = (await container.inspect()).State;
  if (action === 'down' && state.Running && !state.Paused) await container.pause();
  if (action === 'up' && state.Paused) await container.unpause();
}

/** Whether the service's container runs and is not paused (its port answers even when paused). */
export async function containerRunning(service: InfraService): Promise<boolean> {
  const state = (await (await containerOf(service)).inspect()).State;
  return state.Running && !state.Paused;
}
