#!/usr/bin/env bash
# fuzz.sh [SECONDS] - build and run the libFuzzer decoder target for a bounded time (CI-friendly).
#
# Builds build-fuzz/ with Clang (-DSYNOD_FUZZ=ON: ASan + UBSan + libFuzzer), seeds a corpus with
# valid frames, a batch and RESP commands, then fuzzes frames, Raft message bodies, handshake
# bodies, RESP input and replicated batches for SECONDS (default 60, env FUZZ_SECONDS).
# Exit status: 0 when no crash was found, non-zero otherwise (the crashing input is kept in
# build-fuzz/fuzz-artifacts/). Needs clang and libclang-rt-14-dev (tools/install-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN=${1:-${FUZZ_SECONDS:-60}}
BUILD=${FUZZ_BUILD:-build-fuzz}
JOBS=${JOBS:-2}
cmake -S . -B "$BUILD" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSYNOD_FUZZ=ON \
  -DSYNOD_BUILD_TESTS=OFF -DSYNOD_BUILD_CHECKER=OFF -DSYNOD_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build "$BUILD" -j "$JOBS" --target synod-fuzz-decoder synod-fuzz-seeds
corpus="$BUILD/fuzz-corpus"
artifacts="$BUILD/fuzz-artifacts"
mkdir -p "$corpus" "$artifacts"
"$BUILD/adapters/synod-fuzz-seeds" "$corpus"
echo "fuzz.sh: fuzzing the decoders for ${SECONDS_TO_RUN}s (corpus $corpus)"
"$BUILD/adapters/synod-fuzz-decoder" -max_total_time="$SECONDS_TO_RUN" -max_len=4096 -timeout=10 \
  -artifact_prefix="$artifacts/" -print_final_stats=1 "$corpus"
