#!/usr/bin/env bash
# ctest bench_dry_run: `bench/run --quick --dry-run` lists all seven sections,
# each once and in order, every row names a benchmark, and a bad option is a
# one-line usage error with status 2. Runs no benchmark (no timing involved).
set -uo pipefail
run=$1
build=$2
fail() { echo "FAIL: $*" >&2; exit 1; }

out=$(bash "$run" --quick --dry-run --build "$build") || fail "bench/run --quick --dry-run exited with $?"
headers=$(printf '%s\n' "$out" | grep -E '^## [0-9]+\. ' | cut -d. -f1)
[ "$headers" = "$(printf '## %s\n' 1 2 3 4 5 6 7)" ] || fail "sections listed: $(echo $headers)"
rows=$(printf '%s\n' "$out" | grep -cE '^  .+: [a-z0-9_]+' || true)
[ "$rows" -ge 30 ] || fail "only $rows rows listed"
printf '%s\n' "$out" | grep -q 'zoned_write_128KiB vs raw_pwrite_128KiB vs qemu_img_write_128KiB' ||
  fail "the 128 KiB write row does not name both anchors"
printf '%s\n' "$out" | grep -q 'zonesim_blktrace vs blkparse_blktrace' || fail "trace row without its blkparse anchor"
printf '%s\n' "$out" | grep -q 'replay_8192 vs replay_128 vs blkparse' || fail "the scaling section lacks its replay row"

only=$(bash "$run" --dry-run --only 3 --build "$build" | grep -E '^## ') || fail "--only 3 failed"
[ "$only" = "## 3. $(printf '%s\n' "$out" | grep -E '^## 3\. ' | sed 's/^## 3\. //')" ] || fail "--only 3 listed: $only"

err=$(bash "$run" --bogus --build "$build" 2>&1 >/dev/null); status=$?
[ "$status" = 2 ] || fail "a bad option exited with $status, not 2"
[ "$(printf '%s\n' "$err" | wc -l)" = 1 ] || fail "a bad option printed more than one line: $err"
echo "ok: seven sections, $rows rows"
