#!/usr/bin/env bash
# Keeps the layering of README.md ("Layers") true: every #include "dir/..."
# in a folder must name a folder that folder may use. A file that includes a
# header from a layer above its own, or qcow2/ including model/ (the
# implementation must stay independent of the specification it is checked
# against), fails the test with the file, the line and the rule.
#
# Usage: scripts/check-layering.sh [SOURCE_ROOT]
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root"

# folder: the folders its files may include (itself always). Tests and tools
# of a folder may use what the folder uses, plus the shared test helpers.
declare -A allowed=(
  [common]=""
  [zoned]="common"
  [model]="common zoned"
  [qcow2/storage]="common zoned"
  [qcow2/zoned]="common zoned qcow2/storage"
  [qcow2/check]="common zoned qcow2/storage"
  [traces]="common zoned"
  [sim/devices]="common zoned model qcow2/storage qcow2/zoned"
  [sim/exec]="common zoned"
  [sim/lockstep]="common zoned model qcow2/storage qcow2/zoned sim/devices sim/exec"
  [sim/replay]="common zoned model qcow2/storage qcow2/zoned traces sim/devices sim/exec sim/lockstep"
  [sim/gate]="common zoned model qcow2/storage qcow2/zoned qcow2/check sim/devices sim/exec sim/lockstep"
  [sim/campaign]="common zoned model qcow2/storage qcow2/zoned qcow2/check traces sim/devices sim/exec sim/lockstep sim/replay sim/gate"
  [sim/cli]="common zoned model qcow2/storage qcow2/zoned qcow2/check traces sim/devices sim/exec sim/lockstep sim/replay sim/gate sim/campaign"
)
# Test folders: what their layer may use, plus the layer itself and helpers.
declare -A test_of=(
  [common/tests]="common"
  [common/testing]="common"
  [model/tests]="model"
  [qcow2/tests]="qcow2/storage qcow2/zoned qcow2/check"
  [traces/tests]="traces"
  [traces/tools]="traces"
)
for t in "${!test_of[@]}"; do
  a="common/testing"
  for layer in ${test_of[$t]}; do a="$a $layer ${allowed[$layer]}"; done
  allowed[$t]="$a"
done

# The folder a file belongs to: the longest key of `allowed` that prefixes it.
folder_of() {
  local f=$1 best=""
  for k in "${!allowed[@]}"; do
    if [[ $f == "$k"/* && ${#k} -gt ${#best} ]]; then
      # A file directly in a folder, not in a deeper folder that has no rule.
      local rest=${f#"$k"/}
      if [[ $rest != */* ]]; then best=$k; fi
    fi
  done
  echo "$best"
}

# The folder an include names: its directory part.
status=0
checked=0
while IFS= read -r file; do
  folder=$(folder_of "$file")
  if [ -z "$folder" ]; then
    echo "layering: $file is in no known layer (add its folder to scripts/check-layering.sh)"
    status=1
    continue
  fi
  while IFS=: read -r line inc; do
    dir=${inc%/*}
    checked=$((checked + 1))
    [ "$dir" = "$folder" ] && continue
    ok=0
    for a in ${allowed[$folder]}; do [ "$dir" = "$a" ] && ok=1 && break; done
    if [ $ok -eq 0 ]; then
      echo "layering: $file:$line includes \"$inc\": $folder/ may include only: ${allowed[$folder]:-(nothing else)}"
      status=1
    fi
  done < <(grep -nE '^#include "[^"]+/[^"]+"' "$file" | sed -E 's/^([0-9]+):#include "([^"]+)".*/\1:\2/')
done < <(find common zoned model qcow2 traces sim -type f \( -name '*.h' -o -name '*.cpp' \) \
           -not -path "sim/tests/*" 2>/dev/null | sort)

# qcow2/ is checked against the model: it must never include it, tests included.
if grep -rnE '^#include "model/' qcow2 >/dev/null; then
  grep -rnE '^#include "model/' qcow2 | sed 's/^/layering: qcow2 must not include the model: /'
  status=1
fi
if [ $status -eq 0 ]; then echo "layering: $checked includes checked, none goes upward"; fi
exit $status
