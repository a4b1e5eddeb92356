# shellcheck shell=bash
# Apache Kafka for scripts/services.sh: a single-node KRaft cluster (one JVM
# that is both broker and controller) listening on 127.0.0.1 only.
# Sourced after common.sh and tls.sh; uses CACHE_DIR, RUN_DIR, SERVICES_DIR
# and TLS_DIR (the test PKI of tls.sh, made by services.sh before Kafka starts).
#
# Besides the PLAINTEXT listener (inter-broker too) and the controller, the
# broker that services.sh starts (not scripts/fault-node.sh's) has secured
# listeners for the security tests, each on its own port:
#   SASL_PLAIN  SASL_SSL, mechanism PLAIN; users (the listener's JAAS
#               config) eventbus/eventbus-secret and auditor/auditor-secret
#   SASL_SCRAM  SASL_SSL, SCRAM-SHA-512 and SCRAM-SHA-256; the same two users,
#               created with `StorageTool format --add-scram`
#   MTLS        SSL, client certificate required (signed by the test CA)
#   WRONG_HOST  SSL with a certificate for wrong-host.invalid only (a client
#               that checks host names refuses it)
#   OAUTH       SASL_SSL, OAUTHBEARER checked by Kafka's OIDC validator
#               against the JWKS of scripts/services/oidc/oidc_server.py
#               (client eventbus-client/eventbus-oauth-secret)
# All the TLS ones use server.pem (CN localhost, SAN localhost and 127.0.0.1)
# but for WRONG_HOST, as PEM key stores (ssl.keystore.type=PEM); clients
# trust ca.pem.

KAFKA_VERSION=${EVENTBUS_KAFKA_VERSION:-4.4.0}
KAFKA_PORT=${EVENTBUS_KAFKA_PORT:-19092}
KAFKA_CONTROLLER_PORT=${EVENTBUS_KAFKA_CONTROLLER_PORT:-19093}
KAFKA_HEAP=${EVENTBUS_KAFKA_HEAP:--Xms128m -Xmx512m}
KAFKA_AUTO_CREATE_TOPICS=${EVENTBUS_KAFKA_AUTO_CREATE_TOPICS:-false}
KAFKA_SASL_PLAIN_PORT=${EVENTBUS_KAFKA_SASL_PLAIN_PORT:-19094}
KAFKA_SCRAM_PORT=${EVENTBUS_KAFKA_SCRAM_PORT:-19095}
KAFKA_MTLS_PORT=${EVENTBUS_KAFKA_MTLS_PORT:-19096}
KAFKA_WRONG_HOST_PORT=${EVENTBUS_KAFKA_WRONG_HOST_PORT:-19097}
KAFKA_OAUTH_PORT=${EVENTBUS_KAFKA_OAUTH_PORT:-19098}
# The token endpoint and JWKS of the OAUTHBEARER listener.
KAFKA_OIDC_PORT=${EVENTBUS_KAFKA_OIDC_PORT:-19099}
KAFKA_OIDC_URL=http://127.0.0.1:$KAFKA_OIDC_PORT
KAFKA_OIDC_AUDIENCE=eventbus-kafka
# The test users of the SASL listeners (name, password) and the OAuth client.
# Test credentials only: they exist on this throw-away broker and nowhere else.
KAFKA_SASL_USER=eventbus
KAFKA_SASL_PASSWORD=eventbus-secret
KAFKA_SASL_USER2=auditor
KAFKA_SASL_PASSWORD2=auditor-secret
KAFKA_OAUTH_CLIENT_ID=eventbus-client
KAFKA_OAUTH_CLIENT_SECRET=eventbus-oauth-secret
# Set to 1 by kafka_start (services.sh): the secured listeners above. Off for
# scripts/fault-node.sh's private brokers, which use the same functions.
KAFKA_SECURED=${KAFKA_SECURED:-0}

