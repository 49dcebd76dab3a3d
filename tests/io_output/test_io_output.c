/* Tests of io/output.c and io/checkpoint.c at 1 and 2 ranks on a small hex
 * box built here (a graded lattice under an affine map, so every cell is a
 * parallelepiped with planar faces), distributed with GaleMeshDistribute.
 * Expected values come from the global mesh: p = x + 2y + 3z and
 * U = (x, y, z) at the cell centres (exact copies, so compared to 1e-12),
 * and the topology is checked against the mesh faces point by point.
 * Files are read back with plain serial HDF5 on rank 0; checks that rank 0
 * makes alone are counted and broadcast so no rank is left waiting.
 *
 * `test_io_output --write-sample DIR` writes DIR/solution.{h5,xmf} (two
 * steps) and DIR/expected.json (cell count, mesh volume) for the ParaView
 * check (check_paraview.py). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <hdf5.h>
#include "gale_output.h"

static GaleMesh    gGlobal, gLocal;
static PetscMPIInt gSize, gRank;
static char        gRoot[256];
static char        gErrMsg[4096];

#define CHECK(call) assert_int_equal(0, (int)(call))

static PetscInt PointId(PetscInt nx, PetscInt ny, PetscInt i, PetscInt j, PetscInt k)
{
  return i + (nx + 1) * (j + (ny + 1) * k);
}

/* Quad at lattice point (i,j,k) normal to axis dir, right-hand normal +dir
 * (reversed with flip); appended as face *f. */
static void AddQuad(GaleMesh m, PetscInt *f, PetscInt nx, PetscInt ny, int dir, PetscInt i, PetscInt j, PetscInt k, PetscBool flip, PetscInt owner, PetscInt neighbour)
{
  const PetscInt e1[3][3] = {{0, 1, 0}, {0, 0, 1}, {1, 0, 0}};
  const PetscInt e2[3][3] = {{0, 0, 1}, {1, 0, 0}, {0, 1, 0}};
  PetscInt       q[4];

  q[0] = PointId(nx, ny, i, j, k);
  q[1] = PointId(nx, ny, i + e1[dir][0], j + e1[dir][1], k + e1[dir][2]);
  q[2] = PointId(nx, ny, i + e1[dir][0] + e2[dir][0], j + e1[dir][1] + e2[dir][1], k + e1[dir][2] + e2[dir][2]);
  q[3] = PointId(nx, ny, i + e2[dir][0], j + e2[dir][1], k + e2[dir][2]);
  for (int a = 0; a < 4; a++) m->facePoints[4 * *f + a] = flip ? q[(4 - a) % 4] : q[a];
  m->faceOffsets[*f + 1] = 4 * (*f + 1);
  m->owner[*f]           = owner;
  if (neighbour >= 0) m->neighbour[*f] = neighbour;
  (*f)++;
}

/* Box of nx*ny*nz cells: lattice graded in x and y on [0,2]x[0,1]x[0,1],
 * mapped by x' = x + 0.3y, y' = y + 0.2z, z' = 1.5z (volume 3). Patches
 * xmin, xmax, ymin, ymax, zmin, zmax. */
static PetscErrorCode BuildBox(MPI_Comm comm, PetscInt nx, PetscInt ny, PetscInt nz, GaleMesh *mesh)
{
  const PetscInt n[3]   = {nx, ny, nz};
  const char    *name[] = {"xmin", "xmax", "ymin", "ymax", "zmin", "zmax"};
  PetscInt       nInt   = (nx - 1) * ny * nz + nx * (ny - 1) * nz + nx * ny * (nz - 1);
  PetscInt       nBnd = 2 * (ny * nz + nx * nz + nx * ny), f = 0;
  GaleMesh       m;

  PetscFunctionBeginUser;
  PetscCall(GaleMeshCreate(comm, &m));
  PetscCall(GaleMeshAllocate(m, (nx + 1) * (ny + 1) * (nz + 1), nInt + nBnd, nInt, 4 * (nInt + nBnd), nx * ny * nz, 6));
  for (PetscInt k = 0; k <= nz; k++)
    for (PetscInt j = 0; j <= ny; j++)
      for (PetscInt i = 0; i <= nx; i++) {
        PetscReal *x = m->points + 3 * PointId(nx, ny, i, j, k);
        PetscReal  X = 2.0 * PetscPowReal((PetscReal)i / nx, 1.3), Y = PetscSinReal(0.5 * PETSC_PI * j / ny), Z = (PetscReal)k / nz;
        x[0] = X + 0.3 * Y;
        x[1] = Y + 0.2 * Z;
        x[2] = 1.5 * Z;
      }
  for (int dir = 0; dir < 3; dir++)
    for (PetscInt k = (dir == 2); k < nz; k++)
      for (PetscInt j = (dir == 1); j < ny; j++)
        for (PetscInt i = (dir == 0); i < nx; i++) {
          const PetscInt c = i + nx * (j + ny * k), lo = c - (dir == 0 ? 1 : dir == 1 ? nx : nx * ny);
          AddQuad(m, &f, nx, ny, dir, i, j, k, PETSC_FALSE, lo, c);
        }
  for (int p = 0; p < 6; p++) {
    const int dir = p / 2, hi = p % 2;
    PetscCall(PetscStrncpy(m->patches[p].name, name[p], sizeof(m->patches[p].name)));
    PetscCall(PetscStrncpy(m->patches[p].type, "patch", sizeof(m->patches[p].type)));
    m->patches[p].start = f;
    for (PetscInt b = 0; b < n[(dir + 2) % 3]; b++)
      for (PetscInt a = 0; a < n[(dir + 1) % 3]; a++) {
        PetscInt ijk[3], cell[3];
        ijk[dir]           = hi ? n[dir] : 0;
        ijk[(dir + 1) % 3] = a;
        ijk[(dir + 2) % 3] = b;
        for (int d = 0; d < 3; d++) cell[d] = d == dir ? (hi ? n[d] - 1 : 0) : ijk[d];
        AddQuad(m, &f, nx, ny, dir, ijk[0], ijk[1], ijk[2], (PetscBool)!hi, cell[0] + nx * (cell[1] + ny * cell[2]), -1);
      }
    m->patches[p].size = f - m->patches[p].start;
  }
  PetscCall(GaleMeshComputeGeometry(m));
  PetscCall(GaleMeshSetSerialNumbering(m));
  PetscCall(GaleMeshCheck(m));
  *mesh = m;
  PetscFunctionReturn(PETSC_SUCCESS);
}

