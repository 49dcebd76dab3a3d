/* Tests of the sweep pieces (surrogate/gale_sweep.h): the expression
 * evaluator of derived values, the Latin-hypercube and Sobol designs, the
 * YAML editor that writes sample case files, the sweep.yaml reader with
 * its error messages, the case text of a sample and the manifest.
 * References: exact arithmetic for expressions; for the designs their
 * defining properties (one point per stratum; the (0, m, 2)-net property
 * of Sobol's first two dimensions, Sobol 1967) and scipy 1.10's
 * unscrambled qmc.Sobol for the first points; the YAML text by hand.
 * Files are written under the working directory (the build tree). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gale_sweep.h"

void openblas_set_num_threads(int);

#define CHECK(call)                                                                                                                                                                                                                                      \
  do {                                                                                                                                                                                                                                                   \
    PetscErrorCode e_ = (call);                                                                                                                                                                                                                          \
    if (e_) fail_msg("%s failed with PETSc error %d", #call, (int)e_);                                                                                                                                                                                   \
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

static void WriteFile(const char *path, const char *text)
{
  FILE *fp = fopen(path, "w");
  assert_non_null(fp);
  fputs(text, fp);
  fclose(fp);
}

/* ---- expressions ---- */

static void test_expr(void **state)
{
  const char   *names[] = {"speed", "alpha", "Re"};
  PetscReal     v[]     = {2, 30, 400};
  GaleSweepExpr e;
  char          err[256];
  (void)state;
  CHECK(GaleSweepExprCompile("speed*cos(alpha*pi/180)", 3, names, &e, err, sizeof(err)));
  assert_non_null(e);
  assert_true(fabs(GaleSweepExprEval(e, v) - 2 * cos(M_PI / 6)) < 1e-15);
  assert_true(GaleSweepExprUses(e, 0) && GaleSweepExprUses(e, 1) && !GaleSweepExprUses(e, 2));
  CHECK(GaleSweepExprDestroy(&e));
  assert_null(e);
  CHECK(GaleSweepExprCompile("1/Re", 3, names, &e, err, sizeof(err)));
  assert_true(GaleSweepExprEval(e, v) == 1.0 / 400);
  CHECK(GaleSweepExprDestroy(&e));
  /* precedence as io/expr.h: ^ right-associative, tighter than unary minus */
  CHECK(GaleSweepExprCompile("-2^2 + 2^3^2 - (1 - 3) * 4 / 2 + round(2.6) + floor(-0.5)", 3, names, &e, err, sizeof(err)));
  assert_true(GaleSweepExprEval(e, v) == -4 + 512 + 4 + 3 - 1);
  CHECK(GaleSweepExprDestroy(&e));
  /* errors say where */
  CHECK(GaleSweepExprCompile("2*spd", 3, names, &e, err, sizeof(err)));
  assert_null(e);
  assert_non_null(strstr(err, "column 3: unknown name 'spd' (expected a parameter: speed, alpha, Re"));
  CHECK(GaleSweepExprCompile("cos(alpha", 3, names, &e, err, sizeof(err)));
  assert_null(e);
  assert_non_null(strstr(err, "column 10: expected ')' to close 'cos(' at column 1"));
  CHECK(GaleSweepExprCompile("Re Re", 3, names, &e, err, sizeof(err)));
  assert_null(e);
  assert_non_null(strstr(err, "column 4: unexpected 'R' after the end"));
  CHECK(GaleSweepExprCompile("", 3, names, &e, err, sizeof(err)));
  assert_null(e);
}

/* ---- designs ---- */

/* Every dimension has exactly one point in each [k/n, (k+1)/n). */
static void AssertStratified(PetscInt n, PetscInt d, const PetscReal x[])
{
  int *hit = calloc((size_t)n, sizeof(int));
  for (PetscInt j = 0; j < d; j++) {
    memset(hit, 0, (size_t)n * sizeof(int));
    for (PetscInt i = 0; i < n; i++) {
      PetscReal u = x[i * d + j];
      int       k = (int)floor(u * n);
      if (!(u >= 0 && u < 1)) fail_msg("point %d dimension %d: %g outside [0, 1)", (int)i, (int)j, (double)u);
      if (hit[k]++) fail_msg("dimension %d: stratum %d of %d holds two points", (int)j, k, (int)n);
    }
  }
  free(hit);
}

