import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { schemaFileRegistry } from './descriptors.js';
import { flowId } from './flow-id.js';
import { type PbjsObject, readProto } from './proto-files.js';
import { createSchemaSerdes } from './schema-serdes.js';
import type { TcpFlowRecord, TcpMetrics } from './tcp-flow.js';
import { METRIC_NAMES } from './tcp-flow.js';
import { plain, SAMPLES } from './testing/fixtures.js';
import { endpoints, type InfraLease, useInfra } from './testing/infra.js';

// Against the real Apicurio Registry of infra/ (Confluent API). Started here, and stopped again,
// only when it was not already running.

const REGISTRY_URL = endpoints.registryUrl;
const RUN = `tcpx-test-${process.pid}-${Date.now()}`;
const CT = { 'Content-Type': 'application/vnd.schemaregistry.v1+json' };

async function rest(path: string, method = 'GET', body?: unknown): Promise<PbjsObject> {
  const init = { method, headers: CT, body: body === undefined ? undefined : JSON.stringify(body) };
  const r = await fetch(REGISTRY_URL + path, init);
  const text = await r.text();
  assert.ok(r.ok, `${method} ${path}: ${r.status} ${text}`);
  return JSON.parse(text);
}

function flowRecord(): TcpFlowRecord {
  const metrics = Object.fromEntries(METRIC_NAMES.map((n, i) => [n, i])) as unknown as TcpMetrics;
  metrics.rtt_avg_us = null;
  return {
    src: { ip: '10.0.0.7', port: 53906 },
    dst: { ip: '10.0.0.9', port: 443 },
    stream: 0,
    start_us: 1795242181112591,
    end_us: 1795242181145557,
    state: 'closed',
    diagnosis: [{ code: 'elevated_retransmission', tree: 'slow', severity: 'warning', message: '1.6 %' }],
    tcp_metrics: metrics,
  };
}

// TCPX_SKIP_REGISTRY_TESTS=1 skips these (they may install and start Kafka and the registry).
const skip = process.env.TCPX_SKIP_REGISTRY_TESTS === '1';