typedef struct {
  PetscInt   stride;
  PetscReal *p, *U, *phi;
} TestFields;

static PetscReal ExactP(const PetscReal *x, PetscInt step)
{
  return x[0] + 2 * x[1] + 3 * x[2] + step;
}

static PetscReal ExactPhi(GaleMesh m, PetscInt f)
{
  return m->faceAreas[3 * f] + 2 * m->faceAreas[3 * f + 1] + 3 * m->faceAreas[3 * f + 2] + 1e-3 * m->faceOrigId[f];
}

static PetscErrorCode FillFields(GaleMesh m, PetscInt step, TestFields *t)
{
  PetscFunctionBeginUser;
  t->stride = m->nCells + m->nGhosts;
  PetscCall(PetscMalloc3(t->stride + 1, &t->p, 3 * t->stride + 1, &t->U, m->nFaces + 1, &t->phi));
  for (PetscInt c = 0; c < t->stride; c++) {
    const PetscReal *x = m->cellCentres + 3 * c;
    t->p[c]            = ExactP(x, step);
    for (int d = 0; d < 3; d++) t->U[d * t->stride + c] = x[d] * (step ? step : 1);
  }
  for (PetscInt f = 0; f < m->nFaces; f++) t->phi[f] = ExactPhi(m, f);
  PetscFunctionReturn(PETSC_SUCCESS);
}

static void FieldList(TestFields *t, GaleField fl[3])
{
  fl[0] = (GaleField){"p", 1, t->stride, PETSC_FALSE, t->p};
  fl[1] = (GaleField){"U", 3, t->stride, PETSC_FALSE, t->U};
  fl[2] = (GaleField){"phi", 1, 0, PETSC_TRUE, t->phi};
}

