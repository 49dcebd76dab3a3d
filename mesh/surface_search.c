/* GaleSearch: a bounding-volume hierarchy over the triangles of a
 * GaleSurface, for the queries of the mesher.
 *
 * Build: top-down, each node split at the median triangle centroid along
 * the longest axis of the centroids' box (depth <= log2(n) + 1), leaves of
 * at most LEAF_SIZE triangles; triangles are stored in BVH order with their
 * vertex coordinates side by side. O(n log n) time, O(n) memory.
 * Queries walk the tree with a fixed stack:
 *   box overlap   Akenine-Moeller separating-axis test (3 box normals, the
 *                 triangle normal, 9 edge x axis products); touching counts
 *   nearest       closest point on a triangle (Ericson, Real-Time Collision
 *                 Detection 5.1.5), children visited nearest first and
 *                 pruned by box distance
 *   ray           Moeller-Trumbore; a closed surface's inside is the
 *                 majority of the crossing parities of five skew rays. */
#include "gale_octree.h"

#define LEAF_SIZE 4
#define STACK_SIZE 256

typedef struct {
  PetscReal lo[3], hi[3];
  PetscInt  first, count; /* leaf: triangles first..first+count-1 (BVH order); internal: count 0, children first and first+1 */
} BNode;

struct _p_GaleSearch {
  GaleSurface s;
  PetscInt    nTris, nNodes;
  BNode      *node;
  PetscInt   *order;  /* BVH position -> triangle id */
  PetscReal  *v;      /* 9 per BVH position: the three vertices */
  PetscReal  *normal; /* 3 per triangle id, unit (0 for a degenerate triangle) */
  PetscBool   closed;
};

