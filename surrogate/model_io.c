/* The surrogate model file: one HDF5 file, written serially to
 * PATH.tmp and renamed over PATH once complete (a crash never leaves a
 * half-written model under the real name). Layout (version 1):
 *   /                   attrs format = "gale-surrogate-model", version,
 *                       regressor, regressor_options, energy
 *   /parameters         names [p], lower [p], upper [p], samples [n x p]
 *   /mesh               attrs path, cells, weighted; volumes [cells] if weighted
 *   /fields             attr count; groups 0, 1, ... with attrs name,
 *                       components, cells, modes, snapshots and datasets
 *                       mean [nDof], basis [modes x nDof] (mode k is row k),
 *                       singular_values [min(nDof, snapshots)]
 *   /scalars            attr count; names [s]
 *   /regressors/fields  parameters -> POD coefficients (if any modes)
 *   /regressors/scalars parameters -> scalars (if any scalars)
 * Loading checks every size against the others and every value for
 * finiteness, so a damaged or foreign file gives a clear error. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include "model_impl.h"

#define GALE_MODEL_FORMAT "gale-surrogate-model"
#define GALE_MODEL_VERSION 1

static PetscErrorCode WriteField(GaleModelField *F, hid_t g, const char *path)
{
  const PetscReal *basis, *mean, *sigma;
  PetscInt         nSnap, r, nSigma;
  hsize_t          dm[1], db[2], ds[1];

  PetscFunctionBeginUser;
  PetscCall(GalePODGetSizes(F->pod, NULL, &nSnap, &r));
  PetscCall(GalePODGetModes(F->pod, &basis, &mean, &sigma, &nSigma, NULL));
  dm[0] = (hsize_t)F->nDof;
  db[0] = (hsize_t)r;
  db[1] = (hsize_t)F->nDof;
  ds[0] = (hsize_t)nSigma;
  PetscCall(GaleSurH5WriteAttrString(g, "name", F->name, path));
  PetscCall(GaleSurH5WriteAttrInt(g, "components", F->nComp, path));
  PetscCall(GaleSurH5WriteAttrInt(g, "cells", F->nCells, path));
  PetscCall(GaleSurH5WriteAttrInt(g, "modes", r, path));
  PetscCall(GaleSurH5WriteAttrInt(g, "snapshots", nSnap, path));
  PetscCall(GaleSurH5WriteReal(g, "mean", 1, dm, mean, path));
  PetscCall(GaleSurH5WriteReal(g, "basis", 2, db, basis, path));
  PetscCall(GaleSurH5WriteReal(g, "singular_values", 1, ds, sigma, path));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Create group `name` in loc, run what(), close it. */
#define WITH_NEW_GROUP(loc, name, g, path, what)                                                                                                                                                                                                         \
  do {                                                                                                                                                                                                                                                   \
    PetscErrorCode ierr_;                                                                                                                                                                                                                                \
    PetscCall(GaleSurH5CreateGroup((loc), (name), &(g), (path)));                                                                                                                                                                                        \
    ierr_ = (what);                                                                                                                                                                                                                                      \
    H5Gclose(g);                                                                                                                                                                                                                                         \
    PetscCall(ierr_);                                                                                                                                                                                                                                    \
  } while (0)

