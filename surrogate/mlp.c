/* Multilayer perceptron ("mlp") on the normalised data: layers
 *   a_0 = x,  a_l = tanh(W_l a_{l-1} + b_l) (hidden),  y = W_L a_{L-1} + b_L
 * trained on the mean squared error by mini-batch Adam (Kingma & Ba 2015;
 * beta1 0.9, beta2 0.999, eps 1e-8) with a cosine learning-rate decay to
 * 1% over the epochs, Glorot-uniform initial weights, and early stopping:
 * a fixed fraction of the samples (option validation, default 0.2; none
 * below 10 samples) is held out, and the weights with the lowest
 * validation error are kept, training stopping after `patience` epochs
 * without improvement. Batches go through BLAS dgemm (row-major:
 * Z = A W^T). Everything random (split, initial weights, batch order)
 * comes from one generator seeded by option seed, so training is
 * deterministic for a given BLAS. */
#include <math.h>
#include <string.h>
#include <cblas.h>
#include "surrogate_impl.h"

typedef struct {
  /* options */
  PetscInt  hidden, width, epochs, batch, patience, seed;
  PetscReal lr, validation, decay;
  /* network: L weight layers, size[0] = d .. size[L] = m */
  PetscInt   L, nParam, *size, *off; /* off[l-1]: W_l in theta, b_l follows */
  PetscReal *theta;
  /* scratch for B rows */
  PetscInt   maxB, maxW;
  PetscReal *act; /* L+1 blocks of maxB x maxW */
  PetscReal *d0, *d1;
  /* training report */
  PetscInt  epochsRun, bestEpoch;
  PetscReal bestLoss;
} MLP;

static const char MLPKeys[] = "hidden_layers, width, epochs, learning_rate, batch, validation, patience, seed, weight_decay";

static PetscErrorCode MLPSetOption(GaleRegressor reg, const char *key, const char *value, PetscBool *found)
{
  MLP *p = (MLP *)reg->data;

  PetscFunctionBeginUser;
  *found = PETSC_TRUE;
  if (!strcmp(key, "hidden_layers"))
    PetscCall(GaleRegressorParseInt(reg, key, value, 1, 16, &p->hidden));
  else if (!strcmp(key, "width"))
    PetscCall(GaleRegressorParseInt(reg, key, value, 1, 4096, &p->width));
  else if (!strcmp(key, "epochs"))
    PetscCall(GaleRegressorParseInt(reg, key, value, 1, 10000000, &p->epochs));
  else if (!strcmp(key, "learning_rate"))
    PetscCall(GaleRegressorParseReal(reg, key, value, 1e-8, 10, &p->lr));
  else if (!strcmp(key, "batch"))
    PetscCall(GaleRegressorParseInt(reg, key, value, 0, 100000000, &p->batch));
  else if (!strcmp(key, "validation"))
    PetscCall(GaleRegressorParseReal(reg, key, value, 0, 0.5, &p->validation));
  else if (!strcmp(key, "patience"))
    PetscCall(GaleRegressorParseInt(reg, key, value, 1, 10000000, &p->patience));
  else if (!strcmp(key, "seed"))
    PetscCall(GaleRegressorParseInt(reg, key, value, 0, PETSC_MAX_INT, &p->seed));
  else if (!strcmp(key, "weight_decay"))
    PetscCall(GaleRegressorParseReal(reg, key, value, 0, 1, &p->decay));
  else
    *found = PETSC_FALSE;
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode Layout(MLP *p, PetscInt d, PetscInt m)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree2(p->size, p->off));
  PetscCall(PetscFree(p->theta));
  p->L = p->hidden + 1;
  PetscCall(PetscMalloc2(p->L + 1, &p->size, p->L, &p->off));
  p->size[0] = d;
  for (PetscInt l = 1; l < p->L; l++) p->size[l] = p->width;
  p->size[p->L] = m;
  p->nParam     = 0;
  p->maxW       = 0;
  for (PetscInt l = 1; l <= p->L; l++) {
    p->off[l - 1] = p->nParam;
    p->nParam += p->size[l] * (p->size[l - 1] + 1);
  }
  for (PetscInt l = 0; l <= p->L; l++) p->maxW = PetscMax(p->maxW, p->size[l]);
  PetscCall(PetscCalloc1(p->nParam, &p->theta));
  p->maxB = 0;
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode EnsureScratch(MLP *p, PetscInt B)
{
  PetscFunctionBeginUser;
  if (B <= p->maxB) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(PetscFree3(p->act, p->d0, p->d1));
  PetscCall(PetscMalloc3((size_t)(p->L + 1) * B * p->maxW, &p->act, (size_t)B * p->maxW, &p->d0, (size_t)B * p->maxW, &p->d1));
  p->maxB = B;
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscReal *Act(MLP *p, PetscInt l)
{
  return p->act + (size_t)l * p->maxB * p->maxW;
}

/* Activations of B rows x (B x d) with parameters th; output in Act(L). */
static void Forward(MLP *p, const PetscReal *th, PetscInt B, const PetscReal *x)
{
  memcpy(Act(p, 0), x, sizeof(PetscReal) * (size_t)B * p->size[0]);
  for (PetscInt l = 1; l <= p->L; l++) {
    const PetscInt   in = p->size[l - 1], out = p->size[l];
    const PetscReal *W = th + p->off[l - 1], *b = W + (size_t)out * in;
    PetscReal       *Z = Act(p, l);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, out, in, 1.0, Act(p, l - 1), in, W, in, 0.0, Z, out);
    for (PetscInt r = 0; r < B; r++)
      for (PetscInt o = 0; o < out; o++) Z[r * out + o] = l < p->L ? tanh(Z[r * out + o] + b[o]) : Z[r * out + o] + b[o];
  }
}

