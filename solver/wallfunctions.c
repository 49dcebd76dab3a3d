/* Boundary treatment of the turbulence models: values where flow enters,
 * wall functions and y+ (see gale_turbulence.h for the formulas).
 * High-Re wall treatment as in OpenFOAM's nutkWallFunction,
 * epsilonWallFunction (lowReCorrection off), omegaWallFunction (switching
 * form) and kqRWallFunction (zero gradient of k, applied by the models):
 * with y the wall-normal distance of the wall cell's centre (1/deltaCoeff of
 * the wall face) and y+ = Cmu^1/4 sqrt(k_P) y / nu,
 *   nut_w   = nu (kappa y+ / ln(E y+) - 1)        y+ > y+_lam (11.53), else 0
 *   eps_P   = Cmu^3/4 k_P^3/2 / (kappa y)
 *   omega_P = sqrt(k_P) / (Cmu^1/4 kappa y)       y+ > y+_lam, else 6 nu/(beta1 y^2)
 *   G_P     = (nu + nut_w) |U_P - U_w| / y * Cmu^1/4 sqrt(k_P) / (kappa y)
 * A cell with several wall faces takes the mean over them (OpenFOAM's
 * corner weights). The y+ report uses the resolved wall shear
 * u_tau^2 = (nu + nut_w) |U_t| / y, which is what the momentum equation
 * applies at the wall, so it holds for wall-resolved and wall-function runs
 * alike. */
#include "gale_turbulence.h"

PetscReal GaleWallYPlusLam(PetscReal kappa, PetscReal E)
{
  PetscReal ypl = 11.0;
  for (int i = 0; i < 10; i++) ypl = PetscLogReal(PetscMax(E * ypl, 1.0)) / kappa;
  return ypl;
}

PetscReal GaleWallFunctionNut(PetscReal yPlus, PetscReal nu)
{
  return yPlus > GaleWallYPlusLam(GALE_WF_KAPPA, GALE_WF_E) ? nu * (yPlus * GALE_WF_KAPPA / PetscLogReal(GALE_WF_E * yPlus) - 1.0) : 0.0;
}

void GaleWallFunctionCell(PetscReal k, PetscReal nu, PetscReal nutw, PetscReal y, PetscReal magGradU, PetscReal beta1, PetscReal *eps, PetscReal *omega, PetscReal *G)
{
  const PetscReal Cmu25 = PetscPowReal(GALE_WF_CMU, 0.25), Cmu75 = PetscPowReal(GALE_WF_CMU, 0.75);
  const PetscReal sk = PetscSqrtReal(PetscMax(k, 0)), yPlus = Cmu25 * y * sk / nu;

  if (eps) *eps = Cmu75 * sk * sk * sk / (GALE_WF_KAPPA * y);
  if (omega) *omega = yPlus > GaleWallYPlusLam(GALE_WF_KAPPA, GALE_WF_E) ? sk / (Cmu25 * GALE_WF_KAPPA * y) : 6.0 * nu / (beta1 * y * y);
  if (G) *G = (nutw + nu) * magGradU * Cmu25 * sk / (GALE_WF_KAPPA * y);
}

void GaleTurbulenceInflow(const GaleBC *bc, PetscReal U, PetscReal nu, PetscReal *k, PetscReal *omega, PetscReal *eps)
{
  const PetscReal Cmu = GALE_WF_CMU, Tu = bc ? bc->turb_intensity : 0, l = bc ? bc->turb_length : 0;
  const PetscReal r = bc && bc->turb_viscosity_ratio > 0 ? bc->turb_viscosity_ratio : 0.009;
  PetscReal       kk, w, e;

  if (bc && bc->k > 0)
    kk = bc->k;
  else if (Tu > 0)
    kk = 1.5 * (Tu * U) * (Tu * U);
  else
    kk = 2.25e-7 * U * U;
  if (bc && bc->omega > 0)
    w = bc->omega;
  else if (bc && bc->epsilon > 0)
    w = bc->epsilon / (Cmu * kk);
  else if (l > 0)
    w = PetscSqrtReal(kk) / (PetscPowReal(Cmu, 0.25) * l);
  else
    w = kk / (r * nu);
  if (bc && bc->epsilon > 0)
    e = bc->epsilon;
  else if (bc && bc->omega > 0)
    e = Cmu * kk * bc->omega;
  else if (l > 0)
    e = PetscPowReal(Cmu, 0.75) * PetscPowReal(kk, 1.5) / l;
  else
    e = Cmu * kk * kk / (r * nu);
  if (k) *k = kk;
  if (omega) *omega = w;
  if (eps) *eps = e;
}

