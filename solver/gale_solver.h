/* GaleSolver: incompressible Navier-Stokes on a distributed GaleMesh,
 * collocated finite volume, pressure-velocity coupling by SIMPLE/SIMPLEC
 * (steady) or PISO/PIMPLE (transient) in the form used by OpenFOAM's
 * simpleFoam/pimpleFoam (momentum predictor, HbyA, pressure equation with
 * the momentum diagonal, flux correction: a Rhie-Chow interpolation).
 *
 * Fields are plain arrays over local cells (owned then ghosts, `ncT`
 * entries); vectors component-major: U[d*ncT + c]. Face fluxes phi[f]
 * (volumetric, owner -> neighbour) for every local face. Boundary values
 * per boundary face (index f - nInternalFaces). Pressure is kinematic
 * (p/rho). */
#ifndef GALE_SOLVER_H
#define GALE_SOLVER_H

#include "gale_mesh.h"
#include "gale_case.h"
#include "gale_linsys.h"

/* How a boundary face constrains U and p. */
typedef enum { GALE_UBC_FIXED, GALE_UBC_ZEROGRAD, GALE_UBC_SYMMETRY, GALE_UBC_EMPTY } GaleUBCKind;

typedef struct _p_GaleSolver *GaleSolver;
struct _p_GaleSolver {
  const GaleCase *cs;
  GaleMesh        mesh;
  PetscInt        nc, ncT, nf, ni, nb;
  PetscBool       transient;
  PetscBool       solveComp[3]; /* false for the direction normal to empty patches */
  PetscBool       pFixedAnywhere;

  PetscReal                *U, *p, *phi; /* current */
  PetscReal                *Uold, *Uoo, *phiOld, *phiOo;
  PetscReal                *Ub, *pb;            /* boundary face values: 3*nb, nb (component-major in nb) */
  PetscReal                *gradU, *gradp;      /* gradU[(3*d + k)*ncT + c] = dU_d/dx_k; gradp[k*ncT + c] */
  PetscReal                *rAU, *rAtU;         /* V/a_P and SIMPLEC V/(a_P + sum a_N) */
  PetscReal                *HbyA;               /* 3*ncT */
  PetscReal                *phiHbyA;            /* nf */
  PetscReal                *aDiag;              /* momentum diagonal averaged over components (relaxed), nc */
  PetscReal                *diagC;              /* momentum diagonal per component (relaxed), 3*nc */
  PetscReal                *offSum;             /* sum of off-diagonal momentum coefficients per row, nc */
  PetscReal                *aPN, *aNP;          /* momentum off-diagonal coefficients per internal face */
  PetscReal                *pPrev;              /* pressure before the correction (relaxation), ncT */
  PetscReal                *nut, *nutB;         /* turbulent viscosity at cells (ncT) and boundary faces (nb); NULL when laminar */
  struct _p_GaleTurbulence *turb;               /* RANS model or NULL */
  PetscReal                *yPlusCell;          /* y+ of wall-adjacent cells for output (turbulent runs), ncT */
  PetscReal                *Urel, *phiRel;      /* U and phi when the momentum equation was assembled */
  PetscReal                 relaxCorr;          /* 1 - alpha_U in relaxed PIMPLE outer iterations, else 0 */
  PetscReal                *rhsU, *rhsP, *work; /* 3*nc, nc, ncT */
  PetscReal                *lsqInv;             /* 9*nc, least-squares gradient matrices */

  GaleUBCKind *ubc;               /* per boundary face */
  PetscBool   *pfix;              /* per boundary face: p fixed */
  PetscReal   *Ufix, *pfixv;      /* fixed values (3*nb component-major, nb) */
  PetscInt    *faceBC;            /* case BC index per boundary face */
  PetscInt    *bActive, nbActive; /* boundary faces that are not empty (the only ones loops visit) */

  GaleLinSys lsU, lsP;

  PetscInt  iteration; /* outer iteration / time step counter */
  PetscReal time;
  PetscReal residual[4], residual0[4]; /* Ux Uy Uz p: current initial residuals and first ones */
  PetscInt  linIts[4];
  PetscReal continuity;
};

PetscErrorCode GaleSolverCreate(const GaleCase *cs, GaleMesh local, GaleSolver *s);
PetscErrorCode GaleSolverDestroy(GaleSolver *s);
PetscErrorCode GaleSolverInitialise(GaleSolver s); /* initial conditions and boundary values */
/* Make the initial face fluxes conservative by a potential-flow correction,
 * U = U0 - grad Phi (potential.c); steady runs with U0 != 0 call it. */
PetscErrorCode GaleSolverPotentialInitialise(GaleSolver s);

/* boundary conditions (bc.c) */
PetscErrorCode GaleSolverSetupBC(GaleSolver s);
PetscErrorCode GaleSolverUpdateBoundaryValues(GaleSolver s); /* Ub, pb from current U, p */

/* gradients (gradient.c): owned cells computed, ghosts updated by halo */
PetscErrorCode GaleSolverGradientSetup(GaleSolver s);
PetscErrorCode GaleSolverGradient(GaleSolver s, const PetscReal *phi, const PetscReal *phib, PetscReal *grad);

/* one pressure-velocity step pieces (momentum.c, pressure.c) */
PetscErrorCode GaleSolverMomentumAssemble(GaleSolver s, PetscReal relax);
PetscErrorCode GaleSolverMomentumSolve(GaleSolver s);
PetscErrorCode GaleSolverLimitGradient(GaleSolver s, const PetscReal *phi, const PetscReal *phib, PetscReal *grad);
PetscErrorCode GaleSolverPressureCorrect(GaleSolver s, PetscBool simplec, PetscReal relaxP, PetscBool firstCorrector);

/* whole runs (simple.c, piso.c): one outer iteration / one time step */
PetscErrorCode GaleSolverSteadyIteration(GaleSolver s);
PetscErrorCode GaleSolverTimeStep(GaleSolver s);

/* Check the fields for blow-up: NaN/Inf in any field, a residual above
 * divergence_factor times its first value, or a speed above GALE_SPEED_LIMIT
 * times the largest of the reference velocity and the fixed-value boundary
 * speeds. On failure fills a message naming the field, iteration and the
 * worst cell's location. */
#define GALE_SPEED_LIMIT 1000
PetscErrorCode GaleSolverCheckHealth(GaleSolver s, PetscBool *ok, char *msg, size_t len);

#endif
