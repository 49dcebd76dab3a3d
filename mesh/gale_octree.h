/* Octree mesher (castellated stage): a background hex grid over a box,
 * refined as an octree (a quadtree in 2D) around triangulated surfaces and
 * inside refinement regions, balanced so that leaves touching each other
 * differ by at most one level, with the leaves cut by a surface or not
 * connected to location_in_mesh removed, converted into a conformal
 * face-based GaleMesh (a coarse cell beside finer ones is a polyhedron whose
 * side is split into the finer faces; no hanging nodes).
 *
 * Stages, one file each:
 *   mesh/surface_search.c  GaleSearch: BVH over a surface's triangles
 *                          (triangle/box overlap, nearest point, ray
 *                          crossings for inside/outside)
 *   mesh/octree.c          GaleOctree: refinement, balance, cut leaves,
 *                          flood fill from location_in_mesh
 *   mesh/octree_mesh.c     leaves -> GaleMesh (points, split faces, patches)
 *   mesh/octree_case.c     the case's mesh.octree section -> the stages above
 * Later stages (snapping boundary points to the surface, wall layers) take
 * the GaleMesh, the leaf of each cell (cellLeaf) and the surfaces' searches.
 *
 * Integer grid: with maxLevel the deepest level in the tree, a refined
 * direction d has N_d = cells[d] * 2^maxLevel units across the domain; a
 * direction that is not refined (the thickness of a 2D case) has cells[d].
 * A node at level L with index ijk spans units [ijk << s, (ijk+1) << s) with
 * s = maxLevel - L in refined directions and s = 0 otherwise. */
#ifndef GALE_OCTREE_H
#define GALE_OCTREE_H

#include "gale_mesh.h"
#include "gale_geometry.h"
#include "gale_case.h"

#define GALE_OCTREE_MAX_LEVEL GALE_MAX_REFINE_LEVEL /* deepest refinement level accepted */
#define GALE_OCTREE_MAX_SURFACES 16
#define GALE_OCTREE_MAX_REGIONS 32

/* ---- surface search (mesh/surface_search.c) ---- */

typedef struct _p_GaleSearch *GaleSearch;

/* Build the BVH of s's triangles (s must outlive the search). Also decides
 * whether s is closed (every edge shared by exactly two triangles). */
PetscErrorCode GaleSearchCreate(GaleSurface s, GaleSearch *search);
PetscErrorCode GaleSearchDestroy(GaleSearch *search);
/* Does any triangle touch the closed box [lo, hi]? (Akenine-Moeller SAT) */
PetscBool GaleSearchBoxOverlaps(GaleSearch search, const PetscReal lo[3], const PetscReal hi[3]);
/* Triangles touching the box: returns how many, storing the first `max` (tri may be NULL: count only). */
PetscInt GaleSearchBoxTriangles(GaleSearch search, const PetscReal lo[3], const PetscReal hi[3], PetscInt max, PetscInt tri[]);
/* Of the triangles in[0..n), those touching the box, into out (may not alias in); returns how many. */
PetscInt GaleSearchFilterBox(GaleSearch search, const PetscReal lo[3], const PetscReal hi[3], PetscInt n, const PetscInt in[], PetscInt out[]);
/* Nearest triangle to x within maxDist (PETSC_MAX_REAL: any), or -1; its
 * distance and closest point (either may be NULL). */
PetscInt GaleSearchNearest(GaleSearch search, const PetscReal x[3], PetscReal maxDist, PetscReal *dist, PetscReal closest[3]);
/* Number of triangles crossed by the ray o + t dir, t > 0. */
PetscInt  GaleSearchRayCrossings(GaleSearch search, const PetscReal o[3], const PetscReal dir[3]);
PetscBool GaleSearchIsClosed(GaleSearch search);
/* Of nrays (<= 7) fixed skew rays from x, how many cross the surface an
 * odd number of times (all of them: inside a closed surface). */
PetscInt GaleSearchOddRays(GaleSearch search, const PetscReal x[3], PetscInt nrays);
/* Inside a closed surface (majority of five ray parities); PETSC_FALSE
 * for open surfaces. */
PetscBool GaleSearchInside(GaleSearch search, const PetscReal x[3]);
/* Unit normal of triangle t (counter-clockwise = outward). */
void GaleSearchTriangleNormal(GaleSearch search, PetscInt t, PetscReal n[3]);

/* ---- octree (mesh/octree.c, mesh/octree_mesh.c) ---- */

enum { GALE_OCTREE_CUT = 1, GALE_OCTREE_FLUID = 2 }; /* leaf flags */

