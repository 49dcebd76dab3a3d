/* GaleExpr: a small, safe arithmetic expression evaluator for boundary
 * profiles given in case.yaml, e.g. "1.5*4*y*(0.41-y)/0.41^2".
 *
 * Grammar (whitespace ignored):
 *   expr    := term (('+' | '-') term)*
 *   term    := unary (('*' | '/') unary)*
 *   unary   := ('-' | '+') unary | power
 *   power   := primary ('^' unary)?          (right-associative, -2^2 = -4)
 *   primary := number | x | y | z | t | pi | func '(' expr ')' | '(' expr ')'
 *   number  := digits ['.' digits] [('e' | 'E') ['+' | '-'] digits]
 *   func    := sin cos tan asin acos atan sinh cosh tanh exp log log10 sqrt abs
 * An expression is compiled once to a flat stack-machine program (with
 * constant sub-expressions folded) and then evaluated many times, e.g. once
 * per boundary face per iteration. Nothing is executed but arithmetic. */
#ifndef GALE_EXPR_H
#define GALE_EXPR_H

#include "gale_sys.h"

typedef struct GaleExpr_s GaleExpr;

/* Compile `src`. On success *e is the compiled expression; on a syntax error
 * *e is NULL, errmsg (if len > 0) holds "column C: what is wrong (expected
 * ...)" with C 1-based within src, and PETSC_SUCCESS is still returned:
 * the caller adds the context (file and line) to its own error. Only
 * allocation failures return an error code. */
PetscErrorCode GaleExprCompile(const char *src, GaleExpr **e, char *errmsg, size_t len);

/* Value at point x = (x, y, z) and time t. Thread-safe, allocation-free. */
PetscReal GaleExprEval(const GaleExpr *e, const PetscReal x[3], PetscReal t);

/* PETSC_TRUE if the value depends on t (the caller may cache it otherwise). */
PetscBool GaleExprDependsOnTime(const GaleExpr *e);

PetscErrorCode GaleExprDestroy(GaleExpr **e);

#endif
