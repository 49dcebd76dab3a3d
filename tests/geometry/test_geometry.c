/* Tests of the surface readers and checks (mesh/geometry.c, stl.c, obj.c,
 * geometry_report.c). References are by construction: the unit cube has
 * 8 points, 12 triangles, volume 1 (divergence theorem: sum over triangles
 * of a.(b x c)/6), no open edges, and 3 open edges with one triangle
 * removed; transformed points are computed by hand. Files are written by
 * the test (plain and gzipped through zlib) into a fresh directory under
 * the working (build) directory, one per process; broken files must fail
 * with messages naming the file (and the line, for ascii formats). The
 * F1 car surface is read when $GALE_SHARED_DIR has it; its triangle count
 * 104,945 is from shared/geometry/f1car/README.md. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <petsctime.h>
#include "gale_geometry.h"
#include "../gale_test.h"

static char gTmp[256]; /* directory for the files of this process */

/* Run `call` expecting a user-input error whose message contains every given substring. */

/* ---------- writing test files ---------- */

static const char *Path(const char *name)
{
  static char p[4][512];
  static int  k;
  k = (k + 1) % 4;
  snprintf(p[k], sizeof(p[k]), "%s/%s", gTmp, name);
  return p[k];
}

/* Write len bytes to gTmp/name, gzipped when the name ends in .gz. */
static const char *WriteFile(const char *name, const void *data, size_t len)
{
  const char  *path = Path(name);
  const size_t n    = strlen(name);
  if (n > 3 && !strcmp(name + n - 3, ".gz")) {
    gzFile g = gzopen(path, "wb");
    assert_non_null(g);
    if (len) assert_int_equal((int)len, gzwrite(g, data, (unsigned)len));
    assert_int_equal(Z_OK, gzclose(g));
  } else {
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    if (len) assert_int_equal(len, fwrite(data, 1, len, f));
    assert_int_equal(0, fclose(f));
  }
  return path;
}

static const char *WriteText(const char *name, const char *text)
{
  return WriteFile(name, text, strlen(text));
}

/* Unit cube: point i = (i&1, i>>1&1, i>>2&1); faces counter-clockwise from outside. */
static const int kQuad[6][4] = {{0, 4, 6, 2}, {1, 3, 7, 5}, {0, 1, 5, 4}, {2, 6, 7, 3}, {0, 2, 3, 1}, {4, 5, 7, 6}};

static void CubePoint(int i, double x[3])
{
  x[0] = i & 1, x[1] = (i >> 1) & 1, x[2] = (i >> 2) & 1;
}

/* Triangle t (0..11) of the cube: quad t/2 split (a,b,c) (a,c,d). */
static void CubeTri(int t, int v[3])
{
  const int *q = kQuad[t / 2];
  v[0] = q[0], v[1] = q[1 + t % 2], v[2] = q[2 + t % 2];
}

/* Ascii STL of the cube minus the triangles from `skip` on; the first six in
 * solid `a`, the rest in solid `b`. Returns a malloc'ed string. */
static char *CubeAscii(const char *a, const char *b, int nTri)
{
  size_t cap = 8192, len = 0;
  char  *s = malloc(cap);
  for (int t = 0; t < nTri; t++) {
    int v[3];
    if (t == 0 || t == 6) len += (size_t)snprintf(s + len, cap - len, "%ssolid %s\n", t ? "endsolid\n" : "", t ? b : a);
    CubeTri(t, v);
    len += (size_t)snprintf(s + len, cap - len, "  facet normal 0 0 0\n    outer loop\n");
    for (int k = 0; k < 3; k++) {
      double x[3];
      CubePoint(v[k], x);
      len += (size_t)snprintf(s + len, cap - len, "      vertex %g %g %g\n", x[0], x[1], x[2]);
    }
    len += (size_t)snprintf(s + len, cap - len, "    endloop\n  endfacet\n");
  }
  snprintf(s + len, cap - len, "endsolid %s\n", nTri > 6 ? b : a);
  return s;
}

/* Binary STL of the cube (header deliberately begins with "solid");
 * nTri records, header count `count`. *len gets the size. */
