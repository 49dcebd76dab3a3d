/* Spalart-Allmaras one-equation model, standard version as defined on the
 * NASA Turbulence Modeling Resource (Spalart & Allmaras 1994, with ft2 and
 * the TMR's modified vorticity S~ that never goes negative):
 *   D nuT/Dt = cb1 (1 - ft2) S~ nuT - (cw1 fw - cb1/kappa^2 ft2)(nuT/d)^2
 *              + 1/sigma [div((nu + nuT) grad nuT) + cb2 |grad nuT|^2]
 *   chi = nuT/nu, fv1 = chi^3/(chi^3 + cv1^3), nu_t = nuT fv1,
 *   fv2 = 1 - chi/(1 + chi fv1), Sbar = nuT fv2/(kappa^2 d^2),
 *   S~ = Omega + Sbar if Sbar >= -cv2 Omega, else
 *   S~ = Omega + Omega (cv2^2 Omega + cv3 Sbar)/((cv3 - 2 cv2) Omega - Sbar),
 *   r = min(nuT/(S~ kappa^2 d^2), 10), g = r + cw2 (r^6 - r),
 *   fw = g ((1 + cw3^6)/(g^6 + cw3^6))^(1/6), ft2 = ct3 exp(-ct4 chi^2).
 * Production and the cb2 term are explicit, destruction implicit.
 * Boundaries: nuT = 0 on walls; where flow enters nuT is given, from a
 * viscosity ratio, or 3 nu (TMR freestream recommendation).
 * Wall distance d: the exact distance from each cell centre to the nearest
 * wall face (the faces split into triangles about their centres, gathered
 * on every rank and searched through a bounding-volume hierarchy), as the
 * TMR codes use. The Poisson estimate of transport.c is exact only next to
 * a flat wall: around an airfoil it overstates d by 10-30% across the outer
 * boundary layer and wake and up to 2.6 times next to the trailing edge,
 * which weakens the destruction term there. */
#include "gale_turbulence.h"

#define SA_CB1 0.1355
#define SA_SIGMA (2.0 / 3.0)
#define SA_CB2 0.622
#define SA_KAPPA 0.41
#define SA_CW2 0.3
#define SA_CW3 2.0
#define SA_CV1 7.1
#define SA_CT3 1.2
#define SA_CT4 0.5
#define SA_CV2 0.7
#define SA_CV3 0.9
#define SA_CW1 (SA_CB1 / (SA_KAPPA * SA_KAPPA) + (1.0 + SA_CB2) / SA_SIGMA)

GALE_HD static inline PetscReal SAfv1(PetscReal chi)
{
  const PetscReal c3 = chi * chi * chi;
  return c3 / (c3 + SA_CV1 * SA_CV1 * SA_CV1);
}

/* nuT for a given turbulent-to-laminar viscosity ratio: solve nuT fv1 = ratio nu */
static PetscReal SANuTildaFromRatio(PetscReal ratio, PetscReal nu)
{
  PetscReal chi = PetscMax(ratio, 1e-3);
  for (int it = 0; it < 60; it++) chi = ratio / PetscMax(SAfv1(chi), 1e-12);
  return chi * nu;
}

/* Source terms per unit volume at a cell: production P and destruction
 * coefficient D (destruction = D nuT); exposed for the unit tests. */
void GaleSASources(PetscReal nuT, PetscReal nu, PetscReal Omega, PetscReal d, PetscReal *P, PetscReal *D)
{
  const PetscReal chi = nuT / nu, fv1 = SAfv1(chi), fv2 = 1 - chi / (1 + chi * fv1);
  const PetscReal k2d2 = SA_KAPPA * SA_KAPPA * d * d, Sbar = nuT * fv2 / k2d2;
  const PetscReal ft2 = SA_CT3 * PetscExpReal(-SA_CT4 * chi * chi);
  PetscReal       St, r, g, fw;

  if (Sbar >= -SA_CV2 * Omega)
    St = Omega + Sbar;
  else
    St = Omega + Omega * (SA_CV2 * SA_CV2 * Omega + SA_CV3 * Sbar) / ((SA_CV3 - 2 * SA_CV2) * Omega - Sbar);
  r = St > 0 ? PetscMin(nuT / (St * k2d2), 10.0) : 10.0;
  /* the sixth powers by multiplication and the sixth root as a cube root
     of a square root: pow() was 8 % of a flat-plate run */
  {
    const PetscReal r3 = r * r * r, cw3_6 = SA_CW3 * SA_CW3 * SA_CW3 * SA_CW3 * SA_CW3 * SA_CW3;
    PetscReal       g3;
    g  = r + SA_CW2 * (r3 * r3 - r);
    g3 = g * g * g;
    fw = g * PetscCbrtReal(PetscSqrtReal((1 + cw3_6) / (g3 * g3 + cw3_6)));
  }
  *P = SA_CB1 * (1 - ft2) * St * nuT;
  *D = (SA_CW1 * fw - SA_CB1 / (SA_KAPPA * SA_KAPPA) * ft2) * nuT / (d * d);
}

