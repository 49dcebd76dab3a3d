#!/usr/bin/env bash
# Case-level tests of the gale executable. usage: case_tests.sh NAME
# Runs in a scratch folder under the current directory.
set -euo pipefail
name=$1
: "${GALE_EXE:?}" "${GALE_SOURCE_DIR:?}" "${GALE_SHARED_DIR:?}"
PY=${GALE_PYTHON:-/usr/bin/python3}
here=$(cd "$(dirname "$0")" && pwd)
work=$PWD/$name
rm -rf "$work" && mkdir -p "$work" && cd "$work"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpirun_() { mpirun --oversubscribe -np "$@"; }

# cavity CASE N RE: the default case at N x N cells and Reynolds number RE
cavity() {
  mkdir -p "$1"
  sed -e "s/cells: \[129, 129, 1\]/cells: [$2, $2, 1]/" -e "s/nu: 0.01/nu: $(awk "BEGIN{print 1/$3}")/" \
    "$GALE_SOURCE_DIR/cases/cavity_re100/case.yaml" > "$1/case.yaml"
}

fields_diff() { # max |a - b| over U and p of the last steps of two results
  "$PY" - "$1" "$2" <<'PYEOF'
import sys, h5py, numpy as np
a, b = (h5py.File(p + "/solution.h5", "r") for p in sys.argv[1:3])
ka, kb = sorted(a["steps"])[-1], sorted(b["steps"])[-1]
print(max(np.abs(a["steps/%s/%s" % (ka, f)][...] - b["steps/%s/%s" % (kb, f)][...]).max() for f in ("U", "p")))
PYEOF
}

case $name in
cavity33_np1 | cavity33_np2)
  # Ghia et al. (1982) Table I/II at Re=100 on a 33 x 33 mesh. Tolerance
  # 0.02 lid-speed units, the issue's 129 x 129 criterion: measured 0.006
  # here, so a scheme or coupling error (>0.02 at this size) fails it.
  np=${name##*_np}
  cavity cav 33 100
  mpirun_ "$np" "$GALE_EXE" run cav > log.txt
  grep -q "^status: converged" cav/results/summary.yaml
  grep -q "^ranks: $np" cav/results/summary.yaml
  "$PY" "$here/ghia_compare.py" cav/results 100 0.02 "$GALE_SHARED_DIR"
  ;;
ranks_agree)
  # 1 and 2 ranks converge to the same fields within the solver tolerance
  cavity one 33 100
  cavity two 33 100
  "$GALE_EXE" run one > log1.txt
  mpirun_ 2 "$GALE_EXE" run two > log2.txt
  d=$(fields_diff one/results two/results)
  echo "max difference 1 vs 2 ranks: $d"
  awk "BEGIN{exit !($d < 1e-5)}"
  ;;
restart)
  # a run stopped and restarted (same ranks) ends where an uninterrupted one does
  cavity full 33 100
  sed -i -e 's/algorithm: SIMPLEC/algorithm: PISO\n  dt: 0.01\n  end_time: 1.0\n  time_scheme: backward/' -e 's/interval: 1000/interval: 25/' full/case.yaml
  cp -r full part
  sed -i 's/end_time: 1.0/end_time: 0.5/' part/case.yaml
  mpirun_ 2 "$GALE_EXE" run full > logf.txt
  mpirun_ 2 "$GALE_EXE" run part > logp.txt
  grep -q "^iterations: 50" part/results/summary.yaml
  sed -i 's/end_time: 0.5/end_time: 1.0/' part/case.yaml
  mpirun_ 2 "$GALE_EXE" run part --restart > logr.txt
  grep -q "Restarting from step 50" logr.txt
  grep -q "^iterations: 100" part/results/summary.yaml
  d=$(fields_diff full/results part/results)
  echo "max difference restarted vs uninterrupted: $d"
  awk "BEGIN{exit !($d < 1e-6)}"
  # the restarted file keeps the earlier steps
  "$PY" -c "import h5py,sys; s=sorted(h5py.File('part/results/solution.h5','r')['steps']); print(s); sys.exit(len(s) != 4)"
  ;;
