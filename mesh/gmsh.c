/* Importer for Gmsh MSH 4.1 volume meshes, ascii and binary, optionally
 * gzipped (read through zlib, which reads plain files as well).
 *
 * Read: $MeshFormat, $PhysicalNames, $Entities (surface entity -> its
 * first physical tag), $Nodes (entity blocks, parametric coordinates
 * skipped, tags possibly sparse) and $Elements (entity blocks by type);
 * other sections are skipped. Volume elements: first-order tetrahedra (4),
 * hexahedra (5), prisms (6) and pyramids (7), with Gmsh's node ordering,
 * become the cells in file order; points, lines and other lower-dimensional
 * elements are skipped; higher-order elements are refused by name.
 *
 * Faces: every cell face (listed counter-clockwise seen from outside, the
 * whole cell turned round if its node order makes it inside out) is keyed
 * by its sorted node indices; after sorting the keys, two equal keys are an
 * internal face (owner = the lower cell index, points as the owner lists
 * them, so the normal points from owner to neighbour), one key a boundary
 * face, more an error. Internal faces are ordered by owner then neighbour.
 * Boundary triangles and quadrangles give their face to the patch named by
 * their surface's physical group (or patch<tag> without a name: the
 * physical tag, or the entity tag when the surface has no physical group);
 * boundary faces that no such element covers go to the patch defaultFaces
 * with a warning, as OpenFOAM's gmshToFoam does. Patches are ordered by
 * physical tag (then surfaces without physical group by entity tag, then
 * defaultFaces), patches without faces are dropped, all have type patch
 * (the case's boundary section sets the physics).
 *
 * Every count is checked against what the rest of the file can hold before
 * anything is allocated from it; errors name the file and line (ascii) or
 * byte offset (binary). Each rank reads the file itself. */
#include <stdint.h>
#include <zlib.h>
#include "gale_mesh.h"

typedef struct {
  MPI_Comm  comm;
  char      path[GALE_PATH_LEN];
  char     *buf; /* whole file, NUL-terminated */
  size_t    len, pos, tokPos;
  PetscInt  line, tokLine;
  PetscBool binary; /* the file's format (binary files' messages give byte offsets) */
  PetscBool raw;    /* the section being read is binary ($PhysicalNames never is) */
  PetscBool swap;   /* binary data of the other endianness */
  int       dsize;  /* bytes of a size_t in binary sections */
  char      where[GALE_PATH_LEN + 64];
} Msh;

typedef struct {
  int         type, nNodes, dim;
  const char *name;
} ElemType;

/* Gmsh element types (Gmsh reference manual, "MSH file format"), the
 * first-order ones and the higher-order ones a user may meet. */
static const ElemType Types[] = {
    {15, 1, 0, "point"},
    {1, 2, 1, "2-node line"},
    {2, 3, 2, "3-node triangle"},
    {3, 4, 2, "4-node quadrangle"},
    {4, 4, 3, "4-node tetrahedron"},
    {5, 8, 3, "8-node hexahedron"},
    {6, 6, 3, "6-node prism"},
    {7, 5, 3, "5-node pyramid"},
    {8, 3, 1, "3-node second-order line"},
    {9, 6, 2, "6-node second-order triangle"},
    {10, 9, 2, "9-node second-order quadrangle"},
    {11, 10, 3, "10-node second-order tetrahedron"},
    {12, 27, 3, "27-node second-order hexahedron"},
    {13, 18, 3, "18-node second-order prism"},
    {14, 14, 3, "14-node second-order pyramid"},
    {16, 8, 2, "8-node second-order quadrangle"},
    {17, 20, 3, "20-node second-order hexahedron"},
    {18, 15, 3, "15-node second-order prism"},
    {19, 13, 3, "13-node second-order pyramid"},
    {20, 9, 2, "9-node third-order triangle"},
    {21, 10, 2, "10-node third-order triangle"},
    {26, 4, 1, "4-node third-order line"},
    {27, 5, 1, "5-node fourth-order line"},
    {28, 6, 1, "6-node fifth-order line"},
    {29, 20, 3, "20-node third-order tetrahedron"},
    {36, 16, 2, "16-node third-order quadrangle"},
    {92, 64, 3, "64-node third-order hexahedron"},
};

/* Faces of the volume types in Gmsh's node numbering, counter-clockwise
 * seen from outside; -1 ends a triangle. */
static const int TetFaces[4][4]   = {{0, 2, 1, -1}, {0, 1, 3, -1}, {1, 2, 3, -1}, {0, 3, 2, -1}};
static const int HexFaces[6][4]   = {{0, 3, 2, 1}, {4, 5, 6, 7}, {0, 1, 5, 4}, {1, 2, 6, 5}, {2, 3, 7, 6}, {0, 4, 7, 3}};
static const int PrismFaces[5][4] = {{0, 2, 1, -1}, {3, 4, 5, -1}, {0, 1, 4, 3}, {1, 2, 5, 4}, {0, 3, 5, 2}};
static const int PyrFaces[5][4]   = {{0, 3, 2, 1}, {0, 1, 4, -1}, {1, 2, 4, -1}, {2, 3, 4, -1}, {3, 0, 4, -1}};

static int CellFaces(int type, const int (**f)[4])
{
  switch (type) {
  case 4:
    *f = TetFaces;
    return 4;
  case 5:
    *f = HexFaces;
    return 6;
  case 6:
    *f = PrismFaces;
    return 5;
  default:
    *f = PyrFaces;
    return 5;
  }
}

static const char *Where(Msh *m)
{
  if (m->binary)
    snprintf(m->where, sizeof(m->where), "%s: byte offset %zu", m->path, m->tokPos);
  else
    snprintf(m->where, sizeof(m->where), "%s:%" PetscInt_FMT, m->path, m->tokLine);
  return m->where;
}

#define MshCheck(m, cond, fmt, ...) PetscCheck(cond, (m)->comm, GALE_ERR_USER, "%s: " fmt, Where(m), __VA_ARGS__)