static PetscErrorCode FreeFields(TestFields *t)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree3(t->p, t->U, t->phi));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode WriteSteps(const char *dir, PetscBool append, PetscInt n, const PetscInt steps[])
{
  GaleOutput out;

  PetscFunctionBeginUser;
  PetscCall(GaleOutputCreate(gRank ? NULL : gGlobal, gLocal, dir, append, &out));
  for (PetscInt i = 0; i < n; i++) {
    TestFields t;
    GaleField  fl[3];
    PetscCall(FillFields(gLocal, steps[i], &t));
    FieldList(&t, fl);
    PetscCall(GaleOutputWrite(out, steps[i], 0.5 * steps[i], 3, fl));
    PetscCall(FreeFields(&t));
  }
  PetscCall(GaleOutputDestroy(&out));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static int Close(double a, double b)
{
  return fabs(a - b) <= 1e-12 * (1.0 + fabs(b));
}

static int ReadDataset(hid_t file, const char *name, hid_t type, size_t nexpect, void *buf)
{
  hid_t   d       = H5Dopen2(file, name, H5P_DEFAULT), s;
  hsize_t dims[2] = {0, 1};
  int     bad     = 0;

  if (d < 0) return 1;
  s = H5Dget_space(d);
  H5Sget_simple_extent_dims(s, dims, NULL);
  if (H5Sget_simple_extent_ndims(s) == 1) dims[1] = 1;
  if ((size_t)(dims[0] * dims[1]) != nexpect)
    bad = 1;
  else if (H5Dread(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)
    bad = 1;
  H5Sclose(s);
  H5Dclose(d);
  return bad;
}

/* Steps listed in solution.h5 as a "1,2,3" string. */
static int ListSteps(const char *h5, char *list, size_t len)
{
  hid_t      file = H5Fopen(h5, H5F_ACC_RDONLY, H5P_DEFAULT), g;
  H5G_info_t info;
  list[0] = 0;
  if (file < 0) return 1;
  g = H5Gopen2(file, "steps", H5P_DEFAULT);
  H5Gget_info(g, &info);
  for (hsize_t i = 0; i < info.nlinks; i++) {
    char    name[64];
    int64_t step = -1;
    hid_t   a;
    H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, name, sizeof(name), H5P_DEFAULT);
    a = H5Aopen_by_name(g, name, "step", H5P_DEFAULT, H5P_DEFAULT);
    H5Aread(a, H5T_NATIVE_INT64, &step);
    H5Aclose(a);
    snprintf(list + strlen(list), len - strlen(list), "%s%lld", i ? "," : "", (long long)step);
  }
  H5Gclose(g);
  H5Fclose(file);
  return 0;
}

/* Topology of cell c must list exactly its faces, each outward. */
static int CheckTopology(GaleMesh g, const int64_t *t, int64_t len)
{
  int64_t k   = 0;
  int     bad = 0;

  for (PetscInt c = 0; c < g->nCells && !bad; c++) {
    PetscInt nfaces = 0;
    for (PetscInt f = 0; f < g->nFaces; f++) nfaces += (g->owner[f] == c) + (f < g->nInternalFaces && g->neighbour[f] == c);
    if (k + 2 > len || t[k] != 16 || t[k + 1] != nfaces) return 1;
    k += 2;
    for (PetscInt j = 0; j < nfaces; j++) {
      const int64_t *fp   = t + k + 1;
      const int64_t  np   = t[k];
      PetscReal      S[3] = {0, 0, 0}, C[3] = {0, 0, 0}, dot = 0;
      PetscInt       match = -1;
      if (k + 1 + np > len) return 1;
      /* which face of c is it: same point set, same or reversed order */
      for (PetscInt f = 0; f < g->nFaces && match < 0; f++) {
        const PetscInt s = g->faceOffsets[f], n = g->faceOffsets[f + 1] - s;
        PetscBool      fwd = PETSC_TRUE, rev = PETSC_TRUE;
        if (n != np || (g->owner[f] != c && !(f < g->nInternalFaces && g->neighbour[f] == c))) continue;
        for (PetscInt i = 0; i < n; i++) {
          fwd = (PetscBool)(fwd && fp[i] == g->facePoints[s + i]);
          rev = (PetscBool)(rev && fp[i] == g->facePoints[s + n - 1 - i]);
        }
        if ((g->owner[f] == c && fwd) || (g->owner[f] != c && rev)) match = f;
      }
      if (match < 0) bad++;
      /* Newell normal of the listed polygon points away from the centre */
      for (int64_t i = 0; i < np; i++) {
        const PetscReal *a = g->points + 3 * fp[i], *b = g->points + 3 * fp[(i + 1) % np];
        S[0] += (a[1] - b[1]) * (a[2] + b[2]);
        S[1] += (a[2] - b[2]) * (a[0] + b[0]);
        S[2] += (a[0] - b[0]) * (a[1] + b[1]);
        for (int d = 0; d < 3; d++) C[d] += a[d] / np;
      }
      for (int d = 0; d < 3; d++) dot += S[d] * (C[d] - g->cellCentres[3 * c + d]);
      if (dot <= 0) bad++;
      k += 1 + np;
    }
  }
  return bad || k != len;
}

static char *ReadText(const char *path)
{
  FILE *fp = fopen(path, "rb");
  char *s;
  long  n;
  if (!fp) return NULL;
  fseek(fp, 0, SEEK_END);
  n = ftell(fp);
  fseek(fp, 0, SEEK_SET);
  s = calloc((size_t)n + 1, 1);
  if (fread(s, 1, (size_t)n, fp) != (size_t)n) s[0] = 0;
  fclose(fp);
  return s;
}

/* Steps the xmf in dir refers to, as "1,2,3" (from its /steps/N/p items). */
static int XmfSteps(const char *dir, char *list, size_t len)
{
  char        path[512], *s;
  const char *q;

  list[0] = 0;
  snprintf(path, sizeof(path), "%s/solution.xmf", dir);
  if (!(s = ReadText(path))) return 1;
  for (q = s; (q = strstr(q, "solution.h5:/steps/")); q++) {
    long long   step = strtoll(q + strlen("solution.h5:/steps/"), NULL, 10);
    const char *end  = strchr(q, '<');
    if (end && end - q > 2 && !strncmp(end - 2, "/p", 2)) snprintf(list + strlen(list), len - strlen(list), "%s%lld", list[0] ? "," : "", step);
  }
  free(s);
  return 0;
}

/* Check solution.h5 in dir: mesh, and steps[] with p, U as written. */
/* /mesh/boundary: every boundary face once, as a polygon of the file's
 * points, grouped by patch, pointing out of its owner cell. The faces close
 * the domain: their area vectors (from the file's points) sum to zero
 * (divergence theorem), which fails for a missing, repeated or reversed
 * face. */
static int CheckBoundary(GaleMesh g, hid_t file, const PetscReal *pts)
{
  const int64_t nb  = g->nFaces - g->nInternalFaces;
  int64_t       len = 0, k = 0, *topo, *patch, *owner;
  char(*names)[GALE_NAME_LEN];
  double sum[3] = {0, 0, 0}, total = 0;
  int    bad = 0;
  hid_t  str = H5Tcopy(H5T_C_S1);

  H5Tset_size(str, GALE_NAME_LEN);
  for (PetscInt f = g->nInternalFaces; f < g->nFaces; f++) len += 2 + g->faceOffsets[f + 1] - g->faceOffsets[f];
  topo  = malloc(sizeof(int64_t) * len);
  patch = malloc(sizeof(int64_t) * nb);
  owner = malloc(sizeof(int64_t) * nb);
  names = malloc(sizeof(*names) * g->nPatches);
  bad += ReadDataset(file, "mesh/boundary/topology", H5T_NATIVE_INT64, len, topo);
  bad += ReadDataset(file, "mesh/boundary/patch", H5T_NATIVE_INT64, nb, patch);
  bad += ReadDataset(file, "mesh/boundary/owner", H5T_NATIVE_INT64, nb, owner);
  bad += ReadDataset(file, "mesh/boundary/patch_names", str, g->nPatches, names);
  for (PetscInt p = 0; !bad && p < g->nPatches; p++) bad += strcmp(names[p], g->patches[p].name) != 0;
  for (int64_t i = 0; !bad && i < nb; i++) {
    const int64_t  np = topo[k + 1], *id = topo + k + 2;
    double         c[3] = {0, 0, 0}, a[3] = {0, 0, 0}, d = 0;
    const PetscInt f = g->nInternalFaces + (PetscInt)i; /* patches are in face order */
    if (topo[k] != 3 || np < 3 || patch[i] < 0 || patch[i] >= g->nPatches || f < g->patches[patch[i]].start || f >= g->patches[patch[i]].start + g->patches[patch[i]].size || owner[i] < 0 || owner[i] >= g->nCells) {
      bad++;
      break;
    }
    for (int64_t j = 0; j < np; j++)
      for (int e = 0; e < 3; e++) c[e] += pts[3 * id[j] + e] / np;
    for (int64_t j = 0; j < np; j++) { /* triangles around the centroid */
      const PetscReal *p0 = pts + 3 * id[j], *p1 = pts + 3 * id[(j + 1) % np];
      const double     u[3] = {p0[0] - c[0], p0[1] - c[1], p0[2] - c[2]}, v[3] = {p1[0] - c[0], p1[1] - c[1], p1[2] - c[2]};
      a[0] += 0.5 * (u[1] * v[2] - u[2] * v[1]);
      a[1] += 0.5 * (u[2] * v[0] - u[0] * v[2]);
      a[2] += 0.5 * (u[0] * v[1] - u[1] * v[0]);
    }
    for (int e = 0; e < 3; e++) {
      sum[e] += a[e];
      d += (c[e] - g->cellCentres[3 * owner[i] + e]) * a[e];
    }
    total += sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2]);
    bad += d <= 0; /* outward */
    k += 2 + np;
  }
  if (!bad && (k != len || fabs(sum[0]) + fabs(sum[1]) + fabs(sum[2]) > 1e-12 * total)) bad++;
  if (bad) fprintf(stderr, "mesh/boundary: wrong faces, patches or orientation (area vector sum %g %g %g of %g)\n", sum[0], sum[1], sum[2], total);
  H5Tclose(str);
  free(topo);
  free(patch);
  free(owner);
  free(names);
  return bad;
}

