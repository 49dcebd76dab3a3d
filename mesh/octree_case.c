/* The case's mesh.octree section -> GaleOctree -> GaleMesh.
 *
 * Reads and transforms each geometry (GaleSurfaceRead, GaleSurfaceTransform),
 * maps its regions to patches (the geometry's `regions` entry, else its
 * `patch`, else the region's own name), adds the refinement regions, and
 * runs the stages: refine + balance, fluid selection, mesh. A direction
 * whose two domain patches both have boundary type `empty` is the thickness
 * of a 2D case: it must be one cell thick and is never refined (quadtree).
 * Statistics and timings are printed on rank 0. */
#include "gale_octree.h"
#include "gale_layers.h"

static const char *const SideName[6] = {"xmin", "xmax", "ymin", "ymax", "zmin", "zmax"};

static const char *PatchType(const GaleCase *cs, const char *name)
{
  const PetscInt b = GaleCaseFindBC(cs, name);
  if (b < 0) return "patch";
  switch (cs->bcs[b].type) {
  case GALE_BC_WALL:
    return "wall";
  case GALE_BC_EMPTY:
    return "empty";
  case GALE_BC_SYMMETRY:
    return "symmetryPlane";
  default:
    return "patch";
  }
}

static PetscErrorCode SetOptions(MPI_Comm comm, const GaleCase *cs, GaleOctreeOptions *opt)
{
  const GaleOctreeSettings *o = &cs->octree;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(opt, sizeof(*opt)));
  for (int d = 0; d < 3; d++) {
    const PetscBool e0 = (PetscBool)!strcmp(PatchType(cs, o->patch[2 * d]), "empty"), e1 = (PetscBool)!strcmp(PatchType(cs, o->patch[2 * d + 1]), "empty");
    PetscCheck(e0 == e1, comm, GALE_ERR_USER, "%s:%d: mesh.octree.patches: '%s' (%s) is empty but '%s' (%s) is not (a 2D case needs empty patches on both sides of its thickness)", cs->file, (int)o->line, e0 ? o->patch[2 * d] : o->patch[2 * d + 1],
               SideName[e0 ? 2 * d : 2 * d + 1], e0 ? o->patch[2 * d + 1] : o->patch[2 * d], SideName[e0 ? 2 * d + 1 : 2 * d]);
    PetscCheck(!e0 || o->cells[d] == 1, comm, GALE_ERR_USER, "%s:%d: mesh.octree: the %s and %s patches are empty (2D) but domain cells[%d] = %" PetscInt_FMT " (expected 1: a 2D case is one cell thick)", cs->file, (int)o->line, SideName[2 * d],
               SideName[2 * d + 1], d, o->cells[d]);
    opt->refine[d] = (PetscBool)!e0;
    opt->lo[d]     = o->min[d];
    opt->hi[d]     = o->max[d];
    opt->cells[d]  = o->cells[d];
  }
  for (int s = 0; s < 6; s++) {
    PetscCall(PetscStrncpy(opt->patch[s], o->patch[s], sizeof(opt->patch[s])));
    PetscCall(PetscStrncpy(opt->patchType[s], PatchType(cs, o->patch[s]), sizeof(opt->patchType[s])));
  }
  opt->cellsBetweenLevels = o->cells_between_levels;
  opt->featureAngle       = o->feature_angle;
  opt->haveLocation       = o->has_location;
  for (int d = 0; d < 3; d++) opt->location[d] = o->location[d];
  PetscCall(PetscSNPrintf(opt->where, sizeof(opt->where), "%s:%d: ", cs->file, (int)(o->has_location ? o->location_line : o->line)));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Read geometry g, transform it and give it to the octree. */
