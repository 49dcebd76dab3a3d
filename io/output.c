/* Solution output: results/solution.h5 + results/solution.xmf for ParaView,
 * and the parallel HDF5 helpers of io/h5util.h.
 *
 * solution.h5
 *   /mesh/points     [nPoints, 3] double, the global mesh points
 *   /mesh/topology   [L] int64, XDMF Mixed: every cell (original order) as
 *                    a polyhedron 16, nfaces, then per face npts, ids...,
 *                    each face oriented out of the cell
 *   /mesh/boundary/  the boundary faces of every patch that is not empty:
 *                    topology [Lb] int64 (XDMF Mixed, polygons 3, npts,
 *                    ids..., outward), patch [nb] and owner [nb] int64
 *                    (patch index, original id of the face's cell),
 *                    patch_names, patch_types [nPatches] strings
 *   /steps/%08d      attributes step, time; one dataset per cell field,
 *                    [nCellsGlobal] or [nCellsGlobal, ncomp] double, rows
 *                    in original cell order (cellOrigId)
 * Cell values travel through a PetscSF to contiguous row blocks, so each
 * rank writes one hyperslab collectively (H5FD_MPIO) and the file is the
 * same whatever the rank count; the mesh is written by rank 0.
 *
 * Crash safety: a write never modifies solution.h5. Rank 0 copies it to
 * solution.h5.tmp (or, for the first write of a fresh run, the mesh is
 * written to a new tmp file), all ranks add the step, rank 0 writes
 * solution.xmf.tmp from what the tmp file holds, fsyncs both and renames
 * them over the old files (see Commit for the order). A kill -9 at any
 * moment leaves a readable solution.h5 and an xmf that lists only steps it
 * holds; a stale tmp file is simply overwritten. Each write copies the
 * file, so its cost grows with the number of steps written: cheap for
 * steady runs, worth a per-step file scheme for long transient series.
 * Writing a step that is already in the file (restart) replaces it and
 * drops later steps; GaleOutputCreate with append rewrites the xmf from
 * solution.h5, healing one a crash left behind. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "gale_output.h"
#include "h5util.h"

struct _p_GaleOutput {
  MPI_Comm    comm;
  char        h5[GALE_PATH_LEN], h5tmp[GALE_PATH_LEN], xmf[GALE_PATH_LEN], xmftmp[GALE_PATH_LEN];
  PetscBool   haveFile; /* solution.h5 holds our mesh: new steps extend a copy of it */
  GaleIODist  cells;
  PetscInt64  nPoints, topoLen, nCellsGlobal;
  PetscReal  *points; /* rank 0, until the mesh is in solution.h5 */
  PetscInt64 *topo;   /* rank 0, idem */
  /* boundary faces (BuildBoundary), rank 0 until written; sizes on all ranks */
  PetscInt64  nBFaces, bTopoLen, nPatches;
  PetscInt64 *bTopo, *bPatch, *bOwner;
  char (*patchName)[GALE_NAME_LEN], (*patchType)[32];
};

