/* GaleTrainingSet: the samples a surrogate model learns from (see
 * gale_model.h). Each field's snapshots are one column-major matrix
 * (nDof x samples) so the POD reads them in place; storage grows by
 * doubling unless reserved. */
#include <math.h>
#include <string.h>
#include "model_impl.h"

PetscErrorCode GaleTrainingSetCreate(GaleTrainingSet *ts)
{
  PetscFunctionBeginUser;
  PetscCall(PetscNew(ts));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleTrainingSetDestroy(GaleTrainingSet *tsp)
{
  GaleTrainingSet ts;

  PetscFunctionBeginUser;
  if (!tsp || !*tsp) PetscFunctionReturn(PETSC_SUCCESS);
  ts = *tsp;
  for (PetscInt f = 0; f < ts->nFields; f++) PetscCall(PetscFree(ts->fields[f].snap));
  PetscCall(PetscFree(ts->fields));
  PetscCall(PetscFree(ts->paramNames));
  PetscCall(PetscFree(ts->lower));
  PetscCall(PetscFree(ts->upper));
  PetscCall(PetscFree(ts->scalarNames));
  PetscCall(PetscFree(ts->params));
  PetscCall(PetscFree(ts->scalars));
  PetscCall(PetscFree(ts->volumes));
  PetscCall(PetscFree(*tsp));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A usable, new name of its kind. */
static PetscErrorCode CheckName(const char *kind, const char *name, PetscInt n, const char (*names)[GALE_NAME_LEN])
{
  PetscFunctionBeginUser;
  PetscCheck(name && name[0], PETSC_COMM_SELF, GALE_ERR_USER, "surrogate training set: a %s has an empty name", kind);
  PetscCheck(strlen(name) < GALE_NAME_LEN, PETSC_COMM_SELF, GALE_ERR_USER, "surrogate training set: %s name '%s' is longer than %d characters", kind, name, GALE_NAME_LEN - 1);
  for (PetscInt i = 0; i < n; i++) PetscCheck(strcmp(names[i], name), PETSC_COMM_SELF, GALE_ERR_USER, "surrogate training set: %s '%s' is given twice", kind, name);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleTrainingSetSetParameters(GaleTrainingSet ts, PetscInt nParams, const char *const names[], const PetscReal lower[], const PetscReal upper[])
{
  PetscFunctionBeginUser;
  PetscCheck(!ts->nSamples, PETSC_COMM_SELF, PETSC_ERR_ORDER, "surrogate training set: set the parameters before adding samples");
  PetscCheck(nParams >= 1, PETSC_COMM_SELF, GALE_ERR_USER, "surrogate training set: need at least one parameter (got %" PetscInt_FMT ")", nParams);
  PetscCheck(!lower == !upper, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "surrogate training set: give both parameter bounds or neither");
  PetscCall(PetscFree(ts->paramNames));
  PetscCall(PetscFree(ts->lower));
  PetscCall(PetscFree(ts->upper));
  PetscCall(PetscCalloc1(nParams, &ts->paramNames));
  ts->nParams = 0;
  for (PetscInt i = 0; i < nParams; i++) {
    PetscCall(CheckName("parameter", names[i], i, (const char(*)[GALE_NAME_LEN])ts->paramNames));
    PetscCall(PetscStrncpy(ts->paramNames[i], names[i], GALE_NAME_LEN));
  }
  if (lower) {
    PetscCall(PetscMalloc1(nParams, &ts->lower));
    PetscCall(PetscMalloc1(nParams, &ts->upper));
    for (PetscInt i = 0; i < nParams; i++) {
      PetscCheck(isfinite(lower[i]) && isfinite(upper[i]) && lower[i] <= upper[i], PETSC_COMM_SELF, GALE_ERR_USER, "surrogate training set: parameter %s has range [%g, %g]", names[i], (double)lower[i], (double)upper[i]);
      ts->lower[i] = lower[i];
      ts->upper[i] = upper[i];
    }
  }
  ts->nParams = nParams;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleTrainingSetAddField(GaleTrainingSet ts, const char *name, PetscInt nComp, PetscInt nCells, PetscInt *index)
{
  GaleTSField *f;
  char(*names)[GALE_NAME_LEN];

  PetscFunctionBeginUser;
  PetscCheck(!ts->nSamples, PETSC_COMM_SELF, PETSC_ERR_ORDER, "surrogate training set: add fields before samples");
  PetscCheck(nComp >= 1 && nCells >= 1 && (PetscInt64)nComp * nCells <= PETSC_MAX_INT, PETSC_COMM_SELF, GALE_ERR_USER, "surrogate training set: field '%s' with %" PetscInt_FMT " components of %" PetscInt_FMT " cells", name ? name : "", nComp,
             nCells);
  PetscCall(PetscMalloc1(ts->nFields + 1, &names));
  for (PetscInt i = 0; i < ts->nFields; i++) PetscCall(PetscStrncpy(names[i], ts->fields[i].name, GALE_NAME_LEN));
  {
    PetscErrorCode ierr = CheckName("field", name, ts->nFields, (const char(*)[GALE_NAME_LEN])names);
    PetscCall(PetscFree(names));
    PetscCall(ierr);
  }
  PetscCall(PetscRealloc(sizeof(GaleTSField) * (ts->nFields + 1), &ts->fields));
  f = &ts->fields[ts->nFields];
  PetscCall(PetscMemzero(f, sizeof(*f)));
  PetscCall(PetscStrncpy(f->name, name, GALE_NAME_LEN));
  f->nComp  = nComp;
  f->nCells = nCells;
  f->nDof   = nComp * nCells;
  if (index) *index = ts->nFields;
  ts->nFields++;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleTrainingSetAddScalar(GaleTrainingSet ts, const char *name, PetscInt *index)
{
  PetscFunctionBeginUser;
  PetscCheck(!ts->nSamples, PETSC_COMM_SELF, PETSC_ERR_ORDER, "surrogate training set: add scalars before samples");
  PetscCall(CheckName("scalar", name, ts->nScalars, (const char(*)[GALE_NAME_LEN])ts->scalarNames));
  PetscCall(PetscRealloc(sizeof(*ts->scalarNames) * (ts->nScalars + 1), &ts->scalarNames));
  PetscCall(PetscStrncpy(ts->scalarNames[ts->nScalars], name, GALE_NAME_LEN));
  if (index) *index = ts->nScalars;
  ts->nScalars++;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleTrainingSetSetMesh(GaleTrainingSet ts, const char *meshPath, PetscInt64 nCells, const PetscReal volumes[])
{
  PetscFunctionBeginUser;
  PetscCheck(nCells >= 0 && nCells <= PETSC_MAX_INT, PETSC_COMM_SELF, GALE_ERR_USER, "surrogate training set: mesh with %lld cells", (long long)nCells);
  PetscCheck(!meshPath || strlen(meshPath) < GALE_PATH_LEN, PETSC_COMM_SELF, GALE_ERR_USER, "surrogate training set: mesh path is too long");
  PetscCall(PetscStrncpy(ts->meshPath, meshPath ? meshPath : "", sizeof(ts->meshPath)));
  ts->meshCells = nCells;
  PetscCall(PetscFree(ts->volumes));
  if (volumes) {
    PetscCheck(nCells > 0, PETSC_COMM_SELF, GALE_ERR_USER, "surrogate training set: cell volumes of a mesh without cells");
    for (PetscInt64 c = 0; c < nCells; c++) PetscCheck(isfinite(volumes[c]) && volumes[c] > 0, PETSC_COMM_SELF, GALE_ERR_USER, "surrogate training set: cell %lld has volume %g", (long long)c, (double)volumes[c]);
    PetscCall(PetscMalloc1(nCells, &ts->volumes));
    PetscCall(PetscArraycpy(ts->volumes, volumes, nCells));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Room for nSamples samples (the layout is fixed by now). */
static PetscErrorCode Grow(GaleTrainingSet ts, PetscInt nSamples)
{
  PetscFunctionBeginUser;
  if (nSamples <= ts->cap) PetscFunctionReturn(PETSC_SUCCESS);
  for (PetscInt f = 0; f < ts->nFields; f++) PetscCall(PetscRealloc(sizeof(PetscReal) * ts->fields[f].nDof * nSamples, &ts->fields[f].snap));
  PetscCall(PetscRealloc(sizeof(PetscReal) * (ts->nParams * nSamples + 1), &ts->params));
  PetscCall(PetscRealloc(sizeof(PetscReal) * (ts->nScalars * nSamples + 1), &ts->scalars));
  ts->cap = nSamples;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleTrainingSetReserve(GaleTrainingSet ts, PetscInt nSamples)
{
  PetscFunctionBeginUser;
  if (ts->nSamples)
    PetscCall(Grow(ts, nSamples));
  else
    ts->reserve = nSamples;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleTrainingSetAddSample(GaleTrainingSet ts, const PetscReal params[], const PetscReal *const fields[], const PetscReal scalars[])
{
  const PetscInt s = ts->nSamples;

  PetscFunctionBeginUser;
  PetscCheck(ts->nParams, PETSC_COMM_SELF, PETSC_ERR_ORDER, "surrogate training set: set the parameters before adding samples");
  PetscCheck(ts->nFields + ts->nScalars > 0, PETSC_COMM_SELF, PETSC_ERR_ORDER, "surrogate training set: add fields or scalars before samples");
  PetscCheck(!ts->nFields || fields, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "surrogate training set: sample %" PetscInt_FMT " lacks its fields", s);
  PetscCheck(!ts->nScalars || scalars, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "surrogate training set: sample %" PetscInt_FMT " lacks its scalars", s);
  for (PetscInt i = 0; i < ts->nParams; i++) PetscCheck(isfinite(params[i]), PETSC_COMM_SELF, GALE_ERR_USER, "surrogate training set: sample %" PetscInt_FMT ": parameter %s is not finite", s, ts->paramNames[i]);
  for (PetscInt i = 0; i < ts->nScalars; i++) PetscCheck(isfinite(scalars[i]), PETSC_COMM_SELF, GALE_ERR_USER, "surrogate training set: sample %" PetscInt_FMT ": scalar %s is not finite", s, ts->scalarNames[i]);
  for (PetscInt f = 0; f < ts->nFields; f++) {
    PetscCheck(fields[f], PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "surrogate training set: sample %" PetscInt_FMT " lacks field %s", s, ts->fields[f].name);
    for (PetscInt i = 0; i < ts->fields[f].nDof; i++) PetscCheck(isfinite(fields[f][i]), PETSC_COMM_SELF, GALE_ERR_USER, "surrogate training set: sample %" PetscInt_FMT ": field %s is not finite at entry %" PetscInt_FMT, s, ts->fields[f].name, i);
  }
  if (s == ts->cap) PetscCall(Grow(ts, s ? 2 * s : PetscMax(ts->reserve, 8)));
  PetscCall(PetscArraycpy(ts->params + (size_t)s * ts->nParams, params, ts->nParams));
  if (ts->nScalars) PetscCall(PetscArraycpy(ts->scalars + (size_t)s * ts->nScalars, scalars, ts->nScalars));
  for (PetscInt f = 0; f < ts->nFields; f++) PetscCall(PetscArraycpy(ts->fields[f].snap + (size_t)s * ts->fields[f].nDof, fields[f], ts->fields[f].nDof));
  ts->nSamples++;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleTrainingSetGetSizes(GaleTrainingSet ts, PetscInt *nSamples, PetscInt *nParams, PetscInt *nFields, PetscInt *nScalars)
{
  PetscFunctionBeginUser;
  if (nSamples) *nSamples = ts->nSamples;
  if (nParams) *nParams = ts->nParams;
  if (nFields) *nFields = ts->nFields;
  if (nScalars) *nScalars = ts->nScalars;
  PetscFunctionReturn(PETSC_SUCCESS);
}
