#!/usr/bin/env bash
# A private single-node Slurm cluster for tests (the recipe of shared/NOTES.md):
#   slurm_cluster.sh start DIR   install slurm-wlm/munge if missing, start munged,
#                                slurmctld and slurmd with everything (config,
#                                key, sockets, state, logs) under DIR; prints the
#                                environment to use it (SLURM_CONF=DIR/slurm.conf)
#   slurm_cluster.sh stop DIR    stop the daemons started in DIR
# Exit status 77 (with the reason on stderr) when the daemons cannot be
# started here: not root, no package manager, or a daemon that dies.
# Nothing outside DIR is changed except installing the packages; ports
# 16817/16818 keep it apart from a Slurm the machine may already run.
set -u
cmd=${1:?usage: slurm_cluster.sh start|stop DIR}
dir=${2:?usage: slurm_cluster.sh start|stop DIR}
skip() { echo "slurm_cluster: SKIP: $*" >&2; exit 77; }

stop() {
  for d in slurmd slurmctld munged; do
    f="$dir/$d.pid"
    [ -f "$f" ] || continue
    pid=$(cat "$f" 2>/dev/null)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
    fi
    rm -f "$f"
  done
}

if [ "$cmd" = stop ]; then
  stop
  exit 0
fi
[ "$cmd" = start ] || { echo "usage: slurm_cluster.sh start|stop DIR" >&2; exit 2; }

[ "$(id -u)" -eq 0 ] || skip "needs root to run slurmd (uid $(id -u))"
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null || ! command -v sbatch >/dev/null; then
  command -v apt-get >/dev/null || skip "slurm-wlm and munge are not installed and there is no apt-get"
  echo "slurm_cluster: installing slurm-wlm munge" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q slurm-wlm munge >"$dir.apt.log" 2>&1 ||
    { apt-get update -q >>"$dir.apt.log" 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q slurm-wlm munge >>"$dir.apt.log" 2>&1; } ||
    skip "cannot install slurm-wlm munge (see $dir.apt.log)"
fi

mkdir -p "$dir/state" "$dir/spool" "$dir/log"
chmod 700 "$dir"
head -c 1024 /dev/urandom > "$dir/munge.key"
chmod 400 "$dir/munge.key"
node=$(hostname -s)
cpus=$(nproc)
cat > "$dir/slurm.conf" <<CONF
ClusterName=galetest
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=16817
SlurmdPort=16818
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge.socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
SlurmdTimeout=60
InactiveLimit=0
KillWait=10
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
CONF

munged --force --socket="$dir/munge.socket" --key-file="$dir/munge.key" --pid-file="$dir/munged.pid" \
  --log-file="$dir/log/munged.log" --seed-file="$dir/munged.seed" >"$dir/log/munged.out" 2>&1 ||
  { cat "$dir/log/munged.out" "$dir/log/munged.log" >&2 2>/dev/null; stop; skip "munged does not start"; }
export SLURM_CONF=$dir/slurm.conf
slurmctld >"$dir/log/slurmctld.out" 2>&1 || { tail -5 "$dir/log/slurmctld.log" >&2; stop; skip "slurmctld does not start"; }
slurmd -N "$node" >"$dir/log/slurmd.out" 2>&1 || { tail -5 "$dir/log/slurmd.log" >&2; stop; skip "slurmd does not start"; }
for _ in $(seq 1 60); do
  state=$(sinfo -h -N -o %t 2>/dev/null | head -1)
  case $state in idle* | mix* | alloc*) break ;; esac
  sleep 1
done
case ${state:-} in
idle* | mix* | alloc*) ;;
*) tail -5 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" >&2; stop; skip "the node did not come up (state '${state:-none}')" ;;
esac
echo "export SLURM_CONF=$dir/slurm.conf"
