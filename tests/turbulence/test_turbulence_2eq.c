/* Two-equation turbulence models and wall treatment: k-omega SST (TMR
 * SST-2003m) and k-epsilon source terms against values computed by hand
 * from the published definitions, the SST blending limits, OpenFOAM's wall
 * function formulas, inflow values, and the NASA TMR zero-pressure-gradient
 * flat plate with SST on the coarse mesh of test_turbulence.c against the
 * TMR SST-Vm skin friction of the same grid family
 * (shared/validation/nasa_tmr_flatplate_2dzp.csv). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include <sys/stat.h>
#include "gale_turbulence.h"

static void AssertRel(PetscReal got, PetscReal want, PetscReal tol, const char *what)
{
  if (!(PetscAbsReal(got - want) <= tol * PetscAbsReal(want))) fail_msg("%s = %.12g, expected %.12g (relative tolerance %g)", what, (double)got, (double)want, (double)tol);
}

/* Hand computation from the TMR SST-2003 definition (beta* 0.09, a1 0.31,
 * sigma_w2 0.856), state A: k = 0.01, omega = 50, nu = 1e-5, S^2 = 160000,
 * grad k . grad omega = 0.01, d = 0.0265:
 *   CDkw = max(2 0.856 0.01/50, 1e-10) = 3.424e-4
 *   sqrt(k)/(beta* omega d) = 0.1/0.11925 = 0.83857442348,
 *   500 nu/(d^2 omega) = 0.14239943040, 4 sigma_w2 k/(CDkw d^2) = 142399.43
 *   arg1 = 0.83857442348, F1 = tanh(arg1^4) = 0.457780854663
 *   arg2 = max(1.67714884696, 0.1424) , F2 = tanh(arg2^2) = 0.992817494819
 *   max(a1 omega, S F2) = max(15.5, 397.126997928) (strain limiter active),
 *   nu_t = 0.31 0.01/397.126997928 = 7.80606711751e-6
 *   nu_t S^2 = 1.24897073880 > 10 beta* k omega = 0.45: Pk = 0.45
 *   gamma = F1 5/9 + (1 - F1) 0.44 = 0.492899120983,
 *   Pw = gamma Pk/nu_t = 28414.3860286, Dk = beta* omega = 4.5,
 *   Dw = (F1 0.075 + (1 - F1) 0.0828) omega = 3.96146546668,
 *   CDw = 2 (1 - F1) 0.856 0.01/50 = 1.85655835363e-4,
 *   sigma_k = 0.931332871801, sigma_w = 0.69303001574.
 * State B: same but S^2 = 100 and grad k . grad omega = -0.2: CDkw = 1e-10,
 *   F1, F2 as above, max(15.5, 9.928) = 15.5: nu_t = 2e-4, Pk = nu_t S^2 =
 *   0.02 (limiter off), Pw = gamma S^2 = 49.2899120983,
 *   CDw = 2 (1 - F1) 0.856 (-0.2)/50 = -3.71311670727e-3. */
static void test_sst_sources(void **state)
{
  GaleSSTTerms a, b;
  (void)state;
  GaleSSTSources(0.01, 50, 1e-5, 160000, 0.01, 0.0265, &a);
  AssertRel(a.F1, 0.457780854663, 1e-6, "F1");
  AssertRel(a.F2, 0.992817494819, 1e-6, "F2");
  AssertRel(a.nut, 7.80606711751e-6, 1e-6, "nut");
  AssertRel(a.Pk, 0.45, 1e-6, "Pk");
  AssertRel(a.Dk, 4.5, 1e-6, "Dk");
  AssertRel(a.Pw, 28414.3860286, 1e-6, "Pw");
  AssertRel(a.Dw, 3.96146546668, 1e-6, "Dw");
  AssertRel(a.CDw, 1.85655835363e-4, 1e-6, "CDw");
  AssertRel(a.sigmaK, 0.931332871801, 1e-6, "sigma_k");
  AssertRel(a.sigmaW, 0.69303001574, 1e-6, "sigma_w");
  GaleSSTSources(0.01, 50, 1e-5, 100, -0.2, 0.0265, &b);
  AssertRel(b.F1, 0.457780854663, 1e-6, "F1 (B)");
  AssertRel(b.nut, 2e-4, 1e-6, "nut (B)");
  AssertRel(b.Pk, 0.02, 1e-6, "Pk (B)");
  AssertRel(b.Pw, 49.2899120983, 1e-6, "Pw (B)");
  AssertRel(b.CDw, -3.71311670727e-3, 1e-6, "CDw (B)");
}

