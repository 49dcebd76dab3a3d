# shellcheck shell=bash
# Shared helpers for the OpenFOAM side of Gale's benchmark (sourced, not run).
#
# Builds OpenFOAM v1912 case directories identical to Gale's benchmark cases
# (same mesh, same physics, same discretisation choices as far as the two
# codes allow), runs them at 1 or more MPI ranks and parses the solver log.
# Every function prints a clear message and returns non-zero on failure; the
# scripts that source this file run under `set -euo pipefail`.

BENCH_DIR=${BENCH_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
REPO_DIR=${REPO_DIR:-$(cd "$BENCH_DIR/.." && pwd)}
FOAM_TUTORIALS_DIR=${FOAM_TUTORIALS_DIR:-/usr/share/doc/openfoam-examples/examples}
FOAM_BASHRC=${FOAM_BASHRC:-/usr/share/openfoam/etc/bashrc}

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# Our runs are tiny; keep OpenMPI from binding both ranks to one core when
# oversubscribed and from nagging about missing network interfaces.
export OMPI_MCA_btl_vader_single_copy_mechanism=${OMPI_MCA_btl_vader_single_copy_mechanism:-none}

die() { echo "error: $*" >&2; exit 1; }
note() { echo "[bench] $*" >&2; }

# Load the OpenFOAM environment. Debian's bashrc prints harmless "foamEtcFile:
# No such file" messages and uses unset variables, so it is sourced with
# nounset/errexit off and its stderr dropped; we then check what we need.
foam_env() {
  [[ -r $FOAM_BASHRC ]] || die "OpenFOAM not found ($FOAM_BASHRC missing). Install it with: apt-get install -y openfoam openfoam-examples"
  set +eu
  # shellcheck disable=SC1090
  . "$FOAM_BASHRC" >/dev/null 2>&1
  set -eu
  local exe
  for exe in blockMesh decomposePar simpleFoam icoFoam postProcess mpirun; do
    command -v "$exe" >/dev/null || die "'$exe' not on PATH after sourcing $FOAM_BASHRC"
  done
  [[ -x /usr/bin/time ]] || die "/usr/bin/time missing (apt-get install -y time)"
}

# foam_header CLASS OBJECT [LOCATION]: the FoamFile header every dictionary needs.
foam_header() {
  cat <<EOF
FoamFile
{
    version     2.0;
    format      ascii;
    class       $1;
    object      $2;
}
EOF
}

# ---------------------------------------------------------------- case files

# Lid-driven cavity: unit square, 129 x 129 x 1 cells, z thickness 0.1.
# Patches: movingWall (y = 1, U = (1 0 0)), fixedWalls, frontAndBack (empty).
write_cavity_mesh_dict() { # CASE N
  local c=$1 n=$2
  { foam_header dictionary blockMeshDict; cat <<EOF
scale 1;
vertices
(
    (0 0 0) (1 0 0) (1 1 0) (0 1 0)
    (0 0 0.1) (1 0 0.1) (1 1 0.1) (0 1 0.1)
);
blocks ( hex (0 1 2 3 4 5 6 7) ($n $n 1) simpleGrading (1 1 1) );
edges ();
boundary
(
    movingWall   { type wall;  faces ((3 7 6 2)); }
    fixedWalls   { type wall;  faces ((0 4 7 3) (2 6 5 1) (1 5 4 0)); }
    frontAndBack { type empty; faces ((0 3 2 1) (4 5 6 7)); }
);
mergePatchPairs ();
EOF
  } > "$c/system/blockMeshDict"
}

write_cavity_fields() { # CASE
  local c=$1
  { foam_header volVectorField U; cat <<'EOF'
dimensions [0 1 -1 0 0 0 0];
internalField uniform (0 0 0);
boundaryField
{
    movingWall   { type fixedValue; value uniform (1 0 0); }
    fixedWalls   { type noSlip; }
    frontAndBack { type empty; }
}
EOF
  } > "$c/0/U"
  { foam_header volScalarField p; cat <<'EOF'
dimensions [0 2 -2 0 0 0 0];
internalField uniform 0;
boundaryField
{
    movingWall   { type zeroGradient; }
    fixedWalls   { type zeroGradient; }
    frontAndBack { type empty; }
}
EOF
  } > "$c/0/p"
}

# pitzDaily laminar: inlet U = (10 0 0), outlet p = 0, walls no-slip.
write_pitzdaily_fields() { # CASE
  local c=$1
  { foam_header volVectorField U; cat <<'EOF'
dimensions [0 1 -1 0 0 0 0];
internalField uniform (0 0 0);
boundaryField
{
    inlet        { type fixedValue; value uniform (10 0 0); }
    outlet       { type zeroGradient; }
    upperWall    { type noSlip; }
    lowerWall    { type noSlip; }
    frontAndBack { type empty; }
}
EOF
  } > "$c/0/U"
  { foam_header volScalarField p; cat <<'EOF'
dimensions [0 2 -2 0 0 0 0];
internalField uniform 0;
boundaryField
{
    inlet        { type zeroGradient; }
    outlet       { type fixedValue; value uniform 0; }
    upperWall    { type zeroGradient; }
    lowerWall    { type zeroGradient; }
    frontAndBack { type empty; }
}
EOF
  } > "$c/0/p"
}

write_physics() { # CASE NU
  local c=$1 nu=$2
  { foam_header dictionary transportProperties; cat <<EOF
transportModel Newtonian;
nu [0 2 -1 0 0 0 0] $nu;
EOF
  } > "$c/constant/transportProperties"
  { foam_header dictionary turbulenceProperties; echo "simulationType laminar;"; } \
    > "$c/constant/turbulenceProperties"
}

# controlDict: no intermediate writes (only the final state), so the timing
# is the solver's and not the disk's.
write_control() { # CASE SOLVER DT END_TIME [ICO_STEADY_TOL]
  local c=$1 solver=$2 dt=$3 end=$4 tol=${5:-}
  { foam_header dictionary controlDict; cat <<EOF
application     $solver;
startFrom       startTime;
startTime       0;
stopAt          endTime;
endTime         $end;
deltaT          $dt;
writeControl    timeStep;
writeInterval   1000000;
purgeWrite      0;
writeFormat     ascii;
writePrecision  10;
writeCompression off;
timeFormat      general;
timePrecision   8;
runTimeModifiable false;
EOF
  if [[ $solver == icoFoam && -n $tol ]]; then cat <<EOF
functions
{
    // icoFoam has no steady-state test of its own: stop (and write) once the
    // initial residuals of U and p at the start of a time step both fall
    // below $tol, i.e. the flow no longer changes.
    steadyStop
    {
        type            runTimeControl;
        libs            (utilityFunctionObjects);
        conditions   // all must hold (one per field: a multi-field
        {            // condition is met when any one field is below)
            residualU { type equationInitialResidual; fields (U); value $tol; mode minimum; }
            residualP { type equationInitialResidual; fields (p); value $tol; mode minimum; }
        }
        satisfiedAction end;
    }
}
EOF
  fi
  } > "$c/system/controlDict"
}

# Discretisation: Gauss linear gradients, bounded linearUpwind for U
# convection (Gale's default "linearUpwind"), linear interpolation, corrected
# Laplacian. icoFoam uses Euler in time with the same spatial schemes.
write_schemes() { # CASE SOLVER
  local c=$1 solver=$2 ddt div
  if [[ $solver == simpleFoam ]]; then
    ddt=steadyState; div="bounded Gauss linearUpwind grad(U)"
  else
    ddt=Euler; div="Gauss linearUpwind grad(U)"
  fi
  { foam_header dictionary fvSchemes; cat <<EOF
ddtSchemes      { default $ddt; }
gradSchemes     { default Gauss linear; }
divSchemes
{
    default         none;
    div(phi,U)      $div;
    div((nuEff*dev2(T(grad(U))))) Gauss linear;
}
laplacianSchemes { default Gauss linear corrected; }
interpolationSchemes { default linear; }
snGradSchemes   { default corrected; }
EOF
  } > "$c/system/fvSchemes"
}

# Linear solvers as Gale's defaults: p by algebraic multigrid to relTol 0.05,
# U by a Krylov/smoother to relTol 0.1 (steady); transient final correctors
# are solved tighter, as icoFoam's tutorial does.
write_solution() { # CASE SOLVER CLOSED(0|1) [RESIDUAL_TOL]
  local c=$1 solver=$2 closed=$3 rtol=${4:-1e-5} ref=""
  [[ $closed == 1 ]] && ref="pRefCell 0; pRefValue 0;"
  { foam_header dictionary fvSolution; cat <<EOF
solvers
{
    p
    {
        solver          GAMG;
        smoother        GaussSeidel;
        tolerance       1e-10;
        relTol          0.05;
    }
    pFinal
    {
        \$p;
        relTol          0;
        tolerance       1e-8;
    }
    U
    {
        solver          smoothSolver;
        smoother        symGaussSeidel;
        tolerance       1e-10;
        relTol          0.1;
    }
    UFinal
    {
        \$U;
        relTol          0;
        tolerance       1e-8;
    }
}
EOF
  if [[ $solver == simpleFoam ]]; then cat <<EOF
SIMPLE
{
    nNonOrthogonalCorrectors 0;
    consistent      no;
    $ref
    residualControl { p $rtol; U $rtol; }
}
relaxationFactors
{
    fields    { p 0.3; }
    equations { U 0.7; }
}
EOF
  else cat <<EOF
PISO
{
    nCorrectors     2;
    nNonOrthogonalCorrectors 0;
    $ref
}
EOF
  fi
  } > "$c/system/fvSolution"
}

# ---------------------------------------------------------------- RANS cases

# A volScalarField/volVectorField file: foam_field CASE CLASS NAME DIMS INTERNAL
# then the boundaryField entries on stdin, one "patch { ... }" per line.
foam_field() {
  local c=$1 cls=$2 name=$3 dims=$4 internal=$5
  { foam_header "$cls" "$name"
    echo "dimensions $dims;"
    echo "internalField uniform $internal;"
    echo "boundaryField"; echo "{"; sed 's/^/    /'; echo "}"
  } > "$c/0/$name"
}

# pitzDaily with k-epsilon: OpenFOAM's simpleFoam/pitzDaily tutorial fields
# (inlet 10 m/s, k 0.375, epsilon 14.855; kqRWallFunction,
# epsilonWallFunction, nutkWallFunction), as cases/pitzDaily in Gale.
write_pitzdaily_keps_fields() { # CASE
  local c=$1
  write_pitzdaily_fields "$c"
  foam_field "$c" volScalarField k "[0 2 -2 0 0 0 0]" 0.375 <<'EOF'
inlet        { type fixedValue; value uniform 0.375; }
outlet       { type zeroGradient; }
upperWall    { type kqRWallFunction; value uniform 0.375; }
lowerWall    { type kqRWallFunction; value uniform 0.375; }
frontAndBack { type empty; }
EOF
  foam_field "$c" volScalarField epsilon "[0 2 -3 0 0 0 0]" 14.855 <<'EOF'
inlet        { type fixedValue; value uniform 14.855; }
outlet       { type zeroGradient; }
upperWall    { type epsilonWallFunction; value uniform 14.855; }
lowerWall    { type epsilonWallFunction; value uniform 14.855; }
frontAndBack { type empty; }
EOF
  foam_field "$c" volScalarField nut "[0 2 -1 0 0 0 0]" 0 <<'EOF'
inlet        { type calculated; value uniform 0; }
outlet       { type calculated; value uniform 0; }
upperWall    { type nutkWallFunction; value uniform 0; }
lowerWall    { type nutkWallFunction; value uniform 0; }
frontAndBack { type empty; }
EOF
}

# TMR flat plate with Spalart-Allmaras, boundary conditions as Gale's
# cases/flatplate_sa (solver/bc.c, solver/turb_sa.c):
#   inlet    U (1 0 0), nuTilda 3 nu = 6e-7 fixed, p zero gradient
#   outlet   U, nuTilda zero gradient, p 0
#   top      Gale `freestream` with U_inf = (1 0 0) parallel to the patch:
#            U_inf.S = 0 is not inflow, so every face is treated as outflow
#            (U, nuTilda zero gradient, p 0): the same as OpenFOAM's
#            zeroGradient / fixedValue 0 here
#   symmetry symmetryPlane (x < 0, ahead of the plate)
#   plate    noSlip, nuTilda 0, nut 0 (wall-resolved: y+ ~ 0.1)
write_flatplate_sa_fields() { # CASE
  local c=$1
  foam_field "$c" volVectorField U "[0 1 -1 0 0 0 0]" "(1 0 0)" <<'EOF'
inlet    { type fixedValue; value uniform (1 0 0); }
outlet   { type zeroGradient; }
top      { type zeroGradient; }
symmetry { type symmetryPlane; }
plate    { type noSlip; }
sides    { type empty; }
EOF
  foam_field "$c" volScalarField p "[0 2 -2 0 0 0 0]" 0 <<'EOF'
inlet    { type zeroGradient; }
outlet   { type fixedValue; value uniform 0; }
top      { type fixedValue; value uniform 0; }
symmetry { type symmetryPlane; }
plate    { type zeroGradient; }
sides    { type empty; }
EOF
  foam_field "$c" volScalarField nuTilda "[0 2 -1 0 0 0 0]" 6e-7 <<'EOF'
inlet    { type fixedValue; value uniform 6e-7; }
outlet   { type zeroGradient; }
top      { type zeroGradient; }
symmetry { type symmetryPlane; }
plate    { type fixedValue; value uniform 0; }
sides    { type empty; }
EOF
  foam_field "$c" volScalarField nut "[0 2 -1 0 0 0 0]" 0 <<'EOF'
inlet    { type calculated; value uniform 0; }
outlet   { type calculated; value uniform 0; }
top      { type calculated; value uniform 0; }
symmetry { type symmetryPlane; }
plate    { type fixedValue; value uniform 0; }
sides    { type empty; }
EOF
}

write_ras_physics() { # CASE NU MODEL
  local c=$1 nu=$2 model=$3
  write_physics "$c" "$nu"
  { foam_header dictionary turbulenceProperties; cat <<EOF
simulationType RAS;
RAS { RASModel $model; turbulence on; printCoeffs on; }
EOF
  } > "$c/constant/turbulenceProperties"
}

# As write_schemes (bounded linearUpwind for U), and for the turbulence
# variables `bounded Gauss deferredCorrection vanLeer`: upwind in the matrix,
# van Leer minus upwind as an explicit correction, which is what Gale does
# for every turbulence equation (solver/transport.c). The plain (implicit
# limiter) forms stall on pitzDaily: `vanLeer` with the p residual near 4e-3,
# the tutorial's `limitedLinear 1` near 1.5e-4, never reaching 1e-5; the
# deferred form converges like Gale. Wall distance (SA's d) by meshWave,
# exact for the flat plate's straight wall.
write_rans_schemes() { # CASE FIELD...
  local c=$1 f; shift
  { foam_header dictionary fvSchemes; cat <<EOF
ddtSchemes      { default steadyState; }
gradSchemes     { default Gauss linear; }
divSchemes
{
    default         none;
    div(phi,U)      bounded Gauss linearUpwind grad(U);
EOF
  for f in "$@"; do printf '    div(phi,%s) bounded Gauss deferredCorrection vanLeer;\n' "$f"; done
  cat <<EOF
    div((nuEff*dev2(T(grad(U))))) Gauss linear;
}
laplacianSchemes { default Gauss linear corrected; }
interpolationSchemes { default linear; }
snGradSchemes   { default corrected; }
wallDist        { method meshWave; }
EOF
  } > "$c/system/fvSchemes"
}

# SIMPLEC (consistent yes) as Gale's RANS cases: relaxation U 0.9 (equation),
# p 1, turbulence TURB_RELAX (equation); linear solvers as the laminar cases
# (p GAMG relTol 0.05, U smoothSolver relTol 0.1) and the turbulence
# variables like U (Gale: BiCGStab/block Jacobi to 0.1); residualControl
# RESIDUAL_TOL on p, U and every turbulence field, as Gale's `tolerance`
# (OpenFOAM's normalised residual in both codes: solver/linsys.c).
write_rans_solution() { # CASE RESIDUAL_TOL TURB_RELAX FIELD...
  local c=$1 rtol=$2 trelax=$3 fields; shift 3
  fields=$(IFS='|'; echo "$*")
  { foam_header dictionary fvSolution; cat <<EOF
solvers
{
    p
    {
        solver          GAMG;
        smoother        GaussSeidel;
        tolerance       1e-10;
        relTol          0.05;
    }
    "(U|$fields)"
    {
        solver          smoothSolver;
        smoother        symGaussSeidel;
        tolerance       1e-12;
        relTol          0.1;
    }
}
SIMPLE
{
    nNonOrthogonalCorrectors 0;
    consistent      yes;
    residualControl { p $rtol; U $rtol; "($fields)" $rtol; }
}
relaxationFactors
{
    fields    { p 1; }
    equations { U 0.9; "($fields)" $trelax; }
}
EOF
  } > "$c/system/fvSolution"
}

# Gale's flat-plate mesh (136 x 96, graded) exported by Gale itself, so that
# both codes run on the identical cells: `gale mesh` on a copy of the case
# directory with -write_polymesh; patch types set for OpenFOAM (the export
# writes every patch as `patch`).
write_flatplate_mesh() { # CASE
  local c=$1 gale=${GALE:-$REPO_DIR/build/gale} tmp
  [[ -x $gale ]] || die "flatplate_sa needs Gale's mesh: no Gale executable at '$gale' (set GALE=/path/to/gale)"
  tmp=$c/gale-mesh
  mkdir -p "$tmp"
  cp "$REPO_DIR/cases/flatplate_sa/case.yaml" "$tmp/"
  "$gale" mesh "$tmp" -write_polymesh "$c/constant/polyMesh" >"$c/log.galeMesh" 2>&1 \
    || die "gale mesh failed for flatplate_sa (see $c/log.galeMesh)"
  rm -rf "$tmp"
  awk '/^    [A-Za-z]/ { name = $1 }
       /^        type / { t = (name == "symmetry") ? "symmetryPlane" : (name == "sides") ? "empty" : \
                              (name == "plate") ? "wall" : "patch"
                          sub(/type .*/, "type            " t ";") }
       { print }' "$c/constant/polyMesh/boundary" >"$c/constant/polyMesh/boundary.tmp"
  mv "$c/constant/polyMesh/boundary.tmp" "$c/constant/polyMesh/boundary"
}

write_decompose() { # CASE NRANKS
  { foam_header dictionary decomposeParDict; cat <<EOF
numberOfSubdomains $2;
method          simple;
coeffs { n (${2} 1 1); delta 0.001; }
EOF
  } > "$1/system/decomposeParDict"
}

# make_case DIR CASE SOLVER [RESIDUAL_TOL]: a complete OpenFOAM case, mesh
# included. CASE: cavity_re100 | cavity_re1000 | pitzDaily |
# pitzDaily_kEpsilon | flatplate_sa. RESIDUAL_TOL: simpleFoam's
# residualControl for p, U (and the turbulence fields) (default 1e-5, as
# Gale's cases; flatplate_sa 1e-6, as cases/flatplate_sa).
make_case() {
  local d=$1 case=$2 solver=$3 rtol=${4:-1e-5}
  rm -rf "$d"; mkdir -p "$d/0" "$d/constant" "$d/system"
  case $case in
    cavity_re100|cavity_re1000)
      local nu=0.01 end=60 tol=1e-7
      [[ $case == cavity_re1000 ]] && { nu=0.001; end=200; }
      write_cavity_mesh_dict "$d" 129
      write_cavity_fields "$d"
      write_physics "$d" "$nu"
      if [[ $solver == simpleFoam ]]; then
        write_control "$d" simpleFoam 1 50000
      else
        # dx = 1/129, |U| <= 1: dt = 0.5 dx gives Courant number <= 0.5.
        write_control "$d" icoFoam "$(awk 'BEGIN{printf "%.8g", 0.5/129}')" "$end" "$tol"
      fi
      write_schemes "$d" "$solver"
      write_solution "$d" "$solver" 1 "$rtol"
      (cd "$d" && blockMesh >log.blockMesh 2>&1) || die "blockMesh failed in $d (see $d/log.blockMesh)"
      ;;
    pitzDaily)
      [[ $solver == simpleFoam ]] || die "pitzDaily is run with simpleFoam only"
      local pm=$REPO_DIR/cases/pitzDaily_laminar/constant/polyMesh
      [[ -r $pm/faces || -r $pm/faces.gz ]] \
        || die "$pm missing: run bench/make_pitzdaily_mesh.sh first"
      mkdir -p "$d/constant/polyMesh"
      cp "$pm"/* "$d/constant/polyMesh/"
      write_pitzdaily_fields "$d"
      write_physics "$d" 1e-3
      write_control "$d" simpleFoam 1 50000
      write_schemes "$d" simpleFoam
      write_solution "$d" simpleFoam 0 "$rtol"
      ;;
    pitzDaily_kEpsilon)
      [[ $solver == simpleFoam ]] || die "pitzDaily_kEpsilon is run with simpleFoam only"
      local pm=$REPO_DIR/cases/pitzDaily_laminar/constant/polyMesh
      [[ -r $pm/faces || -r $pm/faces.gz ]] \
        || die "$pm missing: run bench/make_pitzdaily_mesh.sh first"
      mkdir -p "$d/constant/polyMesh"
      cp "$pm"/* "$d/constant/polyMesh/"
      write_pitzdaily_keps_fields "$d"
      write_ras_physics "$d" 1e-5 kEpsilon
      write_control "$d" simpleFoam 1 50000
      write_rans_schemes "$d" k epsilon
      write_rans_solution "$d" "$rtol" 0.9 k epsilon
      ;;
    flatplate_sa)
      # Gale's cases/flatplate_sa stops at residual 1e-6 (Cf needs it).
      [[ $solver == simpleFoam ]] || die "flatplate_sa is run with simpleFoam only"
      [[ -n ${4:-} ]] || rtol=1e-6
      write_flatplate_mesh "$d"
      write_flatplate_sa_fields "$d"
      write_ras_physics "$d" 2e-7 SpalartAllmaras
      write_control "$d" simpleFoam 1 50000
      write_rans_schemes "$d" nuTilda
      write_rans_solution "$d" "$rtol" 0.7 nuTilda
      ;;
    *) die "unknown case '$case' (expected cavity_re100, cavity_re1000, pitzDaily, pitzDaily_kEpsilon, flatplate_sa)";;
  esac
}

# Number of cells from the owner file's note (written by blockMesh).
case_cells() {
  local owner=$1/constant/polyMesh/owner
  if [[ -r $owner ]]; then grep -m1 -o 'nCells: *[0-9]*' "$owner" | grep -o '[0-9]*$'
  else zcat "$owner.gz" | grep -m1 -o 'nCells: *[0-9]*' | grep -o '[0-9]*$'; fi
}

# run_foam DIR SOLVER NRANKS: decompose if needed, run the solver under
# /usr/bin/time -v, and print one tab-separated line:
#   iterations converged clock_s exec_s elapsed_s maxrss_kB pre_s load1
# iterations = SIMPLE iterations or transient time steps; clock_s = the
# solver's last ClockTime (wall), exec_s its ExecutionTime (CPU of rank 0);
# elapsed_s and maxrss_kB are /usr/bin/time's for the whole command
# (maxrss: the largest single process, i.e. one rank); pre_s = decomposePar;
# load1 = the 1-minute load average just before the run (other work on the
# machine inflates wall times; exec_s, CPU time, is less affected).
run_foam() {
  local d=$1 solver=$2 np=$3 pre=0 load
  load=$(cut -d' ' -f1 /proc/loadavg)
  rm -rf "$d"/processor* "$d/log.$solver" "$d/time.$solver"
  find "$d" -maxdepth 1 -regex '.*/[0-9.e+-]+' ! -name 0 -exec rm -rf {} +
  if (( np > 1 )); then
    write_decompose "$d" "$np"
    local t0 t1; t0=$(date +%s.%N)
    (cd "$d" && decomposePar -force >log.decomposePar 2>&1) \
      || die "decomposePar failed in $d (see $d/log.decomposePar)"
    t1=$(date +%s.%N); pre=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b-a}')
    (cd "$d" && /usr/bin/time -v -o "time.$solver" \
        mpirun --oversubscribe -np "$np" "$solver" -parallel >"log.$solver" 2>&1) \
      || die "$solver -parallel failed in $d (see $d/log.$solver)"
  else
    (cd "$d" && /usr/bin/time -v -o "time.$solver" "$solver" >"log.$solver" 2>&1) \
      || die "$solver failed in $d (see $d/log.$solver)"
  fi
  printf '%s\t%s\n' "$(parse_foam_log "$d/log.$solver" "$d/time.$solver" "$pre")" "$load"
}

