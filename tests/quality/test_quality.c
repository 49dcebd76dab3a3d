/* Tests of mesh/quality.c (GaleMeshComputeQuality and the gate) on
 * distributed meshes (run at 1 and 2 ranks: the numbers must not depend on
 * the rank count). References are analytic, from OpenFOAM checkMesh's
 * definitions (primitiveMeshCheck / primitiveMeshTools, v1912) worked out by
 * hand in the comments:
 *   box of 1 x 0.5 x 0.25 cells: no non-orthogonality or skewness, aspect
 *     ratio 4, determinant per cell class from its internal faces;
 *   parallelogram cells sheared by 30 degrees: non-orthogonality 30 on every
 *     internal face, skewness tan 30 on the bottom and top faces, aspect
 *     ratio 1 + tan 30;
 *   octree box refinement: cells per level counted by hand (tests/octree),
 *     non-orthogonality atan(sqrt(2)/3) where a cube meets one half its size;
 *   an inverted and an open cell: the gate's errors. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include "gale_mesh.h"
#include "gale_case.h"
#include "gale_octree.h"

#define CHECK(call) assert_int_equal(0, (int)(call))
#define NEAR(a, b, tol) assert_true(PetscAbsReal((PetscReal)(a) - (PetscReal)(b)) <= (tol))

static const char *const BoxNames[6] = {"xmin", "xmax", "ymin", "ymax", "zmin", "zmax"};
static char              gError[4096];

static PetscErrorCode CaptureError(MPI_Comm comm, int line, const char *fun, const char *file, PetscErrorCode n, PetscErrorType p, const char *mess, void *ctx)
{
  (void)comm, (void)line, (void)fun, (void)file, (void)ctx;
  if (p == PETSC_ERROR_INITIAL) snprintf(gError, sizeof(gError), "%s", mess ? mess : "");
  return n;
}

/* Block mesh of one hexahedral block with vertices v (blockMesh order). */
static GaleMesh BlockMesh(const PetscReal v[8][3], PetscInt nx, PetscInt ny, PetscInt nz)
{
  GaleCase *cs;
  GaleMesh  m;

  assert_int_equal(0, PetscCalloc1(1, &cs));
  cs->mesh_source     = GALE_MESH_BLOCK;
  cs->merge_tolerance = 1e-6;
  cs->mesh_scale      = 1;
  cs->nblocks         = 1;
  memcpy(cs->blocks[0].vertices, v, sizeof(cs->blocks[0].vertices));
  cs->blocks[0].cells[0] = nx, cs->blocks[0].cells[1] = ny, cs->blocks[0].cells[2] = nz;
  cs->blocks[0].grading[0] = cs->blocks[0].grading[1] = cs->blocks[0].grading[2] = 1;
  for (int s = 0; s < 6; s++) snprintf(cs->blocks[0].patch[s], GALE_NAME_LEN, "%s", BoxNames[s]);
  CHECK(GaleMeshBuildFromCase(PETSC_COMM_WORLD, cs, &m));
  CHECK(PetscFree(cs));
  return m;
}

static void BoxVertices(const PetscReal L[3], PetscReal v[8][3])
{
  for (int k = 0; k < 8; k++) {
    v[k][0] = (k == 1 || k == 2 || k == 5 || k == 6) ? L[0] : 0;
    v[k][1] = (k == 2 || k == 3 || k == 6 || k == 7) ? L[1] : 0;
    v[k][2] = k >= 4 ? L[2] : 0;
  }
}

static void Quality(GaleMesh global, GaleMeshQuality *q, GaleMesh *local)
{
  GaleMesh l;
  CHECK(GaleMeshDistribute(global, PETSC_COMM_WORLD, &l));
  CHECK(GaleMeshComputeQuality(l, q));
  CHECK(GaleMeshQualityView(l, q));
  if (local)
    *local = l;
  else
    CHECK(GaleMeshDestroy(&l));
}

/* 3 x 3 x 3 box, 3 x 6 x 12 cells of 1 x 0.5 x 0.25 (face areas Ax = 0.125,
 * Ay = 0.25, Az = 0.5). Aspect ratio: sum |Sf_i| per direction = 2 Ai =
 * (0.25, 0.5, 1): max/min = 4, above the 3D bound (0.25 + 0.5 + 1) /
 * (6 V^(2/3)) = 1.75 / (6 * 0.25) = 1.17. Determinant: a cell with n_i
 * internal faces normal to i has T = diag(n_i (Ai/a)^2), a = sum n_i Ai /
 * sum n_i, so det/8 = prod(n_i Ai^2) / a^6 / 8; n_i = 1 for the first and
 * last cell of a row, 2 otherwise. */
