/* Tests of the snapping stage of the octree mesher (mesh/snap.c).
 *
 * References are analytic: a sphere of radius r = 0.5 (icosphere, vertices
 * on the sphere) in the box [-1, 1]^3, where the snapped fluid volume must
 * approach the box minus the sphere at second order in the cell size (the
 * castellated mesh misses a shell about half a cell thick: first order),
 * every boundary point lie on the sphere, and the mesh pass GaleMeshCheck
 * (closed cells, positive volumes); a 2D cylinder (prism through a
 * one-cell-thick box), whose snapped area must approach the box minus the
 * polygon while every point keeps z = 0 or z = t; a rotated cube (sharp
 * edges, not aligned with the grid), whose volume must come within a band
 * along its edges; a sphere cut by the domain's floor (a tyre on the
 * ground), whose points on the floor must stay there, on the circle where
 * the sphere meets it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include "gale_octree.h"

#define CHECK(call) assert_int_equal(0, (int)(call))
#include "octree_test.h"

/* ---------- surfaces in memory ---------- */

/* Cube of half-side a about c, rotated by R (rows: the cube's axes), 12 outward triangles. */
static GaleSurface RotatedCube(const PetscReal c[3], PetscReal a, const PetscReal R[3][3])
{
  static const int quads[6][4] = {{0, 4, 6, 2}, {1, 3, 7, 5}, {0, 1, 5, 4}, {2, 6, 7, 3}, {0, 2, 3, 1}, {4, 5, 7, 6}};
  GaleSurface      s           = NewSurface(8, 12, "cube");
  for (int k = 0; k < 8; k++) {
    const PetscReal u[3] = {(k & 1) ? a : -a, (k & 2) ? a : -a, (k & 4) ? a : -a};
    for (int d = 0; d < 3; d++) s->points[3 * k + d] = c[d] + R[0][d] * u[0] + R[1][d] * u[1] + R[2][d] * u[2];
  }
  for (int f = 0; f < 6; f++) {
    PetscInt *q = s->tris + 6 * f;
    q[0] = quads[f][0], q[1] = quads[f][1], q[2] = quads[f][2];
    q[3] = quads[f][0], q[4] = quads[f][2], q[5] = quads[f][3];
  }
  return s;
}

/* ---------- mesher ---------- */

/* Castellated mesh (snap false) or snapped mesh of surface s at level L. */
static void Build(const GaleOctreeOptions *opt, GaleSurface s, PetscInt L, PetscBool snap, GaleMesh *mesh, GaleSnapStats *st)
{
  GaleOctree      o;
  const char     *patch[1] = {s->regionNames[0]};
  GaleSnapOptions so       = {.featureAngle = opt->featureAngle, .patchSmooth = 3, .smoothLayers = 4, .iterations = 8, .maxNonOrtho = 75, .features = PETSC_FALSE};

  CHECK(GaleOctreeCreate(PETSC_COMM_WORLD, opt, &o));
  CHECK(GaleOctreeAddSurface(o, s, s->regionNames[0], L, L, patch, NULL));
  CHECK(GaleOctreeRefine(o));
  CHECK(GaleOctreeSelectFluid(o));
  CHECK(GaleOctreeBuildMesh(o, mesh));
  if (snap) CHECK(GaleOctreeSnap(o, &so, mesh, st));
  CHECK(GaleOctreeDestroy(&o));
  CHECK(GaleMeshCheck(*mesh));
}

/* Min and max of |x - c| over the points of patch `name` (2D: distance in x, y). */
static void PatchRadius(GaleMesh m, const char *name, const PetscReal c[3], int dims, PetscReal *rmin, PetscReal *rmax)
{
  const PetscInt p = GaleMeshFindPatch(m, name);
  assert_true(p >= 0 && m->patches[p].size > 0);
  *rmin = PETSC_MAX_REAL, *rmax = 0;
  for (PetscInt f = m->patches[p].start; f < m->patches[p].start + m->patches[p].size; f++)
    for (PetscInt k = m->faceOffsets[f]; k < m->faceOffsets[f + 1]; k++) {
      const PetscReal *x = m->points + 3 * m->facePoints[k];
      PetscReal        r = 0;
      for (int d = 0; d < dims; d++) r += (x[d] - c[d]) * (x[d] - c[d]);
      r     = PetscSqrtReal(r);
      *rmin = PetscMin(*rmin, r);
      *rmax = PetscMax(*rmax, r);
    }
}

