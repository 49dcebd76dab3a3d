"""Off-screen pictures of a Gale solution (ParaView; run with pvbatch).

usage: xvfb-run -a pvbatch gale_pictures.py RESULTS OUTDIR [--step S]
           [--slice-normal x,y,z] [--slice-origin x,y,z]
           [--seed-line x0,y0,z0:x1,y1,z1] [--seeds N] [--size WxH]
           [--surface-patches a,b] [--p-ref P] [--cp-scale S]

Reads RESULTS/solution.xmf (the last step, or step S) and writes, each
exactly WxH pixels (default 1200x800) with a colour bar and a title:
  OUTDIR/slice_U.png        velocity magnitude on a plane: by default normal
                            to z through the centre of the domain's bounding
                            box, seen along the normal
  OUTDIR/streamlines.png    streamlines (both directions) from N seeds
                            (default 40) on a line: by default along y at
                            x = xmin + 5% of the domain length, at mid z;
                            coloured by velocity magnitude, drawn over the
                            slice in pale grey, seed line in red
  OUTDIR/surface_cp.png     pressure coefficient Cp = (p - p_ref) * cp_scale
                            (p without --cp-scale) on the wall patches (or
                            --surface-patches a,b): in 3D the surfaces seen
                            from upstream, the side and above (z up); in 2D
                            (a case with empty patches) the outline coloured
                            by Cp and Cp against x
The mesh and cell fields are read from solution.h5 (h5py), polyhedra that
are hexahedra handed to VTK as hexahedra (VTK cuts and traces through its
general polyhedra tens of times slower); without h5py, solution.xmf is read
and cut into tetrahedra. Cell values are averaged to the points (ParaView's
Cell Data to Point Data), so colours and streamlines vary smoothly.
Exit status 0 when the pictures were written, 3 when there is no step,
1 on errors.
"""
import argparse
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gale_postlib as gp  # noqa: E402 (found beside this script)

NAME = "gale_pictures.py"


def parse(argv):
    ap = argparse.ArgumentParser(prog=NAME)
    ap.add_argument("results")
    ap.add_argument("outdir")
    ap.add_argument("--step", type=int, default=None)
    ap.add_argument("--slice-normal", default="0,0,1")
    ap.add_argument("--slice-origin", default=None)
    ap.add_argument("--slice-box", default=None)
    ap.add_argument("--seed-line", default=None)
    ap.add_argument("--seeds", type=int, default=40)
    ap.add_argument("--size", default="1200x800")
    ap.add_argument("--surface-patches", default=None)
    ap.add_argument("--p-ref", type=float, default=0.0)
    ap.add_argument("--cp-scale", type=float, default=None)
    a = ap.parse_args(argv)
    a.size = gp.parse_size(a.size)
    a.slice_normal = gp.parse_vector(a.slice_normal, "--slice-normal")
    if sum(v * v for v in a.slice_normal) == 0:
        raise SystemExit("gale post: --slice-normal must not be zero")
    if a.slice_origin:
        a.slice_origin = gp.parse_vector(a.slice_origin, "--slice-origin")
    if a.slice_box:
        p, sep, q = a.slice_box.partition(":")
        if not sep:
            raise SystemExit("gale post: bad --slice-box '%s' (expected xmin,ymin,zmin:xmax,ymax,zmax)" % a.slice_box)
        lo, hi = gp.parse_vector(p, "--slice-box min"), gp.parse_vector(q, "--slice-box max")
        if any(lo[i] >= hi[i] for i in range(3)):
            raise SystemExit("gale post: --slice-box '%s': each min must be below its max" % a.slice_box)
        a.slice_box = [lo[0], hi[0], lo[1], hi[1], lo[2], hi[2]]
    if a.seed_line:
        p, sep, q = a.seed_line.partition(":")
        if not sep:
            raise SystemExit("gale post: bad --seed-line '%s' (expected x0,y0,z0:x1,y1,z1)" % a.seed_line)
        a.seed_line = (gp.parse_vector(p, "--seed-line start"), gp.parse_vector(q, "--seed-line end"))
    if a.seeds < 1:
        raise SystemExit("gale post: --seeds must be at least 1")
    return a


