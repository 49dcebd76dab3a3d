/* Internal to the snapping stage (mesh/snap.c, mesh/snap_features.c): the
 * work state shared by its files and small helpers. Not part of the API. */
#ifndef GALE_SNAP_IMPL_H
#define GALE_SNAP_IMPL_H

#include "gale_octree.h"

#define SNAP_REACH 3.5       /* search radius for the surface, in local cell sizes (a cut cell one level coarser is 2 sqrt 3 cells across) */
#define SNAP_MIN_VOLUME 0.02 /* of the castellated cell volume */
#define SNAP_MIN_FLAT 0.5
/* Boundary faces: the angle between Sf and Cf - C_P (OpenFOAM's quality
 * checks skip boundary faces; only nearly tangential ones are refused). */
#define SNAP_MAX_BOUNDARY_NON_ORTHO 85
/* checkMesh's limit, for internal and boundary faces alike (snappyHexMesh
 * allows 20 on boundary faces: 2 % more points snap fully on the F3 car,
 * but checkMesh and gale mesh's report then flag a few hundred faces) */
#define SNAP_MAX_SKEWNESS 4
#define SNAP_PLANE_ITERATIONS 4

typedef struct {
  GaleOctree     o;
  GaleMesh       m;
  PetscInt       np, nc, nf, ni;
  PetscReal     *x0, *disp, *scale, *h;
  unsigned char *kind;         /* 1: point of a surface-patch face */
  unsigned char *fixed;        /* bit d: the point lies on a domain side normal to d */
  PetscInt      *eOff, *eAdj;  /* point-point edges */
  PetscInt      *cOff, *cFace; /* cell -> faces */
  PetscReal     *vol0;
  /* geometry of the displaced mesh */
  PetscReal *Cf, *Sf, *xm, *flat, *C, *V;
} Snap;

static inline PetscReal Dot(const PetscReal a[3], const PetscReal b[3])
{
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

static inline void Cross(const PetscReal a[3], const PetscReal b[3], PetscReal c[3])
{
  c[0] = a[1] * b[2] - a[2] * b[1];
  c[1] = a[2] * b[0] - a[0] * b[2];
  c[2] = a[0] * b[1] - a[1] * b[0];
}

static inline void Constrain(unsigned char fixed, PetscReal d[3])
{
  for (int k = 0; k < 3; k++)
    if (fixed & (1 << k)) d[k] = 0;
}

static inline PetscBool Moved(const Snap *S, PetscInt p)
{
  return (PetscBool)(S->disp[3 * p] != 0 || S->disp[3 * p + 1] != 0 || S->disp[3 * p + 2] != 0);
}

/* Explicit feature snapping (mesh/snap_features.c): sets the displacement
 * of the boundary points drawn to feature edges and corners. */
PetscErrorCode GaleOctreeSnapFeatures_Private(Snap *S, PetscReal featureAngle, PetscInt *nFeature);

#endif