static void test_box(void **state)
{
  const PetscReal L[3] = {3, 3, 3}, A[3] = {0.125, 0.25, 0.5};
  const PetscInt  N[3] = {3, 6, 12};
  PetscReal       v[8][3], detMin = PETSC_MAX_REAL, detSum = 0;
  GaleMeshQuality q;
  GaleMesh        g;

  (void)state;
  BoxVertices(L, v);
  g = BlockMesh(v, N[0], N[1], N[2]);
  Quality(g, &q, NULL);
  for (int c = 0; c < 8; c++) { /* the 8 classes of (n_x, n_y, n_z) */
    PetscInt  n[3], count = 1, sn = 0;
    PetscReal prod = 1, sa = 0, a, det;
    for (int d = 0; d < 3; d++) {
      n[d] = (c >> d) & 1 ? 2 : 1;
      count *= n[d] == 1 ? 2 : N[d] - 2;
      prod *= n[d] * A[d] * A[d];
      sa += n[d] * A[d];
      sn += n[d];
    }
    a      = sa / sn;
    det    = prod / PetscPowReal(a, 6) / 8;
    detMin = PetscMin(detMin, det);
    detSum += count * det;
  }
  assert_int_equal(216, q.nCells);
  assert_int_equal(216, q.nType[GALE_CELL_HEX]);
  assert_int_equal(0, q.nType[GALE_CELL_POLY]);
  assert_int_equal(0, q.nLevels);
  for (int d = 0; d < 3; d++) assert_int_equal(1, q.geometricD[d]);
  assert_int_equal(2 * 6 * 12 + 3 * 5 * 12 + 3 * 6 * 11, q.nInternalFaces);
  assert_int_equal(2 * (6 * 12 + 3 * 12 + 3 * 6), q.nBoundaryFaces);
  NEAR(q.maxNonOrth, 0, 1e-5); /* acos(1 - round-off) */
  NEAR(q.avgNonOrth, 0, 1e-5);
  NEAR(q.maxSkewness, 0, 1e-10);
  NEAR(q.maxAspectRatio, 4, 1e-12);
  NEAR(q.minVolume, 0.125, 1e-15);
  NEAR(q.maxVolume, 0.125, 1e-15);
  NEAR(q.totalVolume, 27, 1e-12);
  NEAR(q.minFaceArea, 0.125, 1e-15);
  NEAR(q.maxFaceArea, 0.5, 1e-15);
  NEAR(q.minDeterminant, detMin, 1e-12);
  NEAR(q.avgDeterminant, detSum / 216, 1e-12);
  NEAR(q.maxOpenness, 0, 1e-14);
  assert_int_equal(0, q.nFailed);
  for (int d = 0; d < 3; d++) {
    NEAR(q.bboxLo[d], 0, 0);
    NEAR(q.bboxHi[d], 3, 0);
  }
  { /* the global mesh, which every rank holds whole: the same numbers, not counted once per rank */
    GaleMeshQuality qg;
    CHECK(GaleMeshComputeQuality(g, &qg));
    assert_int_equal(q.nCells, qg.nCells);
    assert_int_equal(q.nInternalFaces, qg.nInternalFaces);
    assert_int_equal(q.nBoundaryFaces, qg.nBoundaryFaces);
    NEAR(qg.totalVolume, 27, 1e-12);
    NEAR(qg.avgDeterminant, q.avgDeterminant, 1e-12);
  }
  CHECK(GaleMeshDestroy(&g));
}

/* 8 x 8 parallelogram cells of side h = 1/8, sheared by theta = 30 degrees
 * (x -> x + y tan theta), one cell thick between empty patches (2D).
 * Internal faces: the sides have normal (1, -tan)/|.| against d = (h, 0),
 * the bottoms normal (0, 1) against d = (h tan, h): 30 degrees each, and d
 * passes through the face centre (no skewness). Boundary bottom/top faces:
 * from the cell centre to the face centre Cpf = (-h tan/2, -h/2); checkMesh
 * mirrors the cell, d = n (n.Cpf) = (0, -h/2), s = Cpf - d = (-h tan/2, 0),
 * normalised by the half face width h/2 (> 0.4 |d|): skewness tan 30. Side
 * boundary faces give sin cos = 0.433 < tan 30. Aspect ratio over the two
 * geometric directions: sum |S_x| = 2 t h, sum |S_y| = 2 t h (1 + tan). */
