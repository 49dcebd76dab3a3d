"""Sample cell fields of a Gale solution along a straight line.

usage: gale_sample.py RESULTS OUTDIR --line x0,y0,z0:x1,y1,z1 [--points N]
                      [--fields U,p] [--step S] [--reference ref.csv
                      [--reference-columns A=U_x,...]] [--size WxH]

Writes OUTDIR/line.csv (columns s, x, y, z, then each field, vectors as
NAME_x NAME_y NAME_z; s is the distance from the first point) and
OUTDIR/line.png. N points (default 100) are spaced evenly from the first end
to the second, both included. The step is the last one in solution.h5 unless
--step gives its number.

Value at a point x in cell c (the cell whose faces all have x on their
inner side; 1e-9 of the cell size as tolerance):
    phi(x) = phi_c + grad(phi)_c . (x - x_c)
with x_c the cell centre computed as the solver does (mesh/mesh.c:
pyramids on the faces from the mean of the face centres) and grad(phi)_c
the least-squares gradient over the face neighbours d_n = x_n - x_c,
weighted by 1/|d_n|^2: minimise sum_n w_n (grad.d_n - (phi_n - phi_c))^2.
Directions with no neighbour spread (one-cell-thick 2D meshes) get a zero
gradient (minimum-norm solution). Linear fields are reproduced exactly.
Points in no cell (outside the mesh or inside a body) get NaN.

--reference ref.csv: a CSV with a header whose first column is the
abscissa (s, x, y or z) and whose other numeric columns are drawn as markers
on the plot; a column named like a sampled column (e.g. U_x) is also
compared with the sampled values interpolated to its abscissa, and the
largest absolute difference is printed. --reference-columns A=U_x,B=p keeps
only columns A and B of the reference, renamed U_x and p.
Exit status 0 when the files were written, 3 when no step is in
solution.h5, 4 when a Python module is missing, 1 on errors (bad options).
"""
import argparse
import csv
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gale_postlib as gp  # noqa: E402 (found beside this script)

NAME = "gale_sample.py"


def face_geometry(np, mesh):
    """Face centres and area vectors (outward of each cell), as mesh/mesh.c:
    triangles around the mean point; a triangle face is taken whole."""
    pts, topo = mesh["points"], mesh["topo"]
    fs, fn = mesh["face_start"], mesh["face_npts"]
    nf = len(fs)
    Cf, Sf = np.zeros((nf, 3)), np.zeros((nf, 3))
    for n in np.unique(fn):
        sel = np.nonzero(fn == n)[0]
        ids = topo[fs[sel][:, None] + np.arange(n)[None, :]]
        P = pts[ids]  # (m, n, 3)
        xm = P.mean(axis=1)
        if n == 3:
            Sf[sel] = 0.5 * np.cross(P[:, 1] - P[:, 0], P[:, 2] - P[:, 0])
            Cf[sel] = xm
            continue
        a, b = P, np.roll(P, -1, axis=1)
        s = np.cross(b - a, xm[:, None, :] - a)  # (m, n, 3): twice the triangle area vectors
        A = 0.5 * np.linalg.norm(s, axis=2)
        Sf[sel] = 0.5 * s.sum(axis=1)
        sumA = A.sum(axis=1)
        c = (A[:, :, None] * (a + b + xm[:, None, :]) / 3.0).sum(axis=1)
        ok = sumA > 0
        Cf[sel] = np.where(ok[:, None], c / np.where(ok, sumA, 1.0)[:, None], xm)
    return Cf, Sf


def cell_centres(np, mesh, Cf, Sf):
    nc, fc = mesh["ncells"], mesh["face_cell"]
    cnt = np.bincount(fc, minlength=nc).astype(float)
    c0 = np.stack([np.bincount(fc, weights=Cf[:, d], minlength=nc) for d in range(3)], axis=1) / np.maximum(cnt, 1)[:, None]
    dc = Cf - c0[fc]
    v = (Sf * dc).sum(axis=1) / 3.0
    V = np.bincount(fc, weights=v, minlength=nc)
    m = np.stack([np.bincount(fc, weights=v * (c0[fc, d] + 0.75 * dc[:, d]), minlength=nc) for d in range(3)], axis=1)
    ok = np.abs(V) > 0
    return np.where(ok[:, None], m / np.where(ok, V, 1.0)[:, None], c0), V


def face_neighbours(np, mesh):
    """CSR (offsets, cells) of each cell's face neighbours: two cell faces
    with the same set of point ids are one internal face."""
    topo, fs, fn, fc = mesh["topo"], mesh["face_start"], mesh["face_npts"], mesh["face_cell"]
    pairs = []
    for n in np.unique(fn):
        sel = np.nonzero(fn == n)[0]
        key = np.sort(topo[fs[sel][:, None] + np.arange(n)[None, :]], axis=1)
        order = np.lexsort(key.T[::-1])
        k = key[order]
        same = np.nonzero((k[1:] == k[:-1]).all(axis=1))[0]
        a, b = fc[sel[order[same]]], fc[sel[order[same + 1]]]
        pairs.append(np.stack([a, b], axis=1))
    p = np.concatenate(pairs) if pairs else np.zeros((0, 2), dtype=np.int64)
    p = p[p[:, 0] != p[:, 1]]
    both = np.concatenate([p, p[:, ::-1]])
    both = both[np.argsort(both[:, 0], kind="stable")]
    off = np.zeros(mesh["ncells"] + 1, dtype=np.int64)
    np.add.at(off, both[:, 0] + 1, 1)
    return np.cumsum(off), both[:, 1]


