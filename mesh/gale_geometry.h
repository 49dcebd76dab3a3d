/* GaleSurface: triangulated CAD geometry read from STL (ascii/binary) or
 * OBJ, optionally gzip-compressed, grouped into named regions (ascii STL
 * solids, OBJ g/o groups) that become wall patches of the mesh.
 * Readers validate everything before use and report file and line (or
 * byte offset for binary STL); degenerate triangles are dropped with a
 * warning. The mesher (mesh/octree*.c) queries the surface through the
 * search functions below. */
#ifndef GALE_GEOMETRY_H
#define GALE_GEOMETRY_H

#include "gale_sys.h"

typedef struct _p_GaleSurface *GaleSurface;
struct _p_GaleSurface {
  PetscInt   nPoints, nTris, nRegions;
  PetscReal *points;    /* 3*nPoints interleaved */
  PetscInt  *tris;      /* 3*nTris point indices, counter-clockwise = outward normal */
  PetscInt  *triRegion; /* region of each triangle */
  char (*regionNames)[GALE_NAME_LEN];
  PetscReal bbox[6]; /* xmin ymin zmin xmax ymax zmax */
  void     *search;  /* spatial search structure, built on demand (mesher) */
  /* Frees search (set by whoever builds it); called by GaleSurfaceDestroy,
   * and by GaleSurfaceTransform and GaleSurfaceMerge, which invalidate it. */
  PetscErrorCode (*searchDestroy)(void **search);
};

/* Read by extension: .stl .stl.gz .obj .obj.gz (case-insensitive). Region
 * names: ascii STL solid names, OBJ g/o names; unnamed ones get the file's
 * base name. Points shared by triangles are merged (exact for OBJ, by
 * coordinate for STL). */
PetscErrorCode GaleSurfaceRead(MPI_Comm comm, const char *path, GaleSurface *s);
/* x' = R (scale * x) + translate, R from rotations in degrees about x, then y, then z. */
PetscErrorCode GaleSurfaceTransform(GaleSurface s, const PetscReal scale[3], const PetscReal rotateDeg[3], const PetscReal translate[3]);
/* Append the triangles of b to a as further regions. */
PetscErrorCode GaleSurfaceMerge(GaleSurface a, GaleSurface b);
/* Report (on rank 0) open edges (edges with one triangle: non-watertight)
 * and self-intersections, with counts and the location of the first few;
 * never an error. */
PetscErrorCode GaleSurfaceReport(MPI_Comm comm, GaleSurface s, PetscInt *nOpenEdges, PetscInt *nIntersections);
PetscErrorCode GaleSurfaceDestroy(GaleSurface *s);

/* Closest point q on triangle (a, b, c) to p (Ericson, Real-Time Collision
 * Detection, 5.1.5); also the wall distance of solver/walldist.c. */
void GaleClosestOnTriangle(const PetscReal p[3], const PetscReal *a, const PetscReal *b, const PetscReal *c, PetscReal q[3]);

#endif
