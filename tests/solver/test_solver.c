/* Solver tests against analytic solutions, each at 1 and 2 ranks:
 *  - gradients of a linear field: least squares exact on a skewed mesh,
 *    Gauss exact in the interior of a uniform mesh;
 *  - plane Couette flow (moving wall, inlet from a table, outlet, empty):
 *    u = U y/h is reproduced exactly by the discretisation, and the wall
 *    shear force equals rho nu U/h * area;
 *  - plane Poiseuille flow (inlet from an expression, walls, outlet):
 *    u_max = 1.5 U_mean and dp/dx = -12 nu U_mean/h^2 (White, Viscous Fluid
 *    Flow, 3rd ed., sec. 3-3.2), within the O(dy^2) error of 20 cells;
 *  - the same with a symmetry plane at the centreline (half channel);
 *  - uniform flow with freestream and zeroGradient patches stays uniform;
 *  - transient PISO (backward) Poiseuille start-up reaches the same
 *    steady state;
 *  - the divergence check: a speed 1001 times the lid's (or NaN in p) in
 *    one cell of one rank stops the run on every rank, 999 times does not
 *    (a blown-up field has tiny normalised residuals, so the residuals
 *    alone would have called it converged). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <string.h>
#include "gale_solver.h"
#include "gale_forces.h"

typedef struct {
  GaleCase  *cs;
  GaleMesh   global, local;
  GaleSolver s;
} Run;

static void WriteCase(const char *dir, const char *yaml)
{
  char  path[512];
  FILE *fp;
  int   rank;
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  if (!rank) {
    mkdir(dir, 0755);
    snprintf(path, sizeof(path), "%s/case.yaml", dir);
    fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(yaml, fp);
    fclose(fp);
  }
  MPI_Barrier(PETSC_COMM_WORLD);
}

/* Read the case, build/distribute the mesh and iterate to convergence. */
static void RunCase(const char *dir, const char *yaml, Run *r)
{
  WriteCase(dir, yaml);
  assert_int_equal(GaleCaseRead(PETSC_COMM_WORLD, dir, &r->cs), 0);
  assert_int_equal(GaleMeshBuildFromCase(PETSC_COMM_WORLD, r->cs, &r->global), 0);
  assert_int_equal(GaleMeshDistribute(r->global, PETSC_COMM_WORLD, &r->local), 0);
  assert_int_equal(GaleSolverCreate(r->cs, r->local, &r->s), 0);
  assert_int_equal(GaleSolverInitialise(r->s), 0);
  if (r->s->transient) {
    while (r->s->time < r->cs->end_time - 1e-9) assert_int_equal(GaleSolverTimeStep(r->s), 0);
  } else {
    for (PetscInt it = 0; it < r->cs->max_iterations; it++) {
      PetscBool done = PETSC_TRUE;
      assert_int_equal(GaleSolverSteadyIteration(r->s), 0);
      for (int k = 0; k < 4; k++)
        if (r->s->residual[k] > 1e-9) done = PETSC_FALSE;
      if (done) break;
    }
  }
  if (getenv("GALE_TEST_VERBOSE")) print_message("%s: %" PetscInt_FMT " iterations, residuals %g %g %g\n", dir, r->s->iteration, (double)r->s->residual[0], (double)r->s->residual[1], (double)r->s->residual[3]);
}

static void FreeRun(Run *r)
{
  GaleSolverDestroy(&r->s);
  GaleMeshDestroy(&r->local);
  GaleMeshDestroy(&r->global);
  GaleCaseDestroy(&r->cs);
}

static PetscReal MaxAll(PetscReal v)
{
  PetscReal g;
  MPI_Allreduce(&v, &g, 1, MPIU_REAL, MPI_MAX, PETSC_COMM_WORLD);
  return g;
}

