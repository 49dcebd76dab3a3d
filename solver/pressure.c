/* Pressure equation and flux correction (OpenFOAM's form of Rhie-Chow):
 *   H_P = b_P - sum_N a_N U_N,  HbyA = H/a_P,  rAU = V/a_P
 *   SIMPLEC: rAtU = V/(a_P + sum_N a_N), HbyA -= (rAU - rAtU) grad p
 *   phiHbyA_f = (HbyA)_f . S_f  (+ ddt flux correction when transient)
 *   sum_f rA_f |S_f| (deltaCoeff (p_N - p_P) + k.(grad p)_f) = sum_f phiHbyA_f
 *   phi_f = phiHbyA_f - rA_f |S_f| (deltaCoeff (p_N - p_P) + k.(grad p)_f)
 *   p <- p_prev + alpha_p (p - p_prev);  U = HbyA - rA grad p
 * The matrix coefficients and the corrected flux use the same numbers, so
 * the fluxes are conservative to the linear-solver tolerance.
 * The explicit part k.(grad p)_f can be limited as OpenFOAM's "limited
 * corrected psi" (solver.non_orthogonal_limit, see GaleNonOrthLimited). */
#include "gale_solver.h"
#include "gale_schemes.h"

/* k . (grad p)_P on a boundary face: the non-orthogonal part of the
 * face-normal pressure gradient, from the owner cell's gradient. */
static inline PetscReal BoundaryKGrad(GaleSolver s, PetscInt f)
{
  const PetscReal *k = s->mesh->nonOrthCorr + 3 * f;
  const PetscInt   o = s->mesh->owner[f], ncT = s->ncT;
  return k[0] * s->gradp[o] + k[1] * s->gradp[ncT + o] + k[2] * s->gradp[2 * ncT + o];
}

