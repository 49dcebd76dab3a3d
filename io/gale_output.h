/* Solution output for ParaView and checkpoint/restart.
 *
 * results/solution.h5 (parallel HDF5, collective, one file whatever the
 * rank count) holds the mesh (points, XDMF Mixed polyhedral topology) and,
 * per written step, cell fields in the original (undistributed) cell order
 * so files do not depend on the rank count. results/solution.xmf is an
 * XDMF 3 temporal collection over the written steps. Every file is written
 * to a temporary name and renamed, so a crash or kill -9 mid-write leaves
 * the previous result readable.
 *
 * results/checkpoint.h5 holds what a restart needs: step, time, named cell
 * fields and named face fields (by original face id). */
#ifndef GALE_OUTPUT_H
#define GALE_OUTPUT_H

#include "gale_mesh.h"

/* A field to write or read. Cell fields: ncomp components, component-major
 * with `stride` (value of component d at local cell c is data[d*stride+c]);
 * only owned cells are written. Face fields (onFaces): one value per local
 * face, ncomp 1, stride ignored. */
typedef struct {
  const char *name;
  PetscInt    ncomp;
  PetscInt    stride;
  PetscBool   onFaces;
  PetscReal  *data;
} GaleField;

typedef struct _p_GaleOutput *GaleOutput;

/* Create the writer for DIR/results (created if missing). `global` is the
 * undistributed mesh (needed on rank 0 for the topology; may be NULL on
 * other ranks), `local` this rank's distributed mesh. With append = true
 * (restart) the existing steps of solution.h5 are kept, otherwise the file
 * is started afresh. */
PetscErrorCode GaleOutputCreate(GaleMesh global, GaleMesh local, const char *resultsDir, PetscBool append, GaleOutput *out);
/* Write cell fields (face fields are ignored here) for a step at `time`
 * (for steady runs time = iteration). Rewrites solution.xmf. */
PetscErrorCode GaleOutputWrite(GaleOutput out, PetscInt step, PetscReal time, PetscInt nfields, const GaleField fields[]);
PetscErrorCode GaleOutputDestroy(GaleOutput *out);

/* results/mesh.h5 + mesh.xmf: the mesh alone (/mesh/points and
 * /mesh/topology as in solution.h5) with cell fields under /fields (rows in
 * original cell order; face fields are ignored), written to a temporary
 * name and renamed. Collective; `global` is needed on rank 0 only. */
PetscErrorCode GaleOutputWriteMesh(GaleMesh global, GaleMesh local, const char *resultsDir, PetscInt nfields, const GaleField fields[]);

/* Checkpoint: write/read step, time and fields (cell and face) for `local`.
 * Read fills the arrays of the given fields (same names) and returns
 * PETSC_ERR_FILE_OPEN with a clear message if there is no checkpoint. */
PetscErrorCode GaleCheckpointWrite(GaleMesh local, const char *resultsDir, PetscInt step, PetscReal time, PetscInt nfields, const GaleField fields[]);
PetscErrorCode GaleCheckpointRead(GaleMesh local, const char *resultsDir, PetscInt *step, PetscReal *time, PetscInt nfields, const GaleField fields[]);

#endif
