/* GaleMesh: the face-based finite-volume mesh (OpenFOAM polyMesh layout).
 *
 * Topology
 *   points        3*nPoints, interleaved (x0,y0,z0,x1,...)
 *   faces         CSR: points of face f are facePoints[faceOffsets[f] ..
 *                 faceOffsets[f+1]-1], ordered so that the right-hand normal
 *                 points from owner to neighbour (out of the owner).
 *   owner[f]      for every face; neighbour[f] for f < nInternalFaces.
 *   Internal faces come first, then boundary faces grouped by patch
 *   (patch p owns faces patches[p].start .. start+size-1).
 *
 * Cells: nCells owned cells first, then nGhosts ghost cells (one layer of
 * face neighbours owned by other ranks). A serial / global mesh has
 * nGhosts = 0. In a distributed mesh the "internal" faces are every global
 * internal face with at least one owned cell, with the global orientation
 * kept, so owner[f] or neighbour[f] may be a ghost (>= nCells); a face
 * between owned and ghost cell is computed identically on both ranks.
 * Boundary faces always have an owned owner. Every rank has every patch
 * (size may be 0), in the same order.
 *
 * Geometry (computed by GaleMeshComputeGeometry, valid for ghosts too)
 *   cellCentres   3*(nCells+nGhosts) interleaved;  cellVolumes
 *   faceCentres   3*nFaces interleaved
 *   faceAreas     3*nFaces interleaved area vectors Sf (|Sf| = area,
 *                 direction owner -> neighbour / out of the domain)
 *   faceMagAreas  |Sf|
 *   weights[f]    linear interpolation weight of the owner:
 *                 phi_f = w phi_P + (1-w) phi_N; 1 on boundary faces.
 *   deltaCoeffs[f] 1/(d . n) with d = C_N - C_P (boundary: d = C_f - C_P),
 *                 the orthogonal part of the face-normal gradient.
 *   nonOrthCorr[f] 3 per face: k = n - d/(d . n), so that
 *                 grad_f . n = deltaCoeffs (phi_N - phi_P) + k . (grad phi)_f
 *
 * Parallel numbering (filled by GaleMeshDistribute; identity for serial)
 *   cellStart      global (PETSc) index of local cell 0
 *   nCellsGlobal   number of cells on all ranks
 *   globalCell[c]  PETSc global index of local cell c (owned and ghost)
 *   cellOrigId[c]  index of the cell in the undistributed mesh (output order)
 *   faceOrigId[f]  index of the face in the undistributed mesh
 *   halo           ghost exchange plan (opaque)
 */
#ifndef GALE_MESH_H
#define GALE_MESH_H

#include "gale_sys.h"

typedef struct {
  char name[GALE_NAME_LEN];
  char type[32]; /* geometric type from the mesh source: patch, wall,
                    empty, symmetryPlane, ... (physics comes from case) */
  PetscInt start, size;
} GalePatch;

typedef struct _p_GaleHalo *GaleHalo;

typedef struct _p_GaleMesh *GaleMesh;
struct _p_GaleMesh {
  MPI_Comm comm;

  PetscInt   nPoints;
  PetscReal *points;

  PetscInt  nFaces, nInternalFaces;
  PetscInt *faceOffsets, *facePoints;
  PetscInt *owner, *neighbour;

  PetscInt   nPatches;
  GalePatch *patches;

  PetscInt nCells, nGhosts;

  PetscReal *cellCentres, *cellVolumes;
  PetscReal *faceCentres, *faceAreas, *faceMagAreas;
  PetscReal *weights, *deltaCoeffs, *nonOrthCorr;

  PetscInt  cellStart, nCellsGlobal;
  PetscInt *globalCell, *cellOrigId, *faceOrigId;
  GaleHalo  halo;

  PetscInt *cellLevel; /* refinement level of each cell (owned and ghost) from
                          the octree mesher; NULL when the source has none */
};

/* Allocate an empty mesh on comm (all arrays NULL, counts 0). */
PetscErrorCode GaleMeshCreate(MPI_Comm comm, GaleMesh *mesh);
PetscErrorCode GaleMeshDestroy(GaleMesh *mesh);

