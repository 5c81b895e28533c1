import { create, createMutableRegistry, fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import type { SchemaInfo, SchemaRegistryClient } from '@confluentinc/schemaregistry';
import protobuf from 'protobufjs';
import { confluentHeader, parseConfluentHeader } from './confluent-framing.js';
import { schemaFileRegistry } from './descriptors.js';
import type { PacketSummary } from './packet-summary.js';
import { createPacketSummary } from './packet-summary.js';
import { PacketSummaryBatchEncoder, PacketSummaryBatchReader } from './packet-summary-codec.js';
import { type ProtoFileName, parseProto, readProto } from './proto-files.js';
import type { TcpFlowRecord } from './tcp-flow.js';
import { decodeTcpFlow, encodeTcpFlow, type TcpFlowEnvelope, type TcpFlowMessage } from './tcp-flow-codec.js';

// Kafka values in the Confluent wire format, schemas in a Confluent-API registry (here Apicurio
// 3.0.9 at /apis/ccompat/v7). Payloads come from our own codecs (the batch path is hot); the
// registry client (REST calls, caching) is @confluentinc/schemaregistry's.
//
// schemaFormat 'text' (default) registers the .proto source. Apicurio evaluates compatibility rules
// on it, and any client can read it. Confluent's JS ProtobufDeserializer cannot: it asks for
// `?format=serialized` (a base64 FileDescriptorProto), which Apicurio 3.0.9 ignores, and then fails
// parsing the text as binary ("illegal tag").
// schemaFormat 'descriptor' lets Confluent's ProtobufSerializer register the schema, as a base64
// FileDescriptorProto, and frame the messages, so its ProtobufDeserializer reads them. Apicurio
// stores that form but its compatibility check then fails with HTTP 500 ("Syntax error … unexpected
// label"): with a BACKWARD rule on the subject no new version can be registered.

export interface SchemaSerdesOptions {
  /** Confluent-compatible base URL, e.g. http://127.0.0.1:18081/apis/ccompat/v7 */
  registryUrl: string;
  /** Topic of PacketSummaryBatch values; subject `<topic>-value`. */
  topic: string;
  /** Topic of TcpFlow values; subject `<flowTopic>-value`. Default `<topic>.flows`. */
  flowTopic?: string;
  schemaFormat?: 'text' | 'descriptor';
}

export interface DecodedBatch {
  node: string;
  interfaceNames: string[];
  count: number;
  schemaId: number;
}

export interface SchemaSerdes {
  /** Registers (idempotently) the batch schema and frames an encoded batch. */
  serializeBatch(
    node: string,
    packets: Iterable<PacketSummary>,
    interfaceNames?: readonly string[],
  ): Promise<Buffer>;
  /**
   * Registers (idempotently) the batch schema and returns a synchronous framer for payloads that are
   * already encoded (PacketSummaryBatchEncoder): header + payload in one new Buffer, one copy.
   */
  batchFramer(): Promise<(payload: Uint8Array) => Buffer>;
  /** Checks the writer schema by id (cached), then calls `visit` with one reused PacketSummary per packet. */
  deserializeBatch(
    frame: Uint8Array,
    visit: (p: PacketSummary, index: number) => void,
    scratch?: PacketSummary,
  ): Promise<DecodedBatch>;
  serializeFlow(record: TcpFlowRecord, envelope: TcpFlowEnvelope): Promise<Buffer>;
  deserializeFlow(frame: Uint8Array): Promise<TcpFlowMessage & { schemaId: number }>;
  /** The ids our schemas got (registering them if needed). */
  schemaIds(): Promise<{ batch: number; flow: number }>;
  readonly client: SchemaRegistryClient;
}

interface Kind {
  file: ProtoFileName;
  typeName: string;
  subject: string;
  topic: string;
}

let clientModule: Promise<typeof import('@confluentinc/schemaregistry/dist/schemaregistry-client.js')> | undefined;

/**
 * The registry client's own module, loaded once, on demand: the package's index pulls in cloud KMS
 * SDKs and rule engines (~0.9 s to import); the client alone takes ~0.1 s bundled, still the
 * largest share of an edge's start-up CPU.
 */
export function loadRegistryClient(): Promise<
  typeof import('@confluentinc/schemaregistry/dist/schemaregistry-client.js')
> {
  // `.default`: these are CommonJS modules, whose module.exports is the default export both in
  // Node and in the CLI's bundle, which does not copy named exports of a split-off CommonJS chunk.
  clientModule ??= import('@confluentinc/schemaregistry/dist/schemaregistry-client.js').then((m) => m.default);
  return clientModule;
}

export async function createSchemaSerdes(options: SchemaSerdesOptions): Promise<SchemaSerdes> {
  const { SchemaRegistryClient } = await loadRegistryClient();
  const client = new SchemaRegistryClient({ baseURLs: [options.registryUrl] });
  const flowTopic = options.flowTopic ?? `${options.topic}.flows`;
  const batchKind: Kind = {
    file: 'packet_summary.proto',
    typeName: 'tcpx.v1.PacketSummaryBatch',
    subject: `${options.topic}-value`,
    topic: options.topic,
  };
  const flowKind: Kind = {
    file: 'tcp_flow.proto',
    typeName: 'tcpx.v1.TcpFlow',
    subject: `${flowTopic}-value`,
    topic: flowTopic,
  };

  const headers = new Map<Kind, Promise<{ id: number; header: Buffer }>>();
  const descriptorSerializer =
    options.schemaFormat === 'descriptor' ? await descriptorSerializerFor(client) : undefined;

  async function registerAndFrame(kind: Kind): Promise<{ id: number; header: Buffer }> {
    if (descriptorSerializer) {
      // An empty proto3 message has an empty payload, so the frame is exactly the header.
      const empty = create(schemaFileRegistry().getMessage(kind.typeName)!, {});
      const header = await descriptorSerializer.serialize(kind.topic, empty);
      return { id: parseConfluentHeader(header).schemaId, header };
    }
    const id = await client.register(kind.subject, { schemaType: 'PROTOBUF', schema: readProto(kind.file) });
    return { id, header: confluentHeader(id, messageIndexesOf(readProto(kind.file), kind.typeName)) };
  }

  function header(kind: Kind) {
    let h = headers.get(kind);
    if (!h) {
      h = registerAndFrame(kind);
      h.catch(() => headers.delete(kind)); // retry on the next call
      headers.set(kind, h);
    }
    return h;
  }

  // Writer schemas seen in frames, by id and index path: verified once to be the expected type.
  const verified = new Map<string, Promise<void>>();
  function verifyWriter(kind: Kind, schemaId: number, indexes: number[]): Promise<void> {
    const key = `${kind.typeName}/${schemaId}/${indexes.join('.')}`;
    let v = verified.get(key);
    if (!v) {
      v = client.getBySubjectAndId(kind.subject, schemaId).then((info) => {
        const name = messageNameAt(info, indexes);
        if (name !== kind.typeName)
          throw new Error(`schema ${schemaId} ${indexes} is ${name}, not ${kind.typeName}`);
      });
      v.catch(() => verified.delete(key));
      verified.set(key, v);
    }
    return v;
  }

  const encoder = new PacketSummaryBatchEncoder();
  const reader = new PacketSummaryBatchReader();

  async function batchFramer() {
    const { header: h } = await header(batchKind);
    return (payload: Uint8Array): Buffer => {
      const frame = Buffer.allocUnsafe(h.length + payload.length);
      h.copy(frame, 0);
      frame.set(payload, h.length);
      return frame;
    };
  }

  return {
    client,
    batchFramer,
    async serializeBatch(node, packets, interfaceNames = []) {
      const frame = await batchFramer();
      encoder.begin(node, interfaceNames);
      for (const p of packets) encoder.add(p);
      return frame(encoder.peek());
    },
    async deserializeBatch(frame, visit, scratch = createPacketSummary()) {
      const { schemaId, messageIndexes, payloadOffset } = parseConfluentHeader(frame);
      await verifyWriter(batchKind, schemaId, messageIndexes);
      reader.reset(frame.subarray(payloadOffset));
      for (let i = 0; reader.next(scratch); i++) visit(scratch, i);
      return { node: reader.node, interfaceNames: reader.interfaceNames, count: reader.count, schemaId };
    },
    async serializeFlow(record, envelope) {
      const { header: h } = await header(flowKind);
      return Buffer.concat([h, encodeTcpFlow(record, envelope)]);
    },
    async deserializeFlow(frame) {
      const { schemaId, messageIndexes, payloadOffset } = parseConfluentHeader(frame);
      await verifyWriter(flowKind, schemaId, messageIndexes);
      return { ...decodeTcpFlow(frame.subarray(payloadOffset)), schemaId };
    },
    async schemaIds() {
      const [batch, flow] = await Promise.all([header(batchKind), header(flowKind)]);
      return { batch: batch.id, flow: flow.id };
    },
  };
}

/** Index path of a top-level message in .proto text (declaration order, as Confluent counts). */
export function messageIndexesOf(protoText: string, typeName: string): number[] {
  const names = topLevelMessages(parseProto(protoText));
  const i = names.indexOf(typeName);
  if (i < 0) throw new Error(`${typeName} is not a top-level message`);
  return [i];
}

function topLevelMessages(root: protobuf.Root): string[] {
  const out: string[] = [];
  const walk = (ns: protobuf.NamespaceBase) => {
    for (const n of ns.nestedArray) {
      if (n instanceof protobuf.Type) out.push(n.fullName.slice(1));
      else if (n instanceof protobuf.Namespace && !(n instanceof protobuf.Enum)) walk(n);
    }
  };
  walk(root);
  return out;
}

/** Full name of the message a frame's index path points at, for schemas stored as text or base64. */
export function messageNameAt(info: SchemaInfo, indexes: number[]): string | undefined {
  let names: string[];
  let nested: (i: number, rest: number[]) => string | undefined;
  if (/\bsyntax\s*=|\bmessage\s/.test(info.schema)) {
    const root = parseProto(info.schema);
    names = topLevelMessages(root);
    nested = (i, rest) => {
      let t: protobuf.Type = root.lookupType(names[i]);
      for (const j of rest) t = t.nestedArray.filter((n) => n instanceof protobuf.Type)[j] as protobuf.Type;
      return t?.fullName.slice(1);
    };
  } else {
    const fd = fromBinary(FileDescriptorProtoSchema, Buffer.from(info.schema, 'base64'));
    const prefix = fd.package ? `${fd.package}.` : '';
    names = fd.messageType.map((m) => prefix + m.name);
    nested = (i, rest) => {
      let m = fd.messageType[i];
      let name = prefix + m.name;
      for (const j of rest) {
        m = m.nestedType[j];
        if (!m) return undefined;
        name += `.${m.name}`;
      }
      return name;
    };
  }
  const [first, ...rest] = indexes;
  return first < names.length ? nested(first, rest) : undefined;
}

/** The package's own protobuf serializer (registers the schema from its descriptor). */
async function descriptorSerializerFor(client: SchemaRegistryClient) {
  const { ProtobufSerializer } = (await import('@confluentinc/schemaregistry/dist/serde/protobuf.js'))
    .default;
  const { SerdeType, SubjectNameStrategyType } = (
    await import('@confluentinc/schemaregistry/dist/serde/serde.js')
  ).default;
  return new ProtobufSerializer(client, SerdeType.VALUE, {
    autoRegisterSchemas: true,
    registry: createMutableRegistry(schemaFileRegistry()),
    subjectNameStrategyType: SubjectNameStrategyType.TOPIC,
  });
}