/* Mean squared error of the last Forward against y (B x m). */
static PetscReal Loss(MLP *p, PetscInt B, const PetscReal *y)
{
  const PetscInt   m = p->size[p->L];
  const PetscReal *o = Act(p, p->L);
  PetscReal        s = 0;
  for (PetscInt i = 0; i < B * m; i++) s += (o[i] - y[i]) * (o[i] - y[i]);
  return s / (B * m);
}

/* Gradient of the batch MSE (after Forward) into g. */
static void Backward(MLP *p, const PetscReal *th, PetscInt B, const PetscReal *y, PetscReal *g)
{
  const PetscInt m  = p->size[p->L];
  PetscReal     *dl = p->d0, *dp = p->d1, *t;
  for (PetscInt i = 0; i < B * m; i++) dl[i] = 2.0 * (Act(p, p->L)[i] - y[i]) / (B * m);
  for (PetscInt l = p->L; l >= 1; l--) {
    const PetscInt   in = p->size[l - 1], out = p->size[l];
    const PetscReal *W = th + p->off[l - 1], *A = Act(p, l - 1);
    PetscReal       *gW = g + p->off[l - 1], *gb = gW + (size_t)out * in;
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, out, in, B, 1.0, dl, out, A, in, 0.0, gW, in);
    for (PetscInt o = 0; o < out; o++) gb[o] = 0;
    for (PetscInt r = 0; r < B; r++)
      for (PetscInt o = 0; o < out; o++) gb[o] += dl[r * out + o];
    if (l > 1) {
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, in, out, 1.0, dl, out, W, in, 0.0, dp, in);
      for (PetscInt i = 0; i < B * in; i++) dp[i] *= 1.0 - A[i] * A[i];
      t  = dl;
      dl = dp;
      dp = t;
    }
  }
}

static void InitWeights(MLP *p, uint64_t *rng)
{
  for (PetscInt l = 1; l <= p->L; l++) {
    const PetscInt in = p->size[l - 1], out = p->size[l];
    PetscReal      a = PetscSqrtReal(6.0 / (in + out)), *W = p->theta + p->off[l - 1];
    for (PetscInt i = 0; i < out * in; i++) W[i] = a * (2 * GaleRandUniform(rng) - 1);
    for (PetscInt o = 0; o < out; o++) W[out * in + o] = 0;
  }
}

typedef struct {
  PetscInt   nt, nv, B;
  PetscReal *Xt, *Yt, *Xv, *Yv, *xb, *yb; /* train, validation, batch */
  PetscInt  *order;
  PetscReal *cur, *g, *mom, *vel;
} Train;

