/* Fluid leaves of a GaleOctree -> face-based GaleMesh.
 *
 * Cells are the fluid leaves in depth-first order (level-0 cells i fastest,
 * children in Morton order), which keeps neighbours close in memory.
 * Points are the corners of the fluid leaves plus the corners of the finer
 * leaves (fluid or not) across their sides, kept in a hash on the integer
 * grid. A side of a leaf becomes one face per leaf across it when those are
 * finer (the coarse cell is then a polyhedron with the split faces), else
 * one face. Every face polygon also takes the points lying on its edges
 * (found by halving each edge while the midpoint is a point), so the two
 * faces meeting at an edge list the same points and every cell is closed,
 * with no hanging nodes. Balance leaves at most one such midpoint per edge.
 * Faces follow GaleMesh: internal faces by owner, then neighbour (owner <
 * neighbour), right-hand normal out of the owner; then boundary faces
 * grouped by patch: the domain sides' patches, then the surface patches. A
 * face between a fluid leaf and a removed (cut) leaf goes to the patch of
 * the region of the surface triangle nearest to its centre. */
#include <stdint.h>
#include "gale_octree.h"

#define MAX_PIECES 64 /* leaves across one side (4 when balanced) */
#define MAX_POLY 64   /* points of one face (8 when balanced) */

/* tangential directions t1, t2 of a side normal to d, with e_t1 x e_t2 = e_d */
static const int Tangent[3][2] = {{1, 2}, {2, 0}, {0, 1}};

/* Open-addressing hash: integer grid position -> point id. */
typedef struct {
  size_t    cap;
  PetscInt *key; /* 3 per slot; key[3s] = -1: empty */
  PetscInt *id;
  PetscInt  n;
} PointHash;

static inline size_t HashSlot(const PointHash *h, const PetscInt u[3])
{
  uint64_t x = (uint64_t)(uint32_t)u[0] * 0x9E3779B97F4A7C15ULL ^ (uint64_t)(uint32_t)u[1] * 0xC2B2AE3D27D4EB4FULL ^ (uint64_t)(uint32_t)u[2] * 0x165667B19E3779F9ULL;
  size_t   s;
  x ^= x >> 29;
  for (s = (size_t)x & (h->cap - 1); h->key[3 * s] >= 0; s = (s + 1) & (h->cap - 1))
    if (h->key[3 * s] == u[0] && h->key[3 * s + 1] == u[1] && h->key[3 * s + 2] == u[2]) break;
  return s;
}

static inline PetscInt HashFind(const PointHash *h, const PetscInt u[3])
{
  const size_t s = HashSlot(h, u);
  return h->key[3 * s] >= 0 ? h->id[s] : -1;
}

