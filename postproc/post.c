/* `gale post DIR [options]`: plots, summary, line samples and pictures
 * from the files `gale run` left in DIR/results, written to
 * DIR/results/post/ (docs/post.md).
 *
 * This file parses and checks the options, takes stock of the results
 * folder and runs the Python scripts beside it (postproc/gale_*.py) as child
 * processes with posix_spawn: argument vectors, no shell, so paths with
 * spaces or quotes pass unchanged. Matplotlib scripts run under Debian's
 * python3, pictures under `xvfb-run -a pvbatch`. A script's exit status says
 * what happened: 0 wrote its files, 3 had nothing to work from (a partial
 * run), 4 lacks a Python module, anything else failed. The command exits 0
 * when every step that had input worked, 1 when a step failed or nothing
 * at all could be produced. Runs on rank 0; other ranks wait for the status. */
#include "gale_post.h"
#include "gale_case.h"
#include <errno.h>
#include <spawn.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define POST_MAX_ARGS 40

enum { POST_PRODUCED = 0, POST_NOTHING = 3, POST_MISSING_MODULE = 4 };

typedef struct {
  const char *dir, *line, *fields, *reference, *refColumns, *sliceNormal, *sliceOrigin, *sliceBox, *seedLine, *size;
  char        last[32], points[32], seeds[32], step[32];
  PetscBool   pictures, help;
} PostOptions;

typedef struct {
  char      results[GALE_PATH_LEN], out[GALE_PATH_LEN], scripts[GALE_PATH_LEN], python[GALE_PATH_LEN];
  PetscBool have[4]; /* summary.yaml, residuals.csv, forces.csv, solution.h5 */
  int       produced, failed;
} PostCtx;

static const char *const resultFiles[4] = {"summary.yaml", "residuals.csv", "forces.csv", "solution.h5"};

static const char usage[] = "usage: gale post DIR [options]\n"
                            "Writes DIR/results/post/: residuals.png, forces.png, summary.md (see docs/post.md).\n"
                            "For a sweep folder (gale sweep DIR): DIR/sweep/post/sweep_report.md and sweep_<parameter>.png.\n"
                            "  --last N                  statistics window: last N rows of forces.csv (default 100)\n"
                            "  --size WxH                picture size in pixels (default 1200x800)\n"
                            "  --step S                  step of solution.h5 to sample or picture (default: the last)\n"
                            "  --line x0,y0,z0:x1,y1,z1  sample fields along a line: line.csv, line.png\n"
                            "    --points N              number of points, ends included (default 100)\n"
                            "    --fields U,p            fields to sample (default U,p)\n"
                            "    --reference ref.csv     reference data to draw and compare (first column s, x, y or z)\n"
                            "    --reference-columns A=U_x,B=p  use reference columns A, B as U_x, p\n"
                            "  --pictures                slice_U.png, streamlines.png, surface_cp.png (ParaView pvbatch under xvfb-run;\n"
                            "                            defaults from the case file's post section)\n"
                            "    --slice-normal x,y,z    slice plane normal (default 0,0,1)\n"
                            "    --slice-origin x,y,z    a point of the plane (default: centre of the domain)\n"
                            "    --slice-box A:B         show only this box of the slice and streamlines (default: the domain)\n"
                            "    --seed-line A:B         streamline seeds (default: along y at x = xmin + 5%, mid z)\n"
                            "    --seeds N               number of seeds (default 40)\n";

/* "x,y,z": three numbers */
static PetscBool IsVector(const char *s)
{
  double a, b, c;
  char   end;
  return sscanf(s, "%lf,%lf,%lf%c", &a, &b, &c, &end) == 3 ? PETSC_TRUE : PETSC_FALSE;
}

