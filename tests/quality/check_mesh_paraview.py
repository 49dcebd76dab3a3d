"""ParaView reads results/mesh.xmf: pvpython check_mesh_paraview.py DIR/mesh.xmf NCELLS VOLUME

Opens the file with ParaView's Xdmf3 reader and checks the number of cells,
that the cell fields level, rank, nonOrthogonality, skewness and volume are
there, and that the polyhedra's volumes from IntegrateVariables add up to
VOLUME (1e-9 relative: only when every face is read and oriented outward)
and to the sum of the volume field. Exits non-zero on any failure."""
import sys

from paraview import servermanager, simple


def fail(msg):
    print("check_mesh_paraview: FAIL: " + msg)
    sys.exit(1)


def dataset(src):
    data = servermanager.Fetch(src)
    if data.IsA("vtkCompositeDataSet"):
        it = data.NewIterator()
        it.InitTraversal()
        while not it.IsDoneWithTraversal():
            block = it.GetCurrentDataObject()
            if block is not None and block.GetNumberOfCells() > 0:
                return block
            it.GoToNextItem()
        fail("no non-empty block")
    return data


path, ncells, volume = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
reader = simple.Xdmf3ReaderS(FileName=[path])
reader.UpdatePipeline()
grid = dataset(reader)
if grid.GetNumberOfCells() != ncells:
    fail("%d cells, expected %d" % (grid.GetNumberOfCells(), ncells))
cd = grid.GetCellData()
names = sorted(cd.GetArrayName(i) for i in range(cd.GetNumberOfArrays()))
for want in ("level", "nonOrthogonality", "rank", "skewness", "volume"):
    if want not in names:
        fail("no cell field %s (fields: %s)" % (want, names))
vol = cd.GetArray("volume")
vsum = sum(vol.GetValue(i) for i in range(vol.GetNumberOfTuples()))
integ = simple.IntegrateVariables(Input=reader)
integ.UpdatePipeline()
ivol = dataset(integ).GetCellData().GetArray("Volume").GetValue(0)
for what, v in (("IntegrateVariables", ivol), ("the volume field", vsum)):
    if abs(v - volume) > 1e-9 * abs(volume):
        fail("total volume from %s %.12g, expected %.12g" % (what, v, volume))
print("check_mesh_paraview: %d cells, fields %s, volume %.12g: OK" % (ncells, names, ivol))
