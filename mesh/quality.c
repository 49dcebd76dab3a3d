/* Mesh quality report and gate, with OpenFOAM checkMesh's definitions so
 * the numbers can be compared with checkMesh's on the same mesh (the
 * definitions are those of OpenFOAM's primitiveMeshCheck/primitiveMeshTools,
 * v1912):
 *   non-orthogonality  internal faces: angle between d = C_N - C_P and Sf;
 *                      max, and acos of the mean cosine as "average";
 *                      > 70 degrees severe (warning), >= 90 an error
 *   skewness           |s| / fd with s = C_f - C_P - (Sf.(C_f-C_P))/(Sf.d) d,
 *                      the distance from the face centre to where d crosses
 *                      the face plane, fd the largest extent of the face from
 *                      its centre along s (at least 0.2 |d|); boundary faces
 *                      use d = n (n.(C_f - C_P)) and at least 0.4 |d|; > 4 fails
 *   openness           per cell max_i |sum Sf_i| / sum |Sf_i| (outward Sf,
 *                      components i); > 1e-6 is an open cell
 *   aspect ratio       per cell max/min over the geometric directions of
 *                      sum |Sf_i|, and in 3D at least sum_i sum |Sf_i| / (6 V^(2/3));
 *                      > 1000 fails
 *   determinant        |det(sum over internal faces of (Sf/avg|Sf|)^2)| / 8
 *                      with the empty direction's diagonal set to 1 in 2D
 *                      (1 for an interior cube); < 1e-3 fails
 *   face pyramids      the pyramid from each face to its cell centre has
 *                      positive volume on both sides
 *   cell types         by topology: hexahedron 6 quads / 8 points, prism
 *                      2 triangles + 3 quads / 6, wedge 2 + 4 / 7, pyramid 4 + 1
 *                      / 5, tet-wedge 2 + 2 / 5, tetrahedron 4 triangles / 4,
 *                      anything else a polyhedron.
 * Geometric directions: those along which the mesh is not one cell thick
 * between empty patches (a direction with more than 1e-6 of the normalised
 * sum of |Sf_i| over empty faces is not geometric).
 * Works on a global mesh and on a distributed one: cell metrics over the
 * owned cells, each face counted once (by the rank that owns its owner
 * cell), sums and extremes reduced over m->comm, so every rank count gives
 * the same report. A global mesh that every rank of a larger communicator
 * holds whole (nCells = nCellsGlobal, no ghosts) is not reduced. */
#include <stdarg.h>
#include <stdio.h>
#include "gale_mesh.h"

#define ROOTVSMALL 1.0e-150
#define VSMALL 1.0e-300
#define SMALL_ 1.0e-15
#define CLOSED_THRESHOLD 1.0e-6
#define ASPECT_THRESHOLD 1000.0
#define NONORTH_THRESHOLD 70.0
#define SKEW_THRESHOLD 4.0
#define DET_THRESHOLD 1.0e-3

const char *const GaleCellTypeNames[GALE_CELL_NTYPES] = {"hexahedra", "prisms", "wedges", "pyramids", "tet wedges", "tetrahedra", "polyhedra"};

