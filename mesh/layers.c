/* Wall layers: prisms extruded from the faces of chosen boundary patches
 * (snappyHexMesh's addLayers in spirit), on the global serial mesh after
 * snapping. Every face of a chosen patch gets all its layers: where the
 * mesh cannot take the full thickness they thin locally instead of being
 * dropped (snappyHexMesh covers 25-73 % of an F1 car's walls).
 *
 * 1. Layer faces: the boundary faces of the chosen patches; layer points:
 *    their points. A point on a face of another boundary (the ground under a
 *    car, the empty front and back of a 2D case) keeps to that face's plane:
 *    up to three independent unit normals of such faces constrain it.
 * 2. The other boundary face on each edge of a layer face is found by going
 *    around the edge through the fluid cells. Where more than two boundary
 *    faces share an edge (two cells of the staircase touching along it
 *    only), its points are pinned: no thickness there.
 * 3. Normal of a layer point into the fluid: area-weighted mean of -Sf of
 *    its layer faces (boundary Sf points out of the domain), with the
 *    components along its constraints removed, pushed towards the faces
 *    (and the faces' triangles next to the point) it does not see; a point
 *    whose normal still misses one (a fin one cell thick) is pinned.
 * 4. Total thickness T: from the outermost layer relative to the local cell
 *    size h (median of the wall cell's extents, the 2D thickness left out) or
 *    from an absolute first layer; t_i = t_1 r^(i-1), T = t_1 (r^n-1)/(r-1).
 *    T <= (K+1)/2 of the height of every cell around the point along the
 *    normal (with K rings of points behind sharing the move the cell loses
 *    T/(K+1), at most half its height), and at most half the distance at
 *    which its normal meets a neighbour's (a concave bend, two walls
 *    facing each other across a cell), then smoothed over the surface (only
 *    ever lowered).
 * 5. P' = P + T n. Every existing face that had P now has P' (the cells
 *    shrink away from the wall); the K rings of points behind move by
 *    (K+1-l)/(K+1) of the displacement (as snapping's smoothing), within
 *    their own constraints.
 * 6. Per layer face f (polygon p1..pk) n cells: the wall face is the bottom
 *    of layer 0, faces between layers, the top (points P') is an internal
 *    face to the original owner. Per edge (a,b) of f the side quads
 *    (a_i, a_i+1, b_i+1, b_i) (triangles at a pinned point, none between
 *    two) are internal when the other boundary face on the edge is a layer
 *    face too, else boundary faces of its patch.
 * 7. Checks: positive volume of every new or moved cell, positive face
 *    pyramids of the moved original cells, non-orthogonality of internal
 *    faces below the limit or no worse than before. A layer cell keeps its
 *    shape as it thins, so the checks run first at a thousandth of the
 *    thickness: a layer cell of no volume there gets its face excluded (the
 *    mesh is built again without layers on it, its points pinned); cells
 *    failing the other checks there are reported, not backed off for.
 *    (Face pyramids of layer cells are not checked: a layer thinner than
 *    its wall face is warped turns one over whatever its quality.)
 * 8. Back-off: the thickness at the layer points of a failing cell (and the
 *    move of its other points, halved, when it has no layer point) is
 *    scaled by 0.7, for `iterations` passes, then for failing volumes only.
 * The topology is built once per attempt; back-off passes only move points. */
#include "gale_layers.h"
#include <stdlib.h>

#define GALE_LAYER_MAX_PASSES 60   /* back-off passes at most (the volume-only ones included) */
#define GALE_LAYER_FOCAL 0.5       /* of the distance at which neighbouring normals meet: the most a layer may take there */
#define GALE_LAYER_BACKOFF 0.7     /* thickness factor per back-off pass at a failing cell (on the F3 car 0.5 leaves the layers at 0.43 of the target on average, 0.7 at 0.50) */
#define GALE_LAYER_DEGENERATE 1e-9 /* a face this much smaller than its cell's largest has collapsed (pinned points): not checked */

typedef struct {
  PetscInt a, b, f, e; /* edge a < b, boundary face f, edge index e in f (from point e to e+1) */
} BEdge;

typedef struct {
  GaleMesh       m, out;
  PetscInt       np, nc, nf, ni, n, K;
  PetscInt       nLF, *LF, *lfOf, *lfOff; /* layer faces; index of each face in LF or -1; offsets of their edges */
  PetscInt       nLP, *LP, *lpid;         /* layer points; index of each point in LP or -1 */
  PetscInt      *partner;                 /* per layer-face edge: the other boundary face on it */
  unsigned char *pinned;                  /* per layer point: no thickness (edge of more than two boundary faces, no direction into the fluid, on an excluded face) */
  unsigned char *excl;                    /* per face: a face of a chosen patch that gets no layers */
  PetscInt      *ncon;                    /* constraints per point (<= 3) */
  PetscReal     *con;                     /* 9 per point: unit normals of the boundaries it keeps to */
  PetscReal     *nrm, *T, *Tt, *s;        /* per layer point; s[i]: level i at s[i] T from the wall */
  PetscInt      *eOff, *eAdj;             /* point-point edges */
  PetscReal     *disp, *iscale;           /* displacement of every point; back-off scale of the interior ones */
  PetscInt      *cOff, *cFace;            /* cells -> faces of the original mesh */
  PetscInt      *oOff, *oFace;            /* ... of the new mesh */
  PetscReal     *cos0;                    /* non-orthogonality cosine of the original internal faces */
  unsigned char *active;                  /* new-mesh cells that are new or have a moved point */
  PetscReal     *amax;                    /* largest face area of each new-mesh cell */
  unsigned char *hopeless;                /* new-mesh cells failing the soft checks however thin the layers: not backed off for them */
} Layers;

