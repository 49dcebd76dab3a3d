/* The sweep file DIR/sweep.yaml (docs/sweep.md) and the design it gives.
 *
 *   case: .                          base case directory (default: DIR)
 *   parameters:
 *     Re:    {box: [100, 1000]}      sampled by `sampling`
 *     speed: {values: [1, 2], set: boundary.movingWall.U[0]}
 *     alpha: {range: "0:15:4", set: [a.b, c.d]}   start:stop:count
 *   sampling: {method: lhs, samples: 16, seed: 1}  (lhs or sobol)
 *   derived:
 *     fluid.nu: 1/Re                 case-file path: expression of parameters
 *   holdout:
 *     - {Re: 150, speed: 1, alpha: 5}
 *
 * libyaml loads the file as a node tree; every key is checked (unknown and
 * duplicate keys are errors) and every error names DIR/sweep.yaml and the
 * line. Each case-file path is tried on the base case.yaml when the sweep
 * file is read, so a misspelt path fails before any run starts. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <yaml.h>
#include "gale_sweep.h"
#include "gale_case.h"

#define NPAIRS(m) ((int)((m)->data.mapping.pairs.top - (m)->data.mapping.pairs.start))
#define NITEMS(s) ((int)((s)->data.sequence.items.top - (s)->data.sequence.items.start))

static const char *const TopKeys[]   = {"case", "parameters", "sampling", "derived", "holdout", NULL};
static const char *const ParamKeys[] = {"values", "range", "box", "log", "set", NULL};
static const char *const SampKeys[]  = {"method", "samples", "seed", NULL};
static const char *const Methods[]   = {"lhs", "sobol", NULL};

typedef struct {
  const char      *file;
  yaml_document_t *doc;
  char            *base; /* base case.yaml text */
  char             baseFile[GALE_PATH_LEN];
} Rd;

static int Line(const yaml_node_t *n)
{
  return (int)n->start_mark.line + 1;
}
static yaml_node_t *Node(const Rd *r, int id)
{
  return yaml_document_get_node(r->doc, id);
}
static const char *Str(const yaml_node_t *n)
{
  return n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : "";
}
static const char *Describe(const yaml_node_t *n)
{
  return n->type == YAML_MAPPING_NODE ? "a mapping" : n->type == YAML_SEQUENCE_NODE ? "a list" : Str(n)[0] ? Str(n) : "nothing";
}

static void Join(const char *const list[], char *buf, size_t len)
{
  size_t k = 0;
  buf[0]   = 0;
  for (int i = 0; list[i] && k < len; i++) {
    int m = snprintf(buf + k, len - k, "%s%s", i ? ", " : "", list[i]);
    if (m < 0) break;
    k += (size_t)m;
  }
}

static yaml_node_t *Get(const Rd *r, const yaml_node_t *map, const char *key)
{
  for (int i = 0; i < NPAIRS(map); i++) {
    yaml_node_t *k = Node(r, map->data.mapping.pairs.start[i].key);
    if (k->type == YAML_SCALAR_NODE && !strcmp(Str(k), key)) return Node(r, map->data.mapping.pairs.start[i].value);
  }
  return NULL;
}