typedef struct {
  PetscReal lo[3], hi[3];              /* domain box */
  PetscInt  cells[3];                  /* level-0 cells per direction */
  PetscBool refine[3];                 /* directions split by refinement (2D: the thickness is not) */
  PetscInt  cellsBetweenLevels;        /* >= 1: leaves within this many cell widths of a level-L leaf have level >= L-1 */
  PetscReal featureAngle;              /* degrees; surface leaves below the max level whose triangle normals differ by more are refined; <= 0: off */
  PetscBool haveLocation;              /* without it (and without surfaces) every uncut leaf is kept */
  PetscReal location[3];               /* location_in_mesh: a point in the fluid */
  char      patch[6][GALE_NAME_LEN];   /* domain sides xmin xmax ymin ymax zmin zmax */
  char      patchType[6][32];          /* patch, wall, empty, symmetryPlane */
  char      where[GALE_PATH_LEN + 32]; /* prefix of messages about location_in_mesh ("case.yaml:12: "), may be "" */
} GaleOctreeOptions;

typedef struct {
  GaleSurface surface; /* not owned */
  GaleSearch  search;  /* owned */
  char        name[GALE_NAME_LEN];
  PetscInt    minLevel, maxLevel;
  PetscInt   *patchOfRegion; /* mesh patch of each surface region */
} GaleOctreeSurface;

typedef struct {
  PetscInt  kind; /* 0 box, 1 distance */
  PetscReal lo[3], hi[3];
  PetscInt  surface;
  PetscReal distance;
  PetscInt  level;
} GaleOctreeRegion;

/* What the mesher did, for the caller to log. */
typedef struct {
  PetscInt       maxLevel;
  PetscInt       nLeaves, nCut, nUnreached, nFluid; /* leaves in all / cut / not reached by the flood fill / kept */
  PetscInt       fluidPerLevel[GALE_OCTREE_MAX_LEVEL + 1];
  PetscInt       nSplitSurface, nSplitBalance;     /* splits made for surfaces and regions, and for balance */
  PetscInt       nPolyhedra, nWallFaces;           /* cells with split sides; faces on surface patches */
  PetscInt       suspect, suspectRays;             /* open surface that location_in_mesh seems to be inside (odd rays of 7), or -1 */
  PetscLogDouble tRefine, tBalance, tFluid, tMesh; /* seconds */
} GaleOctreeStats;

typedef struct _p_GaleOctree *GaleOctree;
struct _p_GaleOctree {
  MPI_Comm          comm;
  GaleOctreeOptions opt;
  PetscInt          nRefined; /* number of refined directions (2 or 3) */
  PetscInt          nChild;   /* 2^nRefined */
  PetscInt          rank[3];  /* bit of direction d in a child's offset (refined directions) */
  PetscInt          maxLevel; /* sets the integer grid; fixed by GaleOctreeRefine */
  PetscInt          N[3];     /* integer units across the domain */
  PetscReal         unit[3];  /* length of one unit */

  /* Nodes: the level-0 cells (i fastest, then j, then k) first, then the
   * children of each split node in groups of nChild (offset sum of
   * bit_d << rank[d], bit_d = 1 for the upper half in direction d). */
  PetscInt       nNodes, capNodes;
  PetscInt      *child; /* first child, or -1 for a leaf */
  PetscInt      *ijk;   /* 3 per node, at the node's level */
  signed char   *level;
  unsigned char *flag; /* GALE_OCTREE_CUT | GALE_OCTREE_FLUID, leaves only */

  PetscInt          nSurfaces, nRegions;
  GaleOctreeSurface surf[GALE_OCTREE_MAX_SURFACES];
  GaleOctreeRegion  region[GALE_OCTREE_MAX_REGIONS];

  /* mesh patches: domain sides first (names merged), then surface patches */
  PetscInt   nPatches;
  GalePatch *patches;
  PetscInt   sidePatch[6];
  PetscInt   wallPatch; /* the one patch of all surface regions, or -1 */

  PetscInt       *cellLeaf; /* after GaleOctreeBuildMesh: node of each mesh cell */
  GaleOctreeStats stats;
};

PetscErrorCode GaleOctreeCreate(MPI_Comm comm, const GaleOctreeOptions *opt, GaleOctree *oct);
PetscErrorCode GaleOctreeDestroy(GaleOctree *oct);
/* Refine around surface s (kept by the caller until the octree is
 * destroyed) to minLevel wherever it passes and up to maxLevel where its
 * normals turn by more than the feature angle within a leaf. regionPatch[r]
 * names the mesh patch of region r of s. Returns the surface's index. */
PetscErrorCode GaleOctreeAddSurface(GaleOctree oct, GaleSurface s, const char *name, PetscInt minLevel, PetscInt maxLevel, const char *const regionPatch[], PetscInt *index);
/* Refine leaves overlapping the box [lo, hi] to `level`. */
PetscErrorCode GaleOctreeAddBoxRegion(GaleOctree oct, const PetscReal lo[3], const PetscReal hi[3], PetscInt level);
/* Refine leaves within `distance` of surface `surface` (cell centre distance
 * minus half the cell diagonal) to `level`. */