static unsigned char *CubeBinary(int nTri, uint32_t count, size_t *len)
{
  unsigned char *b = calloc(84 + 50 * (size_t)nTri, 1);
  memset(b, ' ', 80);
  memcpy(b, "solid cube written as binary STL", 32);
  memcpy(b + 80, &count, 4);
  for (int t = 0; t < nTri; t++) {
    int   v[3];
    float f[12] = {0};
    CubeTri(t, v);
    for (int k = 0; k < 3; k++) {
      double x[3];
      CubePoint(v[k], x);
      for (int d = 0; d < 3; d++) f[3 + 3 * k + d] = (float)x[d];
    }
    memcpy(b + 84 + 50 * t, f, 48);
  }
  *len = 84 + 50 * (size_t)nTri;
  return b;
}

/* OBJ cube: quads in groups `top` (faces 0-2) and `bottom` (3-5), with
 * vt/vn, v/vt/vn forms, a negative index and ignored statements. */
static const char kCubeObj[] = "# cube\nmtllib cube.mtl\n"
                               "v 0 0 0\nv 1 0 0\nv 0 1 0\nv 1 1 0\nv 0 0 1\nv 1 0 1\nv 0 1 1\nv 1 1 1\n"
                               "vt 0 0\nvn 0 0 1\nusemtl steel\ns off\n"
                               "g top\nf 1/1/1 5/1/1 7/1/1 3/1/1\nf 2//1 4//1 8//1 6//1\nf 1 2 6 -4 # -4 = vertex 5\n"
                               "o bottom\nl 1 2\nf 3/1 7/1 8/1 4/1\nf 1 3 4 2\nf 5 6 8 7\n";

static GaleSurface Read(const char *path)
{
  GaleSurface s = NULL;
  CHECK(GaleSurfaceRead(PETSC_COMM_WORLD, path, &s));
  assert_non_null(s);
  return s;
}

/* Enclosed volume, positive for outward triangles (divergence theorem). */
static double Volume(GaleSurface s)
{
  double v = 0;
  for (PetscInt t = 0; t < s->nTris; t++) {
    const PetscReal *a = s->points + 3 * s->tris[3 * t], *b = s->points + 3 * s->tris[3 * t + 1], *c = s->points + 3 * s->tris[3 * t + 2];
    v += (a[0] * (b[1] * c[2] - b[2] * c[1]) + a[1] * (b[2] * c[0] - b[0] * c[2]) + a[2] * (b[0] * c[1] - b[1] * c[0])) / 6;
  }
  return v;
}

static void CheckCube(GaleSurface s, PetscInt nRegions, const char *r0, const char *r1)
{
  PetscInt nOpen, nInt;
  assert_int_equal(12, s->nTris);
  assert_int_equal(8, s->nPoints);
  assert_int_equal(nRegions, s->nRegions);
  assert_string_equal(r0, s->regionNames[0]);
  if (r1) assert_string_equal(r1, s->regionNames[1]);
  for (int d = 0; d < 3; d++) {
    assert_true(s->bbox[d] == 0);
    assert_true(s->bbox[3 + d] == 1);
  }
  assert_true(fabs(Volume(s) - 1) < 1e-14);
  for (PetscInt t = 0; t < 12; t++) assert_true(s->triRegion[t] >= 0 && s->triRegion[t] < nRegions);
  CHECK(GaleSurfaceReport(PETSC_COMM_WORLD, s, &nOpen, &nInt));
  assert_int_equal(0, nOpen);
  assert_int_equal(0, nInt);
}

/* ---------- reading ---------- */

