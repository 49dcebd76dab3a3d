#!/usr/bin/python3
"""NACA 0012 check against the NASA TMR (shared/validation/nasa_tmr_naca0012_clcd_alpha0_10.csv).

usage: check.py [CASE_DIR] [SHARED_DIR]
Reads C_L and C_D from CASE_DIR/results/summary.yaml and the angle of attack
from the farfield velocity in CASE_DIR/case.yaml (alpha 0 or 10 degrees),
and compares them with CFL3D's results for the case's model (SA, or SSTm
for kOmegaSST) on the TMR's 897x257 C-grid (farfield ~500 chords, M =
0.15; the other codes of that model on the TMR page are printed for the
spread). Targets: C_L within 2% (alpha 10;
|C_L| < 0.005 at alpha 0), C_D within 5%. Exit status 0 when both are met.
"""
import csv
import math
import os
import re
import sys

case = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
shared = sys.argv[2] if len(sys.argv) > 2 else os.path.join(case, "../../../shared")

with open(os.path.join(case, "case.yaml")) as fh:
    text = fh.read()
m = re.search(r"farfield:\s*\{[^}]*U:\s*\[([^\]]*)\]", text)
ux, uy = (float(v) for v in m.group(1).split(",")[:2])
alpha = round(math.degrees(math.atan2(uy, ux)), 6)
if alpha not in (0, 10):
    sys.exit("check.py: alpha = %g deg; the TMR reference has alpha 0 and 10 only" % alpha)

cl = cd = None
with open(os.path.join(case, "results/summary.yaml")) as fh:
    for line in fh:
        if line.strip().startswith("coefficients:"):
            cd = float(line.split("Cd:")[1].split(",")[0])
            cl = float(line.split("Cl:")[1].split(",")[0])
        if line.strip().startswith("iterations:"):
            its = line.split(":")[1].strip()
if cl is None:
    sys.exit("check.py: no coefficients in %s/results/summary.yaml" % case)

# the TMR rows of the case's model: SA, or SSTm (Menter SST as Gale's
# kOmegaSST, production nu_t S^2) for kOmegaSST
m = re.search(r"^turbulence:\s*\n\s*model:\s*(\w+)", text, re.M)
model = {"SpalartAllmaras": "SA", "kOmegaSST": "SSTm"}.get(m.group(1) if m else "", None)
if model is None:
    sys.exit("check.py: the TMR reference has SA and SST results only (turbulence.model in %s/case.yaml)" % case)

a = int(alpha)
rows = []
with open(os.path.join(shared, "validation/nasa_tmr_naca0012_clcd_alpha0_10.csv")) as fh:
    for r in csv.DictReader(fh):
        if r["model"] == model:
            rows.append(r)
ref = next(r for r in rows if r["code"] == "CFL3D")
cd_ref = float(ref["CD_alpha%d" % a])
print("NACA 0012, Re 6e6, alpha %d deg, %s; Gale after %s iterations" % (a, model, its))
ok = abs(cd / cd_ref - 1) < 0.05
if a == 10:
    cl_ref = float(ref["CL_alpha10"])
    cls = [float(r["CL_alpha10"]) for r in rows]
    print("C_L = %.4f   TMR CFL3D %.4f  (%+.2f%%)   %s codes %.4f .. %.4f" % (cl, cl_ref, 100 * (cl / cl_ref - 1), model, min(cls), max(cls)))
    ok = ok and abs(cl / cl_ref - 1) < 0.02
else:
    print("C_L = %.5f   TMR ~0" % cl)
    ok = ok and abs(cl) < 0.005
cds = [float(r["CD_alpha%d" % a]) for r in rows]
print("C_D = %.5f  TMR CFL3D %.5f (%+.2f%%)   %s codes %.5f .. %.5f" % (cd, cd_ref, 100 * (cd / cd_ref - 1), model, min(cds), max(cds)))
print("targets (C_L 2%%, C_D 5%%): %s" % ("met" if ok else "NOT met"))
sys.exit(0 if ok else 1)
