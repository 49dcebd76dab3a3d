/* Airfoil grid generator for the case's `mesh: airfoil:` section: a
 * structured, one-cell-thick C-grid (or O-grid) around a NACA 4-digit
 * airfoil of chord 1 (leading edge at the origin, trailing edge at (1, 0))
 * out to a circle of radius R around C = (1/2, 0).
 *
 * Surface. Thickness y_t(x) = (t/0.12) 0.594689181 (0.298222773 sqrt(x)
 * - 0.127125232 x - 0.357907906 x^2 + 0.291984971 x^3 - 0.105174606 x^4),
 * the NASA TMR's NACA 0012 (the classical section rescaled so that the
 * trailing edge closes sharply at x = 1); camber line y_c(x) (two parabolas
 * meeting at x = p) and surfaces (x -/+ y_t sin th, y_c +/- y_t cos th),
 * tan th = y_c'(x), as in Abbott & von Doenhoff. Points are evaluated at
 * x = u^2, which keeps the leading edge regular in u. Each surface gets
 * cells_around/2 cells spaced along its arc length by Vinokur's two-sided
 * stretching (J. Comput. Phys. 50, 1983) between the given spacings at the
 * leading and trailing edges.
 *
 * Columns. The grid's inner curve is the airfoil, counter-clockwise from
 * the trailing edge (O-grid, periodic), or for a C-grid the wake cut
 * y = 0, 1 < x < x_w (cells_wake cells on each side, stretched from the
 * trailing-edge spacing) followed by the airfoil and the cut again. Each
 * inner point S_i has an outer point O_i on the circle (OuterPoints) and a
 * line of M cells to it: distances d_j = h_i (q^j - 1)/(q - 1) with h_i the
 * first cell height and q fixed by d_M = |O_i - S_i|; point j is
 *   X_ij = (1 - w) (S_i + d_j n_i(sigma)) + w (S_i + d_j (O_i - S_i)/d_M)
 * with n_i(sigma) the unit normal averaged along the inner curve with a
 * Gaussian of width sigma = min(d_j, SIGMA_MAX) (the first layers are
 * extruded exactly along the surface normal; a sharp corner opens into a
 * fan instead of folding) and w a smooth step in log d from 0 at
 * BLEND_START to 1 at BLEND_END, beyond which the lines run straight to the
 * circle. The C-grid's outflow is the two columns at x_w, where the circle
 * is OUTFLOW_ANGLE off the x axis.
 *
 * Mesh. Points (i, j, k): column i = 0..Nc, layer j = 0..M, k = 0, 1 at
 * z = 0 and z = span (the O-grid's column Nc and the lower side of the cut
 * are their twins' points). Cell (i, j) is i + Nc j. Faces follow
 * OpenFOAM: internal faces (across the cut too) sorted by (owner,
 * neighbour) with owner < neighbour, then the patches airfoil (wall),
 * farfield (patch: the circle and the C-grid's outflow) and frontAndBack
 * (empty). */
#include "gale_mesh.h"
#include "gale_case.h"

#define TMR_K 0.594689181
#define BLEND_START 0.1               /* distance where the grid lines start turning toward the farfield */
#define BLEND_END 5.0                 /* distance from which they run straight to it */
#define SIGMA_MAX 0.5                 /* widest normal averaging, chords */
#define TABLE_SIZE 8192               /* arc-length table intervals per surface */
#define DEFAULT_SPACE 0.2             /* default LE and TE spacing / mean spacing of a surface */
#define OUTFLOW_ANGLE (PETSC_PI / 18) /* C-grid: the outflow columns end 10 degrees off the x axis */
#define WAKE_GROWTH 0.25              /* C-grid: the first cell height doubles this far behind the trailing edge */
#define WAKE_END 0.08                 /* C-grid: spacing along the cut at the outflow / farfield radius */

static const PetscReal TmrA[5] = {0.298222773, -0.127125232, -0.357907906, 0.291984971, -0.105174606};

typedef struct {
  PetscReal m, p, K; /* max camber, its chord position, thickness factor (t/0.12) TMR_K */
} Naca;

