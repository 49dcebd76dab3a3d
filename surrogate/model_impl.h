/* Internals of the training set and surrogate model objects, shared by
 * trainingset.c, model.c (training, prediction), model_io.c (HDF5 file)
 * and crossval.c. Not part of the public API. */
#ifndef GALE_MODEL_IMPL_H
#define GALE_MODEL_IMPL_H

#include "gale_model.h"
#include "surrogate_impl.h"

typedef struct {
  char       name[GALE_NAME_LEN];
  PetscInt   nComp, nCells, nDof; /* nDof = nComp * nCells */
  PetscReal *snap;                /* nDof x capacity, column per sample */
} GaleTSField;

struct _p_GaleTrainingSet {
  PetscInt nParams;
  char (*paramNames)[GALE_NAME_LEN];
  PetscReal   *lower, *upper; /* NULL: range of the samples */
  PetscInt     nFields, nScalars;
  GaleTSField *fields;
  char (*scalarNames)[GALE_NAME_LEN];
  PetscInt   nSamples, cap, reserve;
  PetscReal *params, *scalars; /* cap x nParams, cap x nScalars */
  char       meshPath[GALE_PATH_LEN];
  PetscInt64 meshCells;
  PetscReal *volumes; /* meshCells, or NULL */
};

typedef struct {
  char     name[GALE_NAME_LEN];
  PetscInt nComp, nCells, nDof;
  PetscInt offset;     /* into the concatenated fields */
  PetscInt coefOffset; /* into the coefficient vector */
  GalePOD  pod;
} GaleModelField;

struct _p_GaleSurrogateModel {
  char      regressor[GALE_NAME_LEN];
  char      regressorOptions[GALE_PATH_LEN];
  PetscReal energy;
  PetscInt  nParams;
  char (*paramNames)[GALE_NAME_LEN];
  PetscReal      *lower, *upper;
  PetscInt        nSamples;
  PetscReal      *samples; /* nSamples x nParams */
  char            meshPath[GALE_PATH_LEN];
  PetscInt64      meshCells;
  PetscReal      *volumes; /* meshCells when the POD is volume-weighted, else NULL */
  PetscInt        nFields, nFieldValues, nCoef;
  GaleModelField *fields;
  PetscInt        nScalars;
  char (*scalarNames)[GALE_NAME_LEN];
  GaleRegressor fieldReg;               /* parameters -> POD coefficients (NULL if nCoef = 0) */
  GaleRegressor scalarReg;              /* parameters -> scalars (NULL if nScalars = 0) */
  PetscReal    *coef, *coefVar, *swork; /* nCoef, nCoef, 2 nScalars scratch */
};

/* Empty model with the given counts; arrays allocated, names blank. */
PetscErrorCode GaleSurrogateModelAlloc(PetscInt nParams, PetscInt nSamples, PetscInt nFields, PetscInt nScalars, GaleSurrogateModel *model);
/* Offsets, scratch and sizes once fields' PODs are in place. */
PetscErrorCode GaleSurrogateModelFinish(GaleSurrogateModel model);
/* Train on the samples idx[0..nIdx-1] of ts (validated by the caller). */
PetscErrorCode GaleSurrogateFitSubset(GaleTrainingSet ts, const char *type, const GaleSurrogateOptions *opts, const PetscInt idx[], PetscInt nIdx, GaleSurrogateModel *model);
/* Fill cv (crossval.c). */
PetscErrorCode GaleSurrogateCrossValidate(GaleTrainingSet ts, const char *type, const GaleSurrogateOptions *opts, GaleCVReport *cv);

#endif
