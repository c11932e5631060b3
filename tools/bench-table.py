#!/usr/bin/env python3
"""bench-table.py - the README's benchmark tables, as markdown.

Kernel (default): runs build/tests/bench/synod-bench (Google Benchmark) with
5 repetitions and prints one row per benchmark: the median CPU time per
operation, operations per second, and the coefficient of variation of the 5
repetitions (how much to trust the median on a busy machine). A caption
line names the date, machine, CPU, compiler, build type and git commit.

    tools/bench-table.py                         # build/ ; all benchmarks
    tools/bench-table.py --build build-rel --benchmark_filter=Raft
    REPS=10 tools/bench-table.py

Arguments that start with --benchmark_ go to synod-bench unchanged.

Checker (--checker): reads tools/bench-checker.sh's output on stdin and keeps
the columns the README shows (spec, distinct states, distinct states per
second with 1 and 2 threads, seen-set bytes per state, peak RSS), with the
same caption line:

    tools/bench-checker.sh raft-quick raft-faults paxos-quick | tools/bench-table.py --checker

Exit status: 0 table printed, 2 bad usage or input (binary missing, a run
that failed, output that is not what was expected).
"""

import datetime
import json
import os
import platform
import re
import subprocess
import sys

# What one iteration of each benchmark does: (what is timed, operations per
# iteration, name of one operation). A benchmark missing here is still
# printed, per iteration.
KERNEL = {
    "BM_RaftLeaderAppendResponse": ("Raft leader handles an AppendEntries response (3 nodes)", 2, "step"),
    "BM_RaftFollowerAppend/1": ("Raft follower appends 1 entry, persists, acknowledges", 1, "message"),
    "BM_RaftFollowerAppend/16": ("Raft follower appends 16 entries per message", 1, "message"),
    "BM_RaftLeaderPropose": ("Raft leader accepts a proposal, sends it to 2 followers", 1, "proposal"),
    "BM_RaftCommitLoop/0": ("3 Raft nodes commit and apply an entry, no compaction", 1, "entry"),
    "BM_RaftCommitLoop/1024": ("the same, every node compacting every 1,024 entries", 1, "entry"),
    "BM_RaftCommitLoop/8192": ("the same, every node compacting every 8,192 entries", 1, "entry"),
    "BM_PaxosRound/3": ("Paxos round, prepare to chosen, 3 acceptors (12 messages)", 1, "round"),
    "BM_PaxosRound/5": ("Paxos round, prepare to chosen, 5 acceptors (32 messages)", 1, "round"),
    "BM_PaxosNodeHash/0": ("canonical hash of one Paxos node (5-node cluster)", 1, "hash"),
    "BM_PaxosNodeHash/1": ("the same under a renaming of node ids", 1, "hash"),
}

PLURAL = {"hash": "hashes", "entry": "entries"}

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def fail(msg):
    print(f"bench-table: {msg}", file=sys.stderr)
    sys.exit(2)


def run(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT).stdout.strip()
    except OSError:
        return ""


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def compiler(build):
    """The C++ compiler and build type the build directory was configured with."""
    cxx, build_type = "", ""
    try:
        with open(os.path.join(build, "CMakeCache.txt")) as f:
            for line in f:
                if line.startswith("CMAKE_CXX_COMPILER:"):
                    cxx = line.split("=", 1)[1].strip()
                elif line.startswith("CMAKE_BUILD_TYPE:"):
                    build_type = line.split("=", 1)[1].strip()
    except OSError:
        pass
    out = run([cxx, "--version"]) if cxx else ""
    version = out.splitlines()[0] if out else "unknown compiler"
    return f"{version}{', ' + build_type if build_type else ''}"


def caption(build):
    commit = run(["git", "rev-parse", "--short", "HEAD"]) or "unknown commit"
    if run(["git", "status", "--porcelain", "--untracked-files=no"]):
        commit += " (with uncommitted changes)"
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    try:
        with open("/proc/loadavg") as f:
            load = " ".join(f.read().split()[:3])
    except OSError:
        load = "?"
    return (f"Measured {now} on {platform.machine()}, {cpu_model()}, {os.cpu_count()} CPUs "
            f"(load average {load}); {compiler(build)}; commit {commit}.")


def si(x):
    for factor, suffix in ((1e9, " G"), (1e6, " M"), (1e3, " k")):
        if x >= factor:
            return f"{x / factor:.3g}{suffix}"
    return f"{x:.3g}"


def duration(ns):
    if ns >= 1e6:
        return f"{ns / 1e6:.3g} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.3g} µs"
    return f"{ns:.3g} ns"


TO_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


