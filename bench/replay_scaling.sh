#!/usr/bin/env bash
# Issue 14's replay goal: `zonesim replay` of a 702,000-record binary
# blktrace (bench/data or ../shared's sda.blktrace.0 repeated 3,000 times,
# 96,000 writes) at 128 zones, 8,192 zones (a 2 TiB device), 1e5 and 1e6
# zones of 256 MiB, next to `blkparse -i FILE -o /dev/null` on the same file.
# Best of 3 runs each (wall seconds).
#   bench/replay_scaling.sh BUILD_DIR TRACE_FILE
set -euo pipefail
build=${1:?usage: bench/replay_scaling.sh BUILD_DIR TRACE_FILE}
trace=${2:?usage: bench/replay_scaling.sh BUILD_DIR TRACE_FILE}
z="$build/sim/zonesim"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for _ in $(seq 3000); do cat "$trace"; done > "$tmp/big.blktrace.0"
best() {  # best wall time of 3 runs of "$@"
  local b=""
  for _ in 1 2 3; do
    t=$( { /usr/bin/time -f %e "$@" >/dev/null 2>/dev/null; } 2>&1 | tail -n1)
    b=$(awk -v a="$t" -v b="$b" 'BEGIN { print (b == "" || a < b) ? a : b }')
  done
  echo "$b"
}
records=$(blkparse -i "$tmp/big.blktrace.0" 2>/dev/null | grep -c '^ *[0-9]*,[0-9]' || true)
bp=$(best blkparse -i "$tmp/big.blktrace.0" -o /dev/null)
echo "records: $records; blkparse -o /dev/null: ${bp} s"
echo "| zones | replay s | vs 128 zones | blkparse / replay |"
echo "|---|---|---|---|"
base=""
for n in 128 8192 100000 1000000; do
  t=$(best "$z" replay "$tmp/big.blktrace.0" --config "size=$((n * 256))M,zone_size=256M,zone_capacity=256M")
  [ -n "$base" ] || base=$t
  awk -v n="$n" -v t="$t" -v b="$base" -v p="$bp" 'BEGIN { printf "| %d | %.2f | %.2fx | %.1fx |\n", n, t, t / b, p / t }'
done