KAFKA_SRC=$SERVICES_DIR/kafka       # pom.xml, log4j2.properties, KafkaReady.java
KAFKA_RUN=$RUN_DIR/kafka            # config, data, logs of the running broker
KAFKA_PIDFILE=$RUN_DIR/kafka.pid
# Put into the JVM command line, so that a PID is only trusted while it is
# still this run dir's broker (see proc_matches in common.sh).
KAFKA_MARKER="-Deventbus.service=kafka@$RUN_DIR"
KAFKA_OIDC_PIDFILE=$RUN_DIR/kafka-oidc.pid
KAFKA_OIDC_MARKER="--marker=eventbus.service=kafka-oidc@$RUN_DIR"

# kafka_home: the cache folder holding this version's jars. Its name also
# carries a hash of pom.xml and KafkaReady.java, so editing either one makes
# the next `up` fetch/compile again instead of reusing stale files.
kafka_home() {
  local hash
  hash=$(cat "$KAFKA_SRC/pom.xml" "$KAFKA_SRC/KafkaReady.java" | sha256sum | cut -c1-10)
  echo "$CACHE_DIR/kafka-$KAFKA_VERSION-$hash"
}

# kafka_java: the java used for the broker (Kafka 4 needs Java 17+).
kafka_java() {
  find_java 17 || die "kafka: Java 17 or newer is required (set JAVA_HOME)"
}

# kafka_fetch: download the broker jars once, with Maven, into the cache.
#  1. `mvn dependency:copy-dependencies` on scripts/services/kafka/pom.xml
#     resolves kafka_2.13 + runtime dependencies (+ Log4j 2) through ~/.m2
#     and copies the jars into a temporary folder in the cache;
#  2. KafkaReady.java (the readiness probe) is compiled against them;
#  3. the folder is renamed into place only when complete, so an interrupted
#     download is never mistaken for a finished one.
kafka_fetch() {
  local home tmp start
  home=$(kafka_home)
  [[ -f $home/.complete ]] && return 0
  command -v javac >/dev/null 2>&1 || die "kafka: javac (a JDK) is required to build the readiness probe"
  start=$(now_ms)
  log "kafka: downloading Apache Kafka $KAFKA_VERSION jars with Maven (first run only)"
  mkdir -p "$CACHE_DIR"
  tmp=$(mktemp -d "$CACHE_DIR/.kafka-download.XXXXXX")
  if ! mvn_fetch "$tmp/mvn.log" -q -f "$KAFKA_SRC/pom.xml" \
    -Dkafka.version="$KAFKA_VERSION" \
    "$DEPENDENCY_PLUGIN:copy-dependencies" \
    -DincludeScope=runtime -DoutputDirectory="$tmp/libs"; then
    rm -rf "$tmp"
    die "kafka: Maven could not fetch org.apache.kafka:kafka_2.13:$KAFKA_VERSION"
  fi
  javac -nowarn -d "$tmp/tools" -cp "$tmp/libs/*" "$KAFKA_SRC/KafkaReady.java" ||
    { rm -rf "$tmp"; die "kafka: could not compile KafkaReady.java"; }
  touch "$tmp/.complete"
  rm -rf "$home"
  mv "$tmp" "$home"
  log "kafka: $(find "$home/libs" -name '*.jar' | wc -l) jars ($(du -sh "$home/libs" | cut -f1)) fetched in $(since "$start")"
}

