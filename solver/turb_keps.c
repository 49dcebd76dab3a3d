/* Standard k-epsilon model (Launder & Spalding 1974) with the coefficients
 * and the high-Re wall treatment of OpenFOAM's kEpsilon:
 *   Dk/Dt   = G - eps + div((nu + nu_t/sigma_k) grad k)
 *   Deps/Dt = C1 G eps/k - C2 eps^2/k + div((nu + nu_t/sigma_eps) grad eps)
 *   G = nu_t S^2, S = sqrt(2 S_ij S_ij), nu_t = Cmu k^2/eps,
 *   Cmu 0.09, C1 1.44, C2 1.92, C3 0 (no dilatation term), sigma_k 1.0,
 *   sigma_eps 1.3.
 * Discretisation: transport.c (bounded upwind + van Leer correction); the
 * destruction terms implicit (Sp = -eps/k, -C2 eps/k with the previous k,
 * eps), epsilon solved first, then k with the new epsilon (OpenFOAM's
 * order). Walls (always wall functions, wallfunctions.c): k zero gradient
 * (kqRWallFunction), epsilon of the wall cells fixed at
 * Cmu^3/4 k^3/2/(kappa y) and their G replaced by the log-law production
 * (epsilonWallFunction), nu_t on the wall face from nutkWallFunction, which
 * the momentum equation uses for the wall shear. Where flow enters, k and
 * epsilon come from the patch's turbulence entry (GaleTurbulenceInflow). */
#include "gale_turbulence.h"

#define KE_CMU 0.09
#define KE_C1 1.44
#define KE_C2 1.92
#define KE_SIGMAK 1.0
#define KE_SIGMAE 1.3
#define KE_KMIN 1e-15
#define KE_EMIN 1e-15

typedef struct {
  PetscReal *S;    /* nc: strain rate magnitude */
  PetscReal *G;    /* nc: production of k */
  PetscReal *eFix; /* nc: epsilon of wall cells */
  PetscBool *fix;  /* nc: wall cells */
} KEps;

void GaleKEpsilonSources(PetscReal k, PetscReal eps, PetscReal S2, GaleKEpsilonTerms *st)
{
  st->nut = KE_CMU * k * k / eps;
  st->G   = st->nut * S2;
  st->Dk  = eps / k;
  st->Pe  = KE_C1 * st->G * eps / k;
  st->De  = KE_C2 * eps / k;
}

static void KEpsBoundaryValues(GaleTurbulence t)
{
  GaleSolver s = t->s;
  for (PetscInt i = 0; i < 2; i++)
    for (PetscInt ib = 0; ib < s->nbActive; ib++) {
      const PetscInt b = s->bActive[ib];
      if (!t->fixedB[i][b]) t->fieldB[i][b] = t->field[i][s->mesh->owner[s->ni + b]];
    }
}