/* ---------- tests ---------- */

/* Sphere r = 0.5 in [-1, 1]^3 (8^3 background), levels 2 and 3 (h = 1/16,
 * 1/32). The reference is the box minus the icosphere's own volume (a
 * polyhedron inscribed in the sphere, 3.5e-4 of the sphere smaller; the
 * sphere itself for the distance bounds). A snapped boundary face is a
 * planar-ish quad whose corners lie on the surface: it cuts the sphere by
 * its sagitta, about h^2 / (4 r) at most, so the fluid volume is too large
 * by about 3 h^2 / (8 r^2) of the sphere's volume: the test allows twice
 * that. The castellated mesh misses a shell about half a cell thick
 * (first order, 3 h / (2 r) x 1/2 of the volume): snapped must be at least
 * five times better. */
static void test_snap_sphere(void **state)
{
  const PetscReal   c[3] = {0.013, -0.021, 0.007}, r = 0.5, vs = 4.0 / 3 * PETSC_PI * r * r * r;
  GaleSurface       s    = Icosphere(c, r, 5);
  const PetscReal   vref = 8 - SurfaceVolume(s);
  GaleOctreeOptions opt;

  (void)state;
  assert_true(PetscAbsReal(SurfaceVolume(s) / vs - 1) < 1e-3);
  BoxWithLocation(&opt, -1, 1, 8);
  for (PetscInt L = 2; L <= 3; L++) {
    const PetscReal h = 2.0 / 8 / (1 << L);
    PetscReal       err[2];
    for (int snap = 0; snap < 2; snap++) {
      GaleMesh      m;
      GaleSnapStats st;
      PetscReal     rmin, rmax;
      Build(&opt, s, L, (PetscBool)snap, &m, &st);
      CheckClosed(m);
      err[snap] = (TotalVolume(m) - vref) / vs;
      PatchRadius(m, "sphere", c, 3, &rmin, &rmax);
      CHECK(PetscPrintf(PETSC_COMM_WORLD, "sphere level %d %s: %d cells, fluid volume error %.3e of the sphere volume, boundary points at radius %.6f..%.6f\n", (int)L, snap ? "snapped" : "castellated", (int)m->nCells, (double)err[snap], (double)rmin,
                        (double)rmax));
      if (snap) {
        CHECK(PetscPrintf(PETSC_COMM_WORLD, "  %d of %d points snapped, %d backed off, %d not moved; %d cells failed at full displacement\n", (int)st.nSnapped, (int)st.nBoundary, (int)st.nBackedOff, (int)st.nFrozen, (int)st.nBadCells));
        assert_true(PetscAbsReal(err[1]) <= 2 * 3 * h * h / (8 * r * r));
        assert_true(PetscAbsReal(err[1]) * 5 <= PetscAbsReal(err[0]));
        assert_int_equal(st.nBoundary, st.nTargets);
        assert_true(st.nBackedOff + st.nFrozen <= st.nBoundary / 100); /* at most 1 % held back by the quality checks */
        assert_true(rmin >= r * (1 - 1e-3));                           /* icosphere edges 0.02: sagitta 1e-4 */
        /* every point on the sphere, or (backed off) at least half way from its castellated place, less than sqrt(3) h away */
        assert_true(rmax <= r + (st.nBackedOff + st.nFrozen ? h : 1e-12));
        assert_true(st.maxDist0 > 0.3 * h && st.maxDist <= (st.nBackedOff + st.nFrozen ? h : 1e-12));
      }
      CHECK(GaleMeshDestroy(&m));
    }
  }
  FreeSurface(&s);
}

/* 2D cylinder r = 0.05 (a 256-gon prism through the one-cell-thick box of
 * Schafer & Turek's channel), levels 3 and 4: every point keeps z = 0 or
 * z = t, every boundary point lands on the prism, and the fluid area
 * approaches the box minus the polygon's area at second order: each
 * boundary face is a chord of length about h, which leaves a segment of
 * area h^3 / (12 r) outside the mesh; 2 pi r / h of them make pi h^2 / 6,
 * h^2 / (6 r^2) of the cylinder's area. The test allows twice that. */
