/* Turbulence tests: Spalart-Allmaras source terms against values computed
 * by hand from the TMR definition, the Poisson wall distance (k-omega SST)
 * against the exact distance in a channel, the exact wall distance of SA
 * against geometry (a channel and the corner ahead of a flat plate), and
 * the NASA TMR zero-pressure-gradient flat plate
 * (Re = 5e6 per unit length) on a coarse graded mesh against the TMR
 * CFL3D/FUN3D skin friction of the same grid family
 * (shared/validation/nasa_tmr_flatplate_2dzp.csv); and that NaN in the
 * turbulence field of one cell of one rank stops the run on every rank. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include <sys/stat.h>
#include "gale_turbulence.h"

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

static PetscReal MaxAll(PetscReal v)
{
  PetscReal g;
  MPI_Allreduce(&v, &g, 1, MPIU_REAL, MPI_MAX, PETSC_COMM_WORLD);
  return g;
}

/* Hand computation (TMR SA definition) for nuT = 3e-5, nu = 1e-5,
 * Omega = 50, d = 0.01:  chi = 3, fv1 = 27/(27 + 357.911) = 0.07014609,
 * fv2 = 1 - 3/(1 + 3 fv1) = -1.47844116, kappa^2 d^2 = 1.681e-5,
 * Sbar = nuT fv2/1.681e-5 = -2.63850297 (>= -0.7 Omega, so S~ = Omega + Sbar
 * = 47.36149703), ft2 = 1.2 exp(-4.5) = 0.01333080,
 * P = 0.1355 (1 - ft2) S~ nuT = 1.8995798e-4;
 * r = nuT/(S~ 1.681e-5) = 0.03768149, g = r + 0.3 (r^6 - r) = 0.02637705,
 * fw = g (65/(g^6 + 64))^(1/6) = 0.02644529, cw1 = 0.1355/0.1681 +
 * 1.622/(2/3) = 3.23906782, D = (cw1 fw - 0.1355/0.1681 ft2) nuT/d^2
 * = 0.02247377. */
static void test_sa_sources(void **state)
{
  PetscReal P, D;
  (void)state;
  GaleSASources(3e-5, 1e-5, 50.0, 0.01, &P, &D);
  assert_true(PetscAbsReal(P - 1.8995798e-4) < 1e-6 * 1.8995798e-4);
  assert_true(PetscAbsReal(D - 0.02247377) < 1e-6 * 0.02247377);
}

typedef struct {
  GaleCase  *cs;
  GaleMesh   global, local;
  GaleSolver s;
} Run;

