#!/usr/bin/env bash
# tests/mutants/run.sh - proof that the checks catch real protocol bugs.
#
# Each tests/mutants/patches/*.patch seeds one bug into kernel/. For each one
# this script applies it to a scratch copy of the repository (never to the
# real tree), rebuilds only what the checks need, runs them and prints one
# line: which checks caught the mutant, how long each took, and the length of
# its counterexample. It exits 1 if any mutant survives every check.
#
# Checks (per protocol: raft-* patches run the Raft checks, paxos-* Paxos):
#   checker     build/checker/synod-check specs/<protocol>-quick.toml, 60 s limit
#               (column "n/a" until the checker has that spec)
#   properties  tests/properties properties_<protocol>, the CI case budget and seeds;
#               the shrunk trace is replayed with synod-replay to show it re-detects
#   traces      the saved traces tests/replay/traces/<protocol>-*.json, replayed with
#               synod-replay --check-expected (hand-written or shrunk schedules)
#   scenarios   the protocol's GoogleTest scenario tests (SYNOD_MUTANTS_SCENARIOS=1)
#
# Usage: tests/mutants/run.sh [NAME...]          (default: every patch)
# Environment:
#   SYNOD_MUTANTS=quick     the CI subset (QUICK below): properties + saved traces,
#                           no checker rebuilds unless SYNOD_MUTANTS_CHECKER=1
#   SYNOD_MUTANTS=a,b       only these mutants (names without .patch)
#   SYNOD_MUTANTS_DIR=DIR   scratch directory (default /tmp/synod-mutants-$UID)
#   SYNOD_MUTANTS_SCENARIOS=0|1  also run the scenario tests (default 0: slow rebuilds)
#   SYNOD_MUTANTS_CHECKER=0|1    run the checker's quick spec (default 1; quick mode 0)
#   JOBS=N                  build parallelism (default 2)
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
patches_dir=$root/tests/mutants/patches
work=${SYNOD_MUTANTS_DIR:-/tmp/synod-mutants-$(id -u)}
src=$work/src
build=$work/build
logs=$work/logs
jobs=${JOBS:-2}
mode=${SYNOD_MUTANTS:-all}
checker_limit=60

# The CI subset: a Raft election bug, a Raft durability bug, the Figure 8
# commit bug, a Paxos value-choice bug and a Paxos durability bug.
QUICK=(raft-two-votes-per-term raft-vote-not-persisted raft-figure8-commit-old-term
       paxos-ignore-accepted-values paxos-forget-promise-on-restart)

scenarios=${SYNOD_MUTANTS_SCENARIOS:-0}
use_checker=${SYNOD_MUTANTS_CHECKER:-1}
names=()
if (($# > 0)); then
  names=("$@")
elif [[ $mode == quick ]]; then
  names=("${QUICK[@]}")
  use_checker=${SYNOD_MUTANTS_CHECKER:-0}  # rebuilding synod-check per mutant is what costs
elif [[ $mode != all ]]; then
  IFS=, read -r -a names <<<"$mode"
else
  for p in "$patches_dir"/*.patch; do names+=("$(basename "$p" .patch)"); done
fi
for n in "${names[@]}"; do
  [[ -f $patches_dir/$n.patch ]] || { echo "mutants: no patch named $n ($patches_dir/$n.patch)" >&2; exit 2; }
done

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# ------------------------------------------------------------ scratch copy
# A copy of what the checks build (no build dirs, no .git, no adapters), with
# the real tree's timestamps so the build dir is reused; the kernel headers
# are touched so the first build is always the unmutated baseline.
mkdir -p "$src" "$build" "$logs"
echo "mutants: scratch copy in $src"
rm -rf "$src"/kernel "$src"/checker "$src"/specs "$src"/tests "$src"/cmake
for item in CMakeLists.txt cmake kernel checker specs tests; do
  [[ -e $root/$item ]] || continue
  tar -C "$root" --exclude='build*' -cf - "$item" | tar -C "$src" -xf -
done
for area in "$src"/tests/*/; do
  case $(basename "$area") in
    support|raft|paxos|properties|replay) ;;
    *) rm -rf "$area" ;;
  esac
done
find "$src/kernel" -type f -exec touch {} +

echo "mutants: configuring $build"
if ! cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSYNOD_BUILD_ADAPTERS=OFF \
     -DSYNOD_BUILD_BENCHMARKS=OFF -DSYNOD_INSTALL=OFF >"$logs/configure.log" 2>&1; then
  echo "mutants: configure failed, see $logs/configure.log" >&2
  tail -20 "$logs/configure.log" >&2
  exit 2
