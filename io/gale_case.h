/* GaleCase: everything read from DIR/case.yaml, validated. The reader
 * (io/case.c) reports problems as "DIR/case.yaml:LINE: what is wrong
 * (expected ...)" through PetscCheck with GALE_ERR_USER; nothing here is
 * physics, only the user's settings with defaults filled in.
 * Every key is documented in docs/case-yaml.md. */
#ifndef GALE_CASE_H
#define GALE_CASE_H

#include "gale_sys.h"

#define GALE_MAX_BLOCKS 64
#define GALE_MAX_PATCHES 64
#define GALE_MAX_FORCE_PATCHES 16
#define GALE_MAX_TABLE 1024

typedef struct GaleCase_s GaleCase; /* also declared in mesh/gale_mesh.h (C11 allows both) */

typedef enum { GALE_MESH_BLOCK, GALE_MESH_POLYMESH, GALE_MESH_OCTREE, GALE_MESH_AIRFOIL, GALE_MESH_GMSH } GaleMeshSource;

/* One hex block: 8 vertices in OpenFOAM blockMesh order (0-3 bottom face
 * counter-clockwise seen from above, 4-7 the top face), cells per local
 * direction (i: v0->v1, j: v0->v3, k: v0->v4) and the expansion ratio
 * (last cell / first cell) per direction. Face patch names by local face:
 * 0 imin (v0 v4 v7 v3), 1 imax (v1 v2 v6 v5), 2 jmin (v0 v1 v5 v4),
 * 3 jmax (v3 v7 v6 v2), 4 kmin (v0 v3 v2 v1), 5 kmax (v4 v5 v6 v7).
 * An empty name means "internal: must touch another block's face". */
typedef struct {
  PetscReal vertices[8][3];
  PetscInt  cells[3];
  PetscReal grading[3];
  char      patch[6][GALE_NAME_LEN];
} GaleBlock;

#define GALE_MAX_GEOMETRIES 16
#define GALE_MAX_REFINE_REGIONS 32
#define GALE_MAX_REGION_PATCHES 32
#define GALE_MAX_REFINE_LEVEL 12

/* mesh.octree.geometry[i]: a triangulated surface (STL/OBJ) and how it is
 * meshed (see docs/mesher.md). */
typedef struct {
  char      file[GALE_PATH_LEN];  /* resolved against the case dir */
  char      patch[GALE_NAME_LEN]; /* patch of every region not in `regions`; "" = the region's own name */
  PetscInt  nregions;             /* regions: {surface region: patch} */
  char      region[GALE_MAX_REGION_PATCHES][GALE_NAME_LEN];
  char      region_patch[GALE_MAX_REGION_PATCHES][GALE_NAME_LEN];
  PetscInt  levels[2];                         /* min, max refinement level at the surface */
  PetscReal scale[3], rotate[3], translate[3]; /* x' = R(rotate) (scale x) + translate; defaults 1, 0, 0 */
  PetscInt  line;
} GaleOctreeGeometry;

/* mesh.octree.regions[i]: refine a box, or within a distance of a geometry. */
typedef enum { GALE_REFINE_BOX, GALE_REFINE_DISTANCE } GaleRefineKind;
typedef struct {
  GaleRefineKind kind;
  PetscReal      min[3], max[3]; /* box */
  PetscInt       geometry;       /* distance: index into geometry */
  PetscReal      distance;
  PetscInt       level;
  PetscInt       line;
} GaleOctreeRegionSettings;

/* mesh.airfoil: a C-grid (or O-grid) around a NACA 4-digit airfoil of
 * chord 1 (mesh/airfoil.c); patches airfoil, farfield and frontAndBack.
 * Lengths in chords (mesh.scale sets the chord). Also declared in
 * mesh/gale_mesh.h. */
typedef struct GaleAirfoilSettings_s GaleAirfoilSettings;
struct GaleAirfoilSettings_s {
  char      naca[8];                /* 4 digits, e.g. "0012" */
  PetscInt  cells_around;           /* cells on the airfoil surface (even), default 256 */
  PetscInt  cells_wake;             /* C-grid: cells along each side of the wake cut, default cells_around/4; 0 = O-grid */
  PetscInt  cells_normal;           /* cells from the wall to the farfield, default 128 */
  PetscReal first_cell;             /* wall-normal height of the first cell, default 1e-6 */
  PetscReal farfield;               /* radius of the farfield circle, default 100 */
  PetscReal span;                   /* thickness in z, default 0.1 */
  PetscReal le_spacing, te_spacing; /* surface spacing at the leading/trailing edge; 0 = 0.2 x the mean */
  PetscInt  line;                   /* line of 'airfoil:' */
};