/* F1 -> 1 at the wall (500 nu/(d^2 omega) grows without bound) and -> 0
 * far from it; F1 = 1 gives the k-omega constants, 0 the k-epsilon ones. */
static void test_sst_f1_limits(void **state)
{
  GaleSSTTerms n, f;
  (void)state;
  GaleSSTSources(1e-3, 100, 1e-5, 2500, 0.05, 1e-5, &n);
  GaleSSTSources(1e-3, 100, 1e-5, 2500, 0.05, 10.0, &f);
  assert_true(n.F1 > 1 - 1e-12 && n.F2 > 1 - 1e-12);
  assert_true(f.F1 < 1e-12 && f.F2 < 1e-6);
  AssertRel(n.sigmaK, 0.85, 1e-12, "sigma_k1");
  AssertRel(f.sigmaW, 0.856, 1e-12, "sigma_w2");
  AssertRel(n.Dw, 0.075 * 100, 1e-12, "beta1 omega");
  AssertRel(f.Dw, 0.0828 * 100, 1e-12, "beta2 omega");
}

/* k = 0.375, eps = 14.855 (the OpenFOAM pitzDaily inlet), S^2 = 1e4:
 * nu_t = 0.09 0.375^2/14.855 = 8.51985863346e-4, G = nu_t S^2 =
 * 8.51985863346, Dk = eps/k = 39.6133333333, Pe = 1.44 G eps/k =
 * 1.44 0.09 k S^2 = 486, De = 1.92 eps/k = 76.0576. */
static void test_keps_sources(void **state)
{
  GaleKEpsilonTerms t;
  (void)state;
  GaleKEpsilonSources(0.375, 14.855, 1e4, &t);
  AssertRel(t.nut, 8.51985863346e-4, 1e-6, "nut");
  AssertRel(t.G, 8.51985863346, 1e-6, "G");
  AssertRel(t.Dk, 39.6133333333, 1e-6, "Dk");
  AssertRel(t.Pe, 486.0, 1e-6, "Pe");
  AssertRel(t.De, 76.0576, 1e-6, "De");
}

/* OpenFOAM's wall functions, kappa 0.41, E 9.8, Cmu 0.09:
 * y+_lam = 11.530107304 (fixed point of ln(E y+)/kappa);
 * y+ = 100: nut_w/nu = 100 0.41/ln(980) - 1 = 41/6.88755257166 - 1 = 4.95276763021;
 * y+ = 5 < y+_lam: nut_w = 0.
 * Wall cell k = 1, nu = 1e-5, y = 1e-3, |dU/dn| = 1000: y+ = 0.09^1/4 100 =
 * 54.7722557505, nut_w = 2.57272905131e-5, eps = 0.09^3/4/(0.41e-3) =
 * 400.772603053, omega = 1/(0.09^1/4 0.41e-3) = 4453.02892281,
 * G = (nut_w + nu) 1000 0.09^1/4/(0.41e-3) = 47.7283973965; with k = 1e-4
 * (y+ = 0.548) omega is 6 nu/(0.075 y^2) = 800. */
static void test_wall_functions(void **state)
{
  PetscReal e, w, G;
  (void)state;
  AssertRel(GaleWallYPlusLam(0.41, 9.8), 11.530107304, 1e-9, "y+_lam");
  AssertRel(GaleWallFunctionNut(100, 1e-5), 4.95276763021e-5, 1e-6, "nut_w(y+ = 100)");
  assert_true(GaleWallFunctionNut(5, 1e-5) == 0);
  GaleWallFunctionCell(1, 1e-5, 2.57272905131e-5, 1e-3, 1000, 0.075, &e, &w, &G);
  AssertRel(GaleWallFunctionNut(54.7722557505, 1e-5), 2.57272905131e-5, 1e-6, "nut_w(y+ = 54.8)");
  AssertRel(e, 400.772603053, 1e-6, "epsilon_P");
  AssertRel(w, 4453.02892281, 1e-6, "omega_P");
  AssertRel(G, 47.7283973965, 1e-6, "G_P");
  GaleWallFunctionCell(1e-4, 1e-5, 0, 1e-3, 1000, 0.075, NULL, &w, NULL);
  AssertRel(w, 800, 1e-12, "omega_P (viscous sublayer)");
}

/* Inflow: I = 5 %, l = 0.01, U = 10: k = 1.5 (0.5)^2 = 0.375, omega =
 * sqrt(0.375)/(0.09^1/4 0.01) = 111.803398875, eps = 0.09^3/4 0.375^1.5/0.01
 * = 3.77346008... ; defaults (TMR): k = 2.25e-7 U^2, nu_t/nu = 0.009. */
