/* Start of a steady run from a uniform velocity that crosses walls (the
 * cases/f1car failure: divergence in 4 to 8 iterations), at 1 and 2 ranks.
 * Geometry: a 2D channel 3 x 1 with a block 1 x 0.5 on its floor at
 * 1 < x < 2 (a forward- and a backward-facing step), U0 = (1, 0, 0).
 *  - potential-flow initialisation (solver/potential.c): every cell's net
 *    flux vanishes to the solver tolerance (continuity, exact for the
 *    discrete problem), walls keep zero flux, the inlet keeps its given
 *    flux and the outlet passes the same volume (global conservation);
 *    U0's own fluxes have a net inflow of U0 |S| in front of the step;
 *  - momentum diagonal (solver/momentum.c): with the non-conservative
 *    fluxes U0.S, the cells behind the backward step have outflow only;
 *    their a_P must be at least the sum of their outflows, which the
 *    bounded form alone (a_P = D + inflows) violated by a factor 1e3. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sys/stat.h>
#include "gale_solver.h"

static const char stepCase[] = "mesh:\n"
                               "  blocks:\n"
                               "    - {box: [[0, 0, 0], [1, 0.5, 0.1]], cells: [10, 5, 1], patches: {imin: inlet, imax: wall, jmin: wall, kmin: sides, kmax: sides}}\n"
                               "    - {box: [[0, 0.5, 0], [1, 1, 0.1]], cells: [10, 5, 1], patches: {imin: inlet, jmax: wall, kmin: sides, kmax: sides}}\n"
                               "    - {box: [[1, 0.5, 0], [2, 1, 0.1]], cells: [10, 5, 1], patches: {jmin: wall, jmax: wall, kmin: sides, kmax: sides}}\n"
                               "    - {box: [[2, 0.5, 0], [3, 1, 0.1]], cells: [10, 5, 1], patches: {imax: outlet, jmax: wall, kmin: sides, kmax: sides}}\n"
                               "    - {box: [[2, 0, 0], [3, 0.5, 0.1]], cells: [10, 5, 1], patches: {imin: wall, imax: outlet, jmin: wall, kmin: sides, kmax: sides}}\n"
                               "fluid: {nu: 1e-5}\n"
                               "boundary:\n"
                               "  inlet: {type: inlet, U: [1, 0, 0]}\n"
                               "  outlet: {type: outlet, p: 0}\n"
                               "  wall: {type: wall}\n"
                               "  sides: {type: empty}\n"
                               "initial: {U: [1, 0, 0]}\n"
                               "solver: {algorithm: SIMPLE, max_iterations: 10}\n";

typedef struct {
  GaleCase  *cs;
  GaleMesh   global, local;
  GaleSolver s;
} Run;

static void Setup(Run *r)
{
  int rank;
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  if (!rank) {
    FILE *fp;
    mkdir("potential_step", 0755);
    fp = fopen("potential_step/case.yaml", "w");
    assert_non_null(fp);
    fputs(stepCase, fp);
    fclose(fp);
  }
  MPI_Barrier(PETSC_COMM_WORLD);
  assert_int_equal(GaleCaseRead(PETSC_COMM_WORLD, "potential_step", &r->cs), 0);
  assert_int_equal(GaleMeshBuildFromCase(PETSC_COMM_WORLD, r->cs, &r->global), 0);
  assert_int_equal(GaleMeshDistribute(r->global, PETSC_COMM_WORLD, &r->local), 0);
  assert_int_equal(GaleSolverCreate(r->cs, r->local, &r->s), 0);
  assert_int_equal(GaleSolverInitialise(r->s), 0);
}

static void FreeRun(Run *r)
{
  GaleSolverDestroy(&r->s);
  GaleMeshDestroy(&r->local);
  GaleMeshDestroy(&r->global);
  GaleCaseDestroy(&r->cs);
}

/* net outflow of each owned cell into net[] (nc) */
static void NetFlux(GaleSolver s, PetscReal *net)
{
  GaleMesh m = s->mesh;
  for (PetscInt c = 0; c < s->nc; c++) net[c] = 0;
  for (PetscInt f = 0; f < s->nf; f++) {
    if (m->owner[f] < s->nc) net[m->owner[f]] += s->phi[f];
    if (f < s->ni && m->neighbour[f] < s->nc) net[m->neighbour[f]] -= s->phi[f];
  }
}