static int CheckSolutionFile(const char *dir, PetscInt n, const PetscInt steps[])
{
  GaleMesh   g = gGlobal;
  char       h5[512], path[128], list[256], expect[256] = "";
  hid_t      file;
  int        bad = 0;
  PetscReal *pts, *p, *U;
  int64_t   *topo, len = 2 * g->nCells;

  snprintf(h5, sizeof(h5), "%s/solution.h5", dir);
  if (access(h5, F_OK) || ListSteps(h5, list, sizeof(list))) return 1;
  for (PetscInt i = 0; i < n; i++) snprintf(expect + strlen(expect), sizeof(expect) - strlen(expect), "%s%lld", i ? "," : "", (long long)steps[i]);
  if (strcmp(list, expect)) {
    fprintf(stderr, "%s: steps %s, expected %s\n", h5, list, expect);
    return 1;
  }
  if (XmfSteps(dir, list, sizeof(list)) || strcmp(list, expect)) {
    fprintf(stderr, "%s/solution.xmf: steps %s, expected %s\n", dir, list, expect);
    return 1;
  }
  for (PetscInt f = 0; f < g->nFaces; f++) len += (1 + g->faceOffsets[f + 1] - g->faceOffsets[f]) * (f < g->nInternalFaces ? 2 : 1);
  file = H5Fopen(h5, H5F_ACC_RDONLY, H5P_DEFAULT);
  pts  = malloc(sizeof(PetscReal) * 3 * g->nPoints);
  topo = malloc(sizeof(int64_t) * len);
  p    = malloc(sizeof(PetscReal) * g->nCells);
  U    = malloc(sizeof(PetscReal) * 3 * g->nCells);
  bad += ReadDataset(file, "mesh/points", H5T_NATIVE_DOUBLE, 3 * g->nPoints, pts);
  for (PetscInt i = 0; !bad && i < 3 * g->nPoints; i++) bad += pts[i] != g->points[i];
  bad += ReadDataset(file, "mesh/topology", H5T_NATIVE_INT64, len, topo);
  if (!bad) bad += CheckTopology(g, topo, len);
  if (!bad) bad += CheckBoundary(g, file, pts);
  for (PetscInt s = 0; s < n && !bad; s++) {
    double  time = -1;
    int64_t st   = -1;
    hid_t   a;
    snprintf(path, sizeof(path), "steps/%08lld", (long long)steps[s]);
    a = H5Aopen_by_name(file, path, "time", H5P_DEFAULT, H5P_DEFAULT);
    H5Aread(a, H5T_NATIVE_DOUBLE, &time);
    H5Aclose(a);
    a = H5Aopen_by_name(file, path, "step", H5P_DEFAULT, H5P_DEFAULT);
    H5Aread(a, H5T_NATIVE_INT64, &st);
    H5Aclose(a);
    bad += time != 0.5 * steps[s] || st != steps[s];
    snprintf(path, sizeof(path), "steps/%08lld/p", (long long)steps[s]);
    bad += ReadDataset(file, path, H5T_NATIVE_DOUBLE, g->nCells, p);
    snprintf(path, sizeof(path), "steps/%08lld/U", (long long)steps[s]);
    bad += ReadDataset(file, path, H5T_NATIVE_DOUBLE, 3 * g->nCells, U);
    for (PetscInt c = 0; !bad && c < g->nCells; c++) {
      const PetscReal *x = g->cellCentres + 3 * c;
      bad += !Close(p[c], ExactP(x, steps[s]));
      for (int d = 0; d < 3; d++) bad += !Close(U[3 * c + d], x[d] * (steps[s] ? steps[s] : 1));
    }
  }
  H5Fclose(file);
  free(pts);
  free(topo);
  free(p);
  free(U);
  return bad;
}

