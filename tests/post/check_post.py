#!/usr/bin/python3
"""Checks of `gale post` output, used by post_tests.sh.

usage: check_post.py png FILE WIDTH HEIGHT [--picture]
       check_post.py boundary-force RESULTS PATCH
       check_post.py summary RESULTS LAST
       check_post.py write-linear RESULTS (2d|3d)
       check_post.py line-exact CSV (2d|3d)

png: FILE is a PNG of exactly WIDTH x HEIGHT pixels (read from the IHDR
chunk) and not tiny; with --picture, also not blank: the drawing area (left
of the colour bar, below the title) has many colours and is not all white.
summary: RESULTS/post/summary.md shows exactly the values of
RESULTS/summary.yaml (same digits), and the mean/std/min/max of Cd, Cl, Cm
over the last LAST rows of RESULTS/forces.csv (computed here with numpy,
agreeing to 1e-9 relative).
write-linear: writes RESULTS/solution.h5 by hand, as io/output.c lays it out:
a graded box mesh of hexahedra written as polyhedra with outward faces,
cell fields p = 1 + 2x + 3y - z and U = (x - y + 2z, 2 + 0.5y, 3x - z) at the
cell centres (box cells: the mean of the corners is the centroid); "2d" is
one cell thick in z with fields independent of z (as a 2D run's are).
line-exact: every sampled value in CSV equals the linear field at its
point to 1e-10 (least-squares reconstruction is exact for linear fields),
except points outside the box, which must be NaN.
"""
import csv
import os
import math
import struct
import sys

BOX = ((0.0, 2.0), (-1.0, 1.0), (0.0, 1.5))


def fail(msg):
    print("check_post: FAIL: " + msg)
    sys.exit(1)


def png(path, w, h, picture):
    with open(path, "rb") as f:
        head = f.read(24)
        size = 24 + len(f.read())
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        fail("%s is not a PNG file" % path)
    pw, ph = struct.unpack(">II", head[16:24])
    if (pw, ph) != (w, h):
        fail("%s is %dx%d pixels, expected %dx%d" % (path, pw, ph, w, h))
    if size < 2000:
        fail("%s is only %d bytes" % (path, size))
    if picture:
        import matplotlib.image as mpimg
        import numpy as np

        img = (mpimg.imread(path)[:, :, :3] * 255).round().astype(int)
        # the drawing area: left of the colour bar, below the title
        crop = img[int(0.15 * h) : int(0.85 * h), int(0.15 * w) : int(0.8 * w)].reshape(-1, 3)
        colours = len(np.unique(crop, axis=0))
        drawn = (crop.min(axis=1) < 235).mean()
        if colours < 20 or drawn < 0.05:
            fail("%s looks blank: %d colours, %.0f%% of the drawing area not white" % (path, colours, 100 * drawn))
        print("check_post: %s: %d colours, %.0f%% of the drawing area drawn" % (path, colours, 100 * drawn))
    print("check_post: %s: %dx%d, %d bytes" % (path, pw, ph, size))


def md_tables(path):
    """Rows of the markdown tables in path, as lists of cell strings."""
    rows = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("|") and not line.startswith("|---"):
                rows.append([c.strip() for c in line.strip("|").split("|")])
    return rows


def yaml_flat(path):
    """summary.yaml (the subset gale writes) as {key: literal string}, flow
    maps and lists flattened to key.sub / key[i]."""
    out, block = {}, None
    with open(path) as f:
        for line in f:
            if line.lstrip().startswith("#") or not line.strip():
                continue
            k, _, v = line.strip().partition(":")
            v = v.strip()
            if line[0] == " " and block:
                k = block + "." + k
            elif not v:
                block = k
                continue
            else:
                block = None
            if v.startswith("{"):
                for item in v[1:-1].split(","):
                    a, _, b = item.partition(":")
                    out[k + "." + a.strip()] = b.strip()
            elif v.startswith("["):
                for i, b in enumerate(v[1:-1].split(",")):
                    out["%s[%d]" % (k, i)] = b.strip()
            else:
                out[k] = v.strip('"')
    return out


