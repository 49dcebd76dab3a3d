/* Importer for OpenFOAM ascii polyMesh directories (constant/polyMesh):
 * points (vectorField), faces (faceList or faceCompactList), owner and
 * neighbour (labelList), boundary (polyBoundaryMesh). Each file may also be
 * gzipped as FILE.gz (read through zlib, which reads plain files as well).
 *
 * Faces are taken in the order given: the first nInternalFaces = length of
 * neighbour are internal (OpenFOAM's upper-triangular order is not assumed;
 * some shipped meshes break it), the rest belong to the patches of the
 * boundary file, which must be contiguous and cover them in order. The
 * number of cells is max(owner, neighbour) + 1, checked against the `note`
 * in owner's header when there is one. Everything is validated before use
 * and errors name the file and line: "DIR/owner:23: expected '(' after
 * count 12225, found ...". Each rank reads the files itself. */
#include <zlib.h>
#include "gale_mesh.h"

typedef struct {
  MPI_Comm comm;
  char     path[GALE_PATH_LEN]; /* file actually opened, for messages */
  char    *buf;                 /* whole file, NUL-terminated */
  size_t   len, pos;
  PetscInt line;
  char     cls[64], format[32], note[512];
} FoamFile;

/* Everything read so far; freed in one place whatever happens. */
typedef struct {
  FoamFile   ff;
  PetscInt   nPoints, nFaces, nFacePoints, nOwner, nNeighbour, nPatches;
  PetscReal *points;
  PetscInt  *offsets, *facePoints, *owner, *neighbour;
  GalePatch *patches;
  PetscInt  *patchLine;
} PolyData;

#define FoamCheck(ff, cond, fmt, ...) PetscCheck(cond, (ff)->comm, GALE_ERR_USER, "%s:%" PetscInt_FMT ": " fmt, (ff)->path, (ff)->line, __VA_ARGS__)

static PetscErrorCode FoamOpen(MPI_Comm comm, const char *dir, const char *name, FoamFile *ff)
{
  gzFile g;
  size_t cap = 1 << 20;

  PetscFunctionBeginUser;
  PetscCall(PetscFree(ff->buf));
  PetscCall(PetscMemzero(ff, sizeof(*ff)));
  ff->comm = comm;
  ff->line = 1;
  PetscCall(PetscSNPrintf(ff->path, sizeof(ff->path), "%s/%s", dir, name));
  g = gzopen(ff->path, "rb");
  if (!g) {
    PetscCall(PetscSNPrintf(ff->path, sizeof(ff->path), "%s/%s.gz", dir, name));
    g = gzopen(ff->path, "rb");
  }
  PetscCheck(g, comm, GALE_ERR_USER, "%s/%s: cannot open (nor %s/%s.gz); expected an OpenFOAM polyMesh directory", dir, name, dir, name);
  PetscCall(PetscMalloc1(cap, &ff->buf));
  for (;;) {
    int n;
    if (cap - ff->len < (1 << 20) + 1) {
      cap *= 2;
      PetscCall(PetscRealloc(cap, &ff->buf));
    }
    n = gzread(g, ff->buf + ff->len, 1 << 20);
    if (n < 0) {
      int         zerr;
      const char *msg = gzerror(g, &zerr);
      char        text[256];
      PetscCall(PetscStrncpy(text, msg ? msg : "unknown error", sizeof(text)));
      gzclose(g);
      SETERRQ(comm, GALE_ERR_USER, "%s: read error after %zu bytes (%s); the file is truncated or corrupt", ff->path, ff->len, text);
    }
    if (n == 0) break;
    ff->len += (size_t)n;
  }
  /* a gzip stream cut short reads as a short file: zlib reports it on close */
  PetscCheck(gzclose(g) != Z_BUF_ERROR, comm, GALE_ERR_USER, "%s: compressed data ends early after %zu bytes (truncated file)", ff->path, ff->len);
  ff->buf[ff->len] = 0;
  PetscFunctionReturn(PETSC_SUCCESS);
}

