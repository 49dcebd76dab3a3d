/* Snapping stage of the octree mesher (snappyHexMesh's snap step, in
 * spirit): the points of the faces on surface patches move onto the
 * surface, so that the boundary follows the geometry instead of the
 * staircase of the castellated mesh.
 *
 * 0. Cells whose every point lies on a surface patch would collapse onto
 *    the surface: they leave the fluid and the mesh is rebuilt.
 * 1. Target of each boundary point: the nearest point of the surfaces
 *    within SNAP_REACH local cell sizes. A point on a side of the domain box
 *    keeps that coordinate (2D cases: points move in x, y only; a car's
 *    ground: points near the tyres slide in the ground plane); its target is
 *    found by a few projected nearest-point iterations, which converge to
 *    the nearest point of the curve where the surface crosses the plane.
 * 2. The targets are evened out along the surface `patchSmooth` times
 *    (each half-way to the mean of its boundary neighbours, then back onto
 *    the surface; snappyHexMesh's nSmoothPatch): the staircase leaves them
 *    unevenly spaced on inclined surfaces, and uneven points fold faces.
 * 3. Feature edges (dihedral angle above feature_angle) and corners (three
 *    or more feature edges meet), when asked for (opt->features): the
 *    edges are sampled every half cell, each sample picks its nearest
 *    boundary point, and that point goes to its nearest point on the
 *    feature edges (or on a corner, which wins); of two neighbours drawn to
 *    the same place the nearer keeps it. Experimental: on a rotated cube it
 *    makes more cells fail the checks than plain nearest-point snapping
 *    (whose points in an edge's Voronoi region already land on the edge),
 *    so it is off by default.
 * 4. The displacement is carried into the mesh over `smoothLayers` layers of
 *    points (layer l moves by (L+1-l)/(L+1) of the mean of layer l-1), so
 *    the cells behind the wall share the move instead of being squashed.
 * 5. Back-off (snappyHexMesh's scaleMesh): every cell with a moved point is
 *    checked (volume at least 2 % of its castellated volume; the pyramid of
 *    every face to the cell centre positive; non-orthogonality of internal
 *    faces below maxNonOrtho, of boundary faces below 85 degrees; skewness
 *    (OpenFOAM's) below 4; face
 *    flatness |Sf| / sum of its triangle areas above 0.5; cells are closed
 *    by construction, as every face is triangulated around its mean point
 *    on both sides); the displacement of the points of a failing cell is
 *    halved, `iterations` times at most, then cancelled until no cell fails
 *    (the castellated mesh passes, so this ends).
 * Faces are no longer planar: GaleMeshComputeGeometry splits them into
 * triangles around the mean of their points, as the checks here do. */
#include "snap_impl.h"

/* Nearest point q on any surface within reach; returns PETSC_FALSE if none. */
static PetscBool Nearest(const GaleOctree o, const PetscReal x[3], PetscReal reach, PetscReal q[3], PetscReal *dist)
{
  PetscBool found = PETSC_FALSE;
  PetscReal best  = reach;

  for (PetscInt i = 0; i < o->nSurfaces; i++) {
    PetscReal d, c[3];
    if (GaleSearchNearest(o->surf[i].search, x, best, &d, c) < 0 || d > best) continue;
    best  = d;
    found = PETSC_TRUE;
    for (int k = 0; k < 3; k++) q[k] = c[k];
  }
  if (dist) *dist = found ? best : PETSC_MAX_REAL;
  return found;
}

