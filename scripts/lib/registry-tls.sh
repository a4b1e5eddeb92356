# shellcheck shell=bash
# The schema registry behind TLS and basic auth, for scripts/services.sh (the
# service `registry-tls`; its entry points are registry-tls_fetch, _start,
# _wait, _stop, _status and _running):
# Debian's nginx as a reverse proxy, on 127.0.0.1 only, in front of the
# registry of registry.sh (http://127.0.0.1:REGISTRY_PORT). Sourced after
# common.sh, tls.sh and registry.sh; uses RUN_DIR, START_TIMEOUT, TLS_DIR and
# REGISTRY_PORT.
#
# Two HTTPS ports, both with the test PKI's server.pem (SAN localhost and
# 127.0.0.1) and basic auth (REGISTRY_TLS_USER / REGISTRY_TLS_PASSWORD, an
# htpasswd file made at start with `openssl passwd`):
#   REGISTRY_TLS_PORT   a client certificate is optional (verified against
#                       the test CA when one is sent);
#   REGISTRY_MTLS_PORT  a client certificate signed by the test CA is required.
# nginx runs in the foreground (`daemon off`, one worker) with its own prefix,
# configuration, logs and scratch folders in $RUN_DIR/registry-tls.

REGISTRY_TLS_PORT=${EVENTBUS_REGISTRY_TLS_PORT:-18443}
REGISTRY_MTLS_PORT=${EVENTBUS_REGISTRY_MTLS_PORT:-18444}
REGISTRY_TLS_USER=eventbus-registry
REGISTRY_TLS_PASSWORD=${EVENTBUS_REGISTRY_TLS_PASSWORD:-eventbus-registry-test-password}

REGISTRY_TLS_RUN=$RUN_DIR/registry-tls
REGISTRY_TLS_PIDFILE=$RUN_DIR/registry-tls.pid
REGISTRY_TLS_LOG=$REGISTRY_TLS_RUN/error.log
REGISTRY_TLS_CONF=$REGISTRY_TLS_RUN/nginx.conf
# nginx's master keeps its command line in its process title
# ("nginx: master process /usr/sbin/nginx -p ... -c CONF ..."): match on the
# configuration's path, unique to this run dir.
REGISTRY_TLS_MARKER="-c $REGISTRY_TLS_CONF"
REGISTRY_TLS_URL="https://127.0.0.1:$REGISTRY_TLS_PORT/apis/ccompat/v7"
REGISTRY_MTLS_URL="https://127.0.0.1:$REGISTRY_MTLS_PORT/apis/ccompat/v7"

# registry_tls_nginx: the nginx binary (Debian puts it in /usr/sbin, which a
# non-root PATH may lack).
registry_tls_nginx() {
  command -v nginx 2>/dev/null || { [[ -x /usr/sbin/nginx ]] && echo /usr/sbin/nginx; }
}

# registry-tls_fetch: install Debian's nginx when it is missing (see
# apt_install; no system-wide nginx is started or used).
registry-tls_fetch() {
  registry_tls_nginx >/dev/null && return 0
  apt_install registry-tls nginx
}