/* mesh.octree: the castellated octree mesher's settings. */
typedef struct {
  PetscReal                min[3], max[3];          /* domain box */
  PetscInt                 cells[3];                /* background (level 0) cells */
  char                     patch[6][GALE_NAME_LEN]; /* xmin xmax ymin ymax zmin zmax */
  PetscInt                 ngeometries;
  GaleOctreeGeometry       geometries[GALE_MAX_GEOMETRIES];
  PetscInt                 nregions;
  GaleOctreeRegionSettings regions[GALE_MAX_REFINE_REGIONS];
  PetscInt                 cells_between_levels; /* default 1 */
  PetscReal                feature_angle;        /* degrees, default 30; 0 turns it off */
  PetscBool                snap;                 /* snap the boundary points to the surfaces, default true */
  PetscInt                 snap_smooth_layers;   /* layers of points behind the wall that follow it, default 4 */
  PetscInt                 snap_iterations;      /* back-off halvings before a cell's move is cancelled, default 8 */
  PetscBool                snap_features;        /* explicit feature-edge snapping (experimental), default false */
  PetscInt                 layers;               /* wall layers per face on layer_patches, 0 (default): none */
  PetscInt                 nlayer_patches;
  char                     layer_patches[GALE_MAX_FORCE_PATCHES][GALE_NAME_LEN];
  PetscReal                layer_expansion;       /* thickness ratio of successive layers, default 1.2 */
  PetscReal                layer_final_thickness; /* outermost layer / local cell size, default 0.5 */
  PetscReal                layer_first_thickness; /* > 0: absolute first-layer thickness (overrides final) */
  PetscInt                 layers_line;           /* line of 'layers:' */
  PetscBool                has_location;
  PetscReal                location[3];         /* location_in_mesh */
  PetscInt                 line, location_line; /* lines of 'octree:' and 'location_in_mesh:' */
} GaleOctreeSettings;

typedef enum { GALE_BC_WALL, GALE_BC_INLET, GALE_BC_OUTLET, GALE_BC_SYMMETRY, GALE_BC_EMPTY, GALE_BC_FREESTREAM, GALE_BC_ZEROGRADIENT } GaleBCType;
extern const char *const GaleBCTypes[]; /* "wall","inlet","outlet","symmetry","empty","freestream","zeroGradient" */

/* How a vector value on a patch is given. */
typedef enum { GALE_VALUE_UNIFORM, GALE_VALUE_EXPRESSION, GALE_VALUE_TABLE } GaleValueKind;

typedef struct {
  GaleValueKind kind;
  PetscReal     uniform[3];
  /* expression: one string per component, in x, y, z, t (see io/expr.h) */
  char expr[3][512];
  /* table: linear interpolation in coordinate `axis` (0 x, 1 y, 2 z) */
  PetscInt   axis, nrows;
  PetscReal *table;       /* nrows * 4: coord, ux, uy, uz; sorted by coord */
  void      *compiled[3]; /* expression: GaleExpr per component, owned by the case */
} GaleVectorValue;

typedef struct {
  char            name[GALE_NAME_LEN];
  GaleBCType      type;
  GaleVectorValue U;    /* wall (moving wall velocity, default 0), inlet, freestream */
  PetscReal       p;    /* outlet, freestream: fixed (kinematic) pressure; default 0 */
  PetscInt        line; /* line in case.yaml, for later messages */
  /* turbulence values where the flow enters (inlet, freestream): from an
     intensity and length scale, a viscosity ratio, or given directly; 0 =
     not given (the model's freestream default is used) */
  PetscReal turb_intensity, turb_length, turb_viscosity_ratio;
  PetscReal k, omega, epsilon, nuTilda;
} GaleBC;

typedef enum { GALE_ALG_SIMPLE, GALE_ALG_SIMPLEC, GALE_ALG_PISO, GALE_ALG_PIMPLE } GaleAlgorithm;
extern const char *const GaleAlgorithms[]; /* "SIMPLE","SIMPLEC","PISO","PIMPLE" */
typedef enum { GALE_CONV_UPWIND, GALE_CONV_LINEARUPWIND, GALE_CONV_VANLEER, GALE_CONV_LINEAR } GaleConvection;
extern const char *const GaleConvections[]; /* "upwind","linearUpwind","vanLeer","linear" */
typedef enum { GALE_GRAD_GAUSS, GALE_GRAD_LEASTSQUARES } GaleGradient;
extern const char *const GaleGradients[];        /* "gauss","leastSquares" */
extern const char *const GaleGradientLimiters[]; /* "none","cellLimited" */
typedef enum { GALE_TIME_EULER, GALE_TIME_BACKWARD } GaleTimeScheme;
extern const char *const GaleTimeSchemes[]; /* "euler","backward" */

typedef struct {
  char      ksp_type[32], pc_type[32]; /* defaults: p cg/gamg, U bcgs/bjacobi */
  PetscReal rtol, atol;
  PetscInt  max_it;
} GaleLinearSettings;

/* turbulence: section of case.yaml (model by name; "laminar" = none) */
typedef struct {
  char      model[32];             /* laminar, SpalartAllmaras, kOmegaSST, kEpsilon */
  PetscBool negative_sa;           /* SA-neg formulation (TMR) */
  PetscBool wall_functions;        /* log-law wall functions (kEpsilon, SST) */
  PetscBool wall_distance_poisson; /* wall_distance: poisson (default exact) */
  PetscReal relax;                 /* turbulence equations' relaxation, default 0.7 steady */
} GaleTurbulenceSettings;

