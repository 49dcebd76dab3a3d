/* Fuzz targets: bytes -> reader input files -> reader (see fuzz_targets.h).
 * Accepted inputs are used further the way the solver would use them: a
 * case's vector values are evaluated and its patch list checked, a small
 * block mesh is built from it; an imported polyMesh goes through
 * GaleMeshCheck; a compiled expression is evaluated at a few points. */
#include "fuzz_targets.h"
#include "gale_case.h"
#include "gale_mesh.h"
#include "expr.h"
#include "gale_geometry.h"
#include "gale_octree.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

const char *const GaleFuzzTargets[] = {"case", "polymesh", "expr", "stl", "obj", "gmsh", NULL};

static char dir[256];       /* private temporary directory */
static char lastError[512]; /* first message of the last error */

/* PETSc's allocator, wrapped: one allocation above maxAlloc bytes is refused
 * (PETSC_ERR_MEM) and remembered, so that a small input that makes a reader
 * ask for gigabytes is a finding in every build, not only under libFuzzer's
 * -malloc_limit_mb. */
static size_t maxAlloc, refused;
static PetscErrorCode (*sysMalloc)(size_t, PetscBool, int, const char[], const char[], void **);
static PetscErrorCode (*sysFree)(void *, int, const char[], const char[]);
static PetscErrorCode (*sysRealloc)(size_t, int, const char[], const char[], void **);

static PetscErrorCode LimitedMalloc(size_t n, PetscBool clear, int line, const char fn[], const char file[], void **r)
{
  if (n <= maxAlloc) return sysMalloc(n, clear, line, fn, file, r);
  refused = n;
  *r      = NULL;
  return PetscError(PETSC_COMM_SELF, line, fn, file, PETSC_ERR_MEM, PETSC_ERROR_INITIAL, "fuzz harness: allocation of %.0f bytes refused (limit %.0f)", (double)n, (double)maxAlloc);
}

static PetscErrorCode LimitedRealloc(size_t n, int line, const char fn[], const char file[], void **r)
{
  if (n <= maxAlloc) return sysRealloc(n, line, fn, file, r);
  refused = n;
  return PetscError(PETSC_COMM_SELF, line, fn, file, PETSC_ERR_MEM, PETSC_ERROR_INITIAL, "fuzz harness: reallocation to %.0f bytes refused (limit %.0f)", (double)n, (double)maxAlloc);
}

static PetscErrorCode SysFree(void *a, int line, const char fn[], const char file[])
{
  return sysFree(a, line, fn, file);
}

/* Like PetscReturnErrorHandler (the error is returned, nothing printed),
 * keeping the first message for replay.c's report. */
static PetscErrorCode KeepError(MPI_Comm comm, int line, const char *fun, const char *file, PetscErrorCode n, PetscErrorType p, const char *mess, void *ctx)
{
  (void)comm;
  (void)line;
  (void)fun;
  (void)file;
  (void)ctx;
  if (p == PETSC_ERROR_INITIAL) snprintf(lastError, sizeof(lastError), "%s", mess ? mess : "");
  return n;
}

const char *GaleFuzzLastError(void)
{
  return lastError;
}