/* Rank 0 runs check(), every rank asserts its result. */
static void AssertOnRoot(int result)
{
  int r = gRank ? 0 : result;
  assert_int_equal(MPI_SUCCESS, MPI_Bcast(&r, 1, MPI_INT, 0, PETSC_COMM_WORLD));
  assert_int_equal(0, r);
}

static void Dir(char *buf, size_t len, const char *name)
{
  snprintf(buf, len, "%s/%s", gRoot, name);
}

static void test_solution_write_read(void **state)
{
  const PetscInt steps[] = {1, 2};
  char           dir[300];

  (void)state;
  Dir(dir, sizeof(dir), "write/results");
  CHECK(WriteSteps(dir, PETSC_FALSE, 2, steps));
  AssertOnRoot(gRank ? 0 : CheckSolutionFile(dir, 2, steps));
}

static void test_xmf_text(void **state)
{
  const PetscInt steps[] = {1, 2};
  char           dir[300], xmf[400], h5name[64];
  int            bad = 0;

  (void)state;
  Dir(dir, sizeof(dir), "xmf/results");
  CHECK(WriteSteps(dir, PETSC_FALSE, 2, steps));
  if (!gRank) {
    char *s;
    snprintf(xmf, sizeof(xmf), "%s/solution.xmf", dir);
    s = ReadText(xmf);
    bad += !s;
    if (s) {
      const char *want[] = {"<Xdmf Version=\"3.0\">",
                            "GridType=\"Collection\" CollectionType=\"Temporal\"",
                            "<Time Value=\"0.5\"/>",
                            "<Time Value=\"1\"/>",
                            "TopologyType=\"Mixed\"",
                            "NumberType=\"Int\" Precision=\"8\"",
                            "solution.h5:/mesh/topology",
                            "GeometryType=\"XYZ\"",
                            "solution.h5:/mesh/points",
                            "solution.h5:/steps/00000001/p",
                            "solution.h5:/steps/00000002/U",
                            "AttributeType=\"Vector\" Center=\"Cell\"",
                            "AttributeType=\"Scalar\" Center=\"Cell\""};
      for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        if (!strstr(s, want[i])) {
          fprintf(stderr, "%s lacks %s\n", xmf, want[i]);
          bad++;
        }
      snprintf(h5name, sizeof(h5name), "NumberOfElements=\"%lld\"", (long long)gGlobal->nCells);
      bad += !strstr(s, h5name);
      bad += strstr(s, "phi") != NULL; /* face fields are not written */
      free(s);
    }
  }
  AssertOnRoot(bad);
}