fi

have_target() { grep -q "^$1:" <(cmake --build "$build" --target help 2>/dev/null | sed -n 's/^\.\.\. \([^ ]*\).*/\1:/p'); }

# The targets and scenario executables per protocol.
targets_for() {
  local proto=$1 t=()
  t+=("properties_$proto" synod-replay)
  if [[ $scenarios == 1 ]]; then
    if [[ $proto == raft ]]; then t+=(raft_paper_test); else
      for x in paxos_scenario_test paxos_node_test paxos_roles_test; do have_target "$x" && t+=("$x"); done
    fi
  fi
  if [[ $use_checker == 1 && -f $src/specs/$proto-quick.toml ]] && have_target synod-check; then t+=(synod-check); fi
  echo "${t[@]}"
}
scenario_bins() {
  if [[ $1 == raft ]]; then echo "tests/raft/raft_paper_test"; else
    for x in paxos_scenario_test paxos_node_test paxos_roles_test; do
      [[ -x $build/tests/paxos/$x ]] && echo "tests/paxos/$x"
    done
  fi
}

build_for() {  # proto logfile
  # shellcheck disable=SC2046
  cmake --build "$build" -j "$jobs" --target $(targets_for "$1") >"$2" 2>&1
}

# Runs every check for a protocol; sets CHECKER PROPS SCEN (one cell each)
# and CAUGHT (number of checks that caught it).
run_checks() {
  local proto=$1 tag=$2 t0 rc cell file
  CAUGHT=0
  # checker
  CHECKER="n/a"
  if [[ $use_checker == 1 && -f $src/specs/$proto-quick.toml && -x $build/checker/synod-check ]]; then
    t0=$(now)
    (cd "$src" && timeout "$checker_limit" "$build/checker/synod-check" "specs/$proto-quick.toml" \
        --json "$logs/$tag.check.json" --trace "$logs/$tag.check-trace.json") >"$logs/$tag.check.log" 2>&1
    rc=$?
    case $rc in
      0) CHECKER="missed $(secs "$t0" "$(now)")s" ;;
      1) cell=$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); t=j.get("trace") or {}; print(len(t.get("steps",[]))-1, j.get("property","?").replace(" ","_"))' "$logs/$tag.check.json" 2>/dev/null || echo "? ?")
         CHECKER="CAUGHT $(secs "$t0" "$(now)")s len ${cell% *} ${cell#* }"; CAUGHT=$((CAUGHT + 1))
         # One replay mechanism: the checker's trace re-runs through synod-replay too
         # (Raft traces as property-runner events, Paxos ones on the model's cluster).
         if [[ -f $logs/$tag.check-trace.json ]]; then
           if "$build/tests/replay/synod-replay" --check-expected "$logs/$tag.check-trace.json" \
                >"$logs/$tag.check-replay.log" 2>&1; then
             CHECKER+=" (replays)"
           else
             CHECKER+=" (replay-missed)"
           fi
         fi ;;
      124) CHECKER="timeout ${checker_limit}s" ;;
      3) CHECKER="vacuous" ;;
      *) CHECKER="error rc=$rc" ;;
    esac
  fi
  # properties
  t0=$(now)
  rm -rf "$logs/$tag.traces" "$logs/$tag.props.log" && mkdir -p "$logs/$tag.traces"
  # One property at a time, stopping at the first that catches the mutant.
  local bin=$build/tests/properties/properties_$proto t
  rc=0
  for t in $("$bin" --gtest_list_tests | awk '/^[^ ]/ { suite = $1 } /^  / { print suite $1 }'); do
    (cd "$logs/$tag.traces" && SYNOD_TRACE_DIR=. timeout 900 "$bin" --gtest_filter="$t") >>"$logs/$tag.props.log" 2>&1
    rc=$?
    ((rc == 0)) || break
  done
  if ((rc == 0)); then
    PROPS="missed $(secs "$t0" "$(now)")s"
  else
    file=$(ls "$logs/$tag.traces"/*.trace.json 2>/dev/null | head -1)
    if [[ -n $file ]]; then
      cell=$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(len(j["steps"])-1, j.get("property","?"))' "$file")
      local replay="replay-missed"
      "$build/tests/replay/synod-replay" --check-expected "$file" >"$logs/$tag.replay.log" 2>&1 && replay="replays"
      PROPS="CAUGHT $(secs "$t0" "$(now)")s len ${cell% *} ${cell#* } ($replay)"
    else
      PROPS="CAUGHT? rc=$rc $(secs "$t0" "$(now)")s (no trace; see $logs/$tag.props.log)"
    fi
    CAUGHT=$((CAUGHT + 1))
  fi
  # saved traces
  TRACES="-"
  local tr failed_traces=0 n_traces=0
  local out
  for tr in "$src"/tests/replay/traces/"$proto"-*.json; do
    [[ -f $tr ]] || continue
    n_traces=$((n_traces + 1))
    # A trace catches the mutant when it no longer ends as expected AND ends
    # in a real violation: a trace the mutated kernel merely cannot follow
    # (ReplayDiverged) has caught nothing.
    if ! out=$("$build/tests/replay/synod-replay" --check-expected "$tr" 2>&1); then
      if grep -q 'violation of ' <<<"$out" && ! grep -q 'violation of ReplayDiverged' <<<"$out"; then
        failed_traces=$((failed_traces + 1))
      fi
    fi
    printf '== %s\n%s\n' "$tr" "$out" >>"$logs/$tag.traces.log"
  done
  if ((failed_traces > 0)); then
    TRACES="CAUGHT $failed_traces/$n_traces"
    CAUGHT=$((CAUGHT + 1))
  elif ((n_traces > 0)); then
    TRACES="missed"
  fi
  # scenarios
  SCEN="-"
  if [[ $scenarios == 1 ]]; then
    t0=$(now)
    local failed=0 b
    for b in $(scenario_bins "$proto"); do
      "$build/$b" >>"$logs/$tag.scenarios.log" 2>&1 || failed=$((failed + 1))
    done
    if ((failed > 0)); then
      SCEN="CAUGHT $(secs "$t0" "$(now)")s"
      CAUGHT=$((CAUGHT + 1))
    else
      SCEN="missed"
    fi
  fi
}

# ---------------------------------------------------------------- baseline
protos=()
for n in "${names[@]}"; do
  p=${n%%-*}
  [[ " ${protos[*]} " == *" $p "* ]] || protos+=("$p")
done
start=$(now)
for proto in "${protos[@]}"; do
  t0=$(now)
  if ! build_for "$proto" "$logs/baseline-$proto.build.log"; then
    echo "mutants: the unmutated $proto build fails, see $logs/baseline-$proto.build.log" >&2
    exit 2
  fi
  run_checks "$proto" "baseline-$proto"
  echo "mutants: baseline $proto built and checked in $(secs "$t0" "$(now)")s: checker $CHECKER | properties $PROPS | traces $TRACES | scenarios $SCEN"
  if ((CAUGHT > 0)); then
    echo "mutants: the unmutated kernel fails a check; logs in $logs" >&2
    exit 2
  fi
done

# ----------------------------------------------------------------- mutants
printf '%-36s %-8s %-44s %-62s %-11s %-14s\n' mutant build checker "properties (CI budget)" traces scenarios
survivors=()
for n in "${names[@]}"; do
  proto=${n%%-*}
  patch_file=$patches_dir/$n.patch
  if ! patch -p1 -s -d "$src" --dry-run <"$patch_file" >/dev/null 2>&1; then
    printf '%-36s %s\n' "$n" "PATCH DOES NOT APPLY to the current kernel (regenerate it)"
    survivors+=("$n")
    continue
  fi
  patch -p1 -s -d "$src" <"$patch_file"
  t0=$(now)
  if ! build_for "$proto" "$logs/$n.build.log"; then
    printf '%-36s %-8s %s\n' "$n" "FAILED" "the mutant does not compile, see $logs/$n.build.log"
    survivors+=("$n")
  else
    bt=$(secs "$t0" "$(now)")s
    run_checks "$proto" "$n"
    printf '%-36s %-8s %-44s %-62s %-11s %-14s\n' "$n" "$bt" "$CHECKER" "$PROPS" "$TRACES" "$SCEN"
    ((CAUGHT > 0)) || survivors+=("$n")
  fi
  patch -p1 -R -s -d "$src" <"$patch_file"
done

echo "mutants: ${#names[@]} run, $((${#names[@]} - ${#survivors[@]})) killed, ${#survivors[@]} survived, $(secs "$start" "$(now)")s total (logs: $logs)"
if ((${#survivors[@]} > 0)); then
  echo "mutants: SURVIVED: ${survivors[*]}" >&2
  exit 1
fi