def hexahedra(np, mesh):
    """Cells that are topological hexahedra (6 quadrilateral faces, 8
    points), as (cell ids, (m, 8) point ids in VTK order: bottom face with
    its normal into the cell, then the top point above each bottom point).
    The rest stay polyhedra; VTK slices and traces through hexahedra many
    times faster."""
    fc, fs, fn, topo, nc = mesh["face_cell"], mesh["face_start"], mesh["face_npts"], mesh["topo"], mesh["ncells"]
    nf = np.bincount(fc, minlength=nc)
    quads = np.bincount(fc, weights=(fn == 4).astype(float), minlength=nc)
    cells = np.nonzero((nf == 6) & (quads == 6))[0]
    first = np.concatenate([[0], np.cumsum(nf)[:-1]])
    F = topo[fs[first[cells][:, None] + np.arange(6)][:, :, None] + np.arange(4)]  # (m, 6, 4)
    bottom = F[:, 0, ::-1]  # faces are written outward: reversed, the normal points in
    side, nxt = F[:, 1:, :], np.roll(F[:, 1:, :], -1, axis=2)
    inb = (side[..., None] == bottom[:, None, None, :]).any(-1)
    inbn = (nxt[..., None] == bottom[:, None, None, :]).any(-1)
    top = np.empty_like(bottom)
    ok = np.ones(len(cells), dtype=bool)
    m = len(cells)
    for j in range(4):
        v = bottom[:, j][:, None, None]
        e1, e2 = (side == v) & ~inbn, (nxt == v) & ~inb  # edges from v leaving the bottom face
        hi = np.maximum(np.where(e1, nxt, -1).reshape(m, -1).max(1), np.where(e2, side, -1).reshape(m, -1).max(1))
        big = np.iinfo(np.int64).max
        lo = np.minimum(np.where(e1, nxt, big).reshape(m, -1).min(1), np.where(e2, side, big).reshape(m, -1).min(1))
        ok &= (hi >= 0) & (hi == lo)
        top[:, j] = hi
    ids = np.concatenate([bottom, top], axis=1)
    srt = np.sort(ids, axis=1)
    ok &= (srt[:, 1:] != srt[:, :-1]).all(axis=1)
    return cells[ok], ids[ok]


def load_grid(h5path, step):
    """solution.h5 (mesh and the step's cell fields) as a vtkUnstructuredGrid:
    hexahedra where the polyhedra are hexahedra, polyhedra otherwise."""
    import h5py
    import numpy as np
    from vtkmodules.util import numpy_support as ns
    from vtkmodules.vtkCommonCore import vtkIdList, vtkPoints
    from vtkmodules.vtkCommonDataModel import VTK_HEXAHEDRON, VTK_POLYHEDRON, vtkCellArray, vtkUnstructuredGrid

    with h5py.File(h5path, "r") as f:
        mesh = gp.read_mesh(f)
        g = f["steps/%08d" % step]
        fields = {n: g[n][...] for n in g if g[n].shape[0] == mesh["ncells"]}
    nc = mesh["ncells"]
    hexes, conn = hexahedra(np, mesh)
    rest = np.setdiff1d(np.arange(nc), hexes)
    order = np.concatenate([hexes, rest])  # VTK cell i is Gale cell order[i]
    ug = vtkUnstructuredGrid()
    pts = vtkPoints()
    pts.SetData(ns.numpy_to_vtk(np.ascontiguousarray(mesh["points"], dtype=np.float64), deep=1))
    ug.SetPoints(pts)
    ca = vtkCellArray()
    off = np.arange(0, 8 * len(hexes) + 1, 8, dtype=np.int64)
    ca.SetData(ns.numpy_to_vtkIdTypeArray(off, deep=1), ns.numpy_to_vtkIdTypeArray(conn.ravel().astype(np.int64), deep=1))
    ug.SetCells(VTK_HEXAHEDRON, ca)
    if len(rest):
        fc, fs, fn, topo = mesh["face_cell"], mesh["face_start"], mesh["face_npts"], mesh["topo"]
        first = np.searchsorted(fc, np.arange(nc + 1))
        t = topo.tolist()
        for c in rest.tolist():
            stream = [first[c + 1] - first[c]]
            for k in range(first[c], first[c + 1]):
                stream.append(int(fn[k]))
                stream += t[fs[k] : fs[k] + fn[k]]
            ids = vtkIdList()
            for v in stream:
                ids.InsertNextId(v)
            ug.InsertNextCell(VTK_POLYHEDRON, ids)
    for name, v in fields.items():
        a = ns.numpy_to_vtk(np.ascontiguousarray(v[order].reshape(nc, -1), dtype=np.float64), deep=1)
        a.SetName(name)
        ug.GetCellData().AddArray(a)
    return ug, len(hexes), len(rest)