static PetscErrorCode AddGeometry(MPI_Comm comm, const GaleCase *cs, PetscInt g, GaleOctree oct, GaleSurface *surf)
{
  const GaleOctreeGeometry *G = &cs->octree.geometries[g];
  const char              **patch;
  GaleSurface               s;
  const char               *base;
  PetscInt                  nopen = 0, nx = 0;

  PetscFunctionBeginUser;
  PetscCall(GaleSurfaceRead(comm, G->file, surf));
  s = *surf;
  PetscCall(GaleSurfaceTransform(s, G->scale, G->rotate, G->translate));
  PetscCall(PetscMalloc1(s->nRegions + 1, &patch));
  for (PetscInt k = 0; k < G->nregions; k++) {
    PetscInt r;
    for (r = 0; r < s->nRegions && strcmp(s->regionNames[r], G->region[k]); r++) {}
    if (r == s->nRegions) {
      char list[1024] = "";
      for (PetscInt q = 0; q < s->nRegions; q++) {
        PetscCall(PetscStrlcat(list, q ? ", " : "", sizeof(list)));
        PetscCall(PetscStrlcat(list, s->regionNames[q], sizeof(list)));
      }
      PetscCall(PetscFree(patch));
      SETERRQ(comm, GALE_ERR_USER, "%s:%d: mesh.octree.geometry[%" PetscInt_FMT "].regions: %s has no region '%s' (its regions: %s)", cs->file, (int)G->line, g, G->file, G->region[k], list);
    }
  }
  for (PetscInt r = 0; r < s->nRegions; r++) {
    patch[r] = G->patch[0] ? G->patch : s->regionNames[r];
    for (PetscInt k = 0; k < G->nregions; k++)
      if (!strcmp(s->regionNames[r], G->region[k])) patch[r] = G->region_patch[k];
  }
  base = strrchr(G->file, '/');
  base = base ? base + 1 : G->file;
  PetscCall(GaleOctreeAddSurface(oct, s, base, G->levels[0], G->levels[1], patch, NULL));
  PetscCall(PetscFree(patch));
  PetscCall(GaleSurfaceReport(comm, s, &nopen, &nx));
  PetscCall(PetscPrintf(comm, "  geometry %s: %" PetscInt_FMT " triangles, %" PetscInt_FMT " regions, %s, levels [%" PetscInt_FMT ", %" PetscInt_FMT "]\n", base, s->nTris, s->nRegions,
                        GaleSearchIsClosed(oct->surf[oct->nSurfaces - 1].search) ? "closed" : "open (inside/outside from location_in_mesh only)", G->levels[0], G->levels[1]));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode LogStats(MPI_Comm comm, const GaleOctree oct)
{
  const GaleOctreeStats *st      = &oct->stats;
  char                   lv[512] = "";

  PetscFunctionBeginUser;
  for (PetscInt L = 0; L <= st->maxLevel; L++) {
    char one[64];
    PetscCall(PetscSNPrintf(one, sizeof(one), "%sL%" PetscInt_FMT " %" PetscInt_FMT, L ? ", " : "", L, st->fluidPerLevel[L]));
    PetscCall(PetscStrlcat(lv, one, sizeof(lv)));
  }
  PetscCall(PetscPrintf(comm, "  %" PetscInt_FMT " leaves: %" PetscInt_FMT " cut by surfaces, %" PetscInt_FMT " unreached from location_in_mesh, %" PetscInt_FMT " fluid cells (%s)\n", st->nLeaves, st->nCut, st->nUnreached, st->nFluid, lv));
  PetscCall(PetscPrintf(comm, "  %" PetscInt_FMT " polyhedra at level changes, %" PetscInt_FMT " faces on surface patches\n", st->nPolyhedra, st->nWallFaces));
  PetscCall(PetscPrintf(comm, "  time: refine %.2f s (%" PetscInt_FMT " splits), balance %.2f s (%" PetscInt_FMT " splits), fluid %.2f s, mesh %.2f s; %.0f cells/s\n", (double)st->tRefine, st->nSplitSurface, (double)st->tBalance, st->nSplitBalance,
                        (double)st->tFluid, (double)st->tMesh, (double)(st->nFluid / PetscMax(st->tRefine + st->tBalance + st->tFluid + st->tMesh, 1e-6))));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Snapping stage (mesh/snap.c) with the case's settings, and its report. */
static PetscErrorCode Snap(MPI_Comm comm, const GaleCase *cs, GaleOctree oct, GaleMesh *mesh)
{
  const GaleOctreeSettings *o = &cs->octree;
  GaleSnapOptions           opt;
  GaleSnapStats             st;

  PetscFunctionBeginUser;
  opt.featureAngle = o->feature_angle;
  opt.smoothLayers = o->snap_smooth_layers;
  opt.iterations   = o->snap_iterations;
  opt.maxNonOrtho  = 75;
  opt.patchSmooth  = 3;
  opt.features     = o->snap_features;
  PetscCall(GaleOctreeSnap(oct, &opt, mesh, &st));
  if (st.nRemoved) PetscCall(PetscPrintf(comm, "  snap: %" PetscInt_FMT " cells with every point on the surface removed (they would collapse); %" PetscInt_FMT " fluid cells\n", st.nRemoved, (*mesh)->nCells));
  PetscCall(PetscPrintf(comm,
                        "  snap: %" PetscInt_FMT " boundary points, %" PetscInt_FMT " snapped (%" PetscInt_FMT " to feature edges/corners), %" PetscInt_FMT " backed off, %" PetscInt_FMT " kept in place, %" PetscInt_FMT
                        " on the surface already or out of reach; %" PetscInt_FMT " points behind the wall moved\n",
                        st.nBoundary, st.nSnapped, st.nFeature, st.nBackedOff, st.nFrozen, st.nStill, st.nInterior));
  PetscCall(PetscPrintf(comm,
                        "  snap: distance to the surface: max %.3g, mean %.3g (castellated: max %.3g, mean %.3g); %" PetscInt_FMT " cells failed the checks at full displacement (volume %" PetscInt_FMT ", face pyramids %" PetscInt_FMT
                        ", non-orthogonality or skewness %" PetscInt_FMT " faces, warp %" PetscInt_FMT "), %" PetscInt_FMT " back-off passes, %.2f s\n",
                        (double)st.maxDist, (double)st.meanDist, (double)st.maxDist0, (double)st.meanDist0, st.nBadCells, st.why[0], st.why[1], st.why[2], st.why[3], st.iterations, (double)st.time));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Wall layers (mesh/layers.c) with the case's settings, and their report. */
static PetscErrorCode Layers(MPI_Comm comm, const GaleCase *cs, GaleMesh *mesh)
{
  const GaleOctreeSettings *o = &cs->octree;
  GaleLayerOptions          opt;
  GaleLayerStats            st;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(&opt, sizeof(opt)));
  opt.nPatches = o->nlayer_patches;
  for (PetscInt k = 0; k < o->nlayer_patches; k++) PetscCall(PetscStrncpy(opt.patches[k], o->layer_patches[k], sizeof(opt.patches[k])));
  opt.number         = o->layers;
  opt.expansion      = o->layer_expansion;
  opt.finalThickness = o->layer_final_thickness;
  opt.firstThickness = o->layer_first_thickness;
  opt.smoothLayers   = 5;
  opt.iterations     = 20;
  opt.maxNonOrtho    = 85;
  opt.strict         = PETSC_TRUE;
  PetscCall(PetscSNPrintf(opt.where, sizeof(opt.where), "%s:%d: mesh.octree.layers: ", cs->file, (int)o->layers_line));
  PetscCall(GaleMeshAddLayers(mesh, &opt, &st));
  PetscCall(PetscPrintf(comm,
                        "  layers: %" PetscInt_FMT " layers on %" PetscInt_FMT " faces (%" PetscInt_FMT " cells added, %" PetscInt_FMT " fluid cells), %" PetscInt_FMT " layer points (%" PetscInt_FMT " kept on another boundary), %" PetscInt_FMT
                        " points behind moved, %" PetscInt_FMT " pinned (no thickness: on edges of more than two boundary faces or no direction into the fluid); %" PetscInt_FMT " faces left without layers (%.2f %% covered)\n",
                        o->layers, st.nLayerFaces, st.nCellsAdded, (*mesh)->nCells, st.nLayerPoints, st.nConstrained, st.nInterior, st.nPinned, st.nExcluded, (double)(100.0 * (st.nLayerFaces - st.nExcluded) / PetscMax(st.nLayerFaces, 1))));
  PetscCall(PetscPrintf(comm,
                        "  layers: thickness/target min %.3f, mean %.3f, %.1f %% of the faces at >= 90 %%; first layer %.3g..%.3g; %" PetscInt_FMT " points limited by the cells around them or converging normals, %" PetscInt_FMT
                        " backed off (%" PetscInt_FMT " cells failed at full thickness, %" PetscInt_FMT " back-off passes); %" PetscInt_FMT " cells fail the face-pyramid or non-orthogonality check (%" PetscInt_FMT " at any thickness); %.2f s\n",
                        (double)st.minRatio, (double)st.meanRatio, (double)(100 * st.fracFull), (double)st.minFirst, (double)st.maxFirst, st.nLimited, st.nBackedOff, st.nBadCells, st.iterations, st.nWarnCells, st.nHopeless, (double)st.time));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Hints that the mesh may not be what the user meant. */
static PetscErrorCode Warnings(MPI_Comm comm, const GaleCase *cs, const GaleOctree oct, const GaleMesh mesh)
{
  const GaleOctreeSettings *o = &cs->octree;

  PetscFunctionBeginUser;
  if (oct->stats.suspect >= 0)
    PetscCall(PetscPrintf(
        comm, "  warning: location_in_mesh (%s:%d) seems to be inside '%s' (%" PetscInt_FMT " of 7 rays from it cross that surface an odd number of times; the surface is not closed, so this is a guess): check that the mesh is the fluid side\n",
        cs->file, (int)o->location_line, oct->surf[oct->stats.suspect].name, oct->stats.suspectRays));
  {
    PetscInt nside = 0;
    for (int s = 0; s < 6; s++) nside += mesh->patches[oct->sidePatch[s]].size;
    if (!nside && o->ngeometries) PetscCall(PetscPrintf(comm, "  warning: the fluid touches no side of the domain box: is location_in_mesh (%s:%d) inside a body whose surface is not closed?\n", cs->file, (int)o->location_line));
  }
  for (PetscInt p = 0; p < mesh->nPatches; p++) {
    PetscBool side = PETSC_FALSE;
    for (int k = 0; k < 6; k++) side = (PetscBool)(side || oct->sidePatch[k] == p);
    if (!side && mesh->patches[p].size == 0) PetscCall(PetscPrintf(comm, "  warning: surface patch '%s' has no faces (its geometry lies outside the domain or inside removed cells)\n", mesh->patches[p].name));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode BuildOctree(MPI_Comm comm, const GaleCase *cs, GaleOctree *oct, GaleSurface *surf, GaleMesh *mesh)
{
  const GaleOctreeSettings *o = &cs->octree;
  GaleOctreeOptions         opt;

  PetscFunctionBeginUser;
  PetscCall(SetOptions(comm, cs, &opt));
  PetscCall(PetscPrintf(comm, "Octree mesher: %" PetscInt_FMT " x %" PetscInt_FMT " x %" PetscInt_FMT " background cells%s\n", o->cells[0], o->cells[1], o->cells[2],
                        opt.refine[0] && opt.refine[1] && opt.refine[2] ? "" : " (2D: the empty direction is not refined)"));
  PetscCall(GaleOctreeCreate(comm, &opt, oct));
  for (PetscInt g = 0; g < o->ngeometries; g++) PetscCall(AddGeometry(comm, cs, g, *oct, &surf[g]));
  for (PetscInt r = 0; r < o->nregions; r++) {
    const GaleOctreeRegionSettings *R = &o->regions[r];
    if (R->kind == GALE_REFINE_BOX)
      PetscCall(GaleOctreeAddBoxRegion(*oct, R->min, R->max, R->level));
    else
      PetscCall(GaleOctreeAddDistanceRegion(*oct, R->geometry, R->distance, R->level));
  }
  PetscCall(GaleOctreeRefine(*oct));
  PetscCall(GaleOctreeSelectFluid(*oct));
  PetscCall(GaleOctreeBuildMesh(*oct, mesh));
  PetscCall(LogStats(comm, *oct));
  if (o->snap && o->ngeometries) PetscCall(Snap(comm, cs, *oct, mesh));
  if (o->layers && o->nlayer_patches) PetscCall(Layers(comm, cs, mesh));
  PetscCall(Warnings(comm, cs, *oct, *mesh));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleMeshBuildOctree(MPI_Comm comm, const GaleCase *cs, GaleMesh *mesh)
{
  GaleOctree     oct = NULL;
  GaleSurface    surf[GALE_MAX_GEOMETRIES];
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCheck(cs && mesh && cs->mesh_source == GALE_MESH_OCTREE, comm, PETSC_ERR_ARG_WRONG, "GaleMeshBuildOctree: needs a case with mesh.octree");
  *mesh = NULL;
  PetscCall(PetscMemzero(surf, sizeof(surf)));
  ierr = BuildOctree(comm, cs, &oct, surf, mesh);
  PetscCall(GaleOctreeDestroy(&oct));
  for (PetscInt g = 0; g < GALE_MAX_GEOMETRIES; g++) PetscCall(GaleSurfaceDestroy(&surf[g]));
  PetscCall(ierr);
  PetscFunctionReturn(PETSC_SUCCESS);
}
