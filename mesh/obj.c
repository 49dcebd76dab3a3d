/* Wavefront OBJ reader filling a GaleSoup (geometry_impl.h).
 *
 * Read: `v x y z [...]` (further numbers, w or colours, ignored), `f` with
 * three or more vertex references `i`, `i/t`, `i//n` or `i/t/n` (1-based;
 * negative = relative to the vertices read so far), split into triangles
 * as a fan (0,k,k+1) about the first vertex; `g NAME` and `o NAME` start
 * region NAME (the first name after the keyword; repeated names continue
 * the same region; faces before any g/o, or after a bare `g`, go to the
 * region named after the file). Ignored: vt, vn, vp, l, p, s, usemtl,
 * mtllib, mg, lod and comments. Any other statement (free-form curves and
 * surfaces, typos) is an error, as are missing or non-finite coordinates,
 * indices that are zero, not integers or out of range, and faces with fewer
 * than three vertices; messages name the file and line. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "geometry_impl.h"

typedef struct {
  GaleSoup   *b;
  const char *s, *e; /* the current line [s, e), comment stripped */
  PetscInt    line;
  PetscInt   *poly; /* the vertices of the current face */
  PetscInt    capPoly;
} ObjLine;

#define ObjCheck(ol, cond, fmt, ...) PetscCheck(cond, (ol)->b->comm, GALE_ERR_USER, "%s:%" PetscInt_FMT ": " fmt, (ol)->b->path, (ol)->line, __VA_ARGS__)

static inline PetscBool IsBlank(char c)
{
  return (PetscBool)(c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v');
}

/* Next blank-separated token of the line as [*t, *t + return value). */
static size_t Token(ObjLine *ol, const char **t)
{
  const char *p = ol->s;
  while (p < ol->e && IsBlank(*p)) p++;
  *t = p;
  while (p < ol->e && !IsBlank(*p)) p++;
  ol->s = p;
  return (size_t)(p - *t);
}

static PetscBool Is(const char *t, size_t n, const char *kw)
{
  return (PetscBool)(strlen(kw) == n && !strncmp(t, kw, n));
}

static PetscErrorCode Vertex(ObjLine *ol)
{
  static const char *const axis = "xyz";
  PetscReal                x[3];

  PetscFunctionBeginUser;
  for (int d = 0; d < 3; d++) {
    const char  *t;
    const size_t n = Token(ol, &t);
    char         num[64], *end;
    ObjCheck(ol, n > 0, "vertex has %d coordinates (expected 'v x y z')", d);
    ObjCheck(ol, n < sizeof(num), "expected a number (vertex %c coordinate), found '%.40s...'", axis[d], t);
    memcpy(num, t, n);
    num[n] = 0;
    x[d]   = strtod(num, &end);
    ObjCheck(ol, end == num + n, "expected a number (vertex %c coordinate), found '%s'", axis[d], num);
    ObjCheck(ol, isfinite(x[d]), "vertex %c coordinate '%s' is not a finite number", axis[d], num);
  }
  PetscCall(GaleSoupAddPoint(ol->b, x));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode Face(ObjLine *ol, PetscInt *region)
{
  const PetscInt nv = ol->b->nPoints;
  PetscInt       n  = 0;

  PetscFunctionBeginUser;
  for (;;) {
    const char  *t;
    const size_t len = Token(ol, &t);
    char         num[32], *end;
    size_t       k = 0;
    long         i;
    if (!len) break;
    while (k < len && t[k] != '/') k++;
    ObjCheck(ol, k > 0 && k < sizeof(num), "expected a vertex index in '%.*s'", (int)PetscMin(len, 40), t);
    memcpy(num, t, k);
    num[k] = 0;
    errno  = 0;
    i      = strtol(num, &end, 10);
    ObjCheck(ol, end == num + k && !errno, "expected an integer vertex index, found '%s'", num);
    ObjCheck(ol, i != 0, "vertex index 0 (OBJ indices start at 1; negative ones count back from the last vertex)%s", "");
    /* i >= -nv, not -i <= nv: -LONG_MIN overflows */
    ObjCheck(ol, (i > 0 && i <= nv) || (i < 0 && i >= -(long)nv), "vertex index %ld out of range: %" PetscInt_FMT " vertices defined so far (expected 1..%" PetscInt_FMT " or -1..-%" PetscInt_FMT ")", i, nv, nv, nv);
    if (n == ol->capPoly) {
      ol->capPoly = PetscMax(16, 2 * ol->capPoly);
      PetscCall(PetscRealloc(sizeof(PetscInt) * ol->capPoly, &ol->poly));
    }
    ol->poly[n++] = i > 0 ? (PetscInt)(i - 1) : (PetscInt)(nv + i);
  }
  ObjCheck(ol, n >= 3, "face has %" PetscInt_FMT " vertices (expected at least 3)", n);
  if (*region < 0) PetscCall(GaleSoupRegion(ol->b, "", 0, ol->line, region));
  for (PetscInt k = 1; k + 1 < n; k++) PetscCall(GaleSoupAddTri(ol->b, ol->poly[0], ol->poly[k], ol->poly[k + 1], *region));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode Statement(ObjLine *ol, PetscInt *region)
{
  static const char *const ignored[] = {"vt", "vn", "vp", "l", "p", "s", "usemtl", "mtllib", "mg", "lod", NULL};
  const char              *t;
  size_t                   n = Token(ol, &t);

  PetscFunctionBeginUser;
  if (!n) PetscFunctionReturn(PETSC_SUCCESS);
  if (Is(t, n, "v"))
    PetscCall(Vertex(ol));
  else if (Is(t, n, "f"))
    PetscCall(Face(ol, region));
  else if (Is(t, n, "g") || Is(t, n, "o")) {
    n = Token(ol, &t);
    PetscCall(GaleSoupRegion(ol->b, t, n, ol->line, region));
  } else {
    for (int k = 0; ignored[k]; k++)
      if (Is(t, n, ignored[k])) PetscFunctionReturn(PETSC_SUCCESS);
    ObjCheck(ol, PETSC_FALSE, "unknown or unsupported OBJ statement '%.*s' (expected v, f, g or o; vt, vn, vp, l, p, s, usemtl, mtllib, mg and lod are ignored)", (int)PetscMin(n, 40), t);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSoupParseOBJ(GaleSoup *b, const char *buf, size_t len)
{
  ObjLine        ol = {b, NULL, NULL, 0, NULL, 0};
  const char    *p = buf, *end = buf + len;
  PetscInt       region = -1;
  PetscErrorCode ierr   = PETSC_SUCCESS;

  PetscFunctionBeginUser;
  PetscCheck(len > 0, b->comm, GALE_ERR_USER, "%s: empty file (expected OBJ 'v' and 'f' statements)", b->path);
  while (p < end && !ierr) {
    const char *nl = memchr(p, '\n', (size_t)(end - p)), *hash;
    ol.line++;
    ol.s = p;
    ol.e = nl ? nl : end;
    hash = memchr(ol.s, '#', (size_t)(ol.e - ol.s));
    if (hash) ol.e = hash;
    ierr = Statement(&ol, &region);
    p    = nl ? nl + 1 : end;
  }
  PetscCall(PetscFree(ol.poly));
  PetscCall(ierr);
  PetscCheck(b->nTris > 0, b->comm, GALE_ERR_USER, "%s: no faces (%" PetscInt_FMT " vertices, expected 'f' statements)", b->path, b->nPoints);
  PetscFunctionReturn(PETSC_SUCCESS);
}
