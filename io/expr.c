/* Expression compiler and evaluator (see expr.h for the grammar).
 *
 * A recursive-descent parser emits postfix code for a stack machine: each
 * number, variable, operator and function call becomes one instruction, so
 * the program is never longer than the source. Operations whose operands are
 * all constants are folded while emitting. The parser limits nesting, so
 * neither the C stack at compile time nor the fixed evaluation stack can
 * overflow whatever the input. */
#include "expr.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPR_MAX_DEPTH 48 /* nesting limit of the parser */
#define EXPR_MAX_STACK 64 /* evaluation stack (>= EXPR_MAX_DEPTH + 2) */

typedef enum { OP_CONST, OP_X, OP_Y, OP_Z, OP_T, OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_POW, OP_NEG, OP_FUNC } ExprOp;

typedef struct {
  ExprOp    op;
  int       fn;  /* OP_FUNC: index into Funcs */
  PetscReal val; /* OP_CONST */
} ExprInstr;

struct GaleExpr_s {
  int        n;
  ExprInstr *code;
  PetscBool  uses_t;
};

static PetscReal FSin(PetscReal a)
{
  return PetscSinReal(a);
}
static PetscReal FCos(PetscReal a)
{
  return PetscCosReal(a);
}
static PetscReal FTan(PetscReal a)
{
  return PetscTanReal(a);
}
static PetscReal FAsin(PetscReal a)
{
  return PetscAsinReal(a);
}
static PetscReal FAcos(PetscReal a)
{
  return PetscAcosReal(a);
}
static PetscReal FAtan(PetscReal a)
{
  return PetscAtanReal(a);
}
static PetscReal FSinh(PetscReal a)
{
  return PetscSinhReal(a);
}
static PetscReal FCosh(PetscReal a)
{
  return PetscCoshReal(a);
}
static PetscReal FTanh(PetscReal a)
{
  return PetscTanhReal(a);
}
static PetscReal FExp(PetscReal a)
{
  return PetscExpReal(a);
}
static PetscReal FLog(PetscReal a)
{
  return PetscLogReal(a);
}
static PetscReal FLog10(PetscReal a)
{
  return PetscLog10Real(a);
}
static PetscReal FSqrt(PetscReal a)
{
  return PetscSqrtReal(a);
}
static PetscReal FAbs(PetscReal a)
{
  return PetscAbsReal(a);
}

static const struct {
  const char *name;
  PetscReal (*f)(PetscReal);
} Funcs[] = {
    {"sin", FSin}, {"cos", FCos}, {"tan", FTan}, {"asin", FAsin}, {"acos", FAcos}, {"atan", FAtan}, {"sinh", FSinh}, {"cosh", FCosh}, {"tanh", FTanh}, {"exp", FExp}, {"log", FLog}, {"log10", FLog10}, {"sqrt", FSqrt}, {"abs", FAbs},
};
#define NFUNCS ((int)(sizeof(Funcs) / sizeof(Funcs[0])))

#define EXPECT_OPERAND "a number, x, y, z, t, pi, a function or '('"

typedef struct {
  const char *src;
  const char *p; /* current position */
  int         depth;
  ExprInstr  *code;
  int         n;
  PetscBool   uses_t;
  PetscBool   failed;
  char       *err;
  size_t      errlen;
} Parser;

static int Column(const Parser *ps, const char *at)
{
  return (int)(at - ps->src) + 1;
}

/* Record the first error; later calls keep it. */
static void Fail(Parser *ps, const char *at, const char *fmt, ...)
{
  va_list ap;
  int     k;

  if (ps->failed) return;
  ps->failed = PETSC_TRUE;
  if (!ps->err || !ps->errlen) return;
  k = snprintf(ps->err, ps->errlen, "column %d: ", Column(ps, at));
  if (k < 0 || (size_t)k >= ps->errlen) return;
  va_start(ap, fmt);
  vsnprintf(ps->err + k, ps->errlen - (size_t)k, fmt, ap);
  va_end(ap);
}

static void SkipSpace(Parser *ps)
{
  while (*ps->p && isspace((unsigned char)*ps->p)) ps->p++;
}

/* Describe what is at `at` for a message: "'c'" or "the end". */
static const char *Found(const char *at, char buf[8])
{
  if (!*at) return "the end of the expression";
  snprintf(buf, 8, "'%c'", *at);
  return buf;
}

static PetscReal Apply(ExprOp op, int fn, PetscReal a, PetscReal b)
{
  switch (op) {
  case OP_ADD:
    return a + b;
  case OP_SUB:
    return a - b;
  case OP_MUL:
    return a * b;
  case OP_DIV:
    return a / b;
  case OP_POW:
    return PetscPowReal(a, b);
  case OP_NEG:
    return -a;
  case OP_FUNC:
    return Funcs[fn].f(a);
  default:
    return 0;
  }
}

