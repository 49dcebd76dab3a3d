/* `gale surrogate train|predict|evaluate`: surrogate models of a sweep.
 *
 *   train SWEEPDIR --model pod-gpr|pod-rbf|mlp [--fields p,U] [--scalars Cd,Cl]
 *         [--out FILE] [--options k=v,...] [--energy E] [--max-modes N] [--folds K]
 *     The done training samples of the sweep (manifest.csv, each sample's
 *     folder) become a GaleTrainingSet: parameters from the manifest, the
 *     last step of each solution.h5 (all on one mesh: cell counts must
 *     agree), coefficients from summary.yaml, cell volumes as POD weights.
 *     Cross-validation errors are printed; the model goes to
 *     SWEEPDIR/model.h5 with the mesh (points, topology) of the first
 *     sample copied into its /mesh group, so predictions can be written
 *     without the sweep.
 *   predict MODEL name=value ... [--out DIR]
 *     Fields to DIR/prediction.h5 + .xmf (default: MODEL's folder/prediction),
 *     scalars printed with 2 sigma (gpr), a warning outside the trained
 *     range, and the prediction time.
 *   evaluate MODEL SWEEPDIR [--csv FILE]
 *     Errors on the sweep's held-out samples: volume-weighted relative L2
 *     of each field, absolute and relative error of each scalar. */
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "gale_surrogate.h"
#include "gale_sweep.h"
#include "gale_model.h"

static const char surUsage[] = "usage: gale surrogate train SWEEPDIR --model pod-gpr|pod-rbf|mlp [--fields p,U] [--scalars Cd,Cl]\n"
                               "                            [--out FILE] [--options k=v,...] [--energy E] [--max-modes N] [--folds K]\n"
                               "       gale surrogate predict MODEL.h5 name=value ... [--out DIR]\n"
                               "       gale surrogate evaluate MODEL.h5 SWEEPDIR [--csv FILE]\n"
                               "       gale surrogate curve MODEL.h5 NAME [--points N] [--csv FILE] [other=value ...]\n"
                               "See docs/sweep.md and docs/surrogate.md.\n";

static const char *const CoefNames[] = {"Cd", "Cl", "Cm"};

#define MAX_OUT 16

/* "p,U" -> names; at most max. */
static PetscErrorCode SplitList(const char *opt, const char *s, char names[][GALE_NAME_LEN], PetscInt max, PetscInt *n)
{
  const char *p = s;

  PetscFunctionBeginUser;
  *n = 0;
  while (*p) {
    size_t len = strcspn(p, ",");
    PetscCheck(len > 0 && len < GALE_NAME_LEN && *n < max, PETSC_COMM_SELF, GALE_ERR_USER, "gale surrogate: cannot read %s '%s' (expected names separated by commas, at most %d)", opt, s, (int)max);
    memcpy(names[*n], p, len);
    names[(*n)++][len] = 0;
    p += len;
    if (*p == ',') p++;
  }
  PetscCheck(*n > 0, PETSC_COMM_SELF, GALE_ERR_USER, "gale surrogate: %s is empty", opt);
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ReadManifest(const char *dir, GaleManifest *m)
{
  char root[GALE_PATH_LEN];

  PetscFunctionBeginUser;
  PetscCall(GaleManifestLocate(dir, root, sizeof(root)));
  PetscCall(GaleManifestRead(root, m));
  for (PetscInt i = 0; i < m->n; i++) PetscCall(GaleSweepSampleRefresh(root, &m->e[i]));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static void SolutionPath(const GaleManifest *m, const GaleSweepEntry *e, char *buf, size_t len)
{
  GaleSweepFmt(buf, len, "%s/%s/results/solution.h5", m->root, e->id);
}

/* Base case recorded by gale sweep in sweep.info ("case: PATH"). */
static void BaseCase(const char *root, char *buf, size_t len)
{
  char  path[GALE_PATH_LEN + 16], line[GALE_PATH_LEN + 16];
  FILE *fp;

  GaleSweepFmt(buf, len, "%s", root);
  GaleSweepFmt(path, sizeof(path), "%s/sweep.info", root);
  if (!(fp = fopen(path, "r"))) return;
  while (fgets(line, sizeof(line), fp))
    if (!strncmp(line, "case: ", 6)) {
      char *s               = line + 6;
      s[strcspn(s, "\r\n")] = 0;
      if (s[0] == '"' && strlen(s) >= 2) {
        s[strlen(s) - 1] = 0;
        s++;
      }
      GaleSweepFmt(buf, len, "%s", s);
    }
  fclose(fp);
}

typedef struct {
  const char *dir, *model, *fields, *scalars, *out, *options;
  PetscReal   energy;
  PetscInt    maxModes, folds;
} TrainOpts;

static PetscErrorCode PrintCV(GaleSurrogateModel model, const GaleCVReport *cv)
{
  PetscFunctionBeginUser;
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "Cross-validation (%d folds over %d samples; errors of held-out folds):\n", (int)cv->folds, (int)cv->nSamples));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "  %-12s %5s %5s  %-12s %-12s %-12s\n", "field", "comp", "modes", "relL2 mean", "relL2 max", "POD only"));
  for (PetscInt f = 0; f < cv->nFields; f++) {
    const char *name;
    PetscInt    nc, nm;
    PetscCall(GaleSurrogateModelGetField(model, f, &name, &nc, NULL, NULL, &nm, NULL));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "  %-12s %5d %5d  %-11.3f%% %-11.3f%% %-11.3f%%\n", name, (int)nc, (int)nm, (double)(100 * cv->fieldRelL2Mean[f]), (double)(100 * cv->fieldRelL2Max[f]), (double)(100 * cv->fieldProjRelL2Mean[f])));
  }
  if (cv->nScalars) PetscCall(PetscPrintf(PETSC_COMM_SELF, "  %-12s %-12s %-12s %-12s\n", "scalar", "RMSE", "rel. RMSE", "max |err|"));
  for (PetscInt s = 0; s < cv->nScalars; s++) {
    const char *name;
    PetscCall(GaleSurrogateModelGetScalar(model, s, &name));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "  %-12s %-12.4e %-11.3f%% %-12.4e\n", name, (double)cv->scalarRMSE[s], (double)(100 * cv->scalarRelRMSE[s]), (double)cv->scalarMaxAbs[s]));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Save to out.part, add the mesh to /mesh, rename to out. */
