#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Start/stop the real services the integration tests talk to, all on
# 127.0.0.1 only:
#   * Apache Kafka (4.x, single-node KRaft, from Maven Central jars),
#   * a Confluent-compatible schema registry (Apicurio Registry, in memory,
#     API under /apis/ccompat/v7, from Maven Central),
#   * Redis (Debian's redis-server),
#   * MariaDB (Debian's mariadb-server): database `eventbus`, user
#     eventbus/eventbus,
#   * PostgreSQL (Debian's postgresql): database `eventbus` owned by the user
#     eventbus/eventbus.
# Debian's packages are installed with apt-get when missing. Kafka and the
# databases start with fresh, empty data on every `up`.
#
# Usage: scripts/services.sh up|down|status [SERVICE...] | env | help
#   SERVICE is kafka, registry, redis, mariadb or postgres; none means all.
#   up      download what is missing (first run only), start the services
#           that are not already running, wait until each answers, then print
#           the `export` lines of `env` on stdout (progress goes to stderr):
#               eval "$(scripts/services.sh up)"
#   down    stop exactly the processes `up` started (by recorded PID, checked
#           against the command line), wait for them, delete Kafka's and the
#           databases' data
#   status  one line per service; exit 0 only when all are ready
#   env     print the settings the tests read, as `export` lines:
#               eval "$(scripts/services.sh env)"
#
# Settings (environment variables, all optional):
#   EVENTBUS_CACHE        downloads, database templates + run dir
#                         (default ~/.cache/openedx-eventbus)
#   EVENTBUS_RUN_DIR      pid files, logs, data (default $EVENTBUS_CACHE/run)
#   EVENTBUS_KAFKA_PORT=19092  EVENTBUS_KAFKA_CONTROLLER_PORT=19093
#   EVENTBUS_REGISTRY_PORT=18081  EVENTBUS_REGISTRY_MANAGEMENT_PORT=18082
#   EVENTBUS_REDIS_PORT=16379  EVENTBUS_MARIADB_PORT=13306
#   EVENTBUS_POSTGRES_PORT=15432
#   EVENTBUS_KAFKA_VERSION=4.4.0   EVENTBUS_APICURIO_VERSION (default: 3.3.3
#       with a Java 21+ runtime, else 2.6.13.Final on Java 17)
#   EVENTBUS_REGISTRY_JAVA   java binary for the registry
#   EVENTBUS_KAFKA_HEAP / EVENTBUS_REGISTRY_HEAP   JVM heap flags
#   EVENTBUS_KAFKA_AUTO_CREATE_TOPICS=false
#   EVENTBUS_START_TIMEOUT=120     seconds to wait for each service
#
# Requirements: bash 5, Java 17+ with javac, Maven (mvn), and apt-get + root
# (or sudo) if a Debian package is not installed yet. Downloads come only from
# Maven's configured repository and Debian's package archive.
set -euo pipefail

SCRIPTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SERVICES_DIR=$SCRIPTS_DIR/services
CACHE_DIR=${EVENTBUS_CACHE:-${HOME:?set HOME or EVENTBUS_CACHE}/.cache/openedx-eventbus}
RUN_DIR=${EVENTBUS_RUN_DIR:-$CACHE_DIR/run}
START_TIMEOUT=${EVENTBUS_START_TIMEOUT:-120}

# shellcheck source=lib/common.sh
source "$SCRIPTS_DIR/lib/common.sh"
# shellcheck source=lib/kafka.sh
source "$SCRIPTS_DIR/lib/kafka.sh"
# shellcheck source=lib/registry.sh
source "$SCRIPTS_DIR/lib/registry.sh"
# shellcheck source=lib/redis.sh
source "$SCRIPTS_DIR/lib/redis.sh"
# shellcheck source=lib/mariadb.sh
source "$SCRIPTS_DIR/lib/mariadb.sh"
# shellcheck source=lib/postgres.sh
source "$SCRIPTS_DIR/lib/postgres.sh"

# Every service, in start order (see cmd_up), and the ones this command acts
# on (its arguments, or all).
ALL_SERVICES=(registry redis mariadb postgres kafka)
SERVICES=()

