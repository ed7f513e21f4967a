#!/usr/bin/env python3
"""Crash test: concurrent writers against `kleinstadt serve`, SIGKILL at random moments, restarts,
then a direct look into the database: every acknowledged write must be there exactly once. A webhook
endpoint registered before the load receives the changes throughout: after the last restart every
change must have reached it at least once, in order, each delivery signed as Standard Webhooks 1.0
prescribes (checked with the `standardwebhooks` package from PyPI, an implementation independent of
kleinstadt's).

Usage (with a Python that has `standardwebhooks`):
  crash.py --binary target/release/kleinstadt --backend sqlite|postgres [--workers 8] [--kills 5]
The PostgreSQL backend creates a database on --pg-url's server and drops it afterwards.
"""

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

EMAIL = "crash-test@example.org"
ADMIN = "crash-admin@example.org"
PASSWORD = "crash test password, thrown away"
JWT_SECRET = "crash-test-secret-" + uuid.uuid4().hex  # 50 bytes, new every run
CREATE = (
    "mutation($input: CreateOrganisationInput!) "
    "{ createOrganisation(input: $input) { id name } }"
)
MIN_ACKNOWLEDGED = 100
REGISTER = (
    "mutation($input: RegisterWebhookEndpointInput!) "
    "{ registerWebhookEndpoint(input: $input) { secret endpoint { id deliveredThrough } } }"
)
DELIVERY_WAIT = 180  # seconds to wait for the last deliveries after the final restart


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """One `kleinstadt serve` process at a time, on a fixed port and database."""

    def __init__(self, binary, database_url, workdir):
        self.binary = binary
        self.port = free_port()
        self.env = dict(
            os.environ,
            DATABASE_URL=database_url,
            BIND_ADDR=f"127.0.0.1:{self.port}",
            JWT_SECRET=JWT_SECRET,
            RUST_LOG="warn",
            RUST_BACKTRACE="0",
            # The writers are one staff account hammering one instance: the per-account limit is
            # not what this test is about.
            RATE_LIMIT_STAFF_PER_MINUTE="0",
            RATE_LIMIT_ANONYMOUS_PER_MINUTE="0",
            # The receiver listens on loopback, which deliveries refuse unless allowed.
            WEBHOOK_ALLOWED_NETWORKS="127.0.0.0/8",
        )
        self.log_path = os.path.join(workdir, "server.log")
        self.process = None

    def command(self, *args, stdin=None):
        return subprocess.run(
            [self.binary, *args],
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            check=True,
        )

    def start(self, timeout=60):
        with open(self.log_path, "a") as log:
            log.write(f"--- start at {time.time():.3f}\n")
            log.flush()
            self.process = subprocess.Popen(
                [self.binary, "serve"], env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}; see {self.log_path}")
            try:
                status, _ = request(self.port, "GET", "/health", None, None, timeout=2)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"the server did not become healthy in {timeout} s; see {self.log_path}")

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


def request(port, method, path, body, token, timeout=10):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"content-type": "application/json"}
        if token:
            headers["authorization"] = f"Bearer {token}"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def login(port, email=EMAIL):
    body = json.dumps({"email": email, "password": PASSWORD})
    status, raw = request(port, "POST", "/api/v1/auth/login", body, None)
    answer = json.loads(raw)
    if status != 200 or "token" not in answer:
        raise RuntimeError(f"login failed ({status}): {raw[:300]!r}")
    return answer["token"]


