/* Parameter sweeps and surrogate models (`gale sweep`, `gale surrogate`). */
#ifndef GALE_SURROGATE_H
#define GALE_SURROGATE_H

#include "gale_sys.h"

/* argv[0] is "sweep" / "surrogate"; exit status through *status. */
PetscErrorCode GaleSweepMain(MPI_Comm comm, int argc, char **argv, int *status);
PetscErrorCode GaleSurrogateMain(MPI_Comm comm, int argc, char **argv, int *status);

#endif
