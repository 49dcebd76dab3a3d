/* Shared scaffolding of the cmocka tests that check error messages:
 * CHECK(call) asserts success; EXPECT_ERROR(call, "part", ...) runs a call
 * that must fail with GALE_ERR_USER and a first error message containing
 * every given part (PETSc's handler is replaced meanwhile, so nothing is
 * printed). Include after cmocka.h and the Gale headers. */
#ifndef GALE_TEST_H
#define GALE_TEST_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define CHECK(call) assert_int_equal(0, (int)(call))

static char gError[4096]; /* first message of the last captured error */

static PetscErrorCode CaptureError(MPI_Comm comm, int line, const char *fun, const char *file, PetscErrorCode n, PetscErrorType p, const char *mess, void *ctx)
{
  (void)comm, (void)line, (void)fun, (void)file, (void)ctx;
  if (p == PETSC_ERROR_INITIAL) snprintf(gError, sizeof(gError), "%s", mess ? mess : "");
  return n;
}

static void ExpectMessage(PetscErrorCode ierr, ...)
{
  va_list     ap;
  const char *s;

  if (ierr != GALE_ERR_USER) fprintf(stderr, "expected error %d, got %d: %s\n", GALE_ERR_USER, (int)ierr, gError);
  assert_int_equal(GALE_ERR_USER, ierr);
  va_start(ap, ierr);
  while ((s = va_arg(ap, const char *))) {
    if (!strstr(gError, s)) fprintf(stderr, "message \"%s\" lacks \"%s\"\n", gError, s);
    assert_non_null(strstr(gError, s));
  }
  va_end(ap);
}

#define EXPECT_ERROR(call, ...)                                                                                                                                                                                                                          \
  do {                                                                                                                                                                                                                                                   \
    PetscErrorCode ierr_;                                                                                                                                                                                                                                \
    gError[0] = 0;                                                                                                                                                                                                                                       \
    CHECK(PetscPushErrorHandler(CaptureError, NULL));                                                                                                                                                                                                    \
    ierr_ = (call);                                                                                                                                                                                                                                      \
    CHECK(PetscPopErrorHandler());                                                                                                                                                                                                                       \
    ExpectMessage(ierr_, __VA_ARGS__, NULL);                                                                                                                                                                                                             \
  } while (0)

#endif