static const char couette[] = "mesh:\n"
                              "  blocks:\n"
                              "    - box: [[0, 0, 0], [2, 1, 0.1]]\n"
                              "      cells: [16, 10, 1]\n"
                              "      grading: [1, 2, 1]\n"
                              "      patches: {imin: inlet, imax: outlet, jmin: bottom, jmax: top, kmin: sides, kmax: sides}\n"
                              "fluid: {nu: 0.05, rho: 2}\n"
                              "boundary:\n"
                              "  inlet: {type: inlet, U: {table: {axis: y, rows: [[0, 0, 0, 0], [1, 1, 0, 0]]}}}\n"
                              "  outlet: {type: outlet, p: 0}\n"
                              "  bottom: {type: wall}\n"
                              "  top: {type: wall, U: [1, 0, 0]}\n"
                              "  sides: {type: empty}\n"
                              "solver: {algorithm: SIMPLEC, max_iterations: 400, tolerance: 1e-10,\n"
                              "         linear: {U: {rtol: 1e-3}, p: {rtol: 1e-3}}}\n"
                              "forces:\n"
                              "  patches: [top]\n"
                              "  reference: {area: 0.2, velocity: 1, density: 2}\n";

static void test_couette(void **state)
{
  Run        r   = {0};
  PetscReal  err = 0;
  GaleForces F;
  (void)state;
  RunCase("couette", couette, &r);
  for (PetscInt c = 0; c < r.s->nc; c++) {
    PetscReal y = r.local->cellCentres[3 * c + 1];
    err         = PetscMax(err, PetscAbsReal(r.s->U[c] - y));
    err         = PetscMax(err, PetscAbsReal(r.s->U[r.s->ncT + c]));
    err         = PetscMax(err, PetscAbsReal(r.s->p[c]));
  }
  /* linear profile: exact for the discretisation up to the solver tolerance */
  assert_true(MaxAll(err) < 1e-6);
  assert_int_equal(GaleForcesCompute(r.s, &F), 0);
  /* shear on the moving wall: -rho nu U/h * area = -2 * 0.05 * 1 * 0.2 */
  assert_true(PetscAbsReal(F.Fv[0] + 0.02) < 1e-7);
  assert_true(PetscAbsReal(F.Cd + 0.02 / (0.5 * 2 * 1 * 0.2)) < 1e-6);
  /* moment about the origin of -0.02 e_x acting at y = 1: M_z = -y F_x */
  assert_true(PetscAbsReal(F.M[2] - 0.02) < 1e-7);
  FreeRun(&r);
}

/* Couette flow on a sheared (non-orthogonal, 45 degree) mesh: u = y is
 * still exact with least-squares gradients and the non-orthogonal
 * correction (face-normal gradients of linear fields are exact); without
 * the correction the error would be O(1). */
static const char couetteSkew[] = "mesh:\n"
                                  "  blocks:\n"
                                  "    - vertices: [[0,0,0], [2,0,0], [3,1,0], [1,1,0], [0,0,0.1], [2,0,0.1], [3,1,0.1], [1,1,0.1]]\n"
                                  "      cells: [12, 8, 1]\n"
                                  "      patches: {imin: inlet, imax: outlet, jmin: bottom, jmax: top, kmin: sides, kmax: sides}\n"
                                  "fluid: {nu: 0.05}\n"
                                  "boundary:\n"
                                  "  inlet: {type: inlet, U: {expression: [\"y\", \"0\", \"0\"]}}\n"
                                  "  outlet: {type: inlet, U: {expression: [\"y\", \"0\", \"0\"]}}\n"
                                  "  bottom: {type: wall}\n"
                                  "  top: {type: wall, U: [1, 0, 0]}\n"
                                  "  sides: {type: empty}\n"
                                  "solver: {algorithm: SIMPLEC, max_iterations: 400, tolerance: 1e-10, gradient: leastSquares,\n"
                                  "         non_orthogonal_correctors: 2, linear: {U: {rtol: 1e-4}, p: {rtol: 1e-4}}}\n";

