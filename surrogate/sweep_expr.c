/* Expressions of named parameters for the derived values of a sweep, e.g.
 * "speed*cos(alpha*pi/180)". The grammar is io/expr.h's with the sweep's
 * parameter names in place of x, y, z, t:
 *   expr    := term (('+' | '-') term)*
 *   term    := unary (('*' | '/') unary)*
 *   unary   := ('-' | '+') unary | power
 *   power   := primary ('^' unary)?          (right-associative, -2^2 = -4)
 *   primary := number | name | pi | func '(' expr ')' | '(' expr ')'
 * A recursive-descent parser emits postfix code for a small stack machine;
 * nesting is limited so neither stack can overflow. */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "gale_sweep.h"

#define SX_MAX_DEPTH 48
#define SX_MAX_STACK 64

typedef enum { SX_CONST, SX_VAR, SX_ADD, SX_SUB, SX_MUL, SX_DIV, SX_POW, SX_NEG, SX_FUNC } SxOp;

typedef struct {
  SxOp      op;
  int       arg; /* SX_VAR: parameter index; SX_FUNC: function index */
  PetscReal val;
} SxInstr;

struct _p_GaleSweepExpr {
  int      n;
  SxInstr *code;
};

static const char *const SxFuncNames[] = {"sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "exp", "log", "log10", "sqrt", "abs", "floor", "ceil", "round", NULL};

static PetscReal SxFunc(int f, PetscReal a)
{
  switch (f) {
  case 0:
    return sin(a);
  case 1:
    return cos(a);
  case 2:
    return tan(a);
  case 3:
    return asin(a);
  case 4:
    return acos(a);
  case 5:
    return atan(a);
  case 6:
    return sinh(a);
  case 7:
    return cosh(a);
  case 8:
    return tanh(a);
  case 9:
    return exp(a);
  case 10:
    return log(a);
  case 11:
    return log10(a);
  case 12:
    return sqrt(a);
  case 13:
    return fabs(a);
  case 14:
    return floor(a);
  case 15:
    return ceil(a);
  default:
    return round(a);
  }
}

typedef struct {
  const char        *s;
  size_t             pos;
  int                depth;
  PetscInt           nnames;
  const char *const *names;
  SxInstr           *code;
  int                n, cap;
  char              *err;
  size_t             errlen;
  int                failed; /* 1 syntax error, 2 out of memory */
} SxParser;

static void SxError(SxParser *p, size_t col, const char *fmt, ...) PETSC_ATTRIBUTE_FORMAT(3, 4);
static void SxError(SxParser *p, size_t col, const char *fmt, ...)
{
  va_list ap;
  int     k;

  if (p->failed) return;
  p->failed = 1;
  if (!p->errlen) return;
  k = snprintf(p->err, p->errlen, "column %zu: ", col + 1);
  if (k < 0 || (size_t)k >= p->errlen) return;
  va_start(ap, fmt);
  vsnprintf(p->err + k, p->errlen - (size_t)k, fmt, ap);
  va_end(ap);
}

static void SxSkip(SxParser *p)
{
  while (isspace((unsigned char)p->s[p->pos])) p->pos++;
}

static void SxEmit(SxParser *p, SxOp op, int arg, PetscReal val)
{
  if (p->failed) return;
  /* fold an operation on constants */
  if (op == SX_NEG && p->n >= 1 && p->code[p->n - 1].op == SX_CONST) {
    p->code[p->n - 1].val = -p->code[p->n - 1].val;
    return;
  }
  if (op == SX_FUNC && p->n >= 1 && p->code[p->n - 1].op == SX_CONST) {
    p->code[p->n - 1].val = SxFunc(arg, p->code[p->n - 1].val);
    return;
  }
  if (op >= SX_ADD && op <= SX_POW && p->n >= 2 && p->code[p->n - 1].op == SX_CONST && p->code[p->n - 2].op == SX_CONST) {
    PetscReal a = p->code[p->n - 2].val, b = p->code[p->n - 1].val;
    p->code[p->n - 2].val = op == SX_ADD ? a + b : op == SX_SUB ? a - b : op == SX_MUL ? a * b : op == SX_DIV ? a / b : pow(a, b);
    p->n--;
    return;
  }
  if (p->n == p->cap) {
    int      cap = p->cap ? 2 * p->cap : 16;
    SxInstr *c   = NULL;
    if (PetscMalloc1(cap, &c)) {
      p->failed = 2;
      return;
    }
    if (p->n) PetscArraycpy(c, p->code, p->n);
    PetscFree(p->code);
    p->code = c;
    p->cap  = cap;
  }
  p->code[p->n++] = (SxInstr){op, arg, val};
}

static void SxExpr(SxParser *p);
static void SxUnary(SxParser *p);

static void SxPrimary(SxParser *p)
{
  const char *s = p->s;
  size_t      start;

  SxSkip(p);
  start = p->pos;
  if (isdigit((unsigned char)s[p->pos]) || (s[p->pos] == '.' && isdigit((unsigned char)s[p->pos + 1]))) {
    char     *end;
    PetscReal v = strtod(s + p->pos, &end);
    p->pos      = (size_t)(end - s);
    if (!isfinite(v)) SxError(p, start, "number out of range");
    SxEmit(p, SX_CONST, 0, v);
    return;
  }
  if (isalpha((unsigned char)s[p->pos]) || s[p->pos] == '_') {
    char   name[GALE_NAME_LEN];
    size_t len;
    while (isalnum((unsigned char)s[p->pos]) || s[p->pos] == '_') p->pos++;
    len = p->pos - start;
    if (len >= sizeof(name)) {
      SxError(p, start, "name too long");
      return;
    }
    memcpy(name, s + start, len);
    name[len] = 0;
    for (PetscInt i = 0; i < p->nnames; i++)
      if (!strcmp(name, p->names[i])) {
        SxEmit(p, SX_VAR, (int)i, 0);
        return;
      }
    if (!strcmp(name, "pi")) {
      SxEmit(p, SX_CONST, 0, M_PI);
      return;
    }
    for (int f = 0; SxFuncNames[f]; f++)
      if (!strcmp(name, SxFuncNames[f])) {
        SxSkip(p);
        if (s[p->pos] != '(') {
          SxError(p, p->pos, "expected '(' after function '%s'", name);
          return;
        }
        p->pos++;
        SxExpr(p);
        SxSkip(p);
        if (s[p->pos] != ')') {
          SxError(p, p->pos, "expected ')' to close '%s(' at column %zu", name, start + 1);
          return;
        }
        p->pos++;
        SxEmit(p, SX_FUNC, f, 0);
        return;
      }
    {
      char   list[512];
      size_t k = 0;
      list[0]  = 0;
      for (PetscInt i = 0; i < p->nnames && k + 4 < sizeof(list); i++) {
        int m = snprintf(list + k, sizeof(list) - k, "%s%s", i ? ", " : "", p->names[i]);
        if (m < 0) break;
        k += (size_t)m;
      }
      SxError(p, start, "unknown name '%s' (expected a parameter: %s; pi; or a function: sin cos tan asin acos atan sinh cosh tanh exp log log10 sqrt abs floor ceil round)", name, p->nnames ? list : "none");
    }
    return;
  }
  if (s[p->pos] == '(') {
    p->pos++;
    SxExpr(p);
    SxSkip(p);
    if (s[p->pos] != ')') {
      SxError(p, p->pos, "expected ')' to close '(' at column %zu", start + 1);
      return;
    }
    p->pos++;
    return;
  }
  if (!s[p->pos])
    SxError(p, p->pos, "unexpected end of expression (expected a number, a name or '(')");
  else
    SxError(p, p->pos, "unexpected '%c' (expected a number, a name or '(')", s[p->pos]);
}

static void SxPower(SxParser *p)
{
  SxPrimary(p);
  SxSkip(p);
  if (!p->failed && p->s[p->pos] == '^') {
    p->pos++;
    SxUnary(p);
    SxEmit(p, SX_POW, 0, 0);
  }
}

static void SxUnary(SxParser *p)
{
  SxSkip(p);
  if (++p->depth > SX_MAX_DEPTH) {
    SxError(p, p->pos, "expression nested too deeply (at most %d levels)", SX_MAX_DEPTH);
    return;
  }
  if (p->s[p->pos] == '-' || p->s[p->pos] == '+') {
    char c = p->s[p->pos++];
    SxUnary(p);
    if (c == '-') SxEmit(p, SX_NEG, 0, 0);
  } else
    SxPower(p);
  p->depth--;
}

static void SxTerm(SxParser *p)
{
  SxUnary(p);
  for (;;) {
    char c;
    SxSkip(p);
    c = p->s[p->pos];
    if (p->failed || (c != '*' && c != '/')) return;
    p->pos++;
    SxUnary(p);
    SxEmit(p, c == '*' ? SX_MUL : SX_DIV, 0, 0);
  }
}

static void SxExpr(SxParser *p)
{
  if (++p->depth > SX_MAX_DEPTH) {
    SxError(p, p->pos, "expression nested too deeply (at most %d levels)", SX_MAX_DEPTH);
    return;
  }
  SxTerm(p);
  for (;;) {
    char c;
    SxSkip(p);
    c = p->s[p->pos];
    if (p->failed || (c != '+' && c != '-')) break;
    p->pos++;
    SxTerm(p);
    SxEmit(p, c == '+' ? SX_ADD : SX_SUB, 0, 0);
  }
  p->depth--;
}

PetscErrorCode GaleSweepExprCompile(const char *src, PetscInt nnames, const char *const names[], GaleSweepExpr *e, char *err, size_t len)
{
  SxParser p;

  PetscFunctionBeginUser;
  *e = NULL;
  if (len) err[0] = 0;
  PetscCall(PetscMemzero(&p, sizeof(p)));
  p.s      = src;
  p.nnames = nnames;
  p.names  = names;
  p.err    = err;
  p.errlen = len;
  SxExpr(&p);
  SxSkip(&p);
  if (!p.failed && src[p.pos]) SxError(&p, p.pos, "unexpected '%c' after the end of the expression", src[p.pos]);
  if (!p.failed && !p.n) SxError(&p, 0, "empty expression");
  if (p.failed) {
    PetscCall(PetscFree(p.code));
    PetscCheck(p.failed != 2, PETSC_COMM_SELF, PETSC_ERR_MEM, "out of memory compiling an expression");
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(PetscNew(e));
  (*e)->n    = p.n;
  (*e)->code = p.code;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscReal GaleSweepExprEval(GaleSweepExpr e, const PetscReal values[])
{
  PetscReal st[SX_MAX_STACK];
  int       top = 0;

  for (int i = 0; i < e->n; i++) {
    const SxInstr *c = &e->code[i];
    switch (c->op) {
    case SX_CONST:
      st[top++] = c->val;
      break;
    case SX_VAR:
      st[top++] = values[c->arg];
      break;
    case SX_NEG:
      st[top - 1] = -st[top - 1];
      break;
    case SX_FUNC:
      st[top - 1] = SxFunc(c->arg, st[top - 1]);
      break;
    default: {
      PetscReal b = st[--top], a = st[top - 1];
      st[top - 1] = c->op == SX_ADD ? a + b : c->op == SX_SUB ? a - b : c->op == SX_MUL ? a * b : c->op == SX_DIV ? a / b : pow(a, b);
    }
    }
  }
  return st[0];
}

PetscErrorCode GaleSweepExprDestroy(GaleSweepExpr *e)
{
  PetscFunctionBeginUser;
  if (!e || !*e) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(PetscFree((*e)->code));
  PetscCall(PetscFree(*e));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscBool GaleSweepExprUses(GaleSweepExpr e, PetscInt i)
{
  for (int k = 0; k < e->n; k++)
    if (e->code[k].op == SX_VAR && e->code[k].arg == i) return PETSC_TRUE;
  return PETSC_FALSE;
}
