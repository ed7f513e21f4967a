#!/usr/bin/env bash
# kleinstadt side by side with PostGraphile v4 and v5, on the same data, in one run (see bench/README.md).
#
#   bench/run.sh                       # DURATION=15 WARMUP=5 CONCURRENCY=1,32
#   SMOKE=1 bench/run.sh               # 1 s per run, concurrency 1 and 4, every answer still verified
#   DATABASE_URL=postgres://... bench/run.sh   # an existing, empty PostgreSQL database instead of our own
#   COMPARE_BIN=/path/to/other/kleinstadt bench/run.sh   # also that build on PostgreSQL ("kleinstadt-pg-compare")
#   ONLY=q1,q3 bench/run.sh            # only these scenarios
#   KLEINSTADT_BIN=/path/to/kleinstadt bench/run.sh   # that binary instead of building the release one
#
# Steps: build kleinstadt (release) -> generate the bundle -> own PostgreSQL cluster on
# 127.0.0.1:$PG_PORT (unless DATABASE_URL) -> `kleinstadt migrate` + `kleinstadt import-bundle` into
# PostgreSQL and into a SQLite file -> PostGraphile v4 (Node.js on PATH) and PostGraphile v5 (Node.js 22
# from npm) over the same PostgreSQL tables -> bench.py.
# Everything listens on loopback only; the servers and the cluster are stopped at the end.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
# A fresh work folder per run (removed at the end), so a cluster left behind by an earlier run that
# was killed can never be mistaken for this run's.
if [ -n "${BENCH_WORK:-}" ]; then
  WORK=$BENCH_WORK
  OWN_WORK=""
else
  WORK=$(mktemp -d /tmp/kleinstadt-bench.XXXXXX)
  OWN_WORK=1
fi
OUT=${BENCH_OUT:-$HERE/out}
SEED=${SEED:-20240601}
# free_port PREFERRED: PREFERRED if nothing listens on it on 127.0.0.1, else a port the kernel picks
free_port() {
  python3 - "$1" <<'PY'
import socket, sys
for port in (int(sys.argv[1]), 0):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
        print(s.getsockname()[1])
        break
PY
}
PG_PORT=${PG_PORT:-$(free_port 55432)}
KLEINSTADT_PG_ADDR=${KLEINSTADT_PG_ADDR:-127.0.0.1:$(free_port 18081)}
KLEINSTADT_SQLITE_ADDR=${KLEINSTADT_SQLITE_ADDR:-127.0.0.1:$(free_port 18082)}
KLEINSTADT_COMPARE_ADDR=${KLEINSTADT_COMPARE_ADDR:-127.0.0.1:$(free_port 18083)}
POSTGRAPHILE_PORT=${POSTGRAPHILE_PORT:-$(free_port 15055)}
POSTGRAPHILE5_PORT=${POSTGRAPHILE5_PORT:-$(free_port 15056)}
if [ "${SMOKE:-0}" = 1 ]; then
  DURATION=${DURATION:-1}; WARMUP=${WARMUP:-0}; CONCURRENCY=${CONCURRENCY:-1,4}
else
  DURATION=${DURATION:-15}; WARMUP=${WARMUP:-5}; CONCURRENCY=${CONCURRENCY:-1,32}
fi
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=${KLEINSTADT_BIN:-$TARGET/release/kleinstadt}
PGL_DIR=$HERE/.work/postgraphile
PGL5_DIR=$HERE/.work/postgraphile5
BUNDLE=$OUT/bundle.json
SQLITE_FILE=$WORK/kleinstadt.sqlite
TIMINGS=$OUT/timings.txt
# kleinstadt on PostgreSQL needs a configured token secret; the bench makes a throwaway one.
export JWT_SECRET=${JWT_SECRET:-$(python3 -c 'import secrets; print(secrets.token_hex(32))')}
# The load comes from one address: the per-address rate limit would answer 429 within a second.
export RATE_LIMIT_ANONYMOUS_PER_MINUTE=0

mkdir -p "$WORK" "$OUT"
chmod 1777 "$WORK"
: > "$TIMINGS"

