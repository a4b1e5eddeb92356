# shellcheck shell=bash
# PostgreSQL for scripts/services.sh: Debian's postgresql (the binaries
# under /usr/lib/postgresql/MAJOR/bin, never the clusters that
# postgresql-common manages), a new private cluster on every start,
# listening on 127.0.0.1 only, with a database `eventbus` owned by the user
# eventbus/eventbus (password authentication over TCP).
# Sourced after common.sh; uses CACHE_DIR, RUN_DIR and START_TIMEOUT.
#
# The cluster initdb makes is the same on every run (and takes seconds on a
# busy machine), so it is made once per server version into the cache, and
# each start copies that template.
#
# The server refuses to run as root, so when this script runs as root the
# cluster belongs to, and the server runs as, the `postgres` system user
# (runuser). That user cannot reach a run dir under root's home (mode 700),
# so the cluster and its socket live in a private folder made with mktemp
# under ${TMPDIR:-/tmp}, which $RUN_DIR/postgres/cluster points to; the
# server's log stays in $RUN_DIR/postgres.

POSTGRES_PORT=${EVENTBUS_POSTGRES_PORT:-15432}
POSTGRES_RUN=$RUN_DIR/postgres
POSTGRES_CLUSTER=$POSTGRES_RUN/cluster # symlink to the mktemp folder
POSTGRES_PIDFILE=$RUN_DIR/postgres.pid
POSTGRES_LOG=$POSTGRES_RUN/postgres.log
POSTGRES_URL="postgres://eventbus:eventbus@127.0.0.1:$POSTGRES_PORT/eventbus"
if ((EUID == 0)); then
  POSTGRES_AS=(runuser -u postgres --)
else
  POSTGRES_AS=()
fi
# The superuser is the OS user running the server (postgres, or the user
# running this script), logging in through the socket only (peer); over TCP
# only passwords are accepted. --no-sync: a throwaway cluster.
POSTGRES_INIT_ARGS=(--encoding=UTF8 --no-locale --auth-local=peer --auth-host=md5 --no-sync --no-instructions)