describe('schema registry (Apicurio 3.0.9, Confluent API)', { skip }, () => {
  let lease: InfraLease | undefined;
  const subjects: string[] = [];

  before(
    async () => {
      lease = await useInfra(['kafka', 'registry']);
    },
    { timeout: 600_000 },
  );

  after(
    async () => {
      for (const s of subjects) {
        await fetch(`${REGISTRY_URL}/subjects/${s}`, { method: 'DELETE' }).catch(() => {});
        await fetch(`${REGISTRY_URL}/subjects/${s}?permanent=true`, { method: 'DELETE' }).catch(() => {});
      }
      await lease?.release();
    },
    { timeout: 120_000 },
  );

  it('registers the .proto text, frames batches and flows, and a fresh client decodes them', async () => {
    const topic = `${RUN}.packets`;
    const flowTopic = `${RUN}.flows`;
    subjects.push(`${topic}-value`, `${flowTopic}-value`);
    const writer = await createSchemaSerdes({ registryUrl: REGISTRY_URL, topic, flowTopic });
    const ids = await writer.schemaIds();

    const latest = await rest(`/subjects/${topic}-value/versions/latest`);
    assert.equal(latest.id, ids.batch);
    assert.equal(latest.schema, readProto('packet_summary.proto'));

    const batch = await writer.serializeBatch('node-a', SAMPLES, ['eth0']);
    // magic 0, big-endian id, message indexes [1] (PacketSummaryBatch is the 2nd message)
    assert.equal(batch[0], 0);
    assert.equal(batch.readUInt32BE(1), ids.batch);
    assert.deepEqual([...batch.subarray(5, 7)], [2, 2]);

    const reader = await createSchemaSerdes({ registryUrl: REGISTRY_URL, topic, flowTopic });
    const seen: unknown[] = [];
    const decoded = await reader.deserializeBatch(batch, (p) => seen.push(plain(p)));
    assert.deepEqual(decoded, {
      node: 'node-a',
      interfaceNames: ['eth0'],
      count: SAMPLES.length,
      schemaId: ids.batch,
    });
    assert.deepEqual(seen, SAMPLES.map(plain));

    const record = flowRecord();
    const envelope = { node: 'node-a', flow_id: flowId('node-a', record), version: 2, final: false };
    const flow = await writer.serializeFlow(record, envelope);
    assert.equal(flow[0], 0);
    assert.equal(flow.readUInt32BE(1), ids.flow);
    assert.deepEqual([...flow.subarray(5, 7)], [2, 6]); // [3]: TcpFlow is the 4th message
    assert.deepEqual(await reader.deserializeFlow(flow), { record, ...envelope, schemaId: ids.flow });

    await assert.rejects(reader.deserializeFlow(batch), /PacketSummaryBatch, not tcpx.v1.TcpFlow/);
  });

  it("the registry's BACKWARD check rejects seq uint32 -> string and accepts an added field", async () => {
    const subject = `${RUN}.compat-value`;
    subjects.push(subject);
    const text = readProto('packet_summary.proto');
    await rest(`/subjects/${subject}/versions`, 'POST', { schemaType: 'PROTOBUF', schema: text });
    await rest(`/config/${subject}`, 'PUT', { compatibility: 'BACKWARD' });
    const check = (schema: string) =>
      rest(`/compatibility/subjects/${subject}/versions/latest`, 'POST', { schemaType: 'PROTOBUF', schema });
    assert.deepEqual(await check(text.replace('uint32 seq = 8;', 'string seq = 8;')), {
      is_compatible: false,
    });
    const added = text.replace('uint64 frame_number = 21;', 'uint64 frame_number = 21;\n  uint32 vlan = 22;');
    assert.deepEqual(await check(added), { is_compatible: true });
  });

  it("schemaFormat 'descriptor': Confluent's ProtobufSerializer/Deserializer interoperate with ours", async () => {
    const sr = await import('@confluentinc/schemaregistry');
    const topic = `${RUN}.desc`;
    subjects.push(`${topic}-value`, `${topic}.flows-value`);
    const writer = await createSchemaSerdes({ registryUrl: REGISTRY_URL, topic, schemaFormat: 'descriptor' });
    const ids = await writer.schemaIds();
    const frame = await writer.serializeBatch('node-d', SAMPLES.slice(0, 2));
    assert.equal(frame.readUInt32BE(1), ids.batch);

    // Confluent's deserializer, fresh client: reads our frame.
    const client = new sr.SchemaRegistryClient({ baseURLs: [REGISTRY_URL] });
    const confluent = new sr.ProtobufDeserializer(client, sr.SerdeType.VALUE, {});
    const msg = await confluent.deserialize(topic, frame);
    assert.equal(msg.$typeName, 'tcpx.v1.PacketSummaryBatch');
    assert.equal(msg.node, 'node-d');
    assert.equal(msg.packets[0].timestampNs, 1795242181112591123n);
    assert.equal(msg.packets[1].mss, -1);
    assert.deepEqual(msg.packets[1].sackBlocks, Array.from(SAMPLES[1].sackBlocks));

    // Confluent's serializer, from a bufbuild message: our deserializer reads its frame.
    const registry = schemaFileRegistry();
    const serializer = new sr.ProtobufSerializer(client, sr.SerdeType.VALUE, {
      autoRegisterSchemas: true,
      registry: (await import('@bufbuild/protobuf')).createMutableRegistry(registry),
      subjectNameStrategyType: sr.SubjectNameStrategyType.TOPIC,
    });
    const theirs = await serializer.serialize(
      topic,
      create(registry.getMessage('tcpx.v1.PacketSummaryBatch')!, {
        node: 'node-e',
        packets: [
          {
            timestampNs: 5_000_000_001n,
            addrA: new Uint8Array(4),
            addrB: new Uint8Array(4),
            seq: 7,
            mss: -1,
          },
        ],
      }),
    );
    const reader = await createSchemaSerdes({ registryUrl: REGISTRY_URL, topic });
    const got: ReturnType<typeof plain>[] = [];
    const decoded = await reader.deserializeBatch(theirs, (p) => got.push(plain(p)));
    assert.equal(decoded.node, 'node-e');
    assert.equal(decoded.schemaId, ids.batch); // same schema, same id
    assert.equal(got[0].tsSec, 5);
    assert.equal(got[0].tsNsec, 1);
    assert.equal(got[0].seq, 7);
    assert.equal(got[0].mss, -1);
  });
});
