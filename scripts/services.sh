#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Start/stop the real services the integration tests talk to, all on
# 127.0.0.1 only:
#   * Apache Kafka (4.x, single-node KRaft, from Maven Central jars), with a
#     PLAINTEXT listener and secured ones for the security tests (SASL_SSL
#     with PLAIN, SASL_SSL with SCRAM-SHA-512/256, SSL with client
#     certificates required, SSL with a certificate for another host name,
#     SASL_SSL with OAUTHBEARER checked against a small OAuth token issuer on
#     127.0.0.1, see scripts/lib/kafka.sh); their certificates come from a
#     test CA made with openssl at the first `up` (scripts/lib/tls.sh),
#   * a Confluent-compatible schema registry (Apicurio Registry, in memory,
#     API under /apis/ccompat/v7, from Maven Central),
#   * the same registry behind HTTPS and basic auth (`registry-tls`: Debian's
#     nginx as a reverse proxy, the test CA's server certificate; one port
#     where a client certificate is optional, one where it is required),
#   * Redis (Debian's redis-server), plain and on a TLS port, with an ACL user
#     (scripts/lib/redis.sh),
#   * MariaDB (Debian's mariadb-server): database `eventbus`, user
#     eventbus/eventbus,
#   * PostgreSQL (Debian's postgresql): database `eventbus` owned by the user
#     eventbus/eventbus;
#   * not a service but installed by `up` with Kafka: Debian's Chromium and
#     chromedriver, for the console's browser test (scripts/lib/browser.sh);
# and on demand only (`up cluster`; plain `up` leaves it out):
#   * a three-broker Kafka cluster (KRaft, three controllers of their own, six
#     memory-bounded JVMs, the same jars as the single broker) with production
#     replication: default.replication.factor=3, min.insync.replicas=2,
#     internal topics replicated 3. Brokers on 127.0.0.1:19192-19194,
#     controllers on 127.0.0.1:19195-19197. See scripts/lib/kafka-cluster.sh.
# Debian's packages are installed with apt-get when missing. Kafka and the
# databases start with fresh, empty data on every `up`.
#
# Usage: scripts/services.sh up|down|status [SERVICE...] | env | help
#   SERVICE is kafka, registry, registry-tls, redis, mariadb, postgres or cluster. None
#   means all but the cluster for `up`, all (the cluster too) for `down`, and
#   all (the cluster when it runs) for `status`.
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
#           (EVENT_BUS_TEST_KAFKA_CLUSTER_SERVERS, the cluster's brokers, only
#           while the cluster runs). For the Kafka security tests:
#             EVENTBUS_TEST_TLS_DIR        the test PKI (ca.pem, client.pem,
#                                          ...; see scripts/lib/tls.sh)
#             EVENTBUS_TEST_KAFKA_SASL_PLAIN_SERVERS  SASL_SSL + PLAIN
#             EVENTBUS_TEST_KAFKA_SCRAM_SERVERS       SASL_SSL + SCRAM-SHA-512/256
#             EVENTBUS_TEST_KAFKA_MTLS_SERVERS        SSL, client cert required
#             EVENTBUS_TEST_KAFKA_WRONG_HOST_SERVERS  SSL, cert for wrong-host.invalid
#             EVENTBUS_TEST_KAFKA_OAUTH_SERVERS       SASL_SSL + OAUTHBEARER
#             EVENTBUS_TEST_KAFKA_SASL_USER/_PASSWORD, ..._USER2/_PASSWORD2
#                                          the users of PLAIN and SCRAM
#             EVENTBUS_TEST_KAFKA_OAUTH_TOKEN_ENDPOINT_URL, ..._OAUTH_CLIENT_ID,
#             ..._OAUTH_CLIENT_SECRET      the OAuth client of OAUTHBEARER
#           For the Redis and registry security tests:
#             EVENTBUS_TEST_REDIS_TLS_URL  rediss://127.0.0.1:16380/ (TLS)
#             EVENTBUS_TEST_REDIS_ACL_USER/_PASSWORD  its ACL user
#             EVENTBUS_TEST_REGISTRY_TLS_URL   the registry over HTTPS
#             EVENTBUS_TEST_REGISTRY_MTLS_URL  the same, client cert required
#             EVENTBUS_TEST_REGISTRY_USER/_PASSWORD   its basic auth
#
# Settings (environment variables, all optional):
#   EVENTBUS_CACHE        downloads, database templates + run dir
#                         (default ~/.cache/openedx-eventbus)
#   EVENTBUS_RUN_DIR      pid files, logs, data (default $EVENTBUS_CACHE/run)
#   EVENTBUS_KAFKA_PORT=19092  EVENTBUS_KAFKA_CONTROLLER_PORT=19093
#   EVENTBUS_KAFKA_SASL_PLAIN_PORT=19094  EVENTBUS_KAFKA_SCRAM_PORT=19095
#   EVENTBUS_KAFKA_MTLS_PORT=19096  EVENTBUS_KAFKA_WRONG_HOST_PORT=19097
#   EVENTBUS_KAFKA_OAUTH_PORT=19098  EVENTBUS_KAFKA_OIDC_PORT=19099 (the
#       OAuth token endpoint and JWKS)
#   EVENTBUS_REGISTRY_PORT=18081  EVENTBUS_REGISTRY_MANAGEMENT_PORT=18082
#   EVENTBUS_REGISTRY_TLS_PORT=18443  EVENTBUS_REGISTRY_MTLS_PORT=18444
#   EVENTBUS_REGISTRY_TLS_PASSWORD (eventbus-registry-test-password)
#   EVENTBUS_REDIS_PORT=16379  EVENTBUS_REDIS_TLS_PORT=16380
#   EVENTBUS_REDIS_ACL_PASSWORD (eventbus-acl-test-password)
#   EVENTBUS_MARIADB_PORT=13306
#   EVENTBUS_POSTGRES_PORT=15432
#   EVENTBUS_CLUSTER_PORT=19192 (brokers on it and the next two ports)
#   EVENTBUS_CLUSTER_CONTROLLER_PORT=19195 (controllers on it and the next two)
#   EVENTBUS_CLUSTER_BROKER_HEAP (-Xms64m -Xmx384m)
#   EVENTBUS_CLUSTER_CONTROLLER_HEAP (-Xms32m -Xmx192m)
#   EVENTBUS_KAFKA_VERSION=4.4.0   EVENTBUS_APICURIO_VERSION (default: 3.3.3
#       with a Java 21+ runtime, else 2.6.13.Final on Java 17)
#   EVENTBUS_REGISTRY_JAVA   java binary for the registry
#   EVENTBUS_KAFKA_HEAP / EVENTBUS_REGISTRY_HEAP   JVM heap flags
#   EVENTBUS_KAFKA_AUTO_CREATE_TOPICS=false
#   EVENTBUS_START_TIMEOUT=120     seconds to wait for each service
#
# Requirements: bash 5, Java 17+ with javac, Maven (mvn), openssl, python3
# (standard library only, for the OAuth token issuer), and apt-get + root
# (or sudo) if a Debian package is not installed yet. Downloads come only from
# Maven's configured repository and Debian's package archive.
set -euo pipefail

SCRIPTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SERVICES_DIR=$SCRIPTS_DIR/services
CACHE_DIR=${EVENTBUS_CACHE:-${HOME:?set HOME or EVENTBUS_CACHE}/.cache/openedx-eventbus}
RUN_DIR=${EVENTBUS_RUN_DIR:-$CACHE_DIR/run}
# The test PKI (scripts/lib/tls.sh), made once per run dir.
TLS_DIR=$RUN_DIR/tls
START_TIMEOUT=${EVENTBUS_START_TIMEOUT:-120}

# shellcheck source=lib/common.sh
source "$SCRIPTS_DIR/lib/common.sh"
# shellcheck source=lib/tls.sh
source "$SCRIPTS_DIR/lib/tls.sh"
# shellcheck source=lib/kafka.sh
source "$SCRIPTS_DIR/lib/kafka.sh"
# shellcheck source=lib/kafka-cluster.sh
source "$SCRIPTS_DIR/lib/kafka-cluster.sh"
# shellcheck source=lib/registry.sh
source "$SCRIPTS_DIR/lib/registry.sh"
# shellcheck source=lib/registry-tls.sh
source "$SCRIPTS_DIR/lib/registry-tls.sh"
# shellcheck source=lib/redis.sh
source "$SCRIPTS_DIR/lib/redis.sh"
# shellcheck source=lib/mariadb.sh
source "$SCRIPTS_DIR/lib/mariadb.sh"
# shellcheck source=lib/postgres.sh
source "$SCRIPTS_DIR/lib/postgres.sh"
# shellcheck source=lib/browser.sh
source "$SCRIPTS_DIR/lib/browser.sh"

