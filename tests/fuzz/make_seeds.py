#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into tests/fuzz/corpus_seed/
(case/, polymesh/, expr/, stl/, obj/, gmsh/) and the case dictionary dict/case.dict (every
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
    "valid_gmsh.yaml": "mesh: {gmsh: channel.msh, scale: 0.001}\nfluid: {nu: 1e-3}\nboundary:\n  walls: {type: wall}\n  defaultFaces: {type: empty}\n",
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


CUBE_QUADS = [(0, 3, 2, 1), (4, 5, 6, 7), (0, 1, 5, 4), (2, 3, 7, 6), (1, 2, 6, 5), (0, 4, 7, 3)]  # outward, counter-clockwise


def cube_points(lo=0.0, hi=1.0):
    return [(lo if (i & 1) == 0 else hi, lo if (i & 2) == 0 else hi, lo if (i & 4) == 0 else hi) for i in (0, 1, 3, 2, 4, 5, 7, 6)]


def cube_tris(lo=0.0, hi=1.0):
    p = cube_points(lo, hi)
    return [(p[q[0]], p[q[k]], p[q[k + 1]]) for q in CUBE_QUADS for k in (1, 2)]


def normal(t):
    a, b, c = t
    u = [b[i] - a[i] for i in range(3)]
    w = [c[i] - a[i] for i in range(3)]
    n = [u[1] * w[2] - u[2] * w[1], u[2] * w[0] - u[0] * w[2], u[0] * w[1] - u[1] * w[0]]
    s = sum(x * x for x in n) ** 0.5 or 1.0
    return [x / s for x in n]


def stl_ascii(solids):
    out = ""
    for name, tris in solids:
        out += "solid %s\n" % name
        for t in tris:
            out += "  facet normal %g %g %g\n    outer loop\n" % tuple(normal(t))
            for v in t:
                out += "      vertex %g %g %g\n" % v
            out += "    endloop\n  endfacet\n"
        out += "endsolid %s\n" % name
    return out.encode()


def stl_binary(tris, header=b"binary cube"):
    import struct
    b = header.ljust(80, b" ") + struct.pack("<I", len(tris))
    for t in tris:
        b += struct.pack("<3f", *normal(t)) + b"".join(struct.pack("<3f", *v) for v in t) + b"\0\0"
    return b


def obj_text(groups, quads=True, negative=False, slashes=False):
    pts = cube_points()
    out = "# cube\nmtllib none.mtl\n" + "".join("v %g %g %g\n" % p for p in pts) + "vt 0 0\nvn 0 0 1\n"
    faces = [list(q) for q in CUBE_QUADS] if quads else [[q[0], q[k], q[k + 1]] for q in CUBE_QUADS for k in (1, 2)]
    per = (len(faces) + len(groups) - 1) // len(groups)
    for g, name in enumerate(groups):
        out += ("g %s\n" % name) if name else ""
        out += "usemtl x\ns off\n"
        for f in faces[g * per:(g + 1) * per]:
            refs = [(str(i - 8) if negative else str(i + 1)) + ("/1/1" if slashes else "") for i in f]
            out += "f " + " ".join(refs) + "\n"
    return out.encode()


def write_bytes(target, name, data):
    with open(os.path.join(OUT, target, name), "wb") as f:
        f.write(data)


def write_surface_seeds():
    two = [("walls", cube_tris()[:8]), ("lid", cube_tris()[8:])]
    write_bytes("stl", "valid_cube_ascii.stl", stl_ascii([("cube", cube_tris())]))
    write_bytes("stl", "valid_cube_two_solids.stl", stl_ascii(two))
    write_bytes("stl", "valid_cube_binary.stl", stl_binary(cube_tris()))
    write_bytes("stl", "valid_cube_binary_solid_header.stl", stl_binary(cube_tris(), b"solid but binary"))
    write_bytes("stl", "valid_cube_gz.stl", b"!gz\n" + stl_ascii([("cube", cube_tris())]))
    write_bytes("stl", "valid_two_cubes_open.stl", stl_ascii([("a", cube_tris()[2:]), ("b", cube_tris(0.5, 1.5))]))
    write_bytes("stl", "truncated_gz.stl", b"!gzcut\n" + stl_binary(cube_tris()))
    write_bytes("obj", "valid_cube_quads.obj", obj_text(["walls", "lid"]))
    write_bytes("obj", "valid_cube_tris_negative.obj", obj_text([None], quads=False, negative=True))
    write_bytes("obj", "valid_cube_slashes.obj", obj_text(["a", "b", "c"], slashes=True))
    write_bytes("obj", "valid_cube_gz.obj", b"!gz\n" + obj_text(["o1"]))
    write_bytes("obj", "truncated_gz.obj", b"!gzcut\n" + obj_text(["o1"]))


def msh(nodes, blocks, binary=False, names=((2, 1, "inlet"), (2, 2, "walls")), surf_phys=None, extra="", big=False):
    """MSH 4.1 text (bytes): nodes [(tag, x, y, z)] in one block on volume 1,
    element blocks [(dim, entity, type, [(tag, node tags...)])], surfaces
    1..n with physical tags surf_phys {entity: phys}."""
    import struct
    surf_phys = surf_phys or {}
    bo = ">" if big else "<"  # big: a binary file of a big-endian machine
    surfs = sorted({e for d, e, t, els in blocks if d == 2} | set(surf_phys))
    out = [b"$MeshFormat\n4.1 %d 8\n" % int(binary)]
    if binary:
        out.append(struct.pack(bo + "i", 1) + b"\n")
    out.append(b"$EndMeshFormat\n")
    if names:
        out.append(b"$PhysicalNames\n%d\n" % len(names) + b"".join(b'%d %d "%s"\n' % (d, t, n.encode()) for d, t, n in names) + b"$EndPhysicalNames\n")
    out.append(extra.encode())

    def sz(*v):
        return b"".join(struct.pack(bo + "Q", x) for x in v) if binary else (" ".join(str(x) for x in v) + "\n").encode()

    def it(*v):
        return b"".join(struct.pack(bo + "i", x) for x in v) if binary else (" ".join(str(x) for x in v) + " ").encode()

    def dbl(*v):
        return b"".join(struct.pack(bo + "d", x) for x in v) if binary else (" ".join("%.17g" % x for x in v) + " ").encode()

    ent = b"$Entities\n" + sz(0, 0, len(surfs), 1)
    for e in surfs:
        ent += it(e) + dbl(0, 0, 0, 1, 1, 1) + (sz(1) + it(surf_phys[e]) if e in surf_phys else sz(0)) + sz(0)
    ent += it(1) + dbl(0, 0, 0, 1, 1, 1) + sz(0) + sz(0)
    out.append(ent + (b"\n" if binary else b"") + b"$EndEntities\n")
    tags = [n[0] for n in nodes]
    nod = b"$Nodes\n" + sz(1, len(nodes), min(tags), max(tags)) + it(3, 1, 0) + sz(len(nodes))
    nod += b"".join(sz(t) for t in tags) + b"".join(dbl(*n[1:]) for n in nodes)
    out.append(nod + (b"\n" if binary else b"") + b"$EndNodes\n")
    ne = sum(len(b[3]) for b in blocks)
    el = b"$Elements\n" + sz(len(blocks), ne, 1, ne)
    for d, e, t, els in blocks:
        el += it(d, e, t) + sz(len(els)) + b"".join(sz(*x) for x in els)
    out.append(el + (b"\n" if binary else b"") + b"$EndElements\n")
    return b"".join(out)


def msh_seeds():
    # two unit hexahedra along x (node tags sparse: 10 + 3 i) plus a pyramid
    # on the right one's x = 2 face and two tetrahedra on the left's y = 0
    # face; inlet = x = 0 face, walls = the pyramid's sides
    P = [(0, 0, 0), (1, 0, 0), (1, 1, 0), (0, 1, 0), (0, 0, 1), (1, 0, 1), (1, 1, 1), (0, 1, 1),
         (2, 0, 0), (2, 1, 0), (2, 0, 1), (2, 1, 1), (2.5, 0.5, 0.5), (0.5, -0.5, 0.5)]
    T = [10 + 3 * i for i in range(len(P))]
    nodes = [(T[i],) + P[i] for i in range(len(P))]
    hexes = [(1, T[0], T[1], T[2], T[3], T[4], T[5], T[6], T[7]), (2, T[1], T[8], T[9], T[2], T[5], T[10], T[11], T[6])]
    pyr = [(3, T[8], T[9], T[11], T[10], T[12])]
    tets = [(4, T[0], T[1], T[5], T[13]), (5, T[0], T[5], T[4], T[13])]
    inlet = [(6, T[0], T[4], T[7], T[3])]
    walls = [(7, T[8], T[9], T[12]), (8, T[9], T[11], T[12])]
    blocks = [(3, 1, 5, hexes), (3, 1, 7, pyr), (3, 1, 4, tets), (2, 1, 3, inlet), (2, 2, 2, walls), (0, 1, 15, [(9, T[0])]), (1, 1, 1, [(10, T[0], T[1])])]
    phys = {1: 1, 2: 2}
    write_bytes("gmsh", "valid_mixed_ascii.msh", msh(nodes, blocks, surf_phys=phys))
    write_bytes("gmsh", "valid_mixed_binary.msh", msh(nodes, blocks, binary=True, surf_phys=phys))
    write_bytes("gmsh", "valid_mixed_binary_bigendian.msh", msh(nodes, blocks, binary=True, surf_phys=phys, big=True))
    write_bytes("gmsh", "valid_mixed_gz.msh", b"!gz\n" + msh(nodes, blocks, surf_phys=phys, extra="$Comments\nfree text\n$EndComments\n"))
    write_bytes("gmsh", "valid_hex_no_names.msh", msh(nodes, blocks[:1] + blocks[3:4], names=()))
    write_bytes("gmsh", "truncated_gz.msh", b"!gzcut\n" + msh(nodes, blocks, binary=True, surf_phys=phys))
    write_bytes("gmsh", "second_order.msh", msh(nodes[:10] + [(99,) + P[0]] * 0, [(3, 1, 11, [(1,) + tuple(T[:10])])], names=()))
    write_bytes("gmsh", "version22.msh", b"$MeshFormat\n2.2 0 8\n$EndMeshFormat\n")
    write_bytes("gmsh", "flat_2d.msh", msh(nodes, blocks[3:5], surf_phys=phys))


def main():
    write_case_dict()
    for d in ("case", "polymesh", "expr", "stl", "obj", "gmsh"):
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
    write_surface_seeds()
    msh_seeds()
    return 0


if __name__ == "__main__":
    sys.exit(main())