static PetscErrorCode SaveWithMesh(GaleSurrogateModel model, const char *out, const char *meshH5)
{
  char  part[GALE_PATH_LEN + 8];
  hid_t file, g, space, attr, type;

  PetscFunctionBeginUser;
  GaleSweepFmt(part, sizeof(part), "%s.part", out);
  PetscCall(GaleSurrogateModelSave(model, part));
  file = H5Fopen(part, H5F_ACC_RDWR, H5P_DEFAULT);
  PetscCheck(file >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot reopen", part);
  g = H5Gopen2(file, "mesh", H5P_DEFAULT);
  PetscCheck(g >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: no /mesh group", part);
  PetscCall(GaleSweepCopyMesh(meshH5, "/mesh", g, part));
  space = H5Screate(H5S_SCALAR);
  type  = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, strlen(meshH5) + 1);
  attr = H5Acreate2(g, "solution", type, space, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(attr, type, meshH5);
  H5Aclose(attr);
  H5Tclose(type);
  H5Sclose(space);
  H5Gclose(g);
  PetscCheck(H5Fclose(file) >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "%s: write failed", part);
  PetscCheck(rename(part, out) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot rename %s to %s: %s", part, out, strerror(errno));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The training samples: done, not held out. */
typedef struct {
  GaleManifest m;
  PetscInt    *train, nt;                       /* manifest rows */
  PetscInt     ns, sidx[3];                     /* scalars: indices into CoefNames */
  PetscInt     nk, keep[GALE_SWEEP_MAX_PARAMS]; /* parameters the model takes */
  PetscInt     nf, ncomp[MAX_OUT];              /* fields */
  char         fields[MAX_OUT][GALE_NAME_LEN];
  PetscInt64   nCells;
  char         first[GALE_PATH_LEN + 64]; /* the first sample's solution.h5 */
} TrainData;

/* Scalars: as asked, or every coefficient all training samples have. */
static PetscErrorCode PickScalars(TrainData *d, const char *opt)
{
  const GaleManifest *m = &d->m;

  PetscFunctionBeginUser;
  d->ns = 0;
  if (opt) {
    char     list[3][GALE_NAME_LEN];
    PetscInt n;
    PetscCall(SplitList("--scalars", opt, list, 3, &n));
    for (PetscInt k = 0; k < n; k++) {
      PetscInt c = 0;
      while (c < 3 && strcmp(list[k], CoefNames[c])) c++;
      PetscCheck(c < 3, PETSC_COMM_SELF, GALE_ERR_USER, "gale surrogate: unknown scalar '%s' (expected Cd, Cl or Cm, from results/summary.yaml)", list[k]);
      for (PetscInt i = 0; i < d->nt; i++)
        PetscCheck(isfinite(m->e[d->train[i]].coef[c]), PETSC_COMM_SELF, GALE_ERR_USER, "%s: %s has no %s in results/summary.yaml (does the case have a forces section?)", m->root, m->e[d->train[i]].id, CoefNames[c]);
      d->sidx[d->ns++] = c;
    }
  } else
    for (PetscInt c = 0; c < 3; c++) {
      PetscBool all = PETSC_TRUE;
      for (PetscInt i = 0; i < d->nt; i++) all = (PetscBool)(all && isfinite(m->e[d->train[i]].coef[c]));
      if (all) d->sidx[d->ns++] = c;
    }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Parameters that vary over the training samples. */
static PetscErrorCode PickParams(TrainData *d)
{
  const GaleManifest *m = &d->m;

  PetscFunctionBeginUser;
  d->nk = 0;
  for (PetscInt p = 0; p < m->nparams; p++) {
    PetscBool varies = PETSC_FALSE;
    for (PetscInt i = 1; i < d->nt; i++) varies = (PetscBool)(varies || m->e[d->train[i]].params[p] != m->e[d->train[0]].params[p]);
    if (varies)
      d->keep[d->nk++] = p;
    else {
      char v[32];
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "gale surrogate: parameter %s is %s in every training sample; the model does not take it\n", m->names[p], GaleSweepNum(m->e[d->train[0]].params[p], v, sizeof(v))));
    }
  }
  PetscCheck(d->nk > 0, PETSC_COMM_SELF, GALE_ERR_USER, "%s: no parameter varies over the training samples", m->path);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The training set: layout from the first sample, then every sample. */
static PetscErrorCode BuildTrainingSet(TrainData *d, GaleTrainingSet ts)
{
  const GaleManifest *m = &d->m;
  const char         *pnames[GALE_SWEEP_MAX_PARAMS];
  char                base[GALE_PATH_LEN], h5[GALE_PATH_LEN + 64];
  PetscReal          *vol, x[GALE_SWEEP_MAX_PARAMS], sc[3], *fdata[MAX_OUT];

  PetscFunctionBeginUser;
  for (PetscInt k = 0; k < d->nk; k++) pnames[k] = m->names[d->keep[k]];
  PetscCall(GaleTrainingSetSetParameters(ts, d->nk, pnames, NULL, NULL));
  SolutionPath(m, &m->e[d->train[0]], d->first, sizeof(d->first));
  d->nCells = -1;
  for (PetscInt f = 0; f < d->nf; f++) {
    PetscInt64 n;
    PetscCall(GaleSweepReadField(d->first, d->fields[f], &n, &d->ncomp[f], &fdata[f]));
    PetscCall(PetscFree(fdata[f]));
    PetscCheck(d->nCells < 0 || n == d->nCells, PETSC_COMM_SELF, GALE_ERR_USER, "%s: field %s has %lld cells, %s %lld", d->first, d->fields[f], (long long)n, d->fields[0], (long long)d->nCells);
    d->nCells = n;
    PetscCall(GaleTrainingSetAddField(ts, d->fields[f], d->ncomp[f], (PetscInt)d->nCells, NULL));
  }
  for (PetscInt s = 0; s < d->ns; s++) PetscCall(GaleTrainingSetAddScalar(ts, CoefNames[d->sidx[s]], NULL));
  BaseCase(m->root, base, sizeof(base));
  PetscCall(GaleSweepMeshVolumes(d->first, d->nCells, &vol));
  PetscCall(GaleTrainingSetSetMesh(ts, base, d->nCells, vol));
  PetscCall(PetscFree(vol));
  PetscCall(GaleTrainingSetReserve(ts, d->nt));
  for (PetscInt i = 0; i < d->nt; i++) {
    const GaleSweepEntry *e = &m->e[d->train[i]];
    SolutionPath(m, e, h5, sizeof(h5));
    for (PetscInt f = 0; f < d->nf; f++) {
      PetscInt64 n;
      PetscInt   c;
      PetscCall(GaleSweepReadField(h5, d->fields[f], &n, &c, &fdata[f]));
      PetscCheck(n == d->nCells && c == d->ncomp[f], PETSC_COMM_SELF, GALE_ERR_USER, "%s: field %s has %lld cells x %d components but %s has %lld x %d: the samples' meshes differ", h5, d->fields[f], (long long)n, (int)c, d->first,
                 (long long)d->nCells, (int)d->ncomp[f]);
    }
    for (PetscInt k = 0; k < d->nk; k++) x[k] = e->params[d->keep[k]];
    for (PetscInt s = 0; s < d->ns; s++) sc[s] = e->coef[d->sidx[s]];
    PetscCall(GaleTrainingSetAddSample(ts, x, (const PetscReal *const *)fdata, sc));
    for (PetscInt f = 0; f < d->nf; f++) PetscCall(PetscFree(fdata[f]));
  }
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "Training set: %d samples, %lld cells, fields", (int)d->nt, (long long)d->nCells));
  for (PetscInt f = 0; f < d->nf; f++) PetscCall(PetscPrintf(PETSC_COMM_SELF, " %s", d->fields[f]));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, ", scalars"));
  for (PetscInt s = 0; s < d->ns; s++) PetscCall(PetscPrintf(PETSC_COMM_SELF, " %s", CoefNames[d->sidx[s]]));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "%s\n", d->ns ? "" : " (none)"));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode Train(const TrainOpts *o)
{
  TrainData            d;
  GaleTrainingSet      ts;
  GaleSurrogateModel   model;
  GaleSurrogateOptions sopts;
  GaleCVReport         cv;
  char                 out[GALE_PATH_LEN + 16];
  const char          *type;
  PetscInt             unconverged = 0;
  PetscLogDouble       t0, t1;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(&d, sizeof(d)));
  PetscCall(ReadManifest(o->dir, &d.m));
  PetscCall(SplitList("--fields", o->fields ? o->fields : "p,U", d.fields, MAX_OUT, &d.nf));
  PetscCall(PetscMalloc1(d.m.n, &d.train));
  for (PetscInt i = 0; i < d.m.n; i++)
    if (!d.m.e[i].holdout && d.m.e[i].status == GALE_SAMPLE_DONE) {
      d.train[d.nt++] = i;
      if (!d.m.e[i].converged) unconverged++;
    }
  PetscCheck(d.nt >= 2, PETSC_COMM_SELF, GALE_ERR_USER, "%s: %d training sample(s) done; at least 2 are needed (run the sweep, then gale sweep %s --collect)", d.m.path, (int)d.nt, o->dir);
  if (unconverged) PetscCall(PetscPrintf(PETSC_COMM_SELF, "gale surrogate: warning: %d of the %d training samples stopped at max_iterations without converging\n", (int)unconverged, (int)d.nt));
  PetscCall(PickScalars(&d, o->scalars));
  PetscCall(PickParams(&d));
  PetscCall(GaleTrainingSetCreate(&ts));
  PetscCall(BuildTrainingSet(&d, ts));

  PetscCall(GaleSurrogateOptionsDefault(&sopts));
  if (o->energy > 0) sopts.energy = o->energy;
  if (o->maxModes > 0) sopts.maxModes = o->maxModes;
  if (o->folds) sopts.cvFolds = o->folds;
  if (o->options) GaleSweepFmt(sopts.regressorOptions, sizeof(sopts.regressorOptions), "%s", o->options);
  PetscCall(PetscTime(&t0));
  PetscCall(GaleSurrogateTrain(ts, o->model, &sopts, &model, o->folds < 0 ? NULL : &cv));
  PetscCall(PetscTime(&t1));
  if (o->folds >= 0) {
    PetscCall(PrintCV(model, &cv));
    PetscCall(GaleCVReportDestroy(&cv));
  }
  if (o->out)
    GaleSweepFmt(out, sizeof(out), "%s", o->out);
  else
    GaleSweepFmt(out, sizeof(out), "%s/model.h5", o->dir);
  PetscCall(SaveWithMesh(model, out, d.first));
  PetscCall(GaleSurrogateModelGetRegressor(model, &type, NULL));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "Trained %s (%s) in %.3f s%s; model: %s\n", o->model, type, (double)(t1 - t0), o->folds >= 0 ? " including cross-validation" : "", out));
  PetscCall(GaleSurrogateModelDestroy(&model));
  PetscCall(GaleTrainingSetDestroy(&ts));
  PetscCall(PetscFree(d.train));
  PetscCall(GaleManifestDestroy(&d.m));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode TrainMain(int argc, char **argv)
{
  TrainOpts o;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(&o, sizeof(o)));
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (a[0] != '-') {
      PetscCheck(!o.dir, PETSC_COMM_SELF, GALE_ERR_USER, "gale surrogate train: unexpected argument '%s'\n%s", a, surUsage);
      o.dir = a;
      continue;
    }
    PetscCheck(v, PETSC_COMM_SELF, GALE_ERR_USER, "gale surrogate train: %s needs a value\n%s", a, surUsage);
    i++;
    if (!strcmp(a, "--model"))
      o.model = v;
    else if (!strcmp(a, "--fields"))
      o.fields = v;
    else if (!strcmp(a, "--scalars"))
      o.scalars = v;
    else if (!strcmp(a, "--out"))
      o.out = v;
    else if (!strcmp(a, "--options"))
      o.options = v;
    else if (!strcmp(a, "--energy") || !strcmp(a, "--max-modes") || !strcmp(a, "--folds")) {
      char  *end;
      double d = strtod(v, &end);
      PetscCheck(!*end && isfinite(d), PETSC_COMM_SELF, GALE_ERR_USER, "gale surrogate train: %s needs a number, got '%s'", a, v);
      if (!strcmp(a, "--energy")) {
        PetscCheck(d > 0 && d <= 1, PETSC_COMM_SELF, GALE_ERR_USER, "gale surrogate train: --energy needs a fraction in (0, 1], got %s", v);
        o.energy = d;
      } else if (!strcmp(a, "--max-modes")) {
        PetscCheck(d >= 1 && d == floor(d), PETSC_COMM_SELF, GALE_ERR_USER, "gale surrogate train: --max-modes needs a positive integer, got %s", v);
        o.maxModes = (PetscInt)d;
      } else {
        PetscCheck(d == floor(d) && (d >= 2 || d == 0 || d == -1), PETSC_COMM_SELF, GALE_ERR_USER, "gale surrogate train: --folds needs an integer >= 2, or 0 (automatic), -1 (no cross-validation); got %s", v);
        o.folds = d == 0 ? 0 : (PetscInt)d;
      }
    } else
      SETERRQ(PETSC_COMM_SELF, GALE_ERR_USER, "gale surrogate train: unknown option '%s'\n%s", a, surUsage);
  }
  PetscCheck(o.dir && o.model, PETSC_COMM_SELF, GALE_ERR_USER, "gale surrogate train needs SWEEPDIR and --model\n%s", surUsage);
  PetscCheck(!strcmp(o.model, "pod-gpr") || !strcmp(o.model, "pod-rbf") || !strcmp(o.model, "mlp") || !strcmp(o.model, "pod-mlp") || !strcmp(o.model, "gpr") || !strcmp(o.model, "rbf"), PETSC_COMM_SELF, GALE_ERR_USER,
             "gale surrogate train: unknown model '%s' (expected pod-gpr, pod-rbf or mlp)", o.model);
  if (o.folds == -1) o.folds = -1;
  PetscCall(Train(&o));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The mesh to write fields on: the model's own /mesh/points, else the file
 * named by its mesh reference. */