static PetscErrorCode SAUpdateNut(GaleTurbulence t)
{
  GaleSolver      s  = t->s;
  const PetscReal nu = s->cs->nu, *nuT = t->field[0];

  PetscFunctionBeginUser;
  for (PetscInt c = 0; c < s->ncT; c++) s->nut[c] = nuT[c] * SAfv1(nuT[c] / nu);
  for (PetscInt b = 0; b < s->nb; b++) s->nutB[b] = t->fieldB[0][b] * SAfv1(t->fieldB[0][b] / nu);
  PetscFunctionReturn(PETSC_SUCCESS);
}

#define BVH_LEAF 4 /* triangles per leaf of the wall-distance hierarchy */

typedef struct {
  PetscReal lo[3], hi[3]; /* bounding box of the node's triangles */
  PetscInt  child;        /* children child and child + 1, or -1 for a leaf */
  PetscInt  start, count; /* leaf: triangles perm[start .. start + count - 1] */
} BVHNode;

typedef struct {
  const PetscReal *tri; /* 9 per triangle: its three corners */
  PetscReal       *cen; /* 3 per triangle: centroids, the split keys */
  PetscInt        *perm;
  BVHNode         *node;
  PetscInt         nnode;
} BVH;

/* Node id covers perm[start .. start + count - 1]: its box, then a split at
 * the median centroid along the widest axis (quickselect). */
static void BVHBuild(BVH *h, PetscInt id, PetscInt start, PetscInt count)
{
  BVHNode  *nd     = &h->node[id];
  PetscReal clo[3] = {PETSC_MAX_REAL, PETSC_MAX_REAL, PETSC_MAX_REAL}, chi[3] = {-PETSC_MAX_REAL, -PETSC_MAX_REAL, -PETSC_MAX_REAL};
  PetscInt  lo = start, hi = start + count - 1, mid = start + count / 2, c;
  int       ax = 0;

  for (int k = 0; k < 3; k++) {
    nd->lo[k] = PETSC_MAX_REAL;
    nd->hi[k] = -PETSC_MAX_REAL;
  }
  for (PetscInt i = start; i < start + count; i++) {
    const PetscInt t = h->perm[i];
    for (int k = 0; k < 3; k++) {
      for (int v = 0; v < 3; v++) {
        nd->lo[k] = PetscMin(nd->lo[k], h->tri[9 * t + 3 * v + k]);
        nd->hi[k] = PetscMax(nd->hi[k], h->tri[9 * t + 3 * v + k]);
      }
      clo[k] = PetscMin(clo[k], h->cen[3 * t + k]);
      chi[k] = PetscMax(chi[k], h->cen[3 * t + k]);
    }
  }
  nd->child = -1;
  nd->start = start;
  nd->count = count;
  if (count <= BVH_LEAF) return;
  for (int k = 1; k < 3; k++)
    if (chi[k] - clo[k] > chi[ax] - clo[ax]) ax = k;
  while (lo < hi) {
    const PetscReal pv = h->cen[3 * h->perm[lo + (hi - lo) / 2] + ax];
    PetscInt        i = lo, j = hi;
    while (i <= j) {
      while (h->cen[3 * h->perm[i] + ax] < pv) i++;
      while (h->cen[3 * h->perm[j] + ax] > pv) j--;
      if (i <= j) {
        const PetscInt tmp = h->perm[i];
        h->perm[i++]       = h->perm[j];
        h->perm[j--]       = tmp;
      }
    }
    if (mid <= j)
      hi = j;
    else if (mid >= i)
      lo = i;
    else
      break;
  }
  c         = h->nnode;
  nd->child = c;
  h->nnode += 2;
  BVHBuild(h, c, start, mid - start);
  BVHBuild(h, c + 1, mid, start + count - mid);
}

