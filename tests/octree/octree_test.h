/* Surfaces in memory and small mesh measures shared by the octree
 * mesher's tests (test_octree.c, test_snap.c, test_layers.c). Include after cmocka.h,
 * gale_octree.h and a CHECK(call) macro. */
#ifndef GALE_OCTREE_TEST_H
#define GALE_OCTREE_TEST_H

#include <stdio.h>
#include <string.h>

static GaleSurface NewSurface(PetscInt np, PetscInt nt, const char *name)
{
  GaleSurface s;
  assert_int_equal(0, PetscNew(&s));
  s->nPoints  = np;
  s->nTris    = nt;
  s->nRegions = 1;
  assert_int_equal(0, PetscMalloc1(3 * np, &s->points));
  assert_int_equal(0, PetscMalloc1(3 * nt, &s->tris));
  assert_int_equal(0, PetscCalloc1(nt, &s->triRegion));
  assert_int_equal(0, PetscCalloc1(1, &s->regionNames));
  snprintf(s->regionNames[0], GALE_NAME_LEN, "%s", name);
  return s;
}

static void FreeSurface(GaleSurface *s)
{
  if (!*s) return;
  CHECK(PetscFree((*s)->points));
  CHECK(PetscFree((*s)->tris));
  CHECK(PetscFree((*s)->triRegion));
  CHECK(PetscFree((*s)->regionNames));
  CHECK(PetscFree(*s));
}

/* Closed prism over an n-gon of radius r about (cx, cy), z in [z0, z1]. */
static GaleSurface Prism(PetscReal cx, PetscReal cy, PetscReal r, PetscInt n, PetscReal z0, PetscReal z1)
{
  GaleSurface s = NewSurface(2 * n + 2, 4 * n, "cylinder");
  PetscInt    t = 0;
  for (PetscInt j = 0; j < n; j++)
    for (int k = 0; k < 2; k++) {
      PetscReal *x = s->points + 3 * (2 * j + k);
      x[0]         = cx + r * PetscCosReal(2 * PETSC_PI * j / n);
      x[1]         = cy + r * PetscSinReal(2 * PETSC_PI * j / n);
      x[2]         = k ? z1 : z0;
    }
  for (int k = 0; k < 2; k++) {
    PetscReal *x = s->points + 3 * (2 * n + k);
    x[0] = cx, x[1] = cy, x[2] = k ? z1 : z0;
  }
  for (PetscInt j = 0; j < n; j++) {
    const PetscInt a = 2 * j, b = 2 * ((j + 1) % n);
    PetscInt      *q = s->tris + 3 * t;
    q[0] = a, q[1] = b, q[2] = b + 1, q[3] = a, q[4] = b + 1, q[5] = a + 1;
    q[6] = 2 * n, q[7] = b, q[8] = a;               /* bottom, normal -z */
    q[9] = 2 * n + 1, q[10] = a + 1, q[11] = b + 1; /* top, normal +z */
    t += 4;
  }
  return s;
}

/* Volume enclosed by a closed, outward-oriented surface (divergence theorem). */
static PetscReal SurfaceVolume(GaleSurface s)
{
  PetscReal v = 0;
  for (PetscInt t = 0; t < s->nTris; t++) {
    const PetscReal *a = s->points + 3 * s->tris[3 * t], *b = s->points + 3 * s->tris[3 * t + 1], *c = s->points + 3 * s->tris[3 * t + 2];
    v += (a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0]) + a[2] * (b[0] * c[1] - b[1] * c[0])) / 6;
  }
  return v;
}

static PetscReal TotalVolume(GaleMesh m)
{
  PetscReal v = 0;
  for (PetscInt c = 0; c < m->nCells; c++) v += m->cellVolumes[c];
  return v;
}

static void BoxOptions(GaleOctreeOptions *opt, PetscReal lo, PetscReal hi, PetscInt n)
{
  static const char *const names[6] = {"xmin", "xmax", "ymin", "ymax", "zmin", "zmax"};
  memset(opt, 0, sizeof(*opt));
  for (int d = 0; d < 3; d++) {
    opt->lo[d]     = lo;
    opt->hi[d]     = hi;
    opt->cells[d]  = n;
    opt->refine[d] = PETSC_TRUE;
  }
  for (int s = 0; s < 6; s++) {
    snprintf(opt->patch[s], GALE_NAME_LEN, "%s", names[s]);
    snprintf(opt->patchType[s], 32, "patch");
  }
  opt->cellsBetweenLevels = 1;
  opt->featureAngle       = 30;
}

/* The shared box with a location in its far corner. */
PETSC_UNUSED static void BoxWithLocation(GaleOctreeOptions *opt, PetscReal lo, PetscReal hi, PetscInt n)
{
  BoxOptions(opt, lo, hi, n);
  opt->haveLocation = PETSC_TRUE;
  opt->location[0] = 0.93, opt->location[1] = 0.91, opt->location[2] = 0.92;
}

/* The Schafer-Turek channel 2.2 x 0.41, one cell of thickness t (2D: empty
 * front and back, z not refined), 44 x 8 level-0 cells, location in the
 * fluid at (1, 0.1, t/2). */
PETSC_UNUSED static void ChannelOptions(GaleOctreeOptions *opt, PetscReal t)
{
  BoxOptions(opt, 0, 1, 1);
  opt->hi[0] = 2.2, opt->hi[1] = 0.41, opt->hi[2] = t;
  opt->cells[0] = 44, opt->cells[1] = 8, opt->cells[2] = 1;
  opt->refine[2] = PETSC_FALSE;
  for (int k = 4; k < 6; k++) {
    snprintf(opt->patch[k], GALE_NAME_LEN, "frontAndBack");
    snprintf(opt->patchType[k], 32, "empty");
  }
  opt->haveLocation = PETSC_TRUE;
  opt->location[0] = 1, opt->location[1] = 0.1, opt->location[2] = 0.5 * t;
}