/* "x0,y0,z0:x1,y1,z1" */
static PetscBool IsSegment(const char *s)
{
  double v[6];
  char   end;
  return sscanf(s, "%lf,%lf,%lf:%lf,%lf,%lf%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &end) == 6 ? PETSC_TRUE : PETSC_FALSE;
}

/* a whole number in [lo, hi], copied to buf */
static PetscErrorCode IntOption(const char *name, const char *s, long lo, long hi, char buf[32])
{
  char *end;
  long  v;

  PetscFunctionBeginUser;
  errno = 0;
  v     = strtol(s, &end, 10);
  PetscCheck(!errno && end != s && !*end && v >= lo && v <= hi, PETSC_COMM_SELF, GALE_ERR_USER, "%s '%s': expected a whole number from %ld to %ld", name, s, lo, hi);
  PetscCall(PetscSNPrintf(buf, 32, "%ld", v));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ParseOptions(int argc, char **argv, PostOptions *o)
{
  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(o, sizeof(*o)));
  PetscCall(PetscStrncpy(o->last, "100", sizeof(o->last)));
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    PetscBool   takes = PETSC_TRUE;

    if (!strcmp(a, "--help") || !strcmp(a, "-h"))
      o->help = PETSC_TRUE;
    else if (!strcmp(a, "--pictures"))
      o->pictures = PETSC_TRUE;
    else if (a[0] != '-') {
      PetscCheck(!o->dir, PETSC_COMM_SELF, GALE_ERR_USER, "two case folders given ('%s' and '%s'); one at a time", o->dir, a);
      o->dir = a;
    } else {
      PetscCheck(v, PETSC_COMM_SELF, GALE_ERR_USER, "%s needs a value (gale post --help)", a);
      if (!strcmp(a, "--last"))
        PetscCall(IntOption(a, v, 1, 100000000, o->last));
      else if (!strcmp(a, "--points"))
        PetscCall(IntOption(a, v, 2, 1000000, o->points));
      else if (!strcmp(a, "--seeds"))
        PetscCall(IntOption(a, v, 1, 100000, o->seeds));
      else if (!strcmp(a, "--step"))
        PetscCall(IntOption(a, v, 0, 99999999, o->step));
      else if (!strcmp(a, "--line"))
        o->line = v;
      else if (!strcmp(a, "--seed-line"))
        o->seedLine = v;
      else if (!strcmp(a, "--fields"))
        o->fields = v;
      else if (!strcmp(a, "--reference"))
        o->reference = v;
      else if (!strcmp(a, "--reference-columns"))
        o->refColumns = v;
      else if (!strcmp(a, "--slice-normal"))
        o->sliceNormal = v;
      else if (!strcmp(a, "--slice-origin"))
        o->sliceOrigin = v;
      else if (!strcmp(a, "--slice-box"))
        o->sliceBox = v;
      else if (!strcmp(a, "--size"))
        o->size = v;
      else
        takes = PETSC_FALSE;
      PetscCheck(takes, PETSC_COMM_SELF, GALE_ERR_USER, "unknown option '%s' (gale post --help lists them)", a);
      i++;
    }
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode CheckOptions(const PostOptions *o)
{
  int w, h;

  PetscFunctionBeginUser;
  PetscCheck(o->dir, PETSC_COMM_SELF, GALE_ERR_USER, "no case folder given\n%s", usage);
  PetscCheck(!o->line || IsSegment(o->line), PETSC_COMM_SELF, GALE_ERR_USER, "--line '%s': expected x0,y0,z0:x1,y1,z1", o->line);
  PetscCheck(!o->seedLine || IsSegment(o->seedLine), PETSC_COMM_SELF, GALE_ERR_USER, "--seed-line '%s': expected x0,y0,z0:x1,y1,z1", o->seedLine);
  PetscCheck(!o->sliceNormal || IsVector(o->sliceNormal), PETSC_COMM_SELF, GALE_ERR_USER, "--slice-normal '%s': expected x,y,z", o->sliceNormal);
  PetscCheck(!o->sliceOrigin || IsVector(o->sliceOrigin), PETSC_COMM_SELF, GALE_ERR_USER, "--slice-origin '%s': expected x,y,z", o->sliceOrigin);
  PetscCheck(!o->sliceBox || IsSegment(o->sliceBox), PETSC_COMM_SELF, GALE_ERR_USER, "--slice-box '%s': expected xmin,ymin,zmin:xmax,ymax,zmax", o->sliceBox);
  if (o->size) {
    char end;
    PetscCheck(sscanf(o->size, "%dx%d%c", &w, &h, &end) == 2 && w >= 16 && h >= 16 && w <= 8192 && h <= 8192, PETSC_COMM_SELF, GALE_ERR_USER, "--size '%s': expected WIDTHxHEIGHT in pixels, 16 to 8192 each (e.g. 1200x800)", o->size);
  }
  PetscCheck(o->line || !(o->points[0] || o->fields || o->reference), PETSC_COMM_SELF, GALE_ERR_USER, "--points, --fields and --reference go with --line x0,y0,z0:x1,y1,z1");
  PetscCheck(o->reference || !o->refColumns, PETSC_COMM_SELF, GALE_ERR_USER, "--reference-columns goes with --reference ref.csv");
  PetscCheck(o->pictures || !(o->sliceNormal || o->sliceOrigin || o->sliceBox || o->seedLine || o->seeds[0]), PETSC_COMM_SELF, GALE_ERR_USER, "--slice-normal, --slice-origin, --slice-box, --seed-line and --seeds go with --pictures");
  PetscCheck(!o->reference || access(o->reference, R_OK) == 0, PETSC_COMM_SELF, GALE_ERR_USER, "--reference %s: cannot read it (%s)", o->reference, strerror(errno));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscBool IsDir(const char *p)
{
  struct stat st;
  return stat(p, &st) == 0 && S_ISDIR(st.st_mode) ? PETSC_TRUE : PETSC_FALSE;
}

static PetscBool IsFile(const char *p)
{
  struct stat st;
  return stat(p, &st) == 0 && S_ISREG(st.st_mode) ? PETSC_TRUE : PETSC_FALSE;
}

/* an executable `name` in a folder of PATH, or an empty string */
static PetscErrorCode FindInPath(const char *name, char out[GALE_PATH_LEN])
{
  const char *path = getenv("PATH");

  PetscFunctionBeginUser;
  out[0] = 0;
  while (path && *path) {
    const char *colon = strchr(path, ':');
    size_t      n     = colon ? (size_t)(colon - path) : strlen(path);
    if (n) {
      PetscCall(PetscSNPrintf(out, GALE_PATH_LEN, "%.*s/%s", (int)n, path, name));
      if (IsFile(out) && access(out, X_OK) == 0) PetscFunctionReturn(PETSC_SUCCESS);
    }
    path = colon ? colon + 1 : NULL;
  }
  out[0] = 0;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* An interpreter or tool: $ENVVAR, else `preferred` if executable, else PATH. */
static PetscErrorCode FindTool(const char *envvar, const char *preferred, const char *name, char out[GALE_PATH_LEN])
{
  const char *e = getenv(envvar);

  PetscFunctionBeginUser;
  if (e && *e)
    PetscCall(PetscStrncpy(out, e, GALE_PATH_LEN));
  else if (preferred && access(preferred, X_OK) == 0)
    PetscCall(PetscStrncpy(out, preferred, GALE_PATH_LEN));
  else
    PetscCall(FindInPath(name, out));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The command line as a user would type it in a POSIX shell. */
static void PrintCommand(char *const args[])
{
  fputs("  command:", stdout);
  for (int i = 0; args[i]; i++) {
    if (args[i][0] && !strpbrk(args[i], " \t\n'\"\\$`*?[]#~&;|<>(){}!")) {
      printf(" %s", args[i]);
      continue;
    }
    fputs(" '", stdout);
    for (const char *c = args[i]; *c; c++)
      if (*c == '\'')
        fputs("'\\''", stdout);
      else
        putchar(*c);
    putchar('\'');
  }
  putchar('\n');
}

/* The environment for the children: without the MPI launcher's variables
 * (pvbatch initialises MPI and would take itself for a rank of our job), and
 * with no .pyc files written into the source tree. */
static PetscErrorCode ChildEnvironment(char ***envp)
{
  size_t n = 0, k = 0;

  PetscFunctionBeginUser;
  while (environ[n]) n++;
  PetscCall(PetscCalloc1(n + 2, envp));
  for (size_t i = 0; i < n; i++) {
    const char *e        = environ[i];
    PetscBool   launcher = (!strncmp(e, "OMPI_", 5) || !strncmp(e, "PMIX_", 5) || !strncmp(e, "OPAL_", 5)) ? PETSC_TRUE : PETSC_FALSE;
    if (!strncmp(e, "OMPI_ALLOW_RUN_AS_ROOT", 22)) launcher = PETSC_FALSE;
    if (!launcher && strncmp(e, "PYTHONDONTWRITEBYTECODE=", 24)) (*envp)[k++] = (char *)e;
  }
  (*envp)[k] = (char *)"PYTHONDONTWRITEBYTECODE=1";
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Runs args[0] (a path) with args; *code: its exit status, or -1 when it
 * could not start or died from a signal (reason printed). */
static PetscErrorCode Spawn(char *const args[], int *code)
{
  char **envp;
  pid_t  pid;
  int    err, wst;

  PetscFunctionBeginUser;
  PetscCall(ChildEnvironment(&envp));
  fflush(stdout);
  fflush(stderr);
  err = posix_spawn(&pid, args[0], NULL, NULL, args, envp);
  PetscCall(PetscFree(envp));
  *code = -1;
  if (err) {
    printf("gale post: cannot start %s: %s\n", args[0], strerror(err));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  while (waitpid(pid, &wst, 0) < 0)
    if (errno != EINTR) {
      printf("gale post: lost %s (waitpid: %s)\n", args[0], strerror(errno));
      PetscFunctionReturn(PETSC_SUCCESS);
    }
  if (WIFEXITED(wst))
    *code = WEXITSTATUS(wst);
  else if (WIFSIGNALED(wst))
    printf("gale post: %s was killed by signal %d\n", args[0], WTERMSIG(wst));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Runs one step and books its outcome; `script` names it in messages. */
static PetscErrorCode RunStep(PostCtx *c, const char *script, char *const args[])
{
  int code = -1;

  PetscFunctionBeginUser;
  PetscCall(Spawn(args, &code));
  if (code == POST_PRODUCED)
    c->produced++;
  else if (code == POST_NOTHING)
    printf("gale post: %s: nothing to do with these results (see above)\n", script);
  else {
    c->failed++;
    if (code == POST_MISSING_MODULE)
      printf("gale post: %s needs a Python module that %s cannot import (package named above; or set GALE_PYTHON to another interpreter)\n", script, c->python);
    else if (code >= 0)
      printf("gale post: %s failed (exit status %d); its messages are above\n", script, code);
    else
      printf("gale post: %s did not run to the end\n", script);
    PrintCommand(args);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A child's argument vector; "--name=value" strings are owned (a value
 * such as "-0.2,0,0:1,0,0" must not be read as an option by argparse). */
typedef struct {
  char     *v[POST_MAX_ARGS + 1];
  PetscBool owned[POST_MAX_ARGS];
  int       n;
} ArgList;

static PetscErrorCode ArgsAdd(ArgList *a, const char *s)
{
  PetscFunctionBeginUser;
  PetscCheck(a->n < POST_MAX_ARGS, PETSC_COMM_SELF, PETSC_ERR_PLIB, "too many arguments for a child process");
  a->owned[a->n] = PETSC_FALSE;
  a->v[a->n++]   = (char *)s;
  a->v[a->n]     = NULL;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* "--name=value" when value is set */
static PetscErrorCode ArgsAddOption(ArgList *a, const char *name, const char *value)
{
  size_t len;
  char  *s;

  PetscFunctionBeginUser;
  if (!value || !value[0]) PetscFunctionReturn(PETSC_SUCCESS);
  len = strlen(name) + strlen(value) + 2;
  PetscCall(PetscMalloc1(len, &s));
  PetscCall(PetscSNPrintf(s, len, "%s=%s", name, value));
  PetscCall(ArgsAdd(a, s));
  a->owned[a->n - 1] = PETSC_TRUE;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* interpreter script RESULTS OUT */
static PetscErrorCode ArgsStart(ArgList *a, const char *interpreter, const char *script, const PostCtx *c)
{
  PetscFunctionBeginUser;
  PetscCall(ArgsAdd(a, interpreter));
  PetscCall(ArgsAdd(a, script));
  PetscCall(ArgsAdd(a, c->results));
  PetscCall(ArgsAdd(a, c->out));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ArgsFree(ArgList *a)
{
  PetscFunctionBeginUser;
  for (int i = 0; i < a->n; i++)
    if (a->owned[i]) PetscCall(PetscFree(a->v[i]));
  PetscCall(PetscMemzero(a, sizeof(*a)));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ScriptPath(const PostCtx *c, const char *name, char path[GALE_PATH_LEN])
{
  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(path, GALE_PATH_LEN, "%s/%s", c->scripts, name));
  PetscCheck(IsFile(path), PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s is missing: set GALE_POSTPROC_DIR to the postproc/ folder of the Gale sources", path);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Plots, summary and line samples: matplotlib scripts under python3. */
static PetscErrorCode RunPythonSteps(PostCtx *c, const PostOptions *o)
{
  char    script[GALE_PATH_LEN];
  ArgList a;

  PetscFunctionBeginUser;
  PetscCheck(c->python[0], PETSC_COMM_SELF, PETSC_ERR_SUP, "no python3 found (apt-get install python3-matplotlib python3-h5py, or set GALE_PYTHON)");
  PetscCall(PetscMemzero(&a, sizeof(a)));
  if (c->have[1] || c->have[2]) {
    PetscCall(ScriptPath(c, "gale_plots.py", script));
    PetscCall(ArgsStart(&a, c->python, script, c));
    PetscCall(ArgsAddOption(&a, "--last", o->last));
    PetscCall(ArgsAddOption(&a, "--size", o->size));
    PetscCall(RunStep(c, "gale_plots.py", a.v));
    PetscCall(ArgsFree(&a));
  } else
    printf("gale post: no residuals.csv or forces.csv: no residuals.png, forces.png\n");

  PetscCall(ScriptPath(c, "gale_summary.py", script));
  PetscCall(ArgsStart(&a, c->python, script, c));
  PetscCall(ArgsAddOption(&a, "--last", o->last));
  PetscCall(RunStep(c, "gale_summary.py", a.v));
  PetscCall(ArgsFree(&a));

  if (o->line && !c->have[3])
    printf("gale post: no solution.h5 (no step written yet): no line.csv\n");
  else if (o->line) {
    PetscCall(ScriptPath(c, "gale_sample.py", script));
    PetscCall(ArgsStart(&a, c->python, script, c));
    PetscCall(ArgsAddOption(&a, "--line", o->line));
    PetscCall(ArgsAddOption(&a, "--points", o->points));
    PetscCall(ArgsAddOption(&a, "--fields", o->fields));
    PetscCall(ArgsAddOption(&a, "--reference", o->reference));
    PetscCall(ArgsAddOption(&a, "--reference-columns", o->refColumns));
    PetscCall(ArgsAddOption(&a, "--step", o->step));
    PetscCall(ArgsAddOption(&a, "--size", o->size));
    PetscCall(RunStep(c, "gale_sample.py", a.v));
    PetscCall(ArgsFree(&a));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* What the case file says about the pictures, as option values (empty
 * strings where it says nothing). */
typedef struct {
  char sliceNormal[96], sliceOrigin[96], sliceBox[192], seedLine[192], seeds[32], patches[GALE_MAX_FORCE_PATCHES * (GALE_NAME_LEN + 1)], pRef[32], cpScale[32];
} CasePictures;

static PetscErrorCode ReadCasePictures(const char *dir, CasePictures *cp)
{
  char           path[GALE_PATH_LEN];
  GaleCase      *cs = NULL;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(cp, sizeof(*cp)));
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/case.yaml", dir));
  if (!IsFile(path)) {
    printf("gale post: no %s: pictures with default settings, surface coloured by p\n", path);
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = GaleCaseRead(PETSC_COMM_SELF, dir, &cs);
  PetscCall(PetscPopErrorHandler());
  if (ierr) {
    printf("gale post: %s cannot be read (run gale mesh %s to see why): pictures with default settings, surface coloured by p\n", path, dir);
    PetscCall(GaleCaseDestroy(&cs));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  {
    const GalePostSettings *ps = &cs->post;
    const PetscReal        *n = ps->slice_normal, *x = ps->slice_origin, *f = ps->seed_from, *t = ps->seed_to;
    const PetscInt          np = ps->npatches ? ps->npatches : cs->nforce_patches;
    if (ps->has_slice_normal) PetscCall(PetscSNPrintf(cp->sliceNormal, sizeof(cp->sliceNormal), "%.17g,%.17g,%.17g", (double)n[0], (double)n[1], (double)n[2]));
    if (ps->has_slice_origin) PetscCall(PetscSNPrintf(cp->sliceOrigin, sizeof(cp->sliceOrigin), "%.17g,%.17g,%.17g", (double)x[0], (double)x[1], (double)x[2]));
    if (ps->has_slice_box)
      PetscCall(PetscSNPrintf(cp->sliceBox, sizeof(cp->sliceBox), "%.17g,%.17g,%.17g:%.17g,%.17g,%.17g", (double)ps->slice_box[0][0], (double)ps->slice_box[0][1], (double)ps->slice_box[0][2], (double)ps->slice_box[1][0], (double)ps->slice_box[1][1],
                              (double)ps->slice_box[1][2]));
    if (ps->has_seed_line) PetscCall(PetscSNPrintf(cp->seedLine, sizeof(cp->seedLine), "%.17g,%.17g,%.17g:%.17g,%.17g,%.17g", (double)f[0], (double)f[1], (double)f[2], (double)t[0], (double)t[1], (double)t[2]));
    if (ps->seeds) PetscCall(PetscSNPrintf(cp->seeds, sizeof(cp->seeds), "%" PetscInt_FMT, ps->seeds));
    for (PetscInt i = 0; i < np; i++) {
      PetscCall(PetscStrlcat(cp->patches, i ? "," : "", sizeof(cp->patches)));
      PetscCall(PetscStrlcat(cp->patches, ps->npatches ? ps->patches[i] : cs->force_patches[i], sizeof(cp->patches)));
    }
    /* Cp = rho (p - p_ref) / (1/2 rho_ref U_ref^2), p kinematic as the solver's */
    PetscCall(PetscSNPrintf(cp->pRef, sizeof(cp->pRef), "%.17g", (double)ps->p_ref));
    PetscCall(PetscSNPrintf(cp->cpScale, sizeof(cp->cpScale), "%.17g", (double)(cs->rho / (0.5 * cs->ref_density * cs->ref_velocity * cs->ref_velocity))));
  }
  PetscCall(GaleCaseDestroy(&cs));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Pictures: pvbatch, under xvfb-run -a unless a display is there. */
static PetscErrorCode RunPictures(PostCtx *c, const PostOptions *o)
{
  CasePictures cpv, *cp = &cpv;
  char         script[GALE_PATH_LEN], pvbatch[GALE_PATH_LEN], xvfb[GALE_PATH_LEN];
  ArgList      a;
  const char  *display = getenv("DISPLAY");

  PetscFunctionBeginUser;
  if (!c->have[3]) {
    printf("gale post: no solution.h5 (no step written yet): no pictures\n");
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(FindTool("GALE_PVBATCH", NULL, "pvbatch", pvbatch));
  PetscCall(FindInPath("xvfb-run", xvfb));
  if (!pvbatch[0] || (!xvfb[0] && !(display && *display))) {
    printf("gale post: --pictures needs %s (apt-get install %s): no pictures\n", !pvbatch[0] ? "ParaView's pvbatch" : "xvfb-run (no DISPLAY to draw on)", !pvbatch[0] ? "paraview python3-paraview xvfb xauth" : "xvfb xauth");
    c->failed++;
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(ScriptPath(c, "gale_pictures.py", script));
  PetscCall(ReadCasePictures(o->dir, cp));
  PetscCall(PetscMemzero(&a, sizeof(a)));
  if (xvfb[0]) {
    PetscCall(ArgsAdd(&a, xvfb));
    PetscCall(ArgsAdd(&a, "-a"));
    /* xvfb-run's default screen is 8 bits deep; VTK's OpenGL window wants 24 */
    PetscCall(ArgsAdd(&a, "-s"));
    PetscCall(ArgsAdd(&a, "-screen 0 1600x1200x24"));
  }
  PetscCall(ArgsStart(&a, pvbatch, script, c));
  PetscCall(ArgsAddOption(&a, "--step", o->step));
  PetscCall(ArgsAddOption(&a, "--slice-normal", o->sliceNormal ? o->sliceNormal : cp->sliceNormal));
  PetscCall(ArgsAddOption(&a, "--slice-origin", o->sliceOrigin ? o->sliceOrigin : cp->sliceOrigin));
  PetscCall(ArgsAddOption(&a, "--slice-box", o->sliceBox ? o->sliceBox : cp->sliceBox));
  PetscCall(ArgsAddOption(&a, "--seed-line", o->seedLine ? o->seedLine : cp->seedLine));
  PetscCall(ArgsAddOption(&a, "--seeds", o->seeds[0] ? o->seeds : cp->seeds));
  PetscCall(ArgsAddOption(&a, "--surface-patches", cp->patches));
  PetscCall(ArgsAddOption(&a, "--p-ref", cp->pRef));
  PetscCall(ArgsAddOption(&a, "--cp-scale", cp->cpScale));
  PetscCall(ArgsAddOption(&a, "--size", o->size));
  /* a busy machine sometimes loses the race between Xvfb starting and
     pvbatch opening its window (SIGABRT, status 134; or xvfb-run fails
     itself): try up to 3 times on any status the script does not use */
  for (int attempt = 0; attempt < 3; attempt++) {
    int code = -1;
    PetscCall(Spawn(a.v, &code));
    if (code != POST_PRODUCED && code != 1 && code != POST_NOTHING && code != POST_MISSING_MODULE && attempt < 2) { /* 134: SIGABRT; 5 and others: xvfb-run's own trouble */
      printf("gale post: pvbatch could not open its window (attempt %d); trying again\n", attempt + 1);
      sleep(2);
      continue;
    }
    if (code == POST_PRODUCED)
      c->produced++;
    else if (code == POST_NOTHING)
      printf("gale post: gale_pictures.py: nothing to do with these results (see above)\n");
    else {
      c->failed++;
      if (code >= 0)
        printf("gale post: gale_pictures.py failed (exit status %d); its messages are above\n", code);
      else
        printf("gale post: gale_pictures.py did not run to the end\n");
      PrintCommand(a.v);
    }
    break;
  }
  PetscCall(ArgsFree(&a));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Finds DIR/results (or DIR itself when it holds results files) and says
 * which files are there and what their absence means. */
static PetscErrorCode TakeStock(PostCtx *c, const char *dir)
{
  char      path[GALE_PATH_LEN];
  PetscBool any = PETSC_FALSE;

  PetscFunctionBeginUser;
  PetscCheck(IsDir(dir), PETSC_COMM_SELF, GALE_ERR_USER, "%s is not a folder", dir);
  PetscCall(PetscSNPrintf(c->results, sizeof(c->results), "%s/results", dir));
  if (!IsDir(c->results)) {
    PetscCall(PetscSNPrintf(path, sizeof(path), "%s/residuals.csv", dir));
    PetscCheck(IsFile(path), PETSC_COMM_SELF, GALE_ERR_USER, "no %s/results: run the case first (gale run %s)", dir, dir);
    PetscCall(PetscStrncpy(c->results, dir, sizeof(c->results))); /* DIR is a results folder */
  }
  for (int i = 0; i < 4; i++) {
    PetscCall(PetscSNPrintf(path, sizeof(path), "%s/%s", c->results, resultFiles[i]));
    c->have[i] = IsFile(path);
    any        = any || c->have[i] ? PETSC_TRUE : PETSC_FALSE;
  }
  PetscCheck(any, PETSC_COMM_SELF, GALE_ERR_USER, "%s holds none of summary.yaml, residuals.csv, forces.csv, solution.h5: nothing to post-process (has the run started?)", c->results);
  printf("gale post: %s:", c->results);
  for (int i = 0; i < 4; i++) printf(" %s%s", resultFiles[i], c->have[i] ? "" : " (missing)");
  printf("\n");
  if (!c->have[0]) printf("gale post: no summary.yaml: the run is still going, or it stopped early (crashed or killed); using what is there\n");
  PetscCall(PetscSNPrintf(c->out, sizeof(c->out), "%s/post", c->results));
  PetscCheck(mkdir(c->out, 0777) == 0 || errno == EEXIST, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot create %s: %s", c->out, strerror(errno));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A sweep folder (gale sweep DIR): DIR/sweep/manifest.csv, or DIR is the
 * sweep/ folder itself. */
static PetscBool IsSweep(const char *dir)
{
  char path[GALE_PATH_LEN];
  if (PetscSNPrintf(path, sizeof(path), "%s/sweep/manifest.csv", dir) == PETSC_SUCCESS && IsFile(path)) return PETSC_TRUE;
  return PetscSNPrintf(path, sizeof(path), "%s/manifest.csv", dir) == PETSC_SUCCESS && IsFile(path) ? PETSC_TRUE : PETSC_FALSE;
}

/* gale post SWEEPDIR: postproc/gale_sweep_report.py into SWEEPDIR/sweep/post
 * (or SWEEPDIR/post when SWEEPDIR is the sweep/ folder). */
static PetscErrorCode RunSweepReport(PostCtx *c, const PostOptions *o)
{
  char    script[GALE_PATH_LEN], self[GALE_PATH_LEN], path[GALE_PATH_LEN];
  ArgList a;
  ssize_t n;

  PetscFunctionBeginUser;
  PetscCheck(c->python[0], PETSC_COMM_SELF, PETSC_ERR_SUP, "no python3 found (apt-get install python3-matplotlib python3-h5py, or set GALE_PYTHON)");
  if (o->pictures || o->line) printf("gale post: %s is a sweep: --pictures and --line apply to single cases (gale post %s/sweep/SAMPLE)\n", o->dir, o->dir);
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/sweep/manifest.csv", o->dir));
  if (IsFile(path))
    PetscCall(PetscSNPrintf(c->out, sizeof(c->out), "%s/sweep/post", o->dir));
  else
    PetscCall(PetscSNPrintf(c->out, sizeof(c->out), "%s/post", o->dir));
  PetscCheck(mkdir(c->out, 0777) == 0 || errno == EEXIST, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot create %s: %s", c->out, strerror(errno));
  n                   = readlink("/proc/self/exe", self, sizeof(self) - 1);
  self[n > 0 ? n : 0] = 0;
  PetscCall(ScriptPath(c, "gale_sweep_report.py", script));
  PetscCall(PetscMemzero(&a, sizeof(a)));
  PetscCall(ArgsAdd(&a, c->python));
  PetscCall(ArgsAdd(&a, script));
  PetscCall(ArgsAdd(&a, o->dir));
  PetscCall(ArgsAdd(&a, c->out));
  PetscCall(ArgsAddOption(&a, "--gale", self[0] ? self : "gale"));
  PetscCall(ArgsAddOption(&a, "--size", o->size));
  PetscCall(RunStep(c, "gale_sweep_report.py", a.v));
  PetscCall(ArgsFree(&a));
  if (c->produced) printf("gale post: results in %s\n", c->out);
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode PostRank0(int argc, char **argv, int *status)
{
  PostOptions o;
  PostCtx     c;
  const char *dir = getenv("GALE_POSTPROC_DIR");

  PetscFunctionBeginUser;
  PetscCall(ParseOptions(argc, argv, &o));
  if (o.help) {
    fputs(usage, stdout);
    *status = 0;
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(CheckOptions(&o));
  PetscCall(PetscMemzero(&c, sizeof(c)));
#ifdef GALE_POSTPROC_DIR_DEFAULT
  if (!dir || !*dir) dir = GALE_POSTPROC_DIR_DEFAULT;
#endif
  PetscCheck(dir && *dir, PETSC_COMM_SELF, PETSC_ERR_SUP, "set GALE_POSTPROC_DIR to the postproc/ folder of the Gale sources");
  PetscCall(PetscStrncpy(c.scripts, dir, sizeof(c.scripts)));
  PetscCall(FindTool("GALE_PYTHON", "/usr/bin/python3", "python3", c.python));
  if (IsSweep(o.dir)) {
    PetscCall(RunSweepReport(&c, &o));
    *status = (c.failed || !c.produced) ? 1 : 0;
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(TakeStock(&c, o.dir));
  PetscCall(RunPythonSteps(&c, &o));
  if (o.pictures) PetscCall(RunPictures(&c, &o));
  if (c.failed)
    printf("gale post: %d step(s) failed; what could be made is in %s\n", c.failed, c.out);
  else if (c.produced)
    printf("gale post: results in %s\n", c.out);
  else
    printf("gale post: nothing could be produced from %s\n", c.results);
  *status = (c.failed || !c.produced) ? 1 : 0;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GalePostMain(MPI_Comm comm, int argc, char **argv, int *status)
{
  PetscMPIInt rank;
  int         st[2] = {1, 0}; /* status, error code on rank 0 */

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank) st[1] = (int)PostRank0(argc, argv, &st[0]);
  fflush(stdout);
  PetscCallMPI(MPI_Bcast(st, 2, MPI_INT, 0, comm));
  *status = st[0];
  PetscCheck(!st[1] || !rank, comm, GALE_ERR_USER, "gale post failed on rank 0");
  PetscCall((PetscErrorCode)st[1]);
  PetscFunctionReturn(PETSC_SUCCESS);
}
