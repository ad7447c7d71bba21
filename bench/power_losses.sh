#!/usr/bin/env bash
# Issue 15's measurement: at least 10,000 simulated power losses across seeded
# campaigns of every profile, with nothing flushed lost in zonesim's qcow2
# layer. Runs `zonesim fuzz --power-loss-rate RATE` for SEEDS seeds of each
# profile and sums the "power losses: N, states adopted: M" lines; any
# campaign that is not CONFORMING is printed and makes the exit status 1.
# Usage: bench/power_losses.sh BUILD_DIR [SEEDS] [OPS] [RATE]
# The defaults (4 seeds x 3 profiles x 30,000 ops at 0.01) give about 3,600
# power losses per profile, 10,800 in all.
set -euo pipefail
build=${1:?usage: bench/power_losses.sh BUILD_DIR [SEEDS] [OPS] [RATE]}
seeds=${2:-4}
ops=${3:-30000}
rate=${4:-0.01}
z="$build/sim/zonesim"
total=0 adopted=0 failed=0
for profile in linux zns zbc; do
  for seed in $(seq 1 "$seeds"); do
    out=$("$z" fuzz --profile "$profile" --seed "$seed" --ops "$ops" --power-loss-rate "$rate" 2>/dev/null) || true
    line=$(grep -E '^power losses: ' <<<"$out" || echo "power losses: 0, states adopted: 0")
    n=$(sed -E 's/power losses: ([0-9]+), states adopted: ([0-9]+).*/\1/' <<<"$line")
    m=$(sed -E 's/power losses: ([0-9]+), states adopted: ([0-9]+).*/\2/' <<<"$line")
    total=$((total + n))
    adopted=$((adopted + m))
    echo "$profile seed $seed: $line; $(grep -E '^verdict' <<<"$out")"
    if ! grep -q '^verdict: CONFORMING' <<<"$out"; then
      failed=1
      echo "$out"
    fi
  done
done
echo "total power losses: $total, states adopted: $adopted"
exit $failed