step() { printf '\n== %s\n' "$*" >&2; }
now() { date +%s.%N; }
# timed LABEL COMMAND...: runs the command and records its wall time in $TIMINGS
timed() {
  local label=$1 t0 t1
  shift
  t0=$(now)
  "$@" || return
  t1=$(now)
  awk -v l="$label" -v a="$t0" -v b="$t1" 'BEGIN { printf "%s %.2f\n", l, b - a }' | tee -a "$TIMINGS" >&2
}
# logged NAME COMMAND...: runs the command with its output (kleinstadt logs to stdout) in
# $WORK/NAME.log, shown on failure
logged() {
  local name=$1
  shift
  if ! "$@" > "$WORK/$name.log" 2>&1; then
    tail -n 30 "$WORK/$name.log" >&2
    echo "$name failed; log: $WORK/$name.log" >&2
    return 1
  fi
}
# report NAME FILE: the JSON report that ends the log NAME (printed by import-bundle), into FILE
report() {
  python3 - "$WORK/$1.log" "$2" <<'PY'
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
start = max(i for i, line in enumerate(lines) if line == "{")
report = json.loads("\n".join(lines[start:]))
json.dump(report, open(sys.argv[2], "w"), indent=2)
print("imported:", json.dumps(report), file=sys.stderr)
PY
}
as_postgres() {
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi
}

PIDS=()
STARTED_PG=""
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  if [ -n "$STARTED_PG" ]; then
    as_postgres "'$PGBIN/pg_ctl' -D '$WORK/pgdata' -m fast -w stop" >/dev/null || true
  fi
  if [ -n "$OWN_WORK" ]; then
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step "tools"
for tool in python3 node npm psql; do
  command -v "$tool" >/dev/null || { echo "$tool is needed" >&2; exit 1; }
done
if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    install_wrk() { apt-get install -y -qq wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }; }
    timed wrk_install install_wrk
  else
    echo "wrk is needed (Debian: apt-get install wrk)" >&2
    exit 1
  fi
fi

if [ -n "${KLEINSTADT_BIN:-}" ]; then
  step "kleinstadt: $BIN (KLEINSTADT_BIN, not built here)"
  [ -x "$BIN" ] || { echo "KLEINSTADT_BIN=$BIN is not an executable" >&2; exit 1; }
else
  step "build kleinstadt (release)"
  timed cargo_build cargo build --release --locked -p kleinstadt-api --manifest-path "$ROOT/Cargo.toml"
fi

step "generate the bundle (seed $SEED)"
timed gen_data python3 "$HERE/gen_data.py" --seed "$SEED" -o "$BUNDLE"
ls -l "$BUNDLE" >&2

step "PostgreSQL"
PG_PID=""
if [ -z "${DATABASE_URL:-}" ]; then
  PGBIN=${PGBIN:-$(pg_config --bindir 2>/dev/null || true)}
  [ -x "$PGBIN/initdb" ] || PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -x "$PGBIN/initdb" ] || { echo "no PostgreSQL server binaries (initdb) found; set PGBIN or DATABASE_URL" >&2; exit 1; }
  if [ ! -f "$WORK/pgdata/PG_VERSION" ]; then
    if [ "$(id -u)" = 0 ]; then install -d -o postgres -g postgres -m 700 "$WORK/pgdata"; else install -d -m 700 "$WORK/pgdata"; fi
    timed pg_initdb as_postgres "'$PGBIN/initdb' -D '$WORK/pgdata' -U postgres --auth=trust -E UTF8 --locale=C.UTF-8" >/dev/null
    cat >> "$WORK/pgdata/postgresql.conf" <<CONF
port = $PG_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$WORK'
max_connections = 200
shared_buffers = 1GB
effective_cache_size = 4GB
work_mem = 8MB
CONF
  fi
  if ! as_postgres "'$PGBIN/pg_ctl' -D '$WORK/pgdata' status" >/dev/null 2>&1; then
    if ! timed pg_start as_postgres "'$PGBIN/pg_ctl' -D '$WORK/pgdata' -l '$WORK/pg.log' -w start" >/dev/null; then
      echo "PostgreSQL did not start on 127.0.0.1:$PG_PORT; its log:" >&2
      tail -n 30 "$WORK/pg.log" >&2 || true
      exit 1
    fi
    STARTED_PG=1
  fi
  PG_PID=$(head -1 "$WORK/pgdata/postmaster.pid")
  ADMIN_URL=postgres://postgres@127.0.0.1:$PG_PORT/postgres
  psql -q -X "$ADMIN_URL" -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS kleinstadt_bench WITH (FORCE)" -c "CREATE DATABASE kleinstadt_bench"
  PG_URL=postgres://postgres@127.0.0.1:$PG_PORT/kleinstadt_bench
