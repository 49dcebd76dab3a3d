/* The sweep manifest DIR/sweep/manifest.csv and the status of one sample.
 *
 * manifest.csv (one header line, one row per sample):
 *   id,role,<parameters...>,status,converged,iterations,wall_time,Cd,Cl,Cm,result,message
 * role is train or holdout; status pending, running, done or failed; the
 * result columns are empty until a run finished; result is the sample's
 * results folder relative to DIR/sweep; message says why a sample failed.
 * It is only ever written whole, to manifest.csv.tmp then renamed, so a
 * crash or a failed run never leaves a half-written manifest.
 *
 * A sample's own folder says how its run went, whoever ran it (Slurm task
 * or `--scheduler local`): job.status holds "running host=H pid=P" while
 * it runs and "exit N" after; results/summary.yaml (solver/run.c) the
 * solver's status and coefficients; log.txt the run's output, where the
 * first "gale: error:" line is the reason of a failure. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <yaml.h>
#include "gale_sweep.h"

void GaleSweepFmt(char *buf, size_t len, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(buf, len, fmt, ap);
  va_end(ap);
}

const char *GaleSweepNum(PetscReal v, char *buf, size_t len)
{
  GaleSweepFmt(buf, len, "%.6g", (double)v);
  return buf;
}

void GaleSweepAppend(char *buf, size_t len, size_t *k, const char *fmt, ...)
{
  va_list ap;
  int     n;

  if (!len || *k >= len - 1) return;
  va_start(ap, fmt);
  n = vsnprintf(buf + *k, len - *k, fmt, ap);
  va_end(ap);
  if (n > 0) *k = PetscMin(*k + (size_t)n, len - 1);
}

const char *const GaleSampleStatuses[] = {"pending", "running", "done", "failed", NULL};

static const char *const TailCols[] = {"status", "converged", "iterations", "wall_time", "Cd", "Cl", "Cm", "result", "message"};
#define NTAIL 9

PetscErrorCode GaleManifestLocate(const char *dir, char *root, size_t len)
{
  char path[GALE_PATH_LEN + 32];

  PetscFunctionBeginUser;
  GaleSweepFmt(path, sizeof(path), "%s/sweep/manifest.csv", dir);
  if (access(path, R_OK) == 0) {
    GaleSweepFmt(root, len, "%s/sweep", dir);
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  GaleSweepFmt(path, sizeof(path), "%s/manifest.csv", dir);
  PetscCheck(access(path, R_OK) == 0, PETSC_COMM_SELF, GALE_ERR_USER, "%s: no sweep here (neither %s/sweep/manifest.csv nor %s/manifest.csv; run gale sweep %s first)", dir, dir, dir, dir);
  GaleSweepFmt(root, len, "%s", dir);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Split one CSV line in place into at most max fields (quotes "" escape). */
static int SplitCSV(char *line, char *fields[], int max)
{
  int   n = 0;
  char *r = line, *w = line;

  line[strcspn(line, "\r\n")] = 0;
  while (n < max) {
    fields[n++] = w;
    if (*r == '"') {
      r++;
      while (*r) {
        if (*r == '"' && r[1] == '"') {
          *w++ = '"';
          r += 2;
        } else if (*r == '"') {
          r++;
          break;
        } else
          *w++ = *r++;
      }
    } else
      while (*r && *r != ',') *w++ = *r++;
    if (*r != ',') {
      *w = 0;
      break;
    }
    r++;
    *w++ = 0;
    w    = r;
  }
  return *r ? -1 : n;
}

static PetscBool ReadNumber(const char *s, PetscReal *v)
{
  char *end;
  if (!s[0]) {
    *v = NAN;
    return PETSC_TRUE;
  }
  *v = strtod(s, &end);
  return (PetscBool)(!*end);
}