def summary(results, last):
    import numpy as np

    y = yaml_flat(results + "/summary.yaml")
    rows = md_tables(results + "/post/summary.md")
    byname = {r[0]: r[1:] for r in rows}
    run = {"status": "status", "converged": "converged", "algorithm": "algorithm", "iterations": "iterations",
           "time": "time", "cells": "cells", "ranks": "ranks", "wall time (s)": "wall_time",
           "continuity error": "continuity_error", "case": "case"}
    for label, key in run.items():
        if byname.get(label, [None])[0] != y[key]:
            fail("summary.md %s = %s, summary.yaml %s = %s" % (label, byname.get(label), key, y[key]))
    res = [r for r in rows if r[:4] == ["Ux", "Uy", "Uz", "p"]]
    vals = rows[rows.index(res[0]) + 1]
    for k, v in zip(("Ux", "Uy", "Uz", "p"), vals):
        if v != y["final_residuals." + k]:
            fail("final residual %s: summary.md %s, summary.yaml %s" % (k, v, y["final_residuals." + k]))
    with open(results + "/forces.csv") as f:
        data = list(csv.DictReader(f))
    for c in ("Cd", "Cl", "Cm"):
        r = byname[c]
        if r[0] != y["coefficients." + c]:
            fail("%s final: summary.md %s, summary.yaml %s" % (c, r[0], y["coefficients." + c]))
        v = np.array([float(d[c]) for d in data[-last:]])
        for name, got, want in zip(("mean", "std", "min", "max"), r[1:5], (v.mean(), v.std(), v.min(), v.max())):
            if abs(float(got) - want) > 1e-9 * max(abs(want), 1e-12):
                fail("%s %s over the last %d rows: summary.md %s, numpy %.12g" % (c, name, last, got, want))
    for i, kind in enumerate(("pressure", "viscous", "moment")):
        for d in range(3):
            if byname[kind][d] != y["forces.%s[%d]" % (kind, d)]:
                fail("forces %s[%d]: summary.md %s, summary.yaml %s" % (kind, d, byname[kind][d], y["forces.%s[%d]" % (kind, d)]))
    print("check_post: summary.md agrees with summary.yaml and forces.csv (last %d rows)" % last)


def coords(n, lo, hi, ratio):
    """n+1 graded coordinates (last cell / first cell = ratio)."""
    r = ratio ** (1.0 / max(n - 1, 1))
    w = [r ** i for i in range(n)]
    s = [0.0]
    for x in w:
        s.append(s[-1] + x)
    return [lo + (hi - lo) * v / s[-1] for v in s]


def fields(x, y, z, dim):
    zz = z if dim == "3d" else 0.0
    return 1 + 2 * x + 3 * y - zz, (x - y + 2 * zz, 2 + 0.5 * y, 3 * x - zz)


def write_linear(results, dim):
    import h5py
    import numpy as np

    nx, ny, nz = (5, 4, 3) if dim == "3d" else (6, 5, 1)
    X, Y = coords(nx, *BOX[0], 2.0), coords(ny, *BOX[1], 0.5)
    Z = coords(nz, *BOX[2], 1.5) if dim == "3d" else [BOX[2][0], BOX[2][1]]
    pid = lambda i, j, k: (k * (ny + 1) + j) * (nx + 1) + i  # noqa: E731
    pts = [(X[i], Y[j], Z[k]) for k in range(nz + 1) for j in range(ny + 1) for i in range(nx + 1)]
    topo, p, U = [], [], []
    for k in range(nz):
        for j in range(ny):
            for i in range(nx):
                v = [pid(i + a, j + b, k + c) for c in (0, 1) for b in (0, 1) for a in (0, 1)]
                # v[a + 2b + 4c]; faces counter-clockwise seen from outside
                faces = [(0, 4, 6, 2), (1, 3, 7, 5), (0, 1, 5, 4), (2, 6, 7, 3), (0, 2, 3, 1), (4, 5, 7, 6)]
                topo += [16, 6]
                for f in faces:
                    topo += [4] + [v[q] for q in f]
                c = np.mean([pts[q] for q in v], axis=0)
                pc, uc = fields(*c, dim)
                p.append(pc)
                U.append(uc)
    with h5py.File(results + "/solution.h5", "w") as f:
        f["mesh/points"] = np.array(pts)
        f["mesh/topology"] = np.array(topo, dtype=np.int64)
        g = f.create_group("steps/00000007")
        g.attrs["step"] = 7
        g.attrs["time"] = 7.0
        g["p"] = np.array(p)
        g["U"] = np.array(U)
    print("check_post: wrote %s/solution.h5 (%d cells, %s)" % (results, len(p), dim))