static inline PetscReal Dot3(const PetscReal *a, const PetscReal *b)
{
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

/* Squared distance from p to triangle (a, b, c): the closest point by
 * Voronoi regions (Ericson, Real-Time Collision Detection, 5.1.5). */
static PetscReal TriangleDist2(const PetscReal *p, const PetscReal *a, const PetscReal *b, const PetscReal *c)
{
  PetscReal ab[3], ac[3], ap[3], bp[3], cp[3], q[3], d1, d2, d3, d4, d5, d6, va, vb, vc, v, w, r2 = 0;

  for (int k = 0; k < 3; k++) {
    ab[k] = b[k] - a[k];
    ac[k] = c[k] - a[k];
    ap[k] = p[k] - a[k];
    bp[k] = p[k] - b[k];
    cp[k] = p[k] - c[k];
  }
  d1 = Dot3(ab, ap);
  d2 = Dot3(ac, ap);
  d3 = Dot3(ab, bp);
  d4 = Dot3(ac, bp);
  d5 = Dot3(ab, cp);
  d6 = Dot3(ac, cp);
  vc = d1 * d4 - d3 * d2;
  vb = d5 * d2 - d1 * d6;
  va = d3 * d6 - d5 * d4;
  if (d1 <= 0 && d2 <= 0) return Dot3(ap, ap);
  if (d3 >= 0 && d4 <= d3) return Dot3(bp, bp);
  if (d6 >= 0 && d5 <= d6) return Dot3(cp, cp);
  if (vc <= 0 && d1 >= 0 && d3 <= 0) {
    v = d1 / (d1 - d3);
    for (int k = 0; k < 3; k++) q[k] = a[k] + v * ab[k];
  } else if (vb <= 0 && d2 >= 0 && d6 <= 0) {
    w = d2 / (d2 - d6);
    for (int k = 0; k < 3; k++) q[k] = a[k] + w * ac[k];
  } else if (va <= 0 && d4 - d3 >= 0 && d5 - d6 >= 0) {
    w = (d4 - d3) / ((d4 - d3) + (d5 - d6));
    for (int k = 0; k < 3; k++) q[k] = b[k] + w * (c[k] - b[k]);
  } else {
    const PetscReal den = 1 / (va + vb + vc);
    v                   = vb * den;
    w                   = vc * den;
    for (int k = 0; k < 3; k++) q[k] = a[k] + v * ab[k] + w * ac[k];
  }
  for (int k = 0; k < 3; k++) r2 += (p[k] - q[k]) * (p[k] - q[k]);
  return r2;
}

static void BVHNearest(const BVH *h, PetscInt id, const PetscReal *p, PetscReal *best2)
{
  const BVHNode *nd = &h->node[id];

  if (nd->child < 0) {
    for (PetscInt i = nd->start; i < nd->start + nd->count; i++) {
      const PetscReal *t  = h->tri + 9 * h->perm[i];
      const PetscReal  d2 = TriangleDist2(p, t, t + 3, t + 6);
      if (d2 < *best2) *best2 = d2; /* a degenerate triangle's NaN is skipped */
    }
    return;
  }
  {
    PetscReal b2[2] = {0, 0};
    for (int k = 0; k < 2; k++) {
      const BVHNode *ch = &h->node[nd->child + k];
      for (int j = 0; j < 3; j++) {
        const PetscReal e = PetscMax(PetscMax(ch->lo[j] - p[j], p[j] - ch->hi[j]), 0);
        b2[k] += e * e;
      }
    }
    for (int k = 0, first = b2[1] < b2[0]; k < 2; k++) { /* the nearer box first */
      const int ch = k ? !first : first;
      if (b2[ch] < *best2) BVHNearest(h, nd->child + ch, p, best2);
    }
  }
}

/* d[c] for every local and ghost cell: the distance from its centre to the
 * nearest wall face of the whole mesh (1e30 without walls). */
static PetscErrorCode SAWallDistance(GaleSolver s, PetscReal *d)
{
  GaleMesh    m  = s->mesh;
  PetscInt    nt = 0, ntAll = 0, k = 0;
  PetscReal  *mine, *all;
  PetscMPIInt size, *cnt, *disp, myCnt;
  BVH         h;

  PetscFunctionBeginUser;
  for (PetscInt ib = 0; ib < s->nbActive; ib++) {
    const PetscInt b = s->bActive[ib], f = s->ni + b;
    if (s->cs->bcs[s->faceBC[b]].type == GALE_BC_WALL) nt += m->faceOffsets[f + 1] - m->faceOffsets[f];
  }
  PetscCall(PetscMalloc1(9 * nt + 1, &mine));
  for (PetscInt ib = 0; ib < s->nbActive; ib++) {
    const PetscInt b = s->bActive[ib], f = s->ni + b, o = m->faceOffsets[f], np = m->faceOffsets[f + 1] - o;
    if (s->cs->bcs[s->faceBC[b]].type != GALE_BC_WALL) continue;
    for (PetscInt v = 0; v < np; v++, k++) { /* fan about the face centre */
      const PetscInt p0 = m->facePoints[o + v], p1 = m->facePoints[o + (v + 1) % np];
      for (int j = 0; j < 3; j++) {
        mine[9 * k + j]     = m->faceCentres[3 * f + j];
        mine[9 * k + 3 + j] = m->points[3 * p0 + j];
        mine[9 * k + 6 + j] = m->points[3 * p1 + j];
      }
    }
  }
  PetscCallMPI(MPI_Comm_size(m->comm, &size));
  PetscCall(PetscMalloc2(size, &cnt, size + 1, &disp));
  PetscCheck(9 * (PetscReal)nt < PETSC_MPI_INT_MAX, m->comm, PETSC_ERR_SUP, "wall distance: %" PetscInt_FMT " wall triangles on one rank, too many for one MPI message", nt);
  myCnt = (PetscMPIInt)(9 * nt);
  PetscCallMPI(MPI_Allgather(&myCnt, 1, MPI_INT, cnt, 1, MPI_INT, m->comm));
  disp[0] = 0;
  for (PetscMPIInt r = 0; r < size; r++) {
    PetscCheck((PetscReal)disp[r] + cnt[r] < PETSC_MPI_INT_MAX, m->comm, PETSC_ERR_SUP, "wall distance: too many wall triangles for one MPI message");
    disp[r + 1] = disp[r] + cnt[r];
  }
  ntAll = disp[size] / 9;
  if (!ntAll) {
    for (PetscInt c = 0; c < s->ncT; c++) d[c] = 1e30;
    PetscCall(PetscFree(mine));
    PetscCall(PetscFree2(cnt, disp));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(PetscMalloc1(disp[size], &all));
  PetscCallMPI(MPI_Allgatherv(mine, myCnt, MPIU_REAL, all, cnt, disp, MPIU_REAL, m->comm));
  h.tri   = all;
  h.nnode = 1;
  PetscCall(PetscMalloc3(3 * ntAll, &h.cen, ntAll, &h.perm, 2 * ntAll, &h.node));
  for (PetscInt t = 0; t < ntAll; t++) {
    h.perm[t] = t;
    for (int j = 0; j < 3; j++) h.cen[3 * t + j] = (all[9 * t + j] + all[9 * t + 3 + j] + all[9 * t + 6 + j]) / 3;
  }
  BVHBuild(&h, 0, 0, ntAll);
  for (PetscInt c = 0; c < s->ncT; c++) {
    PetscReal best2 = PETSC_MAX_REAL;
    BVHNearest(&h, 0, m->cellCentres + 3 * c, &best2);
    d[c] = PetscMax(PetscSqrtReal(best2), 1e-12);
  }
  PetscCall(PetscFree3(h.cen, h.perm, h.node));
  PetscCall(PetscFree(all));
  PetscCall(PetscFree(mine));
  PetscCall(PetscFree2(cnt, disp));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Inflow value of nuTilda for boundary condition bc. */
static PetscReal SAInflow(const GaleBC *bc, PetscReal nu)
{
  if (bc->nuTilda > 0) return bc->nuTilda;
  if (bc->turb_viscosity_ratio > 0) return SANuTildaFromRatio(bc->turb_viscosity_ratio, nu);
  return 3.0 * nu;
}

static PetscErrorCode SASetup(GaleTurbulence t)
{
  GaleSolver      s    = t->s;
  GaleMesh        m    = s->mesh;
  const PetscReal nu   = s->cs->nu;
  PetscReal       init = 3.0 * nu;

  PetscFunctionBeginUser;
  PetscCall(SAWallDistance(s, t->wallDist));
  for (PetscInt b = 0; b < s->nb; b++) {
    const GaleBC *bc = &s->cs->bcs[s->faceBC[b]];
    switch (bc->type) {
    case GALE_BC_WALL:
      t->fixedB[0][b] = PETSC_TRUE;
      t->fieldB[0][b] = 0;
      break;
    case GALE_BC_INLET:
      t->fixedB[0][b] = PETSC_TRUE;
      t->fieldB[0][b] = init = SAInflow(bc, nu);
      break;
    case GALE_BC_FREESTREAM:
      t->fixedB[0][b] = s->ubc[b] == GALE_UBC_FIXED ? PETSC_TRUE : PETSC_FALSE;
      t->fieldB[0][b] = init = SAInflow(bc, nu);
      break;
    default:
      t->fixedB[0][b] = PETSC_FALSE;
      t->fieldB[0][b] = init;
    }
  }
  {
    PetscReal g;
    PetscCallMPI(MPIU_Allreduce(&init, &g, 1, MPIU_REAL, MPI_MAX, m->comm));
    init = g;
  }
  for (PetscInt c = 0; c < s->ncT; c++) t->field[0][c] = init;
  for (PetscInt b = 0; b < s->nb; b++)
    if (!t->fixedB[0][b]) t->fieldB[0][b] = init;
  PetscCall(SAUpdateNut(t));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode SASolve(GaleTurbulence t)
{
  GaleSolver      s  = t->s;
  GaleMesh        m  = s->mesh;
  const PetscReal nu = s->cs->nu;
  const PetscInt  nc = s->nc, ncT = s->ncT;
  PetscReal      *nuT = t->field[0], *Omega = s->work;
  GaleScalarEq    eq;
  GaleSolveStats  st;

  PetscFunctionBeginUser;
  for (PetscInt ib = 0; ib < s->nbActive; ib++) {
    const PetscInt b = s->bActive[ib];
    if (!t->fixedB[0][b]) t->fieldB[0][b] = nuT[m->owner[s->ni + b]];
  }
  PetscCall(GaleSolverGradient(s, nuT, t->fieldB[0], t->grad)); /* may use s->work: before Omega */
  PetscCall(GaleTurbulenceVelocityInvariants(t, Omega, NULL));
  for (PetscInt c = 0; c < ncT; c++) t->gamma[c] = (nu + nuT[c]) / SA_SIGMA;
  for (PetscInt b = 0; b < s->nb; b++) t->gammaB[b] = (nu + t->fieldB[0][b]) / SA_SIGMA;
  for (PetscInt c = 0; c < nc; c++) {
    const PetscReal V = m->cellVolumes[c];
    PetscReal       P, D, g2 = 0;
    for (int k = 0; k < 3; k++) g2 += t->grad[k * ncT + c] * t->grad[k * ncT + c];
    GaleSASources(nuT[c], nu, Omega[c], t->wallDist[c], &P, &D);
    t->Su[c] = (P + SA_CB2 / SA_SIGMA * g2) * V;
    if (D >= 0)
      t->Sp[c] = -D * V;
    else {
      t->Sp[c] = 0;
      t->Su[c] -= D * nuT[c] * V;
    }
  }
  eq = (GaleScalarEq){
      .name = "nuTilda", .phi = nuT, .phiB = t->fieldB[0], .fixedB = t->fixedB[0], .gamma = t->gamma, .gammaB = t->gammaB, .Su = t->Su, .Sp = t->Sp, .phiOld = s->transient ? t->fieldOld[0] : NULL, .relax = GaleTurbulenceRelaxation(t), .lower = 0.0};
  PetscCall(GaleScalarEqSolve(s, t->ls, &eq, t->grad, &st));
  t->residual[0] = st.initial_residual;
  t->linIts[0]   = st.iterations;
  PetscCall(SAUpdateNut(t));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleTurbulenceCreate_SpalartAllmaras(GaleTurbulence t)
{
  PetscFunctionBeginUser;
  t->nfields       = 1;
  t->fieldNames[0] = "nuTilda";
  t->ops.setup     = SASetup;
  t->ops.solve     = SASolve;
  t->ops.destroy   = NULL;
  PetscFunctionReturn(PETSC_SUCCESS);
}
