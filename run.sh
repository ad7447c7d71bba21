#!/usr/bin/env bash
# Installs what is missing, builds, and runs zonesim's main job on the
# built-in default device: a seeded fuzz campaign, model vs zoned qcow2 image,
# with its edge coverage.
set -euo pipefail
root=$(cd "$(dirname "$0")" && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
exec "$root/build/sim/zonesim" fuzz "$@"
