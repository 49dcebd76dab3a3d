/* Radial-basis-function interpolation ("rbf") on the normalised data
 * (Wendland, Scattered Data Approximation, 2005, ch. 8): per output
 *   s(x) = sum_i w_i phi(|x - x_i|) + c_0 + sum_j c_j x_j
 * with the linear tail over the inputs that vary in the training set, and
 *   [Phi + lambda I  P] [w]   [y]
 *   [P^T            0] [c] = [0],   Phi_ij = phi(|x_i - x_j|), P = [1 x]
 * solved for all outputs at once by LAPACK dsysv (symmetric indefinite).
 * Kernels phi(r) with shape c: tps r^2 log r (default), cubic r^3, linear
 * r, multiquadric sqrt(r^2 + c^2), inverse_multiquadric 1/sqrt(r^2 + c^2),
 * gaussian exp(-(r/c)^2). lambda = 0 (the default option smoothing)
 * interpolates the training data exactly. */
#include <math.h>
#include <string.h>
#include <cblas.h>
#include <lapacke.h>
#include "surrogate_impl.h"

typedef enum { RBF_TPS, RBF_CUBIC, RBF_LINEAR, RBF_MULTIQUADRIC, RBF_INVERSE_MULTIQUADRIC, RBF_GAUSSIAN, RBF_NKERNELS } RBFKernel;
static const char *const RBFKernels[] = {"tps", "cubic", "linear", "multiquadric", "inverse_multiquadric", "gaussian"};

typedef struct {
  RBFKernel  kernel;
  PetscReal  shape, smoothing;
  PetscInt   n, d, m, na, N; /* na polynomial inputs, N = n + 1 + na */
  PetscInt  *active;         /* na input indices in the tail */
  PetscReal *X;              /* n x d centres */
  PetscReal *W;              /* N x m (column-major) coefficients */
  PetscReal *phi;            /* N scratch */
} RBF;

static const char RBFKeys[] = "kernel (tps, cubic, linear, multiquadric, inverse_multiquadric, gaussian), shape, smoothing";

static PetscReal Phi(const RBF *r, PetscReal d2)
{
  const PetscReal c2 = r->shape * r->shape, d = PetscSqrtReal(d2);
  switch (r->kernel) {
  case RBF_TPS:
    return d2 > 0 ? 0.5 * d2 * PetscLogReal(d2) : 0.0;
  case RBF_CUBIC:
    return d2 * d;
  case RBF_LINEAR:
    return d;
  case RBF_MULTIQUADRIC:
    return PetscSqrtReal(d2 + c2);
  case RBF_INVERSE_MULTIQUADRIC:
    return 1.0 / PetscSqrtReal(d2 + c2);
  default:
    return PetscExpReal(-d2 / c2);
  }
}

