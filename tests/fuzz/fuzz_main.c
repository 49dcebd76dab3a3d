/* libFuzzer entry point for one target, chosen at compile time with
 * -DGALE_FUZZ_TARGET=GALE_FUZZ_CASE (or _POLYMESH, _EXPR); built by
 * build_and_run.sh with clang -fsanitize=fuzzer,address,undefined.
 * PETSc is initialised once per process, with LeakSanitizer off (what MPI
 * and PETSc keep from their initialisation is not a leak of ours) and
 * PETSc's signal handler off so that crashes reach the sanitizers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz_targets.h"
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/lsan_interface.h>
#define LSAN_OFF() __lsan_disable()
#define LSAN_ON() __lsan_enable()
#endif
#endif
#ifndef LSAN_OFF /* coverage build: no sanitizers */
#define LSAN_OFF() (void)0
#define LSAN_ON() (void)0
#endif

#ifndef GALE_FUZZ_TARGET
#error "define GALE_FUZZ_TARGET"
#endif

static void Finalize(void)
{
  (void)GaleFuzzFinalize();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  const char *old = getenv("PETSC_OPTIONS");
  char        opts[1024];

  (void)argc;
  (void)argv;
  snprintf(opts, sizeof(opts), "%s -no_signal_handler", old && strlen(old) < 900 ? old : "");
  setenv("PETSC_OPTIONS", opts, 1);
  LSAN_OFF();
  if (PetscInitializeNoArguments() || GaleFuzzSetUp()) abort();
  LSAN_ON();
  atexit(Finalize);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  switch (GaleFuzzRun(GALE_FUZZ_TARGET, data, size)) {
  case -1:
    fprintf(stderr, "fuzz harness: cannot write the input files\n");
    abort();
  case -2: /* a finding: saved as a crash */
    fprintf(stderr, "GALE FUZZ: excessive allocation: %s\n", GaleFuzzLastError());
    abort();
  default:
    return 0;
  }
}
