/* Tests of the wall layers (mesh/layers.c) on meshes of the octree mesher.
 *
 * References are analytic or structural: layers only re-divide the fluid,
 * so the total volume before and after must agree to round-off (the
 * boundary keeps its shape: the side faces of the layers lie in the planes
 * of the boundaries they meet); n layers on every layer face add n x (layer
 * faces) cells; every cell stays closed with positive volume; on a flat
 * wall of a uniform mesh (the side of a channel, h = 1/8) the layer
 * thicknesses follow the geometric series from the options alone: the
 * outermost layer is final_thickness h, the one on the wall
 * final_thickness h / r^(n-1) (snappyHexMesh's relativeSizes definition);
 * points on the floor and on the empty planes of a 2D case stay on them.
 * The mesh is built on every rank: 1 and 2 ranks must give the same mesh. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include "gale_octree.h"
#include "gale_layers.h"
#include "../gale_test.h"
#include "octree_test.h"

/* Snapped mesh of surface s (or the plain box when s is NULL) at level L. */
static void Build(const GaleOctreeOptions *opt, GaleSurface s, PetscInt L, GaleMesh *mesh)
{
  GaleOctree      o;
  GaleSnapStats   st;
  GaleSnapOptions so = {.featureAngle = opt->featureAngle, .patchSmooth = 3, .smoothLayers = 4, .iterations = 8, .maxNonOrtho = 75, .features = PETSC_FALSE};

  CHECK(GaleOctreeCreate(PETSC_COMM_WORLD, opt, &o));
  if (s) {
    const char *patch[1] = {s->regionNames[0]};
    CHECK(GaleOctreeAddSurface(o, s, s->regionNames[0], L, L, patch, NULL));
  }
  CHECK(GaleOctreeRefine(o));
  CHECK(GaleOctreeSelectFluid(o));
  CHECK(GaleOctreeBuildMesh(o, mesh));
  if (s) CHECK(GaleOctreeSnap(o, &so, mesh, &st));
  CHECK(GaleOctreeDestroy(&o));
  CHECK(GaleMeshCheck(*mesh));
}

static GaleLayerOptions Options(const char *patch, PetscInt n, PetscReal r, PetscReal final)
{
  GaleLayerOptions opt;
  memset(&opt, 0, sizeof(opt));
  opt.nPatches = 1;
  snprintf(opt.patches[0], GALE_NAME_LEN, "%s", patch);
  opt.number         = n;
  opt.expansion      = r;
  opt.finalThickness = final;
  opt.smoothLayers   = 5;
  opt.iterations     = 20;
  opt.maxNonOrtho    = 85;
  opt.strict         = PETSC_TRUE; /* as gale mesh runs it */
  return opt;
}

/* Every cell closed with a positive volume, and every face pyramid positive. */
static void CheckCells(GaleMesh m)
{
  CheckClosed(m);
  /* face pyramids (checkMesh): each cell centre lies behind each of its
   * faces; a layer cell thinner than its warped face breaks this and the
   * solver's interpolation weights with it, so strict layers exclude it */
  for (PetscInt f = 0; f < m->nFaces; f++) {
    const PetscReal *S = m->faceAreas + 3 * f, *Cf = m->faceCentres + 3 * f, *Co = m->cellCentres + 3 * m->owner[f];
    assert_true(S[0] * (Cf[0] - Co[0]) + S[1] * (Cf[1] - Co[1]) + S[2] * (Cf[2] - Co[2]) > 0);
    if (f < m->nInternalFaces) {
      const PetscReal *Cn = m->cellCentres + 3 * m->neighbour[f];
      assert_true(S[0] * (Cn[0] - Cf[0]) + S[1] * (Cn[1] - Cf[1]) + S[2] * (Cn[2] - Cf[2]) > 0);
    }
  }
  CHECK(GaleMeshCheck(m));
}

/* The checks every layered mesh must pass against the mesh before: closed
 * cells, volume conserved, n new cells per layer face, each layer face now
 * owned by a new cell (the wall cell of its stack), the patch sizes of the
 * chosen patch unchanged; and the same mesh on every rank. */