static void test_stl_ascii(void **state)
{
  char       *text = CubeAscii("half_a", "half_b", 12);
  GaleSurface s;
  (void)state;
  s = Read(WriteText("cube.stl", text));
  CheckCube(s, 2, "half_a", "half_b");
  for (PetscInt t = 0; t < 12; t++) assert_int_equal(t < 6 ? 0 : 1, s->triRegion[t]);
  CHECK(GaleSurfaceDestroy(&s));
  assert_null(s);
  s = Read(WriteText("cube_gz.STL.GZ", text));
  CheckCube(s, 2, "half_a", "half_b");
  CHECK(GaleSurfaceDestroy(&s));
  free(text);
  /* unnamed solids take the file's base name, CRLF line ends, upper case keywords */
  s = Read(WriteText("noname.stl", "SOLID\r\nFACET NORMAL 0 0 1\r\nOUTER LOOP\r\nVERTEX 0 0 0\r\nVERTEX 1 0 0\r\nVERTEX 0 1 0\r\nENDLOOP\r\nENDFACET\r\nENDSOLID\r\n"));
  assert_int_equal(1, s->nRegions);
  assert_string_equal("noname", s->regionNames[0]);
  assert_int_equal(1, s->nTris);
  CHECK(GaleSurfaceDestroy(&s));
}

static void test_stl_binary(void **state)
{
  size_t         len;
  unsigned char *b = CubeBinary(12, 12, &len);
  GaleSurface    s;
  (void)state;
  s = Read(WriteFile("cube_bin.stl", b, len));
  CheckCube(s, 1, "cube_bin", NULL);
  CHECK(GaleSurfaceDestroy(&s));
  s = Read(WriteFile("cube_bin.stl.gz", b, len));
  CheckCube(s, 1, "cube_bin", NULL);
  CHECK(GaleSurfaceDestroy(&s));
  free(b);
}

static void test_obj(void **state)
{
  GaleSurface s;
  (void)state;
  s = Read(WriteText("cube.obj", kCubeObj));
  CheckCube(s, 2, "top", "bottom");
  for (PetscInt t = 0; t < 12; t++) assert_int_equal(t < 6 ? 0 : 1, s->triRegion[t]);
  CHECK(GaleSurfaceDestroy(&s));
  s = Read(WriteText("cube.obj.gz", kCubeObj));
  CheckCube(s, 2, "top", "bottom");
  CHECK(GaleSurfaceDestroy(&s));
  /* faces before any group go to the file's region; a repeated group name continues its region */
  s = Read(WriteText("groups.obj", "v 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 0 1\nf 1 2 3\ng side\nf 1 4 2\ng\nf 1 3 4\ng side\nf 2 4 3\n"));
  assert_int_equal(2, s->nRegions);
  assert_string_equal("groups", s->regionNames[0]);
  assert_string_equal("side", s->regionNames[1]);
  assert_int_equal(0, s->triRegion[0]);
  assert_int_equal(1, s->triRegion[1]);
  assert_int_equal(0, s->triRegion[2]);
  assert_int_equal(1, s->triRegion[3]);
  CHECK(GaleSurfaceDestroy(&s));
}

static void test_open_edges(void **state)
{
  char       *text = CubeAscii("a", "b", 11);
  GaleSurface s;
  PetscInt    nOpen, nInt;
  (void)state;
  s = Read(WriteText("open.stl", text));
  free(text);
  assert_int_equal(11, s->nTris);
  CHECK(GaleSurfaceReport(PETSC_COMM_WORLD, s, &nOpen, &nInt));
  assert_int_equal(3, nOpen);
  assert_int_equal(0, nInt);
  CHECK(GaleSurfaceReport(PETSC_COMM_WORLD, s, NULL, NULL));
  CHECK(GaleSurfaceDestroy(&s));
}

