/* Pressure and viscous forces and moments on the case's force patches
 * (formulas in gale_forces.h), reduced over all ranks. */
#include "gale_forces.h"

PetscErrorCode GaleForcesCompute(GaleSolver s, GaleForces *F)
{
  GaleMesh        m      = s->mesh;
  const GaleCase *cs     = s->cs;
  PetscReal       loc[9] = {0}, glob[9];
  const PetscReal rho = cs->rho, nu = cs->nu;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(F, sizeof(*F)));
  for (PetscInt i = 0; i < cs->nforce_patches; i++) {
    PetscInt ip = GaleMeshFindPatch(m, cs->force_patches[i]);
    PetscCheck(ip >= 0, m->comm, GALE_ERR_USER, "%s: forces patch '%s' is not a patch of the mesh", cs->file, cs->force_patches[i]);
    for (PetscInt f = m->patches[ip].start; f < m->patches[ip].start + m->patches[ip].size; f++) {
      const PetscInt   b = f - s->ni, o = m->owner[f];
      const PetscReal *S = m->faceAreas + 3 * f, *Cf = m->faceCentres + 3 * f;
      PetscReal        dF[6], r[3], dFt[3];
      for (int d = 0; d < 3; d++) {
        dF[d]              = rho * s->pb[b] * S[d];
        const PetscReal *g = s->gradU + 3 * d * s->ncT, *k = m->nonOrthCorr + 3 * f;
        const PetscReal  kg = k[0] * g[o] + k[1] * g[s->ncT + o] + k[2] * g[2 * s->ncT + o];
        dF[3 + d]           = -rho * (nu + (s->nutB ? s->nutB[b] : 0)) * m->faceMagAreas[f] * (m->deltaCoeffs[f] * (s->Ub[d * s->nb + b] - s->U[d * s->ncT + o]) + kg);
        r[d]                = Cf[d] - cs->cofr[d];
        dFt[d]              = dF[d] + dF[3 + d];
        loc[d] += dF[d];
        loc[3 + d] += dF[3 + d];
      }
      loc[6] += r[1] * dFt[2] - r[2] * dFt[1];
      loc[7] += r[2] * dFt[0] - r[0] * dFt[2];
      loc[8] += r[0] * dFt[1] - r[1] * dFt[0];
    }
  }
  PetscCallMPI(MPIU_Allreduce(loc, glob, 9, MPIU_REAL, MPI_SUM, m->comm));
  for (int d = 0; d < 3; d++) {
    F->Fp[d] = glob[d];
    F->Fv[d] = glob[3 + d];
    F->M[d]  = glob[6 + d];
  }
  {
    const PetscReal  q = 0.5 * cs->ref_density * cs->ref_velocity * cs->ref_velocity * cs->ref_area;
    const PetscReal *e = cs->drag_dir, *l = cs->lift_dir;
    PetscReal        Ft[3], ax[3];
    for (int d = 0; d < 3; d++) Ft[d] = F->Fp[d] + F->Fv[d];
    ax[0] = l[1] * e[2] - l[2] * e[1];
    ax[1] = l[2] * e[0] - l[0] * e[2];
    ax[2] = l[0] * e[1] - l[1] * e[0];
    F->Cd = (Ft[0] * e[0] + Ft[1] * e[1] + Ft[2] * e[2]) / q;
    F->Cl = (Ft[0] * l[0] + Ft[1] * l[1] + Ft[2] * l[2]) / q;
    F->Cm = (F->M[0] * ax[0] + F->M[1] * ax[1] + F->M[2] * ax[2]) / (q * cs->ref_length);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}