static void test_inflow(void **state)
{
  GaleBC    bc;
  PetscReal k, w, e;
  (void)state;
  PetscMemzero(&bc, sizeof(bc));
  bc.turb_intensity = 0.05;
  bc.turb_length    = 0.01;
  GaleTurbulenceInflow(&bc, 10, 1e-5, &k, &w, &e);
  AssertRel(k, 0.375, 1e-12, "k(I)");
  AssertRel(w, PetscSqrtReal(0.375) / (PetscPowReal(0.09, 0.25) * 0.01), 1e-12, "omega(l)");
  AssertRel(e, PetscPowReal(0.09, 0.75) * PetscPowReal(0.375, 1.5) / 0.01, 1e-12, "epsilon(l)");
  AssertRel(e / (0.09 * k * w), 1, 1e-12, "eps = Cmu k omega");
  GaleTurbulenceInflow(NULL, 1, 2e-7, &k, &w, &e);
  AssertRel(k, 2.25e-7, 1e-12, "k (TMR)");
  AssertRel(k / w / 2e-7, 0.009, 1e-12, "nu_t/nu (TMR)");
  AssertRel(0.09 * k * k / e / 2e-7, 0.009, 1e-12, "nu_t/nu (TMR, k-epsilon)");
}

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

typedef struct {
  GaleCase  *cs;
  GaleMesh   global, local;
  GaleSolver s;
} Run;

