/* Surrogate model: training and prediction (see gale_model.h). Training
 * on samples S computes, per field f, the POD of its snapshots
 * {u_f(p_s)} (optionally volume-weighted), giving modes Phi_f and
 * coefficients a_f(p_s) = Phi_f^T W (u_f(p_s) - m_f); one regressor
 * learns p -> [a_1, a_2, ...] (all fields' coefficients together) and
 * another p -> scalars. Prediction at p:
 *   u_f(p) = m_f + Phi_f a_f(p)      (one dgemv of nDof x r_f)
 * and var(u_f)_i = sum_k Phi_f,ik^2 var(a_f,k)(p) when the regressor
 * gives variances. */
#include <math.h>
#include <string.h>
#include "model_impl.h"

PetscErrorCode GaleSurrogateOptionsDefault(GaleSurrogateOptions *opts)
{
  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(opts, sizeof(*opts)));
  opts->energy         = 0.9999;
  opts->maxModes       = PETSC_DETERMINE;
  opts->weightByVolume = PETSC_TRUE;
  opts->podMethod      = GALE_POD_AUTO;
  opts->cvFolds        = GALE_CV_AUTO;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSurrogateModelAlloc(PetscInt nParams, PetscInt nSamples, PetscInt nFields, PetscInt nScalars, GaleSurrogateModel *model)
{
  GaleSurrogateModel M;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&M));
  M->nParams  = nParams;
  M->nSamples = nSamples;
  M->nFields  = nFields;
  M->nScalars = nScalars;
  PetscCall(PetscCalloc3(nParams, &M->paramNames, nParams, &M->lower, nParams, &M->upper));
  PetscCall(PetscCalloc1((size_t)nSamples * nParams + 1, &M->samples));
  PetscCall(PetscCalloc1(nFields + 1, &M->fields));
  PetscCall(PetscCalloc1(nScalars + 1, &M->scalarNames));
  PetscCall(PetscCalloc1(2 * nScalars + 1, &M->swork));
  *model = M;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSurrogateModelFinish(GaleSurrogateModel M)
{
  PetscFunctionBeginUser;
  M->nFieldValues = M->nCoef = 0;
  for (PetscInt f = 0; f < M->nFields; f++) {
    PetscInt r;
    PetscCall(GalePODGetSizes(M->fields[f].pod, NULL, NULL, &r));
    M->fields[f].offset     = M->nFieldValues;
    M->fields[f].coefOffset = M->nCoef;
    M->nFieldValues += M->fields[f].nDof;
    M->nCoef += r;
  }
  PetscCall(PetscFree2(M->coef, M->coefVar));
  PetscCall(PetscCalloc2(M->nCoef + 1, &M->coef, M->nCoef + 1, &M->coefVar));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSurrogateModelDestroy(GaleSurrogateModel *model)
{
  GaleSurrogateModel M;

  PetscFunctionBeginUser;
  if (!model || !*model) PetscFunctionReturn(PETSC_SUCCESS);
  M = *model;
  for (PetscInt f = 0; f < M->nFields; f++) PetscCall(GalePODDestroy(&M->fields[f].pod));
  PetscCall(GaleRegressorDestroy(&M->fieldReg));
  PetscCall(GaleRegressorDestroy(&M->scalarReg));
  PetscCall(PetscFree3(M->paramNames, M->lower, M->upper));
  PetscCall(PetscFree(M->samples));
  PetscCall(PetscFree(M->fields));
  PetscCall(PetscFree(M->scalarNames));
  PetscCall(PetscFree(M->swork));
  PetscCall(PetscFree(M->volumes));
  PetscCall(PetscFree2(M->coef, M->coefVar));
  PetscCall(PetscFree(*model));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* POD of field f over the samples idx. */
static PetscErrorCode FieldPOD(GaleTrainingSet ts, PetscInt f, const GaleSurrogateOptions *opts, const PetscInt idx[], PetscInt nIdx, PetscBool all, GalePOD *pod)
{
  const GaleTSField *F = &ts->fields[f];
  PetscReal         *X = F->snap, *w = NULL;

  PetscFunctionBeginUser;
  PetscCall(GalePODCreate(pod));
  PetscCall(GalePODSetEnergy(*pod, opts->energy));
  PetscCall(GalePODSetMaxModes(*pod, opts->maxModes));
  PetscCall(GalePODSetMethod(*pod, opts->podMethod));
  if (opts->weightByVolume && ts->volumes) {
    PetscCheck(ts->meshCells == F->nCells, PETSC_COMM_SELF, GALE_ERR_USER, "surrogate: field %s has %" PetscInt_FMT " cells but the mesh %lld; cannot weight by cell volumes", F->name, F->nCells, (long long)ts->meshCells);
    PetscCall(PetscMalloc1(F->nDof, &w));
    for (PetscInt c = 0; c < F->nComp; c++) PetscCall(PetscArraycpy(w + (size_t)c * F->nCells, ts->volumes, F->nCells));
    PetscCall(GalePODSetWeights(*pod, F->nDof, w));
    PetscCall(PetscFree(w));
  }
  if (!all) {
    PetscCall(PetscMalloc1((size_t)F->nDof * nIdx, &X));
    for (PetscInt j = 0; j < nIdx; j++) PetscCall(PetscArraycpy(X + (size_t)j * F->nDof, F->snap + (size_t)idx[j] * F->nDof, F->nDof));
  }
  {
    PetscErrorCode ierr = GalePODCompute(*pod, F->nDof, nIdx, X);
    if (!all) PetscCall(PetscFree(X));
    PetscCall(ierr);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode FitRegressors(GaleSurrogateModel M, GaleTrainingSet ts, const char *type, const GaleSurrogateOptions *opts, const PetscInt idx[], PetscInt nIdx)
{
  PetscReal     *Y;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  if (M->nCoef) {
    PetscCall(PetscMalloc1((size_t)nIdx * M->nCoef, &Y));
    for (PetscInt f = 0; f < M->nFields; f++) {
      const PetscReal *coef;
      PetscInt         r;
      PetscCall(GalePODGetSizes(M->fields[f].pod, NULL, NULL, &r));
      PetscCall(GalePODGetModes(M->fields[f].pod, NULL, NULL, NULL, NULL, &coef));
      for (PetscInt j = 0; j < nIdx; j++)
        for (PetscInt k = 0; k < r; k++) Y[(size_t)j * M->nCoef + M->fields[f].coefOffset + k] = coef[k + (size_t)j * r];
    }
    ierr = GaleRegressorCreate(type, &M->fieldReg);
    if (!ierr) ierr = GaleRegressorSetOptions(M->fieldReg, opts->regressorOptions);
    if (!ierr) ierr = GaleRegressorFit(M->fieldReg, nIdx, M->nParams, M->nCoef, M->samples, Y);
    PetscCall(PetscFree(Y));
    PetscCall(ierr);
  }
  if (M->nScalars) {
    PetscCall(PetscMalloc1((size_t)nIdx * M->nScalars, &Y));
    for (PetscInt j = 0; j < nIdx; j++) PetscCall(PetscArraycpy(Y + (size_t)j * M->nScalars, ts->scalars + (size_t)idx[j] * M->nScalars, M->nScalars));
    ierr = GaleRegressorCreate(type, &M->scalarReg);
    if (!ierr) ierr = GaleRegressorSetOptions(M->scalarReg, opts->regressorOptions);
    if (!ierr) ierr = GaleRegressorFit(M->scalarReg, nIdx, M->nParams, M->nScalars, M->samples, Y);
    PetscCall(PetscFree(Y));
    PetscCall(ierr);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The model's fields, regressors and metadata from samples idx; M exists. */
static PetscErrorCode FitInto(GaleSurrogateModel M, GaleTrainingSet ts, const char *type, const GaleSurrogateOptions *opts, const PetscInt idx[], PetscInt nIdx)
{
  PetscBool all = (PetscBool)(nIdx == ts->nSamples);

  PetscFunctionBeginUser;
  for (PetscInt j = 0; j < nIdx && all; j++)
    if (idx[j] != j) all = PETSC_FALSE;
  PetscCall(PetscStrncpy(M->regressor, type, sizeof(M->regressor)));
  PetscCall(PetscStrncpy(M->regressorOptions, opts->regressorOptions, sizeof(M->regressorOptions)));
  M->energy = opts->energy;
  for (PetscInt i = 0; i < M->nParams; i++) PetscCall(PetscStrncpy(M->paramNames[i], ts->paramNames[i], GALE_NAME_LEN));
  for (PetscInt j = 0; j < nIdx; j++) PetscCall(PetscArraycpy(M->samples + (size_t)j * M->nParams, ts->params + (size_t)idx[j] * ts->nParams, M->nParams));
  for (PetscInt i = 0; i < M->nParams; i++) {
    M->lower[i] = ts->lower ? ts->lower[i] : PETSC_MAX_REAL;
    M->upper[i] = ts->upper ? ts->upper[i] : -PETSC_MAX_REAL;
    if (!ts->lower)
      for (PetscInt j = 0; j < nIdx; j++) {
        M->lower[i] = PetscMin(M->lower[i], M->samples[(size_t)j * M->nParams + i]);
        M->upper[i] = PetscMax(M->upper[i], M->samples[(size_t)j * M->nParams + i]);
      }
  }
  PetscCall(PetscStrncpy(M->meshPath, ts->meshPath, sizeof(M->meshPath)));
  M->meshCells = ts->meshCells;
  if (opts->weightByVolume && ts->volumes && ts->nFields) {
    PetscCall(PetscMalloc1(ts->meshCells, &M->volumes));
    PetscCall(PetscArraycpy(M->volumes, ts->volumes, ts->meshCells));
  }
  for (PetscInt f = 0; f < M->nFields; f++) {
    PetscCall(PetscStrncpy(M->fields[f].name, ts->fields[f].name, GALE_NAME_LEN));
    M->fields[f].nComp  = ts->fields[f].nComp;
    M->fields[f].nCells = ts->fields[f].nCells;
    M->fields[f].nDof   = ts->fields[f].nDof;
    PetscCall(FieldPOD(ts, f, opts, idx, nIdx, all, &M->fields[f].pod));
  }
  for (PetscInt s = 0; s < M->nScalars; s++) PetscCall(PetscStrncpy(M->scalarNames[s], ts->scalarNames[s], GALE_NAME_LEN));
  PetscCall(GaleSurrogateModelFinish(M));
  PetscCall(FitRegressors(M, ts, type, opts, idx, nIdx));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSurrogateFitSubset(GaleTrainingSet ts, const char *type, const GaleSurrogateOptions *opts, const PetscInt idx[], PetscInt nIdx, GaleSurrogateModel *model)
{
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCall(GaleSurrogateModelAlloc(ts->nParams, nIdx, ts->nFields, ts->nScalars, model));
  ierr = FitInto(*model, ts, type, opts, idx, nIdx);
  if (ierr) PetscCall(GaleSurrogateModelDestroy(model));
  PetscCall(ierr);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSurrogateTrain(GaleTrainingSet ts, const char *regressorName, const GaleSurrogateOptions *optsIn, GaleSurrogateModel *model, GaleCVReport *cv)
{
  GaleSurrogateOptions opts;
  GaleRegressor        probe;
  const char          *type = regressorName;
  PetscInt            *idx;

  PetscFunctionBeginUser;
  *model = NULL;
  if (optsIn)
    opts = *optsIn;
  else
    PetscCall(GaleSurrogateOptionsDefault(&opts));
  if (type && !strncmp(type, "pod-", 4)) type += 4;
  PetscCall(GaleRegressorCreate(type, &probe)); /* unknown names and options fail here, before any work */
  {
    PetscErrorCode ierr = GaleRegressorSetOptions(probe, opts.regressorOptions);
    PetscCall(GaleRegressorDestroy(&probe));
    PetscCall(ierr);
  }
  PetscCheck(ts->nParams >= 1, PETSC_COMM_SELF, GALE_ERR_USER, "surrogate: the training set has no parameters");
  PetscCheck(ts->nFields + ts->nScalars >= 1, PETSC_COMM_SELF, GALE_ERR_USER, "surrogate: the training set has neither fields nor scalars to learn");
  PetscCheck(ts->nSamples >= 2, PETSC_COMM_SELF, GALE_ERR_USER, "surrogate: %" PetscInt_FMT " sample(s); need at least 2 finished runs to train", ts->nSamples);
  PetscCheck(opts.energy > 0 && opts.energy <= 1, PETSC_COMM_SELF, GALE_ERR_USER, "surrogate: POD energy fraction %g must lie in (0, 1]", (double)opts.energy);
  if (cv) PetscCall(GaleSurrogateCrossValidate(ts, type, &opts, cv));
  PetscCall(PetscMalloc1(ts->nSamples, &idx));
  for (PetscInt j = 0; j < ts->nSamples; j++) idx[j] = j;
  {
    PetscErrorCode ierr = GaleSurrogateFitSubset(ts, type, &opts, idx, ts->nSamples, model);
    PetscCall(PetscFree(idx));
    if (ierr && cv) PetscCall(GaleCVReportDestroy(cv));
    PetscCall(ierr);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSurrogateModelPredict(GaleSurrogateModel M, const PetscReal params[], PetscReal fields[], PetscReal scalars[], PetscReal scalarVar[])
{
  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < M->nParams; i++) PetscCheck(isfinite(params[i]), PETSC_COMM_SELF, GALE_ERR_USER, "surrogate: parameter %s is not finite", M->paramNames[i]);
  if (fields) {
    if (M->fieldReg) PetscCall(GaleRegressorPredict(M->fieldReg, 1, params, M->coef, NULL));
    for (PetscInt f = 0; f < M->nFields; f++) PetscCall(GalePODReconstruct(M->fields[f].pod, M->coef + M->fields[f].coefOffset, fields + M->fields[f].offset));
  }
  if ((scalars || scalarVar) && M->scalarReg) PetscCall(GaleRegressorPredict(M->scalarReg, 1, params, scalars ? scalars : M->swork, scalarVar));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSurrogateModelPredictFieldVariance(GaleSurrogateModel M, const PetscReal params[], PetscReal fieldVar[])
{
  PetscFunctionBeginUser;
  PetscCall(PetscArrayzero(fieldVar, M->nFieldValues));
  if (!M->fieldReg) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(GaleRegressorPredict(M->fieldReg, 1, params, M->coef, M->coefVar));
  for (PetscInt f = 0; f < M->nFields; f++) {
    const GaleModelField *F = &M->fields[f];
    const PetscReal      *phi;
    PetscReal            *v = fieldVar + F->offset;
    PetscInt              r;
    PetscCall(GalePODGetSizes(F->pod, NULL, NULL, &r));
    PetscCall(GalePODGetModes(F->pod, &phi, NULL, NULL, NULL, NULL));
    for (PetscInt k = 0; k < r; k++) {
      const PetscReal  vk = M->coefVar[F->coefOffset + k];
      const PetscReal *pk = phi + (size_t)k * F->nDof;
      for (PetscInt i = 0; i < F->nDof; i++) v[i] += pk[i] * pk[i] * vk;
    }
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSurrogateModelCheckParams(GaleSurrogateModel M, const PetscReal params[], PetscBool *inside, PetscInt *which)
{
  PetscFunctionBeginUser;
  *inside = PETSC_TRUE;
  if (which) *which = -1;
  for (PetscInt i = 0; i < M->nParams && *inside; i++)
    if (!(params[i] >= M->lower[i] && params[i] <= M->upper[i])) {
      *inside = PETSC_FALSE;
      if (which) *which = i;
    }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSurrogateModelGetSizes(GaleSurrogateModel M, PetscInt *nParams, PetscInt *nFields, PetscInt *nScalars, PetscInt *nFieldValues)
{
  PetscFunctionBeginUser;
  if (nParams) *nParams = M->nParams;
  if (nFields) *nFields = M->nFields;
  if (nScalars) *nScalars = M->nScalars;
  if (nFieldValues) *nFieldValues = M->nFieldValues;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSurrogateModelGetParameter(GaleSurrogateModel M, PetscInt i, const char **name, PetscReal *lower, PetscReal *upper)
{
  PetscFunctionBeginUser;
  PetscCheck(i >= 0 && i < M->nParams, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "surrogate: parameter %" PetscInt_FMT " of %" PetscInt_FMT, i, M->nParams);
  if (name) *name = M->paramNames[i];
  if (lower) *lower = M->lower[i];
  if (upper) *upper = M->upper[i];
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSurrogateModelFindParameter(GaleSurrogateModel M, const char *name, PetscInt *i)
{
  PetscFunctionBeginUser;
  *i = -1;
  for (PetscInt k = 0; k < M->nParams && *i < 0; k++)
    if (!strcmp(M->paramNames[k], name)) *i = k;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSurrogateModelFindField(GaleSurrogateModel M, const char *name, PetscInt *f)
{
  PetscFunctionBeginUser;
  *f = -1;
  for (PetscInt k = 0; k < M->nFields && *f < 0; k++)
    if (!strcmp(M->fields[k].name, name)) *f = k;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSurrogateModelFindScalar(GaleSurrogateModel M, const char *name, PetscInt *s)
{
  PetscFunctionBeginUser;
  *s = -1;
  for (PetscInt k = 0; k < M->nScalars && *s < 0; k++)
    if (!strcmp(M->scalarNames[k], name)) *s = k;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSurrogateModelGetField(GaleSurrogateModel M, PetscInt f, const char **name, PetscInt *nComp, PetscInt *nCells, PetscInt *offset, PetscInt *nModes, PetscReal *energy)
{
  PetscFunctionBeginUser;
  PetscCheck(f >= 0 && f < M->nFields, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "surrogate: field %" PetscInt_FMT " of %" PetscInt_FMT, f, M->nFields);
  if (name) *name = M->fields[f].name;
  if (nComp) *nComp = M->fields[f].nComp;
  if (nCells) *nCells = M->fields[f].nCells;
  if (offset) *offset = M->fields[f].offset;
  if (nModes) PetscCall(GalePODGetSizes(M->fields[f].pod, NULL, NULL, nModes));
  if (energy) PetscCall(GalePODGetEnergy(M->fields[f].pod, energy));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSurrogateModelGetScalar(GaleSurrogateModel M, PetscInt s, const char **name)
{
  PetscFunctionBeginUser;
  PetscCheck(s >= 0 && s < M->nScalars, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "surrogate: scalar %" PetscInt_FMT " of %" PetscInt_FMT, s, M->nScalars);
  *name = M->scalarNames[s];
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSurrogateModelGetMesh(GaleSurrogateModel M, const char **meshPath, PetscInt64 *nCells)
{
  PetscFunctionBeginUser;
  if (meshPath) *meshPath = M->meshPath;
  if (nCells) *nCells = M->meshCells;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSurrogateModelGetRegressor(GaleSurrogateModel M, const char **type, PetscBool *hasVariance)
{
  PetscFunctionBeginUser;
  if (type) *type = M->regressor;
  if (hasVariance) {
    GaleRegressor r = M->scalarReg ? M->scalarReg : M->fieldReg;
    *hasVariance    = PETSC_FALSE;
    if (r) PetscCall(GaleRegressorHasVariance(r, hasVariance));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSurrogateModelGetSamples(GaleSurrogateModel M, PetscInt *nSamples, const PetscReal **params)
{
  PetscFunctionBeginUser;
  if (nSamples) *nSamples = M->nSamples;
  if (params) *params = M->samples;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSurrogateModelGetPOD(GaleSurrogateModel M, PetscInt f, GalePOD *pod)
{
  PetscFunctionBeginUser;
  PetscCheck(f >= 0 && f < M->nFields, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "surrogate: field %" PetscInt_FMT " of %" PetscInt_FMT, f, M->nFields);
  *pod = M->fields[f].pod;
  PetscFunctionReturn(PETSC_SUCCESS);
}
