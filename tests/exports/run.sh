#!/usr/bin/env bash
# The bulk exports read back by independent tools: NetworkX reads the GraphML and GEXF, Python's
# csv module the nodes and edges CSV, its json module every NDJSON line; all on the demo data
# (6,978 GeoNames places and the facts) served by the release binary from a fresh SQLite file.
# Usage: tests/exports/run.sh <kleinstadt binary> <python with networkx>
set -euo pipefail
cd "$(dirname "$0")/../.."
binary="$1"
python="$2"

work="$(mktemp -d)"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
export DATABASE_URL="sqlite://$work/exports.sqlite?mode=rwc"
export BIND_ADDR="127.0.0.1:$port"
export JWT_SECRET="exports-secret-$(python3 -c 'import uuid; print(uuid.uuid4().hex)')"
export RUST_LOG=warn
"$binary" serve >"$work/server.log" 2>&1 &
server=$!
stop() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap stop EXIT

"$python" tests/exports/check.py "http://127.0.0.1:$port" "$work"