def load_boundary(h5path, step):
    """solution.h5's /mesh/boundary (the faces of every patch that is not
    empty) with the pressure of each face's cell at the step (the wall
    value: p is zero-gradient at walls), or None for files written before
    Gale stored boundary faces."""
    import h5py
    import numpy as np

    with h5py.File(h5path, "r") as f:
        if "mesh/boundary" not in f:
            return None
        b = f["mesh/boundary"]
        text = lambda d: [x.decode("ascii", "replace").rstrip("\0") for x in d[...]]  # noqa: E731
        out = {
            "points": f["mesh/points"][...],
            "topo": b["topology"][...],
            "patch": b["patch"][...],
            "owner": b["owner"][...],
            "names": text(b["patch_names"]),
            "types": text(b["patch_types"]),
        }
        g = f["steps/%08d" % step]
        out["p"] = g["p"][...][out["owner"]] if "p" in g else None
    # polygon i: topo[start[i] : start[i] + npts[i]]
    t, n = out["topo"], len(out["patch"])
    start, npts = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
    k = 0
    tl = t.tolist()
    for i in range(n):
        npts[i] = tl[k + 1]
        start[i] = k + 2
        k += 2 + tl[k + 1]
    out["start"], out["npts"] = start, npts
    return out


def surface_faces(np, bnd, wanted):
    """Indices of the boundary faces on the wanted patches (names), by
    default the walls; and the names used."""
    names, types = bnd["names"], bnd["types"]
    if wanted:
        missing = [w for w in wanted if w not in names]
        if missing:
            raise SystemExit("gale post: surface patch(es) %s not in solution.h5 (patches: %s)" % (", ".join(missing), ", ".join(names)))
        use = [names.index(w) for w in wanted]
    else:
        use = [i for i, t in enumerate(types) if t == "wall"]
    return np.nonzero(np.isin(bnd["patch"], use))[0], [names[i] for i in use]


def face_centres(np, bnd, faces):
    pts, t = bnd["points"], bnd["topo"]
    c = np.zeros((len(faces), 3))
    for j, i in enumerate(faces.tolist()):
        ids = t[bnd["start"][i] : bnd["start"][i] + bnd["npts"][i]]
        c[j] = pts[ids].mean(axis=0)
    return c


def surface_values(bnd, faces, a):
    """(values, label): Cp = (p - p_ref) * cp_scale when the case gave the
    reference values, else p itself."""
    p = bnd["p"][faces]
    if a.cp_scale is not None:
        return (p - a.p_ref) * a.cp_scale, "Cp"
    return p, "p"


