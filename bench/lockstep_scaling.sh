#!/bin/sh
# bench/lockstep_scaling.sh: `zonesim fuzz` operations/s at 1e2, 1e4, 1e5, 1e6
# zones of 256 KiB (192 KiB capacity), default workload mix and limits, default
# complete-comparison interval (ceil(zones/64), and every power cycle).
# The rate is differential, (OPS2 - OPS1) / (t(OPS2) - t(OPS1)), so creating
# the image and the model is not counted. Not yet part of bench/run (issue 14).
#   bench/lockstep_scaling.sh [ZONESIM] [OPS1] [OPS2]
set -eu
Z=${1:-build/sim/zonesim}
A=${2:-5000}
B=${3:-25000}
secs() { /usr/bin/time -f %e "$@" 2>&1 >/dev/null | tail -1; }
echo "| zones | full compare every | ops/s | vs 1e2 |"
echo "|---|---|---|---|"
base=""
for n in 100 10000 100000 1000000; do
  cfg="size=$((n * 256))K,zone_size=256K,zone_capacity=192K"
  t1=$(secs "$Z" fuzz --ops "$A" --config "$cfg")
  t2=$(secs "$Z" fuzz --ops "$B" --config "$cfg")
  rate=$(echo "$t1 $t2" | awk -v a="$A" -v b="$B" '{ printf "%.0f", (b - a) / ($2 - $1) }')
  [ -n "$base" ] || base=$rate
  every=$(( (n + 63) / 64 ))
  echo "| $n | $every | $rate | $(awk -v r="$rate" -v b="$base" 'BEGIN { printf "%.2fx", r / b }') |"
done
