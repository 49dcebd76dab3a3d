/* Boundary conditions: each boundary face gets a velocity kind (fixed
 * value, zero gradient, symmetry, empty) and a pressure kind (fixed or zero
 * gradient) from its patch's case entry:
 *   wall        U fixed (moving-wall velocity, default 0), p zero gradient
 *   inlet       U fixed (uniform, expression or table), p zero gradient
 *   outlet      U zero gradient, p fixed
 *   symmetry    U_b = U_P - (U_P.n) n, p zero gradient, no flux
 *   empty       2D front/back: no flux, no contribution
 *   freestream  per face: inflow (U_inf.S < 0) U fixed, p zero gradient;
 *               outflow U zero gradient, p fixed
 *   zeroGradient U and p zero gradient. */
#include "gale_solver.h"

PetscErrorCode GaleSolverSetupBC(GaleSolver s)
{
  GaleMesh        m      = s->mesh;
  const GaleCase *cs     = s->cs;
  PetscInt        nEmpty = 0, npf = 0;
  PetscReal       emptyN[3] = {0, 0, 0}, gN[3];

  PetscFunctionBeginUser;
  for (PetscInt ip = 0; ip < m->nPatches; ip++) {
    const GalePatch *P  = &m->patches[ip];
    PetscInt         ib = GaleCaseFindBC(cs, P->name);
    PetscCheck(ib >= 0, m->comm, GALE_ERR_USER, "%s: mesh patch '%s' has no entry in 'boundary'", cs->file, P->name);
    for (PetscInt f = P->start; f < P->start + P->size; f++) {
      const PetscInt   b  = f - s->ni;
      const GaleBC    *bc = &cs->bcs[ib];
      const PetscReal *S = m->faceAreas + 3 * f, *x = m->faceCentres + 3 * f;
      PetscReal        u[3] = {0, 0, 0};
      s->faceBC[b]          = ib;
      switch (bc->type) {
      case GALE_BC_WALL:
      case GALE_BC_INLET:
        PetscCall(GaleVectorValueEval(&bc->U, x, s->time, u));
        s->ubc[b]  = GALE_UBC_FIXED;
        s->pfix[b] = PETSC_FALSE;
        break;
      case GALE_BC_OUTLET:
        s->ubc[b]  = GALE_UBC_ZEROGRAD;
        s->pfix[b] = PETSC_TRUE;
        break;
      case GALE_BC_SYMMETRY:
        s->ubc[b]  = GALE_UBC_SYMMETRY;
        s->pfix[b] = PETSC_FALSE;
        break;
      case GALE_BC_EMPTY:
        s->ubc[b]  = GALE_UBC_EMPTY;
        s->pfix[b] = PETSC_FALSE;
        for (int d = 0; d < 3; d++) emptyN[d] += PetscAbsReal(S[d]);
        nEmpty++;
        break;
      case GALE_BC_FREESTREAM:
        PetscCall(GaleVectorValueEval(&bc->U, x, s->time, u));
        if (u[0] * S[0] + u[1] * S[1] + u[2] * S[2] < 0) {
          s->ubc[b]  = GALE_UBC_FIXED;
          s->pfix[b] = PETSC_FALSE;
        } else {
          s->ubc[b]  = GALE_UBC_ZEROGRAD;
          s->pfix[b] = PETSC_TRUE;
        }
        break;
      case GALE_BC_ZEROGRADIENT:
        s->ubc[b]  = GALE_UBC_ZEROGRAD;
        s->pfix[b] = PETSC_FALSE;
        break;
      }
      for (int d = 0; d < 3; d++) s->Ufix[d * s->nb + b] = u[d];
      s->pfixv[b] = bc->p;
      if (s->pfix[b]) npf++;
    }
  }
  PetscCall(PetscMalloc1(s->nb + 1, &s->bActive));
  s->nbActive = 0;
  for (PetscInt b = 0; b < s->nb; b++)
    if (s->ubc[b] != GALE_UBC_EMPTY) s->bActive[s->nbActive++] = b;
  {
    PetscInt g = 0;
    PetscCallMPI(MPIU_Allreduce(&npf, &g, 1, MPIU_INT, MPI_SUM, m->comm));
    s->pFixedAnywhere = g > 0 ? PETSC_TRUE : PETSC_FALSE;
  }
  /* 2D: do not solve the velocity component normal to the empty patches */
  PetscCallMPI(MPIU_Allreduce(emptyN, gN, 3, MPIU_REAL, MPI_SUM, m->comm));
  for (int d = 0; d < 3; d++) s->solveComp[d] = PETSC_TRUE;
  {
    PetscReal tot = gN[0] + gN[1] + gN[2];
    for (int d = 0; d < 3; d++)
      if (tot > 0 && gN[d] > 0.999 * tot) s->solveComp[d] = PETSC_FALSE;
  }
  (void)nEmpty;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Re-evaluate time-dependent fixed values (inlet expressions in t). */
static PetscErrorCode RefreshFixedValues(GaleSolver s)
{
  GaleMesh m = s->mesh;

  PetscFunctionBeginUser;
  if (!s->transient) PetscFunctionReturn(PETSC_SUCCESS);
  for (PetscInt b = 0; b < s->nb; b++) {
    const GaleBC *bc = &s->cs->bcs[s->faceBC[b]];
    PetscReal     u[3];
    if (s->ubc[b] != GALE_UBC_FIXED || bc->U.kind != GALE_VALUE_EXPRESSION) continue;
    PetscCall(GaleVectorValueEval(&bc->U, m->faceCentres + 3 * (s->ni + b), s->time, u));
    for (int d = 0; d < 3; d++) s->Ufix[d * s->nb + b] = u[d];
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSolverUpdateBoundaryValues(GaleSolver s)
{
  GaleMesh m = s->mesh;

  PetscFunctionBeginUser;
  PetscCall(RefreshFixedValues(s));
  for (PetscInt ib = 0; ib < s->nbActive; ib++) {
    const PetscInt   b = s->bActive[ib];
    const PetscInt   f = s->ni + b, c = m->owner[f];
    const PetscReal *S = m->faceAreas + 3 * f, A = m->faceMagAreas[f];
    PetscReal        n[3] = {S[0] / A, S[1] / A, S[2] / A}, un;
    switch (s->ubc[b]) {
    case GALE_UBC_FIXED:
      for (int d = 0; d < 3; d++) s->Ub[d * s->nb + b] = s->Ufix[d * s->nb + b];
      break;
    case GALE_UBC_ZEROGRAD:
    case GALE_UBC_EMPTY:
      for (int d = 0; d < 3; d++) s->Ub[d * s->nb + b] = s->U[d * s->ncT + c];
      break;
    case GALE_UBC_SYMMETRY:
      un = 0;
      for (int d = 0; d < 3; d++) un += s->U[d * s->ncT + c] * n[d];
      for (int d = 0; d < 3; d++) s->Ub[d * s->nb + b] = s->U[d * s->ncT + c] - un * n[d];
      break;
    }
    s->pb[b] = s->pfix[b] ? s->pfixv[b] : s->p[c];
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}
