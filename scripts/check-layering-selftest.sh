#!/usr/bin/env bash
# Proves scripts/check-layering.sh can fail: a tree with one upward include
# and one qcow2 -> model include must be refused, naming both; a clean tree
# must pass.
set -euo pipefail
checker=$(cd "$(dirname "$0")" && pwd)/check-layering.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"/{common,zoned,model,qcow2/storage,traces,sim/cli}
echo '#include "common/status.h"' > "$tmp/zoned/ok.h"
echo '#include "zoned/ok.h"' > "$tmp/sim/cli/ok.cpp"
bash "$checker" "$tmp" > "$tmp/clean.out" || { echo "clean tree refused:"; cat "$tmp/clean.out"; exit 1; }
echo '#include "sim/lockstep/lockstep.h"' > "$tmp/zoned/up.h"
echo '#include "model/zone_model.h"' > "$tmp/qcow2/storage/spec.h"
if bash "$checker" "$tmp" > "$tmp/bad.out"; then echo "violations not found"; cat "$tmp/bad.out"; exit 1; fi
grep -q 'zoned/up.h:1 includes "sim/lockstep/lockstep.h"' "$tmp/bad.out" || { cat "$tmp/bad.out"; exit 1; }
grep -q 'qcow2 must not include the model' "$tmp/bad.out" || { cat "$tmp/bad.out"; exit 1; }
echo "layering self-test: clean tree passes, both violations found"
