/* GaleMesh life cycle and finite-volume geometry.
 *
 * Face centre and area vector: the face is split into triangles around the
 * mean of its points; Sf = sum of triangle area vectors, Cf = area-weighted
 * mean of the triangle centroids (exact for planar faces).
 * Cell volume and centre: the cell is split into pyramids from each face to
 * an estimate C0 (mean of face centres); V = sum Sf.(Cf-C0)/3 and the
 * centre is the volume-weighted mean of pyramid centroids C0 + 3/4 (Cf-C0).
 * Interpolation weight w = n.(C_N-C_f) / (n.(C_f-C_P) + n.(C_N-C_f)),
 * deltaCoeffs = 1/(n.d) (limited to 1/(0.05|d|) for very skew faces),
 * over-relaxed non-orthogonal correction vector k = n - d/(n.d). */
#include "gale_mesh.h"

PetscErrorCode GaleMeshCreate(MPI_Comm comm, GaleMesh *mesh)
{
  PetscFunctionBeginUser;
  PetscCall(PetscNew(mesh));
  (*mesh)->comm = comm;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleMeshDestroy(GaleMesh *mesh)
{
  GaleMesh m;

  PetscFunctionBeginUser;
  if (!mesh || !*mesh) PetscFunctionReturn(PETSC_SUCCESS);
  m = *mesh;
  PetscCall(PetscFree(m->points));
  PetscCall(PetscFree(m->faceOffsets));
  PetscCall(PetscFree(m->facePoints));
  PetscCall(PetscFree(m->owner));
  PetscCall(PetscFree(m->neighbour));
  PetscCall(PetscFree(m->patches));
  PetscCall(PetscFree(m->cellCentres));
  PetscCall(PetscFree(m->cellVolumes));
  PetscCall(PetscFree(m->faceCentres));
  PetscCall(PetscFree(m->faceAreas));
  PetscCall(PetscFree(m->faceMagAreas));
  PetscCall(PetscFree(m->weights));
  PetscCall(PetscFree(m->deltaCoeffs));
  PetscCall(PetscFree(m->nonOrthCorr));
  PetscCall(PetscFree(m->globalCell));
  PetscCall(PetscFree(m->cellOrigId));
  PetscCall(PetscFree(m->faceOrigId));
  PetscCall(PetscFree(m->cellLevel));
  PetscCall(GaleHaloDestroy(&m->halo));
  PetscCall(PetscFree(*mesh));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleMeshAllocate(GaleMesh m, PetscInt nPoints, PetscInt nFaces, PetscInt nInternalFaces, PetscInt nFacePoints, PetscInt nCells, PetscInt nPatches)
{
  PetscFunctionBeginUser;
  m->nPoints        = nPoints;
  m->nFaces         = nFaces;
  m->nInternalFaces = nInternalFaces;
  m->nCells         = nCells;
  m->nPatches       = nPatches;
  PetscCall(PetscCalloc1(3 * nPoints + 1, &m->points));
  PetscCall(PetscCalloc1(nFaces + 1, &m->faceOffsets));
  PetscCall(PetscCalloc1(nFacePoints + 1, &m->facePoints));
  PetscCall(PetscCalloc1(nFaces + 1, &m->owner));
  PetscCall(PetscCalloc1(nInternalFaces + 1, &m->neighbour));
  PetscCall(PetscCalloc1(nPatches + 1, &m->patches));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static inline void Cross(const PetscReal a[3], const PetscReal b[3], PetscReal c[3])
{
  c[0] = a[1] * b[2] - a[2] * b[1];
  c[1] = a[2] * b[0] - a[0] * b[2];
  c[2] = a[0] * b[1] - a[1] * b[0];
}

static inline PetscReal Dot(const PetscReal a[3], const PetscReal b[3])
{
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

static void FaceGeometry(const GaleMesh m, PetscInt f, PetscReal Cf[3], PetscReal Sf[3])
{
  const PetscInt  s = m->faceOffsets[f], n = m->faceOffsets[f + 1] - s;
  const PetscInt *fp    = m->facePoints + s;
  PetscReal       xm[3] = {0, 0, 0}, sumA = 0, sumAc[3] = {0, 0, 0};

  for (PetscInt i = 0; i < n; i++)
    for (int d = 0; d < 3; d++) xm[d] += m->points[3 * fp[i] + d] / n;
  Sf[0] = Sf[1] = Sf[2] = 0;
  if (n == 3) {
    const PetscReal *a = m->points + 3 * fp[0], *b = m->points + 3 * fp[1], *c = m->points + 3 * fp[2];
    PetscReal        e1[3], e2[3];
    for (int d = 0; d < 3; d++) {
      e1[d] = b[d] - a[d];
      e2[d] = c[d] - a[d];
      Cf[d] = xm[d];
    }
    Cross(e1, e2, Sf);
    for (int d = 0; d < 3; d++) Sf[d] *= 0.5;
    return;
  }
  for (PetscInt i = 0; i < n; i++) {
    const PetscReal *a = m->points + 3 * fp[i], *b = m->points + 3 * fp[(i + 1) % n];
    PetscReal        e1[3], e2[3], s[3], A;
    for (int d = 0; d < 3; d++) {
      e1[d] = b[d] - a[d];
      e2[d] = xm[d] - a[d];
    }
    Cross(e1, e2, s);
    for (int d = 0; d < 3; d++) Sf[d] += 0.5 * s[d];
    A = 0.5 * PetscSqrtReal(Dot(s, s));
    sumA += A;
    for (int d = 0; d < 3; d++) sumAc[d] += A * (a[d] + b[d] + xm[d]) / 3.0;
  }
  for (int d = 0; d < 3; d++) Cf[d] = sumA > 0 ? sumAc[d] / sumA : xm[d];
}

PetscErrorCode GaleMeshComputeGeometry(GaleMesh m)
{
  const PetscInt nc = m->nCells + m->nGhosts, nf = m->nFaces, ni = m->nInternalFaces;
  PetscReal     *c0;
  PetscInt      *nfc;

  PetscFunctionBeginUser;
  PetscCall(PetscFree(m->cellCentres));
  PetscCall(PetscFree(m->cellVolumes));
  PetscCall(PetscFree(m->faceCentres));
  PetscCall(PetscFree(m->faceAreas));
  PetscCall(PetscFree(m->faceMagAreas));
  PetscCall(PetscFree(m->weights));
  PetscCall(PetscFree(m->deltaCoeffs));
  PetscCall(PetscFree(m->nonOrthCorr));
  PetscCall(PetscCalloc1(3 * nc + 1, &m->cellCentres));
  PetscCall(PetscCalloc1(nc + 1, &m->cellVolumes));
  PetscCall(PetscCalloc1(3 * nf + 1, &m->faceCentres));
  PetscCall(PetscCalloc1(3 * nf + 1, &m->faceAreas));
  PetscCall(PetscCalloc1(nf + 1, &m->faceMagAreas));
  PetscCall(PetscCalloc1(nf + 1, &m->weights));
  PetscCall(PetscCalloc1(nf + 1, &m->deltaCoeffs));
  PetscCall(PetscCalloc1(3 * nf + 1, &m->nonOrthCorr));
  PetscCall(PetscCalloc1(3 * nc + 1, &c0));
  PetscCall(PetscCalloc1(nc + 1, &nfc));

  for (PetscInt f = 0; f < nf; f++) {
    FaceGeometry(m, f, m->faceCentres + 3 * f, m->faceAreas + 3 * f);
    m->faceMagAreas[f] = PetscSqrtReal(Dot(m->faceAreas + 3 * f, m->faceAreas + 3 * f));
  }
  /* estimated centre: mean of face centres */
  for (PetscInt f = 0; f < nf; f++) {
    PetscInt o = m->owner[f];
    for (int d = 0; d < 3; d++) c0[3 * o + d] += m->faceCentres[3 * f + d];
    nfc[o]++;
    if (f < ni) {
      PetscInt n = m->neighbour[f];
      for (int d = 0; d < 3; d++) c0[3 * n + d] += m->faceCentres[3 * f + d];
      nfc[n]++;
    }
  }
  for (PetscInt c = 0; c < nc; c++)
    for (int d = 0; d < 3; d++) c0[3 * c + d] /= PetscMax(nfc[c], 1);
  /* pyramid decomposition */
  for (PetscInt f = 0; f < nf; f++) {
    const PetscReal *Cf = m->faceCentres + 3 * f, *Sf = m->faceAreas + 3 * f;
    for (int side = 0; side < (f < ni ? 2 : 1); side++) {
      PetscInt  c   = side ? m->neighbour[f] : m->owner[f];
      PetscReal sgn = side ? -1.0 : 1.0, dc[3], v;
      for (int d = 0; d < 3; d++) dc[d] = Cf[d] - c0[3 * c + d];
      v = sgn * Dot(Sf, dc) / 3.0;
      m->cellVolumes[c] += v;
      for (int d = 0; d < 3; d++) m->cellCentres[3 * c + d] += v * (c0[3 * c + d] + 0.75 * dc[d]);
    }
  }
  for (PetscInt c = 0; c < nc; c++) {
    PetscReal V = m->cellVolumes[c];
    for (int d = 0; d < 3; d++) m->cellCentres[3 * c + d] = PetscAbsReal(V) > 0 ? m->cellCentres[3 * c + d] / V : c0[3 * c + d];
  }
  /* interpolation weights and face-normal gradient coefficients */
  for (PetscInt f = 0; f < nf; f++) {
    const PetscReal *Cf = m->faceCentres + 3 * f, *Sf = m->faceAreas + 3 * f;
    const PetscReal *CP = m->cellCentres + 3 * m->owner[f];
    PetscReal        n[3], d[3], nd, dmag;
    for (int k = 0; k < 3; k++) n[k] = Sf[k] / PetscMax(m->faceMagAreas[f], PETSC_SMALL * PETSC_SMALL);
    if (f < ni) {
      const PetscReal *CN  = m->cellCentres + 3 * m->neighbour[f];
      PetscReal        dPf = 0, dfN = 0;
      for (int k = 0; k < 3; k++) {
        dPf += n[k] * (Cf[k] - CP[k]);
        dfN += n[k] * (CN[k] - Cf[k]);
        d[k] = CN[k] - CP[k];
      }
      m->weights[f] = (PetscAbsReal(dPf + dfN) > 0) ? dfN / (dPf + dfN) : 0.5;
    } else {
      for (int k = 0; k < 3; k++) d[k] = Cf[k] - CP[k];
      m->weights[f] = 1.0;
    }
    nd   = Dot(n, d);
    dmag = PetscSqrtReal(Dot(d, d));
    nd   = PetscMax(nd, 0.05 * dmag);
    if (nd <= 0) nd = PETSC_SMALL;
    m->deltaCoeffs[f] = 1.0 / nd;
    for (int k = 0; k < 3; k++) m->nonOrthCorr[3 * f + k] = n[k] - d[k] / nd;
  }
  PetscCall(PetscFree(c0));
  PetscCall(PetscFree(nfc));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleMeshSetSerialNumbering(GaleMesh m)
{
  const PetscInt nc = m->nCells + m->nGhosts;

  PetscFunctionBeginUser;
  PetscCall(PetscFree(m->globalCell));
  PetscCall(PetscFree(m->cellOrigId));
  PetscCall(PetscFree(m->faceOrigId));
  PetscCall(PetscMalloc1(nc + 1, &m->globalCell));
  PetscCall(PetscMalloc1(nc + 1, &m->cellOrigId));
  PetscCall(PetscMalloc1(m->nFaces + 1, &m->faceOrigId));
  for (PetscInt c = 0; c < nc; c++) m->globalCell[c] = m->cellOrigId[c] = c;
  for (PetscInt f = 0; f < m->nFaces; f++) m->faceOrigId[f] = f;
  m->cellStart    = 0;
  m->nCellsGlobal = m->nCells;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscInt GaleMeshFindPatch(GaleMesh m, const char *name)
{
  for (PetscInt p = 0; p < m->nPatches; p++)
    if (!strcmp(m->patches[p].name, name)) return p;
  return -1;
}

PetscErrorCode GaleMeshCheck(GaleMesh m)
{
  const PetscInt nc = m->nCells + m->nGhosts, nf = m->nFaces, ni = m->nInternalFaces;
  PetscReal     *sum, *mag;

  PetscFunctionBeginUser;
  for (PetscInt f = 0; f < nf; f++) {
    PetscCheck(m->owner[f] >= 0 && m->owner[f] < nc, m->comm, GALE_ERR_USER, "mesh face %" PetscInt_FMT ": owner %" PetscInt_FMT " out of range [0, %" PetscInt_FMT ")", f, m->owner[f], nc);
    PetscCheck(f >= ni || (m->neighbour[f] >= 0 && m->neighbour[f] < nc), m->comm, GALE_ERR_USER, "mesh face %" PetscInt_FMT ": neighbour %" PetscInt_FMT " out of range [0, %" PetscInt_FMT ")", f, m->neighbour[f], nc);
    PetscCheck(f >= ni || m->neighbour[f] != m->owner[f], m->comm, GALE_ERR_USER, "mesh face %" PetscInt_FMT ": owner and neighbour are the same cell %" PetscInt_FMT, f, m->owner[f]);
  }
  if (m->nGhosts) PetscFunctionReturn(PETSC_SUCCESS); /* ghosts lack faces: closedness is checked on the global mesh */
  PetscCall(PetscCalloc1(3 * nc + 1, &sum));
  PetscCall(PetscCalloc1(nc + 1, &mag));
  for (PetscInt f = 0; f < nf; f++) {
    for (int d = 0; d < 3; d++) sum[3 * m->owner[f] + d] += m->faceAreas[3 * f + d];
    mag[m->owner[f]] += m->faceMagAreas[f];
    if (f < ni) {
      for (int d = 0; d < 3; d++) sum[3 * m->neighbour[f] + d] -= m->faceAreas[3 * f + d];
      mag[m->neighbour[f]] += m->faceMagAreas[f];
    }
  }
  for (PetscInt c = 0; c < nc; c++) {
    PetscReal s = PetscSqrtReal(Dot(sum + 3 * c, sum + 3 * c));
    if (s > 1e-8 * mag[c] || m->cellVolumes[c] <= 0) {
      const PetscReal *x   = m->cellCentres + 3 * c;
      PetscReal        vol = m->cellVolumes[c], rel = mag[c] > 0 ? s / mag[c] : 0;
      PetscCall(PetscFree(sum));
      PetscCall(PetscFree(mag));
      SETERRQ(m->comm, GALE_ERR_USER, "bad mesh cell %" PetscInt_FMT " at (%g, %g, %g): volume %g, open by %g of its face area (expected a closed cell with positive volume)", c, (double)x[0], (double)x[1], (double)x[2], (double)vol, (double)rel);
    }
  }
  PetscCall(PetscFree(sum));
  PetscCall(PetscFree(mag));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleMeshView(GaleMesh m)
{
  PetscFunctionBeginUser;
  PetscCall(PetscPrintf(m->comm, "Mesh: %" PetscInt_FMT " cells, %" PetscInt_FMT " faces (%" PetscInt_FMT " internal), %" PetscInt_FMT " points, %" PetscInt_FMT " patches\n", m->nCellsGlobal ? m->nCellsGlobal : m->nCells, m->nFaces,
                        m->nInternalFaces, m->nPoints, m->nPatches));
  for (PetscInt p = 0; p < m->nPatches; p++) PetscCall(PetscPrintf(m->comm, "  patch %-24s %-14s %" PetscInt_FMT " faces\n", m->patches[p].name, m->patches[p].type, m->patches[p].size));
  PetscFunctionReturn(PETSC_SUCCESS);
}