static void CheckLayered(GaleMesh before, GaleMesh after, const char *patch, PetscInt n, const GaleLayerStats *st)
{
  const PetscInt  pb = GaleMeshFindPatch(before, patch), pa = GaleMeshFindPatch(after, patch);
  const PetscReal v0 = TotalVolume(before), v1 = TotalVolume(after);
  PetscReal       sum      = 0, lo[2], hi[2];
  PetscInt        nLayered = 0;

  CheckCells(after);
  /* strict layers leave a few faces without layers (at most 1 %) */
  assert_true(st->nExcluded >= 0 && 100 * st->nExcluded <= before->patches[pb].size);
  assert_true(PetscAbsReal(v1 - v0) <= 1e-11 * v0);
  assert_int_equal(after->nCells, before->nCells + n * (before->patches[pb].size - st->nExcluded));
  assert_int_equal(st->nLayerFaces, before->patches[pb].size);
  assert_int_equal(st->nCellsAdded, n * (before->patches[pb].size - st->nExcluded));
  assert_int_equal(after->patches[pa].size, before->patches[pb].size);
  for (PetscInt f = after->patches[pa].start; f < after->patches[pa].start + after->patches[pa].size; f++) nLayered += after->owner[f] >= before->nCells;
  assert_int_equal(nLayered, before->patches[pb].size - st->nExcluded);
  assert_true(after->cellLevel != NULL);
  for (PetscInt p = 0; p < after->nPoints; p++) sum += (p % 7 + 1) * (after->points[3 * p] + 2 * after->points[3 * p + 1] + 3 * after->points[3 * p + 2]);
  lo[0] = hi[0] = sum, lo[1] = hi[1] = (PetscReal)(after->nFaces + 1000 * after->nCells);
  CHECK(MPI_Allreduce(MPI_IN_PLACE, lo, 2, MPIU_REAL, MPIU_MIN, PETSC_COMM_WORLD));
  CHECK(MPI_Allreduce(MPI_IN_PLACE, hi, 2, MPIU_REAL, MPIU_MAX, PETSC_COMM_WORLD));
  assert_true(lo[0] == hi[0] && lo[1] == hi[1]);
}

static void Report(const char *what, GaleMesh m, const GaleLayerStats *st)
{
  CHECK(PetscPrintf(PETSC_COMM_WORLD, "%s: %d cells, %d layer faces, %d cells added, %d limited, %d backed off (%d bad at full thickness, %d passes), %.0f %% of faces >= 90 %% thick, T/T_target min %.3f mean %.3f, first layer %.3g..%.3g\n", what,
                    (int)m->nCells, (int)st->nLayerFaces, (int)st->nCellsAdded, (int)st->nLimited, (int)st->nBackedOff, (int)st->nBadCells, (int)st->iterations, (double)(100 * st->fracFull), (double)st->minRatio, (double)st->meanRatio,
                    (double)st->minFirst, (double)st->maxFirst));
}

/* Layers on the side y = 0 of a box of 8^3 cells (h = 1/8), n = 3,
 * r = 1.2, final_thickness 0.5: the layers' planes lie at y = t1, t1 + t2,
 * t1 + t2 + t3 with t3 = 0.5 h, t_i = t3 r^(i-3) (geometric series),
 * wherever they are not backed off, here everywhere (a uniform mesh). */