def candidates(np, centres, x, k):
    """Indices of the k cell centres nearest to x, nearest first."""
    d2 = ((centres - x) ** 2).sum(axis=1)
    k = min(k, len(d2))
    idx = np.argpartition(d2, k - 1)[:k]
    return idx[np.argsort(d2[idx])]


def locate(np, mesh, centres, Cf, Sf, cell_faces, size, x):
    """The cell containing x (first found among the nearest centres), or -1."""
    for k in (8, 64, 512):
        for c in candidates(np, centres, x, k):
            f = cell_faces[c]
            side = (Sf[f] * (x - Cf[f])).sum(axis=1)
            if (side <= 1e-9 * size[c] * np.linalg.norm(Sf[f], axis=1)).all():
                return int(c)
        if k >= len(centres):
            break
    return -1


def lsq_gradient(np, centres, nbr_off, nbr, c, values):
    """Least-squares gradients (one per column of values) in cell c."""
    n = nbr[nbr_off[c] : nbr_off[c + 1]]
    if len(n) == 0:
        return np.zeros((3, values.shape[1]))
    d = centres[n] - centres[c]
    w = 1.0 / np.maximum((d * d).sum(axis=1), 1e-300)
    sw = np.sqrt(w)[:, None]
    A = d * sw
    b = (values[n] - values[c]) * sw
    g, *_ = np.linalg.lstsq(A, b, rcond=1e-10)
    return g


def parse_line(text):
    a, sep, b = text.partition(":")
    if not sep:
        raise SystemExit("gale post: bad --line '%s' (expected x0,y0,z0:x1,y1,z1)" % text)
    return gp.parse_vector(a, "--line start"), gp.parse_vector(b, "--line end")


def read_reference(path, mapping):
    with open(path, newline="") as f:
        rows = [r for r in csv.reader(f) if r]
    if len(rows) < 2:
        raise SystemExit("gale post: %s: expected a header and at least one row" % path)
    head = [h.strip() for h in rows[0]]
    cols = {}
    for j, h in enumerate(head):
        try:
            cols[h] = [float(r[j]) for r in rows[1:]]
        except (ValueError, IndexError):
            continue  # text columns (sources, notes) are not drawn
    if head[0] not in ("s", "x", "y", "z") or head[0] not in cols:
        raise SystemExit("gale post: %s: the first column must be the abscissa s, x, y or z (found '%s')" % (path, head[0]))
    if mapping:
        renamed = {head[0]: cols[head[0]]}
        for item in mapping.split(","):
            src, sep, dst = item.partition("=")
            if not sep or src.strip() not in cols:
                raise SystemExit("gale post: --reference-columns '%s': expected REFCOLUMN=COLUMN with a numeric column of %s (columns: %s)" % (item, path, ", ".join(head)))
            renamed[dst.strip()] = cols[src.strip()]
        cols = renamed
    return head[0], cols


def write_csv(path, header, table):
    tmp = gp.tmp_name(path)
    with open(tmp, "w") as f:
        f.write(",".join(header) + "\n")
        for row in table:
            f.write(",".join("%.15g" % v for v in row) + "\n")
    os.replace(tmp, path)


def plot(np, a, out, header, table, fields, ref, title, size):
    matplotlib = gp.need("matplotlib", NAME)
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    w, h = size
    fig, axes = plt.subplots(len(fields), 1, figsize=(w / 100.0, h / 100.0), dpi=100, sharex=True, squeeze=False)
    axes = [x[0] for x in axes]
    absc = ref[0] if ref else "s"
    xs = table[:, header.index(absc)]
    used = set()
    for ax, (name, cols) in zip(axes, fields):
        for col in cols:
            (line,) = ax.plot(xs, table[:, header.index(col)], lw=1.5, label=col)
            if ref and col in ref[1]:
                ax.plot(ref[1][absc], ref[1][col], "o", ms=5, mfc="none", color=line.get_color(), label="%s (reference)" % col)
                used.add(col)
        ax.set_ylabel(name)
        ax.grid(True, alpha=0.3)
    if ref:
        for col, v in ref[1].items():
            if col != absc and col not in used:
                axes[0].plot(ref[1][absc], v, "o", ms=4, mfc="none", label="%s (reference)" % col)
    for ax in axes:
        ax.legend(loc="best", fontsize="small")
    axes[-1].set_xlabel(absc)
    axes[0].set_title(title)
    fig.tight_layout()
    path = os.path.join(out, "line.png")
    tmp = gp.tmp_name(path)
    fig.savefig(tmp, dpi=fig.dpi)
    os.replace(tmp, path)
    plt.close(fig)
    gp.say(NAME, "wrote %s" % path)