class Load:
    """Writers creating organisations with unique names; a name counts as acknowledged only once
    its HTTP 200 answer without errors has arrived."""

    def __init__(self, port, token, workers, run_id):
        self.port = port
        self.token = token
        self.run_id = run_id
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.acknowledged = set()
        self.attempted = 0
        self.failed = 0
        self.rejected = []
        self.threads = [threading.Thread(target=self.work, args=(n,), daemon=True) for n in range(workers)]

    def start(self):
        for thread in self.threads:
            thread.start()

    def finish(self):
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=30)

    def work(self, worker):
        sequence = 0
        while not self.stop.is_set():
            sequence += 1
            name = f"crash-{self.run_id}-{worker}-{sequence}"
            body = json.dumps(
                {"query": CREATE, "variables": {"input": {"name": name, "kind": "ASSOCIATION"}}}
            )
            with self.lock:
                self.attempted += 1
            try:
                status, raw = request(self.port, "POST", "/graphql", body, self.token)
            except (OSError, http.client.HTTPException):
                with self.lock:
                    self.failed += 1
                time.sleep(0.05)
                continue
            try:
                answer = json.loads(raw)
            except ValueError:
                answer = {}
            created = (answer.get("data") or {}).get("createOrganisation") or {}
            if status == 200 and "errors" not in answer and created.get("name") == name:
                with self.lock:
                    self.acknowledged.add(name)
            else:
                with self.lock:
                    self.rejected.append(f"{status} {raw[:200]!r}")
                time.sleep(0.05)


class Receiver:
    """A webhook receiver on loopback: verifies every delivery with `standardwebhooks` and keeps the
    message ids (change positions) in the order they arrived."""

    def __init__(self):
        self.lock = threading.Lock()
        self.received = []
        self.invalid = []
        self.verifier = None
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("content-length", "0"))
                body = self.rfile.read(length)
                headers = {name.lower(): value for name, value in self.headers.items()}
                try:
                    receiver.verifier.verify(body, headers)
                    position = int(headers["webhook-id"])
                    with receiver.lock:
                        receiver.received.append(position)
                    # A little work on the receiver's side, so that kills land mid-delivery too.
                    time.sleep(random.uniform(0, 0.01))
                    self.send_response(204)
                except (WebhookVerificationError, KeyError, ValueError) as error:
                    with receiver.lock:
                        receiver.invalid.append(f"{headers.get('webhook-id')}: {error}")
                    self.send_response(400)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def expect(self, secret):
        self.verifier = Webhook(secret)

    def close(self):
        self.server.shutdown()

    def snapshot(self):
        with self.lock:
            return list(self.received), list(self.invalid)


def graphql(port, token, query, variables):
    status, raw = request(port, "POST", "/graphql", json.dumps({"query": query, "variables": variables}), token)
    answer = json.loads(raw)
    if status != 200 or "errors" in answer:
        raise RuntimeError(f"GraphQL failed ({status}): {raw[:300]!r}")
    return answer["data"]


def public_positions(port, after):
    """The positions of the public Organisation entries after `after`, from the change feed."""
    positions = []
    while True:
        status, raw = request(port, "GET", f"/api/v1/changes?after={after}&limit=1000&type=Organisation", None, None)
        if status != 200:
            raise RuntimeError(f"change feed failed ({status}): {raw[:300]!r}")
        page = json.loads(raw)
        positions.extend(entry["position"] for entry in page["items"])
        after = page["next"]
        if not page["hasMore"]:
            return positions


def check_deliveries(server, receiver, start):
    """Waits for every public change after `start` to arrive; returns (report lines, problems)."""
    expected = public_positions(server.port, start)
    deadline = time.monotonic() + DELIVERY_WAIT
    while time.monotonic() < deadline:
        received, invalid = receiver.snapshot()
        if set(expected) <= set(received):
            break
        time.sleep(0.2)
    received, invalid = receiver.snapshot()
    problems = []
    missing = sorted(set(expected) - set(received))
    unexpected = sorted(set(received) - set(expected))
    backwards = [(a, b) for a, b in zip(received, received[1:]) if b < a]
    duplicates = len(received) - len(set(received))
    if missing:
        problems.append(f"{len(missing)} changes never delivered, e.g. {missing[:5]}")
    if unexpected:
        problems.append(f"{len(unexpected)} deliveries of changes not in the feed, e.g. {unexpected[:5]}")
    if backwards:
        problems.append(f"{len(backwards)} deliveries out of order, e.g. {backwards[:5]}")
    if invalid:
        problems.append(f"{len(invalid)} deliveries failed verification, e.g. {invalid[:3]}")
    if not expected:
        problems.append("no change to deliver: the webhook part tested nothing")
    report = [
        f"  webhook: changes to deliver:    {len(expected)}",
        f"  webhook: deliveries received:   {len(received)} ({duplicates} repeated after kills, "
        f"{len(invalid)} failed standardwebhooks verification)",
    ]
    return report, problems


