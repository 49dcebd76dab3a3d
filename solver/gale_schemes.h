/* Convection face values, pointwise (shared by CPU loops and CUDA kernels).
 * All schemes are written as an upwind value plus a correction that the
 * momentum equation applies as deferred correction (explicit source):
 *   upwind        phi_f = phi_U
 *   linearUpwind  phi_f = phi_U + (grad phi)_U . (x_f - x_U)
 *   linear        phi_f = w phi_P + (1-w) phi_N
 *   vanLeer       phi_f = phi_U + psi(r) (phi_lin - phi_U), TVD limiter
 *                 psi = (r+|r|)/(1+|r|), r = 2 d.(grad phi)_U/(phi_D-phi_U) - 1
 *                 (Jasak's gradient-based r on unstructured meshes). */
#ifndef GALE_SCHEMES_H
#define GALE_SCHEMES_H

#include "gale_sys.h"
#include "gale_case.h"

/* Limited non-orthogonal correction (OpenFOAM's limitedSnGrad, "limited
 * corrected psi", solver.non_orthogonal_limit), for every Laplacian (p, U,
 * the turbulence fields) as OpenFOAM's default laplacianSchemes: the
 * explicit part kg = k.(grad phi)_f may not exceed psi / (1 - psi) times
 * the orthogonal part |deltaCoeff (phi_N - phi_P)| of the current phi (psi 1: unlimited, the
 * default; 0.5: at most the orthogonal part; 0: no correction). Unlimited,
 * the correction feeds a cell's own pressure back through its Gauss
 * gradient with a gain of about |k| sum_f |S_f| / (2 V deltaCoeff), which
 * exceeds 1 in the flattened cells that snapping leaves against a wall
 * (V ~ 1e-7 m^3 next to 1e-4 m^2 faces in cases/f1car): a pressure spike in
 * such a cell then grows by ~10 % per SIMPLE iteration until the run
 * diverges. It is not the default: on fair meshes it stalls convergence
 * where p_N - p_P is small (pitzDaily k-epsilon stops near a pressure
 * residual of 1e-3 with psi 0.5). */
GALE_HD static inline PetscReal GaleNonOrthLimited(PetscReal kg, PetscReal orth, PetscReal psi)
{
  PetscReal a, b;
  if (psi >= 1) return kg;
  if (psi <= 0) return 0;
  a = PetscAbsReal(kg);
  b = psi / (1 - psi) * PetscAbsReal(orth);
  return a > b ? kg * b / a : kg;
}

GALE_HD static inline PetscReal GaleFaceValue(GaleConvection scheme, PetscReal phiU, PetscReal phiD, PetscReal phiLin, PetscReal gradU_dotUf, PetscReal gradU_dotUD)
{
  switch (scheme) {
  case GALE_CONV_UPWIND:
    return phiU;
  case GALE_CONV_LINEARUPWIND:
    return phiU + gradU_dotUf;
  case GALE_CONV_LINEAR:
    return phiLin;
  case GALE_CONV_VANLEER: {
    PetscReal dphi = phiD - phiU, r, psi;
    if (PetscAbsReal(dphi) < 1e-300) return phiU;
    r   = 2.0 * gradU_dotUD / dphi - 1.0;
    psi = (r + PetscAbsReal(r)) / (1.0 + PetscAbsReal(r));
    return phiU + psi * (phiLin - phiU);
  }
  }
  return phiU;
}

#endif
