#!/usr/bin/python3
"""Case-level tests of `gale mesh`: the quality report, the gate and
results/mesh.h5 + mesh.xmf.

  gate       a polyMesh with one inverted cell (two unit cubes whose shared
             face is moved beyond the far end: volume -0.5 at x = 2.25, by
             hand) -> `gale mesh` prints the report with its *** line,
             writes mesh.h5 (volume field holds -0.5) and exits non-zero with
             the cell count and centre in the message; `gale run` stops at
             the same gate before solving.
  report     a 16 x 16 x 1 cavity block mesh at 1 and 2 ranks: identical
             reports; mesh.h5 per cell: level 0, rank 0/1 (both used at 2
             ranks), volume 0.1/256 (analytic), non-orthogonality 0 and
             skewness 0 (a Cartesian grid); the xmf names every field and,
             when pvpython is installed, ParaView reads it (cell count,
             fields, total volume 0.1 from its own polyhedra).
             cases/cylinder_re20 (octree) at 2 ranks: the level field's
             histogram is the report's cells-per-level line.
  types      one tetrahedron, prism, wedge, pyramid and 7-faced polyhedron
             (a polyMesh written here): one of each in the report, and the
             same counts from checkMesh when it is installed.
  checkmesh  cases/cylinder_re20 exported with -write_polymesh and checked
             by OpenFOAM's checkMesh (the independent code) in the same run:
             cell types, polyhedra by face count, max/average
             non-orthogonality, max skewness, max aspect ratio, min/total
             volume, min/average cell determinant agree to the 4 digits Gale
             prints. Exit 77 (skipped) without checkMesh.

Environment: GALE_EXE, GALE_SOURCE_DIR. Usage: quality_cases.py NAME"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

import h5py
import numpy as np

EXE = os.environ["GALE_EXE"]
SRC = os.environ["GALE_SOURCE_DIR"]
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMPI_MCA_mpi_yield_when_idle="1", OMPI_MCA_rmaps_base_oversubscribe="1")


def gale(args, np_=1, check=True):
    cmd = ([EXE] if np_ == 1 else ["mpirun", "--oversubscribe", "-np", str(np_), EXE]) + args
    r = subprocess.run(cmd, capture_output=True, text=True, env=ENV)
    if check and r.returncode != 0:
        print(r.stdout[-4000:], r.stderr[-4000:])
        sys.exit("%s failed with status %d" % (" ".join(cmd), r.returncode))
    return r


def report(text):
    """The quality block of a `gale mesh` log."""
    m = re.search(r"^Mesh quality.*?^(Mesh OK\.|Failed \d+ mesh checks?\.)$", text, re.S | re.M)
    if not m:
        sys.exit("no quality report in:\n" + text[-3000:])
    return m.group(0)


def fail(msg):
    sys.exit("FAIL: " + msg)


def cavity(d, n):
    os.makedirs(d)
    with open(os.path.join(d, "case.yaml"), "w") as f:
        f.write("""mesh:
  blocks:
    - box: [[0, 0, 0], [1, 1, 0.1]]
      cells: [%d, %d, 1]
      patches: {imin: walls, imax: walls, jmin: walls, jmax: lid, kmin: frontAndBack, kmax: frontAndBack}
fluid: {nu: 0.01}
boundary:
  lid: {type: wall, U: [1, 0, 0]}
  walls: {type: wall}
  frontAndBack: {type: empty}
""" % (n, n))


def cylinder(d):
    src = os.path.join(SRC, "cases", "cylinder_re20")
    os.makedirs(d)
    for f in ("case.yaml", "make_stl.py"):
        shutil.copy(os.path.join(src, f), d)
    subprocess.run([sys.executable, os.path.join(d, "make_stl.py")], check=True, capture_output=True)


def test_gate(tmp):
    c = os.path.join(tmp, "bad")
    os.makedirs(c)
    with open(os.path.join(c, "case.yaml"), "w") as f:
        f.write("""mesh:
  blocks:
    - box: [[0, 0, 0], [2, 1, 1]]
      cells: [2, 1, 1]
      patches: {imin: walls, imax: walls, jmin: walls, jmax: walls, kmin: walls, kmax: walls}
