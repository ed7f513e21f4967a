#!/usr/bin/env bash
# kleinstadt behind a real shared cache: Debian's nginx with proxy_cache in front of the server, on a
# fresh SQLite file with the demo data; check.py proves what is cached, for whom and for how long.
# Usage: tests/proxy/run.sh <kleinstadt binary> [--rest-dry-run]
#
#   (default)        registers tests/proxy/events.graphql as a persisted document
#                    (`kleinstadt documents register`) and checks the persisted GET answers
#   --rest-dry-run   checks a public REST list instead (/api/v1/towns?limit=5): the nginx set-up
#                    with a server that has no persisted documents
#
# Installs nginx with apt-get when it is missing (as root; the system's nginx is not started). nginx
# runs as a background process of this script on a free loopback port, with its pid file, logs,
# temporary files and cache in the work folder; it is stopped at the end. The server runs with
# HTTP_CACHE_MAX_AGE=2, so the check sees entries expire.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
[ $# -ge 1 ] || { echo "usage: $0 <kleinstadt binary> [--rest-dry-run]" >&2; exit 2; }
bin="$(realpath "$1")"
[ -x "$bin" ] || { echo "$bin is not an executable" >&2; exit 2; }
mode=persisted
case "${2:-}" in
  "") ;;
  --rest-dry-run) mode=rest ;;
  *) echo "unknown option ${2}" >&2; exit 2 ;;
esac
max_age=2

echo "-- nginx"
nginx="$(bash "$here/install_nginx.sh")"
"$nginx" -v 2>&1

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
work="$(mktemp -d)"
# nginx's workers run as nobody when this runs as root: they must reach $work/nginx (not list $work).
chmod 711 "$work"
server=""
proxy=""
stop() {
  local status=$?
  for pid in $proxy $server; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [ "$status" -ne 0 ]; then
    for log in server.log nginx/access.log nginx/error.log; do
      if [ -s "$work/$log" ]; then
        echo "-- last lines of $log:" >&2
        tail -n 20 "$work/$log" >&2
      fi
    done
  fi
  rm -rf "$work"
}
trap stop EXIT
trap 'exit 130' INT TERM

kport="$(free_port)"
db="sqlite://$work/k.sqlite?mode=rwc"
export JWT_SECRET="proxy-secret-$(python3 -c 'import uuid; print(uuid.uuid4().hex)')"
export RUST_LOG=warn
export KLEINSTADT_EMAIL="proxy-admin@example.org"
KLEINSTADT_PASSWORD="proxy password $(python3 -c 'import uuid; print(uuid.uuid4().hex)')"
export KLEINSTADT_PASSWORD

echo "-- staff account $KLEINSTADT_EMAIL (admin)"
printf '%s\n' "$KLEINSTADT_PASSWORD" \
  | "$bin" --database-url "$db" user add --email "$KLEINSTADT_EMAIL" --name "Proxy Check" --role admin >/dev/null

check_args=()
if [ "$mode" = persisted ]; then
  document="$here/events.graphql"
  echo "-- registering $document as a persisted document"
  "$bin" --database-url "$db" documents register "$document" | tee "$work/documents.txt"
  document_id="$(awk -F '\t' -v file="$document" '$2 == file { print $1 }' "$work/documents.txt")"
  case "$document_id" in
    sha256:????????????????????????????????????????????????????????????????) ;;
    *) echo "documents register printed no 'sha256:<64 hex><TAB>$document' line" >&2; exit 1 ;;
  esac
  check_args=(--document-id "$document_id" --document-file "$document")
else
  check_args=(--rest-path "/api/v1/towns?limit=5")
fi

echo "-- kleinstadt on 127.0.0.1:$kport (HTTP_CACHE_MAX_AGE=$max_age)"
HTTP_CACHE_MAX_AGE="$max_age" RATE_LIMIT_ANONYMOUS_PER_MINUTE=0 RATE_LIMIT_STAFF_PER_MINUTE=0 \
  "$bin" --database-url "$db" --bind "127.0.0.1:$kport" serve >"$work/server.log" 2>&1 &
server=$!

# wait_for URL SECONDS PID: until URL answers 200 (while PID lives)
wait_for() {
  python3 - "$1" "$2" "$3" <<'PY'
import os, sys, time, urllib.request
url, seconds, pid = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
deadline = time.time() + seconds
while time.time() < deadline:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        sys.exit(f"the process behind {url} exited")
    try:
        if urllib.request.urlopen(url, timeout=2).status == 200:
            sys.exit(0)
    except OSError:
        pass
    time.sleep(0.2)
sys.exit(f"{url} did not answer 200 within {seconds:.0f} s")
PY
}
wait_for "http://127.0.0.1:$kport/health" 60 "$server"

nport="$(free_port)"
echo "-- nginx on 127.0.0.1:$nport, cache in $work/nginx/cache"
bash "$here/nginx_conf.sh" "$work/nginx" "127.0.0.1:$nport" "127.0.0.1:$kport"
"$nginx" -e stderr -p "$work/nginx" -c "$work/nginx/nginx.conf" -t 2>&1 | sed 's/^/   /'
"$nginx" -e stderr -p "$work/nginx" -c "$work/nginx/nginx.conf" -g 'daemon off;' 2>>"$work/nginx/error.log" &
proxy=$!
wait_for "http://127.0.0.1:$nport/health" 15 "$proxy"

python3 "$here/check.py" --proxy "http://127.0.0.1:$nport" --direct "http://127.0.0.1:$kport" \
  --max-age "$max_age" "${check_args[@]}"
