/* Turbulence model registry and shared helpers. Adding a model: one file
 * with GaleTurbulenceCreate_<Name> and one line in the table below. */
#include "gale_turbulence.h"

static const struct {
  const char *name;
  PetscErrorCode (*create)(GaleTurbulence);
} Models[] = {
    {"SpalartAllmaras", GaleTurbulenceCreate_SpalartAllmaras},
    {"kOmegaSST", GaleTurbulenceCreate_KOmegaSST},
    {"kEpsilon", GaleTurbulenceCreate_KEpsilon},
};

PetscErrorCode GaleTurbulenceCreate(GaleSolver s, GaleTurbulence *tp)
{
  const GaleCase *cs = s->cs;
  GaleTurbulence  t;
  PetscInt        found = -1;

  PetscFunctionBeginUser;
  *tp = NULL;
  if (!cs->turb.model[0] || !strcmp(cs->turb.model, "laminar")) PetscFunctionReturn(PETSC_SUCCESS);
  for (size_t i = 0; i < sizeof(Models) / sizeof(Models[0]); i++)
    if (!strcmp(Models[i].name, cs->turb.model)) found = (PetscInt)i;
  PetscCheck(found >= 0, s->mesh->comm, GALE_ERR_USER, "%s: turbulence model '%s' is not available (expected laminar, SpalartAllmaras, kOmegaSST or kEpsilon)", cs->file, cs->turb.model);
  PetscCall(PetscNew(&t));
  t->s = s;
  PetscCall(PetscStrncpy(t->name, cs->turb.model, sizeof(t->name)));
  PetscCall(PetscCalloc1(s->ncT + 1, &t->wallDist));
  PetscCall(PetscCalloc5(s->ncT + 1, &t->gamma, s->nb + 1, &t->gammaB, s->nc + 1, &t->Su, s->nc + 1, &t->Sp, 3 * s->ncT + 1, &t->grad));
  if (cs->turb.wall_distance_poisson)
    PetscCall(GaleSolverWallDistance(s, t->wallDist));
  else
    PetscCall(GaleSolverWallDistanceExact(s, t->wallDist));
  PetscCall(GaleLinSysCreate(s->mesh, "turb_", KSPBCGS, PCBJACOBI, s->transient ? 1e-6 : 0.1, 1e-30, 200, &t->ls));
  PetscCall(Models[found].create(t));
  for (PetscInt i = 0; i < t->nfields; i++) {
    PetscCall(PetscCalloc1(s->ncT + 1, &t->field[i]));
    PetscCall(PetscCalloc1(s->nb + 1, &t->fieldB[i]));
    PetscCall(PetscCalloc1(s->ncT + 1, &t->fieldOld[i]));
    PetscCall(PetscCalloc1(s->nb + 1, &t->fixedB[i]));
  }
  if (!s->nut) PetscCall(PetscCalloc1(s->ncT + 1, &s->nut));
  if (!s->nutB) PetscCall(PetscCalloc1(s->nb + 1, &s->nutB));
  PetscCall(t->ops.setup(t));
  *tp = t;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleTurbulenceDestroy(GaleTurbulence *tp)
{
  GaleTurbulence t;

  PetscFunctionBeginUser;
  if (!tp || !*tp) PetscFunctionReturn(PETSC_SUCCESS);
  t = *tp;
  if (t->ops.destroy) PetscCall(t->ops.destroy(t));
  for (PetscInt i = 0; i < t->nfields; i++) {
    PetscCall(PetscFree(t->field[i]));
    PetscCall(PetscFree(t->fieldB[i]));
    PetscCall(PetscFree(t->fieldOld[i]));
    PetscCall(PetscFree(t->fixedB[i]));
  }
  PetscCall(PetscFree(t->wallDist));
  PetscCall(PetscFree5(t->gamma, t->gammaB, t->Su, t->Sp, t->grad));
  PetscCall(GaleLinSysDestroy(&t->ls));
  PetscCall(PetscFree(*tp));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleTurbulenceSolve(GaleTurbulence t)
{
  PetscFunctionBeginUser;
  PetscCall(t->ops.solve(t));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleTurbulenceVelocityInvariants(GaleTurbulence t, PetscReal *vorticity, PetscReal *strain)
{
  GaleSolver     s   = t->s;
  const PetscInt ncT = s->ncT;

  PetscFunctionBeginUser;
  for (PetscInt c = 0; c < s->nc; c++) {
    PetscReal g[3][3], w2 = 0, s2 = 0;
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++) g[i][j] = s->solveComp[i] ? s->gradU[(3 * i + j) * ncT + c] : 0; /* dU_i/dx_j */
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++) {
        PetscReal wij = 0.5 * (g[i][j] - g[j][i]), sij = 0.5 * (g[i][j] + g[j][i]);
        w2 += wij * wij;
        s2 += sij * sij;
      }
    if (vorticity) vorticity[c] = PetscSqrtReal(2 * w2);
    if (strain) strain[c] = PetscSqrtReal(2 * s2);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscReal GaleTurbulenceRelaxation(GaleTurbulence t)
{
  const GaleSolver s = t->s;
  return s->transient ? 1.0 : (s->cs->turb.relax > 0 ? s->cs->turb.relax : 0.7);
}
