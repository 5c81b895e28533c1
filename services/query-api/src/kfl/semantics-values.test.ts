// The typed semantics of kfl.md §4 on the in-process path (the SQL path is held to the same
// answers on real rows by kfl-chdb.test.ts): truthiness, null, equality and ordering across types,
// arithmetic, time, strings and regexes, membership.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { T0_US } from '@tcpx/store/fixtures';
import { compileKfl } from './index.js';
import { fixtureRow, HEALTHY, NOW_MS, REFUSED, rejects, selects } from './testing/fixture-rows.js';

const [healthy, refused, on] = [HEALTHY, REFUSED, selects];
const v6 = fixtureRow({}, { src: { ip: 'fd00::1', port: 40001 }, dst: { ip: 'fd00::2', port: 8086 } });
const where = (filter: string) => compileKfl(filter, { now: NOW_MS }).where;

test('an empty filter selects everything', () => {
  for (const text of ['', '   ', '// nothing\n']) {
    const f = compileKfl(text);
    assert.equal(f.where, '1');
    assert.deepEqual(f.params, {});
    assert.equal(f.matches(refused), true);
  }
});

test('truthiness (§4.3): numbers non-zero, text and lists non-empty, null false', () => {
  assert.equal(on('tcp_metrics.rst_count'), false);
  assert.equal(on('tcp_metrics.rst_count', refused), true);
  assert.equal(on('tcp_metrics.retransmission_rate'), false);
  assert.equal(on('dst.service.name'), true);
  assert.equal(on('src.service.name'), false);
  assert.equal(on('namespaces'), true);
  assert.equal(on('namespaces', refused), false);
  assert.equal(on('"abc" and 1 and 0.5'), true);
  assert.equal(on('0.0 or "" or nil or []'), false);
  assert.equal(on('!src.service.name'), true);
  assert.equal(on('error.type'), false);
  assert.equal(on('error.type', refused), true);
  rejects('timestamp', 0, /a timestamp is not a condition/);
  rejects('tcp_flow and duration("1h")', 13, /a duration is not a condition/);
});

test('null (§4.4): comparisons with null are false, != included, except == nil; ! flips them', () => {
  assert.equal(on('error.type == nil'), true);
  assert.equal(on('error.type != nil'), false);
  assert.equal(on('error.type != nil', refused), true);
  assert.equal(on('error.type == "connection"', refused), true);
  assert.equal(on('error.type != "timeout"'), false, 'null != x is false');
  assert.equal(on('!(error.type == "timeout")'), true);
  assert.equal(on('error == nil'), true);
  assert.equal(on('error != nil', refused), true);
  assert.equal(on('status_code == 0 or status_code != 0 or status_code < 1'), false);
  assert.equal(on('request.headers["x-id"] == nil and response.status == nil'), true);
  assert.equal(on('local_labels["app"] != "web"'), false);
  assert.equal(on('!(local_labels["app"] == "web")'), true);
  assert.equal(on('nil == null'), true);
  assert.equal(on('tcp_metrics.initial_rtt_us == 0', refused), true, 'unmeasured metrics read as 0');
  assert.equal(on('tcp_metrics.initial_rtt_us == nil', refused), false);
});

test('equality (§4.6): numbers by value, text × number coercion, bool × text, lists', () => {
  assert.equal(on('2 == 2.0 and dst.port == 443.0'), true);
  assert.equal(on('dst.port == "443"'), true);
  assert.equal(on('dst.port == "443.0" and dst.port == "4.43e2"'), true);
  assert.equal(on('dst.port == "https"'), false);
  assert.equal(on('dst.port != "https"'), true);
  assert.equal(on('"443" == dst.port'), true);
  assert.equal(on('evicted == "false" and !evicted'), true);
  assert.equal(on('id == ' + healthy.flow_id), true, 'the decimal id compares exactly as a 64-bit integer');
  assert.equal(on(`id == ${BigInt(healthy.flow_id) + 1n}`), false);
  assert.equal(on('namespaces == "payments" and namespaces != "other"'), true);
  assert.equal(on('namespaces != "other"', refused), false, 'a comparison with an empty list is false');
  assert.equal(on('namespaces == ["payments"] and services == ["api"]'), true);
  assert.equal(on('namespaces == []', refused), true);
  assert.equal(on('error == false and error != true'), true);
  rejects('evicted == 1', 8, /cannot compare a bool with an int/);
  rejects('timestamp == "2026-01-01"', 10, /cannot compare a timestamp with a string/);
});

test('ordering (§4.7): text by code point, text × number, any element of a list', () => {
  assert.equal(on('"b" < "ä"'), true);
  assert.equal(on('"\\uffff" < "\\U0001F600"'), true, 'code point order, not UTF-16 order');
  assert.equal(where('"\\uffff" < "\\U0001F600"'), '1');
  assert.equal(on('dst.service.name < "b" and dst.service.name >= "api"'), true);
  assert.equal(on('"500" > dst.port and dst.port > "50"'), true);
  assert.equal(on('dst.port < "abc" or dst.port > "abc"'), false);
  assert.equal(on('namespaces > "a"'), true);
  assert.equal(on('[1, 5] < [6, 7] and !([1, 9] < [6, 7])'), true, 'list × list: every pair');
  rejects('evicted < true', 8, /cannot order a bool/);
  rejects('dst.port < nil', 9, /nil has no order/);
});

