#!/usr/bin/env bash
# Installs the Debian packages synod needs to build and test, and only the
# missing ones. As root it runs apt-get; otherwise it prints the command.
# --test: also what only the test suite needs (a browser for the trace page);
# --coverage: also gcovr (make coverage).
set -euo pipefail

packages=(
  cmake make g++ clang          # toolchains (GCC 12, Clang 14)
  libboost-dev                  # Boost.Container (kernel), Boost.Asio (adapters)
  libgtest-dev libgmock-dev     # GoogleTest
  librapidcheck-dev             # RapidCheck + rapidcheck/gtest.h
  libbenchmark-dev              # Google Benchmark
  libfmt-dev libcli11-dev nlohmann-json3-dev libtomlplusplus-dev
  libclang-rt-14-dev            # sanitizer + libFuzzer runtimes for clang
  redis-tools                   # redis-cli / redis-benchmark for synod-kv tests
  python3                       # small test scripts
)
case ${1:-} in
  --test) packages+=(chromium) ;;    # headless browser: synod-check --trace-html's test
  --coverage) packages+=(gcovr) ;;   # make coverage
esac

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

if [[ $(id -u) -eq 0 ]]; then
  echo "install-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "install-deps: missing Debian packages: ${missing[*]}" >&2
  echo "install-deps: run as root:  apt-get update && apt-get install -y ${missing[*]}" >&2
  exit 1
fi
