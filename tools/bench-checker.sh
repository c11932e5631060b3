#!/usr/bin/env bash
# bench-checker.sh - the checker's throughput figures, from its own --json
# summaries: for each spec, REPS runs with --threads 1 and with --threads 2,
# interleaved (1, 2, 1, 2, ...) so both see the same machine load; prints the
# median distinct states per second for each, the per-thread figure, the
# 1 -> 2 thread speed-up (ratio of the medians, and the median of each
# round's own ratio), seen-set bytes per distinct state and peak RSS; then
# each BFS phase's median seconds and speed-up.
#
# On a virtual machine the hypervisor may run other guests on our cores:
# /proc/stat's "steal" time. Each run's steal share (stolen CPU time over
# wall time x CPUs) is recorded; the table prints the median, and a second
# speed-up from the runs with under 5% steal when at least 3 of each thread
# count had so little. Stolen time slows a 2-thread run more than a 1-thread
# one: a thread whose core is taken stalls the other at the next barrier.
#
# PAIR=1 also runs, in each round, two 1-thread copies at once (one per
# core) and prints the 2-thread run's throughput over the pair's summed
# throughput: how close two threads come to two independent processes on
# the same cores at the same time. On a shared VM each core's speed drifts
# on its own (one may run at 0.9 M/s while the other runs at 1.5), which a
# 1 -> 2 thread ratio cannot tell from a scaling loss; this ratio can.
# It also prints the pair's summed throughput over the 1-thread run of the
# same round: how much the host itself gives from a second core at that
# moment (2.0x when the two vCPUs do not slow each other; it has measured
# 1.4x here, when no program could reach 1.7x).
#
# Before each round it also measures how far apart the two CPUs are: the
# one-way time of a cache line between them (tools/core-latency.cpp, built
# here with c++). A VM's host may move its vCPUs between cores that share a
# cache and cores on different dies; on the host of docs/checker.md Round 14
# that moved between about 30 and 165 ns, and the quick specs' speed-up with
# it. The last table splits the rounds' speed-ups by that distance. On a
# busy machine the probe reads high (a thread waits for its CPU), so run
# the benchmark alone.
#
# Usage: tools/bench-checker.sh [SPEC...]      (default: raft-quick paxos-quick)
# Environment: BIN=build/checker/synod-check  REPS=5  PAIR=0
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-build/checker/synod-check}
REPS=${REPS:-5}
PAIR=${PAIR:-0}
[[ -x $BIN ]] || { echo "bench-checker: $BIN not built (make build)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "bench-checker: python3 missing" >&2; exit 2; }
specs=("$@")
[[ ${#specs[@]} -gt 0 ]] || specs=(raft-quick paxos-quick)
out=$(mktemp -d /tmp/synod-bench-checker.XXXXXX)
trap 'rm -rf "$out"' EXIT

echo "host: $(nproc) cpus, load avg $(cut -d' ' -f1-3 /proc/loadavg), $REPS runs per thread count, $(date -u +%FT%TZ)"
latency() { if [[ -x $out/core-latency ]]; then "$out/core-latency" 2>/dev/null || echo -; else echo -; fi; }
command -v c++ >/dev/null && c++ -O2 -pthread -std=c++17 tools/core-latency.cpp -o "$out/core-latency" 2>/dev/null ||
  echo "bench-checker: could not build tools/core-latency.cpp; CPU distances not measured" >&2
steal_ticks() { awk '/^cpu /{print $9; exit}' /proc/stat 2>/dev/null || echo 0; }
now_ns() { date +%s%N; }
ticks_per_s=$(getconf CLK_TCK 2>/dev/null || echo 100)
for spec in "${specs[@]}"; do
  for r in $(seq 1 "$REPS"); do
    latency > "$out/$spec-r$r.lat"
    for t in 1 2; do
      s0=$(steal_ticks); w0=$(now_ns)
      "$BIN" "specs/$spec" --threads "$t" --no-progress --json "$out/$spec-t$t-r$r.json" >/dev/null
      s1=$(steal_ticks); w1=$(now_ns)
      echo "$(( s1 - s0 )) $(( w1 - w0 ))" > "$out/$spec-t$t-r$r.steal"
    done
    if [[ $PAIR == 1 ]]; then
      "$BIN" "specs/$spec" --threads 1 --no-progress --json "$out/$spec-pair-r$r-a.json" >/dev/null &
      "$BIN" "specs/$spec" --threads 1 --no-progress --json "$out/$spec-pair-r$r-b.json" >/dev/null
      wait
    fi
  done
done
python3 - "$out" "$ticks_per_s" "$(nproc)" "${specs[@]}" <<'EOF'
import json, statistics, sys, glob
out, ticks, cpus, specs = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
def load(spec, t):
    runs = []
    for f in sorted(glob.glob(f"{out}/{spec}-t{t}-r*.json")):
        r = json.load(open(f))
        stolen, wall_ns = (int(x) for x in open(f[:-5] + ".steal").read().split())
        r["steal"] = stolen / ticks / (wall_ns / 1e9 * cpus) if wall_ns > 0 else 0.0
        runs.append(r)
    return runs
print("| spec | distinct states | 1 thread: distinct/s | 2 threads: distinct/s | per thread (2) | speed-up 1->2 | speed-up, median of rounds | steal 1 / 2 | speed-up, runs < 5% steal | seen-set B/state | peak RSS MiB |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for spec in specs:
    runs = {t: load(spec, t) for t in (1, 2)}
    med = {t: statistics.median(r["states_per_second"] for r in runs[t]) for t in (1, 2)}
    steal = {t: statistics.median(r["steal"] for r in runs[t]) for t in (1, 2)}
    calm = {t: [r["states_per_second"] for r in runs[t] if r["steal"] < 0.05] for t in (1, 2)}
    calm_cell = (f"{statistics.median(calm[2]) / statistics.median(calm[1]):.2f}x ({len(calm[1])} / {len(calm[2])} runs)"
                 if min(len(calm[1]), len(calm[2])) >= 3 else f"- ({len(calm[1])} / {len(calm[2])} runs)")
    # Each round runs 1 thread then 2 back to back: the median of the
    # rounds' own ratios is less moved by the host's slow and fast spells
    # than the ratio of the two medians, whose runs may come from different
    # spells.
    rounds = statistics.median(b["states_per_second"] / a["states_per_second"] for a, b in zip(runs[1], runs[2]))
    d = runs[2][0]
    rss = max(r["peak_rss_bytes"] for r in runs[1] + runs[2]) / 2**20
    print(f"| {spec} | {d['distinct_states']:,} | {med[1]:,.0f} | {med[2]:,.0f} | {med[2]/2:,.0f} | "
          f"{med[2]/med[1]:.2f}x | {rounds:.2f}x | {steal[1]:.0%} / {steal[2]:.0%} | {calm_cell} | {d['seen_set_bytes_per_state']:.1f} | {rss:,.0f} |")
    for t in (1, 2):
        print(f"  {spec} threads={t}: " + " ".join(f"{r['states_per_second']:,.0f} ({r['steal']:.0%} steal)" for r in runs[t]), file=sys.stderr)
def rate(path):
    return json.load(open(path))["states_per_second"]
def rounds_of(spec, kind):  # the round numbers r of the files {spec}-{kind}-r{r}.json
    prefix = f"{out}/{spec}-{kind}-r"
    return [f[len(prefix):-len(".json")] for f in sorted(glob.glob(prefix + "*.json"))]
pairs = [s for s in specs if glob.glob(f"{out}/{s}-pair-r*-a.json")]
if pairs:
    print()
    print("| spec | two 1-thread copies at once: summed distinct/s | the pair over 1 thread alone (the host's own 1 -> 2 core scaling) | 2 threads over the pair (median of rounds) |")
    print("|---|---|---|---|")
    for spec in pairs:
        sums, ratios, capacity = [], [], []
        for r in [x[:-len("-a")] for x in rounds_of(spec, "pair") if x.endswith("-a")]:
            pair = rate(f"{out}/{spec}-pair-r{r}-a.json") + rate(f"{out}/{spec}-pair-r{r}-b.json")
            sums.append(pair)
            ratios.append(rate(f"{out}/{spec}-t2-r{r}.json") / pair)
            capacity.append(pair / rate(f"{out}/{spec}-t1-r{r}.json"))
        print(f"| {spec} | {statistics.median(sums):,.0f} | {statistics.median(capacity):.2f}x | {statistics.median(ratios):.2f} |")
# The rounds split by how far apart the two CPUs were just before them
# (one-way cache-line time): near under 80 ns, far from 80 ns on.
def latency(spec, r):
    try:
        return float(open(f"{out}/{spec}-r{r}.lat").read().split()[0])
    except (OSError, ValueError, IndexError):
        return None
print()
print("| spec | CPU to CPU, one way: median (min-max) ns | speed-up, median of near rounds (< 80 ns) | speed-up, median of far rounds |")
print("|---|---|---|---|")
for spec in specs:
    near, far, seen = [], [], []
    for r in rounds_of(spec, "t1"):
        lat = latency(spec, r)
        if lat is None:
            continue
        seen.append(lat)
        ratio = rate(f"{out}/{spec}-t2-r{r}.json") / rate(f"{out}/{spec}-t1-r{r}.json")
        (near if lat < 80 else far).append(ratio)
    if not seen:
        print(f"| {spec} | - | - | - |")
        continue
    cell = lambda v: f"{statistics.median(v):.2f}x ({len(v)} rounds)" if v else "- (0 rounds)"
    print(f"| {spec} | {statistics.median(seen):.0f} ({min(seen):.0f}-{max(seen):.0f}) | {cell(near)} | {cell(far)} |")
# Where the time goes: the BFS's three phases (medians of --json's
# bfs_phase_seconds), so a speed-up short of 2x can be traced to a phase.
phases = ("expand", "merge", "build")
print()
print("| spec | " + " | ".join(f"{p} s: 1 thread / 2 / speed-up" for p in phases) + " |")
print("|---|" + "---|" * len(phases))
for spec in specs:
    runs = {t: load(spec, t) for t in (1, 2)}
    if not all("bfs_phase_seconds" in r for t in (1, 2) for r in runs[t]):
        continue
    cells = []
    for p in phases:
        m = {t: statistics.median(r["bfs_phase_seconds"][p] for r in runs[t]) for t in (1, 2)}
        cells.append(f"{m[1]:.3f} / {m[2]:.3f} / {m[1] / m[2]:.2f}x" if m[2] > 0 else f"{m[1]:.3f} / {m[2]:.3f} / -")
    print(f"| {spec} | " + " | ".join(cells) + " |")
EOF
