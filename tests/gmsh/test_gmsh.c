/* Tests of mesh/gmsh.c (Gmsh MSH 4.1 import). The test writes its own
 * .msh files, ascii and binary, following the format description of the
 * Gmsh reference manual (section "MSH file format", version 4.1): the unit
 * cube as 2x2x2 hexahedra, as 48 tetrahedra (Kuhn's 6 per hexahedron,
 * which conform across cells), as 16 prisms (2 per hexahedron), and a
 * mixed mesh (one hexahedron, five pyramids and two tetrahedra). References
 * are by hand: cell and face counts (internal = (sum of cell faces -
 * boundary faces) / 2), volume 1 (planar faces: exact up to round-off,
 * checked to 1e-12), sum of boundary area vectors 0 (closed), patch names
 * and sizes from the physical groups written. The ascii and binary files
 * must give identical meshes, and broken files must fail with messages
 * naming the file and line (ascii) or byte offset (binary). */
#define _GNU_SOURCE /* mkdtemp, memmem */
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
#include "gale_mesh.h"
#include "gale_case.h"
#include "gale_solver.h"
#include "../gale_test.h"

#define ASSERT_NEAR(ref, val, tol)                                                                                                                                                                                                                       \
  do {                                                                                                                                                                                                                                                   \
    const double r_ = (ref), v_ = (val);                                                                                                                                                                                                                 \
    if (!(fabs(r_ - v_) <= (tol))) fprintf(stderr, "%s = %.17g, expected %.17g (tolerance %g)\n", #val, v_, r_, (double)(tol));                                                                                                                          \
    assert_true(fabs(r_ - v_) <= (tol));                                                                                                                                                                                                                 \
  } while (0)

static char gTmp[256];

/* ---------- a mesh description and its MSH 4.1 writer ---------- */

#define MAXN 125
#define MAXB 16
#define MAXE 64

typedef struct {
  int ent, type, n;  /* surface/volume entity, element type, count */
  int conn[MAXE][8]; /* node indices (0-based; written as tags) */
} Block;

typedef struct {
  int    nNodes;
  double x[MAXN][3];
  int    nBlocks;
  Block  b[MAXB];
  int    surfPhys[7]; /* physical tag of surface entity 1..6 (0: none) */
} Desc;

static int NodesOf(int type)
{
  return type == 2 ? 3 : type == 3 ? 4 : type == 4 ? 4 : type == 5 ? 8 : type == 6 ? 6 : 5;
}
static int DimOf(int type)
{
  return type <= 3 ? 2 : 3;
}

/* Node tags are sparse: tag of node i is 10 + 3 i. */
#define TAG(i) ((size_t)(10 + 3 * (i)))

static void Put(FILE *f, int binary, const char *fmt, size_t v, int isInt)
{
  if (!binary)
    fprintf(f, fmt, v);
  else if (isInt) {
    int i = (int)v;
    fwrite(&i, sizeof(i), 1, f);
  } else
    fwrite(&v, sizeof(v), 1, f);
}

static void PutReal(FILE *f, int binary, double v)
{
  if (binary)
    fwrite(&v, sizeof(v), 1, f);
  else
    fprintf(f, "%.17g ", v);
}

static void WriteMsh(const Desc *d, const char *name, int binary)
{
  char   path[512];
  FILE  *f;
  size_t ne  = 0;
  int    one = 1;

  snprintf(path, sizeof(path), "%s/%s", gTmp, name);
  f = fopen(path, "wb");
  assert_non_null(f);
  fprintf(f, "$MeshFormat\n4.1 %d 8\n", binary);
  if (binary) {
    fwrite(&one, sizeof(one), 1, f);
    fprintf(f, "\n");
  }
  fprintf(f, "$EndMeshFormat\n$PhysicalNames\n4\n2 1 \"inlet\"\n2 2 \"outlet\"\n2 3 \"walls\"\n3 7 \"fluid\"\n$EndPhysicalNames\n");
  fprintf(f, "$Comments\nanything $Nodes here is skipped\n$EndComments\n");
  /* entities: no points or curves, six surfaces, one volume (physical 7) */
  fprintf(f, "$Entities\n");
  Put(f, binary, "%zu ", 0, 0), Put(f, binary, "%zu ", 0, 0), Put(f, binary, "%zu ", 6, 0), Put(f, binary, "%zu\n", 1, 0);
  for (int s = 1; s <= 7; s++) {
    Put(f, binary, "%zu ", (size_t)(s == 7 ? 1 : s), 1);
    for (int k = 0; k < 6; k++) PutReal(f, binary, k < 3 ? 0 : 1);
    if ((s == 7) || d->surfPhys[s]) {
      Put(f, binary, "%zu ", 1, 0);
      Put(f, binary, "%zu ", (size_t)(s == 7 ? 7 : d->surfPhys[s]), 1);
    } else
      Put(f, binary, "%zu ", 0, 0);
    Put(f, binary, "%zu\n", 0, 0); /* no bounding entities */
  }
  fprintf(f, "%s$EndEntities\n$Nodes\n", binary ? "\n" : "");
  Put(f, binary, "%zu ", 1, 0), Put(f, binary, "%zu ", (size_t)d->nNodes, 0), Put(f, binary, "%zu ", TAG(0), 0), Put(f, binary, "%zu\n", TAG(d->nNodes - 1), 0);
  Put(f, binary, "%zu ", 3, 1), Put(f, binary, "%zu ", 1, 1), Put(f, binary, "%zu ", 0, 1), Put(f, binary, "%zu\n", (size_t)d->nNodes, 0);
  for (int i = 0; i < d->nNodes; i++) Put(f, binary, "%zu\n", TAG(i), 0);
  for (int i = 0; i < d->nNodes; i++) {
    for (int k = 0; k < 3; k++) PutReal(f, binary, d->x[i][k]);
    if (!binary) fprintf(f, "\n");
  }
  fprintf(f, "%s$EndNodes\n$Elements\n", binary ? "\n" : "");
  for (int b = 0; b < d->nBlocks; b++) ne += (size_t)d->b[b].n;
  Put(f, binary, "%zu ", (size_t)d->nBlocks, 0), Put(f, binary, "%zu ", ne, 0), Put(f, binary, "%zu ", 1, 0), Put(f, binary, "%zu\n", ne, 0);
  ne = 1;
  for (int b = 0; b < d->nBlocks; b++) {
    const Block *B = &d->b[b];
    Put(f, binary, "%zu ", (size_t)DimOf(B->type), 1), Put(f, binary, "%zu ", (size_t)B->ent, 1), Put(f, binary, "%zu ", (size_t)B->type, 1), Put(f, binary, "%zu\n", (size_t)B->n, 0);
    for (int e = 0; e < B->n; e++) {
      Put(f, binary, "%zu", ne++, 0);
      for (int k = 0; k < NodesOf(B->type); k++) Put(f, binary, " %zu", TAG(B->conn[e][k]), 0);
      if (!binary) fprintf(f, "\n");
    }
  }
  fprintf(f, "%s$EndElements\n", binary ? "\n" : "");
  fclose(f);
}

/* ---------- the unit cube, 2x2x2 ---------- */

static int P(int i, int j, int k)
{
  return i + 3 * (j + 3 * k);
}

static void CubeNodes(Desc *d)
{
  memset(d, 0, sizeof(*d));
  d->nNodes = 27;
  for (int k = 0; k < 3; k++)
    for (int j = 0; j < 3; j++)
      for (int i = 0; i < 3; i++) d->x[P(i, j, k)][0] = 0.5 * i, d->x[P(i, j, k)][1] = 0.5 * j, d->x[P(i, j, k)][2] = 0.5 * k;
  d->surfPhys[1] = 1, d->surfPhys[2] = 2, d->surfPhys[3] = d->surfPhys[4] = d->surfPhys[5] = 3; /* surface 6 (z = 1): none */
}

/* Corners of cell (i,j,k) in Gmsh's hexahedron order. */
static void HexCorners(int i, int j, int k, int h[8])
{
  const int c[8] = {P(i, j, k), P(i + 1, j, k), P(i + 1, j + 1, k), P(i, j + 1, k), P(i, j, k + 1), P(i + 1, j, k + 1), P(i + 1, j + 1, k + 1), P(i, j + 1, k + 1)};
  memcpy(h, c, sizeof(c));
}

/* Boundary faces of the cube on surfaces 1..5 (x=0, x=1, y=0, y=1, z=0),
 * z = 1 left without surface elements (-> defaultFaces). Quads as
 * (min corner, ..., max corner); tri: split along the min-max diagonal
 * (as Kuhn's tetrahedra and the prisms split them) where `triAxes` has
 * the face normal's axis bit set. */
static void CubeBoundary(Desc *d, int triAxes)
{
  for (int s = 1; s <= 5; s++) {
    const int axis = (s - 1) / 2, side = (s - 1) % 2 ? 2 : 0, tri = (triAxes >> axis) & 1;
    Block    *B = &d->b[d->nBlocks++];
    B->ent = s, B->type = tri ? 2 : 3, B->n = 0;
    for (int a = 0; a < 2; a++)
      for (int b = 0; b < 2; b++) {
        int q[4], ijk[4][3];
        for (int v = 0; v < 4; v++) {
          const int da = v == 1 || v == 2, db = v >= 2;
          ijk[v][axis]           = side;
          ijk[v][(axis + 1) % 3] = a + da;
          ijk[v][(axis + 2) % 3] = b + db;
          q[v]                   = P(ijk[v][0], ijk[v][1], ijk[v][2]);
        }
        if (tri) {
          const int t1[3] = {q[0], q[1], q[2]}, t2[3] = {q[0], q[2], q[3]};
          memcpy(B->conn[B->n++], t1, sizeof(t1));
          memcpy(B->conn[B->n++], t2, sizeof(t2));
        } else
          memcpy(B->conn[B->n++], q, sizeof(q));
      }
  }
}

static void CubeHex(Desc *d)
{
  Block *B;
  CubeNodes(d);
  B      = &d->b[d->nBlocks++];
  B->ent = 1, B->type = 5, B->n = 0;
  for (int k = 0; k < 2; k++)
    for (int j = 0; j < 2; j++)
      for (int i = 0; i < 2; i++) HexCorners(i, j, k, B->conn[B->n++]);
  CubeBoundary(d, 0);
}

/* Kuhn's triangulation: for each permutation of the axes the path
 * min corner -> +e_a -> +e_b -> +e_c; odd permutations are reordered for a
 * positive volume. */
static void CubeTet(Desc *d)
{
  static const int perm[6][3] = {{0, 1, 2}, {1, 2, 0}, {2, 0, 1}, {0, 2, 1}, {2, 1, 0}, {1, 0, 2}};
  Block           *B;
  CubeNodes(d);
  B      = &d->b[d->nBlocks++];
  B->ent = 1, B->type = 4, B->n = 0;
  for (int k = 0; k < 2; k++)
    for (int j = 0; j < 2; j++)
      for (int i = 0; i < 2; i++)
        for (int p = 0; p < 6; p++) {
          int c[3] = {i, j, k}, *t = B->conn[B->n++];
          t[0] = P(c[0], c[1], c[2]);
          for (int s = 0; s < 3; s++) {
            c[perm[p][s]]++;
            t[s + 1] = P(c[0], c[1], c[2]);
          }
          if (p >= 3) { /* odd permutation: swap two vertices */
            const int tmp = t[1];
            t[1] = t[2], t[2] = tmp;
          }
        }
  CubeBoundary(d, 7);
}

static void CubePrism(Desc *d)
{
  Block *B;
  CubeNodes(d);
  B      = &d->b[d->nBlocks++];
  B->ent = 1, B->type = 6, B->n = 0;
  for (int k = 0; k < 2; k++)
    for (int j = 0; j < 2; j++)
      for (int i = 0; i < 2; i++) {
        int h[8];
        HexCorners(i, j, k, h);
        const int a[6] = {h[0], h[1], h[2], h[4], h[5], h[6]}, b[6] = {h[0], h[2], h[3], h[4], h[6], h[7]};
        memcpy(B->conn[B->n++], a, sizeof(a));
        memcpy(B->conn[B->n++], b, sizeof(b));
      }
  CubeBoundary(d, 4);
}

/* ---------- checks ---------- */

static GaleMesh Read(const char *name)
{
  char     path[1024];
  GaleMesh m = NULL;
  snprintf(path, sizeof(path), "%s/%s", gTmp, name);
  CHECK(GaleMeshReadGmsh(PETSC_COMM_WORLD, path, &m));
  CHECK(GaleMeshCheck(m));
  return m;
}

static void CheckMesh(GaleMesh m, PetscInt nCells, PetscInt nInternal, PetscInt nFaces, PetscInt nPatches, const char *const names[], const PetscInt sizes[])
{
  PetscReal vol = 0, S[3] = {0, 0, 0};

  assert_int_equal(nCells, m->nCells);
  assert_int_equal(nInternal, m->nInternalFaces);
  assert_int_equal(nFaces, m->nFaces);
  assert_int_equal(nPatches, m->nPatches);
  for (PetscInt p = 0; p < nPatches; p++) {
    assert_string_equal(names[p], m->patches[p].name);
    assert_string_equal("patch", m->patches[p].type);
    assert_int_equal(sizes[p], m->patches[p].size);
    assert_int_equal(p ? m->patches[p - 1].start + m->patches[p - 1].size : nInternal, m->patches[p].start);
  }
  for (PetscInt c = 0; c < m->nCells; c++) vol += m->cellVolumes[c];
  ASSERT_NEAR(1.0, vol, 1e-12);
  for (PetscInt f = nInternal; f < m->nFaces; f++)
    for (int k = 0; k < 3; k++) S[k] += m->faceAreas[3 * f + k];
  for (int k = 0; k < 3; k++) ASSERT_NEAR(0.0, S[k], 1e-12);
  /* owner < neighbour, internal faces ordered by owner then neighbour */
  for (PetscInt f = 0; f < nInternal; f++) {
    assert_true(m->owner[f] < m->neighbour[f]);
    if (f) assert_true(m->owner[f - 1] < m->owner[f] || (m->owner[f - 1] == m->owner[f] && m->neighbour[f - 1] < m->neighbour[f]));
  }
  /* each boundary face's normal points out of the cube: its centre lies on
   * a cube face and the area vector points away from the cube's centre */
  for (PetscInt f = nInternal; f < m->nFaces; f++) {
    PetscReal d = 0;
    for (int k = 0; k < 3; k++) d += (m->faceCentres[3 * f + k] - 0.5) * m->faceAreas[3 * f + k];
    assert_true(d > 0);
  }
}

/* Same topology and patches; points equal to `tol` (0: bit for bit; Gmsh
 * writes ascii coordinates with 16 digits, one short of a round trip). */
static void ExpectSame(GaleMesh a, GaleMesh b, PetscReal tol)
{
  assert_int_equal(a->nPoints, b->nPoints);
  assert_int_equal(a->nFaces, b->nFaces);
  assert_int_equal(a->nCells, b->nCells);
  assert_int_equal(a->nPatches, b->nPatches);
  if (tol == 0) assert_memory_equal(a->points, b->points, 3 * (size_t)a->nPoints * sizeof(PetscReal));
  for (PetscInt i = 0; i < 3 * a->nPoints; i++) ASSERT_NEAR(a->points[i], b->points[i], tol);
  assert_memory_equal(a->faceOffsets, b->faceOffsets, ((size_t)a->nFaces + 1) * sizeof(PetscInt));
  assert_memory_equal(a->facePoints, b->facePoints, (size_t)a->faceOffsets[a->nFaces] * sizeof(PetscInt));
  assert_memory_equal(a->owner, b->owner, (size_t)a->nFaces * sizeof(PetscInt));
  assert_memory_equal(a->neighbour, b->neighbour, (size_t)a->nInternalFaces * sizeof(PetscInt));
  assert_memory_equal(a->patches, b->patches, (size_t)a->nPatches * sizeof(GalePatch));
}

/* Read NAME.msh (ascii), NAME_bin.msh (binary) and NAME.msh.gz (gzipped ascii). */
static void ReadAllForms(const Desc *d, const char *name, PetscInt nCells, PetscInt nInternal, PetscInt nFaces, PetscInt nPatches, const char *const names[], const PetscInt sizes[])
{
  char     a[256], b[256], g[600], path[600];
  GaleMesh ma, mb, mg;
  FILE    *f;
  gzFile   z;
  long     n;
  char    *text;

  snprintf(a, sizeof(a), "%s.msh", name);
  snprintf(b, sizeof(b), "%s_bin.msh", name);
  WriteMsh(d, a, 0);
  WriteMsh(d, b, 1);
  snprintf(path, sizeof(path), "%s/%s", gTmp, a);
  f = fopen(path, "rb");
  assert_non_null(f);
  fseek(f, 0, SEEK_END);
  n = ftell(f);
  rewind(f);
  text = malloc((size_t)n);
  assert_int_equal(n, (long)fread(text, 1, (size_t)n, f));
  fclose(f);
  snprintf(g, sizeof(g), "%s/%s.msh.gz", gTmp, name);
  z = gzopen(g, "wb");
  assert_non_null(z);
  assert_int_equal(n, gzwrite(z, text, (unsigned)n));
  gzclose(z);
  free(text);
  snprintf(g, sizeof(g), "%s.msh.gz", name);
  ma = Read(a);
  mb = Read(b);
  mg = Read(g);
  CheckMesh(ma, nCells, nInternal, nFaces, nPatches, names, sizes);
  ExpectSame(ma, mb, 0);
  ExpectSame(ma, mg, 0);
  CHECK(GaleMeshDestroy(&ma));
  CHECK(GaleMeshDestroy(&mb));
  CHECK(GaleMeshDestroy(&mg));
}

static const char *const CubePatches[4] = {"inlet", "outlet", "walls", "defaultFaces"};

/* 8 hexahedra: 3 planes x 4 internal faces, 6 x 4 boundary faces. */
static void test_hex(void **state)
{
  Desc          *d        = malloc(sizeof(Desc));
  const PetscInt sizes[4] = {4, 4, 12, 4};
  (void)state;
  CubeHex(d);
  ReadAllForms(d, "hex", 8, 12, 36, 4, CubePatches, sizes);
  free(d);
}

/* 48 tetrahedra: 48 boundary triangles (8 per cube face); internal
 * (48 * 4 - 48) / 2 = 72. */
static void test_tet(void **state)
{
  Desc          *d        = malloc(sizeof(Desc));
  const PetscInt sizes[4] = {8, 8, 24, 8};
  (void)state;
  CubeTet(d);
  ReadAllForms(d, "tet", 48, 72, 120, 4, CubePatches, sizes);
  free(d);
}

/* 16 prisms: z faces 8 triangles each, x and y faces 4 quads each: 32
 * boundary faces; internal (16 * 5 - 32) / 2 = 24. */
static void test_prism(void **state)
{
  Desc          *d        = malloc(sizeof(Desc));
  const PetscInt sizes[4] = {4, 4, 16, 8};
  (void)state;
  CubePrism(d);
  ReadAllForms(d, "prism", 16, 24, 56, 4, CubePatches, sizes);
  free(d);
}

/* Unit cube: hexahedron [0, 1/2] x [0,1]^2; the right half split into six
 * pyramids from its centre (one per face of [1/2, 1] x [0,1]^2), the one
 * on x = 1 cut into two tetrahedra along its base's diagonal. Cells 8;
 * internal faces: hex-pyramid 1, around the centre 12 (one per edge of the
 * half box), tet-tet 1 = 14; boundary: 5 hex quads, 4 pyramid bases, 2
 * triangles = 11. The x = 1 triangles are on surface 2 (outlet), the y = 0
 * and y = 1 pyramid bases on surface 6 with no physical group (-> patch6),
 * the rest without surface elements (-> defaultFaces). The hexahedron's
 * nodes are listed inside out (mirrored), which the reader must turn. */
static void test_mixed(void **state)
{
  Desc              *d        = calloc(1, sizeof(Desc));
  static const char *names[3] = {"outlet", "patch6", "defaultFaces"};
  const PetscInt     sizes[3] = {2, 2, 7};
  int                c;
  Block             *B;
  (void)state;
  /* nodes 0..11: x in {0, 0.5, 1} x y in {0,1} x z in {0,1}; 12: centre */
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 2; j++)
      for (int k = 0; k < 2; k++) {
        const int n = i + 3 * (j + 2 * k);
        d->x[n][0] = 0.5 * i, d->x[n][1] = j, d->x[n][2] = k;
      }
#define Q(i, j, k) ((i) + 3 * ((j) + 2 * (k)))
  c          = 12;
  d->x[c][0] = 0.75, d->x[c][1] = 0.5, d->x[c][2] = 0.5;
  d->nNodes      = 13;
  d->surfPhys[2] = 2;
  B              = &d->b[d->nBlocks++];
  B->ent = 1, B->type = 5, B->n = 1;
  { /* mirrored: top and bottom exchanged */
    const int h[8] = {Q(0, 0, 1), Q(1, 0, 1), Q(1, 1, 1), Q(0, 1, 1), Q(0, 0, 0), Q(1, 0, 0), Q(1, 1, 0), Q(0, 1, 0)};
    memcpy(B->conn[0], h, sizeof(h));
  }
  B      = &d->b[d->nBlocks++];
  B->ent = 1, B->type = 7, B->n = 5;
  { /* bases counter-clockwise seen from the apex (inside) */
    const int p[5][5] = {
        {Q(1, 0, 0), Q(1, 1, 0), Q(1, 1, 1), Q(1, 0, 1), c}, /* x = 1/2 */
        {Q(1, 0, 0), Q(1, 0, 1), Q(2, 0, 1), Q(2, 0, 0), c}, /* y = 0 */
        {Q(1, 1, 0), Q(2, 1, 0), Q(2, 1, 1), Q(1, 1, 1), c}, /* y = 1 */
        {Q(1, 0, 0), Q(2, 0, 0), Q(2, 1, 0), Q(1, 1, 0), c}, /* z = 0 */
        {Q(1, 0, 1), Q(1, 1, 1), Q(2, 1, 1), Q(2, 0, 1), c}, /* z = 1 */
    };
    for (int e = 0; e < 5; e++) memcpy(B->conn[e], p[e], sizeof(p[e]));
  }
  B      = &d->b[d->nBlocks++];
  B->ent = 1, B->type = 4, B->n = 2;
  { /* x = 1 base split along (2,0,0)-(2,1,1) */
    const int t[2][4] = {{Q(2, 0, 0), Q(2, 1, 1), Q(2, 1, 0), c}, {Q(2, 0, 0), Q(2, 0, 1), Q(2, 1, 1), c}};
    memcpy(B->conn[0], t[0], sizeof(t[0]));
    memcpy(B->conn[1], t[1], sizeof(t[1]));
  }
  B      = &d->b[d->nBlocks++];
  B->ent = 2, B->type = 2, B->n = 2;
  {
    const int t[2][3] = {{Q(2, 0, 0), Q(2, 1, 0), Q(2, 1, 1)}, {Q(2, 0, 0), Q(2, 1, 1), Q(2, 0, 1)}};
    memcpy(B->conn[0], t[0], sizeof(t[0]));
    memcpy(B->conn[1], t[1], sizeof(t[1]));
  }
  B      = &d->b[d->nBlocks++];
  B->ent = 6, B->type = 3, B->n = 2;
  {
    const int q[2][4] = {{Q(1, 0, 0), Q(2, 0, 0), Q(2, 0, 1), Q(1, 0, 1)}, {Q(1, 1, 0), Q(1, 1, 1), Q(2, 1, 1), Q(2, 1, 0)}};
    memcpy(B->conn[0], q[0], sizeof(q[0]));
    memcpy(B->conn[1], q[1], sizeof(q[1]));
  }
#undef Q
  ReadAllForms(d, "mixed", 8, 14, 25, 3, names, sizes);
  free(d);
}