static PetscErrorCode RBFSetOption(GaleRegressor reg, const char *key, const char *value, PetscBool *found)
{
  RBF *r = (RBF *)reg->data;

  PetscFunctionBeginUser;
  *found = PETSC_TRUE;
  if (!strcmp(key, "kernel")) {
    PetscInt k = -1;
    for (PetscInt i = 0; i < RBF_NKERNELS; i++)
      if (!strcmp(value, RBFKernels[i])) k = i;
    PetscCheck(k >= 0, PETSC_COMM_SELF, GALE_ERR_USER, "regressor rbf: unknown kernel '%s' (expected tps, cubic, linear, multiquadric, inverse_multiquadric or gaussian)", value);
    r->kernel = (RBFKernel)k;
  } else if (!strcmp(key, "shape"))
    PetscCall(GaleRegressorParseReal(reg, key, value, 1e-8, 1e8, &r->shape));
  else if (!strcmp(key, "smoothing"))
    PetscCall(GaleRegressorParseReal(reg, key, value, 0, 1e8, &r->smoothing));
  else
    *found = PETSC_FALSE;
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscReal Dist2(const PetscReal *a, const PetscReal *b, PetscInt d)
{
  PetscReal s = 0;
  for (PetscInt j = 0; j < d; j++) s += (a[j] - b[j]) * (a[j] - b[j]);
  return s;
}

static PetscErrorCode Alloc(RBF *r)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree4(r->active, r->X, r->W, r->phi));
  r->N = r->n + 1 + r->na;
  PetscCall(PetscMalloc4(r->na + 1, &r->active, (size_t)r->n * r->d, &r->X, (size_t)r->N * r->m, &r->W, r->N, &r->phi));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode RBFFit(GaleRegressor reg, PetscInt n, const PetscReal *X, const PetscReal *Y)
{
  RBF        *r = (RBF *)reg->data;
  PetscInt    N, na = 0, *active;
  PetscReal  *A;
  lapack_int *ipiv, info;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(reg->d, &active));
  for (PetscInt j = 0; j < reg->d; j++) {
    PetscBool varies = PETSC_FALSE;
    for (PetscInt i = 1; i < n; i++)
      if (X[i * reg->d + j] != X[j]) varies = PETSC_TRUE;
    if (varies) active[na++] = j;
  }
  if (n < na + 1) PetscCall(PetscFree(active));
  PetscCheck(n >= na + 1, PETSC_COMM_SELF, GALE_ERR_USER, "regressor rbf: %" PetscInt_FMT " samples cannot fix a linear polynomial in %" PetscInt_FMT " varying inputs (need at least %" PetscInt_FMT ")", n, na, na + 1);
  r->n  = n;
  r->d  = reg->d;
  r->m  = reg->m;
  r->na = na;
  PetscCall(Alloc(r));
  N = r->N;
  for (PetscInt q = 0; q < na; q++) r->active[q] = active[q];
  PetscCall(PetscFree(active));
  PetscCall(PetscArraycpy(r->X, X, (size_t)n * r->d));
  PetscCall(PetscCalloc1((size_t)N * N, &A));
  PetscCall(PetscMalloc1(N, &ipiv));
  for (PetscInt b = 0; b < n; b++) {
    for (PetscInt a = b; a < n; a++) A[a + b * N] = Phi(r, Dist2(X + a * r->d, X + b * r->d, r->d));
    A[b + b * N] += r->smoothing;
    A[n + b * N] = 1.0;
    for (PetscInt q = 0; q < na; q++) A[n + 1 + q + b * N] = X[b * r->d + r->active[q]];
  }
  PetscCall(PetscArrayzero(r->W, (size_t)N * r->m));
  for (PetscInt i = 0; i < n; i++)
    for (PetscInt k = 0; k < r->m; k++) r->W[i + k * N] = Y[i * r->m + k];
  info = LAPACKE_dsysv(LAPACK_COL_MAJOR, 'L', N, r->m, A, N, ipiv, r->W, N);
  PetscCall(PetscFree(A));
  PetscCall(PetscFree(ipiv));
  PetscCheck(info == 0, PETSC_COMM_SELF, GALE_ERR_USER, "regressor rbf: the interpolation system is singular (LAPACK dsysv info %d): duplicate training points, or points that do not determine a linear polynomial", (int)info);
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode RBFPredict(GaleRegressor reg, PetscInt np, const PetscReal *x, PetscReal *y, PetscReal *var)
{
  RBF *r = (RBF *)reg->data;

  PetscFunctionBeginUser;
  (void)var;
  for (PetscInt p = 0; p < np; p++) {
    const PetscReal *xp = x + p * r->d;
    for (PetscInt i = 0; i < r->n; i++) r->phi[i] = Phi(r, Dist2(xp, r->X + i * r->d, r->d));
    r->phi[r->n] = 1.0;
    for (PetscInt q = 0; q < r->na; q++) r->phi[r->n + 1 + q] = xp[r->active[q]];
    cblas_dgemv(CblasColMajor, CblasTrans, r->N, r->m, 1.0, r->W, r->N, r->phi, 1, 0.0, y + p * r->m, 1);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode RBFSave(GaleRegressor reg, hid_t grp, const char *path)
{
  RBF    *r    = (RBF *)reg->data;
  hsize_t dx[] = {(hsize_t)r->n, (hsize_t)r->d}, dw[] = {(hsize_t)r->m, (hsize_t)r->N};

  PetscFunctionBeginUser;
  PetscCall(GaleSurH5WriteReal(grp, "centres", 2, dx, r->X, path));
  PetscCall(GaleSurH5WriteReal(grp, "weights", 2, dw, r->W, path));
  PetscCall(GaleSurH5WriteInts(grp, "polynomial_inputs", r->na, r->active, path));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode RBFLoad(GaleRegressor reg, hid_t grp, const char *path)
{
  RBF    *r = (RBF *)reg->data;
  hsize_t dx[2], dw[2], dp[2];
  int     rank;

  PetscFunctionBeginUser;
  r->n = reg->n;
  r->d = reg->d;
  r->m = reg->m;
  PetscCall(GaleSurH5GetShape(grp, "polynomial_inputs", &rank, dp, path));
  PetscCheck(rank == 1 && dp[0] <= (hsize_t)r->d, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: rbf polynomial_inputs has the wrong shape", path);
  r->na = (PetscInt)dp[0];
  PetscCall(Alloc(r));
  PetscCall(GaleSurH5ReadInts(grp, "polynomial_inputs", r->na, r->active, path));
  for (PetscInt q = 0; q < r->na; q++) PetscCheck(r->active[q] >= 0 && r->active[q] < r->d, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: rbf polynomial input %" PetscInt_FMT " out of range", path, r->active[q]);
  dx[0] = (hsize_t)r->n;
  dx[1] = (hsize_t)r->d;
  dw[0] = (hsize_t)r->m;
  dw[1] = (hsize_t)r->N;
  PetscCall(GaleSurH5ReadReal(grp, "centres", 2, dx, r->X, path));
  PetscCall(GaleSurH5ReadReal(grp, "weights", 2, dw, r->W, path));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode RBFDestroy(GaleRegressor reg)
{
  RBF *r = (RBF *)reg->data;

  PetscFunctionBeginUser;
  PetscCall(PetscFree4(r->active, r->X, r->W, r->phi));
  PetscCall(PetscFree(reg->data));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleRegressorCreate_RBF(GaleRegressor reg)
{
  RBF *r;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&r));
  r->kernel          = RBF_TPS;
  r->shape           = 1.0;
  reg->data          = r;
  reg->hasVariance   = PETSC_FALSE;
  reg->optionKeys    = RBFKeys;
  reg->ops.setoption = RBFSetOption;
  reg->ops.fit       = RBFFit;
  reg->ops.predict   = RBFPredict;
  reg->ops.save      = RBFSave;
  reg->ops.load      = RBFLoad;
  reg->ops.destroy   = RBFDestroy;
  PetscFunctionReturn(PETSC_SUCCESS);
}
