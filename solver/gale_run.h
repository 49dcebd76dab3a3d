/* GaleRun: the whole `gale run DIR` pipeline on a communicator: case,
 * mesh, partition, solve with progress/forces/output/checkpoints, summary.
 * Returns the process exit status through *status (0 converged or ran to
 * the end, 2 diverged, 3 stopped by a signal, 4 steady run not converged
 * within max_iterations is reported as 0 with converged: false). */
#ifndef GALE_RUN_H
#define GALE_RUN_H

#include "gale_sys.h"

PetscErrorCode GaleRunCase(MPI_Comm comm, const char *dir, PetscBool restart, int *status);
/* Build, check and describe the mesh of DIR (gale mesh). */
PetscErrorCode GaleMeshCase(MPI_Comm comm, const char *dir);

#endif
