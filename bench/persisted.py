#!/usr/bin/env python3
"""Persisted GET through a shared cache versus POST to the server: requests per second of the bench
scenarios q1-q3, (a) POSTed straight to kleinstadt the way bench.py does, (b) as persisted documents
(`GET /graphql?documentId=sha256:...&variables=...`) through nginx with proxy_cache, configured by
tests/proxy/nginx.conf.template (the proxy check's config). Python standard library only; drives wrk.

Steps:
  1. data: a SQLite file in a fresh work folder, loaded with `kleinstadt migrate` and
     `kleinstadt import-bundle` from --bundle, else bench/out/bundle.json when bench/run.sh left one,
     else a bundle generated with gen_data.py (default seed); or --database-url, a database loaded
     before (e.g. by bench/run.sh), used as it is;
  2. `kleinstadt documents register` with the query texts of the scenarios (queries/kleinstadt/q*.json);
  3. `kleinstadt serve` (HTTP_CACHE_MAX_AGE=60, RATE_LIMIT_ANONYMOUS_PER_MINUTE=0) and nginx on loopback;
  4. every scenario verified: the POST answer (HTTP 200, no errors, the counts of expect.json) and
     the persisted GET answer, directly and through nginx, carry the same JSON;
  5. per scenario and concurrency: wrk POST (wrk_post.lua) to kleinstadt, then wrk GET (wrk_get.lua)
     through nginx, each after a warm-up; every response checked (status, exact size, no errors).
Prints a markdown table, writes --out (JSON). Exits 1 when a check fails.

  bench/persisted.py --binary target/release/kleinstadt              # 10 s per run, concurrency 32
  bench/persisted.py --binary target/release/kleinstadt --smoke      # 1 s, concurrency 4: answers only
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PROXY = os.path.join(ROOT, "tests", "proxy")
QUERIES = os.path.join(HERE, "queries", "kleinstadt")
sys.path.insert(0, HERE)
from bench import cpu_seconds, load_json, post, walk  # noqa: E402  (bench.py beside this file)

ACCEPT = "application/graphql-response+json"
REGISTERED = re.compile(r"^(sha256:[0-9a-f]{64})\t(.+)$")


def log(message):
    print(message, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(cmd, work, name, env=None, stdin=None):
    """Runs a command with its output in WORK/NAME.log; returns that output, or exits showing it."""
    path = os.path.join(work, f"{name}.log")
    with open(path, "w+b") as out:
        p = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, input=stdin)
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    if p.returncode != 0:
        sys.exit(f"{name} failed ({p.returncode}): {' '.join(cmd)}\n{text[-3000:]}")
    return text


def wait_ok(url, proc, seconds):
    import urllib.request
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"the process behind {url} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit(f"{url} did not answer 200 within {seconds} s")


def get(url, accept=ACCEPT):
    import urllib.error
    import urllib.request
    request = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def ensure_tools():
    if shutil.which("wrk") is None:
        if os.geteuid() == 0 and shutil.which("apt-get"):
            log("installing wrk (apt-get)")
            env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
            quiet = {"stdout": subprocess.DEVNULL, "stdin": subprocess.DEVNULL, "env": env}
            if subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], **quiet).returncode != 0:
                subprocess.run(["apt-get", "update", "-qq"], check=True, **quiet)
                subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, **quiet)
        else:
            sys.exit("wrk is needed (Debian: apt-get install wrk)")
    p = subprocess.run(["bash", os.path.join(PROXY, "install_nginx.sh")], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"nginx is needed: {p.stderr.strip()}")
    return p.stdout.strip().splitlines()[-1]


def wrk(url, script, env_extra, conc, seconds):
    threads = max(1, min(2, conc, os.cpu_count() or 1))
    cmd = ["wrk", "-t", str(threads), "-c", str(conc), "-d", f"{seconds}s", "--timeout", "10s",
           "-s", os.path.join(HERE, script), url]
    p = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, **env_extra))
    if p.returncode != 0:
        raise RuntimeError(f"wrk failed ({p.returncode}): {p.stderr[-500:]}")
    line = next((ln for ln in p.stdout.splitlines() if ln.startswith("WRK_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result: {p.stdout[-500:]} {p.stderr[-500:]}")
    return json.loads(line[len("WRK_JSON "):])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", required=True, help="the kleinstadt binary")
    ap.add_argument("--bundle", help="bundle to import (default: bench/out/bundle.json if present, else generated)")
    ap.add_argument("--database-url", help="a database loaded before (by bench/run.sh); nothing is imported")
    ap.add_argument("--seed", type=int, default=20240601, help="seed of gen_data.py when a bundle is generated")
    ap.add_argument("--only", default="q1,q2a,q2b,q3", help="comma-separated scenarios")
    ap.add_argument("--concurrency", default=None, help="comma-separated (default 32; --smoke 4)")
    ap.add_argument("--duration", type=int, default=None, help="seconds per measured run (default 10; --smoke 1)")
    ap.add_argument("--warmup", type=int, default=None, help="seconds of warm-up (default 3; --smoke 0)")
    ap.add_argument("--smoke", action="store_true", help="short runs for CI: every answer verified, no figure judged")
    ap.add_argument("--out", default=os.path.join(HERE, "out", "persisted.json"))
    ap.add_argument("--keep", action="store_true", help="keep the work folder (logs, nginx cache)")
    a = ap.parse_args()
    duration = a.duration if a.duration is not None else (1 if a.smoke else 10)
    warmup = a.warmup if a.warmup is not None else (0 if a.smoke else 3)
    concurrency = [int(c) for c in (a.concurrency or ("4" if a.smoke else "32")).split(",")]
    binary = os.path.abspath(a.binary)
    if not os.access(binary, os.X_OK):
        sys.exit(f"{binary} is not an executable")
    scenarios = [s for s in a.only.split(",") if s]
    expect = load_json(os.path.join(QUERIES, "expect.json"), {})
    chain = load_json(os.path.join(QUERIES, "chain.json"), {})

    nginx = ensure_tools()
    work = tempfile.mkdtemp(prefix="kleinstadt-persisted.")
    os.chmod(work, 0o711)  # nginx's workers (nobody, when run as root) must reach work/nginx
    env = dict(os.environ, JWT_SECRET=os.environ.get("JWT_SECRET") or "persisted-bench-" + os.urandom(16).hex(),
               RATE_LIMIT_ANONYMOUS_PER_MINUTE="0", HTTP_CACHE_MAX_AGE="60",
               RUST_LOG=os.environ.get("RUST_LOG", "warn"))
    procs = []

    def stop(*_):
        for p in reversed(procs):
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        if a.keep:
            log(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        return bench(a, binary, nginx, work, env, procs, scenarios, expect, chain, duration, warmup, concurrency)
    finally:
        stop()


def bench(a, binary, nginx, work, env, procs, scenarios, expect, chain, duration, warmup, concurrency):
    # ---- data
    if a.database_url:
        db = a.database_url
        log(f"database: {db} (as it is)")
    else:
        db = f"sqlite://{work}/kleinstadt.sqlite?mode=rwc"
        bundle = a.bundle or os.path.join(HERE, "out", "bundle.json")
        if not a.bundle and not os.path.exists(bundle):
            bundle = os.path.join(work, "bundle.json")
            log(f"generating the bundle (seed {a.seed})")
            run([sys.executable, os.path.join(HERE, "gen_data.py"), "--seed", str(a.seed), "-o", bundle], work, "gen-data")
        log(f"importing {bundle} into SQLite")
        run([binary, "--database-url", db, "migrate"], work, "migrate", env)
        run([binary, "--database-url", db, "import-bundle", bundle], work, "import", env)

    # ---- documents
    bodies = {}
    for name in scenarios:
        with open(os.path.join(QUERIES, name + ".json"), encoding="utf-8") as f:
            bodies[name] = json.load(f)
    files = {}
    os.makedirs(os.path.join(work, "documents"), exist_ok=True)
    for name in scenarios:
        text = bodies[name]["query"]
        path = os.path.join(work, "documents", hashlib.sha256(text.encode()).hexdigest()[:16] + ".graphql")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        files[name] = path
    distinct = sorted(set(files.values()))
    output = run([binary, "--database-url", db, "documents", "register", *distinct], work, "register", env)
    ids = {}
    for line in output.splitlines():
        m = REGISTERED.match(line.strip("\r"))
        if m:
            ids[m.group(2)] = m.group(1)
    for path in distinct:
        with open(path, "rb") as f:
            want = "sha256:" + hashlib.sha256(f.read()).hexdigest()
        if ids.get(path) != want:
            sys.exit(f"documents register printed {ids.get(path)} for {path}, expected {want}\n{output[-2000:]}")
    log(f"registered {len(distinct)} documents: " + ", ".join(f"{n}={ids[files[n]][:19]}…" for n in scenarios))

    # ---- servers
    kport, nport = free_port(), free_port()
    with open(os.path.join(work, "server.log"), "wb") as out:
        server = subprocess.Popen([binary, "--database-url", db, "--bind", f"127.0.0.1:{kport}", "serve"],
                                  stdout=out, stderr=subprocess.STDOUT, env=env)
    procs.append(server)
    wait_ok(f"http://127.0.0.1:{kport}/health", server, 120)
    ndir = os.path.join(work, "nginx")
    subprocess.run(["bash", os.path.join(PROXY, "nginx_conf.sh"), ndir, f"127.0.0.1:{nport}", f"127.0.0.1:{kport}"],
                   check=True)
    with open(os.path.join(ndir, "stderr.log"), "wb") as out:
        proxy = subprocess.Popen([nginx, "-e", "stderr", "-p", ndir, "-c", os.path.join(ndir, "nginx.conf"),
                                  "-g", "daemon off;"], stdout=out, stderr=subprocess.STDOUT)
    procs.append(proxy)
    wait_ok(f"http://127.0.0.1:{nport}/health", proxy, 15)
    direct, via = f"http://127.0.0.1:{kport}/graphql", f"http://127.0.0.1:{nport}/graphql"

    # ---- verification
    failures = []
    answers, cases = {}, {}
    for name in scenarios:
        body = dict(bodies[name])
        link = chain.get(name)
        if link:
            values = walk(answers.get(link["from"]), link["path"]) if link["from"] in answers else []
            if not values:
                failures.append(f"{name}: no {link['path']} in the answer to {link['from']}")
                continue
            body["variables"] = dict(body.get("variables") or {}, **{link["variable"]: values[0]})
        raw = json.dumps(body, ensure_ascii=False).encode()
        body_path = os.path.join(work, f"{name}.json")
        with open(body_path, "wb") as f:
            f.write(raw)
        status, answer = post(direct, raw)
        try:
            doc = json.loads(answer)
        except ValueError:
            doc = None
        problem = None
        if status != 200 or not isinstance(doc, dict) or doc.get("errors") or not doc.get("data"):
            problem = f"POST: HTTP {status} {answer[:300]!r}"
        else:
            for path, want in expect.get(name, {}).items():
                if len(walk(doc, path)) != want:
                    problem = f"POST: {path}: expected {want} items, got {len(walk(doc, path))}"
                    break
        if problem is None:
            answers[name] = doc
            variables = json.dumps(body.get("variables") or {}, separators=(",", ":"), ensure_ascii=False)
            query = urllib.parse.urlencode({"documentId": ids[files[name]], "variables": variables})
            for label, base in (("GET direct", direct), ("GET via nginx", via), ("GET via nginx again", via)):
                gstatus, headers, graw = get(f"{base}?{query}")
                try:
                    same = gstatus == 200 and json.loads(graw) == doc
                except ValueError:
                    same = False
                if not same:
                    problem = f"{label}: HTTP {gstatus}, not the POST answer: {graw[:300]!r}"
                    break
            else:
                log(f"[{name}] POST and persisted GET (direct, via nginx: {headers.get('X-Cache-Status')}) "
                    f"answer the same JSON ({len(answer)} B POST, {len(graw)} B GET)")
                cases[name] = {"body": body_path, "post_bytes": len(answer), "get_url": f"{via}?{query}",
                               "get_bytes": len(graw), "cache_status": headers.get("X-Cache-Status")}
        if problem:
            log(f"[{name}] FAIL {problem}")
            failures.append(f"{name}: {problem}")

    # ---- load
    result = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "settings": {"duration_s": duration, "warmup_s": warmup, "concurrency": concurrency,
                     "scenarios": scenarios, "smoke": a.smoke, "http_cache_max_age": 60,
                     "database": "sqlite (imported)" if not a.database_url else "given"},
        "versions": {"kleinstadt": subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip(),
                     "nginx": subprocess.run([nginx, "-v"], capture_output=True, text=True).stderr.strip(),
                     "wrk": subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0]},
        "cores": os.cpu_count(), "runs": [], "failures": failures,
    }
    for name in scenarios:
        if name not in cases:
            continue
        case = cases[name]
        for conc in concurrency:
            row = {"scenario": name, "concurrency": conc}
            for kind, url, script, extra in (
                ("post", direct, "wrk_post.lua", {"BODY": case["body"], "EXPECT_BYTES": str(case["post_bytes"])}),
                ("get", case["get_url"], "wrk_get.lua", {"ACCEPT": ACCEPT, "EXPECT_BYTES": str(case["get_bytes"])}),
            ):
                if warmup:
                    wrk(url, script, extra, conc, warmup)
                k0, n0 = cpu_seconds(server.pid), cpu_seconds(proxy.pid)
                res = wrk(url, script, extra, conc, duration)
                k1, n1 = cpu_seconds(server.pid), cpu_seconds(proxy.pid)
                n = res["requests"]
                errors = res["bad"] + res["err_connect"] + res["err_read"] + res["err_write"] + res["err_timeout"]
                row[kind] = {
                    "rps": round(n / max(res["duration_us"] / 1e6, 1e-9), 1), "requests": n,
                    "p50_ms": round(res["p50_us"] / 1000, 2), "p99_ms": round(res["p99_us"] / 1000, 2),
                    "errors": errors, "checked": res["checked"],
                    "kleinstadt_cpu_ms_per_req": round(1000 * (k1 - k0) / max(n, 1), 3),
                    "nginx_cpu_ms_per_req": round(1000 * (n1 - n0) / max(n, 1), 3),
                }
                if kind == "get":
                    row[kind]["cache_hit_share"] = round(res["cache_hits"] / max(res["checked"], 1), 4)
                if errors or res["checked"] != n:
                    failures.append(f"{name} c={conc} {kind}: {errors} of {n} responses failed the checks "
                                    f"({res['checked']} checked)")
                log(f"[{name} c={conc} {kind}] {row[kind]['rps']} req/s p99 {row[kind]['p99_ms']} ms "
                    f"errors {errors}" + (f" hits {row[kind]['cache_hit_share']:.1%}" if kind == "get" else ""))
            row["ratio"] = round(row["get"]["rps"] / row["post"]["rps"], 2) if row["post"]["rps"] else None
            result["runs"].append(row)
    result["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S")
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=2, ensure_ascii=False)

    lines = ["| scenario | c | POST to kleinstadt req/s (p99 ms) | persisted GET via nginx req/s (p99 ms) | GET ÷ POST "
             "| nginx HITs | kleinstadt CPU ms/req POST / GET |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for r in result["runs"]:
        p, g = r["post"], r["get"]
        lines.append(f"| {r['scenario']} | {r['concurrency']} | {p['rps']:,.0f} ({p['p99_ms']:.1f}) "
                     f"| {g['rps']:,.0f} ({g['p99_ms']:.1f}) | {r['ratio']:.2f}× | {g['cache_hit_share']:.1%} "
                     f"| {p['kleinstadt_cpu_ms_per_req']:.3f} / {g['kleinstadt_cpu_ms_per_req']:.3f} |")
    print("\n".join(lines))
    if a.smoke:
        log("smoke run: answers verified, figures not judged")
    log(f"results: {a.out}")
    if failures:
        log("FAILED:\n  " + "\n  ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
