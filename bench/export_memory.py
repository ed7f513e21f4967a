#!/usr/bin/env python3
"""Memory of kleinstadt while it streams the bulk NDJSON exports of the full demo dataset.

Starts the given kleinstadt binary on a fresh SQLite file (the demo data: 6,978 GeoNames places
plus the facts), warms it up, then for each scenario resets the kernel's peak-RSS mark of the
server process (`/proc/<pid>/clear_refs`), downloads, and reads the new peak (`VmHWM`). It prints
the rows and bytes sent and the peak above the warm baseline, as a table and as JSON. A server
that built the whole answer in memory would grow by at least the body's size; a streaming one
grows by about one chunk (`EXPORT_CHUNK_ROWS`) whatever the table's size.

It compares several chunk sizes: the peak follows the chunk, not the table.

Usage: bench/export_memory.py [--binary target/release/kleinstadt] [--chunks 100,500,2000]
                              [--json out.json]
Python 3 standard library only; Linux (reads /proc).
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def status_kib(pid, field):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/{pid}/status")


def reset_peak(pid):
    """Sets VmHWM back to the current RSS; False where the kernel does not allow it."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as refs:
            refs.write("5")
        return True
    except OSError:
        return False


def download(url, pause=0.0, block=64 * 1024):
    """Reads a whole answer in blocks, optionally pausing after each (a slow client)."""
    lines = size = 0
    with urllib.request.urlopen(url, timeout=120) as response:
        if response.status != 200:
            raise RuntimeError(f"{url}: HTTP {response.status}")
        while True:
            data = response.read(block)
            if not data:
                break
            size += len(data)
            lines += data.count(b"\n")
            if pause:
                time.sleep(pause)
    return lines, size


def measure(binary, chunk_rows):
    """Runs the scenarios against a fresh server reading `chunk_rows` rows per statement."""
    work = tempfile.mkdtemp(prefix="kleinstadt-export-memory-")
    port = free_port()
    env = dict(os.environ,
               DATABASE_URL=f"sqlite://{work}/bench.sqlite?mode=rwc",
               BIND_ADDR=f"127.0.0.1:{port}",
               JWT_SECRET="export-memory-bench-secret-0123456789abcdef",
               RATE_LIMIT_ANONYMOUS_PER_MINUTE="0",
               EXPORT_CHUNK_ROWS=str(chunk_rows),
               RUST_LOG="warn")
    base = f"http://127.0.0.1:{port}"
    log = open(f"{work}/server.log", "w")
    server = subprocess.Popen([binary, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(1200):
            try:
                with urllib.request.urlopen(base + "/ready", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.1)
        else:
            sys.exit("the server did not become ready")
        towns = base + "/api/v1/exports/towns.ndjson"
        with urllib.request.urlopen(base + "/api/v1/towns?limit=1", timeout=10) as response:
            town_count = json.load(response)["totalCount"]
        # Warm-up: every code path, so the baseline holds the allocator's pools.
        for _ in range(2):
            download(towns)
        for kind in ("people", "events", "sessions", "documents"):
            download(f"{base}/api/v1/exports/{kind}.ndjson")
        baseline = status_kib(server.pid, "VmRSS")
        can_reset = reset_peak(server.pid)

        def one_fast():
            return [download(towns)]

        def one_slow():
            # About 1.3 MB/s: the server must hold back rather than buffer the rest.
            return [download(towns, pause=0.05)]

        def eight_at_once():
            results = [None] * 8

            def run(i):
                results[i] = download(towns)

            threads = [threading.Thread(target=run, args=(i,)) for i in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            return results

        scenarios = [
            ("one client", one_fast),
            ("one slow client", one_slow),
            ("8 clients at once", eight_at_once),
        ]
        results = []
        for name, scenario in scenarios:
            reset_peak(server.pid)
            before = status_kib(server.pid, "VmRSS")
            started = time.monotonic()
            downloads = scenario()
            elapsed = time.monotonic() - started
            peak = status_kib(server.pid, "VmHWM")
            for lines, _ in downloads:
                if lines != town_count:
                    sys.exit(f"{name}: {lines} lines, expected {town_count} towns")
            results.append({
                "chunk_rows": chunk_rows,
                "scenario": name,
                "records": sum(lines for lines, _ in downloads),
                "bytes": sum(size for _, size in downloads),
                "seconds": round(elapsed, 2),
                "baseline_rss_kib": baseline,
                "rss_before_kib": before,
                "peak_rss_kib": peak,
                "peak_above_baseline_kib": peak - baseline,
            })
        return town_count, can_reset, results
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default="target/release/kleinstadt")
    parser.add_argument("--chunks", default="100,500,2000",
                        help="EXPORT_CHUNK_ROWS values to compare, comma-separated")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    results = []
    town_count, can_reset = 0, True
    for chunk_rows in [int(c) for c in args.chunks.split(",")]:
        town_count, reset, found = measure(args.binary, chunk_rows)
        can_reset = can_reset and reset
        results.extend(found)
    print(f"export memory: towns.ndjson, {town_count} towns, "
          f"{results[0]['bytes'] / 2**20:.1f} MiB per download"
          + ("" if can_reset else " (peaks could not be reset: they include the warm-up)"))
    print(f"{'chunk rows':>10} {'scenario':20} {'MiB sent':>9} {'s':>6} {'base MiB':>9} "
          f"{'peak MiB':>9} {'above base':>11}")
    for r in results:
        print(f"{r['chunk_rows']:>10} {r['scenario']:20} {r['bytes'] / 2**20:>9.1f} "
              f"{r['seconds']:>6.2f} {r['baseline_rss_kib'] / 1024:>9.1f} "
              f"{r['peak_rss_kib'] / 1024:>9.1f} {r['peak_above_baseline_kib'] / 1024:>11.1f}")
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"towns": town_count, "peak_reset": can_reset, "results": results}, out,
                      indent=2)


if __name__ == "__main__":
    main()
