/* Block mesh generator for the case's `mesh: blocks:` section (after
 * OpenFOAM's blockMesh), and GaleMeshBuildFromCase, which picks the block
 * generator, the polyMesh importer or the octree mesher (mesh/octree*.c).
 *
 * A block is a hexahedron given by 8 vertices X_c in blockMesh order. Its
 * points are the trilinear map
 *   x(u,v,w) = sum_c N_c(u,v,w) X_c,   N_c a product of (1-u)|u, (1-v)|v, (1-w)|w,
 * at graded parameters u_m = (1 - q^m) / (1 - q^n), q = r^(1/(n-1)): the cell
 * widths form a geometric progression with last/first = r (the grading).
 * Cells are numbered i fastest, then j, then k, block after block. Points on
 * block surfaces are merged across blocks with a spatial hash (tolerance
 * merge_tolerance times the shortest block edge, kept below a tenth of the
 * shortest cell edge on block surfaces); block-surface faces that then share
 * all four points become internal. Output follows OpenFOAM: internal faces
 * sorted by (owner, neighbour) with owner < neighbour, then boundary faces
 * grouped by patch in order of first appearance (blocks in order, faces
 * imin imax jmin jmax kmin kmax); every face's right-hand normal points out
 * of its owner. */
#include <stdint.h>
#include "gale_mesh.h"
#include "gale_case.h"
#include "gale_octree.h"

static const char *const SideName[6] = {"imin", "imax", "jmin", "jmax", "kmin", "kmax"};
/* tangential directions t1, t2 of a side normal to d, with e_t1 x e_t2 = e_d */
static const int Tangent[3][2] = {{1, 2}, {2, 0}, {0, 1}};

typedef struct {
  PetscInt n[3];       /* cells per direction */
  PetscInt sp[3];      /* raw point strides: 1, n0+1, (n0+1)(n1+1) */
  PetscInt cellStart;  /* first cell of the block */
  PetscInt pointStart; /* first raw point of the block */
  PetscInt off[6][4];  /* raw point offsets of a cell's side quad (outward order) from its base point */
} Blk;

/* One block-surface face: the cell inside, its quad (raw point ids, then
 * merged ids) ordered with the normal out of the block, and the sort key. */
typedef struct {
  PetscInt cell, q[4];
} SFace;

typedef struct {
  PetscInt key[4], f;
} SKey;

static inline PetscInt VertexOfCorner(int a, int b, int c)
{
  return 4 * c + (b ? (a ? 2 : 3) : (a ? 1 : 0));
}

static inline PetscReal Dist2(const PetscReal *a, const PetscReal *b)
{
  return (a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) + (a[2] - b[2]) * (a[2] - b[2]);
}

/* Check the block's numbers and that the hex is right-handed and not
 * degenerate at any corner (the edge triple at each vertex has positive
 * determinant). */
