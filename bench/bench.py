#!/usr/bin/env python3
"""GraphQL load runs of several servers side by side, every answer verified (stdlib only; drives wrk).

Each --server is LABEL=URL,QUERIES_DIR,PID[,PG_PID]. A queries dir holds one POST body per scenario
(q1.json, q2a.json, ...: {"query": ..., "variables": ...}) and:
  expect.json   row counts per dotted path ("x[]" = step into every element of list x), per scenario
  compare.json  paths whose values must be EQUAL on every server (same meaning, same rows), per scenario
  chain.json    variables taken from another scenario's answer at start, e.g. the `after` cursor of
                the second page: {"q2b": {"variable": "after", "from": "q2a", "path": "data...endCursor"}}

For every scenario (interleaved across servers, so that load from elsewhere hits all alike):
  1. verify once: HTTP 200, no "errors", data not null, the expected counts, the same compared values
     on all servers; the size of that answer is remembered;
  2. per concurrency: a warm-up run, then the measured run (wrk, wrk_post.lua) while the server's RSS
     (pid + descendants) is sampled every 0.2 s; wrk_post.lua checks EVERY response for status 200,
     exactly the verified size, and no "errors";
  3. verify again afterwards.
Prints markdown tables (runs; ratios against each --baseline server) and writes --out (JSON, the
ratios included).

  bench.py --server kleinstadt-pg=http://127.0.0.1:18081/graphql,queries/kleinstadt,1234,999 \\
           --server postgraphile=http://127.0.0.1:15055/graphql,queries/postgraphile,1240,999 \\
           --server postgraphile5=http://127.0.0.1:15056/graphql,queries/postgraphile5,1250,999 \\
           --baseline postgraphile,postgraphile5 --concurrency 1,32 --duration 15 --warmup 5 \\
           --out out/results.json
"""
import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
TICK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- processes

def proc_stat(pid):
    with open(f"/proc/{pid}/stat") as f:
        s = f.read()
    fields = s[s.rfind(")") + 2:].split()
    # fields[0] is field 3 (state); utime=14, stime=15, cutime=16, cstime=17, rss=24
    return {"ppid": int(fields[1]), "utime": int(fields[11]), "stime": int(fields[12]),
            "cutime": int(fields[13]), "cstime": int(fields[14]), "rss": int(fields[21]) * PAGE}


def tree(pid):
    """pid and all its descendants"""
    children = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                children.setdefault(proc_stat(int(d))["ppid"], []).append(int(d))
            except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
                pass
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def cpu_seconds(pid):
    """CPU of pid + live descendants + already-reaped children (cutime/cstime of pid)."""
    if not pid:
        return 0.0
    total = 0
    for i, p in enumerate(tree(pid)):
        try:
            st = proc_stat(p)
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += st["utime"] + st["stime"] + (st["cutime"] + st["cstime"] if i == 0 else 0)
    return total / TICK


def rss_bytes(pid):
    total = 0
    for p in tree(pid):
        try:
            total += proc_stat(p)["rss"]
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def machine_busy():
    """(busy, total) jiffies of the whole machine from /proc/stat"""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    return sum(v) - v[3] - v[4], sum(v)


# ---------------------------------------------------------------- answers

def walk(obj, path):
    """values at a dotted path; 'x[]' means: x is a list, continue into every element"""
    cur = [obj]
    for part in path.split("."):
        nxt = []
        is_list = part.endswith("[]")
        key = part[:-2] if is_list else part
        for o in cur:
            v = o.get(key) if isinstance(o, dict) else None
            if v is None:
                continue
            if is_list:
                nxt.extend(v)
            else:
                nxt.append(v)
        cur = nxt
    return cur


