# shellcheck shell=bash
# Redis for scripts/services.sh: Debian's redis-server, started by hand (not
# as a system service) on 127.0.0.1 only, without persistence.
# Sourced after common.sh; uses RUN_DIR and START_TIMEOUT.

REDIS_PORT=${EVENTBUS_REDIS_PORT:-16379}
REDIS_RUN=$RUN_DIR/redis
REDIS_PIDFILE=$RUN_DIR/redis.pid
REDIS_LOG=$REDIS_RUN/redis.log
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
  rm -rf "$REDIS_RUN"
  mkdir -p "$REDIS_RUN"
  REDIS_START_MS=$(now_ms)
  # --dir: the working dir (nothing is saved there with these settings);
  # --logfile '': log to stdout, redirected to $REDIS_LOG.
  nohup redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' \
    --appendonly no --daemonize no --dir "$REDIS_RUN" --logfile '' \
    >"$REDIS_LOG" 2>&1 </dev/null &
  # The process title is only rewritten once redis has started, so record a
  # marker that matches both the initial command line and the new title.
  write_pidfile "$REDIS_PIDFILE" "$!" "redis-server"
  log "redis: started $(redis-server --version | cut -d' ' -f1-3) (pid $!) on 127.0.0.1:$REDIS_PORT"
}

# redis_ready: redis-cli PING answers PONG.
redis_ready() {
  [[ $(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null) == PONG ]]
}

# redis_wait: wait for redis_ready, then pin the pid file to the full
# "redis-server 127.0.0.1:PORT" title so `down` matches this exact server.
redis_wait() {
  local start=${REDIS_START_MS:-$(now_ms)} pid
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
      echo "redis:    running, ready    pid $pid  redis://127.0.0.1:$REDIS_PORT/"
    else
      echo "redis:    running, NOT ready pid $pid  (see $REDIS_LOG)"
      return 1
    fi
  else
    echo "redis:    stopped"
    return 1
  fi
}
