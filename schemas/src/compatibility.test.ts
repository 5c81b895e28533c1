import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { checkProtoDirs } from './check-compatibility.js';
import { BASELINE_DIR, PROTO_FILES, readProto } from './proto-files.js';

/** A proto dir holding the current files with one edit applied to `file`. */
function edited(file: string, from: string, to: string): string {
  const dir = `${mkdtempSync(join(tmpdir(), 'tcpx-proto-'))}/`;
  for (const f of PROTO_FILES) {
    const text = readProto(f);
    if (f === file) assert.ok(text.includes(from), `${from} not in ${f}`);
    writeFileSync(dir + f, f === file ? text.replace(from, to) : text);
  }
  return dir;
}

const rules = (dir: string) => checkProtoDirs(dir, BASELINE_DIR).map((v) => v.rule);

describe('schema compatibility against schemas/proto/baseline', () => {
  it('accepts the current .proto files (this is what makes an incompatible edit fail npm test)', () => {
    assert.deepEqual(checkProtoDirs(), []);
  });

  it('rejects changing a field type: uint32 seq = 8 to string seq = 8', () => {
    assert.deepEqual(rules(edited('packet_summary.proto', 'uint32 seq = 8;', 'string seq = 8;')), [
      'FIELD_TYPE_CHANGED',
    ]);
  });

  it('accepts adding a field', () => {
    const dir = edited(
      'packet_summary.proto',
      'uint64 frame_number = 21;',
      'uint64 frame_number = 21;\n  uint32 vlan = 22;',
    );
    assert.deepEqual(rules(dir), []);
  });

  it('rejects removing a field unless its number is reserved', () => {
    assert.deepEqual(rules(edited('packet_summary.proto', 'uint32 ack = 9;', '')), ['FIELD_REMOVED']);
    assert.deepEqual(
      rules(edited('packet_summary.proto', 'uint32 ack = 9;', 'reserved 9;\n  reserved "ack";')),
      [],
    );
  });

  it('rejects label changes, renames, reserved reuse, removed messages, enum values and package', () => {
    const cases: [string, string, string, string][] = [
      [
        'tcp_flow.proto',
        'optional double rtt_min_us = 19;',
        'double rtt_min_us = 19;',
        'FIELD_LABEL_CHANGED',
      ],
      [
        'packet_summary.proto',
        'repeated fixed32 sack_blocks = 16;',
        'fixed32 sack_blocks = 16;',
        'FIELD_LABEL_CHANGED',
      ],
      ['tcp_flow.proto', 'string flow_id = 11;', 'string flow_key = 11;', 'FIELD_RENAMED'],
      ['packet_summary.proto', 'message PacketSummaryBatch {', 'message PacketBatch {', 'MESSAGE_REMOVED'],
      ['tcp_flow.proto', '  SEVERITY_CRITICAL = 3;\n', '', 'ENUM_VALUE_REMOVED'],
      ['packet_summary.proto', 'package tcpx.v1;', 'package tcpx.v2;', 'PACKAGE_CHANGED'],
    ];
    for (const [file, from, to, rule] of cases) {
      assert.ok(rules(edited(file, from, to)).includes(rule), `${from} -> ${to} should break ${rule}`);
    }
    const reused = edited('packet_summary.proto', 'uint32 ack = 9;', 'reserved 9;\n  uint32 ack2 = 9;');
    assert.deepEqual(rules(reused), ['INVALID_PROTO']); // protobufjs refuses it while parsing
    const reusedName = edited(
      'packet_summary.proto',
      'uint32 ack = 9;',
      'reserved 9;\n  reserved "ack";\n  uint32 ack = 30;',
    );
    assert.deepEqual(rules(reusedName), ['INVALID_PROTO']);
  });
});
