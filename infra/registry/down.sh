#!/usr/bin/env bash
# Stops the schema registry started by infra/registry/up.sh (SIGTERM, SIGKILL after
# TCPX_REGISTRY_STOP_GRACE seconds, default 20). Idempotent. Its state stays in Kafka.
set -euo pipefail
INFRA_NAME=registry
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib.sh
source "$HERE/../lib.sh"
stop_service registry "$TCPX_INFRA_DIR/registry/app/apicurio-registry-app-" "${TCPX_REGISTRY_STOP_GRACE:-20}"
