/* Momentum predictor. For each cell P (volume V), component d:
 *   a_P U_P + sum_N a_N U_N = b_P - V (grad p)_P
 * Convection: bounded upwind implicit (a_N = -max(-F,0) on the owner side,
 * diagonal = -sum a_N so the row sums to zero, i.e. div(phi U) - U div(phi))
 * plus deferred correction F (phi_f^HO - phi_f^UW) for the chosen scheme;
 * in a cell with net outflow the -U div(phi) part is explicit (see the
 * assembly).
 * Diffusion: nu_eff = nu + nu_t, nu_eff |S| (deltaCoeff (U_N - U_P) + k . (grad U)_f), the k part
 * explicit (over-relaxed non-orthogonal correction, limited as the
 * pressure's by solver.non_orthogonal_limit; on fixed-value boundary faces
 * with the owner cell's gradient). grad U is cell-limited when
 * solver.gradient_limiter is cellLimited.
 * Time: Euler V/dt (U - U^o), backward V/dt (3/2 U - 2 U^o + 1/2 U^oo).
 * Implicit under-relaxation: a_P/alpha, b += (1-alpha)/alpha a_P U_P. */
#include "gale_solver.h"
#include "gale_schemes.h"

static void DeferredCorrection(GaleSolver s, PetscInt f, PetscReal F)
{
  GaleMesh        m = s->mesh;
  const PetscInt  o = m->owner[f], n = m->neighbour[f], ncT = s->ncT, nc = s->nc;
  const PetscInt  up = F >= 0 ? o : n, dn = F >= 0 ? n : o;
  const PetscReal w = m->weights[f];
  PetscReal       dUf[3], dUD[3];

  for (int k = 0; k < 3; k++) {
    dUf[k] = m->faceCentres[3 * f + k] - m->cellCentres[3 * up + k];
    dUD[k] = m->cellCentres[3 * dn + k] - m->cellCentres[3 * up + k];
  }
  for (int d = 0; d < 3; d++) {
    const PetscReal *Ud = s->U + d * ncT, *g = s->gradU + 3 * d * ncT;
    PetscReal        gf = 0, gd = 0, lin, hi, corr;
    if (!s->solveComp[d]) continue;
    for (int k = 0; k < 3; k++) {
      gf += g[k * ncT + up] * dUf[k];
      gd += g[k * ncT + up] * dUD[k];
    }
    lin  = w * Ud[o] + (1 - w) * Ud[n];
    hi   = GaleFaceValue(s->cs->convection, Ud[up], Ud[dn], lin, gf, gd);
    corr = F * (hi - Ud[up]);
    if (o < nc) s->rhsU[d * nc + o] -= corr;
    if (n < nc) s->rhsU[d * nc + n] += corr;
  }
}

