/* GaleLinSys: a cell-centred sparse linear system on the local mesh, a
 * PETSc AIJ matrix whose sparsity follows the mesh (built once), filled in
 * place each iteration through precomputed value positions, and a KSP.
 * Rows are owned cells; columns owned and ghost cells (PETSc global ids). */
#ifndef GALE_LINSYS_H
#define GALE_LINSYS_H

#include "gale_mesh.h"
#include <petscksp.h>

/* Statistics of one solve (the caller logs). */
typedef struct {
  PetscInt           iterations;
  PetscReal          initial_residual; /* OpenFOAM-style normalised L1 */
  PetscReal          final_residual;
  KSPConvergedReason reason;
} GaleSolveStats;

typedef struct _p_GaleLinSys *GaleLinSys;
struct _p_GaleLinSys {
  GaleMesh     mesh;
  Mat          A;
  Vec          x, b, r, ones;
  Vec          Ax, Axbar; /* work vectors of the normalised residual */
  KSP          ksp;
  PetscScalar *ad, *ao; /* value arrays of the diagonal/off-diagonal blocks while filling */
  Mat          Ad, Ao;
  PetscInt    *diagIdx;       /* nCells: position of the diagonal in ad */
  PetscInt    *idxPN, *idxNP; /* nInternalFaces: position of (owner row, neighbour col) and
                                 (neighbour row, owner col); >= 0 in ad, <= -2 in ao at -(i+2),
                                 -1 when the row is not owned */
  PetscBool    nullspace;     /* constant null space (pure Neumann pressure) */
  PetscInt     maxReuse;      /* reuse the preconditioner for up to this many solves (0: rebuild each) */
  PetscInt     sinceSetup, itsAfterSetup, lastIts;
  MatNullSpace nsp;
};

/* prefix: options prefix ("U_", "p_"); ksp/pc defaults given, overridable
 * by the PETSc options database (-U_ksp_type ...). */
PetscErrorCode GaleLinSysCreate(GaleMesh mesh, const char *prefix, const char *ksp_type, const char *pc_type, PetscReal rtol, PetscReal atol, PetscInt max_it, GaleLinSys *ls);
PetscErrorCode GaleLinSysDestroy(GaleLinSys *ls);
/* Expose ls->ad / ls->ao for filling, zeroing all values first if asked. */
PetscErrorCode GaleLinSysBeginFill(GaleLinSys ls, PetscBool zero);
PetscErrorCode GaleLinSysEndFill(GaleLinSys ls);
PetscErrorCode GaleLinSysSetNullSpace(GaleLinSys ls, PetscBool constant);
/* Keep the preconditioner (e.g. the AMG hierarchy) for up to maxReuse
 * solves while the operator changes slowly; it is rebuilt earlier when the
 * iteration count grows past twice what it was after the last rebuild. */
PetscErrorCode GaleLinSysSetReuse(GaleLinSys ls, PetscInt maxReuse);
/* Solve A x = rhs for owned cells; x holds the initial guess on entry. */
PetscErrorCode GaleLinSysSolve(GaleLinSys ls, const PetscReal *rhs, PetscReal *x, GaleSolveStats *st);

static inline void GaleLinSysAdd(GaleLinSys ls, PetscInt idx, PetscReal v)
{
  if (idx >= 0)
    ls->ad[idx] += v;
  else if (idx <= -2)
    ls->ao[-idx - 2] += v;
}

#endif
