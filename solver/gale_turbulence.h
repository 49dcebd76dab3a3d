/* GaleTurbulence: RANS turbulence models behind one interface. A model is
 * one file that fills a GaleTurbulenceOps table in its constructor and is
 * registered by name in turbulence.c (one line). The solver calls
 * Solve once per outer iteration / time step after the pressure
 * correction; the model updates its fields and s->nut, s->nutB. */
#ifndef GALE_TURBULENCE_H
#define GALE_TURBULENCE_H

#include "gale_transport.h"

#define GALE_TURB_MAX_FIELDS 2

typedef struct _p_GaleTurbulence *GaleTurbulence;

typedef struct {
  PetscErrorCode (*setup)(GaleTurbulence);   /* initial and boundary values */
  PetscErrorCode (*solve)(GaleTurbulence);   /* transport equations, then nut */
  PetscErrorCode (*destroy)(GaleTurbulence); /* model data */
} GaleTurbulenceOps;

struct _p_GaleTurbulence {
  GaleTurbulenceOps ops;
  GaleSolver        s;
  char              name[32];
  PetscInt          nfields;
  const char       *fieldNames[GALE_TURB_MAX_FIELDS]; /* HDF5/XDMF names: nuTilda, k, omega, epsilon */
  PetscReal        *field[GALE_TURB_MAX_FIELDS];      /* ncT */
  PetscReal        *fieldB[GALE_TURB_MAX_FIELDS];     /* nb boundary values */
  PetscReal        *fieldOld[GALE_TURB_MAX_FIELDS];   /* ncT previous time level (transient) */
  PetscBool        *fixedB[GALE_TURB_MAX_FIELDS];     /* nb */
  PetscReal        *wallDist;                         /* ncT */
  PetscReal        *gamma, *gammaB, *Su, *Sp, *grad;  /* scratch for GaleScalarEq */
  GaleLinSys        ls;
  PetscReal         residual[GALE_TURB_MAX_FIELDS];
  PetscInt          linIts[GALE_TURB_MAX_FIELDS];
  void             *data;
};

/* Create the model named in cs->turb.model ("laminar" gives NULL). */
PetscErrorCode GaleTurbulenceCreate(GaleSolver s, GaleTurbulence *t);
PetscErrorCode GaleTurbulenceDestroy(GaleTurbulence *t);
PetscErrorCode GaleTurbulenceSolve(GaleTurbulence t);

/* Model constructors (one per file). */
PetscErrorCode GaleTurbulenceCreate_SpalartAllmaras(GaleTurbulence t);

/* SA source terms per unit volume (turb_sa.c): production P and the
 * destruction coefficient D (destruction = D nuTilda). */
void GaleSASources(PetscReal nuTilda, PetscReal nu, PetscReal Omega, PetscReal d, PetscReal *P, PetscReal *D);

/* Under-relaxation of the turbulence equations: none in transient runs,
 * else the case's turbulence.relaxation (default 0.7). */
PetscReal GaleTurbulenceRelaxation(GaleTurbulence t);

/* Shared helpers (turbulence.c): vorticity magnitude sqrt(2 W:W) and strain
 * rate magnitude sqrt(2 S:S) of the current s->gradU for owned cells. */
PetscErrorCode GaleTurbulenceVelocityInvariants(GaleTurbulence t, PetscReal *vorticity, PetscReal *strain);

/* Two-equation models (turb_sst.c, turb_keps.c). */
PetscErrorCode GaleTurbulenceCreate_KOmegaSST(GaleTurbulence t);
PetscErrorCode GaleTurbulenceCreate_KEpsilon(GaleTurbulence t);

/* SST-2003m source terms per unit volume at one cell (turb_sst.c); S2 =
 * 2 S:S, gkgw = grad k . grad omega, d the wall distance. Destruction of k
 * is Dk k, of omega Dw omega; CDw is the cross-diffusion term (any sign). */
typedef struct {
  PetscReal F1, F2, nut;
  PetscReal Pk, Dk;         /* k: limited production min(nut S2, 10 beta* k omega), beta* omega */
  PetscReal Pw, Dw, CDw;    /* omega: gamma/nut * limited production, beta omega, 2(1-F1) sigma_w2 gkgw/omega */
  PetscReal sigmaK, sigmaW; /* blended diffusion coefficients */
} GaleSSTTerms;
void GaleSSTSources(PetscReal k, PetscReal omega, PetscReal nu, PetscReal S2, PetscReal gkgw, PetscReal d, GaleSSTTerms *st);

/* Standard k-epsilon source terms per unit volume (turb_keps.c): G = nut S2,
 * destruction of k is Dk k (Dk = eps/k), of epsilon De eps (De = C2 eps/k). */