/* Allocate topology arrays for the given sizes (faceOffsets gets nFaces+1,
 * facePoints gets nFacePoints, neighbour gets nInternalFaces). */
PetscErrorCode GaleMeshAllocate(GaleMesh mesh, PetscInt nPoints, PetscInt nFaces, PetscInt nInternalFaces, PetscInt nFacePoints, PetscInt nCells, PetscInt nPatches);

/* Compute all geometry arrays from points/faces/owner/neighbour. Works on a
 * global mesh (nGhosts = 0) and on a distributed mesh whose ghost cells
 * have all their faces present (the distributor computes geometry on the
 * global mesh and copies it instead). */
PetscErrorCode GaleMeshComputeGeometry(GaleMesh mesh);

/* Identity parallel numbering for a serial/global mesh. */
PetscErrorCode GaleMeshSetSerialNumbering(GaleMesh mesh);

/* Index of patch by name, or -1. */
PetscInt GaleMeshFindPatch(GaleMesh mesh, const char *name);

/* Sanity checks: closed cells (sum of outward Sf ~ 0 relative to face
 * size), positive volumes, valid indices. Errors name the first bad cell. */
PetscErrorCode GaleMeshCheck(GaleMesh mesh);

/* Log a short summary (cells, faces, patches) on rank 0. */
PetscErrorCode GaleMeshView(GaleMesh mesh);

/* ---- quality report and gate (mesh/quality.c) ----
 * OpenFOAM checkMesh's metrics (definitions in mesh/quality.c), over the
 * owned cells of a global or distributed mesh, reduced over mesh->comm:
 * every rank gets the same numbers whatever the rank count. */
typedef enum { GALE_CELL_HEX, GALE_CELL_PRISM, GALE_CELL_WEDGE, GALE_CELL_PYRAMID, GALE_CELL_TETWEDGE, GALE_CELL_TET, GALE_CELL_POLY, GALE_CELL_NTYPES } GaleCellType;
extern const char *const GaleCellTypeNames[GALE_CELL_NTYPES];
#define GALE_QUALITY_MAX_LEVEL 31 /* deeper levels are counted here */
#define GALE_QUALITY_MAX_FACES 32 /* polyhedra with more faces are counted here */

typedef struct {
  PetscInt  nCells, nInternalFaces, nBoundaryFaces;
  PetscInt  nType[GALE_CELL_NTYPES];
  PetscInt  nPolyByFaces[GALE_QUALITY_MAX_FACES + 1]; /* polyhedra by number of faces */
  PetscInt  nLevels;                                  /* 0: the mesh has no refinement levels */
  PetscInt  nPerLevel[GALE_QUALITY_MAX_LEVEL + 1];
  PetscInt  geometricD[3]; /* 1: geometric direction, -1: empty (2D) */
  PetscReal bboxLo[3], bboxHi[3];
  PetscReal boundaryOpenness[3], boundaryMag[3];
  PetscReal maxOpenness; /* closedness; > 1e-6: open */
  PetscInt  nOpen;
  PetscReal maxAspectRatio;
  PetscInt  nHighAspect; /* > 1000 */
  PetscReal minFaceArea, maxFaceArea;
  PetscInt  nZeroArea;
  PetscReal minVolume, maxVolume, totalVolume;
  PetscInt  nNegVolume;             /* zero or negative */
  PetscReal maxNonOrth, avgNonOrth; /* degrees, internal faces; average = acos(mean cosine) */
  PetscInt  nSevereNonOrth;         /* > 70 degrees: warning */
  PetscInt  nErrorNonOrth;          /* >= 90 degrees: failed check */
  PetscInt  nBadPyramids;
  PetscReal maxSkewness;
  PetscInt  nHighSkew; /* > 4 */
  PetscReal minDeterminant, avgDeterminant;
  PetscInt  nLowDeterminant;    /* < 0.001 */
  PetscReal negVolumeCentre[3]; /* centre of the smallest negative-volume cell */
  PetscReal openCentre[3];      /* centre of the most open cell */
  PetscInt  nFailed;            /* failed checks as checkMesh counts them */
} GaleMeshQuality;

/* Collective over mesh->comm. */
PetscErrorCode GaleMeshComputeQuality(GaleMesh mesh, GaleMeshQuality *q);
/* checkMesh-style report on rank 0, "***" on failed checks, ending with
 * "Mesh OK." or "Failed N mesh checks.". */
