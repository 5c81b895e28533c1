// Names and the compiled filter's other outputs: keywords (§5), unknown names, directives (§4.12),
// warnings (§8), parameters, columns and the published catalogue.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileKfl, KFL_FIELDS, KFL_KEYWORDS } from './index.js';
import { fixtureRow, HEALTHY, REFUSED, rejects, selects } from './testing/fixture-rows.js';

const [healthy, refused, on] = [HEALTHY, REFUSED, selects];

test('keywords (§5, binding decision 2): tcp is a TCP-level error, error an error object', () => {
  const rows = {
    closed: healthy,
    refused,
    unanswered: fixtureRow({}, { state: 'unanswered' }),
    synReceived: fixtureRow({}, { state: 'syn_received' }),
    reset: fixtureRow({}, { state: 'reset' }),
    closeWait: fixtureRow({}, { state: 'close_wait' }),
    lastAck: fixtureRow({}, { state: 'last_ack' }),
    established: fixtureRow({}, { state: 'established' }),
    midStream: fixtureRow({}, { state: 'mid_stream' }),
  };
  const pick = (filter: string) =>
    Object.entries(rows)
      .filter(([, r]) => on(filter, r))
      .map(([n]) => n);
  assert.deepEqual(pick('tcp'), ['refused', 'unanswered', 'reset', 'closeWait', 'lastAck']);
  assert.deepEqual(pick('error'), ['refused', 'unanswered', 'synReceived', 'reset', 'closeWait', 'lastAck']);
  assert.deepEqual(pick('error.type == "timeout"'), ['unanswered', 'synReceived']);
  assert.deepEqual(pick('error.msg == state'), pick('error'));
  assert.deepEqual(pick('tcp_error_type == "connection"'), pick('error.type == "connection"'));
  assert.deepEqual(
    pick('tcp_flow and flow and !udp_flow and !http and !dns and !icmp and !tls'),
    Object.keys(rows),
  );
  assert.equal(on('protocol == "TCP" and protocol.name == "tcp" and capture_source == "af_packet"'), true);
  assert.equal(
    on('node.name == "node-a" and node_name == "node-a" and node["name"] == "node-a" and worker == "node-a"'),
    true,
  );
  assert.equal(on('flow_state == "closed" and version == 1 and tcp_metrics["rst_count"] == 0'), true);
  rejects('tcp.state == "x"', 0, /unknown field 'tcp'/);
  rejects('HTTP', 0, /unknown field 'HTTP'/);
});

test('unknown names are errors that name the identifier and suggest', () => {
  rejects(
    'tcp_flow and tcp_metrics.rtt > 1000',
    13,
    /unknown field 'tcp_metrics\.rtt'.*tcp_metrics\.rtt_avg_us/,
  );
  rejects('src.ipp == "x"', 0, /unknown field 'src\.ipp'.*did you mean src\.ip/);
  rejects('src.ip.foo == 1', 'foo', /field 'src\.ip' has no member 'foo'/);
  rejects('dst.port.startswith("4")', 9, /unknown method 'startswith'.*startsWith/);
  rejects('lenght(src.ip) > 1', 0, /unknown function 'lenght'/);
  rejects('error(1)', 0, /'error' is not a function/);
  rejects('src.ip.json()', 7, /json\(\) is not supported/);
  rejects('x..y == 1', 0, /recursive descent/);
});

test('directives (§4.12): only top-level conjuncts, one limit, literal arguments', () => {
  const f = compileKfl('(tcp_flow and limit(5)) and redact("src.ip", "request.headers.Authorization")');
  assert.deepEqual(
    [f.limit, f.rlimit, [...f.redact], f.where],
    [5, undefined, ['src.ip', 'request.headers.Authorization'], '1'],
  );
  assert.equal(compileKfl('limit(0)').limit, 0);
  rejects('!limit(1)', 1, /query directive/);
  rejects('tcp_flow ? limit(1) : true', 11, /query directive/);
  rejects('limit(1) and rlimit(2)', 13, /only one limit\(\) or rlimit\(\)/);
  rejects('limit(-1)', 0, /one non-negative integer/);
  rejects('limit(1.5)', 0, /one non-negative integer/);
  rejects('redact()', 0, /at least one field path/);
  rejects('redact(src.ip)', 7, /field paths as strings/);
});

