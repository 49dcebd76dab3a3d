/* Wall layers (mesh/layers.c): prism layers extruded from chosen boundary
 * patches of a global GaleMesh, snappyHexMesh's addLayers in spirit but
 * with full coverage: every face of a chosen patch gets all its layers,
 * the total thickness shrinking locally (down to a sliver where it must)
 * instead of layers being dropped. */
#ifndef GALE_LAYERS_H
#define GALE_LAYERS_H

#include "gale_mesh.h"

#define GALE_LAYER_MAX_PATCHES 16

typedef struct {
  PetscInt  nPatches;                                       /* patches that get layers */
  char      patches[GALE_LAYER_MAX_PATCHES][GALE_NAME_LEN]; /* their names */
  PetscInt  number;                                         /* layers per face, >= 1 */
  PetscReal expansion;                                      /* thickness ratio of layer i+1 to layer i, > 0 */
  PetscReal finalThickness;                                 /* outermost layer, relative to the local cell size (used when firstThickness <= 0) */
  PetscReal firstThickness;                                 /* > 0: absolute thickness of the layer on the wall (metres) */
  PetscInt  smoothLayers;                                   /* rings of points behind the layers that share their displacement */
  PetscInt  iterations;                                     /* back-off passes checking everything (then only volumes) at most */
  PetscBool strict;                                         /* leave faces without layers where a layer cell keeps a face pyramid the wrong way round or a face beyond maxNonOrtho */
  PetscReal maxNonOrtho;                                    /* degrees: a face beyond this (and beyond its value before) fails */
  char      where[GALE_PATH_LEN + 64];                      /* prefix of error messages ("case.yaml:12: mesh.octree.layers: "), may be "" */
} GaleLayerOptions;

typedef struct {
  PetscInt       nLayerFaces, nLayerPoints, nCellsAdded; /* faces of the chosen patches, points of the faces with layers, cells added */
  PetscInt       nExcluded;                              /* faces left without layers: their layer cells had no volume however thin */
  PetscInt       nWarnCells;                             /* cells still failing the soft checks (face pyramids, non-orthogonality) */
  PetscInt       nHopeless;                              /* of those, cells that fail them however thin the layers (not backed off for) */
  PetscInt       attempts;                               /* builds (one more per round of excluded faces) */
  PetscInt       nSideInternal, nSideBoundary;           /* edges between two layer faces / a layer face and another patch */
  PetscInt       nConstrained;                           /* layer points held on a non-layer boundary (the normal projected into it) */
  PetscInt       nPinned;                                /* layer points on an edge of more than two boundary faces: no thickness */
  PetscInt       nLimited;                               /* layer points given less than the target before the checks (cell height, converging normals, smoothing) */
  PetscInt       nInterior;                              /* points behind the layers moved with them */
  PetscInt       nBadCells;                              /* cells failing the checks at full thickness */
  PetscInt       iterations;                             /* back-off passes */
  PetscInt       nBackedOff;                             /* layer points whose thickness the back-off reduced */
  PetscReal      fracFull;                               /* layer faces with >= 90 % of their target thickness */
  PetscReal      minRatio, meanRatio;                    /* thickness / target over the layer faces */
  PetscReal      minFirst, maxFirst;                     /* first-layer thickness (smallest, largest) over the layer points */
  PetscLogDouble time;
} GaleLayerStats;

/* Replace *mesh (global, serial: every rank holds the same copy) by the mesh
 * with `opt->number` layers on the faces of the chosen patches, geometry
 * and serial numbering computed. Errors name a missing patch or a boundary
 * edge that is not shared by exactly two boundary faces. Deterministic. */
PetscErrorCode GaleMeshAddLayers(GaleMesh *mesh, const GaleLayerOptions *opt, GaleLayerStats *st);

#endif