PetscErrorCode GaleSolverMomentumAssemble(GaleSolver s, PetscReal relax)
{
  GaleMesh        m  = s->mesh;
  const PetscInt  nc = s->nc, ncT = s->ncT, ni = s->ni;
  const PetscReal nu   = s->cs->nu;
  PetscReal      *diag = s->aDiag, *netOut = s->work; /* s->work: free after the gradients */

  PetscFunctionBeginUser;
  PetscCall(GaleSolverUpdateBoundaryValues(s));
  for (int d = 0; d < 3; d++)
    if (s->solveComp[d]) {
      PetscCall(GaleSolverGradient(s, s->U + d * ncT, s->Ub + d * s->nb, s->gradU + 3 * d * ncT));
      if (s->cs->gradient_limiter) PetscCall(GaleSolverLimitGradient(s, s->U + d * ncT, s->Ub + d * s->nb, s->gradU + 3 * d * ncT));
    }
  PetscCall(GaleSolverGradient(s, s->p, s->pb, s->gradp));
  PetscCall(PetscArrayzero(diag, nc));
  PetscCall(PetscArrayzero(s->offSum, nc));
  PetscCall(PetscArrayzero(s->rhsU, 3 * nc));
  PetscCall(PetscArrayzero(s->diagC, 3 * nc));
  PetscCall(PetscArrayzero(netOut, nc));

  for (PetscInt f = 0; f < ni; f++) {
    const PetscInt  o = m->owner[f], n = m->neighbour[f];
    const PetscReal w = m->weights[f], *k = m->nonOrthCorr + 3 * f;
    const PetscReal nuf = nu + (s->nut ? w * s->nut[o] + (1 - w) * s->nut[n] : 0);
    const PetscReal F = s->phi[f], D = nuf * m->faceMagAreas[f] * m->deltaCoeffs[f];
    const PetscReal aPN = -(D + PetscMax(-F, 0)), aNP = -(D + PetscMax(F, 0));
    s->aPN[f] = aPN;
    s->aNP[f] = aNP;
    if (o < nc) {
      diag[o] -= aPN;
      s->offSum[o] += aPN;
      netOut[o] += F;
    }
    if (n < nc) {
      diag[n] -= aNP;
      s->offSum[n] += aNP;
      netOut[n] -= F;
    }
    if (s->cs->convection != GALE_CONV_UPWIND) DeferredCorrection(s, f, F);
    if (k[0] != 0 || k[1] != 0 || k[2] != 0) {
      for (int d = 0; d < 3; d++) {
        const PetscReal *g  = s->gradU + 3 * d * ncT;
        PetscReal        kg = 0, corr;
        if (!s->solveComp[d]) continue;
        for (int j = 0; j < 3; j++) kg += k[j] * (w * g[j * ncT + o] + (1 - w) * g[j * ncT + n]);
        corr = nuf * m->faceMagAreas[f] * GaleNonOrthLimited(kg, m->deltaCoeffs[f] * (s->U[d * ncT + n] - s->U[d * ncT + o]), s->cs->nonorth_limit);
        if (o < nc) s->rhsU[d * nc + o] += corr;
        if (n < nc) s->rhsU[d * nc + n] -= corr;
      }
    }
    if (s->nut) {
      /* div(nu_t (grad U)^T): the part of the stress that a variable
         viscosity adds; explicit, face values of the cell gradients */
      const PetscReal  nutf = w * s->nut[o] + (1 - w) * s->nut[n];
      const PetscReal *S    = m->faceAreas + 3 * f;
      for (int d = 0; d < 3; d++) {
        PetscReal tf = 0;
        if (!s->solveComp[d]) continue;
        for (int j = 0; j < 3; j++) {
          const PetscReal *g = s->gradU + (3 * j + d) * ncT; /* dU_j/dx_d */
          if (s->solveComp[j]) tf += (w * g[o] + (1 - w) * g[n]) * S[j];
        }
        if (o < nc) s->rhsU[d * nc + o] += nutf * tf;
        if (n < nc) s->rhsU[d * nc + n] -= nutf * tf;
      }
    }
  }
  /* -U div(phi) is implicit above, which leaves a_P = D + (sum of
     inflows). In a cell with net outflow (fluxes that do not satisfy
     continuity yet: an unconverged pressure solve in a pocket of a
     castellated or snapped mesh) that is ~ D alone, rAU = V/a_P becomes
     1e3..1e4 times its neighbours' at high Reynolds number, and
     U = HbyA - rAU grad p jumps to 1e3..1e5 m/s (cases/f1car diverged so
     in a few iterations, laminar or RANS). There the term is taken
     explicitly, with the current U (OpenFOAM's fvm::SuSp choice: implicit
     only where it adds to the diagonal): a_P = D + (sum of outflows). The
     converged solution is the same; where continuity holds nothing
     changes. */
  for (PetscInt ib = 0; ib < s->nbActive; ib++) netOut[m->owner[ni + s->bActive[ib]]] += s->phi[ni + s->bActive[ib]];
  for (PetscInt c = 0; c < nc; c++)
    if (netOut[c] > 0) {
      diag[c] += netOut[c];
      for (int d = 0; d < 3; d++)
        if (s->solveComp[d]) s->rhsU[d * nc + c] += netOut[c] * s->U[d * ncT + c];
    }
  for (int d = 0; d < 3; d++) PetscCall(PetscArraycpy(s->diagC + d * nc, diag, nc));
  for (PetscInt ib = 0; ib < s->nbActive; ib++) {
    const PetscInt   b = s->bActive[ib];
    const PetscInt   f = ni + b, o = m->owner[f];
    const PetscReal  nub = nu + (s->nutB ? s->nutB[b] : 0);
    const PetscReal  F = s->phi[f], A = m->faceMagAreas[f], D = nub * A * m->deltaCoeffs[f];
    const PetscReal *S = m->faceAreas + 3 * f;
    switch (s->ubc[b]) {
    case GALE_UBC_FIXED: {
      const PetscReal *k = m->nonOrthCorr + 3 * f;
      for (int d = 0; d < 3; d++) {
        const PetscReal *g  = s->gradU + 3 * d * ncT;
        const PetscReal  kg = GaleNonOrthLimited(k[0] * g[o] + k[1] * g[ncT + o] + k[2] * g[2 * ncT + o], m->deltaCoeffs[f] * (s->Ub[d * s->nb + b] - s->U[d * ncT + o]), s->cs->nonorth_limit);
        s->diagC[d * nc + o] += D + PetscMax(-F, 0);
        s->rhsU[d * nc + o] += (D + PetscMax(-F, 0)) * s->Ub[d * s->nb + b] + nub * A * kg;
      }
    } break;
    case GALE_UBC_SYMMETRY:
      for (int d = 0; d < 3; d++) {
        PetscReal nd = S[d] / A, other = 0;
        for (int e = 0; e < 3; e++)
          if (e != d) other += S[e] / A * s->U[e * ncT + o];
        s->diagC[d * nc + o] += D * nd * nd;
        s->rhsU[d * nc + o] -= D * nd * other;
      }
      break;
    case GALE_UBC_ZEROGRAD:
    case GALE_UBC_EMPTY:
      break;
    }
  }
  if (s->transient) {
    const PetscReal rdt  = 1.0 / s->cs->dt;
    const PetscBool bdf2 = (s->cs->time_scheme == GALE_TIME_BACKWARD && s->iteration > 1) ? PETSC_TRUE : PETSC_FALSE;
    for (PetscInt c = 0; c < nc; c++) {
      const PetscReal V = m->cellVolumes[c];
      for (int d = 0; d < 3; d++) {
        if (bdf2) {
          s->diagC[d * nc + c] += 1.5 * V * rdt;
          s->rhsU[d * nc + c] += V * rdt * (2.0 * s->Uold[d * ncT + c] - 0.5 * s->Uoo[d * ncT + c]);
        } else {
          s->diagC[d * nc + c] += V * rdt;
          s->rhsU[d * nc + c] += V * rdt * s->Uold[d * ncT + c];
        }
      }
    }
  }
  /* relaxation and the component-averaged diagonal used for rAU */
  for (PetscInt c = 0; c < nc; c++) {
    PetscReal sum = 0;
    PetscInt  cnt = 0;
    for (int d = 0; d < 3; d++) {
      PetscReal a = s->diagC[d * nc + c];
      if (relax < 1) s->rhsU[d * nc + c] += (1 - relax) / relax * a * s->U[d * ncT + c];
      s->diagC[d * nc + c] = a / relax;
      if (s->solveComp[d]) {
        sum += s->diagC[d * nc + c];
        cnt++;
      }
    }
    diag[c] = sum / PetscMax(cnt, 1);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSolverMomentumSolve(GaleSolver s)
{
  GaleMesh       m  = s->mesh;
  GaleLinSys     ls = s->lsU;
  const PetscInt nc = s->nc, ncT = s->ncT;
  PetscReal     *rhs   = s->work;
  PetscBool      first = PETSC_TRUE;

  PetscFunctionBeginUser;
  for (int d = 0; d < 3; d++) {
    GaleSolveStats st = {0, 0, 0, KSP_CONVERGED_ITERATING};
    if (!s->solveComp[d]) {
      s->residual[d] = 0;
      s->linIts[d]   = 0;
      continue;
    }
    /* the components share the off-diagonal coefficients: fill them once */
    PetscCall(GaleLinSysBeginFill(ls, first));
    if (first)
      for (PetscInt f = 0; f < s->ni; f++) {
        GaleLinSysAdd(ls, ls->idxPN[f], s->aPN[f]);
        GaleLinSysAdd(ls, ls->idxNP[f], s->aNP[f]);
      }
    first = PETSC_FALSE;
    for (PetscInt c = 0; c < nc; c++) ls->ad[ls->diagIdx[c]] = s->diagC[d * nc + c];
    PetscCall(GaleLinSysEndFill(ls));
    for (PetscInt c = 0; c < nc; c++) rhs[c] = s->rhsU[d * nc + c] - m->cellVolumes[c] * s->gradp[d * ncT + c];
    PetscCall(GaleLinSysSolve(ls, rhs, s->U + d * ncT, &st));
    s->residual[d] = st.initial_residual;
    s->linIts[d]   = st.iterations;
  }
  PetscCall(GaleHaloExchange(m, 3, ncT, s->U));
  PetscFunctionReturn(PETSC_SUCCESS);
}