def psql(admin_url, sql, database=None):
    url = admin_url
    if database:
        parts = urllib.parse.urlsplit(admin_url)
        url = urllib.parse.urlunsplit(parts._replace(path=f"/{database}"))
    result = subprocess.run(
        ["psql", "-X", "-v", "ON_ERROR_STOP=1", "-qtA", "-d", url, "-c", sql],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"psql failed: {result.stderr.strip()}")
    return result.stdout


def names_in_sqlite(path, prefix):
    """Names written by this run, with their counts, and the integrity checks' findings."""
    connection = sqlite3.connect(path)
    try:
        rows = connection.execute(
            "SELECT name, count(*) FROM organisation WHERE name LIKE ? GROUP BY name", (prefix + "%",)
        ).fetchall()
        integrity = [row[0] for row in connection.execute("PRAGMA integrity_check")]
        orphans = connection.execute("PRAGMA foreign_key_check").fetchall()
    finally:
        connection.close()
    problems = []
    if integrity != ["ok"]:
        problems.append(f"integrity_check: {integrity[:5]}")
    if orphans:
        problems.append(f"foreign_key_check: {len(orphans)} rows, e.g. {orphans[:5]}")
    checks = f"integrity_check = {integrity[0] if integrity else '?'}, foreign_key_check: {len(orphans)} rows"
    return dict(rows), problems, checks


