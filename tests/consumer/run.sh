#!/usr/bin/env bash
# Builds tests/consumer against synod both ways: installed (find_package) and
# vendored (add_subdirectory). usage: run.sh SYNOD_SOURCE_DIR WORK_DIR MODE
set -euo pipefail
src=$1 work=$2 mode=$3
rm -rf "$work" && mkdir -p "$work"
case "$mode" in
  install)
    cmake -S "$src" -B "$work/synod" -DSYNOD_BUILD_TESTS=OFF -DSYNOD_BUILD_CHECKER=OFF \
      -DSYNOD_BUILD_ADAPTERS=OFF -DSYNOD_BUILD_BENCHMARKS=OFF -DSYNOD_INSTALL=ON >/dev/null
    cmake --install "$work/synod" --prefix "$work/prefix" >/dev/null
    test -f "$work/prefix/include/synod/raft/node.hpp"
    test -f "$work/prefix/include/synod/check/checker.hpp"
    cmake -S "$src/tests/consumer" -B "$work/consumer" -DSYNOD_CONSUME=find_package \
      -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
    ;;
  vendored)
    cmake -S "$src/tests/consumer" -B "$work/consumer" -DSYNOD_CONSUME=subdirectory \
      -DSYNOD_SOURCE_DIR="$src" >/dev/null
    ;;
  *) echo "usage: run.sh SRC WORK install|vendored" >&2; exit 2 ;;
esac
cmake --build "$work/consumer" >/dev/null
"$work/consumer/consumer"
"$work/consumer/check_model"
