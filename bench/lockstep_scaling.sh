#!/usr/bin/env bash
# bench/lockstep_scaling.sh: `zonesim fuzz` operations/s at 1e2, 1e4, 1e5 and
# 1e6 zones of 256 KiB (192 KiB capacity), per profile, with the default
# workload mix, limits, power-cycle rate (0.002) and complete-comparison
# interval (ceil(zones / 64) operations, and every power cycle). Issue 14's
# goal: >= 0.5x the 1e2 rate at 1e5 zones, >= 0.3x at 1e6.
#
# The rate is differential, (OPS2 - OPS1) / (t(OPS2) - t(OPS1)), user+system
# CPU seconds, best of REPS runs of each: creating the image and the model and
# the final image check are not counted. The operation counts shrink where a
# run would take minutes (linux at 1e5 and 1e6 zones: whole-device open and
# finish are one command per zone there, see bench/RESULTS.md).
#   bench/lockstep_scaling.sh [--quick] [--reps N] [ZONESIM]
set -euo pipefail
. "$(dirname "$0")/scaling_lib.sh"
scaling_parse lockstep_scaling.sh "$@"
Z=${positional[0]:-build/sim/zonesim}
[ -x "$Z" ] || { echo "lockstep_scaling.sh: $Z is not an executable zonesim" >&2; exit 2; }
# The two operation counts for a profile at a zone count.
ops_pair() {
  if [ "$quick" = 1 ]; then echo "1000 5000"; return; fi
  case "$1:$2" in
    linux:1000000) echo "300 900" ;;
    linux:100000) echo "1000 4000" ;;
    *:1000000) echo "3000 15000" ;;
    *) echo "5000 45000" ;;
  esac
}
zone_counts="100 10000 100000 1000000"
[ "$quick" = 1 ] && zone_counts="100 10000"

echo "| profile | zones | complete comparison every | operations (OPS1, OPS2) | ops/s | vs 1e2 zones |"
echo "|---|---|---|---|---|---|"
for profile in zns linux; do
  base=""
  for n in $zone_counts; do
    read -r a b <<<"$(ops_pair "$profile" "$n")"
    cfg="size=$((n * 256))K,zone_size=256K,zone_capacity=192K"
    t1=$(best_of "%U %S" "$Z" fuzz --profile "$profile" --ops "$a" --config "$cfg")
    t2=$(best_of "%U %S" "$Z" fuzz --profile "$profile" --ops "$b" --config "$cfg")
    rate=$(awk -v a="$a" -v b="$b" -v t1="$t1" -v t2="$t2" \
      'BEGIN { d = t2 - t1; if (d < 0.01) d = 0.01; printf "%.0f", (b - a) / d }')
    [ -n "$base" ] || base=$rate
    every=$(( (n + 63) / 64 ))
    echo "| $profile | $n | $every | $a, $b | $rate | $(awk -v r="$rate" -v b="$base" 'BEGIN { printf "%.2fx", r / b }') |"
  done
done
