#!/usr/bin/python3
"""Compare a Gale cavity solution's centreline profiles with OpenFOAM
v1912 simpleFoam converged to 1e-8 on the identical 129 x 129 mesh
(bench/reference/openfoam_simpleFoam_cavity_re*_*.csv: an independent code,
same mesh and schemes, so the difference measures implementation, not
discretisation error).

usage: foam_compare.py RESULTS_DIR RE TOL REFERENCE_DIR
Exits 1 if any |u - u_foam| or |v - v_foam| at the reference points exceeds TOL."""
import os
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ghia_compare import centroids, line_profile  # noqa: E402

res, re_, tol, refdir = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
with h5py.File(os.path.join(res, "solution.h5"), "r") as f:
    U = f["steps/%s/U" % sorted(f["steps"])[-1]][...]
    c = centroids(f)
worst = 0.0
for comp, axis, other, name, lid in ((0, 1, 0, "u_vertical_centerline", 1.0), (1, 0, 1, "v_horizontal_centerline", 0.0)):
    y, v = line_profile(c, U[:, comp], axis, other, 0.5, 0.0, lid)
    ref = np.loadtxt(os.path.join(refdir, "openfoam_simpleFoam_cavity_re%d_%s.csv" % (re_, name)), delimiter=",", skiprows=2)
    d = np.abs(np.interp(ref[:, 0], y, v) - ref[:, 1]).max()
    print("%s: max |gale - openfoam| = %.2e" % (name, d))
    worst = max(worst, d)
print("max difference from OpenFOAM on the same mesh at Re=%d: %.2e (tolerance %.1e)" % (re_, worst, tol))
sys.exit(0 if worst <= tol else 1)
