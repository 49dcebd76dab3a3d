/* `gale post DIR [options]`: coefficients, plots and pictures from
 * DIR/results (see issue "Post-processing"). */
#ifndef GALE_POST_H
#define GALE_POST_H

#include "gale_sys.h"

/* argv[0] is "post"; returns the process exit status through *status. */
PetscErrorCode GalePostMain(MPI_Comm comm, int argc, char **argv, int *status);

#endif