static PetscErrorCode KEpsUpdateNut(GaleTurbulence t)
{
  GaleSolver       s = t->s;
  KEps            *d = (KEps *)t->data;
  const PetscReal *k = t->field[0], *e = t->field[1];

  PetscFunctionBeginUser;
  for (PetscInt c = 0; c < s->ncT; c++) s->nut[c] = KE_CMU * k[c] * k[c] / e[c];
  for (PetscInt ib = 0; ib < s->nbActive; ib++) {
    const PetscInt b = s->bActive[ib];
    if (t->fixedB[0][b])
      s->nutB[b] = KE_CMU * t->fieldB[0][b] * t->fieldB[0][b] / t->fieldB[1][b];
    else
      s->nutB[b] = s->nut[s->mesh->owner[s->ni + b]];
  }
  PetscCall(GaleWallFunctionsApply(s, k, 0.075, d->fix, NULL, NULL, NULL)); /* walls: nut_w */
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode KEpsSetup(GaleTurbulence t)
{
  GaleSolver s       = t->s;
  PetscReal  init[2] = {0, 0}, g[2];

  PetscFunctionBeginUser;
  for (PetscInt b = 0; b < s->nb; b++) {
    const GaleBC *bc = &s->cs->bcs[s->faceBC[b]];
    PetscReal     k, e;
    GaleTurbulenceInflowAt(s, b, &k, NULL, &e);
    t->fixedB[0][b] = t->fixedB[1][b] = PETSC_FALSE;
    if (bc->type == GALE_BC_INLET || (bc->type == GALE_BC_FREESTREAM && s->ubc[b] == GALE_UBC_FIXED)) {
      t->fixedB[0][b] = t->fixedB[1][b] = PETSC_TRUE;
      init[0]                           = PetscMax(init[0], k);
      init[1]                           = PetscMax(init[1], e);
    }
    t->fieldB[0][b] = k;
    t->fieldB[1][b] = e;
  }
  PetscCallMPI(MPIU_Allreduce(init, g, 2, MPIU_REAL, MPI_MAX, s->mesh->comm));
  if (g[0] <= 0) GaleTurbulenceInflow(NULL, s->cs->ref_velocity, s->cs->nu, &g[0], NULL, &g[1]); /* nothing enters */
  for (PetscInt c = 0; c < s->ncT; c++) {
    t->field[0][c] = g[0];
    t->field[1][c] = g[1];
  }
  KEpsBoundaryValues(t);
  PetscCall(KEpsUpdateNut(t));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode KEpsSolve(GaleTurbulence t)
{
  GaleSolver      s  = t->s;
  GaleMesh        m  = s->mesh;
  KEps           *d  = (KEps *)t->data;
  const PetscReal nu = s->cs->nu, relax = GaleTurbulenceRelaxation(t);
  const PetscInt  nc = s->nc, ncT = s->ncT;
  PetscReal      *k = t->field[0], *e = t->field[1];
  GaleScalarEq    eq;
  GaleSolveStats  st;

  PetscFunctionBeginUser;
  KEpsBoundaryValues(t);
  PetscCall(GaleTurbulenceVelocityInvariants(t, NULL, d->S));
  for (PetscInt c = 0; c < nc; c++) {
    GaleKEpsilonTerms tm;
    GaleKEpsilonSources(k[c], e[c], d->S[c] * d->S[c], &tm);
    d->G[c] = tm.G;
  }
  PetscCall(GaleWallFunctionsApply(s, k, 0.075, d->fix, d->eFix, NULL, d->G)); /* wall cells: G, eps */
  /* epsilon, with k and eps of the previous iteration (wall cells are fixed) */
  for (PetscInt c = 0; c < nc; c++) {
    const PetscReal   V = m->cellVolumes[c];
    GaleKEpsilonTerms tm;
    GaleKEpsilonSources(k[c], e[c], d->S[c] * d->S[c], &tm);
    t->Su[c] = tm.Pe * V;
    t->Sp[c] = -tm.De * V;
  }
  for (PetscInt c = 0; c < ncT; c++) t->gamma[c] = nu + s->nut[c] / KE_SIGMAE;
  for (PetscInt b = 0; b < s->nb; b++) t->gammaB[b] = nu + s->nutB[b] / KE_SIGMAE;
  eq = (GaleScalarEq){"epsilon", e, t->fieldB[1], t->fixedB[1], t->gamma, t->gammaB, t->Su, t->Sp, s->transient ? t->fieldOld[1] : NULL, relax, -PETSC_MAX_REAL, d->fix, d->eFix}; /* bounded below */
  PetscCall(GaleScalarEqSolve(s, t->ls, &eq, t->grad, &st));
  PetscCall(GaleTurbulenceBound(t, 1, KE_EMIN));
  t->residual[1] = st.initial_residual;
  t->linIts[1]   = st.iterations;
  /* k, destruction with the new epsilon */
  for (PetscInt c = 0; c < nc; c++) {
    const PetscReal V = m->cellVolumes[c];
    t->Su[c]          = d->G[c] * V;
    t->Sp[c]          = -e[c] / k[c] * V;
  }
  for (PetscInt c = 0; c < ncT; c++) t->gamma[c] = nu + s->nut[c] / KE_SIGMAK;
  for (PetscInt b = 0; b < s->nb; b++) t->gammaB[b] = nu + s->nutB[b] / KE_SIGMAK;
  eq = (GaleScalarEq){"k", k, t->fieldB[0], t->fixedB[0], t->gamma, t->gammaB, t->Su, t->Sp, s->transient ? t->fieldOld[0] : NULL, relax, -PETSC_MAX_REAL, NULL, NULL};
  PetscCall(GaleScalarEqSolve(s, t->ls, &eq, t->grad, &st));
  PetscCall(GaleTurbulenceBound(t, 0, KE_KMIN));
  t->residual[0] = st.initial_residual;
  t->linIts[0]   = st.iterations;
  PetscCall(KEpsUpdateNut(t));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode KEpsDestroy(GaleTurbulence t)
{
  KEps *d = (KEps *)t->data;

  PetscFunctionBeginUser;
  PetscCall(PetscFree4(d->S, d->G, d->eFix, d->fix));
  PetscCall(PetscFree(t->data));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleTurbulenceCreate_KEpsilon(GaleTurbulence t)
{
  GaleSolver     s  = t->s;
  const PetscInt nc = s->nc;
  KEps          *d;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&d));
  PetscCall(PetscCalloc4(nc + 1, &d->S, nc + 1, &d->G, nc + 1, &d->eFix, nc + 1, &d->fix));
  t->data          = d;
  t->nfields       = 2;
  t->fieldNames[0] = "k";
  t->fieldNames[1] = "epsilon";
  t->ops.setup     = KEpsSetup;
  t->ops.solve     = KEpsSolve;
  t->ops.destroy   = KEpsDestroy;
  PetscFunctionReturn(PETSC_SUCCESS);
}