static void SkipSpace(FoamFile *ff)
{
  const char *b = ff->buf;
  size_t      p = ff->pos;
  for (;;) {
    const char c = b[p];
    if (c == '\n') {
      ff->line++;
      p++;
    } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v')
      p++;
    else if (c == '/' && b[p + 1] == '/')
      while (b[p] && b[p] != '\n') p++;
    else if (c == '/' && b[p + 1] == '*') {
      for (p += 2; b[p] && !(b[p] == '*' && b[p + 1] == '/'); p++)
        if (b[p] == '\n') ff->line++;
      if (b[p]) p += 2;
    } else
      break;
  }
  ff->pos = p;
}

static inline PetscBool IsDelim(char c)
{
  return (PetscBool)(!c || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ';' || c == '(' || c == ')' || c == '{' || c == '}' || c == '"');
}

/* What is at the current position, quoted, for messages. */
static const char *Found(FoamFile *ff, char *s, size_t n)
{
  size_t k = 0, p = ff->pos;
  if (p >= ff->len) return "end of file";
  s[k++] = '\'';
  do s[k++] = ff->buf[p++];
  while (p < ff->len && k < n - 5 && !IsDelim(ff->buf[p]) && !IsDelim(ff->buf[p - 1]));
  if (p < ff->len && k >= n - 5 && !IsDelim(ff->buf[p])) s[k++] = '.', s[k++] = '.', s[k++] = '.';
  s[k++] = '\'';
  s[k]   = 0;
  return s;
}

