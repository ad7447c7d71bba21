#!/usr/bin/env bash
# Installs the Debian 12 packages zonesim needs, only those that are missing.
set -euo pipefail
packages=(
  g++ cmake ninja-build pkg-config
  libboost-graph-dev libboost-program-options-dev zlib1g-dev
  librapidcheck-dev doctest-dev libbenchmark-dev
  qemu-utils fio blktrace
  slurm-wlm slurmctld slurmd slurm-client munge
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "installing: ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