static void test_restart_append(void **state)
{
  const PetscInt s12[] = {1, 2}, s3[] = {3}, s123[] = {1, 2, 3}, s2[] = {2}, s5[] = {5};
  char           dir[300];

  (void)state;
  Dir(dir, sizeof(dir), "restart/results");
  CHECK(WriteSteps(dir, PETSC_FALSE, 2, s12));
  CHECK(WriteSteps(dir, PETSC_TRUE, 1, s3)); /* restart: earlier steps kept */
  AssertOnRoot(gRank ? 0 : CheckSolutionFile(dir, 3, s123));
  CHECK(WriteSteps(dir, PETSC_TRUE, 1, s2)); /* restart from an earlier step: step 2 replaced, 3 dropped */
  AssertOnRoot(gRank ? 0 : CheckSolutionFile(dir, 2, s12));
  CHECK(WriteSteps(dir, PETSC_FALSE, 1, s5)); /* no append: afresh */
  AssertOnRoot(gRank ? 0 : CheckSolutionFile(dir, 1, s5));
}

/* A crash mid-write leaves solution.h5.tmp / solution.xmf.tmp behind (here:
 * a truncated copy and junk); the previous files stay valid and the next
 * write replaces the stale temporaries. */
static void test_stale_tmp(void **state)
{
  const PetscInt s1[] = {1}, s12[] = {1, 2};
  char           dir[300], path[400];
  int            bad = 0;

  (void)state;
  Dir(dir, sizeof(dir), "crash/results");
  CHECK(WriteSteps(dir, PETSC_FALSE, 1, s1));
  if (!gRank) {
    char  *h5;
    FILE  *fp;
    size_t n;
    snprintf(path, sizeof(path), "%s/solution.h5", dir);
    h5 = ReadText(path); /* binary, but the first bytes do */
    snprintf(path, sizeof(path), "%s/solution.h5.tmp", dir);
    fp = fopen(path, "wb");
    n  = 600; /* HDF5 signature and superblock, then nothing: a kill -9 mid-copy */
    bad += !fp || !h5 || fwrite(h5, 1, n, fp) != n;
    if (fp) fclose(fp);
    free(h5);
    snprintf(path, sizeof(path), "%s/solution.xmf.tmp", dir);
    fp = fopen(path, "w");
    bad += !fp;
    if (fp) {
      fputs("<?xml version=\"1.0\" ?>\n<Xdmf Version=\"3.0\"><Domain><Grid", fp);
      fclose(fp);
    }
    bad += CheckSolutionFile(dir, 1, s1);
  }
  AssertOnRoot(bad);
  CHECK(WriteSteps(dir, PETSC_TRUE, 1, s12 + 1));
  if (!gRank) {
    bad += CheckSolutionFile(dir, 2, s12);
    snprintf(path, sizeof(path), "%s/solution.h5.tmp", dir);
    bad += access(path, F_OK) == 0;
    snprintf(path, sizeof(path), "%s/solution.xmf.tmp", dir);
    bad += access(path, F_OK) == 0;
  }
  AssertOnRoot(bad);
}

