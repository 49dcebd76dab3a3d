#!/usr/bin/python3
"""Compare a Gale cavity solution with Ghia, Ghia & Shin (1982).

usage: ghia_compare.py RESULTS_DIR RE TOL [SHARED_DIR]
Reads RESULTS_DIR/solution.h5 (last step), samples u(y) on x = 0.5 and
v(x) on y = 0.5 by linear interpolation between cell centres (wall values
from the boundary conditions: u = 1 on the lid, 0 elsewhere), and compares
with shared/validation/ghia1982_cavity_*.csv at every tabulated point.
Exits 1 if any deviation exceeds TOL (lid-speed units)."""
import csv
import os
import sys

import h5py
import numpy as np


def centroids(f):
    pts = f["mesh/points"][...]
    topo = f["mesh/topology"][...]
    cents = []
    i = 0
    while i < len(topo):
        assert topo[i] == 16, "expected polyhedra"
        nf = topo[i + 1]
        i += 2
        ids = set()
        for _ in range(nf):
            n = topo[i]
            ids.update(topo[i + 1:i + 1 + n].tolist())
            i += 1 + n
        cents.append(pts[sorted(ids)].mean(axis=0))
    return np.array(cents)


def line_profile(c, val, axis, other, at, lo_val, hi_val):
    """values along coordinate `axis` on the line where coordinate `other` == at"""
    xs = np.unique(np.round(c[:, other], 12))
    near = xs[np.argsort(np.abs(xs - at))[:2]]
    prof = {}
    for x in near:
        sel = np.abs(c[:, other] - x) < 1e-9
        order = np.argsort(c[sel, axis])
        prof[x] = (c[sel, axis][order], val[sel][order])
    if len(near) == 1 or abs(near[0] - at) < 1e-9:
        y, v = prof[near[0]]
    else:  # interpolate between the two columns straddling the line
        (y0, v0), (y1, v1) = prof[near[0]], prof[near[1]]
        t = (at - near[0]) / (near[1] - near[0])
        y, v = y0, v0 + t * (v1 - v0)
    y = np.concatenate(([0.0], y, [1.0]))
    v = np.concatenate(([lo_val], v, [hi_val]))
    return y, v


def main():
    res, re, tol = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    shared = sys.argv[4] if len(sys.argv) > 4 else os.path.join(os.path.dirname(__file__), "../../../shared")
    with h5py.File(os.path.join(res, "solution.h5"), "r") as f:
        step = sorted(f["steps"].keys())[-1]
        U = f["steps/" + step + "/U"][...]
        c = centroids(f)
    worst = 0.0
    for name, comp, axis, other, lo, hi in (("u_vertical_centerline", 0, 1, 0, 0.0, 1.0),
                                            ("v_horizontal_centerline", 1, 0, 1, 0.0, 0.0)):
        y, v = line_profile(c, U[:, comp], axis, other, 0.5, lo, hi)
        path = os.path.join(shared, "validation", "ghia1982_cavity_%s.csv" % name)
        with open(path) as fh:
            rows = list(csv.DictReader(fh))
        key = ("u_Re%d" if comp == 0 else "v_Re%d") % re
        coord = "y" if comp == 0 else "x"
        for r in rows:
            g = float(r[key])
            s = np.interp(float(r[coord]), y, v)
            worst = max(worst, abs(s - g))
            if abs(s - g) > tol:
                print("%s %s=%s: gale %.5f ghia %.5f diff %.5f" % (key, coord, r[coord], s, g, s - g))
    print("max deviation from Ghia et al. (1982) at Re=%d: %.5f (tolerance %.3f)" % (re, worst, tol))
    sys.exit(0 if worst <= tol else 1)


if __name__ == "__main__":
    main()
