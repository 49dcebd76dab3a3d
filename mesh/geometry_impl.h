/* Private to the surface readers (mesh/geometry.c, stl.c, obj.c): a
 * growable triangle soup that a parser fills with points, triangles and
 * regions, and that geometry.c then turns into a GaleSurface (points merged
 * by coordinate, degenerate triangles dropped, empty regions removed). */
#ifndef GALE_GEOMETRY_IMPL_H
#define GALE_GEOMETRY_IMPL_H

#include "gale_geometry.h"

typedef struct {
  MPI_Comm    comm;
  const char *path;                /* for messages */
  char        base[GALE_NAME_LEN]; /* name of unnamed regions: the file's base name */
  PetscInt    nPoints, capPoints;
  PetscReal  *points; /* 3*nPoints */
  PetscInt    nTris, capTris;
  PetscInt   *tris, *triRegion; /* 3*nTris, nTris */
  PetscInt    nRegions, capRegions;
  char (*regionNames)[GALE_NAME_LEN];
  PetscInt nFlipped; /* facets whose stored normal opposes their vertex order (STL) */
} GaleSoup;

PetscErrorCode GaleSoupAddPoint(GaleSoup *b, const PetscReal x[3]);
PetscErrorCode GaleSoupAddTri(GaleSoup *b, PetscInt i, PetscInt j, PetscInt k, PetscInt region);
/* Region called `name` (len bytes, not NUL-terminated), created if new; an
 * empty name means the file's base name. `line` is for messages. */
PetscErrorCode GaleSoupRegion(GaleSoup *b, const char *name, size_t len, PetscInt line, PetscInt *region);

/* Parsers: buf holds the whole (decompressed) file, NUL-terminated at len. */
PetscErrorCode GaleSoupParseSTL(GaleSoup *b, const char *buf, size_t len);
PetscErrorCode GaleSoupParseOBJ(GaleSoup *b, const char *buf, size_t len);

#endif
