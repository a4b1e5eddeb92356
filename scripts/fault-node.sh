#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Run ONE private server in the foreground, for the fault tests (tests/src/fault/).
# The server replaces this script (exec), so the PID of the process that ran the
# script is the server's: the test that spawned it can SIGKILL, SIGSTOP, SIGCONT
# and reap it, then run the same command again on the same ports and data. It
# never touches the shared services of scripts/services.sh.
#
# Usage:
#   scripts/fault-node.sh fetch
#       download what is missing (Kafka jars into the cache, redis-server with
#       apt-get), as `services.sh up` does, and exit.
#   scripts/fault-node.sh kafka DIR PORT CONTROLLER_PORT
#       a single-node KRaft broker + controller on 127.0.0.1:PORT (controller on
#       127.0.0.1:CONTROLLER_PORT), with the jars and server.properties of
#       services.sh's Kafka. DIR holds server.properties, data/ and logs/
#       (logs/server.log). The data dir is formatted only on the first start
#       (when data/meta.properties is missing): a restart keeps every topic,
#       message and committed offset.
#   scripts/fault-node.sh kafka-node DIR ROLE NODE_ID CLUSTER_ID PORT VOTERS
#       one node of a three-broker KRaft cluster with three controllers of
#       their own (scripts/lib/kafka-cluster.sh: production replication,
#       default.replication.factor=3, min.insync.replicas=2, internal topics
#       replicated 3; memory-bounded heaps): ROLE `broker` (PLAINTEXT on
#       127.0.0.1:PORT) or `controller` (the quorum listener on
#       127.0.0.1:PORT), NODE_ID 1-3 for brokers and 101-103 for controllers,
#       CLUSTER_ID the same for the six nodes (a Kafka cluster id: 22
#       characters of URL-safe base64), VOTERS the controllers as
#       `101@127.0.0.1:P1,102@127.0.0.1:P2,103@127.0.0.1:P3`. The test starts
#       six of these (tests/src/fault/cluster.rs) and signals each by its PID.
#       DIR is formatted only on the first start, as for `kafka`.
#   scripts/fault-node.sh redis DIR PORT
#       redis-server on 127.0.0.1:PORT, data in DIR, log on stdout. Persistence:
#       AOF only (appendonly yes, appendfsync always: every write is in the
#       append-only file, fsynced, before Redis replies; no RDB snapshots), so a
#       SIGKILL loses no acknowledged write and a restart on DIR replays the AOF.
#
# Settings: EVENTBUS_CACHE (default ~/.cache/openedx-eventbus), EVENTBUS_KAFKA_VERSION,
# EVENTBUS_KAFKA_HEAP, EVENTBUS_CLUSTER_BROKER_HEAP, EVENTBUS_CLUSTER_CONTROLLER_HEAP, as for
# scripts/services.sh.
set -euo pipefail

SCRIPTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SERVICES_DIR=$SCRIPTS_DIR/services
CACHE_DIR=${EVENTBUS_CACHE:-${HOME:?set HOME or EVENTBUS_CACHE}/.cache/openedx-eventbus}
# Only used by the sourced files for downloads' logs (apt-get) and defaults.
RUN_DIR=$CACHE_DIR/run
START_TIMEOUT=120

# shellcheck source=lib/common.sh
source "$SCRIPTS_DIR/lib/common.sh"
# shellcheck source=lib/kafka.sh
source "$SCRIPTS_DIR/lib/kafka.sh"
# shellcheck source=lib/kafka-cluster.sh
source "$SCRIPTS_DIR/lib/kafka-cluster.sh"
# shellcheck source=lib/redis.sh
source "$SCRIPTS_DIR/lib/redis.sh"

usage() {
  echo "usage: $0 fetch | kafka DIR PORT CONTROLLER_PORT |" \
    "kafka-node DIR broker|controller NODE_ID CLUSTER_ID PORT VOTERS | redis DIR PORT" >&2
  exit 2
}

# run_kafka DIR PORT CONTROLLER_PORT: format DIR on the first start, then exec the broker.
run_kafka() {
  local java home
  (($# == 3)) || usage
  KAFKA_RUN=$1
  KAFKA_PORT=$2
  KAFKA_CONTROLLER_PORT=$3
  KAFKA_MARKER="-Deventbus.service=fault-kafka@$KAFKA_RUN"
  kafka_fetch
  java=$(kafka_java)
  home=$(kafka_home)
  mkdir -p "$KAFKA_RUN/logs"
  kafka_write_config
  if [[ ! -f $KAFKA_RUN/data/meta.properties ]]; then
    kafka_format "$java" "$home/libs"
  fi
  kafka_command "$java" "$home"
  log "fault-node: exec Apache Kafka $KAFKA_VERSION (pid $$) on 127.0.0.1:$KAFKA_PORT, data in $KAFKA_RUN/data"
  exec "${KAFKA_COMMAND[@]}" </dev/null
}

# run_kafka_node DIR ROLE NODE_ID CLUSTER_ID PORT VOTERS: one node of a
# three-broker cluster; format DIR on the first start, then exec the node.
run_kafka_node() {
  local dir role node_id cluster_id port voters java home
  (($# == 6)) || usage
  dir=$1 role=$2 node_id=$3 cluster_id=$4 port=$5 voters=$6
  [[ $role == broker || $role == controller ]] || usage
  kafka_fetch
  java=$(kafka_java)
  home=$(kafka_home)
  mkdir -p "$dir/logs"
  cluster_write_node_config "$dir" "$role" "$node_id" "$port" "$voters"
  if [[ ! -f $dir/data/meta.properties ]]; then
    cluster_format_node "$java" "$home/libs" "$dir" "$cluster_id"
  fi
  cluster_node_command "$java" "$home" "$dir" "$role" "-Deventbus.service=fault-kafka-$role-$node_id@$dir"
  log "fault-node: exec Kafka $role $node_id (pid $$) on 127.0.0.1:$port, data in $dir/data"
  exec "${KAFKA_COMMAND[@]}" </dev/null
}

# run_redis DIR PORT: exec redis-server with AOF persistence on DIR.
run_redis() {
  (($# == 2)) || usage
  redis_fetch
  mkdir -p "$1"
  log "fault-node: exec redis-server (pid $$) on 127.0.0.1:$2, AOF (appendfsync always) in $1"
  exec redis-server --bind 127.0.0.1 --port "$2" --dir "$1" \
    --appendonly yes --appendfsync always --save '' \
    --daemonize no --logfile '' </dev/null
}

case "${1:-}" in
fetch)
  kafka_fetch
  redis_fetch
  ;;
kafka) shift && run_kafka "$@" ;;
kafka-node) shift && run_kafka_node "$@" ;;
redis) shift && run_redis "$@" ;;
*) usage ;;
esac
