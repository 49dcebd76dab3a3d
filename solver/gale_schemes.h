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