else
  PG_URL=$DATABASE_URL
  echo "using DATABASE_URL (must be an empty database, or one this bench loaded before)" >&2
fi
LOADED=$(psql -X -qAt "$PG_URL" -c "SELECT to_regclass('public.event') IS NOT NULL AND EXISTS (SELECT 1 FROM event)" 2>/dev/null || echo f)

step "load the bundle into PostgreSQL and SQLite (kleinstadt migrate + import-bundle)"
if [ "$LOADED" = t ]; then
  echo "PostgreSQL database already holds events: not loading it again" >&2
else
  timed pg_migrate logged pg-migrate env DATABASE_URL="$PG_URL" "$BIN" migrate
  timed pg_import logged pg-import env DATABASE_URL="$PG_URL" "$BIN" import-bundle "$BUNDLE"
  report pg-import "$OUT/import-postgres.json"
  # What autovacuum would do before long: planner statistics for the fresh tables.
  timed pg_analyze psql -q -X "$PG_URL" -c ANALYZE
fi
rm -f "$SQLITE_FILE" "$SQLITE_FILE-wal" "$SQLITE_FILE-shm"
SQLITE_URL="sqlite://$SQLITE_FILE?mode=rwc"
timed sqlite_migrate logged sqlite-migrate env DATABASE_URL="$SQLITE_URL" "$BIN" migrate
timed sqlite_import logged sqlite-import env DATABASE_URL="$SQLITE_URL" "$BIN" import-bundle "$BUNDLE"
report sqlite-import "$OUT/import-sqlite.json"

step "PostGraphile v4 (npm registry, installed once into bench/.work/postgraphile)"
if [ ! -d "$PGL_DIR/node_modules/postgraphile" ] || ! cmp -s "$HERE/postgraphile/package.json" "$PGL_DIR/package.json"; then
  mkdir -p "$PGL_DIR"
  cp "$HERE/postgraphile/package.json" "$PGL_DIR/package.json"
  timed postgraphile_npm_install npm install --prefix "$PGL_DIR" --no-audit --no-fund --omit=dev --loglevel=error >&2
fi

step "PostGraphile v5 and Node.js 22 (npm registry, package-lock.json, installed once into bench/.work/postgraphile5)"
if [ ! -d "$PGL5_DIR/node_modules/postgraphile" ] || [ ! -x "$PGL5_DIR/node_modules/.bin/node" ] \
  || ! cmp -s "$HERE/postgraphile5/package.json" "$PGL5_DIR/package.json" \
  || ! cmp -s "$HERE/postgraphile5/package-lock.json" "$PGL5_DIR/package-lock.json"; then
  rm -rf "$PGL5_DIR"
  mkdir -p "$PGL5_DIR"
  cp "$HERE/postgraphile5/package.json" "$HERE/postgraphile5/package-lock.json" "$PGL5_DIR/"
  # The `node` package fetches the Node.js binary for this platform (node-<os>-<arch>) from the
  # registry in its install script.
  timed postgraphile5_npm_install npm ci --prefix "$PGL5_DIR" --no-audit --no-fund --omit=dev --loglevel=error < /dev/null >&2
fi
cp "$HERE/postgraphile5/graphile.config.mjs" "$PGL5_DIR/graphile.config.mjs"
NODE22=$PGL5_DIR/node_modules/.bin/node
"$NODE22" --version >&2

