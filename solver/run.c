/* The run driver: reads the case, builds, distributes and checks the mesh
 * (quality report and gate, mesh/quality.c), runs
 * the steady or transient loop with per-iteration progress (residuals,
 * continuity, linear iterations, force coefficients, s/iteration and time
 * left), writes forces.csv, solution.h5/.xmf and checkpoints at the output
 * interval and at the end, residuals.csv every iteration, stops on convergence, divergence or SIGTERM/
 * SIGINT (after a checkpoint), and writes results/summary.yaml. */
#include "gale_run.h"
#include "gale_turbulence.h"
#include "gale_forces.h"
#include "gale_output.h"
#include <signal.h>
#include <sys/stat.h>
#include <errno.h>

static volatile sig_atomic_t gale_stop_signal = 0;
static void                  OnSignal(int sig)
{
  gale_stop_signal = sig;
}

typedef struct {
  char           results[GALE_PATH_LEN];
  GaleMesh       global, local;
  GaleSolver     s;
  GaleOutput     out;
  FILE          *forces, *residuals;
  PetscBool      haveForces;
  GaleForces     F;
  PetscInt       nyplus; /* wall patches with y+ statistics */
  char           yplusName[GALE_MAX_PATCHES][GALE_NAME_LEN];
  GaleYPlusStats yplus[GALE_MAX_PATCHES];
  PetscReal     *nutFaces; /* turbulent runs: nutB on the local faces, for the checkpoint */
} RunCtx;

static PetscErrorCode CollectYPlus(RunCtx *r)
{
  GaleSolver s = r->s;
  PetscReal *yf;

  PetscFunctionBeginUser;
  r->nyplus = 0;
  if (!s || !s->turb) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(PetscCalloc1(s->nb + 1, &yf));
  PetscCall(GaleSolverWallYPlus(s, yf));
  for (PetscInt ip = 0; ip < s->mesh->nPatches && r->nyplus < GALE_MAX_PATCHES; ip++) {
    GaleYPlusStats st;
    PetscCall(GaleSolverWallYPlusStats(s, yf, ip, &st));
    if (!st.nfaces) continue;
    PetscCall(PetscStrncpy(r->yplusName[r->nyplus], s->mesh->patches[ip].name, GALE_NAME_LEN));
    r->yplus[r->nyplus++] = st;
  }
  PetscCall(PetscFree(yf));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode MakeDir(MPI_Comm comm, const char *path)
{
  PetscMPIInt rank;
  int         err = 0;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank && mkdir(path, 0755) && errno != EEXIST) err = errno;
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, comm));
  PetscCheck(!err, comm, PETSC_ERR_FILE_OPEN, "cannot create directory %s: %s", path, strerror(err));
  PetscFunctionReturn(PETSC_SUCCESS);
}

#define GALE_MAX_OUT_FIELDS 16
/* The fields written to solution.h5, or with checkpoint the state a restart
 * needs: besides the cell fields, the face fluxes and, in turbulent runs,
 * nut on the boundary faces (wall functions set it there; the first
 * momentum solve after a restart needs it before the turbulence model has
 * run). nutFaces: a buffer of one value per local face, or NULL. */
