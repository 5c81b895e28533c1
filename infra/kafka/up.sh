#!/usr/bin/env bash
# Starts a single-node Apache Kafka (KRaft: broker + controller in one JVM) from Maven Central jars.
# Idempotent: when it is already running it only checks its health.
#
#   TCPX_KAFKA_PORT             broker (PLAINTEXT) port, default 19092
#   TCPX_KAFKA_CONTROLLER_PORT  KRaft controller port, default 19093
#   TCPX_KAFKA_PARTITIONS       default partition count for new topics, default 4
#   TCPX_KAFKA_HEAP             JVM heap, default 1g
#   TCPX_HOST                   bind/advertised address, default 127.0.0.1
#   TCPX_INFRA_TIMEOUT          seconds to wait for health, default 120
#
# Files: .cache/infra/kafka/{lib,config,data}, logs in .cache/infra/logs/kafka.{log,out},
# pid in .cache/infra/run/kafka.pid.
set -euo pipefail
INFRA_NAME=kafka
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib.sh
source "$HERE/../lib.sh"

KAFKA_HOME="$TCPX_INFRA_DIR/kafka"
LIB="$KAFKA_HOME/lib"
CONF_DIR="$KAFKA_HOME/config"
DATA_DIR="$KAFKA_HOME/data"
SERVER_PROPS="$CONF_DIR/server.properties"
# Fixed cluster id (base64url of the 16 bytes "tcpx-kafka-dev01"): the data dir is formatted once.
CLUSTER_ID="dGNweC1rYWZrYS1kZXYwMQ"
MARKER="$SERVER_PROPS"
HEALTH_TOPIC="__tcpx_healthcheck"
TIMEOUT="${TCPX_INFRA_TIMEOUT:-120}"
BOOTSTRAP="$TCPX_HOST:$TCPX_KAFKA_PORT"

ensure_java_maven

# CLI JVMs are short-lived: C1 only and the serial GC start about twice as fast.
topics() {
  timeout 60 java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx256m -cp "$LIB/*" \
    -Dlog4j2.configurationFile="$CONF_DIR/log4j2-cli.properties" \
    org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" "$@"
}

# A real check: the broker port accepts connections, the broker answers a metadata request
# (describe) for the health topic and that topic has a live leader; on a new cluster the
# controller first creates the topic (idempotently).
has_leader() {
  local out
  out="$(topics --describe --topic "$HEALTH_TOPIC" 2>/dev/null)" || return 1
  grep -qE 'Leader: [0-9]+' <<<"$out"
}
healthy() {
  port_open "$TCPX_HOST" "$TCPX_KAFKA_PORT" || return 1
  has_leader && return 0
  topics --create --if-not-exists --topic "$HEALTH_TOPIC" --partitions 1 --replication-factor 1 >/dev/null 2>&1 || return 1
  has_leader
}

write_config() {
  mkdir -p "$CONF_DIR" "$DATA_DIR"
  HOST="$TCPX_HOST" BROKER_PORT="$TCPX_KAFKA_PORT" CONTROLLER_PORT="$TCPX_KAFKA_CONTROLLER_PORT" \
    DATA_DIR="$DATA_DIR" PARTITIONS="${TCPX_KAFKA_PARTITIONS:-4}" \
    render "$HERE/server.properties.template" "$SERVER_PROPS"
  LOG_FILE="$(logfile_of kafka)" render "$HERE/log4j2.properties.template" "$CONF_DIR/log4j2.properties"
  # CLI tools (health check, infra/kafka/cli.sh) log warnings only, to stderr.
  cat >"$CONF_DIR/log4j2-cli.properties" <<'EOF'
status = warn
appender.err.type = Console
appender.err.name = STDERR
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.err.ref = STDERR
EOF
}

format_storage() {
  if [ -f "$DATA_DIR/meta.properties" ]; then
    local have
    have="$(sed -n 's/^cluster.id=//p' "$DATA_DIR/meta.properties")"
    [ "$have" = "$CLUSTER_ID" ] ||
      die "$DATA_DIR is formatted for cluster '$have', not '$CLUSTER_ID'; delete $KAFKA_HOME/data to start over"
    return 0
  fi
  log "formatting storage (cluster id $CLUSTER_ID)"
  java -Xmx256m -cp "$LIB/*" -Dlog4j2.configurationFile="$CONF_DIR/log4j2-cli.properties" \
    kafka.tools.StorageTool format --cluster-id "$CLUSTER_ID" --config "$SERVER_PROPS" --ignore-formatted \
    >>"$TCPX_INFRA_LOGS/kafka.out" 2>&1 || { show_log_tail kafka 20; die "kafka-storage format failed"; }
}

if pid="$(running_pid kafka "$MARKER")"; then
  log "already running (pid $pid); checking health"
  wait_healthy kafka "$MARKER" "$TIMEOUT" healthy
  log "up: bootstrap $BOOTSTRAP"
  exit 0
fi

ensure_ports_free "$TCPX_KAFKA_PORT" "$TCPX_KAFKA_CONTROLLER_PORT"
mvn_fetch "$HERE/pom.xml" "$LIB"
write_config
format_storage

log "starting (broker $BOOTSTRAP, controller $TCPX_HOST:$TCPX_KAFKA_CONTROLLER_PORT)"
heap="${TCPX_KAFKA_HEAP:-1g}"
# C1 only (TieredStopAtLevel=1): on this 2-core machine the broker's C2 compiler threads took
# 0.25-2.3 CPU s of every 1.2 M-summary replay, even the tenth, from the cores the edge and the
# processor need; with C1 the whole broker takes 0.65-0.85 s. A big broker host can drop it:
# TCPX_KAFKA_JVM_OPTS=-XX:TieredStopAtLevel=4 (the later flag wins).
start_bg kafka java -Xms256m -Xmx"$heap" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:TieredStopAtLevel=1 \
  ${TCPX_KAFKA_JVM_OPTS:-} -Djava.awt.headless=true \
  -Dlog4j2.configurationFile="$CONF_DIR/log4j2.properties" -Dkafka.logs.dir="$TCPX_INFRA_LOGS" \
  -cp "$LIB/*" kafka.Kafka "$SERVER_PROPS"
wait_healthy kafka "$MARKER" "$TIMEOUT" healthy stop
log "up: bootstrap $BOOTSTRAP (pid $(cat "$(pidfile_of kafka)"))"