def compare(np, header, table, ref):
    absc, cols = ref
    xs = table[:, header.index(absc)]
    order = np.argsort(xs)
    for col, v in cols.items():
        if col == absc or col not in header:
            continue
        ys = table[:, header.index(col)]
        ok = np.isfinite(ys[order])
        at = np.interp(cols[absc], xs[order][ok], ys[order][ok])
        dev = np.abs(at - np.array(v))
        i = int(np.argmax(dev))
        gp.say(NAME, "%s vs reference: max |difference| %.4g at %s = %.6g" % (col, dev[i], absc, cols[absc][i]))


def main(argv):
    ap = argparse.ArgumentParser(prog=NAME)
    ap.add_argument("results")
    ap.add_argument("outdir")
    ap.add_argument("--line", required=True)
    ap.add_argument("--points", type=int, default=100)
    ap.add_argument("--fields", default="U,p")
    ap.add_argument("--step", type=int, default=None)
    ap.add_argument("--reference", default=None)
    ap.add_argument("--reference-columns", default=None)
    ap.add_argument("--size", default="1200x800")
    a = ap.parse_args(argv)
    p0, p1 = parse_line(a.line)
    size = gp.parse_size(a.size)
    if a.points < 2:
        raise SystemExit("gale post: --points must be at least 2")
    ref = read_reference(a.reference, a.reference_columns) if a.reference else None
    np = gp.need("numpy", NAME)
    h5py = gp.need("h5py", NAME)

    path = os.path.join(a.results, "solution.h5")
    with h5py.File(path, "r") as f:
        st = gp.steps(f)
        if not st:
            gp.say(NAME, "%s holds no step yet: no line.csv" % path)
            return gp.NOTHING
        key = st[-1] if a.step is None else "%08d" % a.step
        if key not in st:
            raise SystemExit("gale post: step %d is not in %s (steps: %s)" % (a.step, path, ", ".join(str(int(s)) for s in st)))
        g = f["steps/" + key]
        names = [n.strip() for n in a.fields.split(",") if n.strip()]
        for n in names:
            if n not in g:
                raise SystemExit("gale post: no field '%s' in %s step %d (fields: %s)" % (n, path, int(key), ", ".join(sorted(g))))
        data = {n: g[n][...] for n in names}
        time = float(g.attrs.get("time", float("nan")))
        mesh = gp.read_mesh(f)

    Cf, Sf = face_geometry(np, mesh)
    centres, vol = cell_centres(np, mesh, Cf, Sf)
    size_c = np.abs(vol) ** (1.0 / 3.0)
    nbr_off, nbr = face_neighbours(np, mesh)
    order = np.argsort(mesh["face_cell"], kind="stable")
    foff = np.searchsorted(mesh["face_cell"][order], np.arange(mesh["ncells"] + 1))
    cell_faces = [order[foff[c] : foff[c + 1]] for c in range(mesh["ncells"])]

    fields, cols, vals = [], [], []
    for n in names:
        v = data[n].reshape(mesh["ncells"], -1)
        c = [n] if v.shape[1] == 1 else ["%s_%s" % (n, "xyz"[d]) if v.shape[1] == 3 else "%s_%d" % (n, d) for d in range(v.shape[1])]
        fields.append((n, c))
        cols += c
        vals.append(v)
    values = np.concatenate(vals, axis=1)

    p0, p1 = np.array(p0), np.array(p1)
    t = np.linspace(0.0, 1.0, a.points)
    X = p0[None, :] + t[:, None] * (p1 - p0)[None, :]
    s = t * np.linalg.norm(p1 - p0)
    table = np.full((a.points, 4 + len(cols)), np.nan)
    table[:, 0], table[:, 1:4] = s, X
    outside = 0
    for i, x in enumerate(X):
        c = locate(np, mesh, centres, Cf, Sf, cell_faces, size_c, x)
        if c < 0:
            outside += 1
            continue
        g = lsq_gradient(np, centres, nbr_off, nbr, c, values)
        table[i, 4:] = values[c] + (x - centres[c]) @ g
    if outside:
        gp.say(NAME, "%d of %d points are in no cell (outside the mesh): NaN there" % (outside, a.points))
    header = ["s", "x", "y", "z"] + cols
    write_csv(os.path.join(a.outdir, "line.csv"), header, table)
    gp.say(NAME, "wrote %s" % os.path.join(a.outdir, "line.csv"))
    if ref:
        compare(np, header, table, ref)
    title = "Line (%g, %g, %g) to (%g, %g, %g), step %d, time %g" % (tuple(p0) + tuple(p1) + (int(key), time))
    plot(np, a, a.outdir, header, table, fields, ref, title, size)
    return gp.PRODUCED


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
