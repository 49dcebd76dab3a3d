/* Tests of mesh/partition.c, mesh/distribute.c and mesh/halo.c at 1, 2 and
 * 3 ranks, on a stretched structured hex box built here (8 x 6 x 3 cells,
 * six patches). Every expected value comes from the global mesh itself:
 * integer checks are exact, copied geometry must match bit for bit and the
 * volume sum to round-off (1e-12 relative). Checks that precede a collective
 * call count failures locally and reduce them, so one failing rank cannot
 * leave the others waiting. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "gale_mesh.h"

#define NX 8
#define NY 6
#define NZ 3

static GaleMesh    gGlobal, gLocal;
static PetscMPIInt gSize, gRank;
static char        gCaptured[4096];
static PetscErrorCode (*gVFPrintf)(FILE *, const char[], va_list);

#define CHECK(call) assert_int_equal(0, (int)(call))

static PetscInt PointId(PetscInt nx, PetscInt ny, PetscInt i, PetscInt j, PetscInt k)
{
  return i + (nx + 1) * (j + (ny + 1) * k);
}

static void AddQuad(GaleMesh m, PetscInt *f, const PetscInt q[4], PetscBool flip, PetscInt owner, PetscInt neighbour)
{
  for (int a = 0; a < 4; a++) m->facePoints[4 * *f + a] = flip ? q[(4 - a) % 4] : q[a];
  m->faceOffsets[*f + 1] = 4 * (*f + 1);
  m->owner[*f]           = owner;
  if (neighbour >= 0) m->neighbour[*f] = neighbour;
  (*f)++;
}

/* Quad at lattice point (i,j,k) normal to axis `dir`, ordered so that its
 * right-hand normal points along +dir. */
static void Quad(PetscInt nx, PetscInt ny, int dir, PetscInt i, PetscInt j, PetscInt k, PetscInt q[4])
{
  const PetscInt di[3][3] = {{0, 1, 0}, {0, 0, 1}, {1, 0, 0}}; /* first edge: +y, +z, +x */
  const PetscInt dj[3][3] = {{0, 0, 1}, {1, 0, 0}, {0, 1, 0}}; /* second edge: +z, +x, +y */
  q[0]                    = PointId(nx, ny, i, j, k);
  q[1]                    = PointId(nx, ny, i + di[dir][0], j + di[dir][1], k + di[dir][2]);
  q[2]                    = PointId(nx, ny, i + di[dir][0] + dj[dir][0], j + di[dir][1] + dj[dir][1], k + di[dir][2] + dj[dir][2]);
  q[3]                    = PointId(nx, ny, i + dj[dir][0], j + dj[dir][1], k + dj[dir][2]);
}

/* Structured nx*ny*nz hex box on [0,2]x[0,1]x[0,0.5], graded in x and y;
 * patches xmin, xmax, ymin, ymax, zmin, zmax. */
