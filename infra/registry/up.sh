#!/usr/bin/env bash
# Starts a Confluent-API-compatible schema registry: Apicurio Registry (Maven Central), its
# Confluent API at http://127.0.0.1:$TCPX_REGISTRY_PORT/apis/ccompat/v7, storing its state in the
# Kafka of infra/kafka (start that first; infra/up.sh does). Idempotent.
#
#   TCPX_REGISTRY_PORT     HTTP port, default 18081
#   TCPX_REGISTRY_STORAGE  kafkasql (default: durable, in Kafka) | mem (in-memory H2, no Kafka)
#   TCPX_REGISTRY_HEAP     JVM heap, default 512m
#   TCPX_KAFKA_PORT        Kafka broker port, default 19092
#   TCPX_INFRA_TIMEOUT     seconds to wait for health, default 120
set -euo pipefail
INFRA_NAME=registry
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib.sh
source "$HERE/../lib.sh"

REG_HOME="$TCPX_INFRA_DIR/registry"
DIST="$REG_HOME/dist"
APP="$REG_HOME/app"
APICURIO_VERSION="$(sed -n 's:.*<apicurio.version>\(.*\)</apicurio.version>.*:\1:p' "$HERE/pom.xml")"
RUNNER="$APP/apicurio-registry-app-$APICURIO_VERSION-runner.jar"
MARKER="$RUNNER"
TIMEOUT="${TCPX_INFRA_TIMEOUT:-120}"
BASE="http://$TCPX_HOST:$TCPX_REGISTRY_PORT/apis/ccompat/v7"
CT='Content-Type: application/vnd.schemaregistry.v1+json'
HEALTH_SUBJECT="__tcpx_healthcheck-value"

case "${TCPX_REGISTRY_STORAGE:-kafkasql}" in
  kafkasql) STORAGE_KIND=kafkasql ;;
  mem) STORAGE_KIND=sql ;;
  *) die "TCPX_REGISTRY_STORAGE must be kafkasql or mem" ;;
esac

ensure_java_maven
apt_ensure curl:curl

# A real check: the Confluent API lists subjects (200), registers a small protobuf schema under a
# throwaway subject, reads it back, then deletes it (soft, then permanently).
healthy() {
  local code body id got
  code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$BASE/subjects")" || return 1
  [ "$code" = 200 ] || return 1
  body='{"schemaType":"PROTOBUF","schema":"syntax = \"proto3\";\npackage tcpx.healthcheck;\nmessage Ping {\n  string id = 1;\n  int64 ts_us = 2;\n}\n"}'
  id="$(curl -sf --max-time 20 -H "$CT" -X POST --data "$body" "$BASE/subjects/$HEALTH_SUBJECT/versions")" || return 1
  [[ "$id" =~ \"id\":[0-9]+ ]] || return 1
  got="$(curl -sf --max-time 10 "$BASE/subjects/$HEALTH_SUBJECT/versions/latest")" || return 1
  grep -q 'tcpx.healthcheck' <<<"$got" || return 1
  curl -sf --max-time 10 -X DELETE "$BASE/subjects/$HEALTH_SUBJECT" >/dev/null || return 1
  curl -sf --max-time 10 -X DELETE "$BASE/subjects/$HEALTH_SUBJECT?permanent=true" >/dev/null || return 1
}

need_kafka() {
  if [ "$STORAGE_KIND" = kafkasql ] && ! port_open "$TCPX_HOST" "$TCPX_KAFKA_PORT"; then
    die "Kafka is not listening on $TCPX_HOST:$TCPX_KAFKA_PORT and the registry stores its state there: run infra/kafka/up.sh first (or TCPX_REGISTRY_STORAGE=mem)"
  fi
}

if pid="$(running_pid registry "$MARKER")"; then
  log "already running (pid $pid); checking health"
  need_kafka
  wait_healthy registry "$MARKER" "$TIMEOUT" healthy
  log "up: $BASE"
  exit 0
fi

need_kafka
ensure_ports_free "$TCPX_REGISTRY_PORT"

mvn_fetch "$HERE/pom.xml" "$DIST" dependency:copy
if ! [ -f "$RUNNER" ] || ! [ -f "$APP/.from" ] || [ "$(cat "$APP/.from")" != "$(cat "$DIST/.pom.sha256")" ]; then
  log "unpacking Apicurio Registry $APICURIO_VERSION"
  rm -rf "$APP" "$APP.tmp"
  mkdir -p "$APP.tmp"
  tar -xzf "$DIST"/apicurio-registry-app-*-all.tar.gz -C "$APP.tmp"
  [ -f "$APP.tmp/$(basename "$RUNNER")" ] || die "no $(basename "$RUNNER") in the distribution"
  cp "$DIST/.pom.sha256" "$APP.tmp/.from"
  mv "$APP.tmp" "$APP"
fi

# Quarkus reads ./config/application.properties: the process runs with $REG_HOME as its cwd.
mkdir -p "$REG_HOME/config" "$REG_HOME/tmp"
HOST="$TCPX_HOST" PORT="$TCPX_REGISTRY_PORT" STORAGE_KIND="$STORAGE_KIND" \
  KAFKA_BOOTSTRAP="$TCPX_HOST:$TCPX_KAFKA_PORT" LOG_FILE="$(logfile_of registry)" \
  render "$HERE/application.properties.template" "$REG_HOME/config/application.properties"

log "starting Apicurio Registry $APICURIO_VERSION (storage: $STORAGE_KIND) on $TCPX_HOST:$TCPX_REGISTRY_PORT"
cd "$REG_HOME"
# C1 only, as for Kafka (infra/kafka/up.sh): the registry's work is a few lookups per client start.
start_bg registry java -Xms128m -Xmx"${TCPX_REGISTRY_HEAP:-512m}" -XX:TieredStopAtLevel=1 \
  ${TCPX_REGISTRY_JVM_OPTS:-} -Djava.awt.headless=true \
  -Djava.io.tmpdir="$REG_HOME/tmp" -jar "$RUNNER"
wait_healthy registry "$MARKER" "$TIMEOUT" healthy stop
log "up: $BASE (pid $(cat "$(pidfile_of registry)"))"