static void test_layers_channel(void **state)
{
  const PetscInt    n = 3;
  const PetscReal   r = 1.2, h = 1.0 / 8, t3 = 0.5 * h, t[3] = {t3 / (r * r), t3 / r, t3};
  GaleOctreeOptions opt;
  GaleLayerOptions  lo = Options("ymin", n, r, 0.5);
  GaleLayerStats    st;
  GaleMesh          m0, m;
  PetscInt          count[3] = {0, 0, 0};

  (void)state;
  BoxOptions(&opt, 0, 1, 8);
  Build(&opt, NULL, 0, &m0);
  Build(&opt, NULL, 0, &m);
  CHECK(GaleMeshAddLayers(&m, &lo, &st));
  Report("channel wall", m, &st);
  CheckLayered(m0, m, "ymin", n, &st);
  assert_int_equal(st.nLayerFaces, 64);
  assert_int_equal(st.nBackedOff, 0);
  assert_true(st.fracFull == 1 && PetscAbsReal(st.minRatio - 1) < 1e-12);
  /* every point of the new cells lies on one of the planes of the series (or y = 0) */
  for (PetscInt p = m0->nPoints; p < m->nPoints; p++) {
    const PetscReal y  = m->points[3 * p + 1];
    PetscBool       on = PETSC_FALSE;
    for (int i = 0; i < 3; i++)
      if (PetscAbsReal(y - (i ? (i == 1 ? t[0] + t[1] : t[0] + t[1] + t[2]) : t[0])) < 1e-12) on = PETSC_TRUE, count[i]++;
    assert_true(on);
  }
  for (int i = 0; i < 3; i++) assert_int_equal(count[i], 81); /* the 9 x 9 points of the wall, per level */
  assert_true(PetscAbsReal(st.minFirst - t[0]) < 1e-12 && PetscAbsReal(st.maxFirst - t[0]) < 1e-12);
  CHECK(GaleMeshDestroy(&m0));
  CHECK(GaleMeshDestroy(&m));
}

/* 2D cylinder (test_snap.c's Schafer-Turek set-up at level 3) with 3
 * layers: every point keeps z = 0 or z = thickness, the side faces of the
 * layers are on the empty patch. */
static void test_layers_cylinder_2d(void **state)
{
  const PetscReal   r = 0.05, t = 0.01;
  GaleSurface       s = Prism(0.2, 0.2, r, 256, -0.05, 0.06);
  GaleOctreeOptions opt;
  GaleLayerOptions  lo = Options("cylinder", 3, 1.2, 0.5);
  GaleLayerStats    st;
  GaleMesh          m0, m;

  (void)state;
  ChannelOptions(&opt, t);
  Build(&opt, s, 3, &m0);
  Build(&opt, s, 3, &m);
  CHECK(GaleMeshAddLayers(&m, &lo, &st));
  Report("2D cylinder", m, &st);
  CheckLayered(m0, m, "cylinder", 3, &st);
  for (PetscInt p = 0; p < m->nPoints; p++) assert_true(m->points[3 * p + 2] == 0 || m->points[3 * p + 2] == t);
  {
    const PetscInt pe = GaleMeshFindPatch(m, "frontAndBack"), pe0 = GaleMeshFindPatch(m0, "frontAndBack");
    /* each layer face has two edges on the empty planes: 2 n side faces each */
    assert_int_equal(m->patches[pe].size, m0->patches[pe0].size + 2 * 3 * st.nLayerFaces);
    assert_int_equal(st.nSideBoundary, 2 * st.nLayerFaces);
  }
  CHECK(GaleMeshDestroy(&m0));
  CHECK(GaleMeshDestroy(&m));
  FreeSurface(&s);
}

/* Sphere r = 0.5 in [-1, 1]^3 at level 2 with 3 layers. */
static void test_layers_sphere(void **state)
{
  const PetscReal   c[3] = {0.013, -0.021, 0.007};
  GaleSurface       s    = Icosphere(c, 0.5, 4);
  GaleOctreeOptions opt;
  GaleLayerOptions  lo = Options("sphere", 3, 1.2, 0.5);
  GaleLayerStats    st;
  GaleMesh          m0, m;

  (void)state;
  BoxWithLocation(&opt, -1, 1, 8);
  Build(&opt, s, 2, &m0);
  Build(&opt, s, 2, &m);
  CHECK(GaleMeshAddLayers(&m, &lo, &st));
  Report("sphere", m, &st);
  CheckLayered(m0, m, "sphere", 3, &st);
  if (!st.nExcluded) assert_int_equal(st.nSideBoundary, 0); /* a closed body: every side face is internal (or at a face left without layers) */
  {
    /* the boundary keeps its snapped shape: the fluid volume stays within
     * test_snap.c's second-order bound of the box minus the icosphere
     * (h = 1/16: 2 x 3 h^2 / (8 r^2) of the sphere's volume) */
    const PetscReal h = 2.0 / 8 / 4, vs = 4.0 / 3 * PETSC_PI * 0.125;
    assert_true(PetscAbsReal(TotalVolume(m) - (8 - SurfaceVolume(s))) <= 2 * 3 * h * h / (8 * 0.25) * vs);
  }
  CHECK(GaleMeshDestroy(&m0));
  CHECK(GaleMeshDestroy(&m));
  FreeSurface(&s);
}

