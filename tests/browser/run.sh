#!/usr/bin/env bash
# Browser checks: installs Debian's chromium and chromium-driver when missing, serves a freshly
# seeded SQLite database, and in headless Chromium through WebDriver (selenium in a local venv)
# loads /embed/events/<demo event>, checks the rendered text and saves
# target/test-artifacts/embed-programme.png; then opens GraphiQL with every host but 127.0.0.1
# unreachable, runs a query from its editor and saves target/test-artifacts/graphiql-offline.png.
# Not part of `cargo test`: it needs a browser.
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$(pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
artifacts="$root/target/test-artifacts"
venv="$target/browser-venv"

missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "browser check needs ${missing[*]} (install them as root)" >&2
    exit 1
  fi
  echo "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [[ ! -x "$venv/bin/python" ]]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q --disable-pip-version-check -r tests/browser/requirements.txt

cargo build --locked --bin kleinstadt
work="$(mktemp -d)"
port="$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$target/debug/kleinstadt" --database-url "sqlite://$work/kleinstadt.sqlite?mode=rwc" \
  --bind "127.0.0.1:$port" --log-format text serve >"$work/server.log" 2>&1 &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

base="http://127.0.0.1:$port"
for _ in $(seq 1 120); do
  if "$venv/bin/python" -c "import urllib.request; urllib.request.urlopen('$base/health', timeout=2)" 2>/dev/null; then
    break
  fi
  if ! kill -0 "$server" 2>/dev/null; then
    cat "$work/server.log" >&2
    exit 1
  fi
  sleep 0.5
done

mkdir -p "$artifacts"
"$venv/bin/python" tests/browser/embed_check.py "$base" "$artifacts/embed-programme.png"
echo "screenshot: $artifacts/embed-programme.png"
"$venv/bin/python" tests/browser/graphiql_check.py "$base" "$artifacts/graphiql-offline.png"
echo "screenshot: $artifacts/graphiql-offline.png"
