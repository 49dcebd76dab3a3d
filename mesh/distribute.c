/* Distribution of a global mesh (identical on every rank) over a communicator.
 *
 * Rank 0 partitions the cell dual graph (GaleMeshPartition) and broadcasts
 * the owner rank of every cell. Every rank then derives, without further
 * communication, the PETSc global numbering (ranks own consecutive ranges,
 * cells of a rank ordered by original id) and builds its local mesh:
 *   cells   owned cells by original id, then one layer of ghost cells
 *           (face neighbours owned elsewhere) by (owner rank, original id),
 *           which is ascending global index;
 *   faces   global internal faces with an owned side, in global order and
 *           orientation, then boundary faces of owned cells patch by patch
 *           (every rank has every patch, possibly empty);
 *   points  those used by local faces, in original order.
 * Geometry is copied from the global mesh, not recomputed: ghost cells lack
 * most of their faces. The halo plan follows from the same data: the owned
 * cells sent to rank q are those with a face neighbour owned by q. */
#include "gale_mesh.h"

/* mesh/halo.c */
PetscErrorCode GaleHaloCreate_Internal(PetscInt nGhosts, const PetscMPIInt ghostRank[], PetscInt nPairs, const PetscMPIInt pairRank[], const PetscInt pairCell[], GaleHalo *halo);

typedef struct {
  PetscMPIInt size, rank;
  PetscInt   *part;  /* owner rank of every global cell */
  PetscInt   *gnum;  /* PETSc global index of every global cell */
  PetscInt   *start; /* first global index of each rank, size+1 entries */
  PetscInt   *g2l;   /* local index of a global cell, -1 when not local */
  PetscInt   *cells; /* global id of each local cell (owned, then ghosts) */
  PetscInt    nOwned, nGhosts;
  PetscInt   *faces; /* global id of each local face */
  PetscInt    nFaces, nInternal;
  PetscInt   *pSize; /* local size of each patch */
  PetscInt    cutFaces;
} DistPlan;

/* Partition on rank 0, broadcast part[]; a failure on rank 0 fails every rank. */
static PetscErrorCode PartitionOnRoot(GaleMesh g, MPI_Comm comm, DistPlan *p)
{
  int         perr = 0;
  PetscMPIInt count;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(g->nCells + 1, &p->part));
  if (p->rank == 0) perr = (int)GaleMeshPartition(g, p->size, p->part);
  PetscCallMPI(MPI_Bcast(&perr, 1, MPI_INT, 0, comm));
  PetscCheck(!perr, comm, PETSC_ERR_LIB, "partitioning the mesh on rank 0 failed (see the message above)");
  PetscCall(PetscMPIIntCast(g->nCells, &count));
  PetscCallMPI(MPI_Bcast(p->part, count, MPIU_INT, 0, comm));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Global numbering: rank r owns [start[r], start[r+1]), its cells by original id. */
static PetscErrorCode NumberCells(GaleMesh g, DistPlan *p)
{
  PetscInt *next;

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc1(p->size + 1, &p->start));
  PetscCall(PetscMalloc1(g->nCells + 1, &p->gnum));
  PetscCall(PetscCalloc1(p->size + 1, &next));
  for (PetscInt c = 0; c < g->nCells; c++) {
    PetscCheck(p->part[c] >= 0 && p->part[c] < p->size, PETSC_COMM_SELF, PETSC_ERR_PLIB, "cell %" PetscInt_FMT " assigned to rank %" PetscInt_FMT " of %d", c, p->part[c], (int)p->size);
    p->start[p->part[c] + 1]++;
  }
  for (PetscMPIInt r = 0; r < p->size; r++) p->start[r + 1] += p->start[r];
  for (PetscInt c = 0; c < g->nCells; c++) p->gnum[c] = p->start[p->part[c]] + next[p->part[c]]++;
  PetscCall(PetscFree(next));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Owned cells by original id, then ghosts by global index; fills g2l. */