/* ---------- meshes made by Gmsh itself (when installed) ---------- */

/* Runs gmsh on a .geo script; 0 if gmsh is not available. */
static int RunGmsh(const char *geo, const char *name, const char *options)
{
  char  path[600], cmd[2048];
  FILE *f;
  if (system("gmsh --version > /dev/null 2>&1")) return 0;
  snprintf(path, sizeof(path), "%s/%s.geo", gTmp, name);
  f = fopen(path, "w");
  assert_non_null(f);
  fputs(geo, f);
  fclose(f);
  snprintf(cmd, sizeof(cmd), "gmsh -3 '%s' -format msh41 %s -o '%s/%s.msh' > /dev/null 2>&1", path, options, gTmp, name);
  assert_int_equal(0, system(cmd));
  return 1;
}

static void CheckGenerated(const char *name, PetscReal volume, PetscReal lo[3], PetscReal hi[3], PetscInt nPatches, const char *const names[])
{
  char      file[300];
  GaleMesh  m;
  PetscReal vol = 0, S[3] = {0, 0, 0};
  snprintf(file, sizeof(file), "%s.msh", name);
  m = Read(file);
  assert_int_equal(nPatches, m->nPatches);
  for (PetscInt p = 0; p < nPatches; p++) assert_string_equal(names[p], m->patches[p].name);
  for (PetscInt c = 0; c < m->nCells; c++) vol += m->cellVolumes[c];
  ASSERT_NEAR(volume, vol, 1e-12 * volume);
  for (PetscInt f = m->nInternalFaces; f < m->nFaces; f++)
    for (int k = 0; k < 3; k++) S[k] += m->faceAreas[3 * f + k];
  for (int k = 0; k < 3; k++) ASSERT_NEAR(0.0, S[k], 1e-12);
  /* boundary faces lie on the box's faces; those of a patch on the face it names */
  for (PetscInt p = 0; p < m->nPatches; p++)
    for (PetscInt f = m->patches[p].start; f < m->patches[p].start + m->patches[p].size; f++) {
      const PetscReal *c = m->faceCentres + 3 * f, *a = m->faceAreas + 3 * f;
      int              on = 0;
      for (int k = 0; k < 3; k++) on += fabs(c[k] - lo[k]) < 1e-12 || fabs(c[k] - hi[k]) < 1e-12;
      assert_true(on >= 1);
      if (!strcmp(names[p], "inlet")) assert_true(fabs(c[0] - lo[0]) < 1e-12 && a[0] < 0);
      if (!strcmp(names[p], "outlet")) assert_true(fabs(c[0] - hi[0]) < 1e-12 && a[0] > 0);
      if (!strcmp(names[p], "defaultFaces")) assert_true(fabs(c[2] - hi[2]) < 1e-12 && a[2] > 0);
    }
  CHECK(GaleMeshDestroy(&m));
}