# kafka_write_config: the broker's server.properties, regenerated on every
# start from the ports chosen above; with KAFKA_SECURED=1 also the secured
# listeners (kafka_secured_config).
kafka_write_config() {
  local listeners advertised map
  listeners="PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT"
  advertised="PLAINTEXT://127.0.0.1:$KAFKA_PORT"
  map="CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"
  if [[ $KAFKA_SECURED == 1 ]]; then
    local secured="SASL_PLAIN://127.0.0.1:$KAFKA_SASL_PLAIN_PORT,SASL_SCRAM://127.0.0.1:$KAFKA_SCRAM_PORT"
    secured+=",MTLS://127.0.0.1:$KAFKA_MTLS_PORT,WRONG_HOST://127.0.0.1:$KAFKA_WRONG_HOST_PORT"
    secured+=",OAUTH://127.0.0.1:$KAFKA_OAUTH_PORT"
    listeners+=",$secured"
    advertised+=",$secured"
    map+=",SASL_PLAIN:SASL_SSL,SASL_SCRAM:SASL_SSL,MTLS:SSL,WRONG_HOST:SSL,OAUTH:SASL_SSL"
  fi
  cat >"$KAFKA_RUN/server.properties" <<EOF
# Generated by scripts/services.sh: single-node KRaft test cluster.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$KAFKA_CONTROLLER_PORT
controller.listener.names=CONTROLLER
listeners=$listeners
advertised.listeners=$advertised
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=$map
log.dirs=$KAFKA_RUN/data
# One node: every internal topic has a single replica. A single partition for
# each also makes the first consumer group / producer id request quick.
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
share.coordinator.state.topic.num.partitions=1
# Tests should not wait for a group to settle.
group.initial.rebalance.delay.ms=0
# The consumer group protocol (KIP-848) keeps its session on the broker: 10 s as the classic
# protocol's default here (Kafka's default is 45 s, and its minimum too).
group.consumer.min.session.timeout.ms=6000
group.consumer.session.timeout.ms=10000
# Tests create their topics explicitly.
auto.create.topics.enable=$KAFKA_AUTO_CREATE_TOPICS
delete.topic.enable=true
EOF
  if [[ $KAFKA_SECURED == 1 ]]; then
    kafka_secured_config >>"$KAFKA_RUN/server.properties"
  fi
}

# kafka_secured_config: the settings of the secured listeners (see the top
# of this file), on stdout. Every setting is per listener
# (listener.name.<name>.), so the PLAINTEXT and controller listeners stay
# as they are. The key stores are the PEM files kafka_tls_files writes.
kafka_secured_config() {
  local tls=$KAFKA_RUN/tls name
  cat <<EOF

# ---- Secured listeners for the security tests (scripts/lib/kafka.sh) ----
EOF
  for name in sasl_plain sasl_scram mtls oauth; do
    kafka_listener_tls "$name" "$tls/server.keystore.pem"
  done
  kafka_listener_tls wrong_host "$tls/wrong-host.keystore.pem"
  cat <<EOF
# SASL_SSL + PLAIN: the users are in the listener's JAAS configuration.
listener.name.sasl_plain.sasl.enabled.mechanisms=PLAIN
listener.name.sasl_plain.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required \
  user_$KAFKA_SASL_USER="$KAFKA_SASL_PASSWORD" user_$KAFKA_SASL_USER2="$KAFKA_SASL_PASSWORD2";
# SASL_SSL + SCRAM: the credentials are in the cluster metadata (kafka_format).
listener.name.sasl_scram.sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256
listener.name.sasl_scram.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_scram.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
# SSL with a client certificate signed by the test CA required.
listener.name.mtls.ssl.client.auth=required
# SASL_SSL + OAUTHBEARER: tokens are JWTs checked against the test issuer's JWKS
# (the URL must also be in the JVM's org.apache.kafka.sasl.oauthbearer.allowed.urls).
listener.name.oauth.sasl.enabled.mechanisms=OAUTHBEARER
listener.name.oauth.oauthbearer.sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;
listener.name.oauth.oauthbearer.sasl.server.callback.handler.class=org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler
listener.name.oauth.oauthbearer.sasl.oauthbearer.jwks.endpoint.url=$KAFKA_OIDC_URL/jwks
listener.name.oauth.oauthbearer.sasl.oauthbearer.expected.audience=$KAFKA_OIDC_AUDIENCE
listener.name.oauth.oauthbearer.sasl.oauthbearer.expected.issuer=$KAFKA_OIDC_URL
sasl.oauthbearer.jwks.endpoint.url=$KAFKA_OIDC_URL/jwks
sasl.oauthbearer.expected.audience=$KAFKA_OIDC_AUDIENCE
sasl.oauthbearer.expected.issuer=$KAFKA_OIDC_URL
EOF
}

