# shellcheck shell=bash
# Helpers shared by scripts/services.sh and the per-service files next to this
# one (kafka.sh, registry.sh, redis.sh). Sourced, never run on its own.
#
# Conventions:
#   * progress and errors go to stderr, so that stdout of `services.sh up` and
#     `services.sh env` carries only `export ...` lines (usable with eval);
#   * every process the script starts gets a pid file in the run dir holding
#     two lines: the PID, and a "marker" string that must appear in that
#     process's command line. A PID is only trusted (status, down) while the
#     marker still matches, so a recycled PID is never signalled.

# log MESSAGE...: progress line on stderr.
log() {
  printf '[services] %s\n' "$*" >&2
}

# die MESSAGE...: error line on stderr, then exit 1.
die() {
  printf '[services] ERROR: %s\n' "$*" >&2
  exit 1
}

# now_ms: wall clock in milliseconds (bash 5 EPOCHREALTIME, no subprocess).
now_ms() {
  local t=${EPOCHREALTIME/[.,]/}
  echo $((t / 1000))
}

# since START_MS: prints the time elapsed since START_MS as e.g. "3.4s".
since() {
  local ms=$(($(now_ms) - $1))
  printf '%d.%ds' $((ms / 1000)) $(((ms % 1000) / 100))
}

# port_open PORT: true when something accepts TCP connections on 127.0.0.1:PORT.
port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# require_free_port NAME PORT: refuse to start NAME over a port already in use
# (by a process this script does not know about).
require_free_port() {
  if port_open "$2"; then
    die "$1: port 127.0.0.1:$2 is already in use by another process; stop it or choose another port (see 'services.sh help')"
  fi
}

# proc_matches PID MARKER: true when PID is a live (non-zombie) process whose
# command line contains MARKER. A zombie has an empty cmdline, so it never
# matches, and an exited process has no /proc entry at all.
proc_matches() {
  local pid=$1 marker=$2 cmdline
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  cmdline=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || return 1
  [[ -n $cmdline && $cmdline == *"$marker"* ]]
}

# write_pidfile FILE PID MARKER: record a started process.
write_pidfile() {
  printf '%s\n%s\n' "$2" "$3" >"$1"
}

# pidfile_pid FILE: prints the recorded PID if that process is still alive and
# still matches its recorded marker; fails (and prints nothing) otherwise.
pidfile_pid() {
  local file=$1 pid='' marker=''
  [[ -f $file ]] || return 1
  { IFS= read -r pid && IFS= read -r marker; } <"$file" || return 1
  [[ -n $marker ]] || return 1
  proc_matches "$pid" "$marker" || return 1
  echo "$pid"
}

# stop_pidfile NAME FILE TIMEOUT_S [SIGNAL]: send SIGNAL (default TERM) to the
# recorded process, wait up to TIMEOUT_S seconds for it to exit, then SIGKILL
# it; removes the pid file. A stale pid file (process gone, or PID reused by
# something else) is just removed: nothing is signalled in that case.
stop_pidfile() {
  local name=$1 file=$2 timeout=$3 signal=${4:-TERM} pid marker start
  if ! pid=$(pidfile_pid "$file"); then
    [[ -f $file ]] && log "$name: not running (removing stale pid file)"
    rm -f "$file"
    return 0
  fi
  marker=$(sed -n 2p "$file")
  start=$(now_ms)
  log "$name: stopping pid $pid (SIG$signal)"
  kill -"$signal" "$pid" 2>/dev/null || true
  while proc_matches "$pid" "$marker"; do
    if (($(now_ms) - start > timeout * 1000)); then
      log "$name: still running after ${timeout}s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
      break
    fi
    sleep 0.2
  done
  if proc_matches "$pid" "$marker"; then
    die "$name: pid $pid did not exit"
  fi
  rm -f "$file"
  log "$name: stopped in $(since "$start")"
}

