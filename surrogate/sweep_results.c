/* Reading a sweep's results and writing predictions (serial HDF5).
 *
 * A sample's solution is the last step of results/solution.h5 (layout in
 * io/gale_output.h): /steps/<8 digits>/<field> of shape [nCells] or
 * [nCells, nComp] in original cell order, returned here component-major as
 * the surrogate API wants it. Cell volumes, the POD weights, come from the
 * file's own mesh: /mesh/topology lists every cell as an XDMF polyhedron
 * (16, nfaces, then per face npts, ids, oriented out of the cell), and
 * V = sum over faces of the fan triangles (c, p_i, p_i+1) of
 * (p_i - o) x (p_i+1 - o) . (c - o) / 6 (divergence theorem, o the first
 * point of the cell, c the face's vertex average).
 *
 * A prediction is written as DIR/prediction.h5 with the same layout (the
 * mesh datasets copied from the model file, one step 00000000) and
 * DIR/prediction.xmf as io/output.c writes it, so ParaView opens it like
 * any Gale result. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <hdf5.h>
#include "gale_sweep.h"
#include <sys/stat.h>

static herr_t LastStep(hid_t g, const char *name, const H5L_info_t *info, void *ctx)
{
  char *best = (char *)ctx;
  (void)g, (void)info;
  if (strlen(name) < 32 && (!best[0] || strcmp(name, best) > 0)) strcpy(best, name);
  return 0;
}

static herr_t ListNames(hid_t g, const char *name, const H5L_info_t *info, void *ctx)
{
  char  *buf = (char *)ctx;
  size_t k   = strlen(buf);
  (void)g, (void)info;
  if (k + strlen(name) + 3 < 256) GaleSweepFmt(buf + k, 256 - k, "%s%s", k ? ", " : "", name);
  return 0;
}

PetscErrorCode GaleSweepReadField(const char *h5, const char *field, PetscInt64 *nCells, PetscInt *nComp, PetscReal **data)
{
  hid_t      file, steps, step, dset, space;
  char       last[32] = "", names[256] = "";
  hsize_t    dims[2] = {0, 1};
  int        nd;
  PetscReal *buf;

  PetscFunctionBeginUser;
  *data = NULL;
  PetscCheck(access(h5, R_OK) == 0, PETSC_COMM_SELF, GALE_ERR_USER, "%s: cannot read the results: %s", h5, strerror(errno));
  H5E_BEGIN_TRY
  {
    file = H5Fopen(h5, H5F_ACC_RDONLY, H5P_DEFAULT);
  }
  H5E_END_TRY;
  PetscCheck(file >= 0, PETSC_COMM_SELF, GALE_ERR_USER, "%s: not a readable HDF5 file", h5);
  if (H5Lexists(file, "steps", H5P_DEFAULT) <= 0) {
    H5Fclose(file);
    SETERRQ(PETSC_COMM_SELF, GALE_ERR_USER, "%s: no /steps (not a Gale solution file)", h5);
  }
  steps = H5Gopen2(file, "steps", H5P_DEFAULT);
  H5Literate(steps, H5_INDEX_NAME, H5_ITER_INC, NULL, LastStep, last);
  if (!last[0]) {
    H5Gclose(steps);
    H5Fclose(file);
    SETERRQ(PETSC_COMM_SELF, GALE_ERR_USER, "%s: no step written", h5);
  }
  step = H5Gopen2(steps, last, H5P_DEFAULT);
  if (H5Lexists(step, field, H5P_DEFAULT) <= 0) {
    H5Literate(step, H5_INDEX_NAME, H5_ITER_INC, NULL, ListNames, names);
    H5Gclose(step);
    H5Gclose(steps);
    H5Fclose(file);
    SETERRQ(PETSC_COMM_SELF, GALE_ERR_USER, "%s: step %s has no field '%s' (it has: %s)", h5, last, field, names);
  }
  dset  = H5Dopen2(step, field, H5P_DEFAULT);
  space = H5Dget_space(dset);
  nd    = H5Sget_simple_extent_ndims(space);
  if (nd >= 1 && nd <= 2) H5Sget_simple_extent_dims(space, dims, NULL);
  H5Sclose(space);
  if (nd < 1 || nd > 2 || H5Tget_class(H5Dget_type(dset)) != H5T_FLOAT || dims[0] == 0 || dims[1] == 0 || dims[1] > 9) {
    H5Dclose(dset);
    H5Gclose(step);
    H5Gclose(steps);
    H5Fclose(file);
    SETERRQ(PETSC_COMM_SELF, GALE_ERR_USER, "%s: /steps/%s/%s is not a cell field of doubles", h5, last, field);
  }
  PetscCall(PetscMalloc1(dims[0] * dims[1], &buf));
  PetscCall(PetscMalloc1(dims[0] * dims[1], data));
  if (H5Dread(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
    PetscCall(PetscFree(buf));
    PetscCall(PetscFree(*data));
    H5Dclose(dset);
    H5Gclose(step);
    H5Gclose(steps);
    H5Fclose(file);
    SETERRQ(PETSC_COMM_SELF, GALE_ERR_USER, "%s: cannot read /steps/%s/%s", h5, last, field);
  }
  for (hsize_t c = 0; c < dims[0]; c++)
    for (hsize_t d = 0; d < dims[1]; d++) (*data)[d * dims[0] + c] = buf[c * dims[1] + d];
  PetscCall(PetscFree(buf));
  H5Dclose(dset);
  H5Gclose(step);
  H5Gclose(steps);
  H5Fclose(file);
  *nCells = (PetscInt64)dims[0];
  *nComp  = (PetscInt)dims[1];
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A 1-D or 2-D dataset read whole; *n0, *n1 its shape (n1 = 1 for 1-D). */
static PetscErrorCode ReadWhole(hid_t loc, const char *name, hid_t memtype, size_t size, const char *path, void **data, hsize_t *n0, hsize_t *n1)
{
  hid_t   dset, space;
  hsize_t dims[2] = {0, 1};
  int     nd;

  PetscFunctionBeginUser;
  PetscCheck(H5Lexists(loc, name, H5P_DEFAULT) > 0, PETSC_COMM_SELF, GALE_ERR_USER, "%s: no %s", path, name);
  dset  = H5Dopen2(loc, name, H5P_DEFAULT);
  space = H5Dget_space(dset);
  nd    = H5Sget_simple_extent_ndims(space);
  if (nd >= 1 && nd <= 2) H5Sget_simple_extent_dims(space, dims, NULL);
  H5Sclose(space);
  if (nd < 1 || nd > 2 || !dims[0] || !dims[1]) {
    H5Dclose(dset);
    SETERRQ(PETSC_COMM_SELF, GALE_ERR_USER, "%s: %s has an unexpected shape", path, name);
  }
  PetscCall(PetscMallocA(1, PETSC_FALSE, __LINE__, PETSC_FUNCTION_NAME, __FILE__, (size_t)(dims[0] * dims[1]) * size, data));
  if (H5Dread(dset, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, *data) < 0) {
    H5Dclose(dset);
    PetscCall(PetscFree(*data));
    SETERRQ(PETSC_COMM_SELF, GALE_ERR_USER, "%s: cannot read %s", path, name);
  }
  H5Dclose(dset);
  *n0 = dims[0];
  *n1 = dims[1];
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSweepMeshVolumes(const char *h5, PetscInt64 nCells, PetscReal **vol)
{
  hid_t          file;
  PetscReal     *X = NULL;
  PetscInt64    *T = NULL, k = 0;
  hsize_t        np, three, nt, one;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  *vol = NULL;
  H5E_BEGIN_TRY
  {
    file = H5Fopen(h5, H5F_ACC_RDONLY, H5P_DEFAULT);
  }
  H5E_END_TRY;
  PetscCheck(file >= 0, PETSC_COMM_SELF, GALE_ERR_USER, "%s: not a readable HDF5 file", h5);
  ierr = ReadWhole(file, "mesh/points", H5T_NATIVE_DOUBLE, sizeof(PetscReal), h5, (void **)&X, &np, &three);
  if (!ierr) ierr = ReadWhole(file, "mesh/topology", H5T_NATIVE_INT64, sizeof(PetscInt64), h5, (void **)&T, &nt, &one);
  H5Fclose(file);
  PetscCall(ierr);
  PetscCheck(three == 3 && one == 1, PETSC_COMM_SELF, GALE_ERR_USER, "%s: /mesh/points or /mesh/topology has an unexpected shape", h5);
  PetscCall(PetscMalloc1(nCells, vol));
  for (PetscInt64 c = 0; c < nCells; c++) {
    PetscReal  V = 0;
    PetscInt64 nf, o;
    if (k + 2 > (PetscInt64)nt || T[k] != 16) break;
    nf = T[k + 1];
    k += 2;
    o = k + 1 < (PetscInt64)nt ? T[k + 1] : -1;
    for (PetscInt64 f = 0; f < nf && o >= 0; f++) {
      PetscInt64 n      = k < (PetscInt64)nt ? T[k] : 0;
      PetscReal  ctr[3] = {0, 0, 0};
      if (n < 3 || k + 1 + n > (PetscInt64)nt) {
        o = -1;
        break;
      }
      for (PetscInt64 i = 0; i < n; i++) {
        PetscInt64 p = T[k + 1 + i];
        if (p < 0 || p >= (PetscInt64)np)
          o = -1;
        else
          for (int d = 0; d < 3; d++) ctr[d] += X[3 * p + d] / (PetscReal)n;
      }
      for (PetscInt64 i = 0; i < n && o >= 0; i++) {
        const PetscReal *a = &X[3 * T[k + 1 + i]], *b = &X[3 * T[k + 1 + (i + 1) % n]], *q = &X[3 * o];
        PetscReal        u[3], v[3], w[3];
        for (int d = 0; d < 3; d++) {
          u[d] = a[d] - q[d];
          v[d] = b[d] - q[d];
          w[d] = ctr[d] - q[d];
        }
        V += ((u[1] * v[2] - u[2] * v[1]) * w[0] + (u[2] * v[0] - u[0] * v[2]) * w[1] + (u[0] * v[1] - u[1] * v[0]) * w[2]) / 6;
      }
      k += 1 + n;
    }
    if (o < 0 || !(V > 0)) {
      k = -1;
      break;
    }
    (*vol)[c] = V;
  }
  PetscCall(PetscFree(X));
  PetscCall(PetscFree(T));
  if (k < 0 || k != (PetscInt64)nt) {
    PetscCall(PetscFree(*vol));
    PetscCall(PetscInfo(NULL, "%s: cell volumes not computed from /mesh/topology\n", h5));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSweepCopyMesh(const char *srcH5, const char *srcGroup, hid_t dstGroup, const char *dstPath)
{
  hid_t  src;
  char   p[256];
  herr_t st;

  PetscFunctionBeginUser;
  H5E_BEGIN_TRY
  {
    src = H5Fopen(srcH5, H5F_ACC_RDONLY, H5P_DEFAULT);
  }
  H5E_END_TRY;
  PetscCheck(src >= 0, PETSC_COMM_SELF, GALE_ERR_USER, "%s: not a readable HDF5 file", srcH5);
  GaleSweepFmt(p, sizeof(p), "%s/points", srcGroup);
  st = H5Ocopy(src, p, dstGroup, "points", H5P_DEFAULT, H5P_DEFAULT);
  GaleSweepFmt(p, sizeof(p), "%s/topology", srcGroup);
  if (st >= 0) st = H5Ocopy(src, p, dstGroup, "topology", H5P_DEFAULT, H5P_DEFAULT);
  H5Fclose(src);
  PetscCheck(st >= 0, PETSC_COMM_SELF, GALE_ERR_USER, "cannot copy the mesh (%s/points, topology) of %s into %s", srcGroup, srcH5, dstPath);
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode Shape(hid_t file, const char *name, hsize_t *n0)
{
  hid_t   d       = H5Dopen2(file, name, H5P_DEFAULT), s;
  hsize_t dims[2] = {0, 0};

  PetscFunctionBeginUser;
  PetscCheck(d >= 0, PETSC_COMM_SELF, GALE_ERR_USER, "no dataset %s", name);
  s = H5Dget_space(d);
  H5Sget_simple_extent_dims(s, dims, NULL);
  H5Sclose(s);
  H5Dclose(d);
  *n0 = dims[0];
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSweepWritePrediction(const char *dir, const char *meshH5, const char *meshGroup, PetscInt64 nCells, PetscInt nf, const GaleSweepOutField f[], char *xmfPath, size_t len)
{
  char    h5[GALE_PATH_LEN + 32], tmp[GALE_PATH_LEN + 40], xmf[GALE_PATH_LEN + 32], xtmp[GALE_PATH_LEN + 40];
  hid_t   file, mesh, steps, step, space, dset, attr, fcpl;
  hsize_t np, nt;
  FILE   *fp;
  int     bad;

  PetscFunctionBeginUser;
  PetscCheck(mkdir(dir, 0755) == 0 || errno == EEXIST, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot create directory %s: %s", dir, strerror(errno));
  GaleSweepFmt(h5, sizeof(h5), "%s/prediction.h5", dir);
  GaleSweepFmt(tmp, sizeof(tmp), "%s.tmp", h5);
  GaleSweepFmt(xmf, sizeof(xmf), "%s/prediction.xmf", dir);
  GaleSweepFmt(xtmp, sizeof(xtmp), "%s.tmp", xmf);
  fcpl = H5Pcreate(H5P_FILE_CREATE);
  file = H5Fcreate(tmp, H5F_ACC_TRUNC, fcpl, H5P_DEFAULT);
  H5Pclose(fcpl);
  PetscCheck(file >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot create", tmp);
  mesh = H5Gcreate2(file, "mesh", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  PetscCall(GaleSweepCopyMesh(meshH5, meshGroup, mesh, tmp));
  H5Gclose(mesh);
  PetscCall(Shape(file, "mesh/points", &np));
  PetscCall(Shape(file, "mesh/topology", &nt));
  steps = H5Gcreate2(file, "steps", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  {
    hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
    H5Pset_link_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
    step = H5Gcreate2(steps, "00000000", H5P_DEFAULT, gcpl, H5P_DEFAULT);
    H5Pclose(gcpl);
  }
  {
    double    t = 0;
    long long s = 0;
    space       = H5Screate(H5S_SCALAR);
    attr        = H5Acreate2(step, "time", H5T_NATIVE_DOUBLE, space, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(attr, H5T_NATIVE_DOUBLE, &t);
    H5Aclose(attr);
    attr = H5Acreate2(step, "step", H5T_NATIVE_LLONG, space, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(attr, H5T_NATIVE_LLONG, &s);
    H5Aclose(attr);
    H5Sclose(space);
  }
  bad = 0;
  for (PetscInt i = 0; i < nf && !bad; i++) {
    hsize_t    dims[2] = {(hsize_t)nCells, (hsize_t)f[i].ncomp};
    PetscReal *buf;
    PetscCall(PetscMalloc1(nCells * f[i].ncomp, &buf));
    for (PetscInt64 c = 0; c < nCells; c++)
      for (PetscInt d = 0; d < f[i].ncomp; d++) buf[c * f[i].ncomp + d] = f[i].data[d * nCells + c];
    space = H5Screate_simple(f[i].ncomp == 1 ? 1 : 2, dims, NULL);
    dset  = H5Dcreate2(step, f[i].name, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    bad   = dset < 0 || H5Dwrite(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0;
    if (dset >= 0) H5Dclose(dset);
    H5Sclose(space);
    PetscCall(PetscFree(buf));
  }
  H5Gclose(step);
  H5Gclose(steps);
  bad |= H5Fclose(file) < 0;
  PetscCheck(!bad, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "%s: write failed", tmp);

  fp = fopen(xtmp, "w");
  PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot create: %s", xtmp, strerror(errno));
  fprintf(fp, "<?xml version=\"1.0\" ?>\n<!DOCTYPE Xdmf SYSTEM \"Xdmf.dtd\" []>\n<Xdmf Version=\"3.0\">\n  <Domain>\n");
  fprintf(fp, "    <Grid Name=\"prediction\" GridType=\"Collection\" CollectionType=\"Temporal\">\n");
  fprintf(fp, "      <Grid Name=\"step_00000000\" GridType=\"Uniform\">\n        <Time Value=\"0\"/>\n");
  fprintf(fp, "        <Topology TopologyType=\"Mixed\" NumberOfElements=\"%lld\">\n", (long long)nCells);
  fprintf(fp, "          <DataItem Dimensions=\"%llu\" NumberType=\"Int\" Precision=\"8\" Format=\"HDF\">prediction.h5:/mesh/topology</DataItem>\n        </Topology>\n", (unsigned long long)nt);
  fprintf(fp, "        <Geometry GeometryType=\"XYZ\">\n");
  fprintf(fp, "          <DataItem Dimensions=\"%llu 3\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">prediction.h5:/mesh/points</DataItem>\n        </Geometry>\n", (unsigned long long)np);
  for (PetscInt i = 0; i < nf; i++) {
    const char *type = f[i].ncomp == 1 ? "Scalar" : f[i].ncomp == 3 ? "Vector" : f[i].ncomp == 6 ? "Tensor6" : f[i].ncomp == 9 ? "Tensor" : "Matrix";
    fprintf(fp, "        <Attribute Name=\"%s\" AttributeType=\"%s\" Center=\"Cell\">\n", f[i].name, type);
    if (f[i].ncomp == 1)
      fprintf(fp, "          <DataItem Dimensions=\"%lld\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">prediction.h5:/steps/00000000/%s</DataItem>\n", (long long)nCells, f[i].name);
    else
      fprintf(fp, "          <DataItem Dimensions=\"%lld %d\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">prediction.h5:/steps/00000000/%s</DataItem>\n", (long long)nCells, (int)f[i].ncomp, f[i].name);
    fprintf(fp, "        </Attribute>\n");
  }
  fprintf(fp, "      </Grid>\n    </Grid>\n  </Domain>\n</Xdmf>\n");
  bad = ferror(fp);
  bad |= fclose(fp);
  PetscCheck(!bad, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "%s: write failed", xtmp);
  PetscCheck(rename(tmp, h5) == 0 && rename(xtmp, xmf) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot rename the prediction files in %s: %s", dir, strerror(errno));
  GaleSweepFmt(xmfPath, len, "%s", xmf);
  PetscFunctionReturn(PETSC_SUCCESS);
}
