/* Gaussian-process regression ("gpr"), one GP per output on the
 * normalised data (Rasmussen & Williams, Gaussian Processes for Machine
 * Learning, 2006, ch. 2 and 5):
 *   k(x, x') = sf2 exp(-1/2 sum_j (x_j - x'_j)^2 / l_j^2)   (ARD SE kernel)
 *   K = k(X, X) + sn2 I,  L L^T = K (dpotrf),  alpha = K^{-1} y (dpotrs)
 *   mean(x*) = k*^T alpha,  var(x*) = k(x*, x*) - |L^{-1} k*|^2
 * (var is that of the noise-free output). Hyperparameters l_j, sf2, sn2
 * maximise the log marginal likelihood
 *   log p(y) = -1/2 y^T alpha - sum_i log L_ii - n/2 log(2 pi)
 * whose gradient is 1/2 tr((alpha alpha^T - K^{-1}) dK/dtheta); the
 * search runs in log variables with bounds by projected L-BFGS from
 * several starts (l = 1, 0.3, 3, then log-uniform random ones, fixed
 * seed) and keeps the best. Options fix any of them instead. When the
 * Cholesky factorisation of the final K fails, jitter (1e-12 .. 1e-6) sf2
 * is added to the diagonal. */
#include <math.h>
#include <string.h>
#include <cblas.h>
#include <lapacke.h>
#include "surrogate_impl.h"

typedef struct {
  PetscInt   n, d, m, np; /* np = d + 2 hyperparameters per output */
  PetscReal *X, *Y;       /* n x d, n x m */
  PetscReal *hyp;         /* m x np: l_1..l_d, sf2, sn2 */
  PetscReal *jitter;      /* m: added to the diagonal in L */
  PetscReal *L;           /* m blocks of n x n (lower, column-major) */
  PetscReal *alpha;       /* m x n */
  PetscReal *lml;         /* m */
  PetscReal *ks;          /* n scratch */
  /* options */
  PetscReal ell, sf2, sn2, noiseMin, ellMin, ellMax;
  PetscBool fixEll, fixSf2, fixSn2;
  PetscInt  restarts, maxIter;
} GPR;

/* Optimisation context for one output. */
typedef struct {
  GPR             *g;
  const PetscReal *y;          /* n, strided by m */
  PetscReal       *K, *Kf, *a; /* n x n, n x n, n */
  PetscReal       *h, *gl;     /* np each */
} LMLCtx;

static const char GPRKeys[] = "length_scale, signal_variance, noise_variance, noise_min, length_min, length_max, restarts, max_iterations";

