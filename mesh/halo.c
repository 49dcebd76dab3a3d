/* Ghost-cell exchange plan and the exchange itself.
 *
 * The face-neighbour relation is symmetric, so the ranks a rank receives
 * ghosts from are exactly the ranks it sends to. For each neighbour rank q
 * (ascending), the plan holds the local owned cells sent to q, in the order
 * q stores them as ghosts (by original cell id, which is also the sender's
 * local order), and the offset of q's block inside this rank's ghost range
 * (ghosts are stored by owner rank, then original id). One exchange sends
 * one message per neighbour carrying all components, packed component by
 * component. Send and receive buffers live in the plan and grow on demand. */
#include "gale_mesh.h"

#define GALE_HALO_TAG 7301

struct _p_GaleHalo {
  PetscMPIInt  nNeigh;
  PetscMPIInt *ranks;       /* neighbour ranks, ascending */
  PetscInt    *sendOffsets; /* nNeigh+1, into sendCells */
  PetscInt    *sendCells;   /* local owned cells, per neighbour */
  PetscInt    *recvOffsets; /* nNeigh+1, into the ghost range (0 = cell nCells) */
  PetscInt     bufComp;     /* components the buffers hold room for */
  PetscReal   *sendBuf, *recvBuf;
  MPI_Request *reqs;
};

/* Build the plan. ghostRank[g] is the owner of ghost g (ghosts sorted by
 * owner rank); the nPairs pairs (pairRank[i], pairCell[i]) say that owned
 * cell pairCell[i] is a ghost on rank pairRank[i] (duplicates allowed, any
 * order). Used by GaleMeshDistribute. */
