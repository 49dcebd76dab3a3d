/* Tests of the octree mesher (mesh/octree.c, octree_mesh.c, octree_case.c)
 * and its surface search (mesh/surface_search.c).
 *
 * Surfaces are built in memory (UV sphere, cube, polygonal prism). Every
 * generated mesh must pass GaleMeshCheck (closed cells: sum of outward face
 * area vectors zero to 1e-8 of the face area; positive volumes), be closed
 * topologically (every edge of a cell used by exactly two of its faces, in
 * opposite directions: no hanging nodes), keep the GaleMesh face order
 * (internal faces by owner then neighbour, owner < neighbour; boundary
 * faces patch by patch) and be balanced (cells sharing a face differ by at
 * most one level: volume ratio <= 8 in 3D, <= 4 in 2D, as every cell at
 * level L has volume V0 / 8^L or V0 / 4^L). References: cell counts by
 * hand; volumes from geometry: the fluid of a castellated mesh around a
 * body lies outside the body and inside the body grown by one cell
 * diagonal (every removed cell touches the surface or lies inside it). */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "gale_octree.h"
#include "../gale_test.h"
#include "octree_test.h"

static char gTmp[256];

/* ---------- surfaces in memory ---------- */

/* UV sphere: poles and nlat-1 rings of nlon points, outward triangles. Its
 * volume (for the test's bound) is computed from the triangles. */
static GaleSurface Sphere(const PetscReal c[3], PetscReal r, PetscInt nlat, PetscInt nlon)
{
  const PetscInt np = 2 + (nlat - 1) * nlon, nt = 2 * nlon * (nlat - 1);
  GaleSurface    s = NewSurface(np, nt, "sphere");
  PetscInt       t = 0;

  for (int d = 0; d < 3; d++) {
    s->points[d]     = c[d] + (d == 2 ? r : 0);
    s->points[3 + d] = c[d] - (d == 2 ? r : 0);
  }
  for (PetscInt i = 1; i < nlat; i++)
    for (PetscInt j = 0; j < nlon; j++) {
      const PetscReal th = PETSC_PI * i / nlat, ph = 2 * PETSC_PI * j / nlon;
      PetscReal      *x = s->points + 3 * (2 + (i - 1) * nlon + j);
      x[0]              = c[0] + r * PetscSinReal(th) * PetscCosReal(ph);
      x[1]              = c[1] + r * PetscSinReal(th) * PetscSinReal(ph);
      x[2]              = c[2] + r * PetscCosReal(th);
    }
#define RING(i, j) (2 + ((i)-1) * nlon + ((j) % nlon))
  for (PetscInt j = 0; j < nlon; j++) {
    PetscInt *q = s->tris + 3 * t++;
    q[0] = 0, q[1] = RING(1, j), q[2] = RING(1, j + 1);
    q    = s->tris + 3 * t++;
    q[0] = 1, q[1] = RING(nlat - 1, j + 1), q[2] = RING(nlat - 1, j);
  }
  for (PetscInt i = 1; i < nlat - 1; i++)
    for (PetscInt j = 0; j < nlon; j++) {
      PetscInt *q = s->tris + 3 * t++;
      q[0] = RING(i, j), q[1] = RING(i + 1, j), q[2] = RING(i + 1, j + 1);
      q    = s->tris + 3 * t++;
      q[0] = RING(i, j), q[1] = RING(i + 1, j + 1), q[2] = RING(i, j + 1);
    }
#undef RING
  assert_int_equal(nt, t);
  return s;
}

/* Axis-aligned cube [lo, hi] as 12 outward triangles. */
static GaleSurface Cube(const PetscReal lo[3], const PetscReal hi[3])
{
  static const int quads[6][4] = {{0, 4, 6, 2}, {1, 3, 7, 5}, {0, 1, 5, 4}, {2, 6, 7, 3}, {0, 2, 3, 1}, {4, 5, 7, 6}};
  GaleSurface      s           = NewSurface(8, 12, "cube");
  for (int k = 0; k < 8; k++)
    for (int d = 0; d < 3; d++) s->points[3 * k + d] = (k >> d) & 1 ? hi[d] : lo[d];
  for (int f = 0; f < 6; f++) {
    PetscInt *q = s->tris + 6 * f;
    q[0] = quads[f][0], q[1] = quads[f][1], q[2] = quads[f][2];
    q[3] = quads[f][0], q[4] = quads[f][2], q[5] = quads[f][3];
  }
  return s;
}

/* ---------- mesher set-up ---------- */