static PetscErrorCode GPRSetOption(GaleRegressor reg, const char *key, const char *value, PetscBool *found)
{
  GPR *g = (GPR *)reg->data;

  PetscFunctionBeginUser;
  *found = PETSC_TRUE;
  if (!strcmp(key, "length_scale")) {
    PetscCall(GaleRegressorParseReal(reg, key, value, 1e-6, 1e6, &g->ell));
    g->fixEll = PETSC_TRUE;
  } else if (!strcmp(key, "signal_variance")) {
    PetscCall(GaleRegressorParseReal(reg, key, value, 1e-12, 1e12, &g->sf2));
    g->fixSf2 = PETSC_TRUE;
  } else if (!strcmp(key, "noise_variance")) {
    PetscCall(GaleRegressorParseReal(reg, key, value, 0, 1e12, &g->sn2));
    g->fixSn2 = PETSC_TRUE;
  } else if (!strcmp(key, "noise_min"))
    PetscCall(GaleRegressorParseReal(reg, key, value, 1e-14, 1, &g->noiseMin));
  else if (!strcmp(key, "length_min"))
    PetscCall(GaleRegressorParseReal(reg, key, value, 1e-6, 1e6, &g->ellMin));
  else if (!strcmp(key, "length_max"))
    PetscCall(GaleRegressorParseReal(reg, key, value, 1e-6, 1e6, &g->ellMax));
  else if (!strcmp(key, "restarts"))
    PetscCall(GaleRegressorParseInt(reg, key, value, 1, 100, &g->restarts));
  else if (!strcmp(key, "max_iterations"))
    PetscCall(GaleRegressorParseInt(reg, key, value, 0, 100000, &g->maxIter));
  else
    *found = PETSC_FALSE;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Kf = k(X, X) without noise (full, column-major) for hyperparameters h. */
static void KernelMatrix(const GPR *g, const PetscReal *h, PetscReal *Kf)
{
  const PetscInt n = g->n, d = g->d;
  for (PetscInt b = 0; b < n; b++)
    for (PetscInt a = b; a < n; a++) {
      PetscReal r2 = 0;
      for (PetscInt j = 0; j < d; j++) {
        PetscReal t = (g->X[a * d + j] - g->X[b * d + j]) / h[j];
        r2 += t * t;
      }
      Kf[a + b * n] = Kf[b + a * n] = h[d] * PetscExpReal(-0.5 * r2);
    }
}

/* Natural hyperparameters from the optimisation variables v (logs). */
static void Hyper(const GPR *g, const PetscReal *v, PetscReal *h)
{
  for (PetscInt j = 0; j < g->d; j++) h[j] = PetscExpReal(v[j]);
  h[g->d]     = g->fixSf2 ? g->sf2 : PetscExpReal(v[g->d]);
  h[g->d + 1] = g->fixSn2 ? g->sn2 : PetscExpReal(v[g->d + 1]);
}

/* f = -log p(y) / n and its gradient in the log variables. */
static PetscErrorCode NegLML(PetscInt nv, const PetscReal *v, PetscReal *f, PetscReal *grad, void *ctx_)
{
  LMLCtx        *c = (LMLCtx *)ctx_;
  GPR           *g = c->g;
  const PetscInt n = g->n, d = g->d, m = g->m;
  PetscReal     *h = c->h, *gl = c->gl, lml = 0;
  lapack_int     info;

  PetscFunctionBeginUser;
  Hyper(g, v, h);
  KernelMatrix(g, h, c->Kf);
  PetscCall(PetscArraycpy(c->K, c->Kf, (size_t)n * n));
  for (PetscInt a = 0; a < n; a++) c->K[a + a * n] += h[d + 1];
  info = LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', n, c->K, n);
  if (info) {
    *f = PETSC_INFINITY;
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  for (PetscInt a = 0; a < n; a++) {
    c->a[a] = c->y[a * m];
    lml -= PetscLogReal(c->K[a + a * n]);
  }
  LAPACKE_dpotrs(LAPACK_COL_MAJOR, 'L', n, 1, c->K, n, c->a, n);
  for (PetscInt a = 0; a < n; a++) lml -= 0.5 * c->y[a * m] * c->a[a];
  lml -= 0.5 * n * PetscLogReal(2 * PETSC_PI);
  *f = -lml / n;
  /* gradient: 1/2 sum_ab (a_a a_b - Kinv_ab) dK_ab, lower triangle of Kinv */
  LAPACKE_dpotri(LAPACK_COL_MAJOR, 'L', n, c->K, n);
  for (PetscInt i = 0; i < nv; i++) gl[i] = 0;
  for (PetscInt b = 0; b < n; b++)
    for (PetscInt a = b; a < n; a++) {
      PetscReal A = (c->a[a] * c->a[b] - c->K[a + b * n]) * (a == b ? 0.5 : 1.0), kf = c->Kf[a + b * n] * A;
      for (PetscInt j = 0; j < d; j++) {
        PetscReal t = (g->X[a * d + j] - g->X[b * d + j]) / h[j];
        gl[j] += kf * t * t;
      }
      gl[d] += kf;
      if (a == b) gl[d + 1] += A * h[d + 1];
    }
  for (PetscInt i = 0; i < nv; i++) grad[i] = -gl[i] / n;
  if (g->fixSf2) grad[d] = 0;
  if (g->fixSn2) grad[d + 1] = 0;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Factor K for output k with its hyperparameters (jitter if needed). */
static PetscErrorCode Factor(GPR *g, PetscInt k)
{
  const PetscInt n = g->n, m = g->m;
  PetscReal     *L = g->L + (size_t)k * n * n, *h = g->hyp + k * g->np, *al = g->alpha + (size_t)k * n;
  lapack_int     info = 1;
  PetscReal      lml  = 0;

  PetscFunctionBeginUser;
  for (PetscInt q = 0; q < 5 && info; q++) {
    g->jitter[k] = q ? h[g->d] * PetscPowReal(10.0, -14.0 + 2.0 * q) : 0;
    KernelMatrix(g, h, L);
    for (PetscInt a = 0; a < n; a++) L[a + a * n] += h[g->d + 1] + g->jitter[k];
    info = LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', n, L, n);
  }
  PetscCheck(!info, PETSC_COMM_SELF, PETSC_ERR_NOT_CONVERGED, "regressor gpr: covariance matrix of output %" PetscInt_FMT " is not positive definite even with jitter (duplicate training points and no noise?)", k);
  for (PetscInt a = 0; a < n; a++) {
    al[a] = g->Y[a * m + k];
    lml -= PetscLogReal(L[a + a * n]);
  }
  LAPACKE_dpotrs(LAPACK_COL_MAJOR, 'L', n, 1, L, n, al, n);
  for (PetscInt a = 0; a < n; a++) lml -= 0.5 * g->Y[a * m + k] * al[a];
  g->lml[k] = lml - 0.5 * n * PetscLogReal(2 * PETSC_PI);
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode Alloc(GPR *g)
{
  const size_t n = (size_t)g->n, m = (size_t)g->m;

  PetscFunctionBeginUser;
  g->np = g->d + 2;
  PetscCall(PetscFree3(g->X, g->Y, g->hyp));
  PetscCall(PetscFree5(g->jitter, g->L, g->alpha, g->lml, g->ks));
  PetscCall(PetscMalloc3(n * g->d, &g->X, n * m, &g->Y, m * g->np, &g->hyp));
  PetscCall(PetscMalloc5(m, &g->jitter, m * n * n, &g->L, m * n, &g->alpha, m, &g->lml, n, &g->ks));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Best hyperparameters for output k over the starts. */
static PetscErrorCode Optimise(GPR *g, PetscInt k, LMLCtx *c)
{
  const PetscInt d = g->d, nv = g->np;
  PetscReal     *v, *lo, *hi, *best, fbest = PETSC_INFINITY;
  uint64_t       seed = 20240611ULL + (uint64_t)k;
  GaleOptimStats st;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc4(nv, &v, nv, &lo, nv, &hi, nv, &best));
  c->y = g->Y + k;
  for (PetscInt j = 0; j < d; j++) {
    lo[j] = g->fixEll ? PetscLogReal(g->ell) : PetscLogReal(g->ellMin);
    hi[j] = g->fixEll ? lo[j] : PetscLogReal(g->ellMax);
  }
  lo[d]     = g->fixSf2 ? 0 : PetscLogReal(1e-6);
  hi[d]     = g->fixSf2 ? 0 : PetscLogReal(1e6);
  lo[d + 1] = g->fixSn2 ? 0 : PetscLogReal(g->noiseMin);
  hi[d + 1] = g->fixSn2 ? 0 : PetscLogReal(10.0);
  for (PetscInt s = 0; s < g->restarts; s++) {
    static const PetscReal ell0[] = {1.0, 0.3, 3.0};
    for (PetscInt j = 0; j < d; j++) v[j] = s < 3 ? PetscLogReal(ell0[s]) : lo[j] + (hi[j] - lo[j]) * GaleRandUniform(&seed);
    v[d]     = 0;
    v[d + 1] = PetscLogReal(PetscMax(g->noiseMin, 1e-4));
    PetscCall(GaleMinimizeLBFGSB(nv, v, lo, hi, g->maxIter, 1e-7, NegLML, c, &st));
    if (st.f < fbest) {
      fbest = st.f;
      PetscCall(PetscArraycpy(best, v, nv));
    }
    if (g->fixEll && g->fixSf2 && g->fixSn2) break;
  }
  if (!isfinite(fbest)) PetscCall(PetscArraycpy(best, v, nv)); /* Factor adds jitter or explains */
  Hyper(g, best, g->hyp + k * nv);
  PetscCall(PetscFree4(v, lo, hi, best));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode GPRFit(GaleRegressor reg, PetscInt n, const PetscReal *X, const PetscReal *Y)
{
  GPR   *g = (GPR *)reg->data;
  LMLCtx c;

  PetscFunctionBeginUser;
  PetscCheck(g->ellMin < g->ellMax || g->fixEll, PETSC_COMM_SELF, GALE_ERR_USER, "regressor gpr: length_min %g must be below length_max %g", (double)g->ellMin, (double)g->ellMax);
  g->n = n;
  g->d = reg->d;
  g->m = reg->m;
  PetscCall(Alloc(g));
  PetscCall(PetscArraycpy(g->X, X, (size_t)n * g->d));
  PetscCall(PetscArraycpy(g->Y, Y, (size_t)n * g->m));
  c.g = g;
  PetscCall(PetscMalloc5((size_t)n * n, &c.K, (size_t)n * n, &c.Kf, n, &c.a, g->np, &c.h, g->np, &c.gl));
  for (PetscInt k = 0; k < g->m; k++) {
    PetscErrorCode ierr = Optimise(g, k, &c);
    if (!ierr) ierr = Factor(g, k);
    if (ierr) PetscCall(PetscFree5(c.K, c.Kf, c.a, c.h, c.gl));
    PetscCall(ierr);
  }
  PetscCall(PetscFree5(c.K, c.Kf, c.a, c.h, c.gl));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode GPRPredict(GaleRegressor reg, PetscInt np, const PetscReal *x, PetscReal *y, PetscReal *var)
{
  GPR           *g = (GPR *)reg->data;
  const PetscInt n = g->n, d = g->d, m = g->m;

  PetscFunctionBeginUser;
  for (PetscInt p = 0; p < np; p++)
    for (PetscInt k = 0; k < m; k++) {
      const PetscReal *h  = g->hyp + k * g->np;
      PetscReal        mu = 0;
      for (PetscInt a = 0; a < n; a++) {
        PetscReal r2 = 0;
        for (PetscInt j = 0; j < d; j++) {
          PetscReal t = (x[p * d + j] - g->X[a * d + j]) / h[j];
          r2 += t * t;
        }
        g->ks[a] = h[d] * PetscExpReal(-0.5 * r2);
        mu += g->ks[a] * g->alpha[(size_t)k * n + a];
      }
      y[p * m + k] = mu;
      if (var) {
        cblas_dtrsv(CblasColMajor, CblasLower, CblasNoTrans, CblasNonUnit, n, g->L + (size_t)k * n * n, n, g->ks, 1);
        var[p * m + k] = PetscMax(h[d] - cblas_ddot(n, g->ks, 1, g->ks, 1), 0.0);
      }
    }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode GPRSave(GaleRegressor reg, hid_t grp, const char *path)
{
  GPR    *g    = (GPR *)reg->data;
  hsize_t dx[] = {(hsize_t)g->n, (hsize_t)g->d}, dy[] = {(hsize_t)g->n, (hsize_t)g->m}, dh[] = {(hsize_t)g->m, (hsize_t)g->np}, dm[] = {(hsize_t)g->m};

  PetscFunctionBeginUser;
  PetscCall(GaleSurH5WriteReal(grp, "x_train", 2, dx, g->X, path));
  PetscCall(GaleSurH5WriteReal(grp, "y_train", 2, dy, g->Y, path));
  PetscCall(GaleSurH5WriteReal(grp, "hyperparameters", 2, dh, g->hyp, path));
  PetscCall(GaleSurH5WriteReal(grp, "log_marginal_likelihood", 1, dm, g->lml, path));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode GPRLoad(GaleRegressor reg, hid_t grp, const char *path)
{
  GPR    *g = (GPR *)reg->data;
  hsize_t dx[2], dy[2], dh[2], dm[1];

  PetscFunctionBeginUser;
  g->n = reg->n;
  g->d = reg->d;
  g->m = reg->m;
  PetscCall(Alloc(g));
  dx[0] = dy[0] = (hsize_t)g->n;
  dx[1]         = (hsize_t)g->d;
  dy[1]         = (hsize_t)g->m;
  dh[0] = dm[0] = (hsize_t)g->m;
  dh[1]         = (hsize_t)g->np;
  PetscCall(GaleSurH5ReadReal(grp, "x_train", 2, dx, g->X, path));
  PetscCall(GaleSurH5ReadReal(grp, "y_train", 2, dy, g->Y, path));
  PetscCall(GaleSurH5ReadReal(grp, "hyperparameters", 2, dh, g->hyp, path));
  for (PetscInt k = 0; k < g->m; k++) {
    const PetscReal *h = g->hyp + k * g->np;
    for (PetscInt j = 0; j <= g->d; j++) PetscCheck(h[j] > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: gpr hyperparameter %" PetscInt_FMT " of output %" PetscInt_FMT " is %g, must be positive", path, j, k, (double)h[j]);
    PetscCheck(h[g->d + 1] >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: gpr noise variance of output %" PetscInt_FMT " is negative", path, k);
    PetscCall(Factor(g, k));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode GPRDestroy(GaleRegressor reg)
{
  GPR *g = (GPR *)reg->data;

  PetscFunctionBeginUser;
  PetscCall(PetscFree3(g->X, g->Y, g->hyp));
  PetscCall(PetscFree5(g->jitter, g->L, g->alpha, g->lml, g->ks));
  PetscCall(PetscFree(reg->data));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleGPRLogMarginalLikelihood(PetscInt n, PetscInt d, const PetscReal X[], const PetscReal y[], const PetscReal hyp[], PetscReal *lml, PetscReal grad[])
{
  GPR       g;
  LMLCtx    c;
  PetscReal f, *v, *gr;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(&g, sizeof(g)));
  g.n  = n;
  g.d  = d;
  g.m  = 1;
  g.np = d + 2;
  g.X  = (PetscReal *)X;
  c.g  = &g;
  c.y  = y;
  PetscCall(PetscMalloc5((size_t)n * n, &c.K, (size_t)n * n, &c.Kf, n, &c.a, g.np, &c.h, g.np, &c.gl));
  PetscCall(PetscMalloc2(g.np, &v, g.np, &gr));
  for (PetscInt i = 0; i < g.np; i++) v[i] = PetscLogReal(hyp[i]);
  PetscCall(NegLML(g.np, v, &f, gr, &c));
  *lml = -f * n;
  for (PetscInt i = 0; grad && i < g.np; i++) grad[i] = -gr[i] * n;
  PetscCall(PetscFree2(v, gr));
  PetscCall(PetscFree5(c.K, c.Kf, c.a, c.h, c.gl));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleRegressorGPRGetHyperparameters(GaleRegressor reg, PetscInt k, PetscReal lengths[], PetscReal *signalVar, PetscReal *noiseVar, PetscReal *lml)
{
  GPR *g = (GPR *)reg->data;

  PetscFunctionBeginUser;
  PetscCheck(!strcmp(reg->type, "gpr"), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "regressor is %s, not gpr", reg->type);
  PetscCheck(reg->fitted, PETSC_COMM_SELF, PETSC_ERR_ORDER, "regressor gpr: not fitted");
  PetscCheck(k >= 0 && k < g->m, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "regressor gpr: output %" PetscInt_FMT " of %" PetscInt_FMT, k, g->m);
  if (lengths) PetscCall(PetscArraycpy(lengths, g->hyp + k * g->np, g->d));
  if (signalVar) *signalVar = g->hyp[k * g->np + g->d];
  if (noiseVar) *noiseVar = g->hyp[k * g->np + g->d + 1];
  if (lml) *lml = g->lml[k];
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleRegressorCreate_GPR(GaleRegressor reg)
{
  GPR *g;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&g));
  g->noiseMin        = 1e-8;
  g->ellMin          = 1e-2;
  g->ellMax          = 1e3;
  g->restarts        = 3;
  g->maxIter         = 200;
  reg->data          = g;
  reg->hasVariance   = PETSC_TRUE;
  reg->optionKeys    = GPRKeys;
  reg->ops.setoption = GPRSetOption;
  reg->ops.fit       = GPRFit;
  reg->ops.predict   = GPRPredict;
  reg->ops.save      = GPRSave;
  reg->ops.load      = GPRLoad;
  reg->ops.destroy   = GPRDestroy;
  PetscFunctionReturn(PETSC_SUCCESS);
}