static void FieldList(GaleSolver s, PetscReal *nutFaces, GaleField f[GALE_MAX_OUT_FIELDS], PetscInt *n, PetscBool checkpoint)
{
  PetscInt k = 0;
  f[k++]     = (GaleField){"p", 1, s->ncT, PETSC_FALSE, s->p};
  f[k++]     = (GaleField){"U", 3, s->ncT, PETSC_FALSE, s->U};
  if (s->turb) {
    f[k++] = (GaleField){"nut", 1, s->ncT, PETSC_FALSE, s->nut};
    for (PetscInt i = 0; i < s->turb->nfields; i++) f[k++] = (GaleField){s->turb->fieldNames[i], 1, s->ncT, PETSC_FALSE, s->turb->field[i]};
    if (!checkpoint) f[k++] = (GaleField){"wallDistance", 1, s->ncT, PETSC_FALSE, s->turb->wallDist};
    if (!checkpoint && s->yPlusCell) f[k++] = (GaleField){"yPlus", 1, s->ncT, PETSC_FALSE, s->yPlusCell};
  }
  if (checkpoint) {
    f[k++] = (GaleField){"phi", 1, 0, PETSC_TRUE, s->phi};
    f[k++] = (GaleField){"U_old", 3, s->ncT, PETSC_FALSE, s->Uold};
    f[k++] = (GaleField){"U_oldold", 3, s->ncT, PETSC_FALSE, s->Uoo};
    f[k++] = (GaleField){"phi_old", 1, 0, PETSC_TRUE, s->phiOld};
    f[k++] = (GaleField){"phi_oldold", 1, 0, PETSC_TRUE, s->phiOo};
    if (s->turb && nutFaces) f[k++] = (GaleField){"nut_boundary", 1, 0, PETSC_TRUE, nutFaces};
  }
  *n = k;
}

