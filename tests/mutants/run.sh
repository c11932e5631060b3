#!/usr/bin/env bash
# tests/mutants/run.sh - proof that the checks catch real protocol bugs.
#
# Each tests/mutants/patches/*.patch seeds one bug into kernel/. For each one
# this script applies it to a scratch copy of the repository (never to the
# real tree), rebuilds only what the checks need, runs them and prints one
# line: which checks caught the mutant, how long each took, and the length of
# its counterexample.
#
# Outcomes per mutant: "killed" when at least one check caught it (a test
# failed on a real violation); "survived" when every check ran to its end and
# none did; "timed out" when none caught it and at least one check was killed
# by its time limit. A hang is a defect of the harness or the test, not a
# catch: it never counts as one, and a timeout in the unmutated baseline stops
# the run (exit 2).
#
# Exit status: 0 every mutant killed; 1 some mutant survived (or its patch no
# longer applies or compiles); 3 none survived but some timed out; 2 setup
# failed (configure, the baseline build, or a baseline check that fails or
# times out).
#
# Time limits: every test binary this script runs (synod-check, the property
# tests, synod-replay, the scenario tests) runs under timeout(1): TERM at the
# limit, KILL 10 s later. Builds and patch are not limited.
#
# Checks (per protocol: raft-* patches run the Raft checks, paxos-* Paxos):
#   checker     build/checker/synod-check on every CI spec of the protocol
#               (specs/*-quick.toml whose protocol is the mutant's, the specs
#               make verify and the tests run): specs/<protocol>-quick.toml
#               first, then the others from the smallest pinned count up,
#               stopping at the first that catches the mutant; the cell names
#               that spec, the seconds over all specs run until then, and the
#               counterexample (column "n/a" when the protocol has no CI
#               spec). A spec catches the mutant only with a violation (exit
#               1, "result": "violation" in its --json). Each spec pins a
#               result and a distinct-state count: a mutant that keeps the
#               result but moves the count (synod-check exit 4) has changed
#               the explored space without breaking an invariant, so that spec
#               missed it (the log shows the count) and the next one runs; in
#               the baseline it means the spec's pinned count is stale, which
#               stops the run (exit 2). Per spec results: $logs/<mutant>.check.log.
#   properties  tests/properties properties_<protocol>, the CI case budget and seeds;
#               the shrunk trace is replayed with synod-replay to show it re-detects
#   traces      the saved traces tests/replay/traces/<protocol>-*.json, replayed with
#               synod-replay (hand-written or shrunk schedules; exit 0: as the trace expects)
#   scenarios   the protocol's GoogleTest scenario tests (SYNOD_MUTANTS_SCENARIOS=1)
#
# Usage: tests/mutants/run.sh [NAME...]          (default: every patch)
# Environment:
#   SYNOD_MUTANTS=quick     the CI subset (QUICK below): properties + saved traces,
#                           no checker rebuilds unless SYNOD_MUTANTS_CHECKER=1
#   SYNOD_MUTANTS=a,b       only these mutants (names without .patch)
#   SYNOD_MUTANTS_DIR=DIR   scratch directory (default /tmp/synod-mutants-$UID)
#   SYNOD_MUTANTS_SCENARIOS=0|1  also run the scenario tests (default 0: slow rebuilds)
#   SYNOD_MUTANTS_CHECKER=0|1    run the checker's CI specs (default 1; quick mode 0)
#   SYNOD_MUTANTS_PROPERTIES=0|1 run the property tests (default 1)
#   SYNOD_MUTANTS_TRACES=0|1     replay the saved traces (default 1); with both 0 only the
#                                checker column runs: what the checker alone catches
#   SYNOD_MUTANTS_TIMEOUT=S          limit per test binary run, seconds (default 900)
#   SYNOD_MUTANTS_CHECKER_TIMEOUT=S  limit for synod-check on one spec (default 300;
#                                    the unmutated CI specs take up to about half a minute)
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
limit=${SYNOD_MUTANTS_TIMEOUT:-900}
checker_limit=${SYNOD_MUTANTS_CHECKER_TIMEOUT:-300}
for v in "$limit" "$checker_limit"; do
  [[ $v =~ ^[1-9][0-9]*$ ]] || { echo "mutants: time limits must be positive whole seconds (got '$v')" >&2; exit 2; }
