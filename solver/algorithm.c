/* Pressure-velocity coupling loops.
 * Steady (SIMPLE, SIMPLEC): one outer iteration = momentum predictor with
 *   implicit relaxation alpha_U, one pressure solve (plus non-orthogonal
 *   correctors), explicit pressure relaxation alpha_p (SIMPLEC: usually 1).
 * Transient (PISO, PIMPLE): per time step n_outer outer iterations (PISO:
 *   1), each a momentum predictor and n_correctors pressure corrections
 *   with the momentum coefficients frozen; relaxation applies to all but
 *   the final outer iteration. */
#include "gale_solver.h"

PetscErrorCode GaleSolverSteadyIteration(GaleSolver s)
{
  const GaleCase *cs      = s->cs;
  const PetscBool simplec = cs->algorithm == GALE_ALG_SIMPLEC ? PETSC_TRUE : PETSC_FALSE;

  PetscFunctionBeginUser;
  s->iteration++;
  s->time = (PetscReal)s->iteration;
  PetscCall(GaleSolverMomentumAssemble(s, cs->relax_U));
  PetscCall(GaleSolverMomentumSolve(s));
  PetscCall(GaleSolverPressureCorrect(s, simplec, cs->relax_p, PETSC_TRUE));
  for (int k = 0; k < 4; k++)
    if (s->iteration == 1 || s->residual0[k] == 0) s->residual0[k] = s->residual[k];
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSolverTimeStep(GaleSolver s)
{
  const GaleCase *cs     = s->cs;
  const PetscInt  nOuter = cs->algorithm == GALE_ALG_PIMPLE ? PetscMax(cs->n_outer, 1) : 1;

  PetscFunctionBeginUser;
  s->iteration++;
  s->time += cs->dt;
  PetscCall(PetscArraycpy(s->Uoo, s->Uold, 3 * s->ncT));
  PetscCall(PetscArraycpy(s->Uold, s->U, 3 * s->ncT));
  PetscCall(PetscArraycpy(s->phiOo, s->phiOld, s->nf));
  PetscCall(PetscArraycpy(s->phiOld, s->phi, s->nf));
  for (PetscInt outer = 0; outer < nOuter; outer++) {
    const PetscBool final = outer == nOuter - 1 ? PETSC_TRUE : PETSC_FALSE;
    PetscReal       res[4] = {0, 0, 0, 0};
    PetscCall(GaleSolverMomentumAssemble(s, final ? 1.0 : cs->relax_U));
    PetscCall(GaleSolverMomentumSolve(s));
    for (PetscInt corr = 0; corr < PetscMax(cs->n_correctors, 1); corr++) PetscCall(GaleSolverPressureCorrect(s, PETSC_FALSE, final ? 1.0 : cs->relax_p, corr == 0 ? PETSC_TRUE : PETSC_FALSE));
    /* report the first outer iteration's initial residuals, as OpenFOAM does */
    if (outer == 0)
      for (int k = 0; k < 4; k++) res[k] = s->residual[k];
    if (final && outer > 0)
      for (int k = 0; k < 4; k++) s->residual[k] = res[k];
  }
  for (int k = 0; k < 4; k++)
    if (s->iteration == 1 || s->residual0[k] == 0) s->residual0[k] = s->residual[k];
  PetscFunctionReturn(PETSC_SUCCESS);
}
