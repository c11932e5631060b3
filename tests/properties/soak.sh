#!/usr/bin/env bash
# soak.sh BUILD_DIR - runs every property test again and again, each run
# with a fresh random seed and SOAK_FACTOR times its CI cases (SYNOD_SOAK=1),
# until SOAK_MINUTES have passed, SOAK_JOBS at a time. A failing run keeps its log and shrunk trace
# under SOAK_DIR and prints its seed and the commands that replay and rerun
# it; the script then goes on with the other properties and exits 1 at the
# end. A run cut off by the deadline is not a failure.
#
#   SOAK_MINUTES=10   how long (minutes, whole)
#   SOAK_JOBS=2       property runs at a time
#   SOAK_FACTOR=5     cases per run, as a multiple of the CI budget (a round
#                     of all properties then takes a minute or two)
#   SOAK_DIR=BUILD_DIR/soak   where logs and traces go
#   RC_PARAMS, SYNOD_PROP_CASES: as for one property run (docs/testing.md)
set -u

build=$(cd "${1:-build}" 2>/dev/null && pwd) || { echo "soak: no build directory ${1:-build}" >&2; exit 2; }
minutes=${SOAK_MINUTES:-10}
jobs=${SOAK_JOBS:-2}
factor=${SOAK_FACTOR:-5}
dir=${SOAK_DIR:-$build/soak}
case $minutes in '' | *[!0-9]*) echo "soak: SOAK_MINUTES=$minutes is not a whole number" >&2; exit 2 ;; esac
case $jobs in '' | *[!0-9]* | 0) echo "soak: SOAK_JOBS=$jobs is not a positive whole number" >&2; exit 2 ;; esac
case $factor in '' | *[!0-9]* | 0) echo "soak: SOAK_FACTOR=$factor is not a positive whole number" >&2; exit 2 ;; esac

bins=()
for b in properties_raft properties_paxos; do
  path=$build/tests/properties/$b
  if [ ! -x "$path" ]; then
    echo "soak: $path is missing (build the targets properties_raft properties_paxos synod-replay)" >&2
    exit 2
  fi
  bins+=("$path")
done

# Every property test: "binary filter", from the binaries' own lists.
props=()
for bin in "${bins[@]}"; do
  suite=
  while IFS= read -r line; do
    case $line in
      [A-Za-z]*.) suite=${line%.} ;;
      "  "*) name=${line#  }; name=${name%% *}; props+=("$bin $suite.$name") ;;
    esac
  done < <("$bin" --gtest_list_tests)
done
if [ ${#props[@]} -eq 0 ]; then
  echo "soak: no property tests found" >&2
  exit 2
fi

mkdir -p "$dir"
deadline=$(( $(date +%s) + minutes * 60 ))
echo "soak: ${#props[@]} properties, ${minutes} min, $jobs at a time, ${factor}x the CI cases per run, logs in $dir"

# Worker k runs properties k, k+jobs, ... round after round until the
# deadline; a property that failed is not run again.
worker() {
  local k=$1 round=0 failed=0 given_up=" "
  while :; do
    round=$((round + 1))
    for ((i = k; i < ${#props[@]}; i += jobs)); do
      case $given_up in *" $i "*) continue ;; esac
      local left=$(( deadline - $(date +%s) ))
      if [ "$left" -le 5 ]; then
        echo "$failed" > "$dir/worker-$k.failed"
        return
      fi
      local bin=${props[$i]%% *} filter=${props[$i]#* }
      local tag=$filter.r$round
      local log=$dir/$tag.log
      mkdir -p "$dir/$tag.traces"
      (cd "$dir/$tag.traces" && SYNOD_SOAK=1 SYNOD_SOAK_FACTOR=$factor SYNOD_TRACE_DIR=. timeout "$left" "$bin" --gtest_filter="$filter") >"$log" 2>&1
      local rc=$?
      local seed
      seed=$(grep -o ': seed [0-9]*' "$log" | head -1 | cut -d' ' -f3)
      if [ $rc -eq 0 ]; then
        echo "  ok    $filter (round $round, seed ${seed:-?}, $(grep -o '[0-9]* cases passed' "$log" | head -1))"
        rm -rf "$log" "$dir/$tag.traces"
      elif [ $rc -eq 124 ]; then
        echo "  stop  $filter (round $round, seed ${seed:-?}): cut off at the deadline"
        rm -rf "$log" "$dir/$tag.traces"
      elif [ $rc -eq 126 ] || [ $rc -eq 127 ]; then
        echo "soak: cannot run $bin: $(head -1 "$log")" >&2
        echo 1 > "$dir/worker-$k.failed"
        return
      else
        failed=$((failed + 1))
        given_up="$given_up$i "
        echo "  FAIL  $filter (round $round, seed ${seed:-?}): log $log"
        grep -E 'failed with seed|violated|rerun:|replay it:|shrunk trace:|never elected' "$log" | grep -v '^RC_FAIL' | sed 's/^/        /'
      fi
    done
    # Every property of this worker failed: nothing left to run.
    local mine=0
    for ((i = k; i < ${#props[@]}; i += jobs)); do mine=$((mine + 1)); done
    if [ "$failed" -ge "$mine" ]; then
      echo "$failed" > "$dir/worker-$k.failed"
      return
    fi
  done
}

for ((k = 0; k < jobs; ++k)); do worker "$k" & done
wait
total=0
for ((k = 0; k < jobs; ++k)); do
  total=$((total + $(cat "$dir/worker-$k.failed" 2>/dev/null || echo 1)))
  rm -f "$dir/worker-$k.failed"
done
if [ "$total" -ne 0 ]; then
  echo "soak: $total failing runs; their logs and traces are in $dir"
  exit 1
fi
echo "soak: no failure"
