#!/usr/bin/env bash
# Configures and builds zonesim into build/ (or build-asan/ with --sanitize).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir="$root/build"
extra=()
if [ "${1:-}" = "--sanitize" ]; then
  dir="$root/build-asan"
  # -O1: the sanitizers keep every check, and the suite runs 3-4x faster
  # than at -O0 (CI has 2 cores and a time limit).
  extra=(-DZONESIM_SANITIZE=ON -DZONESIM_BENCH=OFF -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-g -O1")
fi
cmake -S "$root" -B "$dir" -G Ninja "${extra[@]}" >/dev/null
cmake --build "$dir" -j "$(nproc)"
