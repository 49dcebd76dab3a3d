/* GaleOctree: the tree of the castellated mesher.
 *
 * Level 0 is a background grid of cells[0] x cells[1] x cells[2] boxes over
 * the domain; splitting a leaf halves it in every refined direction (8
 * children in 3D, 4 in 2D where the thickness is not refined). Nodes live in
 * flat arrays (first child, integer index at the node's level, level, flags):
 * about 20 bytes per node, and the nodes are 8/7 (3D) of the leaves.
 *
 * Refinement, level by level from 0: a leaf at level L is split when a
 * surface with minLevel > L touches it (triangle/box overlap), when a
 * surface with maxLevel > L touches it with triangle normals differing by
 * more than the feature angle, when it overlaps a box region of level > L,
 * or when its centre is within distance + half its diagonal of the surface
 * of a distance region of level > L.
 * Balance, from the finest level down: every leaf within
 * cellsBetweenLevels cell widths of a level-L leaf (faces, edges and
 * corners; checked once per split cell of level L-1, see Balance) is split
 * until its level is at least L-1. Leaves made by these splits are coarser
 * than L, so one sweep per level suffices.
 * Fluid: leaves touching a surface (closed boxes, so a triangle lying on a
 * cell face cuts both cells) are removed; the fluid is the set of uncut
 * leaves reached from the leaf holding location_in_mesh through shared
 * faces (breadth-first). */
#include <stdio.h>
#include "gale_octree.h"

