#!/usr/bin/python3
"""The same reference numbers as foam_pitzdaily_ref.py, from a Gale run of
a pitzDaily case (laminar or RANS) on the identical (imported) mesh:
separation and reattachment points on the walls from sign changes of the
wall shear (tau_x ~ nu u_P / d for the wall-adjacent cell, sign of u_P), and the
area-averaged pressure on the inlet (Gale's zero-gradient inlet pressure is
the owner cell's value).

usage: gale_pitzdaily.py CASE_DIR [OPENFOAM_REF.csv]
Prints the numbers, and the relative differences when a reference is given.
"""
import csv
import gzip
import os
import re
import sys

import h5py
import numpy as np


def foam_list(path):
    op = gzip.open if path.endswith(".gz") else open
    with op(path, "rt") as f:
        text = f.read()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"//.*", "", text)
    body = text[text.index("FoamFile"):]
    body = body[body.index("}") + 1:]
    m = re.search(r"(\d+)\s*\(", body)
    return body[m.end():], int(m.group(1))


def read_owner(pm):
    body, n = foam_list(os.path.join(pm, "owner"))
    return np.array(body.split()[:n], dtype=int)


def read_boundary(pm):
    with open(os.path.join(pm, "boundary")) as f:
        text = f.read()
    out = {}
    for m in re.finditer(r"(\w+)\s*\{[^}]*?nFaces\s+(\d+);[^}]*?startFace\s+(\d+);", text):
        out[m.group(1)] = (int(m.group(3)), int(m.group(2)))
    return out


def face_geometry(pm, faces):
    """centres and areas of the given faces"""
    body, n = foam_list(os.path.join(pm, "points"))
    pts = np.array([list(map(float, t.split())) for t in re.findall(r"\(([^()]*)\)", body)[:n]])
    fbody, nf = foam_list(os.path.join(pm, "faces"))
    flist = [list(map(int, t.split())) for t in re.findall(r"\d+\(([^()]*)\)", fbody)[:nf]]
    cent, area = [], []
    for f in faces:
        q = pts[flist[f]]
        c = q.mean(axis=0)
        s = sum(np.cross(q[i] - c, q[(i + 1) % len(q)] - c) for i in range(len(q))) / 2
        cent.append(c)
        area.append(s)
    area = np.array(area)
    return np.array(cent), np.linalg.norm(area, axis=1), area


def series(key):
    """'lowerWall_reattachment' for 'lowerWall_reattachment_2_x', else None"""
    m = re.fullmatch(r"(\w+Wall_(?:separation|reattachment))_\d+_x", key)
    return m.group(1) if m else None


def npoints(d, name):
    """how many numbered points of one series (wall and kind) d holds"""
    return sum(1 for k in d if series(k) == name)


def crossings(x, v):
    res = []
    for i in range(len(x) - 1):
        if v[i] == 0 or v[i] * v[i + 1] < 0:
            kind = "separation" if v[i] > 0 else "reattachment"
            res.append((kind, x[i] - v[i] * (x[i + 1] - x[i]) / (v[i + 1] - v[i])))
    return res


case = sys.argv[1]
pm = os.path.join(case, "constant/polyMesh")
if not os.path.isdir(pm):  # the mesh named in case.yaml (cases/pitzDaily: ../pitzDaily_laminar/...)
    with open(os.path.join(case, "case.yaml")) as fh:
        m = re.search(r"^\s*polyMesh:\s*[\"']?([^\s\"'#]+)", fh.read(), flags=re.M)
    if m:
        pm = os.path.join(case, m.group(1))
owner = read_owner(pm)
bnd = read_boundary(pm)
with h5py.File(os.path.join(case, "results/solution.h5"), "r") as f:
    step = sorted(f["steps"])[-1]
    U = f["steps/%s/U" % step][...]
    p = f["steps/%s/p" % step][...]
vals = {}
for wall in ("lowerWall", "upperWall"):
    s, n = bnd[wall]
    faces = np.arange(s, s + n)
    cent, mag, vec = face_geometry(pm, faces)
    keep = np.abs(vec[:, 1]) > 0.9 * mag  # horizontal wall faces (not the vertical step face)
    xc, u = cent[keep, 0], U[owner[faces[keep]], 0]
    order = np.argsort(xc)
    count = {"separation": 0, "reattachment": 0}
    for kind, x in crossings(xc[order], u[order]):
        count[kind] += 1
        vals["%s_%s_%d_x" % (wall, kind, count[kind])] = x
reatt = [v for k, v in vals.items() if k.startswith("lowerWall_reattachment")]
if reatt:  # primary recirculation behind the step ends at the last reattachment
    vals["lowerWall_reattachment_over_step_height"] = max(reatt) / 0.0254
s, n = bnd["inlet"]
inlet = np.arange(s, s + n)
area = face_geometry(pm, inlet)[1]
vals["inlet_mean_p"] = (p[owner[inlet]] * area).sum() / area.sum()  # area average, as OpenFOAM's patchAverage
ref = {}
if len(sys.argv) > 2:
    with open(sys.argv[2]) as fh:
        for r in csv.reader(l for l in fh if not l.startswith("#")):
            if r and r[0] != "quantity":
                ref[r[0]] = float(r[1])
for k, v in vals.items():
    line = "%-32s %12.6g" % (k, v)
    name = series(k)
    if name and ref and npoints(vals, name) != npoints(ref, name):
        # numbered points pair up only when both codes find the same number
        # (OpenFOAM may resolve a one-cell corner eddy that Gale's cell-value
        # test does not); the primary reattachment is compared via x_r / h
        line += "   (OpenFOAM finds %d %s points, Gale %d: not paired)" % (
            npoints(ref, name), name.split("_")[1], npoints(vals, name))
    elif k in ref:
        line += "   OpenFOAM %12.6g   diff %+.2f%%" % (ref[k], 100 * (v / ref[k] - 1))
    print(line)