static void test_couette_nonorthogonal(void **state)
{
  Run       r   = {0};
  PetscReal err = 0;
  (void)state;
  RunCase("couette_skew", couetteSkew, &r);
  for (PetscInt c = 0; c < r.s->nc; c++) {
    PetscReal y = r.local->cellCentres[3 * c + 1];
    err         = PetscMax(err, PetscAbsReal(r.s->U[c] - y));
    err         = PetscMax(err, PetscAbsReal(r.s->U[r.s->ncT + c]));
  }
  if (MaxAll(err) >= 1e-5) print_message("skewed Couette: max error %g\n", (double)MaxAll(err));
  assert_true(MaxAll(err) < 1e-5);
  FreeRun(&r);
}

/* u(y) parabola through the channel; returns max centreline u and dp/dx
 * measured between cells near x = 1 and x = 3 at the lowest row. */
static void PoiseuilleCheck(Run *r, PetscReal h, PetscReal ycentre, PetscReal *umax, PetscReal *dpdx)
{
  PetscReal loc[3] = {0, -1e300, -1e300}, glob[3];
  PetscReal x1 = 1e300, x2 = -1e300;
  /* sample p at the cells closest to x=1 and x=3 on the first row */
  for (PetscInt c = 0; c < r->s->nc; c++) {
    const PetscReal *x = r->local->cellCentres + 3 * c;
    if (x[0] > 1.5 && x[0] < 2.5) loc[0] = PetscMax(loc[0], r->s->U[c]);
    (void)ycentre;
    (void)h;
  }
  for (PetscInt c = 0; c < r->s->nc; c++) {
    const PetscReal *x = r->local->cellCentres + 3 * c;
    if (PetscAbsReal(x[0] - 1.05) < 1e-9 && PetscAbsReal(x[1] - 0.025) < 1e-9) {
      loc[1] = r->s->p[c];
      x1     = x[0];
    }
    if (PetscAbsReal(x[0] - 2.95) < 1e-9 && PetscAbsReal(x[1] - 0.025) < 1e-9) {
      loc[2] = r->s->p[c];
      x2     = x[0];
    }
  }
  (void)x1;
  (void)x2;
  MPI_Allreduce(loc, glob, 3, MPIU_REAL, MPI_MAX, PETSC_COMM_WORLD);
  *umax = glob[0];
  *dpdx = (glob[2] - glob[1]) / 1.9;
}

static const char poiseuille[] = "mesh:\n"
                                 "  blocks:\n"
                                 "    - box: [[0, 0, 0], [4, 1, 0.1]]\n"
                                 "      cells: [40, 20, 1]\n"
                                 "      patches: {imin: inlet, imax: outlet, jmin: wall, jmax: wall, kmin: sides, kmax: sides}\n"
                                 "fluid: {nu: 0.1}\n"
                                 "boundary:\n"
                                 "  inlet: {type: inlet, U: {expression: [\"6*y*(1-y)\", \"0\", \"0\"]}}\n"
                                 "  outlet: {type: outlet, p: 0}\n"
                                 "  wall: {type: wall}\n"
                                 "  sides: {type: empty}\n"
                                 "solver: {algorithm: SIMPLE, max_iterations: 2000, tolerance: 1e-10, gradient: leastSquares,\n"
                                 "         linear: {U: {rtol: 1e-3}, p: {rtol: 1e-3}}}\n";

static void test_poiseuille(void **state)
{
  Run       r = {0};
  PetscReal umax, dpdx;
  (void)state;
  RunCase("poiseuille", poiseuille, &r);
  PoiseuilleCheck(&r, 1.0, 0.5, &umax, &dpdx);
  /* analytic: u_max = 1.5, dp/dx = -12 nu U/h^2 = -1.2; the cell centre
     nearest the axis is at y = 0.475 where u = 6*0.475*0.525 = 1.49625 */
  assert_true(PetscAbsReal(umax - 1.49625) < 0.01 * 1.5);
  assert_true(PetscAbsReal(dpdx + 1.2) < 0.02 * 1.2);
  FreeRun(&r);
}