static inline PetscReal Dot3(const PetscReal a[3], const PetscReal b[3])
{
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

static inline PetscReal Mag3(const PetscReal a[3])
{
  return PetscSqrtReal(Dot3(a, a));
}

/* cosine of the angle between C_N - C_P and Sf of internal face f */
static PetscReal FaceOrthoCos(GaleMesh m, PetscInt f)
{
  const PetscReal *CP = m->cellCentres + 3 * m->owner[f], *CN = m->cellCentres + 3 * m->neighbour[f], *S = m->faceAreas + 3 * f;
  PetscReal        d[3];
  for (int k = 0; k < 3; k++) d[k] = CN[k] - CP[k];
  return Dot3(d, S) / (Mag3(d) * Mag3(S) + ROOTVSMALL);
}

static PetscReal FaceSkewness(GaleMesh m, PetscInt f)
{
  const PetscReal *Cf = m->faceCentres + 3 * f, *S = m->faceAreas + 3 * f, *CP = m->cellCentres + 3 * m->owner[f];
  PetscReal        Cpf[3], d[3], sv[3], svHat[3], fd, a, msv;

  for (int k = 0; k < 3; k++) Cpf[k] = Cf[k] - CP[k];
  if (f < m->nInternalFaces) {
    const PetscReal *CN = m->cellCentres + 3 * m->neighbour[f];
    for (int k = 0; k < 3; k++) d[k] = CN[k] - CP[k];
  } else { /* as if the boundary face had a mirror cell beyond it */
    const PetscReal mS = Mag3(S) + ROOTVSMALL, nd = Dot3(S, Cpf) / mS;
    for (int k = 0; k < 3; k++) d[k] = S[k] / mS * nd;
  }
  a = Dot3(S, Cpf) / (Dot3(S, d) + ROOTVSMALL);
  for (int k = 0; k < 3; k++) sv[k] = Cpf[k] - a * d[k];
  msv = Mag3(sv);
  for (int k = 0; k < 3; k++) svHat[k] = sv[k] / (msv + ROOTVSMALL);
  fd = (f < m->nInternalFaces ? 0.2 : 0.4) * Mag3(d) + ROOTVSMALL;
  for (PetscInt j = m->faceOffsets[f]; j < m->faceOffsets[f + 1]; j++) {
    const PetscReal *x = m->points + 3 * m->facePoints[j];
    PetscReal        r[3];
    for (int k = 0; k < 3; k++) r[k] = x[k] - Cf[k];
    fd = PetscMax(fd, PetscAbsReal(Dot3(svHat, r)));
  }
  return msv / fd;
}

static PetscReal Det3Sym(const PetscReal t[6]) /* xx xy xz yy yz zz */
{
  return t[0] * (t[3] * t[5] - t[4] * t[4]) - t[1] * (t[1] * t[5] - t[4] * t[2]) + t[2] * (t[1] * t[4] - t[3] * t[2]);
}

/* The geometric directions (1) and the empty ones (-1), from the empty patches. */
static PetscErrorCode GeometricDirections(GaleMesh m, MPI_Comm rc, PetscInt D[3])
{
  PetscReal e[4] = {0, 0, 0, 0}, mag;

  PetscFunctionBeginUser;
  for (PetscInt p = 0; p < m->nPatches; p++) {
    if (strcmp(m->patches[p].type, "empty")) continue;
    e[3] = 1;
    for (PetscInt f = m->patches[p].start; f < m->patches[p].start + m->patches[p].size; f++)
      for (int k = 0; k < 3; k++) e[k] += PetscAbsReal(m->faceAreas[3 * f + k]);
  }
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, e, 4, MPIU_REAL, MPI_SUM, rc));
  mag = Mag3(e);
  for (int k = 0; k < 3; k++) D[k] = (e[3] > 0 && mag > 0 && e[k] / mag > 1e-6) ? -1 : 1;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Cell type of owned cell c from the sizes of its faces and its distinct points. */
static GaleCellType ClassifyCell(PetscInt nf, PetscInt ntri, PetscInt nquad, PetscInt npts)
{
  if (nf == 6 && nquad == 6 && npts == 8) return GALE_CELL_HEX;
  if (nf == 5 && ntri == 2 && nquad == 3 && npts == 6) return GALE_CELL_PRISM;
  if (nf == 6 && ntri == 2 && nquad == 4 && npts == 7) return GALE_CELL_WEDGE;
  if (nf == 5 && ntri == 4 && nquad == 1 && npts == 5) return GALE_CELL_PYRAMID;
  if (nf == 4 && ntri == 2 && nquad == 2 && npts == 5) return GALE_CELL_TETWEDGE;
  if (nf == 4 && ntri == 4 && npts == 4) return GALE_CELL_TET;
  return GALE_CELL_POLY;
}

/* Cell types and polyhedra by face count of the owned cells. */
static PetscErrorCode CellTypes(GaleMesh m, GaleMeshQuality *q)
{
  const PetscInt nc = m->nCells, nf = m->nFaces, ni = m->nInternalFaces;
  PetscInt      *off, *pos, *cf, *pts, cap = 64;

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc2(nc + 1, &off, nc + 1, &pos));
  for (PetscInt f = 0; f < nf; f++) {
    if (m->owner[f] < nc) off[m->owner[f] + 1]++;
    if (f < ni && m->neighbour[f] < nc) off[m->neighbour[f] + 1]++;
  }
  for (PetscInt c = 0; c < nc; c++) off[c + 1] += off[c];
  PetscCall(PetscMalloc1(off[nc] + 1, &cf));
  for (PetscInt f = 0; f < nf; f++) {
    if (m->owner[f] < nc) cf[off[m->owner[f]] + pos[m->owner[f]]++] = f;
    if (f < ni && m->neighbour[f] < nc) cf[off[m->neighbour[f]] + pos[m->neighbour[f]]++] = f;
  }
  PetscCall(PetscMalloc1(cap, &pts));
  for (PetscInt c = 0; c < nc; c++) {
    PetscInt ntri = 0, nquad = 0, n = 0, nfc = off[c + 1] - off[c];
    for (PetscInt j = off[c]; j < off[c + 1]; j++) {
      const PetscInt f = cf[j], s = m->faceOffsets[f], np = m->faceOffsets[f + 1] - s;
      ntri += np == 3;
      nquad += np == 4;
      if (n + np > cap) {
        while (n + np > cap) cap *= 2;
        PetscCall(PetscRealloc(cap * sizeof(PetscInt), &pts));
      }
      for (PetscInt i = 0; i < np; i++) pts[n++] = m->facePoints[s + i];
    }
    PetscCall(PetscSortRemoveDupsInt(&n, pts));
    {
      const GaleCellType t = ClassifyCell(nfc, ntri, nquad, n);
      q->nType[t]++;
      if (t == GALE_CELL_POLY) q->nPolyByFaces[PetscMin(nfc, GALE_QUALITY_MAX_FACES)]++;
    }
  }
  PetscCall(PetscFree(pts));
  PetscCall(PetscFree(cf));
  PetscCall(PetscFree2(off, pos));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Openness, aspect ratio and determinant of the owned cells (face sums). */