def names_in_postgres(admin_url, database, prefix):
    out = psql(
        admin_url,
        f"SELECT name || '\t' || count(*) FROM organisation WHERE name LIKE '{prefix}%' GROUP BY name",
        database,
    )
    rows = {}
    for line in out.splitlines():
        if line:
            name, count = line.rsplit("\t", 1)
            rows[name] = int(count)
    problems = []
    try:
        psql(admin_url, "CREATE EXTENSION IF NOT EXISTS amcheck", database)
        amcheck = True
    except RuntimeError:
        amcheck = False
    if amcheck:
        try:
            checked = psql(
                admin_url,
                "SELECT count(bt_index_check(c.oid, true)) FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam "
                "WHERE a.amname = 'btree' AND c.relnamespace = 'public'::regnamespace",
                database,
            ).strip()
            checks = f"amcheck bt_index_check (heapallindexed) on {checked} btree indexes: ok"
        except RuntimeError as error:
            problems.append(f"amcheck: {error}")
            checks = "amcheck bt_index_check: FAILED"
    else:
        by_index = psql(
            admin_url,
            "SET enable_seqscan = off; SELECT count(*) FROM organisation WHERE id > 0",
            database,
        ).strip()
        by_scan = psql(
            admin_url,
            "SET enable_indexscan = off; SET enable_bitmapscan = off; SELECT count(*) FROM organisation",
            database,
        ).strip()
        if by_index != by_scan:
            problems.append(f"organisation: {by_index} rows through the index, {by_scan} by scan")
        checks = f"amcheck unavailable; rows through the index {by_index} = by sequential scan {by_scan}"
    return rows, problems, checks


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--min-run", type=float, default=1.5, help="shortest load before a kill, s")
    parser.add_argument("--max-run", type=float, default=4.0, help="longest load before a kill, s")
    parser.add_argument("--seed", type=int, default=int(os.environ.get("CRASH_SEED", time.time_ns() % 2**31)))
    args = parser.parse_args()
    rng = random.Random(args.seed)
    run_id = uuid.uuid4().hex[:8]
    workdir = tempfile.mkdtemp(prefix=f"kleinstadt-crash-{args.backend}-")
    database = None
    if args.backend == "sqlite":
        db_path = os.path.join(workdir, "crash.sqlite")
        database_url = f"sqlite://{db_path}?mode=rwc"
    else:
        database = f"kleinstadt_crash_{run_id}"
        psql(args.pg_url, f'CREATE DATABASE "{database}"')
        parts = urllib.parse.urlsplit(args.pg_url)
        database_url = urllib.parse.urlunsplit(parts._replace(path=f"/{database}"))
    print(f"crash test on {args.backend}: {args.workers} writers, {args.kills} kills, seed {args.seed}")
    server = Server(args.binary, database_url, workdir)
    receiver = Receiver()
    failed = True
    started = time.monotonic()
    try:
        server.command("user", "add", "--email", EMAIL, "--role", "editor", stdin=PASSWORD + "\n")
        server.command("user", "add", "--email", ADMIN, "--role", "admin", stdin=PASSWORD + "\n")
        server.start()
        registered = graphql(
            server.port,
            login(server.port, ADMIN),
            REGISTER,
            {"input": {"url": f"http://127.0.0.1:{receiver.port}/hook", "types": ["Organisation"]}},
        )["registerWebhookEndpoint"]
        receiver.expect(registered["secret"])
        start = registered["endpoint"]["deliveredThrough"]
        load = Load(server.port, login(server.port), args.workers, run_id)
        load.start()
        for kill in range(1, args.kills + 1):
            time.sleep(rng.uniform(args.min_run, args.max_run))
            server.kill()
            if kill < args.kills:
                time.sleep(rng.uniform(0, 0.3))
                server.start()
        load.finish()

        prefix = f"crash-{run_id}-"
        if args.backend == "sqlite":
            present, problems, checks = names_in_sqlite(db_path, prefix)
        else:
            present, problems, checks = names_in_postgres(args.pg_url, database, prefix)
        acknowledged = load.acknowledged
        lost = sorted(acknowledged - present.keys())
        duplicated = sorted(name for name, count in present.items() if count > 1)
        unacknowledged = len(present.keys() - acknowledged)
        server.start()
        delivery_report, delivery_problems = check_deliveries(server, receiver, start)
        problems.extend(delivery_problems)
        server.stop()

        print(f"  writes attempted:               {load.attempted}")
        print(f"  writes acknowledged:            {len(acknowledged)}")
        print(f"  kills (SIGKILL):                {args.kills}")
        print(f"  lost (acknowledged, missing):   {len(lost)}")
        print(f"  duplicated:                     {len(duplicated)}")
        print(f"  unacknowledged but present:     {unacknowledged}")
        print(f"  requests failed (server down):  {load.failed}")
        print(f"  answers with errors:            {len(load.rejected)}")
        print(f"  {checks}")
        for line in delivery_report:
            print(line)
        print(f"  restart after the last kill:    healthy; {time.monotonic() - started:.1f} s in all")
        if lost:
            problems.append(f"{len(lost)} acknowledged writes lost, e.g. {lost[:5]}")
        if duplicated:
            problems.append(f"{len(duplicated)} names stored more than once, e.g. {duplicated[:5]}")
        if len(acknowledged) < MIN_ACKNOWLEDGED:
            problems.append(
                f"only {len(acknowledged)} writes acknowledged; too few to mean anything "
                f"(answers with errors, e.g.: {load.rejected[:3]})"
            )
        for problem in problems:
            print(f"FAIL: {problem}")
        failed = bool(problems)
    finally:
        server.stop()
        receiver.close()
        if database:
            try:
                psql(args.pg_url, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            except RuntimeError as error:
                print(f"cannot drop {database}: {error}", file=sys.stderr)
        if failed:
            print(f"server log and database kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