# postgres_bin: the bin folder of the newest PostgreSQL installed from
# Debian's packages; fails when there is none.
postgres_bin() {
  local dir
  dir=$(for d in /usr/lib/postgresql/*/bin; do
    [[ -x $d/postgres && -x $d/initdb && -x $d/psql && -x $d/pg_isready ]] && echo "$d"
  done | sort -V | tail -n 1)
  [[ -n $dir ]] || return 1
  echo "$dir"
}

# postgres_version: e.g. 15.18.
postgres_version() {
  "$(postgres_bin)/postgres" --version | awk '{print $3}'
}

# postgres_template: the cache folder of the template cluster; its name
# carries the server version, the owner and a hash of initdb's arguments.
postgres_template() {
  local version hash
  version=$(postgres_version)
  hash=$(printf '%s\n' "$version" "${POSTGRES_AS[@]}" "${POSTGRES_INIT_ARGS[@]}" | sha256sum | cut -c1-10)
  echo "$CACHE_DIR/postgres-$version-$hash"
}

# postgres_new_dir: a new private folder under ${TMPDIR:-/tmp} that the
# server's user owns.
postgres_new_dir() {
  local dir
  dir=$(mktemp -d "${TMPDIR:-/tmp}/eventbus-postgres.XXXXXX")
  if ((EUID == 0)); then chown postgres:postgres "$dir"; fi
  echo "$dir"
}

# postgres_fetch: install Debian's postgresql (server and client of the
# distribution's major version) when missing (see apt_install), and make the
# template cluster when missing: initdb runs in a folder the server's user
# can reach, then the cluster moves into the cache (keeping its owner) and is
# renamed into place only when complete.
postgres_fetch() {
  local template tmp init start
  if ! postgres_bin >/dev/null; then
    apt_install postgres postgresql
    postgres_bin >/dev/null || die "postgres: no server under /usr/lib/postgresql/*/bin after installing postgresql"
  fi
  template=$(postgres_template)
  [[ -f $template/.complete ]] && return 0
  start=$(now_ms)
  mkdir -p "$CACHE_DIR"
  tmp=$(mktemp -d "$CACHE_DIR/.postgres-init.XXXXXX")
  init=$(postgres_new_dir)
  if ! "${POSTGRES_AS[@]}" "$(postgres_bin)/initdb" --pgdata="$init/data" "${POSTGRES_INIT_ARGS[@]}" \
    >"$tmp/initdb.log" 2>&1; then
    show_log_tail "$tmp/initdb.log"
    rm -rf "$tmp" "$init"
    die "postgres: initdb failed"
  fi
  mv "$init/data" "$tmp/data"
  rm -rf "$init"
  touch "$tmp/.complete"
  rm -rf "$template"
  mv "$tmp" "$template"
  log "postgres: template cluster made in $(since "$start") (first run only): $template"
}

# postgres_dir: the cluster's real folder (data/ and the socket), when set up.
postgres_dir() {
  local dir
  dir=$(readlink "$POSTGRES_CLUSTER" 2>/dev/null) || return 1
  [[ $dir == */eventbus-postgres.* && -d $dir ]] || return 1
  echo "$dir"
}

# postgres_remove_cluster: delete the cluster folder $POSTGRES_CLUSTER points
# to (only one this script made), and the link.
postgres_remove_cluster() {
  local dir
  if dir=$(postgres_dir); then
    rm -rf "$dir"
  fi
  rm -f "$POSTGRES_CLUSTER"
}

# postgres_start: copy the template into a new cluster, then start the
# server in the background.
postgres_start() {
  local bin dir
  if pidfile_pid "$POSTGRES_PIDFILE" >/dev/null; then
    log "postgres: already running (pid $(pidfile_pid "$POSTGRES_PIDFILE")), leaving it as is"
    return 0
  fi
  rm -f "$POSTGRES_PIDFILE"
  require_free_port postgres "$POSTGRES_PORT"
  bin=$(postgres_bin) || die "postgres: no PostgreSQL server under /usr/lib/postgresql/*/bin"
  postgres_remove_cluster
  rm -rf "$POSTGRES_RUN"
  mkdir -p "$POSTGRES_RUN"
  POSTGRES_START_MS=$(now_ms)
  dir=$(postgres_new_dir)
  ln -s "$dir" "$POSTGRES_CLUSTER"
  # -a keeps the owner (postgres) and the modes (700) the server insists on.
  cp -a "$(postgres_template)/data" "$dir/data"
  # runuser stays as the server's parent: the PID recorded here is runuser's
  # until postgres_wait pins the server's own (from postmaster.pid). Both
  # command lines hold the data dir, which is the marker.
  nohup "${POSTGRES_AS[@]}" "$bin/postgres" -D "$dir/data" -p "$POSTGRES_PORT" \
    -c listen_addresses=127.0.0.1 -c unix_socket_directories="$dir" \
    >"$POSTGRES_LOG" 2>&1 </dev/null &
  write_pidfile "$POSTGRES_PIDFILE" "$!" "-D $dir/data"
  log "postgres: started PostgreSQL $(postgres_version) (pid $!) on 127.0.0.1:$POSTGRES_PORT"
}

# postgres_alive: the server accepts connections on its socket.
postgres_alive() {
  local dir
  dir=$(postgres_dir) || return 1
  "$(postgres_bin)/pg_isready" --quiet --host="$dir" --port="$POSTGRES_PORT" --timeout=2
}

# postgres_ready: the eventbus user logs in over TCP and sees its database.
postgres_ready() {
  [[ $(PGPASSWORD=eventbus PGCONNECT_TIMEOUT=2 "$(postgres_bin)/psql" --no-psqlrc \
    --host=127.0.0.1 --port="$POSTGRES_PORT" --username=eventbus --dbname=eventbus \
    --tuples-only --no-align --command='SELECT 1' 2>/dev/null) == 1 ]]
}

# postgres_pin: when the pid file still names runuser (the server's parent),
# record the server's own PID (first line of postmaster.pid) instead, so that
# `down` signals the server itself.
postgres_pin() {
  local dir pid server marker
  dir=$(postgres_dir) || return 0
  pid=$(pidfile_pid "$POSTGRES_PIDFILE") || return 0
  marker=$(sed -n 2p "$POSTGRES_PIDFILE")
  server=$(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null) || return 0
  if [[ $server != "$pid" ]] && proc_matches "$server" "$marker"; then
    write_pidfile "$POSTGRES_PIDFILE" "$server" "$marker"
  fi
}

# postgres_wait: wait until the server answers, create the user and its
# database (idempotent, so a second `up` is harmless), pin the pid file to
# the server itself, then check that the user logs in over TCP.
postgres_wait() {
  local start=${POSTGRES_START_MS:-$(now_ms)} dir
  wait_ready postgres "$POSTGRES_PIDFILE" "$START_TIMEOUT" "$POSTGRES_LOG" postgres_alive || return 1
  dir=$(postgres_dir)
  # The superuser logs in through the socket (peer authentication).
  if ! "${POSTGRES_AS[@]}" "$(postgres_bin)/psql" --no-psqlrc --quiet --host="$dir" \
    --port="$POSTGRES_PORT" --dbname=postgres --set=ON_ERROR_STOP=1 >"$POSTGRES_RUN/setup.log" 2>&1 <<'EOF'; then
SELECT 'CREATE ROLE eventbus LOGIN PASSWORD ''eventbus'''
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'eventbus') \gexec
SELECT 'CREATE DATABASE eventbus OWNER eventbus'
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'eventbus') \gexec
EOF
    show_log_tail "$POSTGRES_RUN/setup.log"
    die "postgres: creating the eventbus user and database failed"
  fi
  postgres_pin
  if ! postgres_ready; then
    show_log_tail "$POSTGRES_LOG"
    die "postgres: the eventbus user cannot log in on 127.0.0.1:$POSTGRES_PORT"
  fi
  log "postgres: ready in $(since "$start")"
}

# postgres_stop: stop the server we started with SIGINT, PostgreSQL's "fast"
# shutdown (SIGTERM would wait for every client to disconnect), then delete
# the cluster. Only if the server has not yet written postmaster.pid is the
# pid file still runuser's: runuser ignores SIGINT and passes SIGTERM on,
# which is then sent (no client can be connected yet).
postgres_stop() {
  local pid signal=INT
  postgres_pin
  if pid=$(pidfile_pid "$POSTGRES_PIDFILE") && [[ $(cat "/proc/$pid/comm" 2>/dev/null) == runuser ]]; then
    signal=TERM
  fi
  stop_pidfile postgres "$POSTGRES_PIDFILE" 30 "$signal"
  postgres_remove_cluster
}

# postgres_status: one line for `services.sh status`; fails when not running.
postgres_status() {
  local pid
  if pid=$(pidfile_pid "$POSTGRES_PIDFILE"); then
    if postgres_ready; then
      echo "postgres: running, ready    pid $pid  $POSTGRES_URL"
    else
      echo "postgres: running, NOT ready pid $pid  (see $POSTGRES_LOG)"
      return 1
    fi
  else
    echo "postgres: stopped"
    return 1
  fi
}
