import protobuf from 'protobufjs';
import { packageOf } from './descriptors.js';

// BACKWARD compatibility of a .proto file against its baseline (consumers on the new schema read
// data written with the old one), after Confluent's protobuf rules, stricter where our codecs need
// it: a field may not change type or label (singular / optional / repeated), a removed field's
// number must be reserved, a reserved number or name stays reserved, no message or enum may
// disappear or be renamed, the package may not change, and a field may not be renamed (our TS
// codecs map fields by name; Apicurio's BACKWARD rule rejects renames too). Adding fields,
// messages and enum values is fine. (Reusing a reserved number or name fails earlier: protobufjs
// refuses to parse it.)

export interface Violation {
  /** Where: file, then message and field. */
  path: string;
  rule: string;
  message: string;
}

type Reserved = Array<number[] | string>;

function isReservedNumber(reserved: Reserved | undefined, n: number): boolean {
  return (reserved ?? []).some((r) => Array.isArray(r) && n >= r[0] && n <= r[1]);
}
const isReservedName = (reserved: Reserved | undefined, name: string) => (reserved ?? []).includes(name);

function collect(
  ns: protobuf.NamespaceBase,
  types: Map<string, protobuf.Type>,
  enums: Map<string, protobuf.Enum>,
) {
  for (const n of ns.nestedArray) {
    if (n instanceof protobuf.Type) types.set(n.fullName, n);
    if (n instanceof protobuf.Enum) enums.set(n.fullName, n);
    if (n instanceof protobuf.Namespace) collect(n, types, enums);
  }
}

const label = (f: protobuf.Field) =>
  f.repeated ? 'repeated' : f.options?.proto3_optional ? 'optional' : f.required ? 'required' : 'singular';
const typeOf = (f: protobuf.Field) => (f.resolvedType ? f.resolvedType.fullName.slice(1) : f.type);

export function checkBackward(baseline: protobuf.Root, current: protobuf.Root, file: string): Violation[] {
  const out: Violation[] = [];
  const add = (path: string, rule: string, message: string) =>
    out.push({ path: `${file}:${path}`, rule, message });
  const oldPkg = packageOf(baseline).name;
  const newPkg = packageOf(current).name;
  if (oldPkg !== newPkg) add('package', 'PACKAGE_CHANGED', `package ${oldPkg} became ${newPkg}`);

  const oldTypes = new Map<string, protobuf.Type>();
  const oldEnums = new Map<string, protobuf.Enum>();
  const newTypes = new Map<string, protobuf.Type>();
  const newEnums = new Map<string, protobuf.Enum>();
  collect(baseline, oldTypes, oldEnums);
  collect(current, newTypes, newEnums);

  for (const [name, oldType] of oldTypes) {
    const newType = newTypes.get(name);
    if (!newType) {
      add(name, 'MESSAGE_REMOVED', `message ${name} was removed or renamed`);
      continue;
    }
    for (const oldField of oldType.fieldsArray) {
      const where = `${name}.${oldField.name} = ${oldField.id}`;
      const newField = newType.fieldsById[oldField.id];
      if (!newField) {
        if (!isReservedNumber(newType.reserved, oldField.id)) {
          add(
            where,
            'FIELD_REMOVED',
            `field ${oldField.id} was removed without \`reserved ${oldField.id};\``,
          );
        }
        continue;
      }
      if (typeOf(newField) !== typeOf(oldField)) {
        add(where, 'FIELD_TYPE_CHANGED', `type ${typeOf(oldField)} became ${typeOf(newField)}`);
      }
      if (label(newField) !== label(oldField)) {
        add(where, 'FIELD_LABEL_CHANGED', `label ${label(oldField)} became ${label(newField)}`);
      }
      if (newField.name !== oldField.name) {
        add(where, 'FIELD_RENAMED', `field ${oldField.id} was renamed to ${newField.name}`);
      }
    }
    for (const r of oldType.reserved ?? []) {
      const kept = Array.isArray(r)
        ? Array.from({ length: Math.min(r[1] - r[0] + 1, 1000) }, (_, k) => r[0] + k).every((n) =>
            isReservedNumber(newType.reserved, n),
          )
        : isReservedName(newType.reserved, r);
      if (!kept) add(`${name} reserved ${r}`, 'RESERVED_REMOVED', `reserved ${r} is no longer reserved`);
    }
  }

  for (const [name, oldEnum] of oldEnums) {
    const newEnum = newEnums.get(name);
    if (!newEnum) {
      add(name, 'ENUM_REMOVED', `enum ${name} was removed or renamed`);
      continue;
    }
    for (const [valueName, n] of Object.entries(oldEnum.values)) {
      const now = newEnum.values[valueName];
      if (now === undefined && !isReservedNumber(newEnum.reserved, n)) {
        add(
          `${name}.${valueName}`,
          'ENUM_VALUE_REMOVED',
          `value ${valueName} = ${n} removed without reserving ${n}`,
        );
      } else if (now !== undefined && now !== n) {
        add(`${name}.${valueName}`, 'ENUM_VALUE_CHANGED', `value ${valueName} changed from ${n} to ${now}`);
      }
    }
  }
  return out;
}