/* One epoch of Adam over shuffled mini-batches; t counts steps. */
static void Epoch(MLP *p, Train *T, uint64_t *rng, PetscReal lr, PetscInt *t)
{
  const PetscInt d = p->size[0], m = p->size[p->L];
  GaleRandShuffle(rng, T->nt, T->order);
  for (PetscInt s = 0; s < T->nt; s += T->B) {
    const PetscInt B = PetscMin(T->B, T->nt - s);
    PetscReal      c1, c2;
    for (PetscInt r = 0; r < B; r++) {
      memcpy(T->xb + r * d, T->Xt + (size_t)T->order[s + r] * d, sizeof(PetscReal) * d);
      memcpy(T->yb + r * m, T->Yt + (size_t)T->order[s + r] * m, sizeof(PetscReal) * m);
    }
    Forward(p, T->cur, B, T->xb);
    Backward(p, T->cur, B, T->yb, T->g);
    (*t)++;
    c1 = 1.0 / (1.0 - PetscPowReal(0.9, (PetscReal)*t));
    c2 = 1.0 / (1.0 - PetscPowReal(0.999, (PetscReal)*t));
    for (PetscInt i = 0; i < p->nParam; i++) {
      PetscReal gi = T->g[i] + p->decay * T->cur[i];
      T->mom[i]    = 0.9 * T->mom[i] + 0.1 * gi;
      T->vel[i]    = 0.999 * T->vel[i] + 0.001 * gi * gi;
      T->cur[i] -= lr * (T->mom[i] * c1) / (PetscSqrtReal(T->vel[i] * c2) + 1e-8);
    }
  }
}