static void test_sheared(void **state)
{
  const PetscReal t = 0.1, th = PETSC_PI / 6, s = PetscTanReal(th), h = 1.0 / 8;
  PetscReal       v[8][3];
  GaleMeshQuality q;
  GaleMesh        g, l;
  PetscReal      *no, *sk;

  (void)state;
  BoxVertices((const PetscReal[3]){1, 1, t}, v);
  for (int k = 0; k < 8; k++) v[k][0] += v[k][1] * s;
  g = BlockMesh(v, 8, 8, 1);
  for (PetscInt p = 0; p < g->nPatches; p++)
    if (!strcmp(g->patches[p].name, "zmin") || !strcmp(g->patches[p].name, "zmax")) snprintf(g->patches[p].type, sizeof(g->patches[p].type), "empty");
  Quality(g, &q, &l);
  assert_int_equal(1, q.geometricD[0]);
  assert_int_equal(1, q.geometricD[1]);
  assert_int_equal(-1, q.geometricD[2]);
  assert_int_equal(64, q.nType[GALE_CELL_HEX]);
  NEAR(q.maxNonOrth, 30, 1e-9);
  NEAR(q.avgNonOrth, 30, 1e-9);
  assert_int_equal(0, q.nSevereNonOrth);
  NEAR(q.maxSkewness, s, 1e-12);
  NEAR(q.maxAspectRatio, 1 + s, 1e-12);
  NEAR(q.minVolume, h * h * t, 1e-15);
  NEAR(q.totalVolume, t, 1e-14);
  assert_int_equal(0, q.nFailed);
  /* per-cell fields: 30 degrees everywhere; skewness by row/column */
  assert_int_equal(0, PetscMalloc2(l->nCells + 1, &no, l->nCells + 1, &sk));
  CHECK(GaleMeshQualityCellFields(l, no, sk));
  for (PetscInt c = 0; c < l->nCells; c++) {
    const PetscReal y = l->cellCentres[3 * c + 1], x = l->cellCentres[3 * c] - y * s;
    NEAR(no[c], 30, 1e-9);
    if (y < h || y > 1 - h)
      NEAR(sk[c], s, 1e-12);
    else if (x < h || x > 1 - h)
      NEAR(sk[c], PetscSinReal(th) * PetscCosReal(th), 1e-12);
    else
      NEAR(sk[c], 0, 1e-10);
  }
  CHECK(PetscFree2(no, sk));
  CHECK(GaleMeshDestroy(&l));
  CHECK(GaleMeshDestroy(&g));
}

/* 4^3 background grid on the unit cube, a box region in one corner cell at
 * level 2 (tests/octree/test_octree.c, test_box_region): that cell's 64
 * level-2 cells, its 7 neighbours split once for balance (56 level-1 cells)
 * and the other 56 background cells: L0 56, L1 56, L2 64. The level travels
 * through GaleMeshDistribute with the cells. */
static void test_octree_levels(void **state)
{
  const PetscReal   lo[3] = {0.05, 0.05, 0.05}, hi[3] = {0.2, 0.2, 0.2};
  GaleOctreeOptions opt;
  GaleOctree        o;
  GaleMesh          g;
  GaleMeshQuality   q;
  PetscInt          ntypes = 0;

  (void)state;
  memset(&opt, 0, sizeof(opt));
  for (int d = 0; d < 3; d++) {
    opt.hi[d]     = 1;
    opt.cells[d]  = 4;
    opt.refine[d] = PETSC_TRUE;
  }
  for (int s = 0; s < 6; s++) {
    snprintf(opt.patch[s], GALE_NAME_LEN, "%s", BoxNames[s]);
    snprintf(opt.patchType[s], 32, "patch");
  }
  opt.cellsBetweenLevels = 1;
  CHECK(GaleOctreeCreate(PETSC_COMM_WORLD, &opt, &o));
  CHECK(GaleOctreeAddBoxRegion(o, lo, hi, 2));
  CHECK(GaleOctreeRefine(o));
  CHECK(GaleOctreeSelectFluid(o));
  CHECK(GaleOctreeBuildMesh(o, &g));
  CHECK(GaleOctreeDestroy(&o));
  assert_non_null(g->cellLevel);
  Quality(g, &q, NULL);
  assert_int_equal(176, q.nCells);
  assert_int_equal(3, q.nLevels);
  assert_int_equal(56, q.nPerLevel[0]);
  assert_int_equal(56, q.nPerLevel[1]);
  assert_int_equal(64, q.nPerLevel[2]);
  for (int t = 0; t < GALE_CELL_NTYPES; t++) ntypes += q.nType[t];
  assert_int_equal(176, ntypes);
  assert_true(q.nType[GALE_CELL_POLY] > 0); /* coarse cells beside finer ones */
  NEAR(q.totalVolume, 1, 1e-12);
  /* equal levels meet orthogonally; a cube of side H beside one of H/2:
   * d = (3H/4 normal, H/4 and H/4 tangential), atan(sqrt(2)/3) */
  NEAR(q.maxNonOrth, PetscAtanReal(PetscSqrtReal(2.0) / 3) * 180 / PETSC_PI, 1e-9);
  assert_int_equal(0, q.nNegVolume + q.nOpen);
  CHECK(GaleMeshDestroy(&g));
}

