import type { FlowRow } from '@tcpx/store';
import { type Base, constant, type Ir } from './ir.js';
import type { Value } from './values.js';

// How a catalogue field is defined: SQL over tcp_flows' own columns plus the same computation on a
// FlowRow (the INSERT shape), or one constant value for every tcp_flow entry.

export type FieldType = 'str' | 'int' | 'float' | 'bool' | 'ts' | 'list<str>' | 'map<str,str>' | 'obj';

export interface FieldDef {
  readonly name: string;
  readonly type: FieldType;
  readonly description: string;
  readonly aliases: readonly string[];
  /** Accepted but left out of KFL_FIELDS (kfl.md §8 item 12: MCP's src.ns, dst.svc). */
  readonly hiddenAliases: readonly string[];
  readonly ir: Ir;
}

export interface FieldOptions {
  aliases?: string[];
  hiddenAliases?: string[];
  /** The SQL can be NULL (and `get` null) on some rows. */
  nullable?: boolean;
}

const BASE: Record<FieldType, Base> = {
  str: 'str',
  int: 'int',
  float: 'float',
  bool: 'bool',
  ts: 'ts',
  'list<str>': 'list',
  'map<str,str>': 'map',
  obj: 'obj',
};
const elemOf = (type: FieldType) => (type === 'list<str>' ? 'str' : undefined);

export function columnField(
  name: string,
  type: FieldType,
  description: string,
  sql: string,
  columns: string[],
  get: (row: FlowRow) => Value,
  options: FieldOptions = {},
): FieldDef {
  const ir: Ir = {
    k: 'col',
    name,
    ty: BASE[type],
    elem: elemOf(type),
    nullable: !!options.nullable,
    sql,
    columns,
    get,
  };
  return {
    name,
    type,
    description,
    aliases: options.aliases ?? [],
    hiddenAliases: options.hiddenAliases ?? [],
    ir,
  };
}

export function constantField(
  name: string,
  type: FieldType,
  description: string,
  value: Value,
  options: FieldOptions = {},
): FieldDef {
  const ir = constant(BASE[type], value, elemOf(type));
  return { name, type, description, aliases: options.aliases ?? [], hiddenAliases: [], ir };
}

/** A plain column read as is. */
export function plainColumn(
  name: string,
  type: FieldType,
  description: string,
  column: string,
  options?: FieldOptions,
) {
  return columnField(name, type, description, column, [column], (r) => r[column] as Value, options);
}
