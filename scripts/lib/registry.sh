# shellcheck shell=bash
# Schema registry for scripts/services.sh: Apicurio Registry (Apache 2.0,
# published on Maven Central) with in-memory storage, serving the Confluent
# Schema Registry compatible API under /apis/ccompat/v7, on 127.0.0.1 only.
# Sourced after common.sh; uses CACHE_DIR, RUN_DIR and START_TIMEOUT.
#
# Version choice: Apicurio 3.x is built for Java 21 (its classes are Java 21
# bytecode) while 2.6.x runs on Java 17. So, unless EVENTBUS_APICURIO_VERSION
# says otherwise, 3.x is used when a Java 21+ runtime can be found (JAVA_HOME,
# PATH, or a JDK under /usr/lib/jvm), and 2.6.x on the system Java 17
# otherwise. Both serve the same /apis/ccompat/v7 API.

REGISTRY_V3_DEFAULT=3.3.3
REGISTRY_V2_DEFAULT=2.6.13.Final
REGISTRY_PORT=${EVENTBUS_REGISTRY_PORT:-18081}
# Apicurio 3 (Quarkus) also opens a management port (health, metrics).
REGISTRY_MGMT_PORT=${EVENTBUS_REGISTRY_MANAGEMENT_PORT:-18082}
REGISTRY_HEAP=${EVENTBUS_REGISTRY_HEAP:--Xms64m -Xmx384m}

REGISTRY_RUN=$RUN_DIR/registry
REGISTRY_PIDFILE=$RUN_DIR/registry.pid
REGISTRY_LOG=$REGISTRY_RUN/registry.log
REGISTRY_MARKER="-Deventbus.service=registry@$RUN_DIR"
REGISTRY_URL="http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7"

# registry_select: sets REGISTRY_VERSION and REGISTRY_JAVA (see above).
registry_select() {
  [[ -n ${REGISTRY_VERSION:-} ]] && return 0
  local java21=''
  if [[ -n ${EVENTBUS_REGISTRY_JAVA:-} ]]; then
    java21=$EVENTBUS_REGISTRY_JAVA
  else
    java21=$(find_java 21) || java21=''
  fi
  REGISTRY_VERSION=${EVENTBUS_APICURIO_VERSION:-}
  if [[ -z $REGISTRY_VERSION ]]; then
    if [[ -n $java21 ]]; then
      REGISTRY_VERSION=$REGISTRY_V3_DEFAULT
    else
      REGISTRY_VERSION=$REGISTRY_V2_DEFAULT
    fi
  fi
  if [[ $REGISTRY_VERSION == 2.* ]]; then
    REGISTRY_JAVA=${EVENTBUS_REGISTRY_JAVA:-$(find_java 17)} ||
      die "registry: Java 17 or newer is required"
  else
    [[ -n $java21 ]] ||
      die "registry: Apicurio Registry $REGISTRY_VERSION needs Java 21+ (set EVENTBUS_REGISTRY_JAVA or JAVA_HOME), or use EVENTBUS_APICURIO_VERSION=$REGISTRY_V2_DEFAULT"
    REGISTRY_JAVA=$java21
  fi
}

# registry_home: the cache folder holding the unpacked distribution.
registry_home() {
  registry_select
  echo "$CACHE_DIR/apicurio-registry-$REGISTRY_VERSION"
}

# registry_fetch: download the distribution once.
#  1. `mvn dependency:copy` fetches io.apicurio:apicurio-registry-app:VERSION
#     with type tar.gz and classifier "all" (the runnable Quarkus app that the
#     Apicurio build attaches to that artifact) through ~/.m2;
#  2. it is unpacked into a temporary folder in the cache, which is renamed
#     into place only when complete.
registry_fetch() {
  local home tmp start
  registry_select
  home=$(registry_home)
  [[ -f $home/.complete ]] && return 0
  start=$(now_ms)
  log "registry: downloading Apicurio Registry $REGISTRY_VERSION with Maven (first run only)"
  mkdir -p "$CACHE_DIR"
  tmp=$(mktemp -d "$CACHE_DIR/.registry-download.XXXXXX")
  # Run from the empty temp dir: `dependency:copy` needs no project, and this
  # keeps Maven from picking up any pom.xml in the caller's directory.
  if ! (cd "$tmp" && mvn_fetch "$tmp/mvn.log" -q "$DEPENDENCY_PLUGIN:copy" \
    -Dartifact="io.apicurio:apicurio-registry-app:$REGISTRY_VERSION:tar.gz:all" \
    -DoutputDirectory="$tmp"); then
    rm -rf "$tmp"
    die "registry: Maven could not fetch io.apicurio:apicurio-registry-app:$REGISTRY_VERSION:tar.gz:all"
  fi
  mkdir -p "$tmp/dist"
  tar -xzf "$tmp/apicurio-registry-app-$REGISTRY_VERSION-all.tar.gz" -C "$tmp/dist"
  rm -f "$tmp/apicurio-registry-app-$REGISTRY_VERSION-all.tar.gz"
  touch "$tmp/.complete"
  rm -rf "$home"
  mv "$tmp" "$home"
  log "registry: Apicurio Registry $REGISTRY_VERSION ($(du -sh "$home/dist" | cut -f1)) fetched in $(since "$start")"
}

