#!/usr/bin/python3
"""Flat-plate check against the NASA TMR (shared/validation/nasa_tmr_flatplate_*),
for the SA case or, when case.yaml names kOmegaSST, against the TMR SST-V values.

usage: check.py [CASE_DIR] [SHARED_DIR]
Cf(x) on the plate from the wall-adjacent cells (Cf = 2 nu u_P / y_P, exact
for the linear viscous sublayer the y+ < 1 mesh resolves), Cf at
x = 0.970084071 and C_D from summary.yaml, compared with CFL3D's finest
grid; writes results/cf.csv and results/cf.png (Cf(x) against the TMR curve).
"""
import csv
import os
import sys

import h5py
import numpy as np

case = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
shared = sys.argv[2] if len(sys.argv) > 2 else os.path.join(case, "../../../shared")
nu = 2e-7
f = h5py.File(os.path.join(case, "results/solution.h5"), "r")
step = sorted(f["steps"])[-1]
U = f["steps/%s/U" % step][...]
pts = f["mesh/points"][...]
topo = f["mesh/topology"][...]
cent, i = [], 0
while i < len(topo):
    nf = topo[i + 1]
    i += 2
    ids = set()
    for _ in range(nf):
        n = topo[i]
        ids.update(topo[i + 1:i + 1 + n].tolist())
        i += 1 + n
    cent.append(pts[sorted(ids)].mean(axis=0))
cent = np.array(cent)
ymin = cent[:, 1].min()
wall = (np.abs(cent[:, 1] - ymin) < 1e-12) & (cent[:, 0] > 0)
x, yP, uP = cent[wall, 0], cent[wall, 1], U[wall, 0]
order = np.argsort(x)
x, cf = x[order], (2 * nu * uP / yP)[order]
cf097 = np.interp(0.970084071, x, cf)
sst = "kOmegaSST" in open(os.path.join(case, "case.yaml")).read()
tmr_model, dist = ("SST-Vm", "sstvm") if sst else ("SA", "sa")
ref = {}
with open(os.path.join(shared, "validation/nasa_tmr_flatplate_2dzp.csv")) as fh:
    for r in csv.DictReader(fh):
        if r["model"] == tmr_model and r["code"] == "CFL3D" and r["grid"] == "545x385":
            ref = r
cd = None
with open(os.path.join(case, "results/summary.yaml")) as fh:
    for line in fh:
        if line.strip().startswith("coefficients:"):
            cd = float(line.split("Cd:")[1].split(",")[0])
cf_ref, cd_ref = float(ref["Cf_at_x=0.970084071"]), float(ref["CD_total_plate"])
print(tmr_model + ": Cf(0.97) = %.5e  TMR CFL3D 545x385 %.5e  (%+.2f%%)" % (cf097, cf_ref, 100 * (cf097 / cf_ref - 1)))
if cd is not None:
    print("C_D      = %.5e  TMR CFL3D 545x385 %.5e  (%+.2f%%)" % (cd, cd_ref, 100 * (cd / cd_ref - 1)))
np.savetxt(os.path.join(case, "results/cf.csv"), np.c_[x, cf], delimiter=",", header="x,cf", comments="")
try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    tx, tc = [], []
    with open(os.path.join(shared, "validation/nasa_tmr_flatplate_cf_distribution_%s.csv" % dist)) as fh:
        for r in csv.DictReader(fh):
            if r["code"] == "CFL3D":
                tx.append(float(r["x"]))
                tc.append(float(r["cf"]))
    plt.figure(figsize=(7, 4.5))
    plt.plot(tx, tc, "k-", label="TMR CFL3D 545x385")
    plt.plot(x, cf, "r.", ms=3, label="Gale (%s)" % ("SST" if sst else "SA"))
    plt.ylim(0, 0.006)
    plt.xlabel("x")
    plt.ylabel("Cf")
    plt.title("Flat plate, Re = 5e6/m, " + ("k-omega SST" if sst else "Spalart-Allmaras"))
    plt.legend()
    plt.savefig(os.path.join(case, "results/cf.png"), dpi=100)
except ImportError:
    pass
ok = abs(cf097 / cf_ref - 1) < 0.02 and (cd is None or abs(cd / cd_ref - 1) < 0.02)
sys.exit(0 if ok else 1)