PetscErrorCode GaleFuzzSetUp(void)
{
  const char *tmp = getenv("TMPDIR"), *mb = getenv("GALE_FUZZ_MAX_ALLOC_MB");

  PetscFunctionBeginUser;
  PetscCall(PetscPushErrorHandler(KeepError, NULL));
  maxAlloc   = (size_t)(mb && atol(mb) > 0 ? atol(mb) : 256) << 20;
  sysMalloc  = PetscTrMalloc;
  sysFree    = PetscTrFree;
  sysRealloc = PetscTrRealloc;
  PetscCall(PetscMallocSet(LimitedMalloc, SysFree, LimitedRealloc));
  snprintf(dir, sizeof(dir), "%s/gale_fuzz_XXXXXX", tmp && tmp[0] && strlen(tmp) < 200 ? tmp : "/tmp");
  PetscCheck(mkdtemp(dir), PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot create a temporary directory %s", dir);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleFuzzFinalize(void)
{
  DIR           *d;
  struct dirent *e;
  char           path[512];

  PetscFunctionBeginUser;
  if (!dir[0] || !(d = opendir(dir))) PetscFunctionReturn(PETSC_SUCCESS);
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
    unlink(path);
  }
  closedir(d);
  rmdir(dir);
  dir[0] = 0;
  PetscFunctionReturn(PETSC_SUCCESS);
}

static int WriteFile(const char *name, const uint8_t *data, size_t size)
{
  char  path[512];
  FILE *fp;
  int   ok;

  snprintf(path, sizeof(path), "%s/%s", dir, name);
  if (!(fp = fopen(path, "wb"))) return -1;
  ok = fwrite(data, 1, size, fp) == size;
  return fclose(fp) == 0 && ok ? 0 : -1;
}

/* NAME.gz holding `data` gzipped; cut: drop the last 1..16 bytes. */
static int WriteGz(const char *name, const uint8_t *data, size_t size, int cut)
{
  char        path[512];
  gzFile      g;
  struct stat st;

  snprintf(path, sizeof(path), "%s/%s.gz", dir, name);
  if (!(g = gzopen(path, "wb"))) return -1;
  if (size && gzwrite(g, data, (unsigned)size) != (int)size) {
    gzclose(g);
    return -1;
  }
  if (gzclose(g) != Z_OK) return -1;
  if (cut && !stat(path, &st)) {
    off_t drop = 1 + (off_t)(size % 16);
    if (drop >= st.st_size) drop = st.st_size - 1;
    if (drop > 0 && truncate(path, st.st_size - drop)) return -1;
  }
  return 0;
}

static void RemoveFile(const char *name)
{
  char path[512];

  snprintf(path, sizeof(path), "%s/%s", dir, name);
  unlink(path);
  snprintf(path, sizeof(path), "%s/%s.gz", dir, name);
  unlink(path);
}

/* Exercise what the solver does with an accepted case. */
static void UseCase(GaleCase *cs)
{
  const PetscReal x[4][3] = {{0, 0, 0}, {0.5, 0.25, 0.125}, {-1e3, 2e3, -3}, {1e300, -1e300, 0}};
  const char     *names[GALE_MAX_PATCHES];
  PetscReal       u[3];
  PetscInt        ncells = 0;

  for (PetscInt i = 0; i < cs->nbcs; i++) {
    names[i] = cs->bcs[i].name;
    for (int k = 0; k < 4; k++) (void)GaleVectorValueEval(&cs->bcs[i].U, x[k], 0.5 * k, u);
  }
  (void)GaleCaseCheckPatches(cs, cs->nbcs, names);
  if (cs->mesh_source != GALE_MESH_BLOCK) return; /* a polyMesh path may point anywhere */
  for (PetscInt b = 0; b < cs->nblocks; b++) {
    const PetscInt *n = cs->blocks[b].cells;
    if (n[0] > 64 || n[1] > 64 || n[2] > 64) return;
    ncells += n[0] * n[1] * n[2];
  }
  if (ncells <= 2048) {
    GaleMesh m = NULL;
    if (!GaleMeshBuildFromCase(PETSC_COMM_SELF, cs, &m)) (void)GaleMeshCheck(m);
    (void)GaleMeshDestroy(&m);
  }
}

static int RunCase(const uint8_t *data, size_t size)
{
  GaleCase *cs = NULL;
  int       ok;

  if (WriteFile("case.yaml", data, size)) return -1;
  ok = !GaleCaseRead(PETSC_COMM_SELF, dir, &cs);
  if (ok) UseCase(cs);
  (void)GaleCaseDestroy(&cs);
  return ok;
}

/* First "\n@@\n" in [p, end), or NULL. */
static const uint8_t *FindSep(const uint8_t *p, const uint8_t *end)
{
  for (; end - p >= 4; p++)
    if (p[0] == '\n' && p[1] == '@' && p[2] == '@' && p[3] == '\n') return p;
  return NULL;
}

static int RunPolyMesh(const uint8_t *data, size_t size)
{
  static const char *const files[5] = {"points", "faces", "owner", "neighbour", "boundary"};
  const uint8_t           *p = data, *end = data + size;
  GaleMesh                 m = NULL;
  int                      ok;

  for (int i = 0; i < 5; i++) RemoveFile(files[i]);
  for (int i = 0; i < 5 && p; i++) {
    const uint8_t *sep = FindSep(p, end);
    size_t         len = (size_t)((sep ? sep : end) - p);
    int            r;
    if (len >= 4 && !memcmp(p, "!gz\n", 4))
      r = WriteGz(files[i], p + 4, len - 4, 0);
    else if (len >= 7 && !memcmp(p, "!gzcut\n", 7))
      r = WriteGz(files[i], p + 7, len - 7, 1);
    else
      r = WriteFile(files[i], p, len);
    if (r) return -1;
    p = sep ? sep + 4 : NULL;
  }
  ok = !GaleMeshReadPolyMesh(PETSC_COMM_SELF, dir, &m);
  if (ok) ok = !GaleMeshCheck(m);
  (void)GaleMeshDestroy(&m);
  return ok;
}

static int RunExpr(const uint8_t *data, size_t size)
{
  const PetscReal x[3][3] = {{0, 0, 0}, {0.5, 0.25, -1}, {1e300, -1e-300, 3}};
  GaleExpr       *e       = NULL;
  char           *src, err[256];
  volatile double sum = 0;

  if (PetscMalloc1(size + 1, &src)) return -1;
  memcpy(src, data, size);
  src[size] = 0;
  if (GaleExprCompile(src, &e, err, sizeof(err))) {
    (void)PetscFree(src);
    return -1;
  }
  (void)PetscFree(src);
  if (!e) {
    snprintf(lastError, sizeof(lastError), "%s", err);
    return 0;
  }
  for (int k = 0; k < 3; k++) sum += GaleExprEval(e, x[k], 0.5 * k);
  (void)GaleExprDependsOnTime(e);
  (void)GaleExprDestroy(&e);
  (void)sum;
  return 1;
}

/* Writes the bytes as NAME, or gzipped as NAME.gz after a "!gz\n" prefix
 * ("!gzcut\n": gzipped and cut short); *gz tells which name was written. */
static int WriteMaybeGz(const char *name, const uint8_t *data, size_t size, int *gz)
{
  *gz = 1;
  if (size >= 4 && !memcmp(data, "!gz\n", 4)) return WriteGz(name, data + 4, size - 4, 0);
  if (size >= 7 && !memcmp(data, "!gzcut\n", 7)) return WriteGz(name, data + 7, size - 7, 1);
  *gz = 0;
  return WriteFile(name, data, size);
}

/* What the mesher does with a surface (mesh/octree_case.c, mesh/octree.c):
 * the report, the search tree, and its queries at a few points. */
static void UseSurface(GaleSurface s)
{
  const PetscReal dir[3] = {0.3, -0.7, 0.2};
  PetscReal       c[3], lo[3], hi[3], d, cl[3];
  PetscInt        nopen, nx, tri[16];
  GaleSearch      S = NULL;

  (void)GaleSurfaceReport(PETSC_COMM_SELF, s, &nopen, &nx);
  if (GaleSearchCreate(s, &S)) return;
  for (int k = 0; k < 3; k++) {
    c[k]  = 0.5 * (s->bbox[k] + s->bbox[k + 3]);
    lo[k] = s->bbox[k];
    hi[k] = c[k];
  }
  (void)GaleSearchInside(S, c);
  (void)GaleSearchOddRays(S, c, 7);
  (void)GaleSearchNearest(S, c, PETSC_MAX_REAL, &d, cl);
  (void)GaleSearchRayCrossings(S, c, dir);
  (void)GaleSearchBoxOverlaps(S, lo, hi);
  if (GaleSearchBoxTriangles(S, lo, hi, 16, tri) > 0) {
    PetscReal n[3];
    GaleSearchTriangleNormal(S, tri[0], n);
  }
  (void)GaleSearchIsClosed(S);
  (void)GaleSearchDestroy(&S);
}

static int RunSurface(const char *name, const uint8_t *data, size_t size)
{
  char        path[600];
  int         gz;
  GaleSurface s = NULL;
  int         ok;

  RemoveFile(name);
  if (WriteMaybeGz(name, data, size, &gz)) return -1;
  snprintf(path, sizeof(path), "%s/%s%s", dir, name, gz ? ".gz" : "");
  ok = !GaleSurfaceRead(PETSC_COMM_SELF, path, &s);
  if (ok) {
    /* as mesh/octree_case.c does with geometry[].scale/rotate/translate
     * (a mirroring scale turns the triangles round) and several files */
    const PetscReal scale[3] = {2, -1, 0.5}, rotate[3] = {30, 0, -90}, shift[3] = {1, -2, 3};
    GaleSurface     t = NULL;
    if (!GaleSurfaceRead(PETSC_COMM_SELF, path, &t) && !GaleSurfaceTransform(t, scale, rotate, shift)) (void)GaleSurfaceMerge(s, t);
    (void)GaleSurfaceDestroy(&t);
    UseSurface(s);
  }
  (void)GaleSurfaceDestroy(&s);
  RemoveFile(name);
  return ok;
}

static int RunGmsh(const uint8_t *data, size_t size)
{
  char     path[600];
  int      gz;
  GaleMesh m = NULL;
  int      ok;

  RemoveFile("mesh.msh");
  if (WriteMaybeGz("mesh.msh", data, size, &gz)) return -1;
  snprintf(path, sizeof(path), "%s/mesh.msh%s", dir, gz ? ".gz" : "");
  ok = !GaleMeshReadGmsh(PETSC_COMM_SELF, path, &m);
  if (ok) ok = !GaleMeshCheck(m);
  (void)GaleMeshDestroy(&m);
  RemoveFile("mesh.msh");
  return ok;
}

static int Run(GaleFuzzTarget t, const uint8_t *data, size_t size)
{
  switch (t) {
  case GALE_FUZZ_CASE:
    return RunCase(data, size);
  case GALE_FUZZ_POLYMESH:
    return RunPolyMesh(data, size);
  case GALE_FUZZ_EXPR:
    return RunExpr(data, size);
  case GALE_FUZZ_STL:
    return RunSurface("surface.stl", data, size);
  case GALE_FUZZ_OBJ:
    return RunSurface("surface.obj", data, size);
  case GALE_FUZZ_GMSH:
    return RunGmsh(data, size);
  default:
    return -1;
  }
}

int GaleFuzzRun(GaleFuzzTarget t, const uint8_t *data, size_t size)
{
  int r;

  lastError[0] = 0;
  refused      = 0;
  r            = Run(t, data, size);
  return refused ? -2 : r;
}