PetscErrorCode GaleMeshQualityView(GaleMesh mesh, const GaleMeshQuality *q);
/* Two lines for the run log (max non-orthogonality, skewness, problems). */
PetscErrorCode GaleMeshQualityViewBrief(GaleMesh mesh, const GaleMeshQuality *q);
/* The gate: GALE_ERR_USER for zero/negative volumes or open cells (count,
 * worst cell's centre); everything else only warns in the report. */
PetscErrorCode GaleMeshQualityCheck(GaleMesh mesh, const GaleMeshQuality *q);
/* Per owned cell: largest non-orthogonality (degrees, internal faces) and
 * skewness over its faces (arrays of mesh->nCells), for ParaView. */
PetscErrorCode GaleMeshQualityCellFields(GaleMesh mesh, PetscReal nonOrth[], PetscReal skewness[]);

/* ---- generators and importers (mesh/blockmesh.c, mesh/polymesh.c) ---- */
typedef struct GaleCase_s GaleCase; /* from io/gale_case.h */

/* Build the global mesh described by the case's mesh section (block mesh or
 * polyMesh import) with geometry computed; called on every rank, which
 * builds an identical copy (comm is used for messages only). */
PetscErrorCode GaleMeshBuildFromCase(MPI_Comm comm, const GaleCase *cs, GaleMesh *mesh);

/* Import an OpenFOAM ascii constant/polyMesh directory. */
PetscErrorCode GaleMeshReadPolyMesh(MPI_Comm comm, const char *dir, GaleMesh *mesh);
/* Import a Gmsh MSH 4.1 volume mesh (ascii or binary, optionally .msh.gz;
 * mesh/gmsh.c): first-order tetrahedra, hexahedra, prisms and pyramids;
 * boundary triangles and quadrangles become patches named by their
 * physical group, unmatched boundary faces the patch defaultFaces. */
PetscErrorCode GaleMeshReadGmsh(MPI_Comm comm, const char *path, GaleMesh *mesh);
/* Export a global mesh as an OpenFOAM ascii constant/polyMesh directory
 * (created if missing), e.g. to run OpenFOAM on exactly Gale's mesh. */
PetscErrorCode GaleMeshWritePolyMesh(GaleMesh mesh, const char *dir);

/* C-grid (cells_wake > 0) or O-grid (cells_wake = 0) around a NACA 4-digit
 * airfoil, chord 1 from (0,0) to (1,0), out to a circle of radius farfield
 * around (1/2, 0), one cell thick in z (mesh/airfoil.c; settings in
 * io/gale_case.h). Patches airfoil (wall), farfield (the circle and the
 * C-grid's outflow) and frontAndBack (empty); the first layer of points
 * lies first_cell along the surface normal. Geometry and serial numbering
 * computed. */
typedef struct GaleAirfoilSettings_s GaleAirfoilSettings;
PetscErrorCode                       GaleMeshBuildAirfoil(MPI_Comm comm, const GaleAirfoilSettings *settings, GaleMesh *mesh);

/* ---- partitioning and distribution (mesh/partition.c, mesh/distribute.c) ---- */

/* METIS k-way partition of the cell dual graph into `nparts`; part[c] for
 * every cell of the global mesh. Deterministic. nparts == 1 gives zeros. */
PetscErrorCode GaleMeshPartition(GaleMesh global, PetscInt nparts, PetscInt *part);

/* From the global mesh (identical on all ranks of comm), build this rank's
 * local mesh with one ghost layer, numbering, halo and geometry. Prints
 * partition statistics (cells per rank, imbalance, cut faces) on rank 0. */
PetscErrorCode GaleMeshDistribute(GaleMesh global, MPI_Comm comm, GaleMesh *local);

/* Update ghost entries of a cell field. The field has ncomp components,
 * component-major with stride `stride` (>= nCells+nGhosts): value of
 * component d at cell c is field[d*stride + c]. */
PetscErrorCode GaleHaloExchange(GaleMesh mesh, PetscInt ncomp, PetscInt stride, PetscReal *field);
PetscErrorCode GaleHaloDestroy(GaleHalo *halo);

#endif
