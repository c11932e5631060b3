#!/usr/bin/env bash
# make coverage: which lines and branches of kernel/ the model checks reach.
# Builds synod-check with gcov instrumentation in BUILD_DIR, runs the specs
# (default: the CI ones, specs/*-quick.toml) and reports with gcovr: a
# summary per kernel header on stdout, and BUILD_DIR/coverage/index.html
# (every line and branch, annotated).
# usage: tools/coverage.sh BUILD_DIR [SPEC ...]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-cov}; shift || true
command -v gcovr >/dev/null || { echo "coverage: gcovr is missing (apt-get install gcovr)" >&2; exit 2; }
specs=("$@")
((${#specs[@]} > 0)) || mapfile -t specs < <(ls specs/*-quick.toml)
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSYNOD_COVERAGE=ON -DSYNOD_BUILD_TESTS=OFF \
  -DSYNOD_BUILD_ADAPTERS=OFF -DSYNOD_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build "$build" --target synod-check -j "$(nproc)"
find "$build" -name '*.gcda' -delete
for s in "${specs[@]}"; do
  echo "== synod-check $s" >&2
  # A spec that expects a violation exits 1: coverage counts either way.
  "$build/checker/synod-check" "$s" --no-progress -q --threads "$(nproc)" >/dev/null || [[ $? -le 4 ]]
done
mkdir -p "$build/coverage"
# Branches the compiler adds for exceptions and unreachable code are not
# the kernel's: the kernel is built without exceptions in users' builds.
opts=(--root . --filter 'kernel/' --object-directory "$build" --exclude-throw-branches --exclude-unreachable-branches)
gcovr "${opts[@]}" --html-details "$build/coverage/index.html" >/dev/null
echo "Kernel coverage by the specs: ${specs[*]##*/}"
echo "Branches:"
gcovr "${opts[@]}" --branches --txt | sed -n '/^File/,$p'
echo "Lines:"
gcovr "${opts[@]}" --txt | grep -E '^(TOTAL|File)'

echo "Annotated report: $build/coverage/index.html"