static PetscReal MinDist(PetscInt n, PetscInt d, const PetscReal x[])
{
  PetscReal best = 1e300;
  for (PetscInt i = 0; i < n; i++)
    for (PetscInt k = i + 1; k < n; k++) {
      PetscReal s = 0;
      for (PetscInt j = 0; j < d; j++) s += (x[i * d + j] - x[k * d + j]) * (x[i * d + j] - x[k * d + j]);
      best = PetscMin(best, s);
    }
  return best;
}

static void test_lhs(void **state)
{
  PetscReal a[20 * 3], b[20 * 3], c[20 * 3];
  (void)state;
  CHECK(GaleSweepLatinHypercube(20, 3, 42, 1, a));
  AssertStratified(20, 3, a);
  CHECK(GaleSweepLatinHypercube(20, 3, 42, 50, b));
  AssertStratified(20, 3, b);
  /* the first candidate is the single design: maximin can only improve on it */
  assert_true(MinDist(20, 3, b) >= MinDist(20, 3, a));
  CHECK(GaleSweepLatinHypercube(20, 3, 42, 50, c));
  assert_memory_equal(b, c, sizeof(b)); /* deterministic in the seed */
  CHECK(GaleSweepLatinHypercube(20, 3, 43, 50, c));
  assert_memory_not_equal(b, c, sizeof(b));
  CHECK(GaleSweepLatinHypercube(1, 2, 1, 10, c));
  assert_true(c[0] >= 0 && c[0] < 1 && c[1] >= 0 && c[1] < 1);
}

/* (0, m, 2)-net: every elementary interval [a/2^i, (a+1)/2^i) x
 * [b/2^(m-i), (b+1)/2^(m-i)) holds exactly one of the first 2^m points. */
static void AssertNet2(int m, PetscInt d, const PetscReal x[])
{
  PetscInt n   = 1 << m;
  int     *hit = calloc((size_t)n, sizeof(int));
  for (int i = 0; i <= m; i++) {
    memset(hit, 0, (size_t)n * sizeof(int));
    for (PetscInt p = 0; p < n; p++) {
      int a = (int)floor(x[p * d] * (1 << i)), b = (int)floor(x[p * d + 1] * (1 << (m - i)));
      if (hit[a * (1 << (m - i)) + b]++) fail_msg("m=%d: interval %d x %d of shape 2^-%d x 2^-%d holds two points", m, a, b, i, m - i);
    }
  }
  free(hit);
}

static void test_sobol(void **state)
{
  PetscReal       x[256 * 5], y[256 * 5];
  const PetscReal first[4][2] = {{0, 0}, {0.5, 0.5}, {0.75, 0.25}, {0.25, 0.75}}; /* scipy.stats.qmc.Sobol(2, scramble=False) */
  (void)state;
  CHECK(GaleSweepSobol(256, 5, 0, x));
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 2; j++) assert_true(x[i * 5 + j] == first[i][j]);
  for (int m = 1; m <= 8; m++) {
    AssertStratified(1 << m, 5, x); /* every prefix of 2^m points */
    AssertNet2(m, 5, x);
  }
  CHECK(GaleSweepSobol(256, 5, 7, y)); /* a digital shift keeps both properties */
  assert_memory_not_equal(x, y, sizeof(x));
  for (int m = 1; m <= 8; m++) {
    AssertStratified(1 << m, 5, y);
    AssertNet2(m, 5, y);
  }
  EXPECT_ERROR(GaleSweepSobol(4, GALE_SOBOL_MAX_DIM + 1, 1, x), "at most 21 are supported");
}

/* ---- the YAML editor ---- */

