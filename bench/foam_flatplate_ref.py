#!/usr/bin/python3
"""Reference numbers of a converged OpenFOAM TMR flat-plate run (SA), and the
same numbers from a Gale run for comparison.

OpenFOAM: reads the latest time directory of CASE, on which
`postProcess -func writeCellCentres`, `simpleFoam -postProcess -func
wallShearStress` and `postProcess -func 'patchIntegrate(name=plate,
wallShearStress)'` have been run (the last with its log in
CASE/log.patchIntegrate):
  - Cf(x) = 2 |tau_x| / U_inf^2 on the plate faces (U_inf = 1, kinematic
    shear), Cf at x = 0.970084071 (the TMR's station) by linear
    interpolation between face centres,
  - C_D = |integral of tau_x over the plate| / (1/2 U_inf^2 A_ref), A_ref =
    plate length 2 x span 0.1 (Gale's cases/flatplate_sa `forces.reference`).
Writes them as CSV (quantity,value,unit) and prints them.

Gale (--gale CASE_DIR [REF.csv]): Cf from the wall-adjacent cells, 2 nu u_P /
y_P (what OpenFOAM's wallShearStress is on this orthogonal mesh, nu_t = 0 at
the wall), C_D from results/summary.yaml; with REF.csv the differences.

usage: foam_flatplate_ref.py CASE OUT.csv
       foam_flatplate_ref.py --gale CASE_DIR [REF.csv]
"""
import csv
import os
import re
import sys

import numpy as np

X_TMR = 0.970084071
NU = 2e-7
A_REF = 0.2


def patch_vectors(path, patch):
    with open(path) as f:
        text = f.read()
    m = re.search(r"\n\s*" + re.escape(patch) + r"\s*\{[^}]*?value\s+nonuniform\s+List<vector>\s*(\d+)\s*\(",
                  text)
    if not m:
        sys.exit(f"error: {path}: no nonuniform vector values on patch {patch}")
    n = int(m.group(1))
    body = text[m.end():]
    vals = re.findall(r"\(([^()]*)\)", body[: body.find("\n)")])
    if len(vals) != n:
        sys.exit(f"error: {path}: patch {patch}: expected {n} vectors, found {len(vals)}")
    return np.array([[float(v) for v in s.split()] for s in vals])


def foam(case, out):
    times = [d for d in os.listdir(case) if re.fullmatch(r"[0-9.eE+-]+", d) and d != "0"]
    if not times:
        sys.exit(f"error: {case}: no solution time directory")
    t = max(times, key=float)
    C = patch_vectors(os.path.join(case, t, "C"), "plate")
    tau = patch_vectors(os.path.join(case, t, "wallShearStress"), "plate")
    order = np.argsort(C[:, 0])
    x, cf = C[order, 0], 2 * np.abs(tau[order, 0])
    with open(os.path.join(case, "log.patchIntegrate")) as f:
        m = re.search(r"areaIntegrate\(plate\) of wallShearStress = \(([-+0-9.eE]+)", f.read())
    if not m:
        sys.exit(f"error: {case}/log.patchIntegrate: no 'areaIntegrate(plate) of wallShearStress'")
    rows = [("iterations", t, "-"),
            ("Cf_at_x=0.970084071", "%.6e" % np.interp(X_TMR, x, cf), "-"),
            ("CD_total_plate", "%.6e" % (abs(float(m.group(1))) / (0.5 * A_REF)), "-")]
    with open(os.path.join(case, "system", "fvSolution")) as f:
        rc = re.search(r"residualControl\s*\{\s*p\s+([^;]+);", f.read())
    tmp = out + ".tmp"
    with open(tmp, "w") as f:
        f.write("# OpenFOAM v1912 simpleFoam SpalartAllmaras, TMR flat plate, nu 2e-7, U 1, Gale's 136 x 96 "
                f"mesh (13056 cells), residualControl {rc.group(1) if rc else '?'} (bench/openfoam_cases.sh)\n")
        f.write("quantity,value,unit\n")
        for r in rows:
            f.write(",".join(r) + "\n")
    os.replace(tmp, out)
    for r in rows:
        print(f"  {r[0]} = {r[1]}")


def gale(case, ref_path):
    import h5py

    with h5py.File(os.path.join(case, "results/solution.h5"), "r") as f:
        step = sorted(f["steps"])[-1]
        U = f["steps/%s/U" % step][...]
        pts = f["mesh/points"][...]
        topo = f["mesh/topology"][...]
    cent, i = [], 0
    while i < len(topo):  # XDMF mixed polyhedra: type, nfaces, (n, ids...) per face
        nf = topo[i + 1]
        i += 2
        ids = set()
        for _ in range(nf):
            n = topo[i]
            ids.update(topo[i + 1:i + 1 + n].tolist())
            i += 1 + n
        cent.append(pts[sorted(ids)].mean(axis=0))
    cent = np.array(cent)
    wall = (np.abs(cent[:, 1] - cent[:, 1].min()) < 1e-12) & (cent[:, 0] > 0)
    x, yP, uP = cent[wall, 0], cent[wall, 1], U[wall, 0]
    order = np.argsort(x)
    vals = {"Cf_at_x=0.970084071": np.interp(X_TMR, x[order], (2 * NU * uP / yP)[order])}
    with open(os.path.join(case, "results/summary.yaml")) as fh:
        for line in fh:
            if line.strip().startswith("coefficients:"):
                vals["CD_total_plate"] = float(line.split("Cd:")[1].split(",")[0])
    ref = {}
    if ref_path:
        with open(ref_path) as fh:
            for r in csv.reader(l for l in fh if not l.startswith("#")):
                if r and r[0] != "quantity":
                    ref[r[0]] = float(r[1])
    for k, v in vals.items():
        line = "%-24s %12.6e" % (k, v)
        if k in ref:
            line += "   OpenFOAM %12.6e   diff %+.3f%%" % (ref[k], 100 * (v / ref[k] - 1))
        print(line)


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "--gale":
        gale(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None)
    elif len(sys.argv) == 3:
        foam(sys.argv[1], sys.argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