/* Point-point edges (consecutive points of every face), CSR, both directions. */
static PetscErrorCode BuildEdges(Snap *S)
{
  const GaleMesh m = S->m;
  PetscInt      *cnt, *pos;

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc1(S->np + 1, &S->eOff));
  PetscCall(PetscCalloc1(S->np + 1, &cnt));
  for (PetscInt f = 0; f < S->nf; f++) {
    const PetscInt s = m->faceOffsets[f], n = m->faceOffsets[f + 1] - s;
    for (PetscInt i = 0; i < n; i++) {
      cnt[m->facePoints[s + i]]++;
      cnt[m->facePoints[s + (i + 1) % n]]++;
    }
  }
  for (PetscInt p = 0; p < S->np; p++) S->eOff[p + 1] = S->eOff[p] + cnt[p];
  PetscCall(PetscMalloc1(S->eOff[S->np] + 1, &S->eAdj));
  pos = cnt;
  for (PetscInt p = 0; p < S->np; p++) pos[p] = S->eOff[p];
  for (PetscInt f = 0; f < S->nf; f++) {
    const PetscInt s = m->faceOffsets[f], n = m->faceOffsets[f + 1] - s;
    for (PetscInt i = 0; i < n; i++) {
      const PetscInt a = m->facePoints[s + i], b = m->facePoints[s + (i + 1) % n];
      S->eAdj[pos[a]++] = b;
      S->eAdj[pos[b]++] = a;
    }
  }
  /* every edge is listed once per face using it: keep each neighbour once */
  {
    PetscInt w = 0;
    for (PetscInt p = 0; p < S->np; p++) {
      const PetscInt b = S->eOff[p], e = S->eOff[p + 1], start = w;
      PetscCall(PetscSortInt(e - b, S->eAdj + b));
      for (PetscInt k = b; k < e; k++)
        if (k == b || S->eAdj[k] != S->eAdj[k - 1]) S->eAdj[w++] = S->eAdj[k];
      S->eOff[p] = start;
    }
    S->eOff[S->np] = w;
  }
  PetscCall(PetscFree(cnt));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Points of the faces on surface patches (1) in kind[]. */
static void MarkSurfacePoints(const GaleOctree o, const GaleMesh m, unsigned char *kind)
{
  for (PetscInt p = 0; p < m->nPoints; p++) kind[p] = 0;
  for (PetscInt pa = 0; pa < m->nPatches; pa++) {
    PetscBool side = PETSC_FALSE;
    for (int k = 0; k < 6; k++) side = (PetscBool)(side || o->sidePatch[k] == pa);
    if (side) continue;
    for (PetscInt f = m->patches[pa].start; f < m->patches[pa].start + m->patches[pa].size; f++)
      for (PetscInt k = m->faceOffsets[f]; k < m->faceOffsets[f + 1]; k++) kind[m->facePoints[k]] = 1;
  }
}

/* Faces of every cell (CSR), the castellated volumes, the local cell size
 * at every point (smallest refined edge of the cells around it), the
 * points of surface-patch faces and the domain sides each point lies on. */