static void test_intersections(void **state)
{
  GaleSurface s;
  PetscInt    nOpen, nInt;
  (void)state;
  /* a triangle in z = 0 and one in x = 0.5 crossing it along y in [0.2, 1] */
  s = Read(WriteText("cross.obj", "v 0 0 0\nv 2 0 0\nv 0 2 0\nv 0.5 0.2 -1\nv 0.5 0.2 1\nv 0.5 1 0\nf 1 2 3\nf 4 5 6\n"));
  CHECK(GaleSurfaceReport(PETSC_COMM_WORLD, s, &nOpen, &nInt));
  assert_int_equal(6, nOpen);
  assert_int_equal(1, nInt);
  CHECK(GaleSurfaceDestroy(&s));
  /* the same moved away: none */
  s = Read(WriteText("apart.obj", "v 0 0 0\nv 2 0 0\nv 0 2 0\nv 5.5 0.2 -1\nv 5.5 0.2 1\nv 5.5 1 0\nf 1 2 3\nf 4 5 6\n"));
  CHECK(GaleSurfaceReport(PETSC_COMM_WORLD, s, &nOpen, &nInt));
  assert_int_equal(0, nInt);
  CHECK(GaleSurfaceDestroy(&s));
  /* coplanar overlapping triangles */
  s = Read(WriteText("coplanar.obj", "v 0 0 0\nv 2 0 0\nv 0 2 0\nv 0.5 0.5 0\nv 3 0.5 0\nv 0.5 3 0\nf 1 2 3\nf 4 5 6\n"));
  CHECK(GaleSurfaceReport(PETSC_COMM_WORLD, s, &nOpen, &nInt));
  assert_int_equal(1, nInt);
  CHECK(GaleSurfaceDestroy(&s));
  /* two cubes, the second shifted by (0.5, 0.5, 0.5): faces cross */
  {
    char       *text = CubeAscii("a", "b", 12);
    GaleSurface t;
    PetscReal   shift[3] = {0.5, 0.5, 0.5};
    s                    = Read(WriteText("c1.stl", text));
    t                    = Read(WriteText("c2.stl", text));
    free(text);
    CHECK(GaleSurfaceTransform(t, NULL, NULL, shift));
    CHECK(GaleSurfaceMerge(s, t));
    CHECK(GaleSurfaceReport(PETSC_COMM_WORLD, s, &nOpen, &nInt));
    assert_int_equal(0, nOpen);
    assert_true(nInt > 0);
    CHECK(GaleSurfaceDestroy(&s));
    CHECK(GaleSurfaceDestroy(&t));
  }
}

static void test_degenerate(void **state)
{
  GaleSurface s;
  char        obj[2048];
  (void)state;
  /* the cube plus a triangle with a repeated vertex and one of three collinear points */
  snprintf(obj, sizeof(obj), "%sv 2 0 0\nf 1 1 2\nf 1 2 9\n", kCubeObj);
  s = Read(WriteText("degenerate.obj", obj));
  CheckCube(s, 2, "top", "bottom");
  CHECK(GaleSurfaceDestroy(&s));
  /* STL: a facet whose first two vertices coincide */
  s = Read(WriteText("degenerate.stl", "solid d\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\nvertex 1 0 0\nvertex 0 1 0\nendloop\nendfacet\n"
                                       "facet normal 0 0 1\nouter loop\nvertex 1 0 0\nvertex 1 0 0\nvertex 0 1 0\nendloop\nendfacet\nendsolid d\n"));
  assert_int_equal(1, s->nTris);
  assert_int_equal(3, s->nPoints);
  CHECK(GaleSurfaceDestroy(&s));
}

/* ---------- transform and merge ---------- */

static PetscInt FindPoint(GaleSurface s, double x, double y, double z)
{
  for (PetscInt i = 0; i < s->nPoints; i++)
    if (fabs(s->points[3 * i] - x) + fabs(s->points[3 * i + 1] - y) + fabs(s->points[3 * i + 2] - z) < 1e-12) return i;
  return -1;
}

