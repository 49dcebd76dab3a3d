/* Parameter sweeps (`gale sweep`): the sweep file, the sample design, the
 * per-sample case files and the manifest. Serial (one process); the runs
 * themselves go to Slurm or to child processes.
 *
 *   DIR/sweep.yaml          what to vary (docs/sweep.md), read by GaleSweepRead
 *   DIR/sweep/sample_0000/  one case per training sample: case.yaml (the base
 *                           case with the parameters written in), results/,
 *                           log.txt and job.status (running / exit N)
 *   DIR/sweep/holdout_0000/ the same for held-out samples (never trained on)
 *   DIR/sweep/manifest.csv  one row per sample: id, role, parameters, status,
 *                           result scalars, result path, message
 *
 * Lower level pieces, tested on their own: the design generators (Latin
 * hypercube, Sobol), the expression evaluator for derived values and the
 * YAML editor that writes a value at a path of the base case text. */
#ifndef GALE_SWEEP_H
#define GALE_SWEEP_H

#include <hdf5.h>
#include "gale_sys.h"

#define GALE_SWEEP_MAX_PARAMS 32
#define GALE_SWEEP_MAX_SAMPLES 100000

/* snprintf that may truncate (paths and names in messages and files are
 * bounded by GALE_PATH_LEN; vsnprintf keeps -Wformat-truncation quiet). */
void GaleSweepFmt(char *buf, size_t len, const char *fmt, ...) PETSC_ATTRIBUTE_FORMAT(3, 4);
/* v as "%.6g" (PETSc's own %g adds a '.' to whole numbers). */
const char *GaleSweepNum(PetscReal v, char *buf, size_t len);
/* Append at buf + *k, never past len - 1; *k stays <= len - 1. */
void GaleSweepAppend(char *buf, size_t len, size_t *k, const char *fmt, ...) PETSC_ATTRIBUTE_FORMAT(4, 5);

/* ---- designs in the unit cube (x[i*d + j], sample i, dimension j) ---- */

/* Latin hypercube: every dimension's n strata [k/n, (k+1)/n) hold exactly
 * one point; among `candidates` random hypercubes the one with the largest
 * smallest distance between points is kept (maximin). Deterministic in seed. */
PetscErrorCode GaleSweepLatinHypercube(PetscInt n, PetscInt d, PetscInt64 seed, PetscInt candidates, PetscReal x[]);
/* Sobol points 0..n-1 (Joe & Kuo direction numbers, d <= 21) with a random
 * digital shift from seed (seed 0: no shift); a digital shift keeps the
 * net property: for n = 2^m every dimension has one point per [k/n, (k+1)/n). */
PetscErrorCode GaleSweepSobol(PetscInt n, PetscInt d, PetscInt64 seed, PetscReal x[]);
#define GALE_SOBOL_MAX_DIM 21

/* ---- expressions of named parameters (derived values) ---- */

/* Grammar of io/expr.h with identifiers = the given names (letters, digits,
 * '_'), the constant pi and also floor, ceil, round. On a syntax error *e is
 * NULL and err holds "column C: ..."; only allocation failures return an
 * error code. */
typedef struct _p_GaleSweepExpr *GaleSweepExpr;
PetscErrorCode                   GaleSweepExprCompile(const char *src, PetscInt nnames, const char *const names[], GaleSweepExpr *e, char *err, size_t len);
PetscReal                        GaleSweepExprEval(GaleSweepExpr e, const PetscReal values[]);
PetscErrorCode                   GaleSweepExprDestroy(GaleSweepExpr *e);
/* PETSC_TRUE when the expression reads names[i]. */
PetscBool GaleSweepExprUses(GaleSweepExpr e, PetscInt i);

/* ---- editing a YAML text at a path ---- */

/* Path: keys separated by '.', list items by [i]: "fluid.nu",
 * "boundary.movingWall.U[0]", "mesh.blocks[0].cells[1]". */
/* Replace the scalar at `path` in *text (libyaml node marks give its byte
 * range) by `value` (written as given: a number, or a quoted string). A
 * missing last key(s) under an existing mapping is inserted, as
 * `key: value` in a block mapping or `, key: value` in a flow one, nested
 * as flow mappings when several keys are missing. *text is reallocated
 * (PetscMalloc). `file` names the text in messages; errors are GALE_ERR_USER. */
PetscErrorCode GaleYamlSet(const char *file, char **text, const char *path, const char *value);
/* The scalar at `path` (copied into value), *found = PETSC_FALSE when the
 * path does not exist; a path through or to a non-scalar is an error. */
PetscErrorCode GaleYamlGet(const char *file, const char *text, const char *path, PetscBool *found, char *value, size_t len);
/* Items of the list at `path`, -1 when the path does not exist or is not a list. */
PetscErrorCode GaleYamlCount(const char *file, const char *text, const char *path, PetscInt *n);
/* Number as YAML text, the shortest that reads back exactly. */
void GaleYamlFormatReal(PetscReal v, char *buf, size_t len);
/* String as a double-quoted YAML scalar. */
void GaleYamlFormatString(const char *s, char *buf, size_t len);

/* ---- the sweep file ---- */

typedef enum { GALE_SWEEP_VALUES, GALE_SWEEP_BOX } GaleSweepParamKind;
typedef enum { GALE_SWEEP_LHS, GALE_SWEEP_SOBOL } GaleSweepMethod;

