/* GaleSurfaceReport (gale_geometry.h): topology and self-intersection
 * checks of a surface, printed on rank 0 of comm (every rank computes the
 * same numbers from its own copy).
 *
 * Edges: each triangle contributes its three edges (lo, hi, direction) as
 * sorted 64-bit keys; an edge used by one triangle is open (the surface is
 * not watertight there), by more than two non-manifold, and by two in the
 * same direction inconsistently oriented (a neighbour's normal flipped).
 * Triangles with the same three points as another are counted as duplicates
 * (they also make their edges non-manifold).
 *
 * Self-intersections: pairs of triangles sharing no point that intersect,
 * found with a bounding-volume hierarchy over the triangles' boxes (median
 * split on the longest axis, four triangles per leaf; each triangle queries
 * the tree for overlapping boxes of higher-numbered triangles) and
 * Möller's interval-overlap test (T. Möller, "A fast triangle-triangle
 * intersection test", J. Graphics Tools 2(2), 1997), with plane distances
 * below 1e-12 of the pair's size counted as zero, so touching counts as
 * intersecting; coplanar pairs are tested in the projection that keeps most
 * of their area. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "gale_geometry.h"

#define REPORT_FIRST 3
#define BVH_LEAF 4

typedef struct {
  PetscReal lo[3], hi[3];
  PetscInt  child, start, count; /* leaf: count > 0, triangles perm[start..start+count); else children child, child+1 */
} BvhNode;

typedef struct {
  PetscInt   n, nNodes;
  BvhNode   *nodes;
  PetscInt  *perm;
  PetscReal *box, *cen; /* 6 and 3 per triangle */
} Bvh;

static inline void Sub(const PetscReal *a, const PetscReal *b, PetscReal *c)
{
  c[0] = a[0] - b[0], c[1] = a[1] - b[1], c[2] = a[2] - b[2];
}
static inline PetscReal Dot(const PetscReal *a, const PetscReal *b)
{
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}
static inline void Cross(const PetscReal *a, const PetscReal *b, PetscReal *c)
{
  c[0] = a[1] * b[2] - a[2] * b[1], c[1] = a[2] * b[0] - a[0] * b[2], c[2] = a[0] * b[1] - a[1] * b[0];
}

/* Reorder idx[0..n) so idx[k] holds the k-th smallest key (Hoare selection). */
static void Select(PetscInt *idx, PetscInt n, PetscInt k, const PetscReal *cen, int axis)
{
  PetscInt lo = 0, hi = n - 1;
  while (lo < hi) {
    const PetscReal pivot = cen[3 * idx[(lo + hi) / 2] + axis];
    PetscInt        i = lo, j = hi;
    while (i <= j) {
      while (cen[3 * idx[i] + axis] < pivot) i++;
      while (cen[3 * idx[j] + axis] > pivot) j--;
      if (i <= j) {
        const PetscInt t = idx[i];
        idx[i++]         = idx[j];
        idx[j--]         = t;
      }
    }
    if (k <= j)
      hi = j;
    else if (k >= i)
      lo = i;
    else
      break;
  }
}

static void BvhBuildNode(Bvh *h, PetscInt node, PetscInt start, PetscInt count)
{
  BvhNode  *nd = &h->nodes[node];
  PetscReal clo[3], chi[3];
  int       axis = 0;

  for (int d = 0; d < 3; d++) nd->lo[d] = clo[d] = PETSC_MAX_REAL, nd->hi[d] = chi[d] = PETSC_MIN_REAL;
  for (PetscInt k = start; k < start + count; k++) {
    const PetscInt t = h->perm[k];
    for (int d = 0; d < 3; d++) {
      nd->lo[d] = PetscMin(nd->lo[d], h->box[6 * t + d]);
      nd->hi[d] = PetscMax(nd->hi[d], h->box[6 * t + 3 + d]);
      clo[d]    = PetscMin(clo[d], h->cen[3 * t + d]);
      chi[d]    = PetscMax(chi[d], h->cen[3 * t + d]);
    }
  }
  nd->start = start;
  nd->count = count;
  if (count <= BVH_LEAF) return;
  for (int d = 1; d < 3; d++)
    if (chi[d] - clo[d] > chi[axis] - clo[axis]) axis = d;
  Select(h->perm + start, count, count / 2, h->cen, axis);
  nd->count = 0;
  nd->child = h->nNodes;
  h->nNodes += 2;
  BvhBuildNode(h, nd->child, start, count / 2);
  BvhBuildNode(h, h->nodes[node].child + 1, start + count / 2, count - count / 2);
}

