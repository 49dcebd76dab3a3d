/* Bound-constrained minimisation by projected L-BFGS (used for the GPR
 * hyperparameters). Each iteration: variables at a bound whose gradient
 * points outward are held (the active set); the L-BFGS two-loop recursion
 * (memory 8, initial scaling s.y / y.y) gives a direction in the free
 * variables, steps are capped at 2 in any variable and projected onto the
 * box, and an Armijo backtracking search (c1 = 1e-4) accepts a step. A
 * non-descent direction or a failed search falls back to steepest descent
 * with the memory cleared. Pairs with s.y <= 1e-12 |s| |y| are skipped. */
#include <math.h>
#include "surrogate_impl.h"

#define LBFGS_MEM 8
#define MAX_STEP 2.0

static PetscReal Dot(PetscInt n, const PetscReal *a, const PetscReal *b)
{
  PetscReal s = 0;
  for (PetscInt i = 0; i < n; i++) s += a[i] * b[i];
  return s;
}

static void Project(PetscInt n, PetscReal *x, const PetscReal *lo, const PetscReal *hi)
{
  for (PetscInt i = 0; i < n; i++) x[i] = PetscMin(PetscMax(x[i], lo[i]), hi[i]);
}

/* d = -H g over the free variables (two-loop recursion). */
static void Direction(PetscInt n, const PetscBool *isfree, const PetscReal *g, PetscInt nm, PetscInt head, const PetscReal *S, const PetscReal *Y, const PetscReal *rho, PetscReal *d)
{
  PetscReal alpha[LBFGS_MEM], gamma = 1;

  for (PetscInt i = 0; i < n; i++) d[i] = isfree[i] ? g[i] : 0;
  for (PetscInt k = 0; k < nm; k++) {
    PetscInt j = (head - 1 - k + LBFGS_MEM) % LBFGS_MEM;
    alpha[j]   = rho[j] * Dot(n, S + j * n, d);
    for (PetscInt i = 0; i < n; i++) d[i] -= alpha[j] * Y[j * n + i];
  }
  if (nm) {
    PetscInt j = (head - 1 + LBFGS_MEM) % LBFGS_MEM;
    gamma      = Dot(n, S + j * n, Y + j * n) / Dot(n, Y + j * n, Y + j * n);
  }
  for (PetscInt i = 0; i < n; i++) d[i] *= gamma;
  for (PetscInt k = nm - 1; k >= 0; k--) {
    PetscInt  j    = (head - 1 - k + LBFGS_MEM) % LBFGS_MEM;
    PetscReal beta = rho[j] * Dot(n, Y + j * n, d);
    for (PetscInt i = 0; i < n; i++) d[i] += S[j * n + i] * (alpha[j] - beta);
  }
  for (PetscInt i = 0; i < n; i++) d[i] = isfree[i] ? -d[i] : 0;
}

PetscErrorCode GaleMinimizeLBFGSB(PetscInt nv, PetscReal x[], const PetscReal lo[], const PetscReal hi[], PetscInt maxIter, PetscReal gtol, GaleObjective fn, void *ctx, GaleOptimStats *stats)
{
  PetscReal *g, *xn, *gn, *d, *S, *Y, rho[LBFGS_MEM], f, fnew = 0;
  PetscBool *isfree;
  PetscInt   nm = 0, head = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(stats, sizeof(*stats)));
  PetscCall(PetscMalloc6(nv, &g, nv, &xn, nv, &gn, nv, &d, LBFGS_MEM * nv, &S, LBFGS_MEM * nv, &Y));
  PetscCall(PetscMalloc1(nv, &isfree));
  Project(nv, x, lo, hi);
  PetscCall(fn(nv, x, &f, g, ctx));
  stats->evaluations = 1;
  stats->f0 = stats->f = f;
  stats->pgnorm        = PETSC_INFINITY;
  for (PetscInt it = 0; isfinite(f) && it < maxIter; it++) {
    PetscReal pg = 0, dg, dmax = 0, t = 1;
    PetscBool accepted = PETSC_FALSE;

    for (PetscInt i = 0; i < nv; i++) {
      isfree[i] = lo[i] < hi[i] && !(x[i] <= lo[i] && g[i] > 0) && !(x[i] >= hi[i] && g[i] < 0);
      if (isfree[i]) pg = PetscMax(pg, PetscAbsReal(g[i]));
    }
    stats->pgnorm = pg;
    if (pg < gtol) {
      stats->converged = PETSC_TRUE;
      break;
    }
    Direction(nv, isfree, g, nm, head, S, Y, rho, d);
    dg = Dot(nv, d, g);
    if (!(dg < 0)) {
      nm = 0;
      for (PetscInt i = 0; i < nv; i++) d[i] = isfree[i] ? -g[i] / PetscMax(1.0, pg) : 0;
      dg = Dot(nv, d, g);
    }
    for (PetscInt i = 0; i < nv; i++) dmax = PetscMax(dmax, PetscAbsReal(d[i]));
    if (dmax > MAX_STEP)
      for (PetscInt i = 0; i < nv; i++) d[i] *= MAX_STEP / dmax;
    for (PetscInt ls = 0; ls < 40 && !accepted; ls++) {
      PetscReal dec = 0;
      for (PetscInt i = 0; i < nv; i++) xn[i] = x[i] + t * d[i];
      Project(nv, xn, lo, hi);
      PetscCall(fn(nv, xn, &fnew, gn, ctx));
      stats->evaluations++;
      for (PetscInt i = 0; i < nv; i++) dec += g[i] * (xn[i] - x[i]);
      if (isfinite(fnew) && fnew <= f + 1e-4 * dec)
        accepted = PETSC_TRUE;
      else
        t *= isfinite(fnew) ? 0.5 : 0.1;
    }
    stats->iterations = it + 1;
    if (!accepted) {
      if (nm == 0) break; /* steepest descent failed too: at a (numerical) minimum */
      nm = 0;
      continue;
    }
    {
      PetscReal *s = S + head * nv, *y = Y + head * nv, sy, ss, yy;
      for (PetscInt i = 0; i < nv; i++) {
        s[i] = xn[i] - x[i];
        y[i] = gn[i] - g[i];
      }
      sy = Dot(nv, s, y);
      ss = Dot(nv, s, s);
      yy = Dot(nv, y, y);
      if (sy > 1e-12 * PetscSqrtReal(ss * yy)) {
        rho[head] = 1.0 / sy;
        head      = (head + 1) % LBFGS_MEM;
        nm        = PetscMin(nm + 1, LBFGS_MEM);
      }
    }
    for (PetscInt i = 0; i < nv; i++) {
      x[i] = xn[i];
      g[i] = gn[i];
    }
    if (f - fnew <= 1e-10 * PetscMax(1.0, PetscAbsReal(f))) {
      f                = fnew;
      stats->converged = PETSC_TRUE;
      break;
    }
    f = fnew;
  }
  stats->f = f;
  PetscCall(PetscFree6(g, xn, gn, d, S, Y));
  PetscCall(PetscFree(isfree));
  PetscFunctionReturn(PETSC_SUCCESS);
}
