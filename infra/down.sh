#!/usr/bin/env bash
# Stops the services of infra/up.sh in reverse dependency order. Idempotent; data stays in
# .cache/infra (delete that directory for a clean slate).
# Usage: bash infra/down.sh [SERVICE...]   (default: all; `npm run infra:down`)
set -uo pipefail
INFRA_NAME=infra
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$HERE/lib.sh"

all=(chdb-http clickhouse registry kafka)
want=("$@")
[ "${#want[@]}" -gt 0 ] || want=("${all[@]}")
failed=()
for s in "${all[@]}"; do
  case " ${want[*]} " in *" $s "*) ;; *) continue ;; esac
  bash "$HERE/$s/down.sh" || failed+=("$s")
done
[ "${#failed[@]}" -eq 0 ] || die "could not stop: ${failed[*]}"
log "all down (${want[*]})"