static PetscErrorCode BvhCreate(GaleSurface s, Bvh *h)
{
  PetscFunctionBeginUser;
  h->n = s->nTris;
  PetscCall(PetscMalloc4(2 * (size_t)h->n + 1, &h->nodes, h->n, &h->perm, 6 * (size_t)h->n, &h->box, 3 * (size_t)h->n, &h->cen));
  for (PetscInt t = 0; t < h->n; t++) {
    const PetscInt *v = s->tris + 3 * t;
    h->perm[t]        = t;
    for (int d = 0; d < 3; d++) {
      const PetscReal a = s->points[3 * v[0] + d], b = s->points[3 * v[1] + d], c = s->points[3 * v[2] + d];
      h->box[6 * t + d]     = PetscMin(a, PetscMin(b, c));
      h->box[6 * t + 3 + d] = PetscMax(a, PetscMax(b, c));
      h->cen[3 * t + d]     = (a + b + c) / 3;
    }
  }
  h->nNodes = 1;
  BvhBuildNode(h, 0, 0, h->n); /* depth <= log2(n): median splits */
  PetscFunctionReturn(PETSC_SUCCESS);
}

static inline PetscBool BoxOverlap(const PetscReal *alo, const PetscReal *ahi, const PetscReal *blo, const PetscReal *bhi)
{
  return (PetscBool)(alo[0] <= bhi[0] && blo[0] <= ahi[0] && alo[1] <= bhi[1] && blo[1] <= ahi[1] && alo[2] <= bhi[2] && blo[2] <= ahi[2]);
}

static inline PetscReal Orient2(const PetscReal *a, const PetscReal *b, const PetscReal *c)
{
  return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
}

/* Closed 2D segments pq and rs intersect. */
static PetscBool SegSeg2(const PetscReal *p, const PetscReal *q, const PetscReal *r, const PetscReal *s)
{
  const PetscReal o1 = Orient2(p, q, r), o2 = Orient2(p, q, s), o3 = Orient2(r, s, p), o4 = Orient2(r, s, q);
  if (o1 == 0 && o2 == 0) { /* collinear: overlap of the projections on both axes */
    for (int d = 0; d < 2; d++)
      if (PetscMax(p[d], q[d]) < PetscMin(r[d], s[d]) || PetscMax(r[d], s[d]) < PetscMin(p[d], q[d])) return PETSC_FALSE;
    return PETSC_TRUE;
  }
  return (PetscBool)(o1 * o2 <= 0 && o3 * o4 <= 0);
}

static PetscBool InTri2(const PetscReal *p, const PetscReal t[3][2])
{
  const PetscReal a = Orient2(t[0], t[1], p), b = Orient2(t[1], t[2], p), c = Orient2(t[2], t[0], p);
  return (PetscBool)((a >= 0 && b >= 0 && c >= 0) || (a <= 0 && b <= 0 && c <= 0));
}

static PetscBool Coplanar(const PetscReal *N, const PetscReal *V[3], const PetscReal *U[3])
{
  const PetscReal A[3] = {PetscAbsReal(N[0]), PetscAbsReal(N[1]), PetscAbsReal(N[2])};
  const int       drop = A[0] >= A[1] && A[0] >= A[2] ? 0 : (A[1] >= A[2] ? 1 : 2), i0 = (drop + 1) % 3, i1 = (drop + 2) % 3;
  PetscReal       v[3][2], u[3][2];

  for (int k = 0; k < 3; k++) v[k][0] = V[k][i0], v[k][1] = V[k][i1], u[k][0] = U[k][i0], u[k][1] = U[k][i1];
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 3; b++)
      if (SegSeg2(v[a], v[(a + 1) % 3], u[b], u[(b + 1) % 3])) return PETSC_TRUE;
  return (PetscBool)(InTri2(v[0], u) || InTri2(u[0], v));
}