static PetscErrorCode ParseNaca(MPI_Comm comm, const char *s, Naca *a)
{
  PetscFunctionBeginUser;
  PetscCheck(strlen(s) == 4 && s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' && s[2] >= '0' && s[2] <= '9' && s[3] >= '0' && s[3] <= '9', comm, GALE_ERR_USER, "mesh.airfoil.naca: '%s' (expected 4 digits, e.g. \"0012\" or \"2412\")", s);
  a->m = (s[0] - '0') / 100.0;
  a->p = (s[1] - '0') / 10.0;
  a->K = TMR_K * (10 * (s[2] - '0') + (s[3] - '0')) / 12.0;
  PetscCheck(a->K > 0, comm, GALE_ERR_USER, "mesh.airfoil.naca: '%s' has zero thickness (expected the last two digits > 0)", s);
  PetscCheck(a->m == 0 || a->p > 0, comm, GALE_ERR_USER, "mesh.airfoil.naca: '%s' has camber but its position digit is 0 (expected 1-9, tenths of the chord)", s);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Upper (side +1) or lower (side -1) surface point at x = u^2, and d/du. */
static void NacaPoint(const Naca *a, PetscReal u, int side, PetscReal X[2], PetscReal dX[2])
{
  const PetscReal x = u * u, *A = TmrA;
  const PetscReal yt  = a->K * (A[0] * u + x * (A[1] + x * (A[2] + x * (A[3] + x * A[4]))));
  const PetscReal dyt = a->K * (A[0] + 2 * u * (A[1] + x * (2 * A[2] + x * (3 * A[3] + x * 4 * A[4]))));
  PetscReal       yc, ycx, ycxx, c, s, thu;

  if (a->m == 0) {
    X[0]  = x;
    X[1]  = side * yt;
    dX[0] = 2 * u;
    dX[1] = side * dyt;
    return;
  }
  if (x < a->p) {
    const PetscReal f = a->m / (a->p * a->p);
    yc                = f * (2 * a->p * x - x * x);
    ycx               = 2 * f * (a->p - x);
    ycxx              = -2 * f;
  } else {
    const PetscReal f = a->m / ((1 - a->p) * (1 - a->p));
    yc                = f * (1 - 2 * a->p + 2 * a->p * x - x * x);
    ycx               = 2 * f * (a->p - x);
    ycxx              = -2 * f;
  }
  c     = 1 / PetscSqrtReal(1 + ycx * ycx);
  s     = ycx * c;
  thu   = ycxx * 2 * u / (1 + ycx * ycx);
  X[0]  = x - side * yt * s;
  X[1]  = yc + side * yt * c;
  dX[0] = 2 * u - side * (dyt * s + yt * c * thu);
  dX[1] = ycx * 2 * u + side * (dyt * c - yt * s * thu);
}

/* Solve f(y) = B on (lo, hi) by bisection, f increasing (sinh y / y) or
 * decreasing (sin y / y). */
static PetscReal SolveStretch(PetscReal B, PetscBool hyperbolic)
{
  PetscReal lo = 1e-10, hi = hyperbolic ? 100 : PETSC_PI - 1e-12;
  for (int it = 0; it < 200; it++) {
    const PetscReal y = 0.5 * (lo + hi), f = hyperbolic ? PetscSinhReal(y) / y : PetscSinReal(y) / y;
    if ((f < B) == hyperbolic)
      lo = y;
    else
      hi = y;
  }
  return 0.5 * (lo + hi);
}

/* Vinokur's two-sided stretching: t[0..n] from 0 to 1 with first interval
 * ~ds0 and last ~ds1 (fractions of the length). */
static void Vinokur(PetscInt n, PetscReal ds0, PetscReal ds1, PetscReal *t)
{
  const PetscReal s0 = 1 / (n * ds0), s1 = 1 / (n * ds1), B = PetscSqrtReal(s0 * s1), A = PetscSqrtReal(s0 / s1);
  PetscReal       dy = 0;

  if (B > 1.001)
    dy = SolveStretch(B, PETSC_TRUE);
  else if (B < 0.999)
    dy = SolveStretch(B, PETSC_FALSE);
  for (PetscInt k = 0; k <= n; k++) {
    const PetscReal xi = (PetscReal)k / n;
    PetscReal       u;
    if (B > 1.001)
      u = 0.5 * (1 + PetscTanhReal(dy * (xi - 0.5)) / PetscTanhReal(0.5 * dy));
    else if (B < 0.999)
      u = 0.5 * (1 + PetscTanReal(dy * (xi - 0.5)) / PetscTanReal(0.5 * dy));
    else
      u = xi * (1 + 2 * (B - 1) * (xi - 0.5) * (1 - xi));
    t[k] = u / (A + (1 - A) * u);
  }
  t[0] = 0;
  t[n] = 1;
}

/* Parameters u[0..n] (u = sqrt(x), 0 at the leading edge) of one surface's
 * points, spaced in arc length from ds_le to ds_te (0: default). */
static PetscErrorCode SurfaceParameters(MPI_Comm comm, const Naca *a, int side, PetscInt n, PetscReal ds_le, PetscReal ds_te, PetscReal *u)
{
  PetscReal *S, *t, len, X0[2], X1[2], dX[2];

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2(TABLE_SIZE + 1, &S, n + 1, &t));
  S[0] = 0;
  NacaPoint(a, 0, side, X0, dX);
  for (PetscInt k = 1; k <= TABLE_SIZE; k++) {
    NacaPoint(a, (PetscReal)k / TABLE_SIZE, side, X1, dX);
    S[k]  = S[k - 1] + PetscSqrtReal((X1[0] - X0[0]) * (X1[0] - X0[0]) + (X1[1] - X0[1]) * (X1[1] - X0[1]));
    X0[0] = X1[0];
    X0[1] = X1[1];
  }
  len = S[TABLE_SIZE];
  if (ds_le <= 0) ds_le = DEFAULT_SPACE * len / n;
  if (ds_te <= 0) ds_te = DEFAULT_SPACE * len / n;
  PetscCheck(ds_le < len / 2 && ds_te < len / 2, comm, GALE_ERR_USER, "mesh.airfoil: le_spacing %g / te_spacing %g exceed half the surface length %g (expected small fractions of the chord)", (double)ds_le, (double)ds_te, (double)len);
  Vinokur(n, ds_le / len, ds_te / len, t);
  for (PetscInt k = 0, q = 0; k <= n; k++) {
    const PetscReal s = t[k] * len;
    while (q < TABLE_SIZE - 1 && S[q + 1] < s) q++;
    u[k] = ((PetscReal)q + (s - S[q]) / (S[q + 1] - S[q])) / TABLE_SIZE;
  }
  u[0] = 0;
  u[n] = 1;
  PetscCall(PetscFree2(S, t));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Airfoil points S[2m..] and unit tangents T[2m..] in the direction of
 * increasing m, m = 0..Na counter-clockwise from the trailing edge (the
 * upper surface first; m = Na is the trailing edge again). */
static PetscErrorCode AirfoilLoop(MPI_Comm comm, const Naca *a, PetscInt Na, PetscReal ds_le, PetscReal ds_te, PetscReal *S, PetscReal *T)
{
  const PetscInt n = Na / 2;
  PetscReal     *uu, *ul;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2(n + 1, &uu, n + 1, &ul));
  PetscCall(SurfaceParameters(comm, a, 1, n, ds_le, ds_te, uu));
  PetscCall(SurfaceParameters(comm, a, -1, n, ds_le, ds_te, ul));
  for (PetscInt m = 0; m <= Na; m++) {
    const int upper = m <= n; /* u decreases along the upper surface */
    PetscReal dX[2], t;
    NacaPoint(a, upper ? uu[n - m] : ul[m - n], upper ? 1 : -1, S + 2 * m, dX);
    t            = (upper ? -1 : 1) / PetscSqrtReal(dX[0] * dX[0] + dX[1] * dX[1]);
    T[2 * m]     = t * dX[0];
    T[2 * m + 1] = t * dX[1];
  }
  S[2 * Na]     = S[0];
  S[2 * Na + 1] = S[1];
  PetscCall(PetscFree2(uu, ul));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* d[0..n]: d[0] = 0, geometric steps from h with d[n] = D. */
static PetscErrorCode Geometric(MPI_Comm comm, PetscInt n, PetscReal h, PetscReal D, PetscReal *d)
{
  PetscReal lo = 0.2, hi = 10, q = 1;

  PetscFunctionBeginUser;
  PetscCheck(h * (PetscPowReal(hi, (PetscReal)n) - 1) / (hi - 1) > D && h * (PetscPowReal(lo, (PetscReal)n) - 1) / (lo - 1) < D, comm, GALE_ERR_USER,
             "mesh.airfoil: cannot grade %" PetscInt_FMT " cells from a first height %g to a length %g (expected growth ratios between 0.2 and 10: change first_cell or cells_normal)", n, (double)h, (double)D);
  for (int it = 0; it < 200; it++) {
    q = 0.5 * (lo + hi);
    if ((PetscAbsReal(q - 1) < 1e-12 ? n * h : h * (PetscPowReal(q, (PetscReal)n) - 1) / (q - 1)) < D)
      lo = q;
    else
      hi = q;
  }
  d[0] = 0;
  for (PetscInt j = 1; j <= n; j++) d[j] = d[j - 1] + h * PetscPowReal(q, (PetscReal)(j - 1));
  d[n] = D;
  PetscFunctionReturn(PETSC_SUCCESS);
}

static inline PetscReal Dist(const PetscReal *p, const PetscReal *q)
{
  return PetscSqrtReal((q[0] - p[0]) * (q[0] - p[0]) + (q[1] - p[1]) * (q[1] - p[1]));
}

/* Columns i = 0..Nc of the grid: the inner curve (O-grid: the airfoil,
 * closed, column Nc = column 0; C-grid: the upper side of the wake cut from
 * the outflow to the trailing edge, the airfoil, the lower side of the cut
 * back to the outflow), the outer boundary point of each column and the
 * first cell height of its line. */
typedef struct {
  PetscInt   Na, Nw, Nc, M;  /* cells on the airfoil, along each side of the cut, per layer (Na + 2 Nw); layers */
  PetscReal *in, *nrm, *out; /* 2 (Nc+1): inner points, unit normals into the domain, outer points */
  PetscReal *s, *ds, *h;     /* Nc+1: arc length along the inner curve, each point's share of it, first height */
  PetscReal  L;              /* length of the inner curve */
} Layout;

static PetscErrorCode LayoutFree(Layout *ly)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree3(ly->in, ly->nrm, ly->out));
  PetscCall(PetscFree3(ly->s, ly->ds, ly->h));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Inner points and tangents (stored in nrm, turned into normals here). */
static PetscErrorCode InnerCurve(MPI_Comm comm, const GaleAirfoilSettings *as, const Naca *a, Layout *ly)
{
  const PetscInt  Na = ly->Na, Nw = ly->Nw, Nc = ly->Nc;
  const PetscReal xw = 0.5 + as->farfield * PetscCosReal(OUTFLOW_ANGLE);
  PetscReal      *S, *T, *dx, *X = ly->in, *t = ly->nrm;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc3(2 * (Na + 1), &S, 2 * (Na + 1), &T, Nw + 1, &dx));
  PetscCall(AirfoilLoop(comm, a, Na, as->le_spacing, as->te_spacing, S, T));
  for (PetscInt m = 0; m <= Na; m++)
    for (int k = 0; k < 2; k++) {
      X[2 * (Nw + m) + k] = S[2 * m + k];
      t[2 * (Nw + m) + k] = T[2 * m + k];
    }
  if (Nw) { /* the cut: stretched from the trailing-edge spacing to WAKE_END R at the outflow */
    Vinokur(Nw, Dist(S, S + 2) / (xw - 1), WAKE_END * as->farfield / (xw - 1), dx);
    for (PetscInt k = 1; k <= Nw; k++) {
      const PetscInt up = Nw - k, lo = Nw + Na + k;
      X[2 * up] = X[2 * lo] = 1 + (xw - 1) * dx[k];
      X[2 * up + 1] = X[2 * lo + 1] = 0;
      t[2 * up]                     = -1;
      t[2 * lo]                     = 1;
      t[2 * up + 1] = t[2 * lo + 1] = 0;
    }
    /* the trailing edge on each side of the cut: bisect the corner */
    t[2 * Nw]            = T[0] - 1;
    t[2 * Nw + 1]        = T[1];
    t[2 * (Nw + Na)]     = T[2 * Na] + 1;
    t[2 * (Nw + Na) + 1] = T[2 * Na + 1];
  } else { /* sharp trailing edge of the O-grid: bisect the two surfaces */
    t[0] = t[2 * Na] = T[2 * Na] + T[0];
    t[1] = t[2 * Na + 1] = T[2 * Na + 1] + T[1];
  }
  for (PetscInt i = 0; i <= Nc; i++) {
    const PetscReal m = PetscSqrtReal(t[2 * i] * t[2 * i] + t[2 * i + 1] * t[2 * i + 1]), tx = t[2 * i] / m;
    t[2 * i]     = t[2 * i + 1] / m;
    t[2 * i + 1] = -tx;
  }
  ly->s[0] = 0;
  for (PetscInt i = 1; i <= Nc; i++) ly->s[i] = ly->s[i - 1] + Dist(X + 2 * (i - 1), X + 2 * i);
  ly->L = ly->s[Nc];
  for (PetscInt i = 0; i <= Nc; i++) {
    const PetscReal prev = i > 0 ? ly->s[i] - ly->s[i - 1] : (Nw ? 0 : ly->L - ly->s[Nc - 1]);
    const PetscReal next = i < Nc ? ly->s[i + 1] - ly->s[i] : (Nw ? 0 : ly->s[1]);
    ly->ds[i]            = 0.5 * (prev + next);
  }
  PetscCall(PetscFree3(S, T, dx));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Outer points on the circle of radius R around C = (1/2, 0): the O-grid's
 * at angles 2 pi s/L; the C-grid's airfoil columns evenly in angle over the
 * front arc between the trailing edge's columns (straight above and below
 * it), its wake columns above and below x from 1 to the outflow
 * (which meets the circle at OUTFLOW_ANGLE), stretched from the spacing of
 * the airfoil's columns at the trailing edge to that of the cut at the
 * outflow. First cell heights: first_cell on the airfoil, growing along the
 * cut as 1 + ((x - 1)/WAKE_GROWTH)^2. */
