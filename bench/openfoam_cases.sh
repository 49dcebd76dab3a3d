#!/usr/bin/env bash
# Run OpenFOAM v1912 on the cases of Gale's benchmark, on identical meshes:
#   cavity_re100, cavity_re1000  lid-driven cavity, 129 x 129 x 1 cells, unit
#                                square, lid (1 0 0), nu 0.01 / 0.001;
#                                simpleFoam (steady) and icoFoam (transient
#                                to steady state, Courant number 0.5)
#   pitzDaily                    cases/pitzDaily_laminar (12,225 cells), inlet
#                                10 m/s, nu 1e-3, simpleFoam
#   pitzDaily_kEpsilon           same mesh, k-epsilon with wall functions, nu
#                                1e-5 (the simpleFoam tutorial), as cases/pitzDaily
#   flatplate_sa                 TMR flat plate, Spalart-Allmaras, Gale's
#                                136 x 96 mesh (exported with `gale mesh
#                                -write_polymesh`; needs GALE), as
#                                cases/flatplate_sa
# Settings match Gale's defaults: SIMPLE (consistent no) with relaxation
# U 0.7 / p 0.3, bounded linearUpwind grad(U) for div(phi,U), residualControl
# p, U 1e-5, GAMG for p (relTol 0.05), smoothSolver for U (relTol 0.1).
# The RANS cases follow Gale's RANS cases: SIMPLEC (consistent yes), U 0.9,
# p 1, turbulence 0.9 (k-epsilon) / 0.7 (SA), bounded vanLeer for the
# turbulence variables, residualControl on every equation (1e-5; flat plate
# 1e-6).
# Cases are written by bench/lib/foam_common.sh into a temporary directory.
#
# Prints a table (medians over repeats) and appends one tab-separated row per
# run to --tsv FILE (the format bench/lib/summarize.py reads).
set -euo pipefail
# shellcheck source=lib/foam_common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/foam_common.sh"

usage() {
  cat <<EOF
usage: bench/openfoam_cases.sh [options]
  --cases LIST     comma-separated: cavity_re100,cavity_re1000,pitzDaily,
                   pitzDaily_kEpsilon,flatplate_sa (default: all)
  --solvers LIST   simpleFoam,icoFoam (default: both; icoFoam runs the cavities only)
  --ranks LIST     MPI ranks, comma-separated (default: 1,2)
  --repeats N      runs per configuration; the table shows medians (default: 1)
  --tsv FILE       append per-run records here (default: WORKDIR/results.tsv)
  --workdir DIR    where the cases are built (default: a new temporary directory)
  --ref-dir DIR    reference data: centreline profiles (CSV) of the serial cavity
                   runs, compared with Ghia et al. (1982), and pitzDaily's
                   reattachment points; plus, untimed, each case run serially
                   with simpleFoam to residual --ref-tol (the reference proper)
  --ref-tol TOL    residualControl of those reference runs (default: 1e-8)
  --answers DIR    the answers of the first serial timed run of pitzDaily,
                   pitzDaily_kEpsilon and flatplate_sa (reattachment points,
                   inlet pressure; Cf, C_D) as CSV in DIR, for comparing
                   Gale's (run_bench.sh does)
  --keep           keep WORKDIR (default: removed unless --workdir was given)
  --markdown       print the table as Markdown
EOF
}

cases=cavity_re100,cavity_re1000,pitzDaily,pitzDaily_kEpsilon,flatplate_sa solvers=simpleFoam,icoFoam ranks=1,2
repeats=1 tsv="" workdir="" refdir="" reftol=1e-8 keep=0 md="" answers=""
while (($#)); do
  case $1 in
    --cases) cases=$2; shift 2;;
    --solvers) solvers=$2; shift 2;;
    --ranks) ranks=$2; shift 2;;
    --repeats) repeats=$2; shift 2;;
    --tsv) tsv=$2; shift 2;;
    --workdir) workdir=$2; keep=1; shift 2;;
    --ref-dir) refdir=$2; shift 2;;
    --ref-tol) reftol=$2; shift 2;;
    --answers) answers=$2; shift 2;;
    --keep) keep=1; shift;;
    --markdown) md=--markdown; shift;;
    -h|--help) usage; exit 0;;
    *) usage >&2; die "unknown option '$1'";;
  esac
