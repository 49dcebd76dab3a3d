/* STL reader (ascii and binary) filling a GaleSoup (geometry_impl.h).
 *
 * Binary: 80-byte header, uint32 triangle count n (little-endian), then n
 * records of 50 bytes (normal, 3 vertices as float32, 2 attribute bytes).
 * A file is binary exactly when its size is 84 + 50 n; this holds for
 * binary files whose header begins with "solid" as well. A file that
 * begins with "solid" and is text (no control bytes) is ascii; anything
 * else is reported with both readings' expectations (truncated binary,
 * triangle count not matching the size, ascii without 'solid').
 *
 * Ascii: one or more `solid NAME ... endsolid` blocks of
 *   facet normal nx ny nz / outer loop / vertex x y z (x3) / endloop / endfacet
 * keywords case-insensitive; each solid is a region named NAME (solids of
 * the same name share one region; an unnamed solid takes the file's base
 * name). Stored normals are not used beyond counting facets whose vertex
 * order disagrees with them; the vertex order (counter-clockwise seen from
 * outside) defines the orientation. Errors name the file and line (ascii)
 * or triangle and byte offset (binary). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "geometry_impl.h"

#define STL_HEADER 84
#define STL_RECORD 50

typedef struct {
  GaleSoup   *b;
  const char *buf;
  size_t      len, pos;
  PetscInt    line; /* line of the current position */
  const char *tok;  /* last token read */
  size_t      tokLen;
  PetscInt    tokLine; /* line the last token is on */
} StlLex;

#define LexCheck(lx, cond, fmt, ...) PetscCheck(cond, (lx)->b->comm, GALE_ERR_USER, "%s:%" PetscInt_FMT ": " fmt, (lx)->b->path, (lx)->tokLine, __VA_ARGS__)