# registry_tls_config: the htpasswd file and nginx.conf.
registry_tls_config() {
  local run=$REGISTRY_TLS_RUN hash
  hash=$(openssl passwd -apr1 -stdin <<<"$REGISTRY_TLS_PASSWORD") ||
    die "registry-tls: openssl passwd failed"
  # It holds a salted hash only. nginx's worker reads it at each request: the
  # worker runs as the user who started nginx (`user` below), since a default
  # `nobody` worker cannot enter a run dir under a private home (/root).
  printf '%s:%s\n' "$REGISTRY_TLS_USER" "$hash" >"$run/htpasswd"
  chmod 644 "$run/htpasswd"
  cat >"$REGISTRY_TLS_CONF" <<EOF
# Made by scripts/lib/registry-tls.sh at each start.
daemon off;
worker_processes 1;
$( ((EUID == 0)) && echo "user root root;")
pid $run/nginx.pid;
error_log $run/error.log warn;
events { worker_connections 256; }
http {
  access_log $run/access.log;
  client_body_temp_path $run/tmp/body;
  proxy_temp_path $run/tmp/proxy;
  fastcgi_temp_path $run/tmp/fastcgi;
  uwsgi_temp_path $run/tmp/uwsgi;
  scgi_temp_path $run/tmp/scgi;
  client_max_body_size 16m;
  ssl_certificate $TLS_DIR/server.pem;
  ssl_certificate_key $TLS_DIR/server.key;
  ssl_client_certificate $TLS_DIR/ca.pem;
  ssl_protocols TLSv1.2 TLSv1.3;
  auth_basic "eventbus test schema registry";
  auth_basic_user_file $run/htpasswd;
  proxy_http_version 1.1;
  proxy_set_header Connection "";
  server {
    listen 127.0.0.1:$REGISTRY_TLS_PORT ssl;
    server_name localhost 127.0.0.1;
    ssl_verify_client optional;
    location / { proxy_pass http://127.0.0.1:$REGISTRY_PORT; }
  }
  server {
    listen 127.0.0.1:$REGISTRY_MTLS_PORT ssl;
    server_name localhost 127.0.0.1;
    ssl_verify_client on;
    location / { proxy_pass http://127.0.0.1:$REGISTRY_PORT; }
  }
}
EOF
}

# registry-tls_start: write the configuration and start nginx in the
# background (foreground mode, so the PID recorded is nginx's master).
registry-tls_start() {
  local nginx
  if pidfile_pid "$REGISTRY_TLS_PIDFILE" >/dev/null; then
    log "registry-tls: already running (pid $(pidfile_pid "$REGISTRY_TLS_PIDFILE")), leaving it as is"
    return 0
  fi
  rm -f "$REGISTRY_TLS_PIDFILE"
  nginx=$(registry_tls_nginx) || die "registry-tls: nginx is not installed"
  require_free_port registry-tls "$REGISTRY_TLS_PORT"
  require_free_port registry-tls "$REGISTRY_MTLS_PORT"
  tls_pki "$TLS_DIR"
  rm -rf "$REGISTRY_TLS_RUN"
  mkdir -p "$REGISTRY_TLS_RUN/tmp"
  registry_tls_config
  REGISTRY_TLS_START_MS=$(now_ms)
  # -e: the log of the start itself (before the configuration is read),
  # instead of Debian's /var/log/nginx/error.log.
  nohup "$nginx" -p "$REGISTRY_TLS_RUN/" -e "$REGISTRY_TLS_LOG" -c "$REGISTRY_TLS_CONF" \
    >>"$REGISTRY_TLS_LOG" 2>&1 </dev/null &
  write_pidfile "$REGISTRY_TLS_PIDFILE" "$!" "$REGISTRY_TLS_MARKER"
  log "registry-tls: started $("$nginx" -v 2>&1 | sed 's/.*version: //') (pid $!) on 127.0.0.1:$REGISTRY_TLS_PORT and :$REGISTRY_MTLS_PORT (client certificate required) -> 127.0.0.1:$REGISTRY_PORT"
}

# https_status URL [CURL_ARGS...]: the HTTP status of a GET over TLS trusting
# the test CA only (000 when no answer). Uses curl when present, else
# Python's standard library (which then ignores CURL_ARGS but --user).
https_status() {
  local url=$1
  shift
  if command -v curl >/dev/null 2>&1; then
    curl -s -o /dev/null -m 5 -w '%{http_code}' --cacert "$TLS_DIR/ca.pem" "$@" "$url" || true
  else
    python3 - "$url" "$TLS_DIR/ca.pem" "$@" <<'EOF' || echo 000
import base64, ssl, sys, urllib.request, urllib.error
url, ca, args = sys.argv[1], sys.argv[2], sys.argv[3:]
request = urllib.request.Request(url)
if "--user" in args:
    user = args[args.index("--user") + 1].encode()
    request.add_header("Authorization", "Basic " + base64.b64encode(user).decode())
try:
    print(urllib.request.urlopen(request, timeout=5, context=ssl.create_default_context(cafile=ca)).status)
except urllib.error.HTTPError as e:
    print(e.code)
EOF
  fi
}

# registry_tls_ready: nginx answers over TLS (trusted by the test CA) and
# asks for credentials (401): the proxy itself is up, whether or not the
# registry behind it is.
registry_tls_ready() {
  [[ $(https_status "$REGISTRY_TLS_URL/subjects") == 401 ]]
}

# registry-tls_wait: wait for registry_tls_ready.
registry-tls_wait() {
  local start=${REGISTRY_TLS_START_MS:-$(now_ms)}
  wait_ready registry-tls "$REGISTRY_TLS_PIDFILE" "$START_TIMEOUT" "$REGISTRY_TLS_LOG" \
    registry_tls_ready || return 1
  log "registry-tls: ready in $(since "$start") at $REGISTRY_TLS_URL"
}

# registry-tls_stop: stop nginx (SIGQUIT: graceful shutdown of its workers).
registry-tls_stop() {
  stop_pidfile registry-tls "$REGISTRY_TLS_PIDFILE" 20 QUIT
  rm -rf "$REGISTRY_TLS_RUN/tmp"
}

# registry-tls_running: true when the recorded nginx is alive (the service's
# name has a hyphen, so services.sh's `running` asks this function).
registry-tls_running() {
  pidfile_pid "$REGISTRY_TLS_PIDFILE" >/dev/null
}

# registry-tls_status: one line for `services.sh status`; fails when not
# running. "ready" also needs the registry behind it to answer (200 with the
# credentials).
registry-tls_status() {
  local pid status
  if pid=$(pidfile_pid "$REGISTRY_TLS_PIDFILE"); then
    status=$(https_status "$REGISTRY_TLS_URL/subjects" --user "$REGISTRY_TLS_USER:$REGISTRY_TLS_PASSWORD")
    if [[ $status == 200 ]]; then
      echo "registry-tls: running, ready pid $pid  $REGISTRY_TLS_URL (basic auth, user $REGISTRY_TLS_USER)"
    else
      echo "registry-tls: running, NOT ready pid $pid  (HTTP $status; is the registry up? see $REGISTRY_TLS_LOG)"
      return 1
    fi
  else
    echo "registry-tls: stopped"
    return 1
  fi
}
