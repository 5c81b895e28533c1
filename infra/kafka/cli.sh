#!/usr/bin/env bash
# Runs a Kafka CLI tool from the jars infra/kafka/up.sh fetched, against the local broker.
#   bash infra/kafka/cli.sh topics --list
#   bash infra/kafka/cli.sh topics --create --topic x --partitions 4
#   bash infra/kafka/cli.sh console-producer --topic x
#   bash infra/kafka/cli.sh console-consumer --topic x --from-beginning --max-messages 10
#   bash infra/kafka/cli.sh consumer-groups --list
# --bootstrap-server is added unless given.
set -euo pipefail
INFRA_NAME=kafka-cli
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib.sh
source "$HERE/../lib.sh"
LIB="$TCPX_INFRA_DIR/kafka/lib"
[ -d "$LIB" ] || die "no Kafka jars in $LIB: run infra/kafka/up.sh first"
[ $# -ge 1 ] || die "usage: cli.sh topics|console-producer|console-consumer|consumer-groups|configs ARGS..."
tool="$1"; shift
case "$tool" in
  topics) cls=org.apache.kafka.tools.TopicCommand ;;
  console-producer) cls=org.apache.kafka.tools.ConsoleProducer ;;
  console-consumer) cls=org.apache.kafka.tools.consumer.ConsoleConsumer ;;
  consumer-groups) cls=org.apache.kafka.tools.consumer.group.ConsumerGroupCommand ;;
  configs) cls=kafka.admin.ConfigCommand ;;
  *.*) cls="$tool" ;;
  *) die "unknown tool '$tool'" ;;
esac
args=("$@")
case " $* " in *" --bootstrap-server "*) ;; *) args=(--bootstrap-server "$TCPX_HOST:$TCPX_KAFKA_PORT" "${args[@]}") ;; esac
exec java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx256m -cp "$LIB/*" -Dlog4j2.configurationFile="$TCPX_INFRA_DIR/kafka/config/log4j2-cli.properties" "$cls" "${args[@]}"
