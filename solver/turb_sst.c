/* Menter k-omega SST, the 2003 version as defined on the NASA Turbulence
 * Modeling Resource (SST-2003m: Menter, Kuntz & Langtry 2003, production
 * approximated by nu_t S^2, exact for incompressible flow; the 2/3 k term
 * of the Reynolds stress goes into the pressure):
 *   Dk/Dt = Pk - beta* omega k + div((nu + sigma_k nu_t) grad k)
 *   Dw/Dt = gamma Pk/nu_t - beta omega^2 + div((nu + sigma_w nu_t) grad w)
 *           + 2 (1 - F1) sigma_w2 / omega  grad k . grad w
 *   Pk = min(nu_t S^2, 10 beta* k omega), S = sqrt(2 S_ij S_ij),
 *   nu_t = a1 k / max(a1 omega, S F2),
 *   F1 = tanh(arg1^4), arg1 = min(max(sqrt(k)/(beta* omega d), 500 nu/(d^2 omega)),
 *                                 4 sigma_w2 k / (CDkw d^2)),
 *   CDkw = max(2 sigma_w2 grad k . grad w / omega, 1e-10),
 *   F2 = tanh(arg2^2), arg2 = max(2 sqrt(k)/(beta* omega d), 500 nu/(d^2 omega)),
 *   phi = F1 phi_1 + (1 - F1) phi_2 for sigma_k (0.85, 1), sigma_w (0.5,
 *   0.856), beta (0.075, 0.0828), gamma (5/9, 0.44); beta* = 0.09, a1 = 0.31.
 * Discretisation: transport.c (bounded upwind + van Leer correction);
 * destruction implicit, cross diffusion implicit where it is negative; the
 * omega equation is solved first, then k with the new omega (OpenFOAM's
 * order). Boundaries: walls k = 0 and omega = 10 * 6 nu / (beta1 y1^2) with y1
 * the wall-normal distance of the wall cell's centre (TMR, y+ ~ 1); with
 * turbulence.wall_functions, k has zero gradient at walls and the wall
 * cells take omega and the k production from the log law, nu_t on the wall
 * from nutkWallFunction (wallfunctions.c). Where flow enters, k and omega
 * come from the patch's turbulence entry, else the TMR freestream values
 * (GaleTurbulenceInflow). */
#include "gale_turbulence.h"

#define SST_BETASTAR 0.09
#define SST_A1 0.31
#define SST_SIGMAK1 0.85
#define SST_SIGMAK2 1.0
#define SST_SIGMAW1 0.5
#define SST_SIGMAW2 0.856
#define SST_BETA1 0.075
#define SST_BETA2 0.0828
#define SST_GAMMA1 (5.0 / 9.0)
#define SST_GAMMA2 0.44
#define SST_KMIN 1e-15
#define SST_WMIN 1e-15

typedef struct {
  PetscReal *gk, *gw;  /* 3*ncT: gradients of k and omega */
  PetscReal *S, *F1;   /* nc strain rate magnitude; ncT blending function */
  PetscReal *Pk;       /* nc: limited production of k */
  PetscReal *G, *wFix; /* nc: wall-function production and omega of wall cells */
  PetscBool *fix;      /* nc: wall-function cells */
  PetscBool  wallFunctions;
} SST;

static inline PetscReal Blend(PetscReal F1, PetscReal a, PetscReal b)
{
  return F1 * a + (1 - F1) * b;
}

static PetscReal SSTF2(PetscReal k, PetscReal omega, PetscReal nu, PetscReal d)
{
  const PetscReal arg2 = PetscMax(2 * PetscSqrtReal(k) / (SST_BETASTAR * omega * d), 500 * nu / (d * d * omega));
  return PetscTanhReal(arg2 * arg2);
}

static PetscReal SSTNut(PetscReal k, PetscReal omega, PetscReal nu, PetscReal S, PetscReal d)
{
  return SST_A1 * k / PetscMax(SST_A1 * omega, S * SSTF2(k, omega, nu, d));
}

