#!/usr/bin/env bash
# Starts a private ClickHouse server: Debian's clickhouse-server (18.16, the only server package
# the allowed registries have), installed with apt-get when missing, run as a plain background
# process (no systemd) with its own config, data and logs under .cache/infra. Idempotent.
# What 18.16 can and cannot do for tcpx's dialect: infra/README.md (probe: infra/clickhouse/probe.sh).
#
#   TCPX_CLICKHOUSE_HTTP_PORT         HTTP port, default 18123
#   TCPX_CLICKHOUSE_NATIVE_PORT       native (TCP) port, default 19000
#   TCPX_CLICKHOUSE_INTERSERVER_PORT  interserver port, default 19009
#   TCPX_INFRA_TIMEOUT                seconds to wait for health, default 120
set -euo pipefail
INFRA_NAME=clickhouse
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib.sh
source "$HERE/../lib.sh"

CH_HOME="$TCPX_INFRA_DIR/clickhouse"
CONF_DIR="$CH_HOME/config"
DATA_DIR="$CH_HOME/data"
CONFIG="$CONF_DIR/config.xml"
MARKER="$CONFIG"
TIMEOUT="${TCPX_INFRA_TIMEOUT:-120}"
URL="http://$TCPX_HOST:$TCPX_CLICKHOUSE_HTTP_PORT"
SERVER_BIN=/usr/sbin/clickhouse-server

install_server() {
  [ -x "$SERVER_BIN" ] && return 0
  # The package's postinst runs `invoke-rc.d clickhouse-server start`, which would start the
  # system instance (ports 8123/9000, /var/lib/clickhouse). A policy-rc.d that answers 101
  # ("action forbidden") stops that; an existing one is left as it is.
  local policy=/usr/sbin/policy-rc.d added=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# temporary, from tcpx infra/clickhouse/up.sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    added=1
  fi
  local rc=0
  apt_ensure clickhouse-server:clickhouse-server clickhouse-client:clickhouse-client || rc=$?
  [ -n "$added" ] && rm -f "$policy"
  [ "$rc" -eq 0 ] || exit "$rc"
  [ -x "$SERVER_BIN" ] || die "clickhouse-server installed but $SERVER_BIN is missing"
}

sql() { curl -sS --max-time 20 --data-binary "$1" "$URL/"; }

# A real check: /ping answers "Ok." and a query runs.
healthy() {
  [ "$(curl -s --max-time 5 "$URL/ping")" = "Ok." ] || return 1
  sql "SELECT version()" | grep -qE '^[0-9]+\.[0-9]+'
}

apt_ensure curl:curl
install_server

if pid="$(running_pid clickhouse "$MARKER")"; then
  log "already running (pid $pid); checking health"
  wait_healthy clickhouse "$MARKER" "$TIMEOUT" healthy
  log "up: $URL (server $(sql 'SELECT version()'))"
  exit 0
fi

ensure_ports_free "$TCPX_CLICKHOUSE_HTTP_PORT" "$TCPX_CLICKHOUSE_NATIVE_PORT" "$TCPX_CLICKHOUSE_INTERSERVER_PORT"
mkdir -p "$CONF_DIR" "$DATA_DIR"/{tmp,user_files,format_schemas}
HOST="$TCPX_HOST" HTTP_PORT="$TCPX_CLICKHOUSE_HTTP_PORT" NATIVE_PORT="$TCPX_CLICKHOUSE_NATIVE_PORT" \
  INTERSERVER_PORT="$TCPX_CLICKHOUSE_INTERSERVER_PORT" DATA_DIR="$DATA_DIR" LOG_DIR="$TCPX_INFRA_LOGS" \
  render "$HERE/config.xml.template" "$CONFIG"
cp "$HERE/users.xml" "$CONF_DIR/users.xml"

log "starting clickhouse-server (http $URL, native $TCPX_HOST:$TCPX_CLICKHOUSE_NATIVE_PORT)"
# The server resolves relative paths and writes preprocessed configs next to its config file.
cd "$CONF_DIR"
start_bg clickhouse "$SERVER_BIN" --config-file="$CONFIG"
wait_healthy clickhouse "$MARKER" "$TIMEOUT" healthy stop
log "up: $URL (server $(sql 'SELECT version()'), pid $(cat "$(pidfile_of clickhouse)"))"
