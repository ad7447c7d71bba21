#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite through
# ctest: once on the normal build, once under AddressSanitizer + UBSan.
# ZONESIM_LONG=1 is the long mode: the property suites run 5,000 cases per
# property (per profile) on the normal build; the sanitizer pass keeps the
# default count (the same code, ten times slower).
set -euo pipefail
root=$(cd "$(dirname "$0")" && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
(cd "$root/build" && ctest --output-on-failure -j "$(nproc)")
"$root/scripts/build.sh" --sanitize
# malloc_context_size=8 and a 32 MB quarantine: every error is still caught
# (use-after-free within the last 32 MB freed), reports keep 8 frames of the
# allocation stack, and the many zonesim processes the suite starts run
# about twice as fast as with the defaults (30 frames, 256 MB).
(cd "$root/build-asan" && env -u ZONESIM_LONG \
  ASAN_OPTIONS=detect_leaks=1:malloc_context_size=8:quarantine_size_mb=32 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --output-on-failure -j "$(nproc)")