static const char halfchannel[] = "mesh:\n"
                                  "  blocks:\n"
                                  "    - box: [[0, 0, 0], [4, 0.5, 0.1]]\n"
                                  "      cells: [40, 10, 1]\n"
                                  "      patches: {imin: inlet, imax: outlet, jmin: wall, jmax: axis, kmin: sides, kmax: sides}\n"
                                  "fluid: {nu: 0.1}\n"
                                  "boundary:\n"
                                  "  inlet: {type: inlet, U: {expression: [\"6*y*(1-y)\", \"0\", \"0\"]}}\n"
                                  "  outlet: {type: outlet, p: 0}\n"
                                  "  wall: {type: wall}\n"
                                  "  axis: {type: symmetry}\n"
                                  "  sides: {type: empty}\n"
                                  "solver: {algorithm: SIMPLE, max_iterations: 2000, tolerance: 1e-10, gradient: leastSquares,\n"
                                  "         linear: {U: {rtol: 1e-3}, p: {rtol: 1e-3}}}\n";

/* u and v of the cells with y < 0.5 on the 40 x N grid of spacing 0.1 x 0.05,
 * gathered on all ranks by (i, j) from the cell centres. */
static void GatherLowerHalf(Run *r, PetscReal *uv /* 2*40*10 */)
{
  PetscReal loc[800] = {0};
  for (PetscInt c = 0; c < r->s->nc; c++) {
    const PetscReal *x = r->local->cellCentres + 3 * c;
    PetscInt         i = (PetscInt)(x[0] / 0.1), j = (PetscInt)(x[1] / 0.05);
    if (j >= 10) continue;
    loc[2 * (j * 40 + i)]     = r->s->U[c];
    loc[2 * (j * 40 + i) + 1] = r->s->U[r->s->ncT + c];
  }
  MPI_Allreduce(loc, uv, 800, MPIU_REAL, MPI_SUM, PETSC_COMM_WORLD);
}

/* A symmetry plane at y = 0.5 must reproduce the lower half of the full
 * channel (mirror symmetry of the discrete equations), and the analytic
 * Poiseuille values. SIMPLE, not SIMPLEC: SIMPLEC's rAtU = V/(a_P + sum a_N)
 * counts the mirror neighbour's coefficient only in the full channel (as
 * in OpenFOAM, whose H1 adds coupled patches only), which shifts the
 * converged Rhie-Chow fluxes by ~1e-3 near the inlet. */
static void test_symmetry(void **state)
{
  Run       full = {0}, half = {0};
  PetscReal umax, dpdx, a[800], b[800], err = 0;
  (void)state;
  RunCase("poiseuille_full", poiseuille, &full);
  GatherLowerHalf(&full, a);
  FreeRun(&full);
  RunCase("halfchannel", halfchannel, &half);
  PoiseuilleCheck(&half, 1.0, 0.5, &umax, &dpdx);
  GatherLowerHalf(&half, b);
  for (int k = 0; k < 800; k++) {
    if (PetscAbsReal(a[k] - b[k]) > err && getenv("GALE_TEST_VERBOSE")) print_message("k %d (i %d j %d comp %d): full %g half %g\n", k, (k / 2) % 40, (k / 2) / 40, k % 2, (double)a[k], (double)b[k]);
    err = PetscMax(err, PetscAbsReal(a[k] - b[k]));
  }
  if (err >= 1e-5) print_message("symmetry: max difference to the full channel %g\n", (double)err);
  assert_true(err < 1e-5);
  assert_true(PetscAbsReal(umax - 1.49625) < 0.01 * 1.5);
  assert_true(PetscAbsReal(dpdx + 1.2) < 0.02 * 1.2);
  FreeRun(&half);
}

