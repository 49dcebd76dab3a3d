/* Serial HDF5 helpers for the surrogate model file: datasets of doubles,
 * integers and names, and scalar attributes, each read back with its
 * shape and type checked so that a damaged or foreign file gives a
 * message naming the file and the object instead of a crash. */
#include <math.h>
#include <string.h>
#include "surrogate_impl.h"

/* "/fields/0" for messages ("" for the root group). */
static void LocName(hid_t loc, char *buf, size_t len)
{
  ssize_t n = H5Iget_name(loc, buf, len);
  if (n <= 0 || !strcmp(buf, "/")) buf[0] = 0;
}

PetscErrorCode GaleSurH5Exists(hid_t loc, const char *name, PetscBool *exists)
{
  PetscFunctionBeginUser;
  *exists = H5Lexists(loc, name, H5P_DEFAULT) > 0 ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSurH5CreateGroup(hid_t loc, const char *name, hid_t *grp, const char *path)
{
  hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);

  PetscFunctionBeginUser;
  H5Pset_obj_track_times(gcpl, 0);
  *grp = H5Gcreate2(loc, name, H5P_DEFAULT, gcpl, H5P_DEFAULT);
  H5Pclose(gcpl);
  PetscCheck(*grp >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "%s: cannot create group %s", path, name);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSurH5OpenGroup(hid_t loc, const char *name, hid_t *grp, const char *path)
{
  char where[256];

  PetscFunctionBeginUser;
  LocName(loc, where, sizeof(where));
  *grp = -1;
  PetscCheck(H5Lexists(loc, name, H5P_DEFAULT) > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: group %s/%s is missing (not a Gale surrogate model, or a damaged one)", path, where, name);
  *grp = H5Gopen2(loc, name, H5P_DEFAULT);
  PetscCheck(*grp >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s/%s is not a readable group", path, where, name);
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode WriteData(hid_t loc, const char *name, int rank, const hsize_t dims[], hid_t filetype, hid_t memtype, const void *data, const char *path)
{
  hid_t  space, dset, dcpl;
  herr_t st;

  PetscFunctionBeginUser;
  space = H5Screate_simple(rank, dims, NULL);
  PetscCheck(space >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "%s: cannot create a dataspace for %s", path, name);
  dcpl = H5Pcreate(H5P_DATASET_CREATE);
  H5Pset_obj_track_times(dcpl, 0); /* files do not depend on the clock */
  dset = H5Dcreate2(loc, name, filetype, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  H5Pclose(dcpl);
  H5Sclose(space);
  PetscCheck(dset >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "%s: cannot create dataset %s", path, name);
  st = H5Dwrite(dset, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
  H5Dclose(dset);
  PetscCheck(st >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "%s: cannot write dataset %s", path, name);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSurH5WriteReal(hid_t loc, const char *name, int rank, const hsize_t dims[], const PetscReal *data, const char *path)
{
  PetscFunctionBeginUser;
  PetscCall(WriteData(loc, name, rank, dims, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, data, path));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSurH5GetShape(hid_t loc, const char *name, int *rank, hsize_t dims[], const char *path)
{
  char  where[256];
  hid_t dset, space;
  int   r = -1;

  PetscFunctionBeginUser;
  LocName(loc, where, sizeof(where));
  PetscCheck(H5Lexists(loc, name, H5P_DEFAULT) > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: dataset %s/%s is missing (not a Gale surrogate model, or a damaged one)", path, where, name);
  dset = H5Dopen2(loc, name, H5P_DEFAULT);
  PetscCheck(dset >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s/%s is not a readable dataset", path, where, name);
  space = H5Dget_space(dset);
  if (space >= 0) {
    r = H5Sget_simple_extent_ndims(space);
    if (r >= 1 && r <= 2) H5Sget_simple_extent_dims(space, dims, NULL);
    H5Sclose(space);
  }
  H5Dclose(dset);
  PetscCheck(r >= 1 && r <= 2, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: dataset %s/%s has %d dimensions, expected 1 or 2", path, where, name, r);
  *rank = r;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Open `name` after checking its shape and type class. */
static PetscErrorCode OpenChecked(hid_t loc, const char *name, int rank, const hsize_t dims[], H5T_class_t cls, hid_t *dset, const char *path)
{
  char        where[256];
  int         r;
  hsize_t     got[2] = {0, 0};
  hid_t       type;
  H5T_class_t c;

  PetscFunctionBeginUser;
  LocName(loc, where, sizeof(where));
  PetscCall(GaleSurH5GetShape(loc, name, &r, got, path));
  if (rank == 1)
    PetscCheck(r == 1 && got[0] == dims[0], PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: dataset %s/%s has %d dimension(s) [%llu%s], expected [%llu]", path, where, name, r, (unsigned long long)got[0], r == 2 ? " x ..." : "",
               (unsigned long long)dims[0]);
  else
    PetscCheck(r == 2 && got[0] == dims[0] && got[1] == dims[1], PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: dataset %s/%s has shape [%llu x %llu], expected [%llu x %llu]", path, where, name, (unsigned long long)got[0],
               (unsigned long long)(r == 2 ? got[1] : 1), (unsigned long long)dims[0], (unsigned long long)dims[1]);
  *dset = H5Dopen2(loc, name, H5P_DEFAULT);
  PetscCheck(*dset >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: cannot open dataset %s/%s", path, where, name);
  type = H5Dget_type(*dset);
  c    = type >= 0 ? H5Tget_class(type) : H5T_NO_CLASS;
  if (type >= 0) H5Tclose(type);
  if (c != cls) {
    H5Dclose(*dset);
    *dset = -1;
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: dataset %s/%s has the wrong type (expected %s)", path, where, name, cls == H5T_FLOAT ? "floating point" : cls == H5T_INTEGER ? "integer" : "string");
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSurH5ReadReal(hid_t loc, const char *name, int rank, const hsize_t dims[], PetscReal *data, const char *path)
{
  char    where[256];
  hid_t   dset;
  herr_t  st;
  hsize_t total = rank == 1 ? dims[0] : dims[0] * dims[1];

  PetscFunctionBeginUser;
  LocName(loc, where, sizeof(where));
  PetscCall(OpenChecked(loc, name, rank, dims, H5T_FLOAT, &dset, path));
  st = total ? H5Dread(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) : 0;
  H5Dclose(dset);
  PetscCheck(st >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "%s: cannot read dataset %s/%s (file truncated or damaged?)", path, where, name);
  for (hsize_t i = 0; i < total; i++) PetscCheck(isfinite(data[i]), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: dataset %s/%s holds a non-finite value at entry %llu", path, where, name, (unsigned long long)i);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSurH5WriteInts(hid_t loc, const char *name, PetscInt n, const PetscInt *data, const char *path)
{
  hsize_t  dims[1] = {(hsize_t)n};
  int64_t *buf;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(n + 1, &buf));
  for (PetscInt i = 0; i < n; i++) buf[i] = data[i];
  PetscCall(WriteData(loc, name, 1, dims, H5T_STD_I64LE, H5T_NATIVE_INT64, buf, path));
  PetscCall(PetscFree(buf));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSurH5ReadInts(hid_t loc, const char *name, PetscInt n, PetscInt *data, const char *path)
{
  char     where[256];
  hsize_t  dims[1] = {(hsize_t)n};
  hid_t    dset;
  herr_t   st;
  int64_t *buf;

  PetscFunctionBeginUser;
  LocName(loc, where, sizeof(where));
  PetscCall(OpenChecked(loc, name, 1, dims, H5T_INTEGER, &dset, path));
  PetscCall(PetscMalloc1(n + 1, &buf));
  st = n ? H5Dread(dset, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) : 0;
  H5Dclose(dset);
  for (PetscInt i = 0; st >= 0 && i < n; i++) {
    if (buf[i] < PETSC_MIN_INT || buf[i] > PETSC_MAX_INT) st = -1;
    data[i] = (PetscInt)buf[i];
  }
  PetscCall(PetscFree(buf));
  PetscCheck(st >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "%s: cannot read integer dataset %s/%s (damaged, or values out of range)", path, where, name);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSurH5WriteNames(hid_t loc, const char *name, PetscInt n, const char (*names)[GALE_NAME_LEN], const char *path)
{
  size_t  len     = 1;
  hsize_t dims[1] = {(hsize_t)n};
  hid_t   type;
  char   *buf;

  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < n; i++) len = PetscMax(len, strlen(names[i]) + 1);
  PetscCall(PetscCalloc1(len * (size_t)n + 1, &buf));
  for (PetscInt i = 0; i < n; i++) memcpy(buf + len * (size_t)i, names[i], strlen(names[i]));
  type = H5Tcopy(H5T_C_S1);
  GaleSurH5Call(path, H5Tset_size(type, len));
  PetscCall(WriteData(loc, name, 1, dims, type, type, buf, path));
  H5Tclose(type);
  PetscCall(PetscFree(buf));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSurH5ReadNames(hid_t loc, const char *name, PetscInt n, char (*names)[GALE_NAME_LEN], const char *path)
{
  char    where[256];
  hsize_t dims[1] = {(hsize_t)n};
  hid_t   dset, ftype, mtype;
  size_t  len;
  herr_t  st = -1;
  char   *buf;

  PetscFunctionBeginUser;
  LocName(loc, where, sizeof(where));
  PetscCall(OpenChecked(loc, name, 1, dims, H5T_STRING, &dset, path));
  ftype = H5Dget_type(dset);
  len   = ftype >= 0 && H5Tis_variable_str(ftype) == 0 ? H5Tget_size(ftype) : 0;
  if (ftype >= 0) H5Tclose(ftype);
  if (len == 0 || len > GALE_NAME_LEN) {
    H5Dclose(dset);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: dataset %s/%s does not hold names of at most %d characters", path, where, name, GALE_NAME_LEN - 1);
  }
  PetscCall(PetscCalloc1(len * (size_t)n + 1, &buf));
  mtype = H5Tcopy(H5T_C_S1);
  if (H5Tset_size(mtype, len) >= 0 && n)
    st = H5Dread(dset, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
  else if (!n)
    st = 0;
  H5Tclose(mtype);
  H5Dclose(dset);
  for (PetscInt i = 0; st >= 0 && i < n; i++) {
    memcpy(names[i], buf + len * (size_t)i, len);
    names[i][PetscMin(len, GALE_NAME_LEN - 1)] = 0;
  }
  PetscCall(PetscFree(buf));
  PetscCheck(st >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "%s: cannot read dataset %s/%s", path, where, name);
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode WriteAttr(hid_t loc, const char *name, hid_t filetype, hid_t memtype, const void *v, const char *path)
{
  hid_t  space, attr;
  herr_t st;

  PetscFunctionBeginUser;
  space = H5Screate(H5S_SCALAR);
  attr  = H5Acreate2(loc, name, filetype, space, H5P_DEFAULT, H5P_DEFAULT);
  H5Sclose(space);
  PetscCheck(attr >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "%s: cannot create attribute %s", path, name);
  st = H5Awrite(attr, memtype, v);
  H5Aclose(attr);
  PetscCheck(st >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "%s: cannot write attribute %s", path, name);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Open attribute `name` of class cls; error if missing or of another class. */
static PetscErrorCode OpenAttr(hid_t loc, const char *name, H5T_class_t cls, hid_t *attr, const char *path)
{
  char        where[256];
  hid_t       type;
  H5T_class_t c = H5T_NO_CLASS;

  PetscFunctionBeginUser;
  LocName(loc, where, sizeof(where));
  PetscCheck(H5Aexists(loc, name) > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: attribute %s of %s is missing (not a Gale surrogate model, or a damaged one)", path, name, where[0] ? where : "/");
  *attr = H5Aopen(loc, name, H5P_DEFAULT);
  PetscCheck(*attr >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: cannot open attribute %s of %s", path, name, where[0] ? where : "/");
  type = H5Aget_type(*attr);
  if (type >= 0) {
    c = H5Tget_class(type);
    if (c == H5T_STRING && H5Tis_variable_str(type) != 0) c = H5T_NO_CLASS;
    H5Tclose(type);
  }
  if (c != cls) {
    H5Aclose(*attr);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: attribute %s of %s has the wrong type", path, name, where[0] ? where : "/");
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSurH5WriteAttrInt(hid_t loc, const char *name, PetscInt64 v, const char *path)
{
  int64_t x = v;

  PetscFunctionBeginUser;
  PetscCall(WriteAttr(loc, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &x, path));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSurH5ReadAttrInt(hid_t loc, const char *name, PetscInt64 lo, PetscInt64 hi, PetscInt64 *v, const char *path)
{
  char    where[256];
  hid_t   attr;
  herr_t  st;
  int64_t x = 0;

  PetscFunctionBeginUser;
  LocName(loc, where, sizeof(where));
  PetscCall(OpenAttr(loc, name, H5T_INTEGER, &attr, path));
  st = H5Aread(attr, H5T_NATIVE_INT64, &x);
  H5Aclose(attr);
  PetscCheck(st >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "%s: cannot read attribute %s of %s", path, name, where[0] ? where : "/");
  PetscCheck(x >= lo && x <= hi, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: attribute %s of %s is %lld, expected %lld..%lld", path, name, where[0] ? where : "/", (long long)x, (long long)lo, (long long)hi);
  *v = x;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSurH5WriteAttrReal(hid_t loc, const char *name, PetscReal v, const char *path)
{
  PetscFunctionBeginUser;
  PetscCall(WriteAttr(loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &v, path));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSurH5ReadAttrReal(hid_t loc, const char *name, PetscReal *v, const char *path)
{
  char   where[256];
  hid_t  attr;
  herr_t st;

  PetscFunctionBeginUser;
  LocName(loc, where, sizeof(where));
  PetscCall(OpenAttr(loc, name, H5T_FLOAT, &attr, path));
  st = H5Aread(attr, H5T_NATIVE_DOUBLE, v);
  H5Aclose(attr);
  PetscCheck(st >= 0 && isfinite(*v), PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "%s: cannot read attribute %s of %s, or it is not finite", path, name, where[0] ? where : "/");
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSurH5WriteAttrString(hid_t loc, const char *name, const char *s, const char *path)
{
  hid_t type = H5Tcopy(H5T_C_S1);

  PetscFunctionBeginUser;
  GaleSurH5Call(path, H5Tset_size(type, strlen(s) + 1));
  PetscCall(WriteAttr(loc, name, type, type, s, path));
  H5Tclose(type);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSurH5ReadAttrString(hid_t loc, const char *name, char *s, size_t len, const char *path)
{
  char   where[256];
  hid_t  attr, ftype, mtype;
  size_t n;
  herr_t st = -1;

  PetscFunctionBeginUser;
  LocName(loc, where, sizeof(where));
  PetscCall(OpenAttr(loc, name, H5T_STRING, &attr, path));
  ftype = H5Aget_type(attr);
  n     = ftype >= 0 ? H5Tget_size(ftype) : 0;
  if (ftype >= 0) H5Tclose(ftype);
  if (n == 0 || n > len) {
    H5Aclose(attr);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: attribute %s of %s is longer than %zu characters", path, name, where[0] ? where : "/", len - 1);
  }
  mtype = H5Tcopy(H5T_C_S1);
  if (H5Tset_size(mtype, n) >= 0) st = H5Aread(attr, mtype, s);
  H5Tclose(mtype);
  H5Aclose(attr);
  PetscCheck(st >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "%s: cannot read attribute %s of %s", path, name, where[0] ? where : "/");
  s[PetscMin(n, len - 1)] = 0;
  PetscFunctionReturn(PETSC_SUCCESS);
}
