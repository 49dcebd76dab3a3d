/* Export a global GaleMesh as an OpenFOAM ascii constant/polyMesh (points,
 * faces, owner, neighbour, boundary), so OpenFOAM can run on exactly the
 * mesh Gale runs on (used by bench/). Internal faces must come first with
 * owner < neighbour-ordered cells as OpenFOAM expects; Gale's generators
 * already order them so (upper-triangular), imported meshes keep theirs. */
#include "gale_mesh.h"
#include <sys/stat.h>
#include <errno.h>

static PetscErrorCode Header(FILE *fp, const char *cls, const char *obj, const char *note)
{
  PetscFunctionBeginUser;
  fprintf(fp, "FoamFile\n{\n    version     2.0;\n    format      ascii;\n    class       %s;\n", cls);
  if (note) fprintf(fp, "    note        \"%s\";\n", note);
  fprintf(fp, "    location    \"constant/polyMesh\";\n    object      %s;\n}\n\n", obj);
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode Open(const char *dir, const char *name, FILE **fp)
{
  char path[GALE_PATH_LEN];

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/%s", dir, name));
  *fp = fopen(path, "w");
  PetscCheck(*fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot write %s: %s", path, strerror(errno));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode Close(FILE *fp, const char *dir, const char *name)
{
  PetscFunctionBeginUser;
  PetscCheck(fclose(fp) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write %s/%s", dir, name);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleMeshWritePolyMesh(GaleMesh m, const char *dir)
{
  FILE *fp;
  char  note[256];

  PetscFunctionBeginUser;
  PetscCheck(m->nGhosts == 0, m->comm, PETSC_ERR_ARG_WRONG, "write the global mesh, not a distributed one");
  PetscCheck(mkdir(dir, 0755) == 0 || errno == EEXIST, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot create %s: %s", dir, strerror(errno));
  PetscCall(PetscSNPrintf(note, sizeof(note), "nPoints:%" PetscInt_FMT "  nCells:%" PetscInt_FMT "  nFaces:%" PetscInt_FMT "  nInternalFaces:%" PetscInt_FMT, m->nPoints, m->nCells, m->nFaces, m->nInternalFaces));

  PetscCall(Open(dir, "points", &fp));
  PetscCall(Header(fp, "vectorField", "points", NULL));
  fprintf(fp, "%" PetscInt_FMT "\n(\n", m->nPoints);
  for (PetscInt p = 0; p < m->nPoints; p++) fprintf(fp, "(%.17g %.17g %.17g)\n", (double)m->points[3 * p], (double)m->points[3 * p + 1], (double)m->points[3 * p + 2]);
  fprintf(fp, ")\n");
  PetscCall(Close(fp, dir, "points"));

  PetscCall(Open(dir, "faces", &fp));
  PetscCall(Header(fp, "faceList", "faces", NULL));
  fprintf(fp, "%" PetscInt_FMT "\n(\n", m->nFaces);
  for (PetscInt f = 0; f < m->nFaces; f++) {
    fprintf(fp, "%" PetscInt_FMT "(", m->faceOffsets[f + 1] - m->faceOffsets[f]);
    for (PetscInt k = m->faceOffsets[f]; k < m->faceOffsets[f + 1]; k++) fprintf(fp, k > m->faceOffsets[f] ? " %" PetscInt_FMT : "%" PetscInt_FMT, m->facePoints[k]);
    fprintf(fp, ")\n");
  }
  fprintf(fp, ")\n");
  PetscCall(Close(fp, dir, "faces"));

  PetscCall(Open(dir, "owner", &fp));
  PetscCall(Header(fp, "labelList", "owner", note));
  fprintf(fp, "%" PetscInt_FMT "\n(\n", m->nFaces);
  for (PetscInt f = 0; f < m->nFaces; f++) fprintf(fp, "%" PetscInt_FMT "\n", m->owner[f]);
  fprintf(fp, ")\n");
  PetscCall(Close(fp, dir, "owner"));

  PetscCall(Open(dir, "neighbour", &fp));
  PetscCall(Header(fp, "labelList", "neighbour", note));
  fprintf(fp, "%" PetscInt_FMT "\n(\n", m->nInternalFaces);
  for (PetscInt f = 0; f < m->nInternalFaces; f++) fprintf(fp, "%" PetscInt_FMT "\n", m->neighbour[f]);
  fprintf(fp, ")\n");
  PetscCall(Close(fp, dir, "neighbour"));

  PetscCall(Open(dir, "boundary", &fp));
  PetscCall(Header(fp, "polyBoundaryMesh", "boundary", NULL));
  fprintf(fp, "%" PetscInt_FMT "\n(\n", m->nPatches);
  for (PetscInt p = 0; p < m->nPatches; p++) {
    const char *type = m->patches[p].type[0] ? m->patches[p].type : "patch";
    fprintf(fp, "    %s\n    {\n        type            %s;\n        nFaces          %" PetscInt_FMT ";\n        startFace       %" PetscInt_FMT ";\n    }\n", m->patches[p].name, type, m->patches[p].size, m->patches[p].start);
  }
  fprintf(fp, ")\n");
  PetscCall(Close(fp, dir, "boundary"));
  PetscFunctionReturn(PETSC_SUCCESS);
}
