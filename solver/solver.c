/* GaleSolver life cycle: field allocation, linear systems, initial state,
 * and the health check used to stop diverging runs. */
#include "gale_turbulence.h"

PetscErrorCode GaleSolverCreate(const GaleCase *cs, GaleMesh m, GaleSolver *out)
{
  GaleSolver s;
  PetscInt   nc, ncT, nf, nb;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&s));
  s->cs   = cs;
  s->mesh = m;
  s->nc = nc = m->nCells;
  s->ncT = ncT = m->nCells + m->nGhosts;
  s->nf = nf = m->nFaces;
  s->ni      = m->nInternalFaces;
  s->nb = nb   = nf - m->nInternalFaces;
  s->transient = (cs->algorithm == GALE_ALG_PISO || cs->algorithm == GALE_ALG_PIMPLE) ? PETSC_TRUE : PETSC_FALSE;
  PetscCall(PetscCalloc1(3 * ncT + 1, &s->U));
  PetscCall(PetscCalloc1(ncT + 1, &s->p));
  PetscCall(PetscCalloc1(nf + 1, &s->phi));
  PetscCall(PetscCalloc1(3 * ncT + 1, &s->Uold));
  PetscCall(PetscCalloc1(3 * ncT + 1, &s->Uoo));
  PetscCall(PetscCalloc1(nf + 1, &s->phiOld));
  PetscCall(PetscCalloc1(nf + 1, &s->phiOo));
  PetscCall(PetscCalloc1(3 * nb + 1, &s->Ub));
  PetscCall(PetscCalloc1(nb + 1, &s->pb));
  PetscCall(PetscCalloc1(9 * ncT + 1, &s->gradU));
  PetscCall(PetscCalloc1(3 * ncT + 1, &s->gradp));
  PetscCall(PetscCalloc1(ncT + 1, &s->rAU));
  PetscCall(PetscCalloc1(ncT + 1, &s->rAtU));
  PetscCall(PetscCalloc1(3 * ncT + 1, &s->HbyA));
  PetscCall(PetscCalloc1(nf + 1, &s->phiHbyA));
  PetscCall(PetscCalloc1(nc + 1, &s->aDiag));
  PetscCall(PetscCalloc1(3 * nc + 1, &s->diagC));
  PetscCall(PetscCalloc1(nc + 1, &s->offSum));
  PetscCall(PetscCalloc1(s->ni + 1, &s->aPN));
  PetscCall(PetscCalloc1(s->ni + 1, &s->aNP));
  PetscCall(PetscCalloc1(ncT + 1, &s->pPrev));
  PetscCall(PetscCalloc1(3 * ncT + 1, &s->Urel));
  PetscCall(PetscCalloc1(nf + 1, &s->phiRel));
  PetscCall(PetscCalloc1(3 * nc + 1, &s->rhsU));
  PetscCall(PetscCalloc1(nc + 1, &s->rhsP));
  PetscCall(PetscCalloc1(3 * ncT + 1, &s->work));
  PetscCall(PetscCalloc1(nb + 1, &s->ubc));
  PetscCall(PetscCalloc1(nb + 1, &s->pfix));
  PetscCall(PetscCalloc1(3 * nb + 1, &s->Ufix));
  PetscCall(PetscCalloc1(nb + 1, &s->pfixv));
  PetscCall(PetscCalloc1(nb + 1, &s->faceBC));
  PetscCall(GaleSolverSetupBC(s));
  PetscCall(GaleSolverGradientSetup(s));
  PetscCall(GaleLinSysCreate(m, "U_", cs->lin_U.ksp_type, cs->lin_U.pc_type, cs->lin_U.rtol, cs->lin_U.atol, cs->lin_U.max_it, &s->lsU));
  PetscCall(GaleLinSysCreate(m, "p_", cs->lin_p.ksp_type, cs->lin_p.pc_type, cs->lin_p.rtol, cs->lin_p.atol, cs->lin_p.max_it, &s->lsP));
  PetscCall(GaleLinSysSetNullSpace(s->lsP, s->pFixedAnywhere ? PETSC_FALSE : PETSC_TRUE));
  {
    /* the pressure operator changes slowly: keep the AMG hierarchy for up to
       20 solves by default (-p_pc_reuse N; 0 rebuilds it every solve) */
    PetscInt reuse = 20;
    PetscCall(PetscOptionsGetInt(NULL, "p_", "-pc_reuse", &reuse, NULL));
    PetscCall(GaleLinSysSetReuse(s->lsP, reuse));
  }
  if (!s->transient) {
    /* steady runs: the momentum matrix changes little between outer
       iterations, and the U solves only reduce the residual by 10: refactor
       its ILU every 5 solves (-U_pc_reuse N; 0 every solve) */
    PetscInt reuse = 5;
    PetscCall(PetscOptionsGetInt(NULL, "U_", "-pc_reuse", &reuse, NULL));
    PetscCall(GaleLinSysSetReuse(s->lsU, reuse));
  }
  *out = s;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSolverDestroy(GaleSolver *sp)
{
  GaleSolver s;

  PetscFunctionBeginUser;
  if (!sp || !*sp) PetscFunctionReturn(PETSC_SUCCESS);
  s = *sp;
  PetscCall(GaleTurbulenceDestroy(&s->turb));
  PetscCall(PetscFree(s->nut));
  PetscCall(PetscFree(s->nutB));
  PetscCall(PetscFree(s->yPlusCell));
  PetscCall(GaleLinSysDestroy(&s->lsU));
  PetscCall(GaleLinSysDestroy(&s->lsP));
  PetscCall(PetscFree(s->U));
  PetscCall(PetscFree(s->p));
  PetscCall(PetscFree(s->phi));
  PetscCall(PetscFree(s->Uold));
  PetscCall(PetscFree(s->Uoo));
  PetscCall(PetscFree(s->phiOld));
  PetscCall(PetscFree(s->phiOo));
  PetscCall(PetscFree(s->Ub));
  PetscCall(PetscFree(s->pb));
  PetscCall(PetscFree(s->gradU));
  PetscCall(PetscFree(s->gradp));
  PetscCall(PetscFree(s->rAU));
  PetscCall(PetscFree(s->rAtU));
  PetscCall(PetscFree(s->HbyA));
  PetscCall(PetscFree(s->phiHbyA));
  PetscCall(PetscFree(s->aDiag));
  PetscCall(PetscFree(s->diagC));
  PetscCall(PetscFree(s->offSum));
  PetscCall(PetscFree(s->aPN));
  PetscCall(PetscFree(s->aNP));
  PetscCall(PetscFree(s->pPrev));
  PetscCall(PetscFree(s->Urel));
  PetscCall(PetscFree(s->phiRel));
  PetscCall(PetscFree(s->rhsU));
  PetscCall(PetscFree(s->rhsP));
  PetscCall(PetscFree(s->work));
  PetscCall(PetscFree(s->lsqInv));
  PetscCall(PetscFree(s->ubc));
  PetscCall(PetscFree(s->pfix));
  PetscCall(PetscFree(s->Ufix));
  PetscCall(PetscFree(s->pfixv));
  PetscCall(PetscFree(s->faceBC));
  PetscCall(PetscFree(s->bActive));
  PetscCall(PetscFree(*sp));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSolverInitialise(GaleSolver s)
{
  GaleMesh m = s->mesh;

  PetscFunctionBeginUser;
  for (PetscInt c = 0; c < s->ncT; c++) {
    for (int d = 0; d < 3; d++) s->U[d * s->ncT + c] = s->solveComp[d] ? s->cs->U0[d] : 0.0;
    s->p[c] = s->cs->p0;
  }
  PetscCall(GaleSolverUpdateBoundaryValues(s));
  /* initial fluxes: interpolated velocity on internal faces, boundary values outside */
  for (PetscInt f = 0; f < s->nf; f++) {
    const PetscReal *S = m->faceAreas + 3 * f;
    PetscReal        uf[3];
    if (f < s->ni) {
      PetscReal w = m->weights[f];
      for (int d = 0; d < 3; d++) uf[d] = w * s->U[d * s->ncT + m->owner[f]] + (1 - w) * s->U[d * s->ncT + m->neighbour[f]];
    } else {
      PetscInt b = f - s->ni;
      for (int d = 0; d < 3; d++) uf[d] = s->Ub[d * s->nb + b];
      if (s->ubc[b] == GALE_UBC_EMPTY || s->ubc[b] == GALE_UBC_SYMMETRY) uf[0] = uf[1] = uf[2] = 0;
    }
    s->phi[f] = uf[0] * S[0] + uf[1] * S[1] + uf[2] * S[2];
  }
  /* a uniform initial velocity runs through the walls: start steady runs
     from conservative fluxes (potential.c says why) */
  if (!s->transient && (s->cs->U0[0] != 0 || s->cs->U0[1] != 0 || s->cs->U0[2] != 0)) PetscCall(GaleSolverPotentialInitialise(s));
  PetscCall(PetscArraycpy(s->Uold, s->U, 3 * s->ncT));
  PetscCall(PetscArraycpy(s->Uoo, s->U, 3 * s->ncT));
  PetscCall(GaleTurbulenceCreate(s, &s->turb));
  PetscCall(PetscArraycpy(s->phiOld, s->phi, s->nf));
  PetscCall(PetscArraycpy(s->phiOo, s->phi, s->nf));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSolverCheckHealth(GaleSolver s, PetscBool *ok, char *msg, size_t len)
{
  GaleMesh m = s->mesh;
  struct {
    PetscReal v;
    int       rank;
  } loc             = {-1, 0}, glob;
  PetscInt    worst = -1, field = 0;
  PetscMPIInt rank;
  PetscReal   x[4] = {0, 0, 0, 0}, uref = s->cs->ref_velocity, ug;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(m->comm, &rank));
  loc.rank = rank;
  /* the speed scale: the reference velocity and the fixed boundary speeds */
  for (PetscInt ib = 0; ib < s->nbActive; ib++) {
    const PetscInt b  = s->bActive[ib];
    PetscReal      u2 = 0;
    if (s->ubc[b] != GALE_UBC_FIXED) continue;
    for (int d = 0; d < 3; d++) u2 += s->Ub[d * s->nb + b] * s->Ub[d * s->nb + b];
    uref = PetscMax(uref, PetscSqrtReal(u2));
  }
  PetscCallMPI(MPIU_Allreduce(&uref, &ug, 1, MPIU_REAL, MPI_MAX, m->comm));
  for (PetscInt c = 0; c < s->nc; c++) {
    PetscReal u2      = 0, bad;
    PetscBool turbBad = PETSC_FALSE;
    for (int d = 0; d < 3; d++) u2 += s->U[d * s->ncT + c] * s->U[d * s->ncT + c];
    bad = PetscSqrtReal(u2);
    if (s->turb)
      for (PetscInt i = 0; i < s->turb->nfields; i++)
        if (PetscIsInfOrNanReal(s->turb->field[i][c])) turbBad = PETSC_TRUE;
    if (PetscIsInfOrNanReal(bad) || PetscIsInfOrNanReal(s->p[c]) || turbBad || bad > GALE_SPEED_LIMIT * ug) {
      /* NaN/Inf anywhere, or a speed no incompressible flow with these
         boundary speeds reaches: the normalised residuals of a blown-up
         field can be tiny, so they alone would call it converged */
      loc.v = PETSC_MAX_REAL;
      worst = c;
      field = PetscIsInfOrNanReal(bad) ? 0 : PetscIsInfOrNanReal(s->p[c]) ? 1 : turbBad ? 2 : 3;
      break;
    }
    if (bad > loc.v) {
      loc.v = bad;
      worst = c;
    }
  }
  PetscCallMPI(MPIU_Allreduce(&loc, &glob, 1, MPIU_REAL == MPI_DOUBLE ? MPI_DOUBLE_INT : MPI_FLOAT_INT, MPI_MAXLOC, m->comm));
  {
    PetscReal maxres = 0;
    PetscBool nanres = PETSC_FALSE;
    for (int k = 0; k < 4; k++) {
      if (PetscIsInfOrNanReal(s->residual[k])) nanres = PETSC_TRUE;
      if (s->residual0[k] > 0 && s->residual[k] > s->cs->divergence_factor * s->residual0[k]) maxres = s->residual[k];
    }
    *ok = (glob.v < PETSC_MAX_REAL && !nanres && maxres == 0) ? PETSC_TRUE : PETSC_FALSE;
  }
  if (*ok) PetscFunctionReturn(PETSC_SUCCESS);
  if (rank == glob.rank && worst >= 0) {
    for (int d = 0; d < 3; d++) x[d] = m->cellCentres[3 * worst + d];
    x[3] = (PetscReal)field;
  }
  PetscCallMPI(MPI_Bcast(x, 4, MPIU_REAL, glob.rank, m->comm));
  {
    static const char *what[4] = {"U is NaN/Inf", "p is NaN/Inf", "of the turbulence model is NaN/Inf", "U is above " PetscStringize(GALE_SPEED_LIMIT) " times the largest boundary/reference speed"};
    const int          k       = (int)(x[3] + 0.5);
    PetscCall(PetscSNPrintf(msg, len, "solution diverged at iteration %" PetscInt_FMT ": field %s; worst cell at (%g, %g, %g)", s->iteration, glob.v >= PETSC_MAX_REAL ? what[k] : (k == 1 ? "p residual exploded" : "U residual exploded"), (double)x[0],
                            (double)x[1], (double)x[2]));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}