static inline PetscReal Dot3(const PetscReal a[3], const PetscReal b[3])
{
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

static inline void Cross3(const PetscReal a[3], const PetscReal b[3], PetscReal c[3])
{
  c[0] = a[1] * b[2] - a[2] * b[1];
  c[1] = a[2] * b[0] - a[0] * b[2];
  c[2] = a[0] * b[1] - a[1] * b[0];
}

/* Reorder ord[lo..hi) so that ord[k] has the k-th smallest key (quickselect). */
static void Select(PetscInt *ord, const PetscReal *cen, int axis, PetscInt lo, PetscInt hi, PetscInt k)
{
  while (hi - lo > 1) {
    const PetscInt mid = lo + (hi - lo) / 2;
    PetscReal      a = cen[3 * ord[lo] + axis], b = cen[3 * ord[mid] + axis], c = cen[3 * ord[hi - 1] + axis], piv;
    PetscInt       i = lo, j = hi - 1;
    piv = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
    while (i <= j) {
      while (cen[3 * ord[i] + axis] < piv) i++;
      while (cen[3 * ord[j] + axis] > piv) j--;
      if (i <= j) {
        PetscInt t = ord[i];
        ord[i++]   = ord[j];
        ord[j--]   = t;
      }
    }
    if (k <= j)
      hi = j + 1;
    else if (k >= i)
      lo = i;
    else
      return;
  }
}

static PetscErrorCode BuildTree(GaleSearch S, const PetscReal *cen, const PetscReal *tbox)
{
  PetscInt(*work)[3], nw = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(2 * S->nTris + 1, &S->node));
  PetscCall(PetscMalloc1(STACK_SIZE, &work));
  S->nNodes     = 1;
  work[nw][0]   = 0;
  work[nw][1]   = 0;
  work[nw++][2] = S->nTris;
  while (nw) {
    const PetscInt n = work[nw - 1][0], b = work[nw - 1][1], e = work[nw - 1][2];
    BNode         *N      = &S->node[n];
    PetscReal      clo[3] = {PETSC_MAX_REAL, PETSC_MAX_REAL, PETSC_MAX_REAL}, chi[3] = {-PETSC_MAX_REAL, -PETSC_MAX_REAL, -PETSC_MAX_REAL};
    int            axis = 0;
    nw--;
    for (int d = 0; d < 3; d++) N->lo[d] = PETSC_MAX_REAL, N->hi[d] = -PETSC_MAX_REAL;
    for (PetscInt i = b; i < e; i++) {
      const PetscInt t = S->order[i];
      for (int d = 0; d < 3; d++) {
        N->lo[d] = PetscMin(N->lo[d], tbox[6 * t + d]);
        N->hi[d] = PetscMax(N->hi[d], tbox[6 * t + 3 + d]);
        clo[d]   = PetscMin(clo[d], cen[3 * t + d]);
        chi[d]   = PetscMax(chi[d], cen[3 * t + d]);
      }
    }
    if (e - b <= LEAF_SIZE) {
      N->first = b;
      N->count = e - b;
      continue;
    }
    for (int d = 1; d < 3; d++)
      if (chi[d] - clo[d] > chi[axis] - clo[axis]) axis = d;
    Select(S->order, cen, axis, b, e, b + (e - b) / 2);
    N->first = S->nNodes;
    N->count = 0;
    S->nNodes += 2;
    PetscCheck(nw + 2 <= STACK_SIZE, PETSC_COMM_SELF, PETSC_ERR_PLIB, "BVH build stack overflow");
    work[nw][0]   = N->first;
    work[nw][1]   = b;
    work[nw++][2] = b + (e - b) / 2;
    work[nw][0]   = N->first + 1;
    work[nw][1]   = b + (e - b) / 2;
    work[nw++][2] = e;
  }
  PetscCall(PetscFree(work));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static int CompareEdge(const void *a, const void *b)
{
  const PetscInt *x = (const PetscInt *)a, *y = (const PetscInt *)b;
  if (x[0] != y[0]) return x[0] < y[0] ? -1 : 1;
  return (x[1] > y[1]) - (x[1] < y[1]);
}

/* Closed: every edge (by point ids) is shared by exactly two triangles. */
static PetscErrorCode DecideClosed(GaleSearch S)
{
  const GaleSurface s = S->s;
  PetscInt         *e;
  PetscBool         closed = (PetscBool)(s->nTris > 0);

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(6 * s->nTris + 2, &e));
  for (PetscInt t = 0; t < s->nTris; t++)
    for (int k = 0; k < 3; k++) {
      const PetscInt a = s->tris[3 * t + k], b = s->tris[3 * t + (k + 1) % 3];
      e[6 * t + 2 * k]     = PetscMin(a, b);
      e[6 * t + 2 * k + 1] = PetscMax(a, b);
    }
  qsort(e, (size_t)(3 * s->nTris), 2 * sizeof(PetscInt), CompareEdge);
  for (PetscInt i = 0, j; i < 3 * s->nTris && closed; i = j) {
    for (j = i + 1; j < 3 * s->nTris && e[2 * j] == e[2 * i] && e[2 * j + 1] == e[2 * i + 1]; j++) {}
    if (j - i != 2) closed = PETSC_FALSE;
  }
  S->closed = closed;
  PetscCall(PetscFree(e));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSearchCreate(GaleSurface s, GaleSearch *search)
{
  GaleSearch S;
  PetscReal *cen, *tbox;

  PetscFunctionBeginUser;
  PetscCheck(s && search, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "GaleSearchCreate: NULL argument");
  for (PetscInt i = 0; i < 3 * s->nTris; i++) PetscCheck(s->tris[i] >= 0 && s->tris[i] < s->nPoints, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "surface triangle %" PetscInt_FMT ": point %" PetscInt_FMT " out of range", i / 3, s->tris[i]);
  PetscCall(PetscNew(&S));
  S->s     = s;
  S->nTris = s->nTris;
  PetscCall(PetscMalloc1(S->nTris + 1, &S->order));
  PetscCall(PetscMalloc1(9 * S->nTris + 1, &S->v));
  PetscCall(PetscMalloc1(3 * S->nTris + 1, &S->normal));
  PetscCall(PetscMalloc2(3 * S->nTris + 1, &cen, 6 * S->nTris + 1, &tbox));
  for (PetscInt t = 0; t < S->nTris; t++) {
    const PetscReal *a = s->points + 3 * s->tris[3 * t], *b = s->points + 3 * s->tris[3 * t + 1], *c = s->points + 3 * s->tris[3 * t + 2];
    PetscReal        e1[3], e2[3], n[3], mag;
    for (int d = 0; d < 3; d++) {
      cen[3 * t + d]      = (a[d] + b[d] + c[d]) / 3;
      tbox[6 * t + d]     = PetscMin(a[d], PetscMin(b[d], c[d]));
      tbox[6 * t + 3 + d] = PetscMax(a[d], PetscMax(b[d], c[d]));
      e1[d]               = b[d] - a[d];
      e2[d]               = c[d] - a[d];
    }
    Cross3(e1, e2, n);
    mag = PetscSqrtReal(Dot3(n, n));
    for (int d = 0; d < 3; d++) S->normal[3 * t + d] = mag > 0 ? n[d] / mag : 0;
    S->order[t] = t;
  }
  if (S->nTris) PetscCall(BuildTree(S, cen, tbox));
  for (PetscInt i = 0; i < S->nTris; i++)
    for (int k = 0; k < 3; k++)
      for (int d = 0; d < 3; d++) S->v[9 * i + 3 * k + d] = s->points[3 * s->tris[3 * S->order[i] + k] + d];
  PetscCall(PetscFree2(cen, tbox));
  PetscCall(DecideClosed(S));
  *search = S;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSearchDestroy(GaleSearch *search)
{
  PetscFunctionBeginUser;
  if (!search || !*search) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(PetscFree((*search)->node));
  PetscCall(PetscFree((*search)->order));
  PetscCall(PetscFree((*search)->v));
  PetscCall(PetscFree((*search)->normal));
  PetscCall(PetscFree(*search));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Separating-axis test of the triangle (v0, v1, v2), given relative to the
 * box centre, against the box of half sizes h. */
static PetscBool TriBox(const PetscReal v[3][3], const PetscReal h[3])
{
  PetscReal e[3][3], n[3], vmin[3], vmax[3];

  for (int d = 0; d < 3; d++) {
    PetscReal lo = PetscMin(v[0][d], PetscMin(v[1][d], v[2][d])), hi = PetscMax(v[0][d], PetscMax(v[1][d], v[2][d]));
    if (lo > h[d] || hi < -h[d]) return PETSC_FALSE;
    e[0][d] = v[1][d] - v[0][d];
    e[1][d] = v[2][d] - v[1][d];
    e[2][d] = v[0][d] - v[2][d];
  }
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) {
      /* axis = e_i x unit_j */
      PetscReal a[3] = {0, 0, 0}, p0, p1, p2, lo, hi, r;
      const int j1 = (j + 1) % 3, j2 = (j + 2) % 3;
      a[j1] = e[i][j2];
      a[j2] = -e[i][j1];
      p0    = Dot3(a, v[0]);
      p1    = Dot3(a, v[1]);
      p2    = Dot3(a, v[2]);
      lo    = PetscMin(p0, PetscMin(p1, p2));
      hi    = PetscMax(p0, PetscMax(p1, p2));
      r     = h[0] * PetscAbsReal(a[0]) + h[1] * PetscAbsReal(a[1]) + h[2] * PetscAbsReal(a[2]);
      if (lo > r || hi < -r) return PETSC_FALSE;
    }
  Cross3(e[0], e[1], n);
  for (int d = 0; d < 3; d++) {
    vmin[d] = (n[d] > 0 ? -h[d] : h[d]) - v[0][d];
    vmax[d] = (n[d] > 0 ? h[d] : -h[d]) - v[0][d];
  }
  if (Dot3(n, vmin) > 0) return PETSC_FALSE;
  return Dot3(n, vmax) >= 0 ? PETSC_TRUE : PETSC_FALSE;
}

static inline PetscBool BoxesTouch(const PetscReal alo[3], const PetscReal ahi[3], const PetscReal blo[3], const PetscReal bhi[3])
{
  return (PetscBool)(alo[0] <= bhi[0] && blo[0] <= ahi[0] && alo[1] <= bhi[1] && blo[1] <= ahi[1] && alo[2] <= bhi[2] && blo[2] <= ahi[2]);
}

static PetscInt BoxQuery(GaleSearch S, const PetscReal lo[3], const PetscReal hi[3], PetscInt max, PetscInt tri[], PetscBool first)
{
  PetscInt  stack[STACK_SIZE], ns = 0, found = 0;
  PetscReal c[3], h[3];

  if (!S->nTris) return 0;
  for (int d = 0; d < 3; d++) {
    c[d] = 0.5 * (lo[d] + hi[d]);
    h[d] = 0.5 * (hi[d] - lo[d]);
  }
  stack[ns++] = 0;
  while (ns) {
    const BNode *N = &S->node[stack[--ns]];
    if (!BoxesTouch(N->lo, N->hi, lo, hi)) continue;
    if (N->count) {
      for (PetscInt i = N->first; i < N->first + N->count; i++) {
        PetscReal v[3][3];
        for (int k = 0; k < 3; k++)
          for (int d = 0; d < 3; d++) v[k][d] = S->v[9 * i + 3 * k + d] - c[d];
        if (!TriBox(v, h)) continue;
        if (first) return 1;
        if (tri && found < max) tri[found] = S->order[i];
        found++;
      }
    } else {
      stack[ns++] = N->first;
      stack[ns++] = N->first + 1;
    }
  }
  return found;
}

PetscInt GaleSearchFilterBox(GaleSearch S, const PetscReal lo[3], const PetscReal hi[3], PetscInt n, const PetscInt in[], PetscInt out[])
{
  const GaleSurface s = S->s;
  PetscReal         c[3], h[3];
  PetscInt          k = 0;

  for (int d = 0; d < 3; d++) {
    c[d] = 0.5 * (lo[d] + hi[d]);
    h[d] = 0.5 * (hi[d] - lo[d]);
  }
  for (PetscInt i = 0; i < n; i++) {
    const PetscInt t = in[i];
    PetscReal      v[3][3];
    for (int q = 0; q < 3; q++)
      for (int d = 0; d < 3; d++) v[q][d] = s->points[3 * s->tris[3 * t + q] + d] - c[d];
    if (TriBox(v, h)) out[k++] = t;
  }
  return k;
}

PetscInt GaleSearchBoxTriangles(GaleSearch S, const PetscReal lo[3], const PetscReal hi[3], PetscInt max, PetscInt tri[])
{
  return BoxQuery(S, lo, hi, max, tri, PETSC_FALSE);
}

PetscBool GaleSearchBoxOverlaps(GaleSearch S, const PetscReal lo[3], const PetscReal hi[3])
{
  return BoxQuery(S, lo, hi, 0, NULL, PETSC_TRUE) > 0 ? PETSC_TRUE : PETSC_FALSE;
}

/* Closest point q on triangle (a, b, c) to p (Ericson 5.1.5). */
void GaleClosestOnTriangle(const PetscReal p[3], const PetscReal *a, const PetscReal *b, const PetscReal *c, PetscReal q[3])
{
  PetscReal ab[3], ac[3], ap[3], bp[3], cp[3], d1, d2, d3, d4, d5, d6, va, vb, vc, v, w, den;

  for (int d = 0; d < 3; d++) {
    ab[d] = b[d] - a[d];
    ac[d] = c[d] - a[d];
    ap[d] = p[d] - a[d];
    bp[d] = p[d] - b[d];
    cp[d] = p[d] - c[d];
  }
  d1 = Dot3(ab, ap);
  d2 = Dot3(ac, ap);
  if (d1 <= 0 && d2 <= 0) {
    for (int d = 0; d < 3; d++) q[d] = a[d];
    return;
  }
  d3 = Dot3(ab, bp);
  d4 = Dot3(ac, bp);
  if (d3 >= 0 && d4 <= d3) {
    for (int d = 0; d < 3; d++) q[d] = b[d];
    return;
  }
  vc = d1 * d4 - d3 * d2;
  if (vc <= 0 && d1 >= 0 && d3 <= 0) {
    v = d1 / (d1 - d3);
    for (int d = 0; d < 3; d++) q[d] = a[d] + v * ab[d];
    return;
  }
  d5 = Dot3(ab, cp);
  d6 = Dot3(ac, cp);
  if (d6 >= 0 && d5 <= d6) {
    for (int d = 0; d < 3; d++) q[d] = c[d];
    return;
  }
  vb = d5 * d2 - d1 * d6;
  if (vb <= 0 && d2 >= 0 && d6 <= 0) {
    w = d2 / (d2 - d6);
    for (int d = 0; d < 3; d++) q[d] = a[d] + w * ac[d];
    return;
  }
  va = d3 * d6 - d5 * d4;
  if (va <= 0 && (d4 - d3) >= 0 && (d5 - d6) >= 0) {
    w = (d4 - d3) / ((d4 - d3) + (d5 - d6));
    for (int d = 0; d < 3; d++) q[d] = b[d] + w * (c[d] - b[d]);
    return;
  }
  den = va + vb + vc;
  if (!(den > 0)) { /* degenerate triangle: nearest vertex */
    for (int d = 0; d < 3; d++) q[d] = a[d];
    return;
  }
  v = vb / den;
  w = vc / den;
  for (int d = 0; d < 3; d++) q[d] = a[d] + ab[d] * v + ac[d] * w;
}

static inline PetscReal BoxDist2(const BNode *N, const PetscReal x[3])
{
  PetscReal s = 0;
  for (int d = 0; d < 3; d++) {
    PetscReal e = PetscMax(PetscMax(N->lo[d] - x[d], x[d] - N->hi[d]), 0);
    s += e * e;
  }
  return s;
}

PetscInt GaleSearchNearest(GaleSearch S, const PetscReal x[3], PetscReal maxDist, PetscReal *dist, PetscReal closest[3])
{
  PetscInt  stack[STACK_SIZE], ns = 0, best = -1;
  PetscReal best2 = maxDist < PETSC_MAX_REAL / 4 ? maxDist * maxDist : PETSC_MAX_REAL, bq[3] = {0, 0, 0};

  if (S->nTris) stack[ns++] = 0;
  while (ns) {
    const BNode *N = &S->node[stack[--ns]];
    if (BoxDist2(N, x) > best2) continue;
    if (N->count) {
      for (PetscInt i = N->first; i < N->first + N->count; i++) {
        PetscReal q[3], d2;
        GaleClosestOnTriangle(x, S->v + 9 * i, S->v + 9 * i + 3, S->v + 9 * i + 6, q);
        d2 = (q[0] - x[0]) * (q[0] - x[0]) + (q[1] - x[1]) * (q[1] - x[1]) + (q[2] - x[2]) * (q[2] - x[2]);
        if (d2 <= best2) {
          best2 = d2;
          best  = S->order[i];
          for (int d = 0; d < 3; d++) bq[d] = q[d];
        }
      }
    } else {
      const PetscInt  l = N->first, r = N->first + 1;
      const PetscBool lFirst = BoxDist2(&S->node[l], x) <= BoxDist2(&S->node[r], x) ? PETSC_TRUE : PETSC_FALSE;
      stack[ns++]            = lFirst ? r : l; /* the nearer child is popped first */
      stack[ns++]            = lFirst ? l : r;
    }
  }
  if (dist) *dist = best >= 0 ? PetscSqrtReal(best2) : PETSC_MAX_REAL;
  if (closest)
    for (int d = 0; d < 3; d++) closest[d] = bq[d];
  return best;
}

static PetscBool RayHitsBox(const BNode *N, const PetscReal o[3], const PetscReal dir[3])
{
  PetscReal t0 = 0, t1 = PETSC_MAX_REAL;
  for (int d = 0; d < 3; d++) {
    if (dir[d] == 0) {
      if (o[d] < N->lo[d] || o[d] > N->hi[d]) return PETSC_FALSE;
      continue;
    }
    PetscReal a = (N->lo[d] - o[d]) / dir[d], b = (N->hi[d] - o[d]) / dir[d];
    if (a > b) {
      PetscReal t = a;
      a           = b;
      b           = t;
    }
    t0 = PetscMax(t0, a);
    t1 = PetscMin(t1, b);
    if (t0 > t1) return PETSC_FALSE;
  }
  return PETSC_TRUE;
}

PetscInt GaleSearchRayCrossings(GaleSearch S, const PetscReal o[3], const PetscReal dir[3])
{
  PetscInt stack[STACK_SIZE], ns = 0, hits = 0;

  if (S->nTris) stack[ns++] = 0;
  while (ns) {
    const BNode *N = &S->node[stack[--ns]];
    if (!RayHitsBox(N, o, dir)) continue;
    if (!N->count) {
      stack[ns++] = N->first;
      stack[ns++] = N->first + 1;
      continue;
    }
    for (PetscInt i = N->first; i < N->first + N->count; i++) {
      const PetscReal *a = S->v + 9 * i, *b = a + 3, *c = a + 6;
      PetscReal        e1[3], e2[3], p[3], q[3], s[3], det, u, v, t;
      for (int d = 0; d < 3; d++) {
        e1[d] = b[d] - a[d];
        e2[d] = c[d] - a[d];
        s[d]  = o[d] - a[d];
      }
      Cross3(dir, e2, p);
      det = Dot3(e1, p);
      if (det == 0) continue;
      u = Dot3(s, p) / det;
      if (u < 0 || u > 1) continue;
      Cross3(s, e1, q);
      v = Dot3(dir, q) / det;
      if (v < 0 || u + v > 1) continue;
      t = Dot3(e2, q) / det;
      if (t > 0) hits++;
    }
  }
  return hits;
}

PetscBool GaleSearchIsClosed(GaleSearch S)
{
  return S->closed;
}

PetscInt GaleSearchOddRays(GaleSearch S, const PetscReal x[3], PetscInt nrays)
{
  /* fixed random directions: unlikely to graze edges of axis-aligned geometry */
  static const PetscReal dir[7][3] = {{-0.4161032521, 0.8316713916, -0.3676693895}, {-0.3135514201, -0.9255403068, -0.2122749339}, {0.7044539819, 0.2687176455, 0.6569135517},  {0.4956868536, 0.7861790826, 0.3690758638},
                                      {-0.8587900767, 0.4408484279, 0.2610215848},  {0.2011317397, -0.6819863534, -0.7031647297},  {-0.8467099469, -0.4456089018, 0.2907145892}};
  PetscInt               odd       = 0;

  for (PetscInt r = 0; r < PetscMin(nrays, 7); r++) odd += GaleSearchRayCrossings(S, x, dir[r]) % 2;
  return odd;
}

PetscBool GaleSearchInside(GaleSearch S, const PetscReal x[3])
{
  if (!S->closed) return PETSC_FALSE;
  return GaleSearchOddRays(S, x, 5) >= 3 ? PETSC_TRUE : PETSC_FALSE;
}

void GaleSearchTriangleNormal(GaleSearch S, PetscInt t, PetscReal n[3])
{
  for (int d = 0; d < 3; d++) n[d] = S->normal[3 * t + d];
}
