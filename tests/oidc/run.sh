#!/usr/bin/env bash
# Bearer tokens of a real OpenID Connect provider (oidc-provider, npm) against a kleinstadt server on a
# fresh SQLite file: a token issued through the provider's login form is accepted for staff-only
# GraphQL, the same token with one byte changed is refused, roles map, a person without a role is
# forbidden (bearer_check.mjs).
# Usage: tests/oidc/run.sh <kleinstadt binary>
#
# The pinned packages (package.json, package-lock.json) are installed with `npm ci` into
# ${CARGO_TARGET_DIR:-target}/oidc-provider, again only when the lock file changed. Exits with the
# check's status: 0 only when every check passed.
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
provider_dir="$target/oidc-provider"
mkdir -p "$provider_dir"
if [ ! -d "$provider_dir/node_modules/oidc-provider" ] \
  || ! cmp -s "$here/package.json" "$provider_dir/package.json" \
  || ! cmp -s "$here/package-lock.json" "$provider_dir/package-lock.json"; then
  echo "-- installing oidc-provider into $provider_dir (npm ci)"
  rm -rf "$provider_dir/node_modules"
  cp "$here/package.json" "$here/package-lock.json" "$provider_dir/"
  (cd "$provider_dir" && npm ci --no-audit --no-fund --loglevel=error </dev/null)
fi
# ES modules resolve `oidc-provider` beside the importing file.
cp "$here/provider.mjs" "$here/bearer_check.mjs" "$provider_dir/"

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
work="$(mktemp -d)"
api_port="$(free_port)"
oidc_port="$(free_port)"
issuer="http://127.0.0.1:$oidc_port"
export OIDC_CLIENT_SECRET="secret-$(python3 -c 'import uuid; print(uuid.uuid4().hex)')"
export OIDC_REDIRECT_URI="http://127.0.0.1:$api_port/admin/anmelden/oidc/rueckkehr"
provider=""
server=""
stop() {
  for pid in "$server" "$provider"; do
    if [ -n "$pid" ]; then
      kill "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$work"
}
trap stop EXIT
trap 'exit 130' INT TERM

echo "-- starting the provider on $issuer"
OIDC_PORT="$oidc_port" node "$provider_dir/provider.mjs" >"$work/provider.log" 2>&1 &
provider=$!

echo "-- starting $bin on 127.0.0.1:$api_port (fresh SQLite)"
JWT_SECRET="oidc-secret-$(python3 -c 'import uuid; print(uuid.uuid4().hex)')" \
  OIDC_ISSUER="$issuer" OIDC_CLIENT_ID=kleinstadt RUST_LOG=warn \
  "$bin" --database-url "sqlite://$work/k.sqlite?mode=rwc" --bind "127.0.0.1:$api_port" serve \
  >"$work/server.log" 2>&1 &
server=$!

if ! python3 - "$work/provider.log" "$provider" "$api_port" "$server" <<'PY'
import os, sys, time, urllib.request
log, provider, port, server = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
deadline = time.time() + 90
provider_ready = server_ready = False
while time.time() < deadline and not (provider_ready and server_ready):
    for pid, what in ((provider, "the provider"), (server, "the server")):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            sys.exit(f"{what} exited")
    if not provider_ready:
        with open(log) as f:
            provider_ready = any(line.strip() == "ready" for line in f)
    if not server_ready:
        try:
            server_ready = urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2).status == 200
        except OSError:
            pass
    time.sleep(0.2)
if not (provider_ready and server_ready):
    sys.exit("the provider did not print `ready`, or the server did not answer GET /health, within 90 s")
PY
then
  echo "-- provider log:" >&2
  tail -n 20 "$work/provider.log" >&2
  echo "-- server log:" >&2
  tail -n 20 "$work/server.log" >&2
  exit 1
fi

status=0
node "$provider_dir/bearer_check.mjs" "$issuer" "http://127.0.0.1:$api_port/graphql" || status=$?
if [ "$status" -ne 0 ]; then
  echo "-- the check failed (exit $status); the last lines of the logs:" >&2
  tail -n 20 "$work/provider.log" >&2
  tail -n 20 "$work/server.log" >&2
fi
exit "$status"
