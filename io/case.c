/* Case reader: DIR/case.yaml -> GaleCase, validated, defaults filled in.
 *
 * libyaml loads the whole file as a node tree (yaml_parser_load); each
 * section is then checked against its list of known keys (unknown and
 * duplicate keys are errors) and read key by key, so the order of keys in
 * the file does not matter. Every error names the file and the 1-based line
 * of the offending node and says what was expected. Keys and their defaults
 * are documented in docs/case-yaml.md. */
#include "gale_case.h"
#include "expr.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

const char *const GaleBCTypes[]          = {"wall", "inlet", "outlet", "symmetry", "empty", "freestream", "zeroGradient", NULL};
const char *const GaleAlgorithms[]       = {"SIMPLE", "SIMPLEC", "PISO", "PIMPLE", NULL};
const char *const GaleConvections[]      = {"upwind", "linearUpwind", "vanLeer", "linear", NULL};
const char *const GaleGradients[]        = {"gauss", "leastSquares", NULL};
const char *const GaleGradientLimiters[] = {"none", "cellLimited", NULL};
const char *const GaleTimeSchemes[]      = {"euler", "backward", NULL};

static const char *const TopKeys[]       = {"title", "mesh", "fluid", "boundary", "initial", "solver", "output", "forces", "turbulence", "post", NULL};
static const char *const PostKeys[]      = {"slice", "streamlines", "surface", NULL};
static const char *const PostSliceKeys[] = {"origin", "normal", "box", NULL};
static const char *const PostLineKeys[]  = {"from", "to", "seeds", NULL};
static const char *const PostSurfKeys[]  = {"patches", "p_ref", NULL};
static const char *const TurbKeys[]      = {"model", "relaxation", "wall_functions", "wall_distance", NULL};
static const char *const Booleans[]      = {"false", "true", "no", "yes", "off", "on", NULL}; /* odd index = true */
static const char *const TurbModels[]    = {"laminar", "SpalartAllmaras", "kOmegaSST", "kEpsilon", NULL};
static const char *const BCTurbKeys[]    = {"intensity", "length_scale", "viscosity_ratio", "nuTilda", "k", "omega", "epsilon", NULL};
static const char *const MeshKeys[]      = {"scale", "merge_tolerance", "polyMesh", "blocks", "octree", "airfoil", "gmsh", NULL};
static const char *const AirfoilKeys[]   = {"naca", "cells_around", "cells_wake", "cells_normal", "first_cell", "farfield", "span", "le_spacing", "te_spacing", NULL};
static const char *const OctreeKeys[]    = {"domain", "patches", "geometry", "regions", "cells_between_levels", "feature_angle", "location_in_mesh", "snap", "snap_smooth_layers", "snap_iterations", "snap_features", "layers", NULL};
static const char *const LayerKeys[]     = {"patches", "number", "expansion", "final_thickness", "first_thickness", NULL};
static const char *const DomainKeys[]    = {"min", "max", "cells", NULL};
static const char *const SideKeys[]      = {"xmin", "xmax", "ymin", "ymax", "zmin", "zmax", NULL};
static const char *const GeometryKeys[]  = {"file", "patch", "regions", "levels", "scale", "rotate", "translate", NULL};
static const char *const RefineKeys[]    = {"box", "distance", "level", NULL};
static const char *const RefBoxKeys[]    = {"min", "max", NULL};
static const char *const RefDistKeys[]   = {"geometry", "distance", NULL};
static const char *const BlockKeys[]     = {"box", "vertices", "cells", "grading", "patches", NULL};
static const char *const FaceKeys[]      = {"imin", "imax", "jmin", "jmax", "kmin", "kmax", NULL};
static const char *const FluidKeys[]     = {"nu", "rho", NULL};
static const char *const BCKeys[]        = {"type", "U", "p", "turbulence", NULL};
static const char *const ValueKeys[]     = {"expression", "table", NULL};
static const char *const TableKeys[]     = {"axis", "rows", NULL};
static const char *const Axes[]          = {"x", "y", "z", NULL};
static const char *const InitialKeys[]   = {"U", "p", NULL};
static const char *const SolverKeys[]    = {"algorithm", "convection", "gradient",    "gradient_limiter", "max_iterations",   "tolerance", "relaxation", "non_orthogonal_correctors", "non_orthogonal_limit", "divergence_factor",
                                            "dt",        "end_time",   "time_scheme", "correctors",       "outer_correctors", "linear",    NULL};
static const char *const UPKeys[]        = {"U", "p", NULL};
static const char *const LinearKeys[]    = {"ksp", "pc", "rtol", "atol", "max_it", NULL};
static const char *const OutputKeys[]    = {"interval", "log_interval", NULL};
static const char *const ForcesKeys[]    = {"patches", "reference", NULL};
static const char *const ReferenceKeys[] = {"area", "length", "velocity", "density", "centre", "drag", "lift", NULL};

/* Keys each boundary type takes besides 'type', and which are required. */
static const struct {
  PetscBool U, p, U_required;
} BCTakes[] = {
    {PETSC_TRUE, PETSC_FALSE, PETSC_FALSE},  /* wall */
    {PETSC_TRUE, PETSC_FALSE, PETSC_TRUE},   /* inlet */
    {PETSC_FALSE, PETSC_TRUE, PETSC_FALSE},  /* outlet */
    {PETSC_FALSE, PETSC_FALSE, PETSC_FALSE}, /* symmetry */
    {PETSC_FALSE, PETSC_FALSE, PETSC_FALSE}, /* empty */
    {PETSC_TRUE, PETSC_TRUE, PETSC_TRUE},    /* freestream */
    {PETSC_FALSE, PETSC_FALSE, PETSC_FALSE}, /* zeroGradient */
};

typedef enum { R_ANY, R_POS, R_NONNEG, R_UNIT } Range;
static const char *const RealText[] = {"a number", "a number > 0", "a number >= 0", "a number in (0, 1]"};
static const char *const IntText[]  = {"an integer", "a positive integer", "an integer >= 0", "an integer"};

typedef struct {
  MPI_Comm         comm;
  const char      *file;
  yaml_document_t *doc;
} Rd;

/* An open mapping: its node, dotted name ("" at the top level) and the line
 * of the key that opened it (for "missing key" messages). */
typedef struct {
  yaml_node_t *map;
  char         name[160];
  int          line;
} Sec;

#define NPAIRS(m) ((int)((m)->data.mapping.pairs.top - (m)->data.mapping.pairs.start))
#define NITEMS(s) ((int)((s)->data.sequence.items.top - (s)->data.sequence.items.start))

/* snprintf that may truncate (names in messages); vsnprintf keeps GCC's
 * -Wformat-truncation quiet about the cases we accept. */
static void Fmt(char *buf, size_t len, const char *fmt, ...) PETSC_ATTRIBUTE_FORMAT(3, 4);
static void Fmt(char *buf, size_t len, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(buf, len, fmt, ap);
  va_end(ap);
}

static int Line(const yaml_node_t *n)
{
  return (int)n->start_mark.line + 1;
}
static yaml_node_t *Node(const Rd *r, int id)
{
  return yaml_document_get_node(r->doc, id);
}
static yaml_node_t *Item(const Rd *r, const yaml_node_t *s, int i)
{
  return Node(r, s->data.sequence.items.start[i]);
}
static const char *Str(const yaml_node_t *n)
{
  return (const char *)n->data.scalar.value;
}

