#!/usr/bin/python3
"""Case regression test of the octree mesher: cases/cylinder_re20 (Schafer &
Turek 2D-1, Re 20) meshed from its generated STL and solved with `gale run`.

Reference: c_D = 5.57953523384 (FEATFLOW high-accuracy value,
shared/validation/schaefer_turek_featflow_highprecision_2d1.csv). The mesh
is snapped (the boundary points of the level-6 cylinder, 128 cells per
diameter, lie on the 256-gon), so c_D is within the issue's target of 1 %
(+0.06 % when this test was written; the castellated staircase gave
+1.2 %); the test accepts |error| <= 1 %, and also checks c_L against
0.010619 within 0.003, and Delta_p and L_a inside the 1996 intervals
(cases/cylinder_re20/check.py: 0.1175 and 0.0848 when written).

Environment: GALE_EXE (the gale executable), GALE_SOURCE_DIR."""
import os
import re
import shutil
import subprocess
import sys
import tempfile

CD_REF, CL_REF = 5.57953523384, 0.010618948146

src = os.path.join(os.environ["GALE_SOURCE_DIR"], "cases", "cylinder_re20")
tmp = tempfile.mkdtemp(prefix="gale_cylinder_")
try:
    for f in ("case.yaml", "make_stl.py"):
        shutil.copy(os.path.join(src, f), tmp)
    subprocess.run([sys.executable, os.path.join(tmp, "make_stl.py")], check=True)
    run = subprocess.run([os.environ["GALE_EXE"], "run", tmp], capture_output=True, text=True)
    print(run.stdout[-3000:], run.stderr[-3000:])
    if run.returncode != 0:
        sys.exit("gale run failed with status %d" % run.returncode)
    with open(os.path.join(tmp, "results", "summary.yaml")) as f:
        summary = f.read()
    m = re.search(r"coefficients: \{Cd: ([-0-9.eE+]+), Cl: ([-0-9.eE+]+)", summary)
    cd, cl = float(m.group(1)), float(m.group(2))
    err = (cd - CD_REF) / CD_REF
    print("c_D = %.5f (reference %.5f, %+.2f %%), c_L = %.5f (reference %.5f)" % (cd, CD_REF, 100 * err, cl, CL_REF))
    if "converged: true" not in summary:
        sys.exit("not converged")
    if abs(err) > 0.01:
        sys.exit("c_D off the reference by more than 1 %")
    if "snap:" not in run.stdout:
        sys.exit("the mesher did not snap")
    if abs(cl - CL_REF) > 0.003:
        sys.exit("c_L off the reference by more than 0.003")
    # Delta_p and L_a inside the 1996 paper's intervals (Schafer & Turek,
    # shared/validation/schaefer_turek1996_cylinder2d_re20.csv): the case's
    # check.py reconstructs them from the cell values and exits 1 otherwise
    shared = os.environ.get("GALE_SHARED_DIR", os.path.join(os.environ["GALE_SOURCE_DIR"], "..", "shared"))
    chk = subprocess.run([sys.executable, os.path.join(src, "check.py"), tmp, shared], capture_output=True, text=True)
    print(chk.stdout, chk.stderr)
    if chk.returncode != 0:
        sys.exit("Delta_p or L_a outside the published interval (or check.py failed)")
finally:
    shutil.rmtree(tmp, ignore_errors=True)
