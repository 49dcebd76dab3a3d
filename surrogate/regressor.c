/* GaleRegressor: registry of implementations by name, the normalisation
 * shared by all of them, options, and their HDF5 form (see
 * gale_regressor.h). Inputs: x_n = (x - c) / h with c, h the midpoint and
 * half-width of the training range (h = 1 for a constant input); outputs:
 * y_n = (y - mean) / std (std = 1 for a constant output). Adding a
 * regressor: one file with GaleRegressorCreate_<Name> and one line in the
 * table below. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "surrogate_impl.h"

static const struct {
  const char *name;
  PetscErrorCode (*create)(GaleRegressor);
} Types[] = {
    {"gpr", GaleRegressorCreate_GPR},
    {"rbf", GaleRegressorCreate_RBF},
    {"mlp", GaleRegressorCreate_MLP},
};

PetscErrorCode GaleRegressorListTypes(const char **list)
{
  static char buf[256];

  PetscFunctionBeginUser;
  if (!buf[0])
    for (size_t i = 0; i < sizeof(Types) / sizeof(Types[0]); i++) {
      if (i) PetscCall(PetscStrlcat(buf, " ", sizeof(buf)));
      PetscCall(PetscStrlcat(buf, Types[i].name, sizeof(buf)));
    }
  *list = buf;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleRegressorCreate(const char *type, GaleRegressor *reg)
{
  GaleRegressor r;
  const char   *list;
  PetscInt      found = -1;

  PetscFunctionBeginUser;
  *reg = NULL;
  for (size_t i = 0; type && i < sizeof(Types) / sizeof(Types[0]); i++)
    if (!strcmp(Types[i].name, type)) found = (PetscInt)i;
  PetscCall(GaleRegressorListTypes(&list));
  PetscCheck(found >= 0, PETSC_COMM_SELF, GALE_ERR_USER, "unknown regressor '%s' (expected one of: %s)", type ? type : "(null)", list);
  PetscCall(PetscNew(&r));
  PetscCall(PetscStrncpy(r->type, type, sizeof(r->type)));
  PetscCall(PetscStrallocpy("", &r->options));
  PetscCall(Types[found].create(r));
  *reg = r;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleRegressorDestroy(GaleRegressor *reg)
{
  PetscFunctionBeginUser;
  if (!reg || !*reg) PetscFunctionReturn(PETSC_SUCCESS);
  if ((*reg)->ops.destroy) PetscCall((*reg)->ops.destroy(*reg));
  PetscCall(PetscFree4((*reg)->xc, (*reg)->xh, (*reg)->ym, (*reg)->ys));
  PetscCall(PetscFree2((*reg)->xw, (*reg)->yw));
  PetscCall(PetscFree((*reg)->options));
  PetscCall(PetscFree(*reg));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleRegressorGetType(GaleRegressor reg, const char **type)
{
  PetscFunctionBeginUser;
  *type = reg->type;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleRegressorGetSizes(GaleRegressor reg, PetscInt *n, PetscInt *d, PetscInt *m)
{
  PetscFunctionBeginUser;
  if (n) *n = reg->n;
  if (d) *d = reg->d;
  if (m) *m = reg->m;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleRegressorHasVariance(GaleRegressor reg, PetscBool *has)
{
  PetscFunctionBeginUser;
  *has = reg->hasVariance;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleRegressorGetOptions(GaleRegressor reg, const char **list)
{
  PetscFunctionBeginUser;
  *list = reg->options;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleRegressorParseReal(GaleRegressor reg, const char *key, const char *value, PetscReal lo, PetscReal hi, PetscReal *x)
{
  char  *end;
  double v = strtod(value, &end);

  PetscFunctionBeginUser;
  PetscCheck(end != value && !*end && isfinite(v), PETSC_COMM_SELF, GALE_ERR_USER, "regressor %s: option %s=%s: not a number", reg->type, key, value);
  PetscCheck(v >= lo && v <= hi, PETSC_COMM_SELF, GALE_ERR_USER, "regressor %s: option %s=%s is out of range (expected %g to %g)", reg->type, key, value, (double)lo, (double)hi);
  *x = v;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleRegressorParseInt(GaleRegressor reg, const char *key, const char *value, PetscInt lo, PetscInt hi, PetscInt *x)
{
  char *end;
  long  v = strtol(value, &end, 10);

  PetscFunctionBeginUser;
  PetscCheck(end != value && !*end, PETSC_COMM_SELF, GALE_ERR_USER, "regressor %s: option %s=%s: not an integer", reg->type, key, value);
  PetscCheck(v >= lo && v <= hi, PETSC_COMM_SELF, GALE_ERR_USER, "regressor %s: option %s=%s is out of range (expected %" PetscInt_FMT " to %" PetscInt_FMT ")", reg->type, key, value, lo, hi);
  *x = (PetscInt)v;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Copy s into buf without leading and trailing blanks. */