static const char caseText[] = "# cavity, titled in UTF-8\n"
                               "title: \"Cavit\xc3\xa9 \xe2\x80\x94 Re=100\"\n"
                               "mesh:\n"
                               "  blocks:\n"
                               "    - box: [[0, 0, 0], [1, 1, 0.1]]\n"
                               "      cells: [12, 12, 1]   # coarse\n"
                               "fluid:\n"
                               "  nu: 0.01  # 1/Re\n"
                               "boundary:\n"
                               "  movingWall: {type: wall, U: [1, 0, 0]}\n"
                               "  fixedWalls: {type: wall}\n"
                               "solver:\n"
                               "  algorithm: SIMPLEC\n"
                               "  max_iterations: 3000\n"
                               "forces:\n"
                               "  patches: [movingWall]\n";

static void test_yaml_edit(void **state)
{
  char     *t, v[256];
  PetscBool found;
  PetscInt  n;
  (void)state;
  CHECK(PetscStrallocpy(caseText, &t));
  CHECK(GaleYamlSet("c.yaml", &t, "fluid.nu", "0.0025"));
  CHECK(GaleYamlSet("c.yaml", &t, "boundary.movingWall.U[0]", "2.5"));
  CHECK(GaleYamlSet("c.yaml", &t, "mesh.blocks[0].cells[1]", "24"));
  /* only those numbers changed; comments, style and the UTF-8 title kept */
  assert_non_null(strstr(t, "  nu: 0.0025  # 1/Re\n"));
  assert_non_null(strstr(t, "  movingWall: {type: wall, U: [2.5, 0, 0]}\n"));
  assert_non_null(strstr(t, "      cells: [12, 24, 1]   # coarse\n"));
  assert_non_null(strstr(t, "title: \"Cavit\xc3\xa9 \xe2\x80\x94 Re=100\"\n"));
  /* missing keys are added: in a block mapping on a new line, nested as flow */
  CHECK(GaleYamlSet("c.yaml", &t, "solver.relaxation.U", "0.5"));
  assert_non_null(strstr(t, "  max_iterations: 3000\n  relaxation: {U: 0.5}\n"));
  CHECK(GaleYamlSet("c.yaml", &t, "solver.relaxation.p", "0.2"));
  assert_non_null(strstr(t, "  relaxation: {U: 0.5, p: 0.2}\n"));
  CHECK(GaleYamlSet("c.yaml", &t, "boundary.fixedWalls.U", "[0, 0, 0]"));
  assert_non_null(strstr(t, "  fixedWalls: {type: wall, U: [0, 0, 0]}\n"));
  CHECK(GaleYamlSet("c.yaml", &t, "forces.reference.area", "0.1"));
  assert_non_null(strstr(t, "  patches: [movingWall]\n  reference: {area: 0.1}"));
  CHECK(GaleYamlSet("c.yaml", &t, "initial.p", "1"));
  CHECK(GaleYamlGet("c.yaml", t, "initial.p", &found, v, sizeof(v)));
  assert_true(found && !strcmp(v, "1"));
  CHECK(GaleYamlGet("c.yaml", t, "solver.relaxation.p", &found, v, sizeof(v)));
  assert_true(found && !strcmp(v, "0.2"));
  CHECK(GaleYamlGet("c.yaml", t, "fluid.rho", &found, v, sizeof(v)));
  assert_false(found);
  CHECK(GaleYamlCount("c.yaml", t, "mesh.blocks", &n));
  assert_int_equal(n, 1);
  CHECK(GaleYamlCount("c.yaml", t, "mesh.octree.geometry", &n));
  assert_int_equal(n, -1);
  /* what cannot be set */
  EXPECT_ERROR(GaleYamlSet("c.yaml", &t, "boundary.movingWall.U", "1"), "c.yaml:10: cannot set 'boundary.movingWall.U': it is a list, not a single value (set one item, e.g. [0])");
  EXPECT_ERROR(GaleYamlSet("c.yaml", &t, "boundary.movingWall.U[3]", "1"), "'boundary.movingWall.U' has 3 items");
  EXPECT_ERROR(GaleYamlSet("c.yaml", &t, "fluid.nu.x", "1"), "'fluid.nu' is a single value, not a mapping with key 'x'");
  EXPECT_ERROR(GaleYamlSet("c.yaml", &t, "mesh.blocks.box", "1"), "'mesh.blocks' is a list, not a mapping");
  EXPECT_ERROR(GaleYamlSet("c.yaml", &t, "mesh.blocks[1].x", "1"), "'mesh.blocks' has 1 items");
  EXPECT_ERROR(GaleYamlSet("c.yaml", &t, "fluid..nu", "1"), "cannot read case-file path 'fluid..nu' at column 7");
  EXPECT_ERROR(GaleYamlSet("c.yaml", &t, "U[x]", "1"), "expected an index such as [0]");
  CHECK(PetscFree(t));
  CHECK(PetscStrallocpy("a: [1,\n", &t));
  EXPECT_ERROR(GaleYamlSet("c.yaml", &t, "a[0]", "2"), "c.yaml:2: invalid YAML");
  CHECK(PetscFree(t));
  /* numbers read back exactly; integers stay integers */
  GaleYamlFormatReal(0.1, v, sizeof(v));
  assert_string_equal(v, "0.1");
  GaleYamlFormatReal(1000, v, sizeof(v));
  assert_string_equal(v, "1000");
  GaleYamlFormatReal(1.0 / 3, v, sizeof(v));
  assert_true(strtod(v, NULL) == 1.0 / 3);
  GaleYamlFormatReal(-2.5e-7, v, sizeof(v));
  assert_string_equal(v, "-2.5e-07");
  GaleYamlFormatString("a\"b\\c", v, sizeof(v));
  assert_string_equal(v, "\"a\\\"b\\\\c\"");
}

