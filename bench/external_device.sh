#!/usr/bin/env bash
# Lockstep through an external implementation: the same campaign in-process
# (zonesim's qcow2 layer) and through a `zonesim io` process speaking qemu-io's
# dialect, and the wall time of `zonesim gate` on its default battery.
# Usage: bench/external_device.sh BUILD_DIR [OPS]
set -euo pipefail
build=${1:?usage: bench/external_device.sh BUILD_DIR [OPS]}
ops=${2:-5000}
z="$build/sim/zonesim"
t() { local s e; s=$(date +%s.%N); "$@" > /dev/null 2>&1 || true; e=$(date +%s.%N); awk -v a="$s" -v b="$e" 'BEGIN { print b - a }'; }
rate() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%.0f", n / t }'; }
inproc=$(t "$z" fuzz --ops "$ops")
external=$(t "$z" fuzz --ops "$ops" --qemu-io "$z io")
gate=$(t "$z" gate --qemu-io "$z io --profile {profile}")
echo "| work | seconds | operations/s |"
echo "|---|---|---|"
printf '| fuzz --ops %s in-process | %.2f | %.0f |\n' "$ops" "$inproc" "$(rate "$ops" "$inproc")"
printf '| fuzz --ops %s --qemu-io "zonesim io" | %.2f | %.0f |\n' "$ops" "$external" "$(rate "$ops" "$external")"
printf '| gate --qemu-io "zonesim io --profile {profile}" (27 campaigns x 1000 ops) | %.1f | %.0f |\n' "$gate" "$(rate 27000 "$gate")"
