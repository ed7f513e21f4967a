#!/usr/bin/env bash
# Crash test: the release binary under concurrent writes, killed with SIGKILL and restarted several
# times, on a fresh SQLite file and then on a fresh PostgreSQL database; every acknowledged write must
# survive exactly once, and every change must reach a webhook receiver at least once and in order.
# BACKENDS=sqlite limits it to one backend; KILLS and WORKERS change the load; PYTHON names a Python
# with the `standardwebhooks` package (.ci/run passes its own).
set -euo pipefail
cd "$(dirname "$0")/../.."

cargo build --release --locked -p kleinstadt-api
binary="${CARGO_TARGET_DIR:-target}/release/kleinstadt"
pg_url="${CRASH_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}"

for backend in ${BACKENDS:-sqlite postgres}; do
  "${PYTHON:-python3}" tests/crash/crash.py --binary "$binary" --backend "$backend" --pg-url "$pg_url" \
    --workers "${WORKERS:-8}" --kills "${KILLS:-5}"
done