PetscErrorCode GaleIOShareError(MPI_Comm comm, PetscErrorCode ierr)
{
  int code = (int)ierr;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Bcast(&code, 1, MPI_INT, 0, comm));
  PetscCall((PetscErrorCode)code);
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode MkdirP(const char *dir)
{
  char        buf[GALE_PATH_LEN];
  size_t      n;
  struct stat st;

  PetscFunctionBeginUser;
  PetscCall(PetscStrncpy(buf, dir, sizeof(buf)));
  n = strlen(buf);
  while (n > 1 && buf[n - 1] == '/') buf[--n] = 0;
  for (size_t i = 1; i <= n; i++) {
    if (buf[i] == '/' || buf[i] == 0) {
      char c = buf[i];
      buf[i] = 0;
      PetscCheck(mkdir(buf, 0777) == 0 || errno == EEXIST, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot create directory: %s", buf, strerror(errno));
      buf[i] = c;
    }
  }
  PetscCheck(stat(dir, &st) == 0 && S_ISDIR(st.st_mode), PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: not a directory", dir);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleIOMkdir(MPI_Comm comm, const char *dir)
{
  PetscMPIInt    rank;
  PetscErrorCode ierr = PETSC_SUCCESS;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank) ierr = MkdirP(dir);
  PetscCall(GaleIOShareError(comm, ierr));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleIOFileExists(MPI_Comm comm, const char *path, PetscBool *exists)
{
  PetscMPIInt rank;
  int         e = 0;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank) e = access(path, F_OK) == 0;
  PetscCallMPI(MPI_Bcast(&e, 1, MPI_INT, 0, comm));
  *exists = e ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode SyncFile(const char *path)
{
  int fd;

  PetscFunctionBeginUser;
  fd = open(path, O_RDONLY);
  PetscCheck(fd >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot open: %s", path, strerror(errno));
  PetscCheck(fsync(fd) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "%s: fsync failed: %s", path, strerror(errno));
  PetscCheck(close(fd) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "%s: close failed: %s", path, strerror(errno));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode SyncAndRename(const char *from, const char *to)
{
  PetscFunctionBeginUser;
  PetscCall(SyncFile(from));
  PetscCheck(rename(from, to) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot rename %s to %s: %s", from, to, strerror(errno));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleIOCommitFile(MPI_Comm comm, const char *from, const char *to)
{
  PetscMPIInt    rank;
  PetscErrorCode ierr = PETSC_SUCCESS;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Barrier(comm));
  if (!rank) ierr = SyncAndRename(from, to);
  PetscCall(GaleIOShareError(comm, ierr));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Byte copy of src to dst (truncated); Commit fsyncs it before renaming. */
static PetscErrorCode CopyFile(const char *src, const char *dst)
{
  const size_t bs = 8u << 20;
  char        *buf;
  int          in, outfd;
  ssize_t      n;

  PetscFunctionBeginUser;
  in = open(src, O_RDONLY);
  PetscCheck(in >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot open: %s", src, strerror(errno));
  outfd = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0666);
  PetscCheck(outfd >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot create: %s", dst, strerror(errno));
  PetscCall(PetscMalloc1(bs, &buf));
  while ((n = read(in, buf, bs)) != 0) {
    PetscCheck(n > 0 || errno == EINTR, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "%s: read failed: %s", src, strerror(errno));
    for (ssize_t off = 0; n > 0 && off < n;) {
      ssize_t w = write(outfd, buf + off, (size_t)(n - off));
      PetscCheck(w >= 0 || errno == EINTR, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "%s: write failed: %s", dst, strerror(errno));
      if (w > 0) off += w;
    }
  }
  PetscCall(PetscFree(buf));
  PetscCheck(close(in) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "%s: close failed: %s", src, strerror(errno));
  PetscCheck(close(outfd) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "%s: close failed: %s", dst, strerror(errno));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode FileAccess(MPI_Comm comm, const char *path, hid_t *fapl)
{
  PetscFunctionBeginUser;
  GaleH5Call(comm, path, *fapl = H5Pcreate(H5P_FILE_ACCESS));
  GaleH5Call(comm, path, H5Pset_fapl_mpio(*fapl, comm, MPI_INFO_NULL));
  GaleH5Call(comm, path, H5Pset_coll_metadata_write(*fapl, 1));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleIOCreateFile(MPI_Comm comm, const char *path, hid_t *file)
{
  hid_t fapl;

  PetscFunctionBeginUser;
  PetscCall(FileAccess(comm, path, &fapl));
  *file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  H5Pclose(fapl);
  PetscCheck(*file >= 0, comm, PETSC_ERR_FILE_OPEN, "%s: cannot create HDF5 file", path);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleIOOpenFile(MPI_Comm comm, const char *path, PetscBool write, hid_t *file)
{
  hid_t fapl;

  PetscFunctionBeginUser;
  PetscCall(FileAccess(comm, path, &fapl));
  *file = H5Fopen(path, write ? H5F_ACC_RDWR : H5F_ACC_RDONLY, fapl);
  H5Pclose(fapl);
  PetscCheck(*file >= 0, comm, PETSC_ERR_FILE_OPEN, "%s: cannot open as an HDF5 file", path);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleIOCloseFile(MPI_Comm comm, const char *path, hid_t *file)
{
  PetscFunctionBeginUser;
  if (*file >= 0) GaleH5Call(comm, path, H5Fclose(*file));
  *file = -1;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleIOWriteRows(MPI_Comm comm, hid_t loc, const char *name, hid_t memtype, hid_t filetype, PetscInt64 n, PetscInt ncomp, PetscInt64 rstart, PetscInt64 nlocal, const void *buf, const char *path)
{
  const int rank    = ncomp > 1 ? 2 : 1;
  hsize_t   dims[2] = {(hsize_t)n, (hsize_t)ncomp}, start[2] = {(hsize_t)rstart, 0}, count[2] = {(hsize_t)nlocal, (hsize_t)ncomp};
  hid_t     fspace, mspace, dcpl, dset, dxpl;
  double    dummy = 0;

  PetscFunctionBeginUser;
  GaleH5Call(comm, path, fspace = H5Screate_simple(rank, dims, NULL));
  GaleH5Call(comm, path, dcpl = H5Pcreate(H5P_DATASET_CREATE));
  GaleH5Call(comm, path, H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER));
  GaleH5Call(comm, path, H5Pset_obj_track_times(dcpl, 0));
  dset = H5Dcreate2(loc, name, filetype, fspace, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  PetscCheck(dset >= 0, comm, PETSC_ERR_FILE_WRITE, "%s: cannot create dataset %s", path, name);
  GaleH5Call(comm, path, mspace = H5Screate_simple(rank, count, NULL));
  if (nlocal > 0)
    GaleH5Call(comm, path, H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL));
  else {
    GaleH5Call(comm, path, H5Sselect_none(fspace));
    GaleH5Call(comm, path, H5Sselect_none(mspace));
  }
  GaleH5Call(comm, path, dxpl = H5Pcreate(H5P_DATASET_XFER));
  GaleH5Call(comm, path, H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE));
  PetscCheck(H5Dwrite(dset, memtype, mspace, fspace, dxpl, nlocal > 0 ? buf : (const void *)&dummy) >= 0, comm, PETSC_ERR_FILE_WRITE, "%s: cannot write dataset %s", path, name);
  GaleH5Call(comm, path, H5Pclose(dxpl));
  GaleH5Call(comm, path, H5Sclose(mspace));
  GaleH5Call(comm, path, H5Dclose(dset));
  GaleH5Call(comm, path, H5Pclose(dcpl));
  GaleH5Call(comm, path, H5Sclose(fspace));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleIOCreateGroup(MPI_Comm comm, hid_t loc, const char *name, PetscBool crtOrder, hid_t *grp, const char *path)
{
  hid_t gcpl;

  PetscFunctionBeginUser;
  GaleH5Call(comm, path, gcpl = H5Pcreate(H5P_GROUP_CREATE));
  GaleH5Call(comm, path, H5Pset_obj_track_times(gcpl, 0));
  if (crtOrder) GaleH5Call(comm, path, H5Pset_link_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED));
  *grp = H5Gcreate2(loc, name, H5P_DEFAULT, gcpl, H5P_DEFAULT);
  GaleH5Call(comm, path, H5Pclose(gcpl));
  PetscCheck(*grp >= 0, comm, PETSC_ERR_FILE_WRITE, "%s: cannot create group %s", path, name);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleIOCheckDataset(MPI_Comm comm, hid_t loc, const char *name, PetscInt64 n, PetscInt ncomp, const char *path)
{
  const int rank    = ncomp > 1 ? 2 : 1;
  hsize_t   dims[2] = {0, 1};
  hid_t     dset, space;
  int       frank = -1;

  PetscFunctionBeginUser;
  PetscCheck(H5Lexists(loc, name, H5P_DEFAULT) > 0, comm, PETSC_ERR_FILE_UNEXPECTED, "%s: has no %s", path, name);
  dset = H5Dopen2(loc, name, H5P_DEFAULT);
  PetscCheck(dset >= 0, comm, PETSC_ERR_FILE_READ, "%s: cannot open dataset %s", path, name);
  space = H5Dget_space(dset);
  if (space >= 0) {
    frank = H5Sget_simple_extent_ndims(space);
    if (frank < 1 || frank > 2 || H5Sget_simple_extent_dims(space, dims, NULL) < 0) frank = -1;
    H5Sclose(space);
  }
  H5Dclose(dset);
  if (frank == 1) dims[1] = 1;
  PetscCheck(frank == rank && dims[0] == (hsize_t)n && dims[1] == (hsize_t)ncomp, comm, PETSC_ERR_FILE_UNEXPECTED, "%s: %s has %llu rows x %llu components, expected %lld x %" PetscInt_FMT " (was it written for another mesh?)", path, name,
             (unsigned long long)dims[0], (unsigned long long)dims[1], (long long)n, ncomp);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Collective read of rows rstart .. rstart+nlocal-1 of dataset name, whose
 * shape GaleIOCheckDataset has checked. */
static PetscErrorCode ReadRows(MPI_Comm comm, hid_t loc, const char *name, PetscInt ncomp, PetscInt64 rstart, PetscInt64 nlocal, double *buf, const char *path)
{
  const int rank     = ncomp > 1 ? 2 : 1;
  hsize_t   start[2] = {(hsize_t)rstart, 0}, count[2] = {(hsize_t)nlocal, (hsize_t)ncomp};
  hid_t     fspace, mspace, dset, dxpl;
  double    dummy;

  PetscFunctionBeginUser;
  GaleH5Call(comm, path, dset = H5Dopen2(loc, name, H5P_DEFAULT));
  GaleH5Call(comm, path, fspace = H5Dget_space(dset));
  GaleH5Call(comm, path, mspace = H5Screate_simple(rank, count, NULL));
  if (nlocal > 0)
    GaleH5Call(comm, path, H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL));
  else {
    GaleH5Call(comm, path, H5Sselect_none(fspace));
    GaleH5Call(comm, path, H5Sselect_none(mspace));
  }
  GaleH5Call(comm, path, dxpl = H5Pcreate(H5P_DATASET_XFER));
  GaleH5Call(comm, path, H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE));
  PetscCheck(H5Dread(dset, H5T_NATIVE_DOUBLE, mspace, fspace, dxpl, nlocal > 0 ? buf : &dummy) >= 0, comm, PETSC_ERR_FILE_READ, "%s: cannot read dataset %s", path, name);
  GaleH5Call(comm, path, H5Pclose(dxpl));
  GaleH5Call(comm, path, H5Sclose(mspace));
  GaleH5Call(comm, path, H5Sclose(fspace));
  GaleH5Call(comm, path, H5Dclose(dset));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode WriteAttr(MPI_Comm comm, hid_t loc, const char *name, hid_t memtype, hid_t filetype, const void *value, const char *path)
{
  hid_t space, attr;

  PetscFunctionBeginUser;
  if (H5Aexists(loc, name) > 0) GaleH5Call(comm, path, H5Adelete(loc, name));
  GaleH5Call(comm, path, space = H5Screate(H5S_SCALAR));
  GaleH5Call(comm, path, attr = H5Acreate2(loc, name, filetype, space, H5P_DEFAULT, H5P_DEFAULT));
  GaleH5Call(comm, path, H5Awrite(attr, memtype, value));
  GaleH5Call(comm, path, H5Aclose(attr));
  GaleH5Call(comm, path, H5Sclose(space));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ReadAttr(MPI_Comm comm, hid_t loc, const char *name, hid_t memtype, void *value, const char *path)
{
  hid_t attr;

  PetscFunctionBeginUser;
  PetscCheck(H5Aexists(loc, name) > 0, comm, PETSC_ERR_FILE_UNEXPECTED, "%s: attribute '%s' missing", path, name);
  GaleH5Call(comm, path, attr = H5Aopen(loc, name, H5P_DEFAULT));
  GaleH5Call(comm, path, H5Aread(attr, memtype, value));
  GaleH5Call(comm, path, H5Aclose(attr));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleIOWriteAttrInt(MPI_Comm comm, hid_t loc, const char *name, PetscInt64 value, const char *path)
{
  int64_t v = (int64_t)value;

  PetscFunctionBeginUser;
  PetscCall(WriteAttr(comm, loc, name, H5T_NATIVE_INT64, H5T_STD_I64LE, &v, path));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleIOWriteAttrReal(MPI_Comm comm, hid_t loc, const char *name, PetscReal value, const char *path)
{
  double v = (double)value;

  PetscFunctionBeginUser;
  PetscCall(WriteAttr(comm, loc, name, H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, &v, path));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleIOReadAttrInt(MPI_Comm comm, hid_t loc, const char *name, PetscInt64 *value, const char *path)
{
  int64_t v;

  PetscFunctionBeginUser;
  PetscCall(ReadAttr(comm, loc, name, H5T_NATIVE_INT64, &v, path));
  *value = (PetscInt64)v;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleIOReadAttrReal(MPI_Comm comm, hid_t loc, const char *name, PetscReal *value, const char *path)
{
  double v;

  PetscFunctionBeginUser;
  PetscCall(ReadAttr(comm, loc, name, H5T_NATIVE_DOUBLE, &v, path));
  *value = (PetscReal)v;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleIODistCreate(MPI_Comm comm, PetscInt nGlobal, PetscInt nleaves, const PetscInt leafIdx[], const PetscInt ids[], PetscBool exactCover, const char *what, GaleIODist *dist)
{
  PetscLayout map;
  PetscInt    bad = 0, rend;
  PetscInt   *one, *cnt;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(dist, sizeof(*dist)));
  dist->comm    = comm;
  dist->nGlobal = nGlobal;
  dist->nleaves = nleaves;
  for (PetscInt i = 0; i < nleaves; i++)
    if (ids[i] < 0 || ids[i] >= nGlobal) bad++;
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &bad, 1, MPIU_INT, MPI_SUM, comm));
  PetscCheck(!bad, comm, PETSC_ERR_ARG_OUTOFRANGE, "%" PetscInt_FMT " %s have an original id outside [0, %" PetscInt_FMT ")", bad, what, nGlobal);
  PetscCall(PetscMalloc1(nleaves + 1, &dist->leafIdx));
  for (PetscInt i = 0; i < nleaves; i++) dist->leafIdx[i] = leafIdx ? leafIdx[i] : i;
  PetscCall(PetscLayoutCreate(comm, &map));
  PetscCall(PetscLayoutSetSize(map, nGlobal));
  PetscCall(PetscLayoutSetUp(map));
  PetscCall(PetscLayoutGetRange(map, &dist->rstart, &rend));
  dist->nroots = rend - dist->rstart;
  PetscCall(PetscSFCreate(comm, &dist->sf));
  PetscCall(PetscSFSetGraphLayout(dist->sf, map, nleaves, NULL, PETSC_COPY_VALUES, ids));
  PetscCall(PetscSFSetUp(dist->sf));
  PetscCall(PetscLayoutDestroy(&map));
  /* every row must be given (exactly once when writing) */
  PetscCall(PetscMalloc1(nleaves + 1, &one));
  PetscCall(PetscCalloc1(dist->nroots + 1, &cnt));
  for (PetscInt i = 0; i < nleaves; i++) one[i] = 1;
  PetscCall(PetscSFReduceBegin(dist->sf, MPIU_INT, one, cnt, MPI_SUM));
  PetscCall(PetscSFReduceEnd(dist->sf, MPIU_INT, one, cnt, MPI_SUM));
  for (PetscInt r = 0; r < dist->nroots; r++)
    if (cnt[r] < 1 || (exactCover && cnt[r] > 1)) bad++;
  PetscCall(PetscFree(one));
  PetscCall(PetscFree(cnt));
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &bad, 1, MPIU_INT, MPI_SUM, comm));
  PetscCheck(!bad, comm, PETSC_ERR_PLIB, "%" PetscInt_FMT " of %" PetscInt_FMT " original %s ids are %s over the ranks (broken mesh distribution)", bad, nGlobal, what, exactCover ? "not held exactly once" : "missing");
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleIODistDestroy(GaleIODist *dist)
{
  PetscFunctionBeginUser;
  PetscCall(PetscSFDestroy(&dist->sf));
  PetscCall(PetscFree(dist->leafIdx));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleIODistWrite(GaleIODist *dist, hid_t loc, const char *name, PetscInt ncomp, PetscInt stride, const PetscReal *data, const char *path)
{
  PetscReal *leaf, *root, *rows;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc3(dist->nleaves + 1, &leaf, dist->nroots + 1, &root, ncomp * dist->nroots + 1, &rows));
  for (PetscInt d = 0; d < ncomp; d++) {
    for (PetscInt i = 0; i < dist->nleaves; i++) leaf[i] = data[d * stride + dist->leafIdx[i]];
    PetscCall(PetscSFReduceBegin(dist->sf, MPIU_REAL, leaf, root, MPI_REPLACE));
    PetscCall(PetscSFReduceEnd(dist->sf, MPIU_REAL, leaf, root, MPI_REPLACE));
    for (PetscInt r = 0; r < dist->nroots; r++) rows[r * ncomp + d] = root[r];
  }
  PetscCall(GaleIOWriteRows(dist->comm, loc, name, H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, dist->nGlobal, ncomp, dist->rstart, dist->nroots, rows, path));
  PetscCall(PetscFree3(leaf, root, rows));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleIODistRead(GaleIODist *dist, hid_t loc, const char *name, PetscInt ncomp, PetscInt stride, PetscReal *data, const char *path)
{
  PetscReal *leaf, *root, *rows;

  PetscFunctionBeginUser;
  PetscCall(GaleIOCheckDataset(dist->comm, loc, name, dist->nGlobal, ncomp, path));
  PetscCall(PetscMalloc3(dist->nleaves + 1, &leaf, dist->nroots + 1, &root, ncomp * dist->nroots + 1, &rows));
  PetscCall(ReadRows(dist->comm, loc, name, ncomp, dist->rstart, dist->nroots, rows, path));
  for (PetscInt d = 0; d < ncomp; d++) {
    for (PetscInt r = 0; r < dist->nroots; r++) root[r] = rows[r * ncomp + d];
    PetscCall(PetscSFBcastBegin(dist->sf, MPIU_REAL, root, leaf, MPI_REPLACE));
    PetscCall(PetscSFBcastEnd(dist->sf, MPIU_REAL, root, leaf, MPI_REPLACE));
    for (PetscInt i = 0; i < dist->nleaves; i++) data[d * stride + dist->leafIdx[i]] = leaf[i];
  }
  PetscCall(PetscFree3(leaf, root, rows));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The boundary faces of the global mesh on every patch except `empty` ones
 * (the front and back of 2D cases, twice as many faces as cells and no
 * use to look at): XDMF Mixed topology, each face a polygon (3, npts,
 * ids...) oriented out of the domain, with its patch index and its owner
 * cell (original id, = the row of the cell fields). With topo NULL only the
 * sizes are computed. */
static PetscErrorCode BuildBoundary(GaleMesh g, PetscInt64 *nfaces, PetscInt64 *len, PetscInt64 **topo, PetscInt64 **patch, PetscInt64 **owner)
{
  PetscInt64 n = 0, L = 0, k = 0, j = 0;

  PetscFunctionBeginUser;
  for (PetscInt p = 0; p < g->nPatches; p++) {
    if (!strcmp(g->patches[p].type, "empty")) continue;
    for (PetscInt f = g->patches[p].start; f < g->patches[p].start + g->patches[p].size; f++) L += 2 + g->faceOffsets[f + 1] - g->faceOffsets[f];
    n += g->patches[p].size;
  }
  *nfaces = n;
  *len    = L;
  if (!topo) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(PetscMalloc3(L + 1, topo, n + 1, patch, n + 1, owner));
  for (PetscInt p = 0; p < g->nPatches; p++) {
    if (!strcmp(g->patches[p].type, "empty")) continue;
    for (PetscInt f = g->patches[p].start; f < g->patches[p].start + g->patches[p].size; f++) {
      const PetscInt s = g->faceOffsets[f], np = g->faceOffsets[f + 1] - s;
      (*topo)[k++] = 3;
      (*topo)[k++] = np;
      for (PetscInt i = 0; i < np; i++) (*topo)[k++] = g->facePoints[s + i];
      (*patch)[j]   = p;
      (*owner)[j++] = g->owner[f];
    }
  }
  PetscCheck(k == L && j == n, PETSC_COMM_SELF, PETSC_ERR_PLIB, "boundary topology length %lld != %lld", (long long)k, (long long)L);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* XDMF Mixed topology of the global mesh, every cell a polyhedron with its
 * faces oriented outward (faces where the cell is the neighbour reversed).
 * With topo NULL only the length is computed. */
static PetscErrorCode BuildTopology(GaleMesh g, PetscInt64 *len, PetscInt64 **topo)
{
  const PetscInt nc = g->nCells, nf = g->nFaces, ni = g->nInternalFaces;
  PetscInt      *off, *cf, *pos;
  PetscInt64     L = 2 * (PetscInt64)nc, k = 0;
  PetscInt64    *t;

  PetscFunctionBeginUser;
  for (PetscInt f = 0; f < nf; f++) L += (1 + g->faceOffsets[f + 1] - g->faceOffsets[f]) * (f < ni ? 2 : 1);
  *len = L;
  if (!topo) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(PetscCalloc3(nc + 1, &off, 2 * nf + 1, &cf, nc + 1, &pos));
  for (PetscInt f = 0; f < nf; f++) {
    off[g->owner[f] + 1]++;
    if (f < ni) off[g->neighbour[f] + 1]++;
  }
  for (PetscInt c = 0; c < nc; c++) off[c + 1] += off[c];
  for (PetscInt f = 0; f < nf; f++) {
    cf[off[g->owner[f]] + pos[g->owner[f]]++] = f;
    if (f < ni) cf[off[g->neighbour[f]] + pos[g->neighbour[f]]++] = f;
  }
  PetscCall(PetscMalloc1(L + 1, &t));
  for (PetscInt c = 0; c < nc; c++) {
    t[k++] = 16;
    t[k++] = off[c + 1] - off[c];
    for (PetscInt j = off[c]; j < off[c + 1]; j++) {
      const PetscInt  f = cf[j], s = g->faceOffsets[f], n = g->faceOffsets[f + 1] - s;
      const PetscBool rev = (PetscBool)(f < ni && g->neighbour[f] == c);
      t[k++]              = n;
      for (PetscInt i = 0; i < n; i++) t[k++] = g->facePoints[s + (rev ? n - 1 - i : i)];
    }
  }
  PetscCheck(k == L, PETSC_COMM_SELF, PETSC_ERR_PLIB, "topology length %lld != %lld", (long long)k, (long long)L);
  PetscCall(PetscFree3(off, cf, pos));
  *topo = t;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Rank 0: number of rows of dataset name in file, -1 if unreadable. */
static PetscInt64 DatasetRows(hid_t file, const char *name)
{
  hsize_t    dims[2] = {0, 0};
  hid_t      dset, space;
  PetscInt64 rows = -1;

  if (H5Lexists(file, "mesh", H5P_DEFAULT) <= 0 || H5Lexists(file, name, H5P_DEFAULT) <= 0 || (dset = H5Dopen2(file, name, H5P_DEFAULT)) < 0) return -1;
  if ((space = H5Dget_space(dset)) >= 0) {
    if (H5Sget_simple_extent_ndims(space) >= 1 && H5Sget_simple_extent_ndims(space) <= 2 && H5Sget_simple_extent_dims(space, dims, NULL) >= 0) rows = (PetscInt64)dims[0];
    H5Sclose(space);
  }
  H5Dclose(dset);
  return rows;
}

/* Rank 0: does the existing solution.h5 hold a mesh of the given sizes? */
static PetscErrorCode CheckExistingMesh(const char *path, PetscInt64 nPoints, PetscInt64 topoLen)
{
  hid_t       file;
  H5E_auto2_t func;
  void       *data;
  PetscInt64  np = -1, nt = -1;

  PetscFunctionBeginUser;
  H5Eget_auto2(H5E_DEFAULT, &func, &data);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* our message says it better */
  file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  H5Eset_auto2(H5E_DEFAULT, func, data);
  PetscCheck(file >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: not a readable HDF5 file, cannot append to it (move it away, or run without restart to start afresh)", path);
  np = DatasetRows(file, "mesh/points");
  nt = DatasetRows(file, "mesh/topology");
  GaleH5Call(PETSC_COMM_SELF, path, H5Fclose(file));
  PetscCheck(np >= 0 && nt >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: no /mesh/points and /mesh/topology (not a Gale solution file?); move it away or run without restart", path);
  PetscCheck(np == nPoints && nt == topoLen, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: written for another mesh (%lld points, topology length %lld; this mesh %lld, %lld); run without restart to start afresh", path, (long long)np,
             (long long)nt, (long long)nPoints, (long long)topoLen);
  PetscFunctionReturn(PETSC_SUCCESS);
}

typedef struct {
  FILE       *fp;
  const char *h5name;
  PetscInt64  nCells, nPoints, topoLen, keepBelow;
} XmfCtx;

static herr_t XmfField(hid_t grp, const char *name, const H5L_info_t *info, void *ctx_)
{
  XmfCtx     *ctx = (XmfCtx *)ctx_;
  hid_t       dset, space;
  hsize_t     dims[2] = {0, 1};
  int         nd;
  const char *type;
  char        stepname[64];

  (void)info;
  if ((dset = H5Dopen2(grp, name, H5P_DEFAULT)) < 0) return -1;
  space = H5Dget_space(dset);
  nd    = H5Sget_simple_extent_ndims(space);
  if (nd < 1 || nd > 2 || H5Sget_simple_extent_dims(space, dims, NULL) < 0) nd = -1;
  H5Sclose(space);
  H5Dclose(dset);
  if (nd < 0) return -1;
  if (nd == 1) dims[1] = 1;
  type = dims[1] == 1 ? "Scalar" : dims[1] == 3 ? "Vector" : dims[1] == 6 ? "Tensor6" : dims[1] == 9 ? "Tensor" : "Matrix";
  if (H5Iget_name(grp, stepname, sizeof(stepname)) < 0) return -1;
  fprintf(ctx->fp, "        <Attribute Name=\"%s\" AttributeType=\"%s\" Center=\"Cell\">\n", name, type);
  if (nd == 1)
    fprintf(ctx->fp, "          <DataItem Dimensions=\"%llu\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">%s:%s/%s</DataItem>\n", (unsigned long long)dims[0], ctx->h5name, stepname, name);
  else
    fprintf(ctx->fp, "          <DataItem Dimensions=\"%llu %llu\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">%s:%s/%s</DataItem>\n", (unsigned long long)dims[0], (unsigned long long)dims[1], ctx->h5name, stepname, name);
  fprintf(ctx->fp, "        </Attribute>\n");
  return 0;
}

static herr_t XmfStep(hid_t steps, const char *name, const H5L_info_t *info, void *ctx_)
{
  XmfCtx  *ctx = (XmfCtx *)ctx_;
  hid_t    grp, attr, gcpl;
  double   time  = 0;
  unsigned order = 0;
  herr_t   st;

  (void)info;
  if (strtoll(name, NULL, 10) >= ctx->keepBelow) return 0;
  if ((grp = H5Gopen2(steps, name, H5P_DEFAULT)) < 0) return -1;
  if ((attr = H5Aopen(grp, "time", H5P_DEFAULT)) < 0 || H5Aread(attr, H5T_NATIVE_DOUBLE, &time) < 0) return -1;
  H5Aclose(attr);
  gcpl = H5Gget_create_plist(grp);
  if (gcpl >= 0) {
    H5Pget_link_creation_order(gcpl, &order);
    H5Pclose(gcpl);
  }
  fprintf(ctx->fp, "      <Grid Name=\"step_%s\" GridType=\"Uniform\">\n", name);
  fprintf(ctx->fp, "        <Time Value=\"%.17g\"/>\n", time);
  fprintf(ctx->fp, "        <Topology TopologyType=\"Mixed\" NumberOfElements=\"%lld\">\n", (long long)ctx->nCells);
  fprintf(ctx->fp, "          <DataItem Dimensions=\"%lld\" NumberType=\"Int\" Precision=\"8\" Format=\"HDF\">%s:/mesh/topology</DataItem>\n", (long long)ctx->topoLen, ctx->h5name);
  fprintf(ctx->fp, "        </Topology>\n");
  fprintf(ctx->fp, "        <Geometry GeometryType=\"XYZ\">\n");
  fprintf(ctx->fp, "          <DataItem Dimensions=\"%lld 3\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">%s:/mesh/points</DataItem>\n", (long long)ctx->nPoints, ctx->h5name);
  fprintf(ctx->fp, "        </Geometry>\n");
  st = H5Literate(grp, (order & H5P_CRT_ORDER_INDEXED) ? H5_INDEX_CRT_ORDER : H5_INDEX_NAME, H5_ITER_INC, NULL, XmfField, ctx);
  fprintf(ctx->fp, "      </Grid>\n");
  H5Gclose(grp);
  return st < 0 ? -1 : 0;
}

/* Rank 0: write solution.xmf.tmp describing the steps below keepBelow of
 * the HDF5 file h5 (solution.h5 or its tmp copy). */
static PetscErrorCode WriteXmf(GaleOutput o, const char *h5, PetscInt64 keepBelow)
{
  XmfCtx      ctx = {NULL, "solution.h5", o->nCellsGlobal, o->nPoints, o->topoLen, keepBelow};
  const char *xmf = o->xmftmp;
  hid_t       file, steps;
  herr_t      st = 0;
  int         bad;

  PetscFunctionBeginUser;
  file = H5Fopen(h5, H5F_ACC_RDONLY, H5P_DEFAULT);
  PetscCheck(file >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot open to write %s", h5, xmf);
  ctx.fp = fopen(xmf, "w");
  PetscCheck(ctx.fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot create: %s", xmf, strerror(errno));
  fprintf(ctx.fp, "<?xml version=\"1.0\" ?>\n<!DOCTYPE Xdmf SYSTEM \"Xdmf.dtd\" []>\n<Xdmf Version=\"3.0\">\n  <Domain>\n");
  fprintf(ctx.fp, "    <Grid Name=\"solution\" GridType=\"Collection\" CollectionType=\"Temporal\">\n");
  if (H5Lexists(file, "steps", H5P_DEFAULT) > 0) {
    GaleH5Call(PETSC_COMM_SELF, h5, steps = H5Gopen2(file, "steps", H5P_DEFAULT));
    st = H5Literate(steps, H5_INDEX_NAME, H5_ITER_INC, NULL, XmfStep, &ctx);
    H5Gclose(steps);
  }
  fprintf(ctx.fp, "    </Grid>\n  </Domain>\n</Xdmf>\n");
  bad = ferror(ctx.fp);
  bad |= fclose(ctx.fp);
  GaleH5Call(PETSC_COMM_SELF, h5, H5Fclose(file));
  PetscCheck(st >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: cannot list the steps to write %s", h5, xmf);
  PetscCheck(!bad, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "%s: write failed", xmf);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Rank 0: put solution.h5.tmp in place with its xmf. The two renames are
 * not one atomic step, so the xmf on disk must always list steps that both
 * the old and the new solution.h5 hold. Appending keeps that (old steps are
 * copied unchanged); when this write replaces steps (a fresh run over old
 * results, or a restart that rewrites later steps) an xmf narrowed to the
 * steps below keepBelow goes in place first. */
static PetscErrorCode Commit(GaleOutput o, PetscBool replaces, PetscInt64 keepBelow)
{
  PetscFunctionBeginUser;
  if (replaces && access(o->xmf, F_OK) == 0) {
    PetscCall(WriteXmf(o, o->h5tmp, keepBelow));
    PetscCall(SyncAndRename(o->xmftmp, o->xmf));
  }
  PetscCall(WriteXmf(o, o->h5tmp, PETSC_MAX_INT));
  PetscCall(SyncFile(o->xmftmp));
  PetscCall(SyncAndRename(o->h5tmp, o->h5));
  PetscCheck(rename(o->xmftmp, o->xmf) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot rename %s to %s: %s", o->xmftmp, o->xmf, strerror(errno));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleOutputCreate(GaleMesh global, GaleMesh local, const char *resultsDir, PetscBool append, GaleOutput *out)
{
  GaleOutput     o;
  PetscMPIInt    rank;
  PetscErrorCode ierr     = PETSC_SUCCESS;
  PetscInt64     sizes[6] = {0, 0, 0, 0, 0, 0};
  PetscBool      exists;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&o));
  o->comm = local->comm;
  PetscCallMPI(MPI_Comm_rank(o->comm, &rank));
  PetscCall(PetscSNPrintf(o->h5, sizeof(o->h5), "%s/solution.h5", resultsDir));
  PetscCall(PetscSNPrintf(o->h5tmp, sizeof(o->h5tmp), "%s/solution.h5.tmp", resultsDir));
  PetscCall(PetscSNPrintf(o->xmf, sizeof(o->xmf), "%s/solution.xmf", resultsDir));
  PetscCall(PetscSNPrintf(o->xmftmp, sizeof(o->xmftmp), "%s/solution.xmf.tmp", resultsDir));
  PetscCall(GaleIOMkdir(o->comm, resultsDir));
  if (!rank) {
    sizes[0] = global ? global->nPoints : 0;
    sizes[2] = global ? global->nCells : -1;
    if (global) PetscCall(BuildTopology(global, &sizes[1], NULL));
    if (global) PetscCall(BuildBoundary(global, &sizes[3], &sizes[4], NULL, NULL, NULL));
    sizes[5] = global ? global->nPatches : 0;
  }
  PetscCallMPI(MPI_Bcast(sizes, 6, MPIU_INT64, 0, o->comm));
  o->nPoints      = sizes[0];
  o->topoLen      = sizes[1];
  o->nCellsGlobal = sizes[2];
  o->nBFaces      = sizes[3];
  o->bTopoLen     = sizes[4];
  o->nPatches     = sizes[5];
  PetscCheck(o->nCellsGlobal >= 0, o->comm, PETSC_ERR_ARG_NULL, "GaleOutputCreate: rank 0 needs the global mesh");
  PetscCheck(o->nCellsGlobal == local->nCellsGlobal, o->comm, PETSC_ERR_ARG_INCOMP, "GaleOutputCreate: global mesh has %lld cells, the distributed mesh says %" PetscInt_FMT, (long long)o->nCellsGlobal, local->nCellsGlobal);
  PetscCall(GaleIODistCreate(o->comm, local->nCellsGlobal, local->nCells, NULL, local->cellOrigId, PETSC_TRUE, "cell", &o->cells));

  PetscCall(GaleIOFileExists(o->comm, o->h5, &exists));
  o->haveFile = (PetscBool)(append && exists);
  if (o->haveFile) {
    if (!rank) ierr = CheckExistingMesh(o->h5, o->nPoints, o->topoLen);
    if (!rank && !ierr) ierr = WriteXmf(o, o->h5, PETSC_MAX_INT); /* in case a crash left it behind */
    if (!rank && !ierr) ierr = SyncAndRename(o->xmftmp, o->xmf);
    PetscCallMPI(MPI_Bcast(&ierr, 1, MPI_INT, 0, o->comm));
    if (ierr) PetscCall(GaleOutputDestroy(&o));
    PetscCall(ierr);
  } else if (!rank) {
    PetscCall(PetscMalloc1(3 * o->nPoints + 1, &o->points));
    PetscCall(PetscArraycpy(o->points, global->points, 3 * o->nPoints));
    PetscCall(BuildTopology(global, &sizes[1], &o->topo));
    PetscCall(BuildBoundary(global, &sizes[3], &sizes[4], &o->bTopo, &o->bPatch, &o->bOwner));
    PetscCall(PetscCalloc2(o->nPatches + 1, &o->patchName, o->nPatches + 1, &o->patchType));
    for (PetscInt p = 0; p < global->nPatches; p++) {
      PetscCall(PetscStrncpy(o->patchName[p], global->patches[p].name, sizeof(o->patchName[p])));
      PetscCall(PetscStrncpy(o->patchType[p], global->patches[p].type, sizeof(o->patchType[p])));
    }
  }
  *out = o;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleOutputDestroy(GaleOutput *out)
{
  PetscFunctionBeginUser;
  if (!out || !*out) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(GaleIODistDestroy(&(*out)->cells));
  PetscCall(PetscFree((*out)->points));
  PetscCall(PetscFree((*out)->topo));
  PetscCall(PetscFree3((*out)->bTopo, (*out)->bPatch, (*out)->bOwner));
  PetscCall(PetscFree2((*out)->patchName, (*out)->patchType));
  PetscCall(PetscFree(*out));
  PetscFunctionReturn(PETSC_SUCCESS);
}

typedef struct {
  PetscInt step, n, max;
  char (*names)[32];
} StaleCtx;

/* collect steps >= ctx->step: they are replaced (restart) */
static herr_t CollectStale(hid_t g, const char *name, const H5L_info_t *info, void *ctx_)
{
  StaleCtx *ctx = (StaleCtx *)ctx_;
  long      s   = strtol(name, NULL, 10);

  (void)g;
  (void)info;
  if (s >= ctx->step && ctx->n < ctx->max && strlen(name) < 32) strcpy(ctx->names[ctx->n++], name);
  return 0;
}

static PetscErrorCode DropSteps(MPI_Comm comm, hid_t steps, PetscInt step, PetscInt *dropped, const char *path)
{
  H5G_info_t info;
  StaleCtx   ctx = {step, 0, 0, NULL};

  PetscFunctionBeginUser;
  GaleH5Call(comm, path, H5Gget_info(steps, &info));
  ctx.max = (PetscInt)info.nlinks;
  PetscCall(PetscMalloc1(ctx.max + 1, &ctx.names));
  GaleH5Call(comm, path, H5Literate(steps, H5_INDEX_NAME, H5_ITER_INC, NULL, CollectStale, &ctx));
  for (PetscInt i = 0; i < ctx.n; i++) GaleH5Call(comm, path, H5Ldelete(steps, ctx.names[i], H5P_DEFAULT));
  *dropped = ctx.n;
  PetscCall(PetscFree(ctx.names));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* /mesh/boundary: the boundary faces (BuildBoundary) and the patch list,
 * for surface pictures (postproc/gale_pictures.py) and wall data. */
static PetscErrorCode WriteBoundary(GaleOutput o, hid_t mesh, PetscMPIInt rank)
{
  hid_t bnd, str[2];

  PetscFunctionBeginUser;
  PetscCall(GaleIOCreateGroup(o->comm, mesh, "boundary", PETSC_FALSE, &bnd, o->h5tmp));
  PetscCall(GaleIOWriteRows(o->comm, bnd, "topology", H5T_NATIVE_INT64, H5T_STD_I64LE, o->bTopoLen, 1, 0, rank ? 0 : o->bTopoLen, o->bTopo, o->h5tmp));
  PetscCall(GaleIOWriteRows(o->comm, bnd, "patch", H5T_NATIVE_INT64, H5T_STD_I64LE, o->nBFaces, 1, 0, rank ? 0 : o->nBFaces, o->bPatch, o->h5tmp));
  PetscCall(GaleIOWriteRows(o->comm, bnd, "owner", H5T_NATIVE_INT64, H5T_STD_I64LE, o->nBFaces, 1, 0, rank ? 0 : o->nBFaces, o->bOwner, o->h5tmp));
  GaleH5Call(o->comm, o->h5tmp, str[0] = H5Tcopy(H5T_C_S1));
  GaleH5Call(o->comm, o->h5tmp, H5Tset_size(str[0], GALE_NAME_LEN));
  GaleH5Call(o->comm, o->h5tmp, str[1] = H5Tcopy(H5T_C_S1));
  GaleH5Call(o->comm, o->h5tmp, H5Tset_size(str[1], 32));
  PetscCall(GaleIOWriteRows(o->comm, bnd, "patch_names", str[0], str[0], o->nPatches, 1, 0, rank ? 0 : o->nPatches, o->patchName, o->h5tmp));
  PetscCall(GaleIOWriteRows(o->comm, bnd, "patch_types", str[1], str[1], o->nPatches, 1, 0, rank ? 0 : o->nPatches, o->patchType, o->h5tmp));
  GaleH5Call(o->comm, o->h5tmp, H5Tclose(str[0]));
  GaleH5Call(o->comm, o->h5tmp, H5Tclose(str[1]));
  GaleH5Call(o->comm, o->h5tmp, H5Gclose(bnd));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode WriteMesh(GaleOutput o, hid_t file)
{
  PetscMPIInt rank;
  hid_t       grp;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(o->comm, &rank));
  PetscCall(GaleIOCreateGroup(o->comm, file, "mesh", PETSC_FALSE, &grp, o->h5tmp));
  PetscCall(GaleIOWriteRows(o->comm, grp, "points", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, o->nPoints, 3, 0, rank ? 0 : o->nPoints, o->points, o->h5tmp));
  PetscCall(GaleIOWriteRows(o->comm, grp, "topology", H5T_NATIVE_INT64, H5T_STD_I64LE, o->topoLen, 1, 0, rank ? 0 : o->topoLen, o->topo, o->h5tmp));
  PetscCall(WriteBoundary(o, grp, rank));
  GaleH5Call(o->comm, o->h5tmp, H5Gclose(grp));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode WriteStep(GaleOutput o, hid_t file, PetscInt step, PetscReal time, PetscInt nfields, const GaleField fields[], PetscInt *dropped)
{
  hid_t steps, grp;
  char  name[32];

  PetscFunctionBeginUser;
  *dropped = 0;
  if (H5Lexists(file, "steps", H5P_DEFAULT) > 0) {
    GaleH5Call(o->comm, o->h5tmp, steps = H5Gopen2(file, "steps", H5P_DEFAULT));
    PetscCall(DropSteps(o->comm, steps, step, dropped, o->h5tmp));
  } else
    PetscCall(GaleIOCreateGroup(o->comm, file, "steps", PETSC_FALSE, &steps, o->h5tmp));
  PetscCall(PetscSNPrintf(name, sizeof(name), "%08" PetscInt_FMT, step));
  PetscCall(GaleIOCreateGroup(o->comm, steps, name, PETSC_TRUE, &grp, o->h5tmp));
  PetscCall(GaleIOWriteAttrInt(o->comm, grp, "step", step, o->h5tmp));
  PetscCall(GaleIOWriteAttrReal(o->comm, grp, "time", time, o->h5tmp));
  for (PetscInt i = 0; i < nfields; i++) {
    if (fields[i].onFaces) continue;
    PetscCall(GaleIODistWrite(&o->cells, grp, fields[i].name, fields[i].ncomp, fields[i].stride, fields[i].data, o->h5tmp));
  }
  GaleH5Call(o->comm, o->h5tmp, H5Gclose(grp));
  GaleH5Call(o->comm, o->h5tmp, H5Gclose(steps));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode CheckFields(MPI_Comm comm, PetscInt nfields, const GaleField fields[], PetscInt nOwned)
{
  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < nfields; i++) {
    const GaleField *f = &fields[i];
    PetscCheck(f->name && f->name[0] && !strchr(f->name, '/') && !strchr(f->name, '<') && !strchr(f->name, '&') && !strchr(f->name, '"'), comm, PETSC_ERR_ARG_WRONG, "field %" PetscInt_FMT ": name '%s' must be non-empty without / < & \"", i,
               f->name ? f->name : "(null)");
    PetscCheck(f->ncomp >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "field %s: %" PetscInt_FMT " components", f->name, f->ncomp);
    PetscCheck(f->onFaces || f->ncomp == 1 || f->stride >= nOwned, comm, PETSC_ERR_ARG_OUTOFRANGE, "field %s: stride %" PetscInt_FMT " below the %" PetscInt_FMT " owned cells", f->name, f->stride, nOwned);
    PetscCheck(!f->onFaces || f->ncomp == 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "face field %s: %" PetscInt_FMT " components, face fields have 1", f->name, f->ncomp);
    PetscCheck(f->onFaces || f->data || !nOwned, comm, PETSC_ERR_ARG_NULL, "field %s: no data", f->name);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleOutputWrite(GaleOutput o, PetscInt step, PetscReal time, PetscInt nfields, const GaleField fields[])
{
  PetscMPIInt    rank;
  PetscErrorCode ierr = PETSC_SUCCESS;
  PetscInt       dropped;
  hid_t          file;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(o->comm, &rank));
  PetscCheck(step >= 0 && step <= 99999999, o->comm, PETSC_ERR_ARG_OUTOFRANGE, "output step %" PetscInt_FMT " outside [0, 99999999]", step);
  PetscCall(CheckFields(o->comm, nfields, fields, o->cells.nleaves));
  if (o->haveFile) {
    if (!rank) ierr = CopyFile(o->h5, o->h5tmp);
    PetscCall(GaleIOShareError(o->comm, ierr));
    PetscCall(GaleIOOpenFile(o->comm, o->h5tmp, PETSC_TRUE, &file));
  } else {
    PetscCall(GaleIOCreateFile(o->comm, o->h5tmp, &file));
    PetscCall(WriteMesh(o, file));
  }
  PetscCall(WriteStep(o, file, step, time, nfields, fields, &dropped));
  PetscCall(GaleIOCloseFile(o->comm, o->h5tmp, &file));
  PetscCallMPI(MPI_Barrier(o->comm));
  if (!rank) ierr = Commit(o, (PetscBool)(!o->haveFile || dropped), o->haveFile ? step : -1);
  PetscCall(GaleIOShareError(o->comm, ierr));
  if (!o->haveFile) {
    o->haveFile = PETSC_TRUE;
    PetscCall(PetscFree(o->points));
    PetscCall(PetscFree(o->topo));
    PetscCall(PetscFree3(o->bTopo, o->bPatch, o->bOwner));
    PetscCall(PetscFree2(o->patchName, o->patchType));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Rank 0: mesh.xmf.tmp, one grid with the mesh of mesh.h5 and its fields. */
static PetscErrorCode WriteMeshXmf(const char *xmf, PetscInt64 nCells, PetscInt64 nPoints, PetscInt64 topoLen, PetscInt nfields, const GaleField fields[])
{
  FILE *fp = fopen(xmf, "w");
  int   bad;

  PetscFunctionBeginUser;
  PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot create: %s", xmf, strerror(errno));
  fprintf(fp, "<?xml version=\"1.0\" ?>\n<!DOCTYPE Xdmf SYSTEM \"Xdmf.dtd\" []>\n<Xdmf Version=\"3.0\">\n  <Domain>\n");
  fprintf(fp, "    <Grid Name=\"mesh\" GridType=\"Uniform\">\n");
  fprintf(fp, "      <Topology TopologyType=\"Mixed\" NumberOfElements=\"%lld\">\n", (long long)nCells);
  fprintf(fp, "        <DataItem Dimensions=\"%lld\" NumberType=\"Int\" Precision=\"8\" Format=\"HDF\">mesh.h5:/mesh/topology</DataItem>\n", (long long)topoLen);
  fprintf(fp, "      </Topology>\n      <Geometry GeometryType=\"XYZ\">\n");
  fprintf(fp, "        <DataItem Dimensions=\"%lld 3\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">mesh.h5:/mesh/points</DataItem>\n", (long long)nPoints);
  fprintf(fp, "      </Geometry>\n");
  for (PetscInt i = 0; i < nfields; i++) {
    if (fields[i].onFaces) continue;
    fprintf(fp, "      <Attribute Name=\"%s\" AttributeType=\"%s\" Center=\"Cell\">\n", fields[i].name, fields[i].ncomp == 1 ? "Scalar" : fields[i].ncomp == 3 ? "Vector" : "Matrix");
    if (fields[i].ncomp == 1)
      fprintf(fp, "        <DataItem Dimensions=\"%lld\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">mesh.h5:/fields/%s</DataItem>\n", (long long)nCells, fields[i].name);
    else
      fprintf(fp, "        <DataItem Dimensions=\"%lld %" PetscInt_FMT "\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">mesh.h5:/fields/%s</DataItem>\n", (long long)nCells, fields[i].ncomp, fields[i].name);
    fprintf(fp, "      </Attribute>\n");
  }
  fprintf(fp, "    </Grid>\n  </Domain>\n</Xdmf>\n");
  bad = ferror(fp);
  bad |= fclose(fp);
  PetscCheck(!bad, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "%s: write failed", xmf);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleOutputWriteMesh(GaleMesh global, GaleMesh local, const char *resultsDir, PetscInt nfields, const GaleField fields[])
{
  MPI_Comm       comm = local->comm;
  PetscMPIInt    rank;
  PetscInt64     sizes[3] = {0, 0, -1}, *topo = NULL;
  PetscErrorCode ierr = PETSC_SUCCESS;
  GaleIODist     dist;
  char           h5[GALE_PATH_LEN], h5tmp[GALE_PATH_LEN], xmf[GALE_PATH_LEN], xmftmp[GALE_PATH_LEN];
  hid_t          file, grp;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(CheckFields(comm, nfields, fields, local->nCells));
  PetscCall(PetscSNPrintf(h5, sizeof(h5), "%s/mesh.h5", resultsDir));
  PetscCall(PetscSNPrintf(h5tmp, sizeof(h5tmp), "%s/mesh.h5.tmp", resultsDir));
  PetscCall(PetscSNPrintf(xmf, sizeof(xmf), "%s/mesh.xmf", resultsDir));
  PetscCall(PetscSNPrintf(xmftmp, sizeof(xmftmp), "%s/mesh.xmf.tmp", resultsDir));
  PetscCall(GaleIOMkdir(comm, resultsDir));
  if (!rank && global) {
    sizes[0] = global->nPoints;
    sizes[2] = global->nCells;
    PetscCall(BuildTopology(global, &sizes[1], &topo));
  }
  PetscCallMPI(MPI_Bcast(sizes, 3, MPIU_INT64, 0, comm));
  if (sizes[2] != local->nCellsGlobal) PetscCall(PetscFree(topo));
  PetscCheck(sizes[2] >= 0, comm, PETSC_ERR_ARG_NULL, "GaleOutputWriteMesh: rank 0 needs the global mesh");
  PetscCheck(sizes[2] == local->nCellsGlobal, comm, PETSC_ERR_ARG_INCOMP, "GaleOutputWriteMesh: global mesh has %lld cells, the distributed mesh says %" PetscInt_FMT, (long long)sizes[2], local->nCellsGlobal);
  PetscCall(GaleIODistCreate(comm, local->nCellsGlobal, local->nCells, NULL, local->cellOrigId, PETSC_TRUE, "cell", &dist));
  PetscCall(GaleIOCreateFile(comm, h5tmp, &file));
  PetscCall(GaleIOCreateGroup(comm, file, "mesh", PETSC_FALSE, &grp, h5tmp));
  PetscCall(GaleIOWriteRows(comm, grp, "points", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, sizes[0], 3, 0, rank ? 0 : sizes[0], rank ? NULL : global->points, h5tmp));
  PetscCall(GaleIOWriteRows(comm, grp, "topology", H5T_NATIVE_INT64, H5T_STD_I64LE, sizes[1], 1, 0, rank ? 0 : sizes[1], topo, h5tmp));
  GaleH5Call(comm, h5tmp, H5Gclose(grp));
  PetscCall(PetscFree(topo));
  PetscCall(GaleIOCreateGroup(comm, file, "fields", PETSC_TRUE, &grp, h5tmp));
  for (PetscInt i = 0; i < nfields; i++)
    if (!fields[i].onFaces) PetscCall(GaleIODistWrite(&dist, grp, fields[i].name, fields[i].ncomp, fields[i].stride, fields[i].data, h5tmp));
  GaleH5Call(comm, h5tmp, H5Gclose(grp));
  PetscCall(GaleIOCloseFile(comm, h5tmp, &file));
  PetscCall(GaleIODistDestroy(&dist));
  if (!rank) ierr = WriteMeshXmf(xmftmp, sizes[2], sizes[0], sizes[1], nfields, fields);
  PetscCall(GaleIOShareError(comm, ierr));
  PetscCall(GaleIOCommitFile(comm, h5tmp, h5));
  PetscCall(GaleIOCommitFile(comm, xmftmp, xmf));
  PetscFunctionReturn(PETSC_SUCCESS);
}