static inline PetscBool IsSpace(char c)
{
  return (PetscBool)(c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v');
}

static inline unsigned char Lower(unsigned char c)
{
  return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

/* Case-insensitive: is s[0..n) the keyword kw? */
static PetscBool IsWord(const char *s, size_t n, const char *kw)
{
  size_t i;
  for (i = 0; i < n && kw[i]; i++)
    if (Lower((unsigned char)s[i]) != (unsigned char)kw[i]) return PETSC_FALSE;
  return (PetscBool)(i == n && !kw[i]);
}

/* Next whitespace-separated token (tokLen 0 at end of file). */
static void Next(StlLex *lx)
{
  size_t p = lx->pos;
  while (p < lx->len && IsSpace(lx->buf[p])) {
    if (lx->buf[p] == '\n') lx->line++;
    p++;
  }
  lx->tok     = lx->buf + p;
  lx->tokLine = lx->line;
  while (p < lx->len && !IsSpace(lx->buf[p])) p++;
  lx->tokLen = (size_t)(lx->buf + p - lx->tok);
  lx->pos    = p;
}

/* The last token quoted for messages (shortened), or "end of file". */
static const char *Found(const StlLex *lx, char *s, size_t n)
{
  if (!lx->tokLen) return "end of file";
  if (lx->tokLen + 3 <= n)
    snprintf(s, n, "'%.*s'", (int)lx->tokLen, lx->tok);
  else
    snprintf(s, n, "'%.*s...'", (int)(n - 6), lx->tok);
  return s;
}

static PetscErrorCode Expect(StlLex *lx, const char *kw, const char *context)
{
  char s[48];

  PetscFunctionBeginUser;
  Next(lx);
  LexCheck(lx, IsWord(lx->tok, lx->tokLen, kw), "expected '%s'%s, found %s", kw, context, Found(lx, s, sizeof(s)));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode Number(StlLex *lx, const char *what, PetscBool finite, PetscReal *v)
{
  char   s[48], *end;
  char   num[64];
  double d;

  PetscFunctionBeginUser;
  Next(lx);
  LexCheck(lx, lx->tokLen > 0 && lx->tokLen < sizeof(num), "expected a number (%s), found %s", what, Found(lx, s, sizeof(s)));
  memcpy(num, lx->tok, lx->tokLen);
  num[lx->tokLen] = 0;
  d               = strtod(num, &end);
  LexCheck(lx, end == num + lx->tokLen, "expected a number (%s), found %s", what, Found(lx, s, sizeof(s)));
  LexCheck(lx, !finite || isfinite(d), "%s %s is not a finite number", what, Found(lx, s, sizeof(s)));
  *v = (PetscReal)d;
  PetscFunctionReturn(PETSC_SUCCESS);
}

static void CountFlipped(GaleSoup *b, const PetscReal n[3], const PetscReal *v)
{
  const PetscReal e1[3] = {v[3] - v[0], v[4] - v[1], v[5] - v[2]}, e2[3] = {v[6] - v[0], v[7] - v[1], v[8] - v[2]};
  const PetscReal c[3] = {e1[1] * e2[2] - e1[2] * e2[1], e1[2] * e2[0] - e1[0] * e2[2], e1[0] * e2[1] - e1[1] * e2[0]};
  if (isfinite(n[0]) && isfinite(n[1]) && isfinite(n[2]) && n[0] * c[0] + n[1] * c[1] + n[2] * c[2] < 0) b->nFlipped++;
}

static PetscErrorCode AddFacet(GaleSoup *b, const PetscReal v[9], PetscInt region)
{
  PetscInt p0 = b->nPoints;

  PetscFunctionBeginUser;
  for (int k = 0; k < 3; k++) PetscCall(GaleSoupAddPoint(b, v + 3 * k));
  PetscCall(GaleSoupAddTri(b, p0, p0 + 1, p0 + 2, region));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ParseFacet(StlLex *lx, PetscInt region)
{
  static const char *const what[3] = {"vertex x coordinate", "vertex y coordinate", "vertex z coordinate"};
  PetscReal                n[3], v[9];

  PetscFunctionBeginUser;
  PetscCall(Expect(lx, "normal", " after 'facet'"));
  for (int d = 0; d < 3; d++) PetscCall(Number(lx, "facet normal component", PETSC_FALSE, &n[d]));
  PetscCall(Expect(lx, "outer", " after the facet normal"));
  PetscCall(Expect(lx, "loop", " after 'outer'"));
  for (int k = 0; k < 3; k++) {
    PetscCall(Expect(lx, "vertex", k ? " (a facet's loop has exactly 3 vertices)" : " after 'outer loop'"));
    for (int d = 0; d < 3; d++) PetscCall(Number(lx, what[d], PETSC_TRUE, &v[3 * k + d]));
  }
  PetscCall(Expect(lx, "endloop", " after the third vertex (a facet's loop has exactly 3 vertices)"));
  PetscCall(Expect(lx, "endfacet", " after 'endloop'"));
  CountFlipped(lx->b, n, v);
  PetscCall(AddFacet(lx->b, v, region));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Rest of the current line, trimmed, as [*s, *s + *n); moves past it. */
static void RestOfLine(StlLex *lx, const char **s, size_t *n)
{
  size_t p = lx->pos, e;
  while (p < lx->len && lx->buf[p] != '\n' && IsSpace(lx->buf[p])) p++;
  e = p;
  while (e < lx->len && lx->buf[e] != '\n') e++;
  lx->pos = e;
  while (e > p && IsSpace(lx->buf[e - 1])) e--;
  *s = lx->buf + p;
  *n = e - p;
}

static PetscErrorCode ParseAscii(GaleSoup *b, const char *buf, size_t len)
{
  StlLex   lx = {b, buf, len, 0, 1, NULL, 0, 1};
  char     s[48];
  PetscInt nSolids = 0;

  PetscFunctionBeginUser;
  for (;;) {
    const char *name;
    size_t      nameLen;
    PetscInt    region, solidLine, nFacets = 0;

    Next(&lx);
    if (!lx.tokLen && nSolids) break;
    LexCheck(&lx, IsWord(lx.tok, lx.tokLen, "solid"), "expected '%s', found %s", nSolids ? "solid' or end of file" : "solid", Found(&lx, s, sizeof(s)));
    solidLine = lx.tokLine;
    RestOfLine(&lx, &name, &nameLen);
    PetscCall(GaleSoupRegion(b, name, nameLen, solidLine, &region));
    for (;;) {
      Next(&lx);
      if (IsWord(lx.tok, lx.tokLen, "endsolid")) break;
      LexCheck(&lx, lx.tokLen, "end of file inside the solid opened at line %" PetscInt_FMT " (missing 'endsolid')", solidLine);
      LexCheck(&lx, IsWord(lx.tok, lx.tokLen, "facet"), "expected 'facet' or 'endsolid', found %s", Found(&lx, s, sizeof(s)));
      PetscCall(ParseFacet(&lx, region));
      nFacets++;
    }
    RestOfLine(&lx, &name, &nameLen); /* endsolid's name, not checked: writers disagree */
    PetscCheck(nFacets, b->comm, GALE_ERR_USER, "%s:%" PetscInt_FMT ": solid has zero facets (expected at least one 'facet normal ...')", b->path, solidLine);
    nSolids++;
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static inline PetscReal LeFloat(const unsigned char *p)
{
  const uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
  float          f;
  memcpy(&f, &u, sizeof(f));
  return (PetscReal)f;
}

static PetscErrorCode ParseBinary(GaleSoup *b, const unsigned char *buf, size_t nTri)
{
  PetscInt region;

  PetscFunctionBeginUser;
  PetscCheck(nTri > 0, b->comm, GALE_ERR_USER, "%s: binary STL with zero triangles (expected at least one)", b->path);
  PetscCheck(nTri <= (size_t)PETSC_MAX_INT / 3, b->comm, GALE_ERR_USER, "%s: binary STL with %zu triangles is too large for 32-bit indices (rebuild PETSc with 64-bit indices)", b->path, nTri);
  PetscCall(GaleSoupRegion(b, "", 0, 0, &region));
  for (size_t t = 0; t < nTri; t++) {
    const unsigned char *r = buf + STL_HEADER + STL_RECORD * t;
    PetscReal            n[3], v[9];
    for (int d = 0; d < 3; d++) n[d] = LeFloat(r + 4 * d);
    for (int d = 0; d < 9; d++) {
      v[d] = LeFloat(r + 12 + 4 * d);
      PetscCheck(isfinite(v[d]), b->comm, GALE_ERR_USER, "%s: triangle %zu (byte offset %zu): vertex %d coordinate %d is not a finite number", b->path, t, (size_t)(r + 12 + 4 * d - buf), d / 3, d % 3);
    }
    CountFlipped(b, n, v);
    PetscCall(AddFacet(b, v, region));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Text: no NUL or control bytes other than whitespace in the first 1 KiB. */
static PetscBool LooksLikeText(const unsigned char *buf, size_t len)
{
  for (size_t i = 0; i < len && i < 1024; i++)
    if (buf[i] == 127 || (buf[i] < 32 && !IsSpace((char)buf[i]))) return PETSC_FALSE;
  return PETSC_TRUE;
}

PetscErrorCode GaleSoupParseSTL(GaleSoup *b, const char *buf, size_t len)
{
  const unsigned char *u     = (const unsigned char *)buf;
  size_t               first = 0, nTri = 0;
  PetscBool            text, solid;

  PetscFunctionBeginUser;
  PetscCheck(len > 0, b->comm, GALE_ERR_USER, "%s: empty file (expected an ascii or binary STL)", b->path);
  if (len >= STL_HEADER) {
    nTri = (size_t)u[80] | (size_t)u[81] << 8 | (size_t)u[82] << 16 | (size_t)u[83] << 24;
    if (STL_HEADER + STL_RECORD * nTri == len) {
      PetscCall(ParseBinary(b, u, nTri));
      PetscFunctionReturn(PETSC_SUCCESS);
    }
  }
  while (first < len && IsSpace(buf[first])) first++;
  PetscCheck(first < len, b->comm, GALE_ERR_USER, "%s: empty file (only whitespace; expected an ascii or binary STL)", b->path);
  text  = LooksLikeText(u, len);
  solid = (PetscBool)(len - first >= 5 && IsWord(buf + first, 5, "solid") && (len - first == 5 || IsSpace(buf[first + 5])));
  if (text && solid) {
    PetscCall(ParseAscii(b, buf, len));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCheck(!text, b->comm, GALE_ERR_USER, "%s:1: not an STL file: an ascii STL begins with 'solid' (and a binary STL has 84 + 50*n bytes)", b->path);
  PetscCheck(len >= STL_HEADER, b->comm, GALE_ERR_USER, "%s: binary STL truncated: %zu bytes, shorter than the 84-byte header", b->path, len);
  SETERRQ(b->comm, GALE_ERR_USER, "%s: binary STL header says %zu triangles, i.e. 84 + 50*%zu = %zu bytes, but the file has %zu bytes (truncated file or wrong triangle count)", b->path, nTri, nTri, STL_HEADER + STL_RECORD * nTri, len);
}
