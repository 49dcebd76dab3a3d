/* Writing one value into a YAML text at a path ("boundary.movingWall.U[0]")
 * without touching the rest: comments, key order, flow or block style and
 * every other number stay as the user wrote them. libyaml loads the text
 * as a node tree; the node at the path gives the line and column where
 * its scalar starts and ends (libyaml counts characters, so the byte
 * offset is found by walking the UTF-8 text), and that range is replaced.
 * A missing last key of an existing mapping is inserted after the
 * mapping's last entry (block style: a new line at the indentation of its
 * keys; flow style: before the closing brace). */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>
#include "gale_sweep.h"

#define YE_MAX_SEGS 32

typedef struct {
  char     key[GALE_NAME_LEN]; /* "" for an index */
  PetscInt index;
} YeSeg;

#define NPAIRS(m) ((int)((m)->data.mapping.pairs.top - (m)->data.mapping.pairs.start))
#define NITEMS(s) ((int)((s)->data.sequence.items.top - (s)->data.sequence.items.start))

static PetscErrorCode ParsePath(const char *file, const char *path, YeSeg seg[], int *nseg)
{
  const char *s = path;
  int         n = 0;

  PetscFunctionBeginUser;
  PetscCheck(path[0], PETSC_COMM_SELF, GALE_ERR_USER, "%s: empty case-file path", file);
  while (*s) {
    size_t len = strcspn(s, ".[]");
    PetscCheck(n < YE_MAX_SEGS, PETSC_COMM_SELF, GALE_ERR_USER, "%s: case-file path '%s' is too deep", file, path);
    PetscCheck(len > 0 && len < GALE_NAME_LEN, PETSC_COMM_SELF, GALE_ERR_USER, "%s: cannot read case-file path '%s' at column %d (expected a key such as fluid.nu or boundary.inlet.U[0])", file, path, (int)(s - path) + 1);
    memcpy(seg[n].key, s, len);
    seg[n].key[len] = 0;
    seg[n++].index  = -1;
    s += len;
    while (*s == '[') {
      char *end;
      long  i = strtol(s + 1, &end, 10);
      PetscCheck(end > s + 1 && *end == ']' && i >= 0 && isdigit((unsigned char)s[1]) && n < YE_MAX_SEGS, PETSC_COMM_SELF, GALE_ERR_USER, "%s: cannot read case-file path '%s' at column %d (expected an index such as [0])", file, path,
                 (int)(s - path) + 1);
      seg[n].key[0]  = 0;
      seg[n++].index = (PetscInt)i;
      s              = end + 1;
    }
    if (*s == '.') {
      s++;
      PetscCheck(*s, PETSC_COMM_SELF, GALE_ERR_USER, "%s: case-file path '%s' ends with '.'", file, path);
    } else
      PetscCheck(!*s, PETSC_COMM_SELF, GALE_ERR_USER, "%s: cannot read case-file path '%s' at column %d", file, path, (int)(s - path) + 1);
  }
  *nseg = n;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* "a.b[0]" of the first n segments, for messages. */
static void SegName(const YeSeg seg[], int n, char *buf, size_t len)
{
  size_t k = 0;
  buf[0]   = 0;
  for (int i = 0; i < n; i++) {
    if (seg[i].key[0])
      GaleSweepAppend(buf, len, &k, "%s%s", i ? "." : "", seg[i].key);
    else
      GaleSweepAppend(buf, len, &k, "[%" PetscInt_FMT "]", seg[i].index);
  }
  if (!n) GaleSweepFmt(buf, len, "(the top level)");
}

static const char *Kind(const yaml_node_t *n)
{
  return n->type == YAML_MAPPING_NODE ? "a mapping" : n->type == YAML_SEQUENCE_NODE ? "a list" : "a single value";
}

/* Byte offset of a libyaml mark (line and column count characters). */
static size_t Offset(const char *text, size_t len, const yaml_mark_t *m)
{
  size_t o = 0, line = 0, col = 0;
  while (o < len && line < m->line) {
    if (text[o] == '\r' && o + 1 < len && text[o + 1] == '\n') o++;
    if (text[o] == '\n' || text[o] == '\r') line++;
    o++;
  }
  while (o < len && col < m->column) {
    o++;
    while (o < len && ((unsigned char)text[o] & 0xC0) == 0x80) o++; /* UTF-8 continuation bytes */
    col++;
  }
  return o;
}

static PetscErrorCode Load(const char *file, const char *text, yaml_document_t *doc)
{
  yaml_parser_t parser;
  int           ok;

  PetscFunctionBeginUser;
  PetscCheck(yaml_parser_initialize(&parser), PETSC_COMM_SELF, PETSC_ERR_MEM, "cannot initialise the YAML parser");
  yaml_parser_set_input_string(&parser, (const unsigned char *)text, strlen(text));
  ok = yaml_parser_load(&parser, doc);
  if (!ok) {
    char msg[256];
    GaleSweepFmt(msg, sizeof(msg), "%s:%d: invalid YAML: %s%s%s", file, (int)parser.problem_mark.line + 1, parser.problem ? parser.problem : "error", parser.context ? " " : "", parser.context ? parser.context : "");
    yaml_parser_delete(&parser);
    SETERRQ(PETSC_COMM_SELF, GALE_ERR_USER, "%s", msg);
  }
  yaml_parser_delete(&parser);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Walk the path: *node is the deepest node reached, *depth the number of
 * segments matched (nseg when the whole path exists). A segment that does
 * not fit the node (a key into a list, an index past the end) is an error;
 * a missing key only stops the walk. */
static PetscErrorCode Walk(const char *file, const char *path, yaml_document_t *doc, const YeSeg seg[], int nseg, yaml_node_t **node, int *depth)
{
  yaml_node_t *n = yaml_document_get_root_node(doc);
  char         where[GALE_PATH_LEN];
  int          i;

  PetscFunctionBeginUser;
  PetscCheck(n, PETSC_COMM_SELF, GALE_ERR_USER, "%s: the file is empty (cannot set '%s')", file, path);
  for (i = 0; i < nseg; i++) {
    yaml_node_t *next = NULL;
    SegName(seg, i, where, sizeof(where));
    if (seg[i].key[0]) {
      PetscCheck(n->type == YAML_MAPPING_NODE, PETSC_COMM_SELF, GALE_ERR_USER, "%s:%d: cannot set '%s': '%s' is %s, not a mapping with key '%s'", file, (int)n->start_mark.line + 1, path, where, Kind(n), seg[i].key);
      for (int k = 0; k < NPAIRS(n); k++) {
        yaml_node_t *key = yaml_document_get_node(doc, n->data.mapping.pairs.start[k].key);
        if (key && key->type == YAML_SCALAR_NODE && !strcmp((const char *)key->data.scalar.value, seg[i].key)) next = yaml_document_get_node(doc, n->data.mapping.pairs.start[k].value);
      }
      if (!next) break;
    } else {
      PetscCheck(n->type == YAML_SEQUENCE_NODE, PETSC_COMM_SELF, GALE_ERR_USER, "%s:%d: cannot set '%s': '%s' is %s, not a list", file, (int)n->start_mark.line + 1, path, where, Kind(n));
      PetscCheck(seg[i].index < NITEMS(n), PETSC_COMM_SELF, GALE_ERR_USER, "%s:%d: cannot set '%s': '%s' has %d items (indices start at 0)", file, (int)n->start_mark.line + 1, path, where, NITEMS(n));
      next = yaml_document_get_node(doc, n->data.sequence.items.start[seg[i].index]);
    }
    n = next;
  }
  *node  = n;
  *depth = i;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The node whose end is the last character of a block collection. */
static yaml_node_t *LastLeaf(yaml_document_t *doc, yaml_node_t *n)
{
  for (;;) {
    if (n->type == YAML_MAPPING_NODE && n->data.mapping.style != YAML_FLOW_MAPPING_STYLE && NPAIRS(n))
      n = yaml_document_get_node(doc, n->data.mapping.pairs.top[-1].value);
    else if (n->type == YAML_SEQUENCE_NODE && n->data.sequence.style != YAML_FLOW_SEQUENCE_STYLE && NITEMS(n))
      n = yaml_document_get_node(doc, n->data.sequence.items.top[-1]);
    else
      return n;
  }
}

/* *text with [start, end) replaced by ins. */
static PetscErrorCode Splice(char **text, size_t start, size_t end, const char *ins)
{
  size_t len = strlen(*text), li = strlen(ins);
  char  *out;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(len - (end - start) + li + 1, &out));
  memcpy(out, *text, start);
  memcpy(out + start, ins, li);
  memcpy(out + start + li, *text + end, len - end + 1);
  PetscCall(PetscFree(*text));
  *text = out;
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode Insert(const char *file, const char *path, yaml_document_t *doc, yaml_node_t *map, const YeSeg seg[], int from, int nseg, const char *value, char **text)
{
  size_t len = strlen(*text), at;
  char   entry[GALE_PATH_LEN], ins[GALE_PATH_LEN + 256], where[GALE_PATH_LEN];
  size_t k = 0;

  PetscFunctionBeginUser;
  SegName(seg, from, where, sizeof(where));
  for (int i = from; i < nseg; i++) PetscCheck(seg[i].key[0], PETSC_COMM_SELF, GALE_ERR_USER, "%s:%d: cannot set '%s': '%s' has no key '%s' (a missing list cannot be created)", file, (int)map->start_mark.line + 1, path, where, seg[from].key);
  PetscCheck(map->type == YAML_MAPPING_NODE, PETSC_COMM_SELF, GALE_ERR_USER, "%s:%d: cannot set '%s': '%s' is %s, not a mapping", file, (int)map->start_mark.line + 1, path, where, Kind(map));
  /* key: {key: {key: value}} */
  for (int i = from; i < nseg; i++) GaleSweepAppend(entry, sizeof(entry), &k, "%s: %s", seg[i].key, i + 1 < nseg ? "{" : "");
  GaleSweepAppend(entry, sizeof(entry), &k, "%s", value);
  for (int i = from; i + 1 < nseg; i++) GaleSweepAppend(entry, sizeof(entry), &k, "}");
  PetscCheck(k < sizeof(entry), PETSC_COMM_SELF, GALE_ERR_USER, "%s: value of '%s' is too long", file, path);
  if (map->data.mapping.style == YAML_FLOW_MAPPING_STYLE) {
    at = Offset(*text, len, &map->end_mark);
    while (at > 0 && (*text)[at - 1] != '}') at--;
    PetscCheck(at > 0, PETSC_COMM_SELF, GALE_ERR_USER, "%s:%d: cannot find the end of mapping '%s'", file, (int)map->start_mark.line + 1, where);
    at--;
    GaleSweepFmt(ins, sizeof(ins), "%s%s", NPAIRS(map) ? ", " : "", entry);
  } else {
    yaml_node_t *key  = yaml_document_get_node(doc, map->data.mapping.pairs.start[0].key);
    yaml_node_t *leaf = LastLeaf(doc, map);
    int          ind  = (int)key->start_mark.column;
    PetscCheck(leaf->type != YAML_SCALAR_NODE || (leaf->data.scalar.style != YAML_LITERAL_SCALAR_STYLE && leaf->data.scalar.style != YAML_FOLDED_SCALAR_STYLE), PETSC_COMM_SELF, GALE_ERR_USER,
               "%s:%d: cannot add '%s' after a block scalar (| or >); add the key by hand", file, (int)leaf->start_mark.line + 1, path);
    at = Offset(*text, len, &leaf->end_mark);
    while (at < len && (*text)[at] != '\n' && (*text)[at] != '\r') at++;
    GaleSweepFmt(ins, sizeof(ins), "\n%*s%s", ind, "", entry);
  }
  PetscCall(Splice(text, at, at, ins));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleYamlSet(const char *file, char **text, const char *path, const char *value)
{
  yaml_document_t doc;
  yaml_node_t    *n;
  YeSeg           seg[YE_MAX_SEGS];
  int             nseg, depth;
  PetscErrorCode  ierr;

  PetscFunctionBeginUser;
  PetscCall(ParsePath(file, path, seg, &nseg));
  PetscCall(Load(file, *text, &doc));
  ierr = Walk(file, path, &doc, seg, nseg, &n, &depth);
  if (!ierr && depth < nseg)
    ierr = Insert(file, path, &doc, n, seg, depth, nseg, value, text);
  else if (!ierr) {
    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style == YAML_LITERAL_SCALAR_STYLE || n->data.scalar.style == YAML_FOLDED_SCALAR_STYLE) {
      int         line = (int)n->start_mark.line + 1;
      const char *kind = n->type == YAML_SCALAR_NODE ? "a block scalar" : Kind(n), *hint = n->type == YAML_SEQUENCE_NODE ? " (set one item, e.g. [0])" : "";
      yaml_document_delete(&doc);
      SETERRQ(PETSC_COMM_SELF, GALE_ERR_USER, "%s:%d: cannot set '%s': it is %s, not a single value%s", file, line, path, kind, hint);
    }
    {
      size_t len = strlen(*text), a = Offset(*text, len, &n->start_mark), b = Offset(*text, len, &n->end_mark);
      if (b < a) b = a;
      ierr = Splice(text, a, b, value);
    }
  }
  yaml_document_delete(&doc);
  PetscCall(ierr);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleYamlGet(const char *file, const char *text, const char *path, PetscBool *found, char *value, size_t len)
{
  yaml_document_t doc;
  yaml_node_t    *n;
  YeSeg           seg[YE_MAX_SEGS];
  int             nseg, depth;
  PetscErrorCode  ierr;

  PetscFunctionBeginUser;
  *found = PETSC_FALSE;
  if (len) value[0] = 0;
  PetscCall(ParsePath(file, path, seg, &nseg));
  PetscCall(Load(file, text, &doc));
  ierr = Walk(file, path, &doc, seg, nseg, &n, &depth);
  if (!ierr && depth == nseg) {
    if (n->type != YAML_SCALAR_NODE) {
      int         line = (int)n->start_mark.line + 1;
      const char *kind = Kind(n);
      yaml_document_delete(&doc);
      SETERRQ(PETSC_COMM_SELF, GALE_ERR_USER, "%s:%d: '%s' is %s, not a single value", file, line, path, kind);
    }
    *found = PETSC_TRUE;
    if (len) GaleSweepFmt(value, len, "%s", (const char *)n->data.scalar.value);
  }
  yaml_document_delete(&doc);
  PetscCall(ierr);
  PetscFunctionReturn(PETSC_SUCCESS);
}

void GaleYamlFormatReal(PetscReal v, char *buf, size_t len)
{
  if (v == PetscFloorReal(v) && PetscAbsReal(v) < 1e15) {
    GaleSweepFmt(buf, len, "%.0f", (double)v);
    return;
  }
  for (int prec = 1; prec <= 17; prec++) {
    GaleSweepFmt(buf, len, "%.*g", prec, (double)v);
    if (strtod(buf, NULL) == v) return;
  }
}

void GaleYamlFormatString(const char *s, char *buf, size_t len)
{
  size_t k = 0;
  if (len < 3) {
    if (len) buf[0] = 0;
    return;
  }
  buf[k++] = '"';
  for (; *s && k + 4 < len; s++) {
    if (*s == '"' || *s == '\\') buf[k++] = '\\';
    buf[k++] = *s;
  }
  buf[k++] = '"';
  buf[k]   = 0;
}

PetscErrorCode GaleYamlCount(const char *file, const char *text, const char *path, PetscInt *count)
{
  yaml_document_t doc;
  yaml_node_t    *n;
  YeSeg           seg[YE_MAX_SEGS];
  int             nseg, depth;
  PetscErrorCode  ierr;

  PetscFunctionBeginUser;
  *count = -1;
  PetscCall(ParsePath(file, path, seg, &nseg));
  PetscCall(Load(file, text, &doc));
  ierr = Walk(file, path, &doc, seg, nseg, &n, &depth);
  if (!ierr && depth == nseg && n->type == YAML_SEQUENCE_NODE) *count = NITEMS(n);
  yaml_document_delete(&doc);
  PetscCall(ierr);
  PetscFunctionReturn(PETSC_SUCCESS);
}
