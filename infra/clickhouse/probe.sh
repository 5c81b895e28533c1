#!/usr/bin/env bash
# Probes a running ClickHouse HTTP endpoint for the SQL features tcpx's (modern) dialect uses and
# prints a markdown table: feature | works? | evidence (result or the server's error).
# Default target: the private server of infra/clickhouse/up.sh. Uses and drops database tcpx_probe.
#   bash infra/clickhouse/probe.sh [http://127.0.0.1:18123]
set -uo pipefail
INFRA_NAME=clickhouse-probe
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib.sh
source "$HERE/../lib.sh"
URL="${1:-http://$TCPX_HOST:$TCPX_CLICKHOUSE_HTTP_PORT}"
[ "$(curl -s --max-time 5 "$URL/ping")" = "Ok." ] || die "no ClickHouse at $URL (run infra/clickhouse/up.sh)"

# q SQL [extra curl args...]: run one statement; prints the body; status 1 on an HTTP error.
q() {
  local sql="$1"; shift
  local out code
  out="$(curl -s --max-time 30 -w '\n%{http_code}' --data-binary "$sql" "$@" "$URL/?database=tcpx_probe${QS:-}")"
  code="${out##*$'\n'}"
  out="${out%$'\n'*}"
  printf '%s' "$out"
  [ "$code" = 200 ]
}
first_line() { tr '\n' ' ' | sed -E 's/ +/ /g; s/\|/\\|/g' | cut -c1-160; }

rows=()
# check NAME EXPECTED_REGEX SQL... : every SQL must succeed, the last one's output must match.
check() {
  local name="$1" want="$2" out="" ok=yes sql
  shift 2
  for sql in "$@"; do
    if ! out="$(q "$sql")"; then ok=no; break; fi
  done
  if [ "$ok" = yes ] && ! grep -qE -- "$want" <<<"$out"; then ok=no; out="unexpected result: $out"; fi
  rows+=("| $name | $ok | $(first_line <<<"$out") |")
}

curl -s --data-binary "DROP DATABASE IF EXISTS tcpx_probe" "$URL/" >/dev/null
curl -s --data-binary "CREATE DATABASE tcpx_probe" "$URL/" >/dev/null
version="$(q 'SELECT version()')"

# Query parameters over HTTP: {name:Type} placeholders bound from param_name URL arguments.
out="$(curl -s --max-time 30 -G "$URL/" --data-urlencode 'query=SELECT {port:UInt16} + 1' --data-urlencode 'param_port=443')"
grep -q '^444' <<<"$out" && r=yes || r=no
rows+=("| query parameters \`{port:UInt16}\` + \`param_port=\` over HTTP | $r | $(first_line <<<"$out") |")

check "DateTime64(6) value" '2026' \
  "SELECT toDateTime64('2026-01-01 00:00:00.123456', 6)"
check "DateTime64(6, 'UTC') column" '123456' \
  "CREATE TABLE dt64 (t DateTime64(6, 'UTC')) ENGINE = MergeTree ORDER BY t" \
  "INSERT INTO dt64 VALUES ('2026-01-01 00:00:00.123456')" \
  "SELECT t FROM dt64"
check "DateTime('UTC') column (second precision)" '2026-01-01 00:00:01' \
  "CREATE TABLE dt (t DateTime('UTC'), us UInt32) ENGINE = MergeTree ORDER BY t" \
  "INSERT INTO dt VALUES ('2026-01-01 00:00:01', 123456)" \
  "SELECT t, us FROM dt"
check "table TTL (\`TTL t + INTERVAL 7 DAY\`)" '^1$' \
  "CREATE TABLE ttl_t (t DateTime, v UInt32) ENGINE = MergeTree ORDER BY t TTL t + INTERVAL 7 DAY" \
  "INSERT INTO ttl_t VALUES (now(), 1)" \
  "SELECT count() FROM ttl_t"
check "column TTL" '^1$' \
  "CREATE TABLE ttl_c (t DateTime, v UInt32 TTL t + INTERVAL 1 DAY) ENGINE = MergeTree ORDER BY t" \
  "INSERT INTO ttl_c VALUES (now(), 1)" \
  "SELECT count() FROM ttl_c"
check "ReplacingMergeTree(ver) + PARTITION BY + FINAL" $'^a\t2$' \
  "CREATE TABLE rmt (d Date, k String, ver UInt64) ENGINE = ReplacingMergeTree(ver) PARTITION BY toYYYYMM(d) ORDER BY k" \
  "INSERT INTO rmt VALUES (today(), 'a', 1)" \
  "INSERT INTO rmt VALUES (today(), 'a', 2)" \
  "SELECT k, ver FROM rmt FINAL"
check "LowCardinality(String) (no setting)" '^x$' \
  "CREATE TABLE lc (k LowCardinality(String)) ENGINE = MergeTree ORDER BY tuple()" \
  "INSERT INTO lc VALUES ('x')" \
  "SELECT k FROM lc"