fluid: {nu: 0.01}
boundary:
  walls: {type: wall}
""")
    pm = os.path.join(tmp, "polyMesh")
    gale(["mesh", c, "-write_polymesh", pm])
    # move the shared face x = 1 to x = 2.5: the second cell turns inside out
    path = os.path.join(pm, "points")
    text = open(path).read()
    text, n = re.subn(r"\(1 ([-0-9.e+]+ [-0-9.e+]+)\)", r"(2.5 \1)", text)
    if n != 4:
        fail("expected 4 points at x = 1 in %s, found %d" % (path, n))
    open(path, "w").write(text)
    with open(os.path.join(c, "case.yaml"), "w") as f:
        f.write("mesh:\n  polyMesh: %s\nfluid: {nu: 0.01}\nboundary:\n  walls: {type: wall}\n" % pm)
    for np_ in (1, 2):
        r = gale(["mesh", c], np_, check=False)
        print(r.stdout[-2500:], r.stderr[-1500:])
        if r.returncode == 0:
            fail("gale mesh accepted a mesh with an inverted cell")
        if "***Zero or negative cell volume in 1 cells" not in r.stdout:
            fail("the report lacks the *** line for the inverted cell")
        want = "the mesh has 1 cell with zero or negative volume (smallest -0.5 m^3, at (2.25, 0.5, 0.5))"
        if want not in r.stderr:
            fail("the error message lacks '%s'" % want)
        if r.stderr.count("zero or negative volume") != 1:
            fail("expected the message once, not once per rank")
        with h5py.File(os.path.join(c, "results", "mesh.h5"), "r") as f:
            vol = np.sort(f["fields/volume"][...])
        if not np.allclose(vol, [-0.5, 2.5], rtol=0, atol=1e-12):
            fail("mesh.h5 volumes %s, expected -0.5 and 2.5" % vol)
    r = gale(["run", c], 2, check=False)  # the same gate before solving
    print(r.stdout[-1500:], r.stderr[-1500:])
    if r.returncode == 0 or want not in r.stderr or "Solving" in r.stdout:
        fail("gale run did not stop at the gate with '%s'" % want)


def test_report(tmp):
    c = os.path.join(tmp, "cav")
    cavity(c, 16)
    reps = []
    for np_ in (1, 2):
        r = gale(["mesh", c], np_)
        reps.append(report(r.stdout))
        with h5py.File(os.path.join(c, "results", "mesh.h5"), "r") as f:
            names = sorted(f["fields"])
            if names != sorted(["level", "rank", "nonOrthogonality", "skewness", "volume"]):
                fail("mesh.h5 fields %s" % names)
            fld = {k: f["fields/" + k][...] for k in names}
            npts, ntop = f["mesh/points"].shape[0], f["mesh/topology"].shape[0]
        for k, a in fld.items():
            if a.shape != (256,):
                fail("%s has shape %s, expected (256,)" % (k, a.shape))
        if npts != 17 * 17 * 2 or ntop != 256 * (2 + 6 * 5):
            fail("mesh.h5 has %d points and topology length %d" % (npts, ntop))
        if not (np.all(fld["level"] == 0) and set(np.unique(fld["rank"])) == set(range(np_))):
            fail("level/rank fields wrong at %d ranks: ranks %s" % (np_, np.unique(fld["rank"])))
        if not (np.allclose(fld["volume"], 0.1 / 256, rtol=1e-12) and np.all(fld["nonOrthogonality"] < 1e-5) and np.all(fld["skewness"] < 1e-10)):
            fail("quality fields of a Cartesian grid are not volume 0.1/256, non-orthogonality 0, skewness 0")
        xmf = open(os.path.join(c, "results", "mesh.xmf")).read()
        for k in names:
            if "mesh.h5:/fields/%s<" % k not in xmf:
                fail("mesh.xmf does not name field %s" % k)
    pv = shutil.which("pvpython")
    if pv:  # ParaView reads the polyhedra and fields (written at 2 ranks); volume 0.1 by construction
        r = subprocess.run([pv, os.path.join(os.path.dirname(os.path.abspath(__file__)), "check_mesh_paraview.py"), os.path.abspath(os.path.join(c, "results", "mesh.xmf")), "256", "0.1"], capture_output=True, text=True)
        print(r.stdout[-2000:], r.stderr[-2000:])
        if r.returncode != 0:
            fail("ParaView could not read mesh.xmf")
    else:
        print("pvpython not installed: mesh.xmf not opened in ParaView")
    print(reps[0])
    if reps[0] != reps[1]:
        fail("reports differ between 1 and 2 ranks:\n%s\n---\n%s" % (reps[0], reps[1]))
    if not reps[0].endswith("Mesh OK."):
        fail("a Cartesian grid should be OK")

    c = os.path.join(tmp, "cyl")
    cylinder(c)
    rep = report(gale(["mesh", c], 2).stdout)
    m = re.search(r"cells per level\s+(.*)", rep)
    want = [int(x) for x in re.findall(r"L\d+ (\d+)", m.group(1))]
    with h5py.File(os.path.join(c, "results", "mesh.h5"), "r") as f:
        got = np.bincount(f["fields/level"][...].astype(int), minlength=len(want)).tolist()
        ranks = np.unique(f["fields/rank"][...])
    print("cells per level: report %s, mesh.h5 %s" % (want, got))
    if got != want or list(ranks) != [0, 1]:
        fail("mesh.h5 levels %s differ from the report's %s (or ranks %s)" % (got, want, ranks))


def write_polymesh(d, cells):
    """cells: (points, faces) each; faces turned to point out of their cell,
    every face a boundary face of patch walls."""
    pts, faces, owner = [], [], []
    for c, (P, F) in enumerate(cells):
        P = np.array(P, float)
        for f in F:
            q = P[f]
            n = sum(np.cross(q[i], q[(i + 1) % len(q)]) for i in range(len(q)))
            if np.dot(n, q.mean(axis=0) - P.mean(axis=0)) < 0:
                f = f[::-1]
            faces.append([len(pts) + i for i in f])
            owner.append(c)
        pts.extend(P.tolist())
    os.makedirs(d)
    hdr = "FoamFile { version 2.0; format ascii; class %s; object %s; }\n"
    with open(os.path.join(d, "points"), "w") as f:
        f.write(hdr % ("vectorField", "points") + "%d\n(\n" % len(pts) + "".join("(%.17g %.17g %.17g)\n" % tuple(p) for p in pts) + ")\n")
    with open(os.path.join(d, "faces"), "w") as f:
        f.write(hdr % ("faceList", "faces") + "%d\n(\n" % len(faces) + "".join("%d(%s)\n" % (len(q), " ".join(map(str, q))) for q in faces) + ")\n")
    with open(os.path.join(d, "owner"), "w") as f:
        f.write(hdr % ("labelList", "owner") + "%d\n(\n" % len(owner) + "".join("%d\n" % c for c in owner) + ")\n")
    with open(os.path.join(d, "neighbour"), "w") as f:
        f.write(hdr % ("labelList", "neighbour") + "0\n(\n)\n")
    with open(os.path.join(d, "boundary"), "w") as f:
        f.write(hdr % ("polyBoundaryMesh", "boundary") + "1\n(\nwalls { type wall; nFaces %d; startFace 0; }\n)\n" % len(faces))


def foam_case(d):
    """system/ files checkMesh needs."""
    os.makedirs(os.path.join(d, "system"))
    os.makedirs(os.path.join(d, "constant"), exist_ok=True)
    hdr = "FoamFile { version 2.0; format ascii; class dictionary; object %s; }\n"
    with open(os.path.join(d, "system", "controlDict"), "w") as f:
        f.write(hdr % "controlDict" + "application checkMesh; startFrom startTime; startTime 0; stopAt endTime; endTime 1; deltaT 1; writeControl timeStep; writeInterval 1;\n")
    with open(os.path.join(d, "system", "fvSchemes"), "w") as f:
        f.write(hdr % "fvSchemes" + "ddtSchemes { default steadyState; } gradSchemes { default Gauss linear; } divSchemes { default none; } laplacianSchemes { default Gauss linear corrected; } interpolationSchemes { default linear; } snGradSchemes { default corrected; }\n")
    with open(os.path.join(d, "system", "fvSolution"), "w") as f:
        f.write(hdr % "fvSolution")


BASHRC = "/usr/share/openfoam/etc/bashrc"


def have_checkmesh():
    return os.path.exists(BASHRC) and shutil.which("checkMesh") is not None


def checkmesh(d):
    r = subprocess.run(["bash", "-c", ". %s >/dev/null 2>&1; checkMesh -case %s -allGeometry" % (BASHRC, d)], capture_output=True, text=True)
    if "Checking geometry" not in r.stdout:
        print(r.stdout[-3000:], r.stderr[-3000:])
        fail("checkMesh did not run")
    return r.stdout


TYPES = ["hexahedra", "prisms", "wedges", "pyramids", "tet wedges", "tetrahedra", "polyhedra"]


def test_types(tmp):
    """One cell of each shape, by hand: tetrahedron (4 triangles), prism (2
    triangles + 3 quads), wedge (7 points: 2 triangles + 4 quads), pyramid (4
    triangles + 1 quad), and a cube whose bottom is two triangles (7 faces:
    a polyhedron). Unit-cube based, volumes 1/6, 1/2, -, 1/3, 1. With
    checkMesh installed, its counts must be the same."""
    cells = [
        ([(0, 0, 0), (1, 0, 0), (0, 1, 0), (0, 0, 1)], [[0, 2, 1], [0, 1, 3], [1, 2, 3], [0, 3, 2]]),
        ([(2, 0, 0), (3, 0, 0), (2, 1, 0), (2, 0, 1), (3, 0, 1), (2, 1, 1)], [[0, 1, 2], [3, 4, 5], [0, 1, 4, 3], [1, 2, 5, 4], [2, 0, 3, 5]]),
        ([(4, 0, 0), (5, 0, 0), (5, 1, 0), (4, 1, 0), (4, 0, 1), (5, 0, 1), (5, 1, 1)], [[0, 1, 2, 3], [4, 5, 6], [0, 1, 5, 4], [1, 2, 6, 5], [2, 3, 6], [3, 0, 4, 6]]),
        ([(6, 0, 0), (7, 0, 0), (7, 1, 0), (6, 1, 0), (6.5, 0.5, 1)], [[0, 1, 2, 3], [0, 1, 4], [1, 2, 4], [2, 3, 4], [3, 0, 4]]),
        ([(8, 0, 0), (9, 0, 0), (9, 1, 0), (8, 1, 0), (8, 0, 1), (9, 0, 1), (9, 1, 1), (8, 1, 1)], [[0, 1, 2], [0, 2, 3], [4, 5, 6, 7], [0, 1, 5, 4], [1, 2, 6, 5], [2, 3, 7, 6], [3, 0, 4, 7]]),
    ]
    c = os.path.join(tmp, "mixed")
    write_polymesh(os.path.join(c, "constant", "polyMesh"), cells)
    with open(os.path.join(c, "case.yaml"), "w") as f:
        f.write("mesh:\n  polyMesh: constant/polyMesh\nfluid: {nu: 1}\nboundary:\n  walls: {type: wall}\n")
    g = report(gale(["mesh", c]).stdout)
    print(g)
    want = {"hexahedra": 0, "prisms": 1, "wedges": 1, "pyramids": 1, "tet wedges": 0, "tetrahedra": 1, "polyhedra": 1}
    got = {n: int(num(r"\b%s (\d+)" % n, g, n)[0]) for n in TYPES}
    if got != want or "7 faces: 1" not in g:
        fail("cell types %s, expected %s and one polyhedron of 7 faces" % (got, want))
    if have_checkmesh():
        foam_case(c)
        o = checkmesh(c)
        ofc = {n: int(num(r"^\s+%s:\s+(\d+)" % n, o, n)[0]) for n in TYPES}
        print("checkMesh:", ofc)
        if ofc != got:
            fail("checkMesh counts %s, Gale %s" % (ofc, got))


def num(pattern, text, what):
    m = re.search(pattern, text, re.M)
    if not m:
        fail("no %s in:\n%s" % (what, text))
    return [float(x) for x in m.groups()]


def test_checkmesh(tmp):
    if not have_checkmesh():
        print("OpenFOAM checkMesh not installed: skipped")
        sys.exit(77)
    c = os.path.join(tmp, "cyl")
    cylinder(c)
    foam = os.path.join(tmp, "foam")
    foam_case(foam)
    g = report(gale(["mesh", c, "-write_polymesh", os.path.join(foam, "constant", "polyMesh")]).stdout)
    o = checkmesh(foam)
    print(g)
    print(o[o.index("Overall number of cells"):])
    pairs = []  # (what, gale, openfoam, relative tolerance)
    for n in TYPES:
        pairs.append((n, num(r"\b%s (\d+)" % n, g, n)[0], num(r"^\s+%s:\s+(\d+)" % n, o, n)[0], 0))
    for nf, cnt in re.findall(r"(\d+) faces: (\d+)", g):
        pairs.append(("polyhedra with %s faces" % nf, float(cnt), num(r"^\s+%s\s+(\d+)\s*$" % nf, o, "polyhedra with %s faces" % nf)[0], 0))
    gn, gs, ga = num(r"non-orthogonality\s+max (\S+), average (\S+) degrees", g, "non-orthogonality"), num(r"skewness\s+(\S+)", g, "skewness"), num(r"aspect ratio\s+(\S+)", g, "aspect ratio")
    on = num(r"Mesh non-orthogonality Max: (\S+) average: (\S+)", o, "non-orthogonality")
    gv, ov = num(r"cell volume\s+min (\S+), max (\S+), total ([^ ]+) m", g, "volume"), num(r"Min volume = (\S+)\. Max volume = (\S+)\.\s+Total volume = (\S+)\.", o, "volume")
    gd, od = num(r"cell determinant\s+min (\S+), average (\S+)", g, "determinant"), num(r"minimum: (\S+) average: (\S+)\s*$", o[o.index("Cell determinant"):], "determinant")
    pairs += [("max non-orthogonality", gn[0], on[0], 1e-3), ("average non-orthogonality", gn[1], on[1], 1e-3)]
    pairs += [("max skewness", gs[0], num(r"Max skewness = (\S+?),? ", o, "skewness")[0], 1e-3)]
    pairs += [("max aspect ratio", ga[0], num(r"Max aspect ratio = (\S+) ", o, "aspect ratio")[0], 1e-3)]
    pairs += [("min volume", gv[0], ov[0], 1e-3), ("max volume", gv[1], ov[1], 1e-3), ("total volume", gv[2], ov[2], 1e-5)]
    pairs += [("min determinant", gd[0], od[0], 1e-3), ("average determinant", gd[1], od[1], 1e-3)]
    bad = 0
    for what, a, b, tol in pairs:
        ok = abs(a - b) <= tol * abs(b) + (0 if tol else 0.5)
        print("%-28s gale %-12.6g checkMesh %-12.6g %s" % (what, a, b, "ok" if ok else "DIFFERENT"))
        bad += not ok
    if bad:
        fail("%d numbers differ from checkMesh's" % bad)


if __name__ == "__main__":
    name = sys.argv[1]
    tmp = tempfile.mkdtemp(prefix="gale_quality_")
    try:
        {"gate": test_gate, "report": test_report, "types": test_types, "checkmesh": test_checkmesh}[name](tmp)
        print("PASS", name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
