# shellcheck shell=bash
# Redis for scripts/services.sh: Debian's redis-server, started by hand (not
# as a system service) on 127.0.0.1 only, without persistence.
# Sourced after common.sh and tls.sh; uses RUN_DIR, START_TIMEOUT and TLS_DIR
# (the test PKI, made here when missing).
#
# One server, two ports:
#   REDIS_PORT      plain TCP, the `default` user without a password (what
#                   most tests use);
#   REDIS_TLS_PORT  TLS with the test PKI's server.pem (SAN localhost and
#                   127.0.0.1); a client certificate is optional but, when
#                   sent, must be signed by the test CA. Both ports know the
#                   ACL user REDIS_ACL_USER, allowed only what the event bus
#                   runs (stream commands, PING, SCAN, TYPE, EXISTS, SELECT).

REDIS_PORT=${EVENTBUS_REDIS_PORT:-16379}
REDIS_TLS_PORT=${EVENTBUS_REDIS_TLS_PORT:-16380}
REDIS_ACL_USER=eventbus-acl
REDIS_ACL_PASSWORD=${EVENTBUS_REDIS_ACL_PASSWORD:-eventbus-acl-test-password}
REDIS_RUN=$RUN_DIR/redis
REDIS_PIDFILE=$RUN_DIR/redis.pid
REDIS_LOG=$REDIS_RUN/redis.log
REDIS_ACL_FILE=$REDIS_RUN/users.acl
# redis-server rewrites its process title to "redis-server 127.0.0.1:PORT",
# which is what /proc/PID/cmdline then shows: match on that.
REDIS_MARKER="redis-server 127.0.0.1:$REDIS_PORT"

# redis_fetch: install Debian's redis-server (which brings redis-cli) when it
# is missing (see apt_install).
redis_fetch() {
  command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1 && return 0
  apt_install redis redis-server
}

# redis_start: start redis-server in the background (foreground mode, so the
# PID we record is the server itself), no RDB snapshots, no AOF.
redis_start() {
  if pidfile_pid "$REDIS_PIDFILE" >/dev/null; then
    log "redis: already running (pid $(pidfile_pid "$REDIS_PIDFILE")), leaving it as is"
    return 0
  fi
  rm -f "$REDIS_PIDFILE"
  require_free_port redis "$REDIS_PORT"
  require_free_port redis "$REDIS_TLS_PORT"
  tls_pki "$TLS_DIR"
  rm -rf "$REDIS_RUN"
  mkdir -p "$REDIS_RUN"
  redis_acl_file
  REDIS_START_MS=$(now_ms)
  # --dir: the working dir (nothing is saved there with these settings);
  # --logfile '': log to stdout, redirected to $REDIS_LOG.
  nohup redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' \
    --appendonly no --daemonize no --dir "$REDIS_RUN" --logfile '' \
    --aclfile "$REDIS_ACL_FILE" \
    --tls-port "$REDIS_TLS_PORT" --tls-cert-file "$TLS_DIR/server.pem" \
    --tls-key-file "$TLS_DIR/server.key" --tls-ca-cert-file "$TLS_DIR/ca.pem" \
    --tls-auth-clients optional \
    >"$REDIS_LOG" 2>&1 </dev/null &
  # The process title is only rewritten once redis has started, so record a
  # marker that matches both the initial command line and the new title.
  write_pidfile "$REDIS_PIDFILE" "$!" "redis-server"
  log "redis: started $(redis-server --version | cut -d' ' -f1-3) (pid $!) on 127.0.0.1:$REDIS_PORT, TLS on 127.0.0.1:$REDIS_TLS_PORT"
}

# redis_acl_file: the users, in an ACL file readable by its owner only; the
# ACL user's password is stored as its SHA-256 (Redis' `#` form), not as is.
# `default` keeps every right and no password (the plain-port tests).
redis_acl_file() {
  local hash
  hash=$(printf '%s' "$REDIS_ACL_PASSWORD" | sha256sum | cut -d' ' -f1)
  (
    umask 077
    printf '%s\n' \
      'user default on nopass ~* &* +@all' \
      "user $REDIS_ACL_USER on #$hash ~* resetchannels -@all +@stream +ping +scan +type +exists +select" \
      >"$REDIS_ACL_FILE"
  )
}

# redis_ready: redis-cli PING answers PONG on the plain port, and on the TLS
# port as the ACL user (trusting the test CA only).
redis_ready() {
  [[ $(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null) == PONG ]] &&
    [[ $(REDISCLI_AUTH=$REDIS_ACL_PASSWORD redis-cli -h 127.0.0.1 -p "$REDIS_TLS_PORT" \
      --tls --cacert "$TLS_DIR/ca.pem" --user "$REDIS_ACL_USER" ping 2>/dev/null) == PONG ]]
}

# redis_wait: wait for redis_ready, then pin the pid file to the full
# "redis-server 127.0.0.1:PORT" title so `down` matches this exact server.
redis_wait() {
  local start=${REDIS_START_MS:-$(now_ms)} pid
  # A server this run did not start that answers on the plain port only was
  # started by an older services.sh, without the TLS port and the ACL user.
  if [[ -z ${REDIS_START_MS:-} ]] && ! redis_ready &&
    [[ $(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null) == PONG ]]; then
    die "redis: the running server (pid $(pidfile_pid "$REDIS_PIDFILE")) has no TLS port $REDIS_TLS_PORT or ACL user $REDIS_ACL_USER (started by an older services.sh): restart it with 'scripts/services.sh down redis' then 'up'"
  fi
  wait_ready redis "$REDIS_PIDFILE" "$START_TIMEOUT" "$REDIS_LOG" redis_ready || return 1
  pid=$(pidfile_pid "$REDIS_PIDFILE")
  proc_matches "$pid" "$REDIS_MARKER" && write_pidfile "$REDIS_PIDFILE" "$pid" "$REDIS_MARKER"
  log "redis: ready in $(since "$start")"
}

# redis_stop: stop the server we started.
redis_stop() {
  stop_pidfile redis "$REDIS_PIDFILE" 20
}

# redis_status: one line for `services.sh status`; fails when not running.
redis_status() {
  local pid
  if pid=$(pidfile_pid "$REDIS_PIDFILE"); then
    if redis_ready; then
      echo "redis:    running, ready    pid $pid  redis://127.0.0.1:$REDIS_PORT/  rediss://127.0.0.1:$REDIS_TLS_PORT/ (user $REDIS_ACL_USER)"
    else
      echo "redis:    running, NOT ready pid $pid  (see $REDIS_LOG)"
      return 1
    fi
  else
    echo "redis:    stopped"
    return 1
  fi
}
