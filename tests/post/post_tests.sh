#!/usr/bin/env bash
# Tests of `gale post` (postproc/post.c and postproc/gale_*.py).
# usage: post_tests.sh NAME; runs in a scratch folder under the current
# directory. Exit 77 (skipped) when a tool the test needs is missing.
set -euo pipefail
name=$1
: "${GALE_EXE:?}" "${GALE_SOURCE_DIR:?}"
PY=${GALE_PYTHON:-/usr/bin/python3}
here=$(cd "$(dirname "$0")" && pwd)
check() { "$PY" "$here/check_post.py" "$@"; }
work=$PWD/$name
rm -rf "$work" && mkdir -p "$work" && cd "$work"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

skip() { echo "skipped: $*"; exit 77; }
need_python() {
  for m in numpy h5py matplotlib; do
    "$PY" -c "import $m" 2>/dev/null || skip "$PY cannot import $m (apt-get install python3-$m)"
  done
}
# cavity CASE N: the default cavity case (with forces on the lid) at N x N cells
cavity() {
  mkdir -p "$1"
  sed -e "s/cells: \[129, 129, 1\]/cells: [$2, $2, 1]/" "$GALE_SOURCE_DIR/cases/cavity_re100/case.yaml" > "$1/case.yaml"
  "$GALE_EXE" run "$1" > "$1.log"
}
# expect STATUS LOG PATTERN -- command...: exit status and a line of output
expect() {
  local want=$1 log=$2 pat=$3 rc=0
  shift 4
  "$@" > "$log" 2>&1 || rc=$?
  cat "$log"
  [ "$rc" = "$want" ] || { echo "FAIL: exit status $rc, expected $want: $*"; exit 1; }
  grep -q -- "$pat" "$log" || { echo "FAIL: no line matching '$pat' in the output of: $*"; exit 1; }
}

case $name in
plots_summary)
  # PNG sizes from the IHDR chunk; summary.md equal to summary.yaml, its
  # statistics equal to numpy's over forces.csv
  need_python
  cavity cav 17
  expect 0 post.log "results in" -- "$GALE_EXE" post cav --last 20
  check png cav/results/post/residuals.png 1200 800
  check png cav/results/post/forces.png 1200 800
  check summary cav/results 20
  expect 0 post2.log "results in" -- "$GALE_EXE" post cav --size 640x480
  check png cav/results/post/residuals.png 640 480
  check png cav/results/post/forces.png 640 480
  check summary cav/results 100
  # at 2 ranks rank 0 does the work and all ranks exit 0
  expect 0 post3.log "results in" -- mpirun --oversubscribe -np 2 "$GALE_EXE" post cav --last 7
  check summary cav/results 7
  ;;
line_linear)
  # p = 1 + 2x + 3y - z and a linear U, written by hand on graded hexahedra
  # (3D) and on a one-cell-thick mesh (2D): sampled exactly (1e-10) by the
  # least-squares reconstruction; points outside the mesh are NaN
  need_python
  for d in 3d 2d; do
    mkdir -p lin$d/results
    check write-linear lin$d/results $d
    expect 0 lin$d.log "wrote .*line.csv" -- "$GALE_EXE" post lin$d --line -0.2,-0.9,0.3:2.1,0.95,1.2 --points 57 --size 800x600
    check line-exact lin$d/results/post/line.csv $d
    check png lin$d/results/post/line.png 800 600
    grep -q "8 of 57 points are in no cell" lin$d.log
  done
  # a reference CSV (here the exact p along x on y = 0.1, z = 0.5) is
  # compared at its own abscissae
  printf 'x,ref_p\n0.25,%s\n1.0,%s\n1.75,%s\n' 1.3 2.8 4.3 > ref.csv
  expect 0 ref.log "p vs reference: max |difference|" -- "$GALE_EXE" post lin3d --line 0,0.1,0.5:2,0.1,0.5 --points 9 --reference ref.csv --reference-columns ref_p=p
  d=$(sed -n 's/.*p vs reference: max |difference| \([^ ]*\) .*/\1/p' ref.log)
  awk "BEGIN{exit !($d < 1e-12)}" || { echo "FAIL: reference difference $d"; exit 1; }
  # --step picks a written step; a missing one is a clear error
  expect 1 step.log "step 3 is not in" -- "$GALE_EXE" post lin3d --line 0,0,0:1,0,0 --step 3
  expect 0 step7.log "wrote .*line.csv" -- "$GALE_EXE" post lin3d --line 0,0,0:1,0,0 --step 7 --fields p
  head -1 lin3d/results/post/line.csv | grep -qx "s,x,y,z,p"
  ;;