/* post: what `gale post --pictures` shows (the command line overrides). */
typedef struct {
  PetscBool has_slice_origin, has_slice_normal, has_seed_line, has_slice_box;
  PetscReal slice_box[2][3];                  /* the region the slice and streamline pictures show */
  PetscReal slice_origin[3], slice_normal[3]; /* velocity slice plane */
  PetscReal seed_from[3], seed_to[3];         /* streamline seed line */
  PetscInt  seeds;                            /* 0: the default */
  PetscInt  npatches;                         /* surface picture patches (0: the forces patches, else the walls) */
  char      patches[GALE_MAX_FORCE_PATCHES][GALE_NAME_LEN];
  PetscReal p_ref; /* Cp = (p - p_ref) / (0.5 U_ref^2) in kinematic terms */
} GalePostSettings;

struct GaleCase_s {
  char dir[GALE_PATH_LEN];  /* case directory as given */
  char file[GALE_PATH_LEN]; /* DIR/case.yaml */
  char title[256];

  /* mesh: */
  GaleMeshSource mesh_source;
  PetscInt       nblocks;
  GaleBlock      blocks[GALE_MAX_BLOCKS];
  PetscReal      merge_tolerance;             /* relative, default 1e-6 */
  char           polymesh_dir[GALE_PATH_LEN]; /* resolved against dir */
  char           gmsh_file[GALE_PATH_LEN];    /* mesh.gmsh, resolved against dir */
  PetscReal      mesh_scale;                  /* default 1 */

  /* fluid: */
  PetscReal nu;  /* kinematic viscosity, required */
  PetscReal rho; /* density for dimensional forces, default 1 */

  /* boundary: one entry per patch */
  PetscInt nbcs;
  GaleBC   bcs[GALE_MAX_PATCHES];

  /* initial: */
  PetscReal U0[3], p0;

  /* solver: */
  GaleAlgorithm  algorithm;
  GaleConvection convection;
  GaleGradient   gradient;
  PetscInt       gradient_limiter;   /* 0 none, 1 cellLimited (OpenFOAM's cellLimited Gauss linear 1) for the velocity gradient */
  PetscInt       max_iterations;     /* steady outer iterations, default 1000 */
  PetscReal      residual_tol[4];    /* stop when all below: U, p (index 0 U, 1 p); default 1e-5 */
  PetscReal      relax_U, relax_p;   /* defaults: SIMPLE 0.7/0.3, SIMPLEC 0.9/1.0, transient 1/1 */
  PetscInt       nonorth_correctors; /* default 0 */
  PetscReal      nonorth_limit;      /* psi in [0, 1] of OpenFOAM's "limited corrected psi"; default 1 (unlimited) */
  PetscReal      divergence_factor;  /* residual > factor * initial => diverged; default 1e6 */
  /* transient */
  PetscReal          dt, end_time;
  GaleTimeScheme     time_scheme;
  PetscInt           n_correctors; /* PISO/PIMPLE pressure correctors, default 2 */
  PetscInt           n_outer;      /* PIMPLE outer correctors, default 1 (PISO) */
  GaleLinearSettings lin_U, lin_p; /* defaults U rtol 0.1, p rtol 0.05 (steady) */

  /* output: */
  PetscInt write_interval; /* iterations or time steps between writes; default 100 */
  PetscInt log_interval;   /* print every N iterations, default 1 */

  /* post: (gale post --pictures; zero/false when not given) */
  GalePostSettings post;
  /* forces: */
  PetscInt  nforce_patches;
  char      force_patches[GALE_MAX_FORCE_PATCHES][GALE_NAME_LEN];
  PetscReal ref_area, ref_length, ref_velocity, ref_density; /* defaults 1, 1, |U inlet| or 1, rho */
  PetscReal cofr[3];                                         /* moment centre, default 0 */
  PetscReal drag_dir[3], lift_dir[3];                        /* defaults (1,0,0), (0,1,0) */

  PetscInt boundary_line; /* line of 'boundary:' in case.yaml, for messages */

  GaleTurbulenceSettings turb;

  /* mesh.octree (mesh_source GALE_MESH_OCTREE) */
  GaleOctreeSettings octree;

  /* mesh.airfoil (mesh_source GALE_MESH_AIRFOIL) */
  GaleAirfoilSettings airfoil;
};

/* Read and validate DIR/case.yaml. On error returns GALE_ERR_USER with a
 * message naming file and line. Call on every rank (each reads the file). */
PetscErrorCode GaleCaseRead(MPI_Comm comm, const char *dir, GaleCase **cs);
PetscErrorCode GaleCaseDestroy(GaleCase **cs);

/* Check the mesh's patch list against the boundary section: every mesh patch
 * needs a boundary entry and vice versa; names the case file on error. */
PetscErrorCode GaleCaseCheckPatches(const GaleCase *cs, PetscInt npatches, const char *const names[]);

/* Index of a BC by patch name, or -1. */
PetscInt GaleCaseFindBC(const GaleCase *cs, const char *patch);

/* Evaluate a vector value at point x and time t. */
PetscErrorCode GaleVectorValueEval(const GaleVectorValue *v, const PetscReal x[3], PetscReal t, PetscReal out[3]);

#endif