static PetscErrorCode CellSums(GaleMesh m, const PetscInt D[3], GaleMeshQuality *q, PetscReal *worstOpen, PetscReal *detSum)
{
  const PetscInt nc = m->nCells, nf = m->nFaces, ni = m->nInternalFaces;
  PetscInt       nDims = (D[0] == 1) + (D[1] == 1) + (D[2] == 1);
  PetscReal     *sum, *smag, *T, *avg;
  PetscInt      *nint;

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc5(3 * nc + 1, &sum, 3 * nc + 1, &smag, 6 * nc + 1, &T, nc + 1, &avg, nc + 1, &nint));
  for (PetscInt f = 0; f < nf; f++) {
    const PetscReal *S    = m->faceAreas + 3 * f;
    const PetscReal  t[6] = {S[0] * S[0], S[0] * S[1], S[0] * S[2], S[1] * S[1], S[1] * S[2], S[2] * S[2]};
    for (int side = 0; side < (f < ni ? 2 : 1); side++) {
      const PetscInt c = side ? m->neighbour[f] : m->owner[f];
      if (c >= nc) continue;
      for (int k = 0; k < 3; k++) {
        sum[3 * c + k] += side ? -S[k] : S[k];
        smag[3 * c + k] += PetscAbsReal(S[k]);
      }
      if (f < ni) { /* internal (or processor) faces only */
        for (int k = 0; k < 6; k++) T[6 * c + k] += t[k];
        avg[c] += m->faceMagAreas[f];
        nint[c]++;
      }
    }
  }
  *worstOpen = -1;
  *detSum    = 0;
  for (PetscInt c = 0; c < nc; c++) {
    PetscReal open = 0, mn = PETSC_MAX_REAL, mx = -PETSC_MAX_REAL, ar, det;
    for (int k = 0; k < 3; k++) open = PetscMax(open, PetscAbsReal(sum[3 * c + k]) / (smag[3 * c + k] + ROOTVSMALL));
    if (open > q->maxOpenness) q->maxOpenness = open;
    if (open > CLOSED_THRESHOLD) {
      q->nOpen++;
      if (open > *worstOpen) {
        *worstOpen = open;
        PetscCall(PetscArraycpy(q->openCentre, m->cellCentres + 3 * c, 3));
      }
    }
    for (int k = 0; k < 3; k++)
      if (D[k] == 1) {
        mn = PetscMin(mn, smag[3 * c + k]);
        mx = PetscMax(mx, smag[3 * c + k]);
      }
    ar = nDims ? mx / (mn + ROOTVSMALL) : 1;
    if (nDims == 3) ar = PetscMax(ar, (smag[3 * c] + smag[3 * c + 1] + smag[3 * c + 2]) / (6.0 * PetscPowReal(PetscMax(ROOTVSMALL, m->cellVolumes[c]), 2.0 / 3.0)));
    q->maxAspectRatio = PetscMax(q->maxAspectRatio, ar);
    q->nHighAspect += ar > ASPECT_THRESHOLD;
    if (nDims <= 1)
      det = 1;
    else if (!nint[c] || avg[c] < ROOTVSMALL)
      det = 0;
    else {
      const PetscReal a2 = (avg[c] / nint[c]) * (avg[c] / nint[c]);
      PetscReal       t[6];
      for (int k = 0; k < 6; k++) t[k] = T[6 * c + k] / a2;
      if (nDims == 2) { /* the missing direction's eigenvalue 1 leaves the determinant of the plane */
        if (D[0] == -1)
          t[0] = 1;
        else if (D[1] == -1)
          t[3] = 1;
        else
          t[5] = 1;
      }
      det = PetscAbsReal(Det3Sym(t)) / 8.0; /* 1 for an interior cube (eigenvalues 2 2 2), as OpenFOAM v1912 */
    }
    q->minDeterminant = PetscMin(q->minDeterminant, det);
    *detSum += det;
    q->nLowDeterminant += det < DET_THRESHOLD;
  }
  PetscCall(PetscFree5(sum, smag, T, avg, nint));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Face metrics, each face once: owner owned. */