static PetscErrorCode SelectCells(GaleMesh g, DistPlan *p)
{
  const PetscInt nc = g->nCells, me = p->rank;
  PetscInt       nOwned = 0, nGhosts = 0, *key;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(nc + 1, &p->g2l));
  for (PetscInt c = 0; c < nc; c++) p->g2l[c] = -1;
  for (PetscInt f = 0; f < g->nInternalFaces; f++) {
    const PetscInt o = g->owner[f], n = g->neighbour[f];
    if (p->part[o] == me && p->part[n] != me) p->g2l[n] = -2;
    if (p->part[n] == me && p->part[o] != me) p->g2l[o] = -2;
  }
  for (PetscInt c = 0; c < nc; c++) {
    if (p->part[c] == me)
      nOwned++;
    else if (p->g2l[c] == -2)
      nGhosts++;
  }
  PetscCall(PetscMalloc1(nOwned + nGhosts + 1, &p->cells));
  PetscCall(PetscMalloc1(nGhosts + 1, &key));
  for (PetscInt c = 0, io = 0, ig = 0; c < nc; c++) {
    if (p->part[c] == me)
      p->cells[io++] = c;
    else if (p->g2l[c] == -2) {
      key[ig]                 = p->gnum[c];
      p->cells[nOwned + ig++] = c;
    }
  }
  PetscCall(PetscSortIntWithArray(nGhosts, key, p->cells + nOwned));
  for (PetscInt l = 0; l < nOwned + nGhosts; l++) p->g2l[p->cells[l]] = l;
  PetscCall(PetscFree(key));
  p->nOwned  = nOwned;
  p->nGhosts = nGhosts;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Internal faces with an owned side (global order), then owned boundary faces per patch. */
static PetscErrorCode SelectFaces(GaleMesh g, DistPlan *p)
{
  const PetscInt me = p->rank;
  PetscInt       n  = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(g->nFaces + 1, &p->faces));
  PetscCall(PetscCalloc1(g->nPatches + 1, &p->pSize));
  p->cutFaces = 0;
  for (PetscInt f = 0; f < g->nInternalFaces; f++) {
    const PetscInt po = p->part[g->owner[f]], pn = p->part[g->neighbour[f]];
    if (po != pn) p->cutFaces++;
    if (po == me || pn == me) p->faces[n++] = f;
  }
  p->nInternal = n;
  for (PetscInt q = 0; q < g->nPatches; q++) {
    const GalePatch *pa = &g->patches[q];
    PetscCheck(pa->size >= 0 && pa->start >= g->nInternalFaces && pa->start + pa->size <= g->nFaces, g->comm, GALE_ERR_USER, "mesh patch %s: faces %" PetscInt_FMT "..%" PetscInt_FMT " outside the boundary faces %" PetscInt_FMT "..%" PetscInt_FMT,
               pa->name, pa->start, pa->start + pa->size - 1, g->nInternalFaces, g->nFaces - 1);
    for (PetscInt f = pa->start; f < pa->start + pa->size; f++)
      if (p->part[g->owner[f]] == me) {
        p->faces[n++] = f;
        p->pSize[q]++;
      }
  }
  p->nFaces = n;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Topology of the local mesh: points, faces, owner/neighbour, patches. */