# select_services [SERVICE...]: set SERVICES, in start order.
select_services() {
  local name
  for name in "$@"; do
    [[ " ${ALL_SERVICES[*]} " == *" $name "* ]] || die "unknown service '$name' (one of: ${ALL_SERVICES[*]})"
  done
  SERVICES=()
  for name in "${ALL_SERVICES[@]}"; do
    if (($# == 0)) || [[ " $* " == *" $name "* ]]; then
      SERVICES+=("$name")
    fi
  done
}

# selected NAME: true when this command acts on service NAME.
selected() {
  [[ " ${SERVICES[*]} " == *" $1 "* ]]
}

# running NAME: true when the service's recorded process is alive.
running() {
  local pidfile
  pidfile=$(tr '[:lower:]' '[:upper:]' <<<"$1")_PIDFILE
  pidfile_pid "${!pidfile}" >/dev/null
}

# cmd_env: the settings the tests read.
cmd_env() {
  cat <<EOF
export EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:$KAFKA_PORT
export EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL=$REGISTRY_URL
export EVENT_BUS_REDIS_CONNECTION_URL=redis://127.0.0.1:$REDIS_PORT/
export EVENT_BUS_TEST_MYSQL_URL=$MARIADB_URL
export EVENT_BUS_TEST_POSTGRES_URL=$POSTGRES_URL
export EVENTBUS_TEST_SERVICES=1
EOF
}

# Services started by this very `up`, stopped again if a later step fails, so
# that a failed `up` leaves nothing behind.
STARTED=()

# on_up_failure: EXIT trap of `up`, active until everything is ready.
on_up_failure() {
  local status=$? name
  trap - EXIT
  if ((status != 0)) && ((${#STARTED[@]} > 0)); then
    log "up failed: stopping what this run started (${STARTED[*]})"
    for name in "${STARTED[@]}"; do
      "${name}_stop" || true
    done
  fi
  exit "$status"
}

# start_one NAME: start a service unless it is already running, and remember
# that this run started it.
start_one() {
  local name=$1
  if running "$name"; then
    log "$name: already running, leaving it as is"
    return 0
  fi
  "${name}_start"
  STARTED+=("$name")
}

cmd_up() {
  local start name port
  start=$(now_ms)
  mkdir -p "$CACHE_DIR" "$RUN_DIR"
  trap on_up_failure EXIT

  # 1. Make sure everything is on disk (only the first run downloads:
  #    Kafka jars and the registry through Maven into the cache and ~/.m2,
  #    Debian's packages through apt-get).
  for name in "${SERVICES[@]}"; do
    "${name}_fetch"
  done

  # 2. Before starting anything, make sure the ports of the services that
  #    are not running yet are free (a clear error instead of a half start).
  if selected kafka && ! running kafka; then
    require_free_port kafka "$KAFKA_PORT"
    require_free_port kafka "$KAFKA_CONTROLLER_PORT"
  fi
  if selected registry && ! running registry; then
    require_free_port registry "$REGISTRY_PORT"
    [[ $REGISTRY_VERSION == 2.* ]] || require_free_port registry "$REGISTRY_MGMT_PORT"
  fi
  for name in redis mariadb postgres; do
    if selected "$name" && ! running "$name"; then
      port=$(tr '[:lower:]' '[:upper:]' <<<"$name")_PORT
      require_free_port "$name" "${!port}"
    fi
  done

  # 3. Start the services that are not running, in ALL_SERVICES' order: the
  #    JVMs start in parallel with each other and with the databases, the
  #    registry's first, and Kafka's last, since Kafka (like the databases'
  #    initialisation) first runs a short StorageTool JVM to format its data.
  for name in "${SERVICES[@]}"; do
    start_one "$name"
  done

  # 4. Wait until each one really answers (printing its log tail on failure),
  #    the quick ones first.
  for name in redis mariadb postgres registry kafka; do
    if selected "$name"; then
      "${name}_wait"
    fi
  done

  trap - EXIT
  log "${SERVICES[*]} ready in $(since "$start") (run dir: $RUN_DIR)"
  cmd_env
}

cmd_down() {
  # One after the other: each stops in well under a second here (Kafka's
  # controlled shutdown is the slowest); each gets SIGKILL after a timeout.
  local name
  for name in kafka registry redis mariadb postgres; do
    if selected "$name"; then
      "${name}_stop"
    fi
  done
}

cmd_status() {
  local status=0 name
  for name in kafka registry redis mariadb postgres; do
    if selected "$name"; then
      "${name}_status" || status=1
    fi
  done
  return "$status"
}

main() {
  local command=${1:-help}
  (($# > 0)) && shift
  case "$command" in
  up | down | status)
    select_services "$@"
    "cmd_$command"
    ;;
  env) cmd_env ;;
  help | -h | --help) sed -n '3,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' ;;
  *)
    echo "usage: $0 up|down|status [SERVICE...] | env | help" >&2
    exit 2
    ;;
  esac
}

main "$@"