void GaleTurbulenceInflowAt(GaleSolver s, PetscInt b, PetscReal *k, PetscReal *omega, PetscReal *eps)
{
  PetscReal U2 = 0;
  for (int d = 0; d < 3; d++) U2 += s->Ub[d * s->nb + b] * s->Ub[d * s->nb + b];
  GaleTurbulenceInflow(&s->cs->bcs[s->faceBC[b]], U2 > 0 ? PetscSqrtReal(U2) : s->cs->ref_velocity, s->cs->nu, k, omega, eps);
}

PetscErrorCode GaleTurbulenceBound(GaleTurbulence t, PetscInt i, PetscReal min)
{
  GaleSolver     s  = t->s;
  GaleMesh       m  = s->mesh;
  const PetscInt nc = s->nc, ni = s->ni;
  PetscReal     *phi  = t->field[i], *num, *den;
  PetscInt       nlow = 0;

  PetscFunctionBeginUser;
  for (PetscInt c = 0; c < nc; c++)
    if (!(phi[c] >= min)) nlow++;
  if (nlow) {
    PetscCall(PetscCalloc2(nc + 1, &num, nc + 1, &den));
    for (PetscInt f = 0; f < ni; f++) {
      const PetscInt  o = m->owner[f], n = m->neighbour[f];
      const PetscReal w = m->weights[f], A = m->faceMagAreas[f];
      const PetscReal po = phi[o] >= min ? phi[o] : min, pn = phi[n] >= min ? phi[n] : min, pf = w * po + (1 - w) * pn;
      if (o < nc) {
        num[o] += A * pf;
        den[o] += A;
      }
      if (n < nc) {
        num[n] += A * pf;
        den[n] += A;
      }
    }
    for (PetscInt ib = 0; ib < s->nbActive; ib++) {
      const PetscInt  b = s->bActive[ib], f = ni + b, o = m->owner[f];
      const PetscReal pb = t->fixedB[i][b] ? t->fieldB[i][b] : phi[o];
      num[o] += m->faceMagAreas[f] * (pb >= min ? pb : min);
      den[o] += m->faceMagAreas[f];
    }
    for (PetscInt c = 0; c < nc; c++)
      if (!(phi[c] >= min)) phi[c] = PetscMax(num[c] / den[c], min);
    PetscCall(PetscFree2(num, den));
  }
  PetscCall(GaleHaloExchange(m, 1, s->ncT, phi));
  for (PetscInt ib = 0; ib < s->nbActive; ib++) {
    const PetscInt b = s->bActive[ib];
    if (!t->fixedB[i][b]) t->fieldB[i][b] = phi[m->owner[ni + b]];
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscBool IsWall(GaleSolver s, PetscInt b)
{
  return (PetscBool)(s->cs->bcs[s->faceBC[b]].type == GALE_BC_WALL);
}

PetscErrorCode GaleWallFunctionsApply(GaleSolver s, const PetscReal *k, PetscReal beta1, PetscBool *fix, PetscReal *eps, PetscReal *omega, PetscReal *G)
{
  GaleMesh        m  = s->mesh;
  const PetscReal nu = s->cs->nu, Cmu25 = PetscPowReal(GALE_WF_CMU, 0.25), yPlusLam = GaleWallYPlusLam(GALE_WF_KAPPA, GALE_WF_E);
  PetscInt       *count;

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc1(s->nc + 1, &count));
  for (PetscInt ib = 0; ib < s->nbActive; ib++) {
    const PetscInt b = s->bActive[ib];
    if (IsWall(s, b)) count[m->owner[s->ni + b]]++;
  }
  for (PetscInt c = 0; c < s->nc; c++) {
    fix[c] = count[c] ? PETSC_TRUE : PETSC_FALSE;
    if (!count[c]) continue;
    if (eps) eps[c] = 0;
    if (omega) omega[c] = 0;
    if (G) G[c] = 0;
  }
  for (PetscInt ib = 0; ib < s->nbActive; ib++) {
    const PetscInt  b = s->bActive[ib], f = s->ni + b, o = m->owner[f];
    const PetscReal y = 1.0 / m->deltaCoeffs[f], w = 1.0 / (PetscReal)count[o];
    PetscReal       du2 = 0, e, om, g, yPlus;
    if (!IsWall(s, b)) continue;
    for (int d = 0; d < 3; d++) {
      const PetscReal du = s->solveComp[d] ? s->U[d * s->ncT + o] - s->Ub[d * s->nb + b] : 0;
      du2 += du * du;
    }
    yPlus = Cmu25 * y * PetscSqrtReal(PetscMax(k[o], 0)) / nu;
    GaleWallFunctionCell(k[o], nu, s->nutB[b], y, PetscSqrtReal(du2) / y, beta1, &e, &om, &g);
    if (eps) eps[o] += w * e;
    if (omega) omega[o] += w * om;
    if (G && (!omega || yPlus > yPlusLam)) G[o] += w * g; /* omega's switching form: no G in the sublayer */
    s->nutB[b] = GaleWallFunctionNut(yPlus, nu);
  }
  PetscCall(PetscFree(count));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSolverWallYPlus(GaleSolver s, PetscReal *yPlus)
{
  GaleMesh        m  = s->mesh;
  const PetscReal nu = s->cs->nu;

  PetscFunctionBeginUser;
  PetscCall(PetscArrayzero(yPlus, s->nb));
  for (PetscInt ib = 0; ib < s->nbActive; ib++) {
    const PetscInt   b = s->bActive[ib], f = s->ni + b, o = m->owner[f];
    const PetscReal *S = m->faceAreas + 3 * f, A = m->faceMagAreas[f], y = 1.0 / m->deltaCoeffs[f];
    PetscReal        du[3], dn = 0, ut2 = 0, tau;
    if (!IsWall(s, b)) continue;
    for (int d = 0; d < 3; d++) {
      du[d] = s->solveComp[d] ? s->U[d * s->ncT + o] - s->Ub[d * s->nb + b] : 0;
      dn += du[d] * S[d] / A;
    }
    for (int d = 0; d < 3; d++) ut2 += (du[d] - dn * S[d] / A) * (du[d] - dn * S[d] / A);
    tau      = (nu + (s->nutB ? s->nutB[b] : 0)) * PetscSqrtReal(ut2) / y;
    yPlus[b] = PetscSqrtReal(tau) * y / nu;
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSolverWallYPlusStats(GaleSolver s, const PetscReal *yPlus, PetscInt ip, GaleYPlusStats *st)
{
  GaleMesh         m      = s->mesh;
  const GalePatch *p      = &m->patches[ip];
  PetscReal        loc[4] = {PETSC_MAX_REAL, -PETSC_MAX_REAL, 0, 0}, glob[4], mn, mx; /* min, max, sum A y+, sum A */
  PetscInt         n      = 0, gn;

  PetscFunctionBeginUser;
  for (PetscInt f = p->start; f < p->start + p->size; f++) {
    const PetscInt b = f - s->ni;
    if (!IsWall(s, b) || s->ubc[b] == GALE_UBC_EMPTY) continue;
    loc[0] = PetscMin(loc[0], yPlus[b]);
    loc[1] = PetscMax(loc[1], yPlus[b]);
    loc[2] += m->faceMagAreas[f] * yPlus[b];
    loc[3] += m->faceMagAreas[f];
    n++;
  }
  PetscCallMPI(MPIU_Allreduce(&loc[0], &mn, 1, MPIU_REAL, MPI_MIN, m->comm));
  PetscCallMPI(MPIU_Allreduce(&loc[1], &mx, 1, MPIU_REAL, MPI_MAX, m->comm));
  PetscCallMPI(MPIU_Allreduce(&loc[2], &glob[2], 2, MPIU_REAL, MPI_SUM, m->comm));
  PetscCallMPI(MPIU_Allreduce(&n, &gn, 1, MPIU_INT, MPI_SUM, m->comm));
  st->nfaces = gn;
  st->min    = gn ? mn : 0;
  st->max    = gn ? mx : 0;
  st->mean   = glob[3] > 0 ? glob[2] / glob[3] : 0;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSolverWallYPlusView(GaleSolver s)
{
  GaleMesh   m = s->mesh;
  PetscReal *yPlus;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(s->nb + 1, &yPlus));
  PetscCall(GaleSolverWallYPlus(s, yPlus));
  for (PetscInt ip = 0; ip < m->nPatches; ip++) {
    GaleYPlusStats st;
    const PetscInt ibc = GaleCaseFindBC(s->cs, m->patches[ip].name);
    if (ibc < 0 || s->cs->bcs[ibc].type != GALE_BC_WALL) continue;
    PetscCall(GaleSolverWallYPlusStats(s, yPlus, ip, &st));
    if (st.nfaces) PetscCall(PetscPrintf(m->comm, "y+ %s: min %.3g mean %.3g max %.3g (%" PetscInt_FMT " faces)\n", m->patches[ip].name, (double)st.min, (double)st.mean, (double)st.max, st.nfaces));
  }
  PetscCall(PetscFree(yPlus));
  PetscFunctionReturn(PETSC_SUCCESS);
}
