/* Cell gradients of a scalar field.
 *   Gauss:          (grad phi)_P = 1/V_P sum_f phi_f S_f, phi_f linear
 *                   interpolation (boundary: the boundary value).
 *   least squares:  (grad phi)_P = G_P^-1 sum_N w d (phi_N - phi_P),
 *                   G_P = sum_N w d d^T, w = 1/|d|^2, N over face
 *                   neighbours and boundary faces (d to the face centre).
 * Gradients are computed for owned cells and exchanged to ghosts. */
#include "gale_solver.h"

static PetscErrorCode Invert3(const PetscReal a[9], PetscReal inv[9])
{
  PetscReal det = a[0] * (a[4] * a[8] - a[5] * a[7]) - a[1] * (a[3] * a[8] - a[5] * a[6]) + a[2] * (a[3] * a[7] - a[4] * a[6]);

  PetscFunctionBeginUser;
  PetscCheck(PetscAbsReal(det) > 0, PETSC_COMM_SELF, PETSC_ERR_USER, "singular least-squares gradient matrix (a cell with too few neighbours)");
  inv[0] = (a[4] * a[8] - a[5] * a[7]) / det;
  inv[1] = (a[2] * a[7] - a[1] * a[8]) / det;
  inv[2] = (a[1] * a[5] - a[2] * a[4]) / det;
  inv[3] = (a[5] * a[6] - a[3] * a[8]) / det;
  inv[4] = (a[0] * a[8] - a[2] * a[6]) / det;
  inv[5] = (a[2] * a[3] - a[0] * a[5]) / det;
  inv[6] = (a[3] * a[7] - a[4] * a[6]) / det;
  inv[7] = (a[1] * a[6] - a[0] * a[7]) / det;
  inv[8] = (a[0] * a[4] - a[1] * a[3]) / det;
  PetscFunctionReturn(PETSC_SUCCESS);
}

static inline void AddOuter(PetscReal *G, const PetscReal d[3], PetscReal w)
{
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) G[3 * i + j] += w * d[i] * d[j];
}