static PetscErrorCode ComputeHbyA(GaleSolver s, PetscBool simplec, PetscReal **rAout)
{
  GaleMesh       m  = s->mesh;
  const PetscInt nc = s->nc, ncT = s->ncT;
  PetscReal     *H = s->HbyA;

  PetscFunctionBeginUser;
  for (int d = 0; d < 3; d++) {
    PetscReal       *Hd = H + d * ncT;
    const PetscReal *Ud = s->U + d * ncT;
    if (!s->solveComp[d]) {
      PetscCall(PetscArrayzero(Hd, ncT));
      continue;
    }
    for (PetscInt c = 0; c < nc; c++) Hd[c] = s->rhsU[d * nc + c] + (s->aDiag[c] - s->diagC[d * nc + c]) * Ud[c];
    for (PetscInt f = 0; f < s->ni; f++) {
      const PetscInt o = m->owner[f], n = m->neighbour[f];
      if (o < nc) Hd[o] -= s->aPN[f] * Ud[n];
      if (n < nc) Hd[n] -= s->aNP[f] * Ud[o];
    }
    for (PetscInt c = 0; c < nc; c++) Hd[c] /= s->aDiag[c];
  }
  for (PetscInt c = 0; c < nc; c++) s->rAU[c] = m->cellVolumes[c] / s->aDiag[c];
  if (simplec) {
    for (PetscInt c = 0; c < nc; c++) {
      PetscReal a = s->aDiag[c] + s->offSum[c];
      s->rAtU[c]  = a > 1e-12 * s->aDiag[c] ? m->cellVolumes[c] / a : s->rAU[c];
      for (int d = 0; d < 3; d++)
        if (s->solveComp[d]) H[d * ncT + c] -= (s->rAU[c] - s->rAtU[c]) * s->gradp[d * ncT + c];
    }
    PetscCall(GaleHaloExchange(m, 1, ncT, s->rAtU));
    *rAout = s->rAtU;
  } else
    *rAout = s->rAU;
  PetscCall(GaleHaloExchange(m, 1, ncT, s->rAU));
  PetscCall(GaleHaloExchange(m, 3, ncT, H));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* phiHbyA on all faces; transient runs add the ddt flux correction that keeps
 * the face flux coupled to its previous value (no dt-dependent checkerboard). */
static PetscErrorCode ComputePhiHbyA(GaleSolver s, const PetscReal *rA)
{
  GaleMesh       m   = s->mesh;
  const PetscInt ncT = s->ncT;

  PetscFunctionBeginUser;
  for (PetscInt f = 0; f < s->ni; f++) {
    const PetscInt  o = m->owner[f], n = m->neighbour[f];
    const PetscReal w = m->weights[f], *S = m->faceAreas + 3 * f;
    PetscReal       v = 0;
    for (int d = 0; d < 3; d++) v += (w * s->HbyA[d * ncT + o] + (1 - w) * s->HbyA[d * ncT + n]) * S[d];
    if (s->transient) {
      const PetscReal rAf = w * rA[o] + (1 - w) * rA[n];
      const PetscReal rdt = 1.0 / s->cs->dt;
      PetscReal       uo = 0, uoo = 0, coef;
      for (int d = 0; d < 3; d++) {
        uo += (w * s->Uold[d * ncT + o] + (1 - w) * s->Uold[d * ncT + n]) * S[d];
        uoo += (w * s->Uoo[d * ncT + o] + (1 - w) * s->Uoo[d * ncT + n]) * S[d];
      }
      coef = rAf * rdt; /* rA = V/a_P (seconds), so coef * flux is a flux */
      if (s->cs->time_scheme == GALE_TIME_BACKWARD && s->iteration > 1)
        v += coef * (2.0 * (s->phiOld[f] - uo) - 0.5 * (s->phiOo[f] - uoo));
      else
        v += coef * (s->phiOld[f] - uo);
    }
    if (s->relaxCorr > 0) {
      /* keeps the converged flux independent of alpha_U (Majumdar 1988):
         without it a relaxed PIMPLE iteration and the final unrelaxed one
         disagree on the Rhie-Chow flux and the time steps never settle */
      PetscReal uf = 0;
      for (int d = 0; d < 3; d++) uf += (w * s->Urel[d * ncT + o] + (1 - w) * s->Urel[d * ncT + n]) * S[d];
      v += s->relaxCorr * (s->phiRel[f] - uf);
    }
    s->phiHbyA[f] = v;
  }
  for (PetscInt ib = 0; ib < s->nbActive; ib++) {
    const PetscInt   b = s->bActive[ib];
    const PetscInt   f = s->ni + b, o = m->owner[f];
    const PetscReal *S = m->faceAreas + 3 * f;
    PetscReal        v = 0;
    switch (s->ubc[b]) {
    case GALE_UBC_FIXED:
      for (int d = 0; d < 3; d++) v += s->Ub[d * s->nb + b] * S[d];
      break;
    case GALE_UBC_ZEROGRAD:
      for (int d = 0; d < 3; d++) v += s->HbyA[d * ncT + o] * S[d];
      break;
    case GALE_UBC_SYMMETRY:
    case GALE_UBC_EMPTY:
      break;
    }
    s->phiHbyA[f] = v;
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSolverPressureCorrect(GaleSolver s, PetscBool simplec, PetscReal relaxP, PetscBool firstCorrector)
{
  GaleMesh       m  = s->mesh;
  GaleLinSys     ls = s->lsP;
  const PetscInt nc = s->nc, ncT = s->ncT, ni = s->ni;
  PetscReal     *rA = NULL, *rhs = s->rhsP, *corrF;
  const PetscInt nNonOrth = s->cs->nonorth_correctors;

  PetscFunctionBeginUser;
  PetscCall(ComputeHbyA(s, simplec, &rA));
  PetscCall(ComputePhiHbyA(s, rA));
  PetscCall(PetscArraycpy(s->pPrev, s->p, ncT));

  /* the matrix does not change across non-orthogonal correctors */
  PetscCall(GaleLinSysBeginFill(ls, PETSC_TRUE));
  for (PetscInt f = 0; f < ni; f++) {
    const PetscInt  o = m->owner[f], n = m->neighbour[f];
    const PetscReal w = m->weights[f], coef = (w * rA[o] + (1 - w) * rA[n]) * m->faceMagAreas[f] * m->deltaCoeffs[f];
    GaleLinSysAdd(ls, ls->idxPN[f], -coef);
    GaleLinSysAdd(ls, ls->idxNP[f], -coef);
    if (o < nc) ls->ad[ls->diagIdx[o]] += coef;
    if (n < nc) ls->ad[ls->diagIdx[n]] += coef;
  }
  for (PetscInt ib = 0; ib < s->nbActive; ib++) {
    const PetscInt b = s->bActive[ib];
    const PetscInt f = ni + b, o = m->owner[f];
    if (s->pfix[b]) ls->ad[ls->diagIdx[o]] += rA[o] * m->faceMagAreas[f] * m->deltaCoeffs[f];
  }
  PetscCall(GaleLinSysEndFill(ls));
  PetscCall(PetscMalloc1(ni + 1, &corrF)); /* limited explicit flux per face, for the rhs and the flux */

  for (PetscInt it = 0; it <= nNonOrth; it++) {
    GaleSolveStats st = {0, 0, 0, KSP_CONVERGED_ITERATING};
    /* the explicit k.grad(p) part is always there (OpenFOAM's corrected
       Laplacian): on the first pass from the gradient of the current p,
       which the momentum predictor (or the previous corrector) computed */
    const PetscBool corr = PETSC_TRUE;
    if (it > 0) {
      PetscCall(GaleSolverUpdateBoundaryValues(s));
      PetscCall(GaleSolverGradient(s, s->p, s->pb, s->gradp));
    }
    PetscCall(PetscArrayzero(rhs, nc));
    for (PetscInt f = 0; f < ni; f++) {
      const PetscInt o = m->owner[f], n = m->neighbour[f];
      PetscReal      v = s->phiHbyA[f];
      if (corr) {
        const PetscReal w = m->weights[f], *k = m->nonOrthCorr + 3 * f, rAf = w * rA[o] + (1 - w) * rA[n];
        PetscReal       kg = 0;
        for (int j = 0; j < 3; j++) kg += k[j] * (w * s->gradp[j * ncT + o] + (1 - w) * s->gradp[j * ncT + n]);
        corrF[f] = rAf * m->faceMagAreas[f] * GaleNonOrthLimited(kg, m->deltaCoeffs[f] * (s->p[n] - s->p[o]), s->cs->nonorth_limit);
        v -= corrF[f];
      }
      if (o < nc) rhs[o] -= v;
      if (n < nc) rhs[n] += v;
    }
    for (PetscInt ib = 0; ib < s->nbActive; ib++) {
      const PetscInt b = s->bActive[ib];
      const PetscInt f = ni + b, o = m->owner[f];
      rhs[o] -= s->phiHbyA[f];
      if (s->pfix[b]) rhs[o] += rA[o] * m->faceMagAreas[f] * (m->deltaCoeffs[f] * s->pfixv[b] + (corr ? BoundaryKGrad(s, f) : 0));
    }
    PetscCall(GaleLinSysSolve(ls, rhs, s->p, &st));
    if (firstCorrector && it == 0) {
      s->residual[3] = st.initial_residual;
      s->linIts[3]   = st.iterations;
    } else
      s->linIts[3] += st.iterations;
    PetscCall(GaleHaloExchange(m, 1, ncT, s->p));
    /* conservative fluxes from the same coefficients */
    for (PetscInt f = 0; f < ni; f++) {
      const PetscInt  o = m->owner[f], n = m->neighbour[f];
      const PetscReal w = m->weights[f], rAf = w * rA[o] + (1 - w) * rA[n];
      PetscReal       v = s->phiHbyA[f] - rAf * m->faceMagAreas[f] * m->deltaCoeffs[f] * (s->p[n] - s->p[o]);
      if (corr) v -= corrF[f]; /* the same explicit flux as in the rhs */
      s->phi[f] = v;
    }
    for (PetscInt ib = 0; ib < s->nbActive; ib++) {
      const PetscInt b = s->bActive[ib];
      const PetscInt f = ni + b, o = m->owner[f];
      s->phi[f] = s->phiHbyA[f];
      if (s->pfix[b]) s->phi[f] -= rA[o] * m->faceMagAreas[f] * (m->deltaCoeffs[f] * (s->pfixv[b] - s->p[o]) + (corr ? BoundaryKGrad(s, f) : 0));
    }
  }
  PetscCall(PetscFree(corrF));
  /* continuity error of the corrected fluxes: sum |net flux| / sum |flux| */
  {
    PetscReal *net = s->work, loc[2] = {0, 0}, glob[2];
    PetscCall(PetscArrayzero(net, nc));
    for (PetscInt f = 0; f < s->nf; f++) {
      const PetscInt o = m->owner[f];
      if (o < nc) net[o] += s->phi[f];
      if (f < ni && m->neighbour[f] < nc) net[m->neighbour[f]] -= s->phi[f];
      if (o < nc) loc[1] += PetscAbsReal(s->phi[f]);
    }
    for (PetscInt c = 0; c < nc; c++) loc[0] += PetscAbsReal(net[c]);
    PetscCallMPI(MPIU_Allreduce(loc, glob, 2, MPIU_REAL, MPI_SUM, m->comm));
    s->continuity = glob[0] / (glob[1] + 1e-300);
  }
  /* explicit pressure relaxation, then velocity correction */
  if (relaxP < 1)
    for (PetscInt c = 0; c < ncT; c++) s->p[c] = s->pPrev[c] + relaxP * (s->p[c] - s->pPrev[c]);
  PetscCall(GaleSolverUpdateBoundaryValues(s));
  PetscCall(GaleSolverGradient(s, s->p, s->pb, s->gradp));
  for (int d = 0; d < 3; d++) {
    if (!s->solveComp[d]) continue;
    for (PetscInt c = 0; c < nc; c++) s->U[d * ncT + c] = s->HbyA[d * ncT + c] - rA[c] * s->gradp[d * ncT + c];
  }
  PetscCall(GaleHaloExchange(m, 3, ncT, s->U));
  PetscCall(GaleSolverUpdateBoundaryValues(s));
  PetscFunctionReturn(PETSC_SUCCESS);
}