# kafka_listener_tls NAME KEYSTORE: the TLS settings of listener NAME: its
# key store (a PEM file with the encrypted key and the certificate chain) and
# the test CA as trust store (for client certificates).
kafka_listener_tls() {
  local prefix=listener.name.$1 tls=$KAFKA_RUN/tls
  cat <<EOF
$prefix.ssl.keystore.type=PEM
$prefix.ssl.keystore.location=$2
$prefix.ssl.key.password=$(cat "$tls/keystore-password.txt")
$prefix.ssl.truststore.type=PEM
$prefix.ssl.truststore.location=$TLS_DIR/ca.pem
EOF
}

# kafka_tls_files: the broker's PEM key stores, made from the test PKI in
# $TLS_DIR: Kafka reads a PEM key store file only with an encrypted PKCS#8
# key (and ssl.key.password), so the keys are encrypted here with a random
# password of this run.
kafka_tls_files() {
  local tls=$KAFKA_RUN/tls name
  [[ -f $TLS_DIR/.complete ]] || die "kafka: the test PKI is missing ($TLS_DIR): services.sh makes it"
  mkdir -p "$tls"
  chmod 700 "$tls"
  head -c 18 /dev/urandom | base64 | tr '+/' '-_' >"$tls/keystore-password.txt"
  for name in server wrong-host; do
    { openssl pkcs8 -topk8 -v1 PBE-SHA1-3DES -in "$TLS_DIR/$name.key" \
      -passout "file:$tls/keystore-password.txt" &&
      cat "$TLS_DIR/$name.pem" "$TLS_DIR/ca.pem"; } >"$tls/$name.keystore.pem" 2>"$tls/openssl.log" ||
      { show_log_tail "$tls/openssl.log"; die "kafka: could not make the $name key store"; }
  done
}

# kafka_format: wipe the data dir and format it for a new cluster with a
# random cluster id (KRaft needs formatted storage before the first start).
# --standalone makes this node the single voter of the controller quorum.
kafka_format() {
  local java=$1 libs=$2 cluster_id
  rm -rf "$KAFKA_RUN/data"
  # A Kafka cluster id is 16 random bytes in URL-safe base64 without padding;
  # like Kafka's own Uuid.randomUuid, never one starting with '-', which the
  # command line would take for an option.
  cluster_id=-
  while [[ $cluster_id == -* ]]; do
    cluster_id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
  done
  # (No log4j2 config here: its default one prints warnings and errors to
  # the console, which goes to format.log.)
  # The SCRAM users of the secured listeners are part of the formatted
  # metadata (KRaft's way of creating them before the first start).
  local -a scram=()
  if [[ $KAFKA_SECURED == 1 ]]; then
    local mechanism user
    for mechanism in SCRAM-SHA-512 SCRAM-SHA-256; do
      for user in "$KAFKA_SASL_USER=$KAFKA_SASL_PASSWORD" "$KAFKA_SASL_USER2=$KAFKA_SASL_PASSWORD2"; do
        scram+=(--add-scram "$mechanism=[name=${user%%=*},password=${user#*=}]")
      done
    done
  fi
  if ! "$java" -Xmx256m -Dlog4j2.level=WARN -cp "$libs/*" \
    kafka.tools.StorageTool format --standalone --cluster-id "$cluster_id" --config "$KAFKA_RUN/server.properties" \
    "${scram[@]}" >"$KAFKA_RUN/format.log" 2>&1; then
    show_log_tail "$KAFKA_RUN/format.log"
    die "kafka: formatting the storage failed"
  fi
}

