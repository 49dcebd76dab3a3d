#!/usr/bin/env bash
# Case-level tests of `gale sweep` and `gale surrogate` on tiny cavity
# sweeps (12 x 12 cells, well under a second per run). usage:
#   sweep_tests.sh local       local scheduler: a failing sample, re-runs,
#                              --collect, a changed design, a polyMesh base case
#   sweep_tests.sh surrogate   train (pod-gpr, pod-rbf, mlp), predict, evaluate
# Runs in a scratch folder under the current directory.
set -euo pipefail
name=$1
: "${GALE_EXE:?}" "${GALE_SOURCE_DIR:?}"
PY=${GALE_PYTHON:-/usr/bin/python3}
work=$PWD/$name
rm -rf "$work" && mkdir -p "$work" && cd "$work"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

# cavity DIR: the cavity of cases/cavity_re100 at 12 x 12 cells
cavity() {
  mkdir -p "$1"
  sed -e "s/cells: \[129, 129, 1\]/cells: [12, 12, 1]/" -e "s/max_iterations: 3000/max_iterations: 400/" \
    "$GALE_SOURCE_DIR/cases/cavity_re100/case.yaml" > "$1/case.yaml"
}

# col MANIFEST ID COLUMN: one value of the manifest (read as CSV)
col() {
  "$PY" - "$@" <<'PYEOF'
import csv, sys
rows = {r["id"]: r for r in csv.DictReader(open(sys.argv[1]))}
print(rows[sys.argv[2]][sys.argv[3]])
PYEOF
}

expect() { # expect WHAT GOT WANT
  [ "$2" = "$3" ] || { echo "FAIL: $1 is '$2', expected '$3'"; exit 1; }
}

case $name in
local)
  cavity s
  cat > s/sweep.yaml <<'EOF'
# Re = 300 gets a divergence factor of 1e-9: that run stops as diverged
# at its first iteration (exit status 2) while the others converge.
parameters:
  Re: {values: [100, 200, 300]}
derived:
  fluid.nu: 1/Re
  solver.divergence_factor: 10^(6 - 15*floor(Re/300))
holdout:
  - {Re: -100}   # nu = -0.01: an invalid case, failed without running
EOF
  set +e
  "$GALE_EXE" sweep s --scheduler local --parallel 2 > run1.txt 2>&1
  rc=$?
  set -e
  cat run1.txt
  expect "exit status with a failed sample" $rc 1
  m=s/sweep/manifest.csv
  expect "sample_0000 status" "$(col $m sample_0000 status)" done
  expect "sample_0001 status" "$(col $m sample_0001 status)" done
  expect "sample_0002 status" "$(col $m sample_0002 status)" failed
  expect "holdout_0000 status" "$(col $m holdout_0000 status)" failed
  expect "sample_0000 converged" "$(col $m sample_0000 converged)" true
  col $m sample_0002 message | grep -q "diverged at iteration"
  col $m holdout_0000 message | grep -q "fluid.nu"
  grep -q "nu: 0.005$" s/sweep/sample_0001/case.yaml
  grep -q "divergence_factor: 1e-09$" s/sweep/sample_0002/case.yaml
  [ ! -e s/sweep/holdout_0000/log.txt ] # never started
  grep -q "^status: converged" s/sweep/sample_0000/results/summary.yaml
  [ -z "$(ls s/sweep/*.tmp 2>/dev/null)" ]
  t0=$(stat -c '%i %y' s/sweep/sample_0000/results/summary.yaml)
  t1=$(stat -c '%i %y' s/sweep/sample_0001/results/summary.yaml)

  # a re-run queues the failed run again, and only it (the invalid case is
  # checked again, not run); the finished samples are not touched
  set +e
  "$GALE_EXE" sweep s --scheduler local > run2.txt 2>&1
  set -e
  cat run2.txt
  grep -q "running 1 sample(s)" run2.txt
  grep -q "\[1/1\] sample_0002 failed" run2.txt
  expect "sample_0000 summary" "$(stat -c '%i %y' s/sweep/sample_0000/results/summary.yaml)" "$t0"
  expect "sample_0001 summary" "$(stat -c '%i %y' s/sweep/sample_0001/results/summary.yaml)" "$t1"

  # with the case fixed (same design) the failed sample runs again and succeeds
  sed -i 's|10^(6 - 15\*floor(Re/300))|1e6|' s/sweep.yaml
  set +e
  "$GALE_EXE" sweep s --scheduler local > run3.txt 2>&1
  set -e
  cat run3.txt
  grep -q "running 1 sample(s)" run3.txt
  expect "sample_0002 status after the fix" "$(col $m sample_0002 status)" done

  # --collect reads the sample folders back
  "$GALE_EXE" sweep s --collect > collect.txt
  cat collect.txt
  grep -q "4 samples: 3 done, 1 failed, 0 running, 0 pending" collect.txt

  # a sample killed with its sweep (no exit status written) is found out
  printf 'running host=%s pid=999999999\n' "$(hostname)" > s/sweep/sample_0001/job.status
  rm s/sweep/sample_0001/results/summary.yaml
  "$GALE_EXE" sweep s --collect > collect2.txt
  grep -q "sample_0001 failed: the run (pid 999999999) ended without an exit status" collect2.txt

  # a changed design is refused, naming the sample
  sed -i 's/values: \[100, 200, 300\]/values: [100, 250, 300]/' s/sweep.yaml
  set +e
  "$GALE_EXE" sweep s > run4.txt 2>&1
  rc=$?
  set -e
  cat run4.txt
  [ $rc -ne 0 ]
  grep -q "sample_0001 had other parameter values" run4.txt

  # a bad sweep file: one line naming file and line
  cavity b
  printf 'parameters:\n  Re: {values: [100, 200]}\nderived:\n  fluid.nuu: 1/Re\n' > b/sweep.yaml
  set +e
  "$GALE_EXE" sweep b > run5.txt 2>&1
  rc=$?
  set -e
  cat run5.txt
  [ $rc -eq 1 ]
  grep -q "b/sweep.yaml:4: derived value: 'fluid.nuu' is not in the base case" run5.txt

  # a base case elsewhere with an imported mesh: the samples read the base
  # case's polyMesh through a relative path, no mesh is copied
  mkdir -p p
  cat > p/sweep.yaml <<EOF