/* Möller's interval on the line of intersection, without division. */
static PetscBool Interval(const PetscReal p[3], const PetscReal d[3], PetscReal *A, PetscReal *B, PetscReal *C, PetscReal *X0, PetscReal *X1)
{
  int k;
  if (d[0] * d[1] > 0)
    k = 2;
  else if (d[0] * d[2] > 0)
    k = 1;
  else if (d[1] * d[2] > 0 || d[0] != 0)
    k = 0;
  else if (d[1] != 0)
    k = 1;
  else if (d[2] != 0)
    k = 2;
  else
    return PETSC_FALSE; /* coplanar */
  {
    const int i = (k + 1) % 3, j = (k + 2) % 3;
    *A  = p[k];
    *B  = (p[i] - p[k]) * d[k];
    *C  = (p[j] - p[k]) * d[k];
    *X0 = d[k] - d[i];
    *X1 = d[k] - d[j];
  }
  return PETSC_TRUE;
}

/* Signed distances (times |n|) of U's points from V's plane; near-zero ones set to 0. */
static void PlaneSides(const PetscReal *V0, const PetscReal *n, const PetscReal *U[3], PetscReal L, PetscReal d[3])
{
  const PetscReal tol = 1e-12 * PetscSqrtReal(Dot(n, n)) * L;
  for (int k = 0; k < 3; k++) {
    PetscReal e[3];
    Sub(U[k], V0, e);
    d[k] = Dot(n, e);
    if (PetscAbsReal(d[k]) <= tol) d[k] = 0;
  }
}

static PetscBool TriTri(const PetscReal *V[3], const PetscReal *U[3])
{
  PetscReal e1[3], e2[3], N1[3], N2[3], D[3], du[3], dv[3], L = 0, vp[3], up[3], a, b, c, x0, x1, dd, e, f, y0, y1, xx, yy, xxyy, i1[2], i2[2], t;
  int       idx = 0;

  for (int k = 0; k < 3; k++)
    for (int d = 0; d < 3; d++) L = PetscMax(L, PetscMax(PetscAbsReal(V[k][d] - V[0][d]), PetscAbsReal(U[k][d] - V[0][d])));
  Sub(V[1], V[0], e1), Sub(V[2], V[0], e2), Cross(e1, e2, N1);
  PlaneSides(V[0], N1, U, L, du);
  if (du[0] * du[1] > 0 && du[0] * du[2] > 0) return PETSC_FALSE;
  Sub(U[1], U[0], e1), Sub(U[2], U[0], e2), Cross(e1, e2, N2);
  PlaneSides(U[0], N2, V, L, dv);
  if (dv[0] * dv[1] > 0 && dv[0] * dv[2] > 0) return PETSC_FALSE;
  Cross(N1, N2, D);
  for (int d = 1; d < 3; d++)
    if (PetscAbsReal(D[d]) > PetscAbsReal(D[idx])) idx = d;
  for (int k = 0; k < 3; k++) vp[k] = V[k][idx], up[k] = U[k][idx];
  if (!Interval(vp, dv, &a, &b, &c, &x0, &x1)) return Coplanar(N1, V, U);
  if (!Interval(up, du, &dd, &e, &f, &y0, &y1)) return Coplanar(N1, V, U);
  xx    = x0 * x1;
  yy    = y0 * y1;
  xxyy  = xx * yy;
  i1[0] = a * xxyy + b * x1 * yy;
  i1[1] = a * xxyy + c * x0 * yy;
  i2[0] = dd * xxyy + e * xx * y1;
  i2[1] = dd * xxyy + f * xx * y0;
  if (i1[0] > i1[1]) t = i1[0], i1[0] = i1[1], i1[1] = t;
  if (i2[0] > i2[1]) t = i2[0], i2[0] = i2[1], i2[1] = t;
  return (PetscBool) !(i1[1] < i2[0] || i2[1] < i1[0]);
}

