#!/usr/bin/env bash
# make verify: runs the default model-checking specs (specs/*-quick.toml), or
# the named ones, and ends in a one-screen summary.
# usage: tools/verify.sh BUILD_DIR [SPEC ...]      e.g. tools/verify.sh build raft-large
# A spec passes when synod-check gives the result its [expect] section records
# (ok when it records none) and, if recorded, the same distinct-state count.
set -uo pipefail
build=${1:-build}; shift || true
check="$build/checker/synod-check"
if [[ ! -x "$check" ]]; then
  echo "verify: synod-check is not built ($check missing); run 'make build' first." >&2
  exit 2
fi
specs=("$@")
if ((${#specs[@]} == 0)); then
  mapfile -t specs < <(ls specs/*-quick.toml 2>/dev/null)
fi
if ((${#specs[@]} == 0)); then
  echo "verify: no default specs (specs/*-quick.toml) found." >&2
  exit 2
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rows=()
failed=0
for s in "${specs[@]}"; do
  spec=$s
  [[ -f "$spec" ]] || spec="specs/$s"
  [[ -f "$spec" ]] || spec="specs/$s.toml"
  if [[ ! -f "$spec" ]]; then
    rows+=("$s|missing|-|-|-|-|-|FAIL")
    failed=$((failed + 1))
    continue
  fi
  json="$tmp/$(basename "$spec").json"
  echo "== synod-check $spec" >&2
  "$check" "$spec" --no-progress --json "$json" >"$tmp/out" 2>&1
  status=$?
  if [[ ! -s "$json" ]]; then
    cat "$tmp/out" >&2
    rows+=("$spec|error($status)|-|-|-|-|-|FAIL")
    failed=$((failed + 1))
    continue
  fi
  row=$(python3 - "$json" "$spec" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
exp = d.get("expected", {})
want = exp.get("result", "ok")
ok = d["result"] == want and ("distinct_states" not in exp or exp["distinct_states"] == d["distinct_states"])
count = f'{d["distinct_states"]:,}'
if "distinct_states" in exp and exp["distinct_states"] != d["distinct_states"]:
    count += f' (spec says {exp["distinct_states"]:,})'
print("|".join([sys.argv[2], d["result"], want, count, str(d["max_depth"]), f'{d["seconds"]:.1f}',
                f'{d["states_per_second"]:,.0f}', "PASS" if ok else "FAIL"]))
PY
)
  if [[ "$row" == *"|FAIL" ]]; then
    failed=$((failed + 1))
    grep -E "VIOLATION|VACUOUS|MISMATCH" "$tmp/out" >&2
  fi
  rows+=("$row")
done
echo
# The spec column is as wide as the longest name.
w=4
for r in "${rows[@]}"; do n=${r%%|*}; ((${#n} > w)) && w=${#n}; done
printf "%-${w}s %-10s %-10s %-30s %6s %8s %14s  %s\n" spec result expected "distinct states" depth seconds "distinct/s" verdict
for r in "${rows[@]}"; do
  IFS='|' read -r a b c d e f g h <<<"$r"
  printf "%-${w}s %-10s %-10s %-30s %6s %8s %14s  %s\n" "$a" "$b" "$c" "$d" "$e" "$f" "$g" "$h"
done
echo
echo "verify: ${#specs[@]} spec(s), $(( ${#specs[@]} - failed )) passed, $failed failed"
((failed == 0))