static void Setup(const char *dir, const char *yaml, const char *model, Run *r)
{
  WriteCase(dir, yaml);
  assert_int_equal(GaleCaseRead(PETSC_COMM_WORLD, dir, &r->cs), 0);
  PetscStrncpy(r->cs->turb.model, model, sizeof(r->cs->turb.model));
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

static const char channel[] = "mesh:\n"
                              "  blocks:\n"
                              "    - box: [[0, 0, 0], [2, 1, 0.1]]\n"
                              "      cells: [8, 40, 1]\n"
                              "      grading: [1, 4, 1]\n"
                              "      patches: {imin: inlet, imax: outlet, jmin: wall, jmax: wall, kmin: sides, kmax: sides}\n"
                              "fluid: {nu: 1e-3}\n"
                              "boundary:\n"
                              "  inlet: {type: inlet, U: [1, 0, 0]}\n"
                              "  outlet: {type: outlet, p: 0}\n"
                              "  wall: {type: wall}\n"
                              "  sides: {type: empty}\n";

/* Channel between walls y = 0 and y = 1: the Poisson distance
 * (turbulence.wall_distance: poisson) is exact in
 * the continuum (d = min(y, 1-y)); the discrete error comes from the
 * second-order discretisation: absolute error O(h^2), so the relative
 * error at the wall cell (d ~ h) is O(h). It must be small (< 3% on 40
 * graded cells) and at least near-halve when the mesh is refined twice. */
static PetscReal WallDistanceError(const char *dir, const char *cells)
{
  Run       r   = {0};
  PetscReal err = 0;
  char      yaml[sizeof(channel) + 16];
  char     *at;
  PetscStrncpy(yaml, channel, sizeof(yaml));
  at = strstr(yaml, "[8, 40, 1]");
  memcpy(at, cells, strlen(cells));
  PetscReal *dp, errExact = 0;
  Setup(dir, yaml, "kOmegaSST", &r);
  assert_int_equal(0, PetscMalloc1(r.s->ncT + 1, &dp));
  assert_int_equal(0, GaleSolverWallDistance(r.s, dp));
  for (PetscInt c = 0; c < r.s->nc; c++) {
    PetscReal y = r.local->cellCentres[3 * c + 1], d = PetscMin(y, 1 - y);
    err      = PetscMax(err, PetscAbsReal(dp[c] - d) / d);
    errExact = PetscMax(errExact, PetscAbsReal(r.s->turb->wallDist[c] - d) / d);
  }
  /* the models' distance (turbulence.wall_distance: exact, the default) is
     exact to round-off */
  assert_true(MaxAll(errExact) < 1e-12);
  assert_int_equal(0, PetscFree(dp));
  FreeRun(&r);
  return MaxAll(err);
}

static void test_wall_distance(void **state)
{
  PetscReal e40, e80;
  (void)state;
  e40 = WallDistanceError("walldist40", "[8, 40, 1]");
  e80 = WallDistanceError("walldist80", "[8, 80, 1]");
  print_message("wall distance: max relative error %g (40 cells), %g (80 cells)\n", (double)e40, (double)e80);
  assert_true(e40 < 0.03);
  assert_true(e80 < 0.6 * e40);
}

/* TMR 2DZP flat plate: x in [-1/3, 2], plate on 0 <= x <= 2, y in [0, 1],
 * U = 1, nu = 2e-7 (Re = 5e6 per unit length), 64 x 48 cells with first
 * cells of 1e-3 (x) and 4e-6 (y, y+ < 1). */
static const char flatplate[] = "mesh:\n"
                                "  blocks:\n"
                                "    - box: [[-0.3333333, 0, 0], [0, 1, 0.1]]\n"
                                "      cells: [16, 48, 1]\n"
                                "      grading: [0.011563, 51536.6, 1]\n"
                                "      patches: {imin: inlet, jmin: symmetry, jmax: top, kmin: sides, kmax: sides}\n"
                                "    - box: [[0, 0, 0], [2, 1, 0.1]]\n"
                                "      cells: [48, 48, 1]\n"
                                "      grading: [217.25, 51536.6, 1]\n"
                                "      patches: {imax: outlet, jmin: plate, jmax: top, kmin: sides, kmax: sides}\n"
                                "fluid: {nu: 2e-7}\n"
                                "boundary:\n"
                                "  inlet: {type: inlet, U: [1, 0, 0]}\n"
                                "  outlet: {type: outlet, p: 0}\n"
                                "  top: {type: freestream, U: [1, 0, 0], p: 0}\n"
                                "  symmetry: {type: symmetry}\n"
                                "  plate: {type: wall}\n"
                                "  sides: {type: empty}\n"
                                "initial: {U: [1, 0, 0]}\n"
                                "solver: {algorithm: SIMPLEC, max_iterations: 3000, tolerance: 1e-6, convection: linearUpwind}\n"
                                "forces:\n"
                                "  patches: [plate]\n"
                                "  reference: {area: 0.2, velocity: 1, density: 1}\n";

/* SA's wall distance is the exact distance to the nearest wall face, by
 * geometry: in the channel d = min(y, 1 - y) (the nearest point inside a
 * face); ahead of the flat plate of test_flatplate_sa (a symmetry plane
 * for x < 0, the plate from x = 0) d = hypot(x, y) to the plate's leading
 * edge (the nearest point on a face's edge), above it d = y. Ghost cells
 * (2 ranks) included. */
static PetscReal SAWallDistanceError(const char *dir, const char *yaml, PetscBool plate)
{
  Run       r   = {0};
  PetscReal err = 0;
  Setup(dir, yaml, "SpalartAllmaras", &r);
  for (PetscInt c = 0; c < r.s->ncT; c++) {
    const PetscReal x = r.local->cellCentres[3 * c], y = r.local->cellCentres[3 * c + 1];
    const PetscReal d = plate ? (x < 0 ? PetscSqrtReal(x * x + y * y) : y) : PetscMin(y, 1 - y);
    err               = PetscMax(err, PetscAbsReal(r.s->turb->wallDist[c] - d) / d);
  }
  FreeRun(&r);
  return MaxAll(err);
}

static void test_sa_wall_distance(void **state)
{
  PetscReal ec, ep;
  (void)state;
  ec = SAWallDistanceError("sawalldist_channel", channel, PETSC_FALSE);
  ep = SAWallDistanceError("sawalldist_plate", flatplate, PETSC_TRUE);
  print_message("SA exact wall distance: max relative error %g (channel), %g (flat plate)\n", (double)ec, (double)ep);
  assert_true(ec < 1e-10);
  assert_true(ep < 1e-10);
}

static void test_health_turbulence(void **state)
{
  Run         r = {0};
  PetscBool   ok;
  char        msg[512];
  PetscMPIInt rank;
  (void)state;
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  Setup("health_turb", channel, "SpalartAllmaras", &r);
  assert_int_equal(GaleSolverCheckHealth(r.s, &ok, msg, sizeof(msg)), 0);
  assert_true(ok);
  if (!rank) r.s->turb->field[0][0] = NAN;
  assert_int_equal(GaleSolverCheckHealth(r.s, &ok, msg, sizeof(msg)), 0);
  assert_false(ok);
  assert_non_null(strstr(msg, "field of the turbulence model is NaN/Inf"));
  FreeRun(&r);
}

static void test_flatplate_sa(void **state)
{
  Run       r      = {0};
  PetscReal loc[4] = {-1, 0, -1, 0}, glob[4], cf;
  PetscInt  ip;
  (void)state;
  Setup("flatplate_sa", flatplate, "SpalartAllmaras", &r);
  for (PetscInt it = 0; it < r.cs->max_iterations; it++) {
    PetscBool done = PETSC_TRUE;
    assert_int_equal(GaleSolverSteadyIteration(r.s), 0);
    for (int k = 0; k < 4; k++)
      if (r.s->solveComp[k < 3 ? k : 0] && r.s->residual[k] > 1e-6) done = PETSC_FALSE;
    if (r.s->turb->residual[0] > 1e-6) done = PETSC_FALSE;
    if (getenv("GALE_TEST_DEBUG")) {
      PetscReal mx[3] = {0, 0, 0}, g[3];
      for (PetscInt c = 0; c < r.s->nc; c++) {
        mx[0] = PetscMax(mx[0], r.s->nut[c]);
        mx[1] = PetscMax(mx[1], PetscAbsReal(r.s->U[c]));
        mx[2] = PetscMax(mx[2], r.s->turb->wallDist[c]);
      }
      MPI_Allreduce(mx, g, 3, MPIU_REAL, MPI_MAX, PETSC_COMM_WORLD);
      print_message("it %d: max nut %g max |u| %g max d %g\n", (int)it, (double)g[0], (double)g[1], (double)g[2]);
    }
    if (getenv("GALE_TEST_VERBOSE") && it % 100 == 0) print_message("it %d: %g %g %g nuT %g\n", (int)it, (double)r.s->residual[0], (double)r.s->residual[1], (double)r.s->residual[3], (double)r.s->turb->residual[0]);
    if (done) break;
  }
  /* skin friction at x = 0.970084071 by linear interpolation between the
     plate faces around it: Cf = nu (u_P - 0) deltaCoeff / (U^2/2) */
  ip = GaleMeshFindPatch(r.local, "plate");
  for (PetscInt f = r.local->patches[ip].start; f < r.local->patches[ip].start + r.local->patches[ip].size; f++) {
    const PetscReal x = r.local->faceCentres[3 * f], tau = r.cs->nu * r.s->U[r.local->owner[f]] * r.local->deltaCoeffs[f];
    if (x <= 0.970084071 && x > loc[0]) {
      loc[0] = x;
      loc[1] = 2 * tau;
    }
    if (x > 0.970084071 && (loc[2] < 0 || x < loc[2])) {
      loc[2] = x;
      loc[3] = 2 * tau;
    }
  }
  {
    struct {
      PetscReal x, cf;
    } a = {loc[0], loc[1]}, ga, b = {loc[2] < 0 ? 1e30 : -loc[2], loc[3]}, gb;
    MPI_Allreduce(&a, &ga, 1, MPI_2DOUBLE_PRECISION, MPI_MAXLOC, PETSC_COMM_WORLD);
    MPI_Allreduce(&b, &gb, 1, MPI_2DOUBLE_PRECISION, MPI_MAXLOC, PETSC_COMM_WORLD);
    glob[0] = ga.x;
    glob[1] = ga.cf;
    glob[2] = -gb.x;
    glob[3] = gb.cf;
  }
  cf = glob[1] + (glob[3] - glob[1]) * (0.970084071 - glob[0]) / (glob[2] - glob[0]);
  print_message("flat plate SA: Cf(0.97) = %.6e after %d iterations (TMR 69x49: CFL3D 2.7283e-3, FUN3D 2.6950e-3; finest 2.7056e-3)\n", (double)cf, (int)r.s->iteration);
  assert_true(PetscAbsReal(cf - 2.7056e-3) < 0.03 * 2.7056e-3);
  FreeRun(&r);
}

int main(int argc, char **argv)
{
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_sa_sources), cmocka_unit_test(test_wall_distance), cmocka_unit_test(test_sa_wall_distance), cmocka_unit_test(test_health_turbulence), cmocka_unit_test(test_flatplate_sa)};
  int                     rc;
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  rc = cmocka_run_group_tests(tests, NULL, NULL);
  PetscCall(PetscFinalize());
  return rc;
}