static PetscErrorCode ModelMesh(const char *modelPath, GaleSurrogateModel model, char *h5, size_t len)
{
  hid_t       f;
  htri_t      has = 0;
  const char *ref;

  PetscFunctionBeginUser;
  H5E_BEGIN_TRY
  {
    f = H5Fopen(modelPath, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f >= 0) {
      has = H5Lexists(f, "mesh", H5P_DEFAULT) > 0 && H5Lexists(f, "mesh/points", H5P_DEFAULT) > 0;
      H5Fclose(f);
    }
  }
  H5E_END_TRY;
  if (has > 0) {
    GaleSweepFmt(h5, len, "%s", modelPath);
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(GaleSurrogateModelGetMesh(model, &ref, NULL));
  GaleSweepFmt(h5, len, "%s", ref);
  PetscCheck(access(h5, R_OK) == 0, PETSC_COMM_SELF, GALE_ERR_USER, "%s holds no mesh and its mesh reference %s is not a readable solution.h5: cannot write fields", modelPath, ref);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* name=value arguments -> x[nParams]; every parameter exactly once. */
/* name=value arguments (after argv[1]) into x; an option "--opt VALUE"
 * skips its value. Parameters not given are errors, or with midDefault the
 * middle of their trained range. */
static PetscErrorCode ParseParams(GaleSurrogateModel model, int argc, char **argv, PetscBool midDefault, PetscReal x[])
{
  PetscInt np, given[GALE_SWEEP_MAX_PARAMS];
  char     a[32], b[32];

  PetscFunctionBeginUser;
  PetscCall(GaleSurrogateModelGetSizes(model, &np, NULL, NULL, NULL));
  PetscCheck(np <= GALE_SWEEP_MAX_PARAMS, PETSC_COMM_SELF, PETSC_ERR_SUP, "the model has more than %d parameters", GALE_SWEEP_MAX_PARAMS);
  for (PetscInt p = 0; p < np; p++) given[p] = 0;
  for (int i = 2; i < argc; i++) {
    char     name[GALE_NAME_LEN], *eq = strchr(argv[i], '='), *end;
    PetscInt p;
    if (argv[i][0] == '-' && argv[i][1] == '-') {
      i++;
      continue;
    }
    if (!eq || argv[i][0] == '-') continue;
    PetscCheck(eq - argv[i] > 0 && (size_t)(eq - argv[i]) < sizeof(name), PETSC_COMM_SELF, GALE_ERR_USER, "gale surrogate predict: cannot read '%s' (expected name=value)", argv[i]);
    memcpy(name, argv[i], (size_t)(eq - argv[i]));
    name[eq - argv[i]] = 0;
    PetscCall(GaleSurrogateModelFindParameter(model, name, &p));
    if (p < 0) {
      char        list[1024] = "";
      size_t      k          = 0;
      const char *pn;
      PetscReal   lo, hi;
      for (PetscInt q = 0; q < np; q++) {
        PetscCall(GaleSurrogateModelGetParameter(model, q, &pn, &lo, &hi));
        GaleSweepAppend(list, sizeof(list), &k, "%s%s in [%s, %s]", q ? ", " : "", pn, GaleSweepNum(lo, a, sizeof(a)), GaleSweepNum(hi, b, sizeof(b)));
      }
      SETERRQ(PETSC_COMM_SELF, GALE_ERR_USER, "gale surrogate predict: the model has no parameter '%s' (it takes: %s)", name, list);
    }
    x[p] = strtod(eq + 1, &end);
    PetscCheck(eq[1] && !*end && isfinite(x[p]), PETSC_COMM_SELF, GALE_ERR_USER, "gale surrogate predict: cannot read the value of '%s' (expected a number)", argv[i]);
    PetscCheck(!given[p]++, PETSC_COMM_SELF, GALE_ERR_USER, "gale surrogate predict: %s is given twice", name);
  }
  for (PetscInt p = 0; p < np; p++) {
    const char *pn;
    PetscReal   lo, hi;
    PetscCall(GaleSurrogateModelGetParameter(model, p, &pn, &lo, &hi));
    if (!given[p] && midDefault) x[p] = 0.5 * (lo + hi);
    PetscCheck(given[p] || midDefault, PETSC_COMM_SELF, GALE_ERR_USER, "gale surrogate predict: give %s=VALUE (trained on %s to %s)", pn, GaleSweepNum(lo, a, sizeof(a)), GaleSweepNum(hi, b, sizeof(b)));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode WarnOutside(GaleSurrogateModel model, const PetscReal x[])
{
  PetscInt  np;
  PetscBool inside;
  char      a[32], b[32], c[32];

  PetscFunctionBeginUser;
  PetscCall(GaleSurrogateModelCheckParams(model, x, &inside, NULL));
  if (inside) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(GaleSurrogateModelGetSizes(model, &np, NULL, NULL, NULL));
  for (PetscInt p = 0; p < np; p++) {
    const char *pn;
    PetscReal   lo, hi;
    PetscCall(GaleSurrogateModelGetParameter(model, p, &pn, &lo, &hi));
    if (x[p] < lo || x[p] > hi)
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "gale surrogate: warning: %s = %s is outside the trained range [%s, %s]: the model extrapolates\n", pn, GaleSweepNum(x[p], c, sizeof(c)), GaleSweepNum(lo, a, sizeof(a)), GaleSweepNum(hi, b, sizeof(b))));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The predicted fields (and with a variance, <field>_2sigma) to
 * dir/prediction.h5 + .xmf on the model's mesh. */
static PetscErrorCode WriteFields(const char *path, const char *dir, GaleSurrogateModel model, const PetscReal x[], const PetscReal fields[], PetscBool hasVar)
{
  GaleSweepOutField out[2 * MAX_OUT];
  PetscInt64        nCells = 0;
  PetscInt          nf, nv, no = 0;
  PetscReal        *fvar = NULL;
  char              names[MAX_OUT][GALE_NAME_LEN + 8], meshH5[GALE_PATH_LEN], xmf[GALE_PATH_LEN + 32];

  PetscFunctionBeginUser;
  PetscCall(GaleSurrogateModelGetSizes(model, NULL, &nf, NULL, &nv));
  PetscCheck(nf <= MAX_OUT, PETSC_COMM_SELF, PETSC_ERR_SUP, "%s: more than %d fields", path, MAX_OUT);
  if (hasVar) {
    PetscCall(PetscMalloc1(nv, &fvar));
    PetscCall(GaleSurrogateModelPredictFieldVariance(model, x, fvar));
    for (PetscInt i = 0; i < nv; i++) fvar[i] = 2 * PetscSqrtReal(PetscMax(fvar[i], 0));
  }
  for (PetscInt f = 0; f < nf; f++) {
    const char *name;
    PetscInt    nc, ncell, off;
    PetscCall(GaleSurrogateModelGetField(model, f, &name, &nc, &ncell, &off, NULL, NULL));
    nCells    = ncell;
    out[no++] = (GaleSweepOutField){name, nc, fields + off};
    if (fvar) {
      GaleSweepFmt(names[f], sizeof(names[f]), "%s_2sigma", name);
      out[no++] = (GaleSweepOutField){names[f], nc, fvar + off};
    }
  }
  PetscCall(ModelMesh(path, model, meshH5, sizeof(meshH5)));
  PetscCall(GaleSweepWritePrediction(dir, meshH5, "/mesh", nCells, no, out, xmf, sizeof(xmf)));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "Fields: %s (open in ParaView)\n", xmf));
  PetscCall(PetscFree(fvar));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* gale surrogate curve MODEL.h5 NAME [--points N] [--csv FILE] [other=value ...]:
 * the model's scalars (and 2 sigma where the model gives a variance) at N
 * evenly spaced values of parameter NAME over its trained range, the other
 * parameters at the given values or the middle of their ranges. For sweep
 * reports (postproc/gale_sweep_report.py): one call, no field output. */
static PetscErrorCode Curve(int argc, char **argv)
{
  const char        *path = NULL, *name = NULL, *csv = NULL, *pn, *type;
  GaleSurrogateModel model;
  PetscInt           np, ns, nv, k = -1, npts = 101;
  PetscReal          x[GALE_SWEEP_MAX_PARAMS], lo, hi, *fields, *sc, *sv;
  PetscBool          hasVar;
  FILE              *fp = stdout;

  PetscFunctionBeginUser;
  for (int i = 2; i < argc; i++) {
    if (!strcmp(argv[i], "--points") || !strcmp(argv[i], "--csv")) {
      PetscCheck(i + 1 < argc, PETSC_COMM_SELF, GALE_ERR_USER, "gale surrogate curve: %s needs a value", argv[i]);
      if (!strcmp(argv[i], "--csv"))
        csv = argv[++i];
      else {
        char *end;
        npts = (PetscInt)strtol(argv[++i], &end, 10);
        PetscCheck(!*end && npts >= 2 && npts <= 100000, PETSC_COMM_SELF, GALE_ERR_USER, "gale surrogate curve: --points '%s' (expected a whole number from 2 to 100000)", argv[i]);
      }
    } else if (argv[i][0] == '-')
      SETERRQ(PETSC_COMM_SELF, GALE_ERR_USER, "gale surrogate curve: unknown option '%s'\n%s", argv[i], surUsage);
    else if (!strchr(argv[i], '=')) {
      PetscCheck(!path || !name, PETSC_COMM_SELF, GALE_ERR_USER, "gale surrogate curve: unexpected argument '%s' (expected MODEL.h5 NAME [other=value ...])\n%s", argv[i], surUsage);
      if (!path)
        path = argv[i];
      else
        name = argv[i];
    }
  }
  PetscCheck(path && name, PETSC_COMM_SELF, GALE_ERR_USER, "gale surrogate curve needs MODEL.h5 and a parameter name\n%s", surUsage);
  PetscCall(GaleSurrogateModelLoad(path, &model));
  PetscCall(GaleSurrogateModelFindParameter(model, name, &k));
  PetscCheck(k >= 0, PETSC_COMM_SELF, GALE_ERR_USER, "gale surrogate curve: %s has no parameter '%s'", path, name);
  PetscCall(ParseParams(model, argc, argv, PETSC_TRUE, x));
  PetscCall(GaleSurrogateModelGetSizes(model, &np, NULL, &ns, &nv));
  PetscCall(GaleSurrogateModelGetRegressor(model, &type, &hasVar));
  PetscCall(GaleSurrogateModelGetParameter(model, k, &pn, &lo, &hi));
  PetscCall(PetscMalloc3(nv + 1, &fields, ns + 1, &sc, ns + 1, &sv));
  if (csv) {
    fp = fopen(csv, "w");
    PetscCheck(fp, PETSC_COMM_SELF, GALE_ERR_USER, "gale surrogate curve: cannot write %s: %s", csv, strerror(errno));
  }
  fprintf(fp, "# %s (%s) along %s; other parameters:", path, type, pn);
  for (PetscInt p = 0; p < np; p++) {
    const char *qn;
    PetscReal   a, b;
    PetscCall(GaleSurrogateModelGetParameter(model, p, &qn, &a, &b));
    if (p != k) fprintf(fp, " %s=%.10g", qn, (double)x[p]);
  }
  fprintf(fp, "\n%s", pn);
  for (PetscInt s = 0; s < ns; s++) {
    const char *sn;
    PetscCall(GaleSurrogateModelGetScalar(model, s, &sn));
    fprintf(fp, ",%s", sn);
    if (hasVar) fprintf(fp, ",%s_2sigma", sn);
  }
  fprintf(fp, "\n");
  for (PetscInt i = 0; i < npts; i++) {
    x[k] = lo + (hi - lo) * (PetscReal)i / (PetscReal)(npts - 1);
    PetscCall(GaleSurrogateModelPredict(model, x, fields, sc, sv));
    fprintf(fp, "%.10g", (double)x[k]);
    for (PetscInt s = 0; s < ns; s++) {
      fprintf(fp, ",%.10g", (double)sc[s]);
      if (hasVar) fprintf(fp, ",%.6g", (double)(2 * PetscSqrtReal(PetscMax(sv[s], 0))));
    }
    fprintf(fp, "\n");
  }
  if (csv) PetscCheck(!ferror(fp) && !fclose(fp), PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "gale surrogate curve: write to %s failed", csv);
  PetscCall(PetscFree3(fields, sc, sv));
  PetscCall(GaleSurrogateModelDestroy(&model));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode Predict(int argc, char **argv)
{
  const char        *path = NULL, *outDir = NULL, *type;
  GaleSurrogateModel model;
  PetscInt           nf, ns, nv;
  PetscReal          x[GALE_SWEEP_MAX_PARAMS], *fields, *sc, *sv;
  PetscBool          hasVar;
  PetscLogDouble     t0, t1, tLoad, best = 1e30, first = 0;
  char               dir[GALE_PATH_LEN];

  PetscFunctionBeginUser;
  for (int i = 2; i < argc; i++) {
    if (!strcmp(argv[i], "--out")) {
      PetscCheck(i + 1 < argc, PETSC_COMM_SELF, GALE_ERR_USER, "gale surrogate predict: --out needs a directory");
      outDir = argv[++i];
    } else if (argv[i][0] == '-')
      SETERRQ(PETSC_COMM_SELF, GALE_ERR_USER, "gale surrogate predict: unknown option '%s'\n%s", argv[i], surUsage);
    else if (!path && !strchr(argv[i], '='))
      path = argv[i];
    else
      PetscCheck(strchr(argv[i], '='), PETSC_COMM_SELF, GALE_ERR_USER, "gale surrogate predict: unexpected argument '%s' (expected name=value)\n%s", argv[i], surUsage);
  }
  PetscCheck(path, PETSC_COMM_SELF, GALE_ERR_USER, "gale surrogate predict needs MODEL.h5\n%s", surUsage);
  PetscCall(PetscTime(&t0));
  PetscCall(GaleSurrogateModelLoad(path, &model));
  PetscCall(PetscTime(&t1));
  tLoad = t1 - t0;
  PetscCall(ParseParams(model, argc, argv, PETSC_FALSE, x));
  PetscCall(WarnOutside(model, x));
  PetscCall(GaleSurrogateModelGetSizes(model, NULL, &nf, &ns, &nv));
  PetscCall(GaleSurrogateModelGetRegressor(model, &type, &hasVar));
  PetscCall(PetscMalloc3(nv, &fields, ns + 1, &sc, ns + 1, &sv));
  for (int r = 0; r < 11; r++) { /* the first call, then the best of 10 */
    PetscCall(PetscTime(&t0));
    PetscCall(GaleSurrogateModelPredict(model, x, fields, sc, sv));
    PetscCall(PetscTime(&t1));
    if (!r)
      first = t1 - t0;
    else
      best = PetscMin(best, t1 - t0);
  }
  for (PetscInt s = 0; s < ns; s++) {
    const char *name;
    PetscCall(GaleSurrogateModelGetScalar(model, s, &name));
    if (hasVar)
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "%s = %.6g +- %.3g (2 sigma)\n", name, (double)sc[s], (double)(2 * PetscSqrtReal(PetscMax(sv[s], 0)))));
    else
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "%s = %.6g\n", name, (double)sc[s]));
  }
  if (nf) {
    if (outDir)
      GaleSweepFmt(dir, sizeof(dir), "%s", outDir);
    else {
      char tmp[GALE_PATH_LEN];
      GaleSweepFmt(tmp, sizeof(tmp), "%s", path);
      GaleSweepFmt(dir, sizeof(dir), "%s/prediction", dirname(tmp));
    }
    PetscCall(WriteFields(path, dir, model, x, fields, hasVar));
  }
  PetscCall(
      PetscPrintf(PETSC_COMM_SELF, "Prediction (%s, %d field values, %d scalars): %.3f ms (best of 10 calls; first call %.3f ms; loading the model %.1f ms)\n", type, (int)nv, (int)ns, 1e3 * (double)best, 1e3 * (double)first, 1e3 * (double)tLoad));
  PetscCall(PetscFree3(fields, sc, sv));
  PetscCall(GaleSurrogateModelDestroy(&model));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* What evaluate compares: model parameter p is manifest column pcol[p],
 * model scalar s the coefficient scol[s] (3: none); errors summed. */
typedef struct {
  GaleSurrogateModel model;
  GaleManifest       m;
  PetscInt           np, nf, ns, nv, pcol[GALE_SWEEP_MAX_PARAMS], scol[MAX_OUT];
  PetscReal         *vol, *pred, fsum[MAX_OUT], fmax[MAX_OUT], ssum[MAX_OUT], smax[MAX_OUT];
  PetscInt64         meshCells;
  FILE              *csv;
} EvalData;

static PetscErrorCode EvalSetUp(EvalData *d, const char *path, const char *dir, const char *csv)
{
  char meshH5[GALE_PATH_LEN];

  PetscFunctionBeginUser;
  PetscCall(GaleSurrogateModelLoad(path, &d->model));
  PetscCall(GaleSurrogateModelGetSizes(d->model, &d->np, &d->nf, &d->ns, &d->nv));
  PetscCheck(d->nf <= MAX_OUT && d->ns <= MAX_OUT && d->np <= GALE_SWEEP_MAX_PARAMS, PETSC_COMM_SELF, PETSC_ERR_SUP, "%s: too many fields, scalars or parameters", path);
  PetscCall(ReadManifest(dir, &d->m));
  for (PetscInt p = 0; p < d->np; p++) {
    const char *pn;
    PetscCall(GaleSurrogateModelGetParameter(d->model, p, &pn, NULL, NULL));
    d->pcol[p] = 0;
    while (d->pcol[p] < d->m.nparams && strcmp(d->m.names[d->pcol[p]], pn)) d->pcol[p]++;
    PetscCheck(d->pcol[p] < d->m.nparams, PETSC_COMM_SELF, GALE_ERR_USER, "%s has no parameter '%s' of the model %s", d->m.path, pn, path);
  }
  for (PetscInt s = 0; s < d->ns; s++) {
    const char *sn;
    PetscCall(GaleSurrogateModelGetScalar(d->model, s, &sn));
    d->scol[s] = 0;
    while (d->scol[s] < 3 && strcmp(CoefNames[d->scol[s]], sn)) d->scol[s]++;
    d->ssum[s] = d->smax[s] = 0;
  }
  for (PetscInt f = 0; f < d->nf; f++) d->fsum[f] = d->fmax[f] = 0;
  PetscCall(GaleSurrogateModelGetMesh(d->model, NULL, &d->meshCells));
  PetscCall(ModelMesh(path, d->model, meshH5, sizeof(meshH5)));
  PetscCall(GaleSweepMeshVolumes(meshH5, d->meshCells, &d->vol));
  PetscCall(PetscMalloc1(d->nv, &d->pred));
  if (!csv) PetscFunctionReturn(PETSC_SUCCESS);
  d->csv = fopen(csv, "w");
  PetscCheck(d->csv, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot create: %s", csv, strerror(errno));
  fprintf(d->csv, "id");
  for (PetscInt p = 0; p < d->np; p++) fprintf(d->csv, ",%s", d->m.names[d->pcol[p]]);
  for (PetscInt f = 0; f < d->nf; f++) {
    const char *fn;
    PetscCall(GaleSurrogateModelGetField(d->model, f, &fn, NULL, NULL, NULL, NULL, NULL));
    fprintf(d->csv, ",relL2_%s", fn);
  }
  for (PetscInt s = 0; s < d->ns; s++) {
    const char *sn;
    PetscCall(GaleSurrogateModelGetScalar(d->model, s, &sn));
    fprintf(d->csv, ",%s_true,%s_pred,%s_relerr", sn, sn, sn);
  }
  fprintf(d->csv, ",predict_ms,solve_s\n");
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* |pred - truth|_V / |truth|_V of field f over all its components. */
static PetscErrorCode FieldError(EvalData *d, PetscInt f, const char *h5, PetscReal *err)
{
  const char *fn;
  PetscInt    nc, ncell, off, c;
  PetscInt64  nn;
  PetscReal  *truth, num = 0, den = 0;

  PetscFunctionBeginUser;
  PetscCall(GaleSurrogateModelGetField(d->model, f, &fn, &nc, &ncell, &off, NULL, NULL));
  PetscCall(GaleSweepReadField(h5, fn, &nn, &c, &truth));
  PetscCheck(nn == ncell && c == nc, PETSC_COMM_SELF, GALE_ERR_USER, "%s: field %s has %lld cells x %d components, the model %d x %d", h5, fn, (long long)nn, (int)c, (int)ncell, (int)nc);
  for (PetscInt k = 0; k < nc; k++)
    for (PetscInt i = 0; i < ncell; i++) {
      PetscReal w = d->vol && d->meshCells == ncell ? d->vol[i] : 1, t = truth[k * ncell + i], q = d->pred[off + k * ncell + i];
      num += w * (q - t) * (q - t);
      den += w * t * t;
    }
  PetscCall(PetscFree(truth));
  *err = den > 0 ? PetscSqrtReal(num / den) : PetscSqrtReal(num);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Predict one held-out sample, compare, print a line; *tPred its time. */
static PetscErrorCode EvalSample(EvalData *d, const GaleSweepEntry *e, PetscLogDouble *tPred)
{
  PetscReal      x[GALE_SWEEP_MAX_PARAMS], sc[MAX_OUT];
  PetscLogDouble t0, t1;
  PetscBool      inside;
  char           h5[GALE_PATH_LEN + 64], line[2048];
  size_t         k = 0;

  PetscFunctionBeginUser;
  for (PetscInt p = 0; p < d->np; p++) x[p] = e->params[d->pcol[p]];
  PetscCall(PetscTime(&t0));
  PetscCall(GaleSurrogateModelPredict(d->model, x, d->pred, sc, NULL));
  PetscCall(PetscTime(&t1));
  *tPred = t1 - t0;
  PetscCall(GaleSurrogateModelCheckParams(d->model, x, &inside, NULL));
  SolutionPath(&d->m, e, h5, sizeof(h5));
  GaleSweepAppend(line, sizeof(line), &k, "  %s", e->id);
  for (PetscInt p = 0; p < d->np; p++) GaleSweepAppend(line, sizeof(line), &k, " %s=%-8.5g", d->m.names[d->pcol[p]], (double)x[p]);
  if (d->csv) {
    fprintf(d->csv, "%s", e->id);
    for (PetscInt p = 0; p < d->np; p++) fprintf(d->csv, ",%.10g", (double)x[p]);
  }
  for (PetscInt f = 0; f < d->nf; f++) {
    const char *fn;
    PetscReal   err = 0;
    PetscCall(GaleSurrogateModelGetField(d->model, f, &fn, NULL, NULL, NULL, NULL, NULL));
    PetscCall(FieldError(d, f, h5, &err));
    d->fsum[f] += err;
    d->fmax[f] = PetscMax(d->fmax[f], err);
    GaleSweepAppend(line, sizeof(line), &k, "  %s %.3f%%", fn, (double)(100 * err));
    if (d->csv) fprintf(d->csv, ",%.6e", (double)err);
  }
  for (PetscInt s = 0; s < d->ns; s++) {
    const char *sn;
    PetscReal   t = d->scol[s] < 3 ? e->coef[d->scol[s]] : NAN, err = PetscAbsReal(sc[s] - t) / PetscMax(PetscAbsReal(t), 1e-300);
    PetscCall(GaleSurrogateModelGetScalar(d->model, s, &sn));
    d->ssum[s] += err;
    d->smax[s] = PetscMax(d->smax[s], err);
    GaleSweepAppend(line, sizeof(line), &k, "  %s %.6g (true %.6g, %.3f%%)", sn, (double)sc[s], (double)t, (double)(100 * err));
    if (d->csv) fprintf(d->csv, ",%.10g,%.10g,%.6e", (double)t, (double)sc[s], (double)err);
  }
  if (d->csv) fprintf(d->csv, ",%.4f,%.4f\n", 1e3 * (double)*tPred, (double)e->wallTime);
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "%s%s\n", line, inside ? "" : "  (outside the trained range)"));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode Evaluate(int argc, char **argv)
{
  const char    *path = NULL, *dir = NULL, *csv = NULL;
  EvalData       d;
  PetscInt       n     = 0;
  PetscLogDouble tPred = 0, tSolve = 0;

  PetscFunctionBeginUser;
  for (int i = 2; i < argc; i++) {
    if (!strcmp(argv[i], "--csv")) {
      PetscCheck(i + 1 < argc, PETSC_COMM_SELF, GALE_ERR_USER, "gale surrogate evaluate: --csv needs a file");
      csv = argv[++i];
    } else if (argv[i][0] == '-')
      SETERRQ(PETSC_COMM_SELF, GALE_ERR_USER, "gale surrogate evaluate: unknown option '%s'\n%s", argv[i], surUsage);
    else if (!path)
      path = argv[i];
    else if (!dir)
      dir = argv[i];
    else
      SETERRQ(PETSC_COMM_SELF, GALE_ERR_USER, "gale surrogate evaluate: unexpected argument '%s'\n%s", argv[i], surUsage);
  }
  PetscCheck(path && dir, PETSC_COMM_SELF, GALE_ERR_USER, "gale surrogate evaluate needs MODEL.h5 and SWEEPDIR\n%s", surUsage);
  PetscCall(PetscMemzero(&d, sizeof(d)));
  PetscCall(EvalSetUp(&d, path, dir, csv));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "Held-out samples of %s (relative L2 error, volume-weighted; scalar relative error):\n", d.m.path));
  for (PetscInt i = 0; i < d.m.n; i++) {
    const GaleSweepEntry *e = &d.m.e[i];
    PetscLogDouble        t = 0;
    if (!e->holdout) continue;
    if (e->status != GALE_SAMPLE_DONE) {
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "  %s: %s, skipped\n", e->id, GaleSampleStatuses[e->status]));
      continue;
    }
    PetscCall(EvalSample(&d, e, &t));
    tPred += t;
    tSolve += isfinite(e->wallTime) ? e->wallTime : 0;
    n++;
  }
  if (d.csv) fclose(d.csv);
  PetscCheck(n > 0, PETSC_COMM_SELF, GALE_ERR_USER, "%s: no held-out sample is done (add a holdout: list to sweep.yaml and run the sweep)", d.m.path);
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "Summary over %d held-out samples (mean / max):\n", (int)n));
  for (PetscInt f = 0; f < d.nf; f++) {
    const char *fn;
    PetscCall(GaleSurrogateModelGetField(d.model, f, &fn, NULL, NULL, NULL, NULL, NULL));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "  field %-8s relL2 %.3f%% / %.3f%%\n", fn, (double)(100 * d.fsum[f] / n), (double)(100 * d.fmax[f])));
  }
  for (PetscInt s = 0; s < d.ns; s++) {
    const char *sn;
    PetscCall(GaleSurrogateModelGetScalar(d.model, s, &sn));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "  scalar %-7s rel. error %.3f%% / %.3f%%\n", sn, (double)(100 * d.ssum[s] / n), (double)(100 * d.smax[s])));
  }
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "  prediction %.3f ms per sample, solve %.2f s per sample: %.2g of the solve time\n", 1e3 * (double)(tPred / n), (double)(tSolve / n), tSolve > 0 ? (double)(tPred / tSolve) : 0.0));
  PetscCall(PetscFree(d.pred));
  PetscCall(PetscFree(d.vol));
  PetscCall(GaleManifestDestroy(&d.m));
  PetscCall(GaleSurrogateModelDestroy(&d.model));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSurrogateMain(MPI_Comm comm, int argc, char **argv, int *status)
{
  PetscMPIInt size;

  PetscFunctionBeginUser;
  *status = 0;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCheck(size == 1, comm, GALE_ERR_USER, "gale surrogate runs as one process; run it without mpirun");
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    PetscCall(PetscPrintf(comm, "%s", surUsage));
    *status = argc < 2 ? 1 : 0;
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  if (!strcmp(argv[1], "train"))
    PetscCall(TrainMain(argc, argv));
  else if (!strcmp(argv[1], "predict"))
    PetscCall(Predict(argc, argv));
  else if (!strcmp(argv[1], "evaluate"))
    PetscCall(Evaluate(argc, argv));
  else if (!strcmp(argv[1], "curve"))
    PetscCall(Curve(argc, argv));
  else
    SETERRQ(comm, GALE_ERR_USER, "gale surrogate: unknown command '%s' (expected train, predict, evaluate or curve)\n%s", argv[1], surUsage);
  PetscFunctionReturn(PETSC_SUCCESS);
}
