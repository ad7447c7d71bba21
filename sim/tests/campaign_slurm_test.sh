#!/usr/bin/env bash
# A campaign through a real single-node Slurm, compared byte for byte with the
# same plan run locally. The test brings up munged (its own key and socket),
# slurmctld and slurmd (a minimal slurm.conf: proctrack/linuxproc, no cgroups,
# this machine's hostname, SlurmUser=root, ports on localhost) in a temporary
# directory, submits DIR/campaign.sbatch, waits for the array with a bounded
# poll on squeue, merges, and stops every daemon it started. If Slurm cannot
# start or the job does not finish, it fails with the daemons' logs.
#
# Usage: campaign_slurm_test.sh ZONESIM_BINARY
# (CAMPAIGN_SEEDS=A..B CAMPAIGN_OPS=N change the campaign's size, and the
# seconds each way took are printed: bench/RESULTS.md's throughput measurement.)
set -uo pipefail
zonesim=$1
seeds=${CAMPAIGN_SEEDS:-1..6}
ops=${CAMPAIGN_OPS:-1500}
for tool in munged slurmctld slurmd sbatch squeue; do
  command -v "$tool" >/dev/null || PATH=$PATH:/usr/sbin:/sbin
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed (scripts/install-deps.sh)"; exit 1; }
done
tmp=$(mktemp -d /tmp/zonesim-slurm.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  for log in "$tmp"/munged.log "$tmp"/slurmctld.log "$tmp"/slurmd.log "$tmp"/*.console "$tmp"/*.out; do
    [ -f "$log" ] && { echo "----- $log"; tail -n 40 "$log"; }
  done
  exit 1
}
# Two free TCP ports on localhost for slurmctld and slurmd: nothing answers
# a connection to them.
free_port() {
  local p
  for p in $(seq "$1" $(($1 + 500))); do
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}
ctld_port=$(free_port $((20000 + $$ % 20000)))
slurmd_port=$(free_port $((ctld_port + 1)))
host=$(hostname -s)
cpus=$(nproc)

# munge: a key of our own and a socket in the temporary directory.
dd if=/dev/urandom of="$tmp/munge.key" bs=1024 count=1 status=none
chmod 0400 "$tmp/munge.key"
chmod 0700 "$tmp"
munged --key-file="$tmp/munge.key" --socket="$tmp/munge.socket" --pid-file="$tmp/munged.pid" \
  --log-file="$tmp/munged.log" --seed-file="$tmp/munged.seed" --foreground --force \
  >"$tmp/munged.console" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -S "$tmp/munge.socket" ] && break; sleep 0.1; done
[ -S "$tmp/munge.socket" ] || fail "munged did not start"

mkdir -p "$tmp/state" "$tmp/spool"
cat > "$tmp/slurm.conf" <<CONF
ClusterName=zonesim-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$tmp/munge.socket
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
SchedulerType=sched/builtin
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$tmp/slurm.conf
# In the foreground (-D) so their pids are ours to stop; what they print
# before their log files open goes to *.console.
slurmctld -D -i -f "$SLURM_CONF" >"$tmp/slurmctld.console" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" >"$tmp/slurmd.console" 2>&1 &
pids+=($!)
# The node is usable once sinfo shows it idle (bounded: 30 s).
up=0
for _ in $(seq 300); do
  state=$(sinfo -h -N -o '%t' 2>/dev/null | head -n1)
  [ "$state" = "idle" ] && { up=1; break; }
  sleep 0.1
done
[ $up -eq 1 ] || fail "the Slurm node did not come up (state '${state:-none}')"

# The same plan in two directories: one for Slurm, one run locally.
"$zonesim" campaign plan --seeds "$seeds" --profiles zns,linux --ops "$ops" -o "$tmp/slurm-campaign" \
  >/dev/null || fail "campaign plan"
mkdir -p "$tmp/local-campaign/shards"
cp "$tmp/slurm-campaign/plan.json" "$tmp/local-campaign/plan.json"
start=$(date +%s.%N)
job=$(sbatch --parsable "$tmp/slurm-campaign/campaign.sbatch") || fail "sbatch refused the script"
job=${job%%;*}
# Wait for the whole array to leave the queue (bounded: 90 s).
done_=0
for _ in $(seq 900); do
  [ -z "$(squeue -h -j "$job" -o '%i' 2>/dev/null)" ] && { done_=1; break; }
  sleep 0.1
done
[ $done_ -eq 1 ] || fail "job $job did not finish in 90 s: $(squeue -j "$job")"
slurm_s=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
cp "$tmp"/slurm-campaign/slurm/*.out "$tmp"/ 2>/dev/null

start=$(date +%s.%N)
"$zonesim" campaign run "$tmp/local-campaign" --jobs 2 2>/dev/null || fail "campaign run"
local_s=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
"$zonesim" campaign merge "$tmp/slurm-campaign" --json > "$tmp/slurm.json"
slurm_rc=$?
"$zonesim" campaign merge "$tmp/local-campaign" --json > "$tmp/local.json"
[ $slurm_rc -eq 0 ] || { cat "$tmp/slurm.json"; fail "merge of the Slurm run: exit $slurm_rc"; }
shards=$(grep -c '"index"' "$tmp/slurm-campaign/plan.json")
grep -q "\"done\": $shards," "$tmp/slurm.json" || { cat "$tmp/slurm.json"; fail "not all $shards shards done on Slurm"; }
cmp "$tmp/slurm.json" "$tmp/local.json" || {
  diff "$tmp/slurm.json" "$tmp/local.json" | head -n 40
  fail "merged reports differ between Slurm and campaign run"
}
"$zonesim" campaign merge "$tmp/slurm-campaign" > "$tmp/slurm.txt"
"$zonesim" campaign merge "$tmp/local-campaign" > "$tmp/local.txt"
cmp "$tmp/slurm.txt" "$tmp/local.txt" || fail "text reports differ between Slurm and campaign run"
operations=$(grep -m1 '"operations"' "$tmp/slurm.json" | tr -dc 0-9)
echo "Slurm: $shards shards, $operations operations in ${slurm_s}s (submit to done); campaign run --jobs 2: ${local_s}s"
echo "PASS: $shards shards through Slurm (job $job) merge byte-identical to campaign run"