static void test_transform(void **state)
{
  GaleSurface     s;
  const PetscReal scale[3] = {2, 2, 2}, rot[3] = {0, 0, 90}, shift[3] = {1, 2, 3};
  const PetscReal mirror[3] = {-1, 1, 1}, rotxz[3] = {90, 0, 90};
  PetscInt        i, nOpen, nInt;
  (void)state;
  s = Read(WriteText("tcube.obj", kCubeObj));
  /* (1,0,0) -> scale (2,0,0) -> 90 deg about z (0,2,0) -> + (1,2,3) = (1,4,3) */
  i = FindPoint(s, 1, 0, 0);
  assert_true(i >= 0);
  CHECK(GaleSurfaceTransform(s, scale, rot, shift));
  assert_true(fabs(s->points[3 * i] - 1) < 1e-14 && fabs(s->points[3 * i + 1] - 4) < 1e-14 && fabs(s->points[3 * i + 2] - 3) < 1e-14);
  /* bbox: x in 1 + [-2, 0], y in 2 + [0, 2], z in 3 + [0, 2] */
  assert_true(fabs(s->bbox[0] + 1) < 1e-14 && fabs(s->bbox[3] - 1) < 1e-14);
  assert_true(fabs(s->bbox[1] - 2) < 1e-14 && fabs(s->bbox[4] - 4) < 1e-14);
  assert_true(fabs(s->bbox[2] - 3) < 1e-14 && fabs(s->bbox[5] - 5) < 1e-14);
  assert_true(fabs(Volume(s) - 8) < 1e-12);
  /* a mirror keeps the triangles facing outwards */
  CHECK(GaleSurfaceTransform(s, mirror, NULL, NULL));
  assert_true(fabs(Volume(s) - 8) < 1e-12);
  CHECK(GaleSurfaceReport(PETSC_COMM_WORLD, s, &nOpen, &nInt));
  assert_int_equal(0, nOpen);
  CHECK(GaleSurfaceDestroy(&s));
  /* order: about x first, then z: (0,0,1) -> (0,-1,0) -> (1,0,0); z first would give (0,-1,0) */
  s = Read(WriteText("tcube2.obj", kCubeObj));
  i = FindPoint(s, 0, 0, 1);
  CHECK(GaleSurfaceTransform(s, NULL, rotxz, NULL));
  assert_true(fabs(s->points[3 * i] - 1) < 1e-14 && fabs(s->points[3 * i + 1]) < 1e-14 && fabs(s->points[3 * i + 2]) < 1e-14);
  /* a non-right angle: 30 deg about x moves (0,1,0) to (0, cos 30, sin 30) */
  i = FindPoint(s, 0, 0, 0);
  {
    const PetscReal r30[3] = {30, 0, 0}, one[3] = {1, 1, 1}, up[3] = {0, 1, 0};
    CHECK(GaleSurfaceTransform(s, one, NULL, up));
    CHECK(GaleSurfaceTransform(s, NULL, r30, NULL));
    assert_true(fabs(s->points[3 * i + 1] - sqrt(3) / 2) < 1e-14 && fabs(s->points[3 * i + 2] - 0.5) < 1e-14);
  }
  EXPECT_ERROR(GaleSurfaceTransform(s, (PetscReal[3]){1, 0, 1}, NULL, NULL), "scale y");
  CHECK(GaleSurfaceDestroy(&s));
}

static void test_merge(void **state)
{
  GaleSurface     a, b;
  const PetscReal shift[3] = {2, 0, 0};
  PetscInt        nOpen, nInt;
  (void)state;
  a = Read(WriteText("ma.obj", kCubeObj));
  b = Read(WriteText("mb.obj", kCubeObj));
  CHECK(GaleSurfaceTransform(b, NULL, NULL, shift));
  CHECK(GaleSurfaceMerge(a, b));
  assert_int_equal(24, a->nTris);
  assert_int_equal(16, a->nPoints);
  assert_int_equal(4, a->nRegions);
  assert_string_equal("top", a->regionNames[0]);
  assert_string_equal("bottom", a->regionNames[1]);
  assert_string_equal("top_2", a->regionNames[2]);
  assert_string_equal("bottom_2", a->regionNames[3]);
  for (PetscInt t = 12; t < 24; t++) assert_true(a->triRegion[t] >= 2);
  assert_true(a->bbox[0] == 0 && a->bbox[3] == 3);
  CHECK(GaleSurfaceReport(PETSC_COMM_WORLD, a, &nOpen, &nInt));
  assert_int_equal(0, nOpen);
  assert_int_equal(0, nInt);
  assert_int_equal(12, b->nTris); /* b unchanged */
  CHECK(GaleSurfaceDestroy(&a));
  CHECK(GaleSurfaceDestroy(&b));
}

/* ---------- bad input ---------- */

