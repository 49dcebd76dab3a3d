/* GaleRegressor: a map from d inputs to m outputs learnt from n samples,
 * behind one interface with implementations chosen by name:
 *   "gpr"  Gaussian-process regression, squared-exponential ARD kernel,
 *          one GP per output, hyperparameters by maximum marginal
 *          likelihood; gives a predictive variance (gpr.c)
 *   "rbf"  radial-basis-function interpolation with a linear polynomial
 *          tail (thin-plate spline by default) (rbf.c)
 *   "mlp"  multilayer perceptron, tanh hidden layers, Adam, early
 *          stopping on a validation split (mlp.c)
 * Inputs are mapped to [-1, 1] per dimension (min-max over the training
 * set) and outputs standardised (mean 0, standard deviation 1) before the
 * implementation sees them; predictions are mapped back. Options the
 * implementations understand are listed in docs/surrogate.md.
 * Arrays are row-major: X[i*d + j] is input j of sample i, Y[i*m + k]
 * output k of sample i. Serial: no MPI. */
#ifndef GALE_REGRESSOR_H
#define GALE_REGRESSOR_H

#include "gale_sys.h"

typedef struct _p_GaleRegressor *GaleRegressor;

/* type: "gpr", "rbf" or "mlp". */
PetscErrorCode GaleRegressorCreate(const char *type, GaleRegressor *reg);
PetscErrorCode GaleRegressorDestroy(GaleRegressor *reg);
/* Space-separated list of the registered names ("gpr rbf mlp"). */
PetscErrorCode GaleRegressorListTypes(const char **list);
PetscErrorCode GaleRegressorGetType(GaleRegressor reg, const char **type);

/* Options before Fit: one key/value ("length_scale", "0.3") or a
 * comma-separated list ("kernel=tps,smoothing=1e-10"). Unknown keys and
 * malformed values are errors that list what is accepted. */
PetscErrorCode GaleRegressorSetOption(GaleRegressor reg, const char *key, const char *value);
PetscErrorCode GaleRegressorSetOptions(GaleRegressor reg, const char *list);
/* The options set so far, as a comma-separated list (borrowed). */
PetscErrorCode GaleRegressorGetOptions(GaleRegressor reg, const char **list);

/* Learn from n samples (n >= 1; rbf needs n >= d + 1). */
PetscErrorCode GaleRegressorFit(GaleRegressor reg, PetscInt n, PetscInt d, PetscInt m, const PetscReal X[], const PetscReal Y[]);
/* y (np x m) at x (np x d); var (np x m, may be NULL) is the predictive
 * variance of the noise-free output, 0 from regressors without one. */
PetscErrorCode GaleRegressorPredict(GaleRegressor reg, PetscInt np, const PetscReal x[], PetscReal y[], PetscReal var[]);
PetscErrorCode GaleRegressorGetSizes(GaleRegressor reg, PetscInt *n, PetscInt *d, PetscInt *m);
/* Does Predict give a variance (gpr) or zeros (rbf, mlp)? */
PetscErrorCode GaleRegressorHasVariance(GaleRegressor reg, PetscBool *has);

/* gpr only: hyperparameters of output k in the normalised variables:
 * length scales (d of them) in units of the [-1, 1] inputs, signal and
 * noise variance in units of the standardised output; lml the log
 * marginal likelihood. Outputs may be NULL. */
PetscErrorCode GaleRegressorGPRGetHyperparameters(GaleRegressor reg, PetscInt k, PetscReal lengths[], PetscReal *signalVar, PetscReal *noiseVar, PetscReal *lml);

#endif