/* A mapping whose keys are scalars, unique and (keys != NULL) from the list. */
static PetscErrorCode CheckMap(const Rd *r, const yaml_node_t *n, const char *what, const char *const keys[])
{
  char list[512];

  PetscFunctionBeginUser;
  list[0] = 0;
  if (keys) Join(keys, list, sizeof(list));
  PetscCheck(n->type == YAML_MAPPING_NODE, PETSC_COMM_SELF, GALE_ERR_USER, "%s:%d: expected a mapping for '%s'%s%s%s, got %s", r->file, Line(n), what, keys ? " (keys: " : "", list, keys ? ")" : "", Describe(n));
  for (int i = 0; i < NPAIRS(n); i++) {
    yaml_node_t *k  = Node(r, n->data.mapping.pairs.start[i].key);
    PetscBool    ok = keys ? PETSC_FALSE : PETSC_TRUE;
    PetscCheck(k->type == YAML_SCALAR_NODE, PETSC_COMM_SELF, GALE_ERR_USER, "%s:%d: expected a key name in '%s', got %s", r->file, Line(k), what, Describe(k));
    for (int j = 0; keys && keys[j]; j++)
      if (!strcmp(keys[j], Str(k))) ok = PETSC_TRUE;
    PetscCheck(ok, PETSC_COMM_SELF, GALE_ERR_USER, "%s:%d: unknown key '%s' in '%s' (expected one of: %s)", r->file, Line(k), Str(k), what, list);
    for (int j = 0; j < i; j++) {
      yaml_node_t *kj = Node(r, n->data.mapping.pairs.start[j].key);
      PetscCheck(strcmp(Str(kj), Str(k)), PETSC_COMM_SELF, GALE_ERR_USER, "%s:%d: duplicate key '%s' in '%s' (first given at line %d)", r->file, Line(k), Str(k), what, Line(kj));
    }
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscBool ParseReal(const char *s, PetscReal *v)
{
  char *end;
  if (!s[0] || strspn(s, "0123456789+-.eE") != strlen(s)) return PETSC_FALSE;
  errno = 0;
  *v    = strtod(s, &end);
  return (PetscBool)(!*end && errno != ERANGE && isfinite(*v));
}

static PetscErrorCode Real(const Rd *r, const yaml_node_t *n, const char *what, PetscReal *v)
{
  PetscFunctionBeginUser;
  PetscCheck(n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && ParseReal(Str(n), v), PETSC_COMM_SELF, GALE_ERR_USER, "%s:%d: expected a number for '%s', got %s", r->file, Line(n), what, Describe(n));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode Int(const Rd *r, const yaml_node_t *n, const char *what, PetscInt64 lo, PetscInt64 hi, PetscInt64 *v)
{
  char     *end;
  long long d = 0;
  PetscBool ok;

  PetscFunctionBeginUser;
  ok = (PetscBool)(n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && Str(n)[0]);
  if (ok) {
    errno = 0;
    d     = strtoll(Str(n), &end, 10);
    ok    = (PetscBool)(!*end && errno != ERANGE && d >= lo && d <= hi);
  }
  PetscCheck(ok, PETSC_COMM_SELF, GALE_ERR_USER, "%s:%d: expected an integer from %lld to %lld for '%s', got %s", r->file, Line(n), (long long)lo, (long long)hi, what, Describe(n));
  *v = (PetscInt64)d;
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode Bool(const Rd *r, const yaml_node_t *n, const char *what, PetscBool *v)
{
  const char *s = Str(n);

  PetscFunctionBeginUser;
  if (n->type == YAML_SCALAR_NODE && (!strcasecmp(s, "true") || !strcasecmp(s, "yes")))
    *v = PETSC_TRUE;
  else if (n->type == YAML_SCALAR_NODE && (!strcasecmp(s, "false") || !strcasecmp(s, "no")))
    *v = PETSC_FALSE;
  else
    SETERRQ(PETSC_COMM_SELF, GALE_ERR_USER, "%s:%d: expected true or false for '%s', got %s", r->file, Line(n), what, Describe(n));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static char           gCaptured[1024];
static PetscErrorCode Capture(MPI_Comm comm, int line, const char *fun, const char *file, PetscErrorCode n, PetscErrorType p, const char *mess, void *ctx)
{
  (void)comm, (void)line, (void)fun, (void)file, (void)ctx;
  if (p == PETSC_ERROR_INITIAL) GaleSweepFmt(gCaptured, sizeof(gCaptured), "%s", mess ? mess : "");
  return n;
}

/* Try writing `path` into the base case: a path through a list or a value
 * fails here; a key that is not in the base case is added, and then the
 * case reader must know it (a misspelt key fails here, not in every run). */
static PetscErrorCode TryPath(const Rd *r, const yaml_node_t *n, const char *what, const char *path)
{
  char          *text, tmpl[] = "/tmp/gale-sweep-XXXXXX", file[64];
  PetscBool      found = PETSC_FALSE;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCall(PetscStrallocpy(r->base, &text));
  gCaptured[0] = 0;
  PetscCall(PetscPushErrorHandler(Capture, NULL));
  ierr = GaleYamlGet(r->baseFile, text, path, &found, NULL, 0);
  if (!ierr && !found) ierr = GaleYamlSet(r->baseFile, &text, path, "1");
  PetscCall(PetscPopErrorHandler());
  if (ierr) PetscCall(PetscFree(text));
  PetscCheck(!ierr, PETSC_COMM_SELF, GALE_ERR_USER, "%s:%d: %s: %s", r->file, Line(n), what, gCaptured);
  if (!found && mkdtemp(tmpl)) {
    GaleCase *cs = NULL;
    FILE     *fp;
    GaleSweepFmt(file, sizeof(file), "%s/case.yaml", tmpl);
    if ((fp = fopen(file, "w"))) {
      fputs(text, fp);
      fclose(fp);
      gCaptured[0] = 0;
      PetscCall(PetscPushErrorHandler(Capture, NULL));
      ierr = GaleCaseRead(PETSC_COMM_SELF, tmpl, &cs);
      PetscCall(PetscPopErrorHandler());
      PetscCall(GaleCaseDestroy(&cs));
      unlink(file);
    }
    rmdir(tmpl);
    if (ierr && strstr(gCaptured, "unknown key")) {
      const char *msg = strstr(gCaptured, "unknown key");
      PetscCall(PetscFree(text));
      SETERRQ(PETSC_COMM_SELF, GALE_ERR_USER, "%s:%d: %s: '%s' is not in the base case %s, and adding it gives: %s", r->file, Line(n), what, path, r->baseFile, msg);
    }
  }
  PetscCall(PetscFree(text));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscBool ValidName(const char *s)
{
  static const char *const reserved[] = {"pi", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "exp", "log", "log10", "sqrt", "abs", "floor", "ceil", "round", NULL};
  if (!s[0] || !(s[0] == '_' || (s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z'))) return PETSC_FALSE;
  if (strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") != strlen(s)) return PETSC_FALSE;
  for (int i = 0; reserved[i]; i++)
    if (!strcmp(s, reserved[i])) return PETSC_FALSE;
  return PETSC_TRUE;
}

/* "start:stop:count", count >= 1 (count 1: start alone). */
static PetscErrorCode ReadRange(const Rd *r, const yaml_node_t *n, GaleSweepParam *p)
{
  char      buf[256], *a, *b;
  PetscReal start, stop, cnt;
  PetscBool ok;

  PetscFunctionBeginUser;
  ok = (PetscBool)(n->type == YAML_SCALAR_NODE && strlen(Str(n)) < sizeof(buf));
  if (ok) {
    strcpy(buf, Str(n));
    a  = strchr(buf, ':');
    b  = a ? strchr(a + 1, ':') : NULL;
    ok = (PetscBool)(a && b);
    if (ok) {
      *a = *b = 0;
      ok      = (PetscBool)(ParseReal(buf, &start) && ParseReal(a + 1, &stop) && ParseReal(b + 1, &cnt) && cnt >= 1 && cnt <= GALE_SWEEP_MAX_SAMPLES && cnt == PetscFloorReal(cnt));
    }
  }
  PetscCheck(ok, PETSC_COMM_SELF, GALE_ERR_USER, "%s:%d: expected start:stop:count for 'parameters.%s.range' (e.g. 0:15:7, count a positive integer), got %s", r->file, Line(n), p->name, Describe(n));
  PetscCheck(!p->log || (start > 0 && stop > 0), PETSC_COMM_SELF, GALE_ERR_USER, "%s:%d: 'parameters.%s' has log: true, so start and stop must be > 0", r->file, Line(n), p->name);
  p->nvalues = (PetscInt)cnt;
  PetscCall(PetscMalloc1(p->nvalues, &p->values));
  for (PetscInt i = 0; i < p->nvalues; i++) {
    PetscReal f  = p->nvalues > 1 ? (PetscReal)i / (PetscReal)(p->nvalues - 1) : 0;
    p->values[i] = p->log ? start * PetscPowReal(stop / start, f) : start + f * (stop - start);
  }
  if (p->nvalues > 1) p->values[p->nvalues - 1] = stop;
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ReadParam(Rd *r, yaml_node_t *key, yaml_node_t *n, GaleSweepParam *p)
{
  yaml_node_t *v, *box, *rng, *set, *lg;
  char         what[GALE_NAME_LEN + 32];
  int          given;

  PetscFunctionBeginUser;
  PetscCheck(ValidName(Str(key)) && strlen(Str(key)) < sizeof(p->name), PETSC_COMM_SELF, GALE_ERR_USER, "%s:%d: parameter name '%s' must be letters, digits and '_', start with a letter or '_', and not be pi or a function name", r->file, Line(key),
             Str(key));
  strcpy(p->name, Str(key));
  p->line = Line(key);
  GaleSweepFmt(what, sizeof(what), "parameters.%s", p->name);
  PetscCall(CheckMap(r, n, what, ParamKeys));
  v     = Get(r, n, "values");
  rng   = Get(r, n, "range");
  box   = Get(r, n, "box");
  lg    = Get(r, n, "log");
  set   = Get(r, n, "set");
  given = (v != NULL) + (rng != NULL) + (box != NULL);
  PetscCheck(given == 1, PETSC_COMM_SELF, GALE_ERR_USER, "%s:%d: parameter '%s' needs exactly one of 'values', 'range' and 'box' (got %d)", r->file, Line(key), p->name, given);
  if (lg) PetscCall(Bool(r, lg, "log", &p->log));
  PetscCheck(!p->log || !v, PETSC_COMM_SELF, GALE_ERR_USER, "%s:%d: 'log' applies to 'range' and 'box', not to 'values' of parameter '%s'", r->file, Line(lg), p->name);
  if (v) {
    PetscCheck(v->type == YAML_SEQUENCE_NODE && NITEMS(v) >= 1 && NITEMS(v) <= GALE_SWEEP_MAX_SAMPLES, PETSC_COMM_SELF, GALE_ERR_USER, "%s:%d: expected a list of numbers for 'parameters.%s.values', got %s", r->file, Line(v), p->name, Describe(v));
    p->kind    = GALE_SWEEP_VALUES;
    p->nvalues = NITEMS(v);
    PetscCall(PetscMalloc1(p->nvalues, &p->values));
    for (PetscInt i = 0; i < p->nvalues; i++) {
      yaml_node_t *it = Node(r, v->data.sequence.items.start[i]);
      GaleSweepFmt(what, sizeof(what), "parameters.%s.values[%d]", p->name, (int)i);
      PetscCall(Real(r, it, what, &p->values[i]));
      for (PetscInt j = 0; j < i; j++) PetscCheck(p->values[j] != p->values[i], PETSC_COMM_SELF, GALE_ERR_USER, "%s:%d: value %s of parameter '%s' is given twice", r->file, Line(it), Str(it), p->name);
    }
  } else if (rng) {
    p->kind = GALE_SWEEP_VALUES;
    PetscCall(ReadRange(r, rng, p));
  } else {
    PetscCheck(box->type == YAML_SEQUENCE_NODE && NITEMS(box) == 2, PETSC_COMM_SELF, GALE_ERR_USER, "%s:%d: expected [lower, upper] for 'parameters.%s.box', got %s", r->file, Line(box), p->name, Describe(box));
    p->kind = GALE_SWEEP_BOX;
    GaleSweepFmt(what, sizeof(what), "parameters.%s.box[0]", p->name);
    PetscCall(Real(r, Node(r, box->data.sequence.items.start[0]), what, &p->lower));
    GaleSweepFmt(what, sizeof(what), "parameters.%s.box[1]", p->name);
    PetscCall(Real(r, Node(r, box->data.sequence.items.start[1]), what, &p->upper));
    PetscCheck(p->lower < p->upper, PETSC_COMM_SELF, GALE_ERR_USER, "%s:%d: 'parameters.%s.box' needs lower < upper, got [%s, %s]", r->file, Line(box), p->name, Str(Node(r, box->data.sequence.items.start[0])),
               Str(Node(r, box->data.sequence.items.start[1])));
    PetscCheck(!p->log || p->lower > 0, PETSC_COMM_SELF, GALE_ERR_USER, "%s:%d: 'parameters.%s' has log: true, so the box must be > 0", r->file, Line(box), p->name);
  }
  if (p->kind == GALE_SWEEP_VALUES) {
    p->lower = p->upper = p->values[0];
    for (PetscInt i = 1; i < p->nvalues; i++) {
      p->lower = PetscMin(p->lower, p->values[i]);
      p->upper = PetscMax(p->upper, p->values[i]);
    }
  }
  if (set) {
    PetscInt ns = set->type == YAML_SEQUENCE_NODE ? NITEMS(set) : 1;
    PetscCheck(set->type == YAML_SEQUENCE_NODE || (set->type == YAML_SCALAR_NODE && Str(set)[0]), PETSC_COMM_SELF, GALE_ERR_USER, "%s:%d: expected a case-file path or a list of them for 'parameters.%s.set', got %s", r->file, Line(set), p->name,
               Describe(set));
    PetscCall(PetscMalloc1(ns, &p->set));
    for (PetscInt i = 0; i < ns; i++) {
      yaml_node_t *it = set->type == YAML_SEQUENCE_NODE ? Node(r, set->data.sequence.items.start[i]) : set;
      PetscCheck(it->type == YAML_SCALAR_NODE && Str(it)[0] && strlen(Str(it)) < GALE_NAME_LEN, PETSC_COMM_SELF, GALE_ERR_USER, "%s:%d: expected a case-file path (such as fluid.nu) in 'parameters.%s.set', got %s", r->file, Line(it), p->name,
                 Describe(it));
      strcpy(p->set[i], Str(it));
      p->nset = i + 1;
      GaleSweepFmt(what, sizeof(what), "parameter '%s'", p->name);
      PetscCall(TryPath(r, it, what, p->set[i]));
    }
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ReadDerived(Rd *r, yaml_node_t *n, GaleSweep sw)
{
  const char *names[GALE_SWEEP_MAX_PARAMS];
  char        err[256];

  PetscFunctionBeginUser;
  PetscCall(CheckMap(r, n, "derived", NULL));
  for (PetscInt i = 0; i < sw->nparams; i++) names[i] = sw->params[i].name;
  PetscCall(PetscCalloc1(NPAIRS(n), &sw->derived));
  for (int i = 0; i < NPAIRS(n); i++) {
    yaml_node_t      *k = Node(r, n->data.mapping.pairs.start[i].key), *v = Node(r, n->data.mapping.pairs.start[i].value);
    GaleSweepDerived *d = &sw->derived[i];
    PetscCheck(strlen(Str(k)) < sizeof(d->path), PETSC_COMM_SELF, GALE_ERR_USER, "%s:%d: case-file path '%s' is too long", r->file, Line(k), Str(k));
    PetscCheck(v->type == YAML_SCALAR_NODE && Str(v)[0] && strlen(Str(v)) < sizeof(d->src), PETSC_COMM_SELF, GALE_ERR_USER, "%s:%d: expected an expression of the parameters for 'derived.%s' (e.g. \"1/Re\"), got %s", r->file, Line(v), Str(k),
               Describe(v));
    strcpy(d->path, Str(k));
    strcpy(d->src, Str(v));
    d->line = Line(k);
    PetscCall(GaleSweepExprCompile(d->src, sw->nparams, names, &d->expr, err, sizeof(err)));
    sw->nderived = i + 1;
    PetscCheck(d->expr, PETSC_COMM_SELF, GALE_ERR_USER, "%s:%d: cannot read expression '%s' of 'derived.%s': %s", r->file, Line(v), d->src, d->path, err);
    PetscCall(TryPath(r, k, "derived value", d->path));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Every case-file path is set once, and every parameter sets something. */
static PetscErrorCode CheckPaths(const Rd *r, GaleSweep sw)
{
  PetscFunctionBeginUser;
  for (PetscInt a = 0; a < sw->nparams + sw->nderived; a++) {
    PetscInt na = a < sw->nparams ? sw->params[a].nset : 1;
    for (PetscInt i = 0; i < na; i++) {
      const char *pa = a < sw->nparams ? sw->params[a].set[i] : sw->derived[a - sw->nparams].path;
      PetscInt    la = a < sw->nparams ? sw->params[a].line : sw->derived[a - sw->nparams].line;
      for (PetscInt b = 0; b <= a; b++) {
        PetscInt nb = b < sw->nparams ? sw->params[b].nset : 1;
        for (PetscInt j = 0; j < nb && (b < a || j < i); j++) {
          const char *pb = b < sw->nparams ? sw->params[b].set[j] : sw->derived[b - sw->nparams].path;
          PetscInt    lb = b < sw->nparams ? sw->params[b].line : sw->derived[b - sw->nparams].line;
          PetscCheck(strcmp(pa, pb), PETSC_COMM_SELF, GALE_ERR_USER, "%s:%d: case-file path '%s' is set twice (also at line %d)", r->file, (int)la, pa, (int)lb);
        }
      }
    }
  }
  for (PetscInt p = 0; p < sw->nparams; p++) {
    PetscBool used = (PetscBool)(sw->params[p].nset > 0);
    for (PetscInt d = 0; d < sw->nderived && !used; d++) used = GaleSweepExprUses(sw->derived[d].expr, p);
    PetscCheck(used, PETSC_COMM_SELF, GALE_ERR_USER, "%s:%d: parameter '%s' changes nothing: give it 'set:' (case-file paths) or use it in 'derived'", r->file, (int)sw->params[p].line, sw->params[p].name);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ReadHoldout(const Rd *r, yaml_node_t *n, GaleSweep sw)
{
  PetscFunctionBeginUser;
  PetscCheck(n->type == YAML_SEQUENCE_NODE, PETSC_COMM_SELF, GALE_ERR_USER, "%s:%d: expected a list of points for 'holdout' (e.g. - {Re: 150}), got %s", r->file, Line(n), Describe(n));
  sw->nholdout = NITEMS(n);
  PetscCall(PetscMalloc1(sw->nholdout * sw->nparams + 1, &sw->holdout));
  for (PetscInt h = 0; h < sw->nholdout; h++) {
    yaml_node_t *pt = Node(r, n->data.sequence.items.start[h]);
    char         what[64];
    GaleSweepFmt(what, sizeof(what), "holdout[%d]", (int)h);
    PetscCall(CheckMap(r, pt, what, NULL));
    for (int i = 0; i < NPAIRS(pt); i++) {
      yaml_node_t *k = Node(r, pt->data.mapping.pairs.start[i].key);
      PetscInt     p;
      for (p = 0; p < sw->nparams; p++)
        if (!strcmp(Str(k), sw->params[p].name)) break;
      PetscCheck(p < sw->nparams, PETSC_COMM_SELF, GALE_ERR_USER, "%s:%d: unknown parameter '%s' in holdout[%d]", r->file, Line(k), Str(k), (int)h);
    }
    for (PetscInt p = 0; p < sw->nparams; p++) {
      yaml_node_t *v = Get(r, pt, sw->params[p].name);
      char         w[GALE_NAME_LEN + 32];
      PetscCheck(v, PETSC_COMM_SELF, GALE_ERR_USER, "%s:%d: holdout[%d] gives no value for parameter '%s' (every parameter is needed)", r->file, Line(pt), (int)h, sw->params[p].name);
      GaleSweepFmt(w, sizeof(w), "holdout[%d].%s", (int)h, sw->params[p].name);
      PetscCall(Real(r, v, w, &sw->holdout[h * sw->nparams + p]));
    }
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode BuildDesign(const Rd *r, GaleSweep sw, int paramsLine)
{
  PetscInt   grid = 1, nbox = 0, box[GALE_SWEEP_MAX_PARAMS], nb;
  PetscReal *u = NULL;

  PetscFunctionBeginUser;
  for (PetscInt p = 0; p < sw->nparams; p++) {
    if (sw->params[p].kind == GALE_SWEEP_BOX)
      box[nbox++] = p;
    else {
      PetscCheck((PetscReal)grid * sw->params[p].nvalues <= GALE_SWEEP_MAX_SAMPLES, PETSC_COMM_SELF, GALE_ERR_USER, "%s:%d: the sweep has more than %d samples", r->file, paramsLine, GALE_SWEEP_MAX_SAMPLES);
      grid *= sw->params[p].nvalues;
    }
  }
  nb = nbox ? sw->boxSamples : 1;
  PetscCheck((PetscReal)grid * nb <= GALE_SWEEP_MAX_SAMPLES, PETSC_COMM_SELF, GALE_ERR_USER, "%s:%d: the sweep has more than %d samples", r->file, paramsLine, GALE_SWEEP_MAX_SAMPLES);
  sw->nsamples = grid * nb;
  PetscCall(PetscMalloc1(sw->nsamples * sw->nparams, &sw->samples));
  if (nbox) {
    PetscCall(PetscMalloc1(nb * nbox, &u));
    if (sw->method == GALE_SWEEP_LHS)
      PetscCall(GaleSweepLatinHypercube(nb, nbox, sw->seed, 50, u));
    else
      PetscCall(GaleSweepSobol(nb, nbox, sw->seed, u));
  }
  for (PetscInt g = 0; g < grid; g++) {
    PetscInt rest;
    for (PetscInt s = 0; s < nb; s++) {
      PetscReal *x = &sw->samples[(g * nb + s) * sw->nparams];
      /* grid index: last value parameter fastest */
      rest = g;
      for (PetscInt p = sw->nparams - 1; p >= 0; p--) {
        GaleSweepParam *P = &sw->params[p];
        if (P->kind != GALE_SWEEP_VALUES) continue;
        x[p] = P->values[rest % P->nvalues];
        rest /= P->nvalues;
      }
      for (PetscInt b = 0; b < nbox; b++) {
        GaleSweepParam *P = &sw->params[box[b]];
        PetscReal       t = u[s * nbox + b];
        x[box[b]]         = P->log ? P->lower * PetscPowReal(P->upper / P->lower, t) : P->lower + t * (P->upper - P->lower);
      }
    }
  }
  PetscCall(PetscFree(u));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ReadText(const char *path, char **text)
{
  FILE *fp = fopen(path, "rb");
  long  len;

  PetscFunctionBeginUser;
  *text = NULL;
  PetscCheck(fp, PETSC_COMM_SELF, GALE_ERR_USER, "%s: cannot open: %s", path, strerror(errno));
  if (fseek(fp, 0, SEEK_END) || (len = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET)) {
    fclose(fp);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "%s: cannot read", path);
  }
  PetscCall(PetscMalloc1(len + 1, text));
  if (fread(*text, 1, (size_t)len, fp) != (size_t)len) {
    fclose(fp);
    PetscCall(PetscFree(*text));
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "%s: cannot read", path);
  }
  (*text)[len] = 0;
  fclose(fp);
  PetscCheck(strlen(*text) == (size_t)len, PETSC_COMM_SELF, GALE_ERR_USER, "%s: the file holds a NUL byte (not a text file)", path);
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ReadDocument(Rd *r, GaleSweep sw)
{
  yaml_node_t *root   = yaml_document_get_root_node(r->doc), *n, *pars;
  int          plines = 1;

  PetscFunctionBeginUser;
  PetscCheck(root, PETSC_COMM_SELF, GALE_ERR_USER, "%s: the file is empty (expected 'parameters:'; see docs/sweep.md)", r->file);
  PetscCall(CheckMap(r, root, "the top level", TopKeys));
  n = Get(r, root, "case");
  {
    char rel[GALE_PATH_LEN], full[2 * GALE_PATH_LEN + 2];
    if (n) {
      PetscCheck(n->type == YAML_SCALAR_NODE && Str(n)[0] && strlen(Str(n)) < sizeof(rel), PETSC_COMM_SELF, GALE_ERR_USER, "%s:%d: expected a directory for 'case', got %s", r->file, Line(n), Describe(n));
      strcpy(rel, Str(n));
    } else
      strcpy(rel, ".");
    if (rel[0] == '/')
      GaleSweepFmt(full, sizeof(full), "%s", rel);
    else
      GaleSweepFmt(full, sizeof(full), "%s/%s", sw->dir, rel);
    PetscCheck(realpath(full, sw->caseDir), PETSC_COMM_SELF, GALE_ERR_USER, "%s:%d: base case directory %s: %s", r->file, n ? Line(n) : 1, full, strerror(errno));
    GaleSweepFmt(r->baseFile, sizeof(r->baseFile), "%s/case.yaml", sw->caseDir);
    PetscCheck(access(r->baseFile, R_OK) == 0, PETSC_COMM_SELF, GALE_ERR_USER, "%s:%d: the base case %s has no readable case.yaml", r->file, n ? Line(n) : 1, sw->caseDir);
    PetscCall(ReadText(r->baseFile, &r->base));
  }
  pars = Get(r, root, "parameters");
  PetscCheck(pars, PETSC_COMM_SELF, GALE_ERR_USER, "%s:1: missing required section 'parameters'", r->file);
  PetscCall(CheckMap(r, pars, "parameters", NULL));
  plines = Line(pars);
  PetscCheck(NPAIRS(pars) >= 1 && NPAIRS(pars) <= GALE_SWEEP_MAX_PARAMS, PETSC_COMM_SELF, GALE_ERR_USER, "%s:%d: expected 1 to %d parameters, got %d", r->file, Line(pars), GALE_SWEEP_MAX_PARAMS, NPAIRS(pars));
  for (int i = 0; i < NPAIRS(pars); i++) {
    sw->nparams = i + 1;
    PetscCall(ReadParam(r, Node(r, pars->data.mapping.pairs.start[i].key), Node(r, pars->data.mapping.pairs.start[i].value), &sw->params[i]));
  }
  n = Get(r, root, "sampling");
  {
    PetscBool anyBox = PETSC_FALSE;
    for (PetscInt p = 0; p < sw->nparams; p++)
      if (sw->params[p].kind == GALE_SWEEP_BOX) anyBox = PETSC_TRUE;
    PetscCheck(!anyBox || n, PETSC_COMM_SELF, GALE_ERR_USER, "%s:%d: a parameter has 'box', so a 'sampling' section is needed (e.g. sampling: {method: lhs, samples: 16, seed: 1})", r->file, plines);
    PetscCheck(anyBox || !n, PETSC_COMM_SELF, GALE_ERR_USER, "%s:%d: 'sampling' is given but no parameter has 'box'", r->file, n ? Line(n) : 1);
  }
  sw->method = GALE_SWEEP_LHS;
  sw->seed   = 1;
  if (n) {
    yaml_node_t *m, *s, *sd;
    PetscInt64   v;
    PetscCall(CheckMap(r, n, "sampling", SampKeys));
    m  = Get(r, n, "method");
    s  = Get(r, n, "samples");
    sd = Get(r, n, "seed");
    if (m) {
      PetscInt k;
      for (k = 0; Methods[k]; k++)
        if (!strcasecmp(Str(m), Methods[k])) break;
      PetscCheck(m->type == YAML_SCALAR_NODE && Methods[k], PETSC_COMM_SELF, GALE_ERR_USER, "%s:%d: unknown sampling method '%s' (expected lhs or sobol)", r->file, Line(m), Describe(m));
      sw->method = (GaleSweepMethod)k;
    }
    PetscCheck(s, PETSC_COMM_SELF, GALE_ERR_USER, "%s:%d: missing required key 'samples' in 'sampling'", r->file, Line(n));
    PetscCall(Int(r, s, "sampling.samples", 1, GALE_SWEEP_MAX_SAMPLES, &v));
    sw->boxSamples = (PetscInt)v;
    if (sd) PetscCall(Int(r, sd, "sampling.seed", 0, LLONG_MAX, &sw->seed));
  }
  n = Get(r, root, "derived");
  if (n) PetscCall(ReadDerived(r, n, sw));
  PetscCall(CheckPaths(r, sw));
  n = Get(r, root, "holdout");
  if (n) PetscCall(ReadHoldout(r, n, sw));
  PetscCall(BuildDesign(r, sw, plines));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSweepRead(const char *dir, GaleSweep *out)
{
  GaleSweep       sw;
  FILE           *fp;
  yaml_parser_t   parser;
  yaml_document_t doc;
  Rd              r;
  PetscErrorCode  ierr;

  PetscFunctionBeginUser;
  *out = NULL;
  PetscCheck(strlen(dir) + 16 < GALE_PATH_LEN, PETSC_COMM_SELF, GALE_ERR_USER, "directory name too long: %s", dir);
  PetscCall(PetscNew(&sw));
  GaleSweepFmt(sw->dir, sizeof(sw->dir), "%s", dir);
  GaleSweepFmt(sw->file, sizeof(sw->file), "%s/sweep.yaml", dir);
  fp = fopen(sw->file, "rb");
  if (!fp) {
    int e = errno;
    PetscCall(PetscFree(sw));
    SETERRQ(PETSC_COMM_SELF, GALE_ERR_USER, "%s/sweep.yaml: cannot open the sweep file: %s (see docs/sweep.md)", dir, strerror(e));
  }
  if (!yaml_parser_initialize(&parser)) {
    fclose(fp);
    PetscCall(PetscFree(sw));
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_MEM, "cannot initialise the YAML parser");
  }
  yaml_parser_set_input_file(&parser, fp);
  if (!yaml_parser_load(&parser, &doc)) {
    char msg[512];
    GaleSweepFmt(msg, sizeof(msg), "%s:%d: invalid YAML: %s%s%s", sw->file, (int)(parser.error == YAML_READER_ERROR ? 0 : parser.problem_mark.line) + 1, parser.problem ? parser.problem : "error", parser.context ? " " : "",
                 parser.context ? parser.context : "");
    yaml_parser_delete(&parser);
    fclose(fp);
    PetscCall(PetscFree(sw));
    SETERRQ(PETSC_COMM_SELF, GALE_ERR_USER, "%s", msg);
  }
  yaml_parser_delete(&parser);
  fclose(fp);
  PetscCall(PetscMemzero(&r, sizeof(r)));
  r.file = sw->file;
  r.doc  = &doc;
  ierr   = ReadDocument(&r, sw);
  yaml_document_delete(&doc);
  PetscCall(PetscFree(r.base));
  if (ierr) PetscCall(GaleSweepDestroy(&sw));
  PetscCall(ierr);
  *out = sw;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSweepDestroy(GaleSweep *sw)
{
  PetscFunctionBeginUser;
  if (!sw || !*sw) PetscFunctionReturn(PETSC_SUCCESS);
  for (PetscInt p = 0; p < (*sw)->nparams; p++) {
    PetscCall(PetscFree((*sw)->params[p].values));
    PetscCall(PetscFree((*sw)->params[p].set));
  }
  for (PetscInt d = 0; d < (*sw)->nderived; d++) PetscCall(GaleSweepExprDestroy(&(*sw)->derived[d].expr));
  PetscCall(PetscFree((*sw)->derived));
  PetscCall(PetscFree((*sw)->samples));
  PetscCall(PetscFree((*sw)->holdout));
  PetscCall(PetscFree(*sw));
  PetscFunctionReturn(PETSC_SUCCESS);
}
