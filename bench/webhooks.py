#!/usr/bin/env python3
"""Change-log and webhook figures: what the log costs a write, how fast deliveries follow a commit,
and how many deliveries per second one instance makes.

Three measurements, each on a fresh database with its own server process:

1. writes per second (staff creating organisations through GraphQL, --writers at once, for
   --seconds) with this build, and, with --baseline, with a build without the change log, in
   alternating rounds of the same run;
2. delivery latency with --endpoints endpoints and a steady stream of --rate edits per second: from
   the change's commit (the entry's `at`, stamped in its transaction) to the receiver's answer, p50,
   p99 and max;
3. deliveries per second: --backlog changes made first, then every endpoint replays them at once.

The receiver (loopback, answers 204) verifies every delivery's signature with the `standardwebhooks`
package from PyPI when it is installed. Prints figures and writes them as JSON (--json); judges
nothing, except in --smoke mode, where it only checks that every delivery arrived, verified.

Usage:
  bench/webhooks.py --binary target/release/kleinstadt [--baseline /path/to/older/kleinstadt]
                    [--backend sqlite|postgres] [--smoke]
"""

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from datetime import datetime
from http.client import HTTPConnection, HTTPException
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

try:
    from standardwebhooks.webhooks import Webhook
except ImportError:  # figures without the independent check
    Webhook = None

PASSWORD = "benchmark password, thrown away"
EDITOR = "bench-editor@example.org"
ADMIN = "bench-admin@example.org"
SECRET = "bench-secret-" + uuid.uuid4().hex
CREATE = "mutation($input: CreateOrganisationInput!) { createOrganisation(input: $input) { id } }"
REGISTER = (
    "mutation($input: RegisterWebhookEndpointInput!) "
    "{ registerWebhookEndpoint(input: $input) { secret endpoint { id deliveredThrough } } }"
)
REPLAY = "mutation($id: ID!, $from: Int!) { replayWebhookEndpoint(id: $id, from: $from) { id } }"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def call(port, method, path, body=None, token=None, timeout=30):
    connection = HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"content-type": "application/json"}
        if token:
            headers["authorization"] = f"Bearer {token}"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def graphql(port, token, query, variables):
    status, raw = call(port, "POST", "/graphql", json.dumps({"query": query, "variables": variables}), token)
    answer = json.loads(raw)
    if status != 200 or "errors" in answer:
        raise RuntimeError(f"GraphQL failed ({status}): {raw[:300]!r}")
    return answer["data"]