# kafka_command JAVA HOME: sets the array KAFKA_COMMAND to the broker's command
# line for the run dir $KAFKA_RUN: JVM flags as in Kafka's own
# kafka-run-class.sh (G1, headless), with a small heap; logging goes to
# $KAFKA_RUN/logs/server.log via log4j2. Also used by scripts/fault-node.sh.
kafka_command() {
  local java=$1 home=$2
  # shellcheck disable=SC2206 # KAFKA_HEAP is a list of JVM flags
  KAFKA_COMMAND=("$java" $KAFKA_HEAP -XX:+UseG1GC -XX:MaxGCPauseMillis=20
    -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent
    -Djava.awt.headless=true "$KAFKA_MARKER"
    -Dkafka.logs.dir="$KAFKA_RUN/logs"
    # Kafka 4 fetches OAuth keys only from URLs listed here.
    -Dorg.apache.kafka.sasl.oauthbearer.allowed.urls="$KAFKA_OIDC_URL/jwks,$KAFKA_OIDC_URL/token"
    -Dlog4j2.configurationFile="$KAFKA_SRC/log4j2.properties"
    -cp "$home/libs/*" kafka.Kafka "$KAFKA_RUN/server.properties")
}

# kafka_start: (re)create the run folder, format storage and start the broker
# in the background; `kafka_wait` then waits for it.
kafka_start() {
  local java home port
  if pidfile_pid "$KAFKA_PIDFILE" >/dev/null; then
    log "kafka: already running (pid $(pidfile_pid "$KAFKA_PIDFILE")), leaving it as is"
    return 0
  fi
  rm -f "$KAFKA_PIDFILE"
  # Seen by the functions called from here only (bash's dynamic scope).
  local KAFKA_SECURED=1
  for port in $(kafka_ports); do
    require_free_port kafka "$port"
  done
  java=$(kafka_java)
  home=$(kafka_home)
  rm -rf "$KAFKA_RUN"
  mkdir -p "$KAFKA_RUN/logs"
  kafka_tls_files
  # The broker reads the issuer's keys when it starts: the issuer first.
  kafka_oidc_start
  kafka_write_config
  kafka_format "$java" "$home/libs"
  KAFKA_START_MS=$(now_ms)
  kafka_command "$java" "$home"
  # stdout/stderr (JVM errors only) go to kafka.out.
  nohup "${KAFKA_COMMAND[@]}" >"$KAFKA_RUN/kafka.out" 2>&1 </dev/null &
  write_pidfile "$KAFKA_PIDFILE" "$!" "$KAFKA_MARKER"
  kafka_wait_exec kafka "$KAFKA_PIDFILE"
  log "kafka: started Apache Kafka $KAFKA_VERSION (pid $!) on 127.0.0.1:$KAFKA_PORT (controller :$KAFKA_CONTROLLER_PORT;" \
    "SASL_SSL/PLAIN :$KAFKA_SASL_PLAIN_PORT, SASL_SSL/SCRAM :$KAFKA_SCRAM_PORT, mTLS :$KAFKA_MTLS_PORT," \
    "wrong host :$KAFKA_WRONG_HOST_PORT, OAUTHBEARER :$KAFKA_OAUTH_PORT)"
}

# kafka_ports: every port of the broker services.sh starts, and of its OIDC
# issuer.
kafka_ports() {
  echo "$KAFKA_PORT $KAFKA_CONTROLLER_PORT $KAFKA_SASL_PLAIN_PORT $KAFKA_SCRAM_PORT $KAFKA_MTLS_PORT" \
    "$KAFKA_WRONG_HOST_PORT $KAFKA_OAUTH_PORT $KAFKA_OIDC_PORT"
}

# kafka_wait_exec NAME PIDFILE: wait (at most 5 s) until the process just
# started in the background carries its marker: until then its PID is still
# a fork of this shell (before nohup and the program are exec'd), and
# pidfile_pid would take it for a process that already exited.
kafka_wait_exec() {
  local i
  for ((i = 0; i < 50; i++)); do
    pidfile_pid "$2" >/dev/null && return 0
    sleep 0.1
  done
  die "$1: the process of $2 did not start"
}

