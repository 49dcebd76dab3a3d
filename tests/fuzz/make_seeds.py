#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into tests/fuzz/corpus_seed/
(case/, polymesh/, expr/) and the case dictionary dict/case.dict (every
string of io/case.c's key and choice tables, plus YAML syntax); run from
anywhere, rerun after adding cases or case.yaml keys.

polymesh seeds are small nx x ny x 1 hex meshes in OpenFOAM polyMesh layout
(internal faces in upper-triangular order, then the patches left, right,
bottom, top, frontAndBack) in the forms the importer reads: with and without
FoamFile headers, counted and uncounted lists, faceCompactList, old-style
neighbour with -1 entries, uniform lists, gzipped files, comments. Files are
joined with the line "@@" (see fuzz_targets.h). Seeds named valid_* must be
accepted (checked by test_fuzz_replay)."""
import glob
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
OUT = os.path.join(HERE, "corpus_seed")
SEP = "\n@@\n"


def header(cls, obj, note=None):
    s = "FoamFile\n{\n    version     2.0;\n    format      ascii;\n    class       %s;\n" % cls
    if note:
        s += '    note        "%s";\n' % note
    s += '    location    "constant/polyMesh";\n    object      %s;\n}\n' % obj
    return s + "// * * * * //\n\n"


def box_mesh(nx, ny, lx=1.0, ly=1.0, lz=0.1):
    """points, faces, owner, neighbour, patches [(name, type, faces)]."""
    def pid(i, j, k):
        return i + (nx + 1) * (j + (ny + 1) * k)

    def cid(i, j):
        return i + nx * j

    pts = [(lx * i / nx, ly * j / ny, lz * k) for k in range(2) for j in range(ny + 1) for i in range(nx + 1)]
    # quads with the right-hand normal along +x, +y, +z
    def xface(i, j):
        return [pid(i, j, 0), pid(i, j + 1, 0), pid(i, j + 1, 1), pid(i, j, 1)]

    def yface(i, j):
        return [pid(i, j, 0), pid(i, j, 1), pid(i + 1, j, 1), pid(i + 1, j, 0)]

    def zface(i, j, k):
        return [pid(i, j, k), pid(i + 1, j, k), pid(i + 1, j + 1, k), pid(i, j + 1, k)]

    internal = []
    for j in range(ny):
        for i in range(nx):
            if i + 1 < nx:
                internal.append((cid(i, j), cid(i + 1, j), xface(i + 1, j)))
            if j + 1 < ny:
                internal.append((cid(i, j), cid(i, j + 1), yface(i, j + 1)))
    internal.sort(key=lambda t: (t[0], t[1]))
    faces = [f for _, _, f in internal]
    owner = [o for o, _, _ in internal]
    neigh = [n for _, n, _ in internal]
    patches = []

    def patch(name, typ, items):
        patches.append((name, typ, len(items)))
        for c, f in items:
            faces.append(f)
            owner.append(c)

    patch("left", "patch", [(cid(0, j), xface(0, j)[::-1]) for j in range(ny)])
    patch("right", "patch", [(cid(nx - 1, j), xface(nx, j)) for j in range(ny)])
    patch("bottom", "wall", [(cid(i, 0), yface(i, 0)[::-1]) for i in range(nx)])
    patch("top", "wall", [(cid(i, ny - 1), yface(i, ny)) for i in range(nx)])
    patch("frontAndBack", "empty", [(cid(i, j), zface(i, j, 0)[::-1]) for j in range(ny) for i in range(nx)] + [(cid(i, j), zface(i, j, 1)) for j in range(ny) for i in range(nx)])
    return pts, faces, owner, neigh, patches


def fmt_num(v):
    return ("%.6g" % v)


def label_list(vals, counted=True, per_line=True):
    body = ("\n".join(str(v) for v in vals)) if per_line else " ".join(str(v) for v in vals)
    return ("%d\n(\n%s\n)\n" % (len(vals), body)) if counted else "(\n%s\n)\n" % body


def write_poly(name, pts, faces, owner, neigh, patches, headers=True, counted=True, compact=False, old_neigh=False, gz=(), cut=(), comments=False, uniform_owner=False):
    ncells = max(owner + neigh) + 1
    nint = len(neigh)
    note = "nPoints:%d  nCells:%d  nFaces:%d  nInternalFaces:%d" % (len(pts), ncells, len(faces), nint)
    p = header("vectorField", "points") if headers else ""
    p += ("%d\n" % len(pts) if counted else "") + "(\n" + "\n".join("(%s %s %s)" % tuple(fmt_num(c) for c in x) for x in pts) + "\n)\n"
    if comments:
        p = "/* a block comment\n   over two lines */\n" + p.replace("(\n(", "( // first point next\n(", 1)
    if compact:
        offs = [0]
        for f in faces:
            offs.append(offs[-1] + len(f))
        fl = header("faceCompactList", "faces")  # the class is what marks the compact form
        fl += label_list(offs, counted, per_line=False) + "\n" + label_list([v for f in faces for v in f], counted, per_line=False)
    else:
        fl = header("faceList", "faces") if headers else ""
        fl += ("%d\n" % len(faces) if counted else "") + "(\n" + "\n".join("%d(%s)" % (len(f), " ".join(map(str, f))) for f in faces) + "\n)\n"
    o = header("labelList", "owner", note) if headers else ""
    if uniform_owner:
        assert len(set(owner)) == 1
        o += "%d{%d}\n" % (len(owner), owner[0])
    else:
        o += label_list(owner, counted)
    nb = list(neigh) + ([-1] * (len(faces) - nint) if old_neigh else [])
    n = header("labelList", "neighbour", note) if headers else ""
    n += label_list(nb, counted) if nb or counted else "()\n"
    b = header("polyBoundaryMesh", "boundary") if headers else ""
    start = nint
    ents = []
    for pname, typ, size in patches:
        ents.append("    %s\n    {\n        type            %s;\n        inGroups        List<word> 1(%s);\n        nFaces          %d;\n        startFace       %d;\n    }" % (pname, typ, typ, size, start))
        start += size
    b += ("%d\n" % len(patches) if counted else "") + "(\n" + "\n".join(ents) + "\n)\n"
    segs = [p, fl, o, n, b]
    for i in gz:
        segs[i] = "!gz\n" + segs[i]
    for i in cut:
        segs[i] = "!gzcut\n" + segs[i]
    with open(os.path.join(OUT, "polymesh", name), "w") as f:
        f.write(SEP.join(segs))


def one_cell():
    pts, faces, owner, neigh, patches = box_mesh(1, 1)
    return pts, faces, owner, neigh, patches


CASES = {
    "valid_full_case.yaml": """title: "Two blocks"
mesh:
  scale: 0.001
  blocks:
    - box: [[0,0,0],[1,1,0.1]]
      cells: [4, 5, 1]
      grading: [2, 0.5, 1]
      patches: {imin: inlet, jmin: fixedWalls, jmax: movingWall, kmin: frontAndBack, kmax: frontAndBack}
    - vertices: [[1,0,0],[2,0,0],[2,1,0],[1,1,0],[1,0,0.1],[2,0,0.1],[2,1,0.1],[1,1,0.1]]
      cells: [3, 5, 1]
      grading: 3
      patches:
        imax: outlet
        jmin: inlet2
        jmax: inlet3
        kmin: sym
        kmax: far
fluid: {nu: 0.01, rho: 1.2}
boundary:
  movingWall: {type: wall, U: [1, 0, 0]}
  fixedWalls: {type: wall}
  inlet:      {type: inlet, U: [10, 0, 0]}
  inlet2:     {type: inlet, U: {expression: ["1.5*4*y*(0.41-y)/0.41^2", "0", "sin(pi*t)"]}}
  inlet3:     {type: Inlet, U: {table: {axis: y, rows: [[0, 0,0,0], [0.5, 1,0,0], [1, 0,0,2]]}}}
  outlet:     {type: outlet, p: 2.5}
  frontAndBack: {type: empty}
  sym:        {type: symmetry}
  far:        {type: freestream, U: [1,0,0], p: 0}
initial:
  U: [1, 2, 3]
  p: 4
solver:
  algorithm: SIMPLEC
  convection: vanLeer
  gradient: leastSquares
  max_iterations: 500
  tolerance: 1e-6
  relaxation: {U: 0.8}
  non_orthogonal_correctors: 2
  divergence_factor: 1e8
  linear:
    p: {rtol: 0.01, ksp: gmres, max_it: 50}
output: {interval: 50, log_interval: 10}
forces:
  patches: [movingWall, fixedWalls]
  reference: {area: 2, centre: [0.5, 0.5, 0], lift: [0, 0, 2]}
""",
    "valid_defaults.yaml": "mesh: {polyMesh: constant/polyMesh}\nfluid: {nu: 1e-3}\nboundary:\n  walls: {type: zeroGradient}\n",
    "valid_piso.yaml": "mesh: {polyMesh: pm}\nfluid: {nu: 1}\nboundary: {a: {type: wall}}\n"
                       "solver: {algorithm: piso, dt: 0.01, end_time: 2, time_scheme: backward, correctors: 3}\n",
    "valid_pimple_block.yaml": """mesh:
  merge_tolerance: 1e-5
  blocks:
    - vertices: [[0,0,0],[1,0,0],[1.2,1,0],[0.2,1,0],[0,0,1],[1,0,1],[1.2,1,1],[0.2,1,1]]
      cells: [3, 3, 2]
      grading: [1, 2, 0.5]
      patches: {imin: in, imax: out, jmin: w, jmax: w, kmin: s, kmax: s}
fluid: {nu: 1e-2}
boundary:
  in:  {type: inlet, U: {table: {axis: z, rows: [[0, 1, 0, 0], [1, 2, 0, 0]]}}}
  out: {type: outlet}
  w:   {type: wall, U: {expression: [t, "0", "-x"]}}
  s:   {type: symmetry}
solver:
  algorithm: PIMPLE
  dt: 1e-3
  end_time: 0.01
  outer_correctors: 3
  linear: {U: {ksp: bcgs, pc: jacobi, rtol: 1e-3, atol: 0, max_it: 10}}
forces: {patches: [w], reference: {drag: [0, 1, 0], velocity: 2, density: 1000, length: 0.1}}
""",
    "anchors_aliases.yaml": "mesh: {polyMesh: pm}\nfluid: &f {nu: 1}\nboundary: {a: &w {type: wall}, b: *w}\ninitial: *f\n",
    "unclosed.yaml": "mesh: {polyMesh: pm}\nfluid:\n  nu: [1, 2\nboundary: {w: {type: wall}}\n",
}

EXPRS = {
    "poiseuille": "6*y*(1-y)",
    "sin2": "sin(pi*x)^2",
    "profile": "1.5*4*y*(0.41-y)/0.41^2",
    "all_funcs": "sin(x)+cos(y)+tan(z)+asin(0.5)+acos(t)+atan(x)+sinh(y)+cosh(z)+tanh(t)+exp(-x)+log(2)+log10(y)+sqrt(abs(z))",
    "unary_power": "-2^-3^2 + +x * -(y - 1e-3) / 2.5E+2",
    "nested": "((((((((x))))))))*(((t)))",
    "bad_unclosed": "sin(x",
}


YAML_TOKENS = [": ", "- ", "[", "]", "{", "}", ", ", "&a ", "*a", "!!str ", "!!map ", "---", "...", "~", "null", ".nan", ".inf",
               "1e308", "-0", "0x10", "\"", "'", "#", "|\n", "? ", "<<: ", "%YAML 1.1\n", "\t", "  ", "2147483647", "-2147483648"]


def dict_entry(w):
    out = ""
    for ch in w:
        out += "\\" + ch if ch in '"\\' else ch if 32 <= ord(ch) < 127 else "\\x%02X" % ord(ch)
    return '"%s"' % out


def write_case_dict():
    src = open(os.path.join(ROOT, "io", "case.c")).read()
    words = []
    for body in re.findall(r"const char \*const \w+\[\]\s*=\s*\{(.*?)\};", src, re.S):
        for w in re.findall(r'"((?:[^"\\]|\\.)*)"', body):
            if w not in words:
                words.append(w)
    with open(os.path.join(HERE, "dict", "case.dict"), "w") as f:
        f.write("# libFuzzer dictionary for fuzz_case, written by make_seeds.py from io/case.c's tables\n")
        for w in words + YAML_TOKENS:
            f.write(dict_entry(w) + "\n")


def main():
    write_case_dict()
    for d in ("case", "polymesh", "expr"):
        os.makedirs(os.path.join(OUT, d), exist_ok=True)
    for f in sorted(glob.glob(os.path.join(ROOT, "cases", "*", "case.yaml"))):
        name = "valid_" + os.path.basename(os.path.dirname(f)) + ".yaml"
        with open(f) as src, open(os.path.join(OUT, "case", name), "w") as dst:
            dst.write(src.read())
    for name, text in CASES.items():
        with open(os.path.join(OUT, "case", name), "w") as f:
            f.write(text)
    for name, text in EXPRS.items():
        with open(os.path.join(OUT, "expr", ("valid_" if not name.startswith("bad") else "") + name), "w") as f:
            f.write(text)
    m22 = box_mesh(2, 2)
    write_poly("valid_2x2_headers", *m22)
    write_poly("valid_2x2_plain", *m22, headers=False, counted=False)
    write_poly("valid_2x2_compact", *m22, compact=True)
    write_poly("valid_2x2_oldneighbour", *m22, old_neigh=True, comments=True)
    write_poly("valid_2x2_gz", *m22, gz=(0, 2, 4))
    write_poly("valid_3x1", *box_mesh(3, 1, 3.0, 0.5, 0.2))
    write_poly("valid_1cell_uniform", *one_cell(), uniform_owner=True)
    write_poly("truncated_gz", *m22, cut=(1,))
    pts, faces, owner, neigh, patches = box_mesh(2, 1)
    faces[0] = faces[0][::-1]  # internal face turned the wrong way: GaleMeshCheck rejects it
    write_poly("flipped_face", pts, faces, owner, neigh, patches)
    return 0


if __name__ == "__main__":
    sys.exit(main())
