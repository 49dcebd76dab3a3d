/* Explicit feature snapping for the snapping stage (mesh/snap.c), used
 * with mesh.octree.snap_features: the surfaces' feature edges (two
 * triangles whose normals differ by more than the feature angle) are
 * sampled every half of the finest boundary cell; each sample picks its
 * nearest boundary point (a uniform grid of the boundary points, cell = the
 * coarsest boundary cell) within one cell, and that point's target becomes
 * its nearest point on the edge; a corner (three or more feature edges
 * meet) pulls its nearest point onto it, and wins over edges. Of two
 * neighbours drawn to nearly the same place the nearer keeps it. */
#include <stdint.h>
#include <stdlib.h>
#include "snap_impl.h"

/* Boundary points sorted into a uniform grid of cell g, for the nearest
 * boundary point to a feature-edge sample. */
typedef struct {
  int64_t  key;
  PetscInt p;
} Cell;

typedef struct {
  PetscReal lo[3], g;
  int64_t   n[3];
  Cell     *cell;
  PetscInt  ncell;
} Grid;

static int CompareCell(const void *a, const void *b)
{
  const int64_t x = ((const Cell *)a)->key, y = ((const Cell *)b)->key;
  return x < y ? -1 : x > y;
}

static inline int64_t GridKey(const Grid *G, const int64_t i[3])
{
  return i[0] + G->n[0] * (i[1] + G->n[1] * i[2]);
}

static inline void GridIndex(const Grid *G, const PetscReal x[3], int64_t i[3])
{
  for (int d = 0; d < 3; d++) i[d] = PetscMin(PetscMax((int64_t)PetscFloorReal((x[d] - G->lo[d]) / G->g), 0), G->n[d] - 1);
}

/* Nearest boundary point to x within G->g, or -1. */
static PetscInt GridNearest(const Snap *S, const Grid *G, const PetscReal x[3], PetscReal *dist)
{
  int64_t   c[3], j[3];
  PetscInt  best = -1;
  PetscReal b2   = G->g * G->g;

  GridIndex(G, x, c);
  for (j[2] = c[2] - 1; j[2] <= c[2] + 1; j[2]++)
    for (j[1] = c[1] - 1; j[1] <= c[1] + 1; j[1]++)
      for (j[0] = c[0] - 1; j[0] <= c[0] + 1; j[0]++) {
        PetscInt lo = 0, hi = G->ncell;
        int64_t  key;
        if (j[0] < 0 || j[1] < 0 || j[2] < 0 || j[0] >= G->n[0] || j[1] >= G->n[1] || j[2] >= G->n[2]) continue;
        key = GridKey(G, j);
        while (lo < hi) { /* first entry with this key */
          const PetscInt mid = (lo + hi) / 2;
          if (G->cell[mid].key < key)
            lo = mid + 1;
          else
            hi = mid;
        }
        for (; lo < G->ncell && G->cell[lo].key == key; lo++) {
          const PetscReal *y  = S->x0 + 3 * G->cell[lo].p;
          const PetscReal  d2 = (y[0] - x[0]) * (y[0] - x[0]) + (y[1] - x[1]) * (y[1] - x[1]) + (y[2] - x[2]) * (y[2] - x[2]);
          if (d2 < b2) {
            b2   = d2;
            best = G->cell[lo].p;
          }
        }
      }
  *dist = PetscSqrtReal(b2);
  return best;
}

static int CompareEdge(const void *a, const void *b)
{
  const PetscInt *x = (const PetscInt *)a, *y = (const PetscInt *)b;
  return x[0] != y[0] ? (x[0] < y[0] ? -1 : 1) : (x[1] != y[1] ? (x[1] < y[1] ? -1 : 1) : 0);
}

/* Feature edges of surface i (two triangles whose normals differ by more
 * than the feature angle) as point pairs; deg[v] counts them per surface point. */
