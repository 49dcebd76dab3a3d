/* Tests of the surrogate module (surrogate/): POD, the regressors (gpr,
 * rbf, mlp), the surrogate model with its HDF5 file and cross-validation.
 * References: exact arithmetic for the POD of a matrix built with rank 3
 * and for interpolation at training points; the Gaussian-process
 * posterior computed in this file by a plain dense Cholesky solve
 * (Rasmussen & Williams 2006, eq. 2.25-2.26); analytic functions for the
 * learning tests, with tolerances stated where they are checked. Model
 * files are written under the working directory (the build tree). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <hdf5.h>

#include "gale_model.h"
#include "surrogate_impl.h" /* internals: the GP likelihood and the L-BFGS-B minimiser */

void openblas_set_num_threads(int);

#define CHECK(call)                                                                                                                                                                                                                                      \
  do {                                                                                                                                                                                                                                                   \
    PetscErrorCode e_ = (call);                                                                                                                                                                                                                          \
    if (e_) fail_msg("%s failed with PETSc error %d", #call, (int)e_);                                                                                                                                                                                   \
  } while (0)

#define assert_near(a, b, tol)                                                                                                                                                                                                                           \
  do {                                                                                                                                                                                                                                                   \
    double a_ = (double)(a), b_ = (double)(b);                                                                                                                                                                                                           \
    if (!(fabs(a_ - b_) <= (tol))) fail_msg("%s = %.17g, expected %.17g (tolerance %g)", #a, a_, b_, (double)(tol));                                                                                                                                     \
  } while (0)

static char gError[4096];

static PetscErrorCode CaptureError(MPI_Comm comm, int line, const char *fun, const char *file, PetscErrorCode n, PetscErrorType p, const char *mess, void *ctx)
{
  (void)comm, (void)line, (void)fun, (void)file, (void)ctx;
  if (p == PETSC_ERROR_INITIAL) snprintf(gError, sizeof(gError), "%s", mess ? mess : "");
  return n;
}

/* `call` must fail with a message containing `text`, and leak nothing. */
#define EXPECT_ERROR(call, text)                                                                                                                                                                                                                         \
  do {                                                                                                                                                                                                                                                   \
    PetscErrorCode ierr_;                                                                                                                                                                                                                                \
    PetscLogDouble before_, after_;                                                                                                                                                                                                                      \
    gError[0] = 0;                                                                                                                                                                                                                                       \
    CHECK(PetscMallocGetCurrentUsage(&before_));                                                                                                                                                                                                         \
    CHECK(PetscPushErrorHandler(CaptureError, NULL));                                                                                                                                                                                                    \
    ierr_ = (call);                                                                                                                                                                                                                                      \
    CHECK(PetscPopErrorHandler());                                                                                                                                                                                                                       \
    CHECK(PetscMallocGetCurrentUsage(&after_));                                                                                                                                                                                                          \
    if (!ierr_) fail_msg("%s succeeded; expected an error containing \"%s\"", #call, text);                                                                                                                                                              \
    if (!strstr(gError, text)) fail_msg("%s: message \"%s\" lacks \"%s\"", #call, gError, text);                                                                                                                                                         \
    if (after_ != before_) fail_msg("%s: %g bytes leaked on the error path", #call, after_ - before_);                                                                                                                                                   \
  } while (0)

static double Now(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

/* Deterministic uniform numbers in [0, 1) for test data. */
static double Rand(uint64_t *s)
{
  *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
  return (double)(*s >> 11) * (1.0 / 9007199254740992.0);
}

/* ---- POD ---- */

/* 200 x 12 snapshots m 1^T + A B with A 200x3, B 3x12 of zero row sums:
 * the centred matrix has rank 3 exactly. */
static void LowRank(double *X, double *m)
{
  const int n = 200, ns = 12;
  double    A[200 * 3], B[3 * 12];
  uint64_t  s = 7;
  for (int i = 0; i < n * 3; i++) A[i] = 2 * Rand(&s) - 1;
  for (int k = 0; k < 3; k++) {
    double sum = 0;
    for (int j = 0; j < ns; j++) sum += (B[k * ns + j] = (2 * Rand(&s) - 1) * (3 - k));
    for (int j = 0; j < ns; j++) B[k * ns + j] -= sum / ns;
  }
  for (int i = 0; i < n; i++) m[i] = sin(0.1 * i);
  for (int j = 0; j < ns; j++)
    for (int i = 0; i < n; i++) {
      X[i + j * n] = m[i];
      for (int k = 0; k < 3; k++) X[i + j * n] += A[i * 3 + k] * B[k * ns + j];
    }
}

static void CheckPOD(GalePODMethod method, const double *w, double energy)
{
  const int        n = 200, ns = 12;
  double           X[200 * 12], m[200], a[12], u[200], err = 0, orth = 0;
  const PetscReal *phi, *sigma;
  PetscInt         nModes, nSigma;
  GalePOD          pod;

  LowRank(X, m);
  CHECK(GalePODCreate(&pod));
  CHECK(GalePODSetMethod(pod, method));
  CHECK(GalePODSetEnergy(pod, energy));
  CHECK(GalePODSetWeights(pod, n, w));
  CHECK(GalePODCompute(pod, n, ns, X));
  CHECK(GalePODGetSizes(pod, NULL, NULL, &nModes));
  assert_int_equal(nModes, 3);
  CHECK(GalePODGetModes(pod, &phi, NULL, &sigma, &nSigma, NULL));
  assert_int_equal(nSigma, ns);
  assert_true(sigma[2] > 1 && sigma[3] < 1e-6 * sigma[0]);
  for (int j = 0; j < ns; j++) {
    CHECK(GalePODProject(pod, X + j * n, a));
    CHECK(GalePODReconstruct(pod, a, u));
    for (int i = 0; i < n; i++) err = fmax(err, fabs(u[i] - X[i + j * n]));
  }
  /* modes orthonormal in the (normalised) weighted inner product */
  for (int k = 0; k < 3; k++)
    for (int l = 0; l < 3; l++) {
      double s = 0, wsum = 0;
      for (int i = 0; i < n; i++) wsum += w ? w[i] : 1;
      for (int i = 0; i < n; i++) s += (w ? w[i] * n / wsum : 1) * phi[i + k * n] * phi[i + l * n];
      orth = fmax(orth, fabs(s - (k == l)));
    }
  print_message("  POD %s%s energy %g: max reconstruction error %.2e, orthonormality error %.2e\n", GalePODMethods[method], w ? " weighted" : "", energy, err, orth);
  assert_true(err < 1e-10);
  assert_true(orth < 1e-12);
  CHECK(GalePODDestroy(&pod));
}

static void test_pod_low_rank(void **state)
{
  double   w[200];
  uint64_t s = 3;
  (void)state;
  for (int i = 0; i < 200; i++) w[i] = 0.5 + Rand(&s);
  CheckPOD(GALE_POD_SVD, NULL, 0.9999);
  CheckPOD(GALE_POD_SVD, NULL, 1.0);
  CheckPOD(GALE_POD_SNAPSHOTS, NULL, 0.9999);
  CheckPOD(GALE_POD_SNAPSHOTS, NULL, 1.0);
  CheckPOD(GALE_POD_SVD, w, 0.9999);
  CheckPOD(GALE_POD_SNAPSHOTS, w, 1.0);
}

/* Singular values of both methods agree; the energy fraction and the mode
 * cap truncate as documented. */
static void test_pod_truncation(void **state)
{
  const int        n = 300, ns = 10;
  double           X[300 * 10], e, sv[10];
  const PetscReal *s1, *s2;
  PetscInt         r;
  GalePOD          a, b;

  (void)state;
  /* snapshot j = sum_k 2^-k cos(k x) c_jk: singular values fall by ~2 per mode */
  for (int j = 0; j < ns; j++)
    for (int i = 0; i < n; i++) {
      double x     = 2 * M_PI * i / n;
      X[i + j * n] = 0;
      for (int k = 1; k <= 8; k++) X[i + j * n] += pow(0.5, k) * cos(k * x) * sin(1.3 * j * k + 0.7 * k);
    }
  CHECK(GalePODCreate(&a));
  CHECK(GalePODCreate(&b));
  CHECK(GalePODSetMethod(a, GALE_POD_SVD));
  CHECK(GalePODSetMethod(b, GALE_POD_SNAPSHOTS));
  CHECK(GalePODCompute(a, n, ns, X));
  CHECK(GalePODCompute(b, n, ns, X));
  CHECK(GalePODGetModes(a, NULL, NULL, &s1, NULL, NULL));
  CHECK(GalePODGetModes(b, NULL, NULL, &s2, NULL, NULL));
  for (int k = 0; k < 8; k++) assert_near(s2[k], s1[k], 1e-10 * s1[0]);
  for (int k = 0; k < ns; k++) sv[k] = s1[k]; /* s1 is freed by the next Compute */
  /* energy 0.99: the smallest r with sum_{k<r} s_k^2 >= 0.99 sum s_k^2 */
  CHECK(GalePODSetEnergy(a, 0.99));
  CHECK(GalePODCompute(a, n, ns, X));
  CHECK(GalePODGetSizes(a, NULL, NULL, &r));
  CHECK(GalePODGetEnergy(a, &e));
  {
    double tot = 0, cum = 0;
    int    want = 0;
    for (int k = 0; k < ns; k++) tot += sv[k] * sv[k];
    while (cum < 0.99 * tot) cum += sv[want] * sv[want], want++;
    assert_int_equal(r, want);
    assert_true(e >= 0.99);
  }
  CHECK(GalePODSetEnergy(a, 1.0));
  CHECK(GalePODSetMaxModes(a, 2));
  CHECK(GalePODCompute(a, n, ns, X));
  CHECK(GalePODGetSizes(a, NULL, NULL, &r));
  assert_int_equal(r, 2);
  CHECK(GalePODDestroy(&a));
  CHECK(GalePODDestroy(&b));
}

/* ---- GPR ---- */

/* Solve K x = b in place by a plain Cholesky factorisation (K n x n, destroyed). */
static void DenseSolve(int n, double *K, double *b)
{
  for (int j = 0; j < n; j++) {
    for (int k = 0; k < j; k++) K[j * n + j] -= K[j * n + k] * K[j * n + k];
    K[j * n + j] = sqrt(K[j * n + j]);
    for (int i = j + 1; i < n; i++) {
      for (int k = 0; k < j; k++) K[i * n + j] -= K[i * n + k] * K[j * n + k];
      K[i * n + j] /= K[j * n + j];
    }
  }
  for (int i = 0; i < n; i++) {
    for (int k = 0; k < i; k++) b[i] -= K[i * n + k] * b[k];
    b[i] /= K[i * n + i];
  }
  for (int i = n - 1; i >= 0; i--) {
    for (int k = i + 1; k < n; k++) b[i] -= K[k * n + i] * b[k];
    b[i] /= K[i * n + i];
  }
}

/* Fixed hyperparameters: predictions equal the textbook posterior
 *   mean = mu + s k*^T K^{-1} (y - mu)/s,  var = s^2 (k** - k*^T K^{-1} k*)
 * with K = k(X, X) + sn2 I; inputs span [-1, 1] so normalisation is the
 * identity, outputs standardised with mu, s (mean, std of y). */
static void test_gpr_posterior(void **state)
{
  const int     n   = 9;
  const double  ell = 0.45, sf2 = 1.3, sn2 = 1e-3;
  double        X[9], Y[9], mu = 0, sd = 0, errm = 0, errv = 0;
  GaleRegressor reg;

  (void)state;
  for (int i = 0; i < n; i++) {
    X[i] = -1 + 2.0 * i / (n - 1) + (i > 0 && i < n - 1 ? 0.05 * sin(5.0 * i) : 0);
    Y[i] = sin(3 * X[i]) + 0.5 * X[i] * X[i];
    mu += Y[i] / n;
  }
  for (int i = 0; i < n; i++) sd += (Y[i] - mu) * (Y[i] - mu) / n;
  sd = sqrt(sd);
  CHECK(GaleRegressorCreate("gpr", &reg));
  CHECK(GaleRegressorSetOptions(reg, "length_scale=0.45, signal_variance=1.3, noise_variance=1e-3"));
  CHECK(GaleRegressorFit(reg, n, 1, 1, X, Y));
  for (int t = 0; t < 25; t++) {
    double xs = -1.2 + 2.4 * t / 24, K[81], a[9], v[9], ks[9], mean = 0, var = sf2, y, vy;
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) K[i * n + j] = sf2 * exp(-0.5 * (X[i] - X[j]) * (X[i] - X[j]) / (ell * ell)) + (i == j ? sn2 : 0);
      ks[i] = v[i] = sf2 * exp(-0.5 * (xs - X[i]) * (xs - X[i]) / (ell * ell));
      a[i]         = (Y[i] - mu) / sd;
    }
    DenseSolve(n, K, a);
    for (int i = 0; i < n; i++)
      for (int j = 0; j < n; j++) K[i * n + j] = sf2 * exp(-0.5 * (X[i] - X[j]) * (X[i] - X[j]) / (ell * ell)) + (i == j ? sn2 : 0);
    DenseSolve(n, K, v);
    for (int i = 0; i < n; i++) {
      mean += ks[i] * a[i];
      var -= ks[i] * v[i];
    }
    mean = mu + sd * mean;
    var *= sd * sd;
    CHECK(GaleRegressorPredict(reg, 1, &xs, &y, &vy));
    errm = fmax(errm, fabs(y - mean));
    errv = fmax(errv, fabs(vy - var));
  }
  print_message("  GPR vs dense posterior: mean error %.2e, variance error %.2e\n", errm, errv);
  assert_true(errm < 1e-10 && errv < 1e-10);
  CHECK(GaleRegressorDestroy(&reg));
}

/* Zero noise: the posterior mean passes through the training data and the
 * variance vanishes there (to 1e-8). */
static void test_gpr_interpolates(void **state)
{
  const int     n = 8;
  double        X[16], Y[8], y[8], v[8], err = 0, vmax = 0;
  GaleRegressor reg;

  (void)state;
  for (int i = 0; i < n; i++) {
    X[2 * i]     = cos(1.7 * i);
    X[2 * i + 1] = sin(2.3 * i + 0.4);
    Y[i]         = exp(X[2 * i]) * cos(2 * X[2 * i + 1]);
  }
  CHECK(GaleRegressorCreate("gpr", &reg));
  CHECK(GaleRegressorSetOptions(reg, "length_scale=0.8,noise_variance=0"));
  CHECK(GaleRegressorFit(reg, n, 2, 1, X, Y));
  CHECK(GaleRegressorPredict(reg, n, X, y, v));
  for (int i = 0; i < n; i++) {
    err  = fmax(err, fabs(y[i] - Y[i]));
    vmax = fmax(vmax, v[i]);
  }
  print_message("  GPR zero noise: max error at training points %.2e, max variance %.2e\n", err, vmax);
  assert_true(err < 1e-8 && vmax < 1e-8);
  CHECK(GaleRegressorDestroy(&reg));
}

/* Maximum likelihood on smooth data: y = sin(pi x) on 15 points of
 * [-1, 1] gives a length scale of the order of the function's
 * 1/omega = 0.32 .. half-period 1 (Rasmussen & Williams sec. 5.4), with
 * accurate predictions between the points; with y = sin(3 x1) + 0.2 x2
 * (ARD) the length scale of x2 comes out far longer than that of x1. */
static void test_gpr_hyperparameters(void **state)
{
  double        X[60], Y[30], ell[2], sf2, sn2, lml, err = 0;
  GaleRegressor reg;

  (void)state;
  for (int i = 0; i < 15; i++) {
    X[i] = -1 + 2.0 * i / 14;
    Y[i] = sin(M_PI * X[i]);
  }
  CHECK(GaleRegressorCreate("gpr", &reg));
  CHECK(GaleRegressorFit(reg, 15, 1, 1, X, Y));
  CHECK(GaleRegressorGPRGetHyperparameters(reg, 0, ell, &sf2, &sn2, &lml));
  for (int t = 0; t < 50; t++) {
    double x = -1 + 2.0 * (t + 0.5) / 50, y;
    CHECK(GaleRegressorPredict(reg, 1, &x, &y, NULL));
    err = fmax(err, fabs(y - sin(M_PI * x)));
  }
  print_message("  GPR fit of sin(pi x): length %.3f, signal var %.3g, noise var %.2g, log ML %.2f, max error %.2e\n", ell[0], sf2, sn2, lml, err);
  assert_true(ell[0] > 0.3 && ell[0] < 1.5);
  assert_true(err < 2e-3);
  CHECK(GaleRegressorDestroy(&reg));

  for (int i = 0; i < 30; i++) {
    X[2 * i]     = -1 + 2.0 * (i % 6) / 5 + 0.03 * sin(7.0 * i);
    X[2 * i + 1] = -1 + 2.0 * (i / 6) / 4;
    Y[i]         = sin(3 * X[2 * i]) + 0.2 * X[2 * i + 1];
  }
  CHECK(GaleRegressorCreate("gpr", &reg));
  CHECK(GaleRegressorFit(reg, 30, 2, 1, X, Y));
  CHECK(GaleRegressorGPRGetHyperparameters(reg, 0, ell, &sf2, &sn2, &lml));
  print_message("  GPR ARD fit: lengths %.3f (x1), %.3f (x2)\n", ell[0], ell[1]);
  assert_true(ell[1] > 5 * ell[0]);
  CHECK(GaleRegressorDestroy(&reg));
}

/* The analytic gradient of the log marginal likelihood (with respect to
 * log l_1, log l_2, log sf2, log sn2) matches central differences. */
static void test_gpr_gradient(void **state)
{
  const int n = 12;
  double    X[24], y[12], hyp[4] = {0.7, 0.4, 1.5, 0.01}, g[4], lml, worst = 0;

  (void)state;
  for (int i = 0; i < n; i++) {
    X[2 * i]     = cos(2.1 * i);
    X[2 * i + 1] = sin(1.3 * i * i);
    y[i]         = sin(2 * X[2 * i]) + X[2 * i + 1] * X[2 * i + 1] - 0.3;
  }
  CHECK(GaleGPRLogMarginalLikelihood(n, 2, X, y, hyp, &lml, g));
  for (int k = 0; k < 4; k++) {
    double hp[4], hm[4], lp, lm, h = 1e-5, fd;
    for (int j = 0; j < 4; j++) hp[j] = hm[j] = hyp[j];
    hp[k] *= exp(h);
    hm[k] *= exp(-h);
    CHECK(GaleGPRLogMarginalLikelihood(n, 2, X, y, hp, &lp, NULL));
    CHECK(GaleGPRLogMarginalLikelihood(n, 2, X, y, hm, &lm, NULL));
    fd    = (lp - lm) / (2 * h);
    worst = fmax(worst, fabs(fd - g[k]) / fmax(1.0, fabs(g[k])));
  }
  print_message("  GPR log ML %.6f, gradient vs central differences: max relative error %.2e\n", lml, worst);
  assert_true(worst < 1e-6);
}

static PetscErrorCode Rosenbrock(PetscInt nv, const PetscReal *x, PetscReal *f, PetscReal *g, void *ctx)
{
  (void)nv, (void)ctx;
  *f   = (1 - x[0]) * (1 - x[0]) + 100 * (x[1] - x[0] * x[0]) * (x[1] - x[0] * x[0]);
  g[0] = -2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] * x[0]);
  g[1] = 200 * (x[1] - x[0] * x[0]);
  return PETSC_SUCCESS;
}

/* Rosenbrock's function: minimum (1, 1) inside the box; with x <= 0.5 the
 * minimum lies on the bound at (0.5, 0.25) (f decreases along the valley
 * y = x^2 up to x = 1). */
static void test_lbfgsb(void **state)
{
  double         x[2] = {-1.2, 1}, lo[2] = {-2, -2}, hi[2] = {2, 2};
  GaleOptimStats st;

  (void)state;
  CHECK(GaleMinimizeLBFGSB(2, x, lo, hi, 500, 1e-9, Rosenbrock, NULL, &st));
  print_message("  L-BFGS-B Rosenbrock: (%.8f, %.8f) after %d iterations, %d evaluations\n", x[0], x[1], (int)st.iterations, (int)st.evaluations);
  assert_near(x[0], 1, 1e-5);
  assert_near(x[1], 1, 1e-5);
  x[0]  = -1.2;
  x[1]  = 1;
  hi[0] = 0.5;
  CHECK(GaleMinimizeLBFGSB(2, x, lo, hi, 500, 1e-9, Rosenbrock, NULL, &st));
  print_message("  L-BFGS-B Rosenbrock with x <= 0.5: (%.8f, %.8f)\n", x[0], x[1]);
  assert_near(x[0], 0.5, 1e-12);
  assert_near(x[1], 0.25, 1e-6);
}

/* ---- RBF ---- */

/* Every kernel interpolates 2 outputs at 30 scattered points exactly
 * (to 1e-9 of the data's scale). */
static void test_rbf_interpolates(void **state)
{
  static const char *kernels[] = {"tps", "cubic", "linear", "multiquadric", "inverse_multiquadric", "gaussian"};
  double             X[60], Y[60], y[60];
  uint64_t           s = 11;

  (void)state;
  for (int i = 0; i < 30; i++) {
    X[2 * i]     = 3 * Rand(&s);
    X[2 * i + 1] = 10 + Rand(&s);
    Y[2 * i]     = sin(X[2 * i]) * cos(3 * X[2 * i + 1]);
    Y[2 * i + 1] = 100 + X[2 * i] * X[2 * i + 1];
  }
  for (size_t k = 0; k < sizeof(kernels) / sizeof(kernels[0]); k++) {
    GaleRegressor reg;
    char          opt[64];
    double        err = 0;
    snprintf(opt, sizeof(opt), "kernel=%s,shape=0.5", kernels[k]);
    CHECK(GaleRegressorCreate("rbf", &reg));
    CHECK(GaleRegressorSetOptions(reg, opt));
    CHECK(GaleRegressorFit(reg, 30, 2, 2, X, Y));
    CHECK(GaleRegressorPredict(reg, 30, X, y, NULL));
    for (int i = 0; i < 60; i++) err = fmax(err, fabs(y[i] - Y[i]) / (i % 2 ? 10.0 : 1.0));
    print_message("  RBF %s: max relative error at training points %.2e\n", kernels[k], err);
    assert_true(err < 1e-9);
    CHECK(GaleRegressorDestroy(&reg));
  }
}

/* ---- MLP ---- */

/* 2 x 32 tanh network on y = sin(x) cos(y), 200 random samples of
 * [-1, 1]^2: RMS error on a 21 x 21 grid below 0.02 (the function's RMS is
 * about 0.4), and a second training run gives bit-identical predictions. */
static void test_mlp_learns(void **state)
{
  double        X[400], Y[200], G[441 * 2], p1[441], p2[441], rms = 0, t0, t1;
  uint64_t      s = 5;
  GaleRegressor a, b;

  (void)state;
  for (int i = 0; i < 200; i++) {
    X[2 * i]     = 2 * Rand(&s) - 1;
    X[2 * i + 1] = 2 * Rand(&s) - 1;
    Y[i]         = sin(X[2 * i]) * cos(X[2 * i + 1]);
  }
  for (int i = 0; i < 441; i++) {
    G[2 * i]     = -1 + 0.1 * (i % 21);
    G[2 * i + 1] = -1 + 0.1 * (i / 21);
  }
  t0 = Now();
  CHECK(GaleRegressorCreate("mlp", &a));
  CHECK(GaleRegressorFit(a, 200, 2, 1, X, Y));
  t1 = Now();
  CHECK(GaleRegressorCreate("mlp", &b));
  CHECK(GaleRegressorFit(b, 200, 2, 1, X, Y));
  CHECK(GaleRegressorPredict(a, 441, G, p1, NULL));
  CHECK(GaleRegressorPredict(b, 441, G, p2, NULL));
  for (int i = 0; i < 441; i++) {
    double e = p1[i] - sin(G[2 * i]) * cos(G[2 * i + 1]);
    rms += e * e / 441;
    if (p1[i] != p2[i]) fail_msg("MLP training is not deterministic: %.17g vs %.17g at grid point %d", p1[i], p2[i], i);
  }
  rms = sqrt(rms);
  print_message("  MLP sin(x)cos(y): grid RMS error %.2e, training %.2f s\n", rms, t1 - t0);
  assert_true(rms < 0.02);
  CHECK(GaleRegressorDestroy(&a));
  CHECK(GaleRegressorDestroy(&b));
}

/* ---- surrogate model ---- */

#define NC 400 /* cells of the synthetic 1-D "mesh" */

/* Fields and scalars of a smooth parametric family on x in [0, 1]:
 * p = a sin(2 pi x) + b (1 + a) cos(pi x) + 0.1 b^2 x, U = (1 + a x, b x^2, a b),
 * Cl = a + 0.5 b^2, Cd = 0.1 + a b. */
static void Truth(double a, double b, double *p, double *U, double *sc)
{
  for (int c = 0; c < NC; c++) {
    double x      = (c + 0.5) / NC;
    p[c]          = a * sin(2 * M_PI * x) + b * (1 + a) * cos(M_PI * x) + 0.1 * b * b * x;
    U[c]          = 1 + a * x;
    U[NC + c]     = b * x * x;
    U[2 * NC + c] = a * b;
  }
  sc[0] = a + 0.5 * b * b;
  sc[1] = 0.1 + a * b;
}

/* 5 x 5 grid over a in [0, 1], b in [-1, 1]. */
static void MakeTrainingSet(GaleTrainingSet *ts)
{
  const char *names[] = {"a", "b"};
  double      lo[] = {0, -1}, hi[] = {1, 1}, vol[NC], p[NC], U[3 * NC], sc[2];

  for (int c = 0; c < NC; c++) vol[c] = 1.0 + 0.5 * sin(0.01 * c);
  CHECK(GaleTrainingSetCreate(ts));
  CHECK(GaleTrainingSetSetParameters(*ts, 2, names, lo, hi));
  CHECK(GaleTrainingSetAddField(*ts, "p", 1, NC, NULL));
  CHECK(GaleTrainingSetAddField(*ts, "U", 3, NC, NULL));
  CHECK(GaleTrainingSetAddScalar(*ts, "Cl", NULL));
  CHECK(GaleTrainingSetAddScalar(*ts, "Cd", NULL));
  CHECK(GaleTrainingSetSetMesh(*ts, "cases/synthetic/mesh", NC, vol));
  for (int i = 0; i < 25; i++) {
    double           prm[2] = {0.25 * (i % 5), -1 + 0.5 * (i / 5)};
    const PetscReal *f[2]   = {p, U};
    Truth(prm[0], prm[1], p, U, sc);
    CHECK(GaleTrainingSetAddSample(*ts, prm, f, sc));
  }
}

/* Train, check accuracy at an unseen point and the CV report, save, load,
 * and compare predictions (identical). */
static void RoundTrip(const char *type, const char *options, double tolField, double tolScalar)
{
  GaleTrainingSet      ts;
  GaleSurrogateModel   m, l;
  GaleSurrogateOptions o;
  GaleCVReport         cv;
  PetscInt             nv, nv2, f;
  const char          *mesh;
  PetscInt64           cells;
  double               prm[2] = {0.61, 0.37}, p[NC], U[3 * NC], sc[2], *f1, *f2, s1[2], s2[2], v1[2], v2[2], err = 0, nrm = 0;
  char                 file[64];

  MakeTrainingSet(&ts);
  CHECK(GaleSurrogateOptionsDefault(&o));
  o.cvFolds = 5;
  snprintf(o.regressorOptions, sizeof(o.regressorOptions), "%s", options);
  CHECK(GaleSurrogateTrain(ts, type, &o, &m, &cv));
  CHECK(GaleSurrogateModelGetSizes(m, NULL, NULL, NULL, &nv));
  assert_int_equal(nv, 4 * NC);
  f1 = malloc(sizeof(double) * nv);
  f2 = malloc(sizeof(double) * nv);
  CHECK(GaleSurrogateModelPredict(m, prm, f1, s1, v1));
  Truth(prm[0], prm[1], p, U, sc);
  for (int c = 0; c < NC; c++) {
    err += (f1[c] - p[c]) * (f1[c] - p[c]);
    nrm += p[c] * p[c];
  }
  err = sqrt(err / nrm);
  print_message("  %s: p relative L2 error %.2e, Cl error %.2e, Cd error %.2e; 5-fold CV: p %.2e (POD alone %.2e), U %.2e, Cl RMSE %.2e, Cd RMSE %.2e\n", type, err, fabs(s1[0] - sc[0]), fabs(s1[1] - sc[1]), cv.fieldRelL2Mean[0],
                cv.fieldProjRelL2Mean[0], cv.fieldRelL2Mean[1], cv.scalarRMSE[0], cv.scalarRMSE[1]);
  assert_true(err < tolField);
  assert_true(fabs(s1[0] - sc[0]) < tolScalar && fabs(s1[1] - sc[1]) < tolScalar);
  assert_int_equal(cv.folds, 5);
  assert_true(cv.fieldRelL2Mean[0] < 10 * tolField && cv.scalarRelRMSE[0] < 10 * tolScalar);

  snprintf(file, sizeof(file), "tmp_surrogate_%s.h5", type);
  CHECK(GaleSurrogateModelSave(m, file));
  CHECK(GaleSurrogateModelLoad(file, &l));
  CHECK(GaleSurrogateModelGetSizes(l, NULL, NULL, NULL, &nv2));
  assert_int_equal(nv2, nv);
  CHECK(GaleSurrogateModelPredict(l, prm, f2, s2, v2));
  for (PetscInt i = 0; i < nv; i++)
    if (f1[i] != f2[i]) fail_msg("%s: field value %d differs after loading: %.17g vs %.17g", type, (int)i, f1[i], f2[i]);
  for (int k = 0; k < 2; k++)
    if (s1[k] != s2[k] || v1[k] != v2[k]) fail_msg("%s: scalar %d differs after loading", type, k);
  CHECK(GaleSurrogateModelGetMesh(l, &mesh, &cells));
  assert_string_equal(mesh, "cases/synthetic/mesh");
  assert_int_equal(cells, NC);
  CHECK(GaleSurrogateModelFindField(l, "U", &f));
  assert_int_equal(f, 1);
  CHECK(GaleSurrogateModelFindParameter(l, "b", &f));
  assert_int_equal(f, 1);
  free(f1);
  free(f2);
  CHECK(GaleCVReportDestroy(&cv));
  CHECK(GaleSurrogateModelDestroy(&m));
  CHECK(GaleSurrogateModelDestroy(&l));
  CHECK(GaleTrainingSetDestroy(&ts));
}

/* Tolerances: the family is smooth in (a, b) and sampled on a 5 x 5 grid;
 * the bounds are a few times what each regressor reaches. */
static void test_model_gpr(void **state)
{
  (void)state;
  RoundTrip("gpr", "", 5e-3, 5e-3);
}

static void test_model_rbf(void **state)
{
  (void)state;
  RoundTrip("rbf", "kernel=tps", 3e-2, 3e-2);
}

static void test_model_mlp(void **state)
{
  (void)state;
  RoundTrip("pod-mlp", "epochs=1500,validation=0.2", 0.1, 0.1);
}

/* Prediction of a 100k-value field is one dgemv: milliseconds. */
static void test_model_timing(void **state)
{
  const PetscInt       n = 100000, ns = 20;
  const char          *names[] = {"alpha"};
  double              *u, *out, t0, t1, tp, prm, sc;
  GaleTrainingSet      ts;
  GaleSurrogateModel   m;
  GaleSurrogateOptions o;
  PetscInt             r;

  (void)state;
  u   = malloc(sizeof(double) * n);
  out = malloc(sizeof(double) * n);
  CHECK(GaleTrainingSetCreate(&ts));
  CHECK(GaleTrainingSetSetParameters(ts, 1, names, NULL, NULL));
  CHECK(GaleTrainingSetAddField(ts, "p", 1, n, NULL));
  CHECK(GaleTrainingSetAddScalar(ts, "Cl", NULL));
  CHECK(GaleTrainingSetReserve(ts, ns));
  for (PetscInt j = 0; j < ns; j++) {
    const PetscReal *f[1] = {u};
    prm                   = 15.0 * j / (ns - 1);
    for (PetscInt i = 0; i < n; i++) u[i] = sin(1e-4 * i * (1 + 0.05 * prm)) + 0.01 * prm * cos(3e-4 * i);
    sc = 0.1 * prm;
    CHECK(GaleTrainingSetAddSample(ts, &prm, f, &sc));
  }
  CHECK(GaleSurrogateOptionsDefault(&o));
  o.energy = 1.0;
  t0       = Now();
  CHECK(GaleSurrogateTrain(ts, "gpr", &o, &m, NULL));
  t1 = Now();
  CHECK(GaleSurrogateModelGetField(m, 0, NULL, NULL, NULL, NULL, &r, NULL));
  prm = 7.3;
  CHECK(GaleSurrogateModelPredict(m, &prm, out, &sc, NULL));
  tp = Now();
  for (int k = 0; k < 20; k++) CHECK(GaleSurrogateModelPredict(m, &prm, out, &sc, NULL));
  tp = (Now() - tp) / 20;
  print_message("  100k-value field, %d samples, %d modes: training %.2f s, prediction %.2f ms\n", (int)ns, (int)r, t1 - t0, 1e3 * tp);
  assert_true(tp < 0.05);
  CHECK(GaleSurrogateModelDestroy(&m));
  CHECK(GaleTrainingSetDestroy(&ts));
  free(u);
  free(out);
}

/* Degenerate but legal models survive the file: scalars only; a field
 * that never changes (0 modes, prediction = the mean) and no scalars.
 * One sample is too few. */
static void test_model_edge_cases(void **state)
{
  const char          *names[] = {"x"};
  GaleTrainingSet      ts;
  GaleSurrogateModel   m, l;
  GaleSurrogateOptions o;
  double               u[50], out[50], x, sc, s1, s2, v1, v2;
  PetscInt             r;

  (void)state;
  CHECK(GaleTrainingSetCreate(&ts));
  CHECK(GaleTrainingSetSetParameters(ts, 1, names, NULL, NULL));
  CHECK(GaleTrainingSetAddScalar(ts, "y", NULL));
  for (int i = 0; i < 6; i++) {
    x  = i;
    sc = x * x;
    CHECK(GaleTrainingSetAddSample(ts, &x, NULL, &sc));
  }
  CHECK(GaleSurrogateTrain(ts, "gpr", NULL, &m, NULL));
  CHECK(GaleSurrogateModelSave(m, "tmp_surrogate_scalars.h5"));
  CHECK(GaleSurrogateModelLoad("tmp_surrogate_scalars.h5", &l));
  x = 2.5;
  CHECK(GaleSurrogateModelPredict(m, &x, NULL, &s1, &v1));
  CHECK(GaleSurrogateModelPredict(l, &x, NULL, &s2, &v2));
  assert_true(s1 == s2 && v1 == v2 && v1 > 0);
  assert_near(s1, 6.25, 0.05);
  CHECK(GaleSurrogateModelDestroy(&m));
  CHECK(GaleSurrogateModelDestroy(&l));
  CHECK(GaleTrainingSetDestroy(&ts));

  CHECK(GaleTrainingSetCreate(&ts));
  CHECK(GaleTrainingSetSetParameters(ts, 1, names, NULL, NULL));
  CHECK(GaleTrainingSetAddField(ts, "T", 1, 50, NULL));
  for (int c = 0; c < 50; c++) u[c] = 300 + c;
  for (int i = 0; i < 4; i++) {
    const PetscReal *f[1] = {u};
    x                     = i;
    CHECK(GaleTrainingSetAddSample(ts, &x, f, NULL));
  }
  CHECK(GaleSurrogateOptionsDefault(&o));
  o.cvFolds = GALE_CV_LOO;
  {
    GaleCVReport cv;
    CHECK(GaleSurrogateTrain(ts, "rbf", &o, &m, &cv));
    assert_int_equal(cv.folds, 4);
    assert_true(cv.fieldRelL2Max[0] < 1e-14);
    CHECK(GaleCVReportDestroy(&cv));
  }
  CHECK(GaleSurrogateModelGetField(m, 0, NULL, NULL, NULL, NULL, &r, NULL));
  assert_int_equal(r, 0);
  CHECK(GaleSurrogateModelSave(m, "tmp_surrogate_const.h5"));
  CHECK(GaleSurrogateModelDestroy(&m));
  CHECK(GaleSurrogateModelLoad("tmp_surrogate_const.h5", &l));
  x = 7;
  CHECK(GaleSurrogateModelPredict(l, &x, out, NULL, NULL));
  for (int c = 0; c < 50; c++) assert_true(out[c] == u[c]);
  CHECK(GaleSurrogateModelDestroy(&l));
  CHECK(GaleTrainingSetDestroy(&ts));

  CHECK(GaleTrainingSetCreate(&ts));
  CHECK(GaleTrainingSetSetParameters(ts, 1, names, NULL, NULL));
  CHECK(GaleTrainingSetAddScalar(ts, "y", NULL));
  CHECK(GaleTrainingSetAddSample(ts, &x, NULL, &sc));
  EXPECT_ERROR(GaleSurrogateTrain(ts, "gpr", NULL, &m, NULL), "1 sample(s); need at least 2 finished runs to train");
  CHECK(GaleTrainingSetDestroy(&ts));
}

/* Missing, foreign, truncated and damaged model files fail with messages
 * that say what is wrong, and leak nothing. */
static void test_model_bad_files(void **state)
{
  GaleTrainingSet    ts;
  GaleSurrogateModel m = NULL;
  FILE              *fp;
  hid_t              file;
  char               buf[1 << 16];
  size_t             len;

  (void)state;
  EXPECT_ERROR(GaleSurrogateModelLoad("tmp_surrogate_missing.h5", &m), "cannot open surrogate model tmp_surrogate_missing.h5: No such file");
  fp = fopen("tmp_surrogate_text.h5", "w");
  fputs("this is not HDF5\n", fp);
  fclose(fp);
  EXPECT_ERROR(GaleSurrogateModelLoad("tmp_surrogate_text.h5", &m), "tmp_surrogate_text.h5: not an HDF5 file");
  file = H5Fcreate("tmp_surrogate_foreign.h5", H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  H5Fclose(file);
  EXPECT_ERROR(GaleSurrogateModelLoad("tmp_surrogate_foreign.h5", &m), "not a Gale surrogate model");

  MakeTrainingSet(&ts);
  CHECK(GaleSurrogateTrain(ts, "rbf", NULL, &m, NULL));
  CHECK(GaleSurrogateModelSave(m, "tmp_surrogate_bad.h5"));
  CHECK(GaleSurrogateModelDestroy(&m));
  /* truncated copy */
  fp  = fopen("tmp_surrogate_bad.h5", "rb");
  len = fread(buf, 1, sizeof(buf), fp);
  fclose(fp);
  fp = fopen("tmp_surrogate_cut.h5", "wb");
  fwrite(buf, 1, len / 2, fp);
  fclose(fp);
  EXPECT_ERROR(GaleSurrogateModelLoad("tmp_surrogate_cut.h5", &m), "tmp_surrogate_cut.h5");
  /* a dataset removed, one of the wrong shape, a newer version */
  file = H5Fopen("tmp_surrogate_bad.h5", H5F_ACC_RDWR, H5P_DEFAULT);
  H5Ldelete(file, "/fields/1/basis", H5P_DEFAULT);
  H5Fclose(file);
  EXPECT_ERROR(GaleSurrogateModelLoad("tmp_surrogate_bad.h5", &m), "dataset /fields/1/basis is missing");
  {
    hsize_t dims[1]  = {7};
    double  zeros[7] = {0};
    hid_t   sp, ds;
    file = H5Fopen("tmp_surrogate_bad.h5", H5F_ACC_RDWR, H5P_DEFAULT);
    H5Ldelete(file, "/parameters/lower", H5P_DEFAULT);
    sp = H5Screate_simple(1, dims, NULL);
    ds = H5Dcreate2(file, "/parameters/lower", H5T_NATIVE_DOUBLE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, zeros);
    H5Dclose(ds);
    H5Sclose(sp);
    H5Fclose(file);
  }
  EXPECT_ERROR(GaleSurrogateModelLoad("tmp_surrogate_bad.h5", &m), "dataset /parameters/lower has 1 dimension(s) [7], expected [2]");
  {
    hid_t   at;
    int64_t v = 2;
    file      = H5Fopen("tmp_surrogate_bad.h5", H5F_ACC_RDWR, H5P_DEFAULT);
    at        = H5Aopen(file, "version", H5P_DEFAULT);
    H5Awrite(at, H5T_NATIVE_INT64, &v);
    H5Aclose(at);
    H5Fclose(file);
  }
  EXPECT_ERROR(GaleSurrogateModelLoad("tmp_surrogate_bad.h5", &m), "model format version 2; this build of Gale reads version 1");
  assert_null(m);
  /* bad input to training */
  EXPECT_ERROR(GaleSurrogateTrain(ts, "kriging", NULL, &m, NULL), "unknown regressor 'kriging' (expected one of: gpr rbf mlp)");
  {
    GaleSurrogateOptions o;
    CHECK(GaleSurrogateOptionsDefault(&o));
    snprintf(o.regressorOptions, sizeof(o.regressorOptions), "lenght_scale=1");
    EXPECT_ERROR(GaleSurrogateTrain(ts, "gpr", &o, &m, NULL), "unknown option 'lenght_scale' (known: length_scale");
  }
  CHECK(GaleTrainingSetDestroy(&ts));
}

int main(int argc, char **argv)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pod_low_rank), cmocka_unit_test(test_pod_truncation), cmocka_unit_test(test_gpr_posterior),    cmocka_unit_test(test_gpr_interpolates), cmocka_unit_test(test_gpr_hyperparameters),
      cmocka_unit_test(test_gpr_gradient), cmocka_unit_test(test_lbfgsb),         cmocka_unit_test(test_rbf_interpolates), cmocka_unit_test(test_mlp_learns),       cmocka_unit_test(test_model_gpr),
      cmocka_unit_test(test_model_rbf),    cmocka_unit_test(test_model_mlp),      cmocka_unit_test(test_model_timing),     cmocka_unit_test(test_model_edge_cases), cmocka_unit_test(test_model_bad_files),
  };
  int fails;

  openblas_set_num_threads(1); /* see app/main.c */
  PetscCall(PetscOptionsSetValue(NULL, "-malloc_debug", "true"));
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  fails = cmocka_run_group_tests_name("surrogate", tests, NULL, NULL);
  PetscCall(PetscFinalize());
  return fails ? 1 : 0;
}