/* Icosphere: an icosahedron whose triangles are split in four nsub times,
 * new points pushed onto the sphere (|x - c| = r). Outward triangles. */
PETSC_UNUSED static GaleSurface Icosphere(const PetscReal c[3], PetscReal r, int nsub)
{
  const PetscReal t         = (1 + PetscSqrtReal(5)) / 2;
  const PetscReal v0[12][3] = {{-1, t, 0}, {1, t, 0}, {-1, -t, 0}, {1, -t, 0}, {0, -1, t}, {0, 1, t}, {0, -1, -t}, {0, 1, -t}, {t, 0, -1}, {t, 0, 1}, {-t, 0, -1}, {-t, 0, 1}};
  const int       f0[20][3] = {{0, 11, 5}, {0, 5, 1}, {0, 1, 7}, {0, 7, 10}, {0, 10, 11}, {1, 5, 9}, {5, 11, 4}, {11, 10, 2}, {10, 7, 6}, {7, 1, 8},
                               {3, 9, 4},  {3, 4, 2}, {3, 2, 6}, {3, 6, 8},  {3, 8, 9},   {4, 9, 5}, {2, 4, 11}, {6, 2, 10},  {8, 6, 7},  {9, 8, 1}};
  PetscInt        nt = 20, np = 12, maxp = 12, maxt = 20;
  PetscReal      *x;
  PetscInt       *tri;
  GaleSurface     s;

  for (int k = 0; k < nsub; k++) maxt *= 4;
  maxp = maxt / 2 + 2;
  CHECK(PetscMalloc2(3 * maxp, &x, 3 * maxt, &tri));
  for (int i = 0; i < 12; i++) {
    const PetscReal n = PetscSqrtReal(1 + t * t);
    for (int d = 0; d < 3; d++) x[3 * i + d] = v0[i][d] / n;
  }
  for (int i = 0; i < 20; i++)
    for (int k = 0; k < 3; k++) tri[3 * i + k] = f0[i][k];
  for (int k = 0; k < nsub; k++) {
    PetscInt *nt2, *mid, n2 = 0;
    /* midpoint of edge (a, b): found by a linear scan of this level's new points (small surfaces only) */
    CHECK(PetscMalloc2(12 * nt, &nt2, 3 * nt, &mid));
    for (PetscInt i = 0; i < nt; i++) {
      for (int e = 0; e < 3; e++) {
        const PetscInt a = tri[3 * i + e], b = tri[3 * i + (e + 1) % 3];
        PetscReal      m[3], len;
        PetscInt       j;
        for (int d = 0; d < 3; d++) m[d] = 0.5 * (x[3 * a + d] + x[3 * b + d]);
        len = PetscSqrtReal(m[0] * m[0] + m[1] * m[1] + m[2] * m[2]);
        for (int d = 0; d < 3; d++) m[d] /= len;
        for (j = np - 1; j >= 0; j--)
          if (PetscAbsReal(x[3 * j] - m[0]) + PetscAbsReal(x[3 * j + 1] - m[1]) + PetscAbsReal(x[3 * j + 2] - m[2]) < 1e-12) break;
        if (j < 0) {
          j = np++;
          for (int d = 0; d < 3; d++) x[3 * j + d] = m[d];
        }
        mid[3 * i + e] = j;
      }
      {
        const PetscInt a = tri[3 * i], b = tri[3 * i + 1], cc = tri[3 * i + 2], ab = mid[3 * i], bc = mid[3 * i + 1], ca = mid[3 * i + 2];
        const PetscInt q[12] = {a, ab, ca, b, bc, ab, cc, ca, bc, ab, bc, ca};
        for (int k2 = 0; k2 < 12; k2++) nt2[3 * n2 + k2] = q[k2];
        n2 += 4;
      }
    }
    nt = n2;
    CHECK(PetscArraycpy(tri, nt2, 3 * nt));
    CHECK(PetscFree2(nt2, mid));
  }
  s = NewSurface(np, nt, "sphere");
  for (PetscInt i = 0; i < np; i++)
    for (int d = 0; d < 3; d++) s->points[3 * i + d] = c[d] + r * x[3 * i + d];
  CHECK(PetscArraycpy(s->tris, tri, 3 * nt));
  CHECK(PetscFree2(x, tri));
  return s;
}

/* Every cell closed (the sum of its outward face area vectors vanishes
 * against its face areas; faces need not be planar) and of positive volume. */
PETSC_UNUSED static void CheckClosed(GaleMesh m)
{
  PetscReal *sum, *mag;

  CHECK(PetscCalloc2(3 * m->nCells, &sum, m->nCells, &mag));
  for (PetscInt f = 0; f < m->nFaces; f++)
    for (int side = 0; side < (f < m->nInternalFaces ? 2 : 1); side++) {
      const PetscInt c = side ? m->neighbour[f] : m->owner[f];
      for (int d = 0; d < 3; d++) sum[3 * c + d] += (side ? -1 : 1) * m->faceAreas[3 * f + d];
      mag[c] += m->faceMagAreas[f];
    }
  for (PetscInt c = 0; c < m->nCells; c++) {
    assert_true(PetscSqrtReal(sum[3 * c] * sum[3 * c] + sum[3 * c + 1] * sum[3 * c + 1] + sum[3 * c + 2] * sum[3 * c + 2]) < 1e-12 * mag[c]);
    assert_true(m->cellVolumes[c] > 0);
  }
  CHECK(PetscFree2(sum, mag));
}

#endif