void GaleSSTSources(PetscReal k, PetscReal omega, PetscReal nu, PetscReal S2, PetscReal gkgw, PetscReal d, GaleSSTTerms *st)
{
  const PetscReal sk = PetscSqrtReal(k), S = PetscSqrtReal(S2);
  const PetscReal CDkw = PetscMax(2 * SST_SIGMAW2 * gkgw / omega, 1e-10);
  const PetscReal arg1 = PetscMin(PetscMax(sk / (SST_BETASTAR * omega * d), 500 * nu / (d * d * omega)), 4 * SST_SIGMAW2 * k / (CDkw * d * d));
  const PetscReal F1 = PetscTanhReal(arg1 * arg1 * arg1 * arg1), F2 = SSTF2(k, omega, nu, d);
  const PetscReal den = PetscMax(SST_A1 * omega, S * F2), nut = SST_A1 * k / den;

  st->F1     = F1;
  st->F2     = F2;
  st->nut    = nut;
  st->sigmaK = Blend(F1, SST_SIGMAK1, SST_SIGMAK2);
  st->sigmaW = Blend(F1, SST_SIGMAW1, SST_SIGMAW2);
  st->Pk     = PetscMin(nut * S2, 10 * SST_BETASTAR * k * omega);
  st->Dk     = SST_BETASTAR * omega;
  /* gamma Pk / nu_t, written without dividing by nu_t (which may be 0):
     min(S^2, 10 beta* k omega / nu_t) with k / nu_t = den / a1 */
  st->Pw  = Blend(F1, SST_GAMMA1, SST_GAMMA2) * PetscMin(S2, 10 * SST_BETASTAR * omega * den / SST_A1);
  st->Dw  = Blend(F1, SST_BETA1, SST_BETA2) * omega;
  st->CDw = 2 * (1 - F1) * SST_SIGMAW2 * gkgw / omega;
}

/* omega on a wall face (low-Re treatment): 10 * 6 nu / (beta1 y1^2) */
static PetscReal SSTWallOmega(GaleSolver s, PetscInt b)
{
  const PetscReal y = 1.0 / s->mesh->deltaCoeffs[s->ni + b];
  return 60.0 * s->cs->nu / (SST_BETA1 * y * y);
}

/* zero-gradient boundary values follow the wall / boundary cell */
static void SSTBoundaryValues(GaleTurbulence t)
{
  GaleSolver s = t->s;
  for (PetscInt i = 0; i < 2; i++)
    for (PetscInt ib = 0; ib < s->nbActive; ib++) {
      const PetscInt b = s->bActive[ib];
      if (!t->fixedB[i][b]) t->fieldB[i][b] = t->field[i][s->mesh->owner[s->ni + b]];
    }
}