def surface_2d(bnd, faces, used, a, case, step, path):
    """2D case (one cell thick): the wall patches are lines in the plane, so
    the picture is a plot: the outline coloured by the value, and the value
    against x (Cp axis downwards, as aerodynamicists draw it)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    v, label = surface_values(bnd, faces, a)
    c = face_centres(np, bnd, faces)
    w, h = a.size
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(w / 100.0, h / 100.0), dpi=100)
    sc = ax0.scatter(c[:, 0], c[:, 1], c=v, cmap="coolwarm", s=12)
    ax0.set_aspect("equal", adjustable="datalim")
    ax0.set_xlabel("x")
    ax0.set_ylabel("y")
    fig.colorbar(sc, ax=ax0, label=label, shrink=0.8)
    ax0.set_title("%s on %s" % (label, ", ".join(used)))
    for k, name in enumerate(used):
        sel = np.array([bnd["names"][bnd["patch"][i]] == name for i in faces.tolist()])
        order = np.argsort(c[sel, 0], kind="stable")
        ax1.plot(c[sel, 0][order], v[sel][order], ".", ms=3, label=name)
    if label == "Cp":
        ax1.invert_yaxis()
    ax1.set_xlabel("x")
    ax1.set_ylabel(label)
    ax1.grid(True, alpha=0.3)
    if len(used) > 1:
        ax1.legend()
    fig.suptitle("%s: surface %s, step %d%s" % (case, "pressure coefficient" if label == "Cp" else "pressure p", step, " (p_ref %g)" % a.p_ref if label == "Cp" else ""))
    fig.tight_layout()
    tmp = gp.tmp_name(path)
    fig.savefig(tmp, dpi=100)
    os.replace(tmp, path)
    plt.close(fig)
    gp.say(NAME, "wrote %s" % path)
    gp.say(NAME, "%s on %s: %d faces, from %.4g to %.4g" % (label, ", ".join(used), len(faces), v.min(), v.max()))


def surface_3d(simple, bnd, faces, used, a, case, step, path):
    """3D: the wall patches as polygons coloured by Cp (or p), seen from
    upstream, the side and above (z up, flow along +x)."""
    import numpy as np
    from vtkmodules.util import numpy_support as ns
    from vtkmodules.vtkCommonCore import vtkPoints
    from vtkmodules.vtkCommonDataModel import vtkCellArray, vtkPolyData

    v, label = surface_values(bnd, faces, a)
    t = bnd["topo"]
    conn = np.concatenate([t[bnd["start"][i] : bnd["start"][i] + bnd["npts"][i]] for i in faces.tolist()]).astype(np.int64)
    off = np.concatenate([[0], np.cumsum(bnd["npts"][faces])]).astype(np.int64)
    pd = vtkPolyData()
    pts = vtkPoints()
    pts.SetData(ns.numpy_to_vtk(np.ascontiguousarray(bnd["points"], dtype=np.float64), deep=1))
    pd.SetPoints(pts)
    ca = vtkCellArray()
    ca.SetData(ns.numpy_to_vtkIdTypeArray(off, deep=1), ns.numpy_to_vtkIdTypeArray(conn, deep=1))
    pd.SetPolys(ca)
    arr = ns.numpy_to_vtk(np.ascontiguousarray(v, dtype=np.float64), deep=1)
    arr.SetName(label)
    pd.GetCellData().AddArray(arr)
    src = simple.TrivialProducer(registrationName="surface")
    src.GetClientSideObject().SetOutput(pd)
    src.UpdatePipeline()
    view = make_view(simple, a.size)
    d = simple.Show(src, view)
    d.Ambient, d.Diffuse = 0.35, 0.7  # faces turned from the light stay readable
    simple.ColorBy(d, ("CELLS", label))
    lut = simple.GetColorTransferFunction(label)
    lut.ApplyPreset("Cool to Warm", True)
    # colours over the 1st to 99th percentile: a few cells in wall pockets or
    # at sharp edges would otherwise take the whole colour range
    lo, hi = np.percentile(v, [1, 99]) if len(v) >= 100 else (v.min(), v.max())
    if hi <= lo:
        lo, hi = lo - 1e-12, hi + 1e-12
    lut.RescaleTransferFunction(float(lo), float(hi))
    d.SetScalarBarVisibility(view, True)
    bar = simple.GetScalarBar(lut, view)
    bar.Title = label
    bar.ComponentTitle = ""
    bar.TitleColor = bar.LabelColor = [0, 0, 0]
    bar.TitleFontSize = bar.LabelFontSize = font(view, 16)
    bar.RangeLabelFormat = "%-#.3g"
    bar.WindowLocation = "Any Location"
    bar.Orientation = "Vertical"
    bar.Position = [0.87, 0.12]
    bar.ScalarBarLength = 0.7
    add_title(simple, view, "%s: surface %s on %s, step %d%s" % (case, "pressure coefficient" if label == "Cp" else "pressure p", ", ".join(used), step, " (colours: 1st-99th percentile)" if len(v) >= 100 else ""))
    used_pts = bnd["points"][np.unique(conn)]  # the data set holds all mesh points: frame the surfaces only
    b = [used_pts[:, 0].min(), used_pts[:, 0].max(), used_pts[:, 1].min(), used_pts[:, 1].max(), used_pts[:, 2].min(), used_pts[:, 2].max()]
    centre = [0.5 * (b[0] + b[1]), 0.5 * (b[2] + b[3]), 0.5 * (b[4] + b[5])]
    diag = max(((b[1] - b[0]) ** 2 + (b[3] - b[2]) ** 2 + (b[5] - b[4]) ** 2) ** 0.5, 1e-30)
    simple.Render(view)
    look = unit([-1.0, -1.2, 0.8])  # from upstream, the -y side and above
    view.CameraFocalPoint = centre
    view.CameraPosition = [centre[i] + 3 * diag * look[i] for i in range(3)]
    view.CameraViewUp = [0, 0, 1]
    view.CameraParallelProjection = 1
    view.CameraParallelScale = 0.45 * diag
    simple.Render(view)
    save(simple, view, path, a.size)
    gp.say(NAME, "%s on %s: %d faces, from %.4g to %.4g" % (label, ", ".join(used), len(faces), v.min(), v.max()))


def surface_picture(simple, a, step, case):
    """surface_cp.png, or a message saying why not."""
    import numpy as np

    bnd = load_boundary(os.path.join(a.results, "solution.h5"), step)
    if bnd is None:
        gp.say(NAME, "solution.h5 holds no boundary faces (written by an older Gale): no surface_cp.png; run the case again")
        return
    if bnd["p"] is None:
        gp.say(NAME, "step %d has no p field: no surface_cp.png" % step)
        return
    wanted = [w for w in (a.surface_patches or "").split(",") if w]
    faces, used = surface_faces(np, bnd, wanted)
    if len(faces) == 0:
        gp.say(NAME, "no wall patch faces (name patches in the case file's post.surface.patches): no surface_cp.png")
        return
    path = os.path.join(a.outdir, "surface_cp.png")
    if "empty" in bnd["types"]:
        surface_2d(bnd, faces, used, a, case, step, path)
    else:
        surface_3d(simple, bnd, faces, used, a, case, step, path)


def step_times(xmf):
    """[(step, time)] from solution.xmf's grids."""
    with open(xmf) as f:
        text = f.read()
    found = re.findall(r'<Grid Name="step_(\d+)"[^>]*>\s*<Time Value="([^"]+)"', text)
    return [(int(s), float(t)) for s, t in found]