PetscErrorCode GaleManifestRead(const char *root, GaleManifest *m)
{
  FILE    *fp;
  char    *line, *f[GALE_SWEEP_MAX_PARAMS + 16];
  int      nf, lineNo = 1;
  PetscInt cap = 64;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(m, sizeof(*m)));
  GaleSweepFmt(m->root, sizeof(m->root), "%s", root);
  GaleSweepFmt(m->path, sizeof(m->path), "%s/manifest.csv", root);
  fp = fopen(m->path, "r");
  PetscCheck(fp, PETSC_COMM_SELF, GALE_ERR_USER, "%s: cannot open: %s", m->path, strerror(errno));
  PetscCall(PetscMalloc1(1 << 16, &line));
  nf = fgets(line, 1 << 16, fp) ? SplitCSV(line, f, GALE_SWEEP_MAX_PARAMS + 16) : -1;
  if (nf < 2 + NTAIL || strcmp(f[0], "id") || strcmp(f[1], "role") || strcmp(f[nf - NTAIL], "status") || strcmp(f[nf - 1], "message")) {
    fclose(fp);
    PetscCall(PetscFree(line));
    SETERRQ(PETSC_COMM_SELF, GALE_ERR_USER, "%s:1: not a Gale sweep manifest (expected the header id,role,<parameters>,status,...,message)", m->path);
  }
  m->nparams = nf - 2 - NTAIL;
  PetscCall(PetscMalloc1(m->nparams + 1, &m->names));
  for (PetscInt p = 0; p < m->nparams; p++) GaleSweepFmt(m->names[p], GALE_NAME_LEN, "%s", f[2 + p]);
  PetscCall(PetscCalloc1(cap, &m->e));
  while (fgets(line, 1 << 16, fp)) {
    GaleSweepEntry *e;
    PetscBool       ok;
    int             k;
    lineNo++;
    if (!line[strspn(line, " \r\n")]) continue;
    if (m->n == cap) {
      GaleSweepEntry *ne;
      PetscCall(PetscCalloc1(2 * cap, &ne));
      PetscCall(PetscArraycpy(ne, m->e, cap));
      PetscCall(PetscFree(m->e));
      m->e = ne;
      cap *= 2;
    }
    e  = &m->e[m->n];
    nf = SplitCSV(line, f, GALE_SWEEP_MAX_PARAMS + 16);
    ok = (PetscBool)(nf == m->nparams + 2 + NTAIL && strlen(f[0]) < sizeof(e->id) && f[0][0] && !strchr(f[0], '/') && (!strcmp(f[1], "train") || !strcmp(f[1], "holdout")));
    if (ok) {
      PetscCall(PetscMalloc1(m->nparams + 1, &e->params));
      m->n++;
      strcpy(e->id, f[0]);
      e->holdout = (PetscBool)!strcmp(f[1], "holdout");
      for (PetscInt p = 0; p < m->nparams && ok; p++) ok = (PetscBool)(ReadNumber(f[2 + p], &e->params[p]) && isfinite(e->params[p]));
      k = 2 + (int)m->nparams;
      {
        int st = 0;
        while (GaleSampleStatuses[st] && strcmp(GaleSampleStatuses[st], f[k])) st++;
        ok        = (PetscBool)(ok && GaleSampleStatuses[st]);
        e->status = GaleSampleStatuses[st] ? (GaleSampleStatus)st : GALE_SAMPLE_PENDING;
      }
      {
        PetscReal it  = 0;
        e->converged  = (PetscBool)!strcmp(f[k + 1], "true");
        ok            = (PetscBool)(ok && ReadNumber(f[k + 2], &it) && ReadNumber(f[k + 3], &e->wallTime) && ReadNumber(f[k + 4], &e->coef[0]) && ReadNumber(f[k + 5], &e->coef[1]) && ReadNumber(f[k + 6], &e->coef[2]));
        e->iterations = isfinite(it) ? (PetscInt)it : 0;
      }
      GaleSweepFmt(e->message, sizeof(e->message), "%s", f[k + 8]);
    }
    if (!ok) {
      PetscInt np = m->nparams;
      fclose(fp);
      PetscCall(PetscFree(line));
      PetscCall(GaleManifestDestroy(m));
      SETERRQ(PETSC_COMM_SELF, GALE_ERR_USER, "%s:%d: cannot read this row (expected id,role,%d parameter values,status,...; the file is written by gale sweep)", m->path, lineNo, (int)np);
    }
  }
  fclose(fp);
  PetscCall(PetscFree(line));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static void PutNumber(FILE *fp, PetscReal v)
{
  char buf[64];
  if (!isfinite(v)) return;
  GaleYamlFormatReal(v, buf, sizeof(buf));
  fputs(buf, fp);
}