parse_foam_log() { # LOG TIMEFILE PRE_S
  awk -v pre="$3" -v tf="$2" '
    /^Time = /                          { nsteps++ }
    /SIMPLE solution converged in/      { for (i = 1; i <= NF; i++) if ($i == "in") conv = $(i + 1) }
    /runTimeControl.*[Ss]atisfied|[Cc]onditions? satisfied|Stopping calculation/ { ico_conv = 1 }
    /^ExecutionTime = /                 { ex = $3; ck = $7 }
    /FOAM FATAL|Floating point exception \(core|[^A-Za-z]nan([^A-Za-z]|$)/ { bad = 1 }
    END {
      while ((getline line < tf) > 0) {
        if (line ~ /Elapsed \(wall clock\)/) { n = split(line, a, " "); e = a[n]
          m = split(e, hms, ":"); el = 0; for (i = 1; i <= m; i++) el = el * 60 + hms[i] }
        if (line ~ /Maximum resident set size/) { n = split(line, a, " "); rss = a[n] }
      }
      it = (conv != "") ? conv : nsteps
      ok = (conv != "" || ico_conv) && !bad ? "yes" : "no"
      printf "%d\t%s\t%s\t%s\t%.2f\t%d\t%s\n", it, ok, ck, ex, el, rss, pre
    }' "$1"
}
