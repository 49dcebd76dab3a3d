"""Check that ParaView reads Gale's solution.xmf as true polyhedra.

usage: pvpython check_paraview.py DIR/solution.xmf [--cells N] [--volume V]

Opens the file with ParaView's Xdmf3 reader (given an absolute path: with a
bare file name the reader looks for the wrong .h5) and, at every time step,
checks the number of cells, that they are polyhedra with every face
oriented outward, that the cell fields
match what test_io_output --write-sample writes (p = x + 2y + 3z + step,
U = step * (x, y, z) at the cell centre, step = 2 * time; 1e-10 relative)
and that the cell volumes from CellSize and from IntegrateVariables add up
to the mesh volume (1e-10 relative), which only holds if every polyhedron's
faces are read correctly and oriented outward. Expected cell count and
volume default to DIR/expected.json. Exits non-zero on any failure.
"""
import json
import os
import sys

from paraview import servermanager, simple

TOL = 1e-10


def fail(msg):
    print("check_paraview: FAIL: " + msg)
    sys.exit(1)


def first_dataset(data):
    """The unstructured grid, also when the reader hands a multiblock."""
    if data.IsA("vtkMultiBlockDataSet") or data.IsA("vtkCompositeDataSet"):
        it = data.NewIterator()
        it.InitTraversal()
        while not it.IsDoneWithTraversal():
            block = it.GetCurrentDataObject()
            if block is not None and block.GetNumberOfCells() > 0:
                return block
            it.GoToNextItem()
        fail("reader returned no non-empty block")
    return data


def close(a, b):
    return abs(a - b) <= TOL * max(1.0, abs(a), abs(b))


def parse_args(argv):
    if len(argv) < 2:
        print(__doc__)
        sys.exit(2)
    xmf = os.path.abspath(argv[1])
    expected = {}
    jpath = os.path.join(os.path.dirname(xmf), "expected.json")
    if os.path.exists(jpath):
        with open(jpath) as f:
            expected = json.load(f)
    args = argv[2:]
    for i in range(0, len(args) - 1, 2):
        if args[i] == "--cells":
            expected["cells"] = int(args[i + 1])
        elif args[i] == "--volume":
            expected["volume"] = float(args[i + 1])
    if "cells" not in expected or "volume" not in expected:
        fail("no expected cell count/volume (give --cells N --volume V or write expected.json)")
    return xmf, expected


def check_orientation(grid, t):
    """Every polyhedron face's right-hand (Newell) normal points out of its cell."""
    from vtkmodules.vtkCommonCore import vtkIdList

    stream = vtkIdList()
    for c in range(grid.GetNumberOfCells()):
        grid.GetFaceStream(c, stream)
        ids = [stream.GetId(i) for i in range(stream.GetNumberOfIds())]
        faces, k = [], 1
        for _ in range(ids[0]):
            faces.append([grid.GetPoint(i) for i in ids[k + 1 : k + 1 + ids[k]]])
            k += 1 + ids[k]
        allpts = [x for f in faces for x in f]
        centre = [sum(x[d] for x in allpts) / len(allpts) for d in range(3)]
        for j, f in enumerate(faces):
            normal, fc = [0.0, 0.0, 0.0], [sum(x[d] for x in f) / len(f) for d in range(3)]
            for a, b in zip(f, f[1:] + f[:1]):
                normal[0] += (a[1] - b[1]) * (a[2] + b[2])
                normal[1] += (a[2] - b[2]) * (a[0] + b[0])
                normal[2] += (a[0] - b[0]) * (a[1] + b[1])
            if sum(normal[d] * (fc[d] - centre[d]) for d in range(3)) <= 0:
                fail("t=%g: face %d of cell %d points into the cell" % (t, j, c))


def check_step(reader, t, expected):
    step = round(2 * t)
    at_t = simple.ForceTime(Input=reader, ForcedTime=t, IgnorePipelineTime=1)
    grid = first_dataset(servermanager.Fetch(at_t))
    n = grid.GetNumberOfCells()
    if n != expected["cells"]:
        fail("t=%g: %d cells, expected %d" % (t, n, expected["cells"]))
    for c in range(n):
        if grid.GetCellType(c) != 42:  # VTK_POLYHEDRON
            fail("t=%g: cell %d has VTK type %d, expected a polyhedron (42)" % (t, c, grid.GetCellType(c)))
    check_orientation(grid, t)
    cd = grid.GetCellData()
    if cd.GetArray("p") is None or cd.GetArray("U") is None:
        fail("t=%g: cell arrays p and U missing" % t)
    if cd.GetArray("U").GetNumberOfComponents() != 3:
        fail("t=%g: U has %d components" % (t, cd.GetArray("U").GetNumberOfComponents()))

    # cell centres (parallelepipeds: the bounding-box centre is the centroid)
    centres = simple.CellCenters(Input=at_t)
    centres.VertexCells = 0
    pts = servermanager.Fetch(centres)
    pts = first_dataset(pts) if not pts.IsA("vtkPolyData") else pts
    p, U = pts.GetPointData().GetArray("p"), pts.GetPointData().GetArray("U")
    if pts.GetNumberOfPoints() != n or p is None or U is None:
        fail("t=%g: CellCenters gave %d points" % (t, pts.GetNumberOfPoints()))
    for c in range(n):
        x = pts.GetPoint(c)
        want = x[0] + 2 * x[1] + 3 * x[2] + step
        if not close(p.GetValue(c), want):
            fail("t=%g cell %d at %s: p = %.17g, x + 2y + 3z + %d = %.17g" % (t, c, x, p.GetValue(c), step, want))
        u = U.GetTuple3(c)
        for d in range(3):
            if not close(u[d], step * x[d]):
                fail("t=%g cell %d: U = %s, expected %d * %s" % (t, c, u, step, x))

    # volumes
    sizes = simple.CellSize(Input=at_t)
    sizes.ComputeVertexCount = 0
    sizes.ComputeLength = 0
    sizes.ComputeArea = 0
    sizes.ComputeVolume = 1
    vols = first_dataset(servermanager.Fetch(sizes)).GetCellData().GetArray("Volume")
    total = sum(vols.GetValue(c) for c in range(vols.GetNumberOfTuples()))
    vmin = min(vols.GetValue(c) for c in range(vols.GetNumberOfTuples()))
    if vmin <= 0 or not close(total, expected["volume"]):
        fail("t=%g: CellSize volumes sum to %.17g (min %g), mesh volume %.17g" % (t, total, vmin, expected["volume"]))
    integ = servermanager.Fetch(simple.IntegrateVariables(Input=at_t))
    ivol = integ.GetCellData().GetArray("Volume").GetValue(0)
    if not close(ivol, expected["volume"]):
        fail("t=%g: IntegrateVariables volume %.17g, mesh volume %.17g" % (t, ivol, expected["volume"]))
    print("check_paraview: t=%g: %d polyhedra, p and U match at the cell centres, volume %.17g" % (t, n, total))


def main():
    xmf, expected = parse_args(sys.argv)
    if not os.path.exists(xmf):
        fail("%s does not exist" % xmf)
    reader = simple.Xdmf3ReaderS(registrationName="solution", FileName=[xmf])
    reader.UpdatePipelineInformation()
    times = list(reader.TimestepValues) if reader.TimestepValues else []
    if "steps" in expected and len(times) != len(expected["steps"]):
        fail("%d time steps %s, expected %d" % (len(times), times, len(expected["steps"])))
    if not times:
        fail("no time steps in %s" % xmf)
    for t in times:
        check_step(reader, t, expected)
    print("check_paraview: OK %s" % xmf)


if __name__ == "__main__":
    main()