step "start the servers"
DATABASE_URL="$PG_URL" BIND_ADDR="$KLEINSTADT_PG_ADDR" "$BIN" serve > "$WORK/kleinstadt-postgres.log" 2>&1 &
K_PG_PID=$!
PIDS+=("$K_PG_PID")
DATABASE_URL="$SQLITE_URL" BIND_ADDR="$KLEINSTADT_SQLITE_ADDR" "$BIN" serve > "$WORK/kleinstadt-sqlite.log" 2>&1 &
K_SQLITE_PID=$!
PIDS+=("$K_SQLITE_PID")
COMPARE_ARGS=()
if [ -n "${COMPARE_BIN:-}" ]; then
  DATABASE_URL="$PG_URL" BIND_ADDR="$KLEINSTADT_COMPARE_ADDR" "$COMPARE_BIN" serve > "$WORK/kleinstadt-compare.log" 2>&1 &
  K_COMPARE_PID=$!
  PIDS+=("$K_COMPARE_PID")
  COMPARE_ARGS=(--server "kleinstadt-pg-compare=http://$KLEINSTADT_COMPARE_ADDR/graphql,$HERE/queries/kleinstadt,$K_COMPARE_PID,$PG_PID")
fi
(
  cd "$PGL_DIR"
  NODE_ENV=production exec node node_modules/.bin/postgraphile -c "$PG_URL" --schema public \
    --host 127.0.0.1 --port "$POSTGRAPHILE_PORT" \
    --disable-graphiql --disable-query-log --dynamic-json --no-setof-functions-contain-nulls --no-ignore-rbac \
    --append-plugins @graphile-contrib/pg-simplify-inflector,postgraphile-plugin-connection-filter \
    --export-schema-graphql "$OUT/postgraphile-schema.graphql"
) > "$WORK/postgraphile.log" 2>&1 &
PGL_PID=$!
PIDS+=("$PGL_PID")
(
  cd "$PGL5_DIR"
  NODE_ENV=production GRAPHILE_ENV=production DATABASE_URL="$PG_URL" \
    EXPORT_SCHEMA_SDL="$OUT/postgraphile5-schema.graphql" \
    exec "$NODE22" node_modules/.bin/postgraphile -C graphile.config.mjs --host 127.0.0.1 --port "$POSTGRAPHILE5_PORT"
) > "$WORK/postgraphile5.log" 2>&1 &
PGL5_PID=$!
PIDS+=("$PGL5_PID")

step "bench: DURATION=$DURATION WARMUP=$WARMUP CONCURRENCY=$CONCURRENCY"
python3 - "$TIMINGS" "$OUT/meta.json" "$BIN" "$PGL_DIR" "$PGL5_DIR" "$NODE22" "$SEED" <<'PY'
import json, subprocess, sys
timings, out, binary, pgl, pgl5, node22, seed = sys.argv[1:]
meta = {"seed": int(seed), "timings_s": {}}
for line in open(timings):
    label, secs = line.split()
    meta["timings_s"][label] = float(secs)
def version(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True).stdout.strip().splitlines()[0]
    except Exception as e:  # noqa: BLE001
        return f"unknown ({e})"
meta["versions"] = {
    "kleinstadt": version([binary, "--version"]),
    "postgraphile": json.load(open(f"{pgl}/node_modules/postgraphile/package.json"))["version"],
    "node": version(["node", "--version"]),
    "postgraphile5": json.load(open(f"{pgl5}/node_modules/postgraphile/package.json"))["version"],
    "node_postgraphile5": version([node22, "--version"]),
    "postgresql": version(["psql", "--version"]),
}
json.dump(meta, open(out, "w"), indent=2)
PY
python3 "$HERE/bench.py" \
  --server "kleinstadt-pg=http://$KLEINSTADT_PG_ADDR/graphql,$HERE/queries/kleinstadt,$K_PG_PID,$PG_PID" \
  --server "kleinstadt-sqlite=http://$KLEINSTADT_SQLITE_ADDR/graphql,$HERE/queries/kleinstadt,$K_SQLITE_PID" \
  --server "postgraphile=http://127.0.0.1:$POSTGRAPHILE_PORT/graphql,$HERE/queries/postgraphile,$PGL_PID,$PG_PID" \
  --server "postgraphile5=http://127.0.0.1:$POSTGRAPHILE5_PORT/graphql,$HERE/queries/postgraphile5,$PGL5_PID,$PG_PID" \
  "${COMPARE_ARGS[@]}" \
  --baseline postgraphile,postgraphile5 --concurrency "$CONCURRENCY" --duration "$DURATION" --warmup "$WARMUP" \
  --only "${ONLY:-}" \
  --meta "$OUT/meta.json" --out "$OUT/results.json" | tee "$OUT/results.md"
echo >&2
cat "$TIMINGS" >&2
