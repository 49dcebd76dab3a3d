/* Surrogate models: predict the fields and scalar results of a case from
 * its parameters in milliseconds.
 *
 *   GaleTrainingSet     what the sweep produced: for each sample its
 *                       parameters, one snapshot of each field and the
 *                       scalars (Cl, Cd, ...), plus a mesh reference and
 *                       optional cell volumes (POD weights).
 *   GaleSurrogateModel  per field a POD basis (gale_pod.h); one regressor
 *                       (gale_regressor.h) from the parameters to all POD
 *                       coefficients, another from the parameters to the
 *                       scalars; saved to and loaded from one HDF5 file.
 *   GaleCVReport        k-fold / leave-one-out errors per output.
 *
 * Typical use (the `gale surrogate` command):
 *   GaleTrainingSetCreate(&ts);
 *   GaleTrainingSetSetParameters(ts, 1, names, lower, upper);
 *   GaleTrainingSetAddField(ts, "p", 1, nCells, NULL);
 *   GaleTrainingSetAddScalar(ts, "Cl", NULL);
 *   GaleTrainingSetSetMesh(ts, "cases/naca0012/mesh.h5", nCells, volumes);
 *   for each finished run: GaleTrainingSetAddSample(ts, params, fields, scalars);
 *   GaleSurrogateTrain(ts, "gpr", NULL, &model, &cv);
 *   GaleSurrogateModelSave(model, "sweeps/naca0012/model.h5");
 *   ...
 *   GaleSurrogateModelLoad("sweeps/naca0012/model.h5", &model);
 *   GaleSurrogateModelPredict(model, params, field, scalars, scalarVar);
 *
 * Fields are flat arrays of nComp * nCells values, component-major
 * (u[c], u[nCells + c], ...), as in the solver; several fields travel
 * concatenated in the order they were added (GaleSurrogateModelGetField
 * gives each one's offset). All of this is serial (one rank). */
#ifndef GALE_MODEL_H
#define GALE_MODEL_H

#include "gale_pod.h"
#include "gale_regressor.h"

typedef struct _p_GaleTrainingSet    *GaleTrainingSet;
typedef struct _p_GaleSurrogateModel *GaleSurrogateModel;

/* ---- training set ---- */

PetscErrorCode GaleTrainingSetCreate(GaleTrainingSet *ts);
PetscErrorCode GaleTrainingSetDestroy(GaleTrainingSet *ts);
/* Layout, before the first sample. Parameter ranges (lower, upper may be
 * NULL: then the range of the samples) are recorded in the model. Names:
 * at most GALE_NAME_LEN - 1 characters, unique within their kind. */
PetscErrorCode GaleTrainingSetSetParameters(GaleTrainingSet ts, PetscInt nParams, const char *const names[], const PetscReal lower[], const PetscReal upper[]);
PetscErrorCode GaleTrainingSetAddField(GaleTrainingSet ts, const char *name, PetscInt nComp, PetscInt nCells, PetscInt *index);
PetscErrorCode GaleTrainingSetAddScalar(GaleTrainingSet ts, const char *name, PetscInt *index);
/* Mesh reference stored in the model; volumes (nCells, may be NULL)
 * weight the POD inner product (see GaleSurrogateOptions). */
PetscErrorCode GaleTrainingSetSetMesh(GaleTrainingSet ts, const char *meshPath, PetscInt64 nCells, const PetscReal volumes[]);
/* Optional: room for this many samples (saves reallocations). */
PetscErrorCode GaleTrainingSetReserve(GaleTrainingSet ts, PetscInt nSamples);
/* One sample (all copied): params[nParams], fields[f] the f-th field
 * (nComp * nCells values), scalars[nScalars]. */
PetscErrorCode GaleTrainingSetAddSample(GaleTrainingSet ts, const PetscReal params[], const PetscReal *const fields[], const PetscReal scalars[]);
PetscErrorCode GaleTrainingSetGetSizes(GaleTrainingSet ts, PetscInt *nSamples, PetscInt *nParams, PetscInt *nFields, PetscInt *nScalars);

/* ---- training ---- */

#define GALE_CV_AUTO 0 /* min(nSamples, 10) folds: leave-one-out up to 10 samples */
#define GALE_CV_LOO -1 /* leave-one-out */

typedef struct {
  PetscReal     energy;                          /* POD energy fraction kept per field (0.9999) */
  PetscInt      maxModes;                        /* cap on modes per field (PETSC_DETERMINE: nSamples - 1) */
  PetscBool     weightByVolume;                  /* weight the POD by cell volumes when given (PETSC_TRUE) */
  GalePODMethod podMethod;                       /* GALE_POD_AUTO */
  PetscInt      cvFolds;                         /* GALE_CV_AUTO, GALE_CV_LOO or k >= 2 */
  char          regressorOptions[GALE_PATH_LEN]; /* "key=value,..." for both regressors ("") */
} GaleSurrogateOptions;

PetscErrorCode GaleSurrogateOptionsDefault(GaleSurrogateOptions *opts);