static PetscReal PatchFlux(GaleSolver s, const char *name)
{
  GaleMesh         m   = s->mesh;
  const GalePatch *p   = &m->patches[GaleMeshFindPatch(m, name)];
  PetscReal        sum = 0, g;
  for (PetscInt f = p->start; f < p->start + p->size; f++) sum += s->phi[f];
  MPI_Allreduce(&sum, &g, 1, MPIU_REAL, MPI_SUM, PETSC_COMM_WORLD);
  return g;
}

static void test_potential_init(void **state)
{
  Run        r = {0};
  PetscReal *net, err = 0, g;
  (void)state;
  Setup(&r);
  PetscMalloc1(r.s->nc + 1, &net);
  NetFlux(r.s, net);
  for (PetscInt c = 0; c < r.s->nc; c++) err = PetscMax(err, PetscAbsReal(net[c]));
  MPI_Allreduce(&err, &g, 1, MPIU_REAL, MPI_MAX, PETSC_COMM_WORLD);
  /* face fluxes are U |S| ~ 0.01 (|S| = 0.1 x 0.1); U0's own net inflow in front of the step is 0.01 */
  assert_true(g < 1e-7);
  assert_true(PetscAbsReal(PatchFlux(r.s, "wall")) < 1e-15);
  assert_true(PetscAbsReal(PatchFlux(r.s, "inlet") + 0.1) < 1e-12); /* U = 1 over 1 x 0.1 */
  assert_true(PetscAbsReal(PatchFlux(r.s, "outlet") - 0.1) < 1e-7);
  PetscFree(net);
  FreeRun(&r);
}

static void test_momentum_diagonal_outflow(void **state)
{
  Run        r = {0};
  GaleMesh   m;
  PetscReal *net, *out, worst = PETSC_MAX_REAL, g;
  PetscInt   nout = 0, gout;
  (void)state;
  Setup(&r);
  m = r.s->mesh;
  /* the fluxes of the uniform field U0 = (1, 0, 0), zero through walls */
  for (PetscInt f = 0; f < r.s->nf; f++) {
    const PetscInt b = f - r.s->ni;
    r.s->phi[f]      = m->faceAreas[3 * f];
    if (f >= r.s->ni && r.s->cs->bcs[r.s->faceBC[b]].type == GALE_BC_WALL) r.s->phi[f] = 0;
  }
  for (PetscInt c = 0; c < r.s->ncT; c++) {
    r.s->U[c]                = 1;
    r.s->U[r.s->ncT + c]     = 0;
    r.s->U[2 * r.s->ncT + c] = 0;
  }
  assert_int_equal(GaleSolverMomentumAssemble(r.s, r.cs->relax_U), 0);
  PetscMalloc2(r.s->nc + 1, &net, r.s->nc + 1, &out);
  NetFlux(r.s, net);
  for (PetscInt c = 0; c < r.s->nc; c++) out[c] = 0;
  for (PetscInt f = 0; f < r.s->nf; f++) {
    if (m->owner[f] < r.s->nc && r.s->phi[f] > 0) out[m->owner[f]] += r.s->phi[f];
    if (f < r.s->ni && m->neighbour[f] < r.s->nc && r.s->phi[f] < 0) out[m->neighbour[f]] -= r.s->phi[f];
  }
  for (PetscInt c = 0; c < r.s->nc; c++)
    if (net[c] > 1e-12) { /* the cells behind the backward step */
      nout++;
      worst = PetscMin(worst, r.s->aDiag[c] * r.cs->relax_U / out[c]);
    }
  MPI_Allreduce(&nout, &gout, 1, MPIU_INT, MPI_SUM, PETSC_COMM_WORLD);
  MPI_Allreduce(&worst, &g, 1, MPIU_REAL, MPI_MIN, PETSC_COMM_WORLD);
  assert_int_equal(gout, 5); /* one column of 5 cells */
  assert_true(g >= 1.0);
  PetscFree2(net, out);
  FreeRun(&r);
}

int main(int argc, char **argv)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_potential_init),
      cmocka_unit_test(test_momentum_diagonal_outflow),
  };
  int rc;
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(PetscOptionsSetValue(NULL, "-options_left", "false"));
  rc = cmocka_run_group_tests(tests, NULL, NULL);
  PetscCall(PetscFinalize());
  return rc;
}
