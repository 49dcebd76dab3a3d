/* Proper orthogonal decomposition of snapshot matrices (see gale_pod.h).
 * With Y = W^{1/2} (X - m 1^T) (nDof x nSnap):
 *   SVD:       Y = U S V^T by LAPACK dgesdd (thin), modes u_k;
 *   SNAPSHOTS: Y^T Y = V S^2 V^T by dsyevd, u_k = Y v_k / s_k, then the
 *              kept u_k are re-orthonormalised (Cholesky QR), since their
 *              orthogonality degrades like eps s_1^2 / s_k^2.
 * The stored modes are phi_k = W^{-1/2} u_k and the training coefficients
 * a_j = Phi^T W (x_j - m) = U^T y_j. Singular values below the rounding
 * level of the method (s_k <= c s_1, c = 100 max(nDof, nSnap) eps for
 * SVD, 10 sqrt(nSnap eps) for SNAPSHOTS, whose s_k^2 carry errors of eps
 * s_1^2) are treated as zero and never kept. */
#include <math.h>
#include <string.h>
#include <cblas.h>
#include <lapacke.h>
#include "surrogate_impl.h"

const char *const GalePODMethods[] = {"auto", "svd", "snapshots", "GalePODMethod", "GALE_POD_", NULL};

struct _p_GalePOD {
  PetscReal     energy, captured;
  PetscInt      maxModes;
  GalePODMethod method;
  PetscInt      nDof, nSnap, nModes, nSigma, nw;
  PetscReal    *w;     /* nDof weights normalised to mean 1, or NULL */
  PetscReal    *mean;  /* nDof */
  PetscReal    *basis; /* nDof x nModes */
  PetscReal    *sigma; /* nSigma */
  PetscReal    *coef;  /* nModes x nSnap, or NULL */
  PetscReal    *work;  /* nDof */
  PetscBool     ready;
};