/* Where segment pq crosses triangle T, if it does (for locating an intersection). */
static PetscBool SegTri(const PetscReal *p, const PetscReal *q, const PetscReal *T[3], PetscReal x[3])
{
  PetscReal e1[3], e2[3], n[3], dp, dq, w[3];
  Sub(T[1], T[0], e1), Sub(T[2], T[0], e2), Cross(e1, e2, n);
  Sub(p, T[0], w), dp = Dot(n, w);
  Sub(q, T[0], w), dq = Dot(n, w);
  if (dp * dq > 0 || dp == dq) return PETSC_FALSE;
  for (int d = 0; d < 3; d++) x[d] = p[d] + (q[d] - p[d]) * dp / (dp - dq);
  for (int k = 0; k < 3; k++) {
    PetscReal a[3], b[3], c[3];
    Sub(T[(k + 1) % 3], T[k], a), Sub(x, T[k], b), Cross(a, b, c);
    if (Dot(c, n) < -1e-12 * Dot(n, n)) return PETSC_FALSE;
  }
  return PETSC_TRUE;
}

/* A point of the intersection of V and U: mean of the edge crossings found,
 * or of the two centroids (coplanar overlap). */
static void IntersectionPoint(const PetscReal *V[3], const PetscReal *U[3], PetscReal x[3])
{
  PetscReal y[3], sum[3] = {0, 0, 0};
  int       n = 0;
  for (int k = 0; k < 3; k++) {
    if (SegTri(V[k], V[(k + 1) % 3], U, y)) n++, sum[0] += y[0], sum[1] += y[1], sum[2] += y[2];
    if (SegTri(U[k], U[(k + 1) % 3], V, y)) n++, sum[0] += y[0], sum[1] += y[1], sum[2] += y[2];
  }
  if (!n)
    for (int k = 0; k < 3; k++) n += 2, sum[0] += V[k][0] + U[k][0], sum[1] += V[k][1] + U[k][1], sum[2] += V[k][2] + U[k][2];
  for (int d = 0; d < 3; d++) x[d] = sum[d] / n;
}

static PetscInt SelfIntersections(GaleSurface s, const Bvh *h, PetscInt first[][2])
{
  PetscInt count = 0, stack[128];
  for (PetscInt i = 0; i < s->nTris; i++) {
    const PetscInt  *vi   = s->tris + 3 * i;
    const PetscReal *V[3] = {s->points + 3 * vi[0], s->points + 3 * vi[1], s->points + 3 * vi[2]};
    const PetscReal *lo = h->box + 6 * i, *hi = lo + 3;
    PetscInt         top = 0;
    stack[top++]         = 0;
    while (top) {
      const BvhNode *nd = &h->nodes[stack[--top]];
      if (!BoxOverlap(lo, hi, nd->lo, nd->hi)) continue;
      if (!nd->count) {
        stack[top++] = nd->child;
        stack[top++] = nd->child + 1;
        continue;
      }
      for (PetscInt k = nd->start; k < nd->start + nd->count; k++) {
        const PetscInt   j = h->perm[k], *vj = s->tris + 3 * j;
        const PetscReal *U[3];
        if (j <= i || !BoxOverlap(lo, hi, h->box + 6 * j, h->box + 6 * j + 3)) continue;
        if (vj[0] == vi[0] || vj[0] == vi[1] || vj[0] == vi[2] || vj[1] == vi[0] || vj[1] == vi[1] || vj[1] == vi[2] || vj[2] == vi[0] || vj[2] == vi[1] || vj[2] == vi[2]) continue;
        U[0] = s->points + 3 * vj[0], U[1] = s->points + 3 * vj[1], U[2] = s->points + 3 * vj[2];
        if (!TriTri(V, U)) continue;
        if (count < REPORT_FIRST) first[count][0] = i, first[count][1] = j;
        count++;
      }
    }
  }
  return count;
}