static PetscErrorCode OuterPoints(const GaleAirfoilSettings *as, Layout *ly)
{
  const PetscInt  Na = ly->Na, Nw = ly->Nw;
  const PetscReal R = as->farfield, C[2] = {0.5, 0}, pu = PetscAtan2Real(PetscSqrtReal(R * R - 0.25), 0.5);
  const PetscReal xw = C[0] + R * PetscCosReal(OUTFLOW_ANGLE);
  PetscReal      *X;

  PetscFunctionBeginUser;
  for (PetscInt i = Nw; i <= Nw + Na; i++) {
    const PetscReal phi = Nw ? pu + (2 * PETSC_PI - 2 * pu) * (i - Nw) / Na : 2 * PETSC_PI * ly->s[i] / ly->L;
    ly->out[2 * i]      = C[0] + R * PetscCosReal(phi);
    ly->out[2 * i + 1]  = C[1] + R * PetscSinReal(phi);
    ly->h[i]            = as->first_cell;
  }
  if (Nw) {
    PetscCall(PetscMalloc1(Nw + 1, &X));
    Vinokur(Nw, Dist(ly->out + 2 * Nw, ly->out + 2 * (Nw + 1)) / (xw - 1), WAKE_END * R / (xw - 1), X);
    for (PetscInt k = 1; k <= Nw; k++) {
      const PetscInt  up = Nw - k, lo = Nw + Na + k;
      const PetscReal x = 1 + (xw - 1) * X[k], H = PetscSqrtReal(PetscMax(R * R - (x - C[0]) * (x - C[0]), 0));
      ly->out[2 * up] = ly->out[2 * lo] = x;
      ly->out[2 * up + 1]               = H;
      ly->out[2 * lo + 1]               = -H;
      ly->h[up] = ly->h[lo] = PetscMin(as->first_cell * (1 + PetscSqr((ly->in[2 * up] - 1) / WAKE_GROWTH)), 0.5 * H / ly->M);
    }
    PetscCall(PetscFree(X));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Unit normal of column i averaged along the inner curve with a Gaussian
 * of width sigma (each point weighted by its share ds of the arc length). */
static void SmoothNormal(const Layout *ly, PetscInt i, PetscReal sigma, PetscReal out[2])
{
  const PetscInt n    = ly->Nw ? ly->Nc + 1 : ly->Nc; /* O-grid: column Nc repeats 0 */
  PetscReal      v[2] = {0, 0}, m;

  for (PetscInt k = 0; k < n; k++) {
    PetscReal dist = PetscAbsReal(ly->s[k] - ly->s[i]), g;
    if (!ly->Nw) dist = PetscMin(dist, ly->L - dist);
    if (k != i && dist > 6 * sigma) continue;
    g = k == i ? ly->ds[k] : ly->ds[k] * PetscExpReal(-0.5 * dist * dist / (sigma * sigma));
    v[0] += g * ly->nrm[2 * k];
    v[1] += g * ly->nrm[2 * k + 1];
  }
  m      = PetscSqrtReal(v[0] * v[0] + v[1] * v[1]);
  out[0] = v[0] / m;
  out[1] = v[1] / m;
}

/* 2D points X[2 (i + (Nc+1) j)] of every column and layer; checks that
 * every cell is a convex quadrilateral. */
static PetscErrorCode GridPoints(MPI_Comm comm, const Layout *ly, PetscReal *X)
{
  const PetscInt Nc = ly->Nc, M = ly->M, W = Nc + 1;
  PetscReal     *d;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(W * (M + 1), &d));
  for (PetscInt i = 0; i <= Nc; i++) {
    const PetscErrorCode ierr = Geometric(comm, M, ly->h[i], Dist(ly->in + 2 * i, ly->out + 2 * i), d + i * (M + 1));
    if (ierr) PetscCall(PetscFree(d));
    PetscCall(ierr);
  }
  for (PetscInt j = 0; j <= M; j++)
    for (PetscInt i = 0; i <= Nc; i++) {
      const PetscReal *P = ly->in + 2 * i, *O = ly->out + 2 * i, dij = d[i * (M + 1) + j], D = d[i * (M + 1) + M];
      const PetscReal  t = dij > BLEND_START ? PetscMin(PetscLogReal(dij / BLEND_START) / PetscLogReal(PetscMin(D, BLEND_END) / BLEND_START), 1.0) : 0;
      const PetscReal  w = j == M ? 1 : t * t * (3 - 2 * t);
      PetscReal        n[2];
      if (!ly->Nw && i == Nc) { /* O-grid: the last column closes the loop */
        X[2 * (i + W * j)]     = X[2 * W * j];
        X[2 * (i + W * j) + 1] = X[2 * W * j + 1];
        continue;
      }
      SmoothNormal(ly, i, PetscMin(dij, SIGMA_MAX), n);
      for (int k = 0; k < 2; k++) X[2 * (i + W * j) + k] = (1 - w) * (P[k] + dij * n[k]) + w * (P[k] + dij / D * (O[k] - P[k]));
    }
  PetscCall(PetscFree(d));
  for (PetscInt j = 0; j < M; j++)
    for (PetscInt i = 0; i < Nc; i++) {
      /* corners counter-clockwise: (i,j), (i,j+1), (i+1,j+1), (i+1,j) */
      const PetscReal *p[4] = {X + 2 * (i + W * j), X + 2 * (i + W * (j + 1)), X + 2 * (i + 1 + W * (j + 1)), X + 2 * (i + 1 + W * j)};
      for (int c = 0; c < 4; c++) {
        const PetscReal *o = p[c], *q = p[(c + 1) % 4], *r = p[(c + 3) % 4];
        PetscCheck((q[0] - o[0]) * (r[1] - o[1]) - (q[1] - o[1]) * (r[0] - o[0]) > 0, comm, GALE_ERR_USER,
                   "mesh.airfoil: cell (%" PetscInt_FMT ", %" PetscInt_FMT ") near (%g, %g) is folded or not convex (expected a valid grid; try more cells_around, more cells_normal or a larger first_cell)", i, j, (double)o[0], (double)o[1]);
      }
    }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static inline void Quad(PetscInt *fp, PetscInt a, PetscInt b, PetscInt c, PetscInt d)
{
  fp[0] = a;
  fp[1] = b;
  fp[2] = c;
  fp[3] = d;
}

static PetscErrorCode SetPatch(GalePatch *P, const char *name, const char *type, PetscInt start, PetscInt size)
{
  PetscFunctionBeginUser;
  PetscCall(PetscStrncpy(P->name, name, sizeof(P->name)));
  PetscCall(PetscStrncpy(P->type, type, sizeof(P->type)));
  P->start = start;
  P->size  = size;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Faces of the Nc x M cells (cell (i, j) = i + Nc j). Point (i, j, k) is
 * pid[i + (Nc+1) j] + np2 k. Since e_i x e_j = -e_z, each quad below has
 * its right-hand normal along the direction named in its comment. */
static PetscErrorCode FillFaces(GaleMesh m, const Layout *ly, const PetscInt *pid, PetscInt np2)
{
  const PetscInt Na = ly->Na, Nw = ly->Nw, Nc = ly->Nc, M = ly->M;
  PetscInt       f = 0, *fp = m->facePoints;
#define P(i, j, k) (pid[(i) + (Nc + 1) * (j)] + np2 * (k))
#define FACE_I(a, j, sgn) /* i-face on column a, +i or -i */ ((sgn) > 0 ? Quad(fp + 4 * f, P(a, j, 0), P(a, j, 1), P(a, j + 1, 1), P(a, j + 1, 0)) : Quad(fp + 4 * f, P(a, j, 0), P(a, j + 1, 0), P(a, j + 1, 1), P(a, j, 1)))
#define FACE_J(i, b, sgn) /* j-face on layer b, +j or -j */ ((sgn) > 0 ? Quad(fp + 4 * f, P(i, b, 0), P(i + 1, b, 0), P(i + 1, b, 1), P(i, b, 1)) : Quad(fp + 4 * f, P(i, b, 0), P(i, b, 1), P(i + 1, b, 1), P(i + 1, b, 0)))

  PetscFunctionBeginUser;
  for (PetscInt j = 0; j < M; j++)
    for (PetscInt i = 0; i < Nc; i++) {
      const PetscInt c = i + Nc * j;
      if (i + 1 < Nc) { /* +i to (i+1, j) */
        FACE_I(i + 1, j, 1);
        m->owner[f]       = c;
        m->neighbour[f++] = c + 1;
      }
      if (!Nw && i == 0) { /* -i to (Nc-1, j) across the trailing-edge line of the O-grid */
        FACE_I(0, j, -1);
        m->owner[f]       = c;
        m->neighbour[f++] = c + Nc - 1;
      }
      if (Nw && j == 0 && i < Nw) { /* -j across the wake cut to the cell below */
        FACE_J(i, 0, -1);
        m->owner[f]       = c;
        m->neighbour[f++] = Nc - 1 - i;
      }
      if (j + 1 < M) { /* +j to (i, j+1) */
        FACE_J(i, j + 1, 1);
        m->owner[f]       = c;
        m->neighbour[f++] = c + Nc;
      }
    }
  PetscCheck(f == m->nInternalFaces, m->comm, PETSC_ERR_PLIB, "airfoil mesh: %" PetscInt_FMT " internal faces, expected %" PetscInt_FMT, f, m->nInternalFaces);
  PetscCall(SetPatch(&m->patches[0], "airfoil", "wall", f, Na));
  for (PetscInt i = Nw; i < Nw + Na; i++, f++) { /* -j, into the airfoil */
    FACE_J(i, 0, -1);
    m->owner[f] = i;
  }
  PetscCall(SetPatch(&m->patches[1], "farfield", "patch", f, Nc + (Nw ? 2 * M : 0)));
  for (PetscInt j = 0; j < M && Nw; j++, f++) { /* -i, the upper outflow */
    FACE_I(0, j, -1);
    m->owner[f] = Nc * j;
  }
  for (PetscInt i = 0; i < Nc; i++, f++) { /* +j, the circle */
    FACE_J(i, M, 1);
    m->owner[f] = i + Nc * (M - 1);
  }
  for (PetscInt j = 0; j < M && Nw; j++, f++) { /* +i, the lower outflow */
    FACE_I(Nc, j, 1);
    m->owner[f] = Nc - 1 + Nc * j;
  }
  PetscCall(SetPatch(&m->patches[2], "frontAndBack", "empty", f, 2 * Nc * M));
  for (PetscInt k = 0; k < 2; k++)
    for (PetscInt j = 0; j < M; j++)
      for (PetscInt i = 0; i < Nc; i++, f++) {
        if (k == 0)
          Quad(fp + 4 * f, P(i, j, 0), P(i + 1, j, 0), P(i + 1, j + 1, 0), P(i, j + 1, 0)); /* -z */
        else
          Quad(fp + 4 * f, P(i, j, 1), P(i, j + 1, 1), P(i + 1, j + 1, 1), P(i + 1, j, 1)); /* +z */
        m->owner[f] = i + Nc * j;
      }
#undef FACE_J
#undef FACE_I
#undef P
  for (PetscInt g = 0; g <= m->nFaces; g++) m->faceOffsets[g] = 4 * g;
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode CheckSettings(MPI_Comm comm, const GaleAirfoilSettings *as)
{
  PetscFunctionBeginUser;
  PetscCheck(as->cells_around >= 16 && as->cells_around % 2 == 0, comm, GALE_ERR_USER, "mesh.airfoil.cells_around = %" PetscInt_FMT " (expected an even number >= 16)", as->cells_around);
  PetscCheck(as->cells_wake >= 0, comm, GALE_ERR_USER, "mesh.airfoil.cells_wake = %" PetscInt_FMT " (expected 0 for an O-grid or a positive number for a C-grid)", as->cells_wake);
  PetscCheck(as->cells_normal >= 4, comm, GALE_ERR_USER, "mesh.airfoil.cells_normal = %" PetscInt_FMT " (expected at least 4)", as->cells_normal);
  PetscCheck(4.0 * (as->cells_around + 2.0 * as->cells_wake + 1) * (as->cells_normal + 1) < PETSC_MAX_INT, comm, GALE_ERR_USER, "mesh.airfoil: %" PetscInt_FMT " + 2 x %" PetscInt_FMT " by %" PetscInt_FMT " cells, too many for 32-bit indices",
             as->cells_around, as->cells_wake, as->cells_normal);
  PetscCheck(as->farfield >= 2 && PetscIsNormalReal(as->farfield), comm, GALE_ERR_USER, "mesh.airfoil.farfield = %g (expected a radius of at least 2 chords)", (double)as->farfield);
  PetscCheck(as->first_cell > 0 && as->first_cell < 0.1, comm, GALE_ERR_USER, "mesh.airfoil.first_cell = %g (expected a wall-normal height in (0, 0.1) chords)", (double)as->first_cell);
  PetscCheck(as->span > 0 && PetscIsNormalReal(as->span), comm, GALE_ERR_USER, "mesh.airfoil.span = %g (expected a positive thickness in z)", (double)as->span);
  PetscCheck(as->le_spacing >= 0 && as->te_spacing >= 0, comm, GALE_ERR_USER, "mesh.airfoil: le_spacing %g, te_spacing %g (expected positive spacings, or 0 for the default)", (double)as->le_spacing, (double)as->te_spacing);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Grid points, numbered in one pass: pid[i + (Nc+1) j] is the 2D point of
 * column i, layer j (the O-grid's last column and the lower side of the cut
 * reuse their twins). Returns the 2D points in Y and their count. */
static PetscErrorCode NumberPoints(const Layout *ly, const PetscReal *X, PetscInt *pid, PetscReal *Y, PetscInt *np2)
{
  const PetscInt Na = ly->Na, Nw = ly->Nw, Nc = ly->Nc, W = Nc + 1;

  PetscFunctionBeginUser;
  *np2 = 0;
  for (PetscInt j = 0; j <= ly->M; j++)
    for (PetscInt i = 0; i <= Nc; i++) {
      PetscInt twin = -1;
      if (!Nw && i == Nc) twin = W * j;
      if (Nw && j == 0 && i >= Nw + Na) twin = Nc - i;
      if (twin >= 0)
        pid[i + W * j] = pid[twin];
      else {
        Y[2 * *np2]     = X[2 * (i + W * j)];
        Y[2 * *np2 + 1] = X[2 * (i + W * j) + 1];
        pid[i + W * j]  = (*np2)++;
      }
    }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode GaleMeshBuildAirfoil(MPI_Comm comm, const GaleAirfoilSettings *as, GaleMesh *mesh)
{
  Layout         ly;
  Naca           a;
  PetscReal     *X, *Y;
  PetscInt      *pid, W, np2, nint, nbnd;
  GaleMesh       m;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCheck(as && mesh, comm, PETSC_ERR_ARG_NULL, "GaleMeshBuildAirfoil: NULL settings or mesh argument");
  *mesh = NULL;
  PetscCall(CheckSettings(comm, as));
  PetscCall(ParseNaca(comm, as->naca, &a));
  PetscCall(PetscMemzero(&ly, sizeof(ly)));
  ly.Na = as->cells_around;
  ly.Nw = as->cells_wake;
  ly.Nc = ly.Na + 2 * ly.Nw;
  ly.M  = as->cells_normal;
  W     = ly.Nc + 1;
  PetscCall(PetscMalloc3(2 * W, &ly.in, 2 * W, &ly.nrm, 2 * W, &ly.out));
  PetscCall(PetscMalloc3(W, &ly.s, W, &ly.ds, W, &ly.h));
  PetscCall(PetscMalloc3(2 * W * (ly.M + 1), &X, 2 * W * (ly.M + 1), &Y, W * (ly.M + 1), &pid));
  ierr = InnerCurve(comm, as, &a, &ly);
  if (!ierr) ierr = OuterPoints(as, &ly);
  if (!ierr) ierr = GridPoints(comm, &ly, X);
  if (ierr) {
    PetscCall(LayoutFree(&ly));
    PetscCall(PetscFree3(X, Y, pid));
  }
  PetscCall(ierr);
  PetscCall(NumberPoints(&ly, X, pid, Y, &np2));
  nint = (ly.Nw ? ly.Nc - 1 : ly.Nc) * ly.M + ly.Nc * (ly.M - 1) + ly.Nw;
  nbnd = ly.Na + ly.Nc + (ly.Nw ? 2 * ly.M : 0) + 2 * ly.Nc * ly.M;
  PetscCall(GaleMeshCreate(comm, &m));
  PetscCall(GaleMeshAllocate(m, 2 * np2, nint + nbnd, nint, 4 * (nint + nbnd), ly.Nc * ly.M, 3));
  for (PetscInt k = 0; k < 2; k++)
    for (PetscInt p = 0; p < np2; p++) {
      PetscReal *x = m->points + 3 * (p + np2 * k);
      x[0]         = Y[2 * p];
      x[1]         = Y[2 * p + 1];
      x[2]         = k * as->span;
    }
  PetscCall(FillFaces(m, &ly, pid, np2));
  PetscCall(LayoutFree(&ly));
  PetscCall(PetscFree3(X, Y, pid));
  PetscCall(GaleMeshComputeGeometry(m));
  PetscCall(GaleMeshSetSerialNumbering(m));
  *mesh = m;
  PetscFunctionReturn(PETSC_SUCCESS);
}
