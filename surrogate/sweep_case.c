/* The case file of one sample: the base case.yaml text with the sample's
 * parameter values (and the derived values computed from them) written at
 * their case-file paths by the YAML editor, so the sample's case.yaml reads
 * as the base case with a few numbers changed. Relative file paths of the
 * base case (mesh.polyMesh, mesh.octree.geometry[i].file) are rewritten to
 * lead from the sample folder to the base case, so meshes and surfaces are
 * never copied and the sweep folder can move together with the base case. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "gale_sweep.h"

/* Path from directory `from` to `to`, both absolute and canonical. */
static void RelPath(const char *from, const char *to, char *out, size_t len)
{
  size_t i = 0, common = 0, k = 0;

  while (from[i] && from[i] == to[i]) {
    if (from[i] == '/') common = i;
    i++;
  }
  if ((!from[i] && (to[i] == '/' || !to[i])) || (!to[i] && from[i] == '/')) common = i;
  out[0] = 0;
  for (const char *s = from + common; *s; s++)
    if (*s == '/' && k + 4 < len) GaleSweepAppend(out, len, &k, "../");
  if (to[common] == '/') GaleSweepFmt(out + k, len - k, "%s", to + common + 1);
  if (!out[0])
    GaleSweepFmt(out, len, ".");
  else if (out[strlen(out) - 1] == '/')
    out[strlen(out) - 1] = 0;
}

static PetscErrorCode RewritePath(GaleSweep sw, const char *file, char **text, const char *path, const char *sampleDir)
{
  char      value[GALE_PATH_LEN], rel[GALE_PATH_LEN], joined[2 * GALE_PATH_LEN + 2], quoted[2 * GALE_PATH_LEN + 8];
  PetscBool found;

  PetscFunctionBeginUser;
  PetscCall(GaleYamlGet(file, *text, path, &found, value, sizeof(value)));
  if (!found || value[0] == '/' || !value[0]) PetscFunctionReturn(PETSC_SUCCESS);
  RelPath(sampleDir, sw->caseDir, rel, sizeof(rel));
  GaleSweepFmt(joined, sizeof(joined), "%s/%s", rel, value);
  GaleYamlFormatString(joined, quoted, sizeof(quoted));
  PetscCall(GaleYamlSet(file, text, path, quoted));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSweepCaseText(GaleSweep sw, const char *baseText, const PetscReal params[], const char *sampleDir, char **out)
{
  char     file[GALE_PATH_LEN + 16], num[64];
  PetscInt ngeo;

  PetscFunctionBeginUser;
  GaleSweepFmt(file, sizeof(file), "%s/case.yaml", sw->caseDir);
  PetscCall(PetscStrallocpy(baseText, out));
  for (PetscInt p = 0; p < sw->nparams; p++) {
    GaleYamlFormatReal(params[p], num, sizeof(num));
    for (PetscInt i = 0; i < sw->params[p].nset; i++) PetscCall(GaleYamlSet(file, out, sw->params[p].set[i], num));
  }
  for (PetscInt d = 0; d < sw->nderived; d++) {
    PetscReal v = GaleSweepExprEval(sw->derived[d].expr, params);
    if (!isfinite(v)) {
      char   at[512];
      size_t k = 0;
      at[0]    = 0;
      for (PetscInt p = 0; p < sw->nparams && k < sizeof(at); p++) GaleSweepAppend(at, sizeof(at), &k, "%s%s=%g", p ? ", " : "", sw->params[p].name, (double)params[p]);
      PetscCall(PetscFree(*out));
      SETERRQ(PETSC_COMM_SELF, GALE_ERR_USER, "%s:%d: derived value '%s' = %s is %s at %s", sw->file, (int)sw->derived[d].line, sw->derived[d].path, sw->derived[d].src, GaleSweepNum(v, num, sizeof(num)), at);
    }
    GaleYamlFormatReal(v, num, sizeof(num));
    PetscCall(GaleYamlSet(file, out, sw->derived[d].path, num));
  }
  PetscCall(RewritePath(sw, file, out, "mesh.polyMesh", sampleDir));
  PetscCall(GaleYamlCount(file, *out, "mesh.octree.geometry", &ngeo));
  for (PetscInt g = 0; g < ngeo; g++) {
    char path[64];
    GaleSweepFmt(path, sizeof(path), "mesh.octree.geometry[%d].file", (int)g);
    PetscCall(RewritePath(sw, file, out, path, sampleDir));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}