static void test_checkpoint_roundtrip(void **state)
{
  GaleMesh   m = gLocal;
  TestFields t, r;
  GaleField  fl[3], rl[3];
  PetscInt   step = -1, bad = 0;
  PetscReal  time = -1;
  char       dir[300];

  (void)state;
  Dir(dir, sizeof(dir), "ckpt/results");
  CHECK(FillFields(m, 3, &t));
  FieldList(&t, fl);
  CHECK(GaleCheckpointWrite(m, dir, 7, 0.25, 3, fl));
  CHECK(FillFields(m, 3, &r));
  for (PetscInt c = 0; c < r.stride; c++) {
    r.p[c] = -1;
    for (int d = 0; d < 3; d++) r.U[d * r.stride + c] = -1;
  }
  for (PetscInt f = 0; f < m->nFaces; f++) r.phi[f] = -1;
  FieldList(&r, rl);
  CHECK(GaleCheckpointRead(m, dir, &step, &time, 3, rl));
  assert_int_equal(7, step);
  assert_true(time == 0.25);
  for (PetscInt c = 0; c < m->nCells; c++) {
    bad += r.p[c] != t.p[c];
    for (int d = 0; d < 3; d++) bad += r.U[d * r.stride + c] != t.U[d * t.stride + c];
  }
  for (PetscInt c = m->nCells; c < r.stride; c++) bad += r.p[c] != -1; /* ghosts: caller's halo exchange */
  for (PetscInt f = 0; f < m->nFaces; f++) bad += r.phi[f] != t.phi[f];
  assert_int_equal(MPI_SUCCESS, MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPIU_INT, MPI_SUM, PETSC_COMM_WORLD));
  assert_int_equal(0, bad);
  CHECK(FreeFields(&t));
  CHECK(FreeFields(&r));
  /* the file itself is in original order: the same at any rank count */
  if (!gRank) {
    char       path[400];
    hid_t      file;
    PetscReal *p = malloc(sizeof(PetscReal) * gGlobal->nCells), *phi = malloc(sizeof(PetscReal) * gGlobal->nFaces);
    snprintf(path, sizeof(path), "%s/checkpoint.h5", dir);
    file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    bad += file < 0 || ReadDataset(file, "cells/p", H5T_NATIVE_DOUBLE, gGlobal->nCells, p) || ReadDataset(file, "faces/phi", H5T_NATIVE_DOUBLE, gGlobal->nFaces, phi);
    for (PetscInt c = 0; !bad && c < gGlobal->nCells; c++) bad += !Close(p[c], ExactP(gGlobal->cellCentres + 3 * c, 3));
    for (PetscInt f = 0; !bad && f < gGlobal->nFaces; f++) bad += !Close(phi[f], ExactPhi(gGlobal, f));
    if (file >= 0) H5Fclose(file);
    free(p);
    free(phi);
  }
  AssertOnRoot((int)bad);
}

static PetscErrorCode CaptureError(MPI_Comm comm, int line, const char *fun, const char *file, PetscErrorCode n, PetscErrorType p, const char *mess, void *ctx)
{
  (void)comm;
  (void)line;
  (void)fun;
  (void)file;
  (void)ctx;
  if (p == PETSC_ERROR_INITIAL && mess) snprintf(gErrMsg, sizeof(gErrMsg), "%s", mess);
  return n;
}

static void test_checkpoint_errors(void **state)
{
  TestFields     t;
  GaleField      fl[3];
  GaleMesh       small, smallLocal;
  PetscInt       step;
  PetscReal      time;
  PetscErrorCode ierr;
  char           dir[300], expect[400];

  (void)state;
  CHECK(FillFields(gLocal, 0, &t));
  FieldList(&t, fl);
  /* no checkpoint */
  Dir(dir, sizeof(dir), "nockpt/results");
  gErrMsg[0] = 0;
  CHECK(PetscPushErrorHandler(CaptureError, NULL));
  ierr = GaleCheckpointRead(gLocal, dir, &step, &time, 3, fl);
  CHECK(PetscPopErrorHandler());
  assert_int_equal(PETSC_ERR_FILE_OPEN, ierr);
  snprintf(expect, sizeof(expect), "%s/checkpoint.h5: no checkpoint to restart from (run without --restart first)", dir);
  assert_string_equal(expect, gErrMsg);
  /* written for another mesh */
  Dir(dir, sizeof(dir), "mismatch/results");
  CHECK(BuildBox(PETSC_COMM_WORLD, 3, 2, 2, &small));
  CHECK(GaleMeshDistribute(small, PETSC_COMM_WORLD, &smallLocal));
  {
    TestFields s;
    GaleField  sl[3];
    CHECK(FillFields(smallLocal, 0, &s));
    FieldList(&s, sl);
    CHECK(GaleCheckpointWrite(smallLocal, dir, 1, 1.0, 3, sl));
    CHECK(FreeFields(&s));
  }
  CHECK(PetscPushErrorHandler(CaptureError, NULL));
  ierr = GaleCheckpointRead(gLocal, dir, &step, &time, 3, fl);
  CHECK(PetscPopErrorHandler());
  assert_int_equal(PETSC_ERR_FILE_UNEXPECTED, ierr);
  assert_non_null(strstr(gErrMsg, "a restart needs the same mesh"));
  /* a field the checkpoint does not have */
  Dir(dir, sizeof(dir), "ckpt2/results");
  CHECK(GaleCheckpointWrite(gLocal, dir, 1, 1.0, 2, fl));
  CHECK(PetscPushErrorHandler(CaptureError, NULL));
  ierr = GaleCheckpointRead(gLocal, dir, &step, &time, 3, fl);
  CHECK(PetscPopErrorHandler());
  assert_int_equal(PETSC_ERR_FILE_UNEXPECTED, ierr);
  assert_non_null(strstr(gErrMsg, "checkpoint.h5: has no faces/phi"));
  CHECK(GaleMeshDestroy(&smallLocal));
  CHECK(GaleMeshDestroy(&small));
  CHECK(FreeFields(&t));
}