static PetscErrorCode MshOpen(MPI_Comm comm, const char *path, Msh *m)
{
  gzFile g;
  size_t cap = 1 << 16;

  PetscFunctionBeginUser;
  m->comm = comm;
  m->line = m->tokLine = 1;
  PetscCall(PetscStrncpy(m->path, path, sizeof(m->path)));
  g = gzopen(path, "rb");
  PetscCheck(g, comm, GALE_ERR_USER, "%s: cannot open (expected a Gmsh .msh or .msh.gz file)", path);
  if (PetscMalloc1(cap, &m->buf)) {
    gzclose(g);
    SETERRQ(comm, PETSC_ERR_MEM, "%s: cannot allocate the read buffer", path);
  }
  for (;;) {
    int n;
    if (cap - m->len < (1 << 16) + 1) {
      PetscErrorCode ierr;
      cap *= 2;
      ierr = PetscRealloc(cap, &m->buf);
      if (ierr) gzclose(g);
      PetscCall(ierr);
    }
    n = gzread(g, m->buf + m->len, 1 << 16);
    if (n < 0) {
      int         zerr;
      const char *msg = gzerror(g, &zerr);
      char        text[256];
      PetscCall(PetscStrncpy(text, msg ? msg : "unknown error", sizeof(text)));
      gzclose(g);
      SETERRQ(comm, GALE_ERR_USER, "%s: read error after %zu bytes (%s); the file is truncated or corrupt", path, m->len, text);
    }
    if (n == 0) break;
    m->len += (size_t)n;
  }
  PetscCheck(gzclose(g) != Z_BUF_ERROR, comm, GALE_ERR_USER, "%s: compressed data ends early after %zu bytes (truncated file)", path, m->len);
  m->buf[m->len] = 0;
  PetscFunctionReturn(PETSC_SUCCESS);
}