/* ---- sweep.yaml ---- */

static const char baseCase[] = "title: cavity\n"
                               "mesh:\n"
                               "  polyMesh: constant/polyMesh\n"
                               "fluid: {nu: 0.01}\n"
                               "boundary:\n"
                               "  movingWall: {type: wall, U: [1, 0, 0]}\n"
                               "  fixedWalls: {type: wall}\n"
                               "  frontAndBack: {type: empty}\n"
                               "solver: {max_iterations: 100}\n";

static void MakeSweep(const char *sweep)
{
  mkdir("sweep_t", 0755);
  WriteFile("sweep_t/case.yaml", baseCase);
  WriteFile("sweep_t/sweep.yaml", sweep);
}

static void test_sweep_read(void **state)
{
  GaleSweep sw;
  (void)state;
  MakeSweep("parameters:\n"
            "  speed: {values: [1, 2], set: \"boundary.movingWall.U[0]\"}\n"
            "  alpha: {range: \"0:30:3\"}\n"
            "  Re: {box: [100, 1000], log: true}\n"
            "sampling: {method: sobol, samples: 4, seed: 3}\n"
            "derived:\n"
            "  fluid.nu: speed/Re\n"
            "  boundary.movingWall.U[1]: speed*sin(alpha*pi/180)\n"
            "holdout:\n"
            "  - {speed: 1.5, alpha: 10, Re: 500}\n");
  CHECK(GaleSweepRead("sweep_t", &sw));
  assert_int_equal(sw->nparams, 3);
  assert_int_equal(sw->nsamples, 2 * 3 * 4); /* values x range x box samples */
  assert_int_equal(sw->nholdout, 1);
  assert_true(sw->holdout[0] == 1.5 && sw->holdout[1] == 10 && sw->holdout[2] == 500);
  for (PetscInt i = 0; i < sw->nsamples; i++) {
    const PetscReal *x = &sw->samples[3 * i];
    /* first parameter slowest, box samples fastest */
    assert_true(x[0] == (i < 12 ? 1 : 2));
    assert_true(x[1] == 15 * ((i / 4) % 3));
    assert_true(x[2] >= 100 && x[2] < 1000);
    assert_true(x[2] == sw->samples[3 * (i % 4) + 2]); /* the same box samples at every grid point */
  }
  {
    /* log: true samples log10(Re) uniformly; one Sobol point per quarter */
    int hit[4] = {0, 0, 0, 0};
    for (int i = 0; i < 4; i++) hit[(int)floor(4 * log10(sw->samples[3 * i + 2] / 100))]++;
    assert_true(hit[0] == 1 && hit[1] == 1 && hit[2] == 1 && hit[3] == 1);
  }
  {
    char     *text;
    char      dir[GALE_PATH_LEN], sub[GALE_PATH_LEN + 64], v[256];
    PetscBool found;
    assert_non_null(getcwd(dir, sizeof(dir)));
    snprintf(sub, sizeof(sub), "%s/sweep_t/sweep/sample_0000", dir);
    CHECK(GaleSweepCaseText(sw, baseCase, sw->holdout, sub, &text));
    CHECK(GaleYamlGet("t", text, "fluid.nu", &found, v, sizeof(v)));
    assert_true(found && strtod(v, NULL) == 1.5 / 500);
    CHECK(GaleYamlGet("t", text, "boundary.movingWall.U[0]", &found, v, sizeof(v)));
    assert_string_equal(v, "1.5");
    CHECK(GaleYamlGet("t", text, "boundary.movingWall.U[1]", &found, v, sizeof(v)));
    assert_true(fabs(strtod(v, NULL) - 1.5 * sin(M_PI / 18)) < 1e-15);
    /* the mesh is the base case's, reached from the sample folder */
    CHECK(GaleYamlGet("t", text, "mesh.polyMesh", &found, v, sizeof(v)));
    assert_string_equal(v, "../../constant/polyMesh");
    assert_non_null(strstr(text, "polyMesh: \"../../constant/polyMesh\"\n"));
    CHECK(PetscFree(text));
  }
  CHECK(GaleSweepDestroy(&sw));
  assert_null(sw);

  /* one parameter, Latin hypercube: the box strata hold one sample each */
  MakeSweep("parameters:\n  Re: {box: [100, 1000]}\nsampling: {method: lhs, samples: 9}\nderived: {fluid.nu: 1/Re}\n");
  CHECK(GaleSweepRead("sweep_t", &sw));
  {
    PetscReal u[9];
    for (int i = 0; i < 9; i++) u[i] = (sw->samples[i] - 100) / 900;
    AssertStratified(9, 1, u);
  }
  CHECK(GaleSweepDestroy(&sw));
}

