/* METIS k-way partitioning of the cell dual graph.
 *
 * Vertices are cells, edges join the two cells of every internal face
 * (several faces between the same pair of cells give one edge). METIS runs
 * with its default options and a fixed seed, so the result depends only on
 * the mesh. METIS may leave a part empty on very small graphs; then the
 * cells are split into contiguous index ranges instead, which keeps every
 * part non-empty whenever there are at least as many cells as parts. */
#include "gale_mesh.h"
#include <metis.h>

static PetscErrorCode ToIdx(PetscInt v, idx_t *out)
{
  PetscFunctionBeginUser;
  PetscCheck((PetscInt)(idx_t)v == v, PETSC_COMM_SELF, PETSC_ERR_SUP, "value %" PetscInt_FMT " does not fit METIS's idx_t (%d bits); rebuild METIS with IDXTYPEWIDTH 64", v, (int)(8 * sizeof(idx_t)));
  *out = (idx_t)v;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* CSR adjacency of the cells: neighbours of cell c are adjncy[xadj[c] .. xadj[c+1]-1], sorted, without duplicates. */
static PetscErrorCode BuildDualGraph(GaleMesh g, idx_t **xadj_out, idx_t **adjncy_out)
{
  const PetscInt nc = g->nCells, ni = g->nInternalFaces;
  PetscInt      *off, *adj, *fill;
  idx_t         *xadj, *adjncy;

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc1(nc + 1, &off));
  PetscCall(PetscCalloc1(nc + 1, &fill));
  for (PetscInt f = 0; f < ni; f++) {
    PetscCheck(g->owner[f] >= 0 && g->owner[f] < nc && g->neighbour[f] >= 0 && g->neighbour[f] < nc, g->comm, GALE_ERR_USER, "mesh face %" PetscInt_FMT ": cells %" PetscInt_FMT ", %" PetscInt_FMT " out of range [0, %" PetscInt_FMT ")", f,
               g->owner[f], g->neighbour[f], nc);
    off[g->owner[f] + 1]++;
    off[g->neighbour[f] + 1]++;
  }
  for (PetscInt c = 0; c < nc; c++) off[c + 1] += off[c];
  PetscCall(PetscMalloc1(off[nc] + 1, &adj));
  for (PetscInt f = 0; f < ni; f++) {
    const PetscInt o = g->owner[f], n = g->neighbour[f];
    adj[off[o] + fill[o]++] = n;
    adj[off[n] + fill[n]++] = o;
  }
  PetscCall(PetscMalloc1(nc + 1, &xadj));
  PetscCall(PetscMalloc1(off[nc] + 1, &adjncy));
  xadj[0] = 0;
  for (PetscInt c = 0, k = 0; c < nc; c++) {
    PetscInt n = off[c + 1] - off[c];
    PetscCall(PetscSortRemoveDupsInt(&n, adj + off[c]));
    for (PetscInt i = 0; i < n; i++, k++) {
      PetscCheck(adj[off[c] + i] != c, g->comm, GALE_ERR_USER, "mesh cell %" PetscInt_FMT " is its own face neighbour", c);
      PetscCall(ToIdx(adj[off[c] + i], &adjncy[k]));
    }
    PetscCall(ToIdx(k, &xadj[c + 1]));
  }
  PetscCall(PetscFree(off));
  PetscCall(PetscFree(fill));
  PetscCall(PetscFree(adj));
  *xadj_out   = xadj;
  *adjncy_out = adjncy;
  PetscFunctionReturn(PETSC_SUCCESS);
}

static const char *MetisStatus(int status)
{
  switch (status) {
  case METIS_ERROR_INPUT:
    return "input error";
  case METIS_ERROR_MEMORY:
    return "out of memory";
  default:
    return "error";
  }
}

PetscErrorCode GaleMeshPartition(GaleMesh g, PetscInt nparts, PetscInt *part)
{
  const PetscInt nc = g->nCells;
  idx_t          nvtxs, ncon = 1, np, objval = 0, options[METIS_NOPTIONS];
  idx_t         *xadj = NULL, *adjncy = NULL, *mpart = NULL;
  PetscInt      *count;
  PetscBool      empty = PETSC_FALSE;
  int            status;

  PetscFunctionBeginUser;
  PetscCheck(nparts >= 1, g->comm, PETSC_ERR_ARG_OUTOFRANGE, "cannot partition a mesh into %" PetscInt_FMT " parts", nparts);
  PetscCheck(g->nGhosts == 0, g->comm, PETSC_ERR_ARG_WRONG, "GaleMeshPartition needs the global mesh (this one has %" PetscInt_FMT " ghost cells)", g->nGhosts);
  PetscCheck(nc >= nparts, g->comm, GALE_ERR_USER, "cannot split a mesh of %" PetscInt_FMT " cells over %" PetscInt_FMT " ranks: use fewer ranks", nc, nparts);
  if (nparts == 1) {
    for (PetscInt c = 0; c < nc; c++) part[c] = 0;
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(ToIdx(nc, &nvtxs));
  PetscCall(ToIdx(nparts, &np));
  PetscCall(BuildDualGraph(g, &xadj, &adjncy));
  PetscCall(PetscMalloc1(nc + 1, &mpart));
  METIS_SetDefaultOptions(options);
  options[METIS_OPTION_SEED]      = 0;
  options[METIS_OPTION_NUMBERING] = 0;
  status                          = METIS_PartGraphKway(&nvtxs, &ncon, xadj, adjncy, NULL, NULL, NULL, &np, NULL, NULL, options, &objval, mpart);
  PetscCheck(status == METIS_OK, g->comm, PETSC_ERR_LIB, "METIS_PartGraphKway failed (%s) partitioning %" PetscInt_FMT " cells into %" PetscInt_FMT " parts", MetisStatus(status), nc, nparts);

  PetscCall(PetscCalloc1(nparts, &count));
  for (PetscInt c = 0; c < nc; c++) {
    PetscCheck(mpart[c] >= 0 && mpart[c] < np, g->comm, PETSC_ERR_LIB, "METIS put cell %" PetscInt_FMT " in part %" PetscInt_FMT " (expected 0..%" PetscInt_FMT ")", c, (PetscInt)mpart[c], nparts - 1);
    part[c] = (PetscInt)mpart[c];
    count[part[c]]++;
  }
  for (PetscInt p = 0; p < nparts; p++)
    if (!count[p]) empty = PETSC_TRUE;
  if (empty) { /* contiguous split by index: part sizes differ by at most one */
    for (PetscInt c = 0; c < nc; c++) part[c] = (PetscInt)(((PetscInt64)c * nparts) / nc);
  }
  PetscCall(PetscFree(count));
  PetscCall(PetscFree(mpart));
  PetscCall(PetscFree(xadj));
  PetscCall(PetscFree(adjncy));
  PetscFunctionReturn(PETSC_SUCCESS);
}
