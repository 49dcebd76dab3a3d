/* Scalar transport equation assembly and solve (see gale_transport.h). */
#include "gale_transport.h"
#include "gale_schemes.h"

/* an owned cell whose value is imposed (eq->fixCell) */
static inline PetscBool Fixed(const GaleScalarEq *eq, PetscInt c, PetscInt nc)
{
  return (PetscBool)(eq->fixCell && c < nc && eq->fixCell[c]);
}

PetscErrorCode GaleScalarEqSolve(GaleSolver s, GaleLinSys ls, GaleScalarEq *eq, PetscReal *grad, GaleSolveStats *st)
{
  GaleMesh       m  = s->mesh;
  const PetscInt nc = s->nc, ncT = s->ncT, ni = s->ni;
  PetscReal     *diag, *rhs;

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc2(nc + 1, &diag, nc + 1, &rhs));
  /* zero-gradient boundary values follow the cell */
  for (PetscInt ib = 0; ib < s->nbActive; ib++) {
    const PetscInt b = s->bActive[ib];
    if (!eq->fixedB[b]) eq->phiB[b] = eq->phi[m->owner[ni + b]];
  }
  PetscCall(GaleSolverGradient(s, eq->phi, eq->phiB, grad));
  PetscCall(GaleLinSysBeginFill(ls, PETSC_TRUE));
  for (PetscInt f = 0; f < ni; f++) {
    const PetscInt   o = m->owner[f], n = m->neighbour[f];
    const PetscReal  w = m->weights[f], F = s->phi[f];
    const PetscReal  gf  = w * eq->gamma[o] + (1 - w) * eq->gamma[n];
    const PetscReal  D   = gf * m->faceMagAreas[f] * m->deltaCoeffs[f];
    const PetscReal  aPN = -(D + PetscMax(-F, 0)), aNP = -(D + PetscMax(F, 0));
    const PetscReal *k  = m->nonOrthCorr + 3 * f;
    const PetscInt   up = F >= 0 ? o : n, dn = F >= 0 ? n : o;
    PetscReal        dUf[3], dUD[3], gUf = 0, gUD = 0, hi, corr, kg = 0;
    if (!Fixed(eq, o, nc)) GaleLinSysAdd(ls, ls->idxPN[f], aPN);
    if (!Fixed(eq, n, nc)) GaleLinSysAdd(ls, ls->idxNP[f], aNP);
    if (o < nc) diag[o] -= aPN;
    if (n < nc) diag[n] -= aNP;
    for (int j = 0; j < 3; j++) {
      dUf[j] = m->faceCentres[3 * f + j] - m->cellCentres[3 * up + j];
      dUD[j] = m->cellCentres[3 * dn + j] - m->cellCentres[3 * up + j];
      gUf += grad[j * ncT + up] * dUf[j];
      gUD += grad[j * ncT + up] * dUD[j];
      kg += k[j] * (w * grad[j * ncT + o] + (1 - w) * grad[j * ncT + n]);
    }
    hi   = GaleFaceValue(GALE_CONV_VANLEER, eq->phi[up], eq->phi[dn], w * eq->phi[o] + (1 - w) * eq->phi[n], gUf, gUD);
    corr = F * (hi - eq->phi[up]) - gf * m->faceMagAreas[f] * GaleNonOrthLimited(kg, m->deltaCoeffs[f] * (eq->phi[n] - eq->phi[o]), s->cs->nonorth_limit);
    if (o < nc) rhs[o] -= corr;
    if (n < nc) rhs[n] += corr;
  }
  for (PetscInt ib = 0; ib < s->nbActive; ib++) {
    const PetscInt  b = s->bActive[ib], f = ni + b, o = m->owner[f];
    const PetscReal F = s->phi[f];
    if (eq->fixedB[b]) {
      const PetscReal D = eq->gammaB[b] * m->faceMagAreas[f] * m->deltaCoeffs[f];
      diag[o] += D + PetscMax(-F, 0);
      rhs[o] += (D + PetscMax(-F, 0)) * eq->phiB[b];
    }
  }
  for (PetscInt c = 0; c < nc; c++) {
    if (Fixed(eq, c, nc)) { /* row: a_P phi_P = a_P value, no neighbours */
      diag[c]                = diag[c] > 0 ? diag[c] : 1;
      rhs[c]                 = diag[c] * eq->fixValue[c];
      eq->phi[c]             = eq->fixValue[c];
      ls->ad[ls->diagIdx[c]] = diag[c];
      continue;
    }
    rhs[c] += eq->Su[c];
    diag[c] -= eq->Sp[c];
    if (eq->phiOld) {
      const PetscReal a = m->cellVolumes[c] / s->cs->dt;
      diag[c] += a;
      rhs[c] += a * eq->phiOld[c];
    }
    if (eq->relax < 1) {
      rhs[c] += (1 - eq->relax) / eq->relax * diag[c] * eq->phi[c];
      diag[c] /= eq->relax;
    }
    ls->ad[ls->diagIdx[c]] = diag[c];
  }
  PetscCall(GaleLinSysEndFill(ls));
  PetscCall(GaleLinSysSolve(ls, rhs, eq->phi, st));
  for (PetscInt c = 0; c < nc; c++)
    if (Fixed(eq, c, nc)) eq->phi[c] = eq->fixValue[c];
  for (PetscInt c = 0; c < nc; c++)
    if (!(eq->phi[c] >= eq->lower)) eq->phi[c] = eq->lower; /* also catches NaN */
  PetscCall(GaleHaloExchange(m, 1, ncT, eq->phi));
  for (PetscInt ib = 0; ib < s->nbActive; ib++) {
    const PetscInt b = s->bActive[ib];
    if (!eq->fixedB[b]) eq->phiB[b] = eq->phi[m->owner[ni + b]];
  }
  PetscCall(PetscFree2(diag, rhs));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSolverWallDistance(GaleSolver s, PetscReal *d)
{
  GaleMesh       m  = s->mesh;
  const PetscInt nc = s->nc, ncT = s->ncT, ni = s->ni;
  GaleLinSys     ls;
  PetscReal     *phi, *phiB, *rhs, *grad;
  PetscInt       nwall = 0, gwall;
  GaleSolveStats st;

  PetscFunctionBeginUser;
  for (PetscInt ib = 0; ib < s->nbActive; ib++)
    if (s->cs->bcs[s->faceBC[s->bActive[ib]]].type == GALE_BC_WALL) nwall++;
  PetscCallMPI(MPIU_Allreduce(&nwall, &gwall, 1, MPIU_INT, MPI_SUM, m->comm));
  if (!gwall) {
    for (PetscInt c = 0; c < ncT; c++) d[c] = 1e30;
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(PetscCalloc4(ncT + 1, &phi, s->nb + 1, &phiB, nc + 1, &rhs, 3 * ncT + 1, &grad));
  PetscCall(GaleLinSysCreate(m, "walldist_", KSPCG, PCGAMG, 1e-8, 1e-30, 1000, &ls));
  PetscCall(GaleLinSysBeginFill(ls, PETSC_TRUE));
  for (PetscInt f = 0; f < ni; f++) {
    const PetscInt  o = m->owner[f], n = m->neighbour[f];
    const PetscReal D = m->faceMagAreas[f] * m->deltaCoeffs[f];
    GaleLinSysAdd(ls, ls->idxPN[f], -D);
    GaleLinSysAdd(ls, ls->idxNP[f], -D);
    if (o < nc) ls->ad[ls->diagIdx[o]] += D;
    if (n < nc) ls->ad[ls->diagIdx[n]] += D;
  }
  for (PetscInt ib = 0; ib < s->nbActive; ib++) {
    const PetscInt f = ni + s->bActive[ib], o = m->owner[f];
    if (s->cs->bcs[s->faceBC[s->bActive[ib]]].type == GALE_BC_WALL) ls->ad[ls->diagIdx[o]] += m->faceMagAreas[f] * m->deltaCoeffs[f];
  }
  PetscCall(GaleLinSysEndFill(ls));
  for (PetscInt c = 0; c < nc; c++) rhs[c] = m->cellVolumes[c];
  PetscCall(GaleLinSysSolve(ls, rhs, phi, &st));
  PetscCall(GaleHaloExchange(m, 1, ncT, phi));
  for (PetscInt ib = 0; ib < s->nbActive; ib++) {
    const PetscInt b = s->bActive[ib];
    phiB[b]          = s->cs->bcs[s->faceBC[b]].type == GALE_BC_WALL ? 0 : phi[m->owner[ni + b]];
  }
  PetscCall(GaleSolverGradient(s, phi, phiB, grad));
  for (PetscInt c = 0; c < ncT; c++) {
    PetscReal g2 = grad[c] * grad[c] + grad[ncT + c] * grad[ncT + c] + grad[2 * ncT + c] * grad[2 * ncT + c];
    PetscReal dd = PetscSqrtReal(g2 + 2 * PetscMax(phi[c], 0)) - PetscSqrtReal(g2);
    d[c]         = PetscMax(dd, 1e-12);
  }
  PetscCall(GaleLinSysDestroy(&ls));
  PetscCall(PetscFree4(phi, phiB, rhs, grad));
  PetscFunctionReturn(PETSC_SUCCESS);
}