static void test_bad_stl(void **state)
{
  GaleSurface    s = NULL;
  size_t         len;
  unsigned char *b = CubeBinary(12, 12, &len);
  char          *text, *p;
  float          nan   = NAN;
  const char    *facet = "solid x\n facet normal 0 0 1\n  outer loop\n";
  char           buf[1024];
  (void)state;

  EXPECT_ERROR(GaleSurfaceRead(PETSC_COMM_WORLD, WriteFile("trunc.stl", b, len - 10), &s), "trunc.stl", "truncated");
  EXPECT_ERROR(GaleSurfaceRead(PETSC_COMM_WORLD, WriteFile("trunc.stl.gz", b, len - 10), &s), "trunc.stl.gz", "truncated");
  EXPECT_ERROR(GaleSurfaceRead(PETSC_COMM_WORLD, WriteFile("short.stl", b, 90), &s), "short.stl", "12 triangles", "90 bytes");
  {
    const unsigned char zeros[40] = {0};
    EXPECT_ERROR(GaleSurfaceRead(PETSC_COMM_WORLD, WriteFile("header.stl", zeros, sizeof(zeros)), &s), "header.stl", "84-byte header");
  }
  b[80] = 13; /* count 13, 12 records */
  EXPECT_ERROR(GaleSurfaceRead(PETSC_COMM_WORLD, WriteFile("count.stl", b, len), &s), "count.stl", "13 triangles", "684 bytes");
  b[80] = 12;
  memcpy(b + 84 + 50 * 5 + 12 + 4, &nan, 4); /* triangle 5, vertex 0, y */
  EXPECT_ERROR(GaleSurfaceRead(PETSC_COMM_WORLD, WriteFile("nan_bin.stl", b, len), &s), "nan_bin.stl", "triangle 5", "byte offset 350", "not a finite");
  free(b);
  b = CubeBinary(0, 0, &len);
  EXPECT_ERROR(GaleSurfaceRead(PETSC_COMM_WORLD, WriteFile("zero_bin.stl", b, len), &s), "zero_bin.stl", "zero triangles");
  free(b);

  snprintf(buf, sizeof(buf), "%s   vertx 0 0 0\n", facet);
  EXPECT_ERROR(GaleSurfaceRead(PETSC_COMM_WORLD, WriteText("vertx.stl", buf), &s), "vertx.stl:4:", "expected 'vertex'", "'vertx'");
  snprintf(buf, sizeof(buf), "%s   vertex 0 0 0\n   vertex 1 0 0\n   vertex 0 1 0\n  endfacet\nendsolid x\n", facet);
  EXPECT_ERROR(GaleSurfaceRead(PETSC_COMM_WORLD, WriteText("endloop.stl", buf), &s), "endloop.stl:7:", "expected 'endloop'", "'endfacet'");
  EXPECT_ERROR(GaleSurfaceRead(PETSC_COMM_WORLD, WriteText("endloop.stl.gz", buf), &s), "endloop.stl.gz:7:", "expected 'endloop'");
  snprintf(buf, sizeof(buf), "%s   vertex 0 0 0\n   vertex 1 0 0\n   vertex 0 1 0\n   vertex 1 1 0\n  endloop\n endfacet\nendsolid x\n", facet);
  EXPECT_ERROR(GaleSurfaceRead(PETSC_COMM_WORLD, WriteText("quad.stl", buf), &s), "quad.stl:7:", "expected 'endloop'", "'vertex'");
  snprintf(buf, sizeof(buf), "%s   vertex 0 0 0\n   vertex 1 nan 0\n   vertex 0 1 0\n  endloop\n endfacet\nendsolid x\n", facet);
  EXPECT_ERROR(GaleSurfaceRead(PETSC_COMM_WORLD, WriteText("nan.stl", buf), &s), "nan.stl:5:", "not a finite");
  snprintf(buf, sizeof(buf), "%s   vertex 0 0 0\n   vertex 1 0 0\n   vertex 0 1 -inf\n  endloop\n endfacet\nendsolid x\n", facet);
  EXPECT_ERROR(GaleSurfaceRead(PETSC_COMM_WORLD, WriteText("inf.stl", buf), &s), "inf.stl:6:", "not a finite");
  snprintf(buf, sizeof(buf), "%s   vertex 0 0 0\n   vertex 1 0,5 0\n", facet);
  EXPECT_ERROR(GaleSurfaceRead(PETSC_COMM_WORLD, WriteText("comma.stl", buf), &s), "comma.stl:5:", "expected a number", "'0,5'");
  text = CubeAscii("a", "b", 12);
  p    = strstr(text, "endsolid b");
  *p   = 0; /* cut before the last endsolid */
  EXPECT_ERROR(GaleSurfaceRead(PETSC_COMM_WORLD, WriteText("noend.stl", text), &s), "noend.stl:", "missing 'endsolid'");
  free(text);
  EXPECT_ERROR(GaleSurfaceRead(PETSC_COMM_WORLD, WriteText("empty.stl", ""), &s), "empty.stl", "empty file");
  EXPECT_ERROR(GaleSurfaceRead(PETSC_COMM_WORLD, WriteText("empty.stl.gz", ""), &s), "empty.stl.gz", "empty file");
  EXPECT_ERROR(GaleSurfaceRead(PETSC_COMM_WORLD, WriteText("blank.stl", "  \n\n"), &s), "blank.stl", "empty file");
  EXPECT_ERROR(GaleSurfaceRead(PETSC_COMM_WORLD, WriteText("zero.stl", "solid z\nendsolid z\n"), &s), "zero.stl:1:", "zero facets");
  EXPECT_ERROR(GaleSurfaceRead(PETSC_COMM_WORLD, WriteText("nosolid.stl", "facet normal 0 0 1\n"), &s), "nosolid.stl:1:", "'solid'");
  EXPECT_ERROR(GaleSurfaceRead(PETSC_COMM_WORLD, WriteText("alldegen.stl", "solid d\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\nvertex 1 0 0\nvertex 2 0 0\nendloop\nendfacet\nendsolid d\n"), &s), "alldegen.stl", "degenerate");
  assert_null(s);
}

