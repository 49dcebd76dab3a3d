/* Potential-flow initialisation of the face fluxes (OpenFOAM's potentialFoam
 * without its non-orthogonal correctors). A uniform initial velocity U0 runs
 * through every body in the domain: the initial fluxes phi0 = U0_f . S_f
 * are not conservative next to walls, and a cell whose faces all carry
 * outflow (a pocket closed by walls, the cells behind a body) gets the
 * bounded convection term's diagonal a_P = sum of inflows + D ~ D only. At
 * high Reynolds number rAU = V/a_P is then 1e3..1e4 times its neighbours',
 * the first velocity correction U = HbyA - rAU grad p reaches 1e5 m/s and
 * the run diverges in a few iterations (cases/f1car, laminar or RANS).
 * Removing the divergence of phi0 first gives every cell as much inflow as
 * outflow:
 *   sum_f |S_f| deltaCoeff_f (Phi_N - Phi_P) = sum_f phi0_f     (per cell)
 *   phi_f = phi0_f - |S_f| deltaCoeff_f (Phi_N - Phi_P),  U = U0 - grad Phi
 * with Phi = 0 on faces of fixed pressure and zero normal gradient elsewhere
 * (walls, inlets and symmetry keep their flux). The fluxes are conservative
 * to the solver tolerance whatever the mesh, since the matrix and the flux
 * use the same coefficients. */
#include "gale_solver.h"

PetscErrorCode GaleSolverPotentialInitialise(GaleSolver s)
{
  GaleMesh       m  = s->mesh;
  const PetscInt nc = s->nc, ncT = s->ncT, ni = s->ni;
  PetscInt       npfix = 0, gpfix;
  PetscReal     *Phi, *PhiB, *rhs, *grad;
  GaleLinSys     ls;
  GaleSolveStats st;

  PetscFunctionBeginUser;
  for (PetscInt ib = 0; ib < s->nbActive; ib++)
    if (s->pfix[s->bActive[ib]]) npfix++;
  PetscCallMPI(MPIU_Allreduce(&npfix, &gpfix, 1, MPIU_INT, MPI_SUM, m->comm));
  if (!gpfix) PetscFunctionReturn(PETSC_SUCCESS); /* closed domain: Phi is not defined */
  PetscCall(PetscCalloc4(ncT + 1, &Phi, s->nb + 1, &PhiB, nc + 1, &rhs, 3 * ncT + 1, &grad));
  PetscCall(GaleLinSysCreate(m, "potential_", KSPCG, PCGAMG, 1e-6, 1e-30, 1000, &ls));
  PetscCall(GaleLinSysBeginFill(ls, PETSC_TRUE));
  for (PetscInt f = 0; f < ni; f++) {
    const PetscInt  o = m->owner[f], n = m->neighbour[f];
    const PetscReal D = m->faceMagAreas[f] * m->deltaCoeffs[f];
    GaleLinSysAdd(ls, ls->idxPN[f], -D);
    GaleLinSysAdd(ls, ls->idxNP[f], -D);
    if (o < nc) {
      ls->ad[ls->diagIdx[o]] += D;
      rhs[o] -= s->phi[f];
    }
    if (n < nc) {
      ls->ad[ls->diagIdx[n]] += D;
      rhs[n] += s->phi[f];
    }
  }
  for (PetscInt ib = 0; ib < s->nbActive; ib++) {
    const PetscInt b = s->bActive[ib], f = ni + b, o = m->owner[f];
    rhs[o] -= s->phi[f];
    if (s->pfix[b]) ls->ad[ls->diagIdx[o]] += m->faceMagAreas[f] * m->deltaCoeffs[f];
  }
  PetscCall(GaleLinSysEndFill(ls));
  PetscCall(GaleLinSysSolve(ls, rhs, Phi, &st));
  PetscCall(GaleHaloExchange(m, 1, ncT, Phi));
  for (PetscInt f = 0; f < ni; f++) s->phi[f] -= m->faceMagAreas[f] * m->deltaCoeffs[f] * (Phi[m->neighbour[f]] - Phi[m->owner[f]]);
  for (PetscInt ib = 0; ib < s->nbActive; ib++) {
    const PetscInt b = s->bActive[ib], f = ni + b, o = m->owner[f];
    PhiB[b] = s->pfix[b] ? 0 : Phi[o];
    if (s->pfix[b]) s->phi[f] += m->faceMagAreas[f] * m->deltaCoeffs[f] * Phi[o];
  }
  PetscCall(GaleSolverGradient(s, Phi, PhiB, grad));
  for (int d = 0; d < 3; d++)
    if (s->solveComp[d])
      for (PetscInt c = 0; c < ncT; c++) s->U[d * ncT + c] -= grad[d * ncT + c];
  PetscCall(GaleSolverUpdateBoundaryValues(s));
  PetscCall(GaleLinSysDestroy(&ls));
  PetscCall(PetscFree4(Phi, PhiB, rhs, grad));
  PetscFunctionReturn(PETSC_SUCCESS);
}
