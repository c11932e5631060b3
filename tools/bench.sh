#!/usr/bin/env bash
# make bench: kernel benchmarks (medians of repeated runs).
set -euo pipefail
build=${1:-build}
"$build/tests/bench/synod-bench" --benchmark_repetitions=5 --benchmark_report_aggregates_only=true "${@:2}"
