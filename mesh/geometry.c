/* GaleSurface (gale_geometry.h): reading, transforming, merging and
 * destroying triangulated surfaces. The file is read whole through zlib
 * (gzread streams gzip data and passes plain files through, so a .gz name
 * is not required and no size is assumed), handed to the STL or OBJ parser
 * (stl.c, obj.c), which fill a triangle soup, and the soup is then cleaned
 * up: points with exactly equal coordinates are merged (hash on the bits of
 * the coordinates, -0 = +0), triangles with a repeated point or of zero
 * area (|e1 x e2| <= 1e-12 max|e|^2) are dropped with one warning, unused
 * points and empty regions removed, and the bounding box computed. Every
 * rank reads the file itself; the communicator is used for messages and
 * errors only. The checks (open edges, self-intersections) are in
 * geometry_report.c. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <zlib.h>
#include "geometry_impl.h"

PetscErrorCode GaleSoupAddPoint(GaleSoup *b, const PetscReal x[3])
{
  PetscFunctionBeginUser;
  if (b->nPoints == b->capPoints) {
    PetscCheck(b->capPoints < PETSC_MAX_INT / 6, b->comm, GALE_ERR_USER, "%s: too many points for 32-bit indices (rebuild PETSc with 64-bit indices)", b->path);
    b->capPoints = PetscMax(1024, 2 * b->capPoints);
    PetscCall(PetscRealloc(sizeof(PetscReal) * 3 * b->capPoints, &b->points));
  }
  for (int d = 0; d < 3; d++) b->points[3 * b->nPoints + d] = x[d];
  b->nPoints++;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSoupAddTri(GaleSoup *b, PetscInt i, PetscInt j, PetscInt k, PetscInt region)
{
  PetscFunctionBeginUser;
  if (b->nTris == b->capTris) {
    PetscCheck(b->capTris < PETSC_MAX_INT / 6, b->comm, GALE_ERR_USER, "%s: too many triangles for 32-bit indices (rebuild PETSc with 64-bit indices)", b->path);
    b->capTris = PetscMax(1024, 2 * b->capTris);
    PetscCall(PetscRealloc(sizeof(PetscInt) * 3 * b->capTris, &b->tris));
    PetscCall(PetscRealloc(sizeof(PetscInt) * b->capTris, &b->triRegion));
  }
  b->tris[3 * b->nTris]     = i;
  b->tris[3 * b->nTris + 1] = j;
  b->tris[3 * b->nTris + 2] = k;
  b->triRegion[b->nTris++]  = region;
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode AppendRegion(GaleSoup *b, const char *name)
{
  PetscFunctionBeginUser;
  if (b->nRegions == b->capRegions) {
    b->capRegions = PetscMax(8, 2 * b->capRegions);
    PetscCall(PetscRealloc(sizeof(*b->regionNames) * b->capRegions, &b->regionNames));
  }
  PetscCall(PetscStrncpy(b->regionNames[b->nRegions++], name, GALE_NAME_LEN));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSoupRegion(GaleSoup *b, const char *name, size_t len, PetscInt line, PetscInt *region)
{
  char n[GALE_NAME_LEN];

  PetscFunctionBeginUser;
  PetscCheck(len < GALE_NAME_LEN, b->comm, GALE_ERR_USER, "%s:%" PetscInt_FMT ": region name '%.40s...' is %zu characters long (expected at most %d)", b->path, line, name, len, GALE_NAME_LEN - 1);
  if (len) {
    memcpy(n, name, len);
    n[len] = 0;
  } else
    PetscCall(PetscStrncpy(n, b->base, sizeof(n)));
  for (PetscInt r = b->nRegions - 1; r >= 0; r--) {
    if (!strcmp(b->regionNames[r], n)) {
      *region = r;
      PetscFunctionReturn(PETSC_SUCCESS);
    }
  }
  PetscCall(AppendRegion(b, n));
  *region = b->nRegions - 1;
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode SoupFree(GaleSoup *b)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree(b->points));
  PetscCall(PetscFree(b->tris));
  PetscCall(PetscFree(b->triRegion));
  PetscCall(PetscFree(b->regionNames));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The whole file (gzip or plain) in *buf, NUL-terminated, length *len. */
