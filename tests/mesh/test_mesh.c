/* Tests of mesh/blockmesh.c (GaleMeshBuildFromCase on blocks) and
 * mesh/polymesh.c (OpenFOAM polyMesh import). References are analytic:
 * box, parallelepiped (|a.(b x c)|) and square-frustum (h/3 (A1 + A2 +
 * sqrt(A1 A2))) volumes, exact for these planar-faced cells up to round-off
 * (checked to 1e-12 relative); geometric grading by construction (cell
 * widths in ratio q = r^(1/(n-1))); counts by hand. The polyMesh tests
 * write a hand-made two-cell mesh and the block mesher's own output (plain,
 * gzipped and faceCompactList) to a temporary directory and read them back;
 * broken files must fail with messages naming the file. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp, fileno, ftruncate */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <unistd.h>
#include <zlib.h>
#include "gale_mesh.h"
#include "gale_case.h"
#include "../gale_test.h"

static char gTmp[256]; /* temporary directory for polyMesh files */

/* Run `call` expecting a user-input error whose message contains every
 * given substring (NULL-terminated list). */

/* ---------- block cases ---------- */

static GaleCase *NewCase(void)
{
  GaleCase *cs;
  assert_int_equal(0, PetscCalloc1(1, &cs));
  cs->mesh_source     = GALE_MESH_BLOCK;
  cs->merge_tolerance = 1e-6;
  cs->mesh_scale      = 1;
  return cs;
}

/* Axis-aligned box block [lo, hi] with names imin..kmax ("" = internal). */
static void SetBox(GaleBlock *b, const PetscReal lo[3], const PetscReal hi[3], PetscInt nx, PetscInt ny, PetscInt nz, const char *const names[6])
{
  for (int v = 0; v < 8; v++) {
    const int a = (v == 1 || v == 2 || v == 5 || v == 6), c = (v == 2 || v == 3 || v == 6 || v == 7), e = v >= 4;
    b->vertices[v][0] = a ? hi[0] : lo[0];
    b->vertices[v][1] = c ? hi[1] : lo[1];
    b->vertices[v][2] = e ? hi[2] : lo[2];
  }
  b->cells[0] = nx, b->cells[1] = ny, b->cells[2] = nz;
  b->grading[0] = b->grading[1] = b->grading[2] = 1;
  for (int s = 0; s < 6; s++) snprintf(b->patch[s], sizeof(b->patch[s]), "%s", names[s]);
}