static PetscErrorCode SSTUpdateNut(GaleTurbulence t)
{
  GaleSolver      s  = t->s;
  SST            *d  = (SST *)t->data;
  const PetscReal nu = s->cs->nu, *k = t->field[0], *w = t->field[1];

  PetscFunctionBeginUser;
  for (PetscInt c = 0; c < s->nc; c++) s->nut[c] = SSTNut(k[c], w[c], nu, d->S[c], t->wallDist[c]);
  PetscCall(GaleHaloExchange(s->mesh, 1, s->ncT, s->nut));
  for (PetscInt ib = 0; ib < s->nbActive; ib++) {
    const PetscInt b  = s->bActive[ib];
    const GaleBC  *bc = &s->cs->bcs[s->faceBC[b]];
    if (bc->type == GALE_BC_WALL)
      s->nutB[b] = 0;
    else if (t->fixedB[0][b])
      s->nutB[b] = t->fieldB[0][b] / t->fieldB[1][b];
    else
      s->nutB[b] = s->nut[s->mesh->owner[s->ni + b]];
  }
  if (d->wallFunctions) PetscCall(GaleWallFunctionsApply(s, k, SST_BETA1, d->fix, NULL, NULL, NULL));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode SSTSetup(GaleTurbulence t)
{
  GaleSolver s       = t->s;
  SST       *d       = (SST *)t->data;
  PetscReal  init[2] = {0, 0}, g[2];

  PetscFunctionBeginUser;
  for (PetscInt b = 0; b < s->nb; b++) {
    const GaleBC *bc = &s->cs->bcs[s->faceBC[b]];
    PetscReal     k, w;
    GaleTurbulenceInflowAt(s, b, &k, &w, NULL);
    t->fixedB[0][b] = t->fixedB[1][b] = PETSC_FALSE;
    if (bc->type == GALE_BC_WALL && !d->wallFunctions) {
      t->fixedB[0][b] = t->fixedB[1][b] = PETSC_TRUE;
      k                                 = 0;
      w                                 = SSTWallOmega(s, b);
    } else if (bc->type == GALE_BC_INLET || (bc->type == GALE_BC_FREESTREAM && s->ubc[b] == GALE_UBC_FIXED)) {
      t->fixedB[0][b] = t->fixedB[1][b] = PETSC_TRUE;
      init[0]                           = PetscMax(init[0], k);
      init[1]                           = PetscMax(init[1], w);
    }
    t->fieldB[0][b] = k;
    t->fieldB[1][b] = w;
  }
  PetscCallMPI(MPIU_Allreduce(init, g, 2, MPIU_REAL, MPI_MAX, s->mesh->comm));
  if (g[0] <= 0) GaleTurbulenceInflow(NULL, s->cs->ref_velocity, s->cs->nu, &g[0], &g[1], NULL); /* nothing enters */
  for (PetscInt c = 0; c < s->ncT; c++) {
    t->field[0][c] = g[0];
    t->field[1][c] = g[1];
  }
  for (PetscInt c = 0; c < s->nc; c++) d->S[c] = 0;
  SSTBoundaryValues(t);
  PetscCall(SSTUpdateNut(t));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode SSTSolve(GaleTurbulence t)
{
  GaleSolver      s  = t->s;
  GaleMesh        m  = s->mesh;
  SST            *d  = (SST *)t->data;
  const PetscReal nu = s->cs->nu, relax = GaleTurbulenceRelaxation(t);
  const PetscInt  nc = s->nc, ncT = s->ncT;
  PetscReal      *k = t->field[0], *w = t->field[1];
  GaleScalarEq    eq;
  GaleSolveStats  st;

  PetscFunctionBeginUser;
  SSTBoundaryValues(t);
  PetscCall(GaleSolverGradient(s, k, t->fieldB[0], d->gk));
  PetscCall(GaleSolverGradient(s, w, t->fieldB[1], d->gw));
  PetscCall(GaleTurbulenceVelocityInvariants(t, NULL, d->S));
  if (d->wallFunctions) PetscCall(GaleWallFunctionsApply(s, k, SST_BETA1, d->fix, NULL, d->wFix, d->G));
  /* omega: sources with the current k, omega; the production of k is kept */
  for (PetscInt c = 0; c < nc; c++) {
    const PetscReal V    = m->cellVolumes[c];
    PetscReal       gkgw = 0;
    GaleSSTTerms    tm;
    for (int j = 0; j < 3; j++) gkgw += d->gk[j * ncT + c] * d->gw[j * ncT + c];
    GaleSSTSources(k[c], w[c], nu, d->S[c] * d->S[c], gkgw, t->wallDist[c], &tm);
    d->F1[c] = tm.F1;
    d->Pk[c] = (d->wallFunctions && d->fix[c]) ? PetscMin(d->G[c], 10 * SST_BETASTAR * k[c] * w[c]) : tm.Pk;
    t->Su[c] = (tm.Pw + PetscMax(tm.CDw, 0)) * V;
    t->Sp[c] = -(tm.Dw + PetscMax(-tm.CDw, 0) / w[c]) * V;
  }
  PetscCall(GaleHaloExchange(m, 1, ncT, d->F1));
  for (PetscInt c = 0; c < ncT; c++) t->gamma[c] = nu + Blend(d->F1[c], SST_SIGMAW1, SST_SIGMAW2) * s->nut[c];
  for (PetscInt b = 0; b < s->nb; b++) t->gammaB[b] = nu + Blend(d->F1[m->owner[s->ni + b]], SST_SIGMAW1, SST_SIGMAW2) * s->nutB[b];
  eq = (GaleScalarEq){"omega", w, t->fieldB[1], t->fixedB[1], t->gamma, t->gammaB, t->Su, t->Sp, s->transient ? t->fieldOld[1] : NULL, relax, -PETSC_MAX_REAL, d->wallFunctions ? d->fix : NULL, d->wFix}; /* bounded below */
  PetscCall(GaleScalarEqSolve(s, t->ls, &eq, t->grad, &st));
  PetscCall(GaleTurbulenceBound(t, 1, SST_WMIN));
  t->residual[1] = st.initial_residual;
  t->linIts[1]   = st.iterations;
  /* k with the new omega in the destruction term */
  for (PetscInt c = 0; c < nc; c++) {
    const PetscReal V = m->cellVolumes[c];
    t->Su[c]          = d->Pk[c] * V;
    t->Sp[c]          = -SST_BETASTAR * w[c] * V;
  }
  for (PetscInt c = 0; c < ncT; c++) t->gamma[c] = nu + Blend(d->F1[c], SST_SIGMAK1, SST_SIGMAK2) * s->nut[c];
  for (PetscInt b = 0; b < s->nb; b++) t->gammaB[b] = nu + Blend(d->F1[m->owner[s->ni + b]], SST_SIGMAK1, SST_SIGMAK2) * s->nutB[b];
  eq = (GaleScalarEq){"k", k, t->fieldB[0], t->fixedB[0], t->gamma, t->gammaB, t->Su, t->Sp, s->transient ? t->fieldOld[0] : NULL, relax, -PETSC_MAX_REAL, NULL, NULL};
  PetscCall(GaleScalarEqSolve(s, t->ls, &eq, t->grad, &st));
  PetscCall(GaleTurbulenceBound(t, 0, SST_KMIN));
  t->residual[0] = st.initial_residual;
  t->linIts[0]   = st.iterations;
  PetscCall(SSTUpdateNut(t));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode SSTDestroy(GaleTurbulence t)
{
  SST *d = (SST *)t->data;

  PetscFunctionBeginUser;
  PetscCall(PetscFree4(d->gk, d->gw, d->S, d->F1));
  PetscCall(PetscFree4(d->Pk, d->G, d->wFix, d->fix));
  PetscCall(PetscFree(t->data));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleTurbulenceCreate_KOmegaSST(GaleTurbulence t)
{
  GaleSolver     s  = t->s;
  const PetscInt nc = s->nc, ncT = s->ncT;
  SST           *d;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&d));
  PetscCall(PetscCalloc4(3 * ncT + 1, &d->gk, 3 * ncT + 1, &d->gw, nc + 1, &d->S, ncT + 1, &d->F1));
  PetscCall(PetscCalloc4(nc + 1, &d->Pk, nc + 1, &d->G, nc + 1, &d->wFix, nc + 1, &d->fix));
  d->wallFunctions = s->cs->turb.wall_functions;
  t->data          = d;
  t->nfields       = 2;
  t->fieldNames[0] = "k";
  t->fieldNames[1] = "omega";
  t->ops.setup     = SSTSetup;
  t->ops.solve     = SSTSolve;
  t->ops.destroy   = SSTDestroy;
  PetscFunctionReturn(PETSC_SUCCESS);
}