def post(url, body, timeout=30):
    req = urllib.request.Request(url, data=body, headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def verify(url, body, expect):
    """(ok, answer bytes, parsed answer or None, message)"""
    try:
        status, raw = post(url, body)
    except Exception as e:  # noqa: BLE001 - any failure to get an answer is a verification failure
        return False, 0, None, f"request failed: {e}"
    try:
        doc = json.loads(raw)
    except ValueError:
        return False, len(raw), None, f"HTTP {status}, body is not JSON: {raw[:200]!r}"
    if status != 200:
        return False, len(raw), doc, f"HTTP {status}: {raw[:300]!r}"
    if doc.get("errors"):
        return False, len(raw), doc, "errors: " + json.dumps(doc["errors"], ensure_ascii=False)[:400]
    if not doc.get("data"):
        return False, len(raw), doc, "data is null/empty"
    for path, want in (expect or {}).items():
        got = len(walk(doc, path))
        if got != want:
            return False, len(raw), doc, f"{path}: expected {want} items, got {got}"
    return True, len(raw), doc, "ok"


def wait_ready(label, url, timeout=120):
    body = json.dumps({"query": "{ __typename }"}).encode()
    deadline = time.time() + timeout
    last = ""
    while time.time() < deadline:
        try:
            status, raw = post(url, body, timeout=5)
            if status == 200:
                return
            last = f"HTTP {status}"
        except Exception as e:  # noqa: BLE001 - not up yet
            last = str(e)
        time.sleep(0.5)
    sys.exit(f"{label} at {url} did not answer within {timeout} s ({last})")


# ---------------------------------------------------------------- load

def wrk_run(url, body_path, expect_bytes, conc, seconds):
    """Runs wrk; returns (parsed WRK_JSON line, CPU seconds of wrk)."""
    threads = max(1, min(2, conc, os.cpu_count() or 1))
    cmd = ["wrk", "-t", str(threads), "-c", str(conc), "-d", f"{seconds}s", "--timeout", "10s",
           "-s", os.path.join(HERE, "wrk_post.lua"), url]
    env = dict(os.environ, BODY=body_path, EXPECT_BYTES=str(expect_bytes))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        raise RuntimeError(f"wrk failed ({p.returncode}): {p.stderr[-500:]}")
    line = next((ln for ln in p.stdout.splitlines() if ln.startswith("WRK_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result: {p.stdout[-500:]} {p.stderr[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return json.loads(line[len("WRK_JSON "):]), cpu


def load_json(path, default):
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    return default


class Server:
    def __init__(self, spec):
        label, rest = spec.split("=", 1)
        parts = rest.split(",")
        if len(parts) not in (3, 4):
            sys.exit(f"--server {spec}: expected LABEL=URL,QUERIES_DIR,PID[,PG_PID]")
        self.label, self.url, self.dir = label, parts[0], parts[1]
        self.pid = int(parts[2])
        self.pg_pid = int(parts[3]) if len(parts) == 4 and parts[3] else 0
        self.expect = load_json(os.path.join(self.dir, "expect.json"), {})
        self.compare = load_json(os.path.join(self.dir, "compare.json"), {})
        self.chain = load_json(os.path.join(self.dir, "chain.json"), {})
        self.bodies = {}  # scenario -> path of the body file actually sent
        self.sizes = {}  # scenario -> verified answer size
        self.failed = {}  # scenario -> why it is not measured
        self.idle_rss = None

    def scenarios(self):
        return sorted(f[:-5] for f in os.listdir(self.dir)
                      if f.startswith("q") and f.endswith(".json"))


def prepare(server, scenarios, body_dir):
    """Writes the bodies to send (chained variables filled in); verifies every scenario once."""
    answers = {}
    for name in scenarios:
        src = os.path.join(server.dir, name + ".json")
        with open(src, encoding="utf-8") as f:
            doc = json.load(f)
        link = server.chain.get(name)
        if link:
            prev = answers.get(link["from"])
            values = walk(prev, link["path"]) if prev else []
            if not values:
                server.failed[name] = f"no {link['path']} in the answer to {link['from']}"
                continue
            doc.setdefault("variables", {})[link["variable"]] = values[0]
        path = os.path.join(body_dir, f"{server.label}-{name}.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(doc, f, ensure_ascii=False)
        server.bodies[name] = path
        with open(path, "rb") as f:
            ok, size, answer, msg = verify(server.url, f.read(), server.expect.get(name))
        log(f"[{server.label} {name}] check: {msg} ({size} B)")
        if not ok:
            server.failed[name] = "pre-check: " + msg
            continue
        server.sizes[name] = size
        answers[name] = answer
    return answers


def cross_check(servers, answers, scenarios):
    """The compared values of each scenario must be equal on all servers."""
    for name in scenarios:
        ref = None
        for s in servers:
            if name not in answers[s.label]:
                continue
            values = [walk(answers[s.label][name], p) for p in s.compare.get(name, [])]
            if ref is None:
                ref = (s.label, values)
            elif values != ref[1]:
                diff = next(i for i, (a, b) in enumerate(zip(values, ref[1])) if a != b) \
                    if len(values) == len(ref[1]) else "count of paths"
                msg = f"answers differ from {ref[0]} (compare path #{diff})"
                log(f"[{s.label} {name}] {msg}")
                s.failed[name] = msg


def measure(server, name, conc, a):
    body, size = server.bodies[name], server.sizes[name]
    if a.warmup:
        wrk_run(server.url, body, size, conc, a.warmup)
    samples, stop = [], threading.Event()

    def sampler():
        while not stop.is_set():
            samples.append(rss_bytes(server.pid))
            stop.wait(0.2)

    th = threading.Thread(target=sampler, daemon=True)
    srv0, pg0, m0, t0 = cpu_seconds(server.pid), cpu_seconds(server.pg_pid), machine_busy(), time.time()
    th.start()
    res, wrk_cpu = wrk_run(server.url, body, size, conc, a.duration)
    stop.set()
    th.join()
    wall = time.time() - t0
    srv_cpu, pg_cpu, m1 = cpu_seconds(server.pid) - srv0, cpu_seconds(server.pg_pid) - pg0, machine_busy()
    with open(body, "rb") as f:
        ok2, size2, _, msg2 = verify(server.url, f.read(), server.expect.get(name))
    n = res["requests"]
    socket_errors = res["err_connect"] + res["err_read"] + res["err_write"] + res["err_timeout"]
    errors = res["bad"] + socket_errors
    cores = os.cpu_count() or 1
    machine = (m1[0] - m0[0]) / max(m1[1] - m0[1], 1)
    verdict = "ok"
    if not ok2:
        verdict = f"FAIL: post-check {msg2}"
    elif size2 != size:
        verdict = f"FAIL: post-check answer is {size2} B, was {size} B"
    elif res["checked"] != n:
        verdict = f"FAIL: {res['checked']} of {n} responses checked"
    elif errors:
        verdict = "FAIL: responses failed the checks"
    return {
        "server": server.label, "scenario": name, "concurrency": conc, "duration_s": a.duration,
        "rps": round(n / max(res["duration_us"] / 1e6, 1e-9), 1), "requests": n,
        "p50_ms": round(res["p50_us"] / 1000, 2), "p90_ms": round(res["p90_us"] / 1000, 2),
        "p99_ms": round(res["p99_us"] / 1000, 2), "max_ms": round(res["max_us"] / 1000, 2),
        "errors": errors, "bad_status": res["bad_status"], "bad_size": res["bad_size"],
        "graphql_errors": res["graphql_errors"], "socket_errors": socket_errors,
        "bytes_per_answer": size, "verify": verdict,
        "rss_peak_mib": round(max(samples) / 2**20, 1) if samples else None,
        "rss_end_mib": round(samples[-1] / 2**20, 1) if samples else None,
        "server_cpu_ms_per_req": round(1000 * srv_cpu / max(n, 1), 3),
        "pg_cpu_ms_per_req": round(1000 * pg_cpu / max(n, 1), 3) if server.pg_pid else None,
        "server_cpu_share": round(srv_cpu / (wall * cores), 3),
        "pg_cpu_share": round(pg_cpu / (wall * cores), 3) if server.pg_pid else None,
        "wrk_cpu_share": round(wrk_cpu / (wall * cores), 3),
        "machine_busy_share": round(machine, 3),
        # CPU used by processes that are neither server, PG nor wrk (other jobs on the box):
        "other_cpu_share": round(machine - (srv_cpu + pg_cpu + wrk_cpu) / (wall * cores), 3),
        "time": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }


def fmt(v, digits=0):
    if v is None:
        return "-"
    return f"{v:,.{digits}f}" if isinstance(v, (int, float)) else str(v)


def ratios(result, baselines):
    """Per scenario and concurrency, every server that is not a baseline against every baseline:
    req/s and p99 of the server divided by those of the baseline (None where either did not run)."""
    runs = [r for r in result["runs"] if "rps" in r]
    index = {(r["server"], r["scenario"], r["concurrency"]): r for r in runs}
    others = [s for s in result["servers"] if s not in baselines]
    out = []
    for sc, c in sorted({(r["scenario"], r["concurrency"]) for r in runs}):
        for b in baselines:
            base = index.get((b, sc, c))
            for o in others:
                mine = index.get((o, sc, c))
                ok = bool(base and mine and base["rps"] and base["p99_ms"])
                out.append({"scenario": sc, "concurrency": c, "server": o, "baseline": b,
                            "rps_ratio": round(mine["rps"] / base["rps"], 3) if ok else None,
                            "p99_ratio": round(mine["p99_ms"] / base["p99_ms"], 3) if ok else None})
    return out


def tables(result, baselines):
    runs = result["runs"]
    out = ["| scenario | c | server | req/s | p50 ms | p99 ms | errors | peak RSS MiB | server CPU ms/req | verify |",
           "|---|---|---|---:|---:|---:|---:|---:|---:|---|"]
    for r in runs:
        if "rps" not in r:
            out.append(f"| {r['scenario']} | - | {r['server']} | - | - | - | - | - | - | {r['verify']} |")
            continue
        out.append(f"| {r['scenario']} | {r['concurrency']} | {r['server']} | {fmt(r['rps'])} | {r['p50_ms']:.2f} "
                   f"| {r['p99_ms']:.2f} | {r['errors']} | {fmt(r['rss_peak_mib'], 1)} "
                   f"| {r['server_cpu_ms_per_req']:.3f} | {r['verify']} |")
    baselines = [b for b in baselines if b in result["servers"]]
    others = [s for s in result["servers"] if s not in baselines]
    if baselines and others:
        # one column per (server, baseline): req/s first, then p99
        pairs = [(o, b) for b in baselines for o in others]
        out += ["", "| scenario | c | " + " | ".join(f"{o} / {b} req/s" for o, b in pairs)
                + " | " + " | ".join(f"{o} / {b} p99" for o, b in pairs) + " |",
                "|---|---|" + "---:|" * (2 * len(pairs))]
        index = {(r["scenario"], r["concurrency"], r["server"], r["baseline"]): r for r in result["ratios"]}
        for sc, c in sorted({(r["scenario"], r["concurrency"]) for r in result["ratios"]}):
            cells = [index[(sc, c, o, b)] for o, b in pairs]
            out.append(f"| {sc} | {c} | " + " | ".join(fmt(r["rps_ratio"], 2) for r in cells)
                       + " | " + " | ".join(fmt(r["p99_ratio"], 2) for r in cells) + " |")
    out += ["", "| server | RSS idle MiB | peak RSS MiB (all runs) | requests | errors |", "|---|---:|---:|---:|---:|"]
    for label, s in result["servers"].items():
        out.append(f"| {label} | {fmt(s['rss_idle_mib'], 1)} | {fmt(s['rss_peak_mib'], 1)} "
                   f"| {fmt(s['requests'])} | {s['errors']} |")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--server", action="append", required=True, help="LABEL=URL,QUERIES_DIR,PID[,PG_PID]")
    ap.add_argument("--baseline", default="postgraphile",
                    help="comma-separated labels the ratios are taken against (each other server against each)")
    ap.add_argument("--concurrency", default="1,32")
    ap.add_argument("--duration", type=int, default=15, help="seconds per measured run")
    ap.add_argument("--warmup", type=int, default=5, help="seconds of warm-up before each measured run")
    ap.add_argument("--only", default="", help="comma-separated scenarios (default: all)")
    ap.add_argument("--out", default=os.path.join(HERE, "out", "results.json"))
    ap.add_argument("--meta", default="", help="JSON file with facts to keep in the results (timings, versions)")
    a = ap.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk not found on PATH (Debian: apt-get install wrk)")

    servers = [Server(s) for s in a.server]
    baselines = [b for b in a.baseline.split(",") if b]
    scenarios = servers[0].scenarios()
    if a.only:
        scenarios = [s for s in scenarios if s in a.only.split(",")]
    concurrency = [int(c) for c in a.concurrency.split(",")]
    out_dir = os.path.dirname(os.path.abspath(a.out))
    body_dir = os.path.join(out_dir, "bodies")
    os.makedirs(body_dir, exist_ok=True)

    for s in servers:
        wait_ready(s.label, s.url)
    answers = {s.label: prepare(s, scenarios, body_dir) for s in servers}
    cross_check(servers, answers, scenarios)
    for s in servers:
        s.idle_rss = rss_bytes(s.pid)

    result = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "machine": {"cores": os.cpu_count(), "kernel": platform.release(), "python": platform.python_version(),
                    "wrk": subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0]},
        "settings": {"duration_s": a.duration, "warmup_s": a.warmup, "concurrency": concurrency,
                     "scenarios": scenarios, "baselines": baselines},
        "meta": load_json(a.meta, {}) if a.meta else {},
        "servers": {}, "runs": [], "ratios": [],
    }

    def save():
        for s in servers:
            mine = [r for r in result["runs"] if r["server"] == s.label and "rps" in r]
            result["servers"][s.label] = {
                "url": s.url, "pid": s.pid,
                "rss_idle_mib": round(s.idle_rss / 2**20, 1) if s.idle_rss else None,
                "rss_peak_mib": max((r["rss_peak_mib"] or 0 for r in mine), default=None),
                "requests": sum(r["requests"] for r in mine), "errors": sum(r["errors"] for r in mine),
                "failed": s.failed,
            }
        result["ratios"] = ratios(result, baselines)
        with open(a.out, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=2, ensure_ascii=False)

    for name in scenarios:
        for s in servers:
            if name in s.failed or name not in s.sizes:
                result["runs"].append({"server": s.label, "scenario": name,
                                       "verify": "FAIL: " + s.failed.get(name, "not verified")})
        for conc in concurrency:
            for s in servers:
                if name in s.failed or name not in s.sizes:
                    continue
                row = measure(s, name, conc, a)
                result["runs"].append(row)
                log(f"[{s.label} {name} c={conc}] {row['rps']} req/s p50 {row['p50_ms']} ms p99 {row['p99_ms']} ms "
                    f"errors {row['errors']} RSS {row['rss_peak_mib']} MiB verify={row['verify']} "
                    f"other-cpu={row['other_cpu_share']}")
                save()
    result["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S")
    save()
    print(tables(result, baselines))
    bad = [r for r in result["runs"] if r.get("verify") != "ok"]
    if bad:
        log(f"{len(bad)} run(s) failed verification; see {a.out}")
        sys.exit(1)


if __name__ == "__main__":
    main()
