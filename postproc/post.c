/* gale post: not implemented yet. */
#include "gale_post.h"

PetscErrorCode GalePostMain(MPI_Comm comm, int argc, char **argv, int *status)
{
  PetscFunctionBeginUser;
  (void)argc;
  (void)argv;
  *status = 1;
  SETERRQ(comm, PETSC_ERR_SUP, "gale post is not implemented yet");
}