static void Trim(const char *s, char *buf, size_t len)
{
  size_t n;
  while (*s && isspace((unsigned char)*s)) s++;
  n = strlen(s);
  while (n && isspace((unsigned char)s[n - 1])) n--;
  if (n >= len) n = len - 1;
  memcpy(buf, s, n);
  buf[n] = 0;
}

PetscErrorCode GaleRegressorSetOption(GaleRegressor reg, const char *key, const char *value)
{
  char      k[GALE_NAME_LEN], v[GALE_NAME_LEN], *opts;
  PetscBool found = PETSC_FALSE;
  size_t    len;

  PetscFunctionBeginUser;
  Trim(key, k, sizeof(k));
  Trim(value, v, sizeof(v));
  PetscCheck(k[0] && v[0] && !strpbrk(k, ",=") && !strpbrk(v, ",="), PETSC_COMM_SELF, GALE_ERR_USER, "regressor %s: malformed option '%s=%s' (expected key=value; known keys: %s)", reg->type, key, value, reg->optionKeys);
  PetscCall(reg->ops.setoption(reg, k, v, &found));
  PetscCheck(found, PETSC_COMM_SELF, GALE_ERR_USER, "regressor %s: unknown option '%s' (known: %s)", reg->type, k, reg->optionKeys);
  len = strlen(reg->options) + strlen(k) + strlen(v) + 3;
  PetscCall(PetscMalloc1(len, &opts));
  snprintf(opts, len, "%s%s%s=%s", reg->options, reg->options[0] ? "," : "", k, v);
  PetscCall(PetscFree(reg->options));
  reg->options = opts;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleRegressorSetOptions(GaleRegressor reg, const char *list)
{
  char *copy, *item, *save = NULL;

  PetscFunctionBeginUser;
  if (!list || !list[0]) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(PetscStrallocpy(list, &copy));
  for (item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
    char          *eq = strchr(item, '=');
    PetscErrorCode ierr;
    if (!eq) {
      PetscCall(PetscFree(copy));
      SETERRQ(PETSC_COMM_SELF, GALE_ERR_USER, "regressor %s: option '%s' has no value (expected key=value)", reg->type, item);
    }
    *eq  = 0;
    ierr = GaleRegressorSetOption(reg, item, eq + 1);
    if (ierr) PetscCall(PetscFree(copy));
    PetscCall(ierr);
  }
  PetscCall(PetscFree(copy));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode EnsureWork(GaleRegressor reg, PetscInt np)
{
  PetscFunctionBeginUser;
  if (np <= reg->nwork) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(PetscFree2(reg->xw, reg->yw));
  PetscCall(PetscMalloc2((size_t)np * reg->d, &reg->xw, (size_t)np * reg->m, &reg->yw));
  reg->nwork = np;
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode AllocNormalisation(GaleRegressor reg)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree4(reg->xc, reg->xh, reg->ym, reg->ys));
  PetscCall(PetscMalloc4(reg->d, &reg->xc, reg->d, &reg->xh, reg->m, &reg->ym, reg->m, &reg->ys));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleRegressorFit(GaleRegressor reg, PetscInt n, PetscInt d, PetscInt m, const PetscReal X[], const PetscReal Y[])
{
  PetscReal *Xn, *Yn;

  PetscFunctionBeginUser;
  PetscCheck(n >= 1 && d >= 1 && m >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "regressor %s: fit with %" PetscInt_FMT " samples, %" PetscInt_FMT " inputs, %" PetscInt_FMT " outputs (need at least 1 of each)", reg->type, n, d, m);
  for (size_t i = 0; i < (size_t)n * d; i++) PetscCheck(isfinite(X[i]), PETSC_COMM_SELF, PETSC_ERR_FP, "regressor %s: input %zu of sample %zu is not finite", reg->type, i % (size_t)d, i / (size_t)d);
  for (size_t i = 0; i < (size_t)n * m; i++) PetscCheck(isfinite(Y[i]), PETSC_COMM_SELF, PETSC_ERR_FP, "regressor %s: output %zu of sample %zu is not finite", reg->type, i % (size_t)m, i / (size_t)m);
  reg->n      = n;
  reg->d      = d;
  reg->m      = m;
  reg->nwork  = 0;
  reg->fitted = PETSC_FALSE;
  PetscCall(PetscFree2(reg->xw, reg->yw));
  PetscCall(AllocNormalisation(reg));
  for (PetscInt j = 0; j < d; j++) {
    PetscReal lo = X[j], hi = X[j];
    for (PetscInt i = 1; i < n; i++) {
      lo = PetscMin(lo, X[i * d + j]);
      hi = PetscMax(hi, X[i * d + j]);
    }
    reg->xc[j] = 0.5 * (lo + hi);
    reg->xh[j] = hi > lo ? 0.5 * (hi - lo) : 1.0;
  }
  for (PetscInt k = 0; k < m; k++) {
    PetscReal s = 0, s2 = 0;
    for (PetscInt i = 0; i < n; i++) s += Y[i * m + k];
    s /= n;
    for (PetscInt i = 0; i < n; i++) s2 += (Y[i * m + k] - s) * (Y[i * m + k] - s);
    reg->ym[k] = s;
    reg->ys[k] = PetscSqrtReal(s2 / n);
    if (!(reg->ys[k] > 1e-300)) reg->ys[k] = 1.0;
  }
  PetscCall(PetscMalloc2((size_t)n * d, &Xn, (size_t)n * m, &Yn));
  for (PetscInt i = 0; i < n; i++) {
    for (PetscInt j = 0; j < d; j++) Xn[i * d + j] = (X[i * d + j] - reg->xc[j]) / reg->xh[j];
    for (PetscInt k = 0; k < m; k++) Yn[i * m + k] = (Y[i * m + k] - reg->ym[k]) / reg->ys[k];
  }
  {
    PetscErrorCode ierr = reg->ops.fit(reg, n, Xn, Yn);
    PetscCall(PetscFree2(Xn, Yn));
    PetscCall(ierr);
  }
  reg->fitted = PETSC_TRUE;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleRegressorPredict(GaleRegressor reg, PetscInt np, const PetscReal x[], PetscReal y[], PetscReal var[])
{
  const PetscInt d = reg->d, m = reg->m;

  PetscFunctionBeginUser;
  PetscCheck(reg->fitted, PETSC_COMM_SELF, PETSC_ERR_ORDER, "regressor %s: predict before fit", reg->type);
  if (np <= 0) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(EnsureWork(reg, np));
  for (PetscInt i = 0; i < np; i++)
    for (PetscInt j = 0; j < d; j++) reg->xw[i * d + j] = (x[i * d + j] - reg->xc[j]) / reg->xh[j];
  PetscCall(reg->ops.predict(reg, np, reg->xw, y, reg->hasVariance ? var : NULL));
  for (PetscInt i = 0; i < np; i++)
    for (PetscInt k = 0; k < m; k++) {
      y[i * m + k] = reg->ym[k] + reg->ys[k] * y[i * m + k];
      if (var) var[i * m + k] = reg->hasVariance ? reg->ys[k] * reg->ys[k] * var[i * m + k] : 0.0;
    }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleRegressorSave(GaleRegressor reg, hid_t grp, const char *path)
{
  hsize_t dd[1] = {(hsize_t)reg->d}, dm[1] = {(hsize_t)reg->m};

  PetscFunctionBeginUser;
  PetscCheck(reg->fitted, PETSC_COMM_SELF, PETSC_ERR_ORDER, "regressor %s: save before fit", reg->type);
  PetscCall(GaleSurH5WriteAttrString(grp, "type", reg->type, path));
  PetscCall(GaleSurH5WriteAttrString(grp, "options", reg->options, path));
  PetscCall(GaleSurH5WriteAttrInt(grp, "samples", reg->n, path));
  PetscCall(GaleSurH5WriteAttrInt(grp, "inputs", reg->d, path));
  PetscCall(GaleSurH5WriteAttrInt(grp, "outputs", reg->m, path));
  PetscCall(GaleSurH5WriteReal(grp, "x_center", 1, dd, reg->xc, path));
  PetscCall(GaleSurH5WriteReal(grp, "x_halfwidth", 1, dd, reg->xh, path));
  PetscCall(GaleSurH5WriteReal(grp, "y_mean", 1, dm, reg->ym, path));
  PetscCall(GaleSurH5WriteReal(grp, "y_std", 1, dm, reg->ys, path));
  PetscCall(reg->ops.save(reg, grp, path));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Everything after the type; reg exists, destroyed by the caller on error. */
static PetscErrorCode LoadInto(GaleRegressor reg, hid_t grp, const char *path)
{
  char       opts[GALE_PATH_LEN];
  PetscInt64 n, d, m;
  hsize_t    dd[1], dm[1];

  PetscFunctionBeginUser;
  PetscCall(GaleSurH5ReadAttrString(grp, "options", opts, sizeof(opts), path));
  PetscCall(GaleRegressorSetOptions(reg, opts));
  PetscCall(GaleSurH5ReadAttrInt(grp, "samples", 1, PETSC_MAX_INT, &n, path));
  PetscCall(GaleSurH5ReadAttrInt(grp, "inputs", 1, 100000, &d, path));
  PetscCall(GaleSurH5ReadAttrInt(grp, "outputs", 1, 100000000, &m, path));
  reg->n = (PetscInt)n;
  reg->d = (PetscInt)d;
  reg->m = (PetscInt)m;
  dd[0]  = (hsize_t)d;
  dm[0]  = (hsize_t)m;
  PetscCall(AllocNormalisation(reg));
  PetscCall(GaleSurH5ReadReal(grp, "x_center", 1, dd, reg->xc, path));
  PetscCall(GaleSurH5ReadReal(grp, "x_halfwidth", 1, dd, reg->xh, path));
  PetscCall(GaleSurH5ReadReal(grp, "y_mean", 1, dm, reg->ym, path));
  PetscCall(GaleSurH5ReadReal(grp, "y_std", 1, dm, reg->ys, path));
  for (PetscInt j = 0; j < reg->d; j++) PetscCheck(reg->xh[j] > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: regressor input scale %" PetscInt_FMT " is not positive", path, j);
  for (PetscInt k = 0; k < reg->m; k++) PetscCheck(reg->ys[k] > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: regressor output scale %" PetscInt_FMT " is not positive", path, k);
  PetscCall(reg->ops.load(reg, grp, path));
  reg->fitted = PETSC_TRUE;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleRegressorLoad(hid_t grp, const char *path, GaleRegressor *reg)
{
  char           type[GALE_NAME_LEN];
  const char    *list;
  PetscInt       found = -1;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  *reg = NULL;
  PetscCall(GaleSurH5ReadAttrString(grp, "type", type, sizeof(type), path));
  for (size_t i = 0; i < sizeof(Types) / sizeof(Types[0]); i++)
    if (!strcmp(Types[i].name, type)) found = (PetscInt)i;
  PetscCall(GaleRegressorListTypes(&list));
  PetscCheck(found >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: regressor type '%s' is not known to this build (known: %s)", path, type, list);
  PetscCall(GaleRegressorCreate(type, reg));
  ierr = LoadInto(*reg, grp, path);
  if (ierr) PetscCall(GaleRegressorDestroy(reg));
  PetscCall(ierr);
  PetscFunctionReturn(PETSC_SUCCESS);
}
