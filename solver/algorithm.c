/* Pressure-velocity coupling loops.
 * Steady (SIMPLE, SIMPLEC): one outer iteration = momentum predictor with
 *   implicit relaxation alpha_U, one pressure solve (plus non-orthogonal
 *   correctors), explicit pressure relaxation alpha_p (SIMPLEC: usually 1).
 * Transient (PISO, PIMPLE): per time step n_outer outer iterations (PISO:
 *   1), each a momentum predictor and n_correctors pressure corrections
 *   with the momentum coefficients frozen; relaxation applies to all but
 *   the final outer iteration, whose face fluxes carry the relaxation
 *   correction (1 - alpha_U)(phi - U_f.S) so the relaxed and final outer
 *   iterations agree at convergence. */
#include "gale_turbulence.h"

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
  if (s->turb) PetscCall(GaleTurbulenceSolve(s->turb));
  for (int k = 0; k < 4; k++)
    if (s->iteration == 1 || s->residual0[k] == 0) s->residual0[k] = s->residual[k];
  s->relaxCorr = 0;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSolverTimeStep(GaleSolver s)
{
  const GaleCase *cs     = s->cs;
  const PetscInt  nOuter = cs->algorithm == GALE_ALG_PIMPLE ? PetscMax(cs->n_outer, 1) : 1;
  PetscReal       res[4] = {0, 0, 0, 0};

  PetscFunctionBeginUser;
  s->iteration++;
  s->time += cs->dt;
  PetscCall(PetscArraycpy(s->Uoo, s->Uold, 3 * s->ncT));
  PetscCall(PetscArraycpy(s->Uold, s->U, 3 * s->ncT));
  PetscCall(PetscArraycpy(s->phiOo, s->phiOld, s->nf));
  PetscCall(PetscArraycpy(s->phiOld, s->phi, s->nf));
  if (s->turb)
    for (PetscInt i = 0; i < s->turb->nfields; i++) PetscCall(PetscArraycpy(s->turb->fieldOld[i], s->turb->field[i], s->ncT));
  for (PetscInt outer = 0; outer < nOuter; outer++) {
    const PetscBool final = outer == nOuter - 1 ? PETSC_TRUE : PETSC_FALSE;
    s->relaxCorr          = (!final && cs->relax_U < 1) ? 1 - cs->relax_U : 0;
    if (s->relaxCorr > 0) {
      PetscCall(PetscArraycpy(s->Urel, s->U, 3 * s->ncT));
      PetscCall(PetscArraycpy(s->phiRel, s->phi, s->nf));
    }
    PetscCall(GaleSolverMomentumAssemble(s, final ? 1.0 : cs->relax_U));
    PetscCall(GaleSolverMomentumSolve(s));
    for (PetscInt corr = 0; corr < PetscMax(cs->n_correctors, 1); corr++) PetscCall(GaleSolverPressureCorrect(s, PETSC_FALSE, final ? 1.0 : cs->relax_p, corr == 0 ? PETSC_TRUE : PETSC_FALSE));
    if (s->turb) PetscCall(GaleTurbulenceSolve(s->turb));
    /* report the first outer iteration's initial residuals, as OpenFOAM does */
    if (outer == 0)
      for (int k = 0; k < 4; k++) res[k] = s->residual[k];
    if (final && outer > 0)
      for (int k = 0; k < 4; k++) s->residual[k] = res[k];
  }
  for (int k = 0; k < 4; k++)
    if (s->iteration == 1 || s->residual0[k] == 0) s->residual0[k] = s->residual[k];
  s->relaxCorr = 0;
  PetscFunctionReturn(PETSC_SUCCESS);
}