/* All stages; the octree is returned for inspection when oct != NULL. */
static PetscErrorCode Mesh(const GaleOctreeOptions *opt, GaleSurface s, PetscInt lmin, PetscInt lmax, GaleMesh *mesh, GaleOctree *oct)
{
  GaleOctree  o;
  const char *patch[1];

  PetscFunctionBeginUser;
  *mesh = NULL;
  PetscCall(GaleOctreeCreate(PETSC_COMM_WORLD, opt, &o));
  if (s) {
    patch[0] = s->regionNames[0];
    PetscCall(GaleOctreeAddSurface(o, s, s->regionNames[0], lmin, lmax, patch, NULL));
  }
  if (oct)
    *oct = o; /* regions may be added by the caller before GaleOctreeRefine */
  else {
    PetscErrorCode ierr = GaleOctreeRefine(o);
    if (!ierr) ierr = GaleOctreeSelectFluid(o);
    if (!ierr) ierr = GaleOctreeBuildMesh(o, mesh);
    PetscCall(GaleOctreeDestroy(&o));
    PetscCall(ierr);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode Finish(GaleOctree o, GaleMesh *mesh)
{
  PetscFunctionBeginUser;
  PetscCall(GaleOctreeRefine(o));
  PetscCall(GaleOctreeSelectFluid(o));
  PetscCall(GaleOctreeBuildMesh(o, mesh));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---------- mesh checks ---------- */

typedef struct {
  PetscInt cell, lo, hi, dir;
} Edge;

static int CompareEdge(const void *a, const void *b)
{
  const Edge *x = (const Edge *)a, *y = (const Edge *)b;
  if (x->cell != y->cell) return x->cell < y->cell ? -1 : 1;
  if (x->lo != y->lo) return x->lo < y->lo ? -1 : 1;
  if (x->hi != y->hi) return x->hi < y->hi ? -1 : 1;
  return (x->dir > y->dir) - (x->dir < y->dir);
}

/* Every directed edge of a cell's (outward) faces appears once each way. */
static void CheckTopologicallyClosed(GaleMesh m)
{
  const PetscInt n = m->faceOffsets[m->nFaces] + m->faceOffsets[m->nInternalFaces];
  Edge          *e;
  PetscInt       k = 0;

  assert_int_equal(0, PetscMalloc1(n + 1, &e));
  for (PetscInt f = 0; f < m->nFaces; f++) {
    const PetscInt s = m->faceOffsets[f], np = m->faceOffsets[f + 1] - s;
    for (int side = 0; side < (f < m->nInternalFaces ? 2 : 1); side++)
      for (PetscInt i = 0; i < np; i++) {
        PetscInt a = m->facePoints[s + i], b = m->facePoints[s + (i + 1) % np];
        if (side) {
          PetscInt t = a;
          a = b, b = t;
        }
        e[k].cell  = side ? m->neighbour[f] : m->owner[f];
        e[k].lo    = PetscMin(a, b);
        e[k].hi    = PetscMax(a, b);
        e[k++].dir = a < b;
      }
  }
  assert_int_equal(n, k);
  qsort(e, (size_t)n, sizeof(Edge), CompareEdge);
  for (PetscInt i = 0; i < n; i += 2) {
    assert_true(i + 1 < n);
    if (!(e[i].cell == e[i + 1].cell && e[i].lo == e[i + 1].lo && e[i].hi == e[i + 1].hi && e[i].dir != e[i + 1].dir)) fprintf(stderr, "cell %d: edge %d-%d not matched\n", (int)e[i].cell, (int)e[i].lo, (int)e[i].hi);
    assert_int_equal(e[i].cell, e[i + 1].cell);
    assert_int_equal(e[i].lo, e[i + 1].lo);
    assert_int_equal(e[i].hi, e[i + 1].hi);
    assert_int_not_equal(e[i].dir, e[i + 1].dir);
  }
  CHECK(PetscFree(e));
}

/* Closed, positive, ordered, balanced (maxRatio: 8 in 3D, 4 in 2D). */
/* Leaves sharing a face differ by at most one level (in the tree itself). */
static void CheckBalance(GaleOctree o)
{
  for (PetscInt n = 0; n < o->nNodes; n++) {
    if (o->child[n] >= 0) continue;
    for (int s = 0; s < 6; s++) {
      PetscInt nbr[64], cnt;
      CHECK(GaleOctreeSideLeaves(o, n, s, 64, nbr, &cnt));
      for (PetscInt k = 0; k < cnt; k++) assert_true(PetscAbsInt(o->level[nbr[k]] - o->level[n]) <= 1);
    }
  }
}

static void CheckMesh(GaleMesh m, PetscReal maxRatio)
{
  PetscInt next;

  CHECK(GaleMeshCheck(m));
  CheckClosed(m);
  CheckTopologicallyClosed(m);
  for (PetscInt f = 0; f < m->nInternalFaces; f++) {
    const PetscReal vo = m->cellVolumes[m->owner[f]], vn = m->cellVolumes[m->neighbour[f]];
    assert_true(m->owner[f] < m->neighbour[f]);
    if (f) assert_true(m->owner[f - 1] < m->owner[f] || (m->owner[f - 1] == m->owner[f] && m->neighbour[f - 1] < m->neighbour[f]));
    assert_true(PetscMax(vo, vn) <= maxRatio * PetscMin(vo, vn) * (1 + 1e-9));
  }
  next = m->nInternalFaces;
  for (PetscInt p = 0; p < m->nPatches; p++) {
    assert_int_equal(next, m->patches[p].start);
    next += m->patches[p].size;
  }
  assert_int_equal(m->nFaces, next);
}

static PetscInt PatchSize(GaleMesh m, const char *name)
{
  const PetscInt p = GaleMeshFindPatch(m, name);
  assert_true(p >= 0);
  return m->patches[p].size;
}

/* ---------- tests ---------- */

/* No geometry: the mesh is the background grid. */
static void test_box(void **state)
{
  GaleOctreeOptions opt;
  GaleMesh          m;

  (void)state;
  BoxOptions(&opt, 0, 1, 1);
  opt.hi[0]    = 2;
  opt.cells[0] = 5, opt.cells[1] = 4, opt.cells[2] = 3;
  snprintf(opt.patch[3], GALE_NAME_LEN, "ymin"); /* ymin and ymax share a patch */
  CHECK(Mesh(&opt, NULL, 0, 0, &m, NULL));
  assert_int_equal(60, m->nCells);
  assert_int_equal(4 * 4 * 3 + 5 * 3 * 3 + 5 * 4 * 2, m->nInternalFaces);
  assert_int_equal(5, m->nPatches);
  assert_int_equal(12, PatchSize(m, "xmin"));
  assert_int_equal(30, PatchSize(m, "ymin"));
  assert_int_equal(20, PatchSize(m, "zmax"));
  assert_int_equal(4 * 5 * 6, m->nPoints);
  CheckMesh(m, 1);
  assert_true(PetscAbsReal(TotalVolume(m) - 2) < 1e-12);
  CHECK(GaleMeshDestroy(&m));
}

/* A box region inside one background cell of a 4^3 grid. Level 1: that
 * cell split, 64 - 1 + 8 = 71 cells. Level 2: its 8 children split (64
 * leaves) and, for balance, its 7 neighbours (a corner cell) split once:
 * 56 + 64 + 7 * 8 = 176 cells. */
static void test_box_region(void **state)
{
  const PetscReal   lo[3] = {0.05, 0.05, 0.05}, hi[3] = {0.2, 0.2, 0.2};
  GaleOctreeOptions opt;
  GaleOctree        o;
  GaleMesh          m;

  (void)state;
  BoxOptions(&opt, 0, 1, 4);
  for (PetscInt level = 1; level <= 2; level++) {
    CHECK(Mesh(&opt, NULL, 0, 0, &m, &o));
    CHECK(GaleOctreeAddBoxRegion(o, lo, hi, level));
    CHECK(Finish(o, &m));
    assert_int_equal(level == 1 ? 71 : 176, m->nCells);
    assert_int_equal(level == 1 ? 71 : 176, o->stats.nFluid);
    CheckMesh(m, 8);
    assert_true(PetscAbsReal(TotalVolume(m) - 1) < 1e-12);
    assert_int_equal(level == 1 ? 16 - 1 + 4 : 16 - 4 + 16 + 3 * 4, PatchSize(m, "xmin")); /* split faces of the refined cells on x = 0 */
    CHECK(GaleOctreeDestroy(&o));
    CHECK(GaleMeshDestroy(&m));
  }
}

/* A sphere of radius 0.5 in [-1, 1]^3: inside cells removed, fluid volume
 * between box minus the grown sphere and box minus the triangulated one. */
static void test_sphere(void **state)
{
  const PetscReal   c[3] = {0.013, -0.021, 0.007}, r = 0.5;
  GaleSurface       s = Sphere(c, r, 24, 48);
  GaleOctreeOptions opt;
  GaleOctree        o;
  GaleMesh          m;
  const PetscReal   h = 2.0 / 8 / 8, grown = r + PetscSqrtReal(3) * h;
  PetscReal         vol;

  (void)state;
  BoxOptions(&opt, -1, 1, 8);
  opt.haveLocation = PETSC_TRUE;
  opt.location[0] = 0.9, opt.location[1] = 0.8, opt.location[2] = -0.7;
  CHECK(Mesh(&opt, s, 3, 3, &m, &o));
  CHECK(Finish(o, &m));
  CheckMesh(m, 8);
  CheckBalance(o);
  vol = TotalVolume(m);
  assert_true(vol <= 8 - SurfaceVolume(s) + 1e-12);
  assert_true(vol >= 8 - 4.0 / 3 * PETSC_PI * grown * grown * grown);
  assert_true(o->stats.nUnreached > 0); /* the sphere's uncut inside */
  assert_int_equal(o->stats.nLeaves, o->stats.nCut + o->stats.nUnreached + o->stats.nFluid);
  assert_int_equal(3, o->stats.maxLevel);
  for (PetscInt ce = 0; ce < m->nCells; ce++) {
    const PetscReal *x = m->cellCentres + 3 * ce;
    const PetscReal  d = PetscSqrtReal((x[0] - c[0]) * (x[0] - c[0]) + (x[1] - c[1]) * (x[1] - c[1]) + (x[2] - c[2]) * (x[2] - c[2]));
    assert_true(d > 0.98 * r); /* no cell inside the sphere */
  }
  {
    const PetscInt p = GaleMeshFindPatch(m, "sphere");
    assert_true(p >= 0 && m->patches[p].size > 0);
    assert_string_equal("wall", m->patches[p].type);
    for (PetscInt f = m->patches[p].start; f < m->patches[p].start + m->patches[p].size; f++) {
      const PetscReal *x = m->faceCentres + 3 * f;
      const PetscReal  d = PetscSqrtReal((x[0] - c[0]) * (x[0] - c[0]) + (x[1] - c[1]) * (x[1] - c[1]) + (x[2] - c[2]) * (x[2] - c[2]));
      assert_true(d < grown && d > 0.98 * r);
    }
    assert_int_equal(m->patches[p].size, o->stats.nWallFaces);
  }
  assert_true(o->stats.nPolyhedra > 0);
  CHECK(GaleOctreeDestroy(&o));
  CHECK(GaleMeshDestroy(&m));
  FreeSurface(&s);
}

static void test_location_errors(void **state)
{
  const PetscReal   c[3] = {0, 0, 0};
  GaleSurface       s    = Sphere(c, 0.5, 12, 24);
  GaleOctreeOptions opt;
  GaleMesh          m;

  (void)state;
  BoxOptions(&opt, -1, 1, 4);
  snprintf(opt.where, sizeof(opt.where), "case.yaml:12: ");
  EXPECT_ERROR(Mesh(&opt, s, 2, 2, &m, NULL), "case.yaml:12:", "needs location_in_mesh");
  opt.haveLocation = PETSC_TRUE;
  opt.location[0] = 0.1, opt.location[1] = 0.05, opt.location[2] = 0;
  EXPECT_ERROR(Mesh(&opt, s, 2, 2, &m, NULL), "case.yaml:12:", "location_in_mesh (0.1, 0.05, 0) is inside the closed surface 'sphere'");
  opt.location[0] = 1.5;
  EXPECT_ERROR(Mesh(&opt, s, 2, 2, &m, NULL), "location_in_mesh (1.5, 0.05, 0) is outside the domain box");
  opt.location[0] = 0.5;
  EXPECT_ERROR(Mesh(&opt, s, 2, 2, &m, NULL), "lies in a cell cut by a surface");
  assert_null(m);
  FreeSurface(&s);
}

/* Feature refinement: a cube's edges (normals 90 degrees apart) go to the
 * max level, its flat faces stay at the min level. */
static void test_feature_angle(void **state)
{
  const PetscReal   lo[3] = {-0.17, -0.17, -0.17}, hi[3] = {0.17, 0.17, 0.17}; /* faces inside level-3 cells */
  GaleSurface       s = Cube(lo, hi);
  GaleOctreeOptions opt;
  GaleOctree        o;
  GaleMesh          m;

  (void)state;
  BoxOptions(&opt, -1, 1, 4);
  opt.haveLocation = PETSC_TRUE;
  opt.location[0] = opt.location[1] = opt.location[2] = 0.9;
  for (int on = 0; on < 2; on++) {
    PetscReal vmin   = PETSC_MAX_REAL;
    opt.featureAngle = on ? 30 : 0;
    CHECK(Mesh(&opt, s, 1, 3, &m, &o));
    CHECK(Finish(o, &m));
    CheckMesh(m, 8);
    CheckBalance(o);
    for (PetscInt c = 0; c < m->nCells; c++) vmin = PetscMin(vmin, m->cellVolumes[c]);
    assert_true(PetscAbsReal(vmin - (on ? 1.0 / 4096 : 1.0 / 64)) < 1e-12); /* level 3: (0.5/8)^3, level 1: (0.5/2)^3 */
    assert_true(TotalVolume(m) <= 8 - 0.34 * 0.34 * 0.34 + 1e-12);
    assert_true(TotalVolume(m) >= 8 - 0.84 * 0.84 * 0.84); /* cube grown by a level-1 cell (0.25) on each side */
    CHECK(GaleOctreeDestroy(&o));
    CHECK(GaleMeshDestroy(&m));
  }
  FreeSurface(&s);
}

/* A distance region: level-2 cells only near the sphere, level 1 elsewhere. */
static void test_distance_region(void **state)
{
  const PetscReal   c[3] = {0, 0, 0}, r = 0.4, dist = 0.2;
  GaleSurface       s = Sphere(c, r, 16, 32);
  GaleOctreeOptions opt;
  GaleOctree        o;
  GaleMesh          m;
  PetscInt          nfine = 0;

  (void)state;
  BoxOptions(&opt, -1, 1, 4);
  opt.haveLocation = PETSC_TRUE;
  opt.location[0] = opt.location[1] = opt.location[2] = 0.95;
  CHECK(Mesh(&opt, s, 1, 1, &m, &o));
  CHECK(GaleOctreeAddDistanceRegion(o, 0, dist, 3));
  CHECK(Finish(o, &m));
  CheckMesh(m, 8);
  for (PetscInt ce = 0; ce < m->nCells; ce++) {
    const PetscReal *x = m->cellCentres + 3 * ce, d = PetscSqrtReal(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]) - r;
    if (m->cellVolumes[ce] > 1e-3) continue; /* coarser than level 3 (0.0625^3) */
    nfine++;
    assert_true(d < dist + 2 * PetscSqrtReal(3) * 0.5 / 8); /* within the distance plus a level-2 diagonal (balance) */
  }
  assert_true(nfine > 1000);
  CHECK(GaleOctreeDestroy(&o));
  CHECK(GaleMeshDestroy(&m));
  FreeSurface(&s);
}

/* 2D: a cylinder through a one-cell-thick channel, refined in x and y only. */
static void test_2d_cylinder(void **state)
{
  GaleSurface       s = Prism(0.2, 0.2, 0.05, 96, -0.1, 0.2);
  GaleOctreeOptions opt;
  GaleOctree        o;
  GaleMesh          m;
  const PetscReal   h = 0.0065, r = 0.05, grown = r + PetscSqrtReal(2) * h, t = 0.02;
  PetscReal         vol;

  (void)state;
  ChannelOptions(&opt, t);
  CHECK(Mesh(&opt, s, 3, 3, &m, &o));
  CHECK(Finish(o, &m));
  CheckMesh(m, 4);
  CheckBalance(o);
  assert_int_equal(2 * m->nCells, PatchSize(m, "frontAndBack"));
  assert_string_equal("empty", m->patches[GaleMeshFindPatch(m, "frontAndBack")].type);
  for (PetscInt p = 0; p < m->nPoints; p++) assert_true(m->points[3 * p + 2] == 0 || m->points[3 * p + 2] == t);
  vol = TotalVolume(m) / t;
  assert_true(vol <= 2.2 * 0.41 - 0.5 * 96 * r * r * PetscSinReal(2 * PETSC_PI / 96) + 1e-12);
  assert_true(vol >= 2.2 * 0.41 - PETSC_PI * grown * grown);
  assert_true(PatchSize(m, "cylinder") > 0);
  CHECK(GaleOctreeDestroy(&o));
  CHECK(GaleMeshDestroy(&m));
  FreeSurface(&s);
}

/* cells_between_levels 4 (two cells of each level between jumps) gives more cells than 1, still balanced. */
static void test_cells_between_levels(void **state)
{
  const PetscReal   lo[3] = {0.05, 0.05, 0.05}, hi[3] = {0.2, 0.2, 0.2};
  GaleOctreeOptions opt;
  GaleOctree        o;
  GaleMesh          m;
  PetscInt          n[2];

  (void)state;
  BoxOptions(&opt, 0, 1, 8);
  for (int k = 0; k < 2; k++) {
    opt.cellsBetweenLevels = k ? 4 : 1;
    CHECK(Mesh(&opt, NULL, 0, 0, &m, &o));
    CHECK(GaleOctreeAddBoxRegion(o, lo, hi, 3));
    CHECK(Finish(o, &m));
    CheckMesh(m, 8);
    CheckBalance(o);
    n[k] = m->nCells;
    CHECK(GaleOctreeDestroy(&o));
    CHECK(GaleMeshDestroy(&m));
  }
  assert_true(n[1] > n[0]);
}

/* The same global mesh on every rank; distributed, it keeps cells and volume. */
static void test_distributed(void **state)
{
  const PetscReal   c[3] = {0.1, 0, 0};
  GaleSurface       s    = Sphere(c, 0.45, 16, 32);
  GaleOctreeOptions opt;
  GaleMesh          g, l;
  PetscReal         vloc = 0, vsum, sig[2], smin[2], smax[2];
  PetscMPIInt       size;

  (void)state;
  BoxOptions(&opt, -1, 1, 6);
  opt.haveLocation = PETSC_TRUE;
  opt.location[0] = -0.9, opt.location[1] = 0.9, opt.location[2] = 0.9;
  CHECK(Mesh(&opt, s, 2, 3, &g, NULL));
  sig[0] = g->nCells;
  sig[1] = 0;
  for (PetscInt ce = 0; ce < g->nCells; ce++) sig[1] += (ce % 7 + 1) * (g->cellCentres[3 * ce] + 2 * g->cellCentres[3 * ce + 1] + 3 * g->cellCentres[3 * ce + 2]);
  CHECK(MPI_Allreduce(sig, smin, 2, MPIU_REAL, MPI_MIN, PETSC_COMM_WORLD));
  CHECK(MPI_Allreduce(sig, smax, 2, MPIU_REAL, MPI_MAX, PETSC_COMM_WORLD));
  assert_true(smin[0] == smax[0] && smin[1] == smax[1]);
  CHECK(GaleMeshDistribute(g, PETSC_COMM_WORLD, &l));
  CHECK(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  assert_int_equal(g->nCells, l->nCellsGlobal);
  for (PetscInt ce = 0; ce < l->nCells; ce++) vloc += l->cellVolumes[ce];
  CHECK(MPI_Allreduce(&vloc, &vsum, 1, MPIU_REAL, MPIU_SUM, PETSC_COMM_WORLD));
  assert_true(PetscAbsReal(vsum - TotalVolume(g)) < 1e-12);
  if (size > 1) assert_true(l->nCells < g->nCells && l->nGhosts > 0);
  CHECK(GaleMeshDestroy(&l));
  CHECK(GaleMeshDestroy(&g));
  FreeSurface(&s);
}

/* Surface search against brute force. */
static void test_search(void **state)
{
  const PetscReal c[3] = {0, 0, 0};
  GaleSurface     s    = Sphere(c, 1, 10, 20);
  GaleSearch      S;
  PetscRandom     rnd;

  (void)state;
  CHECK(GaleSearchCreate(s, &S));
  assert_true(GaleSearchIsClosed(S));
  CHECK(PetscRandomCreate(PETSC_COMM_SELF, &rnd));
  CHECK(PetscRandomSetInterval(rnd, -1.5, 1.5));
  for (int k = 0; k < 200; k++) {
    PetscReal x[3], lo[3], hi[3], dist, q[3], best = PETSC_MAX_REAL;
    PetscInt  t, tri[512], nb = 0, n;
    for (int d = 0; d < 3; d++) CHECK(PetscRandomGetValueReal(rnd, &x[d]));
    for (int d = 0; d < 3; d++) lo[d] = x[d] - 0.1, hi[d] = x[d] + 0.15;
    t = GaleSearchNearest(S, x, PETSC_MAX_REAL, &dist, q);
    assert_true(t >= 0);
    /* brute force: distance to every vertex is an upper bound; the sphere radius gives the reference */
    for (PetscInt p = 0; p < s->nPoints; p++) best = PetscMin(best, PetscSqrtReal(PetscSqr(x[0] - s->points[3 * p]) + PetscSqr(x[1] - s->points[3 * p + 1]) + PetscSqr(x[2] - s->points[3 * p + 2])));
    assert_true(dist <= best + 1e-14);
    assert_true(PetscAbsReal(dist - PetscAbsReal(PetscSqrtReal(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]) - 1)) < 0.07); /* chord error of the 10 x 20 sphere */
    n = GaleSearchBoxTriangles(S, lo, hi, 512, tri);
    for (PetscInt u = 0; u < s->nTris; u++) {
      const PetscReal *a = s->points + 3 * s->tris[3 * u], *b = s->points + 3 * s->tris[3 * u + 1], *cc = s->points + 3 * s->tris[3 * u + 2];
      PetscBool        vin = PETSC_FALSE;
      for (int v = 0; v < 3; v++) {
        const PetscReal *p = v == 0 ? a : v == 1 ? b : cc;
        vin                = (PetscBool)(vin || (p[0] >= lo[0] && p[0] <= hi[0] && p[1] >= lo[1] && p[1] <= hi[1] && p[2] >= lo[2] && p[2] <= hi[2]));
      }
      if (vin) { /* a triangle with a vertex in the box overlaps it */
        PetscBool found = PETSC_FALSE;
        for (PetscInt i = 0; i < n; i++) found = (PetscBool)(found || tri[i] == u);
        assert_true(found);
        nb++;
      }
    }
    assert_true(n >= nb);
    assert_true(GaleSearchBoxOverlaps(S, lo, hi) == (n > 0));
    assert_true(GaleSearchInside(S, x) == (PetscSqrtReal(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]) < 1 - 0.07) || PetscAbsReal(PetscSqrtReal(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]) - 1) < 0.07);
  }
  CHECK(PetscRandomDestroy(&rnd));
  CHECK(GaleSearchDestroy(&S));
  s->nTris = 20; /* an open surface: never inside */
  CHECK(GaleSearchCreate(s, &S));
  assert_false(GaleSearchIsClosed(S));
  assert_false(GaleSearchInside(S, c));
  CHECK(GaleSearchDestroy(&S));
  FreeSurface(&s);
}