/* Counts of open, non-manifold and inconsistently oriented edges, and the first few of the first two. */
static PetscErrorCode Edges(GaleSurface s, PetscInt *nOpen, PetscInt *nNonManifold, PetscInt *nMisoriented, PetscInt open[][2], PetscInt nonManifold[][2])
{
  const PetscInt64 np = s->nPoints;
  PetscInt64      *key;
  PetscInt         ne = 3 * s->nTris;

  PetscFunctionBeginUser;
  *nOpen = *nNonManifold = *nMisoriented = 0;
  PetscCall(PetscMalloc1(ne, &key));
  for (PetscInt t = 0; t < s->nTris; t++)
    for (int k = 0; k < 3; k++) {
      const PetscInt64 a = s->tris[3 * t + k], b = s->tris[3 * t + (k + 1) % 3];
      key[3 * t + k] = ((a < b ? a * np + b : b * np + a) << 1) | (a < b ? 0 : 1);
    }
  PetscCall(PetscSortInt64(ne, key));
  for (PetscInt i = 0, j; i < ne; i = j) {
    const PetscInt64 e   = key[i] >> 1;
    PetscInt         fwd = 0;
    for (j = i; j < ne && key[j] >> 1 == e; j++) fwd += !(key[j] & 1);
    if (j - i == 1) {
      if (*nOpen < REPORT_FIRST) open[*nOpen][0] = (PetscInt)(e / np), open[*nOpen][1] = (PetscInt)(e % np);
      (*nOpen)++;
    } else if (j - i > 2) {
      if (*nNonManifold < REPORT_FIRST) nonManifold[*nNonManifold][0] = (PetscInt)(e / np), nonManifold[*nNonManifold][1] = (PetscInt)(e % np);
      (*nNonManifold)++;
    } else if (fwd != 1)
      (*nMisoriented)++;
  }
  PetscCall(PetscFree(key));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static int CompareTriple(const void *x, const void *y)
{
  const PetscInt *a = (const PetscInt *)x, *b = (const PetscInt *)y;
  for (int k = 0; k < 3; k++)
    if (a[k] != b[k]) return a[k] < b[k] ? -1 : 1;
  return 0;
}

/* Triangles with the same three points as an earlier one (either orientation); the first few. */
static PetscErrorCode Duplicates(GaleSurface s, PetscInt *nDup, PetscInt first[])
{
  PetscInt *v;

  PetscFunctionBeginUser;
  *nDup = 0;
  PetscCall(PetscMalloc1(4 * (size_t)s->nTris, &v));
  for (PetscInt t = 0; t < s->nTris; t++) {
    PetscInt *w = v + 4 * t;
    for (int k = 0; k < 3; k++) w[k] = s->tris[3 * t + k];
    w[3] = t;
    PetscCall(PetscSortInt(3, w));
  }
  qsort(v, (size_t)s->nTris, 4 * sizeof(PetscInt), CompareTriple);
  for (PetscInt t = 1; t < s->nTris; t++)
    if (!CompareTriple(v + 4 * t, v + 4 * (t - 1))) {
      if (*nDup < REPORT_FIRST) first[*nDup] = v[4 * t + 3];
      (*nDup)++;
    }
  PetscCall(PetscFree(v));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode PrintEdges(MPI_Comm comm, GaleSurface s, PetscInt n, PetscInt e[][2])
{
  PetscFunctionBeginUser;
  for (PetscInt k = 0; k < PetscMin(n, REPORT_FIRST); k++) {
    const PetscReal *a = s->points + 3 * e[k][0], *b = s->points + 3 * e[k][1];
    PetscCall(PetscPrintf(comm, "    (%g, %g, %g) - (%g, %g, %g)\n", (double)a[0], (double)a[1], (double)a[2], (double)b[0], (double)b[1], (double)b[2]));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSurfaceReport(MPI_Comm comm, GaleSurface s, PetscInt *nOpenEdges, PetscInt *nIntersections)
{
  PetscInt nOpen, nNon, nMis, nInt, nDup, open[REPORT_FIRST][2], non[REPORT_FIRST][2], pairs[REPORT_FIRST][2], dup[REPORT_FIRST];
  Bvh      h = {0};

  PetscFunctionBeginUser;
  PetscCheck(s, comm, PETSC_ERR_ARG_NULL, "GaleSurfaceReport: surface is NULL");
  PetscCall(PetscPrintf(comm, "Surface: %" PetscInt_FMT " triangles, %" PetscInt_FMT " points, %" PetscInt_FMT " regions, bounding box [%g, %g] x [%g, %g] x [%g, %g]\n", s->nTris, s->nPoints, s->nRegions, (double)s->bbox[0], (double)s->bbox[3],
                        (double)s->bbox[1], (double)s->bbox[4], (double)s->bbox[2], (double)s->bbox[5]));
  for (PetscInt r = 0; r < PetscMin(s->nRegions, 20); r++) {
    PetscInt n = 0;
    for (PetscInt t = 0; t < s->nTris; t++) n += s->triRegion[t] == r;
    PetscCall(PetscPrintf(comm, "  region %" PetscInt_FMT " '%s': %" PetscInt_FMT " triangles\n", r, s->regionNames[r], n));
  }
  if (s->nRegions > 20) PetscCall(PetscPrintf(comm, "  ... and %" PetscInt_FMT " more regions\n", s->nRegions - 20));
  PetscCall(Edges(s, &nOpen, &nNon, &nMis, open, non));
  PetscCall(PetscPrintf(comm, "  open edges (one triangle): %" PetscInt_FMT "%s\n", nOpen, nOpen ? ", surface not watertight; first ones:" : " (watertight)"));
  PetscCall(PrintEdges(comm, s, nOpen, open));
  PetscCall(PetscPrintf(comm, "  non-manifold edges (more than two triangles): %" PetscInt_FMT "%s\n", nNon, nNon ? "; first ones:" : ""));
  PetscCall(PrintEdges(comm, s, nNon, non));
  PetscCall(PetscPrintf(comm, "  inconsistently oriented edges (two triangles, same direction): %" PetscInt_FMT "\n", nMis));
  PetscCall(Duplicates(s, &nDup, dup));
  PetscCall(PetscPrintf(comm, "  duplicate triangles (same three points as another): %" PetscInt_FMT "%s\n", nDup, nDup ? "; first ones:" : ""));
  for (PetscInt k = 0; k < PetscMin(nDup, REPORT_FIRST); k++) {
    const PetscInt *v = s->tris + 3 * dup[k];
    PetscReal       c[3];
    for (int d = 0; d < 3; d++) c[d] = (s->points[3 * v[0] + d] + s->points[3 * v[1] + d] + s->points[3 * v[2] + d]) / 3;
    PetscCall(PetscPrintf(comm, "    triangle %" PetscInt_FMT " at (%g, %g, %g)\n", dup[k], (double)c[0], (double)c[1], (double)c[2]));
  }
  if (s->nTris) {
    PetscCall(BvhCreate(s, &h));
    nInt = SelfIntersections(s, &h, pairs);
    PetscCall(PetscFree4(h.nodes, h.perm, h.box, h.cen));
  } else
    nInt = 0;
  PetscCall(PetscPrintf(comm, "  self-intersections (pairs of triangles sharing no point): %" PetscInt_FMT "%s\n", nInt, nInt ? "; first ones:" : ""));
  for (PetscInt k = 0; k < PetscMin(nInt, REPORT_FIRST); k++) {
    const PetscInt  *a = s->tris + 3 * pairs[k][0], *b = s->tris + 3 * pairs[k][1];
    const PetscReal *V[3] = {s->points + 3 * a[0], s->points + 3 * a[1], s->points + 3 * a[2]}, *U[3] = {s->points + 3 * b[0], s->points + 3 * b[1], s->points + 3 * b[2]};
    PetscReal        x[3];
    IntersectionPoint(V, U, x);
    PetscCall(PetscPrintf(comm, "    near (%g, %g, %g): triangles %" PetscInt_FMT " and %" PetscInt_FMT "\n", (double)x[0], (double)x[1], (double)x[2], pairs[k][0], pairs[k][1]));
  }
  if (nOpenEdges) *nOpenEdges = nOpen;
  if (nIntersections) *nIntersections = nInt;
  PetscFunctionReturn(PETSC_SUCCESS);
}
