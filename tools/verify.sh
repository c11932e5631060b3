#!/usr/bin/env bash
# make verify: runs the default model-checking specs (or the named ones).
# usage: tools/verify.sh BUILD_DIR [SPEC ...]
set -uo pipefail
build=${1:-build}; shift || true
check="$build/checker/synod-check"
if [[ ! -x "$check" ]]; then
  echo "verify: synod-check is not built yet ($check missing): there are no model checks to run." >&2
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
status=0
for s in "${specs[@]}"; do
  [[ -f "$s" ]] || s="specs/$s"
  [[ -f "$s" ]] || s="$s.toml"
  echo "== synod-check $s"
  "$check" "$s" || status=1
done
exit $status
