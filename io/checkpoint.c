/* Checkpoint and restart: results/checkpoint.h5.
 *
 *   attributes  step, time, nCells, nFaces (global sizes, checked on read)
 *   /cells/NAME [nCells] or [nCells, ncomp] double, by original cell id
 *   /faces/NAME [nFaces] double, by original face id
 * Each cell is written by the rank that owns it; a face by the rank that
 * owns its owner cell (processor faces sit on two ranks with identical
 * values, this picks one deterministically). Reading fills every owned
 * cell and every local face (ghost-owned ones included); ghost cells are
 * left to the caller's halo exchange. The file is written collectively to
 * checkpoint.h5.tmp and renamed, so a crash keeps the previous checkpoint. */
#include <string.h>
#include "gale_output.h"
#include "h5util.h"

/* Global face count: every face is counted by the rank owning its owner. */
static PetscErrorCode CountFaces(GaleMesh m, PetscInt *nOwnedFaces, PetscInt **ownedFaces, PetscInt **ownedIds, PetscInt *nFacesGlobal)
{
  PetscInt n = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2(m->nFaces + 1, ownedFaces, m->nFaces + 1, ownedIds));
  for (PetscInt f = 0; f < m->nFaces; f++) {
    if (m->owner[f] >= m->nCells) continue;
    (*ownedFaces)[n] = f;
    (*ownedIds)[n++] = m->faceOrigId[f];
  }
  *nOwnedFaces = n;
  PetscCall(MPIU_Allreduce(&n, nFacesGlobal, 1, MPIU_INT, MPI_SUM, m->comm));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode CheckFieldList(MPI_Comm comm, PetscInt nfields, const GaleField fields[])
{
  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < nfields; i++) {
    PetscCheck(fields[i].name && fields[i].name[0] && !strchr(fields[i].name, '/'), comm, PETSC_ERR_ARG_WRONG, "checkpoint field %" PetscInt_FMT ": name must be non-empty without '/'", i);
    PetscCheck(fields[i].ncomp >= 1 && (!fields[i].onFaces || fields[i].ncomp == 1), comm, PETSC_ERR_ARG_OUTOFRANGE, "checkpoint field %s: %" PetscInt_FMT " components (cell fields >= 1, face fields 1)", fields[i].name, fields[i].ncomp);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleCheckpointWrite(GaleMesh m, const char *resultsDir, PetscInt step, PetscReal time, PetscInt nfields, const GaleField fields[])
{
  char       path[GALE_PATH_LEN], tmp[GALE_PATH_LEN];
  PetscInt   nOwnedFaces, nFacesGlobal, *ownedFaces, *ownedIds;
  GaleIODist cells, faces;
  hid_t      file, gc, gf;

  PetscFunctionBeginUser;
  PetscCall(CheckFieldList(m->comm, nfields, fields));
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/checkpoint.h5", resultsDir));
  PetscCall(PetscSNPrintf(tmp, sizeof(tmp), "%s/checkpoint.h5.tmp", resultsDir));
  PetscCall(GaleIOMkdir(m->comm, resultsDir));
  PetscCall(CountFaces(m, &nOwnedFaces, &ownedFaces, &ownedIds, &nFacesGlobal));
  PetscCall(GaleIODistCreate(m->comm, m->nCellsGlobal, m->nCells, NULL, m->cellOrigId, PETSC_TRUE, "cell", &cells));
  PetscCall(GaleIODistCreate(m->comm, nFacesGlobal, nOwnedFaces, ownedFaces, ownedIds, PETSC_TRUE, "face", &faces));
  PetscCall(PetscFree2(ownedFaces, ownedIds));

  PetscCall(GaleIOCreateFile(m->comm, tmp, &file));
  PetscCall(GaleIOWriteAttrInt(m->comm, file, "step", step, tmp));
  PetscCall(GaleIOWriteAttrReal(m->comm, file, "time", time, tmp));
  PetscCall(GaleIOWriteAttrInt(m->comm, file, "nCells", m->nCellsGlobal, tmp));
  PetscCall(GaleIOWriteAttrInt(m->comm, file, "nFaces", nFacesGlobal, tmp));
  PetscCall(GaleIOCreateGroup(m->comm, file, "cells", PETSC_FALSE, &gc, tmp));
  PetscCall(GaleIOCreateGroup(m->comm, file, "faces", PETSC_FALSE, &gf, tmp));
  for (PetscInt i = 0; i < nfields; i++) {
    const GaleField *f = &fields[i];
    if (f->onFaces)
      PetscCall(GaleIODistWrite(&faces, gf, f->name, 1, 0, f->data, tmp));
    else
      PetscCall(GaleIODistWrite(&cells, gc, f->name, f->ncomp, f->stride, f->data, tmp));
  }
  GaleH5Call(m->comm, tmp, H5Gclose(gf));
  GaleH5Call(m->comm, tmp, H5Gclose(gc));
  PetscCall(GaleIOCloseFile(m->comm, tmp, &file));
  PetscCall(GaleIOCommitFile(m->comm, tmp, path));
  PetscCall(GaleIODistDestroy(&cells));
  PetscCall(GaleIODistDestroy(&faces));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Header and every requested field present with the right shape; opens
 * no HDF5 object that outlives it, so the caller can close the file. */
static PetscErrorCode CheckContents(GaleMesh m, hid_t file, const char *path, PetscInt nFacesGlobal, PetscInt nfields, const GaleField fields[], PetscInt64 *step, PetscReal *time)
{
  PetscInt64 nc, nf;

  PetscFunctionBeginUser;
  PetscCall(GaleIOReadAttrInt(m->comm, file, "step", step, path));
  PetscCall(GaleIOReadAttrReal(m->comm, file, "time", time, path));
  PetscCall(GaleIOReadAttrInt(m->comm, file, "nCells", &nc, path));
  PetscCall(GaleIOReadAttrInt(m->comm, file, "nFaces", &nf, path));
  PetscCheck(nc == m->nCellsGlobal && nf == nFacesGlobal, m->comm, PETSC_ERR_FILE_UNEXPECTED,
             "%s: written for a mesh of %lld cells and %lld faces, this mesh has %" PetscInt_FMT " cells and %" PetscInt_FMT " faces (a restart needs the same mesh; run without --restart to start afresh)", path, (long long)nc, (long long)nf,
             m->nCellsGlobal, nFacesGlobal);
  PetscCheck(H5Lexists(file, "cells", H5P_DEFAULT) > 0 && H5Lexists(file, "faces", H5P_DEFAULT) > 0, m->comm, PETSC_ERR_FILE_UNEXPECTED, "%s: no /cells and /faces groups (not a Gale checkpoint?)", path);
  for (PetscInt i = 0; i < nfields; i++) {
    char name[GALE_NAME_LEN + 8];
    PetscCall(PetscSNPrintf(name, sizeof(name), "%s/%s", fields[i].onFaces ? "faces" : "cells", fields[i].name));
    PetscCall(GaleIOCheckDataset(m->comm, file, name, fields[i].onFaces ? nf : nc, fields[i].ncomp, path));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleCheckpointRead(GaleMesh m, const char *resultsDir, PetscInt *step, PetscReal *time, PetscInt nfields, const GaleField fields[])
{
  char           path[GALE_PATH_LEN];
  PetscInt       nOwnedFaces, nFacesGlobal, *ownedFaces, *ownedIds;
  PetscInt64     s;
  PetscBool      exists;
  PetscErrorCode ierr;
  GaleIODist     cells, faces;
  hid_t          file;

  PetscFunctionBeginUser;
  PetscCall(CheckFieldList(m->comm, nfields, fields));
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/checkpoint.h5", resultsDir));
  PetscCall(GaleIOFileExists(m->comm, path, &exists));
  PetscCheck(exists, m->comm, PETSC_ERR_FILE_OPEN, "%s: no checkpoint to restart from (run without --restart first)", path);
  PetscCall(CountFaces(m, &nOwnedFaces, &ownedFaces, &ownedIds, &nFacesGlobal));
  PetscCall(PetscFree2(ownedFaces, ownedIds));

  PetscCall(GaleIOOpenFile(m->comm, path, PETSC_FALSE, &file));
  ierr = CheckContents(m, file, path, nFacesGlobal, nfields, fields, &s, time);
  if (ierr) PetscCall(GaleIOCloseFile(m->comm, path, &file));
  PetscCall(ierr);
  *step = (PetscInt)s;

  /* every local face is read, including those whose owner is a ghost */
  PetscCall(GaleIODistCreate(m->comm, m->nCellsGlobal, m->nCells, NULL, m->cellOrigId, PETSC_TRUE, "cell", &cells));
  PetscCall(GaleIODistCreate(m->comm, nFacesGlobal, m->nFaces, NULL, m->faceOrigId, PETSC_FALSE, "face", &faces));
  for (PetscInt i = 0; i < nfields; i++) {
    const GaleField *f = &fields[i];
    char             name[GALE_NAME_LEN + 8];
    PetscCall(PetscSNPrintf(name, sizeof(name), "%s/%s", f->onFaces ? "faces" : "cells", f->name));
    if (f->onFaces)
      PetscCall(GaleIODistRead(&faces, file, name, 1, 0, f->data, path));
    else
      PetscCall(GaleIODistRead(&cells, file, name, f->ncomp, f->stride, f->data, path));
  }
  PetscCall(GaleIOCloseFile(m->comm, path, &file));
  PetscCall(GaleIODistDestroy(&cells));
  PetscCall(GaleIODistDestroy(&faces));
  PetscFunctionReturn(PETSC_SUCCESS);
}
