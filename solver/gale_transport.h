/* Scalar transport equations (turbulence quantities): for a cell P
 *   a_P phi_P + sum_N a_N phi_N = Su + (ddt) ,  a_P includes -Sp
 * from div(phi_f phi) - div(gamma grad phi) = Su + Sp phi, with bounded
 * upwind convection plus a TVD (van Leer) deferred correction, over-relaxed
 * non-orthogonal diffusion, implicit under-relaxation and a lower bound
 * (positivity) applied after the solve. Sources are given per cell already
 * multiplied by the volume; Sp <= 0 keeps the matrix diagonally dominant. */
#ifndef GALE_TRANSPORT_H
#define GALE_TRANSPORT_H

#include "gale_solver.h"

typedef struct {
  const char      *name;
  PetscReal       *phi;      /* ncT: cell values, updated (ghosts exchanged) */
  PetscReal       *phiB;     /* nb: boundary values; zero-gradient faces are set here */
  const PetscBool *fixedB;   /* nb: value fixed on the face (else zero gradient) */
  const PetscReal *gamma;    /* ncT: diffusivity at cells */
  const PetscReal *gammaB;   /* nb: diffusivity on boundary faces */
  const PetscReal *Su, *Sp;  /* nc: sources times volume (Sp <= 0, implicit) */
  const PetscReal *phiOld;   /* ncT: previous time level (transient), or NULL */
  PetscReal        relax;    /* implicit under-relaxation (1 = none) */
  PetscReal        lower;    /* values are clipped to >= lower after the solve */
  const PetscBool *fixCell;  /* nc, or NULL: owned cells whose value is imposed (wall-function */
  const PetscReal *fixValue; /* cells): their row becomes phi = fixValue (OpenFOAM's setValues) */
} GaleScalarEq;

/* Assemble and solve one scalar equation with the linear system ls (mesh
 * sparsity); grad is 3*ncT scratch for the TVD correction. */
PetscErrorCode GaleScalarEqSolve(GaleSolver s, GaleLinSys ls, GaleScalarEq *eq, PetscReal *grad, GaleSolveStats *st);

/* Wall distance by the Poisson method (Tucker 2003): lap(phi) = -1, phi = 0
 * on walls, zero gradient elsewhere; d = sqrt(|grad phi|^2 + 2 phi) - |grad phi|.
 * Exact for a single plane wall; within a few percent near convex corners
 * (measured in tests/solver). Cells get d > 0; with no wall, d = 1e30. */
PetscErrorCode GaleSolverWallDistance(GaleSolver s, PetscReal *d);

/* Exact wall distance: from each local and ghost cell centre to the nearest
 * wall face of the whole mesh (faces split into triangles about their
 * centres), d >= 1e-12; with no wall, d = 1e30. The default of the
 * turbulence models (turbulence.wall_distance). */
PetscErrorCode GaleSolverWallDistanceExact(GaleSolver s, PetscReal *d);

#endif
