/* Fuzz targets for the readers that take user files: the case reader
 * (GaleCaseRead), the polyMesh importer (GaleMeshReadPolyMesh), the
 * expression compiler (GaleExprCompile), the STL and OBJ geometry readers
 * (GaleSurfaceRead) and the Gmsh importer (GaleMeshReadGmsh). Each target takes raw bytes, turns
 * them into the files the reader expects (in a private temporary directory)
 * and runs the reader; user-input errors are returned by PETSc (the return
 * error handler is pushed) and are not failures. The same code is used by
 * the libFuzzer binaries (fuzz_*.c, built by build_and_run.sh with clang)
 * and by the CTest replay program (replay.c, normal build).
 *
 * Input formats:
 *   case      the bytes are DIR/case.yaml.
 *   polymesh  five segments separated by the line "@@" ("\n@@\n"): points,
 *             faces, owner, neighbour, boundary; missing segments are
 *             missing files. A segment starting "!gz\n" is written gzipped
 *             as NAME.gz, "!gzcut\n" gzipped and cut short.
 *   expr      the bytes (up to the first NUL) are the expression.
 *   stl, obj  the bytes are DIR/surface.stl (.obj); after the prefix "!gz\n"
 *             the rest is written gzipped as surface.stl.gz (.obj.gz),
 *             after "!gzcut\n" gzipped and cut short. An accepted surface
 *             is merged with a transformed copy of itself (GaleSurfaceMerge,
 *             GaleSurfaceTransform) and goes through GaleSurfaceReport,
 *             GaleSearchCreate and the search queries the mesher makes.
 *   gmsh      the bytes are DIR/mesh.msh (same "!gz\n"/"!gzcut\n" prefixes
 *             for mesh.msh.gz); an accepted mesh goes through GaleMeshCheck. */
#ifndef GALE_FUZZ_TARGETS_H
#define GALE_FUZZ_TARGETS_H

#include <stddef.h>
#include <stdint.h>
#include "gale_sys.h"

typedef enum { GALE_FUZZ_CASE, GALE_FUZZ_POLYMESH, GALE_FUZZ_EXPR, GALE_FUZZ_STL, GALE_FUZZ_OBJ, GALE_FUZZ_GMSH, GALE_FUZZ_NTARGETS } GaleFuzzTarget;
extern const char *const GaleFuzzTargets[]; /* "case", "polymesh", "expr", "stl", "obj", "gmsh" */

/* After PetscInitialize: push the return error handler, wrap PETSc's
 * allocator so that one allocation above $GALE_FUZZ_MAX_ALLOC_MB (default
 * 256) MB is refused, and make the private temporary directory (removed by
 * GaleFuzzFinalize). */
PetscErrorCode GaleFuzzSetUp(void);
PetscErrorCode GaleFuzzFinalize(void);

/* Run one input. Returns 1 if the reader accepted it, 0 if it was rejected
 * with an error (expected for most fuzz inputs), -1 if the harness itself
 * failed (cannot write the temporary files), -2 if the reader asked for an
 * allocation above the limit (a finding: inputs are small). */
int GaleFuzzRun(GaleFuzzTarget t, const uint8_t *data, size_t size);

/* Message of the first error of the last rejected input ("" if none). */
const char *GaleFuzzLastError(void);

#endif