static PetscErrorCode FeatureEdges(const GaleOctree o, PetscInt i, PetscReal cosFeature, PetscInt *ne, PetscInt **edge, PetscInt *deg)
{
  const GaleSurface s = o->surf[i].surface;
  PetscInt(*e)[3], n = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(3 * s->nTris + 1, &e));
  PetscCall(PetscMalloc1(2 * 3 * s->nTris + 2, edge));
  for (PetscInt t = 0; t < s->nTris; t++)
    for (int k = 0; k < 3; k++) {
      const PetscInt a = s->tris[3 * t + k], b = s->tris[3 * t + (k + 1) % 3];
      e[3 * t + k][0] = PetscMin(a, b);
      e[3 * t + k][1] = PetscMax(a, b);
      e[3 * t + k][2] = t;
    }
  qsort(e, (size_t)(3 * s->nTris), sizeof(*e), CompareEdge);
  for (PetscInt k = 0; k < 3 * s->nTris;) {
    PetscInt j = k + 1;
    while (j < 3 * s->nTris && e[j][0] == e[k][0] && e[j][1] == e[k][1]) j++;
    if (j - k == 2) {
      PetscReal n1[3], n2[3];
      GaleSearchTriangleNormal(o->surf[i].search, e[k][2], n1);
      GaleSearchTriangleNormal(o->surf[i].search, e[k + 1][2], n2);
      if (Dot(n1, n2) < cosFeature) {
        (*edge)[2 * n]     = e[k][0];
        (*edge)[2 * n + 1] = e[k][1];
        deg[e[k][0]]++;
        deg[e[k][1]]++;
        n++;
      }
    }
    k = j;
  }
  PetscCall(PetscFree(e));
  *ne = n;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Offer point p the feature target q (kind 1 edge, 2 corner): corners win
 * over edges, then the nearer target. */
static void Offer(const Snap *S, PetscInt p, const PetscReal q[3], unsigned char kind, unsigned char *fkind, PetscReal *fdist, PetscReal *ft)
{
  const PetscReal *x = S->x0 + 3 * p;
  const PetscReal  d = PetscSqrtReal((q[0] - x[0]) * (q[0] - x[0]) + (q[1] - x[1]) * (q[1] - x[1]) + (q[2] - x[2]) * (q[2] - x[2]));

  if (d > SNAP_REACH * S->h[p] || kind < fkind[p] || (kind == fkind[p] && d >= fdist[p])) return;
  fkind[p] = kind;
  fdist[p] = d;
  for (int k = 0; k < 3; k++) ft[3 * p + k] = q[k];
}

/* Explicit feature snapping: each sample of a feature edge (every half of
 * the finest boundary cell) and each corner picks its nearest boundary
 * point within one coarsest boundary cell; that point goes to its nearest
 * point on the edge, or to the corner. */
