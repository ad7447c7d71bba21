#!/usr/bin/env bash
# Installs what is missing, builds, and runs zonesim's main job on the
# built-in default device.
set -euo pipefail
root=$(cd "$(dirname "$0")" && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
exec "$root/build/sim/zonesim" demo "$@"