PetscErrorCode GaleOctreeCreate(MPI_Comm comm, const GaleOctreeOptions *opt, GaleOctree *oct)
{
  GaleOctree o;
  PetscInt   nroots;

  PetscFunctionBeginUser;
  PetscCheck(opt && oct, comm, PETSC_ERR_ARG_NULL, "GaleOctreeCreate: NULL argument");
  for (int d = 0; d < 3; d++) {
    PetscCheck(opt->cells[d] >= 1 && opt->cells[d] <= (1 << 20), comm, GALE_ERR_USER, "octree: domain cells[%d] = %" PetscInt_FMT " (expected 1 to %d)", d, opt->cells[d], 1 << 20);
    PetscCheck(PetscIsNormalReal(opt->hi[d] - opt->lo[d]) && opt->hi[d] > opt->lo[d], comm, GALE_ERR_USER, "octree: domain max[%d] = %g must exceed min[%d] = %g", d, (double)opt->hi[d], d, (double)opt->lo[d]);
  }
  PetscCheck((double)opt->cells[0] * opt->cells[1] * opt->cells[2] < PETSC_MAX_INT / 16, comm, GALE_ERR_USER, "octree: %g background cells are too many for 32-bit indices", (double)opt->cells[0] * opt->cells[1] * opt->cells[2]);
  PetscCheck(opt->cellsBetweenLevels >= 1 && opt->cellsBetweenLevels <= 8, comm, GALE_ERR_USER, "octree: cells_between_levels = %" PetscInt_FMT " (expected 1 to 8)", opt->cellsBetweenLevels);
  PetscCheck(opt->refine[0] || opt->refine[1] || opt->refine[2], comm, GALE_ERR_USER, "octree: no direction is refined");
  PetscCall(PetscNew(&o));
  o->comm          = comm;
  o->opt           = *opt;
  o->stats.suspect = -1;
  for (int d = 0; d < 3; d++) {
    o->rank[d] = o->opt.refine[d] ? o->nRefined++ : -1;
    o->N[d]    = o->opt.cells[d];
    o->unit[d] = (o->opt.hi[d] - o->opt.lo[d]) / o->N[d];
  }
  o->nChild   = (PetscInt)1 << o->nRefined;
  nroots      = opt->cells[0] * opt->cells[1] * opt->cells[2];
  o->capNodes = nroots + 8 * o->nChild;
  o->nNodes   = nroots;
  PetscCall(PetscMalloc4(o->capNodes, &o->child, 3 * o->capNodes, &o->ijk, o->capNodes, &o->level, o->capNodes, &o->flag));
  for (PetscInt k = 0, n = 0; k < opt->cells[2]; k++)
    for (PetscInt j = 0; j < opt->cells[1]; j++)
      for (PetscInt i = 0; i < opt->cells[0]; i++, n++) {
        o->child[n]       = -1;
        o->level[n]       = 0;
        o->flag[n]        = 0;
        o->ijk[3 * n]     = i;
        o->ijk[3 * n + 1] = j;
        o->ijk[3 * n + 2] = k;
      }
  PetscCall(PetscMalloc1(6 + GALE_OCTREE_MAX_SURFACES * 8, &o->patches));
  for (int s = 0; s < 6; s++) {
    PetscInt p;
    PetscCheck(o->opt.patch[s][0], comm, GALE_ERR_USER, "octree: domain side %d has no patch name", s);
    for (p = 0; p < o->nPatches && strcmp(o->patches[p].name, o->opt.patch[s]); p++) {}
    if (p == o->nPatches) {
      PetscCall(PetscMemzero(&o->patches[p], sizeof(GalePatch)));
      PetscCall(PetscStrncpy(o->patches[p].name, o->opt.patch[s], sizeof(o->patches[p].name)));
      PetscCall(PetscStrncpy(o->patches[p].type, o->opt.patchType[s][0] ? o->opt.patchType[s] : "patch", sizeof(o->patches[p].type)));
      o->nPatches++;
    }
    o->sidePatch[s] = p;
  }
  *oct = o;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleOctreeDestroy(GaleOctree *oct)
{
  GaleOctree o;

  PetscFunctionBeginUser;
  if (!oct || !*oct) PetscFunctionReturn(PETSC_SUCCESS);
  o = *oct;
  for (PetscInt i = 0; i < o->nSurfaces; i++) {
    PetscCall(GaleSearchDestroy(&o->surf[i].search));
    PetscCall(PetscFree(o->surf[i].patchOfRegion));
  }
  PetscCall(PetscFree4(o->child, o->ijk, o->level, o->flag));
  PetscCall(PetscFree(o->patches));
  PetscCall(PetscFree(o->cellLeaf));
  PetscCall(PetscFree(*oct));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode CheckLevel(GaleOctree o, PetscInt level, const char *what)
{
  PetscFunctionBeginUser;
  PetscCheck(level >= 0 && level <= GALE_OCTREE_MAX_LEVEL, o->comm, GALE_ERR_USER, "octree: %s level %" PetscInt_FMT " (expected 0 to %d)", what, level, GALE_OCTREE_MAX_LEVEL);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleOctreeAddSurface(GaleOctree o, GaleSurface s, const char *name, PetscInt minLevel, PetscInt maxLevel, const char *const regionPatch[], PetscInt *index)
{
  GaleOctreeSurface *S;
  GalePatch         *np;

  PetscFunctionBeginUser;
  PetscCheck(o->nSurfaces < GALE_OCTREE_MAX_SURFACES, o->comm, GALE_ERR_USER, "octree: more than %d surfaces", GALE_OCTREE_MAX_SURFACES);
  PetscCall(CheckLevel(o, minLevel, "surface minimum"));
  PetscCall(CheckLevel(o, maxLevel, "surface maximum"));
  PetscCheck(minLevel <= maxLevel, o->comm, GALE_ERR_USER, "octree: surface '%s' levels [%" PetscInt_FMT ", %" PetscInt_FMT "] (expected min <= max)", name, minLevel, maxLevel);
  S = &o->surf[o->nSurfaces];
  PetscCall(PetscMemzero(S, sizeof(*S)));
  S->surface  = s;
  S->minLevel = minLevel;
  S->maxLevel = maxLevel;
  PetscCall(PetscStrncpy(S->name, name, sizeof(S->name)));
  PetscCall(PetscMalloc1(s->nRegions + 1, &S->patchOfRegion));
  for (PetscInt r = 0; r < s->nRegions; r++) {
    PetscInt p;
    PetscCheck(regionPatch[r] && regionPatch[r][0], o->comm, GALE_ERR_USER, "octree: region %" PetscInt_FMT " of surface '%s' has no patch name", r, name);
    for (p = 0; p < o->nPatches && strcmp(o->patches[p].name, regionPatch[r]); p++) {}
    if (p == o->nPatches) {
      PetscCall(PetscRealloc(sizeof(GalePatch) * (size_t)(o->nPatches + 1), &o->patches));
      np = &o->patches[p];
      PetscCall(PetscMemzero(np, sizeof(*np)));
      PetscCall(PetscStrncpy(np->name, regionPatch[r], sizeof(np->name)));
      PetscCall(PetscStrncpy(np->type, "wall", sizeof(np->type)));
      o->nPatches++;
    }
    S->patchOfRegion[r] = p;
  }
  for (PetscInt t = 0; t < s->nTris; t++)
    PetscCheck(s->triRegion[t] >= 0 && s->triRegion[t] < s->nRegions, o->comm, PETSC_ERR_ARG_OUTOFRANGE, "surface '%s' triangle %" PetscInt_FMT ": region %" PetscInt_FMT " out of range", name, t, s->triRegion[t]);
  PetscCall(GaleSearchCreate(s, &S->search));
  if (index) *index = o->nSurfaces;
  o->nSurfaces++;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleOctreeAddBoxRegion(GaleOctree o, const PetscReal lo[3], const PetscReal hi[3], PetscInt level)
{
  GaleOctreeRegion *R;

  PetscFunctionBeginUser;
  PetscCheck(o->nRegions < GALE_OCTREE_MAX_REGIONS, o->comm, GALE_ERR_USER, "octree: more than %d refinement regions", GALE_OCTREE_MAX_REGIONS);
  PetscCall(CheckLevel(o, level, "box region"));
  R       = &o->region[o->nRegions++];
  R->kind = 0;
  for (int d = 0; d < 3; d++) {
    PetscCheck(hi[d] > lo[d], o->comm, GALE_ERR_USER, "octree: box region max[%d] = %g must exceed min[%d] = %g", d, (double)hi[d], d, (double)lo[d]);
    R->lo[d] = lo[d];
    R->hi[d] = hi[d];
  }
  R->level = level;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleOctreeAddDistanceRegion(GaleOctree o, PetscInt surface, PetscReal distance, PetscInt level)
{
  GaleOctreeRegion *R;

  PetscFunctionBeginUser;
  PetscCheck(o->nRegions < GALE_OCTREE_MAX_REGIONS, o->comm, GALE_ERR_USER, "octree: more than %d refinement regions", GALE_OCTREE_MAX_REGIONS);
  PetscCheck(surface >= 0 && surface < o->nSurfaces, o->comm, GALE_ERR_USER, "octree: distance region names geometry %" PetscInt_FMT " (expected 0 to %" PetscInt_FMT ")", surface, o->nSurfaces - 1);
  PetscCheck(distance > 0, o->comm, GALE_ERR_USER, "octree: distance region distance %g (expected > 0)", (double)distance);
  PetscCall(CheckLevel(o, level, "distance region"));
  R           = &o->region[o->nRegions++];
  R->kind     = 1;
  R->surface  = surface;
  R->distance = distance;
  R->level    = level;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscInt GaleOctreeLocate(const GaleOctree o, const PetscInt u[3], PetscInt stop)
{
  PetscInt n;

  for (int d = 0; d < 3; d++)
    if (u[d] < 0 || u[d] >= o->N[d]) return -1;
  n = (u[0] >> GaleOctreeShift(o, 0, 0)) + o->opt.cells[0] * ((u[1] >> GaleOctreeShift(o, 1, 0)) + o->opt.cells[1] * (u[2] >> GaleOctreeShift(o, 2, 0)));
  while (o->child[n] >= 0 && o->level[n] < stop) {
    const PetscInt s   = o->maxLevel - o->level[n] - 1;
    PetscInt       off = 0;
    for (int d = 0; d < 3; d++)
      if (o->opt.refine[d]) off |= ((u[d] >> s) & 1) << o->rank[d];
    n = o->child[n] + off;
  }
  return n;
}

PetscErrorCode GaleOctreeSideLeaves(const GaleOctree o, PetscInt n, int s, PetscInt max, PetscInt leaves[], PetscInt *count)
{
  const int d = s / 2, hi = s % 2;
  PetscInt  lo[3], up[3], u[3], m, stack[64], ns = 0;

  PetscFunctionBeginUser;
  *count = 0;
  GaleOctreeNodeUnits(o, n, lo, up);
  for (int k = 0; k < 3; k++) u[k] = lo[k];
  u[d] = hi ? up[d] : lo[d] - 1;
  if (o->level[n] > 0 && o->opt.refine[d] && (o->ijk[3 * n + d] & 1) == (hi ? 0 : 1))
    m = n + (hi ? 1 : -1) * ((PetscInt)1 << o->rank[d]); /* the sibling across */
  else
    m = GaleOctreeLocate(o, u, o->level[n]);
  if (m < 0) PetscFunctionReturn(PETSC_SUCCESS);
  stack[ns++] = m;
  while (ns) {
    m = stack[--ns];
    if (o->child[m] < 0) {
      PetscCheck(*count < max, PETSC_COMM_SELF, PETSC_ERR_PLIB, "octree leaf %" PetscInt_FMT " has more than %" PetscInt_FMT " neighbours across side %d (tree not balanced)", n, max, s);
      leaves[(*count)++] = m;
      continue;
    }
    for (PetscInt c = o->nChild - 1; c >= 0; c--) {
      if (o->opt.refine[d] && ((c >> o->rank[d]) & 1) != (hi ? 0 : 1)) continue;
      PetscCheck(ns < 64, PETSC_COMM_SELF, PETSC_ERR_PLIB, "octree side search overflow");
      stack[ns++] = o->child[m] + c;
    }
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode Split(GaleOctree o, PetscInt n)
{
  PetscInt first;

  PetscFunctionBeginUser;
  if (o->nNodes + o->nChild > o->capNodes) {
    PetscInt cap = o->capNodes + o->capNodes / 2 + o->nChild;
    PetscCheck(cap < PETSC_MAX_INT / 4, o->comm, GALE_ERR_USER, "octree: more than %" PetscInt_FMT " nodes, too many for 32-bit indices (lower the refinement levels)", o->nNodes);
    {
      PetscInt      *child, *ijk;
      signed char   *level;
      unsigned char *flag;
      PetscCall(PetscMalloc4(cap, &child, 3 * cap, &ijk, cap, &level, cap, &flag));
      PetscCall(PetscArraycpy(child, o->child, o->nNodes));
      PetscCall(PetscArraycpy(ijk, o->ijk, 3 * o->nNodes));
      PetscCall(PetscArraycpy(level, o->level, o->nNodes));
      PetscCall(PetscArraycpy(flag, o->flag, o->nNodes));
      PetscCall(PetscFree4(o->child, o->ijk, o->level, o->flag));
      o->child    = child;
      o->ijk      = ijk;
      o->level    = level;
      o->flag     = flag;
      o->capNodes = cap;
    }
  }
  first = o->nNodes;
  for (PetscInt c = 0; c < o->nChild; c++) {
    const PetscInt m = first + c;
    o->child[m]      = -1;
    o->level[m]      = (signed char)(o->level[n] + 1);
    o->flag[m]       = 0;
    for (int d = 0; d < 3; d++) o->ijk[3 * m + d] = o->opt.refine[d] ? 2 * o->ijk[3 * n + d] + ((c >> o->rank[d]) & 1) : o->ijk[3 * n + d];
  }
  o->child[n] = first;
  o->nNodes += o->nChild;
  PetscFunctionReturn(PETSC_SUCCESS);
}

static void NodeBox(const GaleOctree o, PetscInt n, PetscReal lo[3], PetscReal hi[3])
{
  PetscInt ulo[3], uhi[3];
  GaleOctreeNodeUnits(o, n, ulo, uhi);
  for (int d = 0; d < 3; d++) {
    lo[d] = GaleOctreeCoord(o, d, ulo[d]);
    hi[d] = GaleOctreeCoord(o, d, uhi[d]);
  }
}

/* Do the normals of the surface's triangles in the box differ by more than
 * the feature angle? O(n): the normal farthest from the first one, then the
 * one farthest from that (the first 1024 triangles of the box). */
static PetscBool FeatureInBox(const GaleOctree o, GaleSearch S, const PetscReal lo[3], const PetscReal hi[3])
{
  PetscInt        tri[1024], nt = PetscMin(GaleSearchBoxTriangles(S, lo, hi, 1024, tri), 1024);
  const PetscReal cmin   = PetscCosReal(o->opt.featureAngle * PETSC_PI / 180);
  PetscReal       ref[3] = {0, 0, 0};

  for (int pass = 0; pass < 2; pass++) {
    PetscReal worst = 2, far[3] = {0, 0, 0};
    for (PetscInt a = 0; a < nt; a++) {
      PetscReal n[3], c;
      GaleSearchTriangleNormal(S, tri[a], n);
      if (n[0] == 0 && n[1] == 0 && n[2] == 0) continue; /* degenerate */
      if (ref[0] == 0 && ref[1] == 0 && ref[2] == 0) ref[0] = n[0], ref[1] = n[1], ref[2] = n[2];
      c = n[0] * ref[0] + n[1] * ref[1] + n[2] * ref[2];
      if (c < worst) worst = c, far[0] = n[0], far[1] = n[1], far[2] = n[2];
    }
    if (worst < cmin) return PETSC_TRUE;
    if (worst > 1) return PETSC_FALSE; /* no triangle */
    ref[0] = far[0], ref[1] = far[1], ref[2] = far[2];
  }
  return PETSC_FALSE;
}

static PetscBool NeedsRefine(const GaleOctree o, PetscInt n)
{
  const PetscInt L = o->level[n];
  PetscReal      lo[3], hi[3], c[3], hd = 0;

  NodeBox(o, n, lo, hi);
  for (PetscInt r = 0; r < o->nRegions; r++) {
    const GaleOctreeRegion *R = &o->region[r];
    if (R->kind == 0 && R->level > L && lo[0] < R->hi[0] && R->lo[0] < hi[0] && lo[1] < R->hi[1] && R->lo[1] < hi[1] && lo[2] < R->hi[2] && R->lo[2] < hi[2]) return PETSC_TRUE;
  }
  for (PetscInt i = 0; i < o->nSurfaces; i++) {
    const GaleOctreeSurface *S = &o->surf[i];
    if (S->maxLevel <= L) continue;
    if (S->minLevel > L) {
      if (GaleSearchBoxOverlaps(S->search, lo, hi)) return PETSC_TRUE;
    } else if (o->opt.featureAngle > 0 && FeatureInBox(o, S->search, lo, hi))
      return PETSC_TRUE;
  }
  for (int d = 0; d < 3; d++) {
    c[d] = 0.5 * (lo[d] + hi[d]);
    hd += 0.25 * (hi[d] - lo[d]) * (hi[d] - lo[d]);
  }
  hd = PetscSqrtReal(hd);
  for (PetscInt r = 0; r < o->nRegions; r++) {
    const GaleOctreeRegion *R = &o->region[r];
    if (R->kind == 1 && R->level > L && GaleSearchNearest(o->surf[R->surface].search, c, R->distance + hd, NULL, NULL) >= 0) return PETSC_TRUE;
  }
  return PETSC_FALSE;
}

/* Split leaves near finer ones until levels within the buffer differ by
 * <= 1. Checked per family: a leaf of level < L-1 near a level-L leaf is
 * aligned on blocks of 4 level-L widths, so it holds a whole block of the
 * size of the leaf's parent P (level L-1) around P; sampling those blocks
 * (26 for a buffer of 1) around every split node P covers the leaves of all
 * its children at once. */
static PetscErrorCode Balance(GaleOctree o)
{
  const PetscInt nb = o->opt.cellsBetweenLevels;
  PetscInt       range[3];

  PetscFunctionBeginUser;
  for (int d = 0; d < 3; d++) range[d] = o->opt.refine[d] ? (nb + 1) / 2 : (o->opt.cells[d] > 1 ? nb : 0);
  for (PetscInt L = o->maxLevel; L >= 2; L--) {
    const PetscInt n = o->nNodes;
    for (PetscInt P = 0; P < n; P++) {
      PetscInt lo[3], up[3], size[3];
      if (o->child[P] < 0 || o->level[P] != L - 1) continue;
      GaleOctreeNodeUnits(o, P, lo, up);
      for (int d = 0; d < 3; d++) size[d] = up[d] - lo[d];
      for (PetscInt a = -range[0]; a <= range[0]; a++)
        for (PetscInt b = -range[1]; b <= range[1]; b++)
          for (PetscInt c = -range[2]; c <= range[2]; c++) {
            const PetscInt u[3] = {lo[0] + a * size[0], lo[1] + b * size[1], lo[2] + c * size[2]};
            if (!a && !b && !c) continue;
            for (;;) {
              const PetscInt k = GaleOctreeLocate(o, u, L - 2);
              if (k < 0 || o->child[k] >= 0 || o->level[k] >= L - 1) break;
              PetscCall(Split(o, k));
              o->stats.nSplitBalance++;
            }
          }
    }
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleOctreeRefine(GaleOctree o)
{
  PetscLogDouble t0, t1, t2;

  PetscFunctionBeginUser;
  PetscCheck(o->nNodes == o->opt.cells[0] * o->opt.cells[1] * o->opt.cells[2], o->comm, PETSC_ERR_ARG_WRONGSTATE, "GaleOctreeRefine: the octree is already refined");
  o->maxLevel = 0;
  for (PetscInt i = 0; i < o->nSurfaces; i++) o->maxLevel = PetscMax(o->maxLevel, o->surf[i].maxLevel);
  for (PetscInt r = 0; r < o->nRegions; r++) o->maxLevel = PetscMax(o->maxLevel, o->region[r].level);
  for (int d = 0; d < 3; d++) {
    if (!o->opt.refine[d]) continue;
    PetscCheck(((double)o->opt.cells[d]) * (double)((PetscInt)1 << o->maxLevel) < (double)(1 << 30), o->comm, GALE_ERR_USER,
               "octree: %" PetscInt_FMT " background cells in direction %d refined %" PetscInt_FMT " times exceed the integer grid (2^30 units); use fewer cells or levels", o->opt.cells[d], d, o->maxLevel);
    o->N[d]    = o->opt.cells[d] << o->maxLevel;
    o->unit[d] = (o->opt.hi[d] - o->opt.lo[d]) / o->N[d];
  }
  o->stats.maxLevel = o->maxLevel;
  PetscCall(PetscTime(&t0));
  for (PetscInt L = 0; L < o->maxLevel; L++) {
    const PetscInt n = o->nNodes;
    for (PetscInt m = 0; m < n; m++) {
      if (o->child[m] >= 0 || o->level[m] != L || !NeedsRefine(o, m)) continue;
      PetscCall(Split(o, m));
      o->stats.nSplitSurface++;
    }
  }
  PetscCall(PetscTime(&t1));
  PetscCall(Balance(o));
  PetscCall(PetscTime(&t2));
  o->stats.tRefine  = t1 - t0;
  o->stats.tBalance = t2 - t1;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The seed leaf of the flood fill, with the user-facing checks. */
static PetscErrorCode SeedLeaf(GaleOctree o, PetscInt *seed)
{
  const PetscReal *x = o->opt.location, *lo = o->opt.lo, *hi = o->opt.hi;
  const char      *w = o->opt.where;
  char             at[128], box[256];
  PetscInt         u[3];

  PetscFunctionBeginUser;
  /* plain C formatting: PETSc's would print 0 as "0." */
  snprintf(at, sizeof(at), "location_in_mesh (%g, %g, %g)", (double)x[0], (double)x[1], (double)x[2]);
  snprintf(box, sizeof(box), "[%g, %g] x [%g, %g] x [%g, %g]", (double)lo[0], (double)hi[0], (double)lo[1], (double)hi[1], (double)lo[2], (double)hi[2]);
  for (int d = 0; d < 3; d++) {
    PetscCheck(x[d] >= lo[d] && x[d] <= hi[d], o->comm, GALE_ERR_USER, "%s%s is outside the domain box %s (expected a point in the fluid)", w, at, box);
    u[d] = (PetscInt)PetscFloorReal((x[d] - lo[d]) / o->unit[d]);
    u[d] = PetscMax(0, PetscMin(u[d], o->N[d] - 1));
  }
  o->stats.suspect = -1;
  for (PetscInt i = 0; i < o->nSurfaces; i++) {
    GaleSearch S = o->surf[i].search;
    PetscCheck(!GaleSearchInside(S, x), o->comm, GALE_ERR_USER, "%s%s is inside the closed surface '%s' (expected a point in the fluid, outside every body)", w, at, o->surf[i].name);
    if (!GaleSearchIsClosed(S)) { /* open: only a hint, for the caller to report */
      const PetscInt odd = GaleSearchOddRays(S, x, 7);
      if (odd >= 6 && odd > o->stats.suspectRays) {
        o->stats.suspect     = i;
        o->stats.suspectRays = odd;
      }
    }
  }
  *seed = GaleOctreeLocate(o, u, o->maxLevel);
  if (o->flag[*seed] & GALE_OCTREE_CUT) {
    PetscReal clo[3], chi[3];
    NodeBox(o, *seed, clo, chi);
    snprintf(box, sizeof(box), "[%g, %g] x [%g, %g] x [%g, %g]", (double)clo[0], (double)chi[0], (double)clo[1], (double)chi[1], (double)clo[2], (double)chi[2]);
    SETERRQ(o->comm, GALE_ERR_USER, "%s%s lies in a cell cut by a surface (level %d, %s); move it at least one cell away from the surface", w, at, (int)o->level[*seed], box);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Box of node n grown by a round-off margin: a triangle on a cell face must cut the cell. */
static void CutBox(const GaleOctree o, PetscInt n, PetscReal lo[3], PetscReal hi[3])
{
  NodeBox(o, n, lo, hi);
  for (int d = 0; d < 3; d++) {
    const PetscReal e = 1e-9 * (hi[d] - lo[d]);
    lo[d] -= e;
    hi[d] += e;
  }
}

/* Candidate triangle lists of the cut search: a[0] for a level-0 cell,
 * a[L+1] for the children of a node of level L; grown on demand. */
typedef struct {
  PetscInt *a[GALE_OCTREE_MAX_LEVEL + 2], cap[GALE_OCTREE_MAX_LEVEL + 2];
} CutLists;

static PetscErrorCode Reserve(CutLists *W, int i, PetscInt n)
{
  PetscFunctionBeginUser;
  if (W->cap[i] >= n) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(PetscFree(W->a[i]));
  W->cap[i] = PetscMax(n, 2 * W->cap[i]);
  PetscCall(PetscMalloc1(W->cap[i], &W->a[i]));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Triangles of S touching the box into list i (searching the tree). */
static PetscErrorCode Search(GaleSearch S, const PetscReal lo[3], const PetscReal hi[3], CutLists *W, int i, PetscInt *k)
{
  PetscFunctionBeginUser;
  *k = GaleSearchBoxTriangles(S, lo, hi, W->cap[i], W->a[i]);
  if (*k > W->cap[i]) {
    PetscCall(Reserve(W, i, *k));
    *k = GaleSearchBoxTriangles(S, lo, hi, W->cap[i], W->a[i]);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Mark the leaves below node n touched by the candidate triangles
 * cand[0..nc) (a superset of those touching n; a long list is replaced by
 * a search of the tree). */
static PetscErrorCode CutBelow(GaleOctree o, GaleSearch S, PetscInt n, PetscInt nc, const PetscInt *cand, CutLists *W)
{
  const int i = o->level[n] + 1;
  PetscReal lo[3], hi[3];
  PetscInt  k;

  PetscFunctionBeginUser;
  CutBox(o, n, lo, hi);
  if (nc > 256)
    PetscCall(Search(S, lo, hi, W, i, &k));
  else {
    PetscCall(Reserve(W, i, nc));
    k = GaleSearchFilterBox(S, lo, hi, nc, cand, W->a[i]);
  }
  if (!k) PetscFunctionReturn(PETSC_SUCCESS);
  if (o->child[n] < 0) {
    o->flag[n] |= GALE_OCTREE_CUT;
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  for (PetscInt c = 0; c < o->nChild; c++) PetscCall(CutBelow(o, S, o->child[n] + c, k, W->a[i], W)); /* children fill a[i+1] and deeper */
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Leaves touching surface S, walking down from each level-0 cell with the
 * triangles that touch the parent: no search for leaves far from it. */
static PetscErrorCode MarkCut(GaleOctree o, GaleSearch S)
{
  const PetscInt nroots = o->opt.cells[0] * o->opt.cells[1] * o->opt.cells[2];
  CutLists       W;
  PetscErrorCode ierr = PETSC_SUCCESS;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(&W, sizeof(W)));
  for (PetscInt r = 0; r < nroots && !ierr; r++) {
    PetscReal lo[3], hi[3];
    PetscInt  nc;
    CutBox(o, r, lo, hi);
    ierr = Search(S, lo, hi, &W, 0, &nc);
    if (!ierr && nc) ierr = CutBelow(o, S, r, nc, W.a[0], &W);
  }
  for (int i = 0; i < GALE_OCTREE_MAX_LEVEL + 2; i++) PetscCall(PetscFree(W.a[i]));
  PetscCall(ierr);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleOctreeSelectFluid(GaleOctree o)
{
  PetscInt      *queue = NULL, head = 0, tail = 0, seed;
  PetscLogDouble t0, t1;

  PetscFunctionBeginUser;
  PetscCall(PetscTime(&t0));
  o->stats.nLeaves = o->stats.nCut = o->stats.nFluid = 0;
  for (PetscInt m = 0; m < o->nNodes; m++) {
    o->flag[m] = 0;
    if (o->child[m] < 0) o->stats.nLeaves++;
  }
  for (PetscInt i = 0; i < o->nSurfaces; i++) PetscCall(MarkCut(o, o->surf[i].search));
  for (PetscInt m = 0; m < o->nNodes; m++)
    if (o->flag[m] & GALE_OCTREE_CUT) o->stats.nCut++;
  if (!o->opt.haveLocation) {
    PetscCheck(o->nSurfaces == 0, o->comm, GALE_ERR_USER, "%sthe mesher needs location_in_mesh (a point in the fluid) to decide which side of the surfaces to keep", o->opt.where);
    for (PetscInt m = 0; m < o->nNodes; m++)
      if (o->child[m] < 0) o->flag[m] |= GALE_OCTREE_FLUID;
    o->stats.nFluid = o->stats.nLeaves;
  } else {
    PetscCall(SeedLeaf(o, &seed));
    PetscCall(PetscMalloc1(o->stats.nLeaves + 1, &queue));
    o->flag[seed] |= GALE_OCTREE_FLUID;
    queue[tail++] = seed;
    while (head < tail) {
      const PetscInt m = queue[head++];
      for (int s = 0; s < 6; s++) {
        PetscInt nbr[64], cnt;
        PetscCall(GaleOctreeSideLeaves(o, m, s, 64, nbr, &cnt));
        for (PetscInt k = 0; k < cnt; k++) {
          if (o->flag[nbr[k]]) continue; /* cut or already reached */
          o->flag[nbr[k]] |= GALE_OCTREE_FLUID;
          queue[tail++] = nbr[k];
        }
      }
    }
    o->stats.nFluid = tail;
    PetscCall(PetscFree(queue));
  }
  o->stats.nUnreached = o->stats.nLeaves - o->stats.nCut - o->stats.nFluid;
  for (PetscInt L = 0; L <= GALE_OCTREE_MAX_LEVEL; L++) o->stats.fluidPerLevel[L] = 0;
  for (PetscInt m = 0; m < o->nNodes; m++)
    if (o->child[m] < 0 && (o->flag[m] & GALE_OCTREE_FLUID)) o->stats.fluidPerLevel[(int)o->level[m]]++;
  PetscCall(PetscTime(&t1));
  o->stats.tFluid = t1 - t0;
  PetscFunctionReturn(PETSC_SUCCESS);
}