static void test_sweep_errors(void **state)
{
  GaleSweep sw = NULL;
  (void)state;
  MakeSweep("parameters:\n  Re: {box: [100, 1000]}\nsampling: {samples: 4}\nderived: {fluid.nu: 1/Re}\nholdouts: []\n");
  EXPECT_ERROR(GaleSweepRead("sweep_t", &sw), "sweep_t/sweep.yaml:5: unknown key 'holdouts' in 'the top level' (expected one of: case, parameters, sampling, derived, holdout)");
  MakeSweep("parameters:\n  Re: {box: [100, 1000], values: [1]}\n");
  EXPECT_ERROR(GaleSweepRead("sweep_t", &sw), "sweep.yaml:2: parameter 'Re' needs exactly one of 'values', 'range' and 'box' (got 2)");
  MakeSweep("parameters:\n  Re:\n    range: 100:1000\n    set: fluid.nu\n");
  EXPECT_ERROR(GaleSweepRead("sweep_t", &sw), "sweep.yaml:3: expected start:stop:count for 'parameters.Re.range'");
  MakeSweep("parameters:\n  Re: {range: \"100:1000:2.5\", set: fluid.nu}\n");
  EXPECT_ERROR(GaleSweepRead("sweep_t", &sw), "sweep.yaml:2: expected start:stop:count");
  MakeSweep("parameters:\n  nu:\n    values: [0.01, 0.02]\n    set: fluid.nuu\n");
  EXPECT_ERROR(GaleSweepRead("sweep_t", &sw), "sweep.yaml:4: parameter 'nu': ");
  EXPECT_ERROR(GaleSweepRead("sweep_t", &sw), "'fluid.nuu' is not in the base case");
  EXPECT_ERROR(GaleSweepRead("sweep_t", &sw), "adding it gives: unknown key 'nuu' in 'fluid' (expected one of: nu, rho)");
  MakeSweep("parameters:\n  nu: {values: [0.01, 0.02], set: boundary.movingWall.U}\n");
  EXPECT_ERROR(GaleSweepRead("sweep_t", &sw), "sweep.yaml:2: parameter 'nu': ");
  MakeSweep("parameters:\n  Re: {values: [100, 200]}\nderived:\n  fluid.nu: 1/Ree\n");
  EXPECT_ERROR(GaleSweepRead("sweep_t", &sw), "sweep.yaml:4: cannot read expression '1/Ree' of 'derived.fluid.nu': column 3: unknown name 'Ree'");
  MakeSweep("parameters:\n  Re: {values: [100, 200]}\n  U: {values: [1]}\nderived:\n  fluid.nu: 1/Re\n");
  EXPECT_ERROR(GaleSweepRead("sweep_t", &sw), "sweep.yaml:3: parameter 'U' changes nothing");
  MakeSweep("parameters:\n  Re: {values: [100, 200], set: fluid.nu}\nderived:\n  fluid.nu: 1/Re\n");
  EXPECT_ERROR(GaleSweepRead("sweep_t", &sw), "sweep.yaml:4: case-file path 'fluid.nu' is set twice (also at line 2)");
  MakeSweep("parameters:\n  Re: {box: [100, 1000]}\nderived: {fluid.nu: 1/Re}\n");
  EXPECT_ERROR(GaleSweepRead("sweep_t", &sw), "sweep.yaml:2: a parameter has 'box', so a 'sampling' section is needed");
  MakeSweep("parameters:\n  Re: {box: [1000, 100]}\nsampling: {samples: 4}\nderived: {fluid.nu: 1/Re}\n");
  EXPECT_ERROR(GaleSweepRead("sweep_t", &sw), "sweep.yaml:2: 'parameters.Re.box' needs lower < upper");
  MakeSweep("parameters:\n  Re: {box: [100, 1000]}\nsampling: {method: random, samples: 4}\nderived: {fluid.nu: 1/Re}\n");
  EXPECT_ERROR(GaleSweepRead("sweep_t", &sw), "sweep.yaml:3: unknown sampling method 'random' (expected lhs or sobol)");
  MakeSweep("parameters:\n  Re: {values: [100, 200]}\n  a: {values: [1, 2], set: solver.max_iterations}\nderived: {fluid.nu: 1/Re}\nholdout:\n  - {Re: 150}\n");
  EXPECT_ERROR(GaleSweepRead("sweep_t", &sw), "sweep.yaml:6: holdout[0] gives no value for parameter 'a'");
  MakeSweep("parameters:\n  Re: {values: [100, 200]}\nderived: {fluid.nu: 1/Re}\nholdout:\n  - {Re: 150, Ma: 0.1}\n");
  EXPECT_ERROR(GaleSweepRead("sweep_t", &sw), "sweep.yaml:5: unknown parameter 'Ma' in holdout[0]");
  MakeSweep("parameters:\n  Re: {values: [100, 100]}\nderived: {fluid.nu: 1/Re}\n");
  EXPECT_ERROR(GaleSweepRead("sweep_t", &sw), "sweep.yaml:2: value 100 of parameter 'Re' is given twice");
  MakeSweep("parameters:\n  Re: {values: [100, 200]\n");
  EXPECT_ERROR(GaleSweepRead("sweep_t", &sw), "sweep.yaml:3: invalid YAML");
  MakeSweep("case: ../nowhere\nparameters:\n  Re: {values: [100, 200]}\n");
  EXPECT_ERROR(GaleSweepRead("sweep_t", &sw), "sweep.yaml:1: base case directory sweep_t/../nowhere");
  MakeSweep("parameters:\n  2Re: {values: [1]}\n");
  EXPECT_ERROR(GaleSweepRead("sweep_t", &sw), "sweep.yaml:2: parameter name '2Re' must be letters");
  EXPECT_ERROR(GaleSweepRead("no_such_dir", &sw), "no_such_dir/sweep.yaml: cannot open the sweep file");
  MakeSweep("parameters:\n  Re: {values: [0, 200]}\nderived: {fluid.nu: 1/Re}\n");
  CHECK(GaleSweepRead("sweep_t", &sw));
  {
    char *text = NULL;
    EXPECT_ERROR(GaleSweepCaseText(sw, baseCase, &sw->samples[0], "/tmp", &text), "sweep.yaml:3: derived value 'fluid.nu' = 1/Re is inf at Re=0");
  }
  CHECK(GaleSweepDestroy(&sw));
  assert_null(sw);
}

