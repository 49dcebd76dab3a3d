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

/* Shared helpers (turbulence.c): vorticity magnitude sqrt(2 W:W) and strain
 * rate magnitude sqrt(2 S:S) of the current s->gradU for owned cells. */
PetscErrorCode GaleTurbulenceVelocityInvariants(GaleTurbulence t, PetscReal *vorticity, PetscReal *strain);

#endif