static const char uniform[] = "mesh:\n"
                              "  blocks:\n"
                              "    - box: [[0, 0, 0], [1, 1, 1]]\n"
                              "      cells: [6, 5, 4]\n"
                              "      patches: {imin: far, imax: far, jmin: far, jmax: far, kmin: bottom, kmax: top}\n"
                              "fluid: {nu: 0.01}\n"
                              "boundary:\n"
                              "  far: {type: freestream, U: [1, 0.5, 0], p: 0}\n"
                              "  bottom: {type: zeroGradient}\n"
                              "  top: {type: zeroGradient}\n"
                              "solver: {algorithm: SIMPLE, max_iterations: 500, tolerance: 1e-10, convection: vanLeer,\n"
                              "         linear: {U: {rtol: 1e-3}, p: {rtol: 1e-3}}}\n";

static void test_freestream_uniform(void **state)
{
  Run       r   = {0};
  PetscReal err = 0;
  (void)state;
  RunCase("uniform", uniform, &r);
  for (PetscInt c = 0; c < r.s->nc; c++) {
    err = PetscMax(err, PetscAbsReal(r.s->U[c] - 1.0));
    err = PetscMax(err, PetscAbsReal(r.s->U[r.s->ncT + c] - 0.5));
    err = PetscMax(err, PetscAbsReal(r.s->U[2 * r.s->ncT + c]));
    err = PetscMax(err, PetscAbsReal(r.s->p[c]));
  }
  assert_true(MaxAll(err) < 1e-6);
  FreeRun(&r);
}

static void test_health(void **state)
{
  Run         r = {0};
  PetscBool   ok;
  char        msg[512];
  PetscMPIInt rank;
  PetscReal   keep;
  (void)state;
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  RunCase("health", couette, &r);
  assert_int_equal(GaleSolverCheckHealth(r.s, &ok, msg, sizeof(msg)), 0);
  assert_true(ok);
  keep = r.s->U[0];
  /* the lid moves at 1 and the reference velocity is 1 */
  if (!rank) r.s->U[0] = 0.999 * GALE_SPEED_LIMIT;
  assert_int_equal(GaleSolverCheckHealth(r.s, &ok, msg, sizeof(msg)), 0);
  assert_true(ok);
  if (!rank) r.s->U[0] = 1.001 * GALE_SPEED_LIMIT;
  assert_int_equal(GaleSolverCheckHealth(r.s, &ok, msg, sizeof(msg)), 0);
  assert_false(ok);
  assert_non_null(strstr(msg, "field U is above 1000 times the largest boundary/reference speed"));
  if (!rank) {
    r.s->U[0] = keep;
    r.s->p[0] = NAN;
  }
  assert_int_equal(GaleSolverCheckHealth(r.s, &ok, msg, sizeof(msg)), 0);
  assert_false(ok);
  assert_non_null(strstr(msg, "field p is NaN/Inf"));
  FreeRun(&r);
}

static const char pisoPoiseuille[] = "mesh:\n"
                                     "  blocks:\n"
                                     "    - box: [[0, 0, 0], [4, 1, 0.1]]\n"
                                     "      cells: [40, 20, 1]\n"
                                     "      patches: {imin: inlet, imax: outlet, jmin: wall, jmax: wall, kmin: sides, kmax: sides}\n"
                                     "fluid: {nu: 0.1}\n"
                                     "boundary:\n"
                                     "  inlet: {type: inlet, U: {expression: [\"6*y*(1-y)\", \"0\", \"0\"]}}\n"
                                     "  outlet: {type: outlet, p: 0}\n"
                                     "  wall: {type: wall}\n"
                                     "  sides: {type: empty}\n"
                                     "solver: {algorithm: PISO, dt: 0.05, end_time: 8, time_scheme: backward, correctors: 2}\n";

static void test_piso_steady_limit(void **state)
{
  Run       r = {0};
  PetscReal umax, dpdx;
  (void)state;
  RunCase("piso", pisoPoiseuille, &r);
  PoiseuilleCheck(&r, 1.0, 0.5, &umax, &dpdx);
  assert_true(PetscAbsReal(umax - 1.49625) < 0.01 * 1.5);
  assert_true(PetscAbsReal(dpdx + 1.2) < 0.02 * 1.2);
  FreeRun(&r);
}