/* ---- manifest ---- */

static void test_manifest(void **state)
{
  GaleManifest   m, r;
  GaleSweepEntry e[2];
  char           names[2][GALE_NAME_LEN] = {"Re", "alpha"};
  PetscReal      p0[2] = {123.456789012345, -2}, p1[2] = {1e-300, 0.1};
  (void)state;
  mkdir("manifest_t", 0755);
  memset(&m, 0, sizeof(m));
  memset(e, 0, sizeof(e));
  snprintf(m.root, sizeof(m.root), "manifest_t");
  snprintf(m.path, sizeof(m.path), "manifest_t/manifest.csv");
  m.nparams = 2;
  m.n       = 2;
  m.names   = names;
  m.e       = e;
  snprintf(e[0].id, sizeof(e[0].id), "sample_0000");
  e[0].params     = p0;
  e[0].status     = GALE_SAMPLE_DONE;
  e[0].converged  = PETSC_TRUE;
  e[0].iterations = 812;
  e[0].wallTime   = 12.5;
  e[0].coef[0]    = -0.0771;
  e[0].coef[1]    = 0.033;
  e[0].coef[2]    = NAN;
  snprintf(e[1].id, sizeof(e[1].id), "holdout_0000");
  e[1].holdout = PETSC_TRUE;
  e[1].params  = p1;
  e[1].status  = GALE_SAMPLE_FAILED;
  e[1].coef[0] = e[1].coef[1] = e[1].coef[2] = NAN;
  snprintf(e[1].message, sizeof(e[1].message), "case.yaml:3: expected \"a number > 0\", got -1");
  CHECK(GaleManifestWrite(&m));
  assert_int_equal(access("manifest_t/manifest.csv.tmp", F_OK), -1); /* renamed into place */
  CHECK(GaleManifestRead("manifest_t", &r));
  assert_int_equal(r.n, 2);
  assert_int_equal(r.nparams, 2);
  assert_string_equal(r.names[1], "alpha");
  assert_true(r.e[0].params[0] == p0[0] && r.e[0].params[1] == p0[1] && r.e[1].params[0] == p1[0] && r.e[1].params[1] == p1[1]);
  assert_true(r.e[0].status == GALE_SAMPLE_DONE && r.e[0].converged && r.e[0].iterations == 812 && r.e[0].wallTime == 12.5);
  assert_true(r.e[0].coef[0] == -0.0771 && r.e[0].coef[1] == 0.033 && isnan(r.e[0].coef[2]));
  assert_true(r.e[1].holdout && r.e[1].status == GALE_SAMPLE_FAILED);
  assert_string_equal(r.e[1].message, e[1].message);
  CHECK(GaleManifestDestroy(&r));
  WriteFile("manifest_t/manifest.csv", "id,role,Re,status,converged,iterations,wall_time,Cd,Cl,Cm,result,message\nsample_0000,train,abc,done,,,,,,,x,\"\"\n");
  EXPECT_ERROR(GaleManifestRead("manifest_t", &r), "manifest_t/manifest.csv:2: cannot read this row");
  WriteFile("manifest_t/manifest.csv", "a,b\n");
  EXPECT_ERROR(GaleManifestRead("manifest_t", &r), "manifest_t/manifest.csv:1: not a Gale sweep manifest");
}