# apt_install NAME PACKAGE...: install Debian packages with apt-get (after an
# `apt-get update`), as root or through sudo; the output goes to
# $RUN_DIR/apt-NAME.log, whose tail is printed on failure. Debian's packages
# would normally also start a system-wide service; where no init system runs
# (containers, CI) that start is skipped, and this script never uses it.
apt_install() {
  local name=$1 start logfile=$RUN_DIR/apt-$1.log
  local -a sudo=()
  shift
  start=$(now_ms)
  if ((EUID != 0)); then
    command -v sudo >/dev/null 2>&1 || die "$name: $* missing; install with: apt-get install $*"
    sudo=(sudo)
  fi
  command -v apt-get >/dev/null 2>&1 || die "$name: $* missing and apt-get is not available"
  log "$name: installing $* with apt-get (first run only)"
  mkdir -p "$RUN_DIR"
  if ! { "${sudo[@]}" apt-get update -q &&
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"; } \
    >"$logfile" 2>&1; then
    show_log_tail "$logfile"
    die "$name: apt-get install $* failed"
  fi
  log "$name: $* installed in $(since "$start")"
}

# show_log_tail FILE [LINES]: print the end of a log file on stderr (used
# when a service fails to start).
show_log_tail() {
  local file=$1 lines=${2:-40}
  if [[ -s $file ]]; then
    printf '[services] ---- last %s lines of %s ----\n' "$lines" "$file" >&2
    tail -n "$lines" "$file" >&2
    printf '[services] ---- end of %s ----\n' "$file" >&2
  else
    log "(log $file is empty or missing)"
  fi
}

# wait_ready NAME PIDFILE TIMEOUT_S LOGFILE CHECK_CMD...: poll CHECK_CMD until
# it succeeds. Fails, printing the tail of LOGFILE, when the process dies or
# TIMEOUT_S seconds pass.
wait_ready() {
  local name=$1 pidfile=$2 timeout=$3 logfile=$4 start
  shift 4
  start=$(now_ms)
  until "$@"; do
    if ! pidfile_pid "$pidfile" >/dev/null; then
      log "$name: process exited during startup"
      show_log_tail "$logfile"
      return 1
    fi
    if (($(now_ms) - start > timeout * 1000)); then
      log "$name: not ready after ${timeout}s"
      show_log_tail "$logfile"
      return 1
    fi
    sleep 0.3
  done
}

# java_major JAVA: prints the feature version of a java binary (8, 17, 21,
# 25, ...), or fails when it cannot be run.
java_major() {
  local line first second
  line=$("$1" -version 2>&1) || return 1
  # 'openjdk version "17.0.15" ...' -> "17 0"; 'java version "1.8.0_x"' -> "1 8"
  # (the first line may be a "Picked up JAVA_TOOL_OPTIONS" notice: skip it)
  read -r first second < <(sed -E -n '/version "/{s/.*version "([0-9]+)(\.([0-9]+))?.*/\1 \3/p;q}' <<<"$line") || true
  [[ -n ${first:-} ]] || return 1
  if [[ $first == 1 ]]; then echo "$second"; else echo "$first"; fi
}

# find_java MIN_MAJOR: prints the path of a java binary of at least MIN_MAJOR,
# looking at $JAVA_HOME, then `java` on PATH, then the JDKs installed under
# /usr/lib/jvm (newest first). Fails when none qualifies.
find_java() {
  local min=$1 candidate major
  local -a candidates=()
  [[ -n ${JAVA_HOME:-} ]] && candidates+=("$JAVA_HOME/bin/java")
  command -v java >/dev/null 2>&1 && candidates+=("$(command -v java)")
  for candidate in /usr/lib/jvm/*/bin/java; do
    [[ -x $candidate ]] && candidates+=("$candidate")
  done
  local best='' best_major=0
  for candidate in "${candidates[@]}"; do
    [[ -x $candidate ]] || continue
    major=$(java_major "$candidate") || continue
    # The first qualifying candidate from JAVA_HOME/PATH wins; among the
    # /usr/lib/jvm ones the newest does.
    if ((major >= min)); then
      if [[ $candidate != /usr/lib/jvm/* ]]; then
        echo "$candidate"
        return 0
      fi
      if ((major > best_major)); then
        best=$candidate
        best_major=$major
      fi
    fi
  done
  [[ -n $best ]] || return 1
  echo "$best"
}

# mvn_fetch LOGFILE MVN_ARGS...: run Maven in batch mode (no colours, no
# progress bars), output to LOGFILE; on failure print its tail and fail.
mvn_fetch() {
  local logfile=$1
  shift
  command -v mvn >/dev/null 2>&1 || die "mvn (Maven) is required to download the service jars"
  if ! mvn -B -ntp "$@" >"$logfile" 2>&1; then
    show_log_tail "$logfile" 30
    return 1
  fi
}

# Pinned so that downloads do not depend on Maven's default plugin version.
DEPENDENCY_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.8.1
