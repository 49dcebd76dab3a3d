#!/usr/bin/python3
"""Reference numbers of a converged OpenFOAM pitzDaily run (laminar or RANS).

Reads, from the latest time directory of CASE (a serial run on which
`postProcess -func writeCellCentres`, `simpleFoam -postProcess -func
wallShearStress` and `postProcess -func 'patchAverage(name=inlet,p)'` have
been run, the last with its log in CASE/log.patchAverage):
  - separation and reattachment points on lowerWall and upperWall, from sign
    changes of the x wall shear stress (linear interpolation between face
    centres); the primary recirculation behind the step ends at the lower
    wall's last reattachment point x_r,
  - area-averaged kinematic pressure on the inlet (outlet p = 0): the
    pressure drop through the channel.
Writes them as CSV (quantity,value,unit) and prints them.

usage: foam_pitzdaily_ref.py CASE OUT.csv
"""
import os
import re
import sys

import numpy as np


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


def sign_changes(x, tau):
    """Zero crossings of tau_x(x), x sorted: [(x0, 'separation'|'reattachment')].
    OpenFOAM's wallShearStress is -(nu (grad U + grad U^T)) . n_wall with n_wall
    pointing out of the fluid, so forward (+x) near-wall flow gives tau_x < 0."""
    out = []
    for i in range(len(x) - 1):
        a, b = tau[i], tau[i + 1]
        if a == 0 or a * b >= 0:
            continue
        x0 = x[i] - a * (x[i + 1] - x[i]) / (b - a)
        out.append((x0, "reattachment" if b < 0 else "separation"))
    return out


def residual_control(case):
    with open(os.path.join(case, "system", "fvSolution")) as f:
        m = re.search(r"residualControl\s*\{\s*p\s+([^;]+);", f.read())
    return m.group(1) if m else "?"


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    case, out = sys.argv[1], sys.argv[2]
    times = [d for d in os.listdir(case) if re.fullmatch(r"[0-9.eE+-]+", d) and d != "0"]
    if not times:
        sys.exit(f"error: {case}: no solution time directory")
    t = max(times, key=float)
    rows = [("iterations", t, "-")]
    for patch in ("lowerWall", "upperWall"):
        C = patch_vectors(os.path.join(case, t, "C"), patch)
        tau = patch_vectors(os.path.join(case, t, "wallShearStress"), patch)
        # Walls downstream of the step (x > 0), excluding the vertical step face.
        horiz = np.abs(C[:, 0]) > 1e-9
        sel = (C[:, 0] > 0) & horiz
        order = np.argsort(C[sel, 0])
        x, tx = C[sel, 0][order], tau[sel, 0][order]
        count = {"separation": 0, "reattachment": 0}
        for x0, kind in sign_changes(x, tx):
            count[kind] += 1
            rows.append((f"{patch}_{kind}_{count[kind]}_x", f"{x0:.6f}", "m"))
    with open(os.path.join(case, "log.patchAverage")) as f:
        m = re.search(r"areaAverage\(inlet\) of p = ([-+0-9.eE]+)", f.read())
    if not m:
        sys.exit(f"error: {case}/log.patchAverage: no 'areaAverage(inlet) of p'")
    rows.append(("inlet_mean_p", m.group(1), "m^2/s^2 (kinematic; outlet p = 0)"))
    lower_r = [r for r in rows if r[0].startswith("lowerWall_reattachment")]
    if lower_r:
        xr = float(lower_r[-1][1])
        rows.append(("lowerWall_reattachment_over_step_height", f"{xr / 0.0254:.4f}", "x_r / h, h = 25.4 mm"))
    tmp = out + ".tmp"
    with open(os.path.join(case, "constant", "turbulenceProperties")) as f:
        m = re.search(r"RASModel\s+(\w+);", f.read())
    flow = f"{m.group(1)} (wall functions), nu 1e-5" if m else "laminar, nu 1e-3"
    with open(tmp, "w") as f:
        f.write(f"# OpenFOAM v1912 simpleFoam, pitzDaily {flow}, inlet 10 m/s, 12225 cells; "
                f"bounded Gauss linearUpwind, residualControl {residual_control(case)} "
                "(bench/openfoam_cases.sh)\n")
        f.write("quantity,value,unit\n")
        for r in rows:
            f.write(",".join(r) + "\n")
    os.replace(tmp, out)
    for r in rows:
        print(f"  {r[0]} = {r[1]} {r[2]}")


if __name__ == "__main__":
    main()