/* ---- sample status from its folder ---- */

static void test_sample_status(void **state)
{
  GaleSweepEntry e;
  PetscReal      p = 1;
  (void)state;
  mkdir("status_t", 0755);
  mkdir("status_t/s", 0755);
  mkdir("status_t/s/results", 0755);
  memset(&e, 0, sizeof(e));
  snprintf(e.id, sizeof(e.id), "s");
  e.params = &p;
  unlink("status_t/s/job.status");
  unlink("status_t/s/results/summary.yaml");
  CHECK(GaleSweepSampleRefresh("status_t", &e));
  assert_int_equal(e.status, GALE_SAMPLE_PENDING);
  WriteFile("status_t/s/job.status", "running host=no-such-host pid=1\n");
  CHECK(GaleSweepSampleRefresh("status_t", &e));
  assert_int_equal(e.status, GALE_SAMPLE_RUNNING);
  {
    char host[256] = "", text[512];
    gethostname(host, sizeof(host) - 1);
    snprintf(text, sizeof(text), "running host=%s pid=999999999\n", host); /* no such process */
    WriteFile("status_t/s/job.status", text);
    CHECK(GaleSweepSampleRefresh("status_t", &e));
    assert_int_equal(e.status, GALE_SAMPLE_FAILED);
    assert_non_null(strstr(e.message, "ended without an exit status"));
  }
  WriteFile("status_t/s/results/summary.yaml", "status: converged\nconverged: true\niterations: 80\ncoefficients: {Cd: -0.5, Cl: 0.25, Cm: 1}\nwall_time: 2.5\n");
  WriteFile("status_t/s/job.status", "exit 0\n");
  CHECK(GaleSweepSampleRefresh("status_t", &e));
  assert_int_equal(e.status, GALE_SAMPLE_DONE);
  assert_true(e.converged && e.iterations == 80 && e.coef[0] == -0.5 && e.coef[1] == 0.25 && e.coef[2] == 1 && e.wallTime == 2.5);
  WriteFile("status_t/s/results/summary.yaml", "status: diverged\nconverged: false\niterations: 3\n");
  WriteFile("status_t/s/job.status", "exit 2\n");
  WriteFile("status_t/s/log.txt", "Iter 1\ngale: error: solution diverged at iteration 3: field U residual exploded\nmore\n");
  CHECK(GaleSweepSampleRefresh("status_t", &e));
  assert_int_equal(e.status, GALE_SAMPLE_FAILED);
  assert_string_equal(e.message, "gale: error: solution diverged at iteration 3: field U residual exploded");
  WriteFile("status_t/s/job.status", "invalid\ns/case.yaml:8: expected a number > 0 for 'fluid.nu', got -0.01\n");
  CHECK(GaleSweepSampleRefresh("status_t", &e));
  assert_int_equal(e.status, GALE_SAMPLE_FAILED);
  assert_string_equal(e.message, "s/case.yaml:8: expected a number > 0 for 'fluid.nu', got -0.01");
}

int main(int argc, char **argv)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_expr),       cmocka_unit_test(test_lhs),          cmocka_unit_test(test_sobol),    cmocka_unit_test(test_yaml_edit),
      cmocka_unit_test(test_sweep_read), cmocka_unit_test(test_sweep_errors), cmocka_unit_test(test_manifest), cmocka_unit_test(test_sample_status),
  };
  int fails;

  openblas_set_num_threads(1);
  PetscCall(PetscOptionsSetValue(NULL, "-malloc_debug", "true"));
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  fails = cmocka_run_group_tests_name("sweep", tests, NULL, NULL);
  PetscCall(PetscFinalize());
  return fails ? 1 : 0;
}
