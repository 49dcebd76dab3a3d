/* `gale sweep DIR [--scheduler slurm|local] [options]` and
 * `gale sweep DIR --collect`.
 *
 * Every call first brings DIR/sweep up to date with DIR/sweep.yaml: one
 * folder per sample with its case.yaml (checked by the case reader, so an
 * invalid parameter value fails that sample before anything runs), each
 * sample's status read back from its folder, and manifest.csv rewritten
 * (temporary file + rename). A sample that is done is never touched again;
 * a failed one is queued again. Then
 *   --scheduler local   runs the queued samples here, --parallel at a time,
 *                       each as a child process `gale run` (or `mpirun -np
 *                       R gale run` for --ranks R > 1) with its output in
 *                       the sample's log.txt; the manifest is rewritten as
 *                       each one ends;
 *   --scheduler slurm   writes DIR/sweep/submit.sbatch, a job array with one
 *                       task per queued sample (sbatch it, or --submit);
 *   --collect           only refreshes the manifest from the sample folders.
 * A lock (DIR/sweep/.lock) keeps two sweeps from working on one folder. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "gale_sweep.h"
#include "gale_surrogate.h"
#include "gale_case.h"

extern char **environ;

typedef struct {
  const char *dir;
  const char *sched; /* NULL: only write the sample folders */
  PetscInt    ranks, parallel;
  const char *time, *partition, *account, *launcher;
  PetscBool   collect, submit;
} SweepOpts;

static const char sweepUsage[] = "usage: gale sweep DIR [--scheduler slurm|local] [--ranks N] [--parallel N]\n"
                                 "                      [--time HH:MM:SS] [--partition P] [--account A] [--launcher srun|mpirun] [--submit]\n"
                                 "       gale sweep DIR --collect\n"
                                 "Writes DIR/sweep/ (one case per sample of DIR/sweep.yaml, manifest.csv) and runs the samples\n"
                                 "here (local) or writes a Slurm job array (slurm). See docs/sweep.md.\n";