# Every service, in start order (see cmd_up): those a plain `up` starts, then
# those started only when named (the cluster); and the ones this command acts
# on (its arguments, or the defaults of select_services).
ALL_SERVICES=(registry registry-tls redis mariadb postgres kafka)
ON_DEMAND_SERVICES=(cluster)
SERVICES=()

# select_services COMMAND [SERVICE...]: set SERVICES, in start order. Without
# SERVICE: `up` selects ALL_SERVICES, `down` these and the on-demand ones,
# `status` these and the on-demand ones that run.
select_services() {
  local command=$1 name
  shift
  local -a known=("${ALL_SERVICES[@]}" "${ON_DEMAND_SERVICES[@]}")
  for name in "$@"; do
    [[ " ${known[*]} " == *" $name "* ]] || die "unknown service '$name' (one of: ${known[*]})"
  done
  SERVICES=()
  for name in "${known[@]}"; do
    if (($# > 0)); then
      [[ " $* " == *" $name "* ]] && SERVICES+=("$name")
    elif [[ " ${ALL_SERVICES[*]} " == *" $name "* || $command == down ]]; then
      SERVICES+=("$name")
    elif [[ $command == status ]] && running "$name"; then
      SERVICES+=("$name")
    fi
  done
  return 0
}

# selected NAME: true when this command acts on service NAME.
selected() {
  [[ " ${SERVICES[*]} " == *" $1 "* ]]
}

# running NAME: true when the service's recorded process is alive (for a
# service of several processes, its NAME_running function says).
running() {
  local pidfile
  if declare -F "${1}_running" >/dev/null; then
    "${1}_running"
    return
  fi
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
export EVENTBUS_TEST_TLS_DIR=$TLS_DIR
export EVENTBUS_TEST_KAFKA_SASL_PLAIN_SERVERS=127.0.0.1:$KAFKA_SASL_PLAIN_PORT
export EVENTBUS_TEST_KAFKA_SCRAM_SERVERS=127.0.0.1:$KAFKA_SCRAM_PORT
export EVENTBUS_TEST_KAFKA_MTLS_SERVERS=127.0.0.1:$KAFKA_MTLS_PORT
export EVENTBUS_TEST_KAFKA_WRONG_HOST_SERVERS=127.0.0.1:$KAFKA_WRONG_HOST_PORT
export EVENTBUS_TEST_KAFKA_OAUTH_SERVERS=127.0.0.1:$KAFKA_OAUTH_PORT
export EVENTBUS_TEST_KAFKA_SASL_USER=$KAFKA_SASL_USER
export EVENTBUS_TEST_KAFKA_SASL_PASSWORD=$KAFKA_SASL_PASSWORD
export EVENTBUS_TEST_KAFKA_SASL_USER2=$KAFKA_SASL_USER2
export EVENTBUS_TEST_KAFKA_SASL_PASSWORD2=$KAFKA_SASL_PASSWORD2
export EVENTBUS_TEST_KAFKA_OAUTH_TOKEN_ENDPOINT_URL=$KAFKA_OIDC_URL/token
export EVENTBUS_TEST_KAFKA_OAUTH_CLIENT_ID=$KAFKA_OAUTH_CLIENT_ID
export EVENTBUS_TEST_KAFKA_OAUTH_CLIENT_SECRET=$KAFKA_OAUTH_CLIENT_SECRET
export EVENTBUS_TEST_REDIS_TLS_URL=rediss://127.0.0.1:$REDIS_TLS_PORT/
export EVENTBUS_TEST_REDIS_ACL_USER=$REDIS_ACL_USER
export EVENTBUS_TEST_REDIS_ACL_PASSWORD=$REDIS_ACL_PASSWORD
export EVENTBUS_TEST_REGISTRY_TLS_URL=$REGISTRY_TLS_URL
export EVENTBUS_TEST_REGISTRY_MTLS_URL=$REGISTRY_MTLS_URL
export EVENTBUS_TEST_REGISTRY_USER=$REGISTRY_TLS_USER
export EVENTBUS_TEST_REGISTRY_PASSWORD=$REGISTRY_TLS_PASSWORD
EOF
  if cluster_running; then
    echo "export EVENT_BUS_TEST_KAFKA_CLUSTER_SERVERS=$(cluster_servers)"
  fi
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
  # The console's browser test runs on Kafka: its browser comes with it.
  if selected kafka; then
    browser_fetch
  fi

  # 2. Before starting anything, make sure the ports of the services that
  #    are not running yet are free (a clear error instead of a half start).
  if selected kafka && ! running kafka; then
    for port in $(kafka_ports); do
      require_free_port kafka "$port"
    done
  fi
  if selected cluster && ! running cluster; then
    for port in $(cluster_ports); do
      require_free_port cluster "$port"
    done
  fi
  if selected registry && ! running registry; then
    require_free_port registry "$REGISTRY_PORT"
    [[ $REGISTRY_VERSION == 2.* ]] || require_free_port registry "$REGISTRY_MGMT_PORT"
  fi
  if selected registry-tls && ! running registry-tls; then
    require_free_port registry-tls "$REGISTRY_TLS_PORT"
    require_free_port registry-tls "$REGISTRY_MTLS_PORT"
  fi
  for name in redis mariadb postgres; do
    if selected "$name" && ! running "$name"; then
      port=$(tr '[:lower:]' '[:upper:]' <<<"$name")_PORT
      require_free_port "$name" "${!port}"
    fi
  done
  if selected redis && ! running redis; then
    require_free_port redis "$REDIS_TLS_PORT"
  fi

  # 3. The test PKI of the secured listeners (once per run dir; openssl).
  if selected kafka || selected redis || selected registry-tls; then
    tls_pki "$TLS_DIR"
  fi

  # 4. Start the services that are not running, in ALL_SERVICES' order: the
  #    JVMs start in parallel with each other and with the databases, the
  #    registry's first, and Kafka's last, since Kafka (like the databases'
  #    initialisation) first runs a short StorageTool JVM to format its data.
  for name in "${SERVICES[@]}"; do
    start_one "$name"
  done

  # 5. Wait until each one really answers (printing its log tail on failure),
  #    the quick ones first.
  for name in redis mariadb postgres registry registry-tls kafka cluster; do
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
  for name in cluster kafka registry-tls registry redis mariadb postgres; do
    if selected "$name"; then
      "${name}_stop"
    fi
  done
}

cmd_status() {
  local status=0 name
  for name in kafka cluster registry registry-tls redis mariadb postgres; do
    if selected "$name"; then
      "${name}_status" || status=1
    fi
  done
  # A tool, not a service: reported, not counted.
  if selected kafka; then
    browser_status || true
  fi
  return "$status"
}

main() {
  local command=${1:-help}
  (($# > 0)) && shift
  case "$command" in
  up | down | status)
    select_services "$command" "$@"
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