def unit(v):
    n = sum(x * x for x in v) ** 0.5
    return [x / n for x in v]


def cross(a, b):
    return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]


def view_up(normal):
    """The coordinate axis least aligned with the normal, made orthogonal to it."""
    k = min(range(3), key=lambda i: (abs(normal[i]), -i))
    axis = [1.0 if i == k else 0.0 for i in range(3)]
    if k == 0:  # prefer y, then z, as "up" for the usual views
        axis = [0.0, 1.0, 0.0] if abs(normal[1]) < 0.9 else [0.0, 0.0, 1.0]
    return unit(cross(cross(normal, axis), normal))


def make_view(simple, size):
    v = simple.CreateView("RenderView")
    v.ViewSize = list(size)
    v.OrientationAxesVisibility = 1
    v.OrientationAxesLabelColor = [0, 0, 0]
    try:
        v.UseColorPaletteForBackground = 0
    except AttributeError:
        pass
    v.Background = [1, 1, 1]
    return v


def font(view, base):
    """Font size scaled with the picture width (base at 1200 pixels)."""
    return max(8, int(round(base * view.ViewSize[0] / 1200.0)))


def colour_by_speed(simple, disp, view):
    simple.ColorBy(disp, ("POINTS", "U", "Magnitude"))
    lut = simple.GetColorTransferFunction("U")
    lut.ApplyPreset("Viridis (matplotlib)", True)
    disp.RescaleTransferFunctionToDataRange(False, True)
    disp.SetScalarBarVisibility(view, True)
    bar = simple.GetScalarBar(lut, view)
    bar.Title = "U magnitude"  # "|U|" loses its bars in the bar's font
    bar.ComponentTitle = ""
    bar.HorizontalTitle = 1
    bar.TitleColor = bar.LabelColor = [0, 0, 0]
    bar.TitleFontSize = bar.LabelFontSize = font(view, 16)
    bar.RangeLabelFormat = "%-#.3g"
    bar.WindowLocation = "Any Location"
    bar.Orientation = "Vertical"
    bar.Position = [0.87, 0.12]
    bar.ScalarBarLength = 0.7