/* Cross-validation: each fold's samples are held out, a model is trained
 * on the others (POD and regressors anew) and predicts them. For a field
 * the error of one sample is the relative weighted L2 error
 * |u_pred - u|_W / |u|_W (|u|_W = sqrt(sum_i w_i u_i^2), w the POD
 * weights); projRelL2 is the same for the POD projection of u on that
 * fold's basis (the part of the error the basis alone causes). For a
 * scalar: RMSE and largest absolute error over the samples, and relRMSE =
 * RMSE / RMS of the true values. Arrays are owned by the report. */
typedef struct {
  PetscInt   folds, nSamples, nFields, nScalars;
  PetscReal *fieldRelL2Mean, *fieldRelL2Max, *fieldProjRelL2Mean; /* [nFields] */
  PetscReal *fieldRelL2;                                          /* [nSamples x nFields] */
  PetscReal *scalarRMSE, *scalarMaxAbs, *scalarRelRMSE;           /* [nScalars] */
  PetscReal *scalarPred;                                          /* [nSamples x nScalars] held-out predictions */
} GaleCVReport;

PetscErrorCode GaleCVReportDestroy(GaleCVReport *cv);

/* Train on the whole set with regressor "gpr", "rbf" or "mlp" (a "pod-"
 * prefix is accepted: "pod-gpr"); opts may be NULL (defaults). With cv
 * not NULL, cross-validate first (folds from opts->cvFolds). */
PetscErrorCode GaleSurrogateTrain(GaleTrainingSet ts, const char *regressorName, const GaleSurrogateOptions *opts, GaleSurrogateModel *model, GaleCVReport *cv);

/* ---- model ---- */

PetscErrorCode GaleSurrogateModelDestroy(GaleSurrogateModel *model);
/* Write to path + ".tmp", then rename over path. */
PetscErrorCode GaleSurrogateModelSave(GaleSurrogateModel model, const char *path);
/* Read and validate; a missing, damaged or foreign file is an error that
 * says which and why. */
PetscErrorCode GaleSurrogateModelLoad(const char *path, GaleSurrogateModel *model);

/* params[nParams] -> fields (all fields concatenated, nFieldValues; may
 * be NULL), scalars[nScalars] and scalarVar[nScalars] (may be NULL;
 * zeros when the regressor gives no variance). Parameters outside the
 * training ranges extrapolate; GaleSurrogateModelCheckParams tells. */
PetscErrorCode GaleSurrogateModelPredict(GaleSurrogateModel model, const PetscReal params[], PetscReal fields[], PetscReal scalars[], PetscReal scalarVar[]);
/* Predictive variance of every field value (sum_k phi_ik^2 var(a_k),
 * coefficients taken as independent); zeros without a variance. */
PetscErrorCode GaleSurrogateModelPredictFieldVariance(GaleSurrogateModel model, const PetscReal params[], PetscReal fieldVar[]);
/* *inside = PETSC_FALSE when a parameter lies outside its range; *which
 * (may be NULL) is the first such parameter, -1 when all are inside. */
PetscErrorCode GaleSurrogateModelCheckParams(GaleSurrogateModel model, const PetscReal params[], PetscBool *inside, PetscInt *which);

PetscErrorCode GaleSurrogateModelGetSizes(GaleSurrogateModel model, PetscInt *nParams, PetscInt *nFields, PetscInt *nScalars, PetscInt *nFieldValues);
PetscErrorCode GaleSurrogateModelGetParameter(GaleSurrogateModel model, PetscInt i, const char **name, PetscReal *lower, PetscReal *upper);
/* Index of the parameter / field / scalar called name, -1 if none. */
PetscErrorCode GaleSurrogateModelFindParameter(GaleSurrogateModel model, const char *name, PetscInt *i);
PetscErrorCode GaleSurrogateModelFindField(GaleSurrogateModel model, const char *name, PetscInt *f);
PetscErrorCode GaleSurrogateModelFindScalar(GaleSurrogateModel model, const char *name, PetscInt *s);
/* Any output may be NULL; offset into the concatenated fields array. */
PetscErrorCode GaleSurrogateModelGetField(GaleSurrogateModel model, PetscInt f, const char **name, PetscInt *nComp, PetscInt *nCells, PetscInt *offset, PetscInt *nModes, PetscReal *energy);
PetscErrorCode GaleSurrogateModelGetScalar(GaleSurrogateModel model, PetscInt s, const char **name);
PetscErrorCode GaleSurrogateModelGetMesh(GaleSurrogateModel model, const char **meshPath, PetscInt64 *nCells);
PetscErrorCode GaleSurrogateModelGetRegressor(GaleSurrogateModel model, const char **type, PetscBool *hasVariance);
/* Training samples' parameters (nSamples x nParams, borrowed). */
PetscErrorCode GaleSurrogateModelGetSamples(GaleSurrogateModel model, PetscInt *nSamples, const PetscReal **params);
/* The POD of field f (borrowed; e.g. to project a new solution). */
PetscErrorCode GaleSurrogateModelGetPOD(GaleSurrogateModel model, PetscInt f, GalePOD *pod);

#endif
