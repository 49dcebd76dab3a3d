/* Replays the fuzz corpora through the fuzz targets (fuzz_targets.c) in the
 * normal build: every file of tests/fuzz/corpus_seed/TARGET/ and
 * tests/fuzz/regressions/TARGET/ under $GALE_SOURCE_DIR, or the files given
 * as arguments (target taken from the name of the folder holding each).
 * A crash or sanitizer report is the failure this guards against; besides,
 * the run fails if an input runs for more than 20 s or makes a reader ask
 * for one allocation above $GALE_FUZZ_MAX_ALLOC_MB (default 256) MB, if a
 * seed named valid_* is rejected, if the harness cannot write its files or
 * if no inputs are found. */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fuzz_targets.h"

/* Watchdog: an input that runs longer than this many seconds (a loop in a
 * reader) fails the run at once instead of hanging it. */
#define INPUT_SECONDS 20
static const char *current; /* input being replayed */

static void TimedOut(int sig)
{
  static const char msg[] = ": ran for more than 20 s (a reader loops?)\n";
  (void)sig;
  if (write(STDERR_FILENO, current, strlen(current)) < 0 || write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) {}
  _exit(2);
}

static int TargetOfPath(const char *path)
{
  char        d[4096];
  const char *s, *e;

  snprintf(d, sizeof(d), "%s", path);
  if (!(e = strrchr(d, '/'))) return -1;
  d[e - d] = 0;
  s        = strrchr(d, '/');
  s        = s ? s + 1 : d;
  for (int t = 0; t < GALE_FUZZ_NTARGETS; t++)
    if (!strcmp(s, GaleFuzzTargets[t])) return t;
  return -1;
}

/* 0 ok, 1 failed. */
static int ReplayFile(const char *path, int *nok, int *nrej)
{
  FILE       *fp = fopen(path, "rb");
  const char *base;
  uint8_t    *buf;
  long        n;
  int         t = TargetOfPath(path), r;

  if (!fp || t < 0) {
    fprintf(stderr, "%s: %s\n", path, fp ? "not under a folder named case, polymesh or expr" : "cannot open");
    if (fp) fclose(fp);
    return 1;
  }
  fseek(fp, 0, SEEK_END);
  n = ftell(fp);
  rewind(fp);
  buf = (uint8_t *)malloc((size_t)n + 1);
  if (!buf || fread(buf, 1, (size_t)n, fp) != (size_t)n) {
    fclose(fp);
    free(buf);
    fprintf(stderr, "%s: cannot read\n", path);
    return 1;
  }
  fclose(fp);
  current = path;
  alarm(INPUT_SECONDS);
  r = GaleFuzzRun((GaleFuzzTarget)t, buf, (size_t)n);
  alarm(0);
  free(buf);
  base = strrchr(path, '/') + 1;
  printf("%-9s %-40s %s%s\n", GaleFuzzTargets[t], base, r > 0 ? "accepted" : r == 0 ? "rejected: " : r == -2 ? "EXCESSIVE ALLOCATION: " : "HARNESS FAILURE", r == 0 || r == -2 ? GaleFuzzLastError() : "");
  if (r > 0) (*nok)++;
  if (r == 0) (*nrej)++;
  if (r < 0) return 1;
  if (r == 0 && !strncmp(base, "valid_", 6)) {
    fprintf(stderr, "%s: a valid_ seed was rejected\n", path);
    return 1;
  }
  return 0;
}

static int CompareNames(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file of folder `d` (sorted, for a stable log). */
static int ReplayFolder(const char *d, int *nfiles, int *nok, int *nrej)
{
  DIR           *dp = opendir(d);
  struct dirent *e;
  char         **names = NULL, path[8192];
  int            n = 0, cap = 0, fail = 0;

  if (!dp) return 0;
  while ((e = readdir(dp))) {
    if (e->d_name[0] == '.') continue;
    if (n == cap) names = (char **)realloc(names, (size_t)(cap = cap ? 2 * cap : 64) * sizeof(*names));
    names[n++] = strdup(e->d_name);
  }
  closedir(dp);
  if (n) qsort(names, (size_t)n, sizeof(*names), CompareNames);
  for (int i = 0; i < n; i++) {
    snprintf(path, sizeof(path), "%s/%s", d, names[i]);
    fail |= ReplayFile(path, nok, nrej);
    free(names[i]);
  }
  free(names);
  *nfiles += n;
  return fail;
}

int main(int argc, char **argv)
{
  const char *src   = getenv("GALE_SOURCE_DIR");
  const char *top[] = {"corpus_seed", "regressions"};
  int         fail = 0, nfiles = 0, nok = 0, nrej = 0;

  setvbuf(stdout, NULL, _IOLBF, 0);
  signal(SIGALRM, TimedOut);
  PetscCall(PetscInitialize(&argc, &argv, NULL, "Replay of the fuzz corpora"));
  PetscCall(GaleFuzzSetUp());
  if (argc > 1) {
    for (int i = 1; i < argc; i++, nfiles++) fail |= ReplayFile(argv[i], &nok, &nrej);
  } else if (!src) {
    fprintf(stderr, "GALE_SOURCE_DIR is not set (run through ctest, or give files as arguments)\n");
    fail = 1;
  } else {
    for (int k = 0; k < 2; k++)
      for (int t = 0; t < GALE_FUZZ_NTARGETS; t++) {
        char d[4096];
        snprintf(d, sizeof(d), "%s/tests/fuzz/%s/%s", src, top[k], GaleFuzzTargets[t]);
        fail |= ReplayFolder(d, &nfiles, &nok, &nrej);
      }
  }
  printf("%d inputs: %d accepted, %d rejected%s\n", nfiles, nok, nrej, fail ? ", FAILED" : "");
  if (!nfiles) fail = 1;
  PetscCall(GaleFuzzFinalize());
  PetscCall(PetscPopErrorHandler());
  PetscCall(PetscFinalize());
  return fail;
}
