/* Internal helpers shared by io/output.c and io/checkpoint.c (implemented
 * in io/output.c): parallel HDF5 file access, a "distributed field" that
 * moves rank-local values to contiguous blocks of an original numbering
 * (so every rank writes or reads one hyperslab and the file does not
 * depend on the rank count), and the tmp-file-then-rename steps that keep
 * results readable after a crash. Not part of the public API. */
#ifndef GALE_H5UTIL_H
#define GALE_H5UTIL_H

#include <hdf5.h>
#include <petscsf.h>
#include "gale_mesh.h"

/* Turn a negative HDF5 return value into a PETSc error naming the file. */
#define GaleH5Call(comm, path, call)                                                                                                                                                                                                                     \
  do {                                                                                                                                                                                                                                                   \
    if ((call) < 0) SETERRQ((comm), PETSC_ERR_FILE_UNEXPECTED, "%s: HDF5 call failed: %s", (path), #call);                                                                                                                                               \
  } while (0)

/* Values that live on some ranks (leaves: local index leafIdx[i] with
 * global id ids[i]) and in the file as rows 0..nGlobal-1, row block
 * rstart .. rstart+nroots-1 read or written by this rank. */
typedef struct {
  MPI_Comm  comm;
  PetscSF   sf;
  PetscInt  nGlobal, rstart, nroots, nleaves;
  PetscInt *leafIdx;
} GaleIODist;

/* exactCover: every global id must appear exactly once over all ranks
 * (writing); otherwise at least once (reading, ids may repeat). leafIdx
 * NULL means leaves 0..nleaves-1. Errors on ids out of range. */
PetscErrorCode GaleIODistCreate(MPI_Comm comm, PetscInt nGlobal, PetscInt nleaves, const PetscInt leafIdx[], const PetscInt ids[], PetscBool exactCover, const char *what, GaleIODist *dist);
PetscErrorCode GaleIODistDestroy(GaleIODist *dist);
/* Collective: create dataset `name` in loc ([nGlobal] for ncomp 1, else
 * [nGlobal, ncomp], double) from data[d*stride + leafIdx[i]]. */
PetscErrorCode GaleIODistWrite(GaleIODist *dist, hid_t loc, const char *name, PetscInt ncomp, PetscInt stride, const PetscReal *data, const char *path);
/* Dataset `name` exists in loc with shape [n] (ncomp 1) or [n, ncomp];
 * leaves no HDF5 object open on error. */
PetscErrorCode GaleIOCheckDataset(MPI_Comm comm, hid_t loc, const char *name, PetscInt64 n, PetscInt ncomp, const char *path);
/* Collective: read dataset `name` (shape checked) into data[d*stride + leafIdx[i]]. */
PetscErrorCode GaleIODistRead(GaleIODist *dist, hid_t loc, const char *name, PetscInt ncomp, PetscInt stride, PetscReal *data, const char *path);

/* Collective file open/create with the MPI-IO driver. */
PetscErrorCode GaleIOCreateFile(MPI_Comm comm, const char *path, hid_t *file);
PetscErrorCode GaleIOOpenFile(MPI_Comm comm, const char *path, PetscBool write, hid_t *file);
PetscErrorCode GaleIOCloseFile(MPI_Comm comm, const char *path, hid_t *file);

/* Collective: a 1-D or 2-D dataset ([n] or [n, ncomp]) written as rows
 * rstart .. rstart+nlocal-1 by each rank (nlocal may be 0). */
PetscErrorCode GaleIOWriteRows(MPI_Comm comm, hid_t loc, const char *name, hid_t memtype, hid_t filetype, PetscInt64 n, PetscInt ncomp, PetscInt64 rstart, PetscInt64 nlocal, const void *buf, const char *path);
/* Collective: a new group (link creation order tracked if asked). Objects
 * are created without time stamps so files do not depend on the clock. */
PetscErrorCode GaleIOCreateGroup(MPI_Comm comm, hid_t loc, const char *name, PetscBool crtOrder, hid_t *grp, const char *path);
/* Scalar attributes (write: collective, same value on all ranks). */
PetscErrorCode GaleIOWriteAttrInt(MPI_Comm comm, hid_t loc, const char *name, PetscInt64 value, const char *path);
PetscErrorCode GaleIOWriteAttrReal(MPI_Comm comm, hid_t loc, const char *name, PetscReal value, const char *path);
PetscErrorCode GaleIOReadAttrInt(MPI_Comm comm, hid_t loc, const char *name, PetscInt64 *value, const char *path);
PetscErrorCode GaleIOReadAttrReal(MPI_Comm comm, hid_t loc, const char *name, PetscReal *value, const char *path);

/* mkdir -p on rank 0; collective. */
PetscErrorCode GaleIOMkdir(MPI_Comm comm, const char *dir);
/* Rank 0 fsyncs `from` and renames it over `to` after a barrier; collective. */
PetscErrorCode GaleIOCommitFile(MPI_Comm comm, const char *from, const char *to);
/* Collective: PETSC_TRUE on all ranks if `path` exists (checked on rank 0). */
PetscErrorCode GaleIOFileExists(MPI_Comm comm, const char *path, PetscBool *exists);
/* Collective: return the error code of a rank-0-only step on every rank. */
PetscErrorCode GaleIOShareError(MPI_Comm comm, PetscErrorCode ierr);

#endif