static void Emit(Parser *ps, ExprOp op, int fn, PetscReal val)
{
  ExprInstr *c = ps->code;
  int        n = ps->n;

  if (ps->failed) return;
  if ((op == OP_NEG || op == OP_FUNC) && n >= 1 && c[n - 1].op == OP_CONST) {
    c[n - 1].val = Apply(op, fn, c[n - 1].val, 0);
    return;
  }
  if (op >= OP_ADD && op <= OP_POW && n >= 2 && c[n - 1].op == OP_CONST && c[n - 2].op == OP_CONST) {
    c[n - 2].val = Apply(op, fn, c[n - 2].val, c[n - 1].val);
    ps->n--;
    return;
  }
  c[n].op  = op;
  c[n].fn  = fn;
  c[n].val = val;
  ps->n++;
}

static void ParseExpr(Parser *ps);
static void ParseUnary(Parser *ps);

static void ParseNumber(Parser *ps)
{
  const char *s = ps->p, *q = ps->p;
  char        buf[64], *end;
  PetscReal   v;

  while (isdigit((unsigned char)*q)) q++;
  if (*q == '.') {
    q++;
    while (isdigit((unsigned char)*q)) q++;
  }
  if (q == s + 1 && *s == '.') {
    Fail(ps, s, "malformed number '.' (expected digits)");
    return;
  }
  if (*q == 'e' || *q == 'E') {
    const char *ex = q++;
    if (*q == '+' || *q == '-') q++;
    if (!isdigit((unsigned char)*q)) {
      Fail(ps, ex, "malformed number '%.*s' (expected digits after the exponent)", (int)(q - s), s);
      return;
    }
    while (isdigit((unsigned char)*q)) q++;
  }
  if ((size_t)(q - s) >= sizeof(buf)) {
    Fail(ps, s, "number too long");
    return;
  }
  memcpy(buf, s, (size_t)(q - s));
  buf[q - s] = 0;
  v          = (PetscReal)strtod(buf, &end);
  if (PetscIsInfOrNanReal(v)) {
    Fail(ps, s, "number '%s' is out of range", buf);
    return;
  }
  ps->p = q;
  Emit(ps, OP_CONST, 0, v);
}

static void ParseName(Parser *ps)
{
  const char *s = ps->p, *q = ps->p;
  size_t      len;
  char        list[256] = "";
  int         i;

  while (isalnum((unsigned char)*q) || *q == '_') q++;
  len   = (size_t)(q - s);
  ps->p = q;
  if (len == 1 && (*s == 'x' || *s == 'y' || *s == 'z' || *s == 't')) {
    if (*s == 't') ps->uses_t = PETSC_TRUE;
    Emit(ps, *s == 'x' ? OP_X : *s == 'y' ? OP_Y : *s == 'z' ? OP_Z : OP_T, 0, 0);
    return;
  }
  if (len == 2 && !strncmp(s, "pi", 2)) {
    Emit(ps, OP_CONST, 0, PETSC_PI);
    return;
  }
  for (i = 0; i < NFUNCS; i++) {
    const char *open;
    if (strlen(Funcs[i].name) != len || strncmp(s, Funcs[i].name, len)) continue;
    SkipSpace(ps);
    open = ps->p;
    if (*open != '(') {
      char fb[8];
      Fail(ps, open, "expected '(' after function '%s', found %s", Funcs[i].name, Found(open, fb));
      return;
    }
    ps->p++;
    ParseExpr(ps);
    SkipSpace(ps);
    if (ps->failed) return;
    if (*ps->p != ')') {
      char fb[8];
      Fail(ps, ps->p, "expected ')' to close '(' at column %d, found %s", Column(ps, open), Found(ps->p, fb));
      return;
    }
    ps->p++;
    Emit(ps, OP_FUNC, i, 0);
    return;
  }
  for (i = 0; i < NFUNCS; i++) {
    strncat(list, i ? ", " : "", sizeof(list) - strlen(list) - 1);
    strncat(list, Funcs[i].name, sizeof(list) - strlen(list) - 1);
  }
  Fail(ps, s, "unknown name '%.*s' (expected x, y, z, t, pi or a function: %s)", (int)len, s, list);
}

static void ParsePrimary(Parser *ps)
{
  const char *s;
  char        fb[8];

  SkipSpace(ps);
  s = ps->p;
  if (isdigit((unsigned char)*s) || *s == '.')
    ParseNumber(ps);
  else if (isalpha((unsigned char)*s) || *s == '_')
    ParseName(ps);
  else if (*s == '(') {
    ps->p++;
    ParseExpr(ps);
    SkipSpace(ps);
    if (ps->failed) return;
    if (*ps->p != ')') {
      Fail(ps, ps->p, "expected ')' to close '(' at column %d, found %s", Column(ps, s), Found(ps->p, fb));
      return;
    }
    ps->p++;
  } else
    Fail(ps, s, "expected " EXPECT_OPERAND ", found %s", Found(s, fb));
}