def add_title(simple, view, text):
    t = simple.Text(Text=text)
    d = simple.Show(t, view)
    d.Color = [0, 0, 0]
    d.FontSize = font(view, 20)
    d.WindowLocation = "Upper Center"
    return t


def screen_axes(normal):
    """(right, up, towards the viewer) for a plane with this normal: the
    viewer sits on the side that makes the picture right-handed with the
    largest component of `right` positive (x to the right for a z-normal
    plane seen from +z, and for a y-normal plane seen from -y)."""
    up = view_up(normal)
    back = list(normal)
    right = cross(up, back)
    k = max(range(3), key=lambda i: abs(right[i]))
    if right[k] < 0:
        back = [-v for v in back]
        right = [-v for v in right]
    return right, up, back


def extent_in_view(bounds, right, up):
    """Width and height of the bounding box on the screen."""
    corners = [(x, y, z) for x in bounds[0:2] for y in bounds[2:4] for z in bounds[4:6]]
    along = lambda e: [sum(c[i] * e[i] for i in range(3)) for c in corners]  # noqa: E731
    return max(along(right)) - min(along(right)), max(along(up)) - min(along(up))


# Where the drawing goes, in fractions of the picture: left of the colour
# bar (which starts at 0.87) and below the title.
AREA_X, AREA_Y = (0.03, 0.84), (0.05, 0.90)


def frame(simple, view, normal, bounds, size):
    """Look at the bounding box along the plane normal with a parallel
    projection that fits it into AREA_X x AREA_Y. Rendered once first: a
    view's first render resets the camera."""
    simple.Render(view)
    right, up, back = screen_axes(normal)
    w, h = extent_in_view(bounds, right, up)
    aspect = size[0] / float(size[1])
    scale = 0.5 * max(h / (AREA_Y[1] - AREA_Y[0]), w / ((AREA_X[1] - AREA_X[0]) * aspect), 1e-30)
    # shift the focal point so the box centre lands on the area's centre
    dx = (0.5 - 0.5 * (AREA_X[0] + AREA_X[1])) * 2 * scale * aspect
    dy = (0.5 - 0.5 * (AREA_Y[0] + AREA_Y[1])) * 2 * scale
    centre = [0.5 * (bounds[2 * i] + bounds[2 * i + 1]) + dx * right[i] + dy * up[i] for i in range(3)]
    view.CameraFocalPoint = centre
    view.CameraPosition = [centre[i] + back[i] * 10 * max(w, h, 1e-30) for i in range(3)]
    view.CameraViewUp = up
    view.CameraParallelProjection = 1
    view.CameraParallelScale = scale
    simple.Render(view)


