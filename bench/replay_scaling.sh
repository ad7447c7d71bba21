#!/usr/bin/env bash
# Issue 14's replay goal: `zonesim replay` of a binary blktrace of about
# 700,000 records (TRACE repeated until it has that many; by default the
# repository's traces/fixtures/twocpu.blktrace.0, or e.g. ../shared's
# sda.blktrace.0) at 128 zones, 8,192 zones (a 2 TiB device), 1e5 and 1e6
# zones of 256 MiB, next to `blkparse -i FILE -o /dev/null` on the same file.
# Goal: at 8,192 zones at least 3x faster than blkparse and within 2x of
# the replay at 128 zones. Best of REPS runs each (wall seconds).
#   bench/replay_scaling.sh [--quick] [--reps N] BUILD_DIR [TRACE_FILE]
set -euo pipefail
. "$(dirname "$0")/scaling_lib.sh"
scaling_parse replay_scaling.sh "$@"
set -- "${positional[@]}"
build=${1:?usage: bench/replay_scaling.sh [--quick] [--reps N] BUILD_DIR [TRACE_FILE]}
root=$(cd "$(dirname "$0")/.." && pwd)
trace=${2:-$root/traces/fixtures/twocpu.blktrace.0}
z="$build/sim/zonesim"
[ -x "$z" ] || { echo "replay_scaling.sh: $z is not an executable zonesim" >&2; exit 2; }
[ -r "$trace" ] || { echo "replay_scaling.sh: cannot read $trace" >&2; exit 2; }
command -v blkparse >/dev/null || { echo "replay_scaling.sh: blkparse is not installed (Debian: blktrace)" >&2; exit 2; }
tmp=$scaling_tmp
target=700000
[ "$quick" = 1 ] && target=50000
# Binary records (blk_io_trace: 48 bytes + pdu_len at offset 46, in the
# byte order the magic shows), not blkparse's output lines.
count() {
  perl -e 'local $/; my $d = <>; my $le = (unpack("V", $d) & 0xffffff00) == 0x65617400;
    my ($o, $n) = (0, 0);
    while ($o + 48 <= length $d) { $o += 48 + unpack($le ? "v" : "n", substr($d, $o + 46, 2)); $n++ }
    print "$n\n"' "$1"
}
one=$(count "$trace")
[ "$one" -gt 0 ] || { echo "replay_scaling.sh: no blktrace records in $trace" >&2; exit 2; }
copies=$(( (target + one - 1) / one ))
for _ in $(seq "$copies"); do cat "$trace"; done > "$tmp/big.blktrace.0"
records=$(count "$tmp/big.blktrace.0")
bp=$(best_of %e blkparse -i "$tmp/big.blktrace.0" -o /dev/null)
echo "$(basename "$trace") x $copies: $records records; \`blkparse -i FILE -o /dev/null\`: ${bp} s"
echo
echo "| zones | replay s | vs 128 zones | blkparse / replay |"
echo "|---|---|---|---|"
zone_counts="128 8192 100000 1000000"
[ "$quick" = 1 ] && zone_counts="128 8192"
base=""
for n in $zone_counts; do
  t=$(best_of %e "$z" replay "$tmp/big.blktrace.0" --config "size=$((n * 256))M,zone_size=256M,zone_capacity=256M")
  [ -n "$base" ] || base=$t
  awk -v n="$n" -v t="$t" -v b="$base" -v p="$bp" \
    'BEGIN { if (t <= 0) t = 0.01; if (b <= 0) b = 0.01; printf "| %d | %.2f | %.2fx | %.1fx |\n", n, t, t / b, p / t }'
done