out="$(curl -s --max-time 30 --data-binary "CREATE TABLE lc3 (k LowCardinality(String)) ENGINE = MergeTree ORDER BY tuple()" "$URL/?database=tcpx_probe&allow_experimental_low_cardinality_type=1")"
curl -s --data-binary "INSERT INTO lc3 VALUES ('y')" "$URL/?database=tcpx_probe" >/dev/null
out2="$(curl -s --data-binary "SELECT k, toTypeName(k) FROM lc3" "$URL/?database=tcpx_probe")"
grep -q '^y' <<<"$out2" && r=yes || r=no
rows+=("| LowCardinality(String) with allow_experimental_low_cardinality_type=1 | $r | $(first_line <<<"$out$out2") |")

check "AggregatingMergeTree + MATERIALIZED VIEW ... TO + quantilesState/quantilesMerge" '^a' \
  "CREATE TABLE src (k String, v UInt32) ENGINE = MergeTree ORDER BY k" \
  "CREATE TABLE agg (k String, q AggregateFunction(quantiles(0.5, 0.99), UInt32), n AggregateFunction(count)) ENGINE = AggregatingMergeTree ORDER BY k" \
  "CREATE MATERIALIZED VIEW mv TO agg AS SELECT k, quantilesState(0.5, 0.99)(v) AS q, countState() AS n FROM src GROUP BY k" \
  "INSERT INTO src SELECT 'a', toUInt32(number) FROM system.numbers LIMIT 1000" \
  "SELECT k, quantilesMerge(0.5, 0.99)(q), countMerge(n) FROM agg GROUP BY k"
check "MATERIALIZED VIEW with inner engine + quantileTDigestState" '^a' \
  "CREATE MATERIALIZED VIEW mv2 ENGINE = AggregatingMergeTree ORDER BY k AS SELECT k, quantileTDigestState(0.99)(v) AS q FROM src GROUP BY k" \
  "INSERT INTO src SELECT 'a', toUInt32(number) FROM system.numbers LIMIT 1000" \
  "SELECT k, quantileTDigestMerge(0.99)(q) FROM mv2 GROUP BY k"
check "SimpleAggregateFunction(max, UInt64)" '^a' \
  "CREATE TABLE saf (k String, m SimpleAggregateFunction(max, UInt64)) ENGINE = AggregatingMergeTree ORDER BY k" \
  "INSERT INTO saf VALUES ('a', 3)" \
  "SELECT k, max(m) FROM saf GROUP BY k"
check "IPv4 / IPv6 column types" '10.0.0.1' \
  "CREATE TABLE ip (a IPv4, b IPv6) ENGINE = MergeTree ORDER BY a" \
  "INSERT INTO ip VALUES ('10.0.0.1', '::1')" \
  "SELECT a, b FROM ip"
check "column CODEC(Delta, ZSTD)" '^1$' \
  "CREATE TABLE codec (t UInt64 CODEC(Delta, ZSTD)) ENGINE = MergeTree ORDER BY t" \
  "INSERT INTO codec VALUES (1)" \
  "SELECT t FROM codec"
check "Map(String, UInt64)" 'a' \
  "SELECT map('a', 1)"
check "Bool" 'true' \
  "SELECT CAST(1, 'Bool')"
check "Nullable, Array, Tuple, Enum8, UUID" '^1' \
  "CREATE TABLE misc (n Nullable(UInt32), a Array(UInt16), t Tuple(UInt8, String), e Enum8('syn' = 1, 'fin' = 2), u UUID) ENGINE = MergeTree ORDER BY tuple()" \
  "INSERT INTO misc VALUES (NULL, [1,2], (1,'x'), 'fin', '61f0c404-5cb3-11e7-907b-a6006ad3dba0')" \
  "SELECT count() FROM misc"
QS="&input_format_skip_unknown_fields=1" check "INSERT ... FORMAT JSONEachRow over HTTP (+ input_format_skip_unknown_fields=1)" '^2$' \
  "CREATE TABLE js (k String, v UInt32) ENGINE = MergeTree ORDER BY k" \
  $'INSERT INTO js FORMAT JSONEachRow {"k":"a","v":1,"extra":true}\n{"k":"b","v":2}' \
  "SELECT count() FROM js"
check "SELECT ... FORMAT JSONEachRow / JSONCompact" '"k"' \
  "SELECT k, v FROM js ORDER BY k FORMAT JSONEachRow"
check "ALTER TABLE ... DELETE / UPDATE (mutations)" '^0$' \
  "ALTER TABLE js DELETE WHERE k = 'a'" \
  "ALTER TABLE js UPDATE v = 0 WHERE k = 'b'" \
  "SELECT sleep(1)" \
  "SELECT sum(v) FROM js"
check "Kafka table engine (librdkafka) exists" 'Kafka' \
  "SELECT name FROM system.table_engines WHERE name = 'Kafka'"
check "Protobuf input/output format (format_schema)" 'Protobuf' \
  "SELECT name FROM system.formats WHERE name = 'Protobuf'"

curl -s --data-binary "DROP DATABASE IF EXISTS tcpx_probe" "$URL/" >/dev/null

echo "ClickHouse $version at $URL"
echo
echo "| feature | works | result or error (first 160 chars) |"
echo "| --- | --- | --- |"
printf '%s\n' "${rows[@]}"