static void test_pimple_steady_limit(void **state)
{
  Run         r = {0};
  PetscReal   umax, dpdx;
  char        yaml[sizeof(pisoPoiseuille) + 200];
  const char *at = strstr(pisoPoiseuille, "solver:");
  (void)state;
  /* PIMPLE: 3 outer correctors with momentum relaxation, large time step
     (Courant number ~ 7, where PISO alone is unstable) */
  snprintf(yaml, sizeof(yaml), "%.*ssolver: {algorithm: PIMPLE, dt: 0.5, end_time: 20, time_scheme: euler, correctors: 2, outer_correctors: 3, relaxation: {U: 0.8, p: 1}}\n", (int)(at - pisoPoiseuille), pisoPoiseuille);
  RunCase("pimple", yaml, &r);
  PoiseuilleCheck(&r, 1.0, 0.5, &umax, &dpdx);
  assert_true(PetscAbsReal(umax - 1.49625) < 0.01 * 1.5);
  assert_true(PetscAbsReal(dpdx + 1.2) < 0.02 * 1.2);
  FreeRun(&r);
}

/* Gradient of f = 1 + 2x - 3y + 4z on a skewed single-block mesh. */
static const char skewed[] = "mesh:\n"
                             "  blocks:\n"
                             "    - vertices: [[0,0,0], [1,0.2,0], [1.3,1.1,0.1], [0.2,1,0], [0.1,0,1], [1.1,0.1,1.2], [1.2,1.2,1], [0.3,1.1,1.1]]\n"
                             "      cells: [5, 4, 3]\n"
                             "      grading: [2, 1, 0.5]\n"
                             "      patches: {imin: b, imax: b, jmin: b, jmax: b, kmin: b, kmax: b}\n"
                             "fluid: {nu: 1}\n"
                             "boundary:\n"
                             "  b: {type: wall}\n"
                             "solver: {gradient: leastSquares}\n";

static void test_gradient_linear(void **state)
{
  GaleCase  *cs;
  GaleMesh   g, m;
  GaleSolver s;
  PetscReal  err = 0;
  (void)state;
  WriteCase("skewed", skewed);
  assert_int_equal(GaleCaseRead(PETSC_COMM_WORLD, "skewed", &cs), 0);
  assert_int_equal(GaleMeshBuildFromCase(PETSC_COMM_WORLD, cs, &g), 0);
  assert_int_equal(GaleMeshDistribute(g, PETSC_COMM_WORLD, &m), 0);
  assert_int_equal(GaleSolverCreate(cs, m, &s), 0);
  for (PetscInt c = 0; c < s->ncT; c++) {
    const PetscReal *x = m->cellCentres + 3 * c;
    s->p[c]            = 1 + 2 * x[0] - 3 * x[1] + 4 * x[2];
  }
  for (PetscInt b = 0; b < s->nb; b++) {
    const PetscReal *x = m->faceCentres + 3 * (s->ni + b);
    s->pb[b]           = 1 + 2 * x[0] - 3 * x[1] + 4 * x[2];
  }
  assert_int_equal(GaleSolverGradient(s, s->p, s->pb, s->gradp), 0);
  for (PetscInt c = 0; c < s->ncT; c++) {
    err = PetscMax(err, PetscAbsReal(s->gradp[c] - 2));
    err = PetscMax(err, PetscAbsReal(s->gradp[s->ncT + c] + 3));
    err = PetscMax(err, PetscAbsReal(s->gradp[2 * s->ncT + c] - 4));
  }
  /* least squares reproduces linear fields exactly on any mesh (ghosts via halo) */
  assert_true(MaxAll(err) < 1e-9);
  GaleSolverDestroy(&s);
  GaleMeshDestroy(&m);
  GaleMeshDestroy(&g);
  GaleCaseDestroy(&cs);
}