static PetscBool IsNull(const yaml_node_t *n)
{
  const char *s = Str(n);
  return (PetscBool)(n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && (!s[0] || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL")));
}

/* "a, b, c" from a NULL-terminated list, cut with "..." if it does not fit. */
static const char *Join(const char *const list[], char *buf, size_t len)
{
  size_t k = 0;
  int    i;

  buf[0] = 0;
  for (i = 0; list[i]; i++) {
    int m = snprintf(buf + k, len - k, "%s%s", i ? ", " : "", list[i]);
    if (m < 0 || (size_t)m >= len - k) {
      if (len > 4) strcpy(buf + len - 4, "...");
      break;
    }
    k += (size_t)m;
  }
  return buf;
}

/* What a node is, for "got ..." in messages. */
static const char *Describe(const yaml_node_t *n, char *buf, size_t len)
{
  if (n->type == YAML_MAPPING_NODE) return "a mapping";
  if (n->type == YAML_SEQUENCE_NODE)
    Fmt(buf, len, "a list of %d", NITEMS(n));
  else if (IsNull(n))
    return "nothing";
  else
    Fmt(buf, len, "'%s'", Str(n));
  return buf;
}

static void Path(char *buf, size_t len, const char *sec, const char *key)
{
  Fmt(buf, len, "%s%s%s", sec, sec[0] ? "." : "", key);
}

/* Value of `key` in mapping `map`, or NULL; *keyline gets the key's line. */
static yaml_node_t *Get(const Rd *r, const yaml_node_t *map, const char *key, int *keyline)
{
  int i;

  for (i = 0; i < NPAIRS(map); i++) {
    yaml_node_pair_t *pr = &map->data.mapping.pairs.start[i];
    yaml_node_t      *k  = Node(r, pr->key);
    if (k->type == YAML_SCALAR_NODE && !strcmp(Str(k), key)) {
      if (keyline) *keyline = Line(k);
      return Node(r, pr->value);
    }
  }
  return NULL;
}

/* Keys must be scalars, unique and (if keys != NULL) from the list. */
static PetscErrorCode CheckKeys(const Rd *r, const Sec *s, const char *const keys[])
{
  char        in[200], list[1024];
  const char *name = s->name;
  int         i, j;

  PetscFunctionBeginUser;
  if (name[0])
    Fmt(in, sizeof(in), "in '%s'", name);
  else
    Fmt(in, sizeof(in), "at the top level");
  for (i = 0; i < NPAIRS(s->map); i++) {
    yaml_node_t *k  = Node(r, s->map->data.mapping.pairs.start[i].key);
    PetscBool    ok = keys ? PETSC_FALSE : PETSC_TRUE;

    PetscCheck(k->type == YAML_SCALAR_NODE, r->comm, GALE_ERR_USER, "%s:%d: expected a key name %s, got %s", r->file, Line(k), in, k->type == YAML_MAPPING_NODE ? "a mapping" : "a list");
    for (j = 0; keys && keys[j]; j++)
      if (!strcmp(keys[j], Str(k))) ok = PETSC_TRUE;
    PetscCheck(ok, r->comm, GALE_ERR_USER, "%s:%d: unknown key '%s' %s (expected one of: %s)", r->file, Line(k), Str(k), in, Join(keys, list, sizeof(list)));
    for (j = 0; j < i; j++) {
      yaml_node_t *kj = Node(r, s->map->data.mapping.pairs.start[j].key);
      PetscCheck(kj->type != YAML_SCALAR_NODE || strcmp(Str(kj), Str(k)), r->comm, GALE_ERR_USER, "%s:%d: duplicate key '%s' %s (first given at line %d)", r->file, Line(k), Str(k), in, Line(kj));
    }
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Open node `n` as mapping `name` and check its keys. */
static PetscErrorCode Open(const Rd *r, yaml_node_t *n, const char *name, int line, const char *const keys[], Sec *s)
{
  char got[64], list[1024];

  PetscFunctionBeginUser;
  PetscCheck(n->type == YAML_MAPPING_NODE, r->comm, GALE_ERR_USER, "%s:%d: expected a mapping for '%s'%s%s%s, got %s", r->file, Line(n), name, keys ? " (keys: " : "", keys ? Join(keys, list, sizeof(list)) : "", keys ? ")" : "",
             Describe(n, got, sizeof(got)));
  s->map  = n;
  s->line = line;
  Fmt(s->name, sizeof(s->name), "%s", name);
  PetscCall(CheckKeys(r, s, keys));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode Real(const Rd *r, const yaml_node_t *n, const char *what, Range rg, PetscReal *v)
{
  char        got[160], *end;
  const char *s = n->type == YAML_SCALAR_NODE ? Str(n) : "";
  double      d = 0;
  PetscBool   ok;

  PetscFunctionBeginUser;
  ok = (PetscBool)(n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && s[0] && strspn(s, "0123456789+-.eE") == strlen(s));
  if (ok) {
    errno = 0;
    d     = strtod(s, &end);
    ok    = (PetscBool)(!*end && errno != ERANGE && !PetscIsInfOrNanReal((PetscReal)d));
  }
  PetscCheck(ok, r->comm, GALE_ERR_USER, "%s:%d: expected %s for '%s', got %s%s", r->file, Line(n), RealText[rg], what, Describe(n, got, sizeof(got)),
             n->type == YAML_SCALAR_NODE && n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ? " (a quoted string)" : "");
  ok = (PetscBool)(rg == R_ANY || (rg == R_POS && d > 0) || (rg == R_NONNEG && d >= 0) || (rg == R_UNIT && d > 0 && d <= 1));
  PetscCheck(ok, r->comm, GALE_ERR_USER, "%s:%d: expected %s for '%s', got %s", r->file, Line(n), RealText[rg], what, s);
  *v = (PetscReal)d;
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode Int(const Rd *r, const yaml_node_t *n, const char *what, Range rg, PetscInt *v)
{
  char        got[160], *end;
  const char *s = n->type == YAML_SCALAR_NODE ? Str(n) : "";
  long long   d = 0;
  PetscBool   ok;

  PetscFunctionBeginUser;
  ok = (PetscBool)(n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && s[0]);
  if (ok) {
    errno = 0;
    d     = strtoll(s, &end, 10);
    ok    = (PetscBool)(!*end && errno != ERANGE && d <= PETSC_MAX_INT && d >= -(long long)PETSC_MAX_INT);
  }
  if (ok) ok = (PetscBool)(rg == R_ANY || (rg == R_POS && d > 0) || (rg == R_NONNEG && d >= 0));
  PetscCheck(ok, r->comm, GALE_ERR_USER, "%s:%d: expected %s for '%s', got %s", r->file, Line(n), IntText[rg], what, Describe(n, got, sizeof(got)));
  *v = (PetscInt)d;
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode String(const Rd *r, const yaml_node_t *n, const char *what, char *buf, size_t len)
{
  char got[64];

  PetscFunctionBeginUser;
  PetscCheck(n->type == YAML_SCALAR_NODE && !IsNull(n), r->comm, GALE_ERR_USER, "%s:%d: expected a string for '%s', got %s", r->file, Line(n), what, Describe(n, got, sizeof(got)));
  PetscCheck(strlen(Str(n)) < len, r->comm, GALE_ERR_USER, "%s:%d: '%s' is too long (expected at most %d characters)", r->file, Line(n), what, (int)len - 1);
  strcpy(buf, Str(n));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* One of a list of names (case-insensitive); `noun` names the kind of choice. */
static PetscErrorCode Choice(const Rd *r, const yaml_node_t *n, const char *what, const char *noun, const char *const list[], PetscInt *idx)
{
  char buf[GALE_NAME_LEN], all[512];
  int  i;

  PetscFunctionBeginUser;
  PetscCall(String(r, n, what, buf, sizeof(buf)));
  for (i = 0; list[i]; i++)
    if (!strcasecmp(buf, list[i])) break;
  PetscCheck(list[i], r->comm, GALE_ERR_USER, "%s:%d: unknown %s '%s' (expected %s)", r->file, Line(n), noun, buf, Join(list, all, sizeof(all)));
  *idx = i;
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode RealVec(const Rd *r, const yaml_node_t *n, const char *what, int len, Range rg, PetscReal *v)
{
  char got[160], w[256];
  int  i;

  PetscFunctionBeginUser;
  PetscCheck(n->type == YAML_SEQUENCE_NODE && NITEMS(n) == len, r->comm, GALE_ERR_USER, "%s:%d: expected a list of %d numbers for '%s', got %s", r->file, Line(n), len, what, Describe(n, got, sizeof(got)));
  for (i = 0; i < len; i++) {
    Fmt(w, sizeof(w), "%s[%d]", what, i);
    PetscCall(Real(r, Item(r, n, i), w, rg, &v[i]));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode IntVec(const Rd *r, const yaml_node_t *n, const char *what, int len, Range rg, PetscInt *v)
{
  char got[160], w[256];
  int  i;

  PetscFunctionBeginUser;
  PetscCheck(n->type == YAML_SEQUENCE_NODE && NITEMS(n) == len, r->comm, GALE_ERR_USER, "%s:%d: expected a list of %d integers for '%s', got %s", r->file, Line(n), len, what, Describe(n, got, sizeof(got)));
  for (i = 0; i < len; i++) {
    Fmt(w, sizeof(w), "%s[%d]", what, i);
    PetscCall(Int(r, Item(r, n, i), w, rg, &v[i]));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Optional / required scalars of an open section; *found (may be NULL)
 * says whether the key was given. */
static PetscErrorCode OptReal(const Rd *r, const Sec *s, const char *key, Range rg, PetscReal *v, PetscBool *found)
{
  yaml_node_t *n = Get(r, s->map, key, NULL);
  char         w[256];

  PetscFunctionBeginUser;
  if (found) *found = (PetscBool)(n != NULL);
  Path(w, sizeof(w), s->name, key);
  if (n) PetscCall(Real(r, n, w, rg, v));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode OptInt(const Rd *r, const Sec *s, const char *key, Range rg, PetscInt *v, PetscBool *found)
{
  yaml_node_t *n = Get(r, s->map, key, NULL);
  char         w[256];

  PetscFunctionBeginUser;
  if (found) *found = (PetscBool)(n != NULL);
  Path(w, sizeof(w), s->name, key);
  if (n) PetscCall(Int(r, n, w, rg, v));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode OptChoice(const Rd *r, const Sec *s, const char *key, const char *noun, const char *const list[], PetscInt *idx)
{
  yaml_node_t *n = Get(r, s->map, key, NULL);
  char         w[256];

  PetscFunctionBeginUser;
  Path(w, sizeof(w), s->name, key);
  if (n) PetscCall(Choice(r, n, w, noun, list, idx));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode Missing(const Rd *r, const Sec *s, const char *key, const char *why)
{
  PetscFunctionBeginUser;
  if (s->name[0]) SETERRQ(r->comm, GALE_ERR_USER, "%s:%d: missing required key '%s' in '%s'%s", r->file, s->line, key, s->name, why);
  SETERRQ(r->comm, GALE_ERR_USER, "%s:%d: missing required section '%s'%s", r->file, s->line, key, why);
}

static PetscErrorCode ReadBlock(const Rd *r, yaml_node_t *n, int ib, GaleBlock *b)
{
  Sec          s, ps;
  yaml_node_t *box, *verts, *v;
  char         name[64], w[256], got[64];
  int          lbox = 0, lverts = 0, i, d;

  PetscFunctionBeginUser;
  Fmt(name, sizeof(name), "mesh.blocks[%d]", ib);
  PetscCall(Open(r, n, name, Line(n), BlockKeys, &s));
  box   = Get(r, n, "box", &lbox);
  verts = Get(r, n, "vertices", &lverts);
  PetscCheck(!box || !verts, r->comm, GALE_ERR_USER, "%s:%d: '%s' has both 'box' and 'vertices' (line %d) (expected exactly one)", r->file, lbox, name, lverts);
  PetscCheck(box || verts, r->comm, GALE_ERR_USER, "%s:%d: '%s' needs its corners (expected one of: box, vertices)", r->file, Line(n), name);
  if (box) {
    PetscReal lo[3], hi[3];
    Path(w, sizeof(w), name, "box");
    PetscCheck(box->type == YAML_SEQUENCE_NODE && NITEMS(box) == 2, r->comm, GALE_ERR_USER, "%s:%d: expected two corners [[xmin, ymin, zmin], [xmax, ymax, zmax]] for '%s', got %s", r->file, Line(box), w, Describe(box, got, sizeof(got)));
    PetscCall(RealVec(r, Item(r, box, 0), "box min corner", 3, R_ANY, lo));
    PetscCall(RealVec(r, Item(r, box, 1), "box max corner", 3, R_ANY, hi));
    for (d = 0; d < 3; d++)
      PetscCheck(hi[d] > lo[d], r->comm, GALE_ERR_USER, "%s:%d: '%s' max corner must exceed the min corner in %c (got %s <= %s)", r->file, Line(box), w, "xyz"[d], Str(Item(r, Item(r, box, 1), d)), Str(Item(r, Item(r, box, 0), d)));
    for (i = 0; i < 8; i++) {
      b->vertices[i][0] = (i == 1 || i == 2 || i == 5 || i == 6) ? hi[0] : lo[0];
      b->vertices[i][1] = (i == 2 || i == 3 || i == 6 || i == 7) ? hi[1] : lo[1];
      b->vertices[i][2] = i >= 4 ? hi[2] : lo[2];
    }
  } else {
    Path(w, sizeof(w), name, "vertices");
    PetscCheck(verts->type == YAML_SEQUENCE_NODE && NITEMS(verts) == 8, r->comm, GALE_ERR_USER, "%s:%d: expected a list of 8 vertices [x, y, z] for '%s', got %s", r->file, Line(verts), w, Describe(verts, got, sizeof(got)));
    for (i = 0; i < 8; i++) {
      Fmt(w, sizeof(w), "%s.vertices[%d]", name, i);
      PetscCall(RealVec(r, Item(r, verts, i), w, 3, R_ANY, b->vertices[i]));
    }
  }
  v = Get(r, n, "cells", NULL);
  if (!v) PetscCall(Missing(r, &s, "cells", " (expected a list of 3 positive integers)"));
  Path(w, sizeof(w), name, "cells");
  PetscCall(IntVec(r, v, w, 3, R_POS, b->cells));
  for (d = 0; d < 3; d++) b->grading[d] = 1;
  if ((v = Get(r, n, "grading", NULL))) {
    Path(w, sizeof(w), name, "grading");
    if (v->type == YAML_SCALAR_NODE) {
      PetscCall(Real(r, v, w, R_POS, &b->grading[0]));
      b->grading[1] = b->grading[2] = b->grading[0];
    } else
      PetscCall(RealVec(r, v, w, 3, R_POS, b->grading));
  }
  if ((v = Get(r, n, "patches", &i))) {
    Path(w, sizeof(w), name, "patches");
    PetscCall(Open(r, v, w, i, FaceKeys, &ps));
    for (d = 0; d < 6; d++) {
      yaml_node_t *f = Get(r, v, FaceKeys[d], NULL);
      char         wf[300];
      Path(wf, sizeof(wf), w, FaceKeys[d]);
      if (f && !IsNull(f)) PetscCall(String(r, f, wf, b->patch[d], GALE_NAME_LEN));
    }
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A path relative to the case directory (absolute paths are kept). */
static PetscErrorCode CasePath(const Rd *r, const yaml_node_t *n, const char *what, const char *dir, char *out, size_t len)
{
  char path[GALE_PATH_LEN];

  PetscFunctionBeginUser;
  PetscCall(String(r, n, what, path, sizeof(path)));
  if (path[0] == '/') {
    Fmt(out, len, "%s", path);
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCheck(strlen(dir) + strlen(path) + 2 <= len, r->comm, GALE_ERR_USER, "%s:%d: path of '%s' is too long", r->file, Line(n), what);
  Fmt(out, len, "%s/%s", dir, path);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A refinement level: an integer in [0, GALE_MAX_REFINE_LEVEL]. */
static PetscErrorCode Level(const Rd *r, const yaml_node_t *n, const char *what, PetscInt *v)
{
  PetscFunctionBeginUser;
  PetscCall(Int(r, n, what, R_NONNEG, v));
  PetscCheck(*v <= GALE_MAX_REFINE_LEVEL, r->comm, GALE_ERR_USER, "%s:%d: '%s' = %" PetscInt_FMT " is too deep (expected a level from 0 to %d)", r->file, Line(n), what, *v, GALE_MAX_REFINE_LEVEL);
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ReadGeometry(const Rd *r, yaml_node_t *n, int ig, const char *dir, GaleOctreeGeometry *g)
{
  Sec          s, t;
  yaml_node_t *v;
  char         name[64], w[256], got[64];
  int          l = 0, i, j;

  PetscFunctionBeginUser;
  Fmt(name, sizeof(name), "mesh.octree.geometry[%d]", ig);
  PetscCall(Open(r, n, name, Line(n), GeometryKeys, &s));
  g->line = Line(n);
  if (!(v = Get(r, n, "file", NULL))) PetscCall(Missing(r, &s, "file", " (expected an STL or OBJ file, relative to the case directory)"));
  Path(w, sizeof(w), name, "file");
  PetscCall(CasePath(r, v, w, dir, g->file, sizeof(g->file)));
  if ((v = Get(r, n, "patch", NULL))) {
    Path(w, sizeof(w), name, "patch");
    PetscCall(String(r, v, w, g->patch, sizeof(g->patch)));
  }
  if ((v = Get(r, n, "regions", &l))) {
    Path(w, sizeof(w), name, "regions");
    PetscCall(Open(r, v, w, l, NULL, &t));
    PetscCheck(NPAIRS(v) >= 1 && NPAIRS(v) <= GALE_MAX_REGION_PATCHES, r->comm, GALE_ERR_USER, "%s:%d: expected 1 to %d entries {surface region: patch} in '%s', got %d", r->file, Line(v), GALE_MAX_REGION_PATCHES, w, NPAIRS(v));
    for (i = 0; i < NPAIRS(v); i++) {
      yaml_node_pair_t *pr = &v->data.mapping.pairs.start[i];
      char              wr[300];
      PetscCall(String(r, Node(r, pr->key), "surface region name", g->region[i], GALE_NAME_LEN));
      Fmt(wr, sizeof(wr), "%s.%s", w, g->region[i]);
      PetscCall(String(r, Node(r, pr->value), wr, g->region_patch[i], GALE_NAME_LEN));
      g->nregions = i + 1;
    }
  }
  if (!(v = Get(r, n, "levels", NULL))) PetscCall(Missing(r, &s, "levels", " (expected [min, max] refinement levels at the surface)"));
  Path(w, sizeof(w), name, "levels");
  if (v->type == YAML_SCALAR_NODE) {
    PetscCall(Level(r, v, w, &g->levels[0]));
    g->levels[1] = g->levels[0];
  } else {
    PetscCheck(v->type == YAML_SEQUENCE_NODE && NITEMS(v) == 2, r->comm, GALE_ERR_USER, "%s:%d: expected [min, max] refinement levels for '%s', got %s", r->file, Line(v), w, Describe(v, got, sizeof(got)));
    for (j = 0; j < 2; j++) {
      char wl[300];
      Fmt(wl, sizeof(wl), "%s[%d]", w, j);
      PetscCall(Level(r, Item(r, v, j), wl, &g->levels[j]));
    }
    PetscCheck(g->levels[0] <= g->levels[1], r->comm, GALE_ERR_USER, "%s:%d: '%s' = [%" PetscInt_FMT ", %" PetscInt_FMT "] (expected min <= max)", r->file, Line(v), w, g->levels[0], g->levels[1]);
  }
  for (j = 0; j < 3; j++) g->scale[j] = 1;
  if ((v = Get(r, n, "scale", NULL))) {
    Path(w, sizeof(w), name, "scale");
    if (v->type == YAML_SCALAR_NODE) {
      PetscCall(Real(r, v, w, R_POS, &g->scale[0]));
      g->scale[1] = g->scale[2] = g->scale[0];
    } else
      PetscCall(RealVec(r, v, w, 3, R_POS, g->scale));
  }
  if ((v = Get(r, n, "rotate", NULL))) {
    Path(w, sizeof(w), name, "rotate");
    PetscCall(RealVec(r, v, w, 3, R_ANY, g->rotate));
  }
  if ((v = Get(r, n, "translate", NULL))) {
    Path(w, sizeof(w), name, "translate");
    PetscCall(RealVec(r, v, w, 3, R_ANY, g->translate));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ReadRefineRegion(const Rd *r, yaml_node_t *n, int ir, const GaleOctreeSettings *o, GaleOctreeRegionSettings *g)
{
  Sec          s, t;
  yaml_node_t *box, *dist, *v;
  char         name[64], w[256];
  int          lbox = 0, ldist = 0, d;

  PetscFunctionBeginUser;
  Fmt(name, sizeof(name), "mesh.octree.regions[%d]", ir);
  PetscCall(Open(r, n, name, Line(n), RefineKeys, &s));
  g->line = Line(n);
  box     = Get(r, n, "box", &lbox);
  dist    = Get(r, n, "distance", &ldist);
  PetscCheck(!box || !dist, r->comm, GALE_ERR_USER, "%s:%d: '%s' has both 'box' and 'distance' (line %d) (expected exactly one)", r->file, lbox, name, ldist);
  PetscCheck(box || dist, r->comm, GALE_ERR_USER, "%s:%d: '%s' needs a shape (expected one of: box, distance)", r->file, Line(n), name);
  if (!(v = Get(r, n, "level", NULL))) PetscCall(Missing(r, &s, "level", " (expected the refinement level inside the region)"));
  Path(w, sizeof(w), name, "level");
  PetscCall(Level(r, v, w, &g->level));
  if (box) {
    g->kind = GALE_REFINE_BOX;
    Path(w, sizeof(w), name, "box");
    PetscCall(Open(r, box, w, lbox, RefBoxKeys, &t));
    if (!(v = Get(r, box, "min", NULL))) PetscCall(Missing(r, &t, "min", " (expected the corner [xmin, ymin, zmin])"));
    PetscCall(RealVec(r, v, "box min corner", 3, R_ANY, g->min));
    if (!(v = Get(r, box, "max", NULL))) PetscCall(Missing(r, &t, "max", " (expected the corner [xmax, ymax, zmax])"));
    PetscCall(RealVec(r, v, "box max corner", 3, R_ANY, g->max));
    for (d = 0; d < 3; d++)
      PetscCheck(g->max[d] > g->min[d], r->comm, GALE_ERR_USER, "%s:%d: '%s' max corner must exceed the min corner in %c (got %s <= %s)", r->file, Line(box), w, "xyz"[d], Str(Item(r, v, d)), Str(Item(r, Get(r, box, "min", NULL), d)));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  g->kind = GALE_REFINE_DISTANCE;
  Path(w, sizeof(w), name, "distance");
  PetscCall(Open(r, dist, w, ldist, RefDistKeys, &t));
  if (!(v = Get(r, dist, "geometry", NULL))) PetscCall(Missing(r, &t, "geometry", " (expected the index of an entry of mesh.octree.geometry, from 0)"));
  PetscCall(Int(r, v, "mesh.octree.regions distance geometry", R_NONNEG, &g->geometry));
  PetscCheck(g->geometry < o->ngeometries, r->comm, GALE_ERR_USER, "%s:%d: '%s.geometry' = %" PetscInt_FMT " names no geometry (expected an index from 0 to %d)", r->file, Line(v), w, g->geometry, (int)o->ngeometries - 1);
  if (!(v = Get(r, dist, "distance", NULL))) PetscCall(Missing(r, &t, "distance", " (expected a distance > 0 from the surface)"));
  PetscCall(Real(r, v, "mesh.octree.regions distance", R_POS, &g->distance));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* mesh.octree.layers: wall layers on the listed patches (names checked
 * against the mesh's patches when the layers are added). */
static PetscErrorCode ReadLayers(const Rd *r, yaml_node_t *n, int line, GaleOctreeSettings *o)
{
  Sec          s;
  yaml_node_t *v;
  char         got[64], w[256];
  PetscBool    first = PETSC_FALSE, final = PETSC_FALSE;

  PetscFunctionBeginUser;
  PetscCall(Open(r, n, "mesh.octree.layers", line, LayerKeys, &s));
  o->layers_line           = line;
  o->layers                = 3;
  o->layer_expansion       = 1.2;
  o->layer_final_thickness = 0.5;
  if (!(v = Get(r, n, "patches", NULL))) PetscCall(Missing(r, &s, "patches", " (expected a list of the patches that get layers, e.g. [car])"));
  PetscCheck(v->type == YAML_SEQUENCE_NODE && NITEMS(v) >= 1 && NITEMS(v) <= GALE_MAX_FORCE_PATCHES, r->comm, GALE_ERR_USER, "%s:%d: expected a list of 1 to %d patches for 'mesh.octree.layers.patches', got %s", r->file, Line(v),
             GALE_MAX_FORCE_PATCHES, Describe(v, got, sizeof(got)));
  for (int i = 0; i < NITEMS(v); i++) {
    Fmt(w, sizeof(w), "mesh.octree.layers.patches[%d]", i);
    PetscCall(String(r, Item(r, v, i), w, o->layer_patches[i], GALE_NAME_LEN));
    for (int j = 0; j < i; j++) PetscCheck(strcmp(o->layer_patches[j], o->layer_patches[i]), r->comm, GALE_ERR_USER, "%s:%d: layers patch '%s' is listed twice", r->file, Line(Item(r, v, i)), o->layer_patches[i]);
    o->nlayer_patches = i + 1;
  }
  PetscCall(OptInt(r, &s, "number", R_POS, &o->layers, NULL));
  if ((v = Get(r, n, "number", NULL))) PetscCheck(o->layers <= 50, r->comm, GALE_ERR_USER, "%s:%d: 'mesh.octree.layers.number' = %" PetscInt_FMT " (expected 1 to 50)", r->file, Line(v), o->layers);
  PetscCall(OptReal(r, &s, "expansion", R_POS, &o->layer_expansion, NULL));
  if ((v = Get(r, n, "expansion", NULL))) PetscCheck(o->layer_expansion >= 0.5 && o->layer_expansion <= 3, r->comm, GALE_ERR_USER, "%s:%d: 'mesh.octree.layers.expansion' = %g (expected 0.5 to 3)", r->file, Line(v), (double)o->layer_expansion);
  PetscCall(OptReal(r, &s, "final_thickness", R_POS, &o->layer_final_thickness, &final));
  PetscCall(OptReal(r, &s, "first_thickness", R_POS, &o->layer_first_thickness, &first));
  PetscCheck(!(first && final), r->comm, GALE_ERR_USER, "%s:%d: 'mesh.octree.layers' has both final_thickness and first_thickness (expected one: the outermost layer relative to the cell size, or the first layer in metres)", r->file, line);
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ReadOctree(const Rd *r, yaml_node_t *n, int line, const char *dir, GaleOctreeSettings *o)
{
  Sec          s, t;
  yaml_node_t *v, *w;
  char         got[64], wn[256];
  int          l = 0, i, d;

  PetscFunctionBeginUser;
  PetscCall(Open(r, n, "mesh.octree", line, OctreeKeys, &s));
  o->line                 = line;
  o->cells_between_levels = 1;
  o->feature_angle        = 30;
  o->snap                 = PETSC_TRUE;
  o->snap_smooth_layers   = 4;
  o->snap_iterations      = 8;
  if (!(v = Get(r, n, "domain", &l))) PetscCall(Missing(r, &s, "domain", " (expected {min: [..], max: [..], cells: [..]}, the background grid)"));
  PetscCall(Open(r, v, "mesh.octree.domain", l, DomainKeys, &t));
  if (!(w = Get(r, v, "min", NULL))) PetscCall(Missing(r, &t, "min", " (expected the corner [xmin, ymin, zmin])"));
  PetscCall(RealVec(r, w, "mesh.octree.domain.min", 3, R_ANY, o->min));
  if (!(w = Get(r, v, "max", NULL))) PetscCall(Missing(r, &t, "max", " (expected the corner [xmax, ymax, zmax])"));
  PetscCall(RealVec(r, w, "mesh.octree.domain.max", 3, R_ANY, o->max));
  for (d = 0; d < 3; d++)
    PetscCheck(o->max[d] > o->min[d], r->comm, GALE_ERR_USER, "%s:%d: 'mesh.octree.domain' max corner must exceed the min corner in %c (got %s <= %s)", r->file, Line(w), "xyz"[d], Str(Item(r, w, d)), Str(Item(r, Get(r, v, "min", NULL), d)));
  if (!(w = Get(r, v, "cells", NULL))) PetscCall(Missing(r, &t, "cells", " (expected a list of 3 positive integers: level-0 cells per direction)"));
  PetscCall(IntVec(r, w, "mesh.octree.domain.cells", 3, R_POS, o->cells));
  for (d = 0; d < 3; d++) PetscCheck(o->cells[d] <= (1 << 20), r->comm, GALE_ERR_USER, "%s:%d: 'mesh.octree.domain.cells[%d]' = %" PetscInt_FMT " (expected at most %d)", r->file, Line(w), d, o->cells[d], 1 << 20);
  PetscCheck((double)o->cells[0] * o->cells[1] * o->cells[2] <= 1e8, r->comm, GALE_ERR_USER, "%s:%d: 'mesh.octree.domain.cells' gives %g background cells (expected at most 1e8; refine with levels instead)", r->file, Line(w),
             (double)o->cells[0] * o->cells[1] * o->cells[2]);
  if (!(v = Get(r, n, "patches", &l))) PetscCall(Missing(r, &s, "patches", " (expected {xmin: .., xmax: .., ymin: .., ymax: .., zmin: .., zmax: ..}, the patch of each side of the domain)"));
  PetscCall(Open(r, v, "mesh.octree.patches", l, SideKeys, &t));
  for (d = 0; d < 6; d++) {
    if (!(w = Get(r, v, SideKeys[d], NULL))) PetscCall(Missing(r, &t, SideKeys[d], " (expected the patch name of this side of the domain)"));
    Path(wn, sizeof(wn), "mesh.octree.patches", SideKeys[d]);
    PetscCall(String(r, w, wn, o->patch[d], GALE_NAME_LEN));
  }
  if ((v = Get(r, n, "geometry", NULL))) {
    PetscCheck(v->type == YAML_SEQUENCE_NODE && NITEMS(v) <= GALE_MAX_GEOMETRIES, r->comm, GALE_ERR_USER, "%s:%d: expected a list of at most %d surfaces for 'mesh.octree.geometry', got %s", r->file, Line(v), GALE_MAX_GEOMETRIES,
               Describe(v, got, sizeof(got)));
    for (i = 0; i < NITEMS(v); i++) {
      PetscCall(ReadGeometry(r, Item(r, v, i), i, dir, &o->geometries[i]));
      o->ngeometries = i + 1;
    }
  }
  if ((v = Get(r, n, "regions", NULL))) {
    PetscCheck(v->type == YAML_SEQUENCE_NODE && NITEMS(v) <= GALE_MAX_REFINE_REGIONS, r->comm, GALE_ERR_USER, "%s:%d: expected a list of at most %d refinement regions for 'mesh.octree.regions', got %s", r->file, Line(v), GALE_MAX_REFINE_REGIONS,
               Describe(v, got, sizeof(got)));
    for (i = 0; i < NITEMS(v); i++) {
      PetscCall(ReadRefineRegion(r, Item(r, v, i), i, o, &o->regions[i]));
      o->nregions = i + 1;
    }
  }
  PetscCall(OptInt(r, &s, "cells_between_levels", R_POS, &o->cells_between_levels, NULL));
  if ((v = Get(r, n, "cells_between_levels", NULL))) PetscCheck(o->cells_between_levels <= 8, r->comm, GALE_ERR_USER, "%s:%d: 'mesh.octree.cells_between_levels' = %" PetscInt_FMT " (expected 1 to 8)", r->file, Line(v), o->cells_between_levels);
  PetscCall(OptReal(r, &s, "feature_angle", R_NONNEG, &o->feature_angle, NULL));
  if ((v = Get(r, n, "feature_angle", NULL))) PetscCheck(o->feature_angle <= 180, r->comm, GALE_ERR_USER, "%s:%d: 'mesh.octree.feature_angle' = %g (expected degrees from 0 to 180; 0 turns it off)", r->file, Line(v), (double)o->feature_angle);
  {
    PetscInt snap = 1;
    PetscCall(OptChoice(r, &s, "snap", "boolean", Booleans, &snap));
    o->snap = (PetscBool)(snap % 2);
    snap    = 0;
    PetscCall(OptChoice(r, &s, "snap_features", "boolean", Booleans, &snap));
    o->snap_features = (PetscBool)(snap % 2);
  }
  PetscCall(OptInt(r, &s, "snap_smooth_layers", R_NONNEG, &o->snap_smooth_layers, NULL));
  if ((v = Get(r, n, "snap_smooth_layers", NULL))) PetscCheck(o->snap_smooth_layers <= 20, r->comm, GALE_ERR_USER, "%s:%d: 'mesh.octree.snap_smooth_layers' = %" PetscInt_FMT " (expected 0 to 20)", r->file, Line(v), o->snap_smooth_layers);
  PetscCall(OptInt(r, &s, "snap_iterations", R_NONNEG, &o->snap_iterations, NULL));
  if ((v = Get(r, n, "snap_iterations", NULL))) PetscCheck(o->snap_iterations <= 50, r->comm, GALE_ERR_USER, "%s:%d: 'mesh.octree.snap_iterations' = %" PetscInt_FMT " (expected 0 to 50)", r->file, Line(v), o->snap_iterations);
  if ((v = Get(r, n, "layers", &l))) PetscCall(ReadLayers(r, v, l, o));
  if ((v = Get(r, n, "location_in_mesh", &l))) {
    o->has_location  = PETSC_TRUE;
    o->location_line = l;
    PetscCall(RealVec(r, v, "mesh.octree.location_in_mesh", 3, R_ANY, o->location));
    for (d = 0; d < 3; d++) {
      char at[160];
      if (o->location[d] >= o->min[d] && o->location[d] <= o->max[d]) continue;
      Fmt(at, sizeof(at), "(%g, %g, %g) is outside the domain box in %c (expected a point in the fluid, inside [%g, %g])", (double)o->location[0], (double)o->location[1], (double)o->location[2], "xyz"[d], (double)o -> min[d], (double)o -> max[d]);
      SETERRQ(r->comm, GALE_ERR_USER, "%s:%d: 'mesh.octree.location_in_mesh' %s", r->file, l, at);
    }
  } else if (o->ngeometries)
    PetscCall(Missing(r, &s, "location_in_mesh", " (expected a point [x, y, z] in the fluid, which tells the mesher which side of the geometry to keep)"));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* mesh.airfoil: the NACA C-/O-grid's settings with their defaults (the
 * generator checks them again, with the geometry). */
static PetscErrorCode ReadAirfoil(const Rd *r, yaml_node_t *n, int line, GaleAirfoilSettings *a)
{
  Sec          s;
  yaml_node_t *v;
  const char  *d;

  PetscFunctionBeginUser;
  PetscCall(Open(r, n, "mesh.airfoil", line, AirfoilKeys, &s));
  a->line         = line;
  a->cells_around = 256;
  a->cells_normal = 128;
  a->first_cell   = 1e-6;
  a->farfield     = 100;
  a->span         = 0.1;
  if (!(v = Get(r, n, "naca", NULL))) PetscCall(Missing(r, &s, "naca", " (expected the 4 digits of a NACA section, e.g. \"0012\")"));
  PetscCall(String(r, v, "mesh.airfoil.naca", a->naca, sizeof(a->naca)));
  d = a->naca;
  PetscCheck(strlen(d) == 4 && strspn(d, "0123456789") == 4, r->comm, GALE_ERR_USER, "%s:%d: 'mesh.airfoil.naca' is '%s' (expected 4 digits, e.g. \"0012\" or \"2412\")", r->file, Line(v), d);
  PetscCheck(d[2] != '0' || d[3] != '0', r->comm, GALE_ERR_USER, "%s:%d: 'mesh.airfoil.naca' '%s' has zero thickness (expected the last two digits > 0)", r->file, Line(v), d);
  PetscCheck(d[0] == '0' || d[1] != '0', r->comm, GALE_ERR_USER, "%s:%d: 'mesh.airfoil.naca' '%s' has camber at x = 0 (expected a second digit 1-9, the position of maximum camber in tenths)", r->file, Line(v), d);
  PetscCall(OptInt(r, &s, "cells_around", R_POS, &a->cells_around, NULL));
  if ((v = Get(r, n, "cells_around", NULL)))
    PetscCheck(a->cells_around >= 16 && a->cells_around % 2 == 0, r->comm, GALE_ERR_USER, "%s:%d: 'mesh.airfoil.cells_around' = %" PetscInt_FMT " (expected an even number >= 16)", r->file, Line(v), a->cells_around);
  a->cells_wake = a->cells_around / 4;
  PetscCall(OptInt(r, &s, "cells_wake", R_NONNEG, &a->cells_wake, NULL));
  PetscCall(OptInt(r, &s, "cells_normal", R_POS, &a->cells_normal, NULL));
  if ((v = Get(r, n, "cells_normal", NULL))) PetscCheck(a->cells_normal >= 4, r->comm, GALE_ERR_USER, "%s:%d: 'mesh.airfoil.cells_normal' = %" PetscInt_FMT " (expected at least 4)", r->file, Line(v), a->cells_normal);
  PetscCall(OptReal(r, &s, "farfield", R_POS, &a->farfield, NULL));
  if ((v = Get(r, n, "farfield", NULL))) PetscCheck(a->farfield >= 2, r->comm, GALE_ERR_USER, "%s:%d: 'mesh.airfoil.farfield' = %s (expected a radius of at least 2 chords)", r->file, Line(v), Str(v));
  PetscCall(OptReal(r, &s, "first_cell", R_POS, &a->first_cell, NULL));
  if ((v = Get(r, n, "first_cell", NULL)))
    PetscCheck(a->first_cell < 0.1 && a->first_cell * a->cells_normal < a->farfield - 0.5, r->comm, GALE_ERR_USER, "%s:%d: 'mesh.airfoil.first_cell' = %s (expected a height below 0.1 chords and below (farfield - 0.5) / cells_normal)", r->file,
               Line(v), Str(v));
  PetscCall(OptReal(r, &s, "span", R_POS, &a->span, NULL));
  PetscCall(OptReal(r, &s, "le_spacing", R_POS, &a->le_spacing, NULL));
  PetscCall(OptReal(r, &s, "te_spacing", R_POS, &a->te_spacing, NULL));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ReadMesh(const Rd *r, yaml_node_t *n, int line, const char *dir, GaleCase *cs)
{
  Sec          s;
  yaml_node_t *pm, *bl, *oc, *af, *gm;
  int          lpm = 0, lbl = 0, loc = 0, laf = 0, lgm = 0, i;
  char         got[64], path[GALE_PATH_LEN];

  PetscFunctionBeginUser;
  PetscCall(Open(r, n, "mesh", line, MeshKeys, &s));
  PetscCall(OptReal(r, &s, "scale", R_POS, &cs->mesh_scale, NULL));
  PetscCall(OptReal(r, &s, "merge_tolerance", R_POS, &cs->merge_tolerance, NULL));
  pm = Get(r, n, "polyMesh", &lpm);
  bl = Get(r, n, "blocks", &lbl);
  oc = Get(r, n, "octree", &loc);
  PetscCheck(!pm || !bl, r->comm, GALE_ERR_USER, "%s:%d: 'mesh' has both 'polyMesh' and 'blocks' (line %d) (expected exactly one)", r->file, lpm, lbl);
  PetscCheck(!oc || (!pm && !bl), r->comm, GALE_ERR_USER, "%s:%d: 'mesh' has both 'octree' and '%s' (line %d) (expected exactly one of: polyMesh, blocks, octree)", r->file, loc, pm ? "polyMesh" : "blocks", pm ? lpm : lbl);
  af = Get(r, n, "airfoil", &laf);
  PetscCheck(!af || (!pm && !bl && !oc), r->comm, GALE_ERR_USER, "%s:%d: 'mesh' has both 'airfoil' and '%s' (line %d) (expected exactly one of: polyMesh, blocks, octree, airfoil)", r->file, laf,
             pm   ? "polyMesh"
             : bl ? "blocks"
                  : "octree",
             pm   ? lpm
             : bl ? lbl
                  : loc);
  gm = Get(r, n, "gmsh", &lgm);
  PetscCheck(!gm || (!pm && !bl && !oc && !af), r->comm, GALE_ERR_USER, "%s:%d: 'mesh' has both 'gmsh' and '%s' (line %d) (expected exactly one of: polyMesh, blocks, octree, airfoil, gmsh)", r->file, lgm,
             pm   ? "polyMesh"
             : bl ? "blocks"
             : oc ? "octree"
                  : "airfoil",
             pm   ? lpm
             : bl ? lbl
             : oc ? loc
                  : laf);
  PetscCheck(pm || bl || oc || af || gm, r->comm, GALE_ERR_USER, "%s:%d: 'mesh' gives no mesh (expected one of: polyMesh, blocks, octree, airfoil, gmsh)", r->file, line);
  if (gm) { /* a Gmsh .msh file, relative to the case directory */
    cs->mesh_source = GALE_MESH_GMSH;
    PetscCall(String(r, gm, "mesh.gmsh", path, sizeof(path)));
    PetscCheck(path[0] == '/' || strlen(dir) + strlen(path) + 2 <= sizeof(cs->gmsh_file), r->comm, GALE_ERR_USER, "%s:%d: path of 'mesh.gmsh' is too long", r->file, Line(gm));
    if (path[0] == '/')
      Fmt(cs->gmsh_file, sizeof(cs->gmsh_file), "%s", path);
    else
      Fmt(cs->gmsh_file, sizeof(cs->gmsh_file), "%s/%s", dir, path);
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  if (af) {
    cs->mesh_source = GALE_MESH_AIRFOIL;
    PetscCall(ReadAirfoil(r, af, laf, &cs->airfoil));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  if (oc) {
    cs->mesh_source = GALE_MESH_OCTREE;
    PetscCall(ReadOctree(r, oc, loc, dir, &cs->octree));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  if (pm) {
    cs->mesh_source = GALE_MESH_POLYMESH;
    PetscCall(String(r, pm, "mesh.polyMesh", path, sizeof(path)));
    if (path[0] == '/')
      Fmt(cs->polymesh_dir, sizeof(cs->polymesh_dir), "%s", path);
    else {
      PetscCheck(strlen(dir) + strlen(path) + 2 <= sizeof(cs->polymesh_dir), r->comm, GALE_ERR_USER, "%s:%d: path of 'mesh.polyMesh' is too long", r->file, Line(pm));
      strcpy(cs->polymesh_dir, dir);
      strcat(cs->polymesh_dir, "/");
      strcat(cs->polymesh_dir, path);
    }
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  cs->mesh_source = GALE_MESH_BLOCK;
  PetscCheck(bl->type == YAML_SEQUENCE_NODE && NITEMS(bl) >= 1 && NITEMS(bl) <= GALE_MAX_BLOCKS, r->comm, GALE_ERR_USER, "%s:%d: expected a list of 1 to %d blocks for 'mesh.blocks', got %s", r->file, Line(bl), GALE_MAX_BLOCKS,
             Describe(bl, got, sizeof(got)));
  cs->nblocks = NITEMS(bl);
  for (i = 0; i < cs->nblocks; i++) PetscCall(ReadBlock(r, Item(r, bl, i), i, &cs->blocks[i]));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ReadTable(const Rd *r, yaml_node_t *n, const char *what, int line, GaleVectorValue *v)
{
  Sec          s;
  yaml_node_t *ax, *rows;
  char         got[64], w[256];
  int          i;

  PetscFunctionBeginUser;
  PetscCall(Open(r, n, what, line, TableKeys, &s));
  if (!(ax = Get(r, n, "axis", NULL))) PetscCall(Missing(r, &s, "axis", " (expected x, y or z)"));
  if (!(rows = Get(r, n, "rows", NULL))) PetscCall(Missing(r, &s, "rows", " (expected a list of [coordinate, ux, uy, uz])"));
  Path(w, sizeof(w), what, "axis");
  PetscCall(Choice(r, ax, w, "axis", Axes, &v->axis));
  Path(w, sizeof(w), what, "rows");
  PetscCheck(rows->type == YAML_SEQUENCE_NODE && NITEMS(rows) >= 2 && NITEMS(rows) <= GALE_MAX_TABLE, r->comm, GALE_ERR_USER, "%s:%d: expected a list of 2 to %d rows [coordinate, ux, uy, uz] for '%s', got %s", r->file, Line(rows), GALE_MAX_TABLE, w,
             Describe(rows, got, sizeof(got)));
  PetscCall(PetscMalloc1(4 * NITEMS(rows), &v->table));
  v->nrows = NITEMS(rows);
  for (i = 0; i < v->nrows; i++) {
    yaml_node_t *row = Item(r, rows, i);
    Fmt(w, sizeof(w), "%s.rows[%d]", what, i);
    PetscCall(RealVec(r, row, w, 4, R_ANY, &v->table[4 * i]));
    PetscCheck(i == 0 || v->table[4 * i] > v->table[4 * (i - 1)], r->comm, GALE_ERR_USER, "%s:%d: rows of '%s' must be sorted by increasing %s (expected a value > %s, got %s)", r->file, Line(row), what, Axes[v->axis],
               Str(Item(r, Item(r, rows, i - 1), 0)), Str(Item(r, row, 0)));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A vector value: [ux, uy, uz], {expression: [..x3]} or {table: {...}}. */
static PetscErrorCode ReadVectorValue(const Rd *r, yaml_node_t *n, const char *what, GaleVectorValue *v)
{
  Sec          s;
  yaml_node_t *ex, *tb;
  int          lex = 0, ltb = 0, d;
  char         got[64], w[256], err[256];

  PetscFunctionBeginUser;
  if (n->type != YAML_MAPPING_NODE) {
    PetscCheck(n->type == YAML_SEQUENCE_NODE, r->comm, GALE_ERR_USER, "%s:%d: expected a list of 3 numbers, or a mapping with 'expression' or 'table', for '%s', got %s", r->file, Line(n), what, Describe(n, got, sizeof(got)));
    v->kind = GALE_VALUE_UNIFORM;
    PetscCall(RealVec(r, n, what, 3, R_ANY, v->uniform));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(Open(r, n, what, Line(n), ValueKeys, &s));
  ex = Get(r, n, "expression", &lex);
  tb = Get(r, n, "table", &ltb);
  PetscCheck(!ex || !tb, r->comm, GALE_ERR_USER, "%s:%d: '%s' has both 'expression' and 'table' (line %d) (expected exactly one)", r->file, lex, what, ltb);
  PetscCheck(ex || tb, r->comm, GALE_ERR_USER, "%s:%d: '%s' needs a value (expected one of: expression, table)", r->file, Line(n), what);
  if (tb) {
    v->kind = GALE_VALUE_TABLE;
    Path(w, sizeof(w), what, "table");
    PetscCall(ReadTable(r, tb, w, ltb, v));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  v->kind = GALE_VALUE_EXPRESSION;
  Path(w, sizeof(w), what, "expression");
  PetscCheck(ex->type == YAML_SEQUENCE_NODE && NITEMS(ex) == 3, r->comm, GALE_ERR_USER, "%s:%d: expected a list of 3 expressions in x, y, z, t for '%s', got %s", r->file, Line(ex), w, Describe(ex, got, sizeof(got)));
  for (d = 0; d < 3; d++) {
    yaml_node_t *e = Item(r, ex, d);
    char         wd[300];
    Fmt(wd, sizeof(wd), "%s[%d]", w, d);
    PetscCall(String(r, e, wd, v->expr[d], sizeof(v->expr[d])));
    PetscCall(GaleExprCompile(v->expr[d], (GaleExpr **)&v->compiled[d], err, sizeof(err)));
    PetscCheck(v->compiled[d], r->comm, GALE_ERR_USER, "%s:%d: cannot read expression '%s' of '%s': %s", r->file, Line(e), v->expr[d], wd, err);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ReadBC(const Rd *r, yaml_node_t *kn, yaml_node_t *n, GaleBC *bc)
{
  Sec          s;
  yaml_node_t *t, *u;
  char         name[GALE_NAME_LEN + 16], w[GALE_NAME_LEN + 32];
  PetscInt     type;
  int          lu = 0, lp = 0;

  PetscFunctionBeginUser;
  PetscCall(String(r, kn, "boundary patch name", bc->name, sizeof(bc->name)));
  PetscCheck(bc->name[0], r->comm, GALE_ERR_USER, "%s:%d: empty patch name in 'boundary' (expected the name of a mesh patch)", r->file, Line(kn));
  bc->line = Line(kn);
  Fmt(name, sizeof(name), "boundary.%s", bc->name);
  PetscCall(Open(r, n, name, Line(kn), BCKeys, &s));
  if (!(t = Get(r, n, "type", NULL))) {
    char list[256], why[300];
    Fmt(why, sizeof(why), " (expected one of: %s)", Join(GaleBCTypes, list, sizeof(list)));
    PetscCall(Missing(r, &s, "type", why));
  }
  Path(w, sizeof(w), name, "type");
  PetscCall(Choice(r, t, w, "boundary type", GaleBCTypes, &type));
  bc->type = (GaleBCType)type;
  u        = Get(r, n, "U", &lu);
  PetscCheck(!u || BCTakes[type].U, r->comm, GALE_ERR_USER, "%s:%d: key 'U' is not used by a boundary of type %s (expected only: type%s)", r->file, lu, GaleBCTypes[type], BCTakes[type].p ? ", p" : "");
  PetscCheck(!Get(r, n, "p", &lp) || BCTakes[type].p, r->comm, GALE_ERR_USER, "%s:%d: key 'p' is not used by a boundary of type %s (expected only: type%s)", r->file, lp, GaleBCTypes[type], BCTakes[type].U ? ", U" : "");
  if (!u && BCTakes[type].U_required) PetscCall(Missing(r, &s, "U", " (expected [ux, uy, uz], {expression: [...]} or {table: {...}})"));
  bc->U.kind = GALE_VALUE_UNIFORM;
  Path(w, sizeof(w), name, "U");
  if (u) PetscCall(ReadVectorValue(r, u, w, &bc->U));
  PetscCall(OptReal(r, &s, "p", R_ANY, &bc->p, NULL));
  if ((u = Get(r, n, "turbulence", &lu))) {
    Sec ts;
    PetscCheck(bc->type == GALE_BC_INLET || bc->type == GALE_BC_FREESTREAM, r->comm, GALE_ERR_USER, "%s:%d: key 'turbulence' is only used where flow enters (expected a boundary of type inlet or freestream, got %s)", r->file, lu, GaleBCTypes[type]);
    Path(w, sizeof(w), name, "turbulence");
    PetscCall(Open(r, u, w, lu, BCTurbKeys, &ts));
    PetscCall(OptReal(r, &ts, "intensity", R_POS, &bc->turb_intensity, NULL));
    PetscCall(OptReal(r, &ts, "length_scale", R_POS, &bc->turb_length, NULL));
    PetscCall(OptReal(r, &ts, "viscosity_ratio", R_POS, &bc->turb_viscosity_ratio, NULL));
    PetscCall(OptReal(r, &ts, "nuTilda", R_POS, &bc->nuTilda, NULL));
    PetscCall(OptReal(r, &ts, "k", R_POS, &bc->k, NULL));
    PetscCall(OptReal(r, &ts, "omega", R_POS, &bc->omega, NULL));
    PetscCall(OptReal(r, &ts, "epsilon", R_POS, &bc->epsilon, NULL));
    PetscCheck((bc->turb_intensity > 0) == (bc->turb_length > 0), r->comm, GALE_ERR_USER, "%s:%d: 'intensity' and 'length_scale' go together in '%s' (expected both or neither)", r->file, lu, w);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ReadBoundary(const Rd *r, yaml_node_t *n, int line, GaleCase *cs)
{
  Sec s;
  int i;

  PetscFunctionBeginUser;
  PetscCall(Open(r, n, "boundary", line, NULL, &s));
  cs->boundary_line = line;
  PetscCheck(NPAIRS(n) >= 1 && NPAIRS(n) <= GALE_MAX_PATCHES, r->comm, GALE_ERR_USER, "%s:%d: expected 1 to %d patches in 'boundary', got %d", r->file, line, GALE_MAX_PATCHES, NPAIRS(n));
  for (i = 0; i < NPAIRS(n); i++) {
    yaml_node_pair_t *pr = &n->data.mapping.pairs.start[i];
    cs->nbcs             = i + 1;
    PetscCall(ReadBC(r, Node(r, pr->key), Node(r, pr->value), &cs->bcs[i]));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ReadLinear(const Rd *r, yaml_node_t *n, const char *name, int line, GaleLinearSettings *ls)
{
  Sec          s;
  yaml_node_t *v;
  char         w[256];

  PetscFunctionBeginUser;
  PetscCall(Open(r, n, name, line, LinearKeys, &s));
  Path(w, sizeof(w), name, "ksp");
  if ((v = Get(r, n, "ksp", NULL))) PetscCall(String(r, v, w, ls->ksp_type, sizeof(ls->ksp_type)));
  Path(w, sizeof(w), name, "pc");
  if ((v = Get(r, n, "pc", NULL))) PetscCall(String(r, v, w, ls->pc_type, sizeof(ls->pc_type)));
  PetscCall(OptReal(r, &s, "rtol", R_UNIT, &ls->rtol, NULL));
  PetscCall(OptReal(r, &s, "atol", R_NONNEG, &ls->atol, NULL));
  PetscCall(OptInt(r, &s, "max_it", R_POS, &ls->max_it, NULL));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Defaults that depend on the algorithm (steady or transient). */
static void SolverDefaults(GaleCase *cs)
{
  PetscBool transient = (PetscBool)(cs->algorithm == GALE_ALG_PISO || cs->algorithm == GALE_ALG_PIMPLE);

  cs->relax_U = cs->algorithm == GALE_ALG_SIMPLE ? 0.7 : cs->algorithm == GALE_ALG_SIMPLEC ? 0.9 : 1.0;
  cs->relax_p = cs->algorithm == GALE_ALG_SIMPLE ? 0.3 : 1.0;
  strcpy(cs->lin_U.ksp_type, "bcgs");
  strcpy(cs->lin_U.pc_type, "bjacobi");
  cs->lin_U.rtol   = transient ? 1e-5 : 0.1;
  cs->lin_U.atol   = 1e-12;
  cs->lin_U.max_it = 200;
  strcpy(cs->lin_p.ksp_type, "cg");
  strcpy(cs->lin_p.pc_type, "gamg");
  cs->lin_p.rtol   = transient ? 1e-6 : 0.05;
  cs->lin_p.atol   = 1e-12;
  cs->lin_p.max_it = 500;
}

static PetscErrorCode ReadSolver(const Rd *r, yaml_node_t *n, int line, GaleCase *cs)
{
  Sec          s, t;
  yaml_node_t *v;
  PetscInt     k;
  PetscBool    transient, has_dt, has_end, has_outer;
  int          l = 0;

  PetscFunctionBeginUser;
  PetscCall(Open(r, n, "solver", line, SolverKeys, &s));
  k = cs->algorithm;
  PetscCall(OptChoice(r, &s, "algorithm", "algorithm", GaleAlgorithms, &k));
  cs->algorithm = (GaleAlgorithm)k;
  SolverDefaults(cs);
  k = cs->convection;
  PetscCall(OptChoice(r, &s, "convection", "convection scheme", GaleConvections, &k));
  cs->convection = (GaleConvection)k;
  k              = cs->gradient;
  PetscCall(OptChoice(r, &s, "gradient", "gradient scheme", GaleGradients, &k));
  cs->gradient = (GaleGradient)k;
  k            = cs->gradient_limiter;
  PetscCall(OptChoice(r, &s, "gradient_limiter", "gradient limiter", GaleGradientLimiters, &k));
  cs->gradient_limiter = k;
  k                    = cs->time_scheme;
  PetscCall(OptChoice(r, &s, "time_scheme", "time scheme", GaleTimeSchemes, &k));
  cs->time_scheme = (GaleTimeScheme)k;
  PetscCall(OptInt(r, &s, "max_iterations", R_POS, &cs->max_iterations, NULL));
  PetscCall(OptInt(r, &s, "non_orthogonal_correctors", R_NONNEG, &cs->nonorth_correctors, NULL));
  {
    PetscBool found = PETSC_FALSE;
    PetscCall(OptReal(r, &s, "non_orthogonal_limit", R_NONNEG, &cs->nonorth_limit, &found));
    PetscCheck(!found || cs->nonorth_limit <= 1, r->comm, GALE_ERR_USER, "%s:%d: 'solver.non_orthogonal_limit' = %g (expected a number from 0 to 1: 1 unlimited, 0.5 as OpenFOAM's 'limited corrected 0.5', 0 no correction)", r->file,
               Line(Get(r, n, "non_orthogonal_limit", NULL)), (double)cs->nonorth_limit);
  }
  PetscCall(OptReal(r, &s, "divergence_factor", R_POS, &cs->divergence_factor, NULL));
  PetscCall(OptInt(r, &s, "correctors", R_POS, &cs->n_correctors, NULL));
  PetscCall(OptInt(r, &s, "outer_correctors", R_POS, &cs->n_outer, &has_outer));
  if ((v = Get(r, n, "tolerance", &l))) {
    if (v->type == YAML_SCALAR_NODE) {
      PetscCall(Real(r, v, "solver.tolerance", R_POS, &cs->residual_tol[0]));
      for (k = 1; k < 4; k++) cs->residual_tol[k] = cs->residual_tol[0];
    } else {
      PetscCall(Open(r, v, "solver.tolerance", l, UPKeys, &t));
      PetscCall(OptReal(r, &t, "U", R_POS, &cs->residual_tol[0], NULL));
      PetscCall(OptReal(r, &t, "p", R_POS, &cs->residual_tol[1], NULL));
    }
  }
  if ((v = Get(r, n, "relaxation", &l))) {
    PetscCall(Open(r, v, "solver.relaxation", l, UPKeys, &t));
    PetscCall(OptReal(r, &t, "U", R_UNIT, &cs->relax_U, NULL));
    PetscCall(OptReal(r, &t, "p", R_UNIT, &cs->relax_p, NULL));
  }
  if ((v = Get(r, n, "linear", &l))) {
    yaml_node_t *w;
    PetscCall(Open(r, v, "solver.linear", l, UPKeys, &t));
    if ((w = Get(r, v, "U", &l))) PetscCall(ReadLinear(r, w, "solver.linear.U", l, &cs->lin_U));
    if ((w = Get(r, v, "p", &l))) PetscCall(ReadLinear(r, w, "solver.linear.p", l, &cs->lin_p));
  }
  PetscCall(OptReal(r, &s, "dt", R_POS, &cs->dt, &has_dt));
  PetscCall(OptReal(r, &s, "end_time", R_POS, &cs->end_time, &has_end));
  transient = (PetscBool)(cs->algorithm == GALE_ALG_PISO || cs->algorithm == GALE_ALG_PIMPLE);
  if (transient && !has_dt) PetscCall(Missing(r, &s, "dt", " (expected a time step > 0 for PISO and PIMPLE)"));
  if (transient && !has_end) PetscCall(Missing(r, &s, "end_time", " (expected an end time > 0 for PISO and PIMPLE)"));
  Get(r, n, "outer_correctors", &l);
  PetscCheck(!has_outer || cs->algorithm != GALE_ALG_PISO || cs->n_outer == 1, r->comm, GALE_ERR_USER, "%s:%d: PISO takes no outer correctors (expected outer_correctors: 1, or algorithm: PIMPLE)", r->file, l);
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ReadForces(const Rd *r, yaml_node_t *n, int line, GaleCase *cs)
{
  Sec          s, t;
  yaml_node_t *v;
  char         got[64], w[64];
  int          l = 0, i, j;

  PetscFunctionBeginUser;
  PetscCall(Open(r, n, "forces", line, ForcesKeys, &s));
  if ((v = Get(r, n, "patches", NULL))) {
    char walls[1024] = "";
    for (i = 0; i < cs->nbcs; i++)
      if (cs->bcs[i].type == GALE_BC_WALL) Fmt(walls + strlen(walls), sizeof(walls) - strlen(walls), "%s%s", walls[0] ? ", " : "", cs->bcs[i].name);
    PetscCheck(v->type == YAML_SEQUENCE_NODE && NITEMS(v) <= GALE_MAX_FORCE_PATCHES, r->comm, GALE_ERR_USER, "%s:%d: expected a list of at most %d wall patches for 'forces.patches', got %s", r->file, Line(v), GALE_MAX_FORCE_PATCHES,
               Describe(v, got, sizeof(got)));
    for (i = 0; i < NITEMS(v); i++) {
      yaml_node_t *p = Item(r, v, i);
      PetscInt     b;
      Fmt(w, sizeof(w), "forces.patches[%d]", i);
      PetscCall(String(r, p, w, cs->force_patches[i], GALE_NAME_LEN));
      b = GaleCaseFindBC(cs, cs->force_patches[i]);
      PetscCheck(b >= 0 && cs->bcs[b].type == GALE_BC_WALL, r->comm, GALE_ERR_USER, "%s:%d: forces patch '%s' %s%s (expected a wall patch: %s)", r->file, Line(p), cs->force_patches[i], b < 0 ? "has no entry in 'boundary'" : "is of type ",
                 b < 0 ? "" : GaleBCTypes[cs->bcs[b].type], walls[0] ? walls : "none");
      for (j = 0; j < i; j++) PetscCheck(strcmp(cs->force_patches[j], cs->force_patches[i]), r->comm, GALE_ERR_USER, "%s:%d: forces patch '%s' is listed twice", r->file, Line(p), cs->force_patches[i]);
      cs->nforce_patches = i + 1;
    }
  }
  if ((v = Get(r, n, "reference", &l))) {
    PetscReal *dirs[2] = {cs->drag_dir, cs->lift_dir};
    PetscCall(Open(r, v, "forces.reference", l, ReferenceKeys, &t));
    PetscCall(OptReal(r, &t, "area", R_POS, &cs->ref_area, NULL));
    PetscCall(OptReal(r, &t, "length", R_POS, &cs->ref_length, NULL));
    PetscCall(OptReal(r, &t, "velocity", R_POS, &cs->ref_velocity, NULL));
    PetscCall(OptReal(r, &t, "density", R_POS, &cs->ref_density, NULL));
    if ((n = Get(r, v, "centre", NULL))) PetscCall(RealVec(r, n, "forces.reference.centre", 3, R_ANY, cs->cofr));
    for (i = 0; i < 2; i++) {
      PetscReal *d = dirs[i], mag;
      Fmt(w, sizeof(w), "forces.reference.%s", i ? "lift" : "drag");
      if (!(n = Get(r, v, i ? "lift" : "drag", NULL))) continue;
      PetscCall(RealVec(r, n, w, 3, R_ANY, d));
      mag = PetscSqrtReal(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
      PetscCheck(mag > 0, r->comm, GALE_ERR_USER, "%s:%d: '%s' is a zero vector (expected a direction)", r->file, Line(n), w);
      for (j = 0; j < 3; j++) d[j] /= mag;
    }
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* post: settings of `gale post --pictures` (postproc/post.c); the command
 * line overrides them. */
static PetscErrorCode ReadPost(const Rd *r, yaml_node_t *n, int line, GaleCase *cs)
{
  GalePostSettings *ps = &cs->post;
  Sec               s, t;
  yaml_node_t      *v, *w;
  char              got[64], what[64];
  int               l = 0;

  PetscFunctionBeginUser;
  PetscCall(Open(r, n, "post", line, PostKeys, &s));
  if ((v = Get(r, n, "slice", &l))) {
    PetscCall(Open(r, v, "post.slice", l, PostSliceKeys, &t));
    if ((w = Get(r, v, "origin", NULL))) {
      PetscCall(RealVec(r, w, "post.slice.origin", 3, R_ANY, ps->slice_origin));
      ps->has_slice_origin = PETSC_TRUE;
    }
    if ((w = Get(r, v, "normal", NULL))) {
      PetscCall(RealVec(r, w, "post.slice.normal", 3, R_ANY, ps->slice_normal));
      PetscCheck(ps->slice_normal[0] != 0 || ps->slice_normal[1] != 0 || ps->slice_normal[2] != 0, r->comm, GALE_ERR_USER, "%s:%d: 'post.slice.normal' is a zero vector (expected the plane's normal)", r->file, Line(w));
      ps->has_slice_normal = PETSC_TRUE;
    }
    if ((w = Get(r, v, "box", &l))) {
      Sec b;
      PetscCall(Open(r, w, "post.slice.box", l, RefBoxKeys, &b));
      PetscCheck(Get(r, w, "min", NULL) && Get(r, w, "max", NULL), r->comm, GALE_ERR_USER, "%s:%d: 'post.slice.box' needs both 'min' and 'max'", r->file, l);
      PetscCall(RealVec(r, Get(r, w, "min", NULL), "post.slice.box.min", 3, R_ANY, ps->slice_box[0]));
      PetscCall(RealVec(r, Get(r, w, "max", NULL), "post.slice.box.max", 3, R_ANY, ps->slice_box[1]));
      for (int d = 0; d < 3; d++)
        PetscCheck(ps->slice_box[0][d] < ps->slice_box[1][d], r->comm, GALE_ERR_USER, "%s:%d: 'post.slice.box' min[%d] = %g is not below max[%d] = %g", r->file, l, d, (double)ps->slice_box[0][d], d, (double)ps->slice_box[1][d]);
      ps->has_slice_box = PETSC_TRUE;
    }
  }
  if ((v = Get(r, n, "streamlines", &l))) {
    yaml_node_t *a, *b;
    PetscCall(Open(r, v, "post.streamlines", l, PostLineKeys, &t));
    a = Get(r, v, "from", NULL);
    b = Get(r, v, "to", NULL);
    PetscCheck(!a == !b, r->comm, GALE_ERR_USER, "%s:%d: 'post.streamlines' has '%s' without '%s' (expected both ends of the seed line)", r->file, l, a ? "from" : "to", a ? "to" : "from");
    if (a) {
      PetscCall(RealVec(r, a, "post.streamlines.from", 3, R_ANY, ps->seed_from));
      PetscCall(RealVec(r, b, "post.streamlines.to", 3, R_ANY, ps->seed_to));
      ps->has_seed_line = PETSC_TRUE;
    }
    PetscCall(OptInt(r, &t, "seeds", R_POS, &ps->seeds, NULL));
  }
  if ((v = Get(r, n, "surface", &l))) {
    PetscCall(Open(r, v, "post.surface", l, PostSurfKeys, &t));
    if ((w = Get(r, v, "patches", NULL))) {
      PetscCheck(w->type == YAML_SEQUENCE_NODE && NITEMS(w) >= 1 && NITEMS(w) <= GALE_MAX_FORCE_PATCHES, r->comm, GALE_ERR_USER, "%s:%d: expected a list of 1 to %d patches for 'post.surface.patches', got %s", r->file, Line(w), GALE_MAX_FORCE_PATCHES,
                 Describe(w, got, sizeof(got)));
      for (int i = 0; i < NITEMS(w); i++) {
        yaml_node_t *p = Item(r, w, i);
        Fmt(what, sizeof(what), "post.surface.patches[%d]", i);
        PetscCall(String(r, p, what, ps->patches[i], GALE_NAME_LEN));
        PetscCheck(GaleCaseFindBC(cs, ps->patches[i]) >= 0, r->comm, GALE_ERR_USER, "%s:%d: post.surface patch '%s' has no entry in 'boundary'", r->file, Line(p), ps->patches[i]);
        ps->npatches = i + 1;
      }
    }
    PetscCall(OptReal(r, &t, "p_ref", R_ANY, &ps->p_ref, NULL));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Every named block face must have a boundary entry and every boundary
 * entry must be used by some block face. */
static PetscErrorCode CheckBlockPatches(const Rd *r, yaml_node_t *mesh, const GaleCase *cs)
{
  yaml_node_t *bl         = Get(r, mesh, "blocks", NULL);
  char         list[1024] = "";
  int          i, b, d;

  PetscFunctionBeginUser;
  for (i = 0; i < cs->nbcs; i++) Fmt(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "", cs->bcs[i].name);
  for (b = 0; b < cs->nblocks; b++) {
    yaml_node_t *pn = Get(r, Item(r, bl, b), "patches", NULL);
    for (d = 0; d < 6; d++) {
      const char *p = cs->blocks[b].patch[d];
      PetscCheck(!p[0] || GaleCaseFindBC(cs, p) >= 0, r->comm, GALE_ERR_USER, "%s:%d: patch '%s' of mesh.blocks[%d] has no entry in 'boundary' (expected one of: %s)", r->file, Line(Get(r, pn, FaceKeys[d], NULL)), p, b, list);
    }
  }
  for (i = 0; i < cs->nbcs; i++) {
    PetscBool used = PETSC_FALSE;
    for (b = 0; b < cs->nblocks; b++)
      for (d = 0; d < 6; d++) used = (PetscBool)(used || !strcmp(cs->bcs[i].name, cs->blocks[b].patch[d]));
    PetscCheck(used, r->comm, GALE_ERR_USER, "%s:%d: boundary entry '%s' names no face of mesh.blocks (expected a patch name used in a block's 'patches')", r->file, (int)cs->bcs[i].line, cs->bcs[i].name);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Every patch named in mesh.octree must have a boundary entry; when all
 * surface patches are known from the file (each geometry gives 'patch'),
 * every boundary entry must also be used. Region names read from the
 * surfaces are checked after meshing (GaleCaseCheckPatches). */
static PetscErrorCode CheckOctreePatches(const Rd *r, yaml_node_t *mesh, const GaleCase *cs)
{
  const GaleOctreeSettings *o  = &cs->octree;
  yaml_node_t              *on = Get(r, mesh, "octree", NULL), *pn = Get(r, on, "patches", NULL), *gl = Get(r, on, "geometry", NULL);
  char                      list[1024] = "";
  PetscBool                 known      = PETSC_TRUE;
  int                       i, g, k;

  PetscFunctionBeginUser;
  for (i = 0; i < cs->nbcs; i++) Fmt(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "", cs->bcs[i].name);
  for (k = 0; k < 6; k++)
    PetscCheck(GaleCaseFindBC(cs, o->patch[k]) >= 0, r->comm, GALE_ERR_USER, "%s:%d: patch '%s' of mesh.octree.patches.%s has no entry in 'boundary' (expected one of: %s)", r->file, Line(Get(r, pn, SideKeys[k], NULL)), o->patch[k], SideKeys[k],
               list);
  for (g = 0; g < o->ngeometries; g++) {
    const GaleOctreeGeometry *G  = &o->geometries[g];
    yaml_node_t              *gn = Item(r, gl, g), *rn = Get(r, gn, "regions", NULL);
    if (G->patch[0])
      PetscCheck(GaleCaseFindBC(cs, G->patch) >= 0, r->comm, GALE_ERR_USER, "%s:%d: patch '%s' of mesh.octree.geometry[%d] has no entry in 'boundary' (expected one of: %s)", r->file, Line(Get(r, gn, "patch", NULL)), G->patch, g, list);
    else
      known = PETSC_FALSE;
    for (k = 0; k < G->nregions; k++)
      PetscCheck(GaleCaseFindBC(cs, G->region_patch[k]) >= 0, r->comm, GALE_ERR_USER, "%s:%d: patch '%s' of region '%s' of mesh.octree.geometry[%d] has no entry in 'boundary' (expected one of: %s)", r->file, Line(Get(r, rn, G->region[k], NULL)),
                 G->region_patch[k], G->region[k], g, list);
  }
  for (i = 0; i < cs->nbcs && known; i++) {
    PetscBool used = PETSC_FALSE;
    for (k = 0; k < 6; k++) used = (PetscBool)(used || !strcmp(cs->bcs[i].name, o->patch[k]));
    for (g = 0; g < o->ngeometries; g++) {
      const GaleOctreeGeometry *G = &o->geometries[g];
      used                        = (PetscBool)(used || !strcmp(cs->bcs[i].name, G->patch));
      for (k = 0; k < G->nregions; k++) used = (PetscBool)(used || !strcmp(cs->bcs[i].name, G->region_patch[k]));
    }
    PetscCheck(used, r->comm, GALE_ERR_USER, "%s:%d: boundary entry '%s' names no patch of mesh.octree (expected a name used in 'patches' or by a geometry)", r->file, (int)cs->bcs[i].line, cs->bcs[i].name);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static void CaseDefaults(GaleCase *cs)
{
  cs->mesh_scale       = 1;
  cs->merge_tolerance  = 1e-6;
  cs->rho              = 1;
  cs->algorithm        = GALE_ALG_SIMPLE;
  cs->convection       = GALE_CONV_LINEARUPWIND;
  cs->gradient         = GALE_GRAD_GAUSS;
  cs->gradient_limiter = 0;
  cs->time_scheme      = GALE_TIME_EULER;
  cs->max_iterations   = 1000;
  cs->nonorth_limit    = 1;
  cs->residual_tol[0] = cs->residual_tol[1] = cs->residual_tol[2] = cs->residual_tol[3] = 1e-5;
  cs->divergence_factor                                                                 = 1e6;
  cs->n_correctors                                                                      = 2;
  cs->n_outer                                                                           = 1;
  cs->write_interval                                                                    = 100;
  cs->log_interval                                                                      = 1;
  cs->ref_area                                                                          = 1;
  cs->ref_length                                                                        = 1;
  cs->ref_velocity                                                                      = 0; /* 0: filled in after reading */
  cs->ref_density                                                                       = 0;
  cs->drag_dir[0]                                                                       = 1;
  cs->lift_dir[1]                                                                       = 1;
  SolverDefaults(cs);
}

/* Reference velocity: |U| of the first uniform inlet (else freestream), else 1. */
static PetscReal DefaultRefVelocity(const GaleCase *cs)
{
  int pass, i;

  for (pass = 0; pass < 2; pass++)
    for (i = 0; i < cs->nbcs; i++) {
      const GaleBC *bc = &cs->bcs[i];
      if (bc->type == (pass ? GALE_BC_FREESTREAM : GALE_BC_INLET) && bc->U.kind == GALE_VALUE_UNIFORM) {
        const PetscReal *u   = bc->U.uniform;
        PetscReal        mag = PetscSqrtReal(u[0] * u[0] + u[1] * u[1] + u[2] * u[2]);
        if (mag > 0) return mag;
      }
    }
  return 1;
}

static PetscErrorCode ReadDocument(const Rd *r, const char *dir, GaleCase *cs)
{
  yaml_node_t *root = yaml_document_get_root_node(r->doc), *n;
  Sec          top, s;
  char         list[512], got[64];
  int          line = 0;

  PetscFunctionBeginUser;
  PetscCheck(root, r->comm, GALE_ERR_USER, "%s:1: the file is empty (expected the sections: %s)", r->file, Join(TopKeys, list, sizeof(list)));
  PetscCheck(root->type == YAML_MAPPING_NODE, r->comm, GALE_ERR_USER, "%s:%d: expected a mapping of sections (%s) at the top level, got %s", r->file, Line(root), Join(TopKeys, list, sizeof(list)), Describe(root, got, sizeof(got)));
  PetscCall(Open(r, root, "", 1, TopKeys, &top));
  CaseDefaults(cs);
  if ((n = Get(r, root, "title", NULL))) PetscCall(String(r, n, "title", cs->title, sizeof(cs->title)));
  if (!(n = Get(r, root, "mesh", &line))) PetscCall(Missing(r, &top, "mesh", " (expected polyMesh, blocks, octree, airfoil or gmsh in it)"));
  PetscCall(ReadMesh(r, n, line, dir, cs));
  if (!(n = Get(r, root, "fluid", &line))) PetscCall(Missing(r, &top, "fluid", " (expected nu in it)"));
  PetscCall(Open(r, n, "fluid", line, FluidKeys, &s));
  if (!Get(r, n, "nu", NULL)) PetscCall(Missing(r, &s, "nu", " (expected the kinematic viscosity, a number > 0)"));
  PetscCall(OptReal(r, &s, "nu", R_POS, &cs->nu, NULL));
  PetscCall(OptReal(r, &s, "rho", R_POS, &cs->rho, NULL));
  if (!(n = Get(r, root, "boundary", &line))) PetscCall(Missing(r, &top, "boundary", " (expected one entry per mesh patch)"));
  PetscCall(ReadBoundary(r, n, line, cs));
  if ((n = Get(r, root, "initial", &line))) {
    PetscCall(Open(r, n, "initial", line, InitialKeys, &s));
    if ((n = Get(r, n, "U", NULL))) PetscCall(RealVec(r, n, "initial.U", 3, R_ANY, cs->U0));
    PetscCall(OptReal(r, &s, "p", R_ANY, &cs->p0, NULL));
  }
  if ((n = Get(r, root, "solver", &line))) PetscCall(ReadSolver(r, n, line, cs));
  if ((n = Get(r, root, "output", &line))) {
    PetscCall(Open(r, n, "output", line, OutputKeys, &s));
    PetscCall(OptInt(r, &s, "interval", R_POS, &cs->write_interval, NULL));
    PetscCall(OptInt(r, &s, "log_interval", R_POS, &cs->log_interval, NULL));
  }
  if ((n = Get(r, root, "forces", &line))) PetscCall(ReadForces(r, n, line, cs));
  if ((n = Get(r, root, "post", &line))) PetscCall(ReadPost(r, n, line, cs));
  PetscCall(PetscStrncpy(cs->turb.model, "laminar", sizeof(cs->turb.model)));
  if ((n = Get(r, root, "turbulence", &line))) {
    PetscInt model = 0, wf = 0;
    PetscCall(Open(r, n, "turbulence", line, TurbKeys, &s));
    PetscCall(OptChoice(r, &s, "model", "turbulence model", TurbModels, &model));
    PetscCall(PetscStrncpy(cs->turb.model, TurbModels[model], sizeof(cs->turb.model)));
    PetscCall(OptReal(r, &s, "relaxation", R_UNIT, &cs->turb.relax, NULL));
    PetscCall(OptChoice(r, &s, "wall_functions", "boolean", Booleans, &wf));
    cs->turb.wall_functions = (PetscBool)(wf % 2);
    {
      static const char *const WallDistances[] = {"exact", "poisson", NULL};
      PetscInt                 wd              = 0;
      PetscCall(OptChoice(r, &s, "wall_distance", "wall distance method", WallDistances, &wd));
      cs->turb.wall_distance_poisson = (PetscBool)(wd == 1);
    }
  }
  if (cs->ref_velocity == 0) cs->ref_velocity = DefaultRefVelocity(cs);
  if (cs->ref_density == 0) cs->ref_density = cs->rho;
  if (cs->mesh_source == GALE_MESH_BLOCK) PetscCall(CheckBlockPatches(r, Get(r, root, "mesh", NULL), cs));
  if (cs->mesh_source == GALE_MESH_OCTREE) PetscCall(CheckOctreePatches(r, Get(r, root, "mesh", NULL), cs));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Parse the file into a node tree and read it; frees the tree either way. */
static PetscErrorCode ReadFile(MPI_Comm comm, const char *dir, GaleCase *cs)
{
  FILE           *fp;
  yaml_parser_t   parser;
  yaml_document_t doc;
  Rd              r;
  PetscErrorCode  ierr;
  int             ok;
  char            msg[512];

  PetscFunctionBeginUser;
  PetscCheck(strlen(dir) + sizeof("/case.yaml") <= sizeof(cs->file), comm, GALE_ERR_USER, "case directory name is too long: %s", dir);
  Fmt(cs->dir, sizeof(cs->dir), "%s", dir);
  Fmt(cs->file, sizeof(cs->file), "%s/case.yaml", dir);
  fp = fopen(cs->file, "rb");
  PetscCheck(fp, comm, GALE_ERR_USER, "%s: cannot open the case file: %s", cs->file, strerror(errno));
  if (!yaml_parser_initialize(&parser)) {
    fclose(fp);
    SETERRQ(comm, PETSC_ERR_MEM, "cannot initialise the YAML parser");
  }
  yaml_parser_set_input_file(&parser, fp);
  ok = yaml_parser_load(&parser, &doc);
  if (!ok) {
    /* An unclosed bracket or quote is found where the file goes on: point
     * at where it was opened, and say where the parser stopped. */
    int       pline = (int)(parser.error == YAML_READER_ERROR ? 0 : parser.problem_mark.line) + 1, line = pline;
    PetscBool open = (PetscBool)(parser.context && (strstr(parser.context, "flow") || strstr(parser.context, "quoted")));
    if (open) line = (int)parser.context_mark.line + 1;
    if (open)
      Fmt(msg, sizeof(msg), "%s %s (opened on this line; the parser stopped at line %d)", parser.problem ? parser.problem : "error", parser.context, pline);
    else if (parser.context)
      Fmt(msg, sizeof(msg), "%s %s (started at line %d)", parser.problem ? parser.problem : "error", parser.context, (int)parser.context_mark.line + 1);
    else
      Fmt(msg, sizeof(msg), "%s", parser.problem ? parser.problem : "error");
    yaml_parser_delete(&parser);
    fclose(fp);
    SETERRQ(comm, GALE_ERR_USER, "%s:%d: invalid YAML: %s", cs->file, line, msg);
  }
  yaml_parser_delete(&parser);
  fclose(fp);
  r.comm = comm;
  r.file = cs->file;
  r.doc  = &doc;
  ierr   = ReadDocument(&r, dir, cs);
  yaml_document_delete(&doc);
  PetscCall(ierr);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleCaseRead(MPI_Comm comm, const char *dir, GaleCase **cs)
{
  GaleCase      *c;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCheck(dir && cs, comm, PETSC_ERR_ARG_NULL, "GaleCaseRead needs a directory and an output pointer");
  *cs = NULL;
  PetscCall(PetscNew(&c));
  ierr = ReadFile(comm, dir, c);
  if (ierr) PetscCall(GaleCaseDestroy(&c));
  PetscCall(ierr);
  *cs = c;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleCaseDestroy(GaleCase **cs)
{
  PetscInt i, d;

  PetscFunctionBeginUser;
  if (!cs || !*cs) PetscFunctionReturn(PETSC_SUCCESS);
  for (i = 0; i < (*cs)->nbcs; i++) {
    GaleVectorValue *v = &(*cs)->bcs[i].U;
    PetscCall(PetscFree(v->table));
    for (d = 0; d < 3; d++) PetscCall(GaleExprDestroy((GaleExpr **)&v->compiled[d]));
  }
  PetscCall(PetscFree(*cs));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleCaseCheckPatches(const GaleCase *cs, PetscInt npatches, const char *const names[])
{
  char     list[1024] = "";
  PetscInt i, j;

  PetscFunctionBeginUser;
  for (i = 0; i < cs->nbcs; i++) Fmt(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "", cs->bcs[i].name);
  for (i = 0; i < npatches; i++) PetscCheck(GaleCaseFindBC(cs, names[i]) >= 0, PETSC_COMM_SELF, GALE_ERR_USER, "%s:%d: the mesh has a patch '%s' with no entry in 'boundary' (entries: %s)", cs->file, (int)cs->boundary_line, names[i], list);
  list[0] = 0;
  for (i = 0; i < npatches; i++) Fmt(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "", names[i]);
  for (i = 0; i < cs->nbcs; i++) {
    for (j = 0; j < npatches; j++)
      if (!strcmp(cs->bcs[i].name, names[j])) break;
    PetscCheck(j < npatches, PETSC_COMM_SELF, GALE_ERR_USER, "%s:%d: boundary entry '%s' matches no patch of the mesh (expected one of the mesh patches: %s)", cs->file, (int)cs->bcs[i].line, cs->bcs[i].name, list);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscInt GaleCaseFindBC(const GaleCase *cs, const char *patch)
{
  PetscInt i;

  for (i = 0; i < cs->nbcs; i++)
    if (!strcmp(cs->bcs[i].name, patch)) return i;
  return -1;
}

PetscErrorCode GaleVectorValueEval(const GaleVectorValue *v, const PetscReal x[3], PetscReal t, PetscReal out[3])
{
  PetscInt d;

  PetscFunctionBeginUser;
  if (v->kind == GALE_VALUE_UNIFORM) {
    for (d = 0; d < 3; d++) out[d] = v->uniform[d];
  } else if (v->kind == GALE_VALUE_EXPRESSION) {
    for (d = 0; d < 3; d++) {
      GaleExpr *e = (GaleExpr *)v->compiled[d];
      char      err[256];
      if (e) {
        out[d] = GaleExprEval(e, x, t);
        continue;
      }
      PetscCall(GaleExprCompile(v->expr[d], &e, err, sizeof(err))); /* not from GaleCaseRead: compile on the fly */
      PetscCheck(e, PETSC_COMM_SELF, GALE_ERR_USER, "cannot read expression '%s': %s", v->expr[d], err);
      out[d] = GaleExprEval(e, x, t);
      PetscCall(GaleExprDestroy(&e));
    }
  } else {
    const PetscReal *tb = v->table;
    PetscInt         lo = 0, hi = v->nrows - 1;
    PetscReal        c = x[v->axis], w;

    PetscCheck(tb && v->nrows >= 1 && v->axis >= 0 && v->axis < 3, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "table value without rows");
    if (c <= tb[0])
      hi = 0;
    else if (c >= tb[4 * hi])
      lo = hi;
    else
      while (hi - lo > 1) {
        PetscInt mid = (lo + hi) / 2;
        if (tb[4 * mid] <= c)
          lo = mid;
        else
          hi = mid;
      }
    w = hi == lo ? 0 : (c - tb[4 * lo]) / (tb[4 * hi] - tb[4 * lo]);
    for (d = 0; d < 3; d++) out[d] = (1 - w) * tb[4 * lo + 1 + d] + w * tb[4 * hi + 1 + d];
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}