done
[[ $repeats =~ ^[1-9][0-9]*$ ]] || die "--repeats needs a positive integer, got '$repeats'"

foam_env
if [[ -z $workdir ]]; then workdir=$(mktemp -d -t gale-foam-XXXXXX); fi
mkdir -p "$workdir"; workdir=$(cd "$workdir" && pwd)
if ((!keep)); then trap 'rm -rf "$workdir"' EXIT; fi
[[ -n $tsv ]] || tsv=$workdir/results.tsv
mkdir -p "$(dirname "$tsv")"
header="code	case	solver	ranks	repeat	cells	iterations	converged	clock_s	exec_s	elapsed_s	maxrss_kB	pre_s	load1"
[[ -s $tsv ]] || echo "$header" >"$tsv"
[[ -n $refdir ]] && mkdir -p "$refdir"
[[ -n $answers ]] && mkdir -p "$answers"
note "OpenFOAM $WM_PROJECT_VERSION, cases in $workdir, records in $tsv"

IFS=, read -ra case_list <<<"$cases"
IFS=, read -ra solver_list <<<"$solvers"
IFS=, read -ra rank_list <<<"$ranks"

# Centreline profiles of a serial cavity solution -> REFDIR/openfoam_TAG_CASE_*.csv
export_cavity_profiles() { # DIR CASE TAG LABEL
  local d=$1 case=$2 tag=$3 label=$4 latest
  (cd "$d" && postProcess -func writeCellCentres -latestTime >log.writeCellCentres 2>&1) \
    || die "postProcess writeCellCentres failed in $d"
  latest=$(cd "$d" && find . -maxdepth 1 -name "[0-9]*" -printf "%f\n" | sort -g | tail -1)
  /usr/bin/python3 "$BENCH_DIR/foam_centreline.py" "$d/$latest" "${case#cavity_re}" \
    "$refdir/openfoam_${tag}_${case}" --label "OpenFOAM v1912 $label" \
    | tee "$refdir/openfoam_${tag}_${case}_ghia_deviation.txt"
}

# Reattachment points and inlet pressure of a serial pitzDaily solution.
export_pitzdaily_numbers() { # DIR TAG OUTDIR [CASE_NAME]
  local d=$1 tag=$2 outdir=$3 name=${4:-pitzDaily_laminar}
  (cd "$d" && postProcess -func writeCellCentres -latestTime >log.writeCellCentres 2>&1 \
     && simpleFoam -postProcess -func wallShearStress -latestTime >log.wallShearStress 2>&1 \
     && postProcess -func 'patchAverage(name=inlet,p)' -latestTime >log.patchAverage 2>&1) \
    || die "post-processing the pitzDaily solution failed in $d (see its log.* files)"
  /usr/bin/python3 "$BENCH_DIR/foam_pitzdaily_ref.py" "$d" "$outdir/openfoam_${tag}_${name}.csv" \
    || die "pitzDaily reference extraction failed"
}

# Cf at x = 0.97 and C_D of a serial flat-plate solution.
export_flatplate_numbers() { # DIR TAG OUTDIR
  local d=$1 tag=$2 outdir=$3
  (cd "$d" && postProcess -func writeCellCentres -latestTime >log.writeCellCentres 2>&1 \
     && simpleFoam -postProcess -func wallShearStress -latestTime >log.wallShearStress 2>&1 \
     && postProcess -func 'patchIntegrate(name=plate,wallShearStress)' -latestTime >log.patchIntegrate 2>&1) \
    || die "post-processing the flat-plate solution failed in $d (see its log.* files)"
  /usr/bin/python3 "$BENCH_DIR/foam_flatplate_ref.py" "$d" "$outdir/openfoam_${tag}_flatplate_sa.csv" \
    || die "flat-plate reference extraction failed"
}