/* y+ of the wall-adjacent cells (largest over their wall faces; 0 elsewhere) */
static PetscErrorCode UpdateYPlusField(GaleSolver s)
{
  PetscReal *yf;

  PetscFunctionBeginUser;
  if (!s->turb) PetscFunctionReturn(PETSC_SUCCESS);
  if (!s->yPlusCell) PetscCall(PetscCalloc1(s->ncT + 1, &s->yPlusCell));
  PetscCall(PetscCalloc1(s->nb + 1, &yf));
  PetscCall(GaleSolverWallYPlus(s, yf));
  PetscCall(PetscArrayzero(s->yPlusCell, s->ncT));
  for (PetscInt b = 0; b < s->nb; b++) {
    PetscInt c      = s->mesh->owner[s->ni + b];
    s->yPlusCell[c] = PetscMax(s->yPlusCell[c], yf[b]);
  }
  PetscCall(PetscFree(yf));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode WriteState(RunCtx *r)
{
  GaleField f[GALE_MAX_OUT_FIELDS];
  PetscInt  n;

  PetscFunctionBeginUser;
  PetscCall(UpdateYPlusField(r->s));
  FieldList(r->s, NULL, f, &n, PETSC_FALSE);
  PetscCall(GaleOutputWrite(r->out, r->s->iteration, r->s->time, n, f));
  if (r->nutFaces)
    for (PetscInt b = 0; b < r->s->nb; b++) r->nutFaces[r->s->ni + b] = r->s->nutB[b];
  FieldList(r->s, r->nutFaces, f, &n, PETSC_TRUE);
  PetscCall(GaleCheckpointWrite(r->local, r->results, r->s->iteration, r->s->time, n, f));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode WriteSummary(RunCtx *r, const GaleCase *cs, const char *status, PetscBool converged, PetscReal wall)
{
  PetscMPIInt rank, size;
  char        tmp[GALE_PATH_LEN], fin[GALE_PATH_LEN];
  GaleSolver  s = r->s;
  FILE       *fp;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(r->local->comm, &rank));
  PetscCallMPI(MPI_Comm_size(r->local->comm, &size));
  if (rank) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(PetscSNPrintf(fin, sizeof(fin), "%s/summary.yaml", r->results));
  PetscCall(PetscSNPrintf(tmp, sizeof(tmp), "%s/summary.yaml.tmp", r->results));
  fp = fopen(tmp, "w");
  PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot write %s", tmp);
  fprintf(fp, "# Gale run summary\n");
  fprintf(fp, "case: \"%s\"\n", cs->dir);
  fprintf(fp, "algorithm: %s\n", GaleAlgorithms[cs->algorithm]);
  fprintf(fp, "status: %s\n", status);
  fprintf(fp, "converged: %s\n", converged ? "true" : "false");
  fprintf(fp, "iterations: %" PetscInt_FMT "\n", s->iteration);
  fprintf(fp, "time: %.10g\n", (double)s->time);
  fprintf(fp, "final_residuals: {Ux: %.6e, Uy: %.6e, Uz: %.6e, p: %.6e}\n", (double)s->residual[0], (double)s->residual[1], (double)s->residual[2], (double)s->residual[3]);
  fprintf(fp, "continuity_error: %.6e\n", (double)s->continuity);
  if (r->haveForces) {
    fprintf(fp, "coefficients: {Cd: %.10g, Cl: %.10g, Cm: %.10g}\n", (double)r->F.Cd, (double)r->F.Cl, (double)r->F.Cm);
    fprintf(fp, "forces:\n  pressure: [%.10g, %.10g, %.10g]\n  viscous: [%.10g, %.10g, %.10g]\n  moment: [%.10g, %.10g, %.10g]\n", (double)r->F.Fp[0], (double)r->F.Fp[1], (double)r->F.Fp[2], (double)r->F.Fv[0], (double)r->F.Fv[1], (double)r->F.Fv[2],
            (double)r->F.M[0], (double)r->F.M[1], (double)r->F.M[2]);
  }
  if (r->nyplus) {
    fprintf(fp, "yplus:\n");
    for (PetscInt i = 0; i < r->nyplus; i++) fprintf(fp, "  %s: {min: %.4g, mean: %.4g, max: %.4g}\n", r->yplusName[i], (double)r->yplus[i].min, (double)r->yplus[i].mean, (double)r->yplus[i].max);
  }
  if (s->turb) fprintf(fp, "turbulence_model: %s\n", s->turb->name);
  fprintf(fp, "wall_time: %.4f\n", (double)wall);
  fprintf(fp, "ranks: %d\n", size);
  fprintf(fp, "cells: %" PetscInt_FMT "\n", r->local->nCellsGlobal);
  PetscCheck(fclose(fp) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write %s", tmp);
  PetscCheck(rename(tmp, fin) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot rename %s to %s", tmp, fin);
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode LogIteration(RunCtx *r, const GaleCase *cs, PetscReal secPerIt, PetscReal left)
{
  GaleSolver s = r->s;
  char       buf[512];
  size_t     k = 0;

  PetscFunctionBeginUser;
  if (s->transient)
    k += (size_t)snprintf(buf + k, sizeof(buf) - k, "Step %6" PetscInt_FMT " t=%-10.5g", s->iteration, (double)s->time);
  else
    k += (size_t)snprintf(buf + k, sizeof(buf) - k, "Iter %6" PetscInt_FMT, s->iteration);
  for (int d = 0; d < 3; d++)
    if (s->solveComp[d]) k += (size_t)snprintf(buf + k, sizeof(buf) - k, "  U%c %.3e(%" PetscInt_FMT ")", "xyz"[d], (double)s -> residual[d], s -> linIts[d]);
  k += (size_t)snprintf(buf + k, sizeof(buf) - k, "  p %.3e(%" PetscInt_FMT ")", (double)s->residual[3], s->linIts[3]);
  if (s->turb)
    for (PetscInt i = 0; i < s->turb->nfields; i++) k += (size_t)snprintf(buf + k, sizeof(buf) - k, "  %s %.3e(%" PetscInt_FMT ")", s->turb->fieldNames[i], (double)s->turb->residual[i], s->turb->linIts[i]);
  k += (size_t)snprintf(buf + k, sizeof(buf) - k, "  cont %.2e", (double)s->continuity);
  if (r->haveForces) k += (size_t)snprintf(buf + k, sizeof(buf) - k, "  Cd %.5g Cl %.5g", (double)r->F.Cd, (double)r->F.Cl);
  k += (size_t)snprintf(buf + k, sizeof(buf) - k, "  %.3gs/it  left %.0fs", (double)secPerIt, (double)left);
  (void)cs;
  PetscCall(PetscPrintf(r->local->comm, "%s\n", buf));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode OpenForces(RunCtx *r, PetscBool restart)
{
  PetscMPIInt rank;
  char        path[GALE_PATH_LEN];

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(r->local->comm, &rank));
  if (rank || !r->haveForces) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/forces.csv", r->results));
  r->forces = fopen(path, restart ? "a" : "w");
  PetscCheck(r->forces, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot write %s", path);
  if (!restart) fprintf(r->forces, "iteration,time,Fpx,Fpy,Fpz,Fvx,Fvy,Fvz,Mx,My,Mz,Cd,Cl,Cm\n");
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode OpenResiduals(RunCtx *r, PetscBool restart)
{
  PetscMPIInt rank;
  char        path[GALE_PATH_LEN];

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(r->local->comm, &rank));
  if (rank) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/residuals.csv", r->results));
  r->residuals = fopen(path, restart ? "a" : "w");
  PetscCheck(r->residuals, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot write %s", path);
  if (!restart) fprintf(r->residuals, "iteration,time,Ux,Uy,Uz,p,continuity,its_Ux,its_Uy,its_Uz,its_p,seconds\n");
  PetscFunctionReturn(PETSC_SUCCESS);
}

static void WriteResidualsLine(RunCtx *r, PetscReal seconds)
{
  GaleSolver s = r->s;
  if (!r->residuals) return;
  fprintf(r->residuals, "%" PetscInt_FMT ",%.10g,%.6e,%.6e,%.6e,%.6e,%.6e,%" PetscInt_FMT ",%" PetscInt_FMT ",%" PetscInt_FMT ",%" PetscInt_FMT ",%.4f\n", s->iteration, (double)s->time, (double)s->residual[0], (double)s->residual[1],
          (double)s->residual[2], (double)s->residual[3], (double)s->continuity, s->linIts[0], s->linIts[1], s->linIts[2], s->linIts[3], (double)seconds);
  fflush(r->residuals);
}

static void WriteForcesLine(RunCtx *r)
{
  const GaleForces *F = &r->F;
  if (!r->forces) return;
  fprintf(r->forces, "%" PetscInt_FMT ",%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g\n", r->s->iteration, (double)r->s->time, (double)F->Fp[0], (double)F->Fp[1], (double)F->Fp[2], (double)F->Fv[0], (double)F->Fv[1],
          (double)F->Fv[2], (double)F->M[0], (double)F->M[1], (double)F->M[2], (double)F->Cd, (double)F->Cl, (double)F->Cm);
  fflush(r->forces);
}

static PetscBool Converged(GaleSolver s, const GaleCase *cs)
{
  for (int d = 0; d < 3; d++)
    if (s->solveComp[d] && s->residual[d] > cs->residual_tol[0]) return PETSC_FALSE;
  if (s->turb)
    for (PetscInt i = 0; i < s->turb->nfields; i++)
      if (s->turb->residual[i] > cs->residual_tol[0]) return PETSC_FALSE;
  return s->residual[3] <= cs->residual_tol[1] ? PETSC_TRUE : PETSC_FALSE;
}

/* results/mesh.h5 + mesh.xmf: the distributed mesh with, per cell, its
 * refinement level (0 without one), partition rank and quality. */
static PetscErrorCode WriteMeshFile(GaleMesh global, GaleMesh local, const char *results)
{
  const PetscInt nc = local->nCells;
  PetscReal     *level, *rank, *nonOrth, *skew;
  PetscMPIInt    me;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(local->comm, &me));
  PetscCall(PetscMalloc4(nc + 1, &level, nc + 1, &rank, nc + 1, &nonOrth, nc + 1, &skew));
  for (PetscInt c = 0; c < nc; c++) {
    level[c] = local->cellLevel ? (PetscReal)local->cellLevel[c] : 0;
    rank[c]  = (PetscReal)me;
  }
  PetscCall(GaleMeshQualityCellFields(local, nonOrth, skew));
  {
    const GaleField f[5] = {{"level", 1, nc, PETSC_FALSE, level}, {"rank", 1, nc, PETSC_FALSE, rank}, {"nonOrthogonality", 1, nc, PETSC_FALSE, nonOrth}, {"skewness", 1, nc, PETSC_FALSE, skew}, {"volume", 1, nc, PETSC_FALSE, local->cellVolumes}};
    PetscCall(GaleOutputWriteMesh(global, local, results, 5, f));
  }
  PetscCall(PetscFree4(level, rank, nonOrth, skew));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The quality report (full for gale mesh, two lines for gale run) and the
 * gate: negative volumes or open cells stop here with a clear error, after
 * mesh.h5 is written (when results is given) so the cells can be found in
 * ParaView. */
static PetscErrorCode MeshQuality(GaleMesh global, GaleMesh local, const char *results, PetscBool full)
{
  GaleMeshQuality q;

  PetscFunctionBeginUser;
  PetscCall(GaleMeshComputeQuality(local, &q));
  if (full)
    PetscCall(GaleMeshQualityView(local, &q));
  else
    PetscCall(GaleMeshQualityViewBrief(local, &q));
  if (results) {
    PetscCall(WriteMeshFile(global, local, results));
    PetscCall(PetscPrintf(local->comm, "Mesh: %s/mesh.xmf (open in ParaView: cell fields level, rank, nonOrthogonality, skewness, volume)\n", results));
  }
  PetscCall(GaleMeshQualityCheck(local, &q));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The case's boundary types decide which patches are walls and which are
 * empty (the mesh source may say just "patch"); solution.h5 lists them and
 * the quality report takes the 2D direction from the empty ones. */
static PetscErrorCode ApplyCaseBoundaryTypes(const GaleCase *cs, GaleMesh m)
{
  PetscFunctionBeginUser;
  for (PetscInt p = 0; p < m->nPatches; p++) {
    const PetscInt b = GaleCaseFindBC(cs, m->patches[p].name);
    if (b >= 0 && cs->bcs[b].type == GALE_BC_WALL) PetscCall(PetscStrncpy(m->patches[p].type, "wall", sizeof(m->patches[p].type)));
    if (b >= 0 && cs->bcs[b].type == GALE_BC_EMPTY) PetscCall(PetscStrncpy(m->patches[p].type, "empty", sizeof(m->patches[p].type)));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleRunCase(MPI_Comm comm, const char *dir, PetscBool restart, int *status)
{
  GaleCase      *cs = NULL;
  RunCtx         r;
  PetscLogDouble t0, tStart, tNow;
  PetscInt       startIt, nSteps;
  PetscBool      converged = PETSC_FALSE, written = PETSC_FALSE;
  const char    *why = "max_iterations";
  PetscMPIInt    rank;

  PetscFunctionBeginUser;
  *status = 0;
  PetscCall(PetscMemzero(&r, sizeof(r)));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscTime(&t0));
  PetscCall(GaleCaseRead(comm, dir, &cs));
  if (cs->title[0]) PetscCall(PetscPrintf(comm, "Case: %s (%s)\n", cs->dir, cs->title));
  PetscCall(GaleMeshBuildFromCase(comm, cs, &r.global));
  {
    const char **names;
    PetscCall(PetscMalloc1(r.global->nPatches + 1, &names));
    for (PetscInt p = 0; p < r.global->nPatches; p++) names[p] = r.global->patches[p].name;
    PetscCall(GaleCaseCheckPatches(cs, r.global->nPatches, names));
    PetscCall(PetscFree(names));
  }
  PetscCall(ApplyCaseBoundaryTypes(cs, r.global));
  PetscCall(GaleMeshView(r.global));
  PetscCall(GaleMeshDistribute(r.global, comm, &r.local));
  PetscCall(MeshQuality(r.global, r.local, NULL, PETSC_FALSE));
  PetscCall(GaleMeshCheck(r.global)); /* index ranges and a stricter closedness test */
  PetscCall(GaleSolverCreate(cs, r.local, &r.s));
  PetscCall(GaleSolverInitialise(r.s));
  PetscCall(PetscSNPrintf(r.results, sizeof(r.results), "%s/results", cs->dir));
  PetscCall(MakeDir(comm, r.results));
  if (r.s->turb) PetscCall(PetscCalloc1(r.local->nFaces + 1, &r.nutFaces));
  if (restart) {
    GaleField f[GALE_MAX_OUT_FIELDS];
    PetscInt  n;
    FieldList(r.s, r.nutFaces, f, &n, PETSC_TRUE);
    PetscCall(GaleCheckpointRead(r.local, r.results, &r.s->iteration, &r.s->time, n, f));
    PetscCall(GaleHaloExchange(r.local, 1, r.s->ncT, r.s->p));
    PetscCall(GaleHaloExchange(r.local, 3, r.s->ncT, r.s->U));
    PetscCall(GaleHaloExchange(r.local, 3, r.s->ncT, r.s->Uold));
    PetscCall(GaleHaloExchange(r.local, 3, r.s->ncT, r.s->Uoo));
    if (r.s->turb) {
      for (PetscInt b = 0; b < r.s->nb; b++) r.s->nutB[b] = r.nutFaces[r.s->ni + b];
      for (PetscInt i = 0; i < r.s->turb->nfields; i++) PetscCall(GaleHaloExchange(r.local, 1, r.s->ncT, r.s->turb->field[i]));
      PetscCall(GaleHaloExchange(r.local, 1, r.s->ncT, r.s->nut));
    }
    PetscCall(GaleSolverUpdateBoundaryValues(r.s));
    PetscCall(PetscPrintf(comm, "Restarting from step %" PetscInt_FMT " (time %g)\n", r.s->iteration, (double)r.s->time));
  }
  PetscCall(GaleOutputCreate(rank == 0 ? r.global : NULL, r.local, r.results, restart, &r.out));
  if (rank) PetscCall(GaleMeshDestroy(&r.global)); /* only rank 0 needs the global mesh (topology output) */
  r.haveForces = cs->nforce_patches > 0 ? PETSC_TRUE : PETSC_FALSE;
  PetscCall(OpenForces(&r, restart));
  PetscCall(OpenResiduals(&r, restart));
  signal(SIGTERM, OnSignal);
  signal(SIGINT, OnSignal);

  startIt = r.s->iteration;
  nSteps  = r.s->transient ? (PetscInt)PetscCeilReal(cs->end_time / cs->dt - 1e-9) : cs->max_iterations;
  PetscCall(PetscPrintf(comm, "Solving with %s, %s convection, %s gradients; %" PetscInt_FMT " %s\n", GaleAlgorithms[cs->algorithm], GaleConvections[cs->convection], GaleGradients[cs->gradient], nSteps,
                        r.s->transient ? "time steps" : "iterations at most"));
  PetscCall(PetscTime(&tStart));
  while (r.s->iteration < nSteps) {
    PetscBool ok;
    char      msg[512];
    int       sig, gsig;
    if (r.s->transient)
      PetscCall(GaleSolverTimeStep(r.s));
    else
      PetscCall(GaleSolverSteadyIteration(r.s));
    written = PETSC_FALSE;
    PetscCall(GaleSolverCheckHealth(r.s, &ok, msg, sizeof(msg)));
    if (!ok) {
      PetscCall(PetscPrintf(comm, "gale: error: %s\ngale: the last good state is in %s/solution.h5 and checkpoint.h5 (step written before divergence)\n", msg, r.results));
      why     = "diverged";
      *status = 2;
      break;
    }
    if (r.haveForces) {
      PetscCall(GaleForcesCompute(r.s, &r.F));
      WriteForcesLine(&r);
    }
    PetscCall(PetscTime(&tNow));
    WriteResidualsLine(&r, (PetscReal)(tNow - tStart));
    {
      PetscReal per  = (tNow - tStart) / (PetscReal)(r.s->iteration - startIt);
      PetscReal left = per * (PetscReal)(nSteps - r.s->iteration);
      if (cs->log_interval <= 1 || r.s->iteration % cs->log_interval == 0) PetscCall(LogIteration(&r, cs, per, left));
    }
    if (!r.s->transient && Converged(r.s, cs)) {
      converged = PETSC_TRUE;
      why       = "converged";
      break;
    }
    if (cs->write_interval > 0 && r.s->iteration % cs->write_interval == 0) {
      PetscCall(WriteState(&r));
      written = PETSC_TRUE;
    }
    sig = (int)gale_stop_signal;
    PetscCallMPI(MPI_Allreduce(&sig, &gsig, 1, MPI_INT, MPI_MAX, comm));
    if (gsig) {
      PetscCall(PetscPrintf(comm, "gale: stopped by signal %d at step %" PetscInt_FMT "; writing a checkpoint (continue with --restart)\n", gsig, r.s->iteration));
      why     = "interrupted";
      *status = 3;
      break;
    }
  }
  if (r.s->transient && *status == 0) {
    why       = "end_time";
    converged = PETSC_TRUE;
  }
  if (*status != 2 && !written) PetscCall(WriteState(&r));
  if (r.s->turb && *status != 2) PetscCall(GaleSolverWallYPlusView(r.s));
  PetscCall(CollectYPlus(&r));
  PetscCall(PetscTime(&tNow));
  PetscCall(WriteSummary(&r, cs, why, converged, (PetscReal)(tNow - t0)));
  PetscCall(PetscPrintf(comm, "%s after %" PetscInt_FMT " %s, %.2f s wall time\n", converged ? (r.s->transient ? "Finished" : "Converged") : (*status == 2 ? "Diverged" : "Stopped"), r.s->iteration, r.s->transient ? "time steps" : "iterations",
                        (double)(tNow - t0)));
  PetscCall(PetscPrintf(comm, "Results: %s/solution.xmf (open in ParaView), %s/summary.yaml\n", r.results, r.results));
  if (r.forces) fclose(r.forces);
  if (r.residuals) fclose(r.residuals);
  signal(SIGTERM, SIG_DFL);
  signal(SIGINT, SIG_DFL);
  PetscCall(GaleOutputDestroy(&r.out));
  PetscCall(PetscFree(r.nutFaces));
  PetscCall(GaleSolverDestroy(&r.s));
  PetscCall(GaleMeshDestroy(&r.local));
  PetscCall(GaleMeshDestroy(&r.global));
  PetscCall(GaleCaseDestroy(&cs));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleMeshCase(MPI_Comm comm, const char *dir)
{
  GaleCase *cs     = NULL;
  GaleMesh  global = NULL, local = NULL;

  PetscFunctionBeginUser;
  PetscCall(GaleCaseRead(comm, dir, &cs));
  PetscCall(GaleMeshBuildFromCase(comm, cs, &global));
  PetscCall(GaleMeshView(global));
  {
    char      out[GALE_PATH_LEN];
    PetscBool set = PETSC_FALSE;
    PetscCall(PetscOptionsGetString(NULL, NULL, "-write_polymesh", out, sizeof(out), &set));
    if (set) {
      PetscMPIInt rank;
      PetscCallMPI(MPI_Comm_rank(comm, &rank));
      if (!rank) PetscCall(GaleMeshWritePolyMesh(global, out));
      PetscCall(PetscPrintf(comm, "OpenFOAM polyMesh written to %s\n", out));
    }
  }
  PetscCall(ApplyCaseBoundaryTypes(cs, global)); /* after the export: it keeps the mesh source's types */
  PetscCall(GaleMeshDistribute(global, comm, &local));
  {
    char results[GALE_PATH_LEN];
    PetscCall(PetscSNPrintf(results, sizeof(results), "%s/results", cs->dir));
    PetscCall(MeshQuality(global, local, results, PETSC_TRUE));
  }
  PetscCall(GaleMeshCheck(global)); /* index ranges and a stricter closedness test */
  PetscCall(GaleMeshDestroy(&local));
  PetscCall(GaleMeshDestroy(&global));
  PetscCall(GaleCaseDestroy(&cs));
  PetscFunctionReturn(PETSC_SUCCESS);
}