static void FaceMetrics(GaleMesh m, GaleMeshQuality *q, PetscReal *cosSum)
{
  const PetscReal cosSevere = PetscCosReal(NONORTH_THRESHOLD * PETSC_PI / 180.0);
  PetscReal       minCos    = 1;

  *cosSum = 0;
  for (PetscInt f = 0; f < m->nFaces; f++) {
    const PetscReal *S = m->faceAreas + 3 * f, *Cf = m->faceCentres + 3 * f, *CP = m->cellCentres + 3 * m->owner[f];
    PetscReal        r[3], sk;
    if (m->owner[f] >= m->nCells) continue;
    q->minFaceArea = PetscMin(q->minFaceArea, m->faceMagAreas[f]);
    q->maxFaceArea = PetscMax(q->maxFaceArea, m->faceMagAreas[f]);
    q->nZeroArea += m->faceMagAreas[f] < VSMALL;
    for (int k = 0; k < 3; k++) r[k] = Cf[k] - CP[k];
    q->nBadPyramids += Dot3(S, r) / 3.0 < -SMALL_;
    if (f < m->nInternalFaces) {
      const PetscReal  c  = FaceOrthoCos(m, f);
      const PetscReal *CN = m->cellCentres + 3 * m->neighbour[f];
      for (int k = 0; k < 3; k++) r[k] = CN[k] - Cf[k];
      q->nBadPyramids += Dot3(S, r) / 3.0 < -SMALL_;
      minCos = PetscMin(minCos, c);
      *cosSum += c;
      q->nInternalFaces++;
      if (c < cosSevere) {
        if (c > SMALL_)
          q->nSevereNonOrth++;
        else
          q->nErrorNonOrth++;
      }
    } else {
      q->nBoundaryFaces++;
      for (int k = 0; k < 3; k++) {
        q->boundaryOpenness[k] += S[k];
        q->boundaryMag[k] += PetscAbsReal(S[k]);
      }
    }
    sk             = FaceSkewness(m, f);
    q->maxSkewness = PetscMax(q->maxSkewness, sk);
    q->nHighSkew += sk > SKEW_THRESHOLD;
  }
  q->maxNonOrth = PetscAcosReal(PetscMin(1.0, PetscMax(-1.0, minCos))) * 180.0 / PETSC_PI;
}