restart_turbulent)
  # k-epsilon (wall functions: nut on the wall faces is part of the state)
  # on pitzDaily, PISO: 20 steps uninterrupted = 10 + 10 after a restart, on
  # 2 ranks. Measured 1e-10 (relative); without nut on the wall faces in the
  # checkpoint the restart lands 6e-3 off in epsilon.
  for d in full part; do
    mkdir -p $d
    sed -e "s#polyMesh: ../pitzDaily_laminar#polyMesh: $GALE_SOURCE_DIR/cases/pitzDaily_laminar#" \
      -e "s/algorithm: SIMPLEC/algorithm: PISO\n  dt: 1e-5\n  end_time: 2e-4/" -e "s/max_iterations: 3000//" \
      -e "s/interval: 1000/interval: 10/" -e "s/relaxation: 0.9/relaxation: 1/" "$GALE_SOURCE_DIR/cases/pitzDaily/case.yaml" > $d/case.yaml
  done
  sed -i "s/end_time: 2e-4/end_time: 1e-4/" part/case.yaml
  mpirun_ 2 "$GALE_EXE" run full > logf.txt
  mpirun_ 2 "$GALE_EXE" run part > logp.txt
  sed -i "s/end_time: 1e-4/end_time: 2e-4/" part/case.yaml
  mpirun_ 2 "$GALE_EXE" run part --restart > logr.txt
  grep -q "Restarting from step 10" logr.txt
  "$PY" - full/results part/results <<'PYEOF'
import sys, h5py, numpy as np
a, b = (h5py.File(p + "/solution.h5", "r") for p in sys.argv[1:3])
ka, kb = sorted(a["steps"])[-1], sorted(b["steps"])[-1]
assert ka == kb == "00000020", (ka, kb)
worst = 0
for f in ("U", "p", "k", "epsilon", "nut"):
    x, y = a["steps/%s/%s" % (ka, f)][...], b["steps/%s/%s" % (kb, f)][...]
    d = np.abs(x - y).max() / np.abs(x).max()
    print("%-8s relative difference restarted vs uninterrupted %.2e" % (f, d))
    worst = max(worst, d)
sys.exit(0 if worst < 1e-7 else 1)
PYEOF
  ;;
kill9)
  # kill -9 during a run with frequent writes never leaves unreadable results
  cavity k 65 100
  sed -i -e 's/interval: 1000/interval: 2/' -e 's/max_iterations: 3000/max_iterations: 100000/' k/case.yaml
  "$GALE_EXE" run k > log.txt 2>&1 &
  pid=$!
  for i in $(seq 1 50); do [ -f k/results/solution.h5 ] && break; sleep 0.2; done
  sleep 1.3
  kill -9 $pid
  wait $pid || true
  "$PY" -c "
import h5py, xml.dom.minidom
f = h5py.File('k/results/solution.h5', 'r'); s = sorted(f['steps']); print('steps', s[:3], '...', len(s))
assert len(s) >= 1 and f['steps/' + s[-1] + '/U'].shape[0] == 65 * 65
xml.dom.minidom.parse('k/results/solution.xmf')
c = h5py.File('k/results/checkpoint.h5', 'r'); print('checkpoint ok')"
  sed -i 's/max_iterations: 100000/max_iterations: 3000/' k/case.yaml
  "$GALE_EXE" run k --restart > logr.txt
  grep -q "^status: converged" k/results/summary.yaml
  ;;
