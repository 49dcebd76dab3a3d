/* GalePOD: proper orthogonal decomposition of a set of snapshots of one
 * field. With snapshots x_j (j < nSnap, each nDof long), their mean m and
 * optional positive weights w (cell volumes; normalised to mean 1 so the
 * unweighted case is w = 1), the POD computes the thin SVD
 *     W^{1/2} (X - m 1^T) = U S V^T
 * and keeps the first r modes phi_k = W^{-1/2} u_k, which are orthonormal
 * in the weighted inner product <a, b>_W = a^T W b. r is the smallest
 * count whose energy sum_{k<r} s_k^2 / sum_k s_k^2 reaches the requested
 * fraction (default 0.9999), at most nSnap - 1 and at most maxModes, and
 * never counts numerically zero singular values.
 *   project:     a = Phi^T W (u - m)
 *   reconstruct: u = m + Phi a
 * Arrays: a snapshot matrix is column-major nDof x nSnap (snapshot j is
 * X[j*nDof .. (j+1)*nDof-1]); the basis likewise nDof x r. Rank-local,
 * serial: no MPI. */
#ifndef GALE_POD_H
#define GALE_POD_H

#include "gale_sys.h"

typedef struct _p_GalePOD *GalePOD;

/* How the SVD is computed: AUTO takes SVD (LAPACK dgesdd on the thin
 * matrix) while the snapshot matrix is below 2^25 entries and SNAPSHOTS
 * (Sirovich's method: eigen-decomposition of X^T W X with dsyevd, modes
 * X v / s, re-orthonormalised) above, where it needs far less memory. */
typedef enum { GALE_POD_AUTO, GALE_POD_SVD, GALE_POD_SNAPSHOTS } GalePODMethod;
extern const char *const GalePODMethods[];

PetscErrorCode GalePODCreate(GalePOD *pod);
PetscErrorCode GalePODDestroy(GalePOD *pod);
/* Options, before Compute: energy fraction in (0, 1]; maxModes >= 0 or
 * PETSC_DETERMINE (no cap beyond nSnap - 1); weights (nDof, positive,
 * copied; NULL for none); method. */
PetscErrorCode GalePODSetEnergy(GalePOD pod, PetscReal fraction);
PetscErrorCode GalePODSetMaxModes(GalePOD pod, PetscInt maxModes);
PetscErrorCode GalePODSetWeights(GalePOD pod, PetscInt nDof, const PetscReal w[]);
PetscErrorCode GalePODSetMethod(GalePOD pod, GalePODMethod method);
/* Decompose X (nDof x nSnap column-major, not modified). */
PetscErrorCode GalePODCompute(GalePOD pod, PetscInt nDof, PetscInt nSnap, const PetscReal X[]);

PetscErrorCode GalePODGetSizes(GalePOD pod, PetscInt *nDof, PetscInt *nSnap, PetscInt *nModes);
/* Borrowed pointers, valid until Destroy: basis nDof x nModes, mean nDof,
 * singular values (nSigma = min(nDof, nSnap) of them, descending), the
 * training coefficients nModes x nSnap (column j = Phi^T W (x_j - m)).
 * Any output may be NULL. coef is NULL for a POD loaded from a file. */
PetscErrorCode GalePODGetModes(GalePOD pod, const PetscReal **basis, const PetscReal **mean, const PetscReal **sigma, PetscInt *nSigma, const PetscReal **coef);
/* Fraction of the snapshot energy captured by the kept modes (1 when the
 * snapshots are all equal). */
PetscErrorCode GalePODGetEnergy(GalePOD pod, PetscReal *captured);
/* a (nModes) from u (nDof); u (nDof) from a (nModes). */
PetscErrorCode GalePODProject(GalePOD pod, const PetscReal u[], PetscReal a[]);
PetscErrorCode GalePODReconstruct(GalePOD pod, const PetscReal a[], PetscReal u[]);
/* Weighted norm sqrt(sum_i w_i v_i^2) with this POD's weights. */
PetscErrorCode GalePODNorm(GalePOD pod, const PetscReal v[], PetscReal *norm);

#endif