static PetscErrorCode BuildTopology(GaleMesh g, const DistPlan *p, GaleMesh m)
{
  PetscInt *pmap, nPts = 0, nFP = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(g->nPoints + 1, &pmap));
  for (PetscInt i = 0; i < g->nPoints; i++) pmap[i] = p->size == 1 ? 0 : -1; /* one rank: keep every point */
  for (PetscInt i = 0; i < p->nFaces; i++) {
    const PetscInt f = p->faces[i];
    nFP += g->faceOffsets[f + 1] - g->faceOffsets[f];
    for (PetscInt k = g->faceOffsets[f]; k < g->faceOffsets[f + 1]; k++) pmap[g->facePoints[k]] = 0;
  }
  for (PetscInt i = 0; i < g->nPoints; i++)
    if (!pmap[i])
      pmap[i] = nPts++;
    else
      pmap[i] = -1;
  PetscCall(GaleMeshAllocate(m, nPts, p->nFaces, p->nInternal, nFP, p->nOwned, g->nPatches));
  m->nGhosts = p->nGhosts;
  for (PetscInt i = 0; i < g->nPoints; i++)
    if (pmap[i] >= 0) PetscCall(PetscArraycpy(m->points + 3 * pmap[i], g->points + 3 * i, 3));
  for (PetscInt i = 0, k = 0; i < p->nFaces; i++) {
    const PetscInt f = p->faces[i];
    for (PetscInt j = g->faceOffsets[f]; j < g->faceOffsets[f + 1]; j++) m->facePoints[k++] = pmap[g->facePoints[j]];
    m->faceOffsets[i + 1] = k;
    m->owner[i]           = p->g2l[g->owner[f]];
    if (i < p->nInternal) m->neighbour[i] = p->g2l[g->neighbour[f]];
  }
  for (PetscInt q = 0, s = p->nInternal; q < g->nPatches; q++) {
    m->patches[q]       = g->patches[q];
    m->patches[q].start = s;
    m->patches[q].size  = p->pSize[q];
    s += p->pSize[q];
  }
  PetscCall(PetscFree(pmap));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode GatherReal(const PetscReal *src, PetscInt bs, PetscInt n, const PetscInt *ids, PetscReal **dst)
{
  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(bs * n + 1, dst));
  for (PetscInt i = 0; i < n; i++)
    for (PetscInt d = 0; d < bs; d++) (*dst)[bs * i + d] = src[bs * ids[i] + d];
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Geometry copied from the global mesh, then the parallel numbering. */
static PetscErrorCode CopyGeometryAndNumbering(GaleMesh g, const DistPlan *p, GaleMesh m)
{
  const PetscInt nl = p->nOwned + p->nGhosts, nf = p->nFaces;

  PetscFunctionBeginUser;
  PetscCall(GatherReal(g->cellCentres, 3, nl, p->cells, &m->cellCentres));
  PetscCall(GatherReal(g->cellVolumes, 1, nl, p->cells, &m->cellVolumes));
  PetscCall(GatherReal(g->faceCentres, 3, nf, p->faces, &m->faceCentres));
  PetscCall(GatherReal(g->faceAreas, 3, nf, p->faces, &m->faceAreas));
  PetscCall(GatherReal(g->faceMagAreas, 1, nf, p->faces, &m->faceMagAreas));
  PetscCall(GatherReal(g->weights, 1, nf, p->faces, &m->weights));
  PetscCall(GatherReal(g->deltaCoeffs, 1, nf, p->faces, &m->deltaCoeffs));
  PetscCall(GatherReal(g->nonOrthCorr, 3, nf, p->faces, &m->nonOrthCorr));
  PetscCall(PetscMalloc1(nl + 1, &m->globalCell));
  PetscCall(PetscMalloc1(nl + 1, &m->cellOrigId));
  PetscCall(PetscMalloc1(nf + 1, &m->faceOrigId));
  for (PetscInt c = 0; c < nl; c++) {
    m->cellOrigId[c] = p->cells[c];
    m->globalCell[c] = p->gnum[p->cells[c]];
  }
  PetscCall(PetscArraycpy(m->faceOrigId, p->faces, nf));
  if (g->cellLevel) {
    PetscCall(PetscMalloc1(nl + 1, &m->cellLevel));
    for (PetscInt c = 0; c < nl; c++) m->cellLevel[c] = g->cellLevel[p->cells[c]];
  }
  m->cellStart    = p->start[p->rank];
  m->nCellsGlobal = g->nCells;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Halo plan: ghosts arrive from their owners; owned cells with a face
 * neighbour owned by rank q are sent to q. */
static PetscErrorCode BuildHalo(GaleMesh g, const DistPlan *p, GaleMesh m)
{
  const PetscInt me = p->rank;
  PetscMPIInt   *ghostRank, *pairRank;
  PetscInt      *pairCell, nPairs = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(p->nGhosts + 1, &ghostRank));
  for (PetscInt i = 0; i < p->nGhosts; i++) ghostRank[i] = (PetscMPIInt)p->part[p->cells[p->nOwned + i]];
  PetscCall(PetscMalloc1(p->nInternal + 1, &pairRank));
  PetscCall(PetscMalloc1(p->nInternal + 1, &pairCell));
  for (PetscInt i = 0; i < p->nInternal; i++) {
    const PetscInt f = p->faces[i], o = g->owner[f], n = g->neighbour[f];
    if (p->part[o] == me && p->part[n] != me) {
      pairRank[nPairs]   = (PetscMPIInt)p->part[n];
      pairCell[nPairs++] = p->g2l[o];
    } else if (p->part[n] == me && p->part[o] != me) {
      pairRank[nPairs]   = (PetscMPIInt)p->part[o];
      pairCell[nPairs++] = p->g2l[n];
    }
  }
  PetscCall(GaleHaloCreate_Internal(p->nGhosts, ghostRank, nPairs, pairRank, pairCell, &m->halo));
  PetscCall(PetscFree(ghostRank));
  PetscCall(PetscFree(pairRank));
  PetscCall(PetscFree(pairCell));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode PrintStatistics(MPI_Comm comm, const DistPlan *p)
{
  PetscInt  nmin = PETSC_MAX_INT, nmax = 0;
  PetscReal mean;

  PetscFunctionBeginUser;
  for (PetscMPIInt r = 0; r < p->size; r++) {
    const PetscInt n = p->start[r + 1] - p->start[r];
    nmin             = PetscMin(nmin, n);
    nmax             = PetscMax(nmax, n);
  }
  mean = (PetscReal)p->start[p->size] / p->size;
  PetscCall(PetscPrintf(comm, "Partition: %d rank%s, cells per rank min %" PetscInt_FMT " max %" PetscInt_FMT " mean %.1f, imbalance %.3f, cut faces %" PetscInt_FMT "\n", (int)p->size, p->size == 1 ? "" : "s", nmin, nmax, (double)mean,
                        (double)(mean > 0 ? nmax / mean : 1.0), p->cutFaces));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleMeshDistribute(GaleMesh g, MPI_Comm comm, GaleMesh *local)
{
  DistPlan p;
  GaleMesh m;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(&p, sizeof(p)));
  PetscCallMPI(MPI_Comm_size(comm, &p.size));
  PetscCallMPI(MPI_Comm_rank(comm, &p.rank));
  PetscCheck(g->nGhosts == 0, comm, PETSC_ERR_ARG_WRONG, "GaleMeshDistribute needs the global mesh (this one has %" PetscInt_FMT " ghost cells)", g->nGhosts);
  PetscCheck(g->cellVolumes && g->faceAreas && g->weights, comm, PETSC_ERR_ARG_WRONGSTATE, "GaleMeshDistribute needs the global mesh geometry: call GaleMeshComputeGeometry first");
  PetscCheck(g->nCells >= p.size, comm, GALE_ERR_USER, "cannot split a mesh of %" PetscInt_FMT " cells over %d ranks: use fewer ranks", g->nCells, (int)p.size);
  PetscCall(PartitionOnRoot(g, comm, &p));
  PetscCall(NumberCells(g, &p));
  PetscCall(SelectCells(g, &p));
  PetscCall(SelectFaces(g, &p));
  PetscCall(GaleMeshCreate(comm, &m));
  PetscCall(BuildTopology(g, &p, m));
  PetscCall(CopyGeometryAndNumbering(g, &p, m));
  PetscCall(BuildHalo(g, &p, m));
  PetscCall(PrintStatistics(comm, &p));
  PetscCall(PetscFree(p.part));
  PetscCall(PetscFree(p.gnum));
  PetscCall(PetscFree(p.start));
  PetscCall(PetscFree(p.g2l));
  PetscCall(PetscFree(p.cells));
  PetscCall(PetscFree(p.faces));
  PetscCall(PetscFree(p.pSize));
  *local = m;
  PetscFunctionReturn(PETSC_SUCCESS);
}
