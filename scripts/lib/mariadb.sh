# shellcheck shell=bash
# MariaDB for scripts/services.sh: Debian's mariadb-server, started by hand
# (not as a system service, without any of /etc/mysql's settings) on
# 127.0.0.1 only, with a fresh data dir in the run dir on every start, a
# database `eventbus` and a user eventbus/eventbus with all rights on it.
# Sourced after common.sh; uses CACHE_DIR, RUN_DIR and START_TIMEOUT.
#
# The data dir mariadb-install-db makes is the same on every run (and takes
# seconds on a busy machine), so it is made once per server version into the
# cache, and each start copies that template.

MARIADB_PORT=${EVENTBUS_MARIADB_PORT:-13306}
MARIADB_RUN=$RUN_DIR/mariadb
MARIADB_DATA=$MARIADB_RUN/data
MARIADB_SOCKET=$MARIADB_RUN/mariadb.sock
MARIADB_PIDFILE=$RUN_DIR/mariadb.pid
MARIADB_LOG=$MARIADB_RUN/mariadb.log
# The server keeps its command line: the data dir names this run dir's server.
MARIADB_MARKER="--datadir=$MARIADB_DATA"
MARIADB_URL="mysql://eventbus:eventbus@127.0.0.1:$MARIADB_PORT/eventbus"
# The server runs as the user running this script (root here: mariadbd then
# needs --user=root); the install creates a MariaDB account of that name that
# logs in through the socket only (unix_socket authentication), used for the
# setup below.
MARIADB_OS_USER=$(id -un)
# --no-defaults everywhere: nothing is read from /etc/mysql or ~/.my.cnf.
# A 16 MiB redo log instead of 96 MiB keeps the data dir small to copy; the
# server gets the same size, so it never resizes the log.
MARIADB_INNODB_ARGS=(--innodb-log-file-size=16M)
# No test database, no anonymous users; root and the OS user log in through
# the socket only.
MARIADB_INIT_ARGS=(--no-defaults --user="$MARIADB_OS_USER" --auth-root-authentication-method=socket
  --skip-test-db --skip-name-resolve "${MARIADB_INNODB_ARGS[@]}")

# mariadbd lives in /usr/sbin, which is not on every user's PATH.
mariadb_server_bin() {
  command -v mariadbd 2>/dev/null || echo /usr/sbin/mariadbd
}

# mariadb_version: e.g. 10.11.19.
mariadb_version() {
  "$(mariadb_server_bin)" --version | sed -E 's/.*Ver ([0-9.]+).*/\1/'
}

# mariadb_template: the cache folder of the template data dir; its name
# carries the server version and a hash of the initialisation arguments.
mariadb_template() {
  local version hash
  version=$(mariadb_version)
  hash=$(printf '%s\n' "$version" "${MARIADB_INIT_ARGS[@]}" | sha256sum | cut -c1-10)
  echo "$CACHE_DIR/mariadb-$version-$hash"
}

# mariadb_fetch: install Debian's mariadb-server and mariadb-client (the
# `mariadb` and `mariadb-admin` clients) when missing (see apt_install), and
# make the template data dir when missing (renamed into place only when
# complete, like Kafka's jars).
mariadb_fetch() {
  local template tmp start
  if ! { [[ -x $(mariadb_server_bin) ]] && command -v mariadb-install-db >/dev/null 2>&1 &&
    command -v mariadb >/dev/null 2>&1 && command -v mariadb-admin >/dev/null 2>&1; }; then
    apt_install mariadb mariadb-server mariadb-client
  fi
  template=$(mariadb_template)
  [[ -f $template/.complete ]] && return 0
  start=$(now_ms)
  mkdir -p "$CACHE_DIR"
  tmp=$(mktemp -d "$CACHE_DIR/.mariadb-init.XXXXXX")
  if ! mariadb-install-db "${MARIADB_INIT_ARGS[@]}" --datadir="$tmp/data" >"$tmp/install-db.log" 2>&1; then
    show_log_tail "$tmp/install-db.log"
    rm -rf "$tmp"
    die "mariadb: mariadb-install-db failed"
  fi
  touch "$tmp/.complete"
  rm -rf "$template"
  mv "$tmp" "$template"
  log "mariadb: template data dir made in $(since "$start") (first run only): $template"
}

