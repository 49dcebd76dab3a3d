/* Exact wall distance (see gale_transport.h): every rank gathers the wall
 * faces of the whole mesh, split into triangles about their centres, and
 * finds the nearest one to each of its cell centres through a
 * bounding-volume hierarchy (median splits along the widest axis). Memory:
 * 9 reals per wall-face edge on every rank (72 bytes; 18 MB for the F3
 * car's 64k wall faces); time O(cells log(wall faces)). */
#include "gale_transport.h"
#include "gale_geometry.h"

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

static void BVHNearest(const BVH *h, PetscInt id, const PetscReal *p, PetscReal *best2)
{
  const BVHNode *nd = &h->node[id];

  if (nd->child < 0) {
    for (PetscInt i = nd->start; i < nd->start + nd->count; i++) {
      const PetscReal *t = h->tri + 9 * h->perm[i];
      PetscReal        q[3], d2;
      GaleClosestOnTriangle(p, t, t + 3, t + 6, q);
      d2 = (p[0] - q[0]) * (p[0] - q[0]) + (p[1] - q[1]) * (p[1] - q[1]) + (p[2] - q[2]) * (p[2] - q[2]);
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

PetscErrorCode GaleSolverWallDistanceExact(GaleSolver s, PetscReal *d)
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