static void test_snap_cylinder_2d(void **state)
{
  const PetscInt    n = 256;
  const PetscReal   r = 0.05, t = 0.01, c[3] = {0.2, 0.2, 0};
  GaleSurface       s     = Prism(c[0], c[1], r, n, -0.05, 0.06);
  const PetscReal   apoly = 0.5 * n * r * r * PetscSinReal(2 * PETSC_PI / n), aref = 2.2 * 0.41 - apoly;
  GaleOctreeOptions opt;
  PetscReal         err[2] = {0, 0};

  (void)state;
  ChannelOptions(&opt, t);
  for (PetscInt L = 3; L <= 4; L++) {
    const PetscReal h = 2.2 / 44 / (1 << L);
    for (int snap = 0; snap < 2; snap++) {
      GaleMesh      m;
      GaleSnapStats st;
      PetscReal     rmin, rmax;
      Build(&opt, s, L, (PetscBool)snap, &m, &st);
      CheckClosed(m);
      for (PetscInt p = 0; p < m->nPoints; p++) assert_true(m->points[3 * p + 2] == 0 || m->points[3 * p + 2] == t);
      err[snap] = (TotalVolume(m) / t - aref) / apoly;
      PatchRadius(m, "cylinder", c, 2, &rmin, &rmax);
      CHECK(PetscPrintf(PETSC_COMM_WORLD, "2D cylinder level %d %s: %d cells, fluid area error %.3e of the cylinder area, boundary points at radius %.6f..%.6f\n", (int)L, snap ? "snapped" : "castellated", (int)m->nCells, (double)err[snap],
                        (double)rmin, (double)rmax));
      if (snap) {
        assert_int_equal(st.nBoundary, st.nSnapped);
        assert_true(rmin >= r * PetscCosReal(PETSC_PI / n) - 1e-12 && rmax <= r + 1e-12);
        assert_true(PetscAbsReal(err[1]) <= 2 * h * h / (6 * r * r));
        assert_true(PetscAbsReal(err[1]) * 5 <= PetscAbsReal(err[0]));
      }
      CHECK(GaleMeshDestroy(&m));
    }
  }
  FreeSurface(&s);
}

/* A cube of half-side 0.3, rotated (not aligned with the grid), level 3
 * (h = 1/32): plain nearest-point snapping puts the points in an edge's
 * Voronoi region onto the edge, so the snapped fluid volume is the box minus
 * the cube to within a band along the 12 edges (at most half a cell square
 * in cross-section each) and the faces between; the castellated mesh is off
 * by a shell about half a cell thick over the 6 faces. */
static void test_snap_cube(void **state)
{
  const PetscReal   a = 0.3, c[3] = {0.011, -0.017, 0.023}, ca = PetscCosReal(0.5), sa = PetscSinReal(0.5), cb = PetscCosReal(0.3), sb = PetscSinReal(0.3);
  const PetscReal   R[3][3] = {{ca * cb, sa * cb, -sb}, {-sa, ca, 0}, {ca * sb, sa * sb, cb}}; /* rotation by 0.5 rad about z, then 0.3 about y (rows orthonormal) */
  GaleSurface       s       = RotatedCube(c, a, R);
  const PetscReal   vc = 8 * a * a * a, h = 2.0 / 8 / 8;
  GaleOctreeOptions opt;
  PetscReal         err[2];

  (void)state;
  BoxWithLocation(&opt, -1, 1, 8);
  for (int snap = 0; snap < 2; snap++) {
    GaleMesh      m;
    GaleSnapStats st;
    Build(&opt, s, 3, (PetscBool)snap, &m, &st);
    CheckClosed(m);
    err[snap] = (TotalVolume(m) - (8 - vc)) / vc;
    CHECK(PetscPrintf(PETSC_COMM_WORLD, "rotated cube level 3 %s: %d cells, fluid volume error %.3e of the cube volume\n", snap ? "snapped" : "castellated", (int)m->nCells, (double)err[snap]));
    if (snap) {
      CHECK(PetscPrintf(PETSC_COMM_WORLD, "  %d of %d points snapped, %d backed off, %d not moved; %d cells failed at full displacement\n", (int)st.nSnapped, (int)st.nBoundary, (int)st.nBackedOff, (int)st.nFrozen, (int)st.nBadCells));
      assert_true(PetscAbsReal(err[1]) * vc <= 12 * 2 * a * 0.5 * h * h);
      assert_true(PetscAbsReal(err[1]) * 5 <= PetscAbsReal(err[0]));
    }
    CHECK(GaleMeshDestroy(&m));
  }
  FreeSurface(&s);
}