static inline PetscReal Dot(const PetscReal a[3], const PetscReal b[3])
{
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

/* Point p at level i (0: the wall, n: the top of the layers); a pinned
 * point is its own image at every level (no zero-length edges, no faces of
 * zero area: the layer cells become wedges there). */
static inline PetscInt Level(const Layers *L, PetscInt p, PetscInt i)
{
  return i == 0 || L->pinned[L->lpid[p]] ? p : L->np + L->lpid[p] * L->n + i - 1;
}

/* Faces of every cell, CSR. */
static PetscErrorCode CellFaces(const GaleMesh m, PetscInt **off, PetscInt **face)
{
  PetscInt *pos;

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc1(m->nCells + 1, off));
  PetscCall(PetscMalloc1(m->nFaces + m->nInternalFaces + 1, face));
  PetscCall(PetscMalloc1(m->nCells + 1, &pos));
  for (PetscInt f = 0; f < m->nFaces; f++) {
    (*off)[m->owner[f] + 1]++;
    if (f < m->nInternalFaces) (*off)[m->neighbour[f] + 1]++;
  }
  for (PetscInt c = 0; c < m->nCells; c++) (*off)[c + 1] += (*off)[c];
  for (PetscInt c = 0; c < m->nCells; c++) pos[c] = (*off)[c];
  for (PetscInt f = 0; f < m->nFaces; f++) {
    (*face)[pos[m->owner[f]]++] = f;
    if (f < m->nInternalFaces) (*face)[pos[m->neighbour[f]]++] = f;
  }
  PetscCall(PetscFree(pos));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Point-point edges (consecutive points of every face), CSR, each once. */
static PetscErrorCode BuildEdges(Layers *L)
{
  const GaleMesh m = L->m;
  PetscInt      *pos, w = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc1(L->np + 1, &L->eOff));
  PetscCall(PetscCalloc1(L->np + 1, &pos));
  for (PetscInt f = 0; f < L->nf; f++) {
    const PetscInt s = m->faceOffsets[f], k = m->faceOffsets[f + 1] - s;
    for (PetscInt i = 0; i < k; i++) {
      L->eOff[m->facePoints[s + i] + 1]++;
      L->eOff[m->facePoints[s + (i + 1) % k] + 1]++;
    }
  }
  for (PetscInt p = 0; p < L->np; p++) L->eOff[p + 1] += L->eOff[p];
  PetscCall(PetscMalloc1(L->eOff[L->np] + 1, &L->eAdj));
  for (PetscInt p = 0; p < L->np; p++) pos[p] = L->eOff[p];
  for (PetscInt f = 0; f < L->nf; f++) {
    const PetscInt s = m->faceOffsets[f], k = m->faceOffsets[f + 1] - s;
    for (PetscInt i = 0; i < k; i++) {
      const PetscInt a = m->facePoints[s + i], b = m->facePoints[s + (i + 1) % k];
      L->eAdj[pos[a]++] = b;
      L->eAdj[pos[b]++] = a;
    }
  }
  for (PetscInt p = 0; p < L->np; p++) {
    const PetscInt b = L->eOff[p], e = L->eOff[p + 1], start = w;
    PetscCall(PetscSortInt(e - b, L->eAdj + b));
    for (PetscInt k = b; k < e; k++)
      if (k == b || L->eAdj[k] != L->eAdj[k - 1]) L->eAdj[w++] = L->eAdj[k];
    L->eOff[p] = start;
  }
  L->eOff[L->np] = w;
  PetscCall(PetscFree(pos));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Layer faces and points from the chosen patches. */
static PetscErrorCode FindLayerFaces(Layers *L, const GaleLayerOptions *opt, GaleLayerStats *st)
{
  const GaleMesh m = L->m;
  PetscBool     *chosen;

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc1(m->nPatches + 1, &chosen));
  for (PetscInt k = 0; k < opt->nPatches; k++) {
    const PetscInt p = GaleMeshFindPatch(m, opt->patches[k]);
    if (p < 0) {
      char list[1024] = "";
      for (PetscInt q = 0; q < m->nPatches; q++) {
        PetscCall(PetscStrlcat(list, q ? ", " : "", sizeof(list)));
        PetscCall(PetscStrlcat(list, m->patches[q].name, sizeof(list)));
      }
      PetscCall(PetscFree(chosen));
      SETERRQ(m->comm, GALE_ERR_USER, "%sthe mesh has no patch '%s' (its patches: %s)", opt->where, opt->patches[k], list);
    }
    chosen[p] = PETSC_TRUE;
  }
  PetscCall(PetscMalloc1(L->nf + 1, &L->lfOf));
  PetscCall(PetscMalloc1(L->np + 1, &L->lpid));
  for (PetscInt f = 0; f < L->nf; f++) L->lfOf[f] = -1;
  for (PetscInt p = 0; p < L->np; p++) L->lpid[p] = -1;
  L->nLF = 0;
  for (PetscInt p = 0; p < m->nPatches; p++)
    if (chosen[p]) L->nLF += m->patches[p].size;
  st->nLayerFaces = L->nLF;
  PetscCall(PetscMalloc1(L->nLF + 1, &L->LF));
  PetscCall(PetscMalloc1(L->nLF + 1, &L->lfOff));
  L->nLF      = 0;
  L->lfOff[0] = 0;
  for (PetscInt f = L->ni; f < L->nf; f++) {
    PetscInt p;
    for (p = 0; p < m->nPatches && !(f >= m->patches[p].start && f < m->patches[p].start + m->patches[p].size); p++) {}
    if (p == m->nPatches || !chosen[p] || L->excl[f]) continue;
    L->lfOf[f]           = L->nLF;
    L->LF[L->nLF]        = f;
    L->lfOff[L->nLF + 1] = L->lfOff[L->nLF] + m->faceOffsets[f + 1] - m->faceOffsets[f];
    L->nLF++;
  }
  PetscCall(PetscFree(chosen));
  L->nLP = 0;
  for (PetscInt j = 0; j < L->nLF; j++)
    for (PetscInt k = m->faceOffsets[L->LF[j]]; k < m->faceOffsets[L->LF[j] + 1]; k++)
      if (L->lpid[m->facePoints[k]] < 0) L->lpid[m->facePoints[k]] = L->nLP++;
  PetscCall(PetscMalloc1(L->nLP + 1, &L->LP));
  for (PetscInt p = 0; p < L->np; p++)
    if (L->lpid[p] >= 0) L->LP[L->lpid[p]] = p;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Remove from v its components along point p's constraints. */
static void Project(const Layers *L, PetscInt p, PetscReal v[3])
{
  for (PetscInt k = 0; k < L->ncon[p]; k++) {
    const PetscReal *c = L->con + 9 * p + 3 * k, a = Dot(v, c);
    for (int d = 0; d < 3; d++) v[d] -= a * c[d];
  }
}

/* The planes each point must stay in: a side of the mesh's bounding box
 * it lies on (the ground under a car, where its tyres' faces reach the
 * ground plane: those points are on no ground face), then the unit normals
 * of the non-layer boundary faces around it, orthonormalised; a normal
 * within ~11 degrees of the span of those kept already (a snapped curved
 * wall) adds nothing. */
static PetscErrorCode Constraints(Layers *L)
{
  const GaleMesh m     = L->m;
  PetscReal      lo[3] = {PETSC_MAX_REAL, PETSC_MAX_REAL, PETSC_MAX_REAL}, hi[3] = {-PETSC_MAX_REAL, -PETSC_MAX_REAL, -PETSC_MAX_REAL};
  unsigned char *wallSide;

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc1(L->np + 1, &L->ncon));
  PetscCall(PetscCalloc1(9 * L->np + 1, &L->con));
  for (PetscInt p = 0; p < L->np; p++)
    for (int d = 0; d < 3; d++) lo[d] = PetscMin(lo[d], m->points[3 * p + d]), hi[d] = PetscMax(hi[d], m->points[3 * p + d]);
  /* a layer face on a side of the box (a channel's wall) moves its points off that side */
  PetscCall(PetscCalloc1(L->np + 1, &wallSide));
  for (PetscInt j = 0; j < L->nLF; j++) {
    const PetscInt f = L->LF[j];
    for (int d = 0; d < 3; d++) {
      PetscBool onLo = PETSC_TRUE, onHi = PETSC_TRUE;
      for (PetscInt k = m->faceOffsets[f]; k < m->faceOffsets[f + 1]; k++) {
        onLo = (PetscBool)(onLo && m->points[3 * m->facePoints[k] + d] == lo[d]);
        onHi = (PetscBool)(onHi && m->points[3 * m->facePoints[k] + d] == hi[d]);
      }
      if (onLo || onHi)
        for (PetscInt k = m->faceOffsets[f]; k < m->faceOffsets[f + 1]; k++) wallSide[m->facePoints[k]] |= (unsigned char)(1 << d);
    }
  }
  for (PetscInt p = 0; p < L->np; p++)
    for (int d = 0; d < 3; d++)
      if ((m->points[3 * p + d] == lo[d] || m->points[3 * p + d] == hi[d]) && !(wallSide[p] & (1 << d))) L->con[9 * p + 3 * L->ncon[p]++ + d] = 1;
  PetscCall(PetscFree(wallSide));
  for (PetscInt f = L->ni; f < L->nf; f++) {
    const PetscReal *Sf = m->faceAreas + 3 * f, mag = m->faceMagAreas[f];
    if (L->lfOf[f] >= 0 || !(mag > 0)) continue;
    for (PetscInt k = m->faceOffsets[f]; k < m->faceOffsets[f + 1]; k++) {
      const PetscInt p = m->facePoints[k];
      PetscReal      v[3], len;
      if (L->ncon[p] == 3) continue;
      for (int d = 0; d < 3; d++) v[d] = Sf[d] / mag;
      Project(L, p, v);
      len = PetscSqrtReal(Dot(v, v));
      if (len < 0.2) continue;
      for (int d = 0; d < 3; d++) L->con[9 * p + 3 * L->ncon[p] + d] = v[d] / len;
      L->ncon[p]++;
    }
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Smallest cosine between n and the unit normals into the fluid of the
 * layer faces around layer point k, and of the two triangles of each face
 * next to the point (faces are split into triangles around their mean
 * point for the geometry: a warped face's triangles matter). */
static PetscReal MinCos(const Layers *L, const PetscInt *pfOff, const PetscInt *pfFace, PetscInt k, const PetscReal n[3])
{
  const GaleMesh m    = L->m;
  const PetscInt p    = L->LP[k];
  PetscReal      cmin = 1;

  for (PetscInt q = pfOff[k]; q < pfOff[k + 1]; q++) {
    const PetscInt  f = pfFace[q], s = m->faceOffsets[f], nk = m->faceOffsets[f + 1] - s;
    const PetscInt *fp    = m->facePoints + s;
    PetscReal       xm[3] = {0, 0, 0};
    PetscInt        i;
    cmin = PetscMin(cmin, -Dot(n, m->faceAreas + 3 * f) / PetscMax(m->faceMagAreas[f], PETSC_SMALL * PETSC_SMALL));
    for (i = 0; i < nk && fp[i] != p; i++) {}
    if (i == nk) continue;
    for (PetscInt j = 0; j < nk; j++)
      for (int d = 0; d < 3; d++) xm[d] += m->points[3 * fp[j] + d] / nk;
    for (int side = 0; side < 2; side++) {
      const PetscReal *a = m->points + 3 * fp[side ? (i + nk - 1) % nk : i], *b = m->points + 3 * fp[side ? i : (i + 1) % nk];
      PetscReal        e1[3], e2[3], t[3], len;
      for (int d = 0; d < 3; d++) e1[d] = b[d] - a[d], e2[d] = xm[d] - a[d];
      t[0] = e1[1] * e2[2] - e1[2] * e2[1], t[1] = e1[2] * e2[0] - e1[0] * e2[2], t[2] = e1[0] * e2[1] - e1[1] * e2[0];
      len = PetscSqrtReal(Dot(t, t));
      if (len > 0) cmin = PetscMin(cmin, -Dot(n, t) / len);
    }
  }
  return cmin;
}

/* Normal of every layer point: the area-weighted mean of -Sf, within its
 * constraints; where it does not see every face around the point (a sharp
 * edge, a fin one cell thick whose two sides share points) it is pushed
 * towards the faces it misses a few times, and if it still misses one the
 * point is pinned (no thickness): a layer cell extruded along a normal
 * pointing into the wall would have negative volume however thin. */
static PetscErrorCode Normals(Layers *L, GaleLayerStats *st)
{
  const GaleMesh  m    = L->m;
  const PetscReal cmin = 0.1;
  PetscInt       *pfOff, *pfFace, *pos;

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc1(3 * L->nLP + 1, &L->nrm));
  PetscCall(PetscCalloc1(L->nLP + 1, &pfOff));
  PetscCall(PetscMalloc2(L->lfOff[L->nLF] + 1, &pfFace, L->nLP + 1, &pos));
  for (PetscInt j = 0; j < L->nLF; j++) {
    const PetscInt f = L->LF[j];
    for (PetscInt k = m->faceOffsets[f]; k < m->faceOffsets[f + 1]; k++) {
      for (int d = 0; d < 3; d++) L->nrm[3 * L->lpid[m->facePoints[k]] + d] -= m->faceAreas[3 * f + d];
      pfOff[L->lpid[m->facePoints[k]] + 1]++;
    }
  }
  for (PetscInt k = 0; k < L->nLP; k++) pfOff[k + 1] += pfOff[k];
  for (PetscInt k = 0; k < L->nLP; k++) pos[k] = pfOff[k];
  for (PetscInt j = 0; j < L->nLF; j++)
    for (PetscInt k = m->faceOffsets[L->LF[j]]; k < m->faceOffsets[L->LF[j] + 1]; k++) pfFace[pos[L->lpid[m->facePoints[k]]]++] = L->LF[j];
  for (PetscInt k = 0; k < L->nLP; k++) {
    PetscReal *n = L->nrm + 3 * k, len = PetscSqrtReal(Dot(n, n));
    if (L->ncon[L->LP[k]]) st->nConstrained++;
    for (int it = 0; it < 20; it++) {
      for (int d = 0; d < 3; d++) n[d] = len > 0 ? n[d] / len : 0;
      Project(L, L->LP[k], n);
      len = PetscSqrtReal(Dot(n, n));
      if (!(len > 0.05)) break; /* (nearly) normal to the boundary it must stay on: no room to grow */
      for (int d = 0; d < 3; d++) n[d] /= len;
      if (MinCos(L, pfOff, pfFace, k, n) >= cmin) break;
      for (PetscInt q = pfOff[k]; q < pfOff[k + 1]; q++) {
        const PetscInt   f  = pfFace[q];
        const PetscReal *Sf = m->faceAreas + 3 * f, mag = PetscMax(m->faceMagAreas[f], PETSC_SMALL * PETSC_SMALL), c = -Dot(n, Sf) / mag;
        if (c < cmin)
          for (int d = 0; d < 3; d++) n[d] -= (cmin - c + 0.1) * Sf[d] / mag;
      }
      len = PetscSqrtReal(Dot(n, n));
    }
    /* the last push may have left the constraints' planes */
    for (int d = 0; d < 3; d++) n[d] = len > 0 ? n[d] / len : 0;
    Project(L, L->LP[k], n);
    len = PetscSqrtReal(Dot(n, n));
    for (int d = 0; d < 3; d++) n[d] = len > 0.05 ? n[d] / len : 0;
    if (!(len > 0.05) || MinCos(L, pfOff, pfFace, k, n) < 0.5 * cmin) {
      for (int d = 0; d < 3; d++) n[d] = 0;
      if (!L->pinned[k]) st->nPinned++;
      L->pinned[k] = 1;
    }
  }
  PetscCall(PetscFree(pfOff));
  PetscCall(PetscFree2(pfFace, pos));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Local cell size: median of the cell's extents (3D) or the larger of the
 * two in-plane extents (2D), which a cell flattened by snapping keeps. */
static PetscErrorCode CellSizes(const Layers *L, PetscReal *hc)
{
  const GaleMesh m        = L->m;
  int            emptyDir = -1;

  PetscFunctionBeginUser;
  for (PetscInt p = 0; p < m->nPatches; p++) {
    if (strcmp(m->patches[p].type, "empty") || !m->patches[p].size) continue;
    {
      const PetscReal *Sf = m->faceAreas + 3 * m->patches[p].start;
      emptyDir            = PetscAbsReal(Sf[0]) > PetscAbsReal(Sf[1]) ? (PetscAbsReal(Sf[0]) > PetscAbsReal(Sf[2]) ? 0 : 2) : (PetscAbsReal(Sf[1]) > PetscAbsReal(Sf[2]) ? 1 : 2);
    }
  }
  for (PetscInt c = 0; c < L->nc; c++) {
    PetscReal lo[3] = {PETSC_MAX_REAL, PETSC_MAX_REAL, PETSC_MAX_REAL}, hi[3] = {-PETSC_MAX_REAL, -PETSC_MAX_REAL, -PETSC_MAX_REAL}, e[3], t;
    for (PetscInt q = L->cOff[c]; q < L->cOff[c + 1]; q++) {
      const PetscInt f = L->cFace[q];
      for (PetscInt k = m->faceOffsets[f]; k < m->faceOffsets[f + 1]; k++)
        for (int d = 0; d < 3; d++) {
          lo[d] = PetscMin(lo[d], m->points[3 * m->facePoints[k] + d]);
          hi[d] = PetscMax(hi[d], m->points[3 * m->facePoints[k] + d]);
        }
    }
    for (int d = 0; d < 3; d++) e[d] = hi[d] - lo[d];
    if (emptyDir >= 0) {
      hc[c] = PetscMax(e[(emptyDir + 1) % 3], e[(emptyDir + 2) % 3]);
      continue;
    }
    if (e[0] > e[1]) t = e[0], e[0] = e[1], e[1] = t;
    if (e[1] > e[2]) t = e[1], e[1] = e[2], e[2] = t;
    if (e[0] > e[1]) t = e[0], e[0] = e[1], e[1] = t;
    hc[c] = e[1];
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Target thickness, limited by the cells around each point, smoothed. */
static PetscErrorCode Thickness(Layers *L, const GaleLayerOptions *opt, GaleLayerStats *st)
{
  const GaleMesh  m = L->m;
  const PetscReal r = opt->expansion, n = (PetscReal)L->n;
  PetscReal      *hc, *hp, *height, *cnt, *blocked, geo;
  PetscInt       *stamp;

  PetscFunctionBeginUser;
  /* T / t_1 = (r^n - 1)/(r - 1) = sum of r^i, i < n */
  geo = 0;
  for (PetscInt i = 0; i < L->n; i++) geo += PetscPowReal(r, (PetscReal)i);
  PetscCall(PetscMalloc1(L->n + 1, &L->s));
  L->s[0] = 0;
  for (PetscInt i = 1; i <= L->n; i++) L->s[i] = L->s[i - 1] + PetscPowReal(r, (PetscReal)(i - 1)) / geo;
  L->s[L->n] = 1;
  PetscCall(PetscMalloc5(L->nc + 1, &hc, L->nLP + 1, &hp, L->nLP + 1, &height, L->nLP + 1, &cnt, L->nLP + 1, &blocked));
  PetscCall(PetscMalloc2(L->nLP + 1, &L->T, L->nLP + 1, &L->Tt));
  PetscCall(PetscMalloc1(L->np + 1, &stamp));
  PetscCall(CellSizes(L, hc));
  for (PetscInt k = 0; k < L->nLP; k++) hp[k] = cnt[k] = 0, height[k] = blocked[k] = PETSC_MAX_REAL;
  for (PetscInt j = 0; j < L->nLF; j++) {
    const PetscInt f = L->LF[j];
    for (PetscInt k = m->faceOffsets[f]; k < m->faceOffsets[f + 1]; k++) {
      hp[L->lpid[m->facePoints[k]]] += hc[m->owner[f]];
      cnt[L->lpid[m->facePoints[k]]] += 1;
    }
  }
  for (PetscInt p = 0; p < L->np; p++) stamp[p] = -1;
  /* height of every cell around a layer point along its normal; a cell lying
   * wholly behind the point (concave corners) is not squashed by its move.
   * A point ahead that cannot follow the normal (on the ground below a car's
   * floor) blocks the layers at half the distance to it. */
  for (PetscInt c = 0; c < L->nc; c++)
    for (PetscInt q = L->cOff[c]; q < L->cOff[c + 1]; q++) {
      const PetscInt f = L->cFace[q];
      for (PetscInt k = m->faceOffsets[f]; k < m->faceOffsets[f + 1]; k++) {
        const PetscInt   p = m->facePoints[k], lp = L->lpid[p];
        const PetscReal *nn   = L->nrm + 3 * PetscMax(lp, 0);
        PetscReal        hmax = 0;
        if (lp < 0 || stamp[p] == c) continue;
        stamp[p] = c;
        for (PetscInt q2 = L->cOff[c]; q2 < L->cOff[c + 1]; q2++) {
          const PetscInt f2 = L->cFace[q2];
          for (PetscInt k2 = m->faceOffsets[f2]; k2 < m->faceOffsets[f2 + 1]; k2++) {
            const PetscInt   qq = m->facePoints[k2];
            const PetscReal *x = m->points + 3 * qq, *y = m->points + 3 * p, dist = (x[0] - y[0]) * nn[0] + (x[1] - y[1]) * nn[1] + (x[2] - y[2]) * nn[2];
            hmax = PetscMax(hmax, dist);
            if (dist > 0 && L->lpid[qq] < 0 && L->ncon[qq]) {
              PetscReal v[3] = {nn[0], nn[1], nn[2]};
              Project(L, qq, v);
              if (Dot(v, v) < 0.5) blocked[lp] = PetscMin(blocked[lp], dist);
            }
          }
        }
        if (hmax > 0) height[lp] = PetscMin(height[lp], hmax);
      }
    }
  for (PetscInt k = 0; k < L->nLP; k++) {
    const PetscReal h = hp[k] / PetscMax(cnt[k], 1), cap = 0.5 * (PetscReal)(L->K + 1) * height[k];
    L->Tt[k] = opt->firstThickness > 0 ? opt->firstThickness * geo : opt->finalThickness * h * geo / PetscPowReal(r, n - 1);
    L->T[k]  = PetscMin(PetscMin(L->Tt[k], cap), 0.5 * blocked[k]);
    if (L->pinned[k] || (L->nrm[3 * k] == 0 && L->nrm[3 * k + 1] == 0 && L->nrm[3 * k + 2] == 0) || !(L->T[k] > 0)) L->T[k] = 0, L->pinned[k] = 1;
  }
  /* converging normals: two layer points whose normals meet at distance
   * F (a concave bend of radius F, two walls 2F apart across a cell) take
   * at most F/2 each, or their layers would cross */
  for (PetscInt k = 0; k < L->nLP; k++) {
    const PetscInt   p  = L->LP[k];
    const PetscReal *np = L->nrm + 3 * k;
    for (PetscInt e = L->eOff[p]; e < L->eOff[p + 1]; e++) {
      const PetscInt   q = L->eAdj[e], lq = L->lpid[q];
      const PetscReal *nq = L->nrm + 3 * PetscMax(lq, 0);
      PetscReal        dx[3], dn[3], c;
      if (lq < 0) continue;
      for (int d = 0; d < 3; d++) dx[d] = m->points[3 * q + d] - m->points[3 * p + d], dn[d] = nq[d] - np[d];
      c = Dot(dn, dx);
      if (c < 0) L->T[k] = PetscMin(L->T[k], GALE_LAYER_FOCAL * Dot(dx, dx) / -c);
    }
  }
  /* smooth: each point at most half-way to the mean of its layer neighbours */
  for (int it = 0; it < 3; it++) {
    for (PetscInt k = 0; k < L->nLP; k++) {
      const PetscInt p   = L->LP[k];
      PetscReal      sum = 0;
      PetscInt       nn  = 0;
      for (PetscInt e = L->eOff[p]; e < L->eOff[p + 1]; e++)
        if (L->lpid[L->eAdj[e]] >= 0) sum += L->T[L->lpid[L->eAdj[e]]], nn++;
      hp[k] = nn ? PetscMin(L->T[k], 0.5 * L->T[k] + 0.5 * sum / nn) : L->T[k];
    }
    for (PetscInt k = 0; k < L->nLP; k++) L->T[k] = hp[k];
  }
  for (PetscInt k = 0; k < L->nLP; k++)
    if (L->T[k] < L->Tt[k] * (1 - 1e-12)) st->nLimited++;
  PetscCall(PetscFree5(hc, hp, height, cnt, blocked));
  PetscCall(PetscFree(stamp));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static int CompareEdge(const void *x, const void *y)
{
  const BEdge *a = (const BEdge *)x, *b = (const BEdge *)y;
  if (a->a != b->a) return a->a < b->a ? -1 : 1;
  if (a->b != b->b) return a->b < b->b ? -1 : 1;
  if (a->f != b->f) return a->f < b->f ? -1 : 1;
  return (a->e > b->e) - (a->e < b->e);
}

static PetscBool FaceHasEdge(const GaleMesh m, PetscInt f, PetscInt a, PetscInt b)
{
  const PetscInt s = m->faceOffsets[f], k = m->faceOffsets[f + 1] - s;
  for (PetscInt i = 0; i < k; i++) {
    const PetscInt x = m->facePoints[s + i], y = m->facePoints[s + (i + 1) % k];
    if ((x == a && y == b) || (x == b && y == a)) return PETSC_TRUE;
  }
  return PETSC_FALSE;
}

/* From boundary face f, around the edge (a, b) through the fluid cells
 * (each has two faces on the edge) to the next boundary face, or -1. */
static PetscInt AroundEdge(const Layers *L, PetscInt f, PetscInt a, PetscInt b)
{
  const GaleMesh m = L->m;
  PetscInt       c = m->owner[f], prev = f;

  for (int it = 0; it < 256; it++) {
    PetscInt g = -1;
    for (PetscInt q = L->cOff[c]; q < L->cOff[c + 1] && g < 0; q++)
      if (L->cFace[q] != prev && FaceHasEdge(m, L->cFace[q], a, b)) g = L->cFace[q];
    if (g < 0 || g >= L->ni) return g;
    c    = m->owner[g] == c ? m->neighbour[g] : m->owner[g];
    prev = g;
  }
  return -1;
}

/* The other boundary face on every edge of every layer face: the one met
 * first going around the edge through the fluid. Where more than two
 * boundary faces share an edge (two cells touching only along it, a
 * pinch of the octree's staircase) the points of the edge cannot move
 * (one position for two wedges of fluid): they are pinned, and the layers
 * thin to nothing there. */
static PetscErrorCode Partners(Layers *L, const char *where, GaleLayerStats *st)
{
  const GaleMesh m  = L->m;
  PetscInt       nb = 0;
  BEdge         *E;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(m->faceOffsets[L->nf] - m->faceOffsets[L->ni] + 1, &E));
  for (PetscInt f = L->ni; f < L->nf; f++) {
    const PetscInt s = m->faceOffsets[f], k = m->faceOffsets[f + 1] - s;
    for (PetscInt e = 0; e < k; e++) {
      const PetscInt a = m->facePoints[s + e], b = m->facePoints[s + (e + 1) % k];
      E[nb].a = PetscMin(a, b), E[nb].b = PetscMax(a, b), E[nb].f = f, E[nb].e = e;
      nb++;
    }
  }
  qsort(E, (size_t)nb, sizeof(*E), CompareEdge);
  PetscCall(PetscMalloc1(L->lfOff[L->nLF] + 1, &L->partner));
  PetscCall(PetscCalloc1(L->nLP + 1, &L->pinned));
  for (PetscInt s = 0, t; s < nb; s = t) {
    PetscBool layer = PETSC_FALSE;
    for (t = s; t < nb && E[t].a == E[s].a && E[t].b == E[s].b; t++) layer = (PetscBool)(layer || L->lfOf[E[t].f] >= 0);
    if (!layer) continue;
    for (PetscInt u = s; u < t; u++) {
      const BEdge   *me = &E[u];
      const PetscInt g  = t - s == 2 ? E[2 * s + 1 - u].f : AroundEdge(L, me->f, me->a, me->b);
      if (L->lfOf[me->f] < 0) continue;
      if ((t - s) % 2 || g < 0 || g == me->f) {
        const PetscReal *x = m->points + 3 * E[s].a, *y = m->points + 3 * E[s].b;
        PetscCall(PetscFree(E));
        SETERRQ(m->comm, GALE_ERR_USER, "%sthe boundary edge (%g, %g, %g)-(%g, %g, %g) of a layer face belongs to %" PetscInt_FMT " boundary faces (expected an even number: layers need a closed boundary)", where, (double)x[0], (double)x[1],
                (double)x[2], (double)y[0], (double)y[1], (double)y[2], t - s);
      }
      L->partner[L->lfOff[L->lfOf[me->f]] + me->e] = g;
      if (t - s > 2) L->pinned[L->lpid[me->a]] = L->pinned[L->lpid[me->b]] = 1;
    }
  }
  PetscCall(PetscFree(E));
  for (PetscInt j = 0; j < L->nLF; j++)
    for (PetscInt e = 0; e < L->lfOff[j + 1] - L->lfOff[j]; e++) {
      const PetscInt jg = L->lfOf[L->partner[L->lfOff[j] + e]];
      if (jg < 0)
        st->nSideBoundary++;
      else if (jg > j)
        st->nSideInternal++;
    }
  for (PetscInt k = 0; k < L->nLP; k++) st->nPinned += L->pinned[k];
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Points of the side face of layer i on edge e of layer face j, ordered
 * out of that face's layer cell: (a_i, a_i+1, b_i+1, b_i), a triangle where
 * one end is pinned; returns how many (< 3: no face, both ends pinned). */
static PetscInt SideFace(const Layers *L, PetscInt j, PetscInt e, PetscInt i, PetscInt q[4])
{
  const GaleMesh m = L->m;
  const PetscInt f = L->LF[j], s = m->faceOffsets[f], k = m->faceOffsets[f + 1] - s;
  const PetscInt a = m->facePoints[s + e], b = m->facePoints[s + (e + 1) % k];
  const PetscInt r[4] = {Level(L, a, i), Level(L, a, i + 1), Level(L, b, i + 1), Level(L, b, i)};
  PetscInt       nq   = 0;

  for (int t = 0; t < 4; t++)
    if (r[t] != r[(t + 3) % 4]) q[nq++] = r[t];
  return nq;
}

/* Append a face to the new mesh. */
static void Put(GaleMesh o, PetscInt *wf, PetscInt *wk, PetscInt own, PetscInt nbr, PetscInt k, const PetscInt pts[])
{
  o->faceOffsets[*wf] = *wk;
  o->owner[*wf]       = own;
  if (nbr >= 0) o->neighbour[*wf] = nbr;
  for (PetscInt i = 0; i < k; i++) o->facePoints[(*wk)++] = pts[i];
  (*wf)++;
  o->faceOffsets[*wf] = *wk;
}

/* The new mesh's topology: original internal faces (points P -> P'), the
 * layers' tops and the faces between layers, internal side faces; then per
 * patch its original faces and the side faces on it. Layer cell i of layer
 * face j is nc + j n + i (owner < neighbour everywhere). */
static PetscErrorCode Topology(Layers *L, GaleLayerStats *st)
{
  const GaleMesh m = L->m;
  const PetscInt n = L->n;
  PetscInt       nFaces, nInt, nfp, sideInt = 0, sideBnd = 0, sidePts = 0;
  PetscInt       wf = 0, wk = 0, *pts, maxk = 4, *patchOf;
  GaleMesh       o;

  PetscFunctionBeginUser;
  for (PetscInt j = 0; j < L->nLF; j++)
    for (PetscInt e = 0; e < L->lfOff[j + 1] - L->lfOff[j]; e++) {
      const PetscInt jg = L->lfOf[L->partner[L->lfOff[j] + e]];
      PetscInt       q[4], k;
      if (jg >= 0 && jg <= j) continue;
      if ((k = SideFace(L, j, e, 0, q)) < 3) continue;
      if (jg >= 0)
        sideInt += n;
      else
        sideBnd += n;
      sidePts += n * k;
    }
  nFaces = L->nf + L->nLF * n + sideInt + sideBnd;
  nInt   = L->ni + L->nLF * n + sideInt;
  nfp    = m->faceOffsets[L->nf] + n * L->lfOff[L->nLF] + sidePts;
  for (PetscInt f = 0; f < L->nf; f++) maxk = PetscMax(maxk, m->faceOffsets[f + 1] - m->faceOffsets[f]);
  PetscCall(PetscMalloc2(maxk, &pts, L->nf - L->ni + 1, &patchOf));
  for (PetscInt p = 0; p < m->nPatches; p++)
    for (PetscInt f = m->patches[p].start; f < m->patches[p].start + m->patches[p].size; f++) patchOf[f - L->ni] = p;
  PetscCall(GaleMeshCreate(m->comm, &L->out));
  o = L->out;
  PetscCall(GaleMeshAllocate(o, L->np + L->nLP * n, nFaces, nInt, nfp, L->nc + L->nLF * n, m->nPatches));
  for (PetscInt p = 0; p < m->nPatches; p++) {
    PetscCall(PetscStrncpy(o->patches[p].name, m->patches[p].name, sizeof(o->patches[p].name)));
    PetscCall(PetscStrncpy(o->patches[p].type, m->patches[p].type, sizeof(o->patches[p].type)));
  }
  for (PetscInt f = 0; f < L->nf; f++) {
    const PetscInt s = m->faceOffsets[f], k = m->faceOffsets[f + 1] - s;
    if (f >= L->ni) break;
    for (PetscInt i = 0; i < k; i++) pts[i] = L->lpid[m->facePoints[s + i]] >= 0 ? Level(L, m->facePoints[s + i], n) : m->facePoints[s + i];
    Put(o, &wf, &wk, m->owner[f], m->neighbour[f], k, pts);
  }
  for (PetscInt j = 0; j < L->nLF; j++) {
    const PetscInt f = L->LF[j], s = m->faceOffsets[f], k = m->faceOffsets[f + 1] - s, base = L->nc + j * n;
    for (PetscInt i = 0; i < k; i++) pts[i] = Level(L, m->facePoints[s + i], n);
    Put(o, &wf, &wk, m->owner[f], base + n - 1, k, pts); /* top: out of the original cell, towards the wall */
    for (PetscInt l = 1; l < n; l++) {
      for (PetscInt i = 0; i < k; i++) pts[i] = Level(L, m->facePoints[s + k - 1 - i], l); /* reversed: out of layer l-1, away from the wall */
      Put(o, &wf, &wk, base + l - 1, base + l, k, pts);
    }
  }
  for (PetscInt j = 0; j < L->nLF; j++)
    for (PetscInt e = 0; e < L->lfOff[j + 1] - L->lfOff[j]; e++) {
      const PetscInt g = L->partner[L->lfOff[j] + e], jg = L->lfOf[g];
      if (jg <= j) continue;
      for (PetscInt i = 0, k; i < n && (k = SideFace(L, j, e, i, pts)) >= 3; i++) Put(o, &wf, &wk, L->nc + j * n + i, L->nc + jg * n + i, k, pts);
    }
  for (PetscInt p = 0; p < m->nPatches; p++) {
    o->patches[p].start = wf;
    for (PetscInt f = m->patches[p].start; f < m->patches[p].start + m->patches[p].size; f++) {
      const PetscInt s = m->faceOffsets[f], k = m->faceOffsets[f + 1] - s, j = L->lfOf[f];
      for (PetscInt i = 0; i < k; i++) pts[i] = j >= 0 || L->lpid[m->facePoints[s + i]] < 0 ? m->facePoints[s + i] : Level(L, m->facePoints[s + i], n);
      Put(o, &wf, &wk, j >= 0 ? L->nc + j * n : m->owner[f], -1, k, pts);
    }
    for (PetscInt j = 0; j < L->nLF; j++)
      for (PetscInt e = 0; e < L->lfOff[j + 1] - L->lfOff[j]; e++) {
        const PetscInt g = L->partner[L->lfOff[j] + e];
        if (L->lfOf[g] >= 0 || patchOf[g - L->ni] != p) continue;
        for (PetscInt i = 0, k; i < n && (k = SideFace(L, j, e, i, pts)) >= 3; i++) Put(o, &wf, &wk, L->nc + j * n + i, -1, k, pts);
      }
    o->patches[p].size = wf - o->patches[p].start;
  }
  PetscCheck(wf == nFaces && wk == nfp, m->comm, PETSC_ERR_PLIB, "layers: built %" PetscInt_FMT " faces with %" PetscInt_FMT " points (expected %" PetscInt_FMT ", %" PetscInt_FMT ")", wf, wk, nFaces, nfp);
  if (m->cellLevel) {
    PetscCall(PetscMalloc1(o->nCells + 1, &o->cellLevel));
    for (PetscInt c = 0; c < L->nc; c++) o->cellLevel[c] = m->cellLevel[c];
    for (PetscInt j = 0; j < L->nLF; j++)
      for (PetscInt i = 0; i < n; i++) o->cellLevel[L->nc + j * n + i] = m->cellLevel[m->owner[L->LF[j]]];
  }
  st->nCellsAdded = L->nLF * n;
  PetscCall(PetscFree2(pts, patchOf));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Rings of points behind the layer points (ring 0), up to K; order[]
 * lists the points of rings 1..K ring by ring. */
static PetscErrorCode Rings(Layers *L, PetscInt **ring, PetscInt **order, PetscInt *norder)
{
  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2(L->np + 1, ring, L->np + 1, order));
  *norder = 0;
  for (PetscInt p = 0; p < L->np; p++) (*ring)[p] = L->lpid[p] >= 0 ? 0 : -1;
  for (PetscInt l = 1; l <= L->K; l++) {
    const PetscInt start = *norder;
    for (PetscInt p = 0; p < L->np; p++) {
      if ((*ring)[p] >= 0) continue;
      for (PetscInt e = L->eOff[p]; e < L->eOff[p + 1]; e++)
        if ((*ring)[L->eAdj[e]] == l - 1) {
          (*order)[(*norder)++] = p;
          break;
        }
    }
    for (PetscInt i = start; i < *norder; i++) (*ring)[(*order)[i]] = l;
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Displacement of every point: T n at the layer points, then ring l moves
 * by (K+1-l)/(K+2-l) of the mean of its neighbours in ring l-1 (so by
 * (K+1-l)/(K+1) of the wall's move), within its constraints, times its
 * back-off scale. */
static void Displace(Layers *L, const PetscInt *ring, const PetscInt *order, PetscInt norder)
{
  for (PetscInt k = 0; k < L->nLP; k++)
    for (int d = 0; d < 3; d++) L->disp[3 * L->LP[k] + d] = L->T[k] * L->nrm[3 * k + d];
  for (PetscInt i = 0; i < norder; i++) {
    const PetscInt  p = order[i], l = ring[p];
    const PetscReal w      = (PetscReal)(L->K + 1 - l) / (PetscReal)(L->K + 2 - l);
    PetscReal       sum[3] = {0, 0, 0}, *d = L->disp + 3 * p;
    PetscInt        cnt = 0;
    for (PetscInt e = L->eOff[p]; e < L->eOff[p + 1]; e++) {
      const PetscInt q = L->eAdj[e];
      if (ring[q] != l - 1) continue;
      for (int k = 0; k < 3; k++) sum[k] += L->disp[3 * q + k];
      cnt++;
    }
    for (int k = 0; k < 3; k++) d[k] = w * L->iscale[p] * sum[k] / cnt;
    Project(L, p, d);
  }
}

static void Place(Layers *L)
{
  const PetscReal *X = L->m->points;
  PetscReal       *Y = L->out->points;

  for (PetscInt p = 0; p < L->np; p++)
    for (int d = 0; d < 3; d++) Y[3 * p + d] = X[3 * p + d] + (L->lpid[p] >= 0 ? 0 : L->disp[3 * p + d]);
  for (PetscInt k = 0; k < L->nLP; k++)
    for (PetscInt i = 1; i <= L->n; i++)
      for (int d = 0; d < 3; d++) Y[3 * (L->np + k * L->n + i - 1) + d] = X[3 * L->LP[k] + d] + L->T[k] * L->s[i] * L->nrm[3 * k + d];
}

/* Cosine of the angle between Sf and the line between the cell centres. */
static PetscReal CosNonOrtho(const GaleMesh m, PetscInt f)
{
  const PetscReal *Sf = m->faceAreas + 3 * f, *P = m->cellCentres + 3 * m->owner[f], *N = m->cellCentres + 3 * m->neighbour[f];
  PetscReal        d[3];

  for (int k = 0; k < 3; k++) d[k] = N[k] - P[k];
  return Dot(Sf, d) / PetscMax(m->faceMagAreas[f] * PetscSqrtReal(Dot(d, d)), PETSC_SMALL * PETSC_SMALL);
}

/* Mark the active cells that fail: volume, face pyramids, non-orthogonality. */
static PetscInt Check(const Layers *L, PetscBool volumeOnly, PetscReal cosMax, unsigned char *bad)
{
  const GaleMesh o    = L->out;
  PetscInt       nbad = 0;

  for (PetscInt c = 0; c < o->nCells; c++) {
    L->amax[c] = 0;
    for (PetscInt q = L->oOff[c]; q < L->oOff[c + 1]; q++) L->amax[c] = PetscMax(L->amax[c], o->faceMagAreas[L->oFace[q]]);
  }
  for (PetscInt c = 0; c < o->nCells; c++) {
    const PetscReal *C = o->cellCentres + 3 * c;
    bad[c]             = 0;
    if (!L->active[c]) continue;
    if (!(o->cellVolumes[c] > 0)) {
      bad[c] = 1;
      continue;
    }
    /* a layer cell thinner than its wall face is warped has a face pyramid
     * the wrong way round whatever its quality otherwise: only its volume
     * and faces' non-orthogonality are checked */
    if (volumeOnly || L->hopeless[c] || c >= L->nc) continue;
    for (PetscInt q = L->oOff[c]; q < L->oOff[c + 1] && !bad[c]; q++) {
      const PetscInt   f  = L->oFace[q];
      const PetscReal *Cf = o->faceCentres + 3 * f, sgn = o->owner[f] == c ? 1 : -1;
      PetscReal        e[3];
      if (o->faceMagAreas[f] <= GALE_LAYER_DEGENERATE * L->amax[c]) continue; /* side face of no thickness at pinned points */
      for (int k = 0; k < 3; k++) e[k] = Cf[k] - C[k];
      if (!(sgn * Dot(o->faceAreas + 3 * f, e) > 0)) bad[c] = 1;
    }
  }
  for (PetscInt f = 0; f < (volumeOnly ? 0 : o->nInternalFaces); f++) {
    const PetscInt P = o->owner[f], N = o->neighbour[f];
    PetscReal      lim;
    if ((!L->active[P] && !L->active[N]) || L->hopeless[P] || L->hopeless[N] || o->faceMagAreas[f] <= GALE_LAYER_DEGENERATE * PetscMin(L->amax[P], L->amax[N])) continue;
    lim = f < L->ni ? PetscMin(cosMax, L->cos0[f] - 1e-9) : cosMax;
    if (CosNonOrtho(o, f) >= lim) continue;
    if (L->active[P]) bad[P] = 1;
    if (L->active[N]) bad[N] = 1;
  }
  for (PetscInt c = 0; c < o->nCells; c++) nbad += bad[c];
  return nbad;
}

/* Thin the layers at the points of every failing cell (or halve the move
 * of its points behind the wall), until no cell fails. */
static PetscErrorCode BackOff(Layers *L, const GaleLayerOptions *opt, GaleLayerStats *st, PetscInt *nExclude)
{
  const GaleMesh  o      = L->out;
  const PetscReal cosMax = PetscCosReal(opt->maxNonOrtho * PETSC_PI / 180);
  PetscInt       *ring, *order, norder, *stamp, *stampK;
  unsigned char  *bad;
  PetscReal      *T0;

  PetscFunctionBeginUser;
  PetscCall(Rings(L, &ring, &order, &norder));
  PetscCall(PetscMalloc4(o->nCells + 1, &bad, o->nPoints + 1, &stamp, L->nLP + 1, &T0, L->nLP + 1, &stampK));
  PetscCall(PetscCalloc1(o->nCells + 1, &L->active));
  PetscCall(PetscMalloc1(o->nCells + 1, &L->amax));
  PetscCall(PetscCalloc1(o->nCells + 1, &L->hopeless));
  PetscCall(PetscArraycpy(T0, L->T, L->nLP));
  for (PetscInt p = 0; p < o->nPoints; p++) stamp[p] = -1;
  for (PetscInt k = 0; k < L->nLP; k++) stampK[k] = -1;
  Displace(L, ring, order, norder);
  for (PetscInt c = 0; c < o->nCells; c++) {
    L->active[c] = (unsigned char)(c >= L->nc);
    for (PetscInt q = L->oOff[c]; q < L->oOff[c + 1] && !L->active[c]; q++) {
      const PetscInt f = L->oFace[q];
      for (PetscInt k = o->faceOffsets[f]; k < o->faceOffsets[f + 1]; k++) {
        const PetscInt p = o->facePoints[k];
        if (p >= L->np || L->disp[3 * p] != 0 || L->disp[3 * p + 1] != 0 || L->disp[3 * p + 2] != 0) L->active[c] = 1;
      }
    }
  }
  for (PetscInt i = 0; i < norder; i++) {
    const PetscReal *d = L->disp + 3 * order[i];
    if (Dot(d, d) > 0) st->nInterior++;
  }
  /* The layer cells keep their shape as they thin: what fails at a
   * thousandth of the thickness fails at any. Such cells do not back off
   * (their soft failures are reported); a layer cell of no volume there
   * gets its face excluded. */
  for (PetscInt k = 0; k < L->nLP; k++) L->T[k] = 1e-3 * T0[k];
  Displace(L, ring, order, norder);
  Place(L);
  PetscCall(GaleMeshComputeGeometry(o));
  (void)Check(L, PETSC_FALSE, cosMax, L->hopeless);
  st->nHopeless = 0;
  for (PetscInt c = 0; c < o->nCells; c++) st->nHopeless += L->hopeless[c];
  *nExclude = 0;
  for (PetscInt c = L->nc; c < o->nCells; c++) {
    if (o->cellVolumes[c] > 0) continue;
    if (!L->excl[L->LF[(c - L->nc) / L->n]]) (*nExclude)++;
    L->excl[L->LF[(c - L->nc) / L->n]] = 1;
  }
  if (*nExclude) {
    PetscCall(PetscFree4(bad, stamp, T0, stampK));
    PetscCall(PetscFree2(ring, order));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(PetscArraycpy(L->T, T0, L->nLP));
  for (PetscInt it = 0;; it++) {
    const PetscBool volumeOnly = (PetscBool)(it >= opt->iterations);
    PetscInt        nbad;
    Displace(L, ring, order, norder);
    Place(L);
    PetscCall(GaleMeshComputeGeometry(o));
    nbad = Check(L, volumeOnly, cosMax, bad);
    if (it == 0) st->nBadCells = nbad;
    st->iterations = it;
    if (!nbad || it >= GALE_LAYER_MAX_PASSES) break;
    for (PetscInt c = 0; c < o->nCells; c++) {
      PetscBool layer = PETSC_FALSE;
      if (!bad[c]) continue;
      /* a cell with layer points thins its layers; holding back the points
       * behind would squash it (and its neighbours) further */
      for (PetscInt q = L->oOff[c]; q < L->oOff[c + 1] && !layer; q++)
        for (PetscInt k = o->faceOffsets[L->oFace[q]]; k < o->faceOffsets[L->oFace[q] + 1]; k++) layer = (PetscBool)(layer || o->facePoints[k] >= L->np || L->lpid[o->facePoints[k]] >= 0);
      for (PetscInt q = L->oOff[c]; q < L->oOff[c + 1]; q++) {
        const PetscInt f = L->oFace[q];
        for (PetscInt k = o->faceOffsets[f]; k < o->faceOffsets[f + 1]; k++) {
          const PetscInt p = o->facePoints[k], lp = p >= L->np ? (p - L->np) / L->n : L->lpid[p];
          if (lp >= 0) {
            if (stampK[lp] == it) continue;
            stampK[lp] = it;
            L->T[lp] *= GALE_LAYER_BACKOFF;
          } else if (!layer && stamp[p] != it) {
            stamp[p] = it;
            L->iscale[p] *= 0.5;
          }
        }
      }
    }
  }
  /* layer cells of no volume however thin (their shape does not change as
   * they thin): their faces get no layers on the next attempt */
  *nExclude = 0;
  for (PetscInt c = 0; c < o->nCells; c++) {
    if (o->cellVolumes[c] > 0) continue;
    PetscCheck(c >= L->nc, o->comm, PETSC_ERR_PLIB, "layers: cell %" PetscInt_FMT " behind the layers has volume %g after %d back-off passes", c, (double)o->cellVolumes[c], GALE_LAYER_MAX_PASSES);
    if (!L->excl[L->LF[(c - L->nc) / L->n]]) (*nExclude)++;
    L->excl[L->LF[(c - L->nc) / L->n]] = 1;
  }
  /* layer cells the solver cannot use whatever their thickness: a face
   * pyramid the wrong way round (the warped snapped face is thicker than the
   * layer: the cell centre lies outside the face) or a face beyond the
   * non-orthogonality limit. Their faces get no layers on the next attempt,
   * as snappyHexMesh drops them, so the mesh stays one the solver runs on. */
  if (!*nExclude && opt->strict)
    for (PetscInt c = L->nc; c < o->nCells; c++) {
      const PetscReal *C   = o->cellCentres + 3 * c;
      PetscBool        bad = PETSC_FALSE;
      for (PetscInt q = L->oOff[c]; q < L->oOff[c + 1] && !bad; q++) {
        const PetscInt   f  = L->oFace[q];
        const PetscReal *Cf = o->faceCentres + 3 * f, sgn = o->owner[f] == c ? 1 : -1;
        PetscReal        e[3];
        if (o->faceMagAreas[f] <= GALE_LAYER_DEGENERATE * L->amax[c]) continue;
        for (int k = 0; k < 3; k++) e[k] = Cf[k] - C[k];
        if (!(sgn * Dot(o->faceAreas + 3 * f, e) > 0)) bad = PETSC_TRUE;
        if (f < o->nInternalFaces && CosNonOrtho(o, f) < cosMax) bad = PETSC_TRUE;
      }
      if (bad && !L->excl[L->LF[(c - L->nc) / L->n]]) {
        (*nExclude)++;
        L->excl[L->LF[(c - L->nc) / L->n]] = 1;
      }
    }
  if (!*nExclude) st->nWarnCells = Check(L, PETSC_FALSE, cosMax, bad);
  for (PetscInt k = 0; k < L->nLP; k++)
    if (L->T[k] < T0[k]) st->nBackedOff++;
  PetscCall(PetscFree4(bad, stamp, T0, stampK));
  PetscCall(PetscFree2(ring, order));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static void Stats(const Layers *L, GaleLayerStats *st)
{
  const GaleMesh m     = L->m;
  PetscReal      sum   = 0;
  PetscInt       nfull = 0;

  st->nLayerPoints = L->nLP;
  st->minRatio     = L->nLF ? PETSC_MAX_REAL : 0;
  for (PetscInt j = 0; j < L->nLF; j++) {
    const PetscInt f = L->LF[j];
    PetscReal      t = 0, tt = 0, ratio;
    for (PetscInt k = m->faceOffsets[f]; k < m->faceOffsets[f + 1]; k++) {
      t += L->T[L->lpid[m->facePoints[k]]];
      tt += L->Tt[L->lpid[m->facePoints[k]]];
    }
    ratio        = tt > 0 ? t / tt : 1;
    st->minRatio = PetscMin(st->minRatio, ratio);
    sum += ratio;
    if (ratio >= 0.9) nfull++;
  }
  st->meanRatio = L->nLF ? sum / L->nLF : 0;
  st->fracFull  = L->nLF ? (PetscReal)nfull / L->nLF : 0;
  st->minFirst  = L->nLP ? PETSC_MAX_REAL : 0;
  st->maxFirst  = 0;
  for (PetscInt k = 0; k < L->nLP; k++) {
    st->minFirst = PetscMin(st->minFirst, L->T[k] * L->s[1]);
    st->maxFirst = PetscMax(st->maxFirst, L->T[k] * L->s[1]);
  }
}

/* What one attempt builds (the next attempt, with more faces excluded, starts afresh). */
static PetscErrorCode FreeAttempt(Layers *L)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree(L->LF));
  PetscCall(PetscFree(L->lfOf));
  PetscCall(PetscFree(L->lfOff));
  PetscCall(PetscFree(L->LP));
  PetscCall(PetscFree(L->lpid));
  PetscCall(PetscFree(L->partner));
  PetscCall(PetscFree(L->pinned));
  PetscCall(PetscFree(L->ncon));
  PetscCall(PetscFree(L->con));
  PetscCall(PetscFree(L->nrm));
  PetscCall(PetscFree2(L->T, L->Tt));
  PetscCall(PetscFree(L->s));
  PetscCall(PetscFree(L->disp));
  PetscCall(PetscFree(L->iscale));
  PetscCall(PetscFree(L->oOff));
  PetscCall(PetscFree(L->oFace));
  PetscCall(PetscFree(L->active));
  PetscCall(PetscFree(L->amax));
  PetscCall(PetscFree(L->hopeless));
  PetscCall(GaleMeshDestroy(&L->out));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode Free(Layers *L)
{
  PetscFunctionBeginUser;
  PetscCall(FreeAttempt(L));
  PetscCall(PetscFree(L->excl));
  PetscCall(PetscFree(L->eOff));
  PetscCall(PetscFree(L->eAdj));
  PetscCall(PetscFree(L->cOff));
  PetscCall(PetscFree(L->cFace));
  PetscCall(PetscFree(L->cos0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* One attempt with the faces in L->excl left without layers (their points
 * pinned); *nExclude: faces found to need excluding. */
static PetscErrorCode Attempt(Layers *L, const GaleLayerOptions *opt, GaleLayerStats *st, PetscInt *nExclude)
{
  const GaleMesh m = L->m;

  PetscFunctionBeginUser;
  *nExclude = 0;
  PetscCall(FindLayerFaces(L, opt, st));
  if (!L->nLF) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(Constraints(L));
  PetscCall(Partners(L, opt->where, st));
  for (PetscInt f = L->ni; f < L->nf; f++)
    if (L->excl[f])
      for (PetscInt k = m->faceOffsets[f]; k < m->faceOffsets[f + 1]; k++)
        if (L->lpid[m->facePoints[k]] >= 0) L->pinned[L->lpid[m->facePoints[k]]] = 1;
  PetscCall(Normals(L, st));
  PetscCall(Thickness(L, opt, st));
  PetscCall(Topology(L, st));
  PetscCall(CellFaces(L->out, &L->oOff, &L->oFace));
  PetscCall(PetscCalloc1(3 * L->np + 1, &L->disp));
  PetscCall(PetscMalloc1(L->np + 1, &L->iscale));
  for (PetscInt p = 0; p < L->np; p++) L->iscale[p] = 1;
  PetscCall(BackOff(L, opt, st, nExclude));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode AddLayers(Layers *L, const GaleLayerOptions *opt, GaleLayerStats *st)
{
  PetscInt nExcluded = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc1(L->nf + 1, &L->excl));
  PetscCall(BuildEdges(L));
  PetscCall(CellFaces(L->m, &L->cOff, &L->cFace));
  PetscCall(PetscMalloc1(L->ni + 1, &L->cos0));
  for (PetscInt f = 0; f < L->ni; f++) L->cos0[f] = CosNonOrtho(L->m, f);
  for (PetscInt attempt = 0;; attempt++) {
    PetscInt nx;
    PetscCall(PetscMemzero(st, sizeof(*st)));
    PetscCall(Attempt(L, opt, st, &nx));
    st->attempts  = attempt + 1;
    st->nExcluded = nExcluded;
    if (!nx || !L->nLF) break;
    nExcluded += nx;
    PetscCheck(attempt < 16, L->m->comm, PETSC_ERR_PLIB, "layers: layer cells still of no volume after %d attempts", attempt + 1);
    PetscCall(FreeAttempt(L));
  }
  if (!L->out) PetscFunctionReturn(PETSC_SUCCESS);
  Stats(L, st);
  if (nExcluded) { /* excluded faces count as thickness 0 */
    st->fracFull *= (PetscReal)L->nLF / (L->nLF + nExcluded);
    st->meanRatio *= (PetscReal)L->nLF / (L->nLF + nExcluded);
    st->minRatio = 0;
  }
  PetscCall(GaleMeshSetSerialNumbering(L->out));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleMeshAddLayers(GaleMesh *mesh, const GaleLayerOptions *opt, GaleLayerStats *st)
{
  Layers         L;
  PetscLogDouble t0, t1;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCheck(mesh && *mesh && opt && st, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "GaleMeshAddLayers: NULL argument");
  PetscCheck(!(*mesh)->nGhosts && (*mesh)->faceAreas, (*mesh)->comm, PETSC_ERR_ARG_WRONG, "GaleMeshAddLayers: needs a global mesh with its geometry");
  PetscCheck(opt->number >= 1 && opt->expansion > 0 && (opt->firstThickness > 0 || opt->finalThickness > 0) && opt->smoothLayers >= 0, (*mesh)->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "GaleMeshAddLayers: number %" PetscInt_FMT " (expected >= 1), expansion %g (expected > 0), thickness %g / %g (expected one > 0)", opt->number, (double)opt->expansion, (double)opt->finalThickness, (double)opt->firstThickness);
  PetscCall(PetscTime(&t0));
  PetscCall(PetscMemzero(&L, sizeof(L)));
  PetscCall(PetscMemzero(st, sizeof(*st)));
  L.m  = *mesh;
  L.np = L.m->nPoints, L.nc = L.m->nCells, L.nf = L.m->nFaces, L.ni = L.m->nInternalFaces;
  L.n  = opt->number;
  L.K  = opt->smoothLayers;
  ierr = AddLayers(&L, opt, st);
  if (!ierr && L.out) {
    PetscCall(GaleMeshDestroy(mesh));
    *mesh = L.out;
    L.out = NULL;
  }
  PetscCall(Free(&L));
  PetscCall(ierr);
  PetscCall(PetscTime(&t1));
  st->time = t1 - t0;
  PetscFunctionReturn(PETSC_SUCCESS);
}