test('warnings (§8 items 2, 21, 22, 24)', () => {
  const w = (filter: string) => compileKfl(filter).warnings.join('\n');
  assert.match(w('a_b == 1 and tcp or tcp_flow'.replace('a_b', 'stream')), /'and' binds tighter than 'or'/);
  assert.match(w('!dst.namespace == "x"'), /'!' applies to the next operand only/);
  assert.match(w('src.pod.name == "frontend-.*"'), /compared literally.*r"frontend-\.\*"/);
  assert.match(w('tcp_metrics.retransmission_rate > 5'), /ratio between 0 and 1.*did you mean 0\.05/);
  assert.equal(w('tcp_metrics.retransmission_rate > 0.05 and (a_b or tcp)'.replace('a_b', 'tcp_flow')), '');
});

test('values reach SQL only as typed parameters; the prefix is configurable', () => {
  const f = compileKfl(
    'src.namespace == "pay\'ments" and dst.port == 18446744073709551615 and tcp_metrics.jitter_us > 2.5 and stream == -3 and src.namespace != "pay\'ments"',
    { paramPrefix: 'q' },
  );
  assert.deepEqual(f.params, { q_0: "pay'ments", q_1: 18446744073709551615n, q_2: '2.5', q_3: -3 });
  assert.match(f.where, /\{q_0:String\}.*\{q_1:UInt64\}.*\{q_2:Float64\}.*\{q_3:Int64\}/);
  assert.ok(!f.where.includes("pay'ments") && !f.where.includes('2.5') && !f.where.includes('1844674'));
  assert.throws(() => compileKfl('tcp', { paramPrefix: 'x;DROP' }), TypeError);
});

test('columns: what the filter reads, for the rollup decision', () => {
  const cols = (filter: string) => [...compileKfl(filter).columns].sort();
  assert.deepEqual(cols('tcp_flow and limit(3)'), []);
  assert.deepEqual(cols('dst.namespace == "x" and node.name == "n" or dst.service.name == "s"'), [
    'dst_namespace',
    'dst_service',
    'node',
  ]);
  assert.deepEqual(cols('dst.name == "x"'), ['dst_ip', 'dst_service']);
  assert.deepEqual(cols('error or tcp'), ['state']);
  assert.deepEqual(cols('timestamp > now() - duration("1h")'), ['start_time']);
});

test('KFL_FIELDS and KFL_KEYWORDS describe the catalogue', () => {
  const names = KFL_FIELDS.map((f) => f.name);
  assert.equal(new Set(names).size, names.length);
  const seed = KFL_FIELDS.filter((f) =>
    /^tcp_metrics\.(retransmission_rate|initial_rtt_us|goodput_bytes)$/.test(f.name),
  );
  assert.deepEqual(
    seed.map((f) => [f.name, f.type]),
    [
      ['tcp_metrics.retransmission_rate', 'float'],
      ['tcp_metrics.initial_rtt_us', 'int'],
      ['tcp_metrics.goodput_bytes', 'int'],
    ],
  );
  assert.ok(names.filter((n) => n.startsWith('tcp_metrics.')).length >= 24 + 17);
  assert.deepEqual(KFL_FIELDS.find((f) => f.name === 'node.name')?.aliases.slice(0, 2), [
    'node_name',
    'node_id',
  ]);
  for (const f of KFL_FIELDS) {
    assert.ok(f.description.length > 10, f.name);
    for (const name of [f.name, ...f.aliases])
      assert.doesNotThrow(
        () => compileKfl(f.type.startsWith('map') ? `size(${name}) == 0` : `${name} == ${name}`),
        name,
      );
  }
  assert.deepEqual(
    KFL_KEYWORDS.slice(0, 4).map((k) => k.name),
    ['tcp_flow', 'flow', 'tcp', 'error'],
  );
});