done

# The CI subset: a Raft election bug, a Raft durability bug, the Figure 8
# commit bug, a Paxos value-choice bug and a Paxos durability bug.
QUICK=(raft-two-votes-per-term raft-vote-not-persisted raft-figure8-commit-old-term
       paxos-ignore-accepted-values paxos-forget-promise-on-restart)

scenarios=${SYNOD_MUTANTS_SCENARIOS:-0}
use_checker=${SYNOD_MUTANTS_CHECKER:-1}
use_props=${SYNOD_MUTANTS_PROPERTIES:-1}
use_traces=${SYNOD_MUTANTS_TRACES:-1}
for v in "$scenarios" "$use_checker" "$use_props" "$use_traces"; do
  [[ $v == 0 || $v == 1 ]] || { echo "mutants: SYNOD_MUTANTS_{SCENARIOS,CHECKER,PROPERTIES,TRACES} take 0 or 1 (got '$v')" >&2; exit 2; }
done
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

# limited SECONDS CMD...: runs CMD under timeout(1); returns its status, or
# 124 when the limit killed it (also when it ignored TERM and needed KILL:
# 137 after at least SECONDS).
limited() {
  local t=$1 start=$SECONDS rc
  shift
  timeout -k 10 "$t" "$@"
  rc=$?
  if ((rc == 137 && SECONDS - start >= t)); then rc=124; fi
  return "$rc"
}

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

# The checker's CI specs of a protocol (paths relative to $src): the
# specs/*-quick.toml that make verify runs and the tests pin, whose protocol
# key is this one; <protocol>-quick.toml first (the one spec this column ran
# before there were more), then by pinned distinct-state count, smallest first,
# so a mutant the small specs catch costs seconds.
ci_specs() {
  local proto=$1 f
  [[ -f $src/specs/$proto-quick.toml ]] && echo "specs/$proto-quick.toml"
  for f in "$src"/specs/*-quick.toml; do
    [[ -f $f && $(basename "$f") != "$proto-quick.toml" ]] || continue
    grep -Eq "^protocol *= *\"$proto\"" "$f" || continue
    echo "$(sed -n 's/^distinct_states *= *\([0-9]*\).*/\1/p' "$f" | head -1) specs/$(basename "$f")"
  done | sort -n | sed 's/^[0-9]* //'
}

# The targets and scenario executables per protocol.
targets_for() {
  local proto=$1 t=()
  t+=(synod-replay)
  [[ $use_props == 1 ]] && t+=("properties_$proto")
  if [[ $scenarios == 1 ]]; then
    if [[ $proto == raft ]]; then t+=(raft_paper_test raft_datadriven_test); else
      for x in paxos_datadriven_test paxos_scenario_test paxos_node_test paxos_roles_test; do have_target "$x" && t+=("$x"); done
    fi
  fi
  if [[ $use_checker == 1 && -n $(ci_specs "$proto") ]] && have_target synod-check; then t+=(synod-check); fi
  echo "${t[@]}"
}
scenario_bins() {
  if [[ $1 == raft ]]; then echo "tests/raft/raft_paper_test tests/raft/raft_datadriven_test"; else
    for x in paxos_datadriven_test paxos_scenario_test paxos_node_test paxos_roles_test; do
      [[ -x $build/tests/paxos/$x ]] && echo "tests/paxos/$x"
    done
  fi
}

build_for() {  # proto logfile
  # shellcheck disable=SC2046
  cmake --build "$build" -j "$jobs" --target $(targets_for "$1") >"$2" 2>&1
}