PetscErrorCode GaleManifestWrite(const GaleManifest *m)
{
  char  tmp[GALE_PATH_LEN + 8];
  FILE *fp;
  int   bad;

  PetscFunctionBeginUser;
  GaleSweepFmt(tmp, sizeof(tmp), "%s.tmp", m->path);
  fp = fopen(tmp, "w");
  PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot create: %s", tmp, strerror(errno));
  fprintf(fp, "id,role");
  for (PetscInt p = 0; p < m->nparams; p++) fprintf(fp, ",%s", m->names[p]);
  for (int k = 0; k < NTAIL; k++) fprintf(fp, ",%s", TailCols[k]);
  fputc('\n', fp);
  for (PetscInt i = 0; i < m->n; i++) {
    const GaleSweepEntry *e    = &m->e[i];
    PetscBool             have = (PetscBool)(e->status == GALE_SAMPLE_DONE || e->status == GALE_SAMPLE_FAILED);
    fprintf(fp, "%s,%s", e->id, e->holdout ? "holdout" : "train");
    for (PetscInt p = 0; p < m->nparams; p++) {
      fputc(',', fp);
      PutNumber(fp, e->params[p]);
    }
    fprintf(fp, ",%s,%s,", GaleSampleStatuses[e->status], have && e->iterations > 0 ? (e->converged ? "true" : "false") : "");
    if (have && e->iterations > 0) fprintf(fp, "%" PetscInt_FMT, e->iterations);
    fputc(',', fp);
    if (have) PutNumber(fp, e->wallTime);
    for (int c = 0; c < 3; c++) {
      fputc(',', fp);
      if (have) PutNumber(fp, e->coef[c]);
    }
    fprintf(fp, ",%s/results,\"", e->id);
    for (const char *s = e->message; *s; s++) {
      if (*s == '"') fputc('"', fp);
      fputc(*s == '\n' || *s == '\r' ? ' ' : *s, fp);
    }
    fprintf(fp, "\"\n");
  }
  bad = ferror(fp);
  bad |= fflush(fp);
  bad |= fsync(fileno(fp));
  bad |= fclose(fp);
  PetscCheck(!bad, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "%s: write failed", tmp);
  PetscCheck(rename(tmp, m->path) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot rename %s to %s: %s", tmp, m->path, strerror(errno));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleManifestDestroy(GaleManifest *m)
{
  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < m->n; i++) PetscCall(PetscFree(m->e[i].params));
  PetscCall(PetscFree(m->e));
  PetscCall(PetscFree(m->names));
  m->n = m->nparams = 0;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* results/summary.yaml: status, converged, iterations, wall_time, coefficients. */
typedef struct {
  PetscBool found;
  char      status[32];
  PetscBool converged;
  PetscInt  iterations;
  PetscReal wall, coef[3];
} Summary;

static void ReadSummary(const char *path, Summary *s)
{
  FILE           *fp = fopen(path, "rb");
  yaml_parser_t   parser;
  yaml_document_t doc;
  yaml_node_t    *root;

  memset(s, 0, sizeof(*s));
  s->coef[0] = s->coef[1] = s->coef[2] = NAN;
  s->wall                              = NAN;
  if (!fp) return;
  if (!yaml_parser_initialize(&parser)) {
    fclose(fp);
    return;
  }
  yaml_parser_set_input_file(&parser, fp);
  if (yaml_parser_load(&parser, &doc)) {
    root = yaml_document_get_root_node(&doc);
    if (root && root->type == YAML_MAPPING_NODE) {
      for (yaml_node_pair_t *pr = root->data.mapping.pairs.start; pr < root->data.mapping.pairs.top; pr++) {
        yaml_node_t *k = yaml_document_get_node(&doc, pr->key), *v = yaml_document_get_node(&doc, pr->value);
        const char  *key = k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : "";
        const char  *val = v->type == YAML_SCALAR_NODE ? (const char *)v->data.scalar.value : "";
        if (!strcmp(key, "status")) {
          GaleSweepFmt(s->status, sizeof(s->status), "%s", val);
          s->found = PETSC_TRUE;
        } else if (!strcmp(key, "converged"))
          s->converged = (PetscBool)!strcmp(val, "true");
        else if (!strcmp(key, "iterations"))
          s->iterations = (PetscInt)atol(val);
        else if (!strcmp(key, "wall_time"))
          s->wall = strtod(val, NULL);
        else if (!strcmp(key, "coefficients") && v->type == YAML_MAPPING_NODE) {
          for (yaml_node_pair_t *q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top; q++) {
            yaml_node_t *ck = yaml_document_get_node(&doc, q->key), *cv = yaml_document_get_node(&doc, q->value);
            const char  *cn = ck->type == YAML_SCALAR_NODE ? (const char *)ck->data.scalar.value : "";
            int          c  = !strcmp(cn, "Cd") ? 0 : !strcmp(cn, "Cl") ? 1 : !strcmp(cn, "Cm") ? 2 : -1;
            if (c >= 0 && cv->type == YAML_SCALAR_NODE) s->coef[c] = strtod((const char *)cv->data.scalar.value, NULL);
          }
        }
      }
    }
    yaml_document_delete(&doc);
  }
  yaml_parser_delete(&parser);
  fclose(fp);
}

/* A run that ended well: converged, or stopped at max_iterations (steady)
 * or end_time (transient); diverged and interrupted runs are failures. */
static PetscBool Finished(const Summary *s)
{
  return (PetscBool)(s->found && (!strcmp(s->status, "converged") || !strcmp(s->status, "max_iterations") || !strcmp(s->status, "end_time")));
}

/* First "gale: error" line of log.txt (the cause; later lines follow from it). */
static void ErrorFromLog(const char *path, char *msg, size_t len)
{
  FILE *fp = fopen(path, "r");
  char  line[1024];

  if (!fp) return;
  while (fgets(line, sizeof(line), fp))
    if (!strncmp(line, "gale: error", 11) || strstr(line, "ORTE was unable") || strstr(line, "srun: error")) {
      line[strcspn(line, "\r\n")] = 0;
      GaleSweepFmt(msg, len, "%s", line);
      break;
    }
  fclose(fp);
}

PetscErrorCode GaleSweepSampleRefresh(const char *root, GaleSweepEntry *e)
{
  char    path[GALE_PATH_LEN + 64], job[512] = "", host[256] = "";
  FILE   *fp;
  Summary s;

  PetscFunctionBeginUser;
  GaleSweepFmt(path, sizeof(path), "%s/%s/job.status", root, e->id);
  if ((fp = fopen(path, "r"))) {
    size_t n = fread(job, 1, sizeof(job) - 1, fp);
    job[n]   = 0;
    fclose(fp);
  }
  GaleSweepFmt(path, sizeof(path), "%s/%s/results/summary.yaml", root, e->id);
  ReadSummary(path, &s);
  e->message[0] = 0;
  e->converged  = s.converged;
  e->iterations = s.iterations;
  e->wallTime   = s.wall;
  for (int c = 0; c < 3; c++) e->coef[c] = s.coef[c];
  if (!strncmp(job, "running", 7)) {
    const char *h = strstr(job, "host="), *p = strstr(job, "pid=");
    long        pid = p ? atol(p + 4) : 0;
    e->status       = GALE_SAMPLE_RUNNING;
    gethostname(host, sizeof(host) - 1);
    if (h && pid > 0 && !strncmp(h + 5, host, strlen(host)) && (h[5 + strlen(host)] == ' ' || h[5 + strlen(host)] == '\n' || !h[5 + strlen(host)]) && kill((pid_t)pid, 0) && errno == ESRCH) {
      /* the run is gone and no one recorded how it ended: its summary tells */
      e->status = Finished(&s) ? GALE_SAMPLE_DONE : GALE_SAMPLE_FAILED;
      if (e->status == GALE_SAMPLE_FAILED) GaleSweepFmt(e->message, sizeof(e->message), "the run (pid %ld) ended without an exit status (killed?)", pid);
    }
  } else if (!strncmp(job, "invalid", 7)) {
    const char *nl = strchr(job, '\n');
    e->status      = GALE_SAMPLE_FAILED;
    GaleSweepFmt(e->message, sizeof(e->message), "%s", nl ? nl + 1 : "invalid case");
    e->message[strcspn(e->message, "\r\n")] = 0;
  } else if (!strncmp(job, "exit ", 5)) {
    int rc    = atoi(job + 5);
    e->status = rc == 0 && Finished(&s) ? GALE_SAMPLE_DONE : GALE_SAMPLE_FAILED;
    if (e->status == GALE_SAMPLE_FAILED) {
      GaleSweepFmt(path, sizeof(path), "%s/%s/log.txt", root, e->id);
      ErrorFromLog(path, e->message, sizeof(e->message));
      if (!e->message[0]) {
        if (s.found && rc)
          GaleSweepFmt(e->message, sizeof(e->message), "run %s (exit status %d; see %s/log.txt)", s.status, rc, e->id);
        else if (rc)
          GaleSweepFmt(e->message, sizeof(e->message), "exit status %d (see %s/log.txt)", rc, e->id);
        else
          GaleSweepFmt(e->message, sizeof(e->message), "no results/summary.yaml after the run (see %s/log.txt)", e->id);
      }
    }
  } else if (s.found) {
    /* run by hand, without job.status */
    e->status = Finished(&s) ? GALE_SAMPLE_DONE : GALE_SAMPLE_FAILED;
    if (e->status == GALE_SAMPLE_FAILED) GaleSweepFmt(e->message, sizeof(e->message), "run %s", s.status);
  } else
    e->status = GALE_SAMPLE_PENDING;
  if (e->status == GALE_SAMPLE_DONE && !e->converged) GaleSweepFmt(e->message, sizeof(e->message), "stopped at max_iterations without converging");
  PetscFunctionReturn(PETSC_SUCCESS);
}
