/* Tests of the case reader (io/case.c) and the expression evaluator
 * (io/expr.c). Case directories are written under the working directory
 * (the build tree) in tmp_io_case_npN/, by rank 0; every rank reads them.
 * Expected values are the ones written in the YAML text of each test, the
 * defaults documented in docs/case-yaml.md, or exact arithmetic. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "gale_case.h"
#include "expr.h"

#define TOL 1e-12

#define assert_near(a, b, tol)                                                                                                                                                                                                                           \
  do {                                                                                                                                                                                                                                                   \
    double a_ = (double)(a), b_ = (double)(b);                                                                                                                                                                                                           \
    if (!(fabs(a_ - b_) <= (tol))) fail_msg("%s = %.17g, expected %.17g", #a, a_, b_);                                                                                                                                                                   \
  } while (0)

static char msg[4096]; /* first message of the last error */

static PetscErrorCode CaptureError(MPI_Comm comm, int line, const char *fun, const char *file, PetscErrorCode n, PetscErrorType p, const char *mess, void *ctx)
{
  (void)comm;
  (void)line;
  (void)fun;
  (void)file;
  (void)ctx;
  if (p == PETSC_ERROR_INITIAL) snprintf(msg, sizeof(msg), "%s", mess);
  return n;
}

/* Write `text` to tmp_io_case_npN/name/case.yaml; dir gets the case dir. */
static void MakeCase(const char *name, const char *text, char dir[256])
{
  PetscMPIInt rank, size;
  char        file[300];

  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  MPI_Comm_size(PETSC_COMM_WORLD, &size);
  snprintf(dir, 256, "tmp_io_case_np%d/%s", size, name);
  if (!rank) {
    FILE *fp;
    char  top[64];
    snprintf(top, sizeof(top), "tmp_io_case_np%d", size);
    mkdir(top, 0755);
    mkdir(dir, 0755);
    snprintf(file, sizeof(file), "%s/case.yaml", dir);
    fp = fopen(file, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
  }
  MPI_Barrier(PETSC_COMM_WORLD);
}

static GaleCase *ReadOk(const char *name, const char *text)
{
  char      dir[256];
  GaleCase *cs = NULL;

  MakeCase(name, text, dir);
  msg[0] = 0;
  PetscPushErrorHandler(CaptureError, NULL);
  PetscErrorCode ierr = GaleCaseRead(PETSC_COMM_WORLD, dir, &cs);
  PetscPopErrorHandler();
  if (ierr) print_error("unexpected error: %s\n", msg);
  assert_int_equal(ierr, 0);
  assert_non_null(cs);
  return cs;
}

/* The message must start "DIR/case.yaml:LINE:" (line > 0) or contain
 * "DIR/case.yaml" (line 0), and contain every string of `has`. */
static void CheckMessage(const char *dir, int line, const char *const has[])
{
  char want[320];
  int  i;

  if (line > 0)
    snprintf(want, sizeof(want), "%s/case.yaml:%d: ", dir, line);
  else
    snprintf(want, sizeof(want), "%s/case.yaml", dir);
  if (line > 0 ? strncmp(msg, want, strlen(want)) != 0 : !strstr(msg, want)) fail_msg("message '%s' does not start with '%s'", msg, want);
  for (i = 0; has[i]; i++)
    if (!strstr(msg, has[i])) fail_msg("message '%s' lacks '%s'", msg, has[i]);
}

static void test_full_case(void **state)
{
  static const char text[] = "title: \"Two blocks\"\n"
                             "mesh:\n"
                             "  scale: 0.001\n"
                             "  blocks:\n"
                             "    - box: [[0,0,0],[1,1,0.1]]\n"
                             "      cells: [4, 5, 1]\n"
                             "      grading: [2, 0.5, 1]\n"
                             "      patches: {imin: inlet, jmin: fixedWalls, jmax: movingWall, kmin: frontAndBack, kmax: frontAndBack}\n"
                             "    - vertices: [[1,0,0],[2,0,0],[2,1,0],[1,1,0],[1,0,0.1],[2,0,0.1],[2,1,0.1],[1,1,0.1]]\n"
                             "      cells: [3, 5, 1]\n"
                             "      grading: 3\n"
                             "      patches:\n"
                             "        imax: outlet\n"
                             "        jmin: inlet2\n"
                             "        jmax: inlet3\n"
                             "        kmin: sym\n"
                             "        kmax: far\n"
                             "fluid: {nu: 0.01, rho: 1.2}\n"
                             "boundary:\n"
                             "  movingWall: {type: wall, U: [1, 0, 0]}\n"
                             "  fixedWalls: {type: wall}\n"
                             "  inlet:      {type: inlet, U: [10, 0, 0]}\n"
                             "  inlet2:     {type: inlet, U: {expression: [\"1.5*4*y*(0.41-y)/0.41^2\", \"0\", \"sin(pi*t)\"]}}\n"
                             "  inlet3:     {type: Inlet, U: {table: {axis: y, rows: [[0, 0,0,0], [0.5, 1,0,0], [1, 0,0,2]]}}}\n"
                             "  outlet:     {type: outlet, p: 2.5}\n"
                             "  frontAndBack: {type: empty}\n"
                             "  sym:        {type: symmetry}\n"
                             "  far:        {type: freestream, U: [1,0,0], p: 0}\n"
                             "initial:\n"
                             "  U: [1, 2, 3]\n"
                             "  p: 4\n"
                             "solver:\n"
                             "  algorithm: SIMPLEC\n"
                             "  convection: vanLeer\n"
                             "  gradient: leastSquares\n"
                             "  max_iterations: 500\n"
                             "  tolerance: 1e-6\n"
                             "  relaxation: {U: 0.8}\n"
                             "  non_orthogonal_correctors: 2\n"
                             "  non_orthogonal_limit: 0.5\n"
                             "  divergence_factor: 1e8\n"
                             "  linear:\n"
                             "    p: {rtol: 0.01, ksp: gmres, max_it: 50}\n"
                             "output: {interval: 50, log_interval: 10}\n"
                             "forces:\n"
                             "  patches: [movingWall, fixedWalls]\n"
                             "  reference: {area: 2, centre: [0.5, 0.5, 0], lift: [0, 0, 2]}\n";
  GaleCase         *cs     = ReadOk("full", text);
  const GaleBC     *bc;
  const PetscReal   x[3] = {0, 0.205, 0};
  PetscReal         u[3];

  (void)state;
  assert_string_equal(cs->title, "Two blocks");
  assert_int_equal(cs->mesh_source, GALE_MESH_BLOCK);
  assert_int_equal(cs->nblocks, 2);
  assert_near(cs->mesh_scale, 0.001, TOL);
  assert_near(cs->merge_tolerance, 1e-6, TOL);
  /* box corners in blockMesh order */
  assert_near(cs->blocks[0].vertices[2][0], 1, TOL);
  assert_near(cs->blocks[0].vertices[2][1], 1, TOL);
  assert_near(cs->blocks[0].vertices[2][2], 0, TOL);
  assert_near(cs->blocks[0].vertices[4][2], 0.1, TOL);
  assert_near(cs->blocks[0].vertices[7][0], 0, TOL);
  assert_near(cs->blocks[0].vertices[7][1], 1, TOL);
  assert_near(cs->blocks[1].vertices[6][0], 2, TOL);
  assert_int_equal(cs->blocks[0].cells[1], 5);
  assert_int_equal(cs->blocks[1].cells[0], 3);
  assert_near(cs->blocks[0].grading[0], 2, TOL);
  assert_near(cs->blocks[0].grading[1], 0.5, TOL);
  assert_near(cs->blocks[1].grading[2], 3, TOL);
  assert_string_equal(cs->blocks[0].patch[0], "inlet");
  assert_string_equal(cs->blocks[0].patch[1], "");
  assert_string_equal(cs->blocks[0].patch[3], "movingWall");
  assert_string_equal(cs->blocks[1].patch[0], "");
  assert_string_equal(cs->blocks[1].patch[5], "far");
  assert_near(cs->nu, 0.01, TOL);
  assert_near(cs->rho, 1.2, TOL);

  assert_int_equal(cs->nbcs, 9);
  assert_int_equal(GaleCaseFindBC(cs, "nothere"), -1);
  bc = &cs->bcs[GaleCaseFindBC(cs, "movingWall")];
  assert_int_equal(bc->type, GALE_BC_WALL);
  assert_int_equal(bc->line, 20);
  assert_near(bc->U.uniform[0], 1, TOL);
  bc = &cs->bcs[GaleCaseFindBC(cs, "fixedWalls")];
  assert_int_equal(bc->U.kind, GALE_VALUE_UNIFORM);
  assert_near(bc->U.uniform[0], 0, TOL);
  bc = &cs->bcs[GaleCaseFindBC(cs, "inlet2")];
  assert_int_equal(bc->type, GALE_BC_INLET);
  assert_int_equal(bc->U.kind, GALE_VALUE_EXPRESSION);
  assert_string_equal(bc->U.expr[0], "1.5*4*y*(0.41-y)/0.41^2");
  assert_int_equal(GaleVectorValueEval(&bc->U, x, 0.5, u), 0);
  assert_near(u[0], 1.5, 1e-12); /* parabola peak at y = 0.205 */
  assert_near(u[1], 0, TOL);
  assert_near(u[2], 1, 1e-12);
  bc = &cs->bcs[GaleCaseFindBC(cs, "inlet3")];
  assert_int_equal(bc->type, GALE_BC_INLET);
  assert_int_equal(bc->U.kind, GALE_VALUE_TABLE);
  assert_int_equal(bc->U.axis, 1);
  assert_int_equal(bc->U.nrows, 3);
  {
    const PetscReal y[5][3] = {{9, -1, 9}, {9, 0.25, 9}, {9, 0.5, 9}, {9, 0.875, 9}, {9, 7, 9}};
    const PetscReal ux[5] = {0, 0.5, 1, 0.25, 0}, uz[5] = {0, 0, 0, 1.5, 2};
    for (int i = 0; i < 5; i++) {
      assert_int_equal(GaleVectorValueEval(&bc->U, y[i], 0, u), 0);
      assert_near(u[0], ux[i], 1e-14);
      assert_near(u[2], uz[i], 1e-14);
    }
  }
  bc = &cs->bcs[GaleCaseFindBC(cs, "outlet")];
  assert_int_equal(bc->type, GALE_BC_OUTLET);
  assert_near(bc->p, 2.5, TOL);
  assert_int_equal(cs->bcs[GaleCaseFindBC(cs, "frontAndBack")].type, GALE_BC_EMPTY);
  assert_int_equal(cs->bcs[GaleCaseFindBC(cs, "sym")].type, GALE_BC_SYMMETRY);
  assert_int_equal(cs->bcs[GaleCaseFindBC(cs, "far")].type, GALE_BC_FREESTREAM);

  assert_near(cs->U0[1], 2, TOL);
  assert_near(cs->p0, 4, TOL);
  assert_int_equal(cs->algorithm, GALE_ALG_SIMPLEC);
  assert_int_equal(cs->convection, GALE_CONV_VANLEER);
  assert_int_equal(cs->gradient, GALE_GRAD_LEASTSQUARES);
  assert_int_equal(cs->max_iterations, 500);
  assert_near(cs->residual_tol[0], 1e-6, TOL);
  assert_near(cs->residual_tol[1], 1e-6, TOL);
  assert_near(cs->relax_U, 0.8, TOL);
  assert_near(cs->relax_p, 1.0, TOL); /* SIMPLEC default */
  assert_int_equal(cs->nonorth_correctors, 2);
  assert_true(cs->nonorth_limit == 0.5);
  assert_near(cs->divergence_factor, 1e8, 1);
  assert_string_equal(cs->lin_p.ksp_type, "gmres");
  assert_string_equal(cs->lin_p.pc_type, "gamg");
  assert_near(cs->lin_p.rtol, 0.01, TOL);
  assert_int_equal(cs->lin_p.max_it, 50);
  assert_string_equal(cs->lin_U.ksp_type, "bcgs");
  assert_near(cs->lin_U.rtol, 0.1, TOL);
  assert_int_equal(cs->write_interval, 50);
  assert_int_equal(cs->log_interval, 10);
  assert_int_equal(cs->nforce_patches, 2);
  assert_string_equal(cs->force_patches[1], "fixedWalls");
  assert_near(cs->ref_area, 2, TOL);
  assert_near(cs->ref_length, 1, TOL);
  assert_near(cs->ref_velocity, 10, TOL); /* |U| of the first uniform inlet */
  assert_near(cs->ref_density, 1.2, TOL); /* rho */
  assert_near(cs->cofr[0], 0.5, TOL);
  assert_near(cs->drag_dir[0], 1, TOL);
  assert_near(cs->lift_dir[2], 1, TOL); /* normalised */

  {
    const char *const ok[]      = {"movingWall", "fixedWalls", "inlet", "inlet2", "inlet3", "outlet", "frontAndBack", "sym", "far"};
    const char *const missing[] = {"movingWall", "fixedWalls", "inlet", "inlet2", "inlet3", "outlet", "frontAndBack", "sym", "far", "top"};
    const char *const has1[]    = {"'top'", "no entry in 'boundary'", "movingWall, fixedWalls", NULL};
    const char *const has2[]    = {"boundary entry 'far'", "matches no patch", "movingWall, fixedWalls", NULL};
    const char       *dir       = cs->dir;
    PetscErrorCode    ierr;

    assert_int_equal(GaleCaseCheckPatches(cs, 9, ok), 0);
    PetscPushErrorHandler(CaptureError, NULL);
    ierr = GaleCaseCheckPatches(cs, 10, missing);
    PetscPopErrorHandler();
    assert_int_equal(ierr, GALE_ERR_USER);
    CheckMessage(dir, 19, has1); /* line of 'boundary:' */
    PetscPushErrorHandler(CaptureError, NULL);
    ierr = GaleCaseCheckPatches(cs, 8, ok);
    PetscPopErrorHandler();
    assert_int_equal(ierr, GALE_ERR_USER);
    CheckMessage(dir, 28, has2); /* line of 'far:' */
  }
  assert_int_equal(GaleCaseDestroy(&cs), 0);
  assert_null(cs);
}

static void test_defaults(void **state)
{
  GaleCase *cs = ReadOk("defaults", "mesh: {polyMesh: constant/polyMesh}\nfluid: {nu: 1e-3}\nboundary:\n  walls: {type: zeroGradient}\n");
  char      want[GALE_PATH_LEN + 32];

  (void)state;
  snprintf(want, sizeof(want), "%s/constant/polyMesh", cs->dir);
  assert_int_equal(cs->mesh_source, GALE_MESH_POLYMESH);
  assert_string_equal(cs->polymesh_dir, want);
  assert_string_equal(cs->title, "");
  assert_near(cs->mesh_scale, 1, TOL);
  assert_near(cs->nu, 1e-3, TOL);
  assert_near(cs->rho, 1, TOL);
  assert_int_equal(cs->nbcs, 1);
  assert_int_equal(cs->bcs[0].type, GALE_BC_ZEROGRADIENT);
  assert_int_equal(cs->bcs[0].line, 4);
  assert_near(cs->U0[0], 0, TOL);
  assert_near(cs->p0, 0, TOL);
  assert_int_equal(cs->algorithm, GALE_ALG_SIMPLE);
  assert_int_equal(cs->convection, GALE_CONV_LINEARUPWIND);
  assert_int_equal(cs->gradient, GALE_GRAD_GAUSS);
  assert_int_equal(cs->time_scheme, GALE_TIME_EULER);
  assert_int_equal(cs->max_iterations, 1000);
  assert_near(cs->residual_tol[0], 1e-5, TOL);
  assert_near(cs->residual_tol[1], 1e-5, TOL);
  assert_near(cs->relax_U, 0.7, TOL);
  assert_near(cs->relax_p, 0.3, TOL);
  assert_int_equal(cs->nonorth_correctors, 0);
  assert_true(cs->nonorth_limit == 1); /* unlimited */
  assert_near(cs->divergence_factor, 1e6, TOL);
  assert_int_equal(cs->n_correctors, 2);
  assert_int_equal(cs->n_outer, 1);
  assert_string_equal(cs->lin_U.ksp_type, "bcgs");
  assert_string_equal(cs->lin_U.pc_type, "bjacobi");
  assert_near(cs->lin_U.rtol, 0.1, TOL);
  assert_near(cs->lin_U.atol, 1e-12, TOL);
  assert_int_equal(cs->lin_U.max_it, 200);
  assert_string_equal(cs->lin_p.ksp_type, "cg");
  assert_string_equal(cs->lin_p.pc_type, "gamg");
  assert_near(cs->lin_p.rtol, 0.05, TOL);
  assert_int_equal(cs->lin_p.max_it, 500);
  assert_int_equal(cs->write_interval, 100);
  assert_int_equal(cs->log_interval, 1);
  assert_int_equal(cs->nforce_patches, 0);
  assert_near(cs->ref_area, 1, TOL);
  assert_near(cs->ref_velocity, 1, TOL);
  assert_near(cs->ref_density, 1, TOL);
  assert_near(cs->drag_dir[0], 1, TOL);
  assert_near(cs->lift_dir[1], 1, TOL);
  assert_int_equal(GaleCaseDestroy(&cs), 0);

  cs = ReadOk("absolute", "mesh: {polyMesh: /data/pm, scale: 2}\nfluid: {nu: 1}\nboundary: {a: {type: outlet}}\n");
  assert_string_equal(cs->polymesh_dir, "/data/pm");
  assert_near(cs->mesh_scale, 2, TOL);
  assert_int_equal(GaleCaseDestroy(&cs), 0);
}

static void test_transient_defaults(void **state)
{
  GaleCase *cs = ReadOk("piso", "mesh: {polyMesh: pm}\nfluid: {nu: 1}\nboundary: {a: {type: wall}}\n"
                                "solver: {algorithm: piso, dt: 0.01, end_time: 2, time_scheme: backward, correctors: 3}\n");

  (void)state;
  assert_int_equal(cs->algorithm, GALE_ALG_PISO);
  assert_near(cs->dt, 0.01, TOL);
  assert_near(cs->end_time, 2, TOL);
  assert_int_equal(cs->time_scheme, GALE_TIME_BACKWARD);
  assert_int_equal(cs->n_correctors, 3);
  assert_int_equal(cs->n_outer, 1);
  assert_near(cs->relax_U, 1, TOL);
  assert_near(cs->relax_p, 1, TOL);
  assert_near(cs->lin_U.rtol, 1e-5, TOL);
  assert_near(cs->lin_p.rtol, 1e-6, TOL);
  assert_int_equal(GaleCaseDestroy(&cs), 0);
}

/* ---- errors: one test per case, text -> line and message contents ---- */

typedef struct {
  const char *name, *text;
  int         line;   /* 0: no line (file-level error) */
  const char *has[6]; /* NULL-terminated */
} ErrCase;

#define OK_HEAD "mesh: {polyMesh: pm}\nfluid: {nu: 1}\nboundary:\n  w: {type: wall}\n" /* 4 lines */
#define BLOCK(cells) "mesh:\n  blocks:\n    - box: [[0,0,0],[1,1,1]]\n      cells: " cells "\n      patches: {imin: w}\nfluid: {nu: 1}\nboundary:\n  w: {type: wall}\n"

static const ErrCase errs[] = {
    {"unknown_key", OK_HEAD "solver:\n  algorithm: SIMPLE\n  relax: 0.5\n", 7, {"unknown key 'relax' in 'solver'", "expected one of: algorithm, convection", "relaxation", NULL}},
    {"unknown_section", OK_HEAD "solvr: {}\n", 5, {"unknown key 'solvr' at the top level", "solver", NULL}},
    {"number_is_string", "mesh: {polyMesh: pm}\nfluid:\n  nu: abc\nboundary: {w: {type: wall}}\n", 3, {"expected a number > 0 for 'fluid.nu'", "'abc'", NULL}},
    {"number_is_quoted", "mesh: {polyMesh: pm}\nfluid:\n  nu: \"1.0\"\nboundary: {w: {type: wall}}\n", 3, {"expected a number > 0 for 'fluid.nu'", "quoted", NULL}},
    {"number_is_nan", "mesh: {polyMesh: pm}\nfluid:\n  nu: .nan\nboundary: {w: {type: wall}}\n", 3, {"expected a number > 0", "'.nan'", NULL}},
    {"number_is_inf", OK_HEAD "initial: {p: inf}\n", 5, {"expected a number for 'initial.p'", "'inf'", NULL}},
    {"number_negative", "mesh: {polyMesh: pm}\nfluid:\n  nu: -1e-3\nboundary: {w: {type: wall}}\n", 3, {"expected a number > 0 for 'fluid.nu'", "-1e-3", NULL}},
    {"integer_is_real", OK_HEAD "solver: {max_iterations: 10.5}\n", 5, {"expected a positive integer for 'solver.max_iterations'", "10.5", NULL}},
    {"nonorth_limit_above_1", OK_HEAD "solver:\n  non_orthogonal_limit: 1.5\n", 6, {"'solver.non_orthogonal_limit' = 1.5", "expected a number from 0 to 1", NULL}},
    {"mapping_is_scalar", OK_HEAD "solver: SIMPLE\n", 5, {"expected a mapping for 'solver'", "algorithm", "'SIMPLE'", NULL}},
    {"missing_key", "mesh: {polyMesh: pm}\nfluid:\n  rho: 1\nboundary: {w: {type: wall}}\n", 2, {"missing required key 'nu' in 'fluid'", NULL}},
    {"missing_section", "mesh: {polyMesh: pm}\nfluid: {nu: 1}\n", 1, {"missing required section 'boundary'", NULL}},
    {"missing_type", "mesh: {polyMesh: pm}\nfluid: {nu: 1}\nboundary:\n  w: {U: [0,0,0]}\n", 4, {"missing required key 'type' in 'boundary.w'", "wall, inlet, outlet", NULL}},
    {"missing_inlet_U", "mesh: {polyMesh: pm}\nfluid: {nu: 1}\nboundary:\n  in: {type: inlet}\n", 4, {"missing required key 'U' in 'boundary.in'", "expression", NULL}},
    {"bc_type", "mesh: {polyMesh: pm}\nfluid: {nu: 1}\nboundary:\n  w: {type: wal}\n", 4, {"unknown boundary type 'wal'", "(expected wall, inlet, outlet, symmetry, empty, freestream, zeroGradient)", NULL}},
    {"bc_key_not_used", "mesh: {polyMesh: pm}\nfluid: {nu: 1}\nboundary:\n  s:\n    type: symmetry\n    U: [1, 0, 0]\n", 6, {"key 'U' is not used by a boundary of type symmetry", NULL}},
    {"algorithm", OK_HEAD "solver: {algorithm: SIMPLER}\n", 5, {"unknown algorithm 'SIMPLER'", "SIMPLE, SIMPLEC, PISO, PIMPLE", NULL}},
    {"yaml_unclosed", "mesh: {polyMesh: pm}\nfluid:\n  nu: [1, 2\nboundary: {w: {type: wall}}\n", 3, {"invalid YAML", "flow sequence", NULL}},
    {"yaml_indent", "mesh: {polyMesh: pm}\nfluid:\n  nu: 1\n   rho: 2\nboundary: {w: {type: wall}}\n", 4, {"invalid YAML", "mapping values are not allowed", NULL}},
    {"yaml_tab", "mesh: {polyMesh: pm}\nfluid:\n\tnu: 1\n", 3, {"invalid YAML", NULL}},
    {"empty_file", "# nothing\n", 1, {"empty", "mesh", NULL}},
    {"not_a_mapping", "- mesh\n", 1, {"expected a mapping of sections", "a list of 1", NULL}},
    {"vector_length", OK_HEAD "initial:\n  U: [1, 0]\n", 6, {"expected a list of 3 numbers for 'initial.U'", "got a list of 2", NULL}},
    {"vector_is_scalar", OK_HEAD "initial:\n  U: 1\n", 6, {"expected a list of 3 numbers for 'initial.U'", "got '1'", NULL}},
    {"cells_negative", BLOCK("[4, -1, 1]"), 4, {"expected a positive integer for 'mesh.blocks[0].cells[1]'", "-1", NULL}},
    {"cells_missing", "mesh:\n  blocks:\n    - box: [[0,0,0],[1,1,1]]\n      patches: {imin: w}\nfluid: {nu: 1}\nboundary: {w: {type: wall}}\n", 3, {"missing required key 'cells' in 'mesh.blocks[0]'", NULL}},
    {"grading_zero",
     "mesh:\n  blocks:\n    - box: [[0,0,0],[1,1,1]]\n      cells: [1,1,1]\n      grading: [1, 0, 1]\n      patches: {imin: w}\nfluid: {nu: 1}\nboundary: {w: {type: wall}}\n",
     5,
     {"expected a number > 0 for 'mesh.blocks[0].grading[1]'", NULL}},
    {"box_and_vertices", "mesh:\n  blocks:\n    - box: [[0,0,0],[1,1,1]]\n      vertices: []\n      cells: [1,1,1]\nfluid: {nu: 1}\nboundary: {w: {type: wall}}\n", 3, {"both 'box' and 'vertices' (line 4)", "expected exactly one", NULL}},
    {"box_inverted", "mesh:\n  blocks:\n    - box: [[0,0,0],[1,-1,1]]\n      cells: [1,1,1]\nfluid: {nu: 1}\nboundary: {w: {type: wall}}\n", 3, {"max corner must exceed the min corner in y", NULL}},
    {"face_key",
     "mesh:\n  blocks:\n    - box: [[0,0,0],[1,1,1]]\n      cells: [1,1,1]\n      patches:\n        imin: w\n        left: w\nfluid: {nu: 1}\nboundary: {w: {type: wall}}\n",
     7,
     {"unknown key 'left' in 'mesh.blocks[0].patches'", "imin, imax, jmin, jmax, kmin, kmax", NULL}},
    {"block_patch_no_bc", BLOCK("[1, 1, 1]") "  x: {type: outlet}\n", 9, {"boundary entry 'x' names no face", NULL}},
    {"block_face_no_bc",
     "mesh:\n  blocks:\n    - box: [[0,0,0],[1,1,1]]\n      cells: [1,1,1]\n      patches: {imin: w, imax: wal}\nfluid: {nu: 1}\nboundary:\n  w: {type: wall}\n",
     5,
     {"patch 'wal' of mesh.blocks[0] has no entry in 'boundary'", "expected one of: w", NULL}},
    {"mesh_both", "mesh:\n  polyMesh: pm\n  blocks: []\nfluid: {nu: 1}\nboundary: {w: {type: wall}}\n", 2, {"both 'polyMesh' and 'blocks' (line 3)", "expected exactly one", NULL}},
    {"mesh_neither", "mesh:\n  scale: 2\nfluid: {nu: 1}\nboundary: {w: {type: wall}}\n", 1, {"expected one of: polyMesh, blocks", NULL}},
    {"duplicate_key", "mesh: {polyMesh: pm}\nfluid:\n  nu: 1\n  nu: 2\nboundary: {w: {type: wall}}\n", 4, {"duplicate key 'nu' in 'fluid'", "first given at line 3", NULL}},
    {"duplicate_patch", OK_HEAD "  w: {type: outlet}\n", 5, {"duplicate key 'w' in 'boundary'", "line 4", NULL}},
    {"relaxation_range", OK_HEAD "solver:\n  relaxation: {U: 1.5, p: 0.3}\n", 6, {"expected a number in (0, 1] for 'solver.relaxation.U'", "1.5", NULL}},
    {"transient_no_dt", OK_HEAD "solver:\n  algorithm: PIMPLE\n  end_time: 1\n", 5, {"missing required key 'dt' in 'solver'", NULL}},
    {"piso_outer", OK_HEAD "solver: {algorithm: PISO, dt: 1, end_time: 2, outer_correctors: 3}\n", 5, {"PISO takes no outer correctors", "PIMPLE", NULL}},
    {"expression_syntax", OK_HEAD "  in:\n    type: inlet\n    U: {expression: [\"1.5*y*(1-y\", \"0\", \"0\"]}\n", 7, {"'1.5*y*(1-y'", "column 11", "expected ')'", NULL}},
    {"expression_name", OK_HEAD "  in: {type: inlet, U: {expression: [\"0\", \"0\", \"2*sinn(y)\"]}}\n", 5, {"column 3", "unknown name 'sinn'", "sin, cos", NULL}},
    {"expression_count", OK_HEAD "  in: {type: inlet, U: {expression: [\"y\"]}}\n", 5, {"expected a list of 3 expressions", NULL}},
    {"table_one_row", OK_HEAD "  in: {type: inlet, U: {table: {axis: y, rows: [[0, 1, 0, 0]]}}}\n", 5, {"expected a list of 2 to 1024 rows", "a list of 1", NULL}},
    {"table_unsorted", OK_HEAD "  in:\n    type: inlet\n    U:\n      table:\n        axis: z\n        rows:\n          - [0, 1, 0, 0]\n          - [1, 1, 0, 0]\n          - [0.5, 1, 0, 0]\n", 13, {"sorted by increasing z", NULL}},
    {"table_row_length", OK_HEAD "  in: {type: inlet, U: {table: {axis: y, rows: [[0, 1, 0, 0], [1, 1, 0]]}}}\n", 5, {"expected a list of 4 numbers", NULL}},
    {"table_axis", OK_HEAD "  in: {type: inlet, U: {table: {axis: r, rows: [[0, 1, 0, 0], [1, 1, 0, 0]]}}}\n", 5, {"unknown axis 'r'", "x, y, z", NULL}},
    {"value_both", OK_HEAD "  in: {type: inlet, U: {expression: [\"1\",\"0\",\"0\"], table: {}}}\n", 5, {"both 'expression' and 'table'", NULL}},
    {"forces_not_wall", OK_HEAD "  o: {type: outlet}\nforces:\n  patches: [w, o]\n", 7, {"forces patch 'o' is of type outlet", "expected a wall patch: w", NULL}},
    {"forces_unknown", OK_HEAD "forces:\n  patches:\n    - ww\n", 7, {"forces patch 'ww' has no entry in 'boundary'", "expected a wall patch: w", NULL}},
    {"forces_zero_dir", OK_HEAD "forces:\n  reference: {drag: [0, 0, 0]}\n", 6, {"'forces.reference.drag' is a zero vector", NULL}},
    {"linear_key", OK_HEAD "solver:\n  linear:\n    p: {tol: 1}\n", 7, {"unknown key 'tol' in 'solver.linear.p'", "ksp, pc, rtol, atol, max_it", NULL}},
};

static void test_error(void **state)
{
  const ErrCase *ec = (const ErrCase *)*state;
  char           dir[256];
  GaleCase      *cs = (GaleCase *)0x1;
  PetscErrorCode ierr;
  PetscLogDouble before, after;

  MakeCase(ec->name, ec->text, dir);
  msg[0] = 0;
  PetscMallocGetCurrentUsage(&before);
  PetscPushErrorHandler(CaptureError, NULL);
  ierr = GaleCaseRead(PETSC_COMM_WORLD, dir, &cs);
  PetscPopErrorHandler();
  PetscMallocGetCurrentUsage(&after);
  if (ierr != GALE_ERR_USER) fail_msg("%s: expected GALE_ERR_USER, got %d (message '%s')", ec->name, (int)ierr, msg);
  assert_null(cs);
  assert_true(after == before); /* nothing leaked (tracked with -malloc_debug) */
  CheckMessage(dir, ec->line, ec->has);
}

static void test_missing_file(void **state)
{
  GaleCase         *cs    = NULL;
  const char *const has[] = {"cannot open", "No such file", NULL};
  PetscErrorCode    ierr;

  (void)state;
  PetscPushErrorHandler(CaptureError, NULL);
  ierr = GaleCaseRead(PETSC_COMM_WORLD, "no/such/dir", &cs);
  PetscPopErrorHandler();
  assert_int_equal(ierr, GALE_ERR_USER);
  assert_null(cs);
  CheckMessage("no/such/dir", 0, has);
}

/* ---- expression evaluator ---- */

static PetscReal Eval(const char *src, PetscReal xv, PetscReal yv, PetscReal zv, PetscReal t)
{
  GaleExpr       *e = NULL;
  char            err[256];
  const PetscReal x[3] = {xv, yv, zv};
  PetscReal       v;

  assert_int_equal(GaleExprCompile(src, &e, err, sizeof(err)), 0);
  if (!e) fail_msg("'%s' did not compile: %s", src, err);
  v = GaleExprEval(e, x, t);
  assert_int_equal(GaleExprDestroy(&e), 0);
  assert_null(e);
  return v;
}

static void test_expr_values(void **state)
{
  (void)state;
  assert_near(Eval("1 + 2*3", 0, 0, 0, 0), 7, TOL);
  assert_near(Eval("(1 + 2)*3", 0, 0, 0, 0), 9, TOL);
  assert_near(Eval("2^3^2", 0, 0, 0, 0), 512, TOL); /* right-associative */
  assert_near(Eval("-2^2", 0, 0, 0, 0), -4, TOL);
  assert_near(Eval("2^-1", 0, 0, 0, 0), 0.5, TOL);
  assert_near(Eval("8/4/2", 0, 0, 0, 0), 1, TOL);
  assert_near(Eval("1-2-3", 0, 0, 0, 0), -4, TOL);
  assert_near(Eval("--3", 0, 0, 0, 0), 3, TOL);
  assert_near(Eval(" 1e-3 * 2.5E2 ", 0, 0, 0, 0), 0.25, TOL);
  assert_near(Eval(".5 + 1.", 0, 0, 0, 0), 1.5, TOL);
  assert_near(Eval("x + 10*y + 100*z + 1000*t", 1, 2, 3, 4), 4321, TOL);
  assert_near(Eval("sin(pi/2) + cos(0) + tan(0)", 0, 0, 0, 0), 2, TOL);
  assert_near(Eval("exp(log(3)) + sqrt(16) + abs(-2) + tanh(0)", 0, 0, 0, 0), 9, 1e-14);
  assert_near(Eval("1.5*4*y*(0.41-y)/0.41^2", 0, 0.205, 0, 0), 1.5, 1e-14);
  assert_near(Eval("x*x - 2*x + 1", 3, 0, 0, 0), 4, TOL);
  {
    GaleExpr *e;
    char      err[64];
    assert_int_equal(GaleExprCompile("sin(t)*y", &e, err, sizeof(err)), 0);
    assert_true(GaleExprDependsOnTime(e));
    assert_int_equal(GaleExprDestroy(&e), 0);
    assert_int_equal(GaleExprCompile("y*y", &e, err, sizeof(err)), 0);
    assert_false(GaleExprDependsOnTime(e));
    assert_int_equal(GaleExprDestroy(&e), 0);
  }
}

static void test_expr_errors(void **state)
{
  static const struct {
    const char *src, *has;
  } bad[] = {
      {"", "column 1: empty expression"},
      {"1 +", "column 4: expected a number, x, y, z, t, pi, a function or '('"},
      {"(1 + 2", "column 7: expected ')' to close '(' at column 1"},
      {"1 + 2)", "column 6: unmatched ')'"},
      {"2x", "column 2: unexpected 'x' (expected an operator"},
      {"foo(1)", "column 1: unknown name 'foo' (expected x, y, z, t, pi or a function: sin, cos"},
      {"sin 1", "column 5: expected '(' after function 'sin'"},
      {"1e+", "column 2: malformed number"},
      {"1e999", "column 1: number '1e999' is out of range"},
      {"3 $ 4", "column 3: unexpected '$'"},
      {"* 2", "column 1: expected a number"},
      {"((((((((((((((((((((((((((((((((((((((((((((((((((((((((((1))))))))))))))))))))))))))))))))))))))))))))))))))))))))))", "nested too deeply"},
  };
  char      err[256];
  GaleExpr *e;
  size_t    i;

  (void)state;
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    e = (GaleExpr *)0x1;
    assert_int_equal(GaleExprCompile(bad[i].src, &e, err, sizeof(err)), 0);
    assert_null(e);
    if (!strstr(err, bad[i].has)) fail_msg("'%s': message '%s' lacks '%s'", bad[i].src, err, bad[i].has);
  }
}

