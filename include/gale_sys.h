/* Common definitions for all of Gale: PETSc's error system (PetscCall,
 * PetscCheck) is the one error mechanism, so every module includes PETSc.
 * GALE_HD marks pointwise inline functions shared by CPU and CUDA code. */
#ifndef GALE_SYS_H
#define GALE_SYS_H

#include <petscsys.h>

/* PETSc 3.18 (Debian 12) predates PETSC_SUCCESS. */
#if PETSC_VERSION_LT(3, 19, 0)
  #define PETSC_SUCCESS 0
#endif

#ifdef __CUDACC__
  #define GALE_HD __host__ __device__
#else
  #define GALE_HD
#endif

#define GALE_NAME_LEN 128
#define GALE_PATH_LEN 4096

/* Error code used for problems in user input (case files, meshes). */
#define GALE_ERR_USER PETSC_ERR_USER_INPUT

#endif