PetscErrorCode GaleOctreeSnapFeatures_Private(Snap *S, PetscReal featureAngle, PetscInt *nFeature)
{
  const GaleOctree o = S->o;
  Grid             G;
  unsigned char   *fkind;
  PetscReal       *fdist, *ft, hmin = PETSC_MAX_REAL, hmax = 0;

  PetscFunctionBeginUser;
  *nFeature = 0;
  if (featureAngle <= 0) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(PetscMemzero(&G, sizeof(G)));
  for (PetscInt p = 0; p < S->np; p++)
    if (S->kind[p]) {
      hmin = PetscMin(hmin, S->h[p]);
      hmax = PetscMax(hmax, S->h[p]);
      G.ncell++;
    }
  if (!G.ncell) PetscFunctionReturn(PETSC_SUCCESS);
  G.g = hmax;
  for (int d = 0; d < 3; d++) {
    G.lo[d] = o->opt.lo[d];
    G.n[d]  = (int64_t)((o->opt.hi[d] - o->opt.lo[d]) / G.g) + 1;
  }
  PetscCall(PetscMalloc1(G.ncell, &G.cell));
  G.ncell = 0;
  for (PetscInt p = 0; p < S->np; p++)
    if (S->kind[p]) {
      int64_t i[3];
      GridIndex(&G, S->x0 + 3 * p, i);
      G.cell[G.ncell].key = GridKey(&G, i);
      G.cell[G.ncell++].p = p;
    }
  qsort(G.cell, (size_t)G.ncell, sizeof(Cell), CompareCell);
  PetscCall(PetscCalloc3(S->np, &fkind, S->np, &fdist, 3 * S->np, &ft));
  for (PetscInt i = 0; i < o->nSurfaces; i++) {
    const GaleSurface s = o->surf[i].surface;
    PetscInt         *edge, ne, *deg;
    PetscCall(PetscCalloc1(s->nPoints + 1, &deg));
    PetscCall(FeatureEdges(o, i, PetscCosReal(featureAngle * PETSC_PI / 180), &ne, &edge, deg));
    for (PetscInt k = 0; k < ne; k++) {
      const PetscReal *a = s->points + 3 * edge[2 * k], *b = s->points + 3 * edge[2 * k + 1];
      PetscReal        ab[3], len2;
      PetscInt         ns;
      for (int d = 0; d < 3; d++) ab[d] = b[d] - a[d];
      len2 = Dot(ab, ab);
      ns   = (PetscInt)(PetscSqrtReal(len2) / (0.5 * hmin)) + 2;
      if (ns > 1000000) continue; /* an edge far longer than the domain */
      for (PetscInt j = 0; j < ns; j++) {
        PetscReal x[3], q[3], dist, t;
        PetscInt  p;
        for (int d = 0; d < 3; d++) x[d] = a[d] + ab[d] * (PetscReal)j / (PetscReal)(ns - 1);
        if ((p = GridNearest(S, &G, x, &dist)) < 0 || dist > S->h[p]) continue;
        t = len2 > 0 ? ((S->x0[3 * p] - a[0]) * ab[0] + (S->x0[3 * p + 1] - a[1]) * ab[1] + (S->x0[3 * p + 2] - a[2]) * ab[2]) / len2 : 0;
        t = PetscMin(PetscMax(t, 0), 1);
        for (int d = 0; d < 3; d++) q[d] = a[d] + t * ab[d];
        Offer(S, p, q, 1, fkind, fdist, ft);
      }
    }
    for (PetscInt v = 0; v < s->nPoints; v++) {
      PetscReal dist;
      PetscInt  p;
      if (deg[v] < 3 || (p = GridNearest(S, &G, s->points + 3 * v, &dist)) < 0 || dist > 1.5 * S->h[p]) continue;
      Offer(S, p, s->points + 3 * v, 2, fkind, fdist, ft);
    }
    PetscCall(PetscFree(edge));
    PetscCall(PetscFree(deg));
  }
  /* Two neighbours drawn to (nearly) the same place would squash the faces
   * between them: the nearer one keeps the feature, the other snaps to the
   * surface. Neighbours along an edge have targets a cell apart and both stay. */
  for (PetscInt p = 0; p < S->np; p++) {
    if (!fkind[p]) continue;
    for (PetscInt k = S->eOff[p]; k < S->eOff[p + 1]; k++) {
      const PetscInt   q = S->eAdj[k];
      const PetscReal *a = ft + 3 * p, *b = ft + 3 * q;
      if (!fkind[q] || (fkind[q] & 4) || fkind[q] < (fkind[p] & 3)) continue;
      if ((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) + (a[2] - b[2]) * (a[2] - b[2]) >= 0.25 * PetscSqr(PetscMin(S->h[p], S->h[q]))) continue;
      if (fkind[q] > (fkind[p] & 3) || fdist[q] < fdist[p] || (fdist[q] == fdist[p] && q < p)) {
        fkind[p] |= 4;
        break;
      }
    }
  }
  for (PetscInt p = 0; p < S->np; p++) {
    PetscReal d[3];
    if (!fkind[p] || (fkind[p] & 4)) continue;
    for (int k = 0; k < 3; k++) d[k] = ft[3 * p + k] - S->x0[3 * p + k];
    Constrain(S->fixed[p], d);
    for (int k = 0; k < 3; k++) S->disp[3 * p + k] = d[k];
    (*nFeature)++;
  }
  PetscCall(PetscFree3(fkind, fdist, ft));
  PetscCall(PetscFree(G.cell));
  PetscFunctionReturn(PETSC_SUCCESS);
}