static PetscErrorCode WriteParameters(GaleSurrogateModel M, hid_t g, const char *path)
{
  hsize_t dp[1] = {(hsize_t)M->nParams}, ds[2] = {(hsize_t)M->nSamples, (hsize_t)M->nParams};

  PetscFunctionBeginUser;
  PetscCall(GaleSurH5WriteNames(g, "names", M->nParams, (const char(*)[GALE_NAME_LEN])M->paramNames, path));
  PetscCall(GaleSurH5WriteReal(g, "lower", 1, dp, M->lower, path));
  PetscCall(GaleSurH5WriteReal(g, "upper", 1, dp, M->upper, path));
  PetscCall(GaleSurH5WriteReal(g, "samples", 2, ds, M->samples, path));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode WriteMesh(GaleSurrogateModel M, hid_t g, const char *path)
{
  hsize_t dv[1] = {(hsize_t)M->meshCells};

  PetscFunctionBeginUser;
  PetscCall(GaleSurH5WriteAttrString(g, "path", M->meshPath, path));
  PetscCall(GaleSurH5WriteAttrInt(g, "cells", M->meshCells, path));
  PetscCall(GaleSurH5WriteAttrInt(g, "weighted", M->volumes ? 1 : 0, path));
  if (M->volumes) PetscCall(GaleSurH5WriteReal(g, "volumes", 1, dv, M->volumes, path));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode WriteFields(GaleSurrogateModel M, hid_t g, const char *path)
{
  PetscFunctionBeginUser;
  PetscCall(GaleSurH5WriteAttrInt(g, "count", M->nFields, path));
  for (PetscInt f = 0; f < M->nFields; f++) {
    char  name[32];
    hid_t h;
    snprintf(name, sizeof(name), "%" PetscInt_FMT, f);
    WITH_NEW_GROUP(g, name, h, path, WriteField(&M->fields[f], h, path));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode WriteScalars(GaleSurrogateModel M, hid_t g, const char *path)
{
  PetscFunctionBeginUser;
  PetscCall(GaleSurH5WriteAttrInt(g, "count", M->nScalars, path));
  PetscCall(GaleSurH5WriteNames(g, "names", M->nScalars, (const char(*)[GALE_NAME_LEN])M->scalarNames, path));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode WriteRegressors(GaleSurrogateModel M, hid_t g, const char *path)
{
  hid_t h;

  PetscFunctionBeginUser;
  if (M->fieldReg) WITH_NEW_GROUP(g, "fields", h, path, GaleRegressorSave(M->fieldReg, h, path));
  if (M->scalarReg) WITH_NEW_GROUP(g, "scalars", h, path, GaleRegressorSave(M->scalarReg, h, path));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode WriteAll(GaleSurrogateModel M, hid_t file, const char *path)
{
  hid_t g;

  PetscFunctionBeginUser;
  PetscCall(GaleSurH5WriteAttrString(file, "format", GALE_MODEL_FORMAT, path));
  PetscCall(GaleSurH5WriteAttrInt(file, "version", GALE_MODEL_VERSION, path));
  PetscCall(GaleSurH5WriteAttrString(file, "regressor", M->regressor, path));
  PetscCall(GaleSurH5WriteAttrString(file, "regressor_options", M->regressorOptions, path));
  PetscCall(GaleSurH5WriteAttrReal(file, "energy", M->energy, path));
  WITH_NEW_GROUP(file, "parameters", g, path, WriteParameters(M, g, path));
  WITH_NEW_GROUP(file, "mesh", g, path, WriteMesh(M, g, path));
  WITH_NEW_GROUP(file, "fields", g, path, WriteFields(M, g, path));
  WITH_NEW_GROUP(file, "scalars", g, path, WriteScalars(M, g, path));
  WITH_NEW_GROUP(file, "regressors", g, path, WriteRegressors(M, g, path));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode SaveQuiet(GaleSurrogateModel M, const char *path, const char *tmp)
{
  hid_t          file;
  PetscErrorCode ierr;
  int            fd;

  PetscFunctionBeginUser;
  file = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  PetscCheck(file >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot create %s (does the directory exist and is it writable?)", tmp);
  ierr = WriteAll(M, file, tmp);
  if (H5Fclose(file) < 0 && !ierr) ierr = PetscError(PETSC_COMM_SELF, __LINE__, PETSC_FUNCTION_NAME, __FILE__, PETSC_ERR_FILE_WRITE, PETSC_ERROR_INITIAL, "%s: closing the file failed (disk full?)", tmp);
  if (ierr) unlink(tmp);
  PetscCall(ierr);
  fd = open(tmp, O_RDONLY);
  if (fd >= 0) {
    (void)fsync(fd);
    close(fd);
  }
  PetscCheck(rename(tmp, path) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSurrogateModelSave(GaleSurrogateModel M, const char *path)
{
  char           tmp[GALE_PATH_LEN + 8];
  H5E_auto2_t    func;
  void          *data;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCheck(path && path[0] && strlen(path) < GALE_PATH_LEN, PETSC_COMM_SELF, GALE_ERR_USER, "surrogate model: empty or too long file name");
  snprintf(tmp, sizeof(tmp), "%s.tmp", path);
  H5Eget_auto2(H5E_DEFAULT, &func, &data);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* our messages say it better */
  ierr = SaveQuiet(M, path, tmp);
  H5Eset_auto2(H5E_DEFAULT, func, data);
  PetscCall(ierr);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---- loading ---- */

static PetscErrorCode ReadField(GaleSurrogateModel M, GaleModelField *F, hid_t g, const char *path)
{
  PetscInt64 nComp, nCells, r, nSnap;
  PetscReal *mean, *basis, *sigma, *w = NULL;
  hsize_t    dm[1], db[2], ds[1];
  PetscInt   nSigma;

  PetscFunctionBeginUser;
  PetscCall(GaleSurH5ReadAttrString(g, "name", F->name, sizeof(F->name), path));
  PetscCheck(F->name[0], PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: a field has an empty name", path);
  PetscCall(GaleSurH5ReadAttrInt(g, "components", 1, 64, &nComp, path));
  PetscCall(GaleSurH5ReadAttrInt(g, "cells", 1, PETSC_MAX_INT, &nCells, path));
  PetscCheck(nComp * nCells <= PETSC_MAX_INT, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: field %s is too large", path, F->name);
  PetscCall(GaleSurH5ReadAttrInt(g, "snapshots", 1, PETSC_MAX_INT, &nSnap, path));
  PetscCall(GaleSurH5ReadAttrInt(g, "modes", 0, nSnap, &r, path));
  F->nComp  = (PetscInt)nComp;
  F->nCells = (PetscInt)nCells;
  F->nDof   = (PetscInt)(nComp * nCells);
  nSigma    = (PetscInt)PetscMin(nSnap, (PetscInt64)F->nDof);
  PetscCheck(r <= nSigma, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: field %s has %lld modes but only %" PetscInt_FMT " singular values", path, F->name, (long long)r, nSigma);
  PetscCheck(!M->volumes || nCells == M->meshCells, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: field %s has %lld cells but the mesh %lld", path, F->name, (long long)nCells, (long long)M->meshCells);
  dm[0] = (hsize_t)F->nDof;
  db[0] = (hsize_t)r;
  db[1] = (hsize_t)F->nDof;
  ds[0] = (hsize_t)nSigma;
  PetscCall(PetscMalloc3(F->nDof, &mean, (size_t)F->nDof * r + 1, &basis, nSigma, &sigma));
  if (M->volumes) {
    PetscCall(PetscMalloc1(F->nDof, &w));
    for (PetscInt c = 0; c < F->nComp; c++) PetscCall(PetscArraycpy(w + (size_t)c * F->nCells, M->volumes, F->nCells));
  }
  {
    PetscErrorCode ierr = GaleSurH5ReadReal(g, "mean", 1, dm, mean, path);
    if (!ierr) ierr = GaleSurH5ReadReal(g, "basis", 2, db, basis, path);
    if (!ierr) ierr = GaleSurH5ReadReal(g, "singular_values", 1, ds, sigma, path);
    for (PetscInt k = 1; !ierr && k < nSigma; k++)
      if (!(sigma[k] >= 0 && sigma[k] <= sigma[k - 1]))
        ierr = PetscError(PETSC_COMM_SELF, __LINE__, PETSC_FUNCTION_NAME, __FILE__, PETSC_ERR_FILE_UNEXPECTED, PETSC_ERROR_INITIAL, "%s: singular values of field %s are not descending and non-negative", path, F->name);
    if (!ierr) ierr = GalePODCreate(&F->pod);
    if (!ierr) ierr = GalePODSetUpFromData(F->pod, F->nDof, (PetscInt)nSnap, (PetscInt)r, nSigma, mean, basis, sigma, w);
    PetscCall(PetscFree3(mean, basis, sigma));
    PetscCall(PetscFree(w));
    PetscCall(ierr);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Open group `name` in loc, run what(), close it. */
#define WITH_GROUP(loc, name, g, path, what)                                                                                                                                                                                                             \
  do {                                                                                                                                                                                                                                                   \
    PetscErrorCode ierr_;                                                                                                                                                                                                                                \
    PetscCall(GaleSurH5OpenGroup((loc), (name), &(g), (path)));                                                                                                                                                                                          \
    ierr_ = (what);                                                                                                                                                                                                                                      \
    H5Gclose(g);                                                                                                                                                                                                                                         \
    PetscCall(ierr_);                                                                                                                                                                                                                                    \
  } while (0)

static PetscErrorCode ReadParameters(GaleSurrogateModel M, hid_t g, const char *path)
{
  hsize_t dp[1] = {(hsize_t)M->nParams}, ds[2] = {(hsize_t)M->nSamples, (hsize_t)M->nParams};

  PetscFunctionBeginUser;
  PetscCall(GaleSurH5ReadNames(g, "names", M->nParams, M->paramNames, path));
  PetscCall(GaleSurH5ReadReal(g, "lower", 1, dp, M->lower, path));
  PetscCall(GaleSurH5ReadReal(g, "upper", 1, dp, M->upper, path));
  PetscCall(GaleSurH5ReadReal(g, "samples", 2, ds, M->samples, path));
  for (PetscInt i = 0; i < M->nParams; i++) {
    PetscCheck(M->paramNames[i][0], PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: parameter %" PetscInt_FMT " has an empty name", path, i);
    PetscCheck(M->lower[i] <= M->upper[i], PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: parameter %s has range [%g, %g]", path, M->paramNames[i], (double)M->lower[i], (double)M->upper[i]);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ReadMesh(GaleSurrogateModel M, hid_t g, const char *path)
{
  PetscInt64 weighted;
  hsize_t    dv[1];

  PetscFunctionBeginUser;
  PetscCall(GaleSurH5ReadAttrString(g, "path", M->meshPath, sizeof(M->meshPath), path));
  PetscCall(GaleSurH5ReadAttrInt(g, "cells", 0, PETSC_MAX_INT, &M->meshCells, path));
  PetscCall(GaleSurH5ReadAttrInt(g, "weighted", 0, 1, &weighted, path));
  if (weighted) {
    PetscCheck(M->meshCells > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: volume-weighted model of a mesh without cells", path);
    dv[0] = (hsize_t)M->meshCells;
    PetscCall(PetscMalloc1(M->meshCells, &M->volumes));
    PetscCall(GaleSurH5ReadReal(g, "volumes", 1, dv, M->volumes, path));
    for (PetscInt64 c = 0; c < M->meshCells; c++) PetscCheck(M->volumes[c] > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: cell %lld has volume %g", path, (long long)c, (double)M->volumes[c]);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ReadFields(GaleSurrogateModel M, hid_t g, const char *path)
{
  PetscFunctionBeginUser;
  for (PetscInt f = 0; f < M->nFields; f++) {
    char  name[32];
    hid_t h;
    snprintf(name, sizeof(name), "%" PetscInt_FMT, f);
    WITH_GROUP(g, name, h, path, ReadField(M, &M->fields[f], h, path));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A regressor group that must match the model's sizes. */
static PetscErrorCode ReadRegressor(GaleSurrogateModel M, hid_t g, const char *what, PetscInt m, GaleRegressor *reg, const char *path)
{
  PetscInt    n, d, mm;
  const char *type;
  hid_t       h;

  PetscFunctionBeginUser;
  WITH_GROUP(g, what, h, path, GaleRegressorLoad(h, path, reg));
  PetscCall(GaleRegressorGetSizes(*reg, &n, &d, &mm));
  PetscCall(GaleRegressorGetType(*reg, &type));
  PetscCheck(!strcmp(type, M->regressor), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: the %s regressor is %s, the model says %s", path, what, type, M->regressor);
  PetscCheck(d == M->nParams && mm == m && n == M->nSamples, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: the %s regressor maps %" PetscInt_FMT " inputs to %" PetscInt_FMT " outputs from %" PetscInt_FMT " samples; the model needs %" PetscInt_FMT " -> %" PetscInt_FMT " from %" PetscInt_FMT, path, what, d, mm, n, M->nParams, m,
             M->nSamples);
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ReadRegressors(GaleSurrogateModel M, hid_t g, const char *path)
{
  PetscFunctionBeginUser;
  if (M->nCoef) PetscCall(ReadRegressor(M, g, "fields", M->nCoef, &M->fieldReg, path));
  if (M->nScalars) PetscCall(ReadRegressor(M, g, "scalars", M->nScalars, &M->scalarReg, path));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ReadBody(GaleSurrogateModel M, hid_t file, const char *path)
{
  hid_t g;

  PetscFunctionBeginUser;
  PetscCall(GaleSurH5ReadAttrString(file, "regressor", M->regressor, sizeof(M->regressor), path));
  PetscCall(GaleSurH5ReadAttrString(file, "regressor_options", M->regressorOptions, sizeof(M->regressorOptions), path));
  PetscCall(GaleSurH5ReadAttrReal(file, "energy", &M->energy, path));
  WITH_GROUP(file, "parameters", g, path, ReadParameters(M, g, path));
  WITH_GROUP(file, "mesh", g, path, ReadMesh(M, g, path));
  WITH_GROUP(file, "fields", g, path, ReadFields(M, g, path));
  if (M->nScalars) WITH_GROUP(file, "scalars", g, path, GaleSurH5ReadNames(g, "names", M->nScalars, M->scalarNames, path));
  for (PetscInt s = 0; s < M->nScalars; s++) PetscCheck(M->scalarNames[s][0], PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: scalar %" PetscInt_FMT " has an empty name", path, s);
  PetscCall(GaleSurrogateModelFinish(M));
  WITH_GROUP(file, "regressors", g, path, ReadRegressors(M, g, path));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Counts that size the model: parameters, samples, fields, scalars. */
static PetscErrorCode ReadCounts(hid_t file, const char *path, PetscInt64 *np, PetscInt64 *ns, PetscInt64 *nf, PetscInt64 *nsc)
{
  char       format[64];
  PetscInt64 version;
  hid_t      g;
  int        rank;
  hsize_t    dims[2];

  PetscFunctionBeginUser;
  PetscCheck(H5Aexists(file, "format") > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: not a Gale surrogate model (an HDF5 file without the 'format' attribute)", path);
  PetscCall(GaleSurH5ReadAttrString(file, "format", format, sizeof(format), path));
  PetscCheck(!strcmp(format, GALE_MODEL_FORMAT), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: not a Gale surrogate model (format '%s')", path, format);
  PetscCall(GaleSurH5ReadAttrInt(file, "version", 1, PETSC_MAX_INT, &version, path));
  PetscCheck(version == GALE_MODEL_VERSION, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: model format version %lld; this build of Gale reads version %d", path, (long long)version, GALE_MODEL_VERSION);
  PetscCall(GaleSurH5OpenGroup(file, "parameters", &g, path));
  {
    PetscErrorCode ierr = GaleSurH5GetShape(g, "samples", &rank, dims, path);
    H5Gclose(g);
    PetscCall(ierr);
  }
  PetscCheck(rank == 2 && dims[0] >= 1 && dims[1] >= 1 && dims[0] <= PETSC_MAX_INT && dims[1] <= 100000, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: /parameters/samples must be a [samples x parameters] table", path);
  *ns = (PetscInt64)dims[0];
  *np = (PetscInt64)dims[1];
  PetscCall(GaleSurH5OpenGroup(file, "fields", &g, path));
  {
    PetscErrorCode ierr = GaleSurH5ReadAttrInt(g, "count", 0, 100000, nf, path);
    H5Gclose(g);
    PetscCall(ierr);
  }
  PetscCall(GaleSurH5OpenGroup(file, "scalars", &g, path));
  {
    PetscErrorCode ierr = GaleSurH5ReadAttrInt(g, "count", 0, 100000000, nsc, path);
    H5Gclose(g);
    PetscCall(ierr);
  }
  PetscCheck(*nf + *nsc >= 1, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: the model has neither fields nor scalars", path);
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode LoadQuiet(const char *path, GaleSurrogateModel *model)
{
  hid_t          file;
  PetscInt64     np = 0, ns = 0, nf = 0, nsc = 0;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCheck(H5Fis_hdf5(path) > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: not an HDF5 file (damaged or truncated?)", path);
  file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  PetscCheck(file >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot open the HDF5 file (damaged or truncated?)", path);
  ierr = ReadCounts(file, path, &np, &ns, &nf, &nsc);
  if (!ierr) ierr = GaleSurrogateModelAlloc((PetscInt)np, (PetscInt)ns, (PetscInt)nf, (PetscInt)nsc, model);
  if (!ierr) ierr = ReadBody(*model, file, path);
  H5Fclose(file);
  if (ierr) PetscCall(GaleSurrogateModelDestroy(model));
  PetscCall(ierr);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSurrogateModelLoad(const char *path, GaleSurrogateModel *model)
{
  H5E_auto2_t    func;
  void          *data;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  *model = NULL;
  PetscCheck(path && path[0], PETSC_COMM_SELF, GALE_ERR_USER, "surrogate model: no file name given");
  PetscCheck(access(path, R_OK) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot open surrogate model %s: %s", path, strerror(errno));
  H5Eget_auto2(H5E_DEFAULT, &func, &data);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  ierr = LoadQuiet(path, model);
  H5Eset_auto2(H5E_DEFAULT, func, data);
  PetscCall(ierr);
  PetscFunctionReturn(PETSC_SUCCESS);
}
