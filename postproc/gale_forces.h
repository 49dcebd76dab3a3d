/* Forces and moments on wall patches, and their coefficients.
 * Force exerted by the fluid on the body through boundary faces (S_f points
 * out of the fluid, into the body):
 *   F_p = rho sum_f p_f S_f
 *   F_v = -rho nu sum_f |S_f| (deltaCoeff_f (U_b - U_P) + k_f.(grad U)_P)
 *         (wall shear, with the non-orthogonal correction of the momentum
 *         equation so forces balance its boundary fluxes)
 *   M   = sum_f (C_f - c_ofr) x (dF_p + dF_v)
 * Coefficients: C_d = F.e_drag / (1/2 rho_ref U_ref^2 A_ref), C_l with
 * e_lift, C_m = M.(e_lift x e_drag) / (1/2 rho U^2 A L). */
#ifndef GALE_FORCES_H
#define GALE_FORCES_H

#include "gale_solver.h"

typedef struct {
  PetscReal Fp[3], Fv[3], M[3];
  PetscReal Cd, Cl, Cm;
} GaleForces;

/* Sum over the case's force patches on all ranks (collective). */
PetscErrorCode GaleForcesCompute(GaleSolver s, GaleForces *F);

#endif