int main(int argc, char **argv)
{
  const size_t      nerr                                      = sizeof(errs) / sizeof(errs[0]);
  struct CMUnitTest tests[5 + sizeof(errs) / sizeof(errs[0])] = {
      cmocka_unit_test(test_full_case), cmocka_unit_test(test_defaults), cmocka_unit_test(test_transient_defaults), cmocka_unit_test(test_missing_file), cmocka_unit_test(test_expr_values),
  };
  struct CMUnitTest more = cmocka_unit_test(test_expr_errors);
  int               fails;
  size_t            i;

  /* Track PETSc allocations so test_error can check nothing leaks. */
  PetscCall(PetscOptionsSetValue(NULL, "-malloc_debug", "true"));
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  for (i = 0; i < nerr; i++) {
    tests[5 + i].name          = errs[i].name;
    tests[5 + i].test_func     = test_error;
    tests[5 + i].setup_func    = NULL;
    tests[5 + i].teardown_func = NULL;
    tests[5 + i].initial_state = (void *)&errs[i];
  }
  fails = _cmocka_run_group_tests("io_case", tests, 5 + nerr, NULL, NULL);
  fails += _cmocka_run_group_tests("io_expr", &more, 1, NULL, NULL);
  PetscCall(PetscFinalize());
  return fails ? 1 : 0;
}
