import { children } from './build.js';
import type { Ir, IrOf } from './ir.js';
import { FLOAT_TEXT, INT_TEXT, type Value } from './values.js';

// The checked filter as a ClickHouse boolean expression over tcp_flows' own columns. Every value
// that came from the filter text is a query parameter {name:Type}; the only literals printed are
// the catalogue's own (column SQL) and structural ones (0, 1, NULL, inf). Each node means what
// evaluate.ts computes for it: integer arithmetic in Int64 with wrap-around, x / 0 and x % 0 NULL,
// comparisons with a NULL operand false (ifNull(…, 0)).

const I64_MAX = (1n << 63n) - 1n;

/** A catalogue-side SQL string literal (never filter text). */
const sqlText = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const INT_TEXT_SQL = sqlText(INT_TEXT.source);
const FLOAT_TEXT_SQL = sqlText(FLOAT_TEXT.source);

const CMP_SQL = { '==': '=', '!=': '!=', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };
const FLIPPED = { '==': '=', '!=': '!=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };
const DATETIME_COLUMN: Record<string, string> = { timestamp: 'start_time', end_time: 'end_time' };

export interface SqlFilter {
  where: string;
  params: Record<string, unknown>;
}

export function toSql(ir: Ir, paramPrefix: string): SqlFilter {
  const printer = new SqlPrinter(paramPrefix);
  return { where: printer.print(ir), params: printer.params };
}

const nullSafe = (nullable: boolean, sql: string) => (nullable ? `ifNull(${sql}, 0)` : sql);

class SqlPrinter {
  readonly params: Record<string, unknown> = {};
  private readonly names = new Map<string, string>();

  constructor(private readonly prefix: string) {}

  /** One parameter per distinct (type, value). */
  private param(type: string, value: unknown, key: string): string {
    const id = `${type}\u0000${key}`;
    let name = this.names.get(id);
    if (name === undefined) {
      name = `${this.prefix}_${this.names.size}`;
      this.names.set(id, name);
      this.params[name] = value;
    }
    return `{${name}:${type}}`;
  }

  private constant(ir: IrOf<'const'>): string {
    const v = ir.value;
    if (v === null) return 'NULL';
    switch (ir.ty) {
      case 'bool':
      case 'obj':
        return v ? '1' : '0';
      case 'int':
      case 'ts':
      case 'dur':
        return this.int(v as number | bigint);
      case 'float':
        return this.float(v as number);
      case 'str':
        return this.param('String', v, v as string);
      case 'list':
        if (ir.elem === 'str' || (v as Value[]).length === 0)
          return this.param('Array(String)', v, JSON.stringify(v));
        return `[${(v as Value[]).map((x) => this.constant({ k: 'const', ty: ir.elem ?? 'null', nullable: x === null, value: x })).join(', ')}]`;
      default:
        throw new Error(`no SQL for a constant of kind ${ir.ty}`);
    }
  }

  private int(v: number | bigint): string {
    return this.param(BigInt(v) > I64_MAX ? 'UInt64' : 'Int64', v, String(v));
  }

  /** Floats travel as their shortest round-trip text, which ClickHouse parses exactly. */
  private float(v: number): string {
    if (Number.isNaN(v)) return 'nan';
    if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
    const text = Object.is(v, -0) ? '-0' : String(v);
    return this.param('Float64', text, text);
  }

  print(ir: Ir): string {
    switch (ir.k) {
      case 'const':
        return this.constant(ir);
      case 'col':
        return ir.sql;
      case 'var':
        return `_kfl_e${ir.slot}`;
      case 'not':
        return `not(${this.print(ir.x)})`;
      case 'and':
      case 'or':
        return `(${ir.xs.map((x) => this.print(x)).join(ir.k === 'and' ? ' AND ' : ' OR ')})`;
      case 'truthy':
        return this.truthy(ir.x);
      case 'cond': {
        // UInt64 and Int64 branches have no common ClickHouse type; Int128 holds both exactly
        const wide = (x: Ir) =>
          ir.ty === 'int' && x.ty === 'int' ? `toInt128(${this.print(x)})` : this.print(x);
        return `if(${this.print(ir.c)}, ${wide(ir.a)}, ${wide(ir.b)})`;
      }
      case 'cmp':
        return this.comparison(ir);
      case 'isnull':
        return `isNull(${this.print(ir.x)})`;
      case 'arith':
        return this.arithmetic(ir);
      case 'neg':
        return ir.ty === 'float' ? `negate(${this.print(ir.x)})` : `negate(toInt64(${this.print(ir.x)}))`;
      case 'concat':
        return `concat(${this.print(ir.l)}, ${this.print(ir.r)})`;
      case 'conv':
        return this.conversion(ir);
      case 'numtext': {
        const x = this.print(ir.x);
        return ir.as === 'int'
          ? `if(match(${x}, ${INT_TEXT_SQL}), toInt128OrNull(${x}), NULL)`
          : `if(match(${x}, ${FLOAT_TEXT_SQL}), toFloat64OrNull(${x}), NULL)`;
      }
      case 'regex':
        return nullSafe(
          ir.x.nullable,
          `match(${this.print(ir.x)}, ${this.param('String', ir.re.source, ir.re.source)})`,
        );
      case 'strfn': {
        const [x, a] = [this.print(ir.x), this.print(ir.arg)];
        const sql = ir.fn === 'contains' ? `(position(${x}, ${a}) > 0)` : `${ir.fn}(${x}, ${a})`;
        return nullSafe(ir.x.nullable || ir.arg.nullable, sql);
      }
      case 'size':
        return ir.x.ty === 'str' ? `lengthUTF8(${this.print(ir.x)})` : `length(${this.print(ir.x)})`;
      case 'index': {
        const [l, i] = [this.print(ir.list), this.print(ir.i)];
        return `if(${i} >= 0 AND ${i} < length(${l}), arrayElement(${l}, ${i} + 1), NULL)`;
      }
      case 'list':
        return `[${ir.items.map((x) => (x.ty === 'int' ? `toInt128(${this.print(x)})` : this.print(x))).join(', ')}]`;
      case 'exists':
      case 'all':
        return this.quantifier(ir);
    }
  }

  private truthy(x: Ir): string {
    const v = this.print(x);
    switch (x.ty) {
      case 'bool':
      case 'obj':
        return nullSafe(x.nullable, v);
      case 'int':
      case 'float':
        return nullSafe(x.nullable, `(${v} != 0)`);
      case 'str':
      case 'list':
        return nullSafe(x.nullable, `notEmpty(${v})`);
      default:
        return '0';
    }
  }

  private comparison(ir: IrOf<'cmp'>): string {
    const op = CMP_SQL[ir.op];
    // timestamp against a constant instant: compare the DateTime64 column itself (primary key)
    const [col, other, flipped] = ir.r.k === 'col' ? [ir.r, ir.l, true] : [ir.l, ir.r, false];
    const column = col.k === 'col' ? DATETIME_COLUMN[col.name] : undefined;
    if (column && other.k === 'const' && typeof other.value === 'number' && other.value >= 0)
      return `(${column} ${flipped ? FLIPPED[ir.op] : op} fromUnixTimestamp64Micro(${this.int(other.value)}, 'UTC'))`;
    return nullSafe(ir.l.nullable || ir.r.nullable, `(${this.print(ir.l)} ${op} ${this.print(ir.r)})`);
  }

  private arithmetic(ir: IrOf<'arith'>): string {
    const [l, r] = [this.print(ir.l), this.print(ir.r)];
    if (ir.ty === 'float') {
      const fn = { '+': 'plus', '-': 'minus', '*': 'multiply', '/': 'divide', '%': 'modulo' }[ir.op];
      return ir.op === '/' ? `divide(${l}, nullIf(${r}, 0))` : `${fn}(${l}, ${r})`;
    }
    const [a, b] = [`toInt64(${l})`, `toInt64(${r})`];
    switch (ir.op) {
      case '+':
        return `plus(${a}, ${b})`;
      case '-':
        return `minus(${a}, ${b})`;
      case '*':
        return `multiply(${a}, ${b})`;
      case '/':
        return `intDivOrZero(${a}, nullIf(${b}, 0))`;
      default:
        return `moduloOrZero(${a}, nullIf(${b}, 0))`;
    }
  }

  private conversion(ir: IrOf<'conv'>): string {
    const x = this.print(ir.x);
    if (ir.to === 'float') return `toFloat64(${x})`;
    if (ir.x.ty !== 'bool') return `toString(${x})`;
    return ir.x.nullable ? `if(isNull(${x}), NULL, if(${x}, 'true', 'false'))` : `if(${x}, 'true', 'false')`;
  }

  private quantifier(ir: IrOf<'exists' | 'all'>): string {
    const list = this.print(ir.list);
    const member = ir.k === 'exists' ? this.membership(ir) : undefined;
    if (member !== undefined) return nullSafe(ir.list.nullable, `has(${list}, ${member})`);
    const fn = ir.k === 'exists' ? 'arrayExists' : 'arrayAll';
    return nullSafe(ir.list.nullable, `${fn}(_kfl_e${ir.slot} -> ${this.print(ir.body)}, ${list})`);
  }

  /** `x in list` on strings prints as has(list, x) instead of a lambda. */
  private membership(ir: IrOf<'exists' | 'all'>): string | undefined {
    const b = ir.body;
    if (b.k !== 'cmp' || b.op !== '==' || b.l.ty !== 'str' || ir.list.elem !== 'str') return undefined;
    const isVar = (x: Ir) => x.k === 'var' && x.slot === ir.slot;
    const other = isVar(b.l) ? b.r : isVar(b.r) ? b.l : undefined;
    if (!other || usesVar(other)) return undefined;
    return this.print(other);
  }
}

function usesVar(ir: Ir): boolean {
  return ir.k === 'var' || children(ir).some(usesVar);
}