PetscErrorCode GaleHaloCreate_Internal(PetscInt nGhosts, const PetscMPIInt ghostRank[], PetscInt nPairs, const PetscMPIInt pairRank[], const PetscInt pairCell[], GaleHalo *halo)
{
  GaleHalo h;
  PetscInt nn = 0, *fill;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&h));
  for (PetscInt g = 0; g < nGhosts; g++) {
    PetscCheck(g == 0 || ghostRank[g] >= ghostRank[g - 1], PETSC_COMM_SELF, PETSC_ERR_PLIB, "ghost cells not sorted by owner rank");
    if (g == 0 || ghostRank[g] != ghostRank[g - 1]) nn++;
  }
  PetscCall(PetscMPIIntCast(nn, &h->nNeigh));
  PetscCall(PetscMalloc1(nn + 1, &h->ranks));
  PetscCall(PetscCalloc1(nn + 1, &h->recvOffsets));
  PetscCall(PetscCalloc1(nn + 1, &h->sendOffsets));
  PetscCall(PetscCalloc1(nn + 1, &fill));
  for (PetscInt g = 0, k = -1; g < nGhosts; g++) {
    if (g == 0 || ghostRank[g] != ghostRank[g - 1]) h->ranks[++k] = ghostRank[g];
    h->recvOffsets[k + 1] = g + 1;
  }
  /* bucket the pairs by neighbour, then sort and deduplicate each bucket */
  for (PetscInt i = 0; i < nPairs; i++) {
    PetscInt k;
    PetscCall(PetscFindMPIInt(pairRank[i], nn, h->ranks, &k));
    PetscCheck(k >= 0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "rank %d needs ghosts from this rank but owns none of its ghosts", (int)pairRank[i]);
    h->sendOffsets[k + 1]++;
  }
  for (PetscInt k = 0; k < nn; k++) h->sendOffsets[k + 1] += h->sendOffsets[k];
  PetscCall(PetscMalloc1(nPairs + 1, &h->sendCells));
  for (PetscInt i = 0; i < nPairs; i++) {
    PetscInt k;
    PetscCall(PetscFindMPIInt(pairRank[i], nn, h->ranks, &k));
    h->sendCells[h->sendOffsets[k] + fill[k]++] = pairCell[i];
  }
  for (PetscInt k = 0, total = 0, start = 0; k < nn; k++) {
    PetscInt n = h->sendOffsets[k + 1] - start;
    PetscCall(PetscSortRemoveDupsInt(&n, h->sendCells + start));
    PetscCall(PetscArraymove(h->sendCells + total, h->sendCells + start, n));
    start = h->sendOffsets[k + 1];
    total += n;
    h->sendOffsets[k + 1] = total;
  }
  PetscCall(PetscMalloc1(2 * (size_t)nn + 1, &h->reqs));
  PetscCall(PetscFree(fill));
  *halo = h;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleHaloDestroy(GaleHalo *halo)
{
  PetscFunctionBeginUser;
  if (!halo || !*halo) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(PetscFree((*halo)->ranks));
  PetscCall(PetscFree((*halo)->sendOffsets));
  PetscCall(PetscFree((*halo)->sendCells));
  PetscCall(PetscFree((*halo)->recvOffsets));
  PetscCall(PetscFree((*halo)->sendBuf));
  PetscCall(PetscFree((*halo)->recvBuf));
  PetscCall(PetscFree((*halo)->reqs));
  PetscCall(PetscFree(*halo));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleHaloExchange(GaleMesh mesh, PetscInt ncomp, PetscInt stride, PetscReal *field)
{
  GaleHalo    h = mesh->halo;
  PetscInt    nSend, nRecv;
  PetscMPIInt nreq = 0;

  PetscFunctionBeginUser;
  PetscCheck(ncomp >= 0, mesh->comm, PETSC_ERR_ARG_OUTOFRANGE, "halo exchange of %" PetscInt_FMT " components", ncomp);
  PetscCheck(ncomp <= 1 || stride >= mesh->nCells + mesh->nGhosts, mesh->comm, PETSC_ERR_ARG_OUTOFRANGE, "halo exchange stride %" PetscInt_FMT " is smaller than the %" PetscInt_FMT " local cells", stride, mesh->nCells + mesh->nGhosts);
  if (!h || !h->nNeigh || !ncomp) PetscFunctionReturn(PETSC_SUCCESS);
  nSend = h->sendOffsets[h->nNeigh];
  nRecv = h->recvOffsets[h->nNeigh];
  if (ncomp > h->bufComp) {
    PetscCall(PetscFree(h->sendBuf));
    PetscCall(PetscFree(h->recvBuf));
    PetscCall(PetscMalloc1(ncomp * nSend + 1, &h->sendBuf));
    PetscCall(PetscMalloc1(ncomp * nRecv + 1, &h->recvBuf));
    h->bufComp = ncomp;
  }
  for (PetscMPIInt k = 0; k < h->nNeigh; k++) {
    const PetscInt n = h->recvOffsets[k + 1] - h->recvOffsets[k];
    PetscMPIInt    count;
    PetscCall(PetscMPIIntCast(ncomp * n, &count));
    PetscCallMPI(MPI_Irecv(h->recvBuf + ncomp * h->recvOffsets[k], count, MPIU_REAL, h->ranks[k], GALE_HALO_TAG, mesh->comm, &h->reqs[nreq++]));
  }
  for (PetscMPIInt k = 0; k < h->nNeigh; k++) {
    const PetscInt  s = h->sendOffsets[k], n = h->sendOffsets[k + 1] - s;
    const PetscInt *cells = h->sendCells + s;
    PetscReal      *buf   = h->sendBuf + ncomp * s;
    PetscMPIInt     count;
    for (PetscInt d = 0; d < ncomp; d++)
      for (PetscInt i = 0; i < n; i++) buf[d * n + i] = field[d * stride + cells[i]];
    PetscCall(PetscMPIIntCast(ncomp * n, &count));
    PetscCallMPI(MPI_Isend(buf, count, MPIU_REAL, h->ranks[k], GALE_HALO_TAG, mesh->comm, &h->reqs[nreq++]));
  }
  PetscCallMPI(MPI_Waitall(nreq, h->reqs, MPI_STATUSES_IGNORE));
  for (PetscMPIInt k = 0; k < h->nNeigh; k++) {
    const PetscInt   s = h->recvOffsets[k], n = h->recvOffsets[k + 1] - s;
    const PetscReal *buf   = h->recvBuf + ncomp * s;
    PetscReal       *ghost = field + mesh->nCells + s;
    for (PetscInt d = 0; d < ncomp; d++)
      for (PetscInt i = 0; i < n; i++) ghost[d * stride + i] = buf[d * n + i];
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}
