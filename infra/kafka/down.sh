#!/usr/bin/env bash
# Stops the Kafka started by infra/kafka/up.sh (SIGTERM = controlled shutdown, SIGKILL after
# TCPX_KAFKA_STOP_GRACE seconds, default 30). Idempotent. Data stays in .cache/infra/kafka/data.
set -euo pipefail
INFRA_NAME=kafka
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib.sh
source "$HERE/../lib.sh"
stop_service kafka "$TCPX_INFRA_DIR/kafka/config/server.properties" "${TCPX_KAFKA_STOP_GRACE:-30}"