static PetscErrorCode Expect(FoamFile *ff, char c, const char *context)
{
  char s[32];

  PetscFunctionBeginUser;
  SkipSpace(ff);
  FoamCheck(ff, ff->buf[ff->pos] == c, "expected '%c' %s, found %s", c, context, Found(ff, s, sizeof(s)));
  ff->pos++;
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ReadLabel(FoamFile *ff, PetscInt *v, const char *what)
{
  const char *b = ff->buf;
  size_t      p;
  int         neg = 0;
  int64_t     x   = 0;
  char        s[32];

  PetscFunctionBeginUser;
  SkipSpace(ff);
  p = ff->pos;
  if (b[p] == '-' || b[p] == '+') neg = b[p++] == '-';
  FoamCheck(ff, b[p] >= '0' && b[p] <= '9', "expected %s (an integer), found %s", what, Found(ff, s, sizeof(s)));
  for (; b[p] >= '0' && b[p] <= '9'; p++) {
    x = 10 * x + (b[p] - '0');
    FoamCheck(ff, x <= PETSC_MAX_INT, "%s is too large for 32-bit indices", what);
  }
  FoamCheck(ff, IsDelim(b[p]) || b[p] == '/', "expected %s (an integer), found %s", what, Found(ff, s, sizeof(s)));
  ff->pos = p;
  *v      = (PetscInt)(neg ? -x : x);
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ReadScalar(FoamFile *ff, PetscReal *v, const char *what)
{
  char *end, s[32];

  PetscFunctionBeginUser;
  SkipSpace(ff);
  *v = strtod(ff->buf + ff->pos, &end);
  FoamCheck(ff, end != ff->buf + ff->pos && (IsDelim(*end) || *end == '/') && !PetscIsInfOrNanReal(*v), "expected %s (a finite number), found %s", what, Found(ff, s, sizeof(s)));
  ff->pos = (size_t)(end - ff->buf);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A word or a "quoted string" (without the quotes). */
static PetscErrorCode ReadWord(FoamFile *ff, char *w, size_t n, const char *what)
{
  size_t k = 0;
  char   s[32];

  PetscFunctionBeginUser;
  SkipSpace(ff);
  if (ff->buf[ff->pos] == '"') {
    const PetscInt line = ff->line;
    for (ff->pos++; ff->buf[ff->pos] && ff->buf[ff->pos] != '"'; ff->pos++) {
      if (ff->buf[ff->pos] == '\n') ff->line++;
      if (k < n - 1) w[k++] = ff->buf[ff->pos];
    }
    PetscCheck(ff->buf[ff->pos] == '"', ff->comm, GALE_ERR_USER, "%s:%" PetscInt_FMT ": unterminated string", ff->path, line);
    ff->pos++;
  } else {
    FoamCheck(ff, !IsDelim(ff->buf[ff->pos]), "expected %s, found %s", what, Found(ff, s, sizeof(s)));
    while (!IsDelim(ff->buf[ff->pos])) {
      FoamCheck(ff, k < n - 1, "%s is too long (at most %zu characters)", what, n - 1);
      w[k++] = ff->buf[ff->pos++];
    }
  }
  w[k] = 0;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Skip a quoted string at the current position. */
static PetscErrorCode SkipString(FoamFile *ff)
{
  char w[8];

  PetscFunctionBeginUser;
  PetscCall(ReadWord(ff, w, sizeof(w), "string"));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Skip the rest of a dictionary entry: up to and including ';' outside
 * brackets, or a whole sub-dictionary "{ ... }". */
static PetscErrorCode SkipEntry(FoamFile *ff)
{
  PetscInt  line, depth = 0;
  PetscBool dict;

  PetscFunctionBeginUser;
  SkipSpace(ff);
  line = ff->line;
  dict = (PetscBool)(ff->buf[ff->pos] == '{');
  for (;;) {
    char c;
    SkipSpace(ff);
    PetscCheck(ff->pos < ff->len, ff->comm, GALE_ERR_USER, "%s:%" PetscInt_FMT ": entry not terminated (by ';' or '}') before the end of the file", ff->path, line);
    c = ff->buf[ff->pos];
    if (c == '"') {
      PetscCall(SkipString(ff));
      continue;
    }
    ff->pos++;
    if (c == '(' || c == '{')
      depth++;
    else if (c == ')' || c == '}') {
      FoamCheck(ff, depth > 0, "unexpected '%c' (missing ';' before it?)", c);
      if (--depth == 0 && dict) break;
    } else if (c == ';' && depth == 0)
      break;
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Optional "FoamFile { ... }" header: keeps format, class and note. */
static PetscErrorCode ReadHeader(FoamFile *ff)
{
  char key[64];

  PetscFunctionBeginUser;
  SkipSpace(ff);
  if (strncmp(ff->buf + ff->pos, "FoamFile", 8) || !IsDelim(ff->buf[ff->pos + 8])) PetscFunctionReturn(PETSC_SUCCESS);
  ff->pos += 8;
  PetscCall(Expect(ff, '{', "after FoamFile"));
  for (;;) {
    SkipSpace(ff);
    if (ff->buf[ff->pos] == '}') break;
    PetscCall(ReadWord(ff, key, sizeof(key), "a FoamFile header keyword"));
    if (!strcmp(key, "format"))
      PetscCall(ReadWord(ff, ff->format, sizeof(ff->format), "format"));
    else if (!strcmp(key, "class"))
      PetscCall(ReadWord(ff, ff->cls, sizeof(ff->cls), "class"));
    else if (!strcmp(key, "note"))
      PetscCall(ReadWord(ff, ff->note, sizeof(ff->note), "note"));
    PetscCall(SkipEntry(ff));
  }
  ff->pos++;
  FoamCheck(ff, !ff->format[0] || !strcmp(ff->format, "ascii"), "format %s is not supported (only ascii: run foamFormatConvert with writeFormat ascii in system/controlDict)", ff->format);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Start of a list, "N (", "N {" (uniform) or "(" (n = -1). */
static PetscErrorCode ListBegin(FoamFile *ff, const char *what, PetscInt *n, PetscBool *uniform)
{
  char s[32];

  PetscFunctionBeginUser;
  SkipSpace(ff);
  *n       = -1;
  *uniform = PETSC_FALSE;
  if (ff->buf[ff->pos] != '(') {
    FoamCheck(ff, ff->buf[ff->pos] >= '0' && ff->buf[ff->pos] <= '9', "expected a list of %s (a count and '('), found %s", what, Found(ff, s, sizeof(s)));
    PetscCall(ReadLabel(ff, n, "list size"));
    SkipSpace(ff);
    *uniform = (PetscBool)(ff->buf[ff->pos] == '{');
    FoamCheck(ff, ff->buf[ff->pos] == '(' || *uniform, "expected '(' after count %" PetscInt_FMT ", found %s", *n, Found(ff, s, sizeof(s)));
    FoamCheck(ff, *uniform || (size_t)*n <= (ff->len - ff->pos) / 2, "list count %" PetscInt_FMT " is more than the rest of the file can hold (truncated file?)", *n);
  }
  ff->pos++;
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ListEnd(FoamFile *ff, PetscInt n, const char *what)
{
  char s[32];

  PetscFunctionBeginUser;
  SkipSpace(ff);
  FoamCheck(ff, ff->buf[ff->pos] == ')', "expected ')' after %" PetscInt_FMT " %s, found %s (list longer than its count?)", n, what, Found(ff, s, sizeof(s)));
  ff->pos++;
  PetscFunctionReturn(PETSC_SUCCESS);
}

static inline PetscBool AtListEnd(FoamFile *ff)
{
  SkipSpace(ff);
  return (PetscBool)(ff->buf[ff->pos] == ')' || ff->pos >= ff->len);
}

/* Capacity growth in 64-bit arithmetic, so doubling never overflows. */
static PetscErrorCode Grow(PetscInt need, PetscInt *cap, size_t size, void **a)
{
  long long c = *cap;

  PetscFunctionBeginUser;
  if (need <= *cap) PetscFunctionReturn(PETSC_SUCCESS);
  while (c < need) c = c < 1024 ? 1024 : 2 * c;
  *cap = (PetscInt)PetscMin(c, (long long)PETSC_MAX_INT);
  PetscCall(PetscRealloc((size_t)*cap * size, a));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Label list with every entry in [lo, hi] and at most maxN entries (a
 * uniform list "N{v}" is otherwise unbounded by the file size); appended to
 * *a (capacity *cap) from index *na on. */
static PetscErrorCode ReadLabels(FoamFile *ff, const char *what, PetscInt lo, PetscInt hi, PetscInt maxN, PetscInt **a, PetscInt *na, PetscInt *cap)
{
  PetscInt  n, v, k;
  PetscBool uniform;

  PetscFunctionBeginUser;
  PetscCall(ListBegin(ff, what, &n, &uniform));
  FoamCheck(ff, n <= maxN, "list of %" PetscInt_FMT " %s entries, more than the %" PetscInt_FMT " possible here", n, what, maxN);
  if (uniform) {
    PetscCall(ReadLabel(ff, &v, what));
    FoamCheck(ff, v >= lo && v <= hi, "%s %" PetscInt_FMT " out of range [%" PetscInt_FMT ", %" PetscInt_FMT "]", what, v, lo, hi);
    PetscCall(Expect(ff, '}', "after a uniform list value"));
    PetscCall(Grow(*na + n, cap, sizeof(PetscInt), (void **)a));
    for (k = 0; k < n; k++) (*a)[(*na)++] = v;
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  if (n >= 0) PetscCall(Grow(*na + n, cap, sizeof(PetscInt), (void **)a));
  for (k = 0; n < 0 ? !AtListEnd(ff) : k < n; k++) {
    PetscCall(ReadLabel(ff, &v, what));
    FoamCheck(ff, v >= lo && v <= hi, "%s %" PetscInt_FMT " out of range [%" PetscInt_FMT ", %" PetscInt_FMT "]", what, v, lo, hi);
    if (n < 0) PetscCall(Grow(*na + 1, cap, sizeof(PetscInt), (void **)a));
    (*a)[(*na)++] = v;
  }
  PetscCall(ListEnd(ff, k, "entries"));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ReadPoints(MPI_Comm comm, const char *dir, PolyData *d)
{
  FoamFile *ff = &d->ff;
  PetscInt  n, cap = 0;
  PetscBool uniform;

  PetscFunctionBeginUser;
  PetscCall(FoamOpen(comm, dir, "points", ff));
  PetscCall(ReadHeader(ff));
  PetscCall(ListBegin(ff, "points", &n, &uniform));
  FoamCheck(ff, !uniform, "expected '(' after count %" PetscInt_FMT ", found '{'", n);
  if (n > 0) PetscCall(Grow(3 * n, &cap, sizeof(PetscReal), (void **)&d->points));
  for (d->nPoints = 0; n < 0 ? !AtListEnd(ff) : d->nPoints < n; d->nPoints++) {
    PetscReal *x;
    PetscCall(Grow(3 * (d->nPoints + 1), &cap, sizeof(PetscReal), (void **)&d->points));
    x = d->points + 3 * d->nPoints;
    PetscCall(Expect(ff, '(', "to open a point"));
    PetscCall(ReadScalar(ff, &x[0], "x coordinate"));
    PetscCall(ReadScalar(ff, &x[1], "y coordinate"));
    PetscCall(ReadScalar(ff, &x[2], "z coordinate"));
    PetscCall(Expect(ff, ')', "after a point's three coordinates"));
  }
  PetscCall(ListEnd(ff, d->nPoints, "points"));
  FoamCheck(ff, d->nPoints >= 4, "%" PetscInt_FMT " points (a mesh needs at least 4)", d->nPoints);
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ReadFaces(MPI_Comm comm, const char *dir, PolyData *d)
{
  FoamFile *ff   = &d->ff;
  PetscInt  capO = 0, capP = 0, n;
  PetscBool uniform;

  PetscFunctionBeginUser;
  PetscCall(FoamOpen(comm, dir, "faces", ff));
  PetscCall(ReadHeader(ff));
  if (!strcmp(ff->cls, "faceCompactList")) {
    PetscCall(ReadLabels(ff, "face offset", 0, PETSC_MAX_INT, (PetscInt)PetscMin((size_t)PETSC_MAX_INT, ff->len), &d->offsets, &d->nFaces, &capO));
    PetscCall(ReadLabels(ff, "point index", 0, d->nPoints - 1, (PetscInt)PetscMin((size_t)PETSC_MAX_INT, ff->len), &d->facePoints, &d->nFacePoints, &capP));
    FoamCheck(ff, d->nFaces >= 1 && d->offsets[0] == 0 && d->offsets[d->nFaces - 1] == d->nFacePoints, "face offsets do not run from 0 to the %" PetscInt_FMT " point indices", d->nFacePoints);
    d->nFaces--;
    for (PetscInt f = 0; f < d->nFaces; f++) FoamCheck(ff, d->offsets[f + 1] - d->offsets[f] >= 3, "face %" PetscInt_FMT " has %" PetscInt_FMT " points (at least 3 needed)", f, d->offsets[f + 1] - d->offsets[f]);
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(ListBegin(ff, "faces", &n, &uniform));
  FoamCheck(ff, !uniform, "expected '(' after count %" PetscInt_FMT ", found '{'", n);
  if (n >= 0) {
    PetscCall(Grow(n + 1, &capO, sizeof(PetscInt), (void **)&d->offsets));
    PetscCall(Grow(4 * n, &capP, sizeof(PetscInt), (void **)&d->facePoints));
  }
  for (d->nFaces = 0; n < 0 ? !AtListEnd(ff) : d->nFaces < n; d->nFaces++) {
    PetscCall(Grow(d->nFaces + 2, &capO, sizeof(PetscInt), (void **)&d->offsets));
    d->offsets[d->nFaces] = d->nFacePoints;
    /* one face lists each point at most once */
    PetscCall(ReadLabels(ff, "point index", 0, d->nPoints - 1, d->nPoints, &d->facePoints, &d->nFacePoints, &capP));
    FoamCheck(ff, d->nFacePoints - d->offsets[d->nFaces] >= 3, "face %" PetscInt_FMT " has %" PetscInt_FMT " points (at least 3 needed)", d->nFaces, d->nFacePoints - d->offsets[d->nFaces]);
  }
  PetscCall(Grow(d->nFaces + 1, &capO, sizeof(PetscInt), (void **)&d->offsets));
  d->offsets[d->nFaces] = d->nFacePoints;
  PetscCall(ListEnd(ff, d->nFaces, "faces"));
  FoamCheck(ff, d->nFaces >= 4, "%" PetscInt_FMT " faces (a mesh needs at least 4)", d->nFaces);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* nCells:N style entry of owner's note, or -1 */
static PetscInt NoteValue(const char *note, const char *key)
{
  const char *s = strstr(note, key);
  return s ? (PetscInt)strtol(s + strlen(key), NULL, 10) : -1;
}

static PetscErrorCode ReadOwnerNeighbour(MPI_Comm comm, const char *dir, PolyData *d, PetscInt *nInternal, PetscInt *nCells)
{
  FoamFile *ff  = &d->ff;
  PetscInt  cap = 0, line, noteCells, noteInternal, *nfc;

  PetscFunctionBeginUser;
  PetscCall(FoamOpen(comm, dir, "owner", ff));
  PetscCall(ReadHeader(ff));
  SkipSpace(ff);
  line = ff->line;
  /* a cell has >= 4 faces and a face <= 2 cells, so cells <= faces/2 */
  PetscCall(ReadLabels(ff, "owner cell", 0, d->nFaces / 2, d->nFaces, &d->owner, &d->nOwner, &cap));
  PetscCheck(d->nOwner == d->nFaces, comm, GALE_ERR_USER, "%s:%" PetscInt_FMT ": %" PetscInt_FMT " owners, but the faces file has %" PetscInt_FMT " faces", ff->path, line, d->nOwner, d->nFaces);
  noteCells    = NoteValue(ff->note, "nCells:");
  noteInternal = NoteValue(ff->note, "nInternalFaces:");

  PetscCall(FoamOpen(comm, dir, "neighbour", ff));
  PetscCall(ReadHeader(ff));
  SkipSpace(ff);
  line = ff->line;
  cap  = 0;
  PetscCall(ReadLabels(ff, "neighbour cell", -1, d->nFaces / 2, d->nFaces, &d->neighbour, &d->nNeighbour, &cap));
  PetscCheck(d->nNeighbour <= d->nFaces, comm, GALE_ERR_USER, "%s:%" PetscInt_FMT ": %" PetscInt_FMT " neighbours, but the faces file has only %" PetscInt_FMT " faces", ff->path, line, d->nNeighbour, d->nFaces);
  /* old format: one entry per face, -1 for boundary faces */
  for (*nInternal = 0; *nInternal < d->nNeighbour && d->neighbour[*nInternal] >= 0; (*nInternal)++) {}
  PetscCheck(*nInternal == d->nNeighbour || d->nNeighbour == d->nFaces, comm, GALE_ERR_USER, "%s: entry %" PetscInt_FMT " is -1 (only allowed in the old format with one entry per face)", ff->path, *nInternal);
  for (PetscInt f = *nInternal; f < d->nNeighbour; f++) PetscCheck(d->neighbour[f] < 0, comm, GALE_ERR_USER, "%s: entry %" PetscInt_FMT " is -1 but entry %" PetscInt_FMT " is a cell (internal faces must come first)", ff->path, *nInternal, f);
  PetscCheck(noteInternal < 0 || noteInternal == *nInternal, comm, GALE_ERR_USER, "%s: %" PetscInt_FMT " internal faces, but the owner file's note says nInternalFaces:%" PetscInt_FMT, ff->path, *nInternal, noteInternal);

  *nCells = 0;
  for (PetscInt f = 0; f < d->nFaces; f++) *nCells = PetscMax(*nCells, d->owner[f] + 1);
  for (PetscInt f = 0; f < *nInternal; f++) {
    *nCells = PetscMax(*nCells, d->neighbour[f] + 1);
    PetscCheck(d->neighbour[f] != d->owner[f], comm, GALE_ERR_USER, "%s: face %" PetscInt_FMT " has cell %" PetscInt_FMT " as both owner and neighbour", ff->path, f, d->owner[f]);
  }
  PetscCheck(noteCells < 0 || noteCells == *nCells, comm, GALE_ERR_USER, "%s/owner: the note says nCells:%" PetscInt_FMT " but owner and neighbour use %" PetscInt_FMT " cells", dir, noteCells, *nCells);
  PetscCall(PetscCalloc1(*nCells + 1, &nfc));
  for (PetscInt f = 0; f < d->nFaces; f++) nfc[d->owner[f]]++;
  for (PetscInt f = 0; f < *nInternal; f++) nfc[d->neighbour[f]]++;
  for (PetscInt c = 0; c < *nCells; c++)
    if (nfc[c] < 4) {
      PetscInt k = nfc[c];
      PetscCall(PetscFree(nfc));
      SETERRQ(comm, GALE_ERR_USER, "%s/owner, %s/neighbour: cell %" PetscInt_FMT " has %" PetscInt_FMT " faces (a closed cell needs at least 4)", dir, dir, c, k);
    }
  PetscCall(PetscFree(nfc));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ReadBoundary(MPI_Comm comm, const char *dir, PolyData *d, PetscInt nInternal)
{
  FoamFile *ff = &d->ff;
  PetscInt  n, cap = 0, capL = 0, next = nInternal;
  PetscBool uniform;
  char      key[64];

  PetscFunctionBeginUser;
  PetscCall(FoamOpen(comm, dir, "boundary", ff));
  PetscCall(ReadHeader(ff));
  PetscCall(ListBegin(ff, "patches", &n, &uniform));
  FoamCheck(ff, !uniform, "expected '(' after count %" PetscInt_FMT ", found '{'", n);
  for (d->nPatches = 0; n < 0 ? !AtListEnd(ff) : d->nPatches < n; d->nPatches++) {
    GalePatch *p;
    PetscCall(Grow(d->nPatches + 1, &cap, sizeof(GalePatch), (void **)&d->patches));
    PetscCall(Grow(d->nPatches + 1, &capL, sizeof(PetscInt), (void **)&d->patchLine));
    p = &d->patches[d->nPatches];
    PetscCall(PetscMemzero(p, sizeof(*p)));
    p->start = p->size = -1;
    SkipSpace(ff);
    d->patchLine[d->nPatches] = ff->line;
    PetscCall(ReadWord(ff, p->name, sizeof(p->name), "a patch name"));
    PetscCall(Expect(ff, '{', "after the patch name"));
    for (;;) {
      SkipSpace(ff);
      if (ff->buf[ff->pos] == '}') break;
      PetscCall(ReadWord(ff, key, sizeof(key), "a patch keyword or '}'"));
      if (!strcmp(key, "type"))
        PetscCall(ReadWord(ff, p->type, sizeof(p->type), "patch type"));
      else if (!strcmp(key, "nFaces"))
        PetscCall(ReadLabel(ff, &p->size, "nFaces"));
      else if (!strcmp(key, "startFace"))
        PetscCall(ReadLabel(ff, &p->start, "startFace"));
      PetscCall(SkipEntry(ff));
    }
    ff->pos++;
    {
      const PetscInt pl = d->patchLine[d->nPatches];
      PetscCheck(p->type[0], comm, GALE_ERR_USER, "%s:%" PetscInt_FMT ": patch '%s' has no type", ff->path, pl, p->name);
      PetscCheck(p->size >= 0, comm, GALE_ERR_USER, "%s:%" PetscInt_FMT ": patch '%s' has no nFaces (or a negative one)", ff->path, pl, p->name);
      PetscCheck(p->start >= 0, comm, GALE_ERR_USER, "%s:%" PetscInt_FMT ": patch '%s' has no startFace (or a negative one)", ff->path, pl, p->name);
      PetscCheck(p->size == 0 || p->start == next, comm, GALE_ERR_USER, "%s:%" PetscInt_FMT ": patch '%s' starts at face %" PetscInt_FMT ", expected %" PetscInt_FMT " (patches must follow the %" PetscInt_FMT " internal faces contiguously, in order)",
                 ff->path, pl, p->name, p->start, next, nInternal);
      PetscCheck(p->size <= d->nFaces - next, comm, GALE_ERR_USER, "%s:%" PetscInt_FMT ": patch '%s' (faces %" PetscInt_FMT " to %lld) runs past the %" PetscInt_FMT " faces of the faces file", ff->path, pl, p->name, p->start,
                 (long long)p->start + p->size - 1, d->nFaces);
      for (PetscInt q = 0; q < d->nPatches; q++) PetscCheck(strcmp(d->patches[q].name, p->name), comm, GALE_ERR_USER, "%s:%" PetscInt_FMT ": patch name '%s' appears twice", ff->path, pl, p->name);
      p->start = next;
      next += p->size;
    }
  }
  PetscCall(ListEnd(ff, d->nPatches, "patches"));
  PetscCheck(next == d->nFaces, comm, GALE_ERR_USER, "%s: the patches cover faces up to %" PetscInt_FMT " but the faces file has %" PetscInt_FMT " faces (%" PetscInt_FMT " internal)", ff->path, next, d->nFaces, nInternal);
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ReadAll(MPI_Comm comm, const char *dir, PolyData *d, GaleMesh *mesh)
{
  PetscInt nInternal = 0, nCells = 0;
  GaleMesh m;

  PetscFunctionBeginUser;
  PetscCall(ReadPoints(comm, dir, d));
  PetscCall(ReadFaces(comm, dir, d));
  PetscCall(ReadOwnerNeighbour(comm, dir, d, &nInternal, &nCells));
  PetscCall(ReadBoundary(comm, dir, d, nInternal));
  PetscCall(PetscFree(d->ff.buf));

  PetscCall(GaleMeshCreate(comm, &m));
  *mesh = m;
  PetscCall(GaleMeshAllocate(m, d->nPoints, d->nFaces, nInternal, d->nFacePoints, nCells, d->nPatches));
  PetscCall(PetscArraycpy(m->points, d->points, 3 * d->nPoints));
  PetscCall(PetscArraycpy(m->faceOffsets, d->offsets, d->nFaces + 1));
  PetscCall(PetscArraycpy(m->facePoints, d->facePoints, d->nFacePoints));
  PetscCall(PetscArraycpy(m->owner, d->owner, d->nFaces));
  PetscCall(PetscArraycpy(m->neighbour, d->neighbour, nInternal));
  PetscCall(PetscArraycpy(m->patches, d->patches, d->nPatches));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleMeshReadPolyMesh(MPI_Comm comm, const char *dir, GaleMesh *mesh)
{
  PolyData       d;
  GaleMesh       m = NULL;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCheck(dir && mesh, comm, PETSC_ERR_ARG_NULL, "GaleMeshReadPolyMesh: NULL directory or mesh argument");
  *mesh = NULL;
  PetscCall(PetscMemzero(&d, sizeof(d)));
  ierr = ReadAll(comm, dir, &d, &m);
  PetscCall(PetscFree(d.ff.buf));
  PetscCall(PetscFree(d.points));
  PetscCall(PetscFree(d.offsets));
  PetscCall(PetscFree(d.facePoints));
  PetscCall(PetscFree(d.owner));
  PetscCall(PetscFree(d.neighbour));
  PetscCall(PetscFree(d.patches));
  PetscCall(PetscFree(d.patchLine));
  if (ierr) PetscCall(GaleMeshDestroy(&m));
  PetscCall(ierr);
  PetscCall(GaleMeshComputeGeometry(m));
  PetscCall(GaleMeshSetSerialNumbering(m));
  *mesh = m;
  PetscFunctionReturn(PETSC_SUCCESS);
}
