#!/usr/bin/env bash
# Stops the chdb HTTP front started by infra/chdb-http/up.sh (SIGTERM: it finishes the requests in
# flight and closes the engine; SIGKILL after TCPX_CHDB_HTTP_STOP_GRACE seconds, default 20).
# Idempotent. Data stays in .cache/infra/chdb-http.
set -euo pipefail
INFRA_NAME=chdb-http
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib.sh
source "$HERE/../lib.sh"
stop_service chdb-http "$TCPX_INFRA_DIR/chdb-http/data" "${TCPX_CHDB_HTTP_STOP_GRACE:-20}"