partial)
  need_python
  cavity cav 17
  # a crashed or running run: no summary.yaml, no solution.h5, a half-written
  # last line in residuals.csv: plots and summary from what is there, exit 0
  mkdir -p crash/results
  cp cav/results/forces.csv crash/results/
  head -c -25 cav/results/residuals.csv > crash/results/residuals.csv
  expect 0 crash.log "no summary.yaml: the run is still going" -- "$GALE_EXE" post crash --line 0,0,0:1,1,0 --pictures
  grep -q "no solution.h5 (no step written yet): no line.csv" crash.log
  grep -q "skipped 1 incomplete row" crash.log
  check png crash/results/post/residuals.png 1200 800
  check png crash/results/post/forces.png 1200 800
  grep -q "| status | unknown (no summary.yaml) |" crash/results/post/summary.md
  # only a header in residuals.csv: nothing to produce, exit 1 with a message
  mkdir -p early/results
  head -1 cav/results/residuals.csv > early/results/residuals.csv
  expect 1 early.log "nothing could be produced" -- "$GALE_EXE" post early
  # no results folder, bad options: exit 1 with a message
  mkdir -p never
  expect 1 never.log "no never/results: run the case first" -- "$GALE_EXE" post never
  expect 1 bad.log "expected x0,y0,z0:x1,y1,z1" -- "$GALE_EXE" post cav --line 0,0:1,1
  expect 1 bad2.log "go with --pictures" -- "$GALE_EXE" post cav --slice-normal 0,0,1
  # a missing Python module or interpreter is reported, not hidden
  expect 1 nopy.log "cannot start /nonexistent/python3" -- env GALE_PYTHON=/nonexistent/python3 "$GALE_EXE" post cav
  ;;
pictures)
  # slice and streamlines at the requested size, colour-mapped (not blank)
  need_python
  command -v pvbatch > /dev/null || skip "pvbatch not found (apt-get install paraview python3-paraview)"
  command -v xvfb-run > /dev/null || skip "xvfb-run not found (apt-get install xvfb xauth)"
  cavity cav 17
  expect 0 pic.log "wrote .*streamlines.png" -- "$GALE_EXE" post cav --pictures --size 640x480
  check png cav/results/post/slice_U.png 640 480 --picture
  check png cav/results/post/streamlines.png 640 480 --picture
  # 2D (empty front and back): Cp along the walls of the forces patch, as a plot
  grep -q "wrote .*surface_cp.png" pic.log
  check png cav/results/post/surface_cp.png 640 480 --picture
  # 3D: the same cavity 6 cells deep between walls; the surfaces rendered
  mkdir -p cav3
  sed -e '/^# gale post --pictures/,$d' -e "s/cells: \[129, 129, 1\]/cells: [8, 8, 6]/" -e "s/\[1, 1, 0.1\]/[1, 1, 0.6]/" -e "s/frontAndBack: {type: empty}/frontAndBack: {type: wall}/" \
    "$GALE_SOURCE_DIR/cases/cavity_re100/case.yaml" > cav3/case.yaml
  cat >> cav3/case.yaml <<'EOF'
post:
  slice: {origin: [0.5, 0.3, 0.3], normal: [0, 1, 0], box: {min: [0, 0, 0], max: [1, 1, 0.5]}}
  streamlines: {from: [0.5, 0.05, 0.3], to: [0.5, 0.95, 0.3], seeds: 12}
  surface: {patches: [fixedWalls, movingWall], p_ref: 0}
EOF
  "$GALE_EXE" run cav3 > cav3.log
  check boundary-force cav3/results movingWall
  expect 0 pic3d.log "wrote .*surface_cp.png" -- "$GALE_EXE" post cav3 --pictures --size 800x600
  grep -q "slice plane through (0.5, 0.3, 0.3) normal (0, 1, 0)" pic3d.log
  grep -q "12 seeds" pic3d.log
  grep -q "framed to the box (0, 0, 0)-(1, 1, 0.5)" pic3d.log
  grep -q "Cp on fixedWalls, movingWall" pic3d.log
  check png cav3/results/post/surface_cp.png 800 600 --picture
  # the command line overrides the case file
  expect 0 pic3e.log "slice plane through (0.5, 0.5, 0.5) normal (0, 0, 1)" -- "$GALE_EXE" post cav3 --pictures --slice-origin 0.5,0.5,0.5 --slice-normal 0,0,1
  sed -i "s/patches: \[fixedWalls, movingWall\]/patches: [nowhere]/" cav3/case.yaml
  expect 0 pic3f.log "cannot be read" -- "$GALE_EXE" post cav3 --pictures
  expect 0 pic2.log "wrote .*slice_U.png" -- "$GALE_EXE" post cav --pictures --slice-normal 0,1,0 --slice-origin 0.5,0.3,0.05 --seed-line 0.5,0.05,0.05:0.5,0.95,0.05 --seeds 10
  check png cav/results/post/slice_U.png 1200 800 --picture
  expect 1 pic3.log "misses the mesh" -- "$GALE_EXE" post cav --pictures --slice-origin 5,5,5
  ;;
*)
  echo "unknown test $name"
  exit 2
  ;;
esac
echo "PASS $name"
