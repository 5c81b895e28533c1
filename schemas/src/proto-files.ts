import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

/** schemas/proto, the source of truth, found from both src/ and dist/ (siblings of proto/). */
export const PROTO_DIR = fileURLToPath(new URL('../proto/', import.meta.url));
export const BASELINE_DIR = fileURLToPath(new URL('../proto/baseline/', import.meta.url));
export const PROTO_FILES = ['packet_summary.proto', 'tcp_flow.proto'] as const;
export type ProtoFileName = (typeof PROTO_FILES)[number];

/** protobufjs's decoded/toObject messages: untyped by nature. */
// biome-ignore lint/suspicious/noExplicitAny: decoded protobufjs objects are untyped
export type PbjsObject = Record<string, any>;

export function readProto(file: string, dir = PROTO_DIR): string {
  return readFileSync(dir + file, 'utf8');
}

/** Parses .proto text. keepCase keeps snake_case field names, the names TcpFlowRecord uses too. */
export function parseProto(text: string, fileName = 'schema.proto'): protobuf.Root {
  const root = new protobuf.Root();
  protobuf.parse(text, root, { keepCase: true });
  root.filename = fileName;
  root.resolveAll();
  return root;
}

const roots = new Map<string, protobuf.Root>();

/** The parsed, resolved schema of one of our .proto files (cached). */
export function protoRoot(file: ProtoFileName): protobuf.Root {
  let root = roots.get(file);
  if (!root) {
    root = parseProto(readProto(file), file);
    roots.set(file, root);
  }
  return root;
}
