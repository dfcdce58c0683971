#!/usr/bin/env python3
"""Builds of specgate side by side on workload W, in turn, against the same nginx.

Run `benches/workload.sh` once first: it writes the specs and the nginx configuration under
target/bench/w/ and leaves nothing running, so start its nginx again:

    (cd target/bench/w && nginx -c "$PWD/nginx.conf")
    benches/compare.py --rounds 15 OLD_BINARY NEW_BINARY

Each round runs every build (and oha, the floor) once on the small spec and once on the large
one, so the machine's load changes both sides alike. Shown per build: the wall time and the CPU
(user + system, from wait4) of the small spec, medians; and the CPU per exchange, the
difference of the two specs' median CPU over the difference of their exchanges.
"""
import argparse
import os
import re
import statistics
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
W = os.path.join(ROOT, "target", "bench", "w")
PAGES = {
    "25": ("w", "w2000", "/v2/cloudimages"),
    "1000": ("w1000items", "w1000items-2000", "/v2/cloudimages1000"),
}
EXCHANGES = (200, 2000)


def measure(args):
    started = time.perf_counter()
    child = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    if status != 0:
        raise SystemExit(f"{' '.join(args)} exited with status {status}")
    return (time.perf_counter() - started) * 1000, (usage.ru_utime + usage.ru_stime) * 1000


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=10)
    p.add_argument("--page", choices=PAGES, default="25", help="images per page")
    p.add_argument("--jobs", default="1")
    p.add_argument("--oha", default=os.path.join(ROOT, "target", "bench-tools", "bin", "oha"))
    p.add_argument("builds", nargs="+", help="specgate binaries")
    a = p.parse_args()
    port = re.search(r"listen 127\.0\.0\.1:(\d+)", open(os.path.join(W, "nginx.conf")).read()).group(1)
    small, large, path = PAGES[a.page]

    def command(tool, spec, n):
        if tool == "oha":
            return [a.oha, "-n", str(n), "-c", "1", "--no-tui", f"http://127.0.0.1:{port}{path}"]
        return [tool, "run", os.path.join(W, spec + ".yaml"), "--target", f"http://127.0.0.1:{port}",
                "--report-dir", os.path.join(ROOT, "target", "bench", "compare-reports"), "--jobs", a.jobs]

    tools = ["oha"] + a.builds
    runs = {t: {"small": [], "large": []} for t in tools}
    for _ in range(a.rounds):
        for t in tools:
            runs[t]["small"].append(measure(command(t, small, EXCHANGES[0])))
            runs[t]["large"].append(measure(command(t, large, EXCHANGES[1])))
    print(f"{a.rounds} rounds, {a.page}-image page, --jobs {a.jobs}; medians")
    print("| command | wall, 200 exchanges | CPU, 200 exchanges | CPU per exchange |")
    print("|---|---:|---:|---:|")
    for t in tools:
        wall = statistics.median(w for w, _ in runs[t]["small"])
        cpu_small = statistics.median(c for _, c in runs[t]["small"])
        cpu_large = statistics.median(c for _, c in runs[t]["large"])
        per = (cpu_large - cpu_small) * 1000 / (EXCHANGES[1] - EXCHANGES[0])
        name = "oha -c 1" if t == "oha" else os.path.basename(t)
        print(f"| {name} | {wall:.1f} ms | {cpu_small:.1f} ms | {per:,.0f} µs |")


if __name__ == "__main__":
    main()