PetscErrorCode GaleOctreeAddDistanceRegion(GaleOctree oct, PetscInt surface, PetscReal distance, PetscInt level);
/* Refinement for surfaces and regions, then balance. */
PetscErrorCode GaleOctreeRefine(GaleOctree oct);
/* Mark leaves cut by a surface, then flood-fill the uncut leaves from the
 * leaf holding location_in_mesh; the reached leaves are the fluid. Errors if
 * the location is outside the domain, inside a closed surface or in a cut
 * leaf. */
PetscErrorCode GaleOctreeSelectFluid(GaleOctree oct);
/* Fluid leaves -> global GaleMesh with geometry and serial numbering. */
PetscErrorCode GaleOctreeBuildMesh(GaleOctree oct, GaleMesh *mesh);

/* Helpers shared by the stages. */
static inline PetscInt GaleOctreeShift(const GaleOctree oct, int d, PetscInt level)
{
  return oct->opt.refine[d] ? oct->maxLevel - level : 0;
}
/* Box of node n in integer units: [lo, hi). */
static inline void GaleOctreeNodeUnits(const GaleOctree oct, PetscInt n, PetscInt lo[3], PetscInt hi[3])
{
  for (int d = 0; d < 3; d++) {
    const PetscInt s = GaleOctreeShift(oct, d, oct->level[n]);
    lo[d]            = oct->ijk[3 * n + d] << s;
    hi[d]            = (oct->ijk[3 * n + d] + 1) << s;
  }
}
/* Physical coordinate of integer position u in direction d. */
static inline PetscReal GaleOctreeCoord(const GaleOctree oct, int d, PetscInt u)
{
  return u >= oct->N[d] ? oct->opt.hi[d] : oct->opt.lo[d] + (PetscReal)u * oct->unit[d];
}
/* Deepest node holding the unit cell at integer position u, descending no
 * further than level `stop`; -1 outside the domain. */
PetscInt GaleOctreeLocate(const GaleOctree oct, const PetscInt u[3], PetscInt stop);
/* Leaves across side s (2d+0: lower, 2d+1: upper side in direction d) of
 * leaf n: one leaf at the same or a coarser level, or the finer leaves
 * covering the side (at most max); *count = 0 on the domain boundary. */
PetscErrorCode GaleOctreeSideLeaves(const GaleOctree oct, PetscInt n, int s, PetscInt max, PetscInt leaves[], PetscInt *count);

/* ---- snapping (mesh/snap.c) ---- */

typedef struct {
  PetscReal featureAngle; /* degrees; surface edges sharper than this are features (<= 0: none) */
  PetscInt  patchSmooth;  /* passes evening out the snapped points along the surface */
  PetscInt  smoothLayers; /* layers of points behind the wall that share the boundary displacement */
  PetscInt  iterations;   /* back-off halvings of a failing cell's displacement before it is cancelled */
  PetscReal maxNonOrtho;  /* degrees; a displaced cell with an internal face beyond this backs off */
  PetscBool features;     /* attract points to feature edges and corners explicitly (experimental) */
} GaleSnapOptions;

typedef struct {
  PetscInt       nRemoved;                      /* cells with every point on a surface patch, removed before snapping */
  PetscInt       nBoundary, nTargets;           /* points on surface patches; of those, with a surface in reach */
  PetscInt       nFeature;                      /* of those, attracted to a feature edge or corner */
  PetscInt       nSnapped, nBackedOff, nFrozen; /* boundary points moved fully / partly / not at all after back-off */
  PetscInt       nStill;                        /* boundary points with no move (on the surface already, or none in reach) */
  PetscInt       nInterior;                     /* points behind the wall moved by the smoothing */
  PetscInt       nBadCells, why[4];             /* cells failing before back-off: volume, face pyramids, faces too non-orthogonal or skewed, warp */
  PetscInt       iterations;                    /* back-off passes */
  PetscInt       nDist;                         /* boundary points whose distance to the surface was measured */
  PetscReal      maxDist0, meanDist0;           /* distance to the surface before snapping */
  PetscReal      maxDist, meanDist;             /* ... and after */
  PetscLogDouble time;
} GaleSnapStats;

/* Snap the mesh just built by GaleOctreeBuildMesh: remove the cells whose
 * every point lies on a surface patch (*mesh is then rebuilt, with the
 * octree's fluid flags and statistics), move the points of the faces on
 * surface patches onto the surfaces, carry the move into the cells behind,
 * back off where cells would fail the quality checks, and recompute the
 * geometry. */
PetscErrorCode GaleOctreeSnap(GaleOctree oct, const GaleSnapOptions *opt, GaleMesh *mesh, GaleSnapStats *stats);

/* The case's mesh.octree section -> global mesh with geometry (every rank
 * builds the same copy; statistics are logged on rank 0). */
PetscErrorCode GaleMeshBuildOctree(MPI_Comm comm, const GaleCase *cs, GaleMesh *mesh);

#endif