static PetscErrorCode BuildPointData(Snap *S)
{
  const GaleMesh   m = S->m;
  const GaleOctree o = S->o;
  PetscInt        *pos;
  PetscReal       *hc;

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc1(S->nc + 1, &S->cOff));
  PetscCall(PetscMalloc1(S->ni + S->nf + 1, &S->cFace));
  PetscCall(PetscMalloc1(S->nc + 1, &pos));
  for (PetscInt f = 0; f < S->nf; f++) {
    S->cOff[m->owner[f] + 1]++;
    if (f < S->ni) S->cOff[m->neighbour[f] + 1]++;
  }
  for (PetscInt c = 0; c < S->nc; c++) S->cOff[c + 1] += S->cOff[c];
  for (PetscInt c = 0; c < S->nc; c++) pos[c] = S->cOff[c];
  for (PetscInt f = 0; f < S->nf; f++) {
    S->cFace[pos[m->owner[f]]++] = f;
    if (f < S->ni) S->cFace[pos[m->neighbour[f]]++] = f;
  }
  PetscCall(PetscFree(pos));
  PetscCall(PetscMalloc1(S->nc + 1, &S->vol0));
  PetscCall(PetscArraycpy(S->vol0, m->cellVolumes, S->nc));

  PetscCall(PetscMalloc1(S->nc + 1, &hc));
  for (PetscInt c = 0; c < S->nc; c++) {
    const PetscInt leaf = o->cellLeaf[c];
    hc[c]               = PETSC_MAX_REAL;
    for (int d = 0; d < 3; d++)
      if (o->opt.refine[d]) hc[c] = PetscMin(hc[c], o->unit[d] * (PetscReal)((PetscInt)1 << GaleOctreeShift(o, d, o->level[leaf])));
    if (hc[c] == PETSC_MAX_REAL) hc[c] = PetscCbrtReal(S->vol0[c]);
  }
  for (PetscInt p = 0; p < S->np; p++) S->h[p] = PETSC_MAX_REAL;
  MarkSurfacePoints(o, m, S->kind);
  for (PetscInt f = 0; f < S->nf; f++) {
    const PetscReal hf = f < S->ni ? PetscMin(hc[m->owner[f]], hc[m->neighbour[f]]) : hc[m->owner[f]];
    for (PetscInt k = m->faceOffsets[f]; k < m->faceOffsets[f + 1]; k++) S->h[m->facePoints[k]] = PetscMin(S->h[m->facePoints[k]], hf);
  }
  PetscCall(PetscFree(hc));
  for (PetscInt p = 0; p < S->np; p++) {
    const PetscReal *x = S->x0 + 3 * p;
    for (int d = 0; d < 3; d++)
      if (x[d] == o->opt.lo[d] || x[d] == o->opt.hi[d]) S->fixed[p] |= (unsigned char)(1 << d);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Displacement of a boundary point onto the surface, within the planes of
 * the domain sides it lies on; PETSC_FALSE when no surface is in reach. */
static PetscBool Target(const Snap *S, PetscInt p, PetscReal d[3])
{
  const PetscReal *x0    = S->x0 + 3 * p;
  const PetscReal  reach = SNAP_REACH * S->h[p];
  PetscReal        q[3], x[3];

  d[0] = d[1] = d[2] = 0;
  if (!Nearest(S->o, x0, reach, q, NULL)) return PETSC_FALSE;
  for (int k = 0; k < 3; k++) d[k] = q[k] - x0[k];
  if (!S->fixed[p]) return PETSC_TRUE;
  for (int it = 0; it < SNAP_PLANE_ITERATIONS; it++) {
    Constrain(S->fixed[p], d);
    for (int k = 0; k < 3; k++) x[k] = x0[k] + d[k];
    if (!Nearest(S->o, x, reach, q, NULL)) break;
    for (int k = 0; k < 3; k++) d[k] = q[k] - x0[k];
  }
  Constrain(S->fixed[p], d);
  return (PetscBool)(Dot(d, d) <= reach * reach);
}

/* Even out the snapped boundary points along the surface (snappyHexMesh's
 * nSmoothPatch): each moves half-way to the mean of its boundary
 * neighbours and back onto the surface, `n` times. The staircase puts
 * points unevenly on an inclined surface (two of a step's corners land
 * close together); evened out, fewer faces fold. */
static PetscErrorCode SmoothPatch(Snap *S, PetscInt n)
{
  PetscReal *y;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(3 * S->np + 1, &y));
  for (PetscInt it = 0; it < n; it++) {
    for (PetscInt p = 0; p < S->np; p++) {
      PetscReal mean[3] = {0, 0, 0}, x[3], q[3], d[3];
      PetscInt  cnt     = 0;
      for (int k = 0; k < 3; k++) y[3 * p + k] = S->disp[3 * p + k];
      if (!S->kind[p] || !Moved(S, p)) continue;
      for (PetscInt k = S->eOff[p]; k < S->eOff[p + 1]; k++) {
        const PetscInt r = S->eAdj[k];
        if (!S->kind[r]) continue;
        for (int j = 0; j < 3; j++) mean[j] += S->x0[3 * r + j] + S->disp[3 * r + j];
        cnt++;
      }
      if (!cnt) continue;
      for (int j = 0; j < 3; j++) x[j] = 0.5 * (S->x0[3 * p + j] + S->disp[3 * p + j]) + 0.5 * mean[j] / cnt;
      for (int j = 0; j < 3; j++) d[j] = x[j] - S->x0[3 * p + j];
      Constrain(S->fixed[p], d);
      for (int j = 0; j < 3; j++) x[j] = S->x0[3 * p + j] + d[j];
      if (!Nearest(S->o, x, SNAP_REACH * S->h[p], q, NULL)) continue;
      for (int j = 0; j < 3; j++) d[j] = q[j] - S->x0[3 * p + j];
      Constrain(S->fixed[p], d);
      if (Dot(d, d) > PetscSqr(SNAP_REACH * S->h[p])) continue;
      for (int j = 0; j < 3; j++) y[3 * p + j] = d[j];
    }
    PetscCall(PetscArraycpy(S->disp, y, 3 * S->np));
  }
  PetscCall(PetscFree(y));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Carry the boundary displacement into the mesh over L layers of points. */
static PetscErrorCode Smooth(Snap *S, PetscInt L, PetscInt *nMoved)
{
  PetscInt *layer, *front, nfront = 0;

  PetscFunctionBeginUser;
  *nMoved = 0;
  PetscCall(PetscMalloc2(S->np + 1, &layer, S->np + 1, &front));
  for (PetscInt p = 0; p < S->np; p++) layer[p] = S->kind[p] ? 0 : -1;
  for (PetscInt l = 1; l <= L; l++) {
    const PetscReal f = (PetscReal)(L + 1 - l) / (PetscReal)(L + 2 - l);
    nfront            = 0;
    for (PetscInt p = 0; p < S->np; p++) {
      if (layer[p] >= 0) continue;
      for (PetscInt k = S->eOff[p]; k < S->eOff[p + 1]; k++)
        if (layer[S->eAdj[k]] == l - 1) {
          front[nfront++] = p;
          break;
        }
    }
    for (PetscInt i = 0; i < nfront; i++) {
      const PetscInt p      = front[i];
      PetscReal      sum[3] = {0, 0, 0};
      PetscInt       n      = 0;
      for (PetscInt k = S->eOff[p]; k < S->eOff[p + 1]; k++) {
        const PetscInt q = S->eAdj[k];
        if (layer[q] != l - 1) continue;
        for (int d = 0; d < 3; d++) sum[d] += S->disp[3 * q + d];
        n++;
      }
      for (int d = 0; d < 3; d++) S->disp[3 * p + d] = f * sum[d] / n;
      Constrain(S->fixed[p], S->disp + 3 * p);
      if (Dot(S->disp + 3 * p, S->disp + 3 * p) > 0) (*nMoved)++;
    }
    for (PetscInt i = 0; i < nfront; i++) layer[front[i]] = l;
  }
  PetscCall(PetscFree2(layer, front));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Geometry of the displaced mesh: per face the mean point xm, centre,
 * area vector and flatness; per cell volume and centre (pyramids on the
 * faces from the mean of the face centres), as GaleMeshComputeGeometry. */
static void Geometry(Snap *S)
{
  const GaleMesh m = S->m;
  PetscReal     *X = m->points;

  for (PetscInt c = 0; c < S->nc; c++) {
    S->V[c] = 0;
    for (int d = 0; d < 3; d++) S->C[3 * c + d] = 0;
  }
  for (PetscInt f = 0; f < S->nf; f++) {
    const PetscInt  s = m->faceOffsets[f], n = m->faceOffsets[f + 1] - s;
    const PetscInt *fp = m->facePoints + s;
    PetscReal      *xm = S->xm + 3 * f, *Sf = S->Sf + 3 * f, *Cf = S->Cf + 3 * f, sumA = 0, sumAc[3] = {0, 0, 0};
    for (int d = 0; d < 3; d++) xm[d] = Sf[d] = 0;
    for (PetscInt i = 0; i < n; i++)
      for (int d = 0; d < 3; d++) xm[d] += X[3 * fp[i] + d] / n;
    for (PetscInt i = 0; i < n; i++) {
      const PetscReal *a = X + 3 * fp[i], *b = X + 3 * fp[(i + 1) % n];
      PetscReal        e1[3], e2[3], t[3], A;
      for (int d = 0; d < 3; d++) {
        e1[d] = b[d] - a[d];
        e2[d] = xm[d] - a[d];
      }
      Cross(e1, e2, t);
      A = 0.5 * PetscSqrtReal(Dot(t, t));
      for (int d = 0; d < 3; d++) {
        Sf[d] += 0.5 * t[d];
        sumAc[d] += A * (a[d] + b[d] + xm[d]) / 3;
      }
      sumA += A;
    }
    for (int d = 0; d < 3; d++) Cf[d] = sumA > 0 ? sumAc[d] / sumA : xm[d];
    S->flat[f] = sumA > 0 ? PetscSqrtReal(Dot(Sf, Sf)) / sumA : 0;
  }
  for (PetscInt c = 0; c < S->nc; c++) {
    PetscReal      c0[3] = {0, 0, 0}, *C = S->C + 3 * c;
    const PetscInt nfc = S->cOff[c + 1] - S->cOff[c];
    for (PetscInt k = S->cOff[c]; k < S->cOff[c + 1]; k++)
      for (int d = 0; d < 3; d++) c0[d] += S->Cf[3 * S->cFace[k] + d] / nfc;
    for (PetscInt k = S->cOff[c]; k < S->cOff[c + 1]; k++) {
      const PetscInt  f   = S->cFace[k];
      const PetscReal sgn = m->owner[f] == c ? 1 : -1, *Cf = S->Cf + 3 * f;
      PetscReal       dc[3], v;
      for (int d = 0; d < 3; d++) dc[d] = Cf[d] - c0[d];
      v = sgn * Dot(S->Sf + 3 * f, dc) / 3;
      S->V[c] += v;
      for (int d = 0; d < 3; d++) C[d] += v * (c0[d] + 0.75 * dc[d]);
    }
    for (int d = 0; d < 3; d++) C[d] = S->V[c] != 0 ? C[d] / S->V[c] : c0[d];
  }
}

/* The pyramid from face f to the cell centre C has positive volume (sgn:
 * +1 owner, -1 neighbour): the decomposition GaleMeshComputeGeometry uses
 * is valid (OpenFOAM's face-pyramid check). */
static PetscBool FacePyramidPositive(const Snap *S, PetscInt f, PetscReal sgn, const PetscReal C[3])
{
  PetscReal e[3];

  for (int d = 0; d < 3; d++) e[d] = S->Cf[3 * f + d] - C[d];
  return (PetscBool)(sgn * Dot(S->Sf + 3 * f, e) > 0);
}

/* Skewness of face f (OpenFOAM's, as mesh/quality.c computes it): distance
 * from the face centre to where the line between the cell centres crosses
 * the face plane, over the face's extent in that direction (a boundary face
 * as if mirrored). */
static PetscReal Skewness(const Snap *S, PetscInt f)
{
  const GaleMesh   m  = S->m;
  const PetscReal *Cf = S->Cf + 3 * f, *Sf = S->Sf + 3 * f, *CP = S->C + 3 * m->owner[f];
  PetscReal        Cpf[3], d[3], sv[3], a, msv, fd;

  for (int k = 0; k < 3; k++) Cpf[k] = Cf[k] - CP[k];
  if (f < S->ni)
    for (int k = 0; k < 3; k++) d[k] = S->C[3 * m->neighbour[f] + k] - CP[k];
  else {
    const PetscReal mS = PetscSqrtReal(Dot(Sf, Sf)) + 1e-150, nd = Dot(Sf, Cpf) / mS;
    for (int k = 0; k < 3; k++) d[k] = Sf[k] / mS * nd;
  }
  a = Dot(Sf, Cpf) / (Dot(Sf, d) + 1e-150);
  for (int k = 0; k < 3; k++) sv[k] = Cpf[k] - a * d[k];
  msv = PetscSqrtReal(Dot(sv, sv));
  fd  = (f < S->ni ? 0.2 : 0.4) * PetscSqrtReal(Dot(d, d)) + 1e-150;
  for (PetscInt j = m->faceOffsets[f]; j < m->faceOffsets[f + 1]; j++) {
    const PetscReal *x = m->points + 3 * m->facePoints[j];
    PetscReal        r[3];
    for (int k = 0; k < 3; k++) r[k] = x[k] - Cf[k];
    fd = PetscMax(fd, PetscAbsReal(Dot(sv, r)) / (msv + 1e-150));
  }
  return msv / fd;
}

/* Mark the cells that fail a check; only cells with a moved point can. */
static PetscInt Check(Snap *S, const unsigned char *active, PetscReal cosMax, unsigned char *bad, PetscInt why[4])
{
  const GaleMesh  m              = S->m;
  const PetscReal cosMaxBoundary = PetscCosReal(SNAP_MAX_BOUNDARY_NON_ORTHO * PETSC_PI / 180);
  PetscInt        nbad           = 0;

  Geometry(S);
  for (PetscInt c = 0; c < S->nc; c++) bad[c] = 0;
  for (PetscInt c = 0; c < S->nc; c++) {
    if (!active[c]) continue;
    if (!(S->V[c] > SNAP_MIN_VOLUME * S->vol0[c])) {
      bad[c] = 1;
      why[0]++;
      continue;
    }
    for (PetscInt k = S->cOff[c]; k < S->cOff[c + 1]; k++) {
      const PetscInt f = S->cFace[k];
      if (!FacePyramidPositive(S, f, m->owner[f] == c ? 1 : -1, S->C + 3 * c)) {
        bad[c] = 1;
        why[1]++;
        break;
      }
      if (S->flat[f] < SNAP_MIN_FLAT) {
        bad[c] = 1;
        why[3]++;
        break;
      }
    }
  }
  for (PetscInt f = 0; f < S->nf; f++) {
    const PetscInt   P = m->owner[f], N = f < S->ni ? m->neighbour[f] : -1;
    const PetscReal *Sf = S->Sf + 3 * f;
    PetscReal        d[3], cs;
    if (!active[P] && (N < 0 || !active[N])) continue;
    for (int k = 0; k < 3; k++) d[k] = (N >= 0 ? S->C[3 * N + k] : S->Cf[3 * f + k]) - S->C[3 * P + k];
    cs = Dot(Sf, d) / PetscMax(PetscSqrtReal(Dot(Sf, Sf) * Dot(d, d)), PETSC_SMALL * PETSC_SMALL);
    if (cs >= (N >= 0 ? cosMax : cosMaxBoundary) && Skewness(S, f) <= SNAP_MAX_SKEWNESS) continue;
    why[2]++;
    if (active[P]) bad[P] = 1;
    if (N >= 0 && active[N]) bad[N] = 1;
  }
  for (PetscInt c = 0; c < S->nc; c++) nbad += bad[c];
  return nbad;
}

static PetscErrorCode Allocate(Snap *S)
{
  PetscFunctionBeginUser;
  S->np = S->m->nPoints;
  S->nc = S->m->nCells;
  S->nf = S->m->nFaces;
  S->ni = S->m->nInternalFaces;
  PetscCall(PetscMalloc1(3 * S->np + 1, &S->x0));
  PetscCall(PetscArraycpy(S->x0, S->m->points, 3 * S->np));
  PetscCall(PetscCalloc1(3 * S->np + 1, &S->disp));
  PetscCall(PetscMalloc1(S->np + 1, &S->scale));
  PetscCall(PetscMalloc1(S->np + 1, &S->h));
  PetscCall(PetscCalloc1(S->np + 1, &S->kind));
  PetscCall(PetscCalloc1(S->np + 1, &S->fixed));
  PetscCall(PetscMalloc1(3 * S->nf + 1, &S->Cf));
  PetscCall(PetscMalloc1(3 * S->nf + 1, &S->Sf));
  PetscCall(PetscMalloc1(3 * S->nf + 1, &S->xm));
  PetscCall(PetscMalloc1(S->nf + 1, &S->flat));
  PetscCall(PetscMalloc1(3 * S->nc + 1, &S->C));
  PetscCall(PetscMalloc1(S->nc + 1, &S->V));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode Free(Snap *S)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree(S->x0));
  PetscCall(PetscFree(S->disp));
  PetscCall(PetscFree(S->scale));
  PetscCall(PetscFree(S->h));
  PetscCall(PetscFree(S->kind));
  PetscCall(PetscFree(S->fixed));
  PetscCall(PetscFree(S->eOff));
  PetscCall(PetscFree(S->eAdj));
  PetscCall(PetscFree(S->cOff));
  PetscCall(PetscFree(S->cFace));
  PetscCall(PetscFree(S->vol0));
  PetscCall(PetscFree(S->Cf));
  PetscCall(PetscFree(S->Sf));
  PetscCall(PetscFree(S->xm));
  PetscCall(PetscFree(S->flat));
  PetscCall(PetscFree(S->C));
  PetscCall(PetscFree(S->V));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static void Place(Snap *S)
{
  for (PetscInt p = 0; p < S->np; p++)
    for (int d = 0; d < 3; d++) S->m->points[3 * p + d] = S->x0[3 * p + d] + S->scale[p] * S->disp[3 * p + d];
}

/* Scale down the displacement of the points of failing cells until none
 * fails: halve `iterations` times, then cancel. */
static PetscErrorCode BackOff(Snap *S, const GaleSnapOptions *opt, GaleSnapStats *st)
{
  const GaleMesh  m      = S->m;
  const PetscReal cosMax = PetscCosReal(opt->maxNonOrtho * PETSC_PI / 180);
  unsigned char  *active, *bad;
  PetscInt       *stamp;

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc3(S->nc + 1, &active, S->nc + 1, &bad, S->np + 1, &stamp));
  for (PetscInt p = 0; p < S->np; p++) {
    S->scale[p] = 1;
    stamp[p]    = -1;
  }
  for (PetscInt f = 0; f < S->nf; f++) {
    PetscBool mv = PETSC_FALSE;
    for (PetscInt k = m->faceOffsets[f]; k < m->faceOffsets[f + 1] && !mv; k++) mv = Moved(S, m->facePoints[k]);
    if (!mv) continue;
    active[m->owner[f]] = 1;
    if (f < S->ni) active[m->neighbour[f]] = 1;
  }
  for (PetscInt it = 0;; it++) {
    PetscInt why[4] = {0, 0, 0, 0}, nbad;
    Place(S);
    nbad = Check(S, active, cosMax, bad, why);
    if (it == 0) {
      st->nBadCells = nbad;
      for (int k = 0; k < 4; k++) st->why[k] = why[k];
    }
    st->iterations = it;
    if (!nbad) break;
    PetscCheck(it < opt->iterations + 10000, PETSC_COMM_SELF, PETSC_ERR_PLIB, "snap: back-off does not converge (%" PetscInt_FMT " cells still fail)", nbad);
    for (PetscInt c = 0; c < S->nc; c++) {
      if (!bad[c]) continue;
      for (PetscInt k = S->cOff[c]; k < S->cOff[c + 1]; k++) {
        const PetscInt f = S->cFace[k];
        for (PetscInt q = m->faceOffsets[f]; q < m->faceOffsets[f + 1]; q++) {
          const PetscInt p = m->facePoints[q];
          if (stamp[p] == it) continue;
          stamp[p]    = it;
          S->scale[p] = it + 1 >= opt->iterations ? 0 : 0.5 * S->scale[p];
        }
      }
    }
  }
  PetscCall(PetscFree3(active, bad, stamp));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Cells whose every point lies on a surface patch would collapse onto the
 * surface when snapped (fins of the staircase, cells wedged between two
 * parts of a surface): they leave the fluid, as in snappyHexMesh's
 * castellated stage; the fluid is flood-filled again from location_in_mesh
 * (so that no pocket is cut off through them) and the mesh rebuilt. */
static PetscErrorCode RemoveCollapsingCells(GaleOctree o, GaleMesh *mesh, PetscInt *nRemoved)
{
  PetscInt *queue;

  PetscFunctionBeginUser;
  *nRemoved = 0;
  PetscCall(PetscMalloc1(o->nNodes + 1, &queue));
  for (int pass = 0; pass < 8; pass++) {
    const GaleMesh m = *mesh;
    unsigned char *kind;
    PetscInt       n = 0, seed, u[3], head = 0, tail = 0;
    PetscCall(PetscMalloc1(m->nPoints + 1, &kind));
    MarkSurfacePoints(o, m, kind);
    for (PetscInt c = 0; c < m->nCells; c++) queue[c] = 1; /* 0 once a face of the cell has a point off the surface patches */
    for (PetscInt f = 0; f < m->nFaces; f++) {
      PetscBool all = PETSC_TRUE;
      for (PetscInt k = m->faceOffsets[f]; k < m->faceOffsets[f + 1] && all; k++) all = (PetscBool)kind[m->facePoints[k]];
      if (all) continue;
      queue[m->owner[f]] = 0;
      if (f < m->nInternalFaces) queue[m->neighbour[f]] = 0;
    }
    PetscCall(PetscFree(kind));
    for (int d = 0; d < 3; d++) u[d] = PetscMax(0, PetscMin((PetscInt)PetscFloorReal((o->opt.location[d] - o->opt.lo[d]) / o->unit[d]), o->N[d] - 1));
    seed = GaleOctreeLocate(o, u, o->maxLevel);
    for (PetscInt c = 0; c < m->nCells; c++)
      if (queue[c] && o->cellLeaf[c] != seed) {
        o->flag[o->cellLeaf[c]] = GALE_OCTREE_CUT;
        n++;
      }
    if (!n) break;
    *nRemoved += n;
    for (PetscInt k = 0; k < o->nNodes; k++) o->flag[k] &= (unsigned char)~GALE_OCTREE_FLUID;
    o->flag[seed] |= GALE_OCTREE_FLUID;
    queue[tail++] = seed;
    while (head < tail) {
      const PetscInt l = queue[head++];
      for (int s = 0; s < 6; s++) {
        PetscInt nbr[64], cnt;
        PetscCall(GaleOctreeSideLeaves(o, l, s, 64, nbr, &cnt));
        for (PetscInt k = 0; k < cnt; k++) {
          if (o->flag[nbr[k]]) continue;
          o->flag[nbr[k]] |= GALE_OCTREE_FLUID;
          queue[tail++] = nbr[k];
        }
      }
    }
    o->stats.nFluid = tail;
    for (PetscInt L = 0; L <= GALE_OCTREE_MAX_LEVEL; L++) o->stats.fluidPerLevel[L] = 0;
    for (PetscInt k = 0; k < tail; k++) o->stats.fluidPerLevel[(int)o->level[queue[k]]]++;
    PetscCall(GaleMeshDestroy(mesh));
    PetscCall(GaleOctreeBuildMesh(o, mesh));
  }
  PetscCall(PetscFree(queue));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleOctreeSnap(GaleOctree o, const GaleSnapOptions *opt, GaleMesh *mesh, GaleSnapStats *st)
{
  Snap           S;
  GaleMesh       m;
  PetscLogDouble t0, t1;
  PetscReal      sum0 = 0, sum = 0;
  PetscInt       nmoved;

  PetscFunctionBeginUser;
  PetscCall(PetscTime(&t0));
  PetscCheck(o->cellLeaf && (*mesh)->nCells == o->stats.nFluid, o->comm, PETSC_ERR_ARG_WRONG, "GaleOctreeSnap: needs the mesh just built by GaleOctreeBuildMesh");
  PetscCall(PetscMemzero(&S, sizeof(S)));
  PetscCall(PetscMemzero(st, sizeof(*st)));
  PetscCall(RemoveCollapsingCells(o, mesh, &st->nRemoved));
  m   = *mesh;
  S.o = o;
  S.m = m;
  PetscCall(Allocate(&S));
  PetscCall(BuildEdges(&S));
  PetscCall(BuildPointData(&S));
  for (PetscInt p = 0; p < S.np; p++) {
    PetscReal dist;
    if (!S.kind[p]) continue;
    st->nBoundary++;
    if (!Target(&S, p, S.disp + 3 * p)) continue;
    dist         = PetscSqrtReal(Dot(S.disp + 3 * p, S.disp + 3 * p));
    st->maxDist0 = PetscMax(st->maxDist0, dist);
    sum0 += dist;
    st->nTargets++;
  }
  st->meanDist0 = st->nTargets ? sum0 / st->nTargets : 0;
  PetscCall(SmoothPatch(&S, opt->patchSmooth));
  if (opt->features) PetscCall(GaleOctreeSnapFeatures_Private(&S, opt->featureAngle, &st->nFeature));
  PetscCall(Smooth(&S, opt->smoothLayers, &nmoved));
  st->nInterior = nmoved;
  PetscCall(BackOff(&S, opt, st));
  for (PetscInt p = 0; p < S.np; p++) {
    PetscReal dist, q[3];
    if (!S.kind[p]) continue;
    if (!Moved(&S, p))
      st->nStill++;
    else if (S.scale[p] == 1)
      st->nSnapped++;
    else if (S.scale[p] > 0)
      st->nBackedOff++;
    else
      st->nFrozen++;
    if (!Nearest(o, m->points + 3 * p, 2 * SNAP_REACH * S.h[p], q, &dist)) continue;
    st->maxDist = PetscMax(st->maxDist, dist);
    sum += dist;
    st->nDist++;
  }
  st->meanDist = st->nDist ? sum / st->nDist : 0;
  PetscCall(Free(&S));
  PetscCall(GaleMeshComputeGeometry(m));
  PetscCall(PetscTime(&t1));
  st->time = t1 - t0;
  PetscFunctionReturn(PETSC_SUCCESS);
}