static PetscErrorCode MLPFit(GaleRegressor reg, PetscInt n, const PetscReal *X, const PetscReal *Y)
{
  MLP           *p = (MLP *)reg->data;
  const PetscInt d = reg->d, m = reg->m;
  uint64_t       rng = (uint64_t)p->seed * 0x2545F4914F6CDD1DULL + 1;
  PetscInt      *perm, t = 0, since = 0;
  Train          T;

  PetscFunctionBeginUser;
  PetscCall(Layout(p, d, m));
  T.nv = n >= 10 ? (PetscInt)(p->validation * n) : 0;
  T.nt = n - T.nv;
  T.B  = p->batch <= 0 || p->batch > T.nt ? T.nt : p->batch;
  PetscCall(EnsureScratch(p, PetscMax(T.B, T.nv)));
  PetscCall(PetscMalloc6((size_t)T.nt * d, &T.Xt, (size_t)T.nt * m, &T.Yt, (size_t)T.nv * d + 1, &T.Xv, (size_t)T.nv * m + 1, &T.Yv, (size_t)T.B * d, &T.xb, (size_t)T.B * m, &T.yb));
  PetscCall(PetscMalloc4(p->nParam, &T.cur, p->nParam, &T.g, p->nParam, &T.mom, p->nParam, &T.vel));
  PetscCall(PetscMalloc2(n, &perm, T.nt, &T.order));
  for (PetscInt i = 0; i < n; i++) perm[i] = i;
  GaleRandShuffle(&rng, n, perm);
  for (PetscInt i = 0; i < n; i++) {
    PetscBool val = i < T.nv;
    PetscInt  r   = val ? i : i - T.nv;
    memcpy((val ? T.Xv : T.Xt) + (size_t)r * d, X + (size_t)perm[i] * d, sizeof(PetscReal) * d);
    memcpy((val ? T.Yv : T.Yt) + (size_t)r * m, Y + (size_t)perm[i] * m, sizeof(PetscReal) * m);
  }
  for (PetscInt i = 0; i < T.nt; i++) T.order[i] = i;
  InitWeights(p, &rng);
  PetscCall(PetscArraycpy(T.cur, p->theta, p->nParam));
  PetscCall(PetscArrayzero(T.mom, p->nParam));
  PetscCall(PetscArrayzero(T.vel, p->nParam));
  p->bestLoss  = PETSC_INFINITY;
  p->bestEpoch = 0;
  for (p->epochsRun = 0; p->epochsRun < p->epochs && since < p->patience; p->epochsRun++) {
    PetscReal lr = p->lr * (0.01 + 0.99 * 0.5 * (1 + PetscCosReal(PETSC_PI * p->epochsRun / p->epochs))), loss;
    Epoch(p, &T, &rng, lr, &t);
    if (T.nv) {
      Forward(p, T.cur, T.nv, T.Xv);
      loss = Loss(p, T.nv, T.Yv);
    } else {
      PetscCall(EnsureScratch(p, T.nt));
      Forward(p, T.cur, T.nt, T.Xt);
      loss = Loss(p, T.nt, T.Yt);
    }
    if (!isfinite(loss)) break;
    if (loss < p->bestLoss) {
      p->bestLoss  = loss;
      p->bestEpoch = p->epochsRun;
      since        = 0;
      PetscCall(PetscArraycpy(p->theta, T.cur, p->nParam));
    } else
      since++;
  }
  PetscCall(PetscFree6(T.Xt, T.Yt, T.Xv, T.Yv, T.xb, T.yb));
  PetscCall(PetscFree4(T.cur, T.g, T.mom, T.vel));
  PetscCall(PetscFree2(perm, T.order));
  PetscCheck(p->epochsRun == p->epochs || since >= p->patience, PETSC_COMM_SELF, PETSC_ERR_NOT_CONVERGED, "regressor mlp: training diverged at epoch %" PetscInt_FMT " (lower learning_rate)", p->epochsRun);
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode MLPPredict(GaleRegressor reg, PetscInt np, const PetscReal *x, PetscReal *y, PetscReal *var)
{
  MLP *p = (MLP *)reg->data;

  PetscFunctionBeginUser;
  (void)var;
  PetscCall(EnsureScratch(p, np));
  Forward(p, p->theta, np, x);
  PetscCall(PetscArraycpy(y, Act(p, p->L), (size_t)np * reg->m));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode MLPSave(GaleRegressor reg, hid_t grp, const char *path)
{
  MLP    *p    = (MLP *)reg->data;
  hsize_t dp[] = {(hsize_t)p->nParam};

  PetscFunctionBeginUser;
  PetscCall(GaleSurH5WriteInts(grp, "layer_sizes", p->L + 1, p->size, path));
  PetscCall(GaleSurH5WriteReal(grp, "parameters", 1, dp, p->theta, path));
  PetscCall(GaleSurH5WriteAttrInt(grp, "epochs_run", p->epochsRun, path));
  PetscCall(GaleSurH5WriteAttrReal(grp, "best_loss", p->bestLoss, path));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode MLPLoad(GaleRegressor reg, hid_t grp, const char *path)
{
  MLP     *p = (MLP *)reg->data;
  PetscInt sizes[18];
  hsize_t  ds[2], dp[1];
  int      rank;

  PetscFunctionBeginUser;
  PetscCall(GaleSurH5GetShape(grp, "layer_sizes", &rank, ds, path));
  PetscCheck(rank == 1 && ds[0] >= 2 && ds[0] <= 18, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: mlp layer_sizes must list 2 to 18 layers", path);
  PetscCall(GaleSurH5ReadInts(grp, "layer_sizes", (PetscInt)ds[0], sizes, path));
  PetscCheck(sizes[0] == reg->d && sizes[ds[0] - 1] == reg->m, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: mlp layer sizes do not match %" PetscInt_FMT " inputs and %" PetscInt_FMT " outputs", path, reg->d, reg->m);
  for (hsize_t l = 1; l + 1 < ds[0]; l++) PetscCheck(sizes[l] == sizes[1] && sizes[l] >= 1 && sizes[l] <= 4096, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: mlp hidden layer sizes are inconsistent", path);
  p->hidden = (PetscInt)ds[0] - 2;
  p->width  = sizes[1];
  PetscCall(Layout(p, reg->d, reg->m));
  dp[0] = (hsize_t)p->nParam;
  PetscCall(GaleSurH5ReadReal(grp, "parameters", 1, dp, p->theta, path));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode MLPDestroy(GaleRegressor reg)
{
  MLP *p = (MLP *)reg->data;

  PetscFunctionBeginUser;
  PetscCall(PetscFree2(p->size, p->off));
  PetscCall(PetscFree(p->theta));
  PetscCall(PetscFree3(p->act, p->d0, p->d1));
  PetscCall(PetscFree(reg->data));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleRegressorCreate_MLP(GaleRegressor reg)
{
  MLP *p;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&p));
  p->hidden          = 2;
  p->width           = 32;
  p->epochs          = 3000;
  p->batch           = 32;
  p->patience        = 500;
  p->seed            = 1;
  p->lr              = 0.005;
  p->validation      = 0.2;
  reg->data          = p;
  reg->hasVariance   = PETSC_FALSE;
  reg->optionKeys    = MLPKeys;
  reg->ops.setoption = MLPSetOption;
  reg->ops.fit       = MLPFit;
  reg->ops.predict   = MLPPredict;
  reg->ops.save      = MLPSave;
  reg->ops.load      = MLPLoad;
  reg->ops.destroy   = MLPDestroy;
  PetscFunctionReturn(PETSC_SUCCESS);
}
