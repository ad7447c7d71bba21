#!/usr/bin/env bash
# Issue 15's enumeration rate: `zonesim crash` on scripts whose crash window
# holds 2, 4, ... unsynced writes to fresh clusters of different zones after a
# flush (each such write leaves a data cluster and a refcount update
# unsynced), every subset of the window tried. Prints states, seconds and
# states/s per window; exit 1 when a state fails (the correct build must pass).
# Usage: bench/crash_states.sh BUILD_DIR [MAX_ZONES_WRITTEN]
set -euo pipefail
build=${1:?usage: bench/crash_states.sh BUILD_DIR [MAX_ZONES_WRITTEN]}
max=${2:-6}
z="$build/sim/zonesim"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
echo "TMPDIR=${TMPDIR:-/tmp} ($(df --output=fstype "${TMPDIR:-/tmp}" | tail -n1))"
printf '%-8s %-10s %-8s %-9s %s\n' zones unsynced states seconds states/s
for n in $(seq 1 "$max"); do
  script="$tmp/w$n.script"
  {
    echo "write -P 0x11 512K 4K"
    echo "flush"
    # Zones 3.. of the default device (256 KiB zones, two conventional).
    for i in $(seq 1 "$n"); do echo "write -P 0x$((20 + i)) $(((2 + i) * 256))K 4K"; done
    echo "powerloss"
    echo "read -P 0x11 512K 4K"
  } > "$script"
  start=$(date +%s.%N)
  out=$("$z" crash "$script" --config max_open_zones=0,max_active_zones=0 --max-states 1048576) || { status=1; echo "$out"; }
  end=$(date +%s.%N)
  line=$(grep -E '^crash point 1:' <<<"$out")
  writes=$(sed -E 's/.*, ([0-9]+) unsynced writes.*/\1/' <<<"$line")
  states=$(grep -E '^states: ' <<<"$out" | sed -E 's/states: ([0-9]+) tried.*/\1/')
  awk -v n="$n" -v w="$writes" -v s="$states" -v a="$start" -v b="$end" \
    'BEGIN { t = b - a; printf "%-8d %-10d %-8d %-9.2f %.0f\n", n, w, s, t, s / t }'
done
exit $status