def line_exact(path, dim):
    with open(path) as f:
        rows = list(csv.DictReader(f))
    worst, inside = 0.0, 0
    for r in rows:
        x, y, z = float(r["x"]), float(r["y"]), float(r["z"])
        got = [float(r[k]) for k in ("p", "U_x", "U_y", "U_z")]
        if not all(lo - 1e-12 <= v <= hi + 1e-12 for v, (lo, hi) in zip((x, y, z), BOX)):
            if not all(math.isnan(g) for g in got):
                fail("point (%g, %g, %g) is outside the mesh but has values %s" % (x, y, z, got))
            continue
        inside += 1
        pw, uw = fields(x, y, z, dim)
        for name, g, w in zip(("p", "U_x", "U_y", "U_z"), got, (pw,) + uw):
            err = abs(g - w)
            worst = max(worst, err)
            if not err <= 1e-10 * max(1.0, abs(w)):
                fail("%s at (%g, %g, %g): sampled %.15g, exact %.15g" % (name, x, y, z, g, w))
    if inside < 3:
        fail("only %d points inside the mesh" % inside)
    print("check_post: %d points inside exact (max error %.2e), %d outside NaN" % (inside, worst, len(rows) - inside))


def boundary_force(results, patch):
    """solution.h5's /mesh/boundary against the solver's own force: the
    pressure force on PATCH summed from the boundary polygons (area vectors
    from the file's points, outward) and the pressure of each face's owner
    cell (the wall value, p being zero-gradient there), times rho = 1,
    equals summary.yaml's forces.pressure to rounding. A wrong face, owner,
    orientation or patch grouping breaks it."""
    import h5py
    import numpy as np

    y = yaml_flat(os.path.join(results, "summary.yaml"))
    want = [float(y["forces.pressure[%d]" % d]) for d in range(3)]
    with h5py.File(os.path.join(results, "solution.h5"), "r") as f:
        b = f["mesh/boundary"]
        names = [n.decode().rstrip("\0") for n in b["patch_names"][...]]
        types = [n.decode().rstrip("\0") for n in b["patch_types"][...]]
        if patch not in names:
            fail("patch %s not in mesh/boundary (%s)" % (patch, names))
        if types[names.index(patch)] != "wall":
            fail("patch %s has type %s in the file, expected wall" % (patch, types[names.index(patch)]))
        pts, t, pa, ow = f["mesh/points"][...], b["topology"][...].tolist(), b["patch"][...], b["owner"][...]
        step = sorted(f["steps"].keys(), key=int)[-1]
        p = f["steps/%s/p" % step][...]
    F, k, n = np.zeros(3), 0, 0
    for i in range(len(pa)):
        if t[k] != 3:
            fail("face %d: XDMF type %d, expected 3 (polygon)" % (i, t[k]))
        ids = t[k + 2 : k + 2 + t[k + 1]]
        k += 2 + t[k + 1]
        if names[pa[i]] != patch:
            continue
        x = pts[ids]
        c = x.mean(axis=0)
        S = 0.5 * sum(np.cross(x[j] - c, x[(j + 1) % len(ids)] - c) for j in range(len(ids)))
        F += p[ow[i]] * S
        n += 1
    if k != len(t):
        fail("mesh/boundary/topology has %d entries, the faces use %d" % (len(t), k))
    err = max(abs(F[d] - want[d]) for d in range(3))
    scale = max(max(abs(v) for v in want), 1e-300)
    print("check_post: pressure force on %s from %d boundary faces %s, solver %s" % (patch, n, F.tolist(), want))
    if err > 1e-8 * scale:
        fail("pressure force from mesh/boundary differs from summary.yaml by %g" % err)


def main(a):
    if len(a) >= 4 and a[0] == "png":
        png(a[1], int(a[2]), int(a[3]), "--picture" in a[4:])
    elif len(a) == 3 and a[0] == "summary":
        summary(a[1], int(a[2]))
    elif len(a) == 3 and a[0] == "write-linear":
        write_linear(a[1], a[2])
    elif len(a) == 3 and a[0] == "boundary-force":
        boundary_force(a[1], a[2])
    elif len(a) == 3 and a[0] == "line-exact":
        line_exact(a[1], a[2])
    else:
        print(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main(sys.argv[1:])