def save(simple, view, path, size):
    tmp = gp.tmp_name(path)
    simple.SaveScreenshot(tmp, view, ImageResolution=list(size), TransparentBackground=0)
    if not os.path.isfile(tmp):
        raise SystemExit("gale post: ParaView could not write %s" % tmp)
    os.replace(tmp, path)
    gp.say(NAME, "wrote %s" % path)


def source(simple, results, xmf, step, time):
    """The solution as a ParaView source at the step, with point data."""
    try:
        import h5py  # noqa: F401 (load_grid needs it)
    except ImportError:
        h5py = None
    if h5py is not None:
        ug, nhex, npoly = load_grid(os.path.join(results, "solution.h5"), step)
        src = simple.TrivialProducer(registrationName="solution")
        src.GetClientSideObject().SetOutput(ug)
        src.UpdatePipeline()
        gp.say(NAME, "%d hexahedra, %d other polyhedra" % (nhex, npoly))
    else:  # slower: VTK's polyhedra, cut into tetrahedra for speed
        gp.say(NAME, "h5py not importable in pvbatch's Python: reading solution.xmf (slower)")
        reader = simple.Xdmf3ReaderS(registrationName="solution", FileName=[xmf])
        at_t = simple.ForceTime(Input=reader, ForcedTime=time, IgnorePipelineTime=1)
        src = simple.Tetrahedralize(Input=at_t)
        src.UpdatePipeline(time)
    return src, simple.CellDatatoPointData(Input=src)