static PetscErrorCode LoadFile(MPI_Comm comm, const char *path, char **buf, size_t *len)
{
  gzFile g;
  size_t cap = 1 << 20;
  int    zerr;

  PetscFunctionBeginUser;
  *buf  = NULL;
  *len  = 0;
  errno = 0;
  g     = gzopen(path, "rb");
  PetscCheck(g, comm, GALE_ERR_USER, "%s: cannot open (%s)", path, errno ? strerror(errno) : "out of memory");
  gzbuffer(g, 1 << 18);
  if (PetscMalloc1(cap, buf)) {
    gzclose(g);
    SETERRQ(comm, PETSC_ERR_MEM, "%s: out of memory reading the file", path);
  }
  for (;;) {
    int n;
    if (cap - *len < (1 << 20) + 1) {
      cap *= 2;
      if (PetscRealloc(cap, buf)) {
        gzclose(g);
        SETERRQ(comm, PETSC_ERR_MEM, "%s: out of memory reading the file (%zu bytes so far)", path, *len);
      }
    }
    n = gzread(g, *buf + *len, 1 << 20);
    if (n < 0) {
      char        text[256];
      const char *msg = gzerror(g, &zerr);
      PetscCall(PetscStrncpy(text, msg ? msg : "unknown error", sizeof(text)));
      gzclose(g);
      SETERRQ(comm, GALE_ERR_USER, "%s: read error after %zu bytes (%s): the file is truncated or corrupt", path, *len, text);
    }
    if (n == 0) break;
    *len += (size_t)n;
  }
  (*buf)[*len] = 0;
  /* a gzip stream cut short reads as a short file: zlib reports it on close */
  zerr = gzclose(g);
  PetscCheck(zerr != Z_BUF_ERROR, comm, GALE_ERR_USER, "%s: compressed data ends early after %zu bytes (truncated file)", path, *len);
  PetscCheck(zerr == Z_OK, comm, GALE_ERR_USER, "%s: read error (zlib code %d)", path, zerr);
  PetscFunctionReturn(PETSC_SUCCESS);
}

static inline uint64_t HashPoint(const PetscReal *x)
{
  uint64_t h = 0x9e3779b97f4a7c15ULL;
  for (int d = 0; d < 3; d++) {
    const double v = x[d] + 0.0; /* -0 -> +0 */
    uint64_t     u;
    memcpy(&u, &v, sizeof(u));
    h ^= u + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
  }
  return h;
}

/* map[i] = index of the first point with the coordinates of point i,
 * in order of first appearance; *nUnique such points. */
