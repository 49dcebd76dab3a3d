#!/usr/bin/python3
"""Cell-by-cell comparison of a Gale solution with an OpenFOAM time directory
on the identical mesh (Gale imports the polyMesh and keeps its cell order).

usage: compare_openfoam_fields.py GALE_RESULTS_DIR FOAM_TIME_DIR
Prints, for U and p, the max and RMS differences relative to the field's
range, and where the largest difference is (cell index and value).
"""
import os
import re
import sys

import h5py
import numpy as np


def foam_field(path):
    with open(path) as f:
        text = f.read()
    m = re.search(r"internalField\s+nonuniform\s+List<(scalar|vector)>\s*(\d+)\s*\(", text)
    n = int(m.group(2))
    body = text[m.end():]
    if m.group(1) == "vector":
        vals = re.findall(r"\(([^()]*)\)", body)[:n]
        return np.array([list(map(float, v.split())) for v in vals])
    return np.array(body.split()[:n], dtype=float)


res, foam = sys.argv[1], sys.argv[2]
with h5py.File(os.path.join(res, "solution.h5"), "r") as f:
    step = sorted(f["steps"])[-1]
    g = {k: f["steps/%s/%s" % (step, k)][...] for k in ("U", "p")}
for k in ("U", "p"):
    a, b = g[k], foam_field(os.path.join(foam, k))
    d = np.abs(a - b) if a.ndim == 1 else np.linalg.norm(a - b, axis=1)
    scale = np.ptp(b) if b.ndim == 1 else np.linalg.norm(b, axis=1).max()
    i = int(np.argmax(d))
    print("%s: max |diff| %.4g (%.3f%% of range), rms %.4g (%.3f%%); worst cell %d gale %s foam %s"
          % (k, d.max(), 100 * d.max() / scale, np.sqrt((d ** 2).mean()), 100 * np.sqrt((d ** 2).mean()) / scale, i, a[i], b[i]))