def main(argv):
    a = parse(argv)
    from paraview import simple

    xmf = os.path.abspath(os.path.join(a.results, "solution.xmf"))  # a bare name misleads the reader
    if not os.path.isfile(xmf):
        gp.say(NAME, "no %s: no pictures" % xmf)
        return gp.NOTHING
    st = step_times(xmf)
    if not st:
        gp.say(NAME, "%s lists no step yet: no pictures" % xmf)
        return gp.NOTHING
    if a.step is None:
        step, time = st[-1]
    else:
        match = [t for s, t in st if s == a.step]
        if not match:
            raise SystemExit("gale post: step %d is not in %s (steps: %s)" % (a.step, xmf, ", ".join(str(s) for s, _ in st)))
        step, time = a.step, match[0]

    src, points = source(simple, a.results, xmf, step, time)
    b = src.GetDataInformation().GetBounds()
    centre = [0.5 * (b[0] + b[1]), 0.5 * (b[2] + b[3]), 0.5 * (b[4] + b[5])]
    diag = ((b[1] - b[0]) ** 2 + (b[3] - b[2]) ** 2 + (b[5] - b[4]) ** 2) ** 0.5
    normal = unit(a.slice_normal)
    origin = a.slice_origin or centre
    case = os.path.basename(os.path.dirname(os.path.abspath(a.results)))
    view = make_view(simple, a.size)

    # velocity magnitude on the slice
    sl = simple.Slice(Input=points)
    sl.SliceType = "Plane"
    sl.SliceType.Origin = list(origin)
    sl.SliceType.Normal = list(normal)
    sl.UpdatePipeline(time)
    if sl.GetDataInformation().GetNumberOfPoints() == 0:
        raise SystemExit("gale post: the slice plane through (%g, %g, %g) normal (%g, %g, %g) misses the mesh (bounds %s)" % (tuple(origin) + tuple(normal) + (", ".join("%g" % v for v in b),)))
    gp.say(NAME, "slice plane through (%g, %g, %g) normal (%g, %g, %g)" % (tuple(origin) + tuple(a.slice_normal)))
    if a.slice_box:
        gp.say(NAME, "slice and streamlines framed to the box (%g, %g, %g)-(%g, %g, %g)" % tuple(a.slice_box[0::2] + a.slice_box[1::2]))
    d = simple.Show(sl, view)
    colour_by_speed(simple, d, view)
    title = add_title(simple, view, "%s: velocity magnitude, plane through (%.4g, %.4g, %.4g) normal (%.3g, %.3g, %.3g), step %d" % ((case,) + tuple(origin) + tuple(a.slice_normal) + (step,)))
    frame(simple, view, normal, a.slice_box or sl.GetDataInformation().GetBounds(), a.size)
    save(simple, view, os.path.join(a.outdir, "slice_U.png"), a.size)
    simple.Hide(title, view)

    # streamlines from a seed line, over the slice in pale grey
    if a.seed_line:
        p1, p2 = a.seed_line
    else:
        x = b[0] + 0.05 * (b[1] - b[0])
        p1, p2 = [x, b[2], centre[2]], [x, b[3], centre[2]]
    tr = simple.StreamTracer(Input=points, SeedType="Line")
    tr.Vectors = ["POINTS", "U"]
    tr.SeedType.Point1, tr.SeedType.Point2 = list(p1), list(p2)
    tr.SeedType.Resolution = max(a.seeds - 1, 1)
    tr.IntegrationDirection = "BOTH"
    tr.MaximumStreamlineLength = 4 * diag
    tr.MaximumSteps = 20000
    tr.UpdatePipeline(time)
    nlines = tr.GetDataInformation().GetNumberOfCells()
    gp.say(NAME, "streamlines from %d seeds on (%g, %g, %g)-(%g, %g, %g): %d lines" % ((a.seeds,) + tuple(p1) + tuple(p2) + (nlines,)))
    d.SetScalarBarVisibility(view, False)
    simple.ColorBy(d, None)
    d.DiffuseColor = d.AmbientColor = [0.88, 0.88, 0.88]
    d.Ambient, d.Diffuse = 1.0, 0.0  # flat pale grey, whatever the lighting
    seed = simple.Line(Point1=list(p1), Point2=list(p2))
    dl = simple.Show(seed, view)
    dl.DiffuseColor = dl.AmbientColor = [0.85, 0.1, 0.1]
    dl.LineWidth = 3
    dt = simple.Show(tr, view)
    dt.LineWidth = 2
    colour_by_speed(simple, dt, view)
    add_title(simple, view, "%s: streamlines from %d seeds on (%.3g, %.3g, %.3g)-(%.3g, %.3g, %.3g), step %d" % ((case, a.seeds) + tuple(p1) + tuple(p2) + (step,)))
    frame(simple, view, normal, a.slice_box or b, a.size)
    save(simple, view, os.path.join(a.outdir, "streamlines.png"), a.size)
    if nlines == 0:
        gp.say(NAME, "no streamline left the seed line (velocity zero there?): try --seed-line")
    surface_picture(simple, a, step, case)
    return gp.PRODUCED


def run(argv):
    """main() with its exit status; errors become messages and status 1."""
    try:
        return main(argv)
    except SystemExit as e:  # option errors; argparse has printed its own
        if isinstance(e.code, str):
            print(e.code, file=sys.stderr)
            return 1
        return e.code or 0
    except Exception:  # noqa: BLE001 (any failure is reported, not a crash)
        import traceback

        traceback.print_exc()
        return 1


if __name__ == "__main__":
    # pvbatch segfaults while tearing down views after sys.exit(): leave
    # through os._exit once the pictures are on disk and output flushed.
    code = run(sys.argv[1:])
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