typedef struct {
  char               name[GALE_NAME_LEN];
  GaleSweepParamKind kind;
  PetscInt           nvalues; /* values / range */
  PetscReal         *values;
  PetscReal          lower, upper; /* box (and the span of values) */
  PetscBool          log;          /* box sampled log-uniformly, range spaced geometrically */
  PetscInt           nset;         /* case-file paths set to the value */
  char (*set)[GALE_NAME_LEN];
  PetscInt line;
} GaleSweepParam;

typedef struct {
  char          path[GALE_NAME_LEN];
  char          src[GALE_NAME_LEN];
  GaleSweepExpr expr;
  PetscInt      line;
} GaleSweepDerived;

typedef struct _p_GaleSweep *GaleSweep;
struct _p_GaleSweep {
  char              dir[GALE_PATH_LEN];     /* DIR as given */
  char              file[GALE_PATH_LEN];    /* DIR/sweep.yaml */
  char              caseDir[GALE_PATH_LEN]; /* base case directory (absolute) */
  PetscInt          nparams;
  GaleSweepParam    params[GALE_SWEEP_MAX_PARAMS];
  PetscInt          nderived;
  GaleSweepDerived *derived;
  GaleSweepMethod   method;
  PetscInt          boxSamples; /* samples of the box parameters */
  PetscInt64        seed;
  /* the design: training samples then held-out ones, nparams values each */
  PetscInt   nsamples, nholdout;
  PetscReal *samples, *holdout;
};

/* Read and check DIR/sweep.yaml and build the design: the Cartesian
 * product of the value/range parameters (first parameter slowest) with the
 * box samples (Latin hypercube or Sobol), then the held-out points.
 * Errors name DIR/sweep.yaml and the line. */
PetscErrorCode GaleSweepRead(const char *dir, GaleSweep *sw);
PetscErrorCode GaleSweepDestroy(GaleSweep *sw);

/* The case text of one design point: the base case.yaml text with every
 * parameter's `set` paths and every derived path written in, and relative
 * mesh/geometry paths rewritten to point from sampleDir (absolute, existing)
 * to the base case. *out is PetscMalloc'ed. */
PetscErrorCode GaleSweepCaseText(GaleSweep sw, const char *baseText, const PetscReal params[], const char *sampleDir, char **out);

/* ---- the manifest ---- */

typedef enum { GALE_SAMPLE_PENDING, GALE_SAMPLE_RUNNING, GALE_SAMPLE_DONE, GALE_SAMPLE_FAILED } GaleSampleStatus;
extern const char *const GaleSampleStatuses[]; /* "pending", "running", "done", "failed" */

typedef struct {
  char             id[32]; /* sample_0000 / holdout_0000: the folder under DIR/sweep */
  PetscBool        holdout;
  PetscReal       *params; /* [nparams] */
  GaleSampleStatus status;
  PetscBool        converged;
  PetscInt         iterations;
  PetscReal        wallTime;
  PetscReal        coef[3]; /* Cd, Cl, Cm; NaN when the case has no forces */
  char             message[256];
} GaleSweepEntry;

typedef struct {
  char     path[GALE_PATH_LEN]; /* DIR/sweep/manifest.csv */
  char     root[GALE_PATH_LEN]; /* DIR/sweep */
  PetscInt nparams, n;
  char (*names)[GALE_NAME_LEN];
  GaleSweepEntry *e;
} GaleManifest;

/* Read root/manifest.csv (errors name the file and line). */
PetscErrorCode GaleManifestRead(const char *root, GaleManifest *m);
/* Write root/manifest.csv through a temporary file and rename. */
PetscErrorCode GaleManifestWrite(const GaleManifest *m);
PetscErrorCode GaleManifestDestroy(GaleManifest *m);
/* Find the sweep's manifest from DIR (DIR/sweep/manifest.csv) or from
 * DIR/sweep itself; root gets the folder holding it. */
PetscErrorCode GaleManifestLocate(const char *dir, char *root, size_t len);

/* Status of a sample from its folder: job.status ("running host=H pid=P"
 * or "exit N"), results/summary.yaml and log.txt; fills status, converged,
 * iterations, wall time, coefficients and message. A run that says running
 * on this host with a process that is gone is failed. */
PetscErrorCode GaleSweepSampleRefresh(const char *root, GaleSweepEntry *e);

/* ---- results and predictions (surrogate/sweep_results.c) ---- */

/* A field of the last step of a solution.h5, component-major
 * ([nComp x nCells], PetscMalloc'ed). */
PetscErrorCode GaleSweepReadField(const char *h5, const char *field, PetscInt64 *nCells, PetscInt *nComp, PetscReal **data);
/* Cell volumes from the file's /mesh (polyhedral XDMF topology); *vol is
 * NULL when the topology holds other cell types or the count differs. */
PetscErrorCode GaleSweepMeshVolumes(const char *h5, PetscInt64 nCells, PetscReal **vol);
/* Copy srcGroup/points and srcGroup/topology of srcH5 into dstGroup. */
PetscErrorCode GaleSweepCopyMesh(const char *srcH5, const char *srcGroup, hid_t dstGroup, const char *dstPath);

typedef struct {
  const char      *name;
  PetscInt         ncomp;
  const PetscReal *data; /* component-major */
} GaleSweepOutField;
/* DIR/prediction.h5 (mesh copied from meshH5:meshGroup, fields in step
 * 00000000) and DIR/prediction.xmf for ParaView; xmfPath gets the latter. */
PetscErrorCode GaleSweepWritePrediction(const char *dir, const char *meshH5, const char *meshGroup, PetscInt64 nCells, PetscInt nf, const GaleSweepOutField f[], char *xmfPath, size_t len);

#endif