typedef struct {
  PetscReal nut, G, Dk, Pe, De;
} GaleKEpsilonTerms;
void GaleKEpsilonSources(PetscReal k, PetscReal eps, PetscReal S2, GaleKEpsilonTerms *st);

/* Turbulence where flow enters (wallfunctions.c), from boundary condition
 * bc (NULL: defaults) at speed U: k given, else 1.5 (I U)^2 from the
 * intensity, else 2.25e-7 U^2 (TMR freestream, 9e-9 a^2 at Mach 0.2);
 * omega / epsilon given (either one gives the other with k), else from
 * the length scale l: sqrt(k)/(Cmu^1/4 l), Cmu^3/4 k^3/2 / l, else from
 * the viscosity ratio r = nu_t/nu (default 0.009, TMR): k/(r nu),
 * Cmu k^2/(r nu). Outputs may be NULL. GaleTurbulenceInflowAt takes bc and
 * U (|U_b|, or the reference velocity where that is 0) from boundary face b. */
void GaleTurbulenceInflow(const GaleBC *bc, PetscReal U, PetscReal nu, PetscReal *k, PetscReal *omega, PetscReal *eps);
void GaleTurbulenceInflowAt(GaleSolver s, PetscInt b, PetscReal *k, PetscReal *omega, PetscReal *eps);

/* OpenFOAM's bound(): owned cells of t->field[i] below min (or NaN) get the
 * area-weighted mean of their faces' values (each clipped to >= min), at
 * least min; then ghosts and zero-gradient boundary values are updated.
 * Keeps nu_t finite where a solve undershoots (wallfunctions.c). */
PetscErrorCode GaleTurbulenceBound(GaleTurbulence t, PetscInt i, PetscReal min);

/* Wall functions (wallfunctions.c), OpenFOAM's high-Re forms with
 * y+ = Cmu^1/4 sqrt(k) y / nu (y: wall-normal distance of the cell centre):
 *   nutkWallFunction   nut_w = nu (kappa y+ / ln(E y+) - 1) if y+ > y+_lam, else 0
 *   epsilonWallFunction eps_P = Cmu^3/4 k^3/2 / (kappa y),
 *                       G_P = (nu + nut_w) |dU/dn| Cmu^1/4 sqrt(k) / (kappa y)
 *   omegaWallFunction  omega_P = 6 nu/(beta1 y^2) if y+ < y+_lam, else sqrt(k)/(Cmu^1/4 kappa y)
 * averaged over the wall faces of a cell; y+_lam solves y+ = ln(E y+)/kappa. */
#define GALE_WF_KAPPA 0.41
#define GALE_WF_E 9.8
#define GALE_WF_CMU 0.09
PetscReal GaleWallYPlusLam(PetscReal kappa, PetscReal E);
PetscReal GaleWallFunctionNut(PetscReal yPlus, PetscReal nu);
void      GaleWallFunctionCell(PetscReal k, PetscReal nu, PetscReal nutw, PetscReal y, PetscReal magGradU, PetscReal beta1, PetscReal *eps, PetscReal *omega, PetscReal *G);

/* From the cell values k (ncT), set s->nutB on wall faces (nutkWallFunction)
 * and, for owned wall cells (fix[c] = true), the wall-function values of
 * epsilon, omega and the production G (any of eps, omega, G may be NULL;
 * other cells are left alone). beta1 enters omega's viscous form. */
PetscErrorCode GaleWallFunctionsApply(GaleSolver s, const PetscReal *k, PetscReal beta1, PetscBool *fix, PetscReal *eps, PetscReal *omega, PetscReal *G);

/* y+ = u_tau y / nu on wall faces with u_tau = sqrt((nu + nut_w) |U_t| / y),
 * |U_t| the velocity of the wall cell relative to the wall, tangential
 * part, and y = 1/deltaCoeff (wall-normal distance of the cell centre);
 * yPlus has nb entries, 0 on faces that are not walls. Laminar runs too. */
PetscErrorCode GaleSolverWallYPlus(GaleSolver s, PetscReal *yPlus);
typedef struct {
  PetscInt  nfaces;         /* 0: not a wall patch (or no faces) */
  PetscReal min, mean, max; /* mean weighted by face area */
} GaleYPlusStats;
/* Collective: y+ statistics of patch ip over all ranks. */
PetscErrorCode GaleSolverWallYPlusStats(GaleSolver s, const PetscReal *yPlus, PetscInt ip, GaleYPlusStats *st);
/* Collective: one line per wall patch, "y+ <patch>: min .. mean .. max ..". */
PetscErrorCode GaleSolverWallYPlusView(GaleSolver s);

#endif