static PetscErrorCode MergePoints(PetscInt n, const PetscReal *x, PetscInt *map, PetscInt *nUnique)
{
  size_t    size = 16, mask;
  PetscInt *table, *first, nu = 0;

  PetscFunctionBeginUser;
  while (size < 2 * (size_t)n) size *= 2;
  mask = size - 1;
  PetscCall(PetscMalloc2(size, &table, n, &first));
  for (size_t k = 0; k < size; k++) table[k] = -1;
  for (PetscInt i = 0; i < n; i++) {
    size_t h = (size_t)HashPoint(x + 3 * i) & mask;
    for (;; h = (h + 1) & mask) {
      const PetscInt j = table[h];
      if (j < 0) {
        table[h] = i;
        first[i] = nu;
        map[i]   = nu++;
        break;
      }
      if (x[3 * j] == x[3 * i] && x[3 * j + 1] == x[3 * i + 1] && x[3 * j + 2] == x[3 * i + 2]) {
        map[i] = first[j];
        break;
      }
    }
  }
  *nUnique = nu;
  PetscCall(PetscFree2(table, first));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscBool ZeroArea(const PetscReal *a, const PetscReal *b, const PetscReal *c)
{
  const PetscReal e[3][3] = {{b[0] - a[0], b[1] - a[1], b[2] - a[2]}, {c[0] - b[0], c[1] - b[1], c[2] - b[2]}, {a[0] - c[0], a[1] - c[1], a[2] - c[2]}};
  PetscReal       n[3], l2 = 0, n2;
  n[0] = e[0][1] * e[1][2] - e[0][2] * e[1][1];
  n[1] = e[0][2] * e[1][0] - e[0][0] * e[1][2];
  n[2] = e[0][0] * e[1][1] - e[0][1] * e[1][0];
  for (int k = 0; k < 3; k++) l2 = PetscMax(l2, e[k][0] * e[k][0] + e[k][1] * e[k][1] + e[k][2] * e[k][2]);
  n2 = n[0] * n[0] + n[1] * n[1] + n[2] * n[2];
  return (PetscBool)(n2 <= 1e-24 * l2 * l2);
}

static void ComputeBBox(GaleSurface s)
{
  for (int d = 0; d < 3; d++) {
    s->bbox[d]     = PETSC_MAX_REAL;
    s->bbox[3 + d] = PETSC_MIN_REAL;
  }
  for (PetscInt i = 0; i < s->nPoints; i++)
    for (int d = 0; d < 3; d++) {
      s->bbox[d]     = PetscMin(s->bbox[d], s->points[3 * i + d]);
      s->bbox[3 + d] = PetscMax(s->bbox[3 + d], s->points[3 * i + d]);
    }
}

/* Soup -> surface (see the top of the file); frees nothing of the soup. */
static PetscErrorCode SoupToSurface(GaleSoup *b, GaleSurface s)
{
  PetscInt *map, *used, *regionMap, nu, nRepeated = 0, nZero = 0, nt = 0, np = 0, nr = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc3(b->nPoints, &map, b->nPoints, &used, b->nRegions, &regionMap));
  PetscCall(MergePoints(b->nPoints, b->points, map, &nu));
  PetscCall(PetscMalloc1(3 * (size_t)nu, &s->points));
  for (PetscInt i = 0; i < b->nPoints; i++)
    for (int d = 0; d < 3; d++) s->points[3 * map[i] + d] = b->points[3 * i + d];
  PetscCall(PetscMalloc2(3 * (size_t)b->nTris, &s->tris, b->nTris, &s->triRegion));
  for (PetscInt t = 0; t < b->nTris; t++) {
    const PetscInt a = map[b->tris[3 * t]], c = map[b->tris[3 * t + 1]], e = map[b->tris[3 * t + 2]];
    if (a == c || c == e || e == a)
      nRepeated++;
    else if (ZeroArea(s->points + 3 * a, s->points + 3 * c, s->points + 3 * e))
      nZero++;
    else {
      s->tris[3 * nt] = a, s->tris[3 * nt + 1] = c, s->tris[3 * nt + 2] = e;
      s->triRegion[nt++] = b->triRegion[t];
    }
  }
  if (nRepeated + nZero)
    PetscCall(
        PetscPrintf(b->comm, "Warning: %s: dropped %" PetscInt_FMT " degenerate triangles (%" PetscInt_FMT " with a repeated vertex, %" PetscInt_FMT " of zero area) of %" PetscInt_FMT "\n", b->path, nRepeated + nZero, nRepeated, nZero, b->nTris));
  if (b->nFlipped) PetscCall(PetscPrintf(b->comm, "Warning: %s: %" PetscInt_FMT " facets list their vertices clockwise about their stored normal; the vertex order is used (counter-clockwise seen from outside)\n", b->path, b->nFlipped));
  if (!nt) {
    PetscCall(PetscFree3(map, used, regionMap));
    SETERRQ(b->comm, GALE_ERR_USER, "%s: all %" PetscInt_FMT " triangles are degenerate (expected at least one of non-zero area)", b->path, b->nTris);
  }
  /* drop unused points, keeping their order */
  for (PetscInt i = 0; i < nu; i++) used[i] = -1;
  for (PetscInt k = 0; k < 3 * nt; k++) used[s->tris[k]] = 0;
  for (PetscInt i = 0; i < nu; i++)
    if (!used[i]) {
      used[i] = np;
      for (int d = 0; d < 3; d++) s->points[3 * np + d] = s->points[3 * i + d];
      np++;
    }
  for (PetscInt k = 0; k < 3 * nt; k++) s->tris[k] = used[s->tris[k]];
  /* drop empty regions */
  for (PetscInt r = 0; r < b->nRegions; r++) regionMap[r] = -1;
  for (PetscInt t = 0; t < nt; t++) regionMap[s->triRegion[t]] = 0;
  PetscCall(PetscMalloc1(b->nRegions, &s->regionNames));
  for (PetscInt r = 0; r < b->nRegions; r++)
    if (!regionMap[r]) {
      regionMap[r] = nr;
      PetscCall(PetscStrncpy(s->regionNames[nr++], b->regionNames[r], GALE_NAME_LEN));
    }
  for (PetscInt t = 0; t < nt; t++) s->triRegion[t] = regionMap[s->triRegion[t]];
  s->nPoints  = np;
  s->nTris    = nt;
  s->nRegions = nr;
  ComputeBBox(s);
  PetscCall(PetscFree3(map, used, regionMap));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Free the arrays of s (not s itself), including its search structure. */
static PetscErrorCode SurfaceClear(GaleSurface s)
{
  PetscFunctionBeginUser;
  if (s->search && s->searchDestroy) PetscCall(s->searchDestroy(&s->search));
  s->search = NULL;
  PetscCall(PetscFree(s->points));
  PetscCall(PetscFree2(s->tris, s->triRegion));
  PetscCall(PetscFree(s->regionNames));
  s->nPoints = s->nTris = s->nRegions = 0;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Lower-case comparison of the end of s with suffix. */
static PetscBool EndsWith(const char *s, const char *suffix)
{
  size_t n = strlen(s), m = strlen(suffix);
  if (m > n) return PETSC_FALSE;
  for (size_t i = 0; i < m; i++) {
    char c = s[n - m + i];
    if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
    if (c != suffix[i]) return PETSC_FALSE;
  }
  return PETSC_TRUE;
}

static PetscErrorCode ReadSoup(GaleSoup *b, PetscBool stl, GaleSurface s)
{
  char          *buf = NULL;
  size_t         len;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  ierr = LoadFile(b->comm, b->path, &buf, &len);
  if (!ierr) ierr = stl ? GaleSoupParseSTL(b, buf, len) : GaleSoupParseOBJ(b, buf, len);
  PetscCall(PetscFree(buf));
  PetscCall(ierr);
  PetscCall(SoupToSurface(b, s));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSurfaceRead(MPI_Comm comm, const char *path, GaleSurface *surface)
{
  static const char *const ext[4] = {".stl", ".stl.gz", ".obj", ".obj.gz"};
  GaleSoup                 b      = {0};
  GaleSurface              s;
  const char              *slash;
  int                      k;
  size_t                   n;
  PetscErrorCode           ierr;

  PetscFunctionBeginUser;
  PetscCheck(surface, comm, PETSC_ERR_ARG_NULL, "GaleSurfaceRead: surface pointer is NULL");
  *surface = NULL;
  PetscCheck(path && path[0], comm, GALE_ERR_USER, "geometry file name is empty (expected a .stl, .stl.gz, .obj or .obj.gz file)");
  for (k = 3; k >= 0 && !EndsWith(path, ext[k]); k--) {}
  PetscCheck(k >= 0, comm, GALE_ERR_USER, "%s: unknown geometry file type (expected .stl, .stl.gz, .obj or .obj.gz)", path);
  slash = strrchr(path, '/');
  slash = slash ? slash + 1 : path;
  n     = PetscMin(strlen(slash) - strlen(ext[k]), (size_t)GALE_NAME_LEN - 1);
  memcpy(b.base, slash, n);
  b.base[n] = 0;
  if (!n) PetscCall(PetscStrncpy(b.base, "surface", sizeof(b.base)));
  b.comm = comm;
  b.path = path;
  PetscCall(PetscNew(&s));
  ierr = ReadSoup(&b, (PetscBool)(k < 2), s);
  PetscCall(SoupFree(&b));
  if (ierr) PetscCall(GaleSurfaceDestroy(&s));
  PetscCall(ierr);
  *surface = s;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* cos and sin of an angle in degrees, exact at multiples of 90. */
static void CosSin(PetscReal deg, PetscReal *c, PetscReal *s)
{
  const PetscReal q = deg / 90;
  if (q == PetscFloorReal(q) && PetscAbsReal(q) < 1e15) {
    const long k = ((long)q % 4 + 4) % 4;
    *c           = k == 0 ? 1 : k == 2 ? -1 : 0;
    *s           = k == 1 ? 1 : k == 3 ? -1 : 0;
  } else {
    *c = PetscCosReal(deg * PETSC_PI / 180);
    *s = PetscSinReal(deg * PETSC_PI / 180);
  }
}

PetscErrorCode GaleSurfaceTransform(GaleSurface s, const PetscReal scale[3], const PetscReal rotateDeg[3], const PetscReal translate[3])
{
  PetscReal sc[3] = {1, 1, 1}, t[3] = {0, 0, 0}, R[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};

  PetscFunctionBeginUser;
  PetscCheck(s, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "GaleSurfaceTransform: surface is NULL");
  for (int d = 0; d < 3; d++) {
    if (scale) sc[d] = scale[d];
    if (translate) t[d] = translate[d];
    PetscCheck(isfinite(sc[d]) && sc[d] != 0, PETSC_COMM_SELF, GALE_ERR_USER, "geometry scale %c = %g (expected a finite, non-zero number)", "xyz"[d], (double)sc[d]);
    PetscCheck(isfinite(t[d]), PETSC_COMM_SELF, GALE_ERR_USER, "geometry translation %c = %g (expected a finite number)", "xyz"[d], (double)t[d]);
    PetscCheck(!rotateDeg || isfinite(rotateDeg[d]), PETSC_COMM_SELF, GALE_ERR_USER, "geometry rotation about %c = %g degrees (expected a finite number)", "xyz"[d], (double)rotateDeg[d]);
  }
  /* R = Rz Ry Rx: rotate about x first, then y, then z (fixed axes) */
  for (int a = 0; rotateDeg && a < 3; a++) {
    const int i = (a + 1) % 3, j = (a + 2) % 3;
    PetscReal c, sn, Q[3][3];
    CosSin(rotateDeg[a], &c, &sn);
    for (int col = 0; col < 3; col++) {
      Q[a][col] = R[a][col];
      Q[i][col] = c * R[i][col] - sn * R[j][col];
      Q[j][col] = sn * R[i][col] + c * R[j][col];
    }
    memcpy(R, Q, sizeof(R));
  }
  for (PetscInt p = 0; p < s->nPoints; p++) {
    PetscReal *x = s->points + 3 * p, y[3];
    for (int d = 0; d < 3; d++) y[d] = sc[d] * x[d];
    for (int d = 0; d < 3; d++) x[d] = R[d][0] * y[0] + R[d][1] * y[1] + R[d][2] * y[2] + t[d];
  }
  /* a mirroring scale turns the triangles inside out: restore the orientation */
  if (sc[0] * sc[1] * sc[2] < 0)
    for (PetscInt k = 0; k < s->nTris; k++) {
      const PetscInt tmp = s->tris[3 * k + 1];
      s->tris[3 * k + 1] = s->tris[3 * k + 2];
      s->tris[3 * k + 2] = tmp;
    }
  if (s->search && s->searchDestroy) PetscCall(s->searchDestroy(&s->search));
  s->search = NULL;
  ComputeBBox(s);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSurfaceMerge(GaleSurface a, GaleSurface bs)
{
  GaleSoup       b = {0};
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCheck(a && bs, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "GaleSurfaceMerge: surface is NULL");
  PetscCheck(a != bs, PETSC_COMM_SELF, PETSC_ERR_ARG_IDN, "cannot merge a surface with itself");
  b.comm = PETSC_COMM_SELF;
  b.path = "merged surface";
  ierr   = PETSC_SUCCESS;
  for (PetscInt i = 0; i < a->nPoints && !ierr; i++) ierr = GaleSoupAddPoint(&b, a->points + 3 * i);
  for (PetscInt i = 0; i < bs->nPoints && !ierr; i++) ierr = GaleSoupAddPoint(&b, bs->points + 3 * i);
  for (PetscInt t = 0; t < a->nTris && !ierr; t++) ierr = GaleSoupAddTri(&b, a->tris[3 * t], a->tris[3 * t + 1], a->tris[3 * t + 2], a->triRegion[t]);
  for (PetscInt t = 0; t < bs->nTris && !ierr; t++) ierr = GaleSoupAddTri(&b, a->nPoints + bs->tris[3 * t], a->nPoints + bs->tris[3 * t + 1], a->nPoints + bs->tris[3 * t + 2], a->nRegions + bs->triRegion[t]);
  for (PetscInt r = 0; r < a->nRegions && !ierr; r++) ierr = AppendRegion(&b, a->regionNames[r]);
  /* b's regions come after a's; a name already taken gets a suffix _2, _3, ... */
  for (PetscInt r = 0; r < bs->nRegions && !ierr; r++) {
    char name[GALE_NAME_LEN];
    PetscCall(PetscStrncpy(name, bs->regionNames[r], sizeof(name)));
    for (int k = 2;; k++) {
      PetscInt q;
      for (q = 0; q < b.nRegions && strcmp(b.regionNames[q], name); q++) {}
      if (q == b.nRegions) break;
      snprintf(name, sizeof(name), "%.*s_%d", GALE_NAME_LEN - 12, bs->regionNames[r], k);
    }
    ierr = AppendRegion(&b, name);
  }
  if (!ierr) {
    PetscCall(SurfaceClear(a));
    ierr = SoupToSurface(&b, a);
  }
  PetscCall(SoupFree(&b));
  PetscCall(ierr);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSurfaceDestroy(GaleSurface *s)
{
  PetscFunctionBeginUser;
  if (!s || !*s) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(SurfaceClear(*s));
  PetscCall(PetscFree(*s));
  PetscFunctionReturn(PETSC_SUCCESS);
}