# registry_jar: the jar to run. 3.x ships the Quarkus "fast-jar" layout
# (quarkus-run.jar); 2.x a legacy "-runner.jar" next to lib/.
registry_jar() {
  local home
  home=$(registry_home)
  if [[ -f $home/dist/quarkus-run.jar ]]; then
    echo "$home/dist/quarkus-run.jar"
  else
    echo "$home/dist/apicurio-registry-app-$REGISTRY_VERSION-runner.jar"
  fi
}

# registry_start: start the registry in the background; its console log goes
# to $REGISTRY_LOG. Storage is Apicurio's default in-memory H2 database, so
# every start begins empty.
registry_start() {
  local jar
  local -a props
  if pidfile_pid "$REGISTRY_PIDFILE" >/dev/null; then
    log "registry: already running (pid $(pidfile_pid "$REGISTRY_PIDFILE")), leaving it as is"
    return 0
  fi
  rm -f "$REGISTRY_PIDFILE"
  registry_select
  require_free_port registry "$REGISTRY_PORT"
  jar=$(registry_jar)
  rm -rf "$REGISTRY_RUN"
  mkdir -p "$REGISTRY_RUN/tmp"
  echo "$REGISTRY_VERSION" >"$REGISTRY_RUN/version"
  props=(
    # Bind the HTTP server to loopback only, on our port.
    -Dquarkus.http.host=127.0.0.1
    -Dquarkus.http.port="$REGISTRY_PORT"
    # Scratch files (Vert.x cache, ...) stay in the run dir.
    -Djava.io.tmpdir="$REGISTRY_RUN/tmp"
  )
  if [[ $REGISTRY_VERSION == 2.* ]]; then
    # 2.x: compare schemas by canonical form like Confluent does, so that
    # re-registering a differently formatted copy of a schema returns the
    # existing id instead of adding a version (3.x already behaves so).
    props+=(-Dregistry.ccompat.use-canonical-hash=true)
  else
    require_free_port registry "$REGISTRY_MGMT_PORT"
    # 3.x: the Quarkus management interface (health/metrics) is on by
    # default on 0.0.0.0:9000; keep it on loopback too.
    props+=(-Dquarkus.management.host=127.0.0.1 -Dquarkus.management.port="$REGISTRY_MGMT_PORT")
  fi
  REGISTRY_START_MS=$(now_ms)
  # shellcheck disable=SC2086 # REGISTRY_HEAP is a list of JVM flags
  nohup "$REGISTRY_JAVA" $REGISTRY_HEAP -Djava.awt.headless=true "$REGISTRY_MARKER" \
    "${props[@]}" -jar "$jar" >"$REGISTRY_LOG" 2>&1 </dev/null &
  write_pidfile "$REGISTRY_PIDFILE" "$!" "$REGISTRY_MARKER"
  log "registry: started Apicurio Registry $REGISTRY_VERSION (pid $!, Java $(java_major "$REGISTRY_JAVA")) on 127.0.0.1:$REGISTRY_PORT"
}

# http_status URL: prints the HTTP status code of a GET (000 when no answer).
# Uses curl when present, else Python's standard library.
http_status() {
  if command -v curl >/dev/null 2>&1; then
    curl -s -o /dev/null -m 5 -w '%{http_code}' "$1" || true
  else
    python3 - "$1" <<'EOF' || echo 000
import sys, urllib.request, urllib.error
try:
    print(urllib.request.urlopen(sys.argv[1], timeout=5).status)
except urllib.error.HTTPError as e:
    print(e.code)
EOF
  fi
}

# registry_ready: the Confluent-compatible API answers GET /subjects with 200.
registry_ready() {
  [[ $(http_status "$REGISTRY_URL/subjects") == 200 ]]
}

# registry_wait: wait for registry_ready (timeout: EVENTBUS_START_TIMEOUT).
registry_wait() {
  local start=${REGISTRY_START_MS:-$(now_ms)}
  wait_ready registry "$REGISTRY_PIDFILE" "$START_TIMEOUT" "$REGISTRY_LOG" registry_ready ||
    return 1
  log "registry: ready in $(since "$start") at $REGISTRY_URL"
}

# registry_stop: stop the registry we started (its data was in memory only).
registry_stop() {
  stop_pidfile registry "$REGISTRY_PIDFILE" 30
  rm -rf "$REGISTRY_RUN/tmp"
}

# registry_status: one line for `services.sh status`; fails when not running.
registry_status() {
  local pid
  if pid=$(pidfile_pid "$REGISTRY_PIDFILE"); then
    if registry_ready; then
      echo "registry: running, ready    pid $pid  $REGISTRY_URL  Apicurio Registry $(cat "$REGISTRY_RUN/version" 2>/dev/null)"
    else
      echo "registry: running, NOT ready pid $pid  (see $REGISTRY_LOG)"
      return 1
    fi
  else
    echo "registry: stopped"
    return 1
  fi
}