/* Centre of the cell where a reduced (value, rank) extreme lives, on every rank. */
static PetscErrorCode ShareCentre(MPI_Comm comm, PetscReal value, PetscBool wantMin, PetscReal x[3])
{
  struct {
    double v;
    int    r;
  } in, out;
  PetscMPIInt rank;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  in.v = (double)value;
  in.r = (int)rank;
  PetscCallMPI(MPI_Allreduce(&in, &out, 1, MPI_DOUBLE_INT, wantMin ? MPI_MINLOC : MPI_MAXLOC, comm));
  PetscCallMPI(MPI_Bcast(x, 3, MPIU_REAL, out.r, comm));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Counts and sums added, extremes taken over the ranks of rc; sums[] are
 * extra sums (the cosines and determinants, for the averages). */
static PetscErrorCode Reduce(MPI_Comm rc, GaleMeshQuality *q, PetscReal sums[2], PetscInt *maxLevel)
{
  PetscInt *const  cnt[] = {&q->nCells, &q->nInternalFaces, &q->nBoundaryFaces, &q->nOpen, &q->nHighAspect, &q->nZeroArea, &q->nNegVolume, &q->nSevereNonOrth, &q->nErrorNonOrth, &q->nBadPyramids, &q->nHighSkew, &q->nLowDeterminant};
  PetscReal *const lo[]  = {&q->minFaceArea, &q->minVolume, &q->minDeterminant, &q->bboxLo[0], &q->bboxLo[1], &q->bboxLo[2]};
  PetscReal *const hi[]  = {&q->maxFaceArea, &q->maxVolume, &q->maxOpenness, &q->maxAspectRatio, &q->maxSkewness, &q->maxNonOrth, &q->bboxHi[0], &q->bboxHi[1], &q->bboxHi[2]};
  const int        nc = sizeof(cnt) / sizeof(cnt[0]), nlo = sizeof(lo) / sizeof(lo[0]), nhi = sizeof(hi) / sizeof(hi[0]);
  PetscInt         n[sizeof(cnt) / sizeof(cnt[0])];
  PetscReal        r[6], mn[sizeof(lo) / sizeof(lo[0])], mx[sizeof(hi) / sizeof(hi[0])];

  PetscFunctionBeginUser;
  for (int k = 0; k < nc; k++) n[k] = *cnt[k];
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, n, nc, MPIU_INT, MPI_SUM, rc));
  for (int k = 0; k < nc; k++) *cnt[k] = n[k];
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, q->nType, GALE_CELL_NTYPES, MPIU_INT, MPI_SUM, rc));
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, q->nPolyByFaces, GALE_QUALITY_MAX_FACES + 1, MPIU_INT, MPI_SUM, rc));
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, q->nPerLevel, GALE_QUALITY_MAX_LEVEL + 1, MPIU_INT, MPI_SUM, rc));
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, maxLevel, 1, MPIU_INT, MPI_MAX, rc));
  r[0] = q->totalVolume;
  r[1] = sums[0];
  r[2] = sums[1];
  for (int d = 0; d < 3; d++) r[3 + d] = q->boundaryOpenness[d];
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, r, 6, MPIU_REAL, MPI_SUM, rc));
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, q->boundaryMag, 3, MPIU_REAL, MPI_SUM, rc));
  q->totalVolume = r[0];
  sums[0]        = r[1];
  sums[1]        = r[2];
  for (int d = 0; d < 3; d++) q->boundaryOpenness[d] = r[3 + d] / (q->boundaryMag[d] + ROOTVSMALL);
  for (int k = 0; k < nlo; k++) mn[k] = *lo[k];
  for (int k = 0; k < nhi; k++) mx[k] = *hi[k];
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, mn, nlo, MPIU_REAL, MPI_MIN, rc));
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, mx, nhi, MPIU_REAL, MPI_MAX, rc));
  for (int k = 0; k < nlo; k++) *lo[k] = mn[k];
  for (int k = 0; k < nhi; k++) *hi[k] = mx[k];
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleMeshComputeQuality(GaleMesh m, GaleMeshQuality *q)
{
  PetscReal   worstOpen = -1, detSum = 0, cosSum = 0, worstVol = PETSC_MAX_REAL;
  PetscInt    maxLevel = -1;
  PetscMPIInt size;
  MPI_Comm    rc; /* reductions: over the ranks, or none for a global mesh every rank holds whole */

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(m->comm, &size));
  rc = (size > 1 && m->nGhosts == 0 && m->nCells == m->nCellsGlobal) ? PETSC_COMM_SELF : m->comm;
  PetscCheck(m->cellVolumes && m->faceAreas, m->comm, PETSC_ERR_ARG_WRONGSTATE, "GaleMeshComputeQuality: the mesh has no geometry (call GaleMeshComputeGeometry first)");
  PetscCall(PetscMemzero(q, sizeof(*q)));
  q->minFaceArea = q->minVolume = q->minDeterminant = PETSC_MAX_REAL;
  q->maxFaceArea = q->maxVolume = -PETSC_MAX_REAL;
  for (int d = 0; d < 3; d++) {
    q->bboxLo[d] = PETSC_MAX_REAL;
    q->bboxHi[d] = -PETSC_MAX_REAL;
  }
  for (PetscInt i = 0; i < m->nPoints; i++)
    for (int d = 0; d < 3; d++) {
      q->bboxLo[d] = PetscMin(q->bboxLo[d], m->points[3 * i + d]);
      q->bboxHi[d] = PetscMax(q->bboxHi[d], m->points[3 * i + d]);
    }
  PetscCall(GeometricDirections(m, rc, q->geometricD));
  PetscCall(CellTypes(m, q));
  PetscCall(CellSums(m, q->geometricD, q, &worstOpen, &detSum));
  FaceMetrics(m, q, &cosSum);
  q->nCells = m->nCells;
  for (PetscInt c = 0; c < m->nCells; c++) {
    const PetscReal V = m->cellVolumes[c];
    q->minVolume      = PetscMin(q->minVolume, V);
    q->maxVolume      = PetscMax(q->maxVolume, V);
    q->totalVolume += V;
    if (V < VSMALL) {
      q->nNegVolume++;
      if (V < worstVol) {
        worstVol = V;
        PetscCall(PetscArraycpy(q->negVolumeCentre, m->cellCentres + 3 * c, 3));
      }
    }
    if (m->cellLevel) {
      const PetscInt L = PetscMin(PetscMax(m->cellLevel[c], 0), GALE_QUALITY_MAX_LEVEL);
      q->nPerLevel[L]++;
      maxLevel = PetscMax(maxLevel, L);
    }
  }
  {
    PetscReal sums[2] = {cosSum, detSum};
    PetscCall(Reduce(rc, q, sums, &maxLevel));
    cosSum = sums[0];
    detSum = sums[1];
  }
  q->nLevels        = maxLevel + 1;
  q->avgNonOrth     = q->nInternalFaces ? PetscAcosReal(PetscMin(1.0, PetscMax(-1.0, cosSum / q->nInternalFaces))) * 180.0 / PETSC_PI : 0;
  q->avgDeterminant = q->nCells ? detSum / q->nCells : 0;
  if (q->nNegVolume) PetscCall(ShareCentre(rc, worstVol, PETSC_TRUE, q->negVolumeCentre));
  if (q->nOpen) PetscCall(ShareCentre(rc, worstOpen, PETSC_FALSE, q->openCentre));
  /* failed checks, as checkMesh counts them */
  q->nFailed = 0;
  for (int d = 0; d < 3; d++)
    if (PetscAbsReal(q->boundaryOpenness[d]) > CLOSED_THRESHOLD) {
      q->nFailed++;
      break;
    }
  q->nFailed += (q->nOpen || q->nHighAspect) + (q->nZeroArea > 0) + (q->nNegVolume > 0) + (q->nErrorNonOrth > 0) + (q->nBadPyramids > 0) + (q->nHighSkew > 0) + (q->nLowDeterminant > 0);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleMeshQualityCellFields(GaleMesh m, PetscReal nonOrth[], PetscReal skewness[])
{
  PetscFunctionBeginUser;
  for (PetscInt c = 0; c < m->nCells; c++) nonOrth[c] = skewness[c] = 0;
  for (PetscInt f = 0; f < m->nFaces; f++) {
    const PetscReal sk = FaceSkewness(m, f);
    PetscReal       no = 0;
    if (f < m->nInternalFaces) no = PetscAcosReal(PetscMin(1.0, PetscMax(-1.0, FaceOrthoCos(m, f)))) * 180.0 / PETSC_PI;
    for (int side = 0; side < (f < m->nInternalFaces ? 2 : 1); side++) {
      const PetscInt c = side ? m->neighbour[f] : m->owner[f];
      if (c >= m->nCells) continue;
      nonOrth[c]  = PetscMax(nonOrth[c], no);
      skewness[c] = PetscMax(skewness[c], sk);
    }
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* printf on rank 0 with the C library's %g (PetscPrintf writes 0 as "0.") */
static PetscErrorCode Say(MPI_Comm comm, const char *fmt, ...)
{
  char    buf[2048];
  va_list ap;

  PetscFunctionBeginUser;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  PetscCall(PetscPrintf(comm, "%s", buf));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* One report line: "  label" padded, then the text. */
#define LINE(fmt, ...) PetscCall(Say(m->comm, "  %-22s " fmt "\n", __VA_ARGS__))

PetscErrorCode GaleMeshQualityView(GaleMesh m, const GaleMeshQuality *q)
{
  const PetscInt nDims = (q->geometricD[0] == 1) + (q->geometricD[1] == 1) + (q->geometricD[2] == 1);
  char           buf[1024];
  PetscBool      bOpen = PETSC_FALSE;

  PetscFunctionBeginUser;
  PetscCall(Say(m->comm, "Mesh quality (OpenFOAM checkMesh definitions):\n"));
  buf[0] = 0;
  for (int t = 0; t < GALE_CELL_NTYPES; t++) {
    char one[64];
    PetscCall(PetscSNPrintf(one, sizeof(one), "%s%s %" PetscInt_FMT, t ? ", " : "", GaleCellTypeNames[t], q->nType[t]));
    PetscCall(PetscStrlcat(buf, one, sizeof(buf)));
  }
  LINE("%" PetscInt_FMT ": %s", "cells", q->nCells, buf);
  if (q->nType[GALE_CELL_POLY]) {
    buf[0] = 0;
    for (PetscInt k = 0; k <= GALE_QUALITY_MAX_FACES; k++) {
      char one[64];
      if (!q->nPolyByFaces[k]) continue;
      PetscCall(PetscSNPrintf(one, sizeof(one), "%s%s%" PetscInt_FMT " faces: %" PetscInt_FMT, buf[0] ? ", " : "", k == GALE_QUALITY_MAX_FACES ? ">= " : "", k, q->nPolyByFaces[k]));
      PetscCall(PetscStrlcat(buf, one, sizeof(buf)));
    }
    LINE("%s", "polyhedra", buf);
  }
  if (q->nLevels > 0) {
    buf[0] = 0;
    for (PetscInt L = 0; L < q->nLevels; L++) {
      char one[64];
      PetscCall(PetscSNPrintf(one, sizeof(one), "%sL%" PetscInt_FMT " %" PetscInt_FMT, L ? ", " : "", L, q->nPerLevel[L]));
      PetscCall(PetscStrlcat(buf, one, sizeof(buf)));
    }
    LINE("%s", "cells per level", buf);
  }
  LINE("%" PetscInt_FMT " (%" PetscInt_FMT " internal, %" PetscInt_FMT " boundary)", "faces", q->nInternalFaces + q->nBoundaryFaces, q->nInternalFaces, q->nBoundaryFaces);
  LINE("(%g %g %g) (%g %g %g) m", "bounding box", (double)q->bboxLo[0], (double)q->bboxLo[1], (double)q->bboxLo[2], (double)q->bboxHi[0], (double)q->bboxHi[1], (double)q->bboxHi[2]);
  LINE("%" PetscInt_FMT " (%" PetscInt_FMT " %" PetscInt_FMT " %" PetscInt_FMT ")", "geometric directions", nDims, q->geometricD[0], q->geometricD[1], q->geometricD[2]);
  for (int d = 0; d < 3; d++) bOpen = (PetscBool)(bOpen || PetscAbsReal(q->boundaryOpenness[d]) > CLOSED_THRESHOLD);
  if (bOpen)
    PetscCall(Say(m->comm, " ***Boundary openness (%.3g %.3g %.3g) above %g: possible hole in the boundary\n", (double)q->boundaryOpenness[0], (double)q->boundaryOpenness[1], (double)q->boundaryOpenness[2], CLOSED_THRESHOLD));
  else if (PetscMax(PetscAbsReal(q->boundaryOpenness[0]), PetscMax(PetscAbsReal(q->boundaryOpenness[1]), PetscAbsReal(q->boundaryOpenness[2]))) < 1e-12)
    LINE("%s", "boundary openness", "below 1e-12 OK"); /* round-off: its digits depend on the rank count */
  else
    LINE("(%.3g %.3g %.3g) OK", "boundary openness", (double)q->boundaryOpenness[0], (double)q->boundaryOpenness[1], (double)q->boundaryOpenness[2]);
  if (q->nOpen)
    PetscCall(Say(m->comm, " ***Open cells: %" PetscInt_FMT ", max cell openness %.3g above %g\n", q->nOpen, (double)q->maxOpenness, CLOSED_THRESHOLD));
  else
    LINE("%.3g OK", "max cell openness", (double)q->maxOpenness);
  if (q->nHighAspect)
    PetscCall(Say(m->comm, " ***Max aspect ratio %.4g above %g in %" PetscInt_FMT " cells\n", (double)q->maxAspectRatio, ASPECT_THRESHOLD, q->nHighAspect));
  else
    LINE("%.4g OK", "max aspect ratio", (double)q->maxAspectRatio);
  if (q->nZeroArea)
    PetscCall(Say(m->comm, " ***Zero or negative face area in %" PetscInt_FMT " faces (min %.4g m^2)\n", q->nZeroArea, (double)q->minFaceArea));
  else
    LINE("min %.4g, max %.4g m^2 OK", "face area", (double)q->minFaceArea, (double)q->maxFaceArea);
  if (q->nNegVolume)
    PetscCall(
        Say(m->comm, " ***Zero or negative cell volume in %" PetscInt_FMT " cells (min %.4g m^3 at (%g, %g, %g))\n", q->nNegVolume, (double)q->minVolume, (double)q->negVolumeCentre[0], (double)q->negVolumeCentre[1], (double)q->negVolumeCentre[2]));
  else
    LINE("min %.4g, max %.4g, total %.6g m^3 OK", "cell volume", (double)q->minVolume, (double)q->maxVolume, (double)q->totalVolume);
  if (!q->nInternalFaces)
    LINE("%s", "non-orthogonality", "no internal faces");
  else
    LINE("max %.4g, average %.4g degrees%s", "non-orthogonality", (double)q->maxNonOrth, (double)q->avgNonOrth, q->nSevereNonOrth || q->nErrorNonOrth ? "" : " OK");
  if (q->nSevereNonOrth) PetscCall(Say(m->comm, "   *Max non-orthogonality %.4g above %g in %" PetscInt_FMT " faces (severe, not an error)\n", (double)q->maxNonOrth, NONORTH_THRESHOLD, q->nSevereNonOrth));
  if (q->nErrorNonOrth) PetscCall(Say(m->comm, " ***Non-orthogonality of 90 degrees or more in %" PetscInt_FMT " faces\n", q->nErrorNonOrth));
  if (q->nBadPyramids)
    PetscCall(Say(m->comm, " ***Face pyramids: %" PetscInt_FMT " negative (faces turned the wrong way or inverted cells)\n", q->nBadPyramids));
  else
    LINE("%s", "face pyramids", "OK");
  if (q->nHighSkew)
    PetscCall(Say(m->comm, " ***Max skewness %.4g above %g in %" PetscInt_FMT " faces\n", (double)q->maxSkewness, SKEW_THRESHOLD, q->nHighSkew));
  else
    LINE("%.4g OK", "max skewness", (double)q->maxSkewness);
  if (q->nLowDeterminant)
    PetscCall(Say(m->comm, " ***Cell determinant below %g in %" PetscInt_FMT " cells (min %.4g, average %.4g)\n", DET_THRESHOLD, q->nLowDeterminant, (double)q->minDeterminant, (double)q->avgDeterminant));
  else
    LINE("min %.4g, average %.4g OK", "cell determinant", (double)q->minDeterminant, (double)q->avgDeterminant);
  if (q->nFailed)
    PetscCall(Say(m->comm, "Failed %" PetscInt_FMT " mesh check%s.\n", q->nFailed, q->nFailed == 1 ? "" : "s"));
  else
    PetscCall(Say(m->comm, "Mesh OK.\n"));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleMeshQualityViewBrief(GaleMesh m, const GaleMeshQuality *q)
{
  const struct {
    PetscInt    n;
    const char *what;
  } items[] = {
      {q->nNegVolume, "cells with zero or negative volume"},
      {q->nOpen, "open cells"},
      {q->nSevereNonOrth + q->nErrorNonOrth, "faces non-orthogonal above 70 degrees"},
      {q->nHighSkew, "faces with skewness above 4"},
      {q->nBadPyramids, "negative face pyramids"},
      {q->nHighAspect, "cells with aspect ratio above 1000"},
      {q->nLowDeterminant, "cells with determinant below 0.001"},
      {q->nZeroArea, "faces with zero area"},
  };
  char buf[1024] = "";

  PetscFunctionBeginUser;
  for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++) {
    char one[128];
    if (!items[i].n) continue;
    PetscCall(PetscSNPrintf(one, sizeof(one), "%s%" PetscInt_FMT " %s", buf[0] ? ", " : "", items[i].n, items[i].what));
    PetscCall(PetscStrlcat(buf, one, sizeof(buf)));
  }
  PetscCall(Say(m->comm, "Mesh quality: max non-orthogonality %.3g degrees (average %.3g), max skewness %.3g, max aspect ratio %.3g; %s\n", (double)q->maxNonOrth, (double)q->avgNonOrth, (double)q->maxSkewness, (double)q->maxAspectRatio,
                buf[0] ? "warnings:" : "OK"));
  if (buf[0]) PetscCall(Say(m->comm, "  %s (gale mesh prints the full report)\n", buf));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleMeshQualityCheck(GaleMesh m, const GaleMeshQuality *q)
{
  PetscFunctionBeginUser;
  PetscCheck(!q->nNegVolume, m->comm, GALE_ERR_USER, "the mesh has %" PetscInt_FMT " cell%s with zero or negative volume (smallest %g m^3, at (%g, %g, %g)) (expected positive volumes: an inverted cell or faces with points in the wrong order)",
             q->nNegVolume, q->nNegVolume == 1 ? "" : "s", (double)q->minVolume, (double)q->negVolumeCentre[0], (double)q->negVolumeCentre[1], (double)q->negVolumeCentre[2]);
  PetscCheck(!q->nOpen, m->comm, GALE_ERR_USER,
             "the mesh has %" PetscInt_FMT " open cell%s (worst: the sum of its outward face area vectors is %g of its face area, at (%g, %g, %g)) (expected closed cells, openness below %g: faces are missing or have the wrong owner)", q->nOpen,
             q->nOpen == 1 ? "" : "s", (double)q->maxOpenness, (double)q->openCentre[0], (double)q->openCentre[1], (double)q->openCentre[2], CLOSED_THRESHOLD);
  PetscFunctionReturn(PETSC_SUCCESS);
}
