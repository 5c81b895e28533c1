#!/usr/bin/env bash
# Starts the services of the distributed pipeline, in dependency order, each idempotently:
#   kafka       Apache Kafka 4.3 (KRaft, single node)        127.0.0.1:19092 (controller 19093)
#   registry    Apicurio Registry 3.0 (Confluent API)        http://127.0.0.1:18081/apis/ccompat/v7
#   clickhouse  Debian's clickhouse-server 18.16             http://127.0.0.1:18123, native 19000
#   chdb-http   ClickHouse 26 (chdb) behind our HTTP front    http://127.0.0.1:18124
# Usage: bash infra/up.sh [SERVICE...]   (default: all; `npm run infra:up`)
# Writes .cache/infra/env (shell syntax) with the endpoints, for tests and services to source.
# Ports, heap sizes, timeouts: see infra/README.md.
set -euo pipefail
INFRA_NAME=infra
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$HERE/lib.sh"

all=(kafka registry clickhouse chdb-http)
want=("$@")
[ "${#want[@]}" -gt 0 ] || want=("${all[@]}")
for s in "${want[@]}"; do
  case " ${all[*]} " in *" $s "*) ;; *) die "unknown service '$s' (known: ${all[*]})" ;; esac
done
# The registry stores its state in Kafka.
case " ${want[*]} " in *" registry "*)
  [ "${TCPX_REGISTRY_STORAGE:-kafkasql}" = mem ] || case " ${want[*]} " in *" kafka "*) ;; *) want=(kafka "${want[@]}") ;; esac ;;
esac

start=$SECONDS
for s in "${all[@]}"; do
  case " ${want[*]} " in *" $s "*) ;; *) continue ;; esac
  t=$SECONDS
  bash "$HERE/$s/up.sh"
  log "$s ready in $((SECONDS - t)) s"
done

env_file="$TCPX_INFRA_DIR/env"
cat >"$env_file.tmp" <<ENV
# Written by infra/up.sh: endpoints of the local pipeline services (source this file).
TCPX_KAFKA_BROKERS=$TCPX_HOST:$TCPX_KAFKA_PORT
TCPX_SCHEMA_REGISTRY_URL=http://$TCPX_HOST:$TCPX_REGISTRY_PORT/apis/ccompat/v7
TCPX_CLICKHOUSE_URL=http://$TCPX_HOST:$TCPX_CLICKHOUSE_HTTP_PORT
TCPX_CLICKHOUSE_NATIVE=$TCPX_HOST:$TCPX_CLICKHOUSE_NATIVE_PORT
TCPX_CHDB_HTTP_URL=http://$TCPX_HOST:$TCPX_CHDB_HTTP_PORT
ENV
mv "$env_file.tmp" "$env_file"
log "all up in $((SECONDS - start)) s (${want[*]}); endpoints in $env_file:"
sed -n 's/^TCPX_/  TCPX_/p' "$env_file" >&2
