/* Designs in the unit cube for the box parameters of a sweep.
 *
 * Latin hypercube (McKay, Beckman & Conover 1979): dimension j of point i
 * is (pi_j(i) + u_ij) / n with pi_j a random permutation and u_ij uniform
 * in [0, 1), so each of the n strata of every dimension holds one point.
 * Of `candidates` such designs the maximin one is kept (largest smallest
 * pairwise distance; Morris & Mitchell 1995).
 *
 * Sobol sequence (Sobol 1967) with the direction numbers of Joe & Kuo
 * (2008, new-joe-kuo-6.21201, dimensions 2-21), generated in Gray-code
 * order (x_i = XOR of v_k over the bits k of i ^ (i >> 1)), as scipy's
 * unscrambled `qmc.Sobol`. A digital shift (XOR with one random 32-bit
 * word per dimension) randomises it and keeps the (t, m, s)-net property.
 *
 * Random numbers: splitmix64 (Steele, Lea & Flood 2014) from the seed, so
 * designs are the same on every machine. */
#include <math.h>
#include <stdint.h>
#include "gale_sweep.h"

static uint64_t SplitMix(uint64_t *s)
{
  uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
  z          = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z          = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

static PetscReal Uniform(uint64_t *s)
{
  return (PetscReal)(SplitMix(s) >> 11) * (1.0 / 9007199254740992.0);
}

static PetscReal MinDistance2(PetscInt n, PetscInt d, const PetscReal x[])
{
  PetscReal best = PETSC_MAX_REAL;
  for (PetscInt i = 0; i < n; i++)
    for (PetscInt k = i + 1; k < n; k++) {
      PetscReal s = 0;
      for (PetscInt j = 0; j < d; j++) s += (x[i * d + j] - x[k * d + j]) * (x[i * d + j] - x[k * d + j]);
      if (s < best) best = s;
    }
  return best;
}

PetscErrorCode GaleSweepLatinHypercube(PetscInt n, PetscInt d, PetscInt64 seed, PetscInt candidates, PetscReal x[])
{
  uint64_t   st = (uint64_t)seed;
  PetscInt  *perm;
  PetscReal *y, best = -1;

  PetscFunctionBeginUser;
  PetscCheck(n >= 1 && d >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "Latin hypercube of %" PetscInt_FMT " points in %" PetscInt_FMT " dimensions", n, d);
  if (candidates < 1) candidates = 1;
  if ((PetscReal)n * n * d * candidates > 1e9) candidates = 1; /* maximin costs n^2 d per candidate */
  PetscCall(PetscMalloc2(n, &perm, n * d, &y));
  for (PetscInt c = 0; c < candidates; c++) {
    PetscReal dist;
    for (PetscInt j = 0; j < d; j++) {
      for (PetscInt i = 0; i < n; i++) perm[i] = i;
      for (PetscInt i = n - 1; i > 0; i--) { /* Fisher-Yates */
        PetscInt k = (PetscInt)(SplitMix(&st) % (uint64_t)(i + 1)), t = perm[i];
        perm[i] = perm[k];
        perm[k] = t;
      }
      for (PetscInt i = 0; i < n; i++) y[i * d + j] = ((PetscReal)perm[i] + Uniform(&st)) / (PetscReal)n;
    }
    dist = candidates > 1 ? MinDistance2(n, d, y) : 0;
    if (dist > best) {
      best = dist;
      PetscCall(PetscArraycpy(x, y, n * d));
    }
  }
  PetscCall(PetscFree2(perm, y));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Joe & Kuo (2008) new-joe-kuo-6.21201: for dimensions 2..21 the degree s
 * of the primitive polynomial, its coefficients a and the initial
 * direction numbers m_1..m_s. */
static const struct {
  int      s, a;
  unsigned m[7];
} JoeKuo[GALE_SOBOL_MAX_DIM - 1] = {
    {1, 0, {1}},
    {2, 1, {1, 3}},
    {3, 1, {1, 3, 1}},
    {3, 2, {1, 1, 1}},
    {4, 1, {1, 1, 3, 3}},
    {4, 4, {1, 3, 5, 13}},
    {5, 2, {1, 1, 5, 5, 17}},
    {5, 4, {1, 1, 5, 5, 5}},
    {5, 7, {1, 1, 7, 11, 19}},
    {5, 11, {1, 1, 5, 1, 1}},
    {5, 13, {1, 1, 1, 3, 11}},
    {5, 14, {1, 3, 5, 5, 31}},
    {6, 1, {1, 3, 3, 9, 7, 49}},
    {6, 13, {1, 1, 1, 15, 21, 21}},
    {6, 16, {1, 3, 1, 13, 27, 49}},
    {6, 19, {1, 1, 1, 15, 7, 5}},
    {6, 22, {1, 3, 1, 15, 13, 25}},
    {6, 25, {1, 1, 5, 5, 19, 61}},
    {7, 1, {1, 3, 7, 11, 23, 15, 103}},
    {7, 4, {1, 3, 7, 13, 13, 15, 69}},
};

#define SOBOL_BITS 32

static void SobolDirections(PetscInt j, uint64_t v[SOBOL_BITS])
{
  if (j == 0) {
    for (int k = 0; k < SOBOL_BITS; k++) v[k] = 1ULL << (SOBOL_BITS - 1 - k);
    return;
  }
  {
    int s = JoeKuo[j - 1].s, a = JoeKuo[j - 1].a;
    for (int k = 0; k < SOBOL_BITS; k++) {
      if (k < s)
        v[k] = (uint64_t)JoeKuo[j - 1].m[k] << (SOBOL_BITS - 1 - k);
      else {
        v[k] = v[k - s] ^ (v[k - s] >> s);
        for (int l = 1; l < s; l++)
          if ((a >> (s - 1 - l)) & 1) v[k] ^= v[k - l];
      }
    }
  }
}

PetscErrorCode GaleSweepSobol(PetscInt n, PetscInt d, PetscInt64 seed, PetscReal x[])
{
  uint64_t v[SOBOL_BITS], st = (uint64_t)seed;

  PetscFunctionBeginUser;
  PetscCheck(d >= 1 && d <= GALE_SOBOL_MAX_DIM, PETSC_COMM_SELF, GALE_ERR_USER, "Sobol sampling of %" PetscInt_FMT " box parameters: at most %d are supported (use method: lhs)", d, GALE_SOBOL_MAX_DIM);
  PetscCheck(n >= 1 && (uint64_t)n < (1ULL << SOBOL_BITS), PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "Sobol sampling of %" PetscInt_FMT " points", n);
  for (PetscInt j = 0; j < d; j++) {
    uint64_t shift = seed ? SplitMix(&st) >> SOBOL_BITS : 0;
    SobolDirections(j, v);
    for (PetscInt i = 0; i < n; i++) {
      uint64_t g = (uint64_t)i ^ ((uint64_t)i >> 1), w = 0;
      for (int k = 0; g; k++, g >>= 1)
        if (g & 1) w ^= v[k];
      x[i * d + j] = (PetscReal)(w ^ shift) / 4294967296.0;
    }
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}
