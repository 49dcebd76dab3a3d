/* Cross-validation of surrogate models (see GaleCVReport in gale_model.h).
 * The samples are shuffled with a fixed seed and dealt round-robin into k
 * folds (so folds do not follow the sweep's ordering); for each fold a
 * model is trained from scratch on the other samples - POD included, so
 * the held-out snapshots never inform the basis - and predicts the fold's
 * samples. Field errors use the fold POD's weighted norm; a field whose
 * true values have zero norm reports the absolute error. */
#include <math.h>
#include "model_impl.h"

PetscErrorCode GaleCVReportDestroy(GaleCVReport *cv)
{
  PetscFunctionBeginUser;
  if (!cv) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(PetscFree4(cv->fieldRelL2Mean, cv->fieldRelL2Max, cv->fieldProjRelL2Mean, cv->fieldRelL2));
  PetscCall(PetscFree4(cv->scalarRMSE, cv->scalarMaxAbs, cv->scalarRelRMSE, cv->scalarPred));
  PetscCall(PetscMemzero(cv, sizeof(*cv)));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Errors of the held-out sample s predicted by model M; pred, work: room for all fields. */
static PetscErrorCode Assess(GaleTrainingSet ts, GaleSurrogateModel M, PetscInt s, PetscReal *pred, PetscReal *work, GaleCVReport *cv)
{
  PetscFunctionBeginUser;
  PetscCall(GaleSurrogateModelPredict(M, ts->params + (size_t)s * ts->nParams, pred, M->nScalars ? cv->scalarPred + (size_t)s * cv->nScalars : NULL, NULL));
  for (PetscInt f = 0; f < ts->nFields; f++) {
    const GaleModelField *F = &M->fields[f];
    const PetscReal      *u = ts->fields[f].snap + (size_t)s * F->nDof;
    PetscReal            *p = pred + F->offset, nu, ne, np;
    PetscCall(GalePODNorm(F->pod, u, &nu));
    if (!(nu > 0)) nu = 1;
    for (PetscInt i = 0; i < F->nDof; i++) work[i] = p[i] - u[i];
    PetscCall(GalePODNorm(F->pod, work, &ne));
    PetscCall(GalePODProject(F->pod, u, M->coef));
    PetscCall(GalePODReconstruct(F->pod, M->coef, work));
    for (PetscInt i = 0; i < F->nDof; i++) work[i] -= u[i];
    PetscCall(GalePODNorm(F->pod, work, &np));
    cv->fieldRelL2[(size_t)s * cv->nFields + f] = ne / nu;
    cv->fieldProjRelL2Mean[f] += np / nu / ts->nSamples;
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode Summarise(GaleTrainingSet ts, GaleCVReport *cv)
{
  const PetscInt n = ts->nSamples;

  PetscFunctionBeginUser;
  for (PetscInt f = 0; f < cv->nFields; f++)
    for (PetscInt s = 0; s < n; s++) {
      PetscReal e = cv->fieldRelL2[(size_t)s * cv->nFields + f];
      cv->fieldRelL2Mean[f] += e / n;
      cv->fieldRelL2Max[f] = PetscMax(cv->fieldRelL2Max[f], e);
    }
  for (PetscInt q = 0; q < cv->nScalars; q++) {
    PetscReal se = 0, sy = 0;
    for (PetscInt s = 0; s < n; s++) {
      PetscReal y = ts->scalars[(size_t)s * ts->nScalars + q], e = cv->scalarPred[(size_t)s * cv->nScalars + q] - y;
      se += e * e;
      sy += y * y;
      cv->scalarMaxAbs[q] = PetscMax(cv->scalarMaxAbs[q], PetscAbsReal(e));
    }
    cv->scalarRMSE[q]    = PetscSqrtReal(se / n);
    cv->scalarRelRMSE[q] = sy > 0 ? cv->scalarRMSE[q] / PetscSqrtReal(sy / n) : cv->scalarRMSE[q];
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode RunFolds(GaleTrainingSet ts, const char *type, const GaleSurrogateOptions *opts, GaleCVReport *cv)
{
  const PetscInt     n = ts->nSamples, k = cv->folds;
  PetscInt          *perm, *train, *test, nValues = 0;
  PetscReal         *pred, *work;
  uint64_t           seed = 0x5EED5EEDULL;
  GaleSurrogateModel M    = NULL;
  PetscErrorCode     ierr = PETSC_SUCCESS;

  PetscFunctionBeginUser;
  for (PetscInt f = 0; f < ts->nFields; f++) nValues += ts->fields[f].nDof;
  PetscCall(PetscMalloc3(n, &perm, n, &train, n, &test));
  PetscCall(PetscMalloc2(nValues + 1, &pred, nValues + 1, &work));
  for (PetscInt i = 0; i < n; i++) perm[i] = i;
  GaleRandShuffle(&seed, n, perm);
  for (PetscInt q = 0; q < k && !ierr; q++) {
    PetscInt ntr = 0, nte = 0;
    for (PetscInt i = 0; i < n; i++) {
      if (i % k == q)
        test[nte++] = perm[i];
      else
        train[ntr++] = perm[i];
    }
    PetscCall(PetscSortInt(ntr, train));
    ierr = GaleSurrogateFitSubset(ts, type, opts, train, ntr, &M);
    for (PetscInt j = 0; j < nte && !ierr; j++) ierr = Assess(ts, M, test[j], pred, work, cv);
    PetscCall(GaleSurrogateModelDestroy(&M));
  }
  PetscCall(PetscFree3(perm, train, test));
  PetscCall(PetscFree2(pred, work));
  PetscCall(ierr);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSurrogateCrossValidate(GaleTrainingSet ts, const char *type, const GaleSurrogateOptions *opts, GaleCVReport *cv)
{
  const PetscInt n = ts->nSamples, nf = ts->nFields, ns = ts->nScalars;
  PetscInt       k = opts->cvFolds;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(cv, sizeof(*cv)));
  if (k == GALE_CV_AUTO)
    k = PetscMin(n, 10);
  else if (k == GALE_CV_LOO)
    k = n;
  PetscCheck(k >= 2, PETSC_COMM_SELF, GALE_ERR_USER, "surrogate: cross-validation needs at least 2 folds (got %" PetscInt_FMT ")", k);
  k            = PetscMin(k, n);
  cv->folds    = k;
  cv->nSamples = n;
  cv->nFields  = nf;
  cv->nScalars = ns;
  PetscCall(PetscCalloc4(nf + 1, &cv->fieldRelL2Mean, nf + 1, &cv->fieldRelL2Max, nf + 1, &cv->fieldProjRelL2Mean, (size_t)n * nf + 1, &cv->fieldRelL2));
  PetscCall(PetscCalloc4(ns + 1, &cv->scalarRMSE, ns + 1, &cv->scalarMaxAbs, ns + 1, &cv->scalarRelRMSE, (size_t)n * ns + 1, &cv->scalarPred));
  ierr = RunFolds(ts, type, opts, cv);
  if (!ierr) ierr = Summarise(ts, cv);
  if (ierr) PetscCall(GaleCVReportDestroy(cv));
  PetscCall(ierr);
  PetscFunctionReturn(PETSC_SUCCESS);
}
