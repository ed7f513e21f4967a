#!/usr/bin/env bash
# The GraphQL-over-HTTP audits of graphql-http (npm, by the maintainers of the GraphQL over HTTP
# spec) against a kleinstadt server on a fresh SQLite file with the demo data.
# Usage: tests/audit/run.sh <kleinstadt binary>
#
# The pinned packages (package.json, package-lock.json) are installed with `npm ci` into
# ${CARGO_TARGET_DIR:-target}/graphql-http-audit, again only when the lock file changed. Exits with
# the audit's status: 0 only when every audit is ok.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
[ $# -ge 1 ] || { echo "usage: $0 <kleinstadt binary>" >&2; exit 2; }
bin="$(realpath "$1")"
[ -x "$bin" ] || { echo "$bin is not an executable" >&2; exit 2; }
for tool in node npm python3; do
  command -v "$tool" >/dev/null || { echo "$tool is needed" >&2; exit 1; }
done

target="${CARGO_TARGET_DIR:-$root/target}"
audit_dir="$target/graphql-http-audit"
mkdir -p "$audit_dir"
if [ ! -d "$audit_dir/node_modules/graphql-http" ] \
  || ! cmp -s "$here/package.json" "$audit_dir/package.json" \
  || ! cmp -s "$here/package-lock.json" "$audit_dir/package-lock.json"; then
  echo "-- installing graphql-http into $audit_dir (npm ci)"
  rm -rf "$audit_dir/node_modules"
  cp "$here/package.json" "$here/package-lock.json" "$audit_dir/"
  (cd "$audit_dir" && npm ci --no-audit --no-fund --loglevel=error </dev/null)
fi
# ES modules resolve `graphql-http` beside the importing file.
cp "$here/audit.mjs" "$audit_dir/audit.mjs"

work="$(mktemp -d)"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
server=""
stop() {
  if [ -n "$server" ]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap stop EXIT
trap 'exit 130' INT TERM

echo "-- starting $bin on 127.0.0.1:$port (fresh SQLite, demo data)"
# The audits send many requests from one address: the anonymous rate limit would refuse them.
JWT_SECRET="audit-secret-$(python3 -c 'import uuid; print(uuid.uuid4().hex)')" \
  RATE_LIMIT_ANONYMOUS_PER_MINUTE=0 RUST_LOG=warn \
  "$bin" --database-url "sqlite://$work/k.sqlite?mode=rwc" --bind "127.0.0.1:$port" serve \
  >"$work/server.log" 2>&1 &
server=$!

if ! python3 - "$port" "$server" <<'PY'
import os, sys, time, urllib.request
port, pid = sys.argv[1], int(sys.argv[2])
deadline = time.time() + 60
while time.time() < deadline:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        sys.exit("the server exited")
    try:
        if urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2).status == 200:
            sys.exit(0)
    except OSError:
        pass
    time.sleep(0.2)
sys.exit("the server did not answer GET /health with 200 within 60 s")
PY
then
  echo "-- server log:" >&2
  tail -n 30 "$work/server.log" >&2
  exit 1
fi

status=0
node "$audit_dir/audit.mjs" "http://127.0.0.1:$port/graphql" || status=$?
if [ "$status" -ne 0 ]; then
  echo "-- the audit failed (exit $status); the last lines of the server log:" >&2
  tail -n 20 "$work/server.log" >&2
fi
exit "$status"
