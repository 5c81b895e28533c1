#!/usr/bin/env bash
# Starts ClickHouse 26 over HTTP: the chdb engine (npm `chdb`, ClickHouse 26.x in process) behind
# tcpx's own front for ClickHouse's HTTP interface (services/store/src/chdb-http-server.ts), as a
# plain background process with its data under .cache/infra/chdb-http. The only modern ClickHouse
# reachable over HTTP on this machine; where a real server exists, point TCPX_CLICKHOUSE_URL at it.
# Needs the repository built (services/store/dist). Idempotent.
#
#   TCPX_CHDB_HTTP_PORT   HTTP port, default 18124
#   TCPX_INFRA_TIMEOUT    seconds to wait for health, default 120
set -euo pipefail
INFRA_NAME=chdb-http
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib.sh
source "$HERE/../lib.sh"

DATA_DIR="$TCPX_INFRA_DIR/chdb-http/data"
MARKER="$DATA_DIR"
MAIN="$TCPX_ROOT/services/store/dist/chdb-http-main.js"
TIMEOUT="${TCPX_INFRA_TIMEOUT:-120}"
URL="http://$TCPX_HOST:$TCPX_CHDB_HTTP_PORT"

sql() { curl -sS --max-time 20 --data-binary "$1" "$URL/"; }

# A real check: /ping answers "Ok." and a query runs in the engine.
healthy() {
  [ "$(curl -s --max-time 5 "$URL/ping")" = "Ok." ] || return 1
  sql "SELECT version()" | grep -qE '^[0-9]+\.[0-9]+'
}

need_cmd node "Node.js 20 or later, which runs the HTTP front"
apt_ensure curl:curl
[ -f "$MAIN" ] || die "$MAIN is missing: build the repository first (npm run build, or npx tsc -b)"

if pid="$(running_pid chdb-http "$MARKER")"; then
  log "already running (pid $pid); checking health"
  wait_healthy chdb-http "$MARKER" "$TIMEOUT" healthy
  log "up: $URL (ClickHouse $(sql 'SELECT version()') in chdb)"
  exit 0
fi

ensure_ports_free "$TCPX_CHDB_HTTP_PORT"
mkdir -p "$DATA_DIR"
log "starting chdb-http ($URL, data $DATA_DIR)"
start_bg chdb-http node "$MAIN" --path "$DATA_DIR" --host "$TCPX_HOST" --port "$TCPX_CHDB_HTTP_PORT"
wait_healthy chdb-http "$MARKER" "$TIMEOUT" healthy stop
log "up: $URL (ClickHouse $(sql 'SELECT version()') in chdb, pid $(cat "$(pidfile_of chdb-http)"))"
