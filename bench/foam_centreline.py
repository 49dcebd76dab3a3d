#!/usr/bin/python3
"""Centreline profiles of a converged OpenFOAM lid-driven cavity run, compared
with Ghia, Ghia & Shin (1982).

Reads the cell centres C and velocity U that OpenFOAM wrote (ascii) in one time
directory of a serial run on the 129 x 129 unit-square cavity. With an odd
number of cells the lines x = 0.5 and y = 0.5 pass through cell centres, so
the profiles are the solver's own cell values, no interpolation:
u(y) on x = 0.5 and v(x) on y = 0.5, plus the wall values (u = 1 on the lid,
0 on the other walls). They are written as CSV and compared with Ghia's
tabulated points (shared/validation/ghia1982_cavity_*.csv) by linear
interpolation of the profile to Ghia's coordinates.

usage: foam_centreline.py TIMEDIR RE OUT_PREFIX [--ghia-dir DIR] [--label TEXT]
writes OUT_PREFIX_u_vertical_centerline.csv and OUT_PREFIX_v_horizontal_centerline.csv;
prints one line: max |u - u_Ghia| (at y), max |v - v_Ghia| (at x).
"""
import argparse
import os
import re
import sys

import numpy as np


def read_internal_vectors(path):
    """internalField of an ascii OpenFOAM volVectorField (nonuniform list)."""
    with open(path) as f:
        text = f.read()
    m = re.search(r"internalField\s+nonuniform\s+List<vector>\s*(\d+)\s*\(", text)
    if not m:
        sys.exit(f"error: {path}: no 'internalField nonuniform List<vector>' "
                 "(is the field ascii and non-uniform?)")
    n = int(m.group(1))
    body = text[m.end():]
    nums = re.findall(r"\(([^()]*)\)", body[: body.find("\n)")])
    if len(nums) != n:
        sys.exit(f"error: {path}: header says {n} vectors, found {len(nums)}")
    return np.array([[float(v) for v in s.split()] for s in nums])


def profile(C, U, axis_fixed, comp, wall_lo, wall_hi, tol=1e-6):
    """Values of U[:,comp] on the line coordinate[axis_fixed] == 0.5, sorted
    along the other in-plane axis, with wall values appended at 0 and 1."""
    other = 1 - axis_fixed
    sel = np.abs(C[:, axis_fixed] - 0.5) < tol
    if sel.sum() < 3:
        sys.exit("error: no cell centres on the centreline; expected an odd "
                 "number of cells per direction on the unit square")
    s = C[sel, other]
    val = U[sel, comp]
    order = np.argsort(s)
    s = np.concatenate(([0.0], s[order], [1.0]))
    val = np.concatenate(([wall_lo], val[order], [wall_hi]))
    return s, val


def compare(s, val, ghia_csv, column, coord_name):
    data = np.genfromtxt(ghia_csv, delimiter=",", names=True)
    gs, gv = data[coord_name], data[column]
    ours = np.interp(gs, s, val)
    dev = np.abs(ours - gv)
    k = int(np.argmax(dev))
    return dev.max(), gs[k], np.sqrt(np.mean(dev ** 2))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("timedir")
    ap.add_argument("re", type=int, choices=[100, 400, 1000, 3200, 5000, 7500, 10000])
    ap.add_argument("out_prefix")
    ap.add_argument("--ghia-dir", default=os.environ.get(
        "GHIA_DIR", os.path.join(here, "..", "..", "shared", "validation")))
    ap.add_argument("--label", default="OpenFOAM")
    a = ap.parse_args()
    for d in (a.ghia_dir, "/work/shared/validation"):
        if os.path.exists(os.path.join(d, "ghia1982_cavity_u_vertical_centerline.csv")):
            a.ghia_dir = d
            break
    else:
        sys.exit(f"error: Ghia data not found in {a.ghia_dir} (set GHIA_DIR)")

    C = read_internal_vectors(os.path.join(a.timedir, "C"))
    U = read_internal_vectors(os.path.join(a.timedir, "U"))
    if len(C) != len(U):
        sys.exit(f"error: {a.timedir}: C has {len(C)} cells, U has {len(U)}")

    y, u = profile(C, U, 0, 0, 0.0, 1.0)   # x = 0.5: u(y), lid u = 1 at y = 1
    x, v = profile(C, U, 1, 1, 0.0, 0.0)   # y = 0.5: v(x)
    os.makedirs(os.path.dirname(os.path.abspath(a.out_prefix)), exist_ok=True)
    src = f"# {a.label}, cavity Re={a.re}, 129x129 cells, cell-centre values on the centreline plus wall values"
    for name, hdr, s, val in (("u_vertical_centerline", "y,u", y, u),
                              ("v_horizontal_centerline", "x,v", x, v)):
        path = f"{a.out_prefix}_{name}.csv"
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            f.write(src + "\n" + hdr + "\n")
            for si, vi in zip(s, val):
                f.write(f"{si:.8f},{vi:.8e}\n")
        os.replace(tmp, path)

    du, yu, ru = compare(y, u, os.path.join(a.ghia_dir, "ghia1982_cavity_u_vertical_centerline.csv"),
                         f"u_Re{a.re}", "y")
    dv, xv, rv = compare(x, v, os.path.join(a.ghia_dir, "ghia1982_cavity_v_horizontal_centerline.csv"),
                         f"v_Re{a.re}", "x")
    print(f"{a.label} Re={a.re}: max|u-u_Ghia| = {du:.4f} at y={yu:.4f} (rms {ru:.4f}); "
          f"max|v-v_Ghia| = {dv:.4f} at x={xv:.4f} (rms {rv:.4f})")


if __name__ == "__main__":
    main()
