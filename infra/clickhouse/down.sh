#!/usr/bin/env bash
# Stops the ClickHouse server started by infra/clickhouse/up.sh (SIGTERM, SIGKILL after
# TCPX_CLICKHOUSE_STOP_GRACE seconds, default 30). Idempotent. Data stays in .cache/infra/clickhouse.
set -euo pipefail
INFRA_NAME=clickhouse
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib.sh
source "$HERE/../lib.sh"
stop_service clickhouse "$TCPX_INFRA_DIR/clickhouse/config/config.xml" "${TCPX_CLICKHOUSE_STOP_GRACE:-30}"