static PetscReal Dot3(const PetscReal *a, const PetscReal *b)
{
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

/* Properties every generated or imported mesh must have: positive volumes
 * summing to `volume`, closed cells, internal faces in upper-triangular
 * order (when `sorted`), normals out of owners, patches covering the
 * boundary faces in order. */
static void CheckMesh(GaleMesh m, PetscReal volume, PetscBool sorted)
{
  PetscReal      sum  = 0, *S, *A;
  PetscInt       next = m->nInternalFaces;
  const PetscInt nc   = m->nCells;

  assert_int_equal(0, m->nGhosts);
  assert_int_equal(m->nCells, m->nCellsGlobal);
  for (PetscInt c = 0; c < nc; c++) {
    assert_true(m->cellVolumes[c] > 0);
    sum += m->cellVolumes[c];
  }
  assert_true(PetscAbsReal(sum - volume) <= 1e-12 * volume);
  assert_int_equal(0, PetscCalloc2(3 * nc, &S, nc, &A));
  for (PetscInt f = 0; f < m->nFaces; f++) {
    const PetscReal *Sf = m->faceAreas + 3 * f, *CP = m->cellCentres + 3 * m->owner[f];
    PetscReal        d[3];
    for (int k = 0; k < 3; k++) {
      S[3 * m->owner[f] + k] += Sf[k];
      d[k] = (f < m->nInternalFaces ? m->cellCentres[3 * m->neighbour[f] + k] : m->faceCentres[3 * f + k]) - CP[k];
    }
    A[m->owner[f]] += m->faceMagAreas[f];
    assert_true(Dot3(Sf, d) > 0);
    if (f < m->nInternalFaces) {
      for (int k = 0; k < 3; k++) S[3 * m->neighbour[f] + k] -= Sf[k];
      A[m->neighbour[f]] += m->faceMagAreas[f];
      if (sorted) {
        assert_true(m->owner[f] < m->neighbour[f]);
        if (f) assert_true(m->owner[f - 1] < m->owner[f] || (m->owner[f - 1] == m->owner[f] && m->neighbour[f - 1] < m->neighbour[f]));
      }
    }
  }
  for (PetscInt c = 0; c < nc; c++) assert_true(PetscSqrtReal(Dot3(S + 3 * c, S + 3 * c)) <= 1e-12 * A[c]);
  PetscFree2(S, A);
  for (PetscInt p = 0; p < m->nPatches; p++) {
    assert_int_equal(next, m->patches[p].start);
    next += m->patches[p].size;
  }
  assert_int_equal(m->nFaces, next);
  CHECK(GaleMeshCheck(m));
}

static PetscInt PatchSize(GaleMesh m, const char *name)
{
  PetscInt p = GaleMeshFindPatch(m, name);
  assert_true(p >= 0);
  return m->patches[p].size;
}

/* Mean outward unit normal of a patch. */
static void PatchNormal(GaleMesh m, const char *name, PetscReal n[3])
{
  PetscInt p = GaleMeshFindPatch(m, name);
  n[0] = n[1] = n[2] = 0;
  for (PetscInt f = m->patches[p].start; f < m->patches[p].start + m->patches[p].size; f++)
    for (int k = 0; k < 3; k++) n[k] += m->faceAreas[3 * f + k] / m->faceMagAreas[f] / m->patches[p].size;
}

static const char *const BoxNames[6] = {"xmin", "xmax", "ymin", "ymax", "zmin", "zmax"};

static void test_box(void **state)
{
  const PetscReal lo[3] = {0, 0, 0}, hi[3] = {1, 1, 1};
  const PetscReal out[6][3] = {{-1, 0, 0}, {1, 0, 0}, {0, -1, 0}, {0, 1, 0}, {0, 0, -1}, {0, 0, 1}};
  GaleCase       *cs        = NewCase();
  GaleMesh        m;

  (void)state;
  cs->nblocks = 1;
  SetBox(&cs->blocks[0], lo, hi, 4, 3, 2, BoxNames);
  CHECK(GaleMeshBuildFromCase(PETSC_COMM_WORLD, cs, &m));
  assert_int_equal(24, m->nCells);
  assert_int_equal(5 * 4 * 3, m->nPoints);
  assert_int_equal(3 * 3 * 2 + 4 * 2 * 2 + 4 * 3 * 1, m->nInternalFaces);
  assert_int_equal(46 + 2 * (3 * 2 + 4 * 2 + 4 * 3), m->nFaces);
  CheckMesh(m, 1.0, PETSC_TRUE);
  assert_int_equal(6, m->nPatches);
  for (int s = 0; s < 6; s++) {
    PetscReal n[3];
    assert_string_equal(BoxNames[s], m->patches[s].name);
    assert_string_equal("patch", m->patches[s].type);
    PatchNormal(m, BoxNames[s], n);
    for (int k = 0; k < 3; k++) assert_true(PetscAbsReal(n[k] - out[s][k]) < 1e-14);
  }
  assert_int_equal(6, PatchSize(m, "xmin"));
  assert_int_equal(6, PatchSize(m, "xmax"));
  assert_int_equal(8, PatchSize(m, "ymin"));
  assert_int_equal(8, PatchSize(m, "ymax"));
  assert_int_equal(12, PatchSize(m, "zmin"));
  assert_int_equal(12, PatchSize(m, "zmax"));
  /* cell numbering i fastest, then j, then k; all cells 1/24 */
  for (PetscInt k = 0; k < 2; k++)
    for (PetscInt j = 0; j < 3; j++)
      for (PetscInt i = 0; i < 4; i++) {
        const PetscInt   c = i + 4 * (j + 3 * k);
        const PetscReal *x = m->cellCentres + 3 * c;
        assert_true(PetscAbsReal(x[0] - (i + 0.5) / 4) < 1e-14 && PetscAbsReal(x[1] - (j + 0.5) / 3) < 1e-14 && PetscAbsReal(x[2] - (k + 0.5) / 2) < 1e-14);
        assert_true(PetscAbsReal(m->cellVolumes[c] - 1.0 / 24) < 1e-15);
      }
  CHECK(GaleMeshDestroy(&m));
  CHECK(PetscFree(cs));
}

static void test_grading(void **state)
{
  const PetscReal lo[3] = {0, 0, 0}, hi[3] = {2, 1, 1};
  GaleCase       *cs = NewCase();
  GaleMesh        m;
  const PetscInt  nx = 10, ny = 7;

  (void)state;
  cs->nblocks = 1;
  SetBox(&cs->blocks[0], lo, hi, nx, ny, 1, BoxNames);
  cs->blocks[0].grading[0] = 5;   /* last/first cell width along i */
  cs->blocks[0].grading[1] = 0.2; /* shrinking along j */
  CHECK(GaleMeshBuildFromCase(PETSC_COMM_WORLD, cs, &m));
  CheckMesh(m, 2.0, PETSC_TRUE);
  {
    /* points along the i line j = k = 0 are the first nx+1 points */
    const PetscReal q  = PetscPowReal(5.0, 1.0 / (nx - 1));
    PetscReal       w0 = m->points[3] - m->points[0];
    assert_true(PetscAbsReal((m->points[3 * nx] - m->points[3 * (nx - 1)]) / w0 - 5.0) < 1e-12);
    for (PetscInt i = 1; i < nx; i++) assert_true(PetscAbsReal((m->points[3 * (i + 1)] - m->points[3 * i]) / (m->points[3 * i] - m->points[3 * (i - 1)]) - q) < 1e-12);
    assert_true(PetscAbsReal(m->points[3 * nx] - 2.0) < 1e-15);
    /* j widths from the cell volumes of the column i = 0 (dx, dz fixed) */
    assert_true(PetscAbsReal(m->cellVolumes[nx * (ny - 1)] / m->cellVolumes[0] - 0.2) < 1e-12);
  }
  CHECK(GaleMeshDestroy(&m));
  CHECK(PetscFree(cs));
}

static void test_two_blocks(void **state)
{
  const PetscReal   lo0[3] = {0, 0, 0}, hi0[3] = {1, 1, 1}, lo1[3] = {1, 0, 0}, hi1[3] = {3, 1, 1};
  const char *const n0[6]    = {"inlet", "", "bottom", "top", "frontAndBack", "frontAndBack"};
  const char *const n1[6]    = {"", "outlet", "bottom", "top", "frontAndBack", "frontAndBack"};
  const char *const order[5] = {"inlet", "bottom", "top", "frontAndBack", "outlet"};
  const PetscInt    sizes[5] = {2, 6, 6, 24, 2};
  GaleCase         *cs       = NewCase();
  GaleMesh          m;

  (void)state;
  for (int variant = 0; variant < 2; variant++) {
    PetscInt ninterface = 0;
    cs->nblocks         = 2;
    SetBox(&cs->blocks[0], lo0, hi0, 2, 2, 1, n0);
    SetBox(&cs->blocks[1], lo1, hi1, 4, 2, 1, n1);
    if (variant) { /* block 1 rotated: local i = +y, j = -x, so its jmax face (x = 1) touches block 0 */
      const PetscReal   v[8][3] = {{3, 0, 0}, {3, 1, 0}, {1, 1, 0}, {1, 0, 0}, {3, 0, 1}, {3, 1, 1}, {1, 1, 1}, {1, 0, 1}};
      const char *const nr[6]   = {"bottom", "top", "outlet", "", "frontAndBack", "frontAndBack"};
      CHECK(PetscArraycpy(&cs->blocks[1].vertices[0][0], &v[0][0], 24));
      cs->blocks[1].cells[0] = 2, cs->blocks[1].cells[1] = 4;
      for (int s = 0; s < 6; s++) snprintf(cs->blocks[1].patch[s], GALE_NAME_LEN, "%s", nr[s]);
    }
    CHECK(GaleMeshBuildFromCase(PETSC_COMM_WORLD, cs, &m));
    assert_int_equal(12, m->nCells);
    assert_int_equal(18 + 30 - 6, m->nPoints);
    assert_int_equal(4 + 10 + 2, m->nInternalFaces);
    assert_int_equal(16 + 40, m->nFaces);
    CheckMesh(m, 3.0, PETSC_TRUE);
    assert_int_equal(5, m->nPatches);
    for (int p = 0; p < 5; p++) {
      assert_string_equal(order[p], m->patches[p].name);
      assert_int_equal(sizes[p], m->patches[p].size);
    }
    for (PetscInt f = 0; f < m->nInternalFaces; f++)
      if (m->owner[f] < 4 && m->neighbour[f] >= 4) {
        ninterface++;
        assert_true(PetscAbsReal(m->faceCentres[3 * f] - 1) < 1e-15 && m->faceAreas[3 * f] > 0);
      }
    assert_int_equal(2, ninterface);
    CHECK(GaleMeshDestroy(&m));
  }
  CHECK(PetscFree(cs));
}

/* Four blocks around the z axis through (1,1): points on the shared edge
 * are merged across four blocks; the result is the 4x4x1 box. */
static void test_four_blocks(void **state)
{
  GaleCase *cs = NewCase();
  GaleMesh  m;

  (void)state;
  cs->nblocks = 4;
  for (int b = 0; b < 4; b++) {
    const int       bx = b % 2, by = b / 2;
    const PetscReal lo[3] = {bx, by, 0}, hi[3] = {bx + 1, by + 1, 0.5};
    const char     *nm[6] = {bx ? "" : "xmin", bx ? "xmax" : "", by ? "" : "ymin", by ? "ymax" : "", "zmin", "zmax"};
    SetBox(&cs->blocks[b], lo, hi, 2, 2, 1, nm);
  }
  CHECK(GaleMeshBuildFromCase(PETSC_COMM_WORLD, cs, &m));
  assert_int_equal(16, m->nCells);
  assert_int_equal(5 * 5 * 2, m->nPoints);
  assert_int_equal(3 * 4 + 4 * 3, m->nInternalFaces);
  assert_int_equal(24 + 16 + 32, m->nFaces);
  CheckMesh(m, 2.0, PETSC_TRUE);
  assert_int_equal(4, PatchSize(m, "xmin"));
  assert_int_equal(16, PatchSize(m, "zmax"));
  CHECK(GaleMeshDestroy(&m));
  CHECK(PetscFree(cs));
}

static void test_skewed(void **state)
{
  /* parallelepiped spanned by a, b, c: volume a.(b x c) = 2 * 1 * 1.5 = 3 */
  const PetscReal a[3] = {2, 0, 0}, b[3] = {0.5, 1, 0}, c[3] = {0.3, 0.4, 1.5}, o[3] = {-1, 2, 0.5};
  GaleCase       *cs = NewCase();
  GaleMesh        m;

  (void)state;
  cs->nblocks = 1;
  SetBox(&cs->blocks[0], a, a, 3, 4, 5, BoxNames);
  for (int v = 0; v < 8; v++) {
    const int ia = (v == 1 || v == 2 || v == 5 || v == 6), ib = (v == 2 || v == 3 || v == 6 || v == 7), ic = v >= 4;
    for (int k = 0; k < 3; k++) cs->blocks[0].vertices[v][k] = o[k] + ia * a[k] + ib * b[k] + ic * c[k];
  }
  cs->blocks[0].grading[0] = 2;
  cs->blocks[0].grading[1] = 0.5;
  CHECK(GaleMeshBuildFromCase(PETSC_COMM_WORLD, cs, &m));
  assert_int_equal(60, m->nCells);
  CheckMesh(m, 3.0, PETSC_TRUE);
  CHECK(GaleMeshDestroy(&m));

  /* square frustum: base [-1,1]^2 at z = 0, top [-0.5,0.5]^2 at z = 2;
   * V = h/3 (A1 + A2 + sqrt(A1 A2)) = 2/3 (4 + 1 + 2) = 14/3 */
  {
    const PetscReal v[8][3] = {{-1, -1, 0}, {1, -1, 0}, {1, 1, 0}, {-1, 1, 0}, {-0.5, -0.5, 2}, {0.5, -0.5, 2}, {0.5, 0.5, 2}, {-0.5, 0.5, 2}};
    CHECK(PetscArraycpy(&cs->blocks[0].vertices[0][0], &v[0][0], 24));
    cs->blocks[0].grading[2] = 3;
    cs->mesh_scale           = 0.1; /* volumes scale by 1e-3 */
    CHECK(GaleMeshBuildFromCase(PETSC_COMM_WORLD, cs, &m));
    CheckMesh(m, 14.0 / 3 * 1e-3, PETSC_TRUE);
    CHECK(GaleMeshDestroy(&m));
  }
  CHECK(PetscFree(cs));
}

static void test_block_errors(void **state)
{
  const PetscReal   lo[3] = {0, 0, 0}, hi[3] = {1, 1, 1}, lo1[3] = {1.5, 0, 0}, hi1[3] = {2, 1, 1}, lo2[3] = {1, 0, 0}, hi2[3] = {2, 1, 1};
  const char *const open[6] = {"a", "", "b", "b", "c", "c"};
  GaleCase         *cs      = NewCase();
  GaleMesh          m       = NULL;

  (void)state;
  cs->nblocks = 1;
  SetBox(&cs->blocks[0], lo, hi, 2, 2, 2, open);
  EXPECT_ERROR(GaleMeshBuildFromCase(PETSC_COMM_WORLD, cs, &m), "block 0 face imax is not named and touches no other block");
  assert_null(m);

  /* block 2 apart from the others: its unnamed imin touches nothing */
  cs->nblocks = 3;
  SetBox(&cs->blocks[0], lo, hi, 2, 2, 2, BoxNames);
  {
    const PetscReal l[3] = {0, 2, 0}, h[3] = {1, 3, 1};
    SetBox(&cs->blocks[1], l, h, 2, 2, 2, BoxNames);
  }
  SetBox(&cs->blocks[2], lo1, hi1, 2, 2, 2, open);
  snprintf(cs->blocks[2].patch[0], GALE_NAME_LEN, "%s", "");
  snprintf(cs->blocks[2].patch[1], GALE_NAME_LEN, "%s", "out");
  EXPECT_ERROR(GaleMeshBuildFromCase(PETSC_COMM_WORLD, cs, &m), "block 2 face imin is not named and touches no other block");

  /* shared face carrying a name */
  cs->nblocks = 2;
  SetBox(&cs->blocks[0], lo, hi, 2, 2, 2, BoxNames);
  SetBox(&cs->blocks[1], lo2, hi2, 2, 2, 2, BoxNames);
  EXPECT_ERROR(GaleMeshBuildFromCase(PETSC_COMM_WORLD, cs, &m), "block 0 face imax is named 'xmax' but lies entirely against another block");

  /* inside-out block (top and bottom swapped) */
  cs->nblocks = 1;
  SetBox(&cs->blocks[0], lo, hi, 2, 2, 2, BoxNames);
  for (int v = 0; v < 4; v++)
    for (int k = 0; k < 3; k++) {
      PetscReal t                      = cs->blocks[0].vertices[v][k];
      cs->blocks[0].vertices[v][k]     = cs->blocks[0].vertices[v + 4][k];
      cs->blocks[0].vertices[v + 4][k] = t;
    }
  EXPECT_ERROR(GaleMeshBuildFromCase(PETSC_COMM_WORLD, cs, &m), "block 0 is inside-out");

  /* bad numbers */
  SetBox(&cs->blocks[0], lo, hi, 0, 2, 2, BoxNames);
  EXPECT_ERROR(GaleMeshBuildFromCase(PETSC_COMM_WORLD, cs, &m), "block 0: cells[0] = 0");
  SetBox(&cs->blocks[0], lo, hi, 2, 2, 2, BoxNames);
  cs->blocks[0].grading[2] = -1;
  EXPECT_ERROR(GaleMeshBuildFromCase(PETSC_COMM_WORLD, cs, &m), "block 0: grading[2]");
  CHECK(PetscFree(cs));
}

/* ---------- polyMesh ---------- */

typedef struct {
  char  *s;
  size_t n, cap;
} Text;

static void Append(Text *t, const char *fmt, ...)
{
  va_list ap;
  int     k;
  for (;;) {
    va_start(ap, fmt);
    k = vsnprintf(t->s ? t->s + t->n : NULL, t->s ? t->cap - t->n : 0, fmt, ap);
    va_end(ap);
    if (t->s && (size_t)k < t->cap - t->n) break;
    t->cap = 2 * (t->cap + (size_t)k + 1);
    t->s   = (char *)realloc(t->s, t->cap);
  }
  t->n += (size_t)k;
}

static void WriteFile(const char *name, const char *text, size_t len, PetscBool gz)
{
  char path[512];
  snprintf(path, sizeof(path), "%s/%s%s", gTmp, name, gz ? ".gz" : "");
  if (gz) {
    gzFile g = gzopen(path, "wb");
    assert_non_null(g);
    assert_int_equal((int)len, gzwrite(g, text, (unsigned)len));
    assert_int_equal(Z_OK, gzclose(g));
  } else {
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(len, fwrite(text, 1, len, f));
    assert_int_equal(0, fclose(f));
  }
}

static void ClearTmp(void)
{
  const char *names[] = {"points", "faces", "owner", "neighbour", "boundary"};
  char        path[512];
  for (int i = 0; i < 5; i++) {
    snprintf(path, sizeof(path), "%s/%s", gTmp, names[i]);
    unlink(path);
    snprintf(path, sizeof(path), "%s/%s.gz", gTmp, names[i]);
    unlink(path);
  }
}

static const char *Header(const char *cls, const char *object, const char *note)
{
  static char h[1024];
  snprintf(h, sizeof(h),
           "/*--------------------------------*- C++ -*----------------------------------*\\\n"
           "  =========                 |\n"
           "\\*---------------------------------------------------------------------------*/\n"
           "FoamFile\n{\n    version     2.0;\n    format      ascii;\n    class       %s;\n"
           "    location    \"constant/polyMesh\";\n%s    object      %s;\n}\n"
           "// * * * * * * * * * * * * * * * * * * * * * * * * * * * * * * * * * * * * * //\n\n",
           cls, note, object);
  return h;
}

/* Write mesh m as an OpenFOAM polyMesh into gTmp; gzmask bit i gzips file i
 * (points, faces, owner, neighbour, boundary). */
static void WritePolyMesh(GaleMesh m, unsigned gzmask, PetscBool compact)
{
  Text t = {0};
  char note[256];

  ClearTmp();
  Append(&t, "%s%" PetscInt_FMT "\n(\n", Header("vectorField", "points", ""), m->nPoints);
  for (PetscInt p = 0; p < m->nPoints; p++) Append(&t, "(%.17g %.17g %.17g)\n", m->points[3 * p], m->points[3 * p + 1], m->points[3 * p + 2]);
  Append(&t, ")\n\n// ***** //\n");
  WriteFile("points", t.s, t.n, gzmask & 1);
  t.n = 0;
  if (compact) {
    Append(&t, "%s%" PetscInt_FMT "\n(\n", Header("faceCompactList", "faces", ""), m->nFaces + 1);
    for (PetscInt f = 0; f <= m->nFaces; f++) Append(&t, "%" PetscInt_FMT "\n", m->faceOffsets[f]);
    Append(&t, ")\n\n%" PetscInt_FMT "\n(\n", m->faceOffsets[m->nFaces]);
    for (PetscInt i = 0; i < m->faceOffsets[m->nFaces]; i++) Append(&t, "%" PetscInt_FMT "\n", m->facePoints[i]);
    Append(&t, ")\n");
  } else {
    Append(&t, "%s%" PetscInt_FMT "\n(\n", Header("faceList", "faces", ""), m->nFaces);
    for (PetscInt f = 0; f < m->nFaces; f++) {
      Append(&t, "%" PetscInt_FMT "(", m->faceOffsets[f + 1] - m->faceOffsets[f]);
      for (PetscInt i = m->faceOffsets[f]; i < m->faceOffsets[f + 1]; i++) Append(&t, i > m->faceOffsets[f] ? " %" PetscInt_FMT : "%" PetscInt_FMT, m->facePoints[i]);
      Append(&t, ")\n");
    }
    Append(&t, ")\n");
  }
  WriteFile("faces", t.s, t.n, gzmask & 2);
  t.n = 0;
  snprintf(note, sizeof(note), "    note        \"nPoints:%" PetscInt_FMT "  nCells:%" PetscInt_FMT "  nFaces:%" PetscInt_FMT "  nInternalFaces:%" PetscInt_FMT "\";\n", m->nPoints, m->nCells, m->nFaces, m->nInternalFaces);
  Append(&t, "%s%" PetscInt_FMT "\n(\n", Header("labelList", "owner", note), m->nFaces);
  for (PetscInt f = 0; f < m->nFaces; f++) Append(&t, "%" PetscInt_FMT "\n", m->owner[f]);
  Append(&t, ")\n");
  WriteFile("owner", t.s, t.n, gzmask & 4);
  t.n = 0;
  Append(&t, "%s%" PetscInt_FMT "\n(\n", Header("labelList", "neighbour", note), m->nInternalFaces);
  for (PetscInt f = 0; f < m->nInternalFaces; f++) Append(&t, "%" PetscInt_FMT "\n", m->neighbour[f]);
  Append(&t, ")\n");
  WriteFile("neighbour", t.s, t.n, gzmask & 8);
  t.n = 0;
  Append(&t, "%s%" PetscInt_FMT "\n(\n", Header("polyBoundaryMesh", "boundary", ""), m->nPatches);
  for (PetscInt p = 0; p < m->nPatches; p++)
    Append(&t, "    %s\n    {\n        type            %s;\n        inGroups        List<word> 1(%s);\n        nFaces          %" PetscInt_FMT ";\n        startFace       %" PetscInt_FMT ";\n    }\n", m->patches[p].name, p % 2 ? "wall" : "patch",
           p % 2 ? "wall" : "patch", m->patches[p].size, m->patches[p].start);
  Append(&t, ")\n");
  WriteFile("boundary", t.s, t.n, gzmask & 16);
  free(t.s);
}

static void AssertSameMesh(GaleMesh a, GaleMesh b)
{
  assert_int_equal(a->nPoints, b->nPoints);
  assert_int_equal(a->nFaces, b->nFaces);
  assert_int_equal(a->nInternalFaces, b->nInternalFaces);
  assert_int_equal(a->nCells, b->nCells);
  assert_int_equal(a->nPatches, b->nPatches);
  assert_memory_equal(a->points, b->points, 3 * a->nPoints * sizeof(PetscReal));
  assert_memory_equal(a->faceOffsets, b->faceOffsets, (a->nFaces + 1) * sizeof(PetscInt));
  assert_memory_equal(a->facePoints, b->facePoints, a->faceOffsets[a->nFaces] * sizeof(PetscInt));
  assert_memory_equal(a->owner, b->owner, a->nFaces * sizeof(PetscInt));
  assert_memory_equal(a->neighbour, b->neighbour, a->nInternalFaces * sizeof(PetscInt));
  assert_memory_equal(a->cellVolumes, b->cellVolumes, a->nCells * sizeof(PetscReal));
  for (PetscInt p = 0; p < a->nPatches; p++) {
    assert_string_equal(a->patches[p].name, b->patches[p].name);
    assert_int_equal(a->patches[p].start, b->patches[p].start);
    assert_int_equal(a->patches[p].size, b->patches[p].size);
    assert_string_equal(p % 2 ? "wall" : "patch", b->patches[p].type);
  }
}

/* Two unit cubes side by side along x, written by hand (comments, a face
 * spread over several lines, a sub-dictionary in boundary). Points
 * p = i + 3j + 6k at (i, j, k). */
static const char *TwoCellFiles[5] = {
    "FoamFile { format ascii; class vectorField; object points; }\n"
    "12 // twelve points\n(\n(0 0 0) (1 0 0) (2 0 0) (0 1 0) (1 1 0) (2 1 0)\n"
    "/* top layer */\n(0 0 1) (1 0 1) (2 0 1) (0 1 1) (1 1 1) (2 1 1)\n)\n",
    "FoamFile\n{\n  format ascii;\n  class faceList;\n  object faces;\n}\n"
    "11\n(\n4\n(\n1\n4\n10\n7\n)\n4(0 6 9 3)\n4(2 5 11 8)\n"
    "4(0 1 7 6) 4(1 2 8 7) 4(3 9 10 4) 4(4 10 11 5)\n"
    "4(0 3 4 1) 4(1 4 5 2) 4(6 7 10 9) 4(7 8 11 10)\n)\n",
    "FoamFile { format ascii; class labelList; note \"nPoints:12 nCells:2 nFaces:11 nInternalFaces:1\"; object owner; }\n"
    "11(0 0 1 0 1 0 1 0 1 0 1)\n",
    "FoamFile { format ascii; class labelList; object neighbour; }\n1(1)\n",
    "FoamFile { format ascii; class polyBoundaryMesh; object boundary; }\n4\n(\n"
    "left { type patch; nFaces 1; startFace 1; }\n"
    "right { type patch; physicalType outlet; nFaces 1; startFace 2; transform { a 1; b (1 2); } }\n"
    "walls { type wall; inGroups List<word> 1(wall); nFaces 4; startFace 3; }\n"
    "frontAndBack { type empty; nFaces 4; startFace 7; }\n)\n",
};
static const char *const FileNames[5] = {"points", "faces", "owner", "neighbour", "boundary"};

static void WriteTwoCell(unsigned gzmask)
{
  ClearTmp();
  for (int i = 0; i < 5; i++) WriteFile(FileNames[i], TwoCellFiles[i], strlen(TwoCellFiles[i]), (gzmask >> i) & 1);
}

static void test_polymesh_handwritten(void **state)
{
  const char *const types[4] = {"patch", "patch", "wall", "empty"};
  GaleMesh          m;

  (void)state;
  WriteTwoCell(0);
  CHECK(GaleMeshReadPolyMesh(PETSC_COMM_WORLD, gTmp, &m));
  assert_int_equal(2, m->nCells);
  assert_int_equal(12, m->nPoints);
  assert_int_equal(11, m->nFaces);
  assert_int_equal(1, m->nInternalFaces);
  CheckMesh(m, 2.0, PETSC_TRUE);
  assert_int_equal(4, m->nPatches);
  for (int p = 0; p < 4; p++) assert_string_equal(types[p], m->patches[p].type);
  assert_string_equal("walls", m->patches[2].name);
  assert_int_equal(3, m->patches[2].start);
  assert_int_equal(4, m->patches[2].size);
  assert_true(PetscAbsReal(m->cellCentres[3] - 1.5) < 1e-15);
  assert_true(PetscAbsReal(m->faceAreas[0] - 1) < 1e-15); /* internal face normal +x */
  CHECK(GaleMeshDestroy(&m));
  WriteTwoCell(31); /* all gzipped */
  CHECK(GaleMeshReadPolyMesh(PETSC_COMM_WORLD, gTmp, &m));
  assert_int_equal(2, m->nCells);
  CHECK(GaleMeshDestroy(&m));
  /* lists without a count; old-style neighbour with -1 for boundary faces */
  WriteTwoCell(0);
  WriteFile("owner", "(0 0 1 0 1 0 1 0 1 0 1)", 23, PETSC_FALSE);
  WriteFile("neighbour", "11(1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1)", 35, PETSC_FALSE);
  CHECK(GaleMeshReadPolyMesh(PETSC_COMM_WORLD, gTmp, &m));
  assert_int_equal(1, m->nInternalFaces);
  CheckMesh(m, 2.0, PETSC_TRUE);
  CHECK(GaleMeshDestroy(&m));
}

static void test_polymesh_roundtrip(void **state)
{
  const PetscReal lo[3] = {0, 0, 0}, hi[3] = {1, 2, 0.1};
  GaleCase       *cs = NewCase();
  GaleMesh        b, m;

  (void)state;
  cs->nblocks = 1;
  SetBox(&cs->blocks[0], lo, hi, 2, 2, 1, BoxNames);
  cs->blocks[0].grading[0] = 3;
  CHECK(GaleMeshBuildFromCase(PETSC_COMM_WORLD, cs, &b));
  for (int variant = 0; variant < 3; variant++) {
    WritePolyMesh(b, variant == 1 ? 31u : variant == 2 ? 0x5u : 0u, (PetscBool)(variant == 2));
    CHECK(GaleMeshReadPolyMesh(PETSC_COMM_WORLD, gTmp, &m));
    AssertSameMesh(b, m);
    CheckMesh(m, 0.2, PETSC_TRUE);
    CHECK(GaleMeshDestroy(&m));
  }
  /* Gale's own exporter (GaleMeshWritePolyMesh) reads back identically */
  ClearTmp();
  CHECK(GaleMeshWritePolyMesh(b, gTmp));
  CHECK(GaleMeshReadPolyMesh(PETSC_COMM_WORLD, gTmp, &m));
  assert_int_equal(b->nFaces, m->nFaces);
  assert_int_equal(b->nInternalFaces, m->nInternalFaces);
  assert_int_equal(b->nCells, m->nCells);
  assert_memory_equal(b->points, m->points, 3 * b->nPoints * sizeof(PetscReal)); /* %.17g round-trips doubles */
  assert_memory_equal(b->facePoints, m->facePoints, b->faceOffsets[b->nFaces] * sizeof(PetscInt));
  assert_memory_equal(b->owner, m->owner, b->nFaces * sizeof(PetscInt));
  assert_memory_equal(b->neighbour, m->neighbour, b->nInternalFaces * sizeof(PetscInt));
  for (PetscInt p = 0; p < b->nPatches; p++) {
    assert_string_equal(b->patches[p].name, m->patches[p].name);
    assert_string_equal(b->patches[p].type, m->patches[p].type);
    assert_int_equal(b->patches[p].start, m->patches[p].start);
  }
  CHECK(GaleMeshDestroy(&m));
  /* through the case: polyMesh source with scale */
  cs->mesh_source = GALE_MESH_POLYMESH;
  cs->mesh_scale  = 2;
  snprintf(cs->polymesh_dir, sizeof(cs->polymesh_dir), "%s", gTmp);
  CHECK(GaleMeshBuildFromCase(PETSC_COMM_WORLD, cs, &m));
  CheckMesh(m, 1.6, PETSC_TRUE);
  CHECK(GaleMeshDestroy(&m));
  CHECK(GaleMeshDestroy(&b));
  CHECK(PetscFree(cs));
}

/* Replace file i of the two-cell mesh by `text` and expect an error. */
#define EXPECT_BAD(i, text, ...)                                                                                                                                                                                                                         \
  do {                                                                                                                                                                                                                                                   \
    WriteTwoCell(0);                                                                                                                                                                                                                                     \
    WriteFile(FileNames[i], text, strlen(text), PETSC_FALSE);                                                                                                                                                                                            \
    EXPECT_ERROR(GaleMeshReadPolyMesh(PETSC_COMM_WORLD, gTmp, &m), __VA_ARGS__);                                                                                                                                                                         \
    assert_null(m);                                                                                                                                                                                                                                      \
  } while (0)

static void test_polymesh_errors(void **state)
{
  GaleMesh m = NULL;
  char     path[512], owner[64];

  (void)state;
  snprintf(path, sizeof(path), "%s/neighbour", gTmp);
  WriteTwoCell(0);
  unlink(path);
  EXPECT_ERROR(GaleMeshReadPolyMesh(PETSC_COMM_WORLD, gTmp, &m), path, "cannot open");
  assert_null(m);
  snprintf(owner, sizeof(owner), "/owner:2:");
  EXPECT_BAD(2, "FoamFile { format ascii; }\n11 0 0 1 0 1 0 1 0 1 0 1)\n", owner, "expected '(' after count 11");
  EXPECT_BAD(2, "FoamFile { format ascii; }\n11\n(\n0 0 1\n0 1\n", "/owner:", "truncated");
  EXPECT_BAD(2, "11\n(\n0 0 1 0 1 0 1 0 1 0\n)\n", "/owner:", "expected owner cell");
  EXPECT_BAD(2, "10(0 0 1 0 1 0 1 0 1 0)\n", "/owner:1:", "10 owners, but the faces file has 11 faces");
  EXPECT_BAD(1, "11\n(\n4(1 4 10 7)\n4(0 6 9 3)\n4(2 5 11 8)\n4(0 1 7 6) 4(1 2 8 7) 4(3 9 10 4) 4(4 10 12 5)\n", "/faces:6:", "point index 12 out of range [0, 11]");
  EXPECT_BAD(1, "11\n(\n4(1 4 10 7)\n4(0 6 9 3)\n4(2 5 11 8)\n4(0 1 7 6) 4(1 2 8 7) 4(3 9 10 4) 4(4 10 11 5)\n", "/faces:7:", "end of file");
  EXPECT_BAD(1, "11\n(\n4(1 4 10 7)\n2(0 6)\n4(2 5 11 8)\n4(0 1 7 6) 4(1 2 8 7) 4(3 9 10 4) 4(4 10 11 5)\n)\n", "/faces:4:", "face 1 has 2 points");
  EXPECT_BAD(0, "FoamFile { format binary; }\n12(", "/points:1:", "binary is not supported");
  EXPECT_BAD(0, "12\n(\n(0 0 0) (1 0 0) (2 0 0) (0 1 0) (1 1 0) (2 1 0)\n(0 0 1) (1 0 1) (2 0 1) (0 1 1) (1 x 1) (2 1 1)\n)\n", "/points:4:", "expected y coordinate");
  EXPECT_BAD(3, "1(5)\n", "/owner", "nCells:2");
  EXPECT_BAD(4, "2\n(\nleft { type patch; nFaces 1; startFace 1; }\nrest { type wall; nFaces 9; startFace 3; }\n)\n", "/boundary:4:", "patch 'rest' starts at face 3, expected 2");
  EXPECT_BAD(4, "1\n(\nall { type wall; nFaces 9; startFace 1; }\n)\n", "/boundary:", "the patches cover faces up to 10");
  EXPECT_BAD(4, "1\n(\nall { nFaces 10; startFace 1; }\n)\n", "/boundary:3:", "patch 'all' has no type");
  /* a gzipped file cut in half */
  {
    char  gz[512];
    FILE *f;
    long  size;
    WriteTwoCell(2);
    snprintf(gz, sizeof(gz), "%s/faces.gz", gTmp);
    f = fopen(gz, "r+");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    assert_int_equal(0, ftruncate(fileno(f), size / 2));
    fclose(f);
    EXPECT_ERROR(GaleMeshReadPolyMesh(PETSC_COMM_WORLD, gTmp, &m), "/faces.gz:", "truncated");
  }
}

static int Setup(void **state)
{
  (void)state;
  snprintf(gTmp, sizeof(gTmp), "/tmp/gale_test_mesh_XXXXXX");
  return mkdtemp(gTmp) ? 0 : -1;
}

static int Teardown(void **state)
{
  (void)state;
  ClearTmp();
  return rmdir(gTmp);
}

int main(int argc, char **argv)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_box),
      cmocka_unit_test(test_grading),
      cmocka_unit_test(test_two_blocks),
      cmocka_unit_test(test_four_blocks),
      cmocka_unit_test(test_skewed),
      cmocka_unit_test(test_block_errors),
      cmocka_unit_test(test_polymesh_handwritten),
      cmocka_unit_test(test_polymesh_roundtrip),
      cmocka_unit_test(test_polymesh_errors),
  };
  int fails;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  fails = cmocka_run_group_tests(tests, Setup, Teardown);
  PetscCall(PetscFinalize());
  return fails ? 1 : 0;
}