/* ---------- through the case file ---------- */

static void WriteFile(const char *name, const char *text)
{
  char  path[512];
  FILE *f;
  snprintf(path, sizeof(path), "%s/%s", gTmp, name);
  f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

/* ascii STL of a closed prism (the 2D cylinder) with two solids */
static void WriteCylinderSTL(const char *name)
{
  GaleSurface s = Prism(0.2, 0.2, 0.05, 48, -0.1, 0.2);
  char        path[512];
  FILE       *f;
  snprintf(path, sizeof(path), "%s/%s", gTmp, name);
  f = fopen(path, "w");
  assert_non_null(f);
  for (int solid = 0; solid < 2; solid++) {
    fprintf(f, "solid %s\n", solid ? "caps" : "side");
    for (PetscInt t = 0; t < s->nTris; t++) {
      if ((t % 4 >= 2) != solid) continue;
      fprintf(f, "facet normal 0 0 0\nouter loop\n");
      for (int k = 0; k < 3; k++) {
        const PetscReal *x = s->points + 3 * s->tris[3 * t + k];
        fprintf(f, "vertex %.17g %.17g %.17g\n", (double)x[0], (double)x[1], (double)x[2]);
      }
      fprintf(f, "endloop\nendfacet\n");
    }
    fprintf(f, "endsolid\n");
  }
  fclose(f);
  FreeSurface(&s);
}

#define CASE_HEAD                                                                                                                                                                                                                                        \
  "mesh:\n"                                                                                                                                                                                                                                              \
  "  octree:\n"                                                                                                                                                                                                                                          \
  "    domain: {min: [0, 0, 0], max: [2.2, 0.41, 0.02], cells: [44, 8, 1]}\n"                                                                                                                                                                            \
  "    patches: {xmin: inlet, xmax: outlet, ymin: walls, ymax: walls, zmin: frontAndBack, zmax: frontAndBack}\n"
#define CASE_TAIL                                                                                                                                                                                                                                        \
  "fluid: {nu: 1e-3}\n"                                                                                                                                                                                                                                  \
  "boundary:\n"                                                                                                                                                                                                                                          \
  "  inlet: {type: inlet, U: [1, 0, 0]}\n"                                                                                                                                                                                                               \
  "  outlet: {type: outlet}\n"                                                                                                                                                                                                                           \
  "  walls: {type: wall}\n"                                                                                                                                                                                                                              \
  "  frontAndBack: {type: empty}\n"                                                                                                                                                                                                                      \
  "  cylinder: {type: wall}\n"

static void test_case_file(void **state)
{
  GaleCase *cs;
  GaleMesh  m;

  (void)state;
  WriteCylinderSTL("cyl.stl");
  WriteFile("case.yaml", CASE_HEAD "    geometry:\n      - {file: cyl.stl, patch: cylinder, levels: [2, 3], scale: 1, translate: [0, 0, 0]}\n"
                                   "    regions:\n      - {box: {min: [0.1, 0.1, -1], max: [0.6, 0.3, 1]}, level: 2}\n      - {distance: {geometry: 0, distance: 0.02}, level: 3}\n"
                                   "    snap: false\n    location_in_mesh: [1, 0.1, 0.01]\n" CASE_TAIL); /* castellated: exact volume ratios */
  CHECK(GaleCaseRead(PETSC_COMM_WORLD, gTmp, &cs));
  assert_int_equal(GALE_MESH_OCTREE, cs->mesh_source);
  assert_false(cs->octree.snap);
  assert_int_equal(1, cs->octree.ngeometries);
  assert_int_equal(2, cs->octree.nregions);
  assert_int_equal(1, cs->octree.cells_between_levels);
  CHECK(GaleMeshBuildFromCase(PETSC_COMM_WORLD, cs, &m));
  CheckMesh(m, 4);
  assert_int_equal(5, m->nPatches);
  assert_string_equal("inlet", m->patches[0].name);
  assert_string_equal("cylinder", m->patches[4].name);
  assert_int_equal(8, PatchSize(m, "inlet"));
  assert_int_equal(2 * m->nCells, PatchSize(m, "frontAndBack"));
  assert_true(PatchSize(m, "cylinder") > 0);
  {
    const char *names[8];
    for (PetscInt p = 0; p < m->nPatches; p++) names[p] = m->patches[p].name;
    CHECK(GaleCaseCheckPatches(cs, m->nPatches, names));
  }
  CHECK(GaleMeshDestroy(&m));
  CHECK(GaleCaseDestroy(&cs));

  /* one patch per surface region; snapped (the default) */
  WriteFile("case.yaml", CASE_HEAD "    geometry:\n      - {file: cyl.stl, regions: {side: cylinder, caps: cylinder}, levels: 2}\n    snap_smooth_layers: 3\n    location_in_mesh: [1, 0.1, 0.01]\n" CASE_TAIL);
  CHECK(GaleCaseRead(PETSC_COMM_WORLD, gTmp, &cs));
  assert_true(cs->octree.snap);
  assert_int_equal(3, cs->octree.snap_smooth_layers);
  assert_int_equal(8, cs->octree.snap_iterations);
  assert_int_equal(0, cs->octree.nlayer_patches);
  CHECK(GaleMeshBuildFromCase(PETSC_COMM_WORLD, cs, &m));
  CHECK(GaleMeshCheck(m));
  assert_int_equal(5, m->nPatches);
  {
    const PetscInt nc = m->nCells, nw = PatchSize(m, "cylinder");
    CHECK(GaleMeshDestroy(&m));
    CHECK(GaleCaseDestroy(&cs));
    /* the same with 2 wall layers on the cylinder: 2 cells per wall face more */
    WriteFile("case.yaml", CASE_HEAD
              "    geometry:\n      - {file: cyl.stl, regions: {side: cylinder, caps: cylinder}, levels: 2}\n    snap_smooth_layers: 3\n    layers: {patches: [cylinder], number: 2, expansion: 1.5}\n    location_in_mesh: [1, 0.1, 0.01]\n" CASE_TAIL);
    CHECK(GaleCaseRead(PETSC_COMM_WORLD, gTmp, &cs));
    assert_int_equal(1, cs->octree.nlayer_patches);
    assert_string_equal("cylinder", cs->octree.layer_patches[0]);
    assert_int_equal(2, cs->octree.layers);
    assert_true(cs->octree.layer_expansion == 1.5);
    assert_true(cs->octree.layer_final_thickness == 0.5); /* default */
    CHECK(GaleMeshBuildFromCase(PETSC_COMM_WORLD, cs, &m));
    CHECK(GaleMeshCheck(m));
    assert_int_equal(nw, PatchSize(m, "cylinder"));
    assert_int_equal(nc + 2 * nw, m->nCells);
  }
  CHECK(GaleMeshDestroy(&m));
  CHECK(GaleCaseDestroy(&cs));
}

static void test_case_errors(void **state)
{
  GaleCase *cs = NULL;
  GaleMesh  m  = NULL;

  (void)state;
  WriteCylinderSTL("cyl.stl");
#define BAD_READ(octree_lines, ...)                                                                                                                                                                                                                      \
  do {                                                                                                                                                                                                                                                   \
    WriteFile("case.yaml", CASE_HEAD octree_lines CASE_TAIL);                                                                                                                                                                                            \
    EXPECT_ERROR(GaleCaseRead(PETSC_COMM_WORLD, gTmp, &cs), __VA_ARGS__);                                                                                                                                                                                \
  } while (0)
  BAD_READ("    geometry: [{file: cyl.stl, patch: cylinder, levels: [3, 2]}]\n    location_in_mesh: [1, 0.1, 0.01]\n", "case.yaml:5:", "levels' = [3, 2] (expected min <= max)");
  BAD_READ("    geometry: [{file: cyl.stl, patch: cylinder, levels: 13}]\n    location_in_mesh: [1, 0.1, 0.01]\n", "is too deep (expected a level from 0 to 12)");
  BAD_READ("    geometry: [{file: cyl.stl, patch: cylinder, levels: 2}]\n", "missing required key 'location_in_mesh' in 'mesh.octree'");
  BAD_READ("    geometry: [{file: cyl.stl, patch: cylinder, levels: 2}]\n    location_in_mesh: [3, 0.1, 0.01]\n", "case.yaml:6:", "location_in_mesh' (3, 0.1, 0.01) is outside the domain box in x");
  BAD_READ("    geometry: [{file: cyl.stl, patch: cylinder, level: 2}]\n    location_in_mesh: [1, 0.1, 0.01]\n", "unknown key 'level' in 'mesh.octree.geometry[0]'");
  BAD_READ("    geometry: [{file: cyl.stl, patch: body, levels: 2}]\n    location_in_mesh: [1, 0.1, 0.01]\n", "patch 'body' of mesh.octree.geometry[0] has no entry in 'boundary'");
  BAD_READ("    regions: [{distance: {geometry: 0, distance: 1}, level: 2}]\n", "names no geometry");
  BAD_READ("    geometry: [{file: cyl.stl, patch: cylinder, levels: 2}]\n    location_in_mesh: [1, 0.1, 0.01]\n    cells_between_levels: 0\n", "expected a positive integer for 'mesh.octree.cells_between_levels'");
#define GEO "    geometry: [{file: cyl.stl, patch: cylinder, levels: 2}]\n    location_in_mesh: [1, 0.1, 0.01]\n"
  BAD_READ(GEO "    layers: {number: 2}\n", "case.yaml:7:", "missing required key 'patches' in 'mesh.octree.layers'");
  BAD_READ(GEO "    layers: {patches: [cylinder], number: 0}\n", "'mesh.octree.layers.number'");
  BAD_READ(GEO "    layers: {patches: [cylinder], expansion: 7}\n", "'mesh.octree.layers.expansion' = 7", "(expected 0.5 to 3)");
  BAD_READ(GEO "    layers: {patches: [cylinder], final_thickness: 0.4, first_thickness: 1e-3}\n", "has both final_thickness and first_thickness");
  BAD_READ(GEO "    layers: {patches: [cylinder, cylinder]}\n", "layers patch 'cylinder' is listed twice");
  BAD_READ(GEO "    layers: {patches: [cylinder], thickness: 1}\n", "unknown key 'thickness' in 'mesh.octree.layers'");
#undef GEO
  WriteFile("case.yaml", "mesh:\n  octree:\n    domain: {min: [0, 0, 0], max: [1, 1, 1], cells: [4, 4, 4]}\n    patches: {xmin: a, xmax: a, ymin: a, ymax: a, zmin: a}\n"
                         "fluid: {nu: 1}\nboundary: {a: {type: wall}}\n");
  EXPECT_ERROR(GaleCaseRead(PETSC_COMM_WORLD, gTmp, &cs), "missing required key 'zmax' in 'mesh.octree.patches'");
  WriteFile("case.yaml", "mesh:\n  blocks: [{box: [[0, 0, 0], [1, 1, 1]], cells: [1, 1, 1], patches: {imin: a}}]\n  octree: {}\nfluid: {nu: 1}\nboundary: {a: {type: wall}}\n");
  EXPECT_ERROR(GaleCaseRead(PETSC_COMM_WORLD, gTmp, &cs), "'mesh' has both 'octree' and 'blocks'");
  /* errors found when meshing */
  WriteFile("case.yaml", CASE_HEAD "    geometry: [{file: cyl.stl, patch: cylinder, levels: 2}]\n    location_in_mesh: [0.2, 0.2, 0.01]\n" CASE_TAIL);
  CHECK(GaleCaseRead(PETSC_COMM_WORLD, gTmp, &cs));
  EXPECT_ERROR(GaleMeshBuildFromCase(PETSC_COMM_WORLD, cs, &m), "case.yaml:6:", "is inside the closed surface 'cyl.stl'");
  CHECK(GaleCaseDestroy(&cs));
  WriteFile("case.yaml", CASE_HEAD "    geometry: [{file: cyl.stl, regions: {wheel: cylinder}, patch: cylinder, levels: 2}]\n    location_in_mesh: [1, 0.1, 0.01]\n" CASE_TAIL);
  CHECK(GaleCaseRead(PETSC_COMM_WORLD, gTmp, &cs));
  EXPECT_ERROR(GaleMeshBuildFromCase(PETSC_COMM_WORLD, cs, &m), "has no region 'wheel' (its regions: side, caps)");
  CHECK(GaleCaseDestroy(&cs));
  WriteFile("case.yaml", "mesh:\n  octree:\n    domain: {min: [0, 0, 0], max: [1, 1, 1], cells: [4, 4, 2]}\n    patches: {xmin: a, xmax: a, ymin: a, ymax: a, zmin: e, zmax: e}\n"
                         "fluid: {nu: 1}\nboundary: {a: {type: wall}, e: {type: empty}}\n");
  CHECK(GaleCaseRead(PETSC_COMM_WORLD, gTmp, &cs));
  EXPECT_ERROR(GaleMeshBuildFromCase(PETSC_COMM_WORLD, cs, &m), "patches are empty (2D) but domain cells[2] = 2 (expected 1");
  CHECK(GaleCaseDestroy(&cs));
  assert_null(m);
#undef BAD_READ
}

static int Setup(void **state)
{
  (void)state;
  snprintf(gTmp, sizeof(gTmp), "/tmp/gale_test_octree_XXXXXX");
  return mkdtemp(gTmp) ? 0 : -1;
}

static int Teardown(void **state)
{
  char path[512];
  (void)state;
  snprintf(path, sizeof(path), "%s/case.yaml", gTmp);
  unlink(path);
  snprintf(path, sizeof(path), "%s/cyl.stl", gTmp);
  unlink(path);
  return rmdir(gTmp);
}

int main(int argc, char **argv)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_search),          cmocka_unit_test(test_box),           cmocka_unit_test(test_box_region),      cmocka_unit_test(test_cells_between_levels), cmocka_unit_test(test_sphere),
      cmocka_unit_test(test_location_errors), cmocka_unit_test(test_feature_angle), cmocka_unit_test(test_distance_region), cmocka_unit_test(test_2d_cylinder),          cmocka_unit_test(test_distributed),
      cmocka_unit_test(test_case_file),       cmocka_unit_test(test_case_errors),
  };
  int fails;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  fails = cmocka_run_group_tests(tests, Setup, Teardown);
  PetscCall(PetscFinalize());
  return fails ? 1 : 0;
}