static PetscErrorCode ParseOpts(int argc, char **argv, SweepOpts *o, PetscBool *help)
{
  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(o, sizeof(*o)));
  o->ranks    = 1;
  o->parallel = 0;
  *help       = PETSC_FALSE;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      *help = PETSC_TRUE;
      PetscFunctionReturn(PETSC_SUCCESS);
    } else if (!strcmp(a, "--collect"))
      o->collect = PETSC_TRUE;
    else if (!strcmp(a, "--submit"))
      o->submit = PETSC_TRUE;
    else if (!strcmp(a, "--scheduler") || !strcmp(a, "--ranks") || !strcmp(a, "--parallel") || !strcmp(a, "--time") || !strcmp(a, "--partition") || !strcmp(a, "--account") || !strcmp(a, "--launcher")) {
      PetscCheck(v, PETSC_COMM_SELF, GALE_ERR_USER, "gale sweep: %s needs a value", a);
      i++;
      if (!strcmp(a, "--scheduler"))
        o->sched = v; /* checked against the registered schedulers */
      else if (!strcmp(a, "--ranks") || !strcmp(a, "--parallel")) {
        char *end;
        long  n = strtol(v, &end, 10);
        PetscCheck(!*end && n >= 1 && n <= 100000, PETSC_COMM_SELF, GALE_ERR_USER, "gale sweep: %s needs a positive integer, got '%s'", a, v);
        if (!strcmp(a, "--ranks"))
          o->ranks = (PetscInt)n;
        else
          o->parallel = (PetscInt)n;
      } else if (!strcmp(a, "--time")) {
        int dd, h, m, s, k = 0;
        PetscCheck((sscanf(v, "%d:%d:%d%n", &h, &m, &s, &k) == 3 && !v[k] && m < 60 && s < 60 && h >= 0 && m >= 0 && s >= 0) || (sscanf(v, "%d-%d:%d:%d%n", &dd, &h, &m, &s, &k) == 4 && !v[k] && dd >= 0 && m < 60 && s < 60), PETSC_COMM_SELF,
                   GALE_ERR_USER, "gale sweep: --time needs HH:MM:SS (or D-HH:MM:SS), got '%s'", v);
        o->time = v;
      } else if (!strcmp(a, "--launcher")) {
        PetscCheck(!strcmp(v, "srun") || !strcmp(v, "mpirun"), PETSC_COMM_SELF, GALE_ERR_USER, "gale sweep: unknown launcher '%s' (expected srun or mpirun)", v);
        o->launcher = v;
      } else {
        PetscCheck(v[0] && strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.,") == strlen(v), PETSC_COMM_SELF, GALE_ERR_USER, "gale sweep: %s '%s' has characters a Slurm name cannot have", a, v);
        if (!strcmp(a, "--partition"))
          o->partition = v;
        else
          o->account = v;
      }
    } else if (a[0] != '-' && !o->dir)
      o->dir = a;
    else
      SETERRQ(PETSC_COMM_SELF, GALE_ERR_USER, "gale sweep: unknown argument '%s'\n%s", a, sweepUsage);
  }
  PetscCheck(o->dir, PETSC_COMM_SELF, GALE_ERR_USER, "gale sweep: no directory given\n%s", sweepUsage);
  PetscCheck(!o->collect || !o->sched, PETSC_COMM_SELF, GALE_ERR_USER, "gale sweep: --collect only reads the results; give it without --scheduler");
  PetscCheck(!o->submit || (o->sched && !strcmp(o->sched, "slurm")), PETSC_COMM_SELF, GALE_ERR_USER, "gale sweep: --submit goes with --scheduler slurm");
  PetscCheck(!(o->time || o->partition || o->account || o->launcher) || (o->sched && !strcmp(o->sched, "slurm")), PETSC_COMM_SELF, GALE_ERR_USER, "gale sweep: --time, --partition, --account and --launcher go with --scheduler slurm");
  if (!o->parallel) o->parallel = o->sched && !strcmp(o->sched, "local") ? 1 : 0;
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode MakeDir(const char *path)
{
  PetscFunctionBeginUser;
  PetscCheck(mkdir(path, 0755) == 0 || errno == EEXIST, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot create directory %s: %s", path, strerror(errno));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode Lock(const char *root, int *fd)
{
  char path[GALE_PATH_LEN + 8];

  PetscFunctionBeginUser;
  GaleSweepFmt(path, sizeof(path), "%s/.lock", root);
  *fd = open(path, O_RDWR | O_CREAT, 0644);
  PetscCheck(*fd >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot open %s: %s", path, strerror(errno));
  if (flock(*fd, LOCK_EX | LOCK_NB)) {
    close(*fd);
    *fd = -1;
    SETERRQ(PETSC_COMM_SELF, GALE_ERR_USER, "another gale sweep is working on %s (it holds %s); wait for it to finish", root, path);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Write text to path through path.tmp + rename; unchanged files are left alone. */
static PetscErrorCode WriteFileAtomic(const char *path, const char *text, PetscBool *changed)
{
  char   tmp[GALE_PATH_LEN + 8], *old = NULL;
  FILE  *fp;
  size_t len = strlen(text);
  int    bad;

  PetscFunctionBeginUser;
  if ((fp = fopen(path, "rb"))) {
    PetscCall(PetscMalloc1(len + 2, &old));
    size_t n = fread(old, 1, len + 1, fp);
    fclose(fp);
    bad = n == len && !memcmp(old, text, len);
    PetscCall(PetscFree(old));
    if (bad) {
      if (changed) *changed = PETSC_FALSE;
      PetscFunctionReturn(PETSC_SUCCESS);
    }
  }
  if (changed) *changed = PETSC_TRUE;
  GaleSweepFmt(tmp, sizeof(tmp), "%s.tmp", path);
  fp = fopen(tmp, "wb");
  PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot create: %s", tmp, strerror(errno));
  bad = fwrite(text, 1, len, fp) != len;
  bad |= fclose(fp);
  PetscCheck(!bad, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "%s: write failed", tmp);
  PetscCheck(rename(tmp, path) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ReadTextFile(const char *path, char **text)
{
  FILE *fp = fopen(path, "rb");
  long  len;

  PetscFunctionBeginUser;
  PetscCheck(fp, PETSC_COMM_SELF, GALE_ERR_USER, "%s: cannot open: %s", path, strerror(errno));
  fseek(fp, 0, SEEK_END);
  len = ftell(fp);
  fseek(fp, 0, SEEK_SET);
  PetscCall(PetscMalloc1(len + 1, text));
  (*text)[fread(*text, 1, (size_t)len, fp)] = 0;
  fclose(fp);
  PetscFunctionReturn(PETSC_SUCCESS);
}

static char           gCaseError[1024];
static PetscErrorCode CaptureCaseError(MPI_Comm comm, int line, const char *fun, const char *file, PetscErrorCode n, PetscErrorType p, const char *mess, void *ctx)
{
  (void)comm, (void)line, (void)fun, (void)file, (void)ctx;
  if (p == PETSC_ERROR_INITIAL) GaleSweepFmt(gCaseError, sizeof(gCaseError), "%s", mess ? mess : "");
  return n;
}

/* Read the sample's case file as `gale run` will: *ok, and the message if not. */
static PetscErrorCode CheckCase(const char *dir, PetscBool *ok)
{
  GaleCase      *cs = NULL;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  gCaseError[0] = 0;
  PetscCall(PetscPushErrorHandler(CaptureCaseError, NULL));
  ierr = GaleCaseRead(PETSC_COMM_SELF, dir, &cs);
  PetscCall(PetscPopErrorHandler());
  *ok = ierr ? PETSC_FALSE : PETSC_TRUE;
  PetscCall(GaleCaseDestroy(&cs));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The first bytes of a sample's job.status ("" when there is none). */
static void ReadJobStatus(const char *root, const char *id, char *buf, size_t len)
{
  char   path[GALE_PATH_LEN + 64];
  FILE  *fp;
  size_t n = 0;

  GaleSweepFmt(path, sizeof(path), "%s/%s/job.status", root, id);
  if ((fp = fopen(path, "r"))) {
    n = fread(buf, 1, len - 1, fp);
    fclose(fp);
  }
  buf[n] = 0;
}

static PetscErrorCode SetJobStatus(const char *root, const char *id, const char *text)
{
  char path[GALE_PATH_LEN + 64];

  PetscFunctionBeginUser;
  GaleSweepFmt(path, sizeof(path), "%s/%s/job.status", root, id);
  if (!text) {
    PetscCheck(unlink(path) == 0 || errno == ENOENT, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot remove %s: %s", path, strerror(errno));
  } else
    PetscCall(WriteFileAtomic(path, text, NULL));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscBool SameParams(PetscInt n, const PetscReal a[], const PetscReal b[])
{
  for (PetscInt i = 0; i < n; i++)
    if (PetscAbsReal(a[i] - b[i]) > 1e-12 * PetscMax(PetscAbsReal(a[i]), PetscAbsReal(b[i]))) return PETSC_FALSE;
  return PETSC_TRUE;
}

/* The manifest for the design of sw, carrying over what an existing
 * manifest knows; a design that no longer matches it is an error. */
static PetscErrorCode BuildManifest(GaleSweep sw, const char *root, GaleManifest *m)
{
  GaleManifest old;
  char         path[GALE_PATH_LEN + 32];
  PetscBool    have;

  PetscFunctionBeginUser;
  GaleSweepFmt(path, sizeof(path), "%s/manifest.csv", root);
  have = (PetscBool)(access(path, F_OK) == 0);
  PetscCall(PetscMemzero(&old, sizeof(old)));
  if (have) {
    PetscCall(GaleManifestRead(root, &old));
    PetscCheck(old.nparams == sw->nparams, PETSC_COMM_SELF, GALE_ERR_USER, "%s has %d parameters but %s %d: the sweep changed; move %s away to start a new one", path, (int)old.nparams, sw->file, (int)sw->nparams, root);
    for (PetscInt p = 0; p < sw->nparams; p++)
      PetscCheck(!strcmp(old.names[p], sw->params[p].name), PETSC_COMM_SELF, GALE_ERR_USER, "%s has parameter '%s' where %s has '%s': the sweep changed; move %s away to start a new one", path, old.names[p], sw->file, sw->params[p].name, root);
  }
  PetscCall(PetscMemzero(m, sizeof(*m)));
  GaleSweepFmt(m->root, sizeof(m->root), "%s", root);
  GaleSweepFmt(m->path, sizeof(m->path), "%s", path);
  m->nparams = sw->nparams;
  m->n       = sw->nsamples + sw->nholdout;
  PetscCall(PetscMalloc1(m->nparams, &m->names));
  for (PetscInt p = 0; p < m->nparams; p++) strcpy(m->names[p], sw->params[p].name);
  PetscCall(PetscCalloc1(m->n, &m->e));
  for (PetscInt i = 0; i < m->n; i++) {
    GaleSweepEntry  *e = &m->e[i];
    const PetscReal *x = i < sw->nsamples ? &sw->samples[i * sw->nparams] : &sw->holdout[(i - sw->nsamples) * sw->nparams];
    e->holdout         = (PetscBool)(i >= sw->nsamples);
    GaleSweepFmt(e->id, sizeof(e->id), "%s_%04d", e->holdout ? "holdout" : "sample", (int)(e->holdout ? i - sw->nsamples : i));
    PetscCall(PetscMalloc1(m->nparams, &e->params));
    PetscCall(PetscArraycpy(e->params, x, m->nparams));
    for (PetscInt k = 0; k < old.n; k++)
      if (!strcmp(old.e[k].id, e->id) && !SameParams(m->nparams, old.e[k].params, x)) {
        PetscCall(GaleManifestDestroy(&old));
        SETERRQ(PETSC_COMM_SELF, GALE_ERR_USER, "%s: %s had other parameter values than %s gives now: the sweep changed; move %s away to start a new one (or restore sweep.yaml)", path, e->id, sw->file, root);
      }
  }
  for (PetscInt k = 0; k < old.n; k++) {
    PetscBool found = PETSC_FALSE;
    for (PetscInt i = 0; i < m->n && !found; i++) found = (PetscBool)!strcmp(old.e[k].id, m->e[i].id);
    if (!found) {
      char id[32];
      GaleSweepFmt(id, sizeof(id), "%s", old.e[k].id);
      PetscCall(GaleManifestDestroy(&old));
      SETERRQ(PETSC_COMM_SELF, GALE_ERR_USER, "%s lists %s, which %s no longer gives: the sweep changed; move %s away to start a new one", path, id, sw->file, root);
    }
  }
  PetscCall(GaleManifestDestroy(&old));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Sample folders and case files; each sample's status from its folder. */
static PetscErrorCode Prepare(GaleSweep sw, const char *root, GaleManifest *m)
{
  char     base[GALE_PATH_LEN + 16], *baseText;
  PetscInt nchanged = 0;

  PetscFunctionBeginUser;
  GaleSweepFmt(base, sizeof(base), "%s/case.yaml", sw->caseDir);
  PetscCall(ReadTextFile(base, &baseText));
  PetscCall(BuildManifest(sw, root, m));
  for (PetscInt i = 0; i < m->n; i++) {
    GaleSweepEntry *e = &m->e[i];
    char            dir[GALE_PATH_LEN + 64], real[GALE_PATH_LEN], file[GALE_PATH_LEN + 80], *text;
    PetscBool       changed, ok = PETSC_TRUE;
    GaleSweepFmt(dir, sizeof(dir), "%s/%s", root, e->id);
    PetscCall(MakeDir(dir));
    PetscCheck(realpath(dir, real), PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: %s", dir, strerror(errno));
    PetscCall(GaleSweepCaseText(sw, baseText, e->params, real, &text));
    PetscCall(GaleSweepSampleRefresh(root, e));
    GaleSweepFmt(file, sizeof(file), "%s/case.yaml", dir);
    if (e->status == GALE_SAMPLE_DONE || e->status == GALE_SAMPLE_RUNNING) {
      char *cur = NULL;
      if (access(file, R_OK) == 0) PetscCall(ReadTextFile(file, &cur));
      if (cur && strcmp(cur, text)) nchanged++;
      PetscCall(PetscFree(cur));
    } else {
      PetscCall(WriteFileAtomic(file, text, &changed));
      PetscCall(CheckCase(dir, &ok));
      if (!ok) {
        char status[sizeof(gCaseError) + 16];
        GaleSweepFmt(status, sizeof(status), "invalid\n%s\n", gCaseError);
        PetscCall(SetJobStatus(root, e->id, status));
      } else {
        char job[16];
        ReadJobStatus(root, e->id, job, sizeof(job));
        /* valid now, or a failed sample with a new case file: a new start */
        if (!strncmp(job, "invalid", 7) || (e->status == GALE_SAMPLE_FAILED && changed)) PetscCall(SetJobStatus(root, e->id, NULL));
      }
      PetscCall(GaleSweepSampleRefresh(root, e));
    }
    PetscCall(PetscFree(text));
  }
  PetscCall(PetscFree(baseText));
  {
    char info[GALE_PATH_LEN + 32], text[2 * GALE_PATH_LEN + 64], q[GALE_PATH_LEN + 8];
    GaleYamlFormatString(sw->caseDir, q, sizeof(q));
    GaleSweepFmt(info, sizeof(info), "%s/sweep.info", root);
    GaleSweepFmt(text, sizeof(text), "# written by gale sweep: the base case of this sweep (its mesh is the samples' mesh)\ncase: %s\n", q);
    PetscCall(WriteFileAtomic(info, text, NULL));
  }
  if (nchanged) PetscCall(PetscPrintf(PETSC_COMM_SELF, "gale sweep: warning: %d finished sample(s) were run with a case.yaml other than the base case now gives; their results are kept (delete a sample's folder to run it again)\n", (int)nchanged));
  PetscCall(GaleManifestWrite(m));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode Report(const GaleManifest *m)
{
  PetscInt count[4] = {0, 0, 0, 0};

  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < m->n; i++) count[m->e[i].status]++;
  PetscCall(
      PetscPrintf(PETSC_COMM_SELF, "%s: %d samples: %d done, %d failed, %d running, %d pending\n", m->path, (int)m->n, (int)count[GALE_SAMPLE_DONE], (int)count[GALE_SAMPLE_FAILED], (int)count[GALE_SAMPLE_RUNNING], (int)count[GALE_SAMPLE_PENDING]));
  for (PetscInt i = 0; i < m->n; i++)
    if (m->e[i].status == GALE_SAMPLE_FAILED) PetscCall(PetscPrintf(PETSC_COMM_SELF, "  %s failed: %s\n", m->e[i].id, m->e[i].message));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Is Slurm job `job` (an array's id) still queued or running? squeue
 * lists its remaining tasks; without squeue we cannot tell: yes. */
static PetscBool SlurmJobAlive(const char *job)
{
  char  cmd[128], line[256];
  FILE *p;
  int   alive = 0, st;

  if (strspn(job, "0123456789") != strlen(job) || !job[0]) return PETSC_FALSE;
  GaleSweepFmt(cmd, sizeof(cmd), "squeue -h -o %%i -j %s 2>/dev/null", job);
  if (!(p = popen(cmd, "r"))) return PETSC_TRUE; /* cannot tell: assume it is */
  while (fgets(line, sizeof(line), p))
    if (line[0] && line[0] != '\n') alive = 1;
  st = pclose(p);
  if (st == -1 || (WIFEXITED(st) && WEXITSTATUS(st) == 127)) return PETSC_TRUE;
  return alive ? PETSC_TRUE : PETSC_FALSE;
}

/* A sample queued or running in a Slurm job that has left the queue
 * (cancelled, or killed without recording an exit status) is started
 * afresh. The status is read now: tasks of an earlier array may have
 * moved on since the manifest was made. */
static PetscErrorCode ForgetDeadSlurmJob(const GaleManifest *m, GaleSweepEntry *e)
{
  char job[256], again[256], j[64];

  PetscFunctionBeginUser;
  ReadJobStatus(m->root, e->id, job, sizeof(job));
  PetscCall(GaleSweepSampleRefresh(m->root, e));
  if (strncmp(job, "queued job=", 11) && !(e->status == GALE_SAMPLE_RUNNING && strstr(job, " job="))) PetscFunctionReturn(PETSC_SUCCESS);
  GaleSweepFmt(j, sizeof(j), "%s", strstr(job, "job=") + 4);
  j[strcspn(j, " \n")] = 0;
  if (SlurmJobAlive(j)) PetscFunctionReturn(PETSC_SUCCESS);
  ReadJobStatus(m->root, e->id, again, sizeof(again));
  if (strcmp(again, job)) PetscFunctionReturn(PETSC_SUCCESS); /* it just moved on */
  PetscCall(SetJobStatus(m->root, e->id, NULL));
  PetscCall(GaleSweepSampleRefresh(m->root, e));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Can the sample be (re)started? Not when done or running, nor when its
 * case file is invalid (fix sweep.yaml or the base case first). */
static PetscBool Runnable(const GaleManifest *m, const GaleSweepEntry *e)
{
  char job[16];

  if (e->status == GALE_SAMPLE_DONE || e->status == GALE_SAMPLE_RUNNING) return PETSC_FALSE;
  ReadJobStatus(m->root, e->id, job, sizeof(job));
  return (PetscBool)(strncmp(job, "invalid", 7) && strncmp(job, "queued", 6));
}

/* ---- local scheduler ---- */

static volatile sig_atomic_t gStop = 0;
static void                  OnStop(int sig)
{
  gStop = sig;
}

/* The environment of a run: ours without what MPI_Init of this process
 * added or what a launcher gave it (PMIx/ORTE variables would make the
 * child think it belongs to this process's MPI job). */
static PetscErrorCode ChildEnv(char ***envp)
{
  PetscInt n = 0, k = 0;

  PetscFunctionBeginUser;
  while (environ[n]) n++;
  PetscCall(PetscCalloc1(n + 1, envp));
  for (PetscInt i = 0; i < n; i++) {
    const char *v    = environ[i];
    PetscBool   drop = (PetscBool)(!strncmp(v, "PMIX_", 5) || !strncmp(v, "PMI_", 4) || !strncmp(v, "OMPI_COMM_", 10) || !strncmp(v, "OMPI_MCA_ess", 12) || !strncmp(v, "OMPI_MCA_orte_", 14) || !strncmp(v, "OMPI_MCA_pmix", 13) ||
                                 !strncmp(v, "OMPI_MCA_initial_wdir", 21) || !strncmp(v, "OMPI_FIRST_RANKS", 16) || !strncmp(v, "OMPI_APP_CTX", 12) || !strncmp(v, "OMPI_NUM_APP_CTX", 16) || !strncmp(v, "OMPI_FILE_LOCATION", 18) ||
                                 !strncmp(v, "OMPI_UNIVERSE_SIZE", 18) || !strncmp(v, "OMPI_ARGV", 9) || !strncmp(v, "OMPI_COMMAND", 12) || !strncmp(v, "OMPI_MCA_mpi_oversubscribe", 26) || !strncmp(v, "OMPI_MCA_shmem_RUNTIME", 22) ||
                                 !strncmp(v, "ORTE_", 5) || !strncmp(v, "OPAL_", 5) || !strncmp(v, "HYDRA_", 6) || !strncmp(v, "MPI_LOCAL", 9));
    if (!drop) (*envp)[k++] = (char *)v;
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode Launch(const GaleManifest *m, const GaleSweepEntry *e, const char *exe, PetscInt ranks, char **envp, pid_t *pid)
{
  char dir[GALE_PATH_LEN + 64], log[GALE_PATH_LEN + 80], np[32], host[256] = "", status[512];
  int  fd;

  PetscFunctionBeginUser;
  GaleSweepFmt(dir, sizeof(dir), "%s/%s", m->root, e->id);
  GaleSweepFmt(log, sizeof(log), "%s/log.txt", dir);
  GaleSweepFmt(np, sizeof(np), "%d", (int)ranks);
  GaleSweepFmt(status, sizeof(status), "%s/results/summary.yaml", dir);
  PetscCheck(unlink(status) == 0 || errno == ENOENT, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot remove %s: %s", status, strerror(errno));
  fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  PetscCheck(fd >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot create: %s", log, strerror(errno));
  fflush(stdout);
  fflush(stderr);
  *pid = fork();
  if (*pid == 0) {
    char *argv1[] = {(char *)exe, (char *)"run", dir, NULL};
    char *argvN[] = {(char *)"mpirun", (char *)"-np", np, (char *)exe, (char *)"run", dir, NULL};
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    dup2(fd, 1);
    dup2(fd, 2);
    close(fd);
    if (ranks > 1) {
      environ = envp;
      execvp("mpirun", argvN);
    } else
      execve(exe, argv1, envp);
    fprintf(stderr, "gale: error: cannot start %s: %s\n", ranks > 1 ? "mpirun" : exe, strerror(errno));
    _exit(127);
  }
  close(fd);
  PetscCheck(*pid > 0, PETSC_COMM_SELF, PETSC_ERR_SYS, "cannot fork to run %s: %s", e->id, strerror(errno));
  gethostname(host, sizeof(host) - 1);
  GaleSweepFmt(status, sizeof(status), "running host=%s pid=%d\n", host, (int)*pid);
  PetscCall(SetJobStatus(m->root, e->id, status));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Run argv (PATH search) with environment envp; its output (stdout and
 * stderr, cut to len) and exit status. */
static PetscErrorCode RunCapture(char *const argv[], char **envp, char *out, size_t len, int *rc)
{
  int    fd[2], st = 0;
  pid_t  pid;
  size_t k = 0;

  PetscFunctionBeginUser;
  PetscCheck(pipe(fd) == 0, PETSC_COMM_SELF, PETSC_ERR_SYS, "pipe: %s", strerror(errno));
  fflush(stdout);
  pid = fork();
  if (pid == 0) {
    dup2(fd[1], 1);
    dup2(fd[1], 2);
    close(fd[0]);
    close(fd[1]);
    environ = envp;
    execvp(argv[0], argv);
    fprintf(stderr, "cannot run %s: %s", argv[0], strerror(errno));
    _exit(127);
  }
  close(fd[1]);
  PetscCheck(pid > 0, PETSC_COMM_SELF, PETSC_ERR_SYS, "cannot fork to run %s: %s", argv[0], strerror(errno));
  for (;;) { /* keep reading past len so the child never blocks on a full pipe */
    char    sink[256];
    ssize_t n = k + 1 < len ? read(fd[0], out + k, len - 1 - k) : read(fd[0], sink, sizeof(sink));
    if (n > 0 && k + 1 < len)
      k += (size_t)n;
    else if (n == 0 || (n < 0 && errno != EINTR))
      break;
  }
  out[k] = 0;
  close(fd[0]);
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR) continue;
  *rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode RunLocal(GaleManifest *m, const SweepOpts *o)
{
  char             exe[GALE_PATH_LEN];
  char           **envp;
  ssize_t          len;
  PetscInt        *queue, nq = 0, next = 0, nrun = 0, finished = 0;
  pid_t           *pids;
  struct sigaction sa, oldInt, oldTerm;
  PetscLogDouble   t0;

  PetscFunctionBeginUser;
  len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  PetscCheck(len > 0, PETSC_COMM_SELF, PETSC_ERR_SYS, "cannot find the gale executable (/proc/self/exe): %s", strerror(errno));
  exe[len] = 0;
  PetscCall(PetscMalloc2(m->n, &queue, m->n, &pids));
  for (PetscInt i = 0; i < m->n; i++) {
    pids[i] = 0;
    PetscCall(ForgetDeadSlurmJob(m, &m->e[i]));
    if (Runnable(m, &m->e[i])) queue[nq++] = i;
  }
  if (!nq) {
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "gale sweep: nothing to run\n"));
    PetscCall(PetscFree2(queue, pids));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "gale sweep: running %d sample(s) here, %d at a time, %d rank(s) each (%s)\n", (int)nq, (int)o->parallel, (int)o->ranks, exe));
  PetscCall(ChildEnv(&envp));
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = OnStop;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &oldInt);
  sigaction(SIGTERM, &sa, &oldTerm);
  gStop = 0;
  PetscCall(PetscTime(&t0));
  while (nrun > 0 || (next < nq && !gStop)) {
    int   st;
    pid_t w;
    while (!gStop && nrun < o->parallel && next < nq) {
      PetscInt i = queue[next++];
      PetscCall(Launch(m, &m->e[i], exe, o->ranks, envp, &pids[i]));
      m->e[i].status = GALE_SAMPLE_RUNNING;
      nrun++;
      PetscCall(GaleManifestWrite(m));
    }
    w = waitpid(-1, &st, 0);
    if (w < 0) {
      if (errno == EINTR) {
        if (gStop == SIGTERM) /* a terminal's Ctrl-C reaches the runs themselves; a SIGTERM to us is passed on */
          for (PetscInt i = 0; i < m->n; i++)
            if (pids[i] > 0) kill(pids[i], SIGTERM);
        continue;
      }
      break;
    }
    for (PetscInt i = 0; i < m->n; i++)
      if (pids[i] == w) {
        char            text[32];
        GaleSweepEntry *e = &m->e[i];
        PetscLogDouble  now;
        int             rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
        pids[i]            = 0;
        nrun--;
        finished++;
        GaleSweepFmt(text, sizeof(text), "exit %d\n", rc);
        PetscCall(SetJobStatus(m->root, e->id, text));
        PetscCall(GaleSweepSampleRefresh(m->root, e));
        PetscCall(GaleManifestWrite(m));
        PetscCall(PetscTime(&now));
        if (e->status == GALE_SAMPLE_DONE && isfinite(e->coef[0]))
          PetscCall(PetscPrintf(PETSC_COMM_SELF, "[%d/%d] %s done: %s after %d iterations, %.1f s, Cd %.6g Cl %.6g (%.0f s since start)\n", (int)finished, (int)nq, e->id, e->converged ? "converged" : "not converged", (int)e->iterations,
                                (double)e->wallTime, (double)e->coef[0], (double)e->coef[1], (double)(now - t0)));
        else if (e->status == GALE_SAMPLE_DONE)
          PetscCall(PetscPrintf(PETSC_COMM_SELF, "[%d/%d] %s done: %s after %d iterations, %.1f s (%.0f s since start)\n", (int)finished, (int)nq, e->id, e->converged ? "converged" : "not converged", (int)e->iterations, (double)e->wallTime,
                                (double)(now - t0)));
        else
          PetscCall(PetscPrintf(PETSC_COMM_SELF, "[%d/%d] %s failed: %s\n", (int)finished, (int)nq, e->id, e->message));
        fflush(stdout); /* progress also when the output goes to a file */
      }
  }
  sigaction(SIGINT, &oldInt, NULL);
  sigaction(SIGTERM, &oldTerm, NULL);
  PetscCall(PetscFree(envp));
  PetscCall(PetscFree2(queue, pids));
  if (gStop) PetscCall(PetscPrintf(PETSC_COMM_SELF, "gale sweep: stopped by signal %d; run the same command again to go on\n", (int)gStop));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---- Slurm ---- */

static PetscErrorCode WriteSbatch(GaleManifest *m, const SweepOpts *o, const char *exe, const char *rootAbs, const PetscInt queue[], PetscInt nq, const char *name, char *script, size_t len)
{
  FILE       *fp;
  char        tmp[GALE_PATH_LEN + 32];
  const char *launcher = o->launcher ? o->launcher : (o->ranks > 1 ? "srun" : "none");
  int         bad;

  PetscFunctionBeginUser;
  GaleSweepFmt(script, len, "%s/submit.sbatch", m->root);
  GaleSweepFmt(tmp, sizeof(tmp), "%s.tmp", script);
  fp = fopen(tmp, "w");
  PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot create: %s", tmp, strerror(errno));
  fprintf(fp, "#!/bin/bash\n# Gale sweep %s: one array task per sample, written by gale sweep (docs/sweep.md).\n", rootAbs);
  fprintf(fp, "# Submit with: sbatch %s; then: gale sweep %s --collect\n", script, o->dir);
  fprintf(fp, "#SBATCH --job-name=gale-%s\n", name);
  if (o->parallel > 0)
    fprintf(fp, "#SBATCH --array=0-%d%%%d\n", (int)nq - 1, (int)o->parallel);
  else
    fprintf(fp, "#SBATCH --array=0-%d\n", (int)nq - 1);
  fprintf(fp, "#SBATCH --ntasks=%d\n", (int)o->ranks);
  if (o->time) fprintf(fp, "#SBATCH --time=%s\n", o->time);
  if (o->partition) fprintf(fp, "#SBATCH --partition=%s\n", o->partition);
  if (o->account) fprintf(fp, "#SBATCH --account=%s\n", o->account);
  fprintf(fp, "#SBATCH --output=%s/slurm-%%A_%%a.out\n\n", rootAbs);
  fprintf(fp, "GALE='%s'\nROOT='%s'\nSAMPLES=(", exe, rootAbs);
  for (PetscInt k = 0; k < nq; k++) fprintf(fp, "%s%s", k ? " " : "", m->e[queue[k]].id);
  fprintf(fp, ")\n");
  fprintf(fp, "id=${SAMPLES[$SLURM_ARRAY_TASK_ID]}\nd=\"$ROOT/$id\"\n");
  fprintf(fp, "status() { printf '%%s\\n' \"$1\" > \"$d/job.status.tmp\" && mv -f \"$d/job.status.tmp\" \"$d/job.status\"; }\n");
  fprintf(fp, "# a time limit sends SIGTERM: gale writes a checkpoint and exits 3; record it\n");
  fprintf(fp, "trap 'echo \"gale sweep: task received SIGTERM (time limit or scancel)\" >> \"$d/log.txt\"' TERM\n");
  fprintf(fp, "status \"running host=$(hostname) pid=$$ job=${SLURM_ARRAY_JOB_ID:-$SLURM_JOB_ID}\"\n");
  fprintf(fp, "rm -f \"$d/results/summary.yaml\"\n");
  fprintf(fp, "cd \"$d\" || { status \"exit 1\"; exit 1; }\n");
  if (!strcmp(launcher, "srun")) {
    fprintf(fp, "# Open MPI needs Slurm's PMIx plugin (srun --mpi=list); another one: export GALE_SRUN_MPI=... before sbatch\n");
    fprintf(fp, "srun --mpi=\"${GALE_SRUN_MPI:-pmix}\" --ntasks=%d \"$GALE\" run \"$d\" > \"$d/log.txt\" 2>&1\n", (int)o->ranks);
  } else if (!strcmp(launcher, "mpirun"))
    fprintf(fp, "mpirun -np %d \"$GALE\" run \"$d\" > \"$d/log.txt\" 2>&1\n", (int)o->ranks);
  else
    fprintf(fp, "\"$GALE\" run \"$d\" > \"$d/log.txt\" 2>&1\n");
  fprintf(fp, "rc=$?\nstatus \"exit $rc\"\nexit $rc\n");
  bad = ferror(fp);
  bad |= fclose(fp);
  PetscCheck(!bad, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "%s: write failed", tmp);
  PetscCheck(chmod(tmp, 0755) == 0 && rename(tmp, script) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot put %s in place: %s", script, strerror(errno));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode RunSlurm(GaleManifest *m, const SweepOpts *o)
{
  char      exe[GALE_PATH_LEN], rootAbs[GALE_PATH_LEN], script[GALE_PATH_LEN + 32], name[64], *s;
  ssize_t   len;
  PetscInt *queue, nq = 0;

  PetscFunctionBeginUser;
  len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  PetscCheck(len > 0, PETSC_COMM_SELF, PETSC_ERR_SYS, "cannot find the gale executable (/proc/self/exe): %s", strerror(errno));
  exe[len] = 0;
  PetscCheck(realpath(m->root, rootAbs), PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: %s", m->root, strerror(errno));
  PetscCheck(!strchr(rootAbs, '\'') && !strchr(exe, '\''), PETSC_COMM_SELF, GALE_ERR_USER, "paths with a ' cannot go into the job script: %s", rootAbs);
  {
    char tmp[GALE_PATH_LEN];
    GaleSweepFmt(tmp, sizeof(tmp), "%s", rootAbs);
    if ((s = strrchr(tmp, '/')) && !strcmp(s, "/sweep")) *s = 0;
    s = strrchr(tmp, '/');
    GaleSweepFmt(name, sizeof(name), "%s", s ? s + 1 : tmp);
    for (char *c = name; *c; c++)
      if (!(isalnum((unsigned char)*c) || *c == '_' || *c == '-' || *c == '.')) *c = '_';
  }
  PetscCall(PetscMalloc1(m->n, &queue));
  for (PetscInt i = 0; i < m->n; i++) {
    GaleSweepEntry *e = &m->e[i];
    PetscCall(ForgetDeadSlurmJob(m, e));
    if (Runnable(m, e)) queue[nq++] = i;
  }
  if (!nq) {
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "gale sweep: nothing to submit\n"));
    PetscCall(PetscFree(queue));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(WriteSbatch(m, o, exe, rootAbs, queue, nq, name, script, sizeof(script)));
  for (PetscInt k = 0; k < nq; k++) { /* a fresh start for re-queued samples */
    m->e[queue[k]].status = GALE_SAMPLE_PENDING;
    PetscCall(SetJobStatus(m->root, m->e[queue[k]].id, NULL));
  }
  if (o->submit) {
    char   out[512] = "", text[64];
    char  *argv[]   = {(char *)"sbatch", (char *)"--parsable", script, NULL};
    char **envp;
    int    rc;
    long   job;
    PetscCall(ChildEnv(&envp));
    PetscCall(RunCapture(argv, envp, out, sizeof(out), &rc));
    PetscCall(PetscFree(envp));
    job = atol(out);
    PetscCheck(rc == 0 && job > 0, PETSC_COMM_SELF, PETSC_ERR_SYS, "sbatch did not accept %s (exit status %d: %s); submit it by hand to see why", script, rc, out[0] ? out : "no output");
    GaleSweepFmt(text, sizeof(text), "queued job=%ld\n", job);
    for (PetscInt k = 0; k < nq; k++) PetscCall(SetJobStatus(m->root, m->e[queue[k]].id, text));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "gale sweep: submitted job array %ld with %d task(s) (%s); when it has run: gale sweep %s --collect\n", job, (int)nq, script, o->dir));
  } else
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "gale sweep: wrote %s (%d task(s)); submit with: sbatch %s; when it has run: gale sweep %s --collect\n", script, (int)nq, script, o->dir));
  PetscCall(GaleManifestWrite(m));
  PetscCall(PetscFree(queue));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Schedulers by name: each runs (or submits) the runnable samples of the
 * manifest. Adding one = one function and one line here. */
typedef PetscErrorCode (*GaleSweepScheduler)(GaleManifest *, const SweepOpts *);
static PetscFunctionList Schedulers = NULL;

static PetscErrorCode SchedulersRegister(void)
{
  PetscFunctionBeginUser;
  if (Schedulers) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(PetscFunctionListAdd(&Schedulers, "local", RunLocal));
  PetscCall(PetscFunctionListAdd(&Schedulers, "slurm", RunSlurm));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode Collect(const char *dir)
{
  GaleManifest m;
  char         root[GALE_PATH_LEN];
  int          fd;

  PetscFunctionBeginUser;
  PetscCall(GaleManifestLocate(dir, root, sizeof(root)));
  PetscCall(Lock(root, &fd));
  PetscCall(GaleManifestRead(root, &m));
  for (PetscInt i = 0; i < m.n; i++) PetscCall(GaleSweepSampleRefresh(root, &m.e[i]));
  PetscCall(GaleManifestWrite(&m));
  PetscCall(Report(&m));
  PetscCall(GaleManifestDestroy(&m));
  close(fd);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleSweepMain(MPI_Comm comm, int argc, char **argv, int *status)
{
  SweepOpts          o;
  PetscBool          help;
  GaleSweepScheduler run = NULL;
  PetscMPIInt        size;
  GaleSweep          sw = NULL;
  GaleManifest       m;
  char               root[GALE_PATH_LEN + 8];
  int                fd = -1;

  PetscFunctionBeginUser;
  *status = 0;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCheck(size == 1, comm, GALE_ERR_USER, "gale sweep runs as one process (it starts the runs itself); run it without mpirun");
  PetscCall(ParseOpts(argc, argv, &o, &help));
  if (help) {
    PetscCall(PetscPrintf(comm, "%s", sweepUsage));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  if (o.collect) {
    PetscCall(Collect(o.dir));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(SchedulersRegister());
  if (o.sched) {
    PetscCall(PetscFunctionListFind(Schedulers, o.sched, &run));
    PetscCheck(run, PETSC_COMM_SELF, GALE_ERR_USER, "gale sweep: unknown scheduler '%s' (expected local or slurm)", o.sched);
  }
  PetscCall(GaleSweepRead(o.dir, &sw));
  GaleSweepFmt(root, sizeof(root), "%s/sweep", o.dir);
  PetscCall(MakeDir(root));
  PetscCall(Lock(root, &fd));
  PetscCall(PetscPrintf(comm, "gale sweep: %s: %d parameter(s), %d training + %d held-out samples of %s\n", sw->file, (int)sw->nparams, (int)sw->nsamples, (int)sw->nholdout, sw->caseDir));
  PetscCall(Prepare(sw, root, &m));
  if (run) PetscCall((*run)(&m, &o));
  PetscCall(Report(&m));
  if (run && !strcmp(o.sched, "local"))
    for (PetscInt i = 0; i < m.n; i++)
      if (m.e[i].status != GALE_SAMPLE_DONE) *status = 1;
  PetscCall(GaleManifestDestroy(&m));
  PetscCall(GaleSweepDestroy(&sw));
  close(fd);
  PetscFunctionReturn(PETSC_SUCCESS);
}