diverge)
  # no relaxation and central differencing at Re=10^4 on 16 x 16 cells blows up
  cavity d 16 10000
  sed -i -e 's/algorithm: SIMPLEC/algorithm: SIMPLE\n  relaxation: {U: 1.0, p: 1.0}/' -e 's/convection: linearUpwind/convection: linear/' \
    -e 's/interval: 1000/interval: 5/' -e 's/log_interval: 50/log_interval: 1/' d/case.yaml
  set +e
  "$GALE_EXE" run d > log.txt 2> err.txt
  rc=$?
  set -e
  cat log.txt err.txt | tail -5
  [ $rc -eq 2 ]
  grep -q "diverged at iteration [0-9]*: field [Up] .*worst cell at (" log.txt err.txt
  grep -q "^status: diverged" d/results/summary.yaml
  "$PY" -c "import h5py; f=h5py.File('d/results/solution.h5','r'); import numpy as np; k=sorted(f['steps'])[-1]; assert np.isfinite(f['steps/'+k+'/U'][...]).all(); print('last good step', k)"
  ;;
bad_input)
  cavity b 8 100
  sed -i 's/type: empty}/type: emty}/' b/case.yaml
  set +e
  mpirun_ 2 "$GALE_EXE" run b > log.txt 2> err.txt
  rc=$?
  set -e
  cat err.txt
  [ $rc -ne 0 ]
  grep -q "b/case.yaml:[0-9]*: unknown boundary type 'emty'" err.txt
  [ "$(grep -c "unknown boundary type" err.txt)" -eq 1 ]   # one message, not one per rank
  set +e
  "$GALE_EXE" run nonexistent > log.txt 2> err.txt
  rc=$?
  set -e
  cat err.txt
  [ $rc -ne 0 ] && grep -q "nonexistent" err.txt
  ;;
cavity_re100 | cavity_re1000)
  # the issue's validation: 129 x 129, Ghia within 0.02 (Re=100) / 0.03 (Re=1000), 2 ranks
  re=${name#cavity_re}
  cp -r "$GALE_SOURCE_DIR/cases/$name" c && rm -rf c/results
  mpirun_ 2 "$GALE_EXE" run c > log.txt
  tail -3 log.txt
  grep -q "^status: converged" c/results/summary.yaml
  tol=0.02; [ "$re" = 1000 ] && tol=0.03
  "$PY" "$here/ghia_compare.py" c/results "$re" $tol "$GALE_SHARED_DIR"
  # and OpenFOAM converged to 1e-8 on the same mesh (measured 1e-4 / 5e-4)
  "$PY" "$here/foam_compare.py" c/results "$re" 1e-3 "$GALE_SOURCE_DIR/bench/reference"
  ;;
flatplate_sa | flatplate_sst)
  # NASA TMR flat plate: Cf(0.97) and C_D within 2% of CFL3D's finest grid (check.py)
  cp -r "$GALE_SOURCE_DIR/cases/$name" c && rm -rf c/results
  mpirun_ 2 "$GALE_EXE" run c > log.txt
  tail -3 log.txt
  grep -q "^status: converged" c/results/summary.yaml
  "$PY" "$GALE_SOURCE_DIR/cases/$name/check.py" c "$GALE_SHARED_DIR"
  ;;
pitzdaily_laminar)
  # OpenFOAM simpleFoam on the identical mesh (bench/reference): primary
  # reattachment within 1% and inlet pressure within 2%
  cp -r "$GALE_SOURCE_DIR/cases/pitzDaily_laminar" c && rm -rf c/results
  mpirun_ 2 "$GALE_EXE" run c > log.txt
  grep -q "^status: converged" c/results/summary.yaml
  "$PY" "$GALE_SOURCE_DIR/bench/gale_pitzdaily.py" c "$GALE_SOURCE_DIR/bench/reference/openfoam_simpleFoam_res1e-5_pitzDaily_laminar.csv" | tee cmp.txt
  awk '/over_step_height/ {d=$NF; sub("%","",d); if (d < 0) d = -d; if (d > 1) bad=1} /inlet_mean_p/ {d=$NF; sub("%","",d); if (d < 0) d = -d; if (d > 2) bad=1} END {exit bad}' cmp.txt
  ;;
*)
  echo "unknown test $name" >&2
  exit 2
  ;;
esac