/* A sphere cut by the floor z = 0 (a tyre on the ground): the layers' side
 * faces along the cut lie on the floor patch (z = 0 exactly), no point
 * leaves the domain, the mesh is closed. */
static void test_layers_floor(void **state)
{
  const PetscReal   c[3] = {0.013, -0.021, 0.1};
  GaleSurface       s    = Icosphere(c, 0.5, 4);
  GaleOctreeOptions opt;
  GaleLayerOptions  lo = Options("sphere", 3, 1.2, 0.5);
  GaleLayerStats    st;
  GaleMesh          m0, m;

  (void)state;
  BoxWithLocation(&opt, -1, 1, 8);
  opt.lo[2]    = 0;
  opt.cells[2] = 4;
  Build(&opt, s, 2, &m0);
  Build(&opt, s, 2, &m);
  CHECK(GaleMeshAddLayers(&m, &lo, &st));
  Report("sphere on the floor", m, &st);
  CheckLayered(m0, m, "sphere", 3, &st);
  assert_true(st.nSideBoundary > 0);
  for (PetscInt p = 0; p < m->nPoints; p++) assert_true(m->points[3 * p + 2] >= 0);
  {
    const PetscInt pz = GaleMeshFindPatch(m, "zmin"), pz0 = GaleMeshFindPatch(m0, "zmin");
    assert_int_equal(m->patches[pz].size, m0->patches[pz0].size + 3 * st.nSideBoundary);
    for (PetscInt f = m->patches[pz].start; f < m->patches[pz].start + m->patches[pz].size; f++)
      for (PetscInt k = m->faceOffsets[f]; k < m->faceOffsets[f + 1]; k++) assert_true(m->points[3 * m->facePoints[k] + 2] == 0);
  }
  CHECK(GaleMeshDestroy(&m0));
  CHECK(GaleMeshDestroy(&m));
  FreeSurface(&s);
}

/* A patch the mesh does not have is a user error naming the patches it has. */
static void test_layers_missing_patch(void **state)
{
  GaleOctreeOptions opt;
  GaleLayerOptions  lo = Options("wing", 3, 1.2, 0.5);
  GaleLayerStats    st;
  GaleMesh          m;

  (void)state;
  BoxOptions(&opt, 0, 1, 2);
  Build(&opt, NULL, 0, &m);
  snprintf(lo.where, sizeof(lo.where), "case.yaml:7: mesh.octree.layers: ");
  EXPECT_ERROR(GaleMeshAddLayers(&m, &lo, &st), "case.yaml:7: mesh.octree.layers: the mesh has no patch 'wing'", "xmin, xmax");
  assert_int_equal(m->nCells, 8); /* the mesh is left as it was */
  CHECK(GaleMeshDestroy(&m));
}

int main(int argc, char **argv)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_layers_channel), cmocka_unit_test(test_layers_cylinder_2d), cmocka_unit_test(test_layers_sphere), cmocka_unit_test(test_layers_floor), cmocka_unit_test(test_layers_missing_patch),
  };
  int fails;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  fails = cmocka_run_group_tests(tests, NULL, NULL);
  PetscCall(PetscFinalize());
  return fails ? 1 : 0;
}