static PetscErrorCode CheckBlock(MPI_Comm comm, const GaleBlock *blk, PetscInt b)
{
  PetscInt npos = 0, bad = -1;

  PetscFunctionBeginUser;
  for (int d = 0; d < 3; d++) {
    PetscCheck(blk->cells[d] >= 1, comm, GALE_ERR_USER, "block %" PetscInt_FMT ": cells[%d] = %" PetscInt_FMT " (expected at least 1)", b, d, blk->cells[d]);
    PetscCheck(blk->grading[d] > 0 && PetscIsNormalReal(blk->grading[d]), comm, GALE_ERR_USER, "block %" PetscInt_FMT ": grading[%d] = %g (expected a positive expansion ratio)", b, d, (double)blk->grading[d]);
  }
  for (int v = 0; v < 8; v++)
    for (int d = 0; d < 3; d++) PetscCheck(!PetscIsInfOrNanReal(blk->vertices[v][d]), comm, GALE_ERR_USER, "block %" PetscInt_FMT ": vertex %d is not a finite number", b, v);
  for (int c = 0; c < 2; c++)
    for (int bb = 0; bb < 2; bb++)
      for (int a = 0; a < 2; a++) {
        const PetscReal *x  = blk->vertices[VertexOfCorner(a, bb, c)];
        const PetscReal *xi = blk->vertices[VertexOfCorner(1 - a, bb, c)], *xj = blk->vertices[VertexOfCorner(a, 1 - bb, c)], *xk = blk->vertices[VertexOfCorner(a, bb, 1 - c)];
        PetscReal        e[3][3], det;
        for (int d = 0; d < 3; d++) {
          e[0][d] = (xi[d] - x[d]) * (a ? -1 : 1);
          e[1][d] = (xj[d] - x[d]) * (bb ? -1 : 1);
          e[2][d] = (xk[d] - x[d]) * (c ? -1 : 1);
        }
        det = e[0][0] * (e[1][1] * e[2][2] - e[1][2] * e[2][1]) - e[0][1] * (e[1][0] * e[2][2] - e[1][2] * e[2][0]) + e[0][2] * (e[1][0] * e[2][1] - e[1][1] * e[2][0]);
        if (det > 0)
          npos++;
        else if (bad < 0)
          bad = VertexOfCorner(a, bb, c);
      }
  PetscCheck(npos > 0, comm, GALE_ERR_USER, "block %" PetscInt_FMT " is inside-out (vertices 0-3 must run counter-clockwise seen from vertices 4-7)", b);
  PetscCheck(npos == 8, comm, GALE_ERR_USER, "block %" PetscInt_FMT " is twisted or degenerate at vertex %" PetscInt_FMT " (expected a convex hexahedron in blockMesh vertex order)", b, bad);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Graded parameters lam[0..n] on [0,1] with last/first cell width = r. */
static void Grading(PetscInt n, PetscReal r, PetscReal *lam)
{
  if (n == 1 || PetscAbsReal(r - 1) < 1e-12) {
    for (PetscInt m = 0; m <= n; m++) lam[m] = (PetscReal)m / n;
    return;
  }
  const PetscReal q = PetscPowReal(r, 1.0 / (n - 1)), den = 1 - PetscPowReal(q, (PetscReal)n);
  PetscReal       qm = 1;
  for (PetscInt m = 0; m <= n; m++, qm *= q) lam[m] = (1 - qm) / den;
  lam[0] = 0;
  lam[n] = 1;
}

static PetscErrorCode GenerateBlockPoints(const GaleBlock *blk, const Blk *bi, PetscReal *X)
{
  const PetscReal(*V)[3] = blk->vertices;
  PetscReal *lam[3];

  PetscFunctionBeginUser;
  for (int d = 0; d < 3; d++) {
    PetscCall(PetscMalloc1(bi->n[d] + 1, &lam[d]));
    Grading(bi->n[d], blk->grading[d], lam[d]);
  }
  for (PetscInt k = 0; k <= bi->n[2]; k++) {
    const PetscReal w = lam[2][k];
    for (PetscInt j = 0; j <= bi->n[1]; j++) {
      const PetscReal v = lam[1][j];
      PetscReal       e[2][3]; /* ends of the i line: x(0,v,w), x(1,v,w) */
      for (int d = 0; d < 3; d++) {
        e[0][d] = (1 - w) * ((1 - v) * V[0][d] + v * V[3][d]) + w * ((1 - v) * V[4][d] + v * V[7][d]);
        e[1][d] = (1 - w) * ((1 - v) * V[1][d] + v * V[2][d]) + w * ((1 - v) * V[5][d] + v * V[6][d]);
      }
      PetscReal *x = X + 3 * (bi->sp[1] * j + bi->sp[2] * k);
      for (PetscInt i = 0; i <= bi->n[0]; i++) {
        const PetscReal u = lam[0][i];
        for (int d = 0; d < 3; d++) x[3 * i + d] = (1 - u) * e[0][d] + u * e[1][d];
      }
    }
  }
  for (int d = 0; d < 3; d++) PetscCall(PetscFree(lam[d]));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Faces of side s of block bi, in order (lower-numbered tangential direction
 * fastest), appended to sf with raw point ids. */
static void BlockSideFaces(const Blk *bi, int s, SFace *sf, PetscInt *nsf)
{
  const int d = s / 2, hi = s % 2;
  const int ta = PetscMin(Tangent[d][0], Tangent[d][1]), tb = PetscMax(Tangent[d][0], Tangent[d][1]);
  PetscInt  idx[3];

  idx[d] = hi ? bi->n[d] - 1 : 0;
  for (PetscInt b = 0; b < bi->n[tb]; b++)
    for (PetscInt a = 0; a < bi->n[ta]; a++) {
      SFace   *f = &sf[(*nsf)++];
      PetscInt base;
      idx[ta] = a;
      idx[tb] = b;
      f->cell = bi->cellStart + idx[0] + bi->n[0] * (idx[1] + bi->n[1] * idx[2]);
      base    = bi->pointStart + idx[0] + bi->sp[1] * idx[1] + bi->sp[2] * idx[2];
      for (int m = 0; m < 4; m++) f->q[m] = base + bi->off[s][m];
    }
}

/* Open-addressing hash of integer grid cells -> chain of representative points. */
typedef struct {
  size_t    cap;
  int64_t  *key;
  PetscInt *head;
} CellHash;

static inline size_t CellHashSlot(const CellHash *h, const int64_t k[3])
{
  uint64_t x = (uint64_t)k[0] * 0x9E3779B97F4A7C15ULL ^ (uint64_t)k[1] * 0xC2B2AE3D27D4EB4FULL ^ (uint64_t)k[2] * 0x165667B19E3779F9ULL;
  size_t   s;
  x ^= x >> 31;
  for (s = (size_t)x & (h->cap - 1); h->head[s] >= 0; s = (s + 1) & (h->cap - 1))
    if (h->key[3 * s] == k[0] && h->key[3 * s + 1] == k[1] && h->key[3 * s + 2] == k[2]) break;
  return s;
}

/* Merge raw points on block surfaces that lie within tol of each other.
 * On return rep[r] is the final point id of raw point r (points numbered in
 * order of first appearance) and *np the number of distinct points. */
static PetscErrorCode MergePoints(MPI_Comm comm, PetscInt nb, const Blk *bi, const PetscReal *X, PetscInt nraw, PetscReal tol, PetscReal extent, PetscInt *rep, PetscInt *np)
{
  const PetscReal h = PetscMax(tol, 1e-12 * extent), tol2 = tol * tol;
  PetscInt        nsurf = 0, ncand = 0, *cand, *next;
  CellHash        H;

  PetscFunctionBeginUser;
  for (PetscInt r = 0; r < nraw; r++) rep[r] = r;
  for (PetscInt b = 0; b < nb; b++) {
    const PetscInt *n = bi[b].n;
    nsurf += (n[0] + 1) * (n[1] + 1) * (n[2] + 1) - (n[0] - 1 > 0 ? n[0] - 1 : 0) * (n[1] - 1 > 0 ? n[1] - 1 : 0) * (n[2] - 1 > 0 ? n[2] - 1 : 0);
  }
  for (H.cap = 16; H.cap < 2 * (size_t)nsurf; H.cap *= 2) {}
  PetscCall(PetscMalloc1(3 * H.cap, &H.key));
  PetscCall(PetscMalloc1(H.cap, &H.head));
  for (size_t s = 0; s < H.cap; s++) H.head[s] = -1;
  PetscCall(PetscMalloc2(nsurf, &cand, nsurf, &next));
  for (PetscInt b = 0; b < nb; b++) {
    const PetscInt *n = bi[b].n;
    for (PetscInt k = 0; k <= n[2]; k++)
      for (PetscInt j = 0; j <= n[1]; j++) {
        const PetscBool face = (PetscBool)(k == 0 || k == n[2] || j == 0 || j == n[1]);
        for (PetscInt i = 0; i <= n[0]; i += (face || i == n[0]) ? 1 : n[0]) {
          const PetscInt   r = bi[b].pointStart + i + bi[b].sp[1] * j + bi[b].sp[2] * k;
          const PetscReal *x = X + 3 * r;
          int64_t          q[3], kk[3];
          PetscInt         found = -1;
          for (int d = 0; d < 3; d++) {
            PetscReal g = PetscFloorReal(x[d] / h);
            if (!(PetscAbsReal(g) < 1e15)) { /* free the work arrays before reporting */
              PetscCall(PetscFree2(cand, next));
              PetscCall(PetscFree(H.key));
              PetscCall(PetscFree(H.head));
              SETERRQ(comm, GALE_ERR_USER, "block %" PetscInt_FMT ": point (%g, %g, %g) is too far from the origin for merge tolerance %g", b, (double)x[0], (double)x[1], (double)x[2], (double)tol);
            }
            q[d] = (int64_t)g;
          }
          for (int dz = -1; dz <= 1 && found < 0; dz++)
            for (int dy = -1; dy <= 1 && found < 0; dy++)
              for (int dx = -1; dx <= 1 && found < 0; dx++) {
                size_t s;
                kk[0] = q[0] + dx;
                kk[1] = q[1] + dy;
                kk[2] = q[2] + dz;
                s     = CellHashSlot(&H, kk);
                for (PetscInt m = H.head[s]; m >= 0; m = next[m])
                  if (Dist2(x, X + 3 * cand[m]) <= tol2) {
                    found = cand[m];
                    break;
                  }
              }
          if (found >= 0)
            rep[r] = found;
          else {
            size_t s = CellHashSlot(&H, q);
            if (H.head[s] < 0)
              for (int d = 0; d < 3; d++) H.key[3 * s + d] = q[d];
            cand[ncand] = r;
            next[ncand] = H.head[s];
            H.head[s]   = ncand++;
          }
        }
      }
  }
  PetscCall(PetscFree2(cand, next));
  PetscCall(PetscFree(H.key));
  PetscCall(PetscFree(H.head));
  /* representatives precede the points merged into them: number in one pass */
  *np = 0;
  for (PetscInt r = 0; r < nraw; r++) rep[r] = (rep[r] == r) ? (*np)++ : rep[rep[r]];
  PetscFunctionReturn(PETSC_SUCCESS);
}

static int CompareSKey(const void *a, const void *b)
{
  const SKey *x = (const SKey *)a, *y = (const SKey *)b;
  for (int m = 0; m < 4; m++)
    if (x->key[m] != y->key[m]) return x->key[m] < y->key[m] ? -1 : 1;
  return (x->f > y->f) - (x->f < y->f);
}

static inline void Sort4(PetscInt k[4])
{
  for (int a = 1; a < 4; a++)
    for (int b = a; b > 0 && k[b - 1] > k[b]; b--) {
      PetscInt t = k[b];
      k[b]       = k[b - 1];
      k[b - 1]   = t;
    }
}

/* Pair up block-surface faces with the same four points: partner[f] is the
 * matching face or -1. Two faces match only when they are mirror images
 * (opposite orientation); anything else means overlapping blocks. */
static PetscErrorCode MatchFaces(MPI_Comm comm, PetscInt nsf, const SFace *sf, const PetscInt *sideOf, PetscInt *partner)
{
  SKey *keys;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(nsf + 1, &keys));
  for (PetscInt f = 0; f < nsf; f++) {
    for (int m = 0; m < 4; m++) keys[f].key[m] = sf[f].q[m];
    Sort4(keys[f].key);
    PetscCheck(keys[f].key[0] != keys[f].key[1] && keys[f].key[1] != keys[f].key[2] && keys[f].key[2] != keys[f].key[3], comm, GALE_ERR_USER, "block %" PetscInt_FMT " face %s has a collapsed cell face (points closer than the merge tolerance)",
               sideOf[f] / 6, SideName[sideOf[f] % 6]);
    keys[f].f  = f;
    partner[f] = -1;
  }
  qsort(keys, (size_t)nsf, sizeof(SKey), CompareSKey);
  for (PetscInt a = 0, e; a < nsf; a = e) {
    for (e = a + 1; e < nsf && !memcmp(keys[e].key, keys[a].key, sizeof(keys[a].key)); e++) {}
    if (e - a == 1) continue;
    {
      const PetscInt f = keys[a].f, g = keys[a + 1].f, *p = sf[f].q, *q = sf[g].q;
      int            at = 0, mirror = 1;
      PetscCheck(e - a == 2, comm, GALE_ERR_USER, "block %" PetscInt_FMT " face %s: a cell face is shared by %" PetscInt_FMT " block faces (blocks overlap)", sideOf[f] / 6, SideName[sideOf[f] % 6], e - a);
      while (q[at] != p[0]) at++;
      for (int m = 0; m < 4; m++) mirror = mirror && q[(at - m + 4) % 4] == p[m];
      PetscCheck(mirror && sf[f].cell != sf[g].cell, comm, GALE_ERR_USER, "block %" PetscInt_FMT " face %s and block %" PetscInt_FMT " face %s overlap instead of touching (both blocks lie on the same side of the shared face)", sideOf[f] / 6,
                 SideName[sideOf[f] % 6], sideOf[g] / 6, SideName[sideOf[g] % 6]);
      partner[f] = g;
      partner[g] = f;
    }
  }
  PetscCall(PetscFree(keys));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Every unnamed block face must be fully shared; a named one must keep at
 * least one boundary face. Assign patch ids in order of first appearance. */
static PetscErrorCode AssignPatches(MPI_Comm comm, const GaleCase *cs, const PetscInt *sideStart, const PetscInt *partner, PetscInt *patchOfSide, PetscInt *npatch)
{
  PetscFunctionBeginUser;
  *npatch = 0;
  for (PetscInt bs = 0; bs < 6 * cs->nblocks; bs++) {
    const char *name  = cs->blocks[bs / 6].patch[bs % 6];
    PetscInt    nfree = 0, ntot = sideStart[bs + 1] - sideStart[bs];
    for (PetscInt f = sideStart[bs]; f < sideStart[bs + 1]; f++) nfree += partner[f] < 0;
    patchOfSide[bs] = -1;
    if (!name[0]) {
      PetscCheck(nfree < ntot, comm, GALE_ERR_USER, "block %" PetscInt_FMT " face %s is not named and touches no other block", bs / 6, SideName[bs % 6]);
      PetscCheck(nfree == 0, comm, GALE_ERR_USER, "block %" PetscInt_FMT " face %s is not named and only partly touches other blocks (%" PetscInt_FMT " of %" PetscInt_FMT " cell faces touch nothing)", bs / 6, SideName[bs % 6], nfree, ntot);
      continue;
    }
    PetscCheck(nfree > 0, comm, GALE_ERR_USER, "block %" PetscInt_FMT " face %s is named '%s' but lies entirely against another block (leave the name of a shared face empty)", bs / 6, SideName[bs % 6], name);
    for (PetscInt prev = 0; prev < bs && patchOfSide[bs] < 0; prev++)
      if (patchOfSide[prev] >= 0 && !strcmp(cs->blocks[prev / 6].patch[prev % 6], name)) patchOfSide[bs] = patchOfSide[prev];
    if (patchOfSide[bs] < 0) patchOfSide[bs] = (*npatch)++;
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Internal faces: count per owner, write within-block faces in order, append
 * block-interface faces and sort each touched owner's few faces by neighbour. */
static PetscErrorCode FillInternalFaces(GaleMesh m, PetscInt nb, const Blk *bi, const PetscInt *rep, PetscInt nsf, const SFace *sf, const PetscInt *partner)
{
  PetscInt *pos;

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc1(m->nCells + 1, &pos));
  for (PetscInt b = 0; b < nb; b++) {
    const PetscInt *n = bi[b].n;
    PetscInt        c = bi[b].cellStart;
    for (PetscInt k = 0; k < n[2]; k++)
      for (PetscInt j = 0; j < n[1]; j++)
        for (PetscInt i = 0; i < n[0]; i++) pos[c++] = (i < n[0] - 1) + (j < n[1] - 1) + (k < n[2] - 1);
  }
  for (PetscInt f = 0; f < nsf; f++)
    if (partner[f] >= 0 && sf[f].cell < sf[partner[f]].cell) pos[sf[f].cell]++;
  for (PetscInt c = 0, s = 0; c <= m->nCells; c++) {
    PetscInt cnt = pos[c];
    pos[c]       = s;
    s += cnt;
  }
  for (PetscInt b = 0; b < nb; b++) {
    const PetscInt *n = bi[b].n, *sp = bi[b].sp;
    const PetscInt  cstride[3] = {1, n[0], n[0] * n[1]};
    PetscInt        c          = bi[b].cellStart;
    for (PetscInt k = 0; k < n[2]; k++)
      for (PetscInt j = 0; j < n[1]; j++)
        for (PetscInt i = 0; i < n[0]; i++, c++) {
          const PetscInt base = bi[b].pointStart + i + sp[1] * j + sp[2] * k, up[3] = {i < n[0] - 1, j < n[1] - 1, k < n[2] - 1};
          for (int d = 0; d < 3; d++) {
            if (!up[d]) continue;
            PetscInt  f  = pos[c]++;
            PetscInt *fp = m->facePoints + 4 * f;
            for (int q = 0; q < 4; q++) fp[q] = rep[base + bi[b].off[2 * d + 1][q]];
            m->owner[f]     = c;
            m->neighbour[f] = c + cstride[d];
          }
        }
  }
  for (PetscInt f = 0; f < nsf; f++) {
    PetscInt g = partner[f], o, fi;
    if (g < 0 || sf[f].cell > sf[g].cell) continue;
    o  = sf[f].cell;
    fi = pos[o]++;
    for (int q = 0; q < 4; q++) m->facePoints[4 * fi + q] = sf[f].q[q];
    m->owner[fi]     = o;
    m->neighbour[fi] = sf[g].cell;
    /* keep this owner's faces sorted by neighbour (insertion sort, few faces) */
    for (PetscInt a = fi; a > 0 && m->owner[a - 1] == o && m->neighbour[a - 1] > m->neighbour[a]; a--) {
      PetscInt t          = m->neighbour[a];
      m->neighbour[a]     = m->neighbour[a - 1];
      m->neighbour[a - 1] = t;
      for (int q = 0; q < 4; q++) {
        t                              = m->facePoints[4 * a + q];
        m->facePoints[4 * a + q]       = m->facePoints[4 * (a - 1) + q];
        m->facePoints[4 * (a - 1) + q] = t;
      }
    }
  }
  PetscCall(PetscFree(pos));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Temporaries of BuildBlockMesh, freed in one place whatever happens. */
typedef struct {
  Blk       *bi;
  PetscReal *X;
  PetscInt  *rep, *sideStart, *sideOf, *partner, *psize, *pcur;
  SFace     *sf;
  GaleMesh   m;
} BlockWork;

static PetscErrorCode BlockWorkFree(BlockWork *w)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree(w->bi));
  PetscCall(PetscFree(w->X));
  PetscCall(PetscFree(w->rep));
  PetscCall(PetscFree(w->sideStart));
  PetscCall(PetscFree(w->sideOf));
  PetscCall(PetscFree(w->partner));
  PetscCall(PetscFree(w->psize));
  PetscCall(PetscFree(w->pcur));
  PetscCall(PetscFree(w->sf));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Block layout: sizes, offsets, quad offsets, shortest block edge. */
static PetscErrorCode SetUpBlocks(MPI_Comm comm, const GaleCase *cs, Blk *bi, int64_t *ncells, int64_t *nraw, int64_t *nsf, int64_t *nint, PetscReal *extent)
{
  PetscFunctionBeginUser;
  *ncells = *nraw = *nsf = *nint = 0;
  *extent                        = PETSC_MAX_REAL;
  for (PetscInt b = 0; b < cs->nblocks; b++) {
    const GaleBlock *blk = &cs->blocks[b];
    Blk             *B   = &bi[b];
    PetscCall(CheckBlock(comm, blk, b));
    for (int d = 0; d < 3; d++) B->n[d] = blk->cells[d];
    B->sp[0]      = 1;
    B->sp[1]      = B->n[0] + 1;
    B->sp[2]      = (B->n[0] + 1) * (B->n[1] + 1);
    B->cellStart  = (PetscInt)*ncells;
    B->pointStart = (PetscInt)*nraw;
    *ncells += (int64_t)B->n[0] * B->n[1] * B->n[2];
    *nraw += (int64_t)(B->n[0] + 1) * (B->n[1] + 1) * (B->n[2] + 1);
    *nsf += 2 * ((int64_t)B->n[0] * B->n[1] + (int64_t)B->n[1] * B->n[2] + (int64_t)B->n[0] * B->n[2]);
    *nint += (int64_t)(B->n[0] - 1) * B->n[1] * B->n[2] + (int64_t)B->n[0] * (B->n[1] - 1) * B->n[2] + (int64_t)B->n[0] * B->n[1] * (B->n[2] - 1);
    PetscCheck(4 * (*nint + *nsf) < PETSC_MAX_INT && *nraw < PETSC_MAX_INT / 3, comm, GALE_ERR_USER, "mesh: blocks 0-%" PetscInt_FMT " give %lld cells, too many for 32-bit indices", b, (long long)*ncells);
    for (int s = 0; s < 6; s++) {
      const int d = s / 2, hi = s % 2, t1 = Tangent[d][0], t2 = Tangent[d][1];
      const int a[4] = {0, hi ? 1 : 0, 1, hi ? 0 : 1}, c[4] = {0, hi ? 0 : 1, 1, hi ? 1 : 0};
      for (int q = 0; q < 4; q++) B->off[s][q] = (hi ? B->sp[d] : 0) + a[q] * B->sp[t1] + c[q] * B->sp[t2];
    }
    for (int e = 0; e < 12; e++) { /* the 12 block edges, 4 along each direction */
      const int d = e / 4, r = e % 4, t1 = Tangent[d][0], t2 = Tangent[d][1];
      int       lo[3], up[3];
      lo[d]  = 0;
      up[d]  = 1;
      lo[t1] = up[t1] = r & 1;
      lo[t2] = up[t2] = r >> 1;
      *extent         = PetscMin(*extent, PetscSqrtReal(Dist2(blk->vertices[VertexOfCorner(lo[0], lo[1], lo[2])], blk->vertices[VertexOfCorner(up[0], up[1], up[2])])));
    }
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode BuildBlockMesh(MPI_Comm comm, const GaleCase *cs, BlockWork *w)
{
  const PetscInt nb = cs->nblocks;
  int64_t        ncells, nraw, nsf, nint;
  PetscReal      extent, minEdge = PETSC_MAX_REAL, tol;
  PetscInt       np = 0, patchOfSide[6 * GALE_MAX_BLOCKS], npatch, nbnd = 0;
  GaleMesh       m;

  PetscFunctionBeginUser;
  PetscCheck(nb >= 1 && nb <= GALE_MAX_BLOCKS, comm, GALE_ERR_USER, "mesh: %" PetscInt_FMT " blocks (expected 1 to %d)", nb, GALE_MAX_BLOCKS);
  PetscCheck(cs->merge_tolerance >= 0 && cs->merge_tolerance < 0.1, comm, GALE_ERR_USER, "mesh: merge_tolerance %g (expected a small relative tolerance in [0, 0.1))", (double)cs->merge_tolerance);
  PetscCall(PetscCalloc1(nb, &w->bi));
  PetscCall(SetUpBlocks(comm, cs, w->bi, &ncells, &nraw, &nsf, &nint, &extent));
  PetscCall(PetscMalloc1(3 * nraw, &w->X));
  for (PetscInt b = 0; b < nb; b++) PetscCall(GenerateBlockPoints(&cs->blocks[b], &w->bi[b], w->X + 3 * w->bi[b].pointStart));

  /* block-surface faces (raw ids) and the shortest cell edge on them */
  PetscCall(PetscMalloc1(nsf + 1, &w->sf));
  PetscCall(PetscMalloc1(nsf + 1, &w->sideOf));
  PetscCall(PetscMalloc1(nsf + 1, &w->partner));
  PetscCall(PetscMalloc1(6 * nb + 1, &w->sideStart));
  nsf = 0;
  for (PetscInt bs = 0; bs < 6 * nb; bs++) {
    PetscInt n0      = (PetscInt)nsf;
    w->sideStart[bs] = n0;
    BlockSideFaces(&w->bi[bs / 6], (int)(bs % 6), w->sf, &n0);
    for (PetscInt f = (PetscInt)nsf; f < n0; f++) {
      w->sideOf[f] = bs;
      for (int q = 0; q < 4; q++) minEdge = PetscMin(minEdge, Dist2(w->X + 3 * w->sf[f].q[q], w->X + 3 * w->sf[f].q[(q + 1) % 4]));
    }
    nsf = n0;
  }
  w->sideStart[6 * nb] = (PetscInt)nsf;
  tol                  = PetscMin(cs->merge_tolerance * extent, 0.1 * PetscSqrtReal(minEdge));

  PetscCall(PetscMalloc1(nraw, &w->rep));
  PetscCall(MergePoints(comm, nb, w->bi, w->X, (PetscInt)nraw, tol, extent, w->rep, &np));
  for (PetscInt f = 0; f < nsf; f++)
    for (int q = 0; q < 4; q++) w->sf[f].q[q] = w->rep[w->sf[f].q[q]];
  PetscCall(MatchFaces(comm, (PetscInt)nsf, w->sf, w->sideOf, w->partner));
  PetscCall(AssignPatches(comm, cs, w->sideStart, w->partner, patchOfSide, &npatch));
  for (PetscInt f = 0; f < nsf; f++) {
    if (w->partner[f] < 0)
      nbnd++;
    else if (w->partner[f] > f)
      nint++;
  }

  PetscCall(GaleMeshCreate(comm, &w->m));
  m = w->m;
  PetscCall(GaleMeshAllocate(m, np, (PetscInt)nint + nbnd, (PetscInt)nint, 4 * ((PetscInt)nint + nbnd), (PetscInt)ncells, npatch));
  for (PetscInt r = 0; r < nraw; r++)
    for (int d = 0; d < 3; d++) m->points[3 * w->rep[r] + d] = w->X[3 * r + d] * cs->mesh_scale;
  PetscCall(PetscFree(w->X));
  for (PetscInt f = 0; f <= m->nFaces; f++) m->faceOffsets[f] = 4 * f;
  PetscCall(FillInternalFaces(m, nb, w->bi, w->rep, (PetscInt)nsf, w->sf, w->partner));

  /* boundary faces grouped by patch, each patch in block/face order */
  PetscCall(PetscCalloc1(npatch + 1, &w->psize));
  PetscCall(PetscCalloc1(npatch + 1, &w->pcur));
  for (PetscInt f = 0; f < nsf; f++)
    if (w->partner[f] < 0) w->psize[patchOfSide[w->sideOf[f]]]++;
  for (PetscInt p = 0, s = (PetscInt)nint; p < npatch; s += w->psize[p++]) w->pcur[p] = s;
  for (PetscInt bs = 0; bs < 6 * nb; bs++) {
    const PetscInt p = patchOfSide[bs];
    if (p < 0 || m->patches[p].name[0]) continue;
    PetscCall(PetscStrncpy(m->patches[p].name, cs->blocks[bs / 6].patch[bs % 6], sizeof(m->patches[p].name)));
    PetscCall(PetscStrncpy(m->patches[p].type, "patch", sizeof(m->patches[p].type)));
    m->patches[p].start = w->pcur[p];
    m->patches[p].size  = w->psize[p];
  }
  for (PetscInt f = 0; f < nsf; f++) {
    PetscInt fi;
    if (w->partner[f] >= 0) continue;
    fi           = w->pcur[patchOfSide[w->sideOf[f]]]++;
    m->owner[fi] = w->sf[f].cell;
    for (int q = 0; q < 4; q++) m->facePoints[4 * fi + q] = w->sf[f].q[q];
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleMeshBuildFromCase(MPI_Comm comm, const GaleCase *cs, GaleMesh *mesh)
{
  GaleMesh m;

  PetscFunctionBeginUser;
  PetscCheck(cs && mesh, comm, PETSC_ERR_ARG_NULL, "GaleMeshBuildFromCase: NULL case or mesh argument");
  *mesh = NULL;
  PetscCheck(cs->mesh_scale > 0 && PetscIsNormalReal(cs->mesh_scale), comm, GALE_ERR_USER, "mesh: scale %g (expected a positive number)", (double)cs->mesh_scale);
  if (cs->mesh_source == GALE_MESH_POLYMESH || cs->mesh_source == GALE_MESH_OCTREE || cs->mesh_source == GALE_MESH_AIRFOIL || cs->mesh_source == GALE_MESH_GMSH) {
    if (cs->mesh_source == GALE_MESH_POLYMESH)
      PetscCall(GaleMeshReadPolyMesh(comm, cs->polymesh_dir, &m));
    else if (cs->mesh_source == GALE_MESH_GMSH)
      PetscCall(GaleMeshReadGmsh(comm, cs->gmsh_file, &m)); /* mesh/gmsh.c */
    else if (cs->mesh_source == GALE_MESH_AIRFOIL)
      PetscCall(GaleMeshBuildAirfoil(comm, &cs->airfoil, &m)); /* mesh/airfoil.c */
    else
      PetscCall(GaleMeshBuildOctree(comm, cs, &m)); /* mesh/octree_case.c */
    if (cs->mesh_scale == 1) {
      *mesh = m;
      PetscFunctionReturn(PETSC_SUCCESS);
    }
    for (PetscInt i = 0; i < 3 * m->nPoints; i++) m->points[i] *= cs->mesh_scale;
  } else {
    BlockWork      w;
    PetscErrorCode ierr;
    PetscCall(PetscMemzero(&w, sizeof(w)));
    ierr = BuildBlockMesh(comm, cs, &w);
    PetscCall(BlockWorkFree(&w));
    if (ierr) PetscCall(GaleMeshDestroy(&w.m));
    PetscCall(ierr);
    m = w.m;
  }
  PetscCall(GaleMeshComputeGeometry(m));
  PetscCall(GaleMeshSetSerialNumbering(m));
  *mesh = m;
  PetscFunctionReturn(PETSC_SUCCESS);
}