# Runs every check for a protocol; sets CHECKER PROPS SCEN (one cell each),
# CAUGHT (number of checks that caught it), TIMEOUTS (the checks a time limit
# killed) and CHECKER_RC (synod-check's status; "" when it did not run).
run_checks() {
  local proto=$1 tag=$2 t0 rc cell file result
  CAUGHT=0
  TIMEOUTS=()
  CHECKER_RC=""
  CHECKER_SPEC=""
  # checker: the CI specs in order, up to the first that catches the mutant.
  CHECKER="n/a"
  local specs=() spec sname t_all n_run=0 missed_by=()
  [[ $use_checker == 1 && -x $build/checker/synod-check ]] && mapfile -t specs < <(ci_specs "$proto")
  : >"$logs/$tag.check.log"
  t_all=$(now)
  for spec in "${specs[@]}"; do
    sname=$(basename "$spec" .toml)
    n_run=$((n_run + 1))
    t0=$(now)
    rm -f "$logs/$tag.check.json" "$logs/$tag.check-trace.json"
    (cd "$src" && limited "$checker_limit" "$build/checker/synod-check" "$spec" --no-progress \
        --json "$logs/$tag.check.json" --trace "$logs/$tag.check-trace.json") >"$logs/$tag.check.out" 2>&1
    rc=$?
    # Exit 1 is a violation or a result other than the spec's: only the
    # first catches the mutant.
    result=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["result"])' "$logs/$tag.check.json" 2>/dev/null || echo "?")
    echo "== $spec: exit $rc, result $result, $(secs "$t0" "$(now)")s" >>"$logs/$tag.check.log"
    cat "$logs/$tag.check.out" >>"$logs/$tag.check.log"
    case $rc in
      0) missed_by+=("$sname") ;;
      1) if [[ $result == violation ]]; then
           cell=$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); t=j.get("trace") or {}; print(len(t.get("steps",[])), j.get("property","?").replace(" ","_"))' "$logs/$tag.check.json" 2>/dev/null || echo "? ?")
           CHECKER="CAUGHT $(secs "$t_all" "$(now)")s $sname"
           ((n_run > 1)) && CHECKER+=" (spec $n_run, $(secs "$t0" "$(now)")s)"
           CHECKER+=" len ${cell% *} ${cell#* }"
           CAUGHT=$((CAUGHT + 1))
           # One replay mechanism: the checker's trace re-runs through synod-replay too.
           if [[ -f $logs/$tag.check-trace.json ]]; then
             limited "$limit" "$build/checker/synod-replay" "$logs/$tag.check-trace.json" \
               >"$logs/$tag.check-replay.log" 2>&1
             case $? in
               0) CHECKER+=" (replays)" ;;
               124) CHECKER+=" (replay TIMED OUT)" ;;
               *)
                 # The replay runs node-local checks the model does not (e.g.
                 # OneVotePerTerm, DurabilityContract): on a mutant it may stop
                 # at an earlier, more direct violation. Say which.
                 first=$(sed -n 's/.*violation of \([A-Za-z]*\) at step \([0-9]*\).*/\1 at step \2/p' \
                           "$logs/$tag.check-replay.log" | head -1)
                 if [[ -n $first && $first != ReplayDiverged* ]]; then
                   CHECKER+=" (replay finds ${first// /_} first)"
                 else
                   CHECKER+=" (replay-missed)"
                 fi ;;
             esac
           fi
           break
         fi
         missed_by+=("$sname: result $result, not the spec's") ;;
      3) missed_by+=("$sname: vacuous") ;;
      4) cell=$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["distinct_states"], j["expected"]["distinct_states"])' "$logs/$tag.check.json" 2>/dev/null || echo "? ?")
         missed_by+=("$sname: count ${cell% *}, spec ${cell#* }") ;;
      124) missed_by+=("$sname: TIMED OUT ${checker_limit}s"); TIMEOUTS+=(checker) ;;
      *) missed_by+=("$sname: error rc=$rc") ;;
    esac
    # Every spec of the baseline must meet its [expect] (exit 0).
    if [[ $tag == baseline-* && $rc != 0 ]]; then CHECKER_RC=$rc; CHECKER_SPEC=$spec; fi
  done
  if ((${#specs[@]} > 0)) && [[ $CHECKER != CAUGHT* ]]; then
    CHECKER="missed $(secs "$t_all" "$(now)")s ($n_run specs)"
    if [[ " ${TIMEOUTS[*]} " == *" checker "* ]]; then CHECKER="TIMED OUT (a spec hit ${checker_limit}s)"; fi
    printf '%s\n' "${missed_by[@]}" >>"$logs/$tag.check.log"
  fi
  # properties
  PROPS="-"
  if [[ $use_props == 1 ]]; then
  t0=$(now)
  rm -rf "$logs/$tag.traces" "$logs/$tag.props.log" && mkdir -p "$logs/$tag.traces"
  # One property at a time, stopping at the first that catches the mutant.
  # A property killed by the time limit has caught nothing: note it, go on.
  local bin=$build/tests/properties/properties_$proto t list hung=()
  rc=0
  list=$(limited "$limit" "$bin" --gtest_list_tests)
  rc=$?
  if ((rc != 0)); then
    echo "mutants: $bin --gtest_list_tests exited $rc" >&2
    list=""
    if ((rc == 124)); then hung+=(--gtest_list_tests); fi
    rc=0
  fi
  local cases=()
  [[ -z $list ]] || mapfile -t cases < <(awk '/^[^ ]/ { suite = $1 } /^  / { print suite $1 }' <<<"$list")
  for t in "${cases[@]}"; do
    (cd "$logs/$tag.traces" && SYNOD_TRACE_DIR=. limited "$limit" "$bin" --gtest_filter="$t") >>"$logs/$tag.props.log" 2>&1
    rc=$?
    if ((rc == 124)); then
      echo "== $t TIMED OUT after ${limit}s" >>"$logs/$tag.props.log"
      hung+=("$t")
      rc=0
      continue
    fi
    ((rc == 0)) || break
  done
  if ((${#hung[@]} > 0)); then TIMEOUTS+=(properties); fi
  if ((rc == 0)); then
    PROPS="missed $(secs "$t0" "$(now)")s"
    if ((${#cases[@]} == 0 && ${#hung[@]} > 0)); then
      PROPS="TIMED OUT listing the cases (${limit}s)"
    elif ((${#hung[@]} > 0)); then
      PROPS="TIMED OUT ${#hung[@]}/${#cases[@]} cases, ${limit}s each"
    fi
  else
    file=$(ls "$logs/$tag.traces"/*.trace.json 2>/dev/null | head -1)
    if [[ -n $file ]]; then
      cell=$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(len(j["steps"]), j["expect"].get("property","?"))' "$file")
      local replay="replay-missed"
      limited "$limit" "$build/checker/synod-replay" "$file" >"$logs/$tag.replay.log" 2>&1
      case $? in
        0) replay="replays" ;;
        124) replay="replay TIMED OUT" ;;
      esac
      PROPS="CAUGHT $(secs "$t0" "$(now)")s len ${cell% *} ${cell#* } ($replay)"
    else
      PROPS="CAUGHT? rc=$rc $(secs "$t0" "$(now)")s (no trace; see $logs/$tag.props.log)"
    fi
    CAUGHT=$((CAUGHT + 1))
  fi
  fi
  # saved traces
  TRACES="-"
  if [[ $use_traces == 1 ]]; then
  local tr failed_traces=0 n_traces=0 hung_traces=0
  local out
  for tr in "$src"/tests/replay/traces/"$proto"-*.json; do
    [[ -f $tr ]] || continue
    n_traces=$((n_traces + 1))
    # A trace catches the mutant when it no longer ends as expected AND ends
    # in a real violation: a trace the mutated kernel merely cannot follow
    # (ReplayDiverged) has caught nothing.
    out=$(limited "$limit" "$build/checker/synod-replay" "$tr" 2>&1)
    rc=$?
    if ((rc == 124)); then
      hung_traces=$((hung_traces + 1))
      out+=$'\n'"TIMED OUT after ${limit}s"
    elif ((rc != 0)); then
      if grep -q 'violation of ' <<<"$out" && ! grep -q 'violation of ReplayDiverged' <<<"$out"; then
        failed_traces=$((failed_traces + 1))
      fi
    fi
    printf '== %s\n%s\n' "$tr" "$out" >>"$logs/$tag.traces.log"
  done
  if ((hung_traces > 0)); then TIMEOUTS+=(traces); fi
  if ((failed_traces > 0)); then
    TRACES="CAUGHT $failed_traces/$n_traces"
    CAUGHT=$((CAUGHT + 1))
  elif ((hung_traces > 0)); then
    TRACES="TIMED OUT $hung_traces/$n_traces"
  elif ((n_traces > 0)); then
    TRACES="missed"
  fi
  fi
  # scenarios
  SCEN="-"
  if [[ $scenarios == 1 ]]; then
    t0=$(now)
    local failed=0 hung_bins=0 b
    for b in $(scenario_bins "$proto"); do
      limited "$limit" "$build/$b" >>"$logs/$tag.scenarios.log" 2>&1
      rc=$?
      if ((rc == 124)); then
        echo "== $b TIMED OUT after ${limit}s" >>"$logs/$tag.scenarios.log"
        hung_bins=$((hung_bins + 1))
      elif ((rc != 0)); then
        failed=$((failed + 1))
      fi
    done
    if ((hung_bins > 0)); then TIMEOUTS+=(scenarios); fi
    if ((failed > 0)); then
      SCEN="CAUGHT $(secs "$t0" "$(now)")s"
      CAUGHT=$((CAUGHT + 1))
    elif ((hung_bins > 0)); then
      SCEN="TIMED OUT $hung_bins"
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
  if ((${#TIMEOUTS[@]} > 0)); then
    echo "mutants: on the unmutated kernel these checks hit their time limit: ${TIMEOUTS[*]}; logs in $logs" >&2
    exit 2
  fi
  if [[ -n $CHECKER_RC && $CHECKER_RC != 0 ]]; then
    echo "mutants: synod-check $CHECKER_SPEC does not meet the spec's [expect] on the unmutated kernel" \
         "(exit $CHECKER_RC); update the spec or fix the checker; see $logs/baseline-$proto.check.log" >&2
    exit 2
  fi
done

# ----------------------------------------------------------------- mutants
printf '%-40s %-8s %-90s %-62s %-11s %-14s\n' mutant build "checker (CI specs)" "properties (CI budget)" traces scenarios
survivors=()
timed_out=()
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
    printf '%-40s %-8s %-90s %-62s %-11s %-14s\n' "$n" "$bt" "$CHECKER" "$PROPS" "$TRACES" "$SCEN"
    if ((CAUGHT == 0)); then
      if ((${#TIMEOUTS[@]} > 0)); then timed_out+=("$n"); else survivors+=("$n"); fi
    fi
  fi
  patch -p1 -R -s -d "$src" <"$patch_file"
done

killed=$((${#names[@]} - ${#survivors[@]} - ${#timed_out[@]}))
echo "mutants: ${#names[@]} run, $killed killed, ${#survivors[@]} survived, ${#timed_out[@]} timed out," \
     "$(secs "$start" "$(now)")s total (logs: $logs)"
if ((${#timed_out[@]} > 0)); then
  echo "mutants: TIMED OUT (no check caught it, a check hit its limit; a harness defect to fix): ${timed_out[*]}" >&2
fi
if ((${#survivors[@]} > 0)); then
  echo "mutants: SURVIVED: ${survivors[*]}" >&2
  exit 1
fi
if ((${#timed_out[@]} > 0)); then exit 3; fi