/* A sphere (r = 0.5, centre 0.1 above the floor) cut by the domain side
 * z = 0, as a car's tyres cut the ground: points on the floor stay exactly
 * on it, those of the sphere's patch on the floor land on the circle where
 * the sphere meets the floor (radius sqrt(r^2 - 0.1^2)), and the fluid
 * volume is the box minus the part of the sphere above the floor (the
 * sphere less its cap of height r - 0.1 below: pi h^2 (3 r - h) / 3), to
 * the second-order bound of test_snap_sphere plus the icosphere's own
 * deficit (3.5e-4 of the volume). */
static void test_snap_floor(void **state)
{
  const PetscReal   c[3] = {0.013, -0.021, 0.1}, r = 0.5, hc = r - c[2], h = 2.0 / 8 / 8;
  const PetscReal   vpart = 4.0 / 3 * PETSC_PI * r * r * r - PETSC_PI * hc * hc * (3 * r - hc) / 3, rc = PetscSqrtReal(r * r - c[2] * c[2]);
  GaleSurface       s = Icosphere(c, r, 5);
  GaleOctreeOptions opt;
  GaleMesh          m;
  GaleSnapStats     st;
  PetscReal         err, rmin = PETSC_MAX_REAL, rmax = 0;
  PetscInt          nfloor = 0;

  (void)state;
  BoxWithLocation(&opt, -1, 1, 8);
  opt.lo[2]    = 0;
  opt.cells[2] = 4;
  Build(&opt, s, 3, PETSC_TRUE, &m, &st);
  CheckClosed(m);
  for (PetscInt p = 0; p < m->nPoints; p++) assert_true(m->points[3 * p + 2] >= 0);
  {
    const PetscInt ps = GaleMeshFindPatch(m, "sphere"), pz = GaleMeshFindPatch(m, "zmin");
    for (PetscInt f = m->patches[pz].start; f < m->patches[pz].start + m->patches[pz].size; f++)
      for (PetscInt k = m->faceOffsets[f]; k < m->faceOffsets[f + 1]; k++) assert_true(m->points[3 * m->facePoints[k] + 2] == 0);
    for (PetscInt f = m->patches[ps].start; f < m->patches[ps].start + m->patches[ps].size; f++)
      for (PetscInt k = m->faceOffsets[f]; k < m->faceOffsets[f + 1]; k++) {
        const PetscReal *x = m->points + 3 * m->facePoints[k];
        PetscReal        rr;
        if (x[2] != 0) continue;
        rr   = PetscSqrtReal((x[0] - c[0]) * (x[0] - c[0]) + (x[1] - c[1]) * (x[1] - c[1]));
        rmin = PetscMin(rmin, rr);
        rmax = PetscMax(rmax, rr);
        nfloor++;
      }
  }
  err = (TotalVolume(m) - (4 - vpart)) / vpart;
  CHECK(PetscPrintf(PETSC_COMM_WORLD,
                    "sphere on the floor, level 3: %d cells, fluid volume error %.3e of the sphere's part above the floor; %d points of the sphere's patch on the floor at radius %.5f..%.5f (circle %.5f); %d of %d snapped, %d backed off\n",
                    (int)m->nCells, (double)err, (int)nfloor, (double)rmin, (double)rmax, (double)rc, (int)st.nSnapped, (int)st.nBoundary, (int)st.nBackedOff));
  assert_true(nfloor > 0);
  assert_true(rmin >= rc * (1 - 1e-3) && rmax <= rc * (1 + 1e-3));
  assert_true(PetscAbsReal(err) <= 2 * 3 * h * h / (8 * r * r) + 3.5e-4);
  CHECK(GaleMeshDestroy(&m));
  FreeSurface(&s);
}

int main(int argc, char **argv)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_snap_sphere),
      cmocka_unit_test(test_snap_cylinder_2d),
      cmocka_unit_test(test_snap_cube),
      cmocka_unit_test(test_snap_floor),
  };
  int fails;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  fails = cmocka_run_group_tests(tests, NULL, NULL);
  PetscCall(PetscFinalize());
  return fails ? 1 : 0;
}