/* cellLimited gradient (Barth and Jespersen 1989, OpenFOAM's cellLimited
 * with coefficient 1): extrapolated to any face centre of its cell, the
 * limited gradient stays within the range of the cell's value and its face
 * neighbours'; it is the unlimited gradient scaled by a factor in [0, 1];
 * and it leaves a linear field alone on a uniform mesh, where every face
 * centre lies midway between the two cell centres. */
static const char uniformBox[] = "mesh:\n"
                                 "  blocks:\n"
                                 "    - vertices: [[0,0,0], [1,0,0], [1,1,0], [0,1,0], [0,0,1], [1,0,1], [1,1,1], [0,1,1]]\n"
                                 "      cells: [6, 5, 4]\n"
                                 "      patches: {imin: b, imax: b, jmin: b, jmax: b, kmin: b, kmax: b}\n"
                                 "fluid: {nu: 1}\n"
                                 "boundary:\n"
                                 "  b: {type: wall}\n"
                                 "solver: {gradient_limiter: cellLimited}\n";

static void SetField(GaleSolver s, GaleMesh m, PetscBool step)
{
  for (PetscInt c = 0; c < s->ncT; c++) {
    const PetscReal *x = m->cellCentres + 3 * c;
    s->p[c]            = step ? (x[0] + 0.3 * x[1] > 0.55 ? 1.0 : 0.0) : 1 + 2 * x[0] - 3 * x[1] + 4 * x[2];
  }
  for (PetscInt b = 0; b < s->nb; b++) {
    const PetscReal *x = m->faceCentres + 3 * (s->ni + b);
    s->pb[b]           = step ? (x[0] + 0.3 * x[1] > 0.55 ? 1.0 : 0.0) : 1 + 2 * x[0] - 3 * x[1] + 4 * x[2];
  }
}

/* Largest amount by which an extrapolation phi_P + g.(x_f - x_P) leaves
 * [min, max] of phi_P and its neighbours' (boundary values included). */
static PetscReal Overshoot(GaleSolver s, GaleMesh m, const PetscReal *g)
{
  const PetscInt nc = s->nc, ncT = s->ncT;
  PetscReal     *lo, *hi, worst = 0;
  assert_int_equal(PetscMalloc2(nc, &lo, nc, &hi), 0);
  for (PetscInt c = 0; c < nc; c++) lo[c] = hi[c] = s->p[c];
  for (PetscInt f = 0; f < m->nFaces; f++) {
    const PetscInt  o     = m->owner[f];
    const PetscReal other = f < m->nInternalFaces ? s->p[m->neighbour[f]] : s->pb[f - s->ni];
    if (o < nc) lo[o] = PetscMin(lo[o], other), hi[o] = PetscMax(hi[o], other);
    if (f < m->nInternalFaces && m->neighbour[f] < nc) lo[m->neighbour[f]] = PetscMin(lo[m->neighbour[f]], s->p[o]), hi[m->neighbour[f]] = PetscMax(hi[m->neighbour[f]], s->p[o]);
  }
  for (PetscInt f = 0; f < m->nFaces; f++)
    for (int side = 0; side < 2; side++) {
      const PetscInt c = side ? (f < m->nInternalFaces ? m->neighbour[f] : -1) : m->owner[f];
      PetscReal      v;
      if (c < 0 || c >= nc) continue;
      v = s->p[c];
      for (int k = 0; k < 3; k++) v += g[k * ncT + c] * (m->faceCentres[3 * f + k] - m->cellCentres[3 * c + k]);
      worst = PetscMax(worst, PetscMax(v - hi[c], lo[c] - v));
    }
  PetscFree2(lo, hi);
  return worst;
}