static void ParsePower(Parser *ps)
{
  ParsePrimary(ps);
  if (ps->failed) return;
  SkipSpace(ps);
  if (*ps->p == '^') {
    ps->p++;
    ParseUnary(ps);
    Emit(ps, OP_POW, 0, 0);
  }
}

static void ParseUnary(Parser *ps)
{
  const char *s;

  SkipSpace(ps);
  s = ps->p;
  if (++ps->depth > EXPR_MAX_DEPTH) {
    Fail(ps, s, "expression nested too deeply (more than %d levels)", EXPR_MAX_DEPTH);
    return;
  }
  if (*s == '-' || *s == '+') {
    ps->p++;
    ParseUnary(ps);
    if (*s == '-') Emit(ps, OP_NEG, 0, 0);
  } else
    ParsePower(ps);
  ps->depth--;
}

static void ParseTerm(Parser *ps)
{
  ParseUnary(ps);
  for (;;) {
    char c;
    if (ps->failed) return;
    SkipSpace(ps);
    c = *ps->p;
    if (c != '*' && c != '/') return;
    ps->p++;
    ParseUnary(ps);
    Emit(ps, c == '*' ? OP_MUL : OP_DIV, 0, 0);
  }
}

static void ParseExpr(Parser *ps)
{
  ParseTerm(ps);
  for (;;) {
    char c;
    if (ps->failed) return;
    SkipSpace(ps);
    c = *ps->p;
    if (c != '+' && c != '-') return;
    ps->p++;
    ParseTerm(ps);
    Emit(ps, c == '+' ? OP_ADD : OP_SUB, 0, 0);
  }
}

/* Largest stack depth the program reaches. */
static int StackDepth(const ExprInstr *code, int n)
{
  int i, sp = 0, max = 0;

  for (i = 0; i < n; i++) {
    if (code[i].op <= OP_T)
      sp++;
    else if (code[i].op <= OP_POW)
      sp--;
    if (sp > max) max = sp;
  }
  return max;
}

PetscErrorCode GaleExprCompile(const char *src, GaleExpr **e, char *errmsg, size_t len)
{
  Parser    ps;
  size_t    n;
  char      fb[8];
  GaleExpr *ex;

  PetscFunctionBeginUser;
  PetscCheck(src && e, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "GaleExprCompile needs a source string and an output pointer");
  *e = NULL;
  if (errmsg && len) errmsg[0] = 0;
  PetscCall(PetscMemzero(&ps, sizeof(ps)));
  ps.src    = src;
  ps.p      = src;
  ps.err    = errmsg;
  ps.errlen = len;
  n         = strlen(src);
  PetscCall(PetscMalloc1(n + 1, &ps.code));
  SkipSpace(&ps);
  if (!*ps.p)
    Fail(&ps, ps.p, "empty expression (expected " EXPECT_OPERAND ")");
  else
    ParseExpr(&ps);
  SkipSpace(&ps);
  if (!ps.failed && *ps.p) {
    if (*ps.p == ')')
      Fail(&ps, ps.p, "unmatched ')'");
    else
      Fail(&ps, ps.p, "unexpected %s (expected an operator + - * / ^ or the end)", Found(ps.p, fb));
  }
  if (!ps.failed && StackDepth(ps.code, ps.n) > EXPR_MAX_STACK) Fail(&ps, src, "expression too complex");
  if (ps.failed) {
    PetscCall(PetscFree(ps.code));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(PetscNew(&ex));
  ex->n      = ps.n;
  ex->code   = ps.code;
  ex->uses_t = ps.uses_t;
  *e         = ex;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscReal GaleExprEval(const GaleExpr *e, const PetscReal x[3], PetscReal t)
{
  PetscReal s[EXPR_MAX_STACK + 1];
  int       i, sp = -1;

  for (i = 0; i < e->n; i++) {
    const ExprInstr *in = &e->code[i];
    switch (in->op) {
    case OP_CONST:
      s[++sp] = in->val;
      break;
    case OP_X:
      s[++sp] = x[0];
      break;
    case OP_Y:
      s[++sp] = x[1];
      break;
    case OP_Z:
      s[++sp] = x[2];
      break;
    case OP_T:
      s[++sp] = t;
      break;
    case OP_NEG:
    case OP_FUNC:
      s[sp] = Apply(in->op, in->fn, s[sp], 0);
      break;
    default:
      sp--;
      s[sp] = Apply(in->op, 0, s[sp], s[sp + 1]);
      break;
    }
  }
  return s[0];
}

PetscBool GaleExprDependsOnTime(const GaleExpr *e)
{
  return e->uses_t;
}

PetscErrorCode GaleExprDestroy(GaleExpr **e)
{
  PetscFunctionBeginUser;
  if (!e || !*e) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(PetscFree((*e)->code));
  PetscCall(PetscFree(*e));
  PetscFunctionReturn(PETSC_SUCCESS);
}
