#!/usr/bin/env bash
# The staff interface under /admin in headless Chromium (Debian's, driven by npm playwright-core):
# an editing day by keyboard alone with the public outputs checked afterwards, an edit conflict
# between an editor and an administrator, axe-core (WCAG 2.1 A and AA) on every page type, and access
# control.
# Usage: tests/staff/run.sh <kleinstadt binary>
#
# A fresh SQLite file gets an editor and an administrator account, then the server seeds the demo
# data on its first start. The pinned packages (package.json, package-lock.json) are installed with
# `npm ci` into ${CARGO_TARGET_DIR:-target}/staff-tests, again only when the lock file changed.
# Screenshots go to target/test-artifacts/staff-*.png. Exits non-zero when any check fails.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
[ $# -ge 1 ] || { echo "usage: $0 <kleinstadt binary>" >&2; exit 2; }
bin="$(realpath "$1")"
[ -x "$bin" ] || { echo "$bin is not an executable" >&2; exit 2; }
for tool in node npm python3; do
  command -v "$tool" >/dev/null || { echo "$tool is needed" >&2; exit 1; }
done

if ! command -v chromium >/dev/null; then
  if [[ $(id -u) -ne 0 ]]; then
    echo "the staff browser tests need chromium (install it as root)" >&2
    exit 1
  fi
  echo "-- installing chromium"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
fi

target="${CARGO_TARGET_DIR:-$root/target}"
tests_dir="$target/staff-tests"
mkdir -p "$tests_dir"
if [ ! -d "$tests_dir/node_modules/playwright-core" ] || [ ! -d "$tests_dir/node_modules/axe-core" ] \
  || ! cmp -s "$here/package.json" "$tests_dir/package.json" \
  || ! cmp -s "$here/package-lock.json" "$tests_dir/package-lock.json"; then
  echo "-- installing playwright-core and axe-core into $tests_dir (npm ci)"
  rm -rf "$tests_dir/node_modules"
  cp "$here/package.json" "$here/package-lock.json" "$tests_dir/"
  (cd "$tests_dir" && npm ci --no-audit --no-fund --loglevel=error </dev/null)
fi
# ES modules resolve their imports beside the importing file.
cp "$here/staff.mjs" "$tests_dir/staff.mjs"

# The institute's identity provider: the real oidc-provider of tests/oidc, installed the same way.
provider_dir="$target/oidc-provider"
mkdir -p "$provider_dir"
if [ ! -d "$provider_dir/node_modules/oidc-provider" ] \
  || ! cmp -s "$root/tests/oidc/package.json" "$provider_dir/package.json" \
  || ! cmp -s "$root/tests/oidc/package-lock.json" "$provider_dir/package-lock.json"; then
  echo "-- installing oidc-provider into $provider_dir (npm ci)"
  rm -rf "$provider_dir/node_modules"
  cp "$root/tests/oidc/package.json" "$root/tests/oidc/package-lock.json" "$provider_dir/"
  (cd "$provider_dir" && npm ci --no-audit --no-fund --loglevel=error </dev/null)
fi
cp "$root/tests/oidc/provider.mjs" "$provider_dir/"

artifacts="$root/target/test-artifacts"
mkdir -p "$artifacts"

work="$(mktemp -d)"
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
port="$(free_port)"
oidc_port="$(free_port)"
export OIDC_ISSUER="http://127.0.0.1:$oidc_port"
export OIDC_CLIENT_ID=kleinstadt
export OIDC_CLIENT_SECRET="staff-oidc-$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
export OIDC_REDIRECT_URI="http://127.0.0.1:$port/admin/anmelden/oidc/rueckkehr"
database="sqlite://$work/k.sqlite?mode=rwc"
server=""
provider=""
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

editor_password="redaktion-$(python3 -c 'import secrets; print(secrets.token_hex(12))')"
admin_password="verwaltung-$(python3 -c 'import secrets; print(secrets.token_hex(12))')"
export RUST_LOG=warn
export JWT_SECRET="staff-secret-$(python3 -c 'import secrets; print(secrets.token_hex(24))')"
echo "-- accounts: redaktion@bbsr.example (editor), admin@bbsr.example (admin)"
echo "$editor_password" | "$bin" --database-url "$database" user add \
  --email redaktion@bbsr.example --name "Rita Redaktion" --role editor >/dev/null
echo "$admin_password" | "$bin" --database-url "$database" user add \
  --email admin@bbsr.example --name "Anton Admin" --role admin >/dev/null

echo "-- starting the identity provider on $OIDC_ISSUER"
OIDC_PORT="$oidc_port" node "$provider_dir/provider.mjs" >"$work/provider.log" 2>&1 &
provider=$!
for _ in $(seq 1 100); do
  grep -qx ready "$work/provider.log" 2>/dev/null && break
  kill -0 "$provider" 2>/dev/null || { cat "$work/provider.log" >&2; exit 1; }
  sleep 0.2
done
grep -qx ready "$work/provider.log" || { echo "the provider did not start" >&2; cat "$work/provider.log" >&2; exit 1; }

echo "-- starting $bin on 127.0.0.1:$port (fresh SQLite, demo data)"
# The tests sign in more often than a person does, and read the public outputs from one address.
LOGIN_LIMIT_PER_ACCOUNT=1000 LOGIN_LIMIT_PER_ADDRESS=1000 RATE_LIMIT_ANONYMOUS_PER_MINUTE=0 \
  "$bin" --database-url "$database" --bind "127.0.0.1:$port" serve \
  >"$work/server.log" 2>&1 &
server=$!

if ! python3 - "$port" "$server" <<'PY'
import os, sys, time, urllib.request
port, pid = sys.argv[1], int(sys.argv[2])
deadline = time.time() + 120
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
sys.exit("the server did not answer GET /health with 200 within 120 s")
PY
then
  echo "-- server log:" >&2
  tail -n 30 "$work/server.log" >&2
  exit 1
fi

status=0
EDITOR_PASSWORD="$editor_password" ADMIN_PASSWORD="$admin_password" ARTIFACTS="$artifacts" \
  CHROMIUM="$(command -v chromium)" node "$tests_dir/staff.mjs" "http://127.0.0.1:$port" || status=$?
if [ "$status" -ne 0 ]; then
  echo "-- the staff browser tests failed (exit $status); the last lines of the server log:" >&2
  tail -n 20 "$work/server.log" >&2
fi
exit "$status"