static void test_gradient_limiter(void **state)
{
  GaleCase  *cs;
  GaleMesh   g, m;
  GaleSolver s;
  PetscReal *raw, err = 0, over, overRaw, scale = 0;
  (void)state;
  for (int mesh = 0; mesh < 2; mesh++) {
    const char *dir = mesh ? "skewed_lim" : "uniform_lim";
    if (mesh) {
      char yaml[2048];
      snprintf(yaml, sizeof(yaml), "%.*ssolver: {gradient_limiter: cellLimited}\n", (int)(strstr(skewed, "solver:") - skewed), skewed);
      WriteCase(dir, yaml);
    } else
      WriteCase(dir, uniformBox);
    assert_int_equal(GaleCaseRead(PETSC_COMM_WORLD, dir, &cs), 0);
    assert_int_equal(cs->gradient_limiter, 1);
    assert_int_equal(GaleMeshBuildFromCase(PETSC_COMM_WORLD, cs, &g), 0);
    assert_int_equal(GaleMeshDistribute(g, PETSC_COMM_WORLD, &m), 0);
    assert_int_equal(GaleSolverCreate(cs, m, &s), 0);
    assert_int_equal(PetscMalloc1(3 * s->ncT, &raw), 0);
    if (!mesh) { /* linear field, uniform mesh: unchanged */
      SetField(s, m, PETSC_FALSE);
      assert_int_equal(GaleSolverGradient(s, s->p, s->pb, s->gradp), 0);
      assert_int_equal(PetscArraycpy(raw, s->gradp, 3 * s->ncT), 0);
      assert_int_equal(GaleSolverLimitGradient(s, s->p, s->pb, s->gradp), 0);
      for (PetscInt c = 0; c < s->nc; c++)
        for (int k = 0; k < 3; k++) err = PetscMax(err, PetscAbsReal(s->gradp[k * s->ncT + c] - raw[k * s->ncT + c]));
      assert_true(MaxAll(err) < 1e-12);
    }
    /* a step across the mesh: the unlimited gradient overshoots, the limited one does not */
    SetField(s, m, PETSC_TRUE);
    assert_int_equal(GaleSolverGradient(s, s->p, s->pb, s->gradp), 0);
    assert_int_equal(PetscArraycpy(raw, s->gradp, 3 * s->ncT), 0);
    overRaw = MaxAll(Overshoot(s, m, raw));
    assert_int_equal(GaleSolverLimitGradient(s, s->p, s->pb, s->gradp), 0);
    over = MaxAll(Overshoot(s, m, s->gradp));
    assert_true(overRaw > 0.1);
    assert_true(over < 1e-12);
    for (PetscInt c = 0; c < s->nc; c++) {
      PetscReal dot = 0, nr = 0;
      for (int k = 0; k < 3; k++) dot += s->gradp[k * s->ncT + c] * raw[k * s->ncT + c], nr += raw[k * s->ncT + c] * raw[k * s->ncT + c];
      if (nr > 0) { /* limited = a raw, a in [0, 1] */
        const PetscReal a = dot / nr;
        assert_true(a >= -1e-12 && a <= 1 + 1e-12);
        for (int k = 0; k < 3; k++) assert_true(PetscAbsReal(s->gradp[k * s->ncT + c] - a * raw[k * s->ncT + c]) <= 1e-12 * (1 + PetscSqrtReal(nr)));
        scale = PetscMax(scale, 1 - a);
      }
    }
    assert_true(MaxAll(scale) > 0.1); /* some cells were limited */
    PetscFree(raw);
    GaleSolverDestroy(&s);
    GaleMeshDestroy(&m);
    GaleMeshDestroy(&g);
    GaleCaseDestroy(&cs);
  }
}

int main(int argc, char **argv)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_gradient_linear),
      cmocka_unit_test(test_gradient_limiter),
      cmocka_unit_test(test_couette),
      cmocka_unit_test(test_poiseuille),
      cmocka_unit_test(test_symmetry),
      cmocka_unit_test(test_freestream_uniform),
      cmocka_unit_test(test_piso_steady_limit),
      cmocka_unit_test(test_pimple_steady_limit),
      cmocka_unit_test(test_couette_nonorthogonal),
      cmocka_unit_test(test_health),
  };
  int rc;
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(PetscOptionsSetValue(NULL, "-options_left", "false"));
  rc = cmocka_run_group_tests(tests, NULL, NULL);
  PetscCall(PetscFinalize());
  return rc;
}
