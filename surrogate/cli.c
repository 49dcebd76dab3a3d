/* gale sweep / gale surrogate: not implemented yet. */
#include "gale_surrogate.h"

PetscErrorCode GaleSweepMain(MPI_Comm comm, int argc, char **argv, int *status)
{
  PetscFunctionBeginUser;
  (void)argc;
  (void)argv;
  *status = 1;
  SETERRQ(comm, PETSC_ERR_SUP, "gale sweep is not implemented yet");
}

PetscErrorCode GaleSurrogateMain(MPI_Comm comm, int argc, char **argv, int *status)
{
  PetscFunctionBeginUser;
  (void)argc;
  (void)argv;
  *status = 1;
  SETERRQ(comm, PETSC_ERR_SUP, "gale surrogate is not implemented yet");
}