PetscErrorCode GaleSolverGradientSetup(GaleSolver s)
{
  GaleMesh   m = s->mesh;
  PetscReal *G;

  PetscFunctionBeginUser;
  if (s->cs->gradient != GALE_GRAD_LEASTSQUARES) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(PetscCalloc1(9 * s->nc + 1, &G));
  PetscCall(PetscCalloc1(9 * s->nc + 1, &s->lsqInv));
  for (PetscInt f = 0; f < s->nf; f++) {
    const PetscInt o = m->owner[f];
    PetscReal      d[3], w;
    if (f < s->ni) {
      const PetscInt n = m->neighbour[f];
      for (int k = 0; k < 3; k++) d[k] = m->cellCentres[3 * n + k] - m->cellCentres[3 * o + k];
      w = 1.0 / (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
      if (o < s->nc) AddOuter(G + 9 * o, d, w);
      if (n < s->nc) AddOuter(G + 9 * n, d, w);
    } else {
      for (int k = 0; k < 3; k++) d[k] = m->faceCentres[3 * f + k] - m->cellCentres[3 * o + k];
      w = 1.0 / (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
      AddOuter(G + 9 * o, d, w);
    }
  }
  for (PetscInt c = 0; c < s->nc; c++) PetscCall(Invert3(G + 9 * c, s->lsqInv + 9 * c));
  PetscCall(PetscFree(G));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSolverGradient(GaleSolver s, const PetscReal *phi, const PetscReal *phib, PetscReal *grad)
{
  GaleMesh       m  = s->mesh;
  const PetscInt nc = s->nc, ncT = s->ncT;

  PetscFunctionBeginUser;
  for (int k = 0; k < 3; k++) PetscCall(PetscArrayzero(grad + k * ncT, nc));
  if (s->cs->gradient == GALE_GRAD_LEASTSQUARES) {
    PetscReal *r = s->work; /* 3*nc accumulator */
    PetscCall(PetscArrayzero(r, 3 * nc));
    for (PetscInt f = 0; f < s->ni; f++) {
      const PetscInt o = m->owner[f], n = m->neighbour[f];
      PetscReal      d[3], w, dphi;
      for (int k = 0; k < 3; k++) d[k] = m->cellCentres[3 * n + k] - m->cellCentres[3 * o + k];
      w    = 1.0 / (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
      dphi = phi[n] - phi[o];
      if (o < nc)
        for (int k = 0; k < 3; k++) r[3 * o + k] += w * d[k] * dphi;
      if (n < nc)
        for (int k = 0; k < 3; k++) r[3 * n + k] += w * d[k] * dphi;
    }
    /* empty faces carry phi_b = phi_P: no contribution to the sums */
    for (PetscInt ib = 0; ib < s->nbActive; ib++) {
      const PetscInt f = s->ni + s->bActive[ib], o = m->owner[f];
      PetscReal      d[3], w, dphi;
      for (int k = 0; k < 3; k++) d[k] = m->faceCentres[3 * f + k] - m->cellCentres[3 * o + k];
      w    = 1.0 / (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
      dphi = phib[f - s->ni] - phi[o];
      for (int k = 0; k < 3; k++) r[3 * o + k] += w * d[k] * dphi;
    }
    for (PetscInt c = 0; c < nc; c++) {
      const PetscReal *Gi = s->lsqInv + 9 * c;
      for (int k = 0; k < 3; k++) grad[k * ncT + c] = Gi[3 * k] * r[3 * c] + Gi[3 * k + 1] * r[3 * c + 1] + Gi[3 * k + 2] * r[3 * c + 2];
    }
  } else {
    for (PetscInt f = 0; f < s->ni; f++) {
      const PetscInt   o = m->owner[f], n = m->neighbour[f];
      const PetscReal  w = m->weights[f], pf = w * phi[o] + (1 - w) * phi[n];
      const PetscReal *S = m->faceAreas + 3 * f;
      if (o < nc)
        for (int k = 0; k < 3; k++) grad[k * ncT + o] += pf * S[k];
      if (n < nc)
        for (int k = 0; k < 3; k++) grad[k * ncT + n] -= pf * S[k];
    }
    /* empty faces come in opposite pairs (flat 2D extrusion) whose phi_P S_f cancel */
    for (PetscInt ib = 0; ib < s->nbActive; ib++) {
      const PetscInt   f = s->ni + s->bActive[ib], o = m->owner[f];
      const PetscReal *S = m->faceAreas + 3 * f, pf = phib[f - s->ni];
      for (int k = 0; k < 3; k++) grad[k * ncT + o] += pf * S[k];
    }
    for (PetscInt c = 0; c < nc; c++)
      for (int k = 0; k < 3; k++) grad[k * ncT + c] /= m->cellVolumes[c];
  }
  PetscCall(GaleHaloExchange(m, 3, ncT, grad));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* OpenFOAM's cellLimited (coefficient 1, Barth-Jespersen): the gradient of
 * each cell is scaled so that extrapolating it to any of the cell's face
 * centres stays within the range of the cell's own value and those of its
 * face neighbours (boundary values included). Used for the velocity
 * gradient when solver.gradient_limiter is cellLimited. Unlimited, the
 * linearUpwind extrapolation from a thin wall-layer cell hinged at a pinned
 * point (its Gauss gradient dominated by its two large, non-parallel faces)
 * reached 1e3 m/s on the layered F3 car and grew threefold per iteration;
 * with upwind the same cell stays at ~30 m/s. grad is halo-exchanged. */
PetscErrorCode GaleSolverLimitGradient(GaleSolver s, const PetscReal *phi, const PetscReal *phib, PetscReal *grad)
{
  GaleMesh       m  = s->mesh;
  const PetscInt nc = s->nc, ncT = s->ncT, ni = s->ni;
  PetscReal     *lo, *hi, *lim;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc3(nc + 1, &lo, nc + 1, &hi, nc + 1, &lim));
  for (PetscInt c = 0; c < nc; c++) lo[c] = hi[c] = phi[c], lim[c] = 1;
  for (PetscInt f = 0; f < ni; f++) {
    const PetscInt o = m->owner[f], n = m->neighbour[f];
    if (o < nc) lo[o] = PetscMin(lo[o], phi[n]), hi[o] = PetscMax(hi[o], phi[n]);
    if (n < nc) lo[n] = PetscMin(lo[n], phi[o]), hi[n] = PetscMax(hi[n], phi[o]);
  }
  for (PetscInt ib = 0; ib < s->nbActive; ib++) {
    const PetscInt f = ni + s->bActive[ib], o = m->owner[f];
    lo[o] = PetscMin(lo[o], phib[f - ni]), hi[o] = PetscMax(hi[o], phib[f - ni]);
  }
  for (PetscInt f = 0; f < s->nf; f++) {
    const PetscInt cells[2] = {m->owner[f], f < ni ? m->neighbour[f] : -1};
    for (int side = 0; side < 2; side++) {
      const PetscInt c = cells[side];
      PetscReal      e = 0;
      if (c < 0 || c >= nc) continue;
      for (int k = 0; k < 3; k++) e += grad[k * ncT + c] * (m->faceCentres[3 * f + k] - m->cellCentres[3 * c + k]);
      if (e > 0)
        lim[c] = PetscMin(lim[c], (hi[c] - phi[c]) / e);
      else if (e < 0)
        lim[c] = PetscMin(lim[c], (lo[c] - phi[c]) / e);
    }
  }
  for (PetscInt c = 0; c < nc; c++)
    for (int k = 0; k < 3; k++) grad[k * ncT + c] *= PetscMax(lim[c], 0);
  PetscCall(PetscFree3(lo, hi, lim));
  PetscCall(GaleHaloExchange(m, 3, ncT, grad));
  PetscFunctionReturn(PETSC_SUCCESS);
}