static void Setup(const char *dir, const char *yaml, const char *model, PetscBool wallFunctions, Run *r)
{
  WriteCase(dir, yaml);
  assert_int_equal(GaleCaseRead(PETSC_COMM_WORLD, dir, &r->cs), 0);
  PetscStrncpy(r->cs->turb.model, model, sizeof(r->cs->turb.model));
  r->cs->turb.wall_functions = wallFunctions;
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

/* Steady iterations until every initial residual (U, p, turbulence) is
 * below tol; returns the iteration count. */
static PetscInt Iterate(Run *r, PetscReal tol)
{
  GaleSolver s = r->s;
  for (PetscInt it = 0; it < r->cs->max_iterations; it++) {
    PetscBool done = PETSC_TRUE;
    assert_int_equal(GaleSolverSteadyIteration(s), 0);
    for (int k = 0; k < 4; k++)
      if (s->solveComp[k < 3 ? k : 0] && s->residual[k] > tol) done = PETSC_FALSE;
    for (PetscInt i = 0; i < s->turb->nfields; i++)
      if (s->turb->residual[i] > tol) done = PETSC_FALSE;
    if (getenv("GALE_TEST_VERBOSE") && it % 100 == 0)
      print_message("it %d: Ux %g p %g %s %g %s %g\n", (int)it, (double)s->residual[0], (double)s->residual[3], s->turb->fieldNames[0], (double)s->turb->residual[0], s->turb->fieldNames[1], (double)s->turb->residual[1]);
    if (done) break;
  }
  return s->iteration;
}

/* Skin friction on patch `name` at x0 by linear interpolation between the
 * wall faces around it: Cf = (nu + nut_w) (u_P - 0) deltaCoeff / (U^2/2). */
static PetscReal SkinFriction(Run *r, const char *name, PetscReal x0)
{
  GaleMesh  m      = r->local;
  PetscReal loc[4] = {-1e30, 0, 1e30, 0};
  PetscInt  ip     = GaleMeshFindPatch(m, name);
  struct {
    PetscReal x, cf;
  } a, ga, b, gb;
  for (PetscInt f = m->patches[ip].start; f < m->patches[ip].start + m->patches[ip].size; f++) {
    const PetscInt  bf = f - r->s->ni;
    const PetscReal x = m->faceCentres[3 * f], tau = (r->cs->nu + r->s->nutB[bf]) * r->s->U[m->owner[f]] * m->deltaCoeffs[f];
    if (x <= x0 && x > loc[0]) {
      loc[0] = x;
      loc[1] = 2 * tau;
    }
    if (x > x0 && x < loc[2]) {
      loc[2] = x;
      loc[3] = 2 * tau;
    }
  }
  a.x  = loc[0];
  a.cf = loc[1];
  b.x  = -loc[2];
  b.cf = loc[3];
  MPI_Allreduce(&a, &ga, 1, MPI_2DOUBLE_PRECISION, MPI_MAXLOC, PETSC_COMM_WORLD);
  MPI_Allreduce(&b, &gb, 1, MPI_2DOUBLE_PRECISION, MPI_MAXLOC, PETSC_COMM_WORLD);
  return ga.cf + (gb.cf - ga.cf) * (x0 - ga.x) / (-gb.x - ga.x);
}

/* TMR 2DZP flat plate (as in test_turbulence.c): x in [-1/3, 2], plate on
 * 0 <= x <= 2, y in [0, 1], U = 1, nu = 2e-7 (Re = 5e6 per unit length),
 * 64 x 48 cells with first cells of 1e-3 (x) and 4e-6 (y, y+ < 1). The
 * inflow takes the model's TMR freestream defaults (k = 2.25e-7 U^2,
 * nu_t/nu = 0.009). */
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

static void test_flatplate_sst(void **state)
{
  Run            r = {0};
  PetscReal      cf, kmin = PETSC_MAX_REAL, wmin = PETSC_MAX_REAL, *yPlus;
  PetscInt       its;
  GaleYPlusStats yp;
  (void)state;
  Setup("flatplate_sst", flatplate, "kOmegaSST", PETSC_FALSE, &r);
  its = Iterate(&r, 1e-6);
  /* Cf at x = 0.970084071 (TMR SST-Vm, 69x49: CFL3D 2.6262e-3, FUN3D
     2.6095e-3; finest 545x385: 2.6909e-3) */
  cf = SkinFriction(&r, "plate", 0.970084071);
  print_message("flat plate SST: Cf(0.97) = %.6e after %d iterations (TMR SST-Vm 69x49: CFL3D 2.6262e-3, FUN3D 2.6095e-3; finest 2.6909e-3)\n", (double)cf, (int)its);
  assert_true(its < r.cs->max_iterations);
  AssertRel(cf, 2.62624887e-3, 0.03, "Cf(0.97)");
  for (PetscInt c = 0; c < r.s->nc; c++) {
    kmin = PetscMin(kmin, r.s->turb->field[0][c]);
    wmin = PetscMin(wmin, r.s->turb->field[1][c]);
  }
  MPI_Allreduce(MPI_IN_PLACE, &kmin, 1, MPIU_REAL, MPI_MIN, PETSC_COMM_WORLD);
  MPI_Allreduce(MPI_IN_PLACE, &wmin, 1, MPIU_REAL, MPI_MIN, PETSC_COMM_WORLD);
  assert_true(kmin > 0 && wmin > 0);
  /* the mesh is built for y+ < 1 on the plate */
  PetscMalloc1(r.s->nb + 1, &yPlus);
  assert_int_equal(GaleSolverWallYPlus(r.s, yPlus), 0);
  assert_int_equal(GaleSolverWallYPlusStats(r.s, yPlus, GaleMeshFindPatch(r.local, "plate"), &yp), 0);
  print_message("plate y+: min %g mean %g max %g over %d faces\n", (double)yp.min, (double)yp.mean, (double)yp.max, (int)yp.nfaces);
  assert_int_equal(yp.nfaces, 48);
  assert_true(yp.max < 1.5 && yp.mean > 0.1);
  PetscFree(yPlus);
  FreeRun(&r);
}

/* Half channel (wall y = 0, symmetry y = 1, h = 1), 100 h long, plug
 * inflow U = 1 (I = 5 %, l = 0.1 h), nu = 1e-5: Re = U_b 2h/nu = 2e5;
 * 100 x 20 uniform cells put the wall cell at y+ ~ 100 (log layer). At
 * x = 80.5 h the flow is close to fully developed; reference: Dean's
 * correlations for fully developed 2D channel flow (Dean 1978, J. Fluids
 * Eng. 100, 215): Cf = 0.073 Re^-1/4 = 3.4520e-3, U_c/U_b = 1.28 Re^-0.0116
 * = 1.1110. Measured: k-epsilon Cf 3.385e-3 (-1.9 %), U_c/U_b 1.107; SST
 * with wall functions Cf 3.381e-3 (-2.0 %), U_c/U_b 1.093. */
static const char channel[] = "mesh:\n"
                              "  blocks:\n"
                              "    - box: [[0, 0, 0], [100, 1, 0.1]]\n"
                              "      cells: [100, 20, 1]\n"
                              "      patches: {imin: inlet, imax: outlet, jmin: wall, jmax: sym, kmin: sides, kmax: sides}\n"
                              "fluid: {nu: 1e-5}\n"
                              "boundary:\n"
                              "  inlet: {type: inlet, U: [1, 0, 0], turbulence: {intensity: 0.05, length_scale: 0.1}}\n"
                              "  outlet: {type: outlet, p: 0}\n"
                              "  wall: {type: wall}\n"
                              "  sym: {type: symmetry}\n"
                              "  sides: {type: empty}\n"
                              "initial: {U: [1, 0, 0]}\n"
                              "solver: {algorithm: SIMPLEC, max_iterations: 1000, tolerance: 1e-6}\n";

static void ChannelWallFunctions(const char *model, PetscBool wallFunctions)
{
  Run       r = {0};
  GaleMesh  m;
  PetscInt  ip, its;
  PetscReal loc[5] = {0, 0, -1, 0, 0}, glob[5], ub, uc, cf, *yPlus, dean = 0.073 * PetscPowReal(2e5, -0.25), deanU = 1.28 * PetscPowReal(2e5, -0.0116);
  char      dir[64];
  snprintf(dir, sizeof(dir), "channel_%s", model);
  Setup(dir, channel, model, wallFunctions, &r);
  m   = r.local;
  its = Iterate(&r, 1e-6);
  assert_true(its < r.cs->max_iterations);
  PetscMalloc1(r.s->nb + 1, &yPlus);
  assert_int_equal(GaleSolverWallYPlus(r.s, yPlus), 0);
  /* column x in (80, 81): sum of u, cells, top cell (y, u); wall shear, y+ */
  for (PetscInt c = 0; c < r.s->nc; c++) {
    const PetscReal x = m->cellCentres[3 * c], y = m->cellCentres[3 * c + 1];
    if (x < 80 || x > 81) continue;
    loc[0] += r.s->U[c];
    loc[1] += 1;
    if (y > loc[2]) {
      loc[2] = y;
      loc[3] = r.s->U[c];
    }
  }
  ip = GaleMeshFindPatch(m, "wall");
  for (PetscInt f = m->patches[ip].start; f < m->patches[ip].start + m->patches[ip].size; f++) {
    const PetscInt b = f - r.s->ni;
    if (m->faceCentres[3 * f] < 80 || m->faceCentres[3 * f] > 81) continue;
    assert_true(r.s->nutB[b] > 0);
    assert_true(yPlus[b] > 30 && yPlus[b] < 300);
    loc[4] = (r.cs->nu + r.s->nutB[b]) * r.s->U[m->owner[f]] * m->deltaCoeffs[f];
  }
  MPI_Allreduce(loc, glob, 2, MPIU_REAL, MPI_SUM, PETSC_COMM_WORLD);
  MPI_Allreduce(&loc[4], &glob[4], 1, MPIU_REAL, MPI_SUM, PETSC_COMM_WORLD);
  {
    struct {
      PetscReal y, u;
    } a = {loc[2], loc[3]}, g;
    MPI_Allreduce(&a, &g, 1, MPI_2DOUBLE_PRECISION, MPI_MAXLOC, PETSC_COMM_WORLD);
    uc = g.u;
  }
  ub = glob[0] / glob[1];
  cf = 2 * glob[4] / (ub * ub);
  print_message("channel %s%s: Cf = %.4e (Dean %.4e, %+.1f %%), U_c/U_b = %.4f (Dean %.4f) after %d iterations\n", model, wallFunctions ? " (wall functions)" : "", (double)cf, (double)dean, (double)(100 * (cf / dean - 1)), (double)(uc / ub),
                (double)deanU, (int)its);
  AssertRel(ub, 1, 1e-3, "bulk velocity");
  AssertRel(cf, dean, 0.05, "Cf (Dean)");
  AssertRel(uc / ub, deanU, 0.03, "U_c/U_b (Dean)");
  PetscFree(yPlus);
  FreeRun(&r);
}

static void test_channel_keps(void **state)
{
  (void)state;
  ChannelWallFunctions("kEpsilon", PETSC_TRUE);
}

static void test_channel_sst_wall_functions(void **state)
{
  (void)state;
  ChannelWallFunctions("kOmegaSST", PETSC_TRUE);
}

int main(int argc, char **argv)
{
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_sst_sources), cmocka_unit_test(test_sst_f1_limits), cmocka_unit_test(test_keps_sources), cmocka_unit_test(test_wall_functions),
                                     cmocka_unit_test(test_inflow),      cmocka_unit_test(test_flatplate_sst), cmocka_unit_test(test_channel_keps), cmocka_unit_test(test_channel_sst_wall_functions)};
  int                     rc;
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  rc = cmocka_run_group_tests(tests, NULL, NULL);
  PetscCall(PetscFinalize());
  return rc;
}
