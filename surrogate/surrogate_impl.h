/* Internals of the surrogate module shared by its files: the regressor
 * object and its function table, serial HDF5 helpers for the model file,
 * a bound-constrained L-BFGS minimiser (optimize.c) and a deterministic
 * random-number generator. Not part of the public API. */
#ifndef GALE_SURROGATE_IMPL_H
#define GALE_SURROGATE_IMPL_H

#include <hdf5.h>
#include <stdint.h>
#include "gale_pod.h"
#include "gale_regressor.h"

/* ---- regressors ---- */

/* Implementations see normalised data: X in [-1, 1], Y standardised. */
typedef struct {
  /* one option; *found = PETSC_FALSE for a key it does not know */
  PetscErrorCode (*setoption)(GaleRegressor, const char *key, const char *value, PetscBool *found);
  PetscErrorCode (*fit)(GaleRegressor, PetscInt n, const PetscReal *X, const PetscReal *Y);
  PetscErrorCode (*predict)(GaleRegressor, PetscInt np, const PetscReal *x, PetscReal *y, PetscReal *var);
  PetscErrorCode (*save)(GaleRegressor, hid_t grp, const char *path);
  PetscErrorCode (*load)(GaleRegressor, hid_t grp, const char *path); /* sizes already set */
  PetscErrorCode (*destroy)(GaleRegressor);
} GaleRegressorOps;

struct _p_GaleRegressor {
  GaleRegressorOps ops;
  char             type[GALE_NAME_LEN];
  const char      *optionKeys; /* accepted option keys, for messages */
  char            *options;    /* "k=v,k=v" as set, replayed on load */
  PetscBool        hasVariance, fitted;
  PetscInt         n, d, m;
  PetscReal       *xc, *xh; /* x_norm = (x - xc) / xh */
  PetscReal       *ym, *ys; /* y = ym + ys y_norm */
  PetscReal       *xw, *yw; /* np x d, np x m scratch (grown as needed) */
  PetscInt         nwork;
  void            *data;
};

PetscErrorCode GaleRegressorCreate_GPR(GaleRegressor);
PetscErrorCode GaleRegressorCreate_RBF(GaleRegressor);
PetscErrorCode GaleRegressorCreate_MLP(GaleRegressor);

/* Option value parsing with messages naming the regressor and key. */
PetscErrorCode GaleRegressorParseReal(GaleRegressor reg, const char *key, const char *value, PetscReal lo, PetscReal hi, PetscReal *x);
PetscErrorCode GaleRegressorParseInt(GaleRegressor reg, const char *key, const char *value, PetscInt lo, PetscInt hi, PetscInt *x);

/* Log marginal likelihood of one GP output (gpr.c) at natural
 * hyperparameters hyp = (l_1..l_d, sf2, sn2 > 0) and its gradient with
 * respect to their logarithms (grad may be NULL); for tests. */
PetscErrorCode GaleGPRLogMarginalLikelihood(PetscInt n, PetscInt d, const PetscReal X[], const PetscReal y[], const PetscReal hyp[], PetscReal *lml, PetscReal grad[]);

/* Model file: a regressor as an HDF5 group (type, sizes, normalisation,
 * options, then what the implementation needs). */
PetscErrorCode GaleRegressorSave(GaleRegressor reg, hid_t grp, const char *path);
PetscErrorCode GaleRegressorLoad(hid_t grp, const char *path, GaleRegressor *reg);

/* ---- POD internals ---- */

/* Rebuild a POD from stored arrays (copied); weights may be NULL. */
PetscErrorCode GalePODSetUpFromData(GalePOD pod, PetscInt nDof, PetscInt nSnap, PetscInt nModes, PetscInt nSigma, const PetscReal mean[], const PetscReal basis[], const PetscReal sigma[], const PetscReal weights[]);

/* ---- serial HDF5 helpers (h5io.c); path names the file in messages ---- */