# kafka_oidc_start: start the OAuth token issuer of the OAUTHBEARER listener
# (scripts/services/oidc/oidc_server.py, Python's standard library and
# openssl) in the background, as a process of its own with its pid file, and
# wait until it answers (at most 10 s).
kafka_oidc_start() {
  local python start
  stop_pidfile kafka-oidc "$KAFKA_OIDC_PIDFILE" 5
  # The interpreter itself (not a wrapper such as pyenv's shim, which runs
  # it in a process of its own).
  python=$(python3 -c 'import sys; print(sys.executable)') ||
    die "kafka: python3 is required for the OAuth token issuer"
  require_free_port kafka-oidc "$KAFKA_OIDC_PORT"
  nohup "$python" "$SERVICES_DIR/oidc/oidc_server.py" --port "$KAFKA_OIDC_PORT" --dir "$KAFKA_RUN/oidc" \
    --client "$KAFKA_OAUTH_CLIENT_ID:$KAFKA_OAUTH_CLIENT_SECRET" --issuer "$KAFKA_OIDC_URL" \
    --audience "$KAFKA_OIDC_AUDIENCE" "$KAFKA_OIDC_MARKER" >"$KAFKA_RUN/logs/oidc.log" 2>&1 </dev/null &
  write_pidfile "$KAFKA_OIDC_PIDFILE" "$!" "$KAFKA_OIDC_MARKER"
  kafka_wait_exec kafka-oidc "$KAFKA_OIDC_PIDFILE"
  start=$(now_ms)
  until port_open "$KAFKA_OIDC_PORT"; do
    if ! pidfile_pid "$KAFKA_OIDC_PIDFILE" >/dev/null || (($(now_ms) - start > 10000)); then
      show_log_tail "$KAFKA_RUN/logs/oidc.log"
      stop_pidfile kafka-oidc "$KAFKA_OIDC_PIDFILE" 5
      die "kafka: the OAuth token issuer did not start"
    fi
    sleep 0.1
  done
  log "kafka: OAuth token issuer (pid $(pidfile_pid "$KAFKA_OIDC_PIDFILE")) on $KAFKA_OIDC_URL (/token, /jwks)"
}

# kafka_ready: the port accepts connections AND a real metadata round trip
# with the admin client works (cluster id, nodes, topic list).
kafka_ready() {
  local home
  home=$(kafka_home)
  port_open "$KAFKA_PORT" || return 1
  "$(kafka_java)" -Xmx128m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
    -Dlog4j2.level=ERROR -cp "$home/libs/*:$home/tools" KafkaReady "127.0.0.1:$KAFKA_PORT" \
    >"$KAFKA_RUN/ready.log" 2>&1
}

# kafka_wait: wait for kafka_ready (timeout: EVENTBUS_START_TIMEOUT).
kafka_wait() {
  local start=${KAFKA_START_MS:-$(now_ms)}
  if ! wait_ready kafka "$KAFKA_PIDFILE" "$START_TIMEOUT" "$KAFKA_RUN/logs/server.log" kafka_ready; then
    # JVM-level failures (bad flags, out of memory) land in kafka.out instead.
    [[ -s $KAFKA_RUN/kafka.out ]] && show_log_tail "$KAFKA_RUN/kafka.out" 20
    [[ -s $KAFKA_RUN/ready.log ]] && show_log_tail "$KAFKA_RUN/ready.log" 5
    return 1
  fi
  log "kafka: ready in $(since "$start") ($(cat "$KAFKA_RUN/ready.log"))"
}

# kafka_stop: stop the broker we started, then delete its data.
kafka_stop() {
  stop_pidfile kafka "$KAFKA_PIDFILE" 60
  stop_pidfile kafka-oidc "$KAFKA_OIDC_PIDFILE" 10
  rm -rf "$KAFKA_RUN/data"
}

# kafka_status: one line for `services.sh status`; fails when not running.
kafka_status() {
  local pid
  if pid=$(pidfile_pid "$KAFKA_PIDFILE"); then
    if kafka_ready; then
      echo "kafka:    running, ready    pid $pid  127.0.0.1:$KAFKA_PORT  Apache Kafka $KAFKA_VERSION  ($(cat "$KAFKA_RUN/ready.log"))"
    else
      echo "kafka:    running, NOT ready pid $pid  127.0.0.1:$KAFKA_PORT  (see $KAFKA_RUN/logs/server.log)"
      return 1
    fi
  else
    echo "kafka:    stopped"
    return 1
  fi
}