static void test_bad_obj(void **state)
{
  GaleSurface s = NULL;
  char        buf[2048];
  size_t      n;
  (void)state;
  EXPECT_ERROR(GaleSurfaceRead(PETSC_COMM_WORLD, WriteText("range.obj", "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 4\n"), &s), "range.obj:4:", "vertex index 4 out of range");
  EXPECT_ERROR(GaleSurfaceRead(PETSC_COMM_WORLD, WriteText("range.obj.gz", "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 -4\n"), &s), "range.obj.gz:4:", "vertex index -4 out of range");
  EXPECT_ERROR(GaleSurfaceRead(PETSC_COMM_WORLD, WriteText("zeroidx.obj", "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 0 1 2\n"), &s), "zeroidx.obj:4:", "index 0");
  EXPECT_ERROR(GaleSurfaceRead(PETSC_COMM_WORLD, WriteText("word.obj", "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 x\n"), &s), "word.obj:4:", "'x'");
  EXPECT_ERROR(GaleSurfaceRead(PETSC_COMM_WORLD, WriteText("two.obj", "v 0 0 0\nv 1 0 0\nf 1 2\n"), &s), "two.obj:3:", "face has 2 vertices");
  EXPECT_ERROR(GaleSurfaceRead(PETSC_COMM_WORLD, WriteText("nanv.obj", "# c\nv 0 nan 0\n"), &s), "nanv.obj:2:", "not a finite");
  EXPECT_ERROR(GaleSurfaceRead(PETSC_COMM_WORLD, WriteText("infv.obj", "v 0 0 1e999\n"), &s), "infv.obj:1:", "not a finite");
  EXPECT_ERROR(GaleSurfaceRead(PETSC_COMM_WORLD, WriteText("shortv.obj", "v 0 0\n"), &s), "shortv.obj:1:", "2 coordinates");
  EXPECT_ERROR(GaleSurfaceRead(PETSC_COMM_WORLD, WriteText("vertx.obj", "v 0 0 0\nvertx 1 0 0\n"), &s), "vertx.obj:2:", "'vertx'");
  EXPECT_ERROR(GaleSurfaceRead(PETSC_COMM_WORLD, WriteText("empty.obj", ""), &s), "empty.obj", "empty file");
  EXPECT_ERROR(GaleSurfaceRead(PETSC_COMM_WORLD, WriteText("nofaces.obj", "# only points\nv 0 0 0\nv 1 0 0\n"), &s), "nofaces.obj", "no faces");
  /* a gzip stream cut short */
  {
    char   text[4096];
    gzFile g;
    FILE  *f;
    size_t m = 0;
    for (int k = 0; k < 100; k++) m += (size_t)snprintf(text + m, sizeof(text) - m, "v %d %d.%d 0.125\n", k, k * 7 % 13, k);
    g = gzopen(Path("cut.obj.gz"), "wb");
    gzwrite(g, text, (unsigned)m);
    gzclose(g);
    f = fopen(Path("cut.obj.gz"), "rb");
    n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
  }
  EXPECT_ERROR(GaleSurfaceRead(PETSC_COMM_WORLD, WriteFile("cut.obj", buf, n / 2), &s), "cut.obj", "truncated");
  EXPECT_ERROR(GaleSurfaceRead(PETSC_COMM_WORLD, Path("missing.obj"), &s), "missing.obj", "cannot open");
  EXPECT_ERROR(GaleSurfaceRead(PETSC_COMM_WORLD, WriteText("cube.ply", "ply\n"), &s), "cube.ply", "unknown geometry file type");
  assert_null(s);
}