case: $GALE_SOURCE_DIR/cases/pitzDaily_laminar
parameters:
  nu: {values: [1e-3, 2e-3], set: fluid.nu}
EOF
  "$GALE_EXE" sweep p > run6.txt
  cat run6.txt
  pm=$(sed -n 's/^ *polyMesh: "\(.*\)"$/\1/p' p/sweep/sample_0001/case.yaml)
  case $pm in /*) echo "FAIL: absolute polyMesh path $pm"; exit 1 ;; esac
  [ "$(cd p/sweep/sample_0001 && cd "$pm" && pwd -P)" = "$(cd "$GALE_SOURCE_DIR/cases/pitzDaily_laminar/constant/polyMesh" && pwd -P)" ]
  [ ! -e p/sweep/sample_0001/constant ]
  "$GALE_EXE" mesh p/sweep/sample_0001 > mesh.txt
  grep -q "12225 cells" mesh.txt
  ;;

surrogate)
  cavity s
  cat > s/sweep.yaml <<'EOF'
parameters:
  Re: {box: [100, 400]}
sampling: {method: sobol, samples: 8, seed: 3}
derived:
  fluid.nu: 1/Re
holdout:
  - {Re: 180}
  - {Re: 330}
EOF
  "$GALE_EXE" sweep s --scheduler local --parallel 2 > run.txt
  cat run.txt
  grep -q "10 samples: 10 done" run.txt
  for model in pod-gpr pod-rbf mlp; do
    "$GALE_EXE" surrogate train s --model $model --out s/$model.h5 > train_$model.txt
    cat train_$model.txt
    grep -q "Training set: 8 samples, 144 cells, fields p U, scalars Cd Cl Cm" train_$model.txt
    grep -q "^  U  *3 " train_$model.txt
    grep -q "^  Cd  *[0-9.e+-]* " train_$model.txt
    "$GALE_EXE" surrogate evaluate s/$model.h5 s > eval_$model.txt
    cat eval_$model.txt
  done
  # the Gaussian process on 8 samples: U within 2 %, Cd within 2 % on the
  # held-out points (measured 0.1 % and 0.3 % when this test was written)
  "$PY" - eval_pod-gpr.txt <<'PYEOF'
import re, sys
t = open(sys.argv[1]).read()
u = float(re.search(r"field U +relL2 [0-9.]+% / ([0-9.]+)%", t).group(1))
cd = float(re.search(r"scalar Cd +rel. error [0-9.]+% / ([0-9.]+)%", t).group(1))
print("max held-out error: U %.3f%%, Cd %.3f%%" % (u, cd))
sys.exit(0 if u < 2 and cd < 2 else 1)
PYEOF
  # coefficient curves along Re: at the curve's points the same numbers as
  # `predict` gives (the curve is the model, not a fit of its own)
  "$GALE_EXE" surrogate curve s/pod-gpr.h5 Re --points 4 --csv curve.csv
  head -3 curve.csv
  "$PY" - curve.csv "$GALE_EXE" s/pod-gpr.h5 <<'PYEOF'
import csv, re, subprocess, sys
rows = list(csv.reader(open(sys.argv[1])))
assert rows[0][0].startswith("# ") and rows[1] == ["Re", "Cd", "Cd_2sigma", "Cl", "Cl_2sigma", "Cm", "Cm_2sigma"], rows[:2]
assert len(rows) == 6
for r in rows[2:]:
    out = subprocess.run([sys.argv[2], "surrogate", "predict", sys.argv[3], "Re=" + r[0], "--out", "pc"], capture_output=True, text=True, check=True).stdout
    cd = float(re.search(r"^Cd = (\S+) \+- (\S+)", out, re.M).group(1))
    assert abs(cd - float(r[1])) <= 1e-5 * abs(cd), (r, cd)
print("curve = predict at", [r[0] for r in rows[2:]])
PYEOF
  # the sweep report: every sample in the table with the manifest's numbers,
  # one plot per parameter with the models' curves
  "$GALE_EXE" post s > report.txt
  cat report.txt
  grep -q "wrote .*sweep_Re.png" report.txt
  "$PY" "$GALE_SOURCE_DIR/tests/post/check_post.py" png s/sweep/post/sweep_Re.png 1200 800
  "$PY" - s/sweep/manifest.csv s/sweep/post/sweep_report.md <<'PYEOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
md = open(sys.argv[2]).read()
assert "10 samples (8 training, 2 held out): 10 done." in md
table = {l.split("|")[1].strip(): [c.strip() for c in l.split("|")[1:-1]] for l in md.splitlines() if l.startswith("| sample_") or l.startswith("| holdout_")}
assert len(table) == len(rows) == 10
for r in rows:
    t = table[r["id"]]
    assert t[2] == r["Re"] and t[6] == r["Cd"] and t[7] == r["Cl"], (t, r)
for m in ("pod-gpr.h5", "pod-rbf.h5", "mlp.h5"):
    assert "`%s`" % m in md, m
print("sweep_report.md matches manifest.csv")
PYEOF
  # the default model file, and a prediction with its uncertainty and time
  "$GALE_EXE" surrogate train s --model pod-gpr > train.txt
  [ -f s/model.h5 ]
  "$GALE_EXE" surrogate predict s/model.h5 Re=250 --out pred > predict.txt
  cat predict.txt
  grep -q "^Cd = -[0-9.e-]* +- [0-9.e-]* (2 sigma)" predict.txt
  grep -q "^Prediction (gpr, 576 field values, 3 scalars): [0-9.]* ms" predict.txt
  ! grep -q "outside the trained range" predict.txt
  "$GALE_EXE" surrogate predict s/model.h5 Re=1000 --out pred_far > far.txt
  grep -q "warning: Re = 1000 is outside the trained range" far.txt
  set +e
  "$GALE_EXE" surrogate predict s/model.h5 Rey=250 > bad.txt 2>&1
  rc=$?
  set -e
  [ $rc -eq 1 ] && grep -q "the model has no parameter 'Rey' (it takes: Re in \[" bad.txt
  # the prediction file: the case mesh and the fields, in the solver's layout
  "$PY" - pred/prediction.h5 s/sweep/sample_0000/results/solution.h5 pred/prediction.xmf <<'PYEOF'
import sys, h5py, numpy as np, xml.dom.minidom
p, s = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
assert np.array_equal(p["mesh/points"][...], s["mesh/points"][...])
assert np.array_equal(p["mesh/topology"][...], s["mesh/topology"][...])
assert p["steps/00000000/U"].shape == (144, 3) and p["steps/00000000/p"].shape == (144,)
assert p["steps/00000000/U_2sigma"].shape == (144, 3)
assert np.isfinite(p["steps/00000000/U"][...]).all()
xml.dom.minidom.parse(sys.argv[3])
print("prediction.h5 and .xmf ok")
PYEOF
  # ParaView opens it on the case mesh (where pvpython is installed)
  if [ -n "${GALE_PVPYTHON:-}" ] && [ -x "$GALE_PVPYTHON" ]; then
    "$GALE_PVPYTHON" - "$work/pred/prediction.xmf" <<'PYEOF'
import sys
from paraview import servermanager, simple
r = simple.Xdmf3ReaderS(FileName=[sys.argv[1]])
d = servermanager.Fetch(r)
if d.IsA("vtkMultiBlockDataSet"):
    d = d.GetBlock(0)
n, cd = d.GetNumberOfCells(), d.GetCellData()
assert n == 144, n
assert cd.GetArray("U").GetNumberOfComponents() == 3 and cd.GetArray("p") is not None
print("ParaView: %d cells, arrays %s" % (n, [cd.GetArrayName(i) for i in range(cd.GetNumberOfArrays())]))
PYEOF
  else
    echo "pvpython not found: the ParaView check is skipped"
  fi
  ;;
*)
  echo "unknown test $name"
  exit 2
  ;;
esac
echo "PASS $name"
