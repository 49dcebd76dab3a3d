/* Boundary conditions: each boundary face gets a velocity kind (fixed
 * value, zero gradient, symmetry, empty) and a pressure kind (fixed or zero
 * gradient) from its patch's case entry:
 *   wall        U fixed (moving-wall velocity, default 0), p zero gradient
 *   inlet       U fixed (uniform, expression or table), p zero gradient
 *   outlet      U zero gradient, p fixed
 *   symmetry    U_b = U_P - (U_P.n) n, p zero gradient, no flux
 *   empty       2D front/back: no flux, no contribution
 *   freestream  per face: inflow (U_inf.S < 0) U fixed, p zero gradient;
 *               outflow U zero gradient, p fixed; optionally with the
 *               point-vortex correction (PointVortex)
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

/* Point-vortex farfield for 2D lifting bodies in steady runs (Thomas &
 * Salas, AIAA J. 24, 1986, in incompressible form; experimental, enabled
 * by -freestream_point_vortex): a finite farfield at distance R fixes the
 * velocity to U_inf, while the body's circulation Gamma still induces
 * Gamma/(2 pi R) there; the force then tilts by about C_L Gamma/(2 pi R
 * U), +1.5 % of C_D for the NACA 0012 at alpha 10 with R = 500 chords. The
 * inflow faces of freestream patches get U_inf + Gamma/(2 pi r^2) e_z x r
 * (r from the moment centre, forces.reference.centre) and the outflow
 * faces p_inf + (|U_inf|^2 - |U|^2)/2, with Gamma = -L'/|U_inf| from the
 * current lift per unit depth L' on the wall patches (Kutta-Joukowski;
 * counter-clockwise positive; wall pressure p_b = p_P, as in
 * GaleSolverUpdateBoundaryValues). */
static PetscErrorCode PointVortex(GaleSolver s)
{
  GaleMesh        m      = s->mesh;
  const GaleCase *cs     = s->cs;
  PetscBool       on     = PETSC_FALSE;
  PetscReal       loc[4] = {0, 0, 0, 0}, g[4], Uinf[3] = {0, 0, 0}, gamma, depth, un;
  PetscInt        nf = 0, gnf;

  PetscFunctionBeginUser;
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-freestream_point_vortex", &on, NULL));
  if (!on || s->transient || s->solveComp[2]) PetscFunctionReturn(PETSC_SUCCESS);
  for (PetscInt b = 0; b < s->nb; b++) {
    const PetscInt   f = s->ni + b, o = m->owner[f];
    const GaleBC    *bc = &cs->bcs[s->faceBC[b]];
    const PetscReal *S  = m->faceAreas + 3 * f;
    if (s->ubc[b] == GALE_UBC_EMPTY) loc[2] += m->faceMagAreas[f];
    if (bc->type == GALE_BC_FREESTREAM && !nf++) PetscCall(GaleVectorValueEval(&bc->U, m->faceCentres + 3 * f, s->time, Uinf));
    if (bc->type != GALE_BC_WALL) continue;
    for (int d = 0; d < 2; d++) loc[d] += s->p[o] * S[d] - (cs->nu + (s->nutB ? s->nutB[b] : 0)) * m->faceMagAreas[f] * m->deltaCoeffs[f] * (s->Ub[d * s->nb + b] - s->U[d * s->ncT + o]);
  }
  for (PetscInt c = 0; c < s->nc; c++) loc[3] += m->cellVolumes[c];
  { /* U_inf (uniform) from the ranks that have freestream faces */
    PetscReal l2[3] = {Uinf[0], Uinf[1], nf ? 1 : 0}, g2[3];
    PetscCallMPI(MPIU_Allreduce(l2, g2, 3, MPIU_REAL, MPI_SUM, m->comm));
    gnf = (PetscInt)g2[2];
    if (gnf) {
      Uinf[0] = g2[0] / g2[2];
      Uinf[1] = g2[1] / g2[2];
    }
  }
  PetscCallMPI(MPIU_Allreduce(loc, g, 4, MPIU_REAL, MPI_SUM, m->comm));
  if (!gnf || g[2] <= 0) PetscFunctionReturn(PETSC_SUCCESS);
  un    = PetscSqrtReal(Uinf[0] * Uinf[0] + Uinf[1] * Uinf[1]);
  depth = 2 * g[3] / g[2];
  if (un <= 0) PetscFunctionReturn(PETSC_SUCCESS);
  gamma = -(g[0] * -Uinf[1] / un + g[1] * Uinf[0] / un) / depth / un;
  for (PetscInt b = 0; b < s->nb; b++) {
    const GaleBC    *bc = &cs->bcs[s->faceBC[b]];
    const PetscReal *x  = m->faceCentres + 3 * (s->ni + b);
    PetscReal        rx = x[0] - cs->cofr[0], ry = x[1] - cs->cofr[1], k = gamma / (2 * PETSC_PI * (rx * rx + ry * ry)), u[2];
    if (bc->type != GALE_BC_FREESTREAM) continue;
    u[0] = Uinf[0] - k * ry;
    u[1] = Uinf[1] + k * rx;
    if (s->ubc[b] == GALE_UBC_FIXED) {
      s->Ufix[b]         = u[0];
      s->Ufix[s->nb + b] = u[1];
    } else
      s->pfixv[b] = bc->p + 0.5 * (un * un - u[0] * u[0] - u[1] * u[1]);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Re-evaluate time-dependent fixed values (inlet expressions in t). */
static PetscErrorCode RefreshFixedValues(GaleSolver s)
{
  GaleMesh m = s->mesh;

  PetscFunctionBeginUser;
  PetscCall(PointVortex(s));
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
