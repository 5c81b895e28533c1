import { create, createFileRegistry, type DescFile, type FileRegistry } from '@bufbuild/protobuf';
import {
  type DescriptorProto,
  DescriptorProtoSchema,
  type EnumDescriptorProto,
  EnumDescriptorProtoSchema,
  type FieldDescriptorProto,
  FieldDescriptorProtoSchema,
  type FileDescriptorProto,
  FileDescriptorProtoSchema,
} from '@bufbuild/protobuf/wkt';
import protobuf from 'protobufjs';
import { type ProtoFileName, protoRoot } from './proto-files.js';

// The Confluent serializers describe messages with @bufbuild/protobuf descriptors (and register
// them as a base64 FileDescriptorProto). bufbuild cannot parse .proto text at runtime, so this
// converts protobufjs's parse of our .proto files (self-contained proto3: scalars, enums, nested
// messages, `optional`, `reserved`). protobufjs's own toDescriptor is not used: it names the file
// after the package, leaves message type names relative and marks proto3 repeated scalars unpacked.

const SCALAR_TYPES: Record<string, number> = {
  double: 1,
  float: 2,
  int64: 3,
  uint64: 4,
  int32: 5,
  fixed64: 6,
  fixed32: 7,
  bool: 8,
  string: 9,
  bytes: 12,
  uint32: 13,
  sfixed32: 15,
  sfixed64: 16,
  sint32: 17,
  sint64: 18,
};
const TYPE_MESSAGE = 11;
const TYPE_ENUM = 14;
const LABEL_OPTIONAL = 1;
const LABEL_REPEATED = 3;

const absolute = (fullName: string) => (fullName.startsWith('.') ? fullName : `.${fullName}`);

function fieldProto(field: protobuf.Field, oneofs: protobuf.OneOf[]): FieldDescriptorProto {
  const scalar = SCALAR_TYPES[field.type];
  const resolved = field.resolvedType;
  const proto3Optional = field.options?.proto3_optional === true;
  return create(FieldDescriptorProtoSchema, {
    name: field.name,
    number: field.id,
    label: field.repeated ? LABEL_REPEATED : LABEL_OPTIONAL,
    type: scalar ?? (resolved instanceof protobuf.Enum ? TYPE_ENUM : TYPE_MESSAGE),
    typeName: scalar === undefined && resolved ? absolute(resolved.fullName) : undefined,
    oneofIndex: field.partOf ? oneofs.indexOf(field.partOf) : undefined,
    proto3Optional: proto3Optional || undefined,
  });
}

function enumProto(e: protobuf.Enum): EnumDescriptorProto {
  return create(EnumDescriptorProtoSchema, {
    name: e.name,
    value: Object.entries(e.values).map(([name, number]) => ({ name, number })),
  });
}

function messageProto(type: protobuf.Type): DescriptorProto {
  const oneofs = type.oneofsArray;
  const ranges = (type.reserved ?? []).filter((r): r is number[] => Array.isArray(r));
  const names = (type.reserved ?? []).filter((r): r is string => typeof r === 'string');
  return create(DescriptorProtoSchema, {
    name: type.name,
    field: type.fieldsArray
      .slice()
      .sort((a, b) => a.id - b.id)
      .map((f) => fieldProto(f, oneofs)),
    nestedType: type.nestedArray.filter((n) => n instanceof protobuf.Type).map(messageProto),
    enumType: type.nestedArray.filter((n) => n instanceof protobuf.Enum).map(enumProto),
    oneofDecl: oneofs.map((o) => ({ name: o.name })),
    // protobufjs ranges are inclusive, descriptor ranges end-exclusive.
    reservedRange: ranges.map(([start, end]) => ({ start, end: end + 1 })),
    reservedName: names,
  });
}

/** The package namespace of a single-package root, and its name ("tcpx.v1"). */
export function packageOf(root: protobuf.Root): { name: string; ns: protobuf.NamespaceBase } {
  let ns: protobuf.NamespaceBase = root;
  const parts: string[] = [];
  for (;;) {
    const children = ns.nestedArray;
    if (children.length !== 1) break;
    const only = children[0];
    if (
      only instanceof protobuf.Type ||
      only instanceof protobuf.Enum ||
      !(only instanceof protobuf.Namespace)
    )
      break;
    parts.push(only.name);
    ns = only;
  }
  return { name: parts.join('.'), ns };
}

export function toFileDescriptorProto(root: protobuf.Root, fileName: string): FileDescriptorProto {
  const { name, ns } = packageOf(root);
  return create(FileDescriptorProtoSchema, {
    name: fileName,
    package: name,
    syntax: 'proto3',
    messageType: ns.nestedArray.filter((n) => n instanceof protobuf.Type).map(messageProto),
    enumType: ns.nestedArray.filter((n) => n instanceof protobuf.Enum).map(enumProto),
  });
}

let registry: FileRegistry | undefined;

/** A bufbuild registry holding packet_summary.proto and tcp_flow.proto. */
export function schemaFileRegistry(): FileRegistry {
  if (!registry) {
    const files = (['packet_summary.proto', 'tcp_flow.proto'] as const).map((f: ProtoFileName) =>
      createFileRegistry(toFileDescriptorProto(protoRoot(f), f), () => undefined),
    );
    registry = createFileRegistry(...files);
  }
  return registry;
}

export function schemaFile(file: ProtoFileName): DescFile {
  const desc = schemaFileRegistry().getFile(file);
  if (!desc) throw new Error(`no descriptor for ${file}`);
  return desc;
}