# mariadb_start: copy the template into a new data dir, then start the
# server in the background (its PID is the server's own).
mariadb_start() {
  if pidfile_pid "$MARIADB_PIDFILE" >/dev/null; then
    log "mariadb: already running (pid $(pidfile_pid "$MARIADB_PIDFILE")), leaving it as is"
    return 0
  fi
  rm -f "$MARIADB_PIDFILE"
  require_free_port mariadb "$MARIADB_PORT"
  rm -rf "$MARIADB_RUN"
  mkdir -p "$MARIADB_RUN"
  chmod 700 "$MARIADB_RUN"
  MARIADB_START_MS=$(now_ms)
  cp -a "$(mariadb_template)/data" "$MARIADB_DATA"
  # utf8mb4 as Debian's own configuration sets it (the built-in default is
  # latin1); errors and notes go to stderr, redirected to $MARIADB_LOG.
  nohup "$(mariadb_server_bin)" --no-defaults "$MARIADB_MARKER" --user="$MARIADB_OS_USER" \
    --bind-address=127.0.0.1 --port="$MARIADB_PORT" --socket="$MARIADB_SOCKET" \
    --pid-file="$MARIADB_RUN/mariadbd.pid" --skip-name-resolve \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci "${MARIADB_INNODB_ARGS[@]}" \
    >"$MARIADB_LOG" 2>&1 </dev/null &
  write_pidfile "$MARIADB_PIDFILE" "$!" "$MARIADB_MARKER"
  log "mariadb: started MariaDB $(mariadb_version) (pid $!) on 127.0.0.1:$MARIADB_PORT"
}

# mariadb_admin SQL...: run statements as the administrator, through the socket.
mariadb_admin() {
  mariadb --no-defaults --socket="$MARIADB_SOCKET" --user="$MARIADB_OS_USER" --batch -e "$*"
}

# mariadb_alive: the server answers on its socket.
mariadb_alive() {
  mariadb-admin --no-defaults --socket="$MARIADB_SOCKET" --user="$MARIADB_OS_USER" \
    --connect-timeout=2 ping >/dev/null 2>&1
}

# mariadb_ready: the eventbus user logs in over TCP and sees its database.
mariadb_ready() {
  [[ $(mariadb --no-defaults --host=127.0.0.1 --port="$MARIADB_PORT" --user=eventbus \
    --password=eventbus --connect-timeout=2 --batch --skip-column-names eventbus \
    -e 'SELECT 1' 2>/dev/null) == 1 ]]
}

# mariadb_wait: wait until the server answers, create the database and the
# user (idempotent, so a second `up` is harmless), then check that the user
# logs in over TCP.
mariadb_wait() {
  local start=${MARIADB_START_MS:-$(now_ms)}
  wait_ready mariadb "$MARIADB_PIDFILE" "$START_TIMEOUT" "$MARIADB_LOG" mariadb_alive || return 1
  # Two accounts: TCP connections come from host 127.0.0.1 (names are not
  # resolved), socket ones from localhost.
  if ! mariadb_admin "CREATE DATABASE IF NOT EXISTS eventbus;
    CREATE USER IF NOT EXISTS 'eventbus'@'127.0.0.1' IDENTIFIED BY 'eventbus';
    CREATE USER IF NOT EXISTS 'eventbus'@'localhost' IDENTIFIED BY 'eventbus';
    GRANT ALL PRIVILEGES ON eventbus.* TO 'eventbus'@'127.0.0.1', 'eventbus'@'localhost';" \
    >"$MARIADB_RUN/setup.log" 2>&1; then
    show_log_tail "$MARIADB_RUN/setup.log"
    die "mariadb: creating the eventbus database and user failed"
  fi
  if ! mariadb_ready; then
    show_log_tail "$MARIADB_LOG"
    die "mariadb: the eventbus user cannot log in on 127.0.0.1:$MARIADB_PORT"
  fi
  log "mariadb: ready in $(since "$start")"
}

# mariadb_stop: stop the server we started (SIGTERM is its clean shutdown),
# then delete its data.
mariadb_stop() {
  stop_pidfile mariadb "$MARIADB_PIDFILE" 30
  rm -rf "$MARIADB_DATA"
}

# mariadb_status: one line for `services.sh status`; fails when not running.
mariadb_status() {
  local pid
  if pid=$(pidfile_pid "$MARIADB_PIDFILE"); then
    if mariadb_ready; then
      echo "mariadb:  running, ready    pid $pid  $MARIADB_URL"
    else
      echo "mariadb:  running, NOT ready pid $pid  (see $MARIADB_LOG)"
      return 1
    fi
  else
    echo "mariadb:  stopped"
    return 1
  fi
}