def kernel(args):
    build = "build"
    passthrough = []
    it = iter(args)
    for a in it:
        if a == "--build":
            build = next(it, None) or fail("--build needs a directory")
        elif a.startswith("--build="):
            build = a.split("=", 1)[1]
        elif a.startswith("--benchmark_"):
            passthrough.append(a)
        else:
            fail(f"unknown argument {a!r} (see the top of tools/bench-table.py)")
    reps = os.environ.get("REPS", "5")
    if not reps.isdigit() or int(reps) < 2:
        fail(f"REPS must be an integer of at least 2, not {reps!r}")
    binary = os.environ.get("BIN", os.path.join(build, "tests", "bench", "synod-bench"))
    if not os.access(os.path.join(ROOT, binary) if not os.path.isabs(binary) else binary, os.X_OK):
        fail(f"{binary} not built; configure with -DSYNOD_BUILD_BENCHMARKS=ON and build the target synod-bench")
    cmd = [binary, f"--benchmark_repetitions={reps}", "--benchmark_report_aggregates_only=true",
           "--benchmark_format=json", *passthrough]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        fail(f"{' '.join(cmd)} exited with {proc.returncode}: {proc.stderr.strip()[:500]}")
    try:
        rows = json.loads(proc.stdout)["benchmarks"]
    except (ValueError, KeyError, TypeError):
        fail("synod-bench did not print Google Benchmark JSON")
    medians, cvs, order = {}, {}, []
    for r in rows:
        name, agg = r.get("run_name"), r.get("aggregate_name")
        if name is None or agg is None:
            continue
        if name not in order:
            order.append(name)
        if agg == "median":
            medians[name] = r
        elif agg == "cv":
            cvs[name] = r.get("cpu_time")
    if not medians:
        fail("no medians in synod-bench's output (did --benchmark_filter match nothing?)")
    print(caption(os.path.join(ROOT, build) if not os.path.isabs(build) else build))
    print(f"Median CPU time of {reps} repetitions: `{' '.join(cmd[:1] + [c for c in cmd[1:] if c != '--benchmark_format=json'])}`.")
    print()
    print("| benchmark | what is timed | median time | rate | cv |")
    print("|---|---|---|---|---|")
    for name in order:
        r = medians.get(name)
        if r is None:
            continue
        what, per, unit = KERNEL.get(name, ("", 1, "iteration"))
        ns = r["cpu_time"] * TO_NS.get(r.get("time_unit", "ns"), 1.0) / per
        rate = 1e9 / ns if ns > 0 else 0.0
        cv = f"{cvs[name]:.0%}" if name in cvs else "-"
        print(f"| `{name}` | {what} | {duration(ns)} / {unit} | {si(rate)} {PLURAL.get(unit, unit + 's')}/s | {cv} |")


def checker(args):
    build = "build"
    for a in args:
        if a.startswith("--build="):
            build = a.split("=", 1)[1]
        else:
            fail(f"unknown argument {a!r} for --checker")
    text = sys.stdin.read()
    lines = [l for l in text.splitlines() if l.startswith("|")]
    header = next((l for l in lines if l.startswith("| spec | distinct states |")), None)
    if header is None:
        fail("stdin is not tools/bench-checker.sh's output (no '| spec | distinct states |' table)")
    cols = [c.strip() for c in header.strip("|").split("|")]
    want = {"spec": None, "distinct states": None, "1 thread: distinct/s": None,
            "2 threads: distinct/s": None, "seen-set B/state": None, "peak RSS MiB": None}
    for key in want:
        if key not in cols:
            fail(f"bench-checker.sh's table has no column {key!r}")
        want[key] = cols.index(key)
    start = lines.index(header) + 2  # skip the |---| line
    print(caption(os.path.join(ROOT, build) if not os.path.isabs(build) else build))
    m = re.search(r"(\d+) runs per thread count", text)
    print(f"Medians of {m.group(1) if m else 'several'} runs per thread count, from `synod-check --json`.")
    print()
    print("| spec | distinct states | distinct states/s, 1 thread | distinct states/s, 2 threads | seen set, bytes/state | peak RSS |")
    print("|---|---|---|---|---|---|")
    for line in lines[start:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) != len(cols):
            break  # the next table
        g = lambda k: cells[want[k]]
        try:
            one, two = (float(g(k).replace(",", "")) for k in ("1 thread: distinct/s", "2 threads: distinct/s"))
            rss = float(g("peak RSS MiB").replace(",", ""))
        except ValueError:
            fail(f"unexpected row in bench-checker.sh's table: {line}")
        rss_cell = f"{rss / 1024:.1f} GiB" if rss >= 1024 else f"{rss:.0f} MiB"
        print(f"| {g('spec')} | {g('distinct states')} | {si(one)} | {si(two)} | {g('seen-set B/state')} | {rss_cell} |")


def main(argv):
    if argv[:1] in (["-h"], ["--help"]):
        print(__doc__.strip())
        return 0
    if argv[:1] == ["--checker"]:
        checker(argv[1:])
    else:
        kernel(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