#define GaleSurH5Call(path, call)                                                                                                                                                                                                                        \
  do {                                                                                                                                                                                                                                                   \
    if ((call) < 0) SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: HDF5 call failed: %s", (path), #call);                                                                                                                                      \
  } while (0)

/* 1-D ([dims[0]]) or 2-D ([dims[0], dims[1]]) double dataset. */
PetscErrorCode GaleSurH5WriteReal(hid_t loc, const char *name, int rank, const hsize_t dims[], const PetscReal *data, const char *path);
/* Read a dataset that must have exactly this shape and finite values. */
PetscErrorCode GaleSurH5ReadReal(hid_t loc, const char *name, int rank, const hsize_t dims[], PetscReal *data, const char *path);
/* Shape of an existing dataset (error if missing); dims has room for 2. */
PetscErrorCode GaleSurH5GetShape(hid_t loc, const char *name, int *rank, hsize_t dims[], const char *path);
PetscErrorCode GaleSurH5WriteInts(hid_t loc, const char *name, PetscInt n, const PetscInt *data, const char *path);
PetscErrorCode GaleSurH5ReadInts(hid_t loc, const char *name, PetscInt n, PetscInt *data, const char *path);
/* n strings as a fixed-length string dataset; read into names[i][GALE_NAME_LEN]. */
PetscErrorCode GaleSurH5WriteNames(hid_t loc, const char *name, PetscInt n, const char (*names)[GALE_NAME_LEN], const char *path);
PetscErrorCode GaleSurH5ReadNames(hid_t loc, const char *name, PetscInt n, char (*names)[GALE_NAME_LEN], const char *path);
PetscErrorCode GaleSurH5WriteAttrInt(hid_t loc, const char *name, PetscInt64 v, const char *path);
PetscErrorCode GaleSurH5ReadAttrInt(hid_t loc, const char *name, PetscInt64 lo, PetscInt64 hi, PetscInt64 *v, const char *path);
PetscErrorCode GaleSurH5WriteAttrReal(hid_t loc, const char *name, PetscReal v, const char *path);
PetscErrorCode GaleSurH5ReadAttrReal(hid_t loc, const char *name, PetscReal *v, const char *path);
PetscErrorCode GaleSurH5WriteAttrString(hid_t loc, const char *name, const char *s, const char *path);
PetscErrorCode GaleSurH5ReadAttrString(hid_t loc, const char *name, char *s, size_t len, const char *path);
/* Open a group that must exist. */
PetscErrorCode GaleSurH5OpenGroup(hid_t loc, const char *name, hid_t *grp, const char *path);
PetscErrorCode GaleSurH5CreateGroup(hid_t loc, const char *name, hid_t *grp, const char *path);
PetscErrorCode GaleSurH5Exists(hid_t loc, const char *name, PetscBool *exists);

/* ---- bound-constrained L-BFGS (optimize.c) ---- */

/* f(x) and its gradient g; set *f to PETSC_INFINITY where undefined. */
typedef PetscErrorCode (*GaleObjective)(PetscInt nv, const PetscReal *x, PetscReal *f, PetscReal *g, void *ctx);

typedef struct {
  PetscInt  iterations, evaluations;
  PetscReal f0, f, pgnorm; /* initial and final value, final projected gradient */
  PetscBool converged;
} GaleOptimStats;

/* Minimise over lo <= x <= hi (lo[i] == hi[i] fixes x[i]) from x (in/out)
 * by projected L-BFGS with an Armijo backtracking line search. Stops when
 * the projected gradient's max-norm drops below gtol, the relative
 * decrease below 1e-10, or after maxIter iterations. */
PetscErrorCode GaleMinimizeLBFGSB(PetscInt nv, PetscReal x[], const PetscReal lo[], const PetscReal hi[], PetscInt maxIter, PetscReal gtol, GaleObjective fn, void *ctx, GaleOptimStats *stats);

/* ---- deterministic random numbers (splitmix64) ---- */

static inline uint64_t GaleRandNext(uint64_t *s)
{
  uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
  z          = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z          = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static inline double GaleRandUniform(uint64_t *s)
{
  return (double)(GaleRandNext(s) >> 11) * (1.0 / 9007199254740992.0);
}

/* Fisher-Yates shuffle of perm[0..n-1]. */
static inline void GaleRandShuffle(uint64_t *s, PetscInt n, PetscInt perm[])
{
  for (PetscInt i = n - 1; i > 0; i--) {
    PetscInt j = (PetscInt)(GaleRandNext(s) % (uint64_t)(i + 1)), t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
}

#endif