# Timed runs. The first serial run of each case also leaves its solution's
# profiles in REFDIR (the state at which the benchmark stops).
for case in "${case_list[@]}"; do
  for solver in "${solver_list[@]}"; do
    [[ $case != cavity_* && $solver != simpleFoam ]] && continue
    d=$workdir/$case.$solver
    make_case "$d" "$case" "$solver"
    cells=$(case_cells "$d")
    for np in "${rank_list[@]}"; do
      for ((r = 1; r <= repeats; r++)); do
        note "$case $solver np=$np run $r/$repeats ($cells cells) ..."
        rec=$(run_foam "$d" "$solver" "$np")
        IFS=$'\t' read -r it conv _ _ el rss _ load <<<"$rec"
        note "  $it iterations, converged $conv, ${el} s wall, $((rss / 1024)) MB peak RSS, load before $load"
        printf 'OpenFOAM\t%s\t%s\t%s\t%s\t%s\t%s\n' "$case" "$solver" "$np" "$r" "$cells" "$rec" >>"$tsv"
        [[ $np == 1 && $r == 1 ]] || continue
        if [[ -n $answers ]]; then
          case $case in
            pitzDaily) export_pitzdaily_numbers "$d" simpleFoam_res1e-5 "$answers" >/dev/null;;
            pitzDaily_kEpsilon) export_pitzdaily_numbers "$d" simpleFoam_bench "$answers" pitzDaily_kEpsilon >/dev/null;;
            flatplate_sa) export_flatplate_numbers "$d" simpleFoam_bench "$answers" >/dev/null;;
          esac
        fi
        [[ -n $refdir ]] || continue
        if [[ $case == pitzDaily_kEpsilon ]]; then
          export_pitzdaily_numbers "$d" simpleFoam_bench "$refdir" pitzDaily_kEpsilon
        elif [[ $case == flatplate_sa ]]; then
          export_flatplate_numbers "$d" simpleFoam_bench "$refdir"
        elif [[ $solver == simpleFoam && $case == pitzDaily ]]; then
          export_pitzdaily_numbers "$d" simpleFoam_res1e-5 "$refdir"
        elif [[ $solver == simpleFoam ]]; then
          export_cavity_profiles "$d" "$case" simpleFoam_res1e-5 "simpleFoam, residualControl 1e-5"
        else
          export_cavity_profiles "$d" "$case" icoFoam "icoFoam, run to steady state (initial residuals < 1e-7)"
        fi
      done
    done
  done
done

# Reference solutions: serial simpleFoam converged to --ref-tol (default
# 1e-8), far below the benchmark's 1e-5, so that the profiles carry no
# iteration error (a 1e-5 stop leaves differences of a few 1e-3 in the cavity).
# Done when simpleFoam is among --solvers.
# The RANS cases have none: their numbers at the benchmark's own stopping
# point (simpleFoam_bench) are what Gale is compared with.
if [[ -n $refdir && ,$solvers, == *,simpleFoam,* ]]; then
  for case in "${case_list[@]}"; do
    [[ $case == pitzDaily_kEpsilon || $case == flatplate_sa ]] && continue
    d=$workdir/$case.reference
    make_case "$d" "$case" simpleFoam "$reftol"
    note "$case reference: serial simpleFoam to residual $reftol ..."
    rec=$(run_foam "$d" simpleFoam 1)
    IFS=$'\t' read -r it conv _ _ el _ <<<"$rec"
    [[ $conv == yes ]] || die "$case reference run did not converge to $reftol (see $d/log.simpleFoam)"
    note "  $it iterations, ${el} s"
    if [[ $case == pitzDaily ]]; then
      export_pitzdaily_numbers "$d" simpleFoam "$refdir"
    else
      export_cavity_profiles "$d" "$case" simpleFoam "simpleFoam, residualControl $reftol"
    fi
  done
fi

echo
/usr/bin/python3 "$BENCH_DIR/lib/summarize.py" "$tsv" $md