/* Appending (restart) onto something that is not our solution file stops
 * with a clear error and leaves the file alone. */
static void test_append_bad_file(void **state)
{
  GaleOutput     out = NULL;
  PetscErrorCode ierr;
  char           dir[300], path[400];
  int            bad = 0;

  (void)state;
  Dir(dir, sizeof(dir), "badappend/results");
  CHECK(WriteSteps(dir, PETSC_FALSE, 0, NULL)); /* creates the directory only */
  snprintf(path, sizeof(path), "%s/solution.h5", dir);
  if (!gRank) {
    FILE *fp = fopen(path, "w");
    bad += !fp;
    if (fp) {
      fputs("not HDF5\n", fp);
      fclose(fp);
    }
  }
  AssertOnRoot(bad);
  gErrMsg[0] = 0;
  CHECK(PetscPushErrorHandler(CaptureError, NULL));
  ierr = GaleOutputCreate(gRank ? NULL : gGlobal, gLocal, dir, PETSC_TRUE, &out);
  CHECK(PetscPopErrorHandler());
  assert_int_equal(PETSC_ERR_FILE_OPEN, ierr);
  assert_null(out);
  if (!gRank) {
    char *s = ReadText(path);
    bad += !s || strcmp(s, "not HDF5\n") || !strstr(gErrMsg, "not a readable HDF5 file");
    free(s);
  }
  AssertOnRoot(bad);
}

/* Options (for manual kill -9 experiments on bigger meshes): -sample_first
 * F -sample_steps K write steps F..F+K-1 (default 1, 2), -sample_append
 * keeps earlier steps; -sample_n N uses an N^3 box (default 6 x 5 x 4). */
static PetscErrorCode WriteSample(const char *dir)
{
  PetscInt  first = 1, nsteps = 2, *steps;
  PetscBool append = PETSC_FALSE;
  PetscReal vol    = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-sample_first", &first, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-sample_steps", &nsteps, NULL));
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-sample_append", &append, NULL));
  PetscCall(PetscMalloc1(nsteps + 1, &steps));
  for (PetscInt i = 0; i < nsteps; i++) steps[i] = first + i;
  PetscCall(WriteSteps(dir, append, nsteps, steps));
  PetscCall(PetscFree(steps));
  for (PetscInt c = 0; c < gGlobal->nCells; c++) vol += gGlobal->cellVolumes[c];
  if (!gRank) {
    char  path[GALE_PATH_LEN];
    FILE *fp;
    PetscCall(PetscSNPrintf(path, sizeof(path), "%s/expected.json", dir));
    fp = fopen(path, "w");
    PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot create", path);
    fprintf(fp, "{\"cells\": %" PetscInt_FMT ", \"volume\": %.17g, \"steps\": [", gGlobal->nCells, (double)vol);
    for (PetscInt i = 0; i < nsteps; i++) fprintf(fp, "%s%" PetscInt_FMT, i ? ", " : "", first + i);
    fprintf(fp, "], \"p\": \"x + 2y + 3z + step\"}\n");
    PetscCheck(fclose(fp) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "%s: write failed", path);
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "wrote %s/solution.xmf: %" PetscInt_FMT " cells, volume %.17g\n", dir, gGlobal->nCells, (double)vol));
  PetscFunctionReturn(PETSC_SUCCESS);
}

int main(int argc, char **argv)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_solution_write_read),  cmocka_unit_test(test_xmf_text),          cmocka_unit_test(test_restart_append),  cmocka_unit_test(test_stale_tmp),
      cmocka_unit_test(test_checkpoint_roundtrip), cmocka_unit_test(test_checkpoint_errors), cmocka_unit_test(test_append_bad_file),
  };
  const char *sample = NULL;
  int         fails  = 0;
  PetscInt    n      = 0;

  for (int i = 1; i + 1 < argc; i++)
    if (!strcmp(argv[i], "--write-sample")) sample = argv[i + 1];
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &gSize));
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &gRank));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-sample_n", &n, NULL));
  if (n > 0)
    PetscCall(BuildBox(PETSC_COMM_WORLD, n, n, n, &gGlobal));
  else
    PetscCall(BuildBox(PETSC_COMM_WORLD, sample ? 6 : 5, sample ? 5 : 4, sample ? 4 : 3, &gGlobal));
  PetscCall(GaleMeshDistribute(gGlobal, PETSC_COMM_WORLD, &gLocal));
  if (sample)
    PetscCall(WriteSample(sample));
  else {
    snprintf(gRoot, sizeof(gRoot), "io_output_np%d", gSize);
    fails = cmocka_run_group_tests(tests, NULL, NULL);
  }
  PetscCall(GaleMeshDestroy(&gLocal));
  PetscCall(GaleMeshDestroy(&gGlobal));
  PetscCall(PetscFinalize());
  return fails;
}