static PetscErrorCode BuildBox(MPI_Comm comm, PetscInt nx, PetscInt ny, PetscInt nz, GaleMesh *mesh)
{
  const PetscInt n[3]   = {nx, ny, nz};
  const char    *name[] = {"xmin", "xmax", "ymin", "ymax", "zmin", "zmax"};
  const char    *type[] = {"patch", "patch", "wall", "wall", "symmetryPlane", "symmetryPlane"};
  PetscInt       nInt   = (nx - 1) * ny * nz + nx * (ny - 1) * nz + nx * ny * (nz - 1);
  PetscInt       nBnd = 2 * (ny * nz + nx * nz + nx * ny), f = 0, q[4];
  GaleMesh       m;

  PetscFunctionBeginUser;
  PetscCall(GaleMeshCreate(comm, &m));
  PetscCall(GaleMeshAllocate(m, (nx + 1) * (ny + 1) * (nz + 1), nInt + nBnd, nInt, 4 * (nInt + nBnd), nx * ny * nz, 6));
  for (PetscInt k = 0; k <= nz; k++)
    for (PetscInt j = 0; j <= ny; j++)
      for (PetscInt i = 0; i <= nx; i++) {
        PetscReal *x = m->points + 3 * PointId(nx, ny, i, j, k);
        x[0]         = 2.0 * PetscPowReal((PetscReal)i / nx, 1.3);
        x[1]         = PetscSinReal(0.5 * PETSC_PI * j / ny);
        x[2]         = 0.5 * k / nz;
      }
  for (int dir = 0; dir < 3; dir++) /* internal faces, normal +dir, owner on the low side */
    for (PetscInt k = (dir == 2); k < nz; k++)
      for (PetscInt j = (dir == 1); j < ny; j++)
        for (PetscInt i = (dir == 0); i < nx; i++) {
          const PetscInt c = i + nx * (j + ny * k), lo = c - (dir == 0 ? 1 : dir == 1 ? nx : nx * ny);
          Quad(nx, ny, dir, i, j, k, q);
          AddQuad(m, &f, q, PETSC_FALSE, lo, c);
        }
  for (int p = 0; p < 6; p++) {
    const int      dir = p / 2, hi = p % 2;
    const PetscInt a = (dir + 1) % 3, b = (dir + 2) % 3;
    m->patches[p].start = f;
    m->patches[p].size  = n[a] * n[b];
    PetscCall(PetscStrncpy(m->patches[p].name, name[p], sizeof(m->patches[p].name)));
    PetscCall(PetscStrncpy(m->patches[p].type, type[p], sizeof(m->patches[p].type)));
    for (PetscInt ib = 0; ib < n[b]; ib++)
      for (PetscInt ia = 0; ia < n[a]; ia++) {
        PetscInt ijk[3], cell[3];
        ijk[dir] = hi ? n[dir] : 0;
        ijk[a]   = ia;
        ijk[b]   = ib;
        for (int d = 0; d < 3; d++) cell[d] = ijk[d] - (d == dir && hi);
        Quad(nx, ny, dir, ijk[0], ijk[1], ijk[2], q);
        AddQuad(m, &f, q, hi ? PETSC_FALSE : PETSC_TRUE, cell[0] + nx * (cell[1] + ny * cell[2]), -1);
      }
  }
  PetscCheck(f == nInt + nBnd, comm, PETSC_ERR_PLIB, "built %" PetscInt_FMT " faces, expected %" PetscInt_FMT, f, nInt + nBnd);
  PetscCall(GaleMeshComputeGeometry(m));
  PetscCall(GaleMeshSetSerialNumbering(m));
  PetscCall(GaleMeshCheck(m));
  *mesh = m;
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscInt SumInt(PetscInt v)
{
  PetscInt s = 0;
  MPI_Allreduce(&v, &s, 1, MPIU_INT, MPI_SUM, PETSC_COMM_WORLD);
  return s;
}

/* Copies rank 0's output to gCaptured (to check the statistics line) and prints it. */
static PetscErrorCode CaptureVFPrintf(FILE *fd, const char fmt[], va_list ap)
{
  size_t  len = strlen(gCaptured);
  va_list aq;

  va_copy(aq, ap);
  vsnprintf(gCaptured + len, sizeof(gCaptured) - len, fmt, aq);
  va_end(aq);
  return gVFPrintf(fd, fmt, ap);
}

static int GroupSetup(void **state)
{
  (void)state;
  if (BuildBox(PETSC_COMM_WORLD, NX, NY, NZ, &gGlobal)) return -1;
  gVFPrintf     = PetscVFPrintf;
  PetscVFPrintf = CaptureVFPrintf;
  gCaptured[0]  = 0;
  if (GaleMeshDistribute(gGlobal, PETSC_COMM_WORLD, &gLocal)) return -1;
  PetscVFPrintf = gVFPrintf;
  return 0;
}

static int GroupTeardown(void **state)
{
  (void)state;
  if (GaleMeshDestroy(&gLocal) || GaleMeshDestroy(&gGlobal)) return -1;
  return 0;
}

/* Every cell gets a part, every part gets a cell, and the result is the same on every rank. */
static void test_partition_covers(void **state)
{
  const PetscInt nc = gGlobal->nCells;
  PetscInt      *part, *part0, *count, bad = 0;

  (void)state;
  CHECK(PetscMalloc1(nc, &part));
  CHECK(PetscMalloc1(nc, &part0));
  CHECK(PetscCalloc1(gSize, &count));
  CHECK(GaleMeshPartition(gGlobal, gSize, part));
  CHECK(PetscArraycpy(part0, part, nc));
  CHECK(MPI_Bcast(part0, (PetscMPIInt)nc, MPIU_INT, 0, PETSC_COMM_WORLD));
  for (PetscInt c = 0; c < nc; c++) {
    if (part[c] < 0 || part[c] >= gSize)
      bad++;
    else
      count[part[c]]++;
    if (part[c] != part0[c]) bad++;
  }
  for (PetscMPIInt r = 0; r < gSize; r++)
    if (!count[r]) bad++;
  assert_int_equal(0, SumInt(bad));
  CHECK(GaleMeshPartition(gGlobal, 1, part));
  for (PetscInt c = 0; c < nc; c++) assert_int_equal(0, part[c]);
  CHECK(PetscFree(part));
  CHECK(PetscFree(part0));
  CHECK(PetscFree(count));
}

/* Tiny meshes (one row of cells, as many cells as parts) still give non-empty parts. */
static void test_partition_tiny(void **state)
{
  (void)state;
  for (PetscInt np = 2; np <= 5; np++) {
    GaleMesh m;
    PetscInt part[5], count[5] = {0};
    CHECK(BuildBox(PETSC_COMM_SELF, np, 1, 1, &m));
    CHECK(GaleMeshPartition(m, np, part));
    for (PetscInt c = 0; c < np; c++) {
      assert_true(part[c] >= 0 && part[c] < np);
      count[part[c]]++;
    }
    for (PetscInt p = 0; p < np; p++) assert_int_equal(1, count[p]);
    CHECK(GaleMeshDestroy(&m));
  }
}

/* More parts than cells is a user error, reported and not a crash. */
static void test_partition_too_many_parts(void **state)
{
  GaleMesh m;
  PetscInt part[2];

  (void)state;
  CHECK(BuildBox(PETSC_COMM_SELF, 2, 1, 1, &m));
  CHECK(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  assert_int_not_equal(0, (int)GaleMeshPartition(m, 3, part));
  CHECK(PetscPopErrorHandler());
  CHECK(GaleMeshDestroy(&m));
}

static void test_distribute_cells(void **state)
{
  const GaleMesh l     = gLocal;
  PetscInt       start = 0, bad = 0;
  PetscReal      vol = 0, gvol = 0, vloc = 0;

  (void)state;
  assert_int_equal(gGlobal->nCells, SumInt(l->nCells));
  assert_int_equal(gGlobal->nCells, l->nCellsGlobal);
  assert_true(l->nCells > 0);
  assert_true(gSize > 1 || l->nGhosts == 0);
  CHECK(MPI_Exscan(&l->nCells, &start, 1, MPIU_INT, MPI_SUM, PETSC_COMM_WORLD));
  if (gRank == 0) start = 0;
  if (l->cellStart != start) bad++;
  for (PetscInt c = 0; c < l->nCells; c++) {
    if (l->globalCell[c] != start + c) bad++;
    if (c > 0 && l->cellOrigId[c] <= l->cellOrigId[c - 1]) bad++; /* owned by original id */
    vloc += l->cellVolumes[c];
  }
  for (PetscInt g = 1; g < l->nGhosts; g++) /* ghosts by (owner rank, original id) = global index */
    if (l->globalCell[l->nCells + g] <= l->globalCell[l->nCells + g - 1]) bad++;
  for (PetscInt c = 0; c < l->nCells + l->nGhosts; c++) {
    const PetscInt o = l->cellOrigId[c];
    if (l->cellVolumes[c] != gGlobal->cellVolumes[o]) bad++;
    for (int d = 0; d < 3; d++)
      if (l->cellCentres[3 * c + d] != gGlobal->cellCentres[3 * o + d]) bad++;
    if (c >= l->nCells && (l->globalCell[c] >= start && l->globalCell[c] < start + l->nCells)) bad++;
  }
  assert_int_equal(0, SumInt(bad));
  CHECK(MPI_Allreduce(&vloc, &vol, 1, MPIU_REAL, MPI_SUM, PETSC_COMM_WORLD));
  for (PetscInt c = 0; c < gGlobal->nCells; c++) gvol += gGlobal->cellVolumes[c];
  assert_true(PetscAbsReal(vol - gvol) <= 1e-12 * gvol);
  assert_true(PetscAbsReal(gvol - 1.0) <= 1e-12); /* the box is 2 x 1 x 0.5 */
}

/* Local faces reproduce the global ones: cells, orientation, points and geometry. */
static void test_distribute_faces(void **state)
{
  const GaleMesh l = gLocal, g = gGlobal;
  PetscInt       bad = 0, *ghostSeen;

  (void)state;
  CHECK(PetscCalloc1(l->nGhosts + 1, &ghostSeen));
  for (PetscInt f = 0; f < l->nFaces; f++) {
    const PetscInt gf = l->faceOrigId[f], np = l->faceOffsets[f + 1] - l->faceOffsets[f];
    if (gf < 0 || gf >= g->nFaces || (f < l->nInternalFaces) != (gf < g->nInternalFaces)) {
      bad++;
      continue;
    }
    if (f > 0 && f != l->nInternalFaces && gf <= l->faceOrigId[f - 1]) bad++; /* global order within a block */
    if (l->owner[f] < 0 || l->owner[f] >= l->nCells + l->nGhosts || l->cellOrigId[l->owner[f]] != g->owner[gf]) bad++;
    if (f < l->nInternalFaces) {
      const PetscInt o = l->owner[f], n = l->neighbour[f];
      if (n < 0 || n >= l->nCells + l->nGhosts || l->cellOrigId[n] != g->neighbour[gf]) bad++;
      if (o >= l->nCells && n >= l->nCells) bad++; /* at least one owned side */
      if (o >= l->nCells) ghostSeen[o - l->nCells] = 1;
      if (n >= l->nCells) ghostSeen[n - l->nCells] = 1;
    } else if (l->owner[f] >= l->nCells)
      bad++;
    if (np != g->faceOffsets[gf + 1] - g->faceOffsets[gf])
      bad++;
    else
      for (PetscInt k = 0; k < np; k++)
        for (int d = 0; d < 3; d++)
          if (l->points[3 * l->facePoints[l->faceOffsets[f] + k] + d] != g->points[3 * g->facePoints[g->faceOffsets[gf] + k] + d]) bad++;
    for (int d = 0; d < 3; d++)
      if (l->faceAreas[3 * f + d] != g->faceAreas[3 * gf + d] || l->faceCentres[3 * f + d] != g->faceCentres[3 * gf + d] || l->nonOrthCorr[3 * f + d] != g->nonOrthCorr[3 * gf + d]) bad++;
    if (l->faceMagAreas[f] != g->faceMagAreas[gf] || l->weights[f] != g->weights[gf] || l->deltaCoeffs[f] != g->deltaCoeffs[gf]) bad++;
  }
  for (PetscInt i = 0; i < l->nGhosts; i++)
    if (!ghostSeen[i]) bad++; /* every ghost touches an owned cell */
  CHECK(PetscFree(ghostSeen));
  assert_int_equal(0, SumInt(bad));
}

/* Patches: same names, types and order everywhere; sizes add up to the global ones. */
static void test_distribute_patches(void **state)
{
  const GaleMesh l = gLocal, g = gGlobal;
  PetscInt       bad = 0, next = l->nInternalFaces;

  (void)state;
  assert_int_equal(g->nPatches, l->nPatches);
  for (PetscInt p = 0; p < g->nPatches; p++) {
    assert_string_equal(g->patches[p].name, l->patches[p].name);
    assert_string_equal(g->patches[p].type, l->patches[p].type);
    if (l->patches[p].start != next) bad++;
    next += l->patches[p].size;
    for (PetscInt f = l->patches[p].start; f < l->patches[p].start + l->patches[p].size; f++) {
      const PetscInt gf = l->faceOrigId[f];
      if (gf < g->patches[p].start || gf >= g->patches[p].start + g->patches[p].size) bad++;
    }
  }
  if (next != l->nFaces) bad++;
  assert_int_equal(0, SumInt(bad));
  for (PetscInt p = 0; p < g->nPatches; p++) assert_int_equal(g->patches[p].size, SumInt(l->patches[p].size));
}

/* Ghosts receive their owner's values, for 1 and 3 components with padding in the stride. */
static void test_halo_exchange(void **state)
{
  const GaleMesh l  = gLocal;
  const PetscInt nl = l->nCells + l->nGhosts, stride = nl + 5;
  PetscReal     *f1, *f3;
  PetscInt       bad = 0;

  (void)state;
  CHECK(PetscMalloc1(nl + 1, &f1));
  CHECK(PetscMalloc1(3 * stride, &f3));
  for (PetscInt c = 0; c < nl; c++) {
    f1[c] = c < l->nCells ? (PetscReal)l->cellOrigId[c] : -1.0;
    for (int d = 0; d < 3; d++) f3[d * stride + c] = c < l->nCells ? 10.0 * l->cellOrigId[c] + d : -1.0;
  }
  for (PetscInt c = nl; c < stride; c++)
    for (int d = 0; d < 3; d++) f3[d * stride + c] = -7.0;
  CHECK(GaleHaloExchange(l, 1, nl, f1));
  CHECK(GaleHaloExchange(l, 3, stride, f3));
  CHECK(GaleHaloExchange(l, 1, nl, f1)); /* buffers sized for 3 components now */
  for (PetscInt c = 0; c < nl; c++) {
    if (f1[c] != (PetscReal)l->cellOrigId[c]) bad++;
    for (int d = 0; d < 3; d++)
      if (f3[d * stride + c] != 10.0 * l->cellOrigId[c] + d) bad++;
  }
  for (PetscInt c = nl; c < stride; c++)
    for (int d = 0; d < 3; d++)
      if (f3[d * stride + c] != -7.0) bad++;
  CHECK(PetscFree(f1));
  CHECK(PetscFree(f3));
  assert_int_equal(0, SumInt(bad));
}

/* The global index of a ghost is the one its owning rank gave the cell. */
static void test_halo_global_numbering(void **state)
{
  const GaleMesh l  = gLocal;
  const PetscInt nl = l->nCells + l->nGhosts;
  PetscReal     *gc;
  PetscInt       bad = 0;

  (void)state;
  CHECK(PetscMalloc1(nl + 1, &gc));
  for (PetscInt c = 0; c < nl; c++) gc[c] = c < l->nCells ? (PetscReal)l->globalCell[c] : -1.0;
  CHECK(GaleHaloExchange(l, 1, nl, gc));
  for (PetscInt c = l->nCells; c < nl; c++)
    if (gc[c] != (PetscReal)l->globalCell[c]) bad++;
  CHECK(PetscFree(gc));
  assert_int_equal(0, SumInt(bad));
}

static void test_statistics_printed(void **state)
{
  char expect[64];

  (void)state;
  if (gRank) return;
  snprintf(expect, sizeof(expect), "Partition: %d rank%s, cells per rank min", (int)gSize, gSize == 1 ? "" : "s");
  assert_non_null(strstr(gCaptured, expect));
  assert_non_null(strstr(gCaptured, "imbalance"));
  assert_non_null(strstr(gCaptured, "cut faces"));
}

/* Distributing over one rank gives back the global mesh unchanged. */
static void test_distribute_one_rank_identity(void **state)
{
  const GaleMesh g = gGlobal;
  GaleMesh       l;
  const PetscInt nfp = g->faceOffsets[g->nFaces];

  (void)state;
  CHECK(GaleMeshDistribute(g, PETSC_COMM_SELF, &l));
  assert_int_equal(g->nCells, l->nCells);
  assert_int_equal(0, l->nGhosts);
  assert_int_equal(g->nPoints, l->nPoints);
  assert_int_equal(g->nFaces, l->nFaces);
  assert_int_equal(g->nInternalFaces, l->nInternalFaces);
  assert_int_equal(g->nPatches, l->nPatches);
  assert_int_equal(0, l->cellStart);
  assert_int_equal(g->nCells, l->nCellsGlobal);
  assert_memory_equal(g->points, l->points, 3 * g->nPoints * sizeof(PetscReal));
  assert_memory_equal(g->faceOffsets, l->faceOffsets, (g->nFaces + 1) * sizeof(PetscInt));
  assert_memory_equal(g->facePoints, l->facePoints, nfp * sizeof(PetscInt));
  assert_memory_equal(g->owner, l->owner, g->nFaces * sizeof(PetscInt));
  assert_memory_equal(g->neighbour, l->neighbour, g->nInternalFaces * sizeof(PetscInt));
  assert_memory_equal(g->patches, l->patches, g->nPatches * sizeof(GalePatch));
  assert_memory_equal(g->cellCentres, l->cellCentres, 3 * g->nCells * sizeof(PetscReal));
  assert_memory_equal(g->cellVolumes, l->cellVolumes, g->nCells * sizeof(PetscReal));
  assert_memory_equal(g->faceCentres, l->faceCentres, 3 * g->nFaces * sizeof(PetscReal));
  assert_memory_equal(g->faceAreas, l->faceAreas, 3 * g->nFaces * sizeof(PetscReal));
  assert_memory_equal(g->faceMagAreas, l->faceMagAreas, g->nFaces * sizeof(PetscReal));
  assert_memory_equal(g->weights, l->weights, g->nFaces * sizeof(PetscReal));
  assert_memory_equal(g->deltaCoeffs, l->deltaCoeffs, g->nFaces * sizeof(PetscReal));
  assert_memory_equal(g->nonOrthCorr, l->nonOrthCorr, 3 * g->nFaces * sizeof(PetscReal));
  assert_memory_equal(g->globalCell, l->globalCell, g->nCells * sizeof(PetscInt));
  assert_memory_equal(g->cellOrigId, l->cellOrigId, g->nCells * sizeof(PetscInt));
  assert_memory_equal(g->faceOrigId, l->faceOrigId, g->nFaces * sizeof(PetscInt));
  CHECK(GaleMeshCheck(l));
  CHECK(GaleHaloExchange(l, 1, l->nCells, l->cellVolumes)); /* no ghosts: no-op */
  CHECK(GaleMeshDestroy(&l));
  assert_null(l);
}

static void test_halo_destroy_null(void **state)
{
  GaleHalo h = NULL;

  (void)state;
  CHECK(GaleHaloDestroy(&h));
  CHECK(GaleHaloDestroy(NULL));
  assert_null(h);
}

int main(int argc, char **argv)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_partition_covers),   cmocka_unit_test(test_partition_tiny), cmocka_unit_test(test_partition_too_many_parts), cmocka_unit_test(test_distribute_cells),   cmocka_unit_test(test_distribute_faces),
      cmocka_unit_test(test_distribute_patches), cmocka_unit_test(test_halo_exchange),  cmocka_unit_test(test_halo_global_numbering),    cmocka_unit_test(test_statistics_printed), cmocka_unit_test(test_distribute_one_rank_identity),
      cmocka_unit_test(test_halo_destroy_null),
  };
  int fails;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &gSize));
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &gRank));
  fails = cmocka_run_group_tests(tests, GroupSetup, GroupTeardown);
  PetscCall(PetscFinalize());
  return fails ? 1 : 0;
}
