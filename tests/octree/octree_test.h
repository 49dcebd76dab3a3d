/* Surfaces in memory and small mesh measures shared by the octree
 * mesher's tests (test_octree.c, test_snap.c). Include after cmocka.h,
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

#endif
