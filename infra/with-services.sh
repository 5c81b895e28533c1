#!/usr/bin/env bash
# Runs a command with the pipeline's services up, then stops the ones it started (a service that
# was already running stays running). The root `npm test` uses it so the suite starts Kafka, the
# registry and the ClickHouse servers once, not per test file, and leaves nothing behind.
# Usage: bash infra/with-services.sh [--services "kafka registry ..."] -- CMD [ARGS...]
set -uo pipefail
INFRA_NAME=with-services
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$HERE/lib.sh"

services=(kafka registry clickhouse chdb-http)
if [ "${1:-}" = --services ]; then
  read -r -a services <<<"$2"
  shift 2
fi
[ "${1:-}" = -- ] && shift
[ "$#" -gt 0 ] || die "usage: with-services.sh [--services \"kafka registry\"] -- CMD [ARGS...]"

# Where a Docker engine exists: the same services as containers (schemas/src/testing/containers.ts).
if [ "${TCPX_TEST_SERVICES:-}" = testcontainers ]; then
  exec node "$HERE/../schemas/dist/testing/containers-main.js" -- "$@"
fi

port_of() {
  case "$1" in
    kafka) echo "$TCPX_KAFKA_PORT" ;;
    registry) echo "$TCPX_REGISTRY_PORT" ;;
    clickhouse) echo "$TCPX_CLICKHOUSE_HTTP_PORT" ;;
    chdb-http) echo "${TCPX_CHDB_HTTP_PORT:-18124}" ;;
    *) die "unknown service $1" ;;
  esac
}

started=()
stop_started() {
  local i
  for ((i = ${#started[@]} - 1; i >= 0; i--)); do
    bash "$HERE/${started[i]}/down.sh" || log "stopping ${started[i]} failed"
  done
}
trap stop_started EXIT
trap 'exit 130' INT TERM

for s in "${services[@]}"; do
  if port_open "$TCPX_HOST" "$(port_of "$s")"; then
    log "$s already running: left as is"
    continue
  fi
  bash "$HERE/$s/up.sh" || die "$s did not start (logs in $TCPX_INFRA_LOGS)"
  started+=("$s")
done

"$@"
