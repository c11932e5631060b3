#!/usr/bin/env bash
# ab-checker.sh - compares two synod-check binaries' throughput in one run:
# for each spec and thread count, REPS rounds, each running A then B back to
# back (so both see the same machine load), distinct states per second from
# their --json. Prints the medians, the ratio of the medians (B/A) and the
# median of each round's own ratio. Use it for a change that must not slow
# the checker: build the old commit in another build directory first.
#
# Usage: tools/ab-checker.sh A_BINARY B_BINARY [SPEC...]   (default: raft-quick raft-faults paxos-quick)
# Environment: REPS=7  THREADS="1 2"
set -euo pipefail
cd "$(dirname "$0")/.."
if (($# < 2)) || [[ $1 == -h || $1 == --help ]]; then
  sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
a_bin=$1 b_bin=$2
shift 2
for b in "$a_bin" "$b_bin"; do
  [[ -x $b ]] || { echo "ab-checker: $b is not an executable" >&2; exit 2; }
done
specs=("$@")
((${#specs[@]} > 0)) || specs=(raft-quick raft-faults paxos-quick)
rate() { "$1" "specs/$2" --threads "$3" --no-progress -q --json - 2>/dev/null |
         python3 -c 'import json,sys; print(json.load(sys.stdin)["states_per_second"])'; }
for spec in "${specs[@]}"; do
  for t in ${THREADS:-1 2}; do
    as=() bs=()
    for _ in $(seq "${REPS:-7}"); do
      as+=("$(rate "$a_bin" "$spec" "$t")")
      bs+=("$(rate "$b_bin" "$spec" "$t")")
    done
    python3 - "$spec" "$t" "${as[*]}" "${bs[*]}" <<'PY'
import statistics as st, sys
spec, t, a, b = sys.argv[1:]
a = [float(x) for x in a.split()]
b = [float(x) for x in b.split()]
rounds = st.median(y / x for x, y in zip(a, b))
print(f"{spec:<14} threads {t}: A {st.median(a)/1e6:.2f} M/s, B {st.median(b)/1e6:.2f} M/s, "
      f"B/A {st.median(b)/st.median(a):.3f} (median of rounds {rounds:.3f}), {len(a)} rounds")
PY
  done
done