/* Gmsh 4.8 (Debian's gmsh package) meshes a 2 x 1 x 0.5 box (volume 1) with
 * tetrahedra (ascii and binary, which must read the same), and a unit
 * square extruded one layer of 0.1 as hexahedra (recombined) and as prisms,
 * and a hexahedron beside tetrahedra with a pyramid between them;
 * z = top (OCC surface 6) is in no physical group, so Gmsh does not save
 * its triangles and the reader puts it in defaultFaces. Skipped without
 * gmsh; rank 0 only. */
static void test_generated(void **state)
{
  static const char *box         = "SetFactory(\"OpenCASCADE\");\nBox(1) = {0, 0, 0, 2, 1, 0.5};\n"
                                   "Physical Surface(\"inlet\") = {1};\nPhysical Surface(\"outlet\") = {2};\nPhysical Surface(\"walls\") = {3, 4, 5};\n"
                                   "Physical Volume(\"fluid\") = {1};\nMesh.CharacteristicLengthMax = 0.25;\n";
  static const char *ext         = "Point(1) = {0,0,0}; Point(2) = {1,0,0}; Point(3) = {1,1,0}; Point(4) = {0,1,0};\n"
                                   "Line(1) = {1,2}; Line(2) = {2,3}; Line(3) = {3,4}; Line(4) = {4,1};\n"
                                   "Curve Loop(1) = {1,2,3,4}; Plane Surface(1) = {1};\n"
                                   "Transfinite Curve{1,3} = 5; Transfinite Curve{2,4} = 4; Transfinite Surface{1};\n%s"
                                   "out[] = Extrude {0,0,0.1} { Surface{1}; Layers{1}; Recombine; };\n"
                                   "Physical Surface(\"front\") = {1};\nPhysical Surface(\"back\") = {out[0]};\n"
                                   "Physical Surface(\"sides\") = {out[2], out[3], out[4], out[5]};\nPhysical Volume(\"v\") = {out[1]};\n";
  static const char *pyr         = "SetFactory(\"OpenCASCADE\");\nBox(1) = {0, 0, 0, 1, 1, 1};\nBox(2) = {1, 0, 0, 1, 1, 1};\n"
                                   "BooleanFragments{ Volume{1}; Delete; }{ Volume{2}; Delete; }\nTransfinite Curve{:} = 2;\nTransfinite Surface{1:6};\n"
                                   "Transfinite Volume{1};\nRecombine Surface{1:6};\nMesh.CharacteristicLengthMax = 0.7;\n"
                                   "Physical Surface(\"all\") = {1:11};\nPhysical Volume(\"v\") = {1,2};\n";
  static const char *boxNames[4] = {"inlet", "outlet", "walls", "defaultFaces"}, *extNames[3] = {"front", "back", "sides"}, *pyrNames[1] = {"all"};
  PetscReal          lo[3] = {0, 0, 0}, hi[3] = {2, 1, 0.5}, hi2[3] = {1, 1, 0.1}, hi3[3] = {2, 1, 1};
  char               geo[2048];
  GaleMesh           a, b;
  PetscMPIInt        rank;
  (void)state;
  CHECK(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  if (rank) return; /* the other ranks would only repeat it */
  if (!RunGmsh(box, "gbox", "") || !RunGmsh(box, "gbox_bin", "-bin")) {
    skip();
    return;
  }
  CheckGenerated("gbox", 1.0, lo, hi, 4, boxNames);
  a = Read("gbox.msh");
  b = Read("gbox_bin.msh");
  ExpectSame(a, b, 1e-15);
  assert_true(a->nCells > 100);
  CHECK(GaleMeshDestroy(&a));
  CHECK(GaleMeshDestroy(&b));
  snprintf(geo, sizeof(geo), ext, "Recombine Surface{1};\n");
  assert_int_equal(1, RunGmsh(geo, "ghex", ""));
  CheckGenerated("ghex", 0.1, lo, hi2, 3, extNames);
  a = Read("ghex.msh");
  assert_int_equal(12, a->nCells); /* 4 x 3 hexahedra */
  CHECK(GaleMeshDestroy(&a));
  snprintf(geo, sizeof(geo), ext, "");
  assert_int_equal(1, RunGmsh(geo, "gprism", "-bin"));
  CheckGenerated("gprism", 0.1, lo, hi2, 3, extNames);
  a = Read("gprism.msh");
  assert_int_equal(24, a->nCells); /* 12 quads, 2 triangles each */
  CHECK(GaleMeshDestroy(&a));
  /* two unit cubes, one a single (transfinite) hexahedron, the other
   * tetrahedra, joined by Gmsh's pyramids for hybrid meshes */
  assert_int_equal(1, RunGmsh(pyr, "gpyr", ""));
  CheckGenerated("gpyr", 2.0, lo, hi3, 1, pyrNames);
}

/* ---------- the case file's mesh.gmsh ---------- */

/* mesh.gmsh is resolved against the case directory, scaled by mesh.scale,
 * and is exclusive with the other mesh sources. */
static void test_case(void **state)
{
  Desc       *d = malloc(sizeof(Desc));
  char        path[600], want[600];
  FILE       *f;
  GaleCase   *cs  = NULL;
  GaleMesh    m   = NULL;
  PetscReal   vol = 0;
  const char *names[4];
  (void)state;
  CubeHex(d);
  WriteMsh(d, "case_cube.msh", 1);
  free(d);
  snprintf(path, sizeof(path), "%s/case.yaml", gTmp);
  f = fopen(path, "w");
  assert_non_null(f);
  fprintf(f, "mesh: {gmsh: case_cube.msh, scale: 2}\nfluid: {nu: 1e-3}\nboundary:\n  inlet: {type: inlet, U: [1, 0, 0]}\n  outlet: {type: outlet}\n"
             "  walls: {type: wall}\n  defaultFaces: {type: symmetry}\n");
  fclose(f);
  CHECK(GaleCaseRead(PETSC_COMM_WORLD, gTmp, &cs));
  assert_int_equal(GALE_MESH_GMSH, cs->mesh_source);
  snprintf(want, sizeof(want), "%s/case_cube.msh", gTmp);
  assert_string_equal(want, cs->gmsh_file);
  CHECK(GaleMeshBuildFromCase(PETSC_COMM_WORLD, cs, &m));
  CHECK(GaleMeshCheck(m));
  for (PetscInt c = 0; c < m->nCells; c++) vol += m->cellVolumes[c];
  ASSERT_NEAR(8.0, vol, 1e-12); /* (2 x 1)^3 */
  for (PetscInt p = 0; p < m->nPatches; p++) names[p] = m->patches[p].name;
  CHECK(GaleCaseCheckPatches(cs, m->nPatches, names));
  CHECK(GaleMeshDestroy(&m));
  CHECK(GaleCaseDestroy(&cs));
  f = fopen(path, "w");
  assert_non_null(f);
  fprintf(f, "mesh:\n  gmsh: case_cube.msh\n  polyMesh: constant/polyMesh\nfluid: {nu: 1e-3}\nboundary: {walls: {type: wall}}\n");
  fclose(f);
  EXPECT_ERROR(GaleCaseRead(PETSC_COMM_WORLD, gTmp, &cs), "case.yaml:2:", "'mesh' has both 'gmsh' and 'polyMesh' (line 3)", "expected exactly one of");
  assert_null(cs);
}

/* ---------- a solve on a Gmsh mesh ---------- */

/* Channel [0,4] x [0,1] x [0,0.1] as NX x NY quads cut into two right
 * triangles each, extruded to prisms (as Gmsh's Extrude would), ascii MSH
 * 4.1: surfaces 1 inlet (x = 0), 2 outlet (x = 4), 3 wall (y = 0 and 1),
 * 4 sides (z = 0 and 0.1, triangles). */
#define NX 20
#define NY 10
static void WriteChannel(const char *path)
{
  FILE     *f  = fopen(path, "w");
  const int np = (NX + 1) * (NY + 1);
  int       e  = 1;
#define N(i, j, k) (1 + (i) + (NX + 1) * (j) + np * (k))
  assert_non_null(f);
  fprintf(f, "$MeshFormat\n4.1 0 8\n$EndMeshFormat\n$PhysicalNames\n4\n2 1 \"inlet\"\n2 2 \"outlet\"\n2 3 \"wall\"\n2 4 \"sides\"\n$EndPhysicalNames\n");
  fprintf(f, "$Entities\n0 0 4 1\n");
  for (int s = 1; s <= 4; s++) fprintf(f, "%d 0 0 0 4 1 0.1 1 %d 0\n", s, s);
  fprintf(f, "1 0 0 0 4 1 0.1 0 0\n$EndEntities\n$Nodes\n1 %d 1 %d\n3 1 0 %d\n", 2 * np, 2 * np, 2 * np);
  for (int i = 1; i <= 2 * np; i++) fprintf(f, "%d\n", i);
  for (int k = 0; k < 2; k++)
    for (int j = 0; j <= NY; j++)
      for (int i = 0; i <= NX; i++) fprintf(f, "%.17g %.17g %.17g\n", 4.0 * i / NX, 1.0 * j / NY, 0.1 * k);
  fprintf(f, "$EndNodes\n$Elements\n5 %d 1 %d\n", 2 * NX * NY + 2 * NY + 2 * NX + 4 * NX * NY, 2 * NX * NY + 2 * NY + 2 * NX + 4 * NX * NY);
  fprintf(f, "3 1 6 %d\n", 2 * NX * NY);
  for (int j = 0; j < NY; j++)
    for (int i = 0; i < NX; i++) {
      fprintf(f, "%d %d %d %d %d %d %d\n", e++, N(i, j, 0), N(i + 1, j, 0), N(i + 1, j + 1, 0), N(i, j, 1), N(i + 1, j, 1), N(i + 1, j + 1, 1));
      fprintf(f, "%d %d %d %d %d %d %d\n", e++, N(i, j, 0), N(i + 1, j + 1, 0), N(i, j + 1, 0), N(i, j, 1), N(i + 1, j + 1, 1), N(i, j + 1, 1));
    }
  for (int s = 1; s <= 2; s++) {
    fprintf(f, "2 %d 3 %d\n", s, NY);
    for (int j = 0; j < NY; j++) {
      const int i = s == 1 ? 0 : NX;
      fprintf(f, "%d %d %d %d %d\n", e++, N(i, j, 0), N(i, j + 1, 0), N(i, j + 1, 1), N(i, j, 1));
    }
  }
  fprintf(f, "2 3 3 %d\n", 2 * NX);
  for (int j = 0; j <= NY; j += NY)
    for (int i = 0; i < NX; i++) fprintf(f, "%d %d %d %d %d\n", e++, N(i, j, 0), N(i + 1, j, 0), N(i + 1, j, 1), N(i, j, 1));
  fprintf(f, "2 4 2 %d\n", 4 * NX * NY);
  for (int k = 0; k < 2; k++)
    for (int j = 0; j < NY; j++)
      for (int i = 0; i < NX; i++) {
        fprintf(f, "%d %d %d %d\n", e++, N(i, j, k), N(i + 1, j, k), N(i + 1, j + 1, k));
        fprintf(f, "%d %d %d %d\n", e++, N(i, j, k), N(i + 1, j + 1, k), N(i, j + 1, k));
      }
  fprintf(f, "$EndElements\n");
  fclose(f);
#undef N
}

/* Plane Poiseuille flow on the prism channel: fully developed inflow
 * u = 6 y (1 - y) (mean 1), nu = 0.1; analytic solution (White, Viscous
 * Fluid Flow, 3rd ed., sec. 3-3.2) u = 6 y (1 - y) everywhere and
 * dp/dx = -12 nu U_mean / h^2 = -1.2. The finite-volume scheme on these
 * uniform triangles reproduces the parabola to within its O(dy^2)
 * truncation error: at most 2 % of u_max (as tests/solver allows 20 cells
 * for the same flow), and the pressure gradient (least-squares slope of p
 * over the cells with 1 < x < 3) to 2 %. */
static void test_poiseuille_prisms(void **state)
{
  GaleCase  *cs     = NULL;
  GaleMesh   global = NULL, local = NULL;
  GaleSolver s = NULL;
  char       path[600];
  FILE      *f;
  PetscReal  loc[6] = {0, 0, 0, 0, 0, 0}, g[6], err = 0, gerr;
  (void)state;
  snprintf(path, sizeof(path), "%s/channel.msh", gTmp);
  WriteChannel(path);
  snprintf(path, sizeof(path), "%s/case.yaml", gTmp);
  f = fopen(path, "w");
  assert_non_null(f);
  fprintf(f, "mesh: {gmsh: channel.msh}\nfluid: {nu: 0.1}\nboundary:\n  inlet: {type: inlet, U: {expression: [\"6*y*(1-y)\", \"0\", \"0\"]}}\n"
             "  outlet: {type: outlet, p: 0}\n  wall: {type: wall}\n  sides: {type: empty}\n"
             "solver: {algorithm: SIMPLE, max_iterations: 2000, tolerance: 1e-10, gradient: leastSquares,\n"
             "         linear: {U: {rtol: 1e-3}, p: {rtol: 1e-3}}}\n");
  fclose(f);
  CHECK(GaleCaseRead(PETSC_COMM_WORLD, gTmp, &cs));
  CHECK(GaleMeshBuildFromCase(PETSC_COMM_WORLD, cs, &global));
  assert_int_equal(2 * NX * NY, global->nCells);
  CHECK(GaleMeshDistribute(global, PETSC_COMM_WORLD, &local));
  CHECK(GaleSolverCreate(cs, local, &s));
  CHECK(GaleSolverInitialise(s));
  for (PetscInt it = 0; it < cs->max_iterations; it++) {
    PetscBool done = PETSC_TRUE;
    CHECK(GaleSolverSteadyIteration(s));
    for (int k = 0; k < 4; k++)
      if (s->residual[k] > 1e-9) done = PETSC_FALSE;
    if (done) break;
  }
  for (PetscInt c = 0; c < s->nc; c++) {
    const PetscReal *x = local->cellCentres + 3 * c;
    if (x[0] > 1 && x[0] < 3) {
      err = PetscMax(err, PetscAbsReal(s->U[c] - 6 * x[1] * (1 - x[1])));
      loc[0] += 1, loc[1] += x[0], loc[2] += x[0] * x[0], loc[3] += s->p[c], loc[4] += x[0] * s->p[c];
    }
  }
  CHECK(MPI_Allreduce(&err, &gerr, 1, MPIU_REAL, MPI_MAX, PETSC_COMM_WORLD));
  CHECK(MPI_Allreduce(loc, g, 6, MPIU_REAL, MPI_SUM, PETSC_COMM_WORLD));
  {
    const PetscReal slope = (g[0] * g[4] - g[1] * g[3]) / (g[0] * g[2] - g[1] * g[1]);
    if (getenv("GALE_TEST_VERBOSE")) print_message("prism Poiseuille: %" PetscInt_FMT " iterations, max |u - u_exact| %g, dp/dx %g\n", s->iteration, (double)gerr, (double)slope);
    ASSERT_NEAR(0.0, gerr, 0.02 * 1.5);
    ASSERT_NEAR(-1.2, slope, 0.02 * 1.2);
  }
  CHECK(GaleSolverDestroy(&s));
  CHECK(GaleMeshDestroy(&local));
  CHECK(GaleMeshDestroy(&global));
  CHECK(GaleCaseDestroy(&cs));
}

/* ---------- broken files ---------- */

static const char *WriteN(const char *name, const char *text, size_t len)
{
  static char path[600];
  FILE       *f;
  snprintf(path, sizeof(path), "%s/%s", gTmp, name);
  f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(len, fwrite(text, 1, len, f));
  fclose(f);
  return path;
}

static const char *Write(const char *name, const char *text)
{
  return WriteN(name, text, strlen(text));
}

#define HEAD "$MeshFormat\n4.1 0 8\n$EndMeshFormat\n"
/* one tetrahedron, nodes 1..4 */
#define NODES "$Nodes\n1 4 1 4\n3 1 0 4\n1\n2\n3\n4\n0 0 0\n1 0 0\n0 1 0\n0 0 1\n$EndNodes\n"

static void test_errors(void **state)
{
  GaleMesh    m = NULL;
  Desc       *d = malloc(sizeof(Desc));
  const char *p;
  char        path[600], *text;
  FILE       *f;
  long        n;
  (void)state;

  p = Write("v22.msh", "$MeshFormat\n2.2 0 8\n$EndMeshFormat\n");
  EXPECT_ERROR(GaleMeshReadGmsh(PETSC_COMM_WORLD, p, &m), "v22.msh:2:", "version '2.2' is not supported", "expected 4.1");
  assert_null(m);
  p = Write("notmsh.msh", "solid cube\n");
  EXPECT_ERROR(GaleMeshReadGmsh(PETSC_COMM_WORLD, p, &m), "notmsh.msh:1:", "expected '$MeshFormat'");
  p = Write("tagrange.msh", HEAD "$Nodes\n1 4 1 4\n3 1 0 4\n1\n2\n99\n4\n0 0 0\n1 0 0\n0 1 0\n0 0 1\n$EndNodes\n");
  EXPECT_ERROR(GaleMeshReadGmsh(PETSC_COMM_WORLD, p, &m), "tagrange.msh:9:", "node tag 99 out of range", "expected 1 to 4");
  p = Write("unknown_node.msh", HEAD NODES "$Elements\n1 1 1 1\n3 1 4 1\n1 1 2 3 7\n$EndElements\n");
  EXPECT_ERROR(GaleMeshReadGmsh(PETSC_COMM_WORLD, p, &m), "unknown_node.msh:19:", "element 1 uses node 7, which is not in $Nodes");
  p = Write("count.msh", HEAD "$Nodes\n1 1000000 1 1000000\n");
  EXPECT_ERROR(GaleMeshReadGmsh(PETSC_COMM_WORLD, p, &m), "count.msh:5:", "node count 1000000 is more than the rest of the file can hold");
  p = Write("second_order.msh", HEAD NODES "$Elements\n1 1 1 1\n3 1 11 1\n1 1 2 3 4 1 2 3 4 1 2\n$EndElements\n");
  EXPECT_ERROR(GaleMeshReadGmsh(PETSC_COMM_WORLD, p, &m), "second_order.msh:18:", "10-node second-order tetrahedron elements (type 11) are not supported", "Mesh.ElementOrder = 1");
  p = Write("flat.msh", HEAD NODES "$Elements\n1 1 1 1\n2 1 2 1\n1 1 2 3\n$EndElements\n");
  EXPECT_ERROR(GaleMeshReadGmsh(PETSC_COMM_WORLD, p, &m), "flat.msh: a 2D mesh", "Gale needs a 3D mesh", "one cell thick");

  /* truncated, ascii and binary: cut the hexahedra file inside $Nodes */
  CubeHex(d);
  for (int binary = 0; binary < 2; binary++) {
    WriteMsh(d, binary ? "cut_bin.msh" : "cut.msh", binary);
    snprintf(path, sizeof(path), "%s/%s", gTmp, binary ? "cut_bin.msh" : "cut.msh");
    f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    text = malloc((size_t)n);
    assert_int_equal(n, (long)fread(text, 1, (size_t)n, f));
    fclose(f);
    n = (char *)memmem(text, (size_t)n, "$EndNodes", 9) - text - 40; /* inside the coordinates */
    WriteN(binary ? "cut_bin.msh" : "cut.msh", text, (size_t)n);
    free(text);
    if (binary)
      EXPECT_ERROR(GaleMeshReadGmsh(PETSC_COMM_WORLD, path, &m), "cut_bin.msh: byte offset ", "node count 27 is more than the rest of the file can hold", "truncated file?");
    else
      EXPECT_ERROR(GaleMeshReadGmsh(PETSC_COMM_WORLD, path, &m), "cut.msh:", "expected node", "found end of file");
  }
  free(d);
}

static int Setup(void **state)
{
  (void)state;
  snprintf(gTmp, sizeof(gTmp), "/tmp/gale_test_gmsh_XXXXXX");
  return mkdtemp(gTmp) ? 0 : -1;
}

static int Teardown(void **state)
{
  char cmd[300];
  (void)state;
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", gTmp);
  return system(cmd);
}

int main(int argc, char **argv)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_hex),    cmocka_unit_test(test_tet), cmocka_unit_test(test_prism), cmocka_unit_test(test_mixed), cmocka_unit_test(test_generated), cmocka_unit_test(test_case), cmocka_unit_test(test_poiseuille_prisms),
      cmocka_unit_test(test_errors),
  };
  int fails;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  fails = cmocka_run_group_tests(tests, Setup, Teardown);
  PetscCall(PetscFinalize());
  return fails ? 1 : 0;
}