static PetscErrorCode HashAlloc(PointHash *h, size_t cap)
{
  PetscFunctionBeginUser;
  h->cap = cap;
  PetscCall(PetscMalloc2(3 * cap, &h->key, cap, &h->id));
  for (size_t s = 0; s < cap; s++) h->key[3 * s] = -1;
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode HashInsert(PointHash *h, const PetscInt u[3])
{
  size_t s;

  PetscFunctionBeginUser;
  if (2 * (size_t)(h->n + 1) > h->cap) {
    PointHash g = {0};
    PetscCall(HashAlloc(&g, 2 * h->cap));
    for (size_t t = 0; t < h->cap; t++) {
      if (h->key[3 * t] < 0) continue;
      s = HashSlot(&g, h->key + 3 * t);
      for (int d = 0; d < 3; d++) g.key[3 * s + d] = h->key[3 * t + d];
      g.id[s] = h->id[t];
    }
    g.n = h->n;
    PetscCall(PetscFree2(h->key, h->id));
    *h = g;
  }
  s = HashSlot(h, u);
  if (h->key[3 * s] < 0) {
    for (int d = 0; d < 3; d++) h->key[3 * s + d] = u[d];
    h->id[s] = h->n++;
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Growable integer array. */
typedef struct {
  PetscInt *a;
  size_t    n, cap;
} IntBuf;

static PetscErrorCode BufPush(IntBuf *b, const PetscInt *v, size_t n)
{
  PetscFunctionBeginUser;
  if (b->n + n > b->cap) {
    size_t cap = PetscMax(2 * b->cap, b->n + n + 1024);
    PetscCall(PetscRealloc(sizeof(PetscInt) * cap, &b->a));
    b->cap = cap;
  }
  PetscCall(PetscArraycpy(b->a + b->n, v, n));
  b->n += n;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Points of the polygon between corners a and b (exclusive): midpoints
 * that are points, recursively. */
static PetscErrorCode EdgeMids(const PointHash *h, const PetscInt a[3], const PetscInt b[3], PetscInt *pts, PetscInt *np)
{
  PetscInt mid[3], id, len = 0;

  PetscFunctionBeginUser;
  for (int d = 0; d < 3; d++) {
    mid[d] = (a[d] + b[d]) / 2;
    len    = PetscMax(len, PetscAbsInt(b[d] - a[d]));
  }
  if (len < 2 || (id = HashFind(h, mid)) < 0) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(EdgeMids(h, a, mid, pts, np));
  PetscCheck(*np < MAX_POLY, PETSC_COMM_SELF, PETSC_ERR_PLIB, "octree face with more than %d points", MAX_POLY);
  pts[(*np)++] = id;
  PetscCall(EdgeMids(h, mid, b, pts, np));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Polygon of the rectangle [tlo, thi] on the plane u_d = p, normal +e_d
 * (hi) or -e_d, with the points on its edges (when mids is true: a face
 * between cells of different levels has none, as no leaf touching a cell is
 * more than one level finer). */
static PetscErrorCode FacePolygon(const PointHash *h, int d, int hi, PetscInt p, const PetscInt tlo[3], const PetscInt thi[3], PetscBool mids, PetscInt *pts, PetscInt *np)
{
  const int t1 = Tangent[d][0], t2 = Tangent[d][1];
  PetscInt  c[4][3];
  const int sel[4][2] = {{0, 0}, {1, 0}, {1, 1}, {0, 1}};

  PetscFunctionBeginUser;
  for (int q = 0; q < 4; q++) {
    const int k = hi ? q : (4 - q) % 4; /* reversed for the lower side */
    c[q][d]     = p;
    c[q][t1]    = sel[k][0] ? thi[t1] : tlo[t1];
    c[q][t2]    = sel[k][1] ? thi[t2] : tlo[t2];
  }
  *np = 0;
  for (int q = 0; q < 4; q++) {
    const PetscInt id = HashFind(h, c[q]);
    PetscCheck(id >= 0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "octree face corner is not a mesh point");
    pts[(*np)++] = id;
    if (mids) PetscCall(EdgeMids(h, c[q], c[(q + 1) % 4], pts, np));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Cells: fluid leaves in depth-first order. */
static PetscErrorCode NumberCells(GaleOctree o, PetscInt *cellOf, PetscInt *nCells)
{
  const PetscInt nroots = o->opt.cells[0] * o->opt.cells[1] * o->opt.cells[2];
  PetscInt      *stack, ns, nc = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(o->nChild * (o->maxLevel + 1) + 1, &stack));
  PetscCall(PetscFree(o->cellLeaf));
  PetscCall(PetscMalloc1(o->stats.nFluid + 1, &o->cellLeaf));
  for (PetscInt m = 0; m < o->nNodes; m++) cellOf[m] = -1;
  for (PetscInt r = 0; r < nroots; r++) {
    ns          = 0;
    stack[ns++] = r;
    while (ns) {
      const PetscInt m = stack[--ns];
      if (o->child[m] >= 0) {
        for (PetscInt c = o->nChild - 1; c >= 0; c--) stack[ns++] = o->child[m] + c;
      } else if (o->flag[m] & GALE_OCTREE_FLUID) {
        cellOf[m]         = nc;
        o->cellLeaf[nc++] = m;
      }
    }
  }
  PetscCall(PetscFree(stack));
  *nCells = nc;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Hash the corners of every fluid leaf and of the finer leaves across its sides. */
static PetscErrorCode CollectPoints(GaleOctree o, PetscInt nCells, PointHash *h)
{
  PetscFunctionBeginUser;
  for (PetscInt c = 0; c < nCells; c++) {
    const PetscInt m = o->cellLeaf[c];
    PetscInt       lo[3], hi[3];
    GaleOctreeNodeUnits(o, m, lo, hi);
    for (int k = 0; k < 8; k++) {
      const PetscInt u[3] = {k & 1 ? hi[0] : lo[0], k & 2 ? hi[1] : lo[1], k & 4 ? hi[2] : lo[2]};
      PetscCall(HashInsert(h, u));
    }
    for (int s = 0; s < 6; s++) {
      const int d = s / 2;
      PetscInt  nbr[MAX_PIECES], cnt;
      PetscCall(GaleOctreeSideLeaves(o, m, s, MAX_PIECES, nbr, &cnt));
      if (cnt == 0 || o->level[nbr[0]] <= o->level[m]) continue;
      for (PetscInt k = 0; k < cnt; k++) {
        PetscInt plo[3], phi[3], u[3];
        GaleOctreeNodeUnits(o, nbr[k], plo, phi);
        u[d] = s % 2 ? hi[d] : lo[d];
        for (int q = 0; q < 4; q++) {
          u[Tangent[d][0]] = q & 1 ? phi[Tangent[d][0]] : plo[Tangent[d][0]];
          u[Tangent[d][1]] = q & 2 ? phi[Tangent[d][1]] : plo[Tangent[d][1]];
          PetscCall(HashInsert(h, u));
        }
      }
    }
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The patch of every surface region when they all share one, else -1. */
static PetscInt SingleWallPatch(const GaleOctree o)
{
  PetscInt p = -1;
  for (PetscInt i = 0; i < o->nSurfaces; i++)
    for (PetscInt r = 0; r < o->surf[i].surface->nRegions; r++) {
      if (p >= 0 && o->surf[i].patchOfRegion[r] != p) return -1;
      p = o->surf[i].patchOfRegion[r];
    }
  return p;
}

/* Patch of a face on the surface: region of the nearest triangle, searched
 * within `range` (the diagonal of the cut cell beyond the face) first. */
static PetscErrorCode WallPatch(GaleOctree o, const PetscReal x[3], PetscReal range, PetscInt *patch)
{
  PetscReal best = range;

  PetscFunctionBeginUser;
  *patch = -1;
  for (int pass = 0; pass < 2 && *patch < 0; pass++, best = PETSC_MAX_REAL)
    for (PetscInt i = 0; i < o->nSurfaces; i++) {
      PetscReal      dist;
      const PetscInt t = GaleSearchNearest(o->surf[i].search, x, best, &dist, NULL);
      if (t < 0 || dist > best) continue;
      best   = dist;
      *patch = o->surf[i].patchOfRegion[o->surf[i].surface->triRegion[t]];
    }
  PetscCheck(*patch >= 0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "octree: a fluid cell borders a removed cell but no surface is near (%g, %g, %g)", (double)x[0], (double)x[1], (double)x[2]);
  PetscFunctionReturn(PETSC_SUCCESS);
}

typedef struct {
  IntBuf iOwner, iNbr, iOff, iPts;   /* internal faces, in final order */
  IntBuf bOwner, bPatch, bOff, bPts; /* boundary faces, in generation order */
} FaceBufs;

/* Local faces of one cell, sorted by neighbour before they are appended. */
typedef struct {
  PetscInt n, nbr[6 * MAX_PIECES], np[6 * MAX_PIECES], pts[6 * MAX_PIECES][MAX_POLY];
} CellFaces;

static PetscErrorCode PushBoundary(FaceBufs *F, PetscInt c, PetscInt patch, const PetscInt *pts, PetscInt np)
{
  PetscFunctionBeginUser;
  PetscCall(BufPush(&F->bOwner, &c, 1));
  PetscCall(BufPush(&F->bPatch, &patch, 1));
  PetscCall(BufPush(&F->bOff, &np, 1));
  PetscCall(BufPush(&F->bPts, pts, (size_t)np));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Patch of the face [tl, th] on plane p of direction d, towards the removed leaf [plo, phi]. */
static PetscErrorCode FaceWallPatch(GaleOctree o, int d, PetscInt p, const PetscInt tl[3], const PetscInt th[3], const PetscInt plo[3], const PetscInt phi[3], PetscInt *patch)
{
  PetscReal x[3], diag = 0;

  PetscFunctionBeginUser;
  *patch = o->wallPatch;
  if (*patch >= 0) PetscFunctionReturn(PETSC_SUCCESS);
  for (int e = 0; e < 3; e++) {
    x[e] = e == d ? GaleOctreeCoord(o, e, p) : 0.5 * (GaleOctreeCoord(o, e, tl[e]) + GaleOctreeCoord(o, e, th[e]));
    diag += PetscSqr((PetscReal)(phi[e] - plo[e]) * o->unit[e]);
  }
  PetscCall(WallPatch(o, x, 1.01 * PetscSqrtReal(diag), patch));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Faces of cell c: boundary faces straight to F; internal faces it owns
 * (neighbour c' > c) gathered in L and appended by increasing c'. */
static PetscErrorCode CellFacesOut(GaleOctree o, const PointHash *h, const PetscInt *cellOf, PetscInt c, CellFaces *L, FaceBufs *F, PetscBool *poly)
{
  const PetscInt m = o->cellLeaf[c];
  PetscInt       lo[3], hi[3], pts[MAX_POLY], np, order[6 * MAX_PIECES];

  PetscFunctionBeginUser;
  GaleOctreeNodeUnits(o, m, lo, hi);
  L->n  = 0;
  *poly = PETSC_FALSE;
  for (int s = 0; s < 6; s++) {
    const int      d = s / 2, up = s % 2;
    const PetscInt p = up ? hi[d] : lo[d];
    PetscInt       nbr[MAX_PIECES], cnt;
    PetscCall(GaleOctreeSideLeaves(o, m, s, MAX_PIECES, nbr, &cnt));
    if (cnt == 0) { /* domain boundary */
      PetscCall(FacePolygon(h, d, up, p, lo, hi, PETSC_TRUE, pts, &np));
      PetscCall(PushBoundary(F, c, o->sidePatch[s], pts, np));
      *poly = (PetscBool)(*poly || np > 4);
      continue;
    }
    if (cnt > 1) *poly = PETSC_TRUE;
    for (PetscInt k = 0; k < cnt; k++) {
      const PetscInt  n = nbr[k], nc = cellOf[n];
      PetscInt        plo[3], phi[3], patch;
      const PetscBool finer = (PetscBool)(o->level[n] > o->level[m]);
      if (nc >= 0 && nc < c) continue; /* written by the neighbour, its owner */
      GaleOctreeNodeUnits(o, n, plo, phi);
      PetscCall(FacePolygon(h, d, up, p, finer ? plo : lo, finer ? phi : hi, (PetscBool)(o->level[n] == o->level[m]), pts, &np));
      *poly = (PetscBool)(*poly || np > 4);
      if (nc < 0) { /* removed leaf: surface patch */
        PetscCall(FaceWallPatch(o, d, p, finer ? plo : lo, finer ? phi : hi, plo, phi, &patch));
        PetscCall(PushBoundary(F, c, patch, pts, np));
        o->stats.nWallFaces++;
        continue;
      }
      L->nbr[L->n] = nc;
      L->np[L->n]  = np;
      PetscCall(PetscArraycpy(L->pts[L->n], pts, np));
      order[L->n] = L->n;
      L->n++;
    }
  }
  for (PetscInt a = 1; a < L->n; a++) /* insertion sort by neighbour (at most 24) */
    for (PetscInt b = a; b > 0 && L->nbr[order[b - 1]] > L->nbr[order[b]]; b--) {
      const PetscInt t = order[b];
      order[b]         = order[b - 1];
      order[b - 1]     = t;
    }
  for (PetscInt a = 0; a < L->n; a++) {
    const PetscInt i = order[a];
    PetscCall(BufPush(&F->iOwner, &c, 1));
    PetscCall(BufPush(&F->iNbr, &L->nbr[i], 1));
    PetscCall(BufPush(&F->iOff, &L->np[i], 1));
    PetscCall(BufPush(&F->iPts, L->pts[i], (size_t)L->np[i]));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Copy the buffers into the mesh: internal faces as they are, boundary faces grouped by patch. */
static PetscErrorCode Assemble(GaleOctree o, const PointHash *h, PetscInt nCells, const FaceBufs *F, GaleMesh m)
{
  const PetscInt ni = (PetscInt)F->iOwner.n, nb = (PetscInt)F->bOwner.n;
  PetscInt      *start, *order, *boff, f, q;

  PetscFunctionBeginUser;
  PetscCheck(F->iPts.n + F->bPts.n < (size_t)PETSC_MAX_INT, o->comm, GALE_ERR_USER, "octree mesh too large for 32-bit indices");
  PetscCall(GaleMeshAllocate(m, h->n, ni + nb, ni, (PetscInt)(F->iPts.n + F->bPts.n), nCells, o->nPatches));
  for (size_t s = 0; s < h->cap; s++) {
    if (h->key[3 * s] < 0) continue;
    for (int d = 0; d < 3; d++) m->points[3 * h->id[s] + d] = GaleOctreeCoord(o, d, h->key[3 * s + d]);
  }
  m->faceOffsets[0] = 0;
  for (f = 0; f < ni; f++) {
    m->owner[f]           = F->iOwner.a[f];
    m->neighbour[f]       = F->iNbr.a[f];
    m->faceOffsets[f + 1] = m->faceOffsets[f] + F->iOff.a[f];
  }
  if (F->iPts.n) PetscCall(PetscArraycpy(m->facePoints, F->iPts.a, F->iPts.n));
  PetscCall(PetscCalloc3(o->nPatches + 1, &start, nb + 1, &order, nb + 1, &boff));
  for (PetscInt b = 0, s = 0; b < nb; s += F->bOff.a[b++]) {
    boff[b] = s;
    start[F->bPatch.a[b] + 1]++;
  }
  for (PetscInt p = 0; p < o->nPatches; p++) {
    PetscCall(PetscMemcpy(&m->patches[p], &o->patches[p], sizeof(GalePatch)));
    m->patches[p].start = ni + start[p];
    m->patches[p].size  = start[p + 1];
    start[p + 1] += start[p];
  }
  for (PetscInt b = 0; b < nb; b++) order[start[F->bPatch.a[b]]++] = b;
  for (PetscInt k = 0; k < nb; k++) {
    const PetscInt b = order[k], n = F->bOff.a[b];
    f                     = ni + k;
    m->owner[f]           = F->bOwner.a[b];
    m->faceOffsets[f + 1] = m->faceOffsets[f] + n;
    for (q = 0; q < n; q++) m->facePoints[m->faceOffsets[f] + q] = F->bPts.a[boff[b] + q];
  }
  PetscCall(PetscFree3(start, order, boff));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode FreeBufs(FaceBufs *F)
{
  IntBuf *all[8] = {&F->iOwner, &F->iNbr, &F->iOff, &F->iPts, &F->bOwner, &F->bPatch, &F->bOff, &F->bPts};

  PetscFunctionBeginUser;
  for (int i = 0; i < 8; i++) PetscCall(PetscFree(all[i]->a));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleOctreeBuildMesh(GaleOctree o, GaleMesh *mesh)
{
  PetscInt      *cellOf, nCells;
  PointHash      h = {0};
  FaceBufs       F;
  CellFaces     *L;
  GaleMesh       m;
  size_t         cap = 1024;
  PetscLogDouble t0, t1;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCall(PetscTime(&t0));
  PetscCheck(o->stats.nFluid > 0, o->comm, GALE_ERR_USER, "%sthe octree mesh has no fluid cells", o->opt.where);
  PetscCall(PetscMemzero(&F, sizeof(F)));
  PetscCall(PetscMalloc1(o->nNodes + 1, &cellOf));
  PetscCall(NumberCells(o, cellOf, &nCells));
  while (cap < 4 * (size_t)nCells) cap *= 2;
  PetscCall(HashAlloc(&h, cap));
  PetscCall(CollectPoints(o, nCells, &h));
  PetscCall(PetscNew(&L));
  o->stats.nPolyhedra = o->stats.nWallFaces = 0;
  o->wallPatch                              = SingleWallPatch(o);
  for (PetscInt c = 0; c < nCells; c++) {
    PetscBool poly;
    PetscCall(CellFacesOut(o, &h, cellOf, c, L, &F, &poly));
    o->stats.nPolyhedra += poly;
  }
  PetscCall(PetscFree(L));
  PetscCall(PetscFree(cellOf));
  PetscCall(GaleMeshCreate(o->comm, &m));
  ierr = Assemble(o, &h, nCells, &F, m);
  PetscCall(FreeBufs(&F));
  PetscCall(PetscFree2(h.key, h.id));
  if (ierr) PetscCall(GaleMeshDestroy(&m));
  PetscCall(ierr);
  PetscCall(GaleMeshComputeGeometry(m));
  PetscCall(GaleMeshSetSerialNumbering(m));
  PetscCall(PetscMalloc1(nCells + 1, &m->cellLevel)); /* for the quality report and mesh.h5 */
  for (PetscInt c = 0; c < nCells; c++) m->cellLevel[c] = o->level[o->cellLeaf[c]];
  PetscCall(PetscTime(&t1));
  o->stats.tMesh = t1 - t0;
  *mesh          = m;
  PetscFunctionReturn(PETSC_SUCCESS);
}
