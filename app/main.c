/* gale: command-line entry point.
 *   gale run DIR [--restart] [PETSc options]   solve the case in DIR
 *   gale mesh DIR                              build and check DIR's mesh
 * Errors print one clear line ("gale: error: ...") instead of a PETSc
 * traceback; user-input errors exit with status 1. */
#include "gale_run.h"
#include "gale_post.h"
#include "gale_surrogate.h"
#include <string.h>
#include <dlfcn.h>

/* Debian's OpenBLAS is the pthreads build: its threads spin in sched_yield
 * beside MPI ranks and make BLAS-1 calls (VecNorm) ~50x slower on these
 * machines. Gale parallelises with MPI ranks, so pin BLAS to one thread. */
static void SingleThreadedBLAS(void)
{
  void (*set)(int) = (void (*)(int))dlsym(RTLD_DEFAULT, "openblas_set_num_threads");
  if (set) set(1);
}

static const char usage[] = "usage: gale run DIR [--restart] [PETSc options]\n"
                            "       gale mesh DIR\n"
                            "       gale post DIR [options]\n"
                            "       gale sweep DIR [options]\n"
                            "       gale surrogate train|predict|evaluate ...\n"
                            "Runs the case in DIR (DIR/case.yaml; see docs/case-yaml.md). Under MPI: mpirun -np N gale run DIR\n"
                            "Linear solvers can be tuned with PETSc options, e.g. -p_ksp_type cg -p_pc_type hypre -U_ksp_monitor\n";

static int gale_error_local = 0; /* an error raised on PETSC_COMM_SELF (one rank) */

static PetscErrorCode GaleErrorHandler(MPI_Comm comm, int line, const char *func, const char *file, PetscErrorCode n, PetscErrorType p, const char *mess, void *ctx)
{
  PetscMPIInt rank = 0;
  (void)line;
  (void)func;
  (void)file;
  (void)ctx;
  if (p != PETSC_ERROR_INITIAL) return n;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (comm == PETSC_COMM_SELF) gale_error_local = 1;
  if (rank == 0 || comm == PETSC_COMM_SELF) {
    if (rank)
      fprintf(stderr, "gale: error (rank %d): %s\n", rank, mess ? mess : "unknown error");
    else
      fprintf(stderr, "gale: error: %s\n", mess ? mess : "unknown error");
    if (n != GALE_ERR_USER && getenv("GALE_DEBUG")) fprintf(stderr, "  (at %s:%d in %s)\n", file, line, func);
  }
  return n;
}

int main(int argc, char **argv)
{
  char         **pargv;
  int            pargc = 1, status = 0;
  const char    *cmd = NULL, *dir = NULL;
  PetscBool      restart = PETSC_FALSE;
  PetscErrorCode ierr;

  pargv    = (char **)calloc((size_t)argc + 1, sizeof(char *));
  pargv[0] = argv[0];
  if (argc > 1 && (!strcmp(argv[1], "post") || !strcmp(argv[1], "sweep") || !strcmp(argv[1], "surrogate"))) {
    /* these commands parse their own arguments (argv[1..]) */
    cmd = argv[1];
  } else {
    for (int i = 1; i < argc; i++) {
      if (!strcmp(argv[i], "--restart"))
        restart = PETSC_TRUE;
      else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
        fputs(usage, stdout);
        free(pargv);
        return 0;
      } else if (argv[i][0] != '-' && !cmd)
        cmd = argv[i];
      else if (argv[i][0] != '-' && !dir)
        dir = argv[i];
      else
        pargv[pargc++] = argv[i];
    }
    if (!cmd || !dir || (strcmp(cmd, "run") && strcmp(cmd, "mesh"))) {
      fputs(usage, stderr);
      free(pargv);
      return 1;
    }
  }
  SingleThreadedBLAS();
  ierr = PetscInitialize(&pargc, &pargv, NULL, NULL);
  if (ierr) return 1;
  PetscPushErrorHandler(GaleErrorHandler, NULL);
  if (!strcmp(cmd, "run"))
    ierr = GaleRunCase(PETSC_COMM_WORLD, dir, restart, &status);
  else if (!strcmp(cmd, "mesh"))
    ierr = GaleMeshCase(PETSC_COMM_WORLD, dir);
  else if (!strcmp(cmd, "post"))
    ierr = GalePostMain(PETSC_COMM_WORLD, argc - 1, argv + 1, &status);
  else if (!strcmp(cmd, "sweep"))
    ierr = GaleSweepMain(PETSC_COMM_WORLD, argc - 1, argv + 1, &status);
  else
    ierr = GaleSurrogateMain(PETSC_COMM_WORLD, argc - 1, argv + 1, &status);
  if (ierr && gale_error_local) {
    /* errors found on one rank only would leave the others waiting: abort all */
    PetscMPIInt size;
    MPI_Comm_size(PETSC_COMM_WORLD, &size);
    if (size > 1) MPI_Abort(PETSC_COMM_WORLD, 1);
  }
  PetscPopErrorHandler();
  PetscFinalize();
  free(pargv);
  if (ierr) return 1;
  return status;
}