static inline PetscBool IsSpace(char c)
{
  return (PetscBool)(c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v');
}

static void SkipSpace(Msh *m)
{
  while (m->pos < m->len && IsSpace(m->buf[m->pos]))
    if (m->buf[m->pos++] == '\n') m->line++;
  m->tokPos  = m->pos;
  m->tokLine = m->line;
}

/* The next whitespace-separated word (text, also in binary files' headers). */
static size_t Word(Msh *m, const char **w)
{
  SkipSpace(m);
  *w = m->buf + m->pos;
  while (m->pos < m->len && !IsSpace(m->buf[m->pos])) m->pos++;
  return (size_t)(m->buf + m->pos - *w);
}

static const char *Found(const char *w, size_t n, char *s, size_t cap)
{
  if (!n) return "end of file";
  snprintf(s, cap, "'%.*s%s'", (int)PetscMin(n, 24), w, n > 24 ? "..." : "");
  return s;
}

/* Is the rest of the file long enough for n items of `bytes` bytes each
 * (binary) or `words` numbers of at least 2 characters (ascii)? */
static PetscErrorCode CheckCount(Msh *m, uint64_t n, size_t bytes, size_t words, const char *what)
{
  const size_t rest = m->len - m->pos, per = m->raw ? bytes : 2 * words;

  PetscFunctionBeginUser;
  MshCheck(m, n <= rest / per && n <= (uint64_t)PETSC_MAX_INT / 8, "%s count %llu is more than the rest of the file can hold (expected at most %zu; truncated file?)", what, (unsigned long long)n, rest / per);
  PetscFunctionReturn(PETSC_SUCCESS);
}

static void Bytes(Msh *m, void *v, size_t n)
{
  unsigned char *d = (unsigned char *)v;
  memcpy(d, m->buf + m->pos, n);
  m->pos += n;
  if (m->swap)
    for (size_t i = 0; i < n / 2; i++) {
      unsigned char t = d[i];
      d[i]            = d[n - 1 - i];
      d[n - 1 - i]    = t;
    }
}

static PetscErrorCode BinaryBegin(Msh *m, size_t n, const char *what)
{
  PetscFunctionBeginUser;
  m->tokPos = m->pos;
  MshCheck(m, m->len - m->pos >= n, "file ends inside %s (expected %zu more bytes)", what, n);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Unsigned integer (size_t in binary). */
static PetscErrorCode ReadSize(Msh *m, uint64_t *v, const char *what)
{
  const char *w;
  size_t      n;
  char        s[40], *end;

  PetscFunctionBeginUser;
  if (m->raw) {
    PetscCall(BinaryBegin(m, (size_t)m->dsize, what));
    if (m->dsize == 8)
      Bytes(m, v, 8);
    else {
      uint32_t u;
      Bytes(m, &u, 4);
      *v = u;
    }
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  n = Word(m, &w);
  MshCheck(m, n > 0 && n < 21 && w[0] >= '0' && w[0] <= '9', "expected %s (a non-negative integer), found %s", what, Found(w, n, s, sizeof(s)));
  memcpy(s, w, n);
  s[n] = 0;
  *v   = strtoull(s, &end, 10);
  MshCheck(m, end == s + n && *v <= (uint64_t)INT64_MAX, "expected %s (a non-negative integer), found %s", what, Found(w, n, s, sizeof(s)));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ReadInt(Msh *m, int *v, const char *what)
{
  const char *w;
  size_t      n;
  char        s[40], *end;
  long        x;

  PetscFunctionBeginUser;
  if (m->raw) {
    int32_t i;
    PetscCall(BinaryBegin(m, 4, what));
    Bytes(m, &i, 4);
    *v = i;
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  n = Word(m, &w);
  MshCheck(m, n > 0 && n < 16, "expected %s (an integer), found %s", what, Found(w, n, s, sizeof(s)));
  memcpy(s, w, n);
  s[n] = 0;
  x    = strtol(s, &end, 10);
  MshCheck(m, end == s + n && x >= INT32_MIN && x <= INT32_MAX, "expected %s (an integer), found %s", what, Found(w, n, s, sizeof(s)));
  *v = (int)x;
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ReadReal(Msh *m, PetscReal *v, const char *what)
{
  const char *w;
  size_t      n;
  char        s[64], *end;

  PetscFunctionBeginUser;
  if (m->raw) {
    double d;
    PetscCall(BinaryBegin(m, 8, what));
    Bytes(m, &d, 8);
    *v = d;
  } else {
    n = Word(m, &w);
    MshCheck(m, n > 0 && n < sizeof(s), "expected %s (a number), found %s", what, Found(w, n, s, sizeof(s)));
    memcpy(s, w, n);
    s[n] = 0;
    *v   = strtod(s, &end);
    MshCheck(m, end == s + n, "expected %s (a number), found %s", what, Found(w, n, s, sizeof(s)));
  }
  MshCheck(m, !PetscIsInfOrNanReal(*v), "%s is not a finite number", what);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* After a section header in a binary file the data starts past the newline. */
static void EndLine(Msh *m)
{
  while (m->pos < m->len && m->buf[m->pos] != '\n') m->pos++;
  if (m->pos < m->len) m->pos++, m->line++;
}

static PetscErrorCode ExpectEnd(Msh *m, const char *section)
{
  const char *w;
  size_t      n;
  char        s[40];

  PetscFunctionBeginUser;
  n = Word(m, &w);
  MshCheck(m, n == strlen(section) + 4 && !strncmp(w, "$End", 4) && !strncmp(w + 4, section, n - 4), "expected '$End%s', found %s (section longer than its counts say?)", section, Found(w, n, s, sizeof(s)));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Skip an unknown section to its $EndName line. */
static PetscErrorCode SkipSection(Msh *m, const char *w, size_t n)
{
  char   end[80], s[40];
  size_t k;

  PetscFunctionBeginUser;
  MshCheck(m, n > 1 && n < 64, "expected a section ('$Name'), found %s", Found(w, n, s, sizeof(s)));
  snprintf(end, sizeof(end), "\n$End%.*s", (int)n - 1, w + 1);
  k = strlen(end);
  if (m->pos > 0 && m->buf[m->pos - 1] == '\n') m->pos--, m->line--; /* binary: EndLine took it */
  for (; m->pos + k <= m->len; m->pos++) {
    if (m->buf[m->pos] == '\n') {
      if (!strncmp(m->buf + m->pos, end, k)) break;
      m->line++;
    }
  }
  MshCheck(m, m->pos + k <= m->len, "section %.*s is not closed (expected '%s' before the end of the file)", (int)n, w, end + 1);
  m->pos += k;
  m->line++;
  PetscFunctionReturn(PETSC_SUCCESS);
}

typedef struct {
  PetscInt k[4]; /* sorted node indices; a triangle's fourth is PETSC_MAX_INT */
  PetscInt cell; /* cell (cell faces) or boundary element */
  int      local;
} FaceKey;

typedef struct {
  uint64_t tag;
  PetscInt idx;
} NodeKey;

static int CompareNode(const void *a, const void *b)
{
  const uint64_t x = ((const NodeKey *)a)->tag, y = ((const NodeKey *)b)->tag;
  return (x > y) - (x < y);
}

/* Everything read so far; freed in one place whatever happens. */
typedef struct {
  Msh      m;
  PetscInt nNames, nSurf, nNodes, nCells, nBnd, capCells, capCellNodes, capBnd, capBndNodes;
  int     *nameDim, *nameTag;
  int     *surf; /* surface entity tag and its first physical tag (0: none), pairs sorted by tag */
  char (*names)[GALE_NAME_LEN];
  uint64_t  *tags;   /* node tags, file order */
  NodeKey   *sorted; /* node tags and indices, sorted by tag */
  PetscReal *x;
  int       *cellType;
  PetscInt  *cellNodes; /* 8 per cell, node indices */
  PetscInt  *bndNodes;  /* 4 per boundary element, -1 after a triangle's 3 */
  int       *bndEnt;    /* surface entity of each boundary element */
  PetscBool  haveNodes, haveElems, haveEntities, haveNames;
} GmshData;

static PetscErrorCode ReadFormat(Msh *m)
{
  const char *w;
  size_t      n;
  char        s[40];
  int         type, one;

  PetscFunctionBeginUser;
  n = Word(m, &w);
  MshCheck(m, n == 3 && !strncmp(w, "4.1", 3), "MSH format version %s is not supported (expected 4.1: in Gmsh set Mesh.MshFileVersion = 4.1, or save with -format msh41)", Found(w, n, s, sizeof(s)));
  PetscCall(ReadInt(m, &type, "file type"));
  MshCheck(m, type == 0 || type == 1, "file type %d (expected 0 for ascii or 1 for binary)", type);
  PetscCall(ReadInt(m, &m->dsize, "data size"));
  MshCheck(m, m->dsize == 8 || (type == 1 && m->dsize == 4), "data size %d (expected 8, the size of size_t)", m->dsize);
  if (type == 1) {
    EndLine(m);
    m->binary = m->raw = PETSC_TRUE;
    PetscCall(ReadInt(m, &one, "the binary check integer 1"));
    MshCheck(m, one == 1 || one == 0x01000000, "the binary check integer is %d (expected 1)", one);
    m->swap = (PetscBool)(one != 1);
    m->raw  = PETSC_FALSE;
  }
  PetscCall(ExpectEnd(m, "MeshFormat"));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Always text: NUMBER, then lines of dim tag "name". */
static PetscErrorCode ReadPhysicalNames(GmshData *d)
{
  Msh     *m = &d->m;
  uint64_t n;
  char     s[40];

  PetscFunctionBeginUser;
  MshCheck(m, !d->haveNames, "second $PhysicalNames section (expected one)%s", "");
  d->haveNames = PETSC_TRUE;
  m->raw       = PETSC_FALSE;
  PetscCall(ReadSize(m, &n, "number of physical names"));
  PetscCall(CheckCount(m, n, 6, 3, "physical name"));
  PetscCall(PetscMalloc3(n + 1, &d->nameDim, n + 1, &d->nameTag, n + 1, &d->names));
  for (d->nNames = 0; d->nNames < (PetscInt)n; d->nNames++) {
    size_t k = 0;
    PetscCall(ReadInt(m, &d->nameDim[d->nNames], "physical dimension"));
    PetscCall(ReadInt(m, &d->nameTag[d->nNames], "physical tag"));
    SkipSpace(m);
    MshCheck(m, m->buf[m->pos] == '"', "expected a quoted physical name, found %s", Found(m->buf + m->pos, m->pos < m->len, s, sizeof(s)));
    for (m->pos++; m->pos < m->len && m->buf[m->pos] != '"' && m->buf[m->pos] != '\n'; m->pos++) {
      MshCheck(m, k < GALE_NAME_LEN - 1, "physical name is too long (at most %d characters)", GALE_NAME_LEN - 1);
      d->names[d->nNames][k++] = m->buf[m->pos];
    }
    MshCheck(m, m->buf[m->pos] == '"', "physical name not closed by '\"' on its line%s", "");
    m->pos++;
    d->names[d->nNames][k] = 0;
    MshCheck(m, k > 0, "empty physical name%s", "");
  }
  m->raw = m->binary;
  PetscCall(ExpectEnd(m, "PhysicalNames"));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static int CompareSurf(const void *a, const void *b)
{
  const int *x = (const int *)a, *y = (const int *)b;
  return (x[0] > y[0]) - (x[0] < y[0]);
}

/* Points, curves, surfaces, volumes; keeps each surface's first physical tag. */
static PetscErrorCode ReadEntities(GmshData *d)
{
  Msh     *m = &d->m;
  uint64_t count[4];

  PetscFunctionBeginUser;
  MshCheck(m, !d->haveEntities, "second $Entities section (expected one)%s", "");
  d->haveEntities = PETSC_TRUE;
  for (int k = 0; k < 4; k++) PetscCall(ReadSize(m, &count[k], "number of entities"));
  for (int k = 0; k < 4; k++) PetscCall(CheckCount(m, count[k], 4 + 24 + (size_t)m->dsize, 5, "entity"));
  PetscCall(PetscMalloc1(2 * count[2] + 2, &d->surf));
  for (int dim = 0; dim < 4; dim++) {
    for (uint64_t e = 0; e < count[dim]; e++) {
      int       tag, phys = 0, t;
      uint64_t  np, nb;
      PetscReal x;
      PetscCall(ReadInt(m, &tag, "entity tag"));
      for (int k = 0; k < (dim ? 6 : 3); k++) PetscCall(ReadReal(m, &x, "entity bounding box coordinate"));
      PetscCall(ReadSize(m, &np, "number of physical tags"));
      PetscCall(CheckCount(m, np, 4, 1, "physical tag"));
      for (uint64_t k = 0; k < np; k++) {
        PetscCall(ReadInt(m, &t, "physical tag"));
        if (!k) phys = t;
      }
      if (dim == 2) d->surf[2 * e] = tag, d->surf[2 * e + 1] = phys;
      if (!dim) continue;
      PetscCall(ReadSize(m, &nb, "number of bounding entities"));
      PetscCall(CheckCount(m, nb, 4, 1, "bounding entity"));
      for (uint64_t k = 0; k < nb; k++) PetscCall(ReadInt(m, &t, "bounding entity tag"));
    }
  }
  d->nSurf = (PetscInt)count[2];
  qsort(d->surf, (size_t)d->nSurf, 2 * sizeof(int), CompareSurf);
  PetscCall(ExpectEnd(m, "Entities"));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ReadNodes(GmshData *d)
{
  Msh     *m = &d->m;
  uint64_t nBlocks, nNodes, minTag, maxTag;
  PetscInt n = 0;

  PetscFunctionBeginUser;
  MshCheck(m, !d->haveNodes, "second $Nodes section (expected one)%s", "");
  d->haveNodes = PETSC_TRUE;
  PetscCall(ReadSize(m, &nBlocks, "number of node blocks"));
  PetscCall(ReadSize(m, &nNodes, "number of nodes"));
  PetscCall(ReadSize(m, &minTag, "smallest node tag"));
  PetscCall(ReadSize(m, &maxTag, "largest node tag"));
  PetscCall(CheckCount(m, nNodes, 24 + (size_t)m->dsize, 4, "node"));
  PetscCall(CheckCount(m, nBlocks, 12 + (size_t)m->dsize, 4, "node block"));
  PetscCall(PetscMalloc3(nNodes + 1, &d->tags, nNodes + 1, &d->sorted, 3 * nNodes + 1, &d->x));
  for (uint64_t b = 0; b < nBlocks; b++) {
    int      dim, ent, param;
    uint64_t nb;
    PetscCall(ReadInt(m, &dim, "node block entity dimension"));
    MshCheck(m, dim >= 0 && dim <= 3, "node block entity dimension %d (expected 0 to 3)", dim);
    PetscCall(ReadInt(m, &ent, "node block entity tag"));
    PetscCall(ReadInt(m, &param, "node block parametric flag"));
    MshCheck(m, param == 0 || param == 1, "parametric flag %d (expected 0 or 1)", param);
    PetscCall(ReadSize(m, &nb, "number of nodes in the block"));
    MshCheck(m, nb <= nNodes - (uint64_t)n, "node block of %llu nodes, more than the %llu nodes the section header announces", (unsigned long long)nb, (unsigned long long)nNodes);
    for (uint64_t i = 0; i < nb; i++) {
      uint64_t t;
      PetscCall(ReadSize(m, &t, "node tag"));
      MshCheck(m, t >= 1 && t >= minTag && t <= maxTag, "node tag %llu out of range (expected %llu to %llu, from the section header)", (unsigned long long)t, (unsigned long long)PetscMax(minTag, 1), (unsigned long long)maxTag);
      d->tags[n + (PetscInt)i] = t;
    }
    for (uint64_t i = 0; i < nb; i++) {
      PetscReal *x = d->x + 3 * (n + (PetscInt)i), u;
      PetscCall(ReadReal(m, &x[0], "node x coordinate"));
      PetscCall(ReadReal(m, &x[1], "node y coordinate"));
      PetscCall(ReadReal(m, &x[2], "node z coordinate"));
      for (int k = 0; k < (param ? dim : 0); k++) PetscCall(ReadReal(m, &u, "node parametric coordinate"));
    }
    n += (PetscInt)nb;
  }
  MshCheck(m, (uint64_t)n == nNodes, "the node blocks hold %" PetscInt_FMT " nodes, but the section header announces %llu", n, (unsigned long long)nNodes);
  d->nNodes = n;
  PetscCall(ExpectEnd(m, "Nodes"));
  for (PetscInt i = 0; i < n; i++) d->sorted[i].tag = d->tags[i], d->sorted[i].idx = i;
  qsort(d->sorted, (size_t)n, sizeof(NodeKey), CompareNode);
  for (PetscInt i = 1; i < n; i++) MshCheck(m, d->sorted[i].tag != d->sorted[i - 1].tag, "node tag %llu appears twice (expected unique tags)", (unsigned long long)d->sorted[i].tag);
  PetscFunctionReturn(PETSC_SUCCESS);
}

static const ElemType *FindType(int type)
{
  for (size_t i = 0; i < sizeof(Types) / sizeof(Types[0]); i++)
    if (Types[i].type == type) return &Types[i];
  return NULL;
}

/* Capacity growth in 64-bit arithmetic (as in polymesh.c). */
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

/* One element's tag and node tags -> node indices in idx[0..nn). */
static PetscErrorCode ReadElement(GmshData *d, int nn, PetscInt idx[])
{
  Msh     *m = &d->m;
  uint64_t tag, t;

  PetscFunctionBeginUser;
  PetscCall(ReadSize(m, &tag, "element tag"));
  for (int k = 0; k < nn; k++) {
    NodeKey key, *f;
    PetscCall(ReadSize(m, &t, "element node tag"));
    key.tag = t;
    f       = d->nNodes ? (NodeKey *)bsearch(&key, d->sorted, (size_t)d->nNodes, sizeof(NodeKey), CompareNode) : NULL;
    MshCheck(m, f, "element %llu uses node %llu, which is not in $Nodes", (unsigned long long)tag, (unsigned long long)t);
    idx[k] = f->idx;
    for (int j = 0; j < k; j++) MshCheck(m, idx[j] != idx[k], "element %llu lists node %llu twice (degenerate element)", (unsigned long long)tag, (unsigned long long)t);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ReadElements(GmshData *d)
{
  Msh     *m = &d->m;
  uint64_t nBlocks, nElems, minTag, maxTag, total = 0;

  PetscFunctionBeginUser;
  MshCheck(m, !d->haveElems, "second $Elements section (expected one)%s", "");
  MshCheck(m, d->haveNodes, "$Elements before $Nodes (expected the nodes first)%s", "");
  d->haveElems = PETSC_TRUE;
  PetscCall(ReadSize(m, &nBlocks, "number of element blocks"));
  PetscCall(ReadSize(m, &nElems, "number of elements"));
  PetscCall(ReadSize(m, &minTag, "smallest element tag"));
  PetscCall(ReadSize(m, &maxTag, "largest element tag"));
  PetscCall(CheckCount(m, nElems, 2 * (size_t)m->dsize, 2, "element"));
  PetscCall(CheckCount(m, nBlocks, 12 + (size_t)m->dsize, 4, "element block"));
  for (uint64_t b = 0; b < nBlocks; b++) {
    int             dim, ent, type;
    uint64_t        nb;
    const ElemType *et;
    PetscCall(ReadInt(m, &dim, "element block entity dimension"));
    PetscCall(ReadInt(m, &ent, "element block entity tag"));
    PetscCall(ReadInt(m, &type, "element type"));
    et = FindType(type);
    MshCheck(m, et, "unknown element type %d (expected 4 tetrahedron, 5 hexahedron, 6 prism, 7 pyramid, 2 triangle, 3 quadrangle, or points and lines)", type);
    MshCheck(m, et->dim == dim, "element block of %s elements (type %d) on an entity of dimension %d (expected %d)", et->name, type, dim, et->dim);
    MshCheck(m, dim < 2 || (type >= 2 && type <= 7), "%s elements (type %d) are not supported: Gale reads first-order meshes (expected tetrahedra, hexahedra, prisms, pyramids, triangles, quadrangles; set Mesh.ElementOrder = 1 in Gmsh)", et->name,
             type);
    PetscCall(ReadSize(m, &nb, "number of elements in the block"));
    MshCheck(m, nb <= nElems - total, "element block of %llu elements, more than the %llu elements the section header announces", (unsigned long long)nb, (unsigned long long)nElems);
    PetscCall(CheckCount(m, nb, (size_t)(1 + et->nNodes) * (size_t)m->dsize, (size_t)(1 + et->nNodes), "element"));
    total += nb;
    if (dim == 3) {
      PetscCall(Grow(d->nCells + (PetscInt)nb, &d->capCells, sizeof(int), (void **)&d->cellType));
      PetscCall(Grow(8 * (d->nCells + (PetscInt)nb), &d->capCellNodes, sizeof(PetscInt), (void **)&d->cellNodes));
      for (uint64_t e = 0; e < nb; e++, d->nCells++) {
        d->cellType[d->nCells] = type;
        PetscCall(ReadElement(d, et->nNodes, d->cellNodes + 8 * d->nCells));
      }
    } else if (dim == 2) {
      PetscCall(Grow(d->nBnd + (PetscInt)nb, &d->capBnd, sizeof(int), (void **)&d->bndEnt));
      PetscCall(Grow(4 * (d->nBnd + (PetscInt)nb), &d->capBndNodes, sizeof(PetscInt), (void **)&d->bndNodes));
      for (uint64_t e = 0; e < nb; e++, d->nBnd++) {
        d->bndEnt[d->nBnd]           = ent;
        d->bndNodes[4 * d->nBnd + 3] = -1;
        PetscCall(ReadElement(d, et->nNodes, d->bndNodes + 4 * d->nBnd));
      }
    } else if (m->raw)
      m->pos += (size_t)nb * (size_t)(1 + et->nNodes) * (size_t)m->dsize; /* CheckCount made sure it is there */
    else {
      uint64_t t;
      for (uint64_t e = 0; e < nb * (uint64_t)(1 + et->nNodes); e++) PetscCall(ReadSize(m, &t, "element or node tag"));
    }
  }
  MshCheck(m, total == nElems, "the element blocks hold %llu elements, but the section header announces %llu", (unsigned long long)total, (unsigned long long)nElems);
  PetscCall(ExpectEnd(m, "Elements"));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static int CompareKey(const void *a, const void *b)
{
  const PetscInt *x = ((const FaceKey *)a)->k, *y = ((const FaceKey *)b)->k;
  for (int i = 0; i < 4; i++)
    if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
  return 0;
}

static void MakeKey(const PetscInt *v, int n, FaceKey *f)
{
  for (int i = 0; i < 4; i++) f->k[i] = i < n ? v[i] : PETSC_MAX_INT;
  for (int i = 1; i < n; i++) /* insertion sort of 3 or 4 */
    for (int j = i; j > 0 && f->k[j - 1] > f->k[j]; j--) {
      const PetscInt t = f->k[j];
      f->k[j]          = f->k[j - 1];
      f->k[j - 1]      = t;
    }
}

/* Points of face `local` of cell c, outward (reversed for an inside-out cell). */
static int FacePoints(const GmshData *d, const PetscBool *flip, PetscInt c, int local, PetscInt v[4])
{
  const int(*tab)[4];
  int n;

  (void)CellFaces(d->cellType[c], &tab);
  n = tab[local][3] < 0 ? 3 : 4;
  for (int i = 0; i < n; i++) v[i] = d->cellNodes[8 * c + tab[local][flip && flip[c] ? n - 1 - i : i]];
  return n;
}

/* Six times the signed volume of cell c from its faces as listed (divergence theorem). */
static PetscReal SignedVolume6(const GmshData *d, PetscInt c)
{
  const int(*tab)[4];
  const int        nf = CellFaces(d->cellType[c], &tab);
  const PetscReal *o  = d->x + 3 * d->cellNodes[8 * c];
  PetscReal        v  = 0;

  for (int l = 0; l < nf; l++) {
    PetscInt  p[4];
    const int n = FacePoints(d, NULL, c, l, p);
    for (int t = 1; t + 1 < n; t++) {
      const PetscReal *a = d->x + 3 * p[0], *b = d->x + 3 * p[t], *e = d->x + 3 * p[t + 1];
      PetscReal        A[3], B[3], E[3];
      for (int k = 0; k < 3; k++) A[k] = a[k] - o[k], B[k] = b[k] - o[k], E[k] = e[k] - o[k];
      v += A[0] * (B[1] * E[2] - B[2] * E[1]) + A[1] * (B[2] * E[0] - B[0] * E[2]) + A[2] * (B[0] * E[1] - B[1] * E[0]);
    }
  }
  return v;
}

typedef struct {
  PetscInt a, b, cell; /* internal: owner, neighbour; boundary: patch, owner */
  int      local;
} FaceRef;

static int CompareRef(const void *x, const void *y)
{
  const FaceRef *p = (const FaceRef *)x, *q = (const FaceRef *)y;
  if (p->a != q->a) return p->a < q->a ? -1 : 1;
  if (p->b != q->b) return p->b < q->b ? -1 : 1;
  return (p->local > q->local) - (p->local < q->local);
}

typedef struct {
  int64_t  key;
  PetscInt patch;
} PatchKey;

typedef struct {
  FaceKey   *cf, *bf;
  FaceRef   *in, *bd;
  PetscBool *flip;
  PetscInt  *bndPatch, *newPoint, *psize;
  char (*pname)[GALE_NAME_LEN];
  void    *pkey;             /* PatchKey */
  PetscInt nIn, nBd, nPatch; /* internal and boundary faces, patches (with defaultFaces) */
} BuildWork;

/* Keys differ between patches (a physical tag names one patch). */
static int ComparePatch(const void *a, const void *b)
{
  const int64_t x = ((const PatchKey *)a)->key, y = ((const PatchKey *)b)->key;
  return (x > y) - (x < y);
}

/* Patch of each boundary element, by its surface's physical group; patches
 * ordered by physical tag, then those of surfaces without one by entity tag. */
static PetscErrorCode PatchNames(GmshData *d, BuildWork *w, PetscInt *nPatch)
{
  PetscInt  cap = 0, capK = 0, lastEnt = 0, last = -1, *rank = NULL, *bndPatch = w->bndPatch;
  PatchKey *key                = NULL;
  char(*sorted)[GALE_NAME_LEN] = NULL, (**pname)[GALE_NAME_LEN] = &w->pname;

  PetscFunctionBeginUser;
  *nPatch = 0;
  for (PetscInt e = 0; e < d->nBnd; e++) {
    char     name[GALE_NAME_LEN];
    int      phys = 0;
    PetscInt p;
    int64_t  k;
    if (last >= 0 && d->bndEnt[e] == lastEnt) {
      bndPatch[e] = last;
      continue;
    }
    {
      const int *s = d->nSurf ? (const int *)bsearch(&d->bndEnt[e], d->surf, (size_t)d->nSurf, 2 * sizeof(int), CompareSurf) : NULL;
      if (s) phys = s[1];
    }
    snprintf(name, sizeof(name), "patch%d", phys ? phys : d->bndEnt[e]);
    for (PetscInt i = 0; phys && i < d->nNames; i++)
      if (d->nameDim[i] == 2 && d->nameTag[i] == phys) {
        PetscCall(PetscStrncpy(name, d->names[i], sizeof(name)));
        break;
      }
    /* sort key: physical tag, or after all of them the entity tag */
    k = phys ? phys : ((int64_t)1 << 40) + d->bndEnt[e];
    for (p = 0; p < *nPatch && strcmp((*pname)[p], name); p++) {}
    if (p == *nPatch) {
      PetscCall(Grow(p + 2, &cap, sizeof(**pname), (void **)pname)); /* + 1 for defaultFaces */
      PetscCall(Grow(p + 1, &capK, sizeof(PatchKey), &w->pkey));
      key = (PatchKey *)w->pkey;
      PetscCall(PetscStrncpy((*pname)[p], name, sizeof(name)));
      key[p].key   = k;
      key[p].patch = p;
      (*nPatch)++;
    }
    key[p].key  = PetscMin(key[p].key, k);
    bndPatch[e] = last = p;
    lastEnt            = d->bndEnt[e];
  }
  PetscCall(PetscMalloc2(*nPatch + 1, &rank, PetscMax(cap, 1), &sorted));
  if (*nPatch) qsort(key, (size_t)*nPatch, sizeof(PatchKey), ComparePatch);
  for (PetscInt p = 0; p < *nPatch; p++) {
    rank[key[p].patch] = p;
    PetscCall(PetscStrncpy(sorted[p], (*pname)[key[p].patch], sizeof(sorted[p])));
  }
  for (PetscInt e = 0; e < d->nBnd; e++) bndPatch[e] = rank[bndPatch[e]];
  PetscCall(PetscFree(*pname));
  PetscCall(PetscMalloc1(*nPatch + 1, pname));
  PetscCall(PetscArraycpy(*pname, sorted, *nPatch));
  PetscCall(PetscFree2(rank, sorted));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Pair the cell faces by their sorted node keys (2: internal, owner the
 * lower cell; 1: boundary) and give boundary faces the patch of the surface
 * element on them, or defaultFaces. */
static PetscErrorCode PairFaces(GmshData *d, BuildWork *w)
{
  Msh     *m  = &d->m;
  PetscInt nF = 0, nIn = 0, nBd = 0, nPatch, nOrphan = 0, nDefault = 0, def, j = 0;

  PetscFunctionBeginUser;
  PetscCheck(d->nCells || !d->nBnd, m->comm, GALE_ERR_USER,
             "%s: a 2D mesh (%" PetscInt_FMT " triangles and quadrangles, no volume elements): Gale needs a 3D mesh (expected tetrahedra, hexahedra, prisms or pyramids; for a 2D case extrude the surface mesh one cell thick, e.g. Extrude {0, 0, h} { "
             "Surface{...}; Layers{1}; Recombine; } in Gmsh)",
             m->path, d->nBnd);
  PetscCheck(d->nCells, m->comm, GALE_ERR_USER, "%s: no volume elements (expected tetrahedra, hexahedra, prisms or pyramids in $Elements)", m->path);
  PetscCall(PetscCalloc1(d->nCells, &w->flip));
  for (PetscInt c = 0; c < d->nCells; c++) {
    const int(*tab)[4];
    w->flip[c] = (PetscBool)(SignedVolume6(d, c) < 0);
    nF += CellFaces(d->cellType[c], &tab);
  }
  PetscCall(PetscMalloc4(nF, &w->cf, d->nBnd + 1, &w->bf, nF / 2 + 1, &w->in, nF, &w->bd));
  for (PetscInt c = 0, f = 0; c < d->nCells; c++) {
    const int(*tab)[4];
    const int nf = CellFaces(d->cellType[c], &tab);
    for (int l = 0; l < nf; l++, f++) {
      PetscInt  v[4];
      const int n = FacePoints(d, NULL, c, l, v);
      MakeKey(v, n, &w->cf[f]);
      w->cf[f].cell  = c;
      w->cf[f].local = l;
    }
  }
  PetscCall(PetscMalloc1(d->nBnd + 1, &w->bndPatch));
  PetscCall(PatchNames(d, w, &nPatch));
  for (PetscInt e = 0; e < d->nBnd; e++) {
    MakeKey(d->bndNodes + 4 * e, d->bndNodes[4 * e + 3] < 0 ? 3 : 4, &w->bf[e]);
    w->bf[e].cell = e;
  }
  qsort(w->cf, (size_t)nF, sizeof(FaceKey), CompareKey);
  qsort(w->bf, (size_t)d->nBnd, sizeof(FaceKey), CompareKey);
  for (def = 0; def < nPatch && strcmp(w->pname[def], "defaultFaces"); def++) {}
  for (PetscInt i = 0; i < nF;) {
    PetscInt k = i + 1, patch = -1;
    while (k < nF && !CompareKey(&w->cf[i], &w->cf[k])) k++;
    PetscCheck(k - i <= 2, m->comm, GALE_ERR_USER, "%s: a face (nodes of tags %llu %llu %llu ...) is shared by %" PetscInt_FMT " volume elements (expected at most 2: overlapping elements?)", m->path, (unsigned long long)d->tags[w->cf[i].k[0]],
               (unsigned long long)d->tags[w->cf[i].k[1]], (unsigned long long)d->tags[w->cf[i].k[2]], k - i);
    for (; j < d->nBnd && CompareKey(&w->bf[j], &w->cf[i]) < 0; j++) nOrphan++;
    for (; j < d->nBnd && !CompareKey(&w->bf[j], &w->cf[i]); j++) {
      if (k - i == 2)
        nOrphan++;
      else if (patch < 0)
        patch = w->bndPatch[w->bf[j].cell];
    }
    if (k - i == 2) {
      const FaceKey *p = &w->cf[i], *q = &w->cf[i + 1];
      PetscCheck(p->cell != q->cell, m->comm, GALE_ERR_USER, "%s: volume element %" PetscInt_FMT " (in file order) has two identical faces (degenerate element)", m->path, p->cell);
      if (q->cell < p->cell) p = q, q = &w->cf[i];
      w->in[nIn].a = p->cell, w->in[nIn].b = q->cell, w->in[nIn].cell = p->cell, w->in[nIn].local = p->local;
      nIn++;
    } else {
      if (patch < 0) patch = def, nDefault++;
      w->bd[nBd].a = patch, w->bd[nBd].b = w->cf[i].cell, w->bd[nBd].cell = w->cf[i].cell, w->bd[nBd].local = w->cf[i].local;
      nBd++;
    }
    i = k;
  }
  nOrphan += d->nBnd - j;
  if (def == nPatch && nDefault) PetscCall(PetscStrncpy(w->pname[nPatch++], "defaultFaces", sizeof(w->pname[0])));
  if (nDefault) PetscCall(PetscPrintf(m->comm, "Warning: %s: %" PetscInt_FMT " boundary faces of the volume mesh are in no physical surface; they form the patch 'defaultFaces'\n", m->path, nDefault));
  if (nOrphan) PetscCall(PetscPrintf(m->comm, "Warning: %s: %" PetscInt_FMT " surface elements lie on no boundary face of the volume mesh (ignored)\n", m->path, nOrphan));
  qsort(w->in, (size_t)nIn, sizeof(FaceRef), CompareRef);
  qsort(w->bd, (size_t)nBd, sizeof(FaceRef), CompareRef);
  w->nIn = nIn, w->nBd = nBd, w->nPatch = nPatch;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The mesh from the paired faces: points used by cells (in file order),
 * internal faces, then the patches that have faces. */
static PetscErrorCode FillMesh(GmshData *d, BuildWork *w, GaleMesh *mesh)
{
  const PetscInt nIn = w->nIn, nBd = w->nBd, nPatch = w->nPatch;
  PetscInt       nPts = 0, nFP = 0, np = 0;
  GaleMesh       g;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2(d->nNodes + 1, &w->newPoint, nPatch + 1, &w->psize));
  for (PetscInt i = 0; i < d->nNodes; i++) w->newPoint[i] = -1;
  for (PetscInt c = 0; c < d->nCells; c++)
    for (int k = 0; k < FindType(d->cellType[c])->nNodes; k++) w->newPoint[d->cellNodes[8 * c + k]] = 0;
  for (PetscInt i = 0; i < d->nNodes; i++)
    if (!w->newPoint[i]) w->newPoint[i] = nPts++;
  for (PetscInt p = 0; p < nPatch; p++) w->psize[p] = 0;
  for (PetscInt f = 0; f < nBd; f++) w->psize[w->bd[f].a]++;
  for (PetscInt f = 0; f < nIn; f++) nFP += FacePoints(d, NULL, w->in[f].cell, w->in[f].local, (PetscInt[4]){0});
  for (PetscInt f = 0; f < nBd; f++) nFP += FacePoints(d, NULL, w->bd[f].cell, w->bd[f].local, (PetscInt[4]){0});
  for (PetscInt p = 0; p < nPatch; p++) np += w->psize[p] > 0;

  PetscCall(GaleMeshCreate(d->m.comm, &g));
  *mesh = g;
  PetscCall(GaleMeshAllocate(g, nPts, nIn + nBd, nIn, nFP, d->nCells, np));
  for (PetscInt i = 0; i < d->nNodes; i++)
    if (w->newPoint[i] >= 0)
      for (int k = 0; k < 3; k++) g->points[3 * w->newPoint[i] + k] = d->x[3 * i + k];
  for (PetscInt f = 0; f < nIn + nBd; f++) {
    const FaceRef *r = f < nIn ? &w->in[f] : &w->bd[f - nIn];
    PetscInt       v[4];
    const int      n = FacePoints(d, w->flip, r->cell, r->local, v);
    for (int k = 0; k < n; k++) g->facePoints[g->faceOffsets[f] + k] = w->newPoint[v[k]];
    g->faceOffsets[f + 1] = g->faceOffsets[f] + n;
    g->owner[f]           = r->cell;
    if (f < nIn) g->neighbour[f] = r->b;
  }
  for (PetscInt p = 0, q = 0, start = nIn; p < nPatch; p++) {
    if (!w->psize[p]) continue;
    PetscCall(PetscStrncpy(g->patches[q].name, w->pname[p], sizeof(g->patches[q].name)));
    PetscCall(PetscStrncpy(g->patches[q].type, "patch", sizeof(g->patches[q].type)));
    g->patches[q].start = start;
    g->patches[q].size  = w->psize[p];
    start += w->psize[p];
    q++;
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ReadAll(GmshData *d)
{
  Msh        *m = &d->m;
  const char *w;
  size_t      n;
  char        s[40];

  PetscFunctionBeginUser;
  n = Word(m, &w);
  MshCheck(m, n == 11 && !strncmp(w, "$MeshFormat", 11), "expected '$MeshFormat' (a Gmsh .msh file begins with it), found %s", Found(w, n, s, sizeof(s)));
  PetscCall(ReadFormat(m));
  for (;;) {
    n = Word(m, &w);
    if (!n) break;
    MshCheck(m, w[0] == '$', "expected a section ('$Name') or the end of the file, found %s", Found(w, n, s, sizeof(s)));
    if (m->binary) EndLine(m);
    if (n == 14 && !strncmp(w, "$PhysicalNames", n))
      PetscCall(ReadPhysicalNames(d));
    else if (n == 9 && !strncmp(w, "$Entities", n))
      PetscCall(ReadEntities(d));
    else if (n == 6 && !strncmp(w, "$Nodes", n))
      PetscCall(ReadNodes(d));
    else if (n == 9 && !strncmp(w, "$Elements", n))
      PetscCall(ReadElements(d));
    else if (n == 11 && !strncmp(w, "$MeshFormat", n))
      MshCheck(m, 0, "second $MeshFormat section%s", "");
    else
      PetscCall(SkipSection(m, w, n));
  }
  PetscCheck(d->haveNodes && d->haveElems, m->comm, GALE_ERR_USER, "%s: no %s section (expected $MeshFormat, $Nodes and $Elements)", m->path, d->haveNodes ? "$Elements" : "$Nodes");
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleMeshReadGmsh(MPI_Comm comm, const char *path, GaleMesh *mesh)
{
  GmshData       d;
  BuildWork      w;
  GaleMesh       g = NULL;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCheck(path && mesh, comm, PETSC_ERR_ARG_NULL, "GaleMeshReadGmsh: NULL path or mesh argument");
  *mesh = NULL;
  PetscCall(PetscMemzero(&d, sizeof(d)));
  PetscCall(PetscMemzero(&w, sizeof(w)));
  ierr = MshOpen(comm, path, &d.m);
  if (!ierr) ierr = ReadAll(&d);
  if (!ierr) {
    PetscCall(PetscFree(d.m.buf));
    ierr = PairFaces(&d, &w);
    if (!ierr) ierr = FillMesh(&d, &w, &g);
  }
  PetscCall(PetscFree(d.m.buf));
  PetscCall(PetscFree3(d.nameDim, d.nameTag, d.names));
  PetscCall(PetscFree(d.surf));
  PetscCall(PetscFree3(d.tags, d.sorted, d.x));
  PetscCall(PetscFree(d.cellType));
  PetscCall(PetscFree(d.cellNodes));
  PetscCall(PetscFree(d.bndNodes));
  PetscCall(PetscFree(d.bndEnt));
  PetscCall(PetscFree(w.flip));
  PetscCall(PetscFree4(w.cf, w.bf, w.in, w.bd));
  PetscCall(PetscFree(w.bndPatch));
  PetscCall(PetscFree2(w.newPoint, w.psize));
  PetscCall(PetscFree(w.pname));
  PetscCall(PetscFree(w.pkey));
  if (ierr) PetscCall(GaleMeshDestroy(&g));
  PetscCall(ierr);
  PetscCall(GaleMeshComputeGeometry(g));
  PetscCall(GaleMeshSetSerialNumbering(g));
  *mesh = g;
  PetscFunctionReturn(PETSC_SUCCESS);
}