PetscErrorCode GalePODCreate(GalePOD *pod)
{
  PetscFunctionBeginUser;
  PetscCall(PetscNew(pod));
  (*pod)->energy   = 0.9999;
  (*pod)->maxModes = PETSC_DETERMINE;
  (*pod)->method   = GALE_POD_AUTO;
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode PODReset(GalePOD pod)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree(pod->mean));
  PetscCall(PetscFree(pod->basis));
  PetscCall(PetscFree(pod->sigma));
  PetscCall(PetscFree(pod->coef));
  PetscCall(PetscFree(pod->work));
  pod->ready  = PETSC_FALSE;
  pod->nModes = pod->nSigma = pod->nSnap = 0;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GalePODDestroy(GalePOD *pod)
{
  PetscFunctionBeginUser;
  if (!pod || !*pod) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(PODReset(*pod));
  PetscCall(PetscFree((*pod)->w));
  PetscCall(PetscFree(*pod));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GalePODSetEnergy(GalePOD pod, PetscReal fraction)
{
  PetscFunctionBeginUser;
  PetscCheck(fraction > 0 && fraction <= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "POD energy fraction %g must lie in (0, 1]", (double)fraction);
  pod->energy = fraction;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GalePODSetMaxModes(GalePOD pod, PetscInt maxModes)
{
  PetscFunctionBeginUser;
  PetscCheck(maxModes >= 0 || maxModes == PETSC_DETERMINE, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "POD mode cap %" PetscInt_FMT " must be >= 0 (or PETSC_DETERMINE)", maxModes);
  pod->maxModes = maxModes;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GalePODSetMethod(GalePOD pod, GalePODMethod method)
{
  PetscFunctionBeginUser;
  pod->method = method;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GalePODSetWeights(GalePOD pod, PetscInt nDof, const PetscReal w[])
{
  PetscReal sum = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscFree(pod->w));
  pod->nw = 0;
  if (!w) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCheck(nDof > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "POD weights: %" PetscInt_FMT " entries", nDof);
  for (PetscInt i = 0; i < nDof; i++) {
    PetscCheck(isfinite(w[i]) && w[i] > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "POD weight %" PetscInt_FMT " is %g; weights (cell volumes) must be positive", i, (double)w[i]);
    sum += w[i];
  }
  PetscCall(PetscMalloc1(nDof, &pod->w));
  for (PetscInt i = 0; i < nDof; i++) pod->w[i] = w[i] * (PetscReal)nDof / sum;
  pod->nw = nDof;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Number of modes to keep from the descending singular values s. */
static PetscInt Truncate(GalePOD pod, const PetscReal *s, PetscInt ns, PetscReal zeroRel)
{
  PetscReal total = 0, cum = 0;
  PetscInt  r = 0, nz = 0, cap = pod->nSnap - 1;

  for (PetscInt k = 0; k < ns; k++) total += s[k] * s[k];
  for (PetscInt k = 0; k < ns; k++)
    if (s[k] > zeroRel * s[0]) nz++;
  if (total <= 0 || nz == 0) {
    pod->captured = 1;
    return 0;
  }
  for (PetscInt k = 0; k < ns; k++) {
    cum += s[k] * s[k];
    r = k + 1;
    if (cum >= pod->energy * total * (1 - 1e-13)) break;
  }
  if (pod->maxModes != PETSC_DETERMINE) cap = PetscMin(cap, pod->maxModes);
  r   = PetscMin(PetscMin(r, cap), nz);
  cum = 0;
  for (PetscInt k = 0; k < r; k++) cum += s[k] * s[k];
  pod->captured = cum / total;
  return r;
}

/* Y = U S V^T by dgesdd; keeps r columns of U in pod->basis and S V^T. */
static PetscErrorCode PODBySVD(GalePOD pod, PetscReal *Y)
{
  const PetscInt n = pod->nDof, ns = pod->nSnap, k = PetscMin(n, ns);
  PetscReal     *U, *VT;
  lapack_int     info;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2((size_t)n * k, &U, (size_t)k * ns, &VT));
  info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'S', n, ns, Y, n, pod->sigma, U, n, VT, k);
  if (info) PetscCall(PetscFree2(U, VT));
  PetscCheck(info == 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "POD: LAPACK dgesdd failed (info %d) on the %" PetscInt_FMT " x %" PetscInt_FMT " snapshot matrix", (int)info, n, ns);
  pod->nModes = Truncate(pod, pod->sigma, k, 100.0 * PetscMax(n, ns) * PETSC_MACHINE_EPSILON);
  PetscCall(PetscMalloc1((size_t)n * pod->nModes + 1, &pod->basis));
  PetscCall(PetscMalloc1((size_t)pod->nModes * ns + 1, &pod->coef));
  PetscCall(PetscArraycpy(pod->basis, U, (size_t)n * pod->nModes));
  for (PetscInt j = 0; j < ns; j++)
    for (PetscInt q = 0; q < pod->nModes; q++) pod->coef[q + j * pod->nModes] = pod->sigma[q] * VT[q + j * k];
  PetscCall(PetscFree2(U, VT));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Sirovich's method of snapshots: Y^T Y = V S^2 V^T, u_k = Y v_k / s_k. */
static PetscErrorCode PODBySnapshots(GalePOD pod, const PetscReal *Y)
{
  const PetscInt n = pod->nDof, ns = pod->nSnap;
  PetscReal     *C, *lam, *G;
  PetscInt       r;
  lapack_int     info;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2((size_t)ns * ns, &C, ns, &lam));
  cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, ns, n, 1.0, Y, n, 0.0, C, ns);
  info = LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'V', 'U', ns, C, ns, lam);
  if (info) PetscCall(PetscFree2(C, lam));
  PetscCheck(info == 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "POD: LAPACK dsyevd failed (info %d) on the %" PetscInt_FMT " x %" PetscInt_FMT " correlation matrix", (int)info, ns, ns);
  /* descending order; only min(n, ns) singular values are meaningful */
  pod->nSigma = PetscMin(n, ns);
  for (PetscInt k = 0; k < pod->nSigma; k++) pod->sigma[k] = PetscSqrtReal(PetscMax(lam[ns - 1 - k], 0.0));
  r           = Truncate(pod, pod->sigma, pod->nSigma, 10.0 * PetscSqrtReal(ns * PETSC_MACHINE_EPSILON));
  pod->nModes = r;
  PetscCall(PetscMalloc1((size_t)n * r + 1, &pod->basis));
  PetscCall(PetscMalloc1((size_t)r * ns + 1, &pod->coef));
  if (r) {
    /* G = V_r Sigma_r^{-1} (columns of C in reverse), later Phi^T Phi */
    PetscCall(PetscMalloc1((size_t)ns * r, &G));
    for (PetscInt k = 0; k < r; k++)
      for (PetscInt j = 0; j < ns; j++) G[j + k * ns] = C[j + (ns - 1 - k) * ns] / pod->sigma[k];
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, r, ns, 1.0, Y, n, G, ns, 0.0, pod->basis, n);
    /* Cholesky QR: Phi <- Phi R^{-1} with R^T R = Phi^T Phi */
    cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, r, n, 1.0, pod->basis, n, 0.0, G, r);
    info = LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'U', r, G, r);
    if (!info) cblas_dtrsm(CblasColMajor, CblasRight, CblasUpper, CblasNoTrans, CblasNonUnit, n, r, 1.0, G, r, pod->basis, n);
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, r, ns, n, 1.0, pod->basis, n, Y, n, 0.0, pod->coef, r);
    PetscCall(PetscFree(G));
  }
  PetscCall(PetscFree2(C, lam));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GalePODCompute(GalePOD pod, PetscInt nDof, PetscInt nSnap, const PetscReal X[])
{
  PetscReal    *Y;
  GalePODMethod method = pod->method;

  PetscFunctionBeginUser;
  PetscCheck(nDof > 0 && nSnap > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "POD of %" PetscInt_FMT " snapshots of %" PetscInt_FMT " values: need at least one of each", nSnap, nDof);
  PetscCheck(!pod->w || pod->nw == nDof, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "POD: %" PetscInt_FMT " weights for snapshots of %" PetscInt_FMT " values", pod->nw, nDof);
  PetscCall(PODReset(pod));
  pod->nDof   = nDof;
  pod->nSnap  = nSnap;
  pod->nSigma = PetscMin(nDof, nSnap);
  PetscCall(PetscCalloc1(nDof, &pod->mean));
  PetscCall(PetscMalloc1(nDof, &pod->work));
  PetscCall(PetscCalloc1(nSnap, &pod->sigma));
  for (PetscInt j = 0; j < nSnap; j++)
    for (PetscInt i = 0; i < nDof; i++) {
      PetscReal x = X[i + (size_t)j * nDof];
      PetscCheck(isfinite(x), PETSC_COMM_SELF, PETSC_ERR_FP, "POD: snapshot %" PetscInt_FMT " holds a non-finite value at entry %" PetscInt_FMT, j, i);
      pod->mean[i] += x;
    }
  for (PetscInt i = 0; i < nDof; i++) pod->mean[i] /= nSnap;
  PetscCall(PetscMalloc1((size_t)nDof * nSnap, &Y));
  for (PetscInt j = 0; j < nSnap; j++)
    for (PetscInt i = 0; i < nDof; i++) Y[i + (size_t)j * nDof] = (X[i + (size_t)j * nDof] - pod->mean[i]) * (pod->w ? PetscSqrtReal(pod->w[i]) : 1.0);
  if (method == GALE_POD_AUTO) method = (double)nDof * nSnap <= 33554432.0 ? GALE_POD_SVD : GALE_POD_SNAPSHOTS;
  {
    PetscErrorCode ierr = method == GALE_POD_SVD ? PODBySVD(pod, Y) : PODBySnapshots(pod, Y);
    PetscCall(PetscFree(Y));
    PetscCall(ierr);
  }
  if (pod->w)
    for (PetscInt k = 0; k < pod->nModes; k++)
      for (PetscInt i = 0; i < nDof; i++) pod->basis[i + (size_t)k * nDof] /= PetscSqrtReal(pod->w[i]);
  pod->ready = PETSC_TRUE;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GalePODSetUpFromData(GalePOD pod, PetscInt nDof, PetscInt nSnap, PetscInt nModes, PetscInt nSigma, const PetscReal mean[], const PetscReal basis[], const PetscReal sigma[], const PetscReal weights[])
{
  PetscReal total = 0, cum = 0;

  PetscFunctionBeginUser;
  PetscCall(PODReset(pod));
  PetscCall(GalePODSetWeights(pod, nDof, weights));
  pod->nDof   = nDof;
  pod->nSnap  = nSnap;
  pod->nModes = nModes;
  pod->nSigma = nSigma;
  PetscCall(PetscMalloc1(nDof, &pod->mean));
  PetscCall(PetscMalloc1(nDof, &pod->work));
  PetscCall(PetscMalloc1(nSigma + 1, &pod->sigma));
  PetscCall(PetscMalloc1((size_t)nDof * nModes + 1, &pod->basis));
  PetscCall(PetscArraycpy(pod->mean, mean, nDof));
  PetscCall(PetscArraycpy(pod->sigma, sigma, nSigma));
  PetscCall(PetscArraycpy(pod->basis, basis, (size_t)nDof * nModes));
  for (PetscInt k = 0; k < nSigma; k++) total += sigma[k] * sigma[k];
  for (PetscInt k = 0; k < nModes; k++) cum += sigma[k] * sigma[k];
  pod->captured = total > 0 ? cum / total : 1;
  pod->ready    = PETSC_TRUE;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GalePODGetSizes(GalePOD pod, PetscInt *nDof, PetscInt *nSnap, PetscInt *nModes)
{
  PetscFunctionBeginUser;
  PetscCheck(pod->ready, PETSC_COMM_SELF, PETSC_ERR_ORDER, "POD: call GalePODCompute first");
  if (nDof) *nDof = pod->nDof;
  if (nSnap) *nSnap = pod->nSnap;
  if (nModes) *nModes = pod->nModes;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GalePODGetModes(GalePOD pod, const PetscReal **basis, const PetscReal **mean, const PetscReal **sigma, PetscInt *nSigma, const PetscReal **coef)
{
  PetscFunctionBeginUser;
  PetscCheck(pod->ready, PETSC_COMM_SELF, PETSC_ERR_ORDER, "POD: call GalePODCompute first");
  if (basis) *basis = pod->basis;
  if (mean) *mean = pod->mean;
  if (sigma) *sigma = pod->sigma;
  if (nSigma) *nSigma = pod->nSigma;
  if (coef) *coef = pod->coef;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GalePODGetEnergy(GalePOD pod, PetscReal *captured)
{
  PetscFunctionBeginUser;
  PetscCheck(pod->ready, PETSC_COMM_SELF, PETSC_ERR_ORDER, "POD: call GalePODCompute first");
  *captured = pod->captured;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GalePODProject(GalePOD pod, const PetscReal u[], PetscReal a[])
{
  PetscFunctionBeginUser;
  PetscCheck(pod->ready, PETSC_COMM_SELF, PETSC_ERR_ORDER, "POD: call GalePODCompute first");
  if (!pod->nModes) PetscFunctionReturn(PETSC_SUCCESS);
  for (PetscInt i = 0; i < pod->nDof; i++) pod->work[i] = (u[i] - pod->mean[i]) * (pod->w ? pod->w[i] : 1.0);
  cblas_dgemv(CblasColMajor, CblasTrans, pod->nDof, pod->nModes, 1.0, pod->basis, pod->nDof, pod->work, 1, 0.0, a, 1);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GalePODReconstruct(GalePOD pod, const PetscReal a[], PetscReal u[])
{
  PetscFunctionBeginUser;
  PetscCheck(pod->ready, PETSC_COMM_SELF, PETSC_ERR_ORDER, "POD: call GalePODCompute first");
  PetscCall(PetscArraycpy(u, pod->mean, pod->nDof));
  if (pod->nModes) cblas_dgemv(CblasColMajor, CblasNoTrans, pod->nDof, pod->nModes, 1.0, pod->basis, pod->nDof, a, 1, 1.0, u, 1);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GalePODNorm(GalePOD pod, const PetscReal v[], PetscReal *norm)
{
  PetscReal s = 0;

  PetscFunctionBeginUser;
  PetscCheck(pod->ready, PETSC_COMM_SELF, PETSC_ERR_ORDER, "POD: call GalePODCompute first");
  for (PetscInt i = 0; i < pod->nDof; i++) s += (pod->w ? pod->w[i] : 1.0) * v[i] * v[i];
  *norm = PetscSqrtReal(s);
  PetscFunctionReturn(PETSC_SUCCESS);
}