class Database:
    """A fresh SQLite file or PostgreSQL database, removed afterwards."""

    def __init__(self, backend, pg_url, workdir):
        self.backend = backend
        self.pg_url = pg_url
        self.name = None
        if backend == "sqlite":
            self.url = f"sqlite://{os.path.join(workdir, uuid.uuid4().hex)}.sqlite?mode=rwc"
        else:
            self.name = f"kleinstadt_bench_hooks_{uuid.uuid4().hex[:10]}"
            subprocess.run(["psql", "-X", "-qtA", "-d", pg_url, "-c", f'CREATE DATABASE "{self.name}"'], check=True)
            parts = urllib.parse.urlsplit(pg_url)
            self.url = urllib.parse.urlunsplit(parts._replace(path=f"/{self.name}"))

    def drop(self):
        if self.name:
            subprocess.run(
                ["psql", "-X", "-qtA", "-d", self.pg_url, "-c", f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'],
                check=False,
            )


class Server:
    """`kleinstadt serve` on a fresh database, with an editor and an administrator."""

    def __init__(self, binary, database, workdir):
        self.port = free_port()
        self.binary = binary
        self.env = dict(
            os.environ,
            DATABASE_URL=database.url,
            BIND_ADDR=f"127.0.0.1:{self.port}",
            JWT_SECRET=SECRET,
            RUST_LOG="warn",
            RATE_LIMIT_STAFF_PER_MINUTE="0",
            RATE_LIMIT_ANONYMOUS_PER_MINUTE="0",
            WEBHOOK_ALLOWED_NETWORKS="127.0.0.0/8",
        )
        for email, role in ((EDITOR, "editor"), (ADMIN, "admin")):
            subprocess.run(
                [binary, "user", "add", "--email", email, "--role", role],
                env=self.env, input=PASSWORD + "\n", capture_output=True, text=True, check=True,
            )
        self.log = open(os.path.join(workdir, f"server-{self.port}.log"), "w")
        self.process = subprocess.Popen([binary, "serve"], env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if call(self.port, "GET", "/health", timeout=2)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("the server did not start")

    def token(self, email):
        status, raw = call(self.port, "POST", "/api/v1/auth/login", json.dumps({"email": email, "password": PASSWORD}))
        if status != 200:
            raise RuntimeError(f"login failed: {raw[:200]!r}")
        return json.loads(raw)["token"]

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


class Receiver:
    """Loopback endpoints `/hook/<n>`: keep each delivery's endpoint, id and latency, answer 204."""

    def __init__(self):
        self.lock = threading.Lock()
        self.deliveries = []  # (endpoint, message id, latency in seconds, arrival)
        self.invalid = 0
        self.verifiers = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                arrived = time.time()
                endpoint = self.path.rsplit("/", 1)[-1]
                headers = {name.lower(): value for name, value in self.headers.items()}
                verifier = receiver.verifiers.get(endpoint)
                valid = True
                if verifier is not None:
                    try:
                        verifier.verify(body, headers)
                    except Exception:  # any failure of the independent check counts
                        valid = False
                payload = json.loads(body)
                at = payload.get("data", {}).get("at")
                latency = arrived - datetime.fromisoformat(at.replace("Z", "+00:00")).timestamp() if at else None
                with receiver.lock:
                    if valid:
                        receiver.deliveries.append((endpoint, headers.get("webhook-id"), latency, arrived))
                    else:
                        receiver.invalid += 1
                self.send_response(204)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def register(self, server, token, count):
        endpoints = []
        for n in range(count):
            registered = graphql(server.port, token, REGISTER, {"input": {
                "url": f"http://127.0.0.1:{self.port}/hook/{n}", "types": ["Organisation"],
                "description": f"benchmark endpoint {n}",
            }})["registerWebhookEndpoint"]
            if Webhook is not None:
                self.verifiers[str(n)] = Webhook(registered["secret"])
            endpoints.append(registered["endpoint"])
        return endpoints

    def count(self):
        with self.lock:
            return len(self.deliveries)

    def wait_for(self, total, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.count() < total:
            time.sleep(0.02)
        return self.count()

    def reset(self):
        with self.lock:
            self.deliveries = []

    def close(self):
        self.server.shutdown()


def write_load(port, token, writers, seconds, rate=None):
    """Creates organisations for `seconds`: as fast as `writers` can, or `rate` per second in all.
    Returns the number of acknowledged writes."""
    stop = time.monotonic() + seconds
    done = [0] * writers
    run = uuid.uuid4().hex[:6]

    def work(worker):
        sequence = 0
        interval = writers / rate if rate else 0
        next_at = time.monotonic()
        while time.monotonic() < stop:
            if interval:
                next_at += interval
                delay = next_at - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            sequence += 1
            body = json.dumps({"query": CREATE, "variables": {"input": {"name": f"bench-{run}-{worker}-{sequence}", "kind": "ASSOCIATION"}}})
            try:
                status, raw = call(port, "POST", "/graphql", body, token)
            except (OSError, HTTPException):
                continue
            if status == 200 and b'"errors"' not in raw:
                done[worker] += 1

    threads = [threading.Thread(target=work, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done)


def percentile(values, share):
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--baseline", help="a build without the change log, for the write overhead")
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--endpoints", type=int, default=10)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--rate", type=float, default=20, help="edits per second while measuring latency")
    parser.add_argument("--backlog", type=int, default=300)
    parser.add_argument("--smoke", action="store_true", help="short runs; check deliveries, judge no figure")
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args()
    if args.smoke:
        args.seconds, args.rounds, args.backlog, args.rate = 1.5, 1, 20, 10
    workdir = tempfile.mkdtemp(prefix="kleinstadt-bench-hooks-")
    figures = {"backend": args.backend, "endpoints": args.endpoints, "verified": Webhook is not None}
    problems = []
    receiver = Receiver()
    print(f"webhook benchmark on {args.backend}; signatures verified by standardwebhooks: {Webhook is not None}")
    try:
        # 1. Writes per second, with and without the change log, in alternating rounds.
        builds = [("this build", args.binary)]
        if args.baseline:
            builds.append(("baseline", args.baseline))
        rates = {label: [] for label, _ in builds}
        for _ in range(args.rounds):
            for label, binary in builds:
                database = Database(args.backend, args.pg_url, workdir)
                server = Server(binary, database, workdir)
                try:
                    writes = write_load(server.port, server.token(EDITOR), args.writers, args.seconds)
                    rates[label].append(writes / args.seconds)
                finally:
                    server.stop()
                    database.drop()
        figures["writes_per_second"] = {label: statistics.median(values) for label, values in rates.items()}
        for label, value in figures["writes_per_second"].items():
            print(f"  writes/s, {args.writers} writers, {label}: {value:.0f} (rounds: {', '.join(f'{v:.0f}' for v in rates[label])})")
        if args.baseline:
            ratio = figures["writes_per_second"]["this build"] / figures["writes_per_second"]["baseline"]
            figures["write_ratio"] = ratio
            print(f"  writes/s with the change log / without: {ratio:.2f}")

        # 2. Latency under a steady stream of edits, and 3. deliveries per second from a backlog.
        database = Database(args.backend, args.pg_url, workdir)
        server = Server(args.binary, database, workdir)
        try:
            admin = server.token(ADMIN)
            editor = server.token(EDITOR)
            endpoints = receiver.register(server, admin, args.endpoints)
            receiver.reset()
            edits = write_load(server.port, editor, 1, args.seconds, rate=args.rate)
            expected = edits * args.endpoints
            arrived = receiver.wait_for(expected, 60)
            latencies = [d[2] for d in receiver.deliveries if d[2] is not None]
            figures["latency"] = {
                "edits": edits,
                "rate": args.rate,
                "deliveries": arrived,
                "p50_ms": 1000 * (percentile(latencies, 0.5) or 0),
                "p99_ms": 1000 * (percentile(latencies, 0.99) or 0),
                "max_ms": 1000 * (max(latencies) if latencies else 0),
            }
            lat = figures["latency"]
            print(f"  latency commit → receiver, {edits} edits at {args.rate:g}/s to {args.endpoints} endpoints: "
                  f"p50 {lat['p50_ms']:.1f} ms, p99 {lat['p99_ms']:.1f} ms, max {lat['max_ms']:.1f} ms ({arrived} of {expected} deliveries)")
            if arrived < expected:
                problems.append(f"latency run: {arrived} of {expected} deliveries arrived")

            # A backlog, then every endpoint replays it at once.
            backlog_start = max(int(e["deliveredThrough"]) for e in endpoints) + 1
            made = 0
            run = uuid.uuid4().hex[:6]
            for n in range(args.backlog):
                graphql(server.port, editor, CREATE, {"input": {"name": f"backlog-{run}-{n}", "kind": "ASSOCIATION"}})
                made += 1
            receiver.wait_for(expected + made * args.endpoints, 120)
            receiver.reset()
            started = time.time()
            for endpoint in endpoints:
                graphql(server.port, admin, REPLAY, {"id": endpoint["id"], "from": backlog_start})
            replayed = (edits + made) * args.endpoints
            arrived = receiver.wait_for(replayed, 300)
            last = max((d[3] for d in receiver.deliveries), default=started)
            per_second = arrived / max(last - started, 1e-9)
            figures["throughput"] = {"deliveries": arrived, "expected": replayed, "per_second": per_second}
            print(f"  deliveries/s, {edits + made} changes replayed to {args.endpoints} endpoints at once: "
                  f"{per_second:.0f} ({arrived} of {replayed})")
            if arrived < replayed:
                problems.append(f"replay: {arrived} of {replayed} deliveries arrived")
        finally:
            server.stop()
            database.drop()
        if receiver.invalid:
            problems.append(f"{receiver.invalid} deliveries failed the standardwebhooks check")
    finally:
        receiver.close()
    if args.json:
        with open(args.json, "w") as out:
            json.dump(figures, out, indent=2)
    for problem in problems:
        print(f"FAIL: {problem}")
    if problems:
        print(f"server logs kept in {workdir}")
        return 1
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