/* ---------- the F1 car ---------- */

static void ReadTimed(const char *name, PetscInt expectTris)
{
  const char    *dir = getenv("GALE_SHARED_DIR");
  char           path[1024];
  GaleSurface    s;
  PetscLogDouble t0, t1, t2;
  PetscInt       nOpen, nInt;

  snprintf(path, sizeof(path), "%s/geometry/f1car/%s", dir ? dir : ".", name);
  if (access(path, R_OK)) {
    print_message("skipping: %s not found (set GALE_SHARED_DIR)\n", path);
    skip();
  }
  CHECK(PetscTime(&t0));
  s = Read(path);
  CHECK(PetscTime(&t1));
  CHECK(GaleSurfaceReport(PETSC_COMM_WORLD, s, &nOpen, &nInt));
  CHECK(PetscTime(&t2));
  CHECK(PetscPrintf(PETSC_COMM_WORLD, "%s: read in %.3f s, report in %.3f s\n", name, t1 - t0, t2 - t1));
  if (expectTris) assert_int_equal(expectTris, s->nTris);
  CHECK(GaleSurfaceDestroy(&s));
}

static void test_f1car(void **state)
{
  (void)state;
  ReadTimed("f3_book_car.obj.gz", 104945);
}

static void test_drivaer_body(void **state)
{
  (void)state;
  ReadTimed("body.obj.gz", 0);
}

int main(int argc, char **argv)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_stl_ascii), cmocka_unit_test(test_stl_binary), cmocka_unit_test(test_obj),     cmocka_unit_test(test_open_edges), cmocka_unit_test(test_intersections), cmocka_unit_test(test_degenerate),
      cmocka_unit_test(test_transform), cmocka_unit_test(test_merge),      cmocka_unit_test(test_bad_stl), cmocka_unit_test(test_bad_obj),    cmocka_unit_test(test_f1car),         cmocka_unit_test(test_drivaer_body),
  };
  PetscMPIInt rank;
  int         failed;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  snprintf(gTmp, sizeof(gTmp), "geometry_r%d_XXXXXX", (int)rank);
  if (!mkdtemp(gTmp)) return 1;
  failed = cmocka_run_group_tests(tests, NULL, NULL);
  if (!failed) {
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", gTmp);
    if (system(cmd)) fprintf(stderr, "could not remove %s\n", gTmp);
  }
  PetscCall(PetscFinalize());
  return failed;
}