test('arithmetic (§4.9): integer division truncates, % by integers, /0 makes the comparison false', () => {
  assert.equal(on('-7 / 2 == -3 and 7 / -2 == -3 and -7 % 2 == -1 and 7 % -2 == 1'), true);
  assert.equal(on('7 / 2.0 == 3.5 and 0.1 + 0.2 == 0.30000000000000004'), true);
  assert.equal(on('tcp_metrics.rst_count / 0 == 0 or tcp_metrics.rst_count / 0 != 0'), false);
  assert.equal(on('!(tcp_metrics.rst_count % 0 == 0)'), true);
  assert.equal(on('9223372036854775807 + 1 == -9223372036854775808'), true, 'Int64 wraps like ClickHouse');
  assert.equal(on('18446744073709551615 > 9223372036854775807'), true, 'UInt64 literals compare exactly');
  assert.equal(on('9007199254740993 != 9007199254740992'), true, 'beyond 2^53 stays exact');
  assert.equal(on('"a" + "b" == "ab" and -dst.port == -443'), true);
  assert.equal(on('(dst.port > 400 ? "big" : "small") == "big" and (false ? 1 : 2.5) == 2.5'), true);
  assert.equal(on('tcp_metrics.connection_completeness / 32 % 2 == 1', refused), true);
  rejects('5 % 2.0 == 1', 2, /% needs integers/);
  rejects('"a" - 1', 4, /cannot apply '-' to a string and an int/);
  rejects('-src.ip', 1, /cannot negate a string/);
  rejects('(true ? 1 : "a") == 1', 1, /different types \(int and string\)/);
});

test('time (§4.13): instants, durations, epoch-millisecond numbers, v1 helpers', () => {
  const startMs = T0_US / 1000;
  assert.equal(on(`timestamp == ${startMs} and timestamp >= ${startMs}.0`), true);
  assert.equal(on('timestamp == timestamp("2026-11-21T06:00:00Z")'), true);
  assert.equal(on('timestamp == timestamp("2026-11-21T07:00:00+01:00")'), true);
  assert.equal(on('timestamp > timestamp("2026-11-21T05:59:59.999999Z")'), true);
  assert.equal(
    on(
      'timestamp == datetime("11/21/2026, 6:00:00 AM") and timestamp < datetime("11/21/2026, 6:00:00.001 AM")',
    ),
    true,
  );
  assert.equal(on('timestamp >= now() - duration("1m") and timestamp < now()'), true);
  assert.equal(on('timestamp >= minutes(-1) and timestamp < seconds(-59)'), true);
  assert.equal(on('end_time - timestamp == duration("306181us")'), true);
  assert.equal(on('elapsed_time == 306181 and elapsedTime == elapsed_time'), true);
  assert.equal(on('duration("1h30m") == duration("90m") and duration("-1.5h") < duration("0")'), true);
  rejects('timestamp > datetime("oops")', '"oops"', /datetime\(\) needs text like/);
  rejects('timestamp > timestamp("2026-02-30T00:00:00Z")', '"2026', /RFC 3339/);
  rejects('timestamp > now() - duration("5 minutes")', '"5 minutes"', /Go duration text/);
  rejects('timestamp > timestamp(src.ip)', 'src.ip', /needs a constant string/);
});

test('strings and regexes (§4.8): anchored r"…" with ==, unanchored matches(), text of numbers', () => {
  assert.equal(on('dst.port == r"4.*"'), true);
  assert.equal(on('dst.port == r"4"'), false, '== r"…" is a full match');
  assert.equal(on('dst.port.matches("4")'), true, 'matches() searches');
  assert.equal(on('dst.port != r"4.*"'), false);
  assert.equal(
    on('src.ip == r"10\\.0\\.0\\.7" and dst.ip.matches("^10\\\\.")'),
    true,
    'IPv4 shows as a dotted quad',
  );
  assert.equal(on('src.ip == "fd00::1" and dst.ip.startsWith("fd00:")', v6), true);
  assert.equal(on('dst.service.name.matches("(?i)^API$")'), true);
  assert.equal(on('src.ip.startsWith(r"10\\.")'), false, 'r"…" outside ==/!= is raw text');
  assert.equal(on('dst.port.startsWith("44") and dst.port.endsWith(3) and dst.port.contains("4")'), true);
  assert.equal(on('error.msg.startsWith("")'), false, 'a null receiver gives false');
  assert.equal(on('namespaces.*.startsWith("pay") and services.*.matches("^a")'), true);
  assert.equal(
    on('size("ü😀") == 2 and size(namespaces) == 1 and size(local_labels) == 0 and "ab".size() == 2'),
    true,
  );
  rejects('src.ip.matches("(?=10)")', 15, /invalid regular expression.*lookaround/);
  rejects('src.ip == r"(a)\\1"', 10, /invalid regular expression.*backreferences/);
  rejects('src.ip.matches(dst.ip)', 15, /needs a constant string/);
  rejects('tcp_metrics.jitter_us == r"1.*"', 22, /a regular expression needs text.*float/);
  rejects('"a" in src.ip', 4, /not substrings: write x\.contains/);
});

test('membership (§4.8): lists and maps', () => {
  assert.equal(on('dst.port in [80, 443] and !(dst.port in [80, 8080]) and "443" in [dst.port]'), true);
  assert.equal(on('"payments" in namespaces and "api" in services and "api" in pods'), true);
  assert.equal(on('"app" in local_labels'), false);
  assert.equal(on('namespaces[0] == "payments" and namespaces[1] == nil and namespaces[-1] == nil'), true);
  assert.equal(on('map_get(local_labels, "app", "none") == "none"'), true);
  rejects('namespaces["x"] == 1', 11, /a list index is an integer/);
  rejects('1 in local_labels', 2, /map keys are strings/);
});
