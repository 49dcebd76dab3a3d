#!/usr/bin/env bash
# gale sweep on a real Slurm: starts a private single-node cluster
# (slurm_cluster.sh: installs slurm-wlm/munge with apt-get if missing), submits
# the job array gale sweep writes for a tiny cavity sweep (4 samples at
# 12 x 12 cells, 1 rank each; then 1 sample at 2 ranks through srun),
# waits for it (at most 300 s), runs --collect and checks every sample's
# results and the manifest. Exits 77 (skipped) only where the daemons
# cannot be started, saying why; stops the daemons it started.
set -euo pipefail
: "${GALE_EXE:?}" "${GALE_SOURCE_DIR:?}"
here=$(cd "$(dirname "$0")" && pwd)
work=$PWD/slurm
rm -rf "$work" && mkdir -p "$work" && cd "$work"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
PY=${GALE_PYTHON:-/usr/bin/python3}

cluster=$(mktemp -d /tmp/gale-slurm.XXXXXX) # short: it holds the munge socket
cleanup() {
  bash "$here/slurm_cluster.sh" stop "$cluster" || true
  rm -rf "$cluster" "$cluster.apt.log"
}
trap cleanup EXIT
set +e
env=$(bash "$here/slurm_cluster.sh" start "$cluster")
rc=$?
set -e
[ $rc -eq 77 ] && exit 77
[ $rc -eq 0 ] || { echo "FAIL: slurm_cluster.sh start exited with $rc"; exit 1; }
eval "$env"
sinfo

cavity() {
  mkdir -p "$1"
  sed -e "s/cells: \[129, 129, 1\]/cells: [12, 12, 1]/" -e "s/max_iterations: 3000/max_iterations: 400/" \
    "$GALE_SOURCE_DIR/cases/cavity_re100/case.yaml" > "$1/case.yaml"
}

# wait_job ID: until Slurm no longer lists the job, at most 300 s
wait_job() {
  for _ in $(seq 1 300); do
    [ -z "$(squeue -h -j "$1" 2>/dev/null)" ] && return 0
    sleep 1
  done
  squeue
  scancel "$1" || true
  echo "FAIL: job $1 still in the queue after 300 s"
  exit 1
}

# check_done SWEEPDIR RANKS: every sample done, converged, with its results
check_done() {
  "$PY" - "$1" "$2" <<'PYEOF'
import csv, os, sys
root, ranks = sys.argv[1] + "/sweep", sys.argv[2]
rows = list(csv.DictReader(open(root + "/manifest.csv")))
for r in rows:
    d = os.path.join(root, r["id"])
    assert r["status"] == "done", (r["id"], r["status"], r["message"])
    assert r["converged"] == "true" and int(r["iterations"]) > 0 and r["Cd"], r
    assert r["result"] == r["id"] + "/results", r
    assert os.path.getsize(os.path.join(d, "results/solution.h5")) > 0
    summary = open(os.path.join(d, "results/summary.yaml")).read()
    assert "status: converged" in summary and ("ranks: %s\n" % ranks) in summary, summary
    assert open(os.path.join(d, "job.status")).read() == "exit 0\n"
print("%d samples done: %s" % (len(rows), ", ".join(r["id"] for r in rows)))
PYEOF
}

cavity s
cat > s/sweep.yaml <<'EOF'
parameters:
  Re: {box: [100, 400]}
sampling: {method: lhs, samples: 3, seed: 11}
derived:
  fluid.nu: 1/Re
holdout:
  - {Re: 250}
EOF
"$GALE_EXE" sweep s --scheduler slurm --time 00:05:00 --submit | tee submit.txt
job=$(sed -n 's/.*submitted job array \([0-9]*\) .*/\1/p' submit.txt)
[ -n "$job" ]
script=s/sweep/submit.sbatch
grep -q "^#SBATCH --array=0-3$" $script
grep -q "^#SBATCH --time=00:05:00$" $script
grep -q "^GALE='$(readlink -f "$GALE_EXE")'$" $script
grep -q "^SAMPLES=(sample_0000 sample_0001 sample_0002 holdout_0000)$" $script
grep -q "^queued job=$job$" s/sweep/sample_0000/job.status
# submitting again while the array is queued or running adds nothing
"$GALE_EXE" sweep s --scheduler slurm --submit | tee again.txt
grep -q "nothing to submit" again.txt
wait_job "$job"
"$GALE_EXE" sweep s --collect | tee collect.txt
grep -q "4 samples: 4 done, 0 failed, 0 running, 0 pending" collect.txt
check_done s 1
for k in 0 1 2 3; do [ -f "s/sweep/slurm-${job}_$k.out" ]; done

# an array cancelled before or while it runs: submitting again queues its
# samples again, and they finish
cavity c
printf 'parameters:\n  Re: {values: [120, 140]}\nderived:\n  fluid.nu: 1/Re\n' > c/sweep.yaml
"$GALE_EXE" sweep c --scheduler slurm --submit | tee submit3.txt
job=$(sed -n 's/.*submitted job array \([0-9]*\) .*/\1/p' submit3.txt)
scancel "$job"
wait_job "$job"
"$GALE_EXE" sweep c --scheduler slurm --submit | tee submit4.txt
grep -q "submitted job array [0-9]* with 2 task(s)" submit4.txt
job=$(sed -n 's/.*submitted job array \([0-9]*\) .*/\1/p' submit4.txt)
wait_job "$job"
"$GALE_EXE" sweep c --collect | tee collect3.txt
check_done c 1

# 2 ranks per sample: srun --mpi=pmix starts them
cavity r
printf 'parameters:\n  Re: {values: [150]}\nderived:\n  fluid.nu: 1/Re\n' > r/sweep.yaml
"$GALE_EXE" sweep r --scheduler slurm --ranks 2 --submit | tee submit2.txt
job=$(sed -n 's/.*submitted job array \([0-9]*\) .*/\1/p' submit2.txt)
grep -q '^srun --mpi="${GALE_SRUN_MPI:-pmix}" --ntasks=2 ' r/sweep/submit.sbatch
wait_job "$job"
"$GALE_EXE" sweep r --collect | tee collect2.txt
grep -q "1 samples: 1 done" collect2.txt || { cat r/sweep/sample_0000/log.txt; exit 1; }
check_done r 2
echo "PASS slurm"