static void ExpectGateError(GaleMesh l, const GaleMeshQuality *q, const char *what)
{
  PetscErrorCode ierr;
  gError[0] = 0;
  CHECK(PetscPushErrorHandler(CaptureError, NULL));
  ierr = GaleMeshQualityCheck(l, q);
  CHECK(PetscPopErrorHandler());
  assert_int_equal(GALE_ERR_USER, ierr);
  if (!strstr(gError, what)) fprintf(stderr, "message \"%s\" lacks \"%s\"\n", gError, what);
  assert_non_null(strstr(gError, what));
}

/* Two unit cubes along x; the middle plane moved to x = 2.5 turns the
 * second cell inside out (volume 2 - 2.5 = -0.5, centre still at x = 2.25).
 * Then, on a fresh mesh, one boundary face turned the wrong way leaves its
 * cell open: the sum of its outward area vectors is 2 Sf. */
static void test_gate(void **state)
{
  PetscReal       v[8][3];
  GaleMeshQuality q;
  GaleMesh        g, l;

  (void)state;
  BoxVertices((const PetscReal[3]){2, 1, 1}, v);
  g = BlockMesh(v, 2, 1, 1);
  for (PetscInt i = 0; i < g->nPoints; i++)
    if (PetscAbsReal(g->points[3 * i] - 1) < 1e-12) g->points[3 * i] = 2.5;
  CHECK(GaleMeshComputeGeometry(g));
  Quality(g, &q, &l);
  assert_int_equal(1, q.nNegVolume);
  NEAR(q.minVolume, -0.5, 1e-14);
  NEAR(q.negVolumeCentre[0], 2.25, 1e-12);
  assert_true(q.nFailed >= 1);
  ExpectGateError(l, &q, "1 cell with zero or negative volume (smallest -0.5 m^3, at (2.25, 0.5, 0.5))");
  CHECK(GaleMeshDestroy(&l));
  CHECK(GaleMeshDestroy(&g));

  g = BlockMesh(v, 2, 1, 1);
  {
    const PetscInt f = g->patches[0].start, s = g->faceOffsets[f], n = g->faceOffsets[f + 1] - s; /* xmin: cell 0 */
    for (PetscInt i = 0; i < n / 2; i++) {
      const PetscInt tmp           = g->facePoints[s + i];
      g->facePoints[s + i]         = g->facePoints[s + n - 1 - i];
      g->facePoints[s + n - 1 - i] = tmp;
    }
  }
  CHECK(GaleMeshComputeGeometry(g));
  Quality(g, &q, &l);
  assert_int_equal(0, q.nNegVolume);
  assert_int_equal(1, q.nOpen);
  NEAR(q.maxOpenness, 1, 1e-12); /* x: |2 Sf| / (2 |Sf|) */
  ExpectGateError(l, &q, "1 open cell");
  CHECK(GaleMeshDestroy(&l));
  CHECK(GaleMeshDestroy(&g));
}

int main(int argc, char **argv)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_box),
      cmocka_unit_test(test_sheared),
      cmocka_unit_test(test_octree_levels),
      cmocka_unit_test(test_gate),
  };
  int fails;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  fails = cmocka_run_group_tests(tests, NULL, NULL);
  PetscCall(PetscFinalize());
  return fails ? 1 : 0;
}
