#!/usr/bin/env bash
# Gale against OpenFOAM v1912 on identical meshes and rank counts.
#
# Cases (Gale case directory -> OpenFOAM case built by bench/openfoam_cases.sh):
#   cases/cavity_re100       -> cavity_re100   (129 x 129 lid-driven cavity, Re 100)
#   cases/cavity_re1000      -> cavity_re1000  (same mesh, Re 1000)
#   cases/pitzDaily_laminar  -> pitzDaily      (12,225-cell pitzDaily mesh, Re 254)
#   cases/pitzDaily          -> pitzDaily_kEpsilon (same mesh, k-epsilon, wall
#                               functions, Re 25,400)
#   cases/flatplate_sa       -> flatplate_sa   (TMR flat plate, SA, 136 x 96,
#                               Gale's mesh exported to OpenFOAM)
# Each configuration runs --repeats times (default 3); the table shows medians
# of: wall time to convergence of the whole command (/usr/bin/time, mesh
# reading and set-up included), iterations, wall time per iteration per
# million cells, peak resident memory (largest single process, i.e. one rank),
# and the ratios Gale / OpenFOAM against OpenFOAM's steady (simpleFoam) run,
# or icoFoam where the Gale case is transient (PISO/PIMPLE).
#
# Gale is run as `mpirun -np N $GALE run CASEDIR` on a copy of the case
# directory and read back from CASEDIR/results/summary.yaml (iterations,
# converged, wall_time, ranks, cells, final_residuals). Without a Gale binary
# the OpenFOAM half still runs and the script says Gale is missing.
set -euo pipefail
# shellcheck source=lib/foam_common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/foam_common.sh"

usage() {
  cat <<EOF
usage: bench/run_bench.sh [options]
  --cases LIST       comma-separated: cavity_re100,cavity_re1000,pitzDaily,
                     pitzDaily_kEpsilon,flatplate_sa (default: all)
  --ranks LIST       MPI ranks, comma-separated (default: 1,2)
  --repeats N        runs per configuration, medians reported (default: 3)
  --of-solvers LIST  OpenFOAM solvers (default: simpleFoam; add icoFoam for the
                     transient cavity runs, which take minutes each)
  --out DIR          keep cases, logs and results.tsv here (default: a new
                     directory under \${TMPDIR:-/tmp})
  --no-openfoam      run Gale only (e.g. to add Gale rows to an earlier --out DIR)
  --no-gale          run OpenFOAM only
  --markdown         tables in Markdown
environment: GALE (default: build/gale under the repository root)
EOF
}

cases=cavity_re100,cavity_re1000,pitzDaily,pitzDaily_kEpsilon,flatplate_sa ranks=1,2 repeats=3 of_solvers=simpleFoam
out="" run_of=1 run_gale=1 md=""
while (($#)); do
  case $1 in
    --cases) cases=$2; shift 2;;
    --ranks) ranks=$2; shift 2;;
    --repeats) repeats=$2; shift 2;;
    --of-solvers) of_solvers=$2; shift 2;;
    --out) out=$2; shift 2;;
    --no-openfoam) run_of=0; shift;;
    --no-gale) run_gale=0; shift;;
    --markdown) md=--markdown; shift;;
    -h|--help) usage; exit 0;;
    *) usage >&2; die "unknown option '$1'";;
  esac
done
[[ $repeats =~ ^[1-9][0-9]*$ ]] || die "--repeats needs a positive integer, got '$repeats'"
[[ -n $out ]] || out=$(mktemp -d "${TMPDIR:-/tmp}/gale-bench-XXXXXX")
mkdir -p "$out"; out=$(cd "$out" && pwd)
tsv=$out/results.tsv
header="code	case	solver	ranks	repeat	cells	iterations	converged	clock_s	exec_s	elapsed_s	maxrss_kB	pre_s	load1"
[[ -s $tsv ]] || echo "$header" >"$tsv"
note "results go to $tsv"

GALE=${GALE:-$REPO_DIR/build/gale}
# Absolute, since Gale runs inside each case copy; exported, since
# openfoam_cases.sh exports the flat-plate mesh with it.
[[ $GALE == */* && -d ${GALE%/*} ]] && GALE=$(cd "${GALE%/*}" && pwd)/${GALE##*/}
export GALE
gale_ok=0
if ((run_gale)); then
  if [[ -x $GALE ]]; then gale_ok=1
  else note "Gale is missing: no executable at '$GALE' (build it, or set GALE=/path/to/gale); running the OpenFOAM half only"
  fi
fi

if ((run_of)); then
  "$BENCH_DIR/openfoam_cases.sh" --cases "$cases" --solvers "$of_solvers" --ranks "$ranks" \
    --repeats "$repeats" --tsv "$tsv" --workdir "$out/openfoam" --answers "$out/answers" >/dev/null
fi

gale_case_dir() {
  case $1 in
    cavity_re100) echo "$REPO_DIR/cases/cavity_re100";;
    cavity_re1000) echo "$REPO_DIR/cases/cavity_re1000";;
    pitzDaily) echo "$REPO_DIR/cases/pitzDaily_laminar";;
    pitzDaily_kEpsilon) echo "$REPO_DIR/cases/pitzDaily";;
    flatplate_sa) echo "$REPO_DIR/cases/flatplate_sa";;
    *) die "unknown case '$1' (expected cavity_re100, cavity_re1000, pitzDaily, pitzDaily_kEpsilon, flatplate_sa)";;
  esac
}

# Top-level scalar `key: value` from Gale's summary.yaml.
yaml_scalar() { # FILE KEY
  awk -v k="$2" '$0 ~ "^" k ":" { sub("^" k ":[ \t]*", ""); sub("[ \t]*#.*$", ""); gsub(/["\047]/, ""); print; exit }' "$1"
}

run_gale_case() { # CASE NP REPEAT
  local case=$1 np=$2 r=$3 src dst sum alg solver load
  src=$(gale_case_dir "$case")
  [[ -r $src/case.yaml ]] || { note "Gale case $src/case.yaml missing: skipping $case"; return 0; }
  dst=$out/gale/$case.np$np
  rm -rf "$dst"; mkdir -p "$dst"
  # A fresh copy without results/ (no restart from an old checkpoint).
  tar -C "$src" --exclude=./results -cf - . | tar -C "$dst" -xf -
  # A mesh file named relative to the case directory (cases/pitzDaily uses
  # ../pitzDaily_laminar/constant/polyMesh) is made absolute for the copy.
  awk -v src="$src" '/^[ \t]*(polyMesh|gmsh):[ \t]*[^ \t\/"\047]/ {
      sub(/:[ \t]*/, ": " src "/") } { print }' "$src/case.yaml" >"$dst/case.yaml"
  alg=$(awk '/^[ \t]*algorithm:/ { print $2; exit }' "$dst/case.yaml" | tr -d '"\047')
  solver=gale-${alg:-SIMPLE}
  load=$(cut -d' ' -f1 /proc/loadavg)
  note "Gale $case np=$np run $r/$repeats ..."
  if ! (cd "$dst" && /usr/bin/time -v -o time.gale \
        mpirun --oversubscribe -np "$np" "$GALE" run "$dst" >log.gale 2>&1); then
    note "Gale failed on $case np=$np (log: $dst/log.gale); last lines:"
    tail -5 "$dst/log.gale" >&2
    return 0
  fi
  sum=$dst/results/summary.yaml
  [[ -r $sum ]] || { note "Gale wrote no $sum; skipping"; return 0; }
  local it conv wt cells el rss
  it=$(yaml_scalar "$sum" iterations); conv=$(yaml_scalar "$sum" converged)
  wt=$(yaml_scalar "$sum" wall_time); cells=$(yaml_scalar "$sum" cells)
  [[ $it =~ ^[0-9]+$ && $cells =~ ^[0-9]+$ ]] || { note "$sum: unreadable iterations/cells ('$it', '$cells'); skipping"; return 0; }
  case $conv in true|True|yes|1) conv=yes;; *) conv=no;; esac
  el=$(awk '/Elapsed \(wall clock\)/ { n = split($NF, a, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + a[i]; printf "%.2f", s }' "$dst/time.gale")
  rss=$(awk '/Maximum resident set size/ { print $NF }' "$dst/time.gale")
  note "  $it iterations, converged $conv, $el s wall ($wt s in the solver), $((rss / 1024)) MB peak RSS"
  printf 'Gale\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t0\t%s\n' \
    "$case" "$solver" "$np" "$r" "$cells" "$it" "$conv" "$wt" "$wt" "$el" "$rss" "$load" >>"$tsv"
}

if ((gale_ok)); then
  export OMPI_ALLOW_RUN_AS_ROOT OMPI_ALLOW_RUN_AS_ROOT_CONFIRM
  IFS=, read -ra case_list <<<"$cases"
  IFS=, read -ra rank_list <<<"$ranks"
  for case in "${case_list[@]}"; do
    for np in "${rank_list[@]}"; do
      for ((r = 1; r <= repeats; r++)); do run_gale_case "$case" "$np" "$r"; done
    done
  done
fi

# Same answer? Gale's last run at the fewest ranks against OpenFOAM's first
# serial run (openfoam_cases.sh --answers), for the cases with such numbers:
# a time ratio means something only if both codes stopped at the same answer.
compare_answers() {
  local case np ref gdir
  IFS=, read -ra case_list <<<"$cases"
  np=$(tr , '\n' <<<"$ranks" | sort -n | head -1)
  for case in "${case_list[@]}"; do
    gdir=$out/gale/$case.np$np
    case $case in
      pitzDaily) ref=$out/answers/openfoam_simpleFoam_res1e-5_pitzDaily_laminar.csv;;
      pitzDaily_kEpsilon) ref=$out/answers/openfoam_simpleFoam_bench_pitzDaily_kEpsilon.csv;;
      flatplate_sa) ref=$out/answers/openfoam_simpleFoam_bench_flatplate_sa.csv;;
      *) continue;;
    esac
    [[ -r $gdir/results/solution.h5 && -r $ref ]] || continue
    echo
    echo "$case: Gale (np=$np) against OpenFOAM (np=1, $ref):"
    if [[ $case == flatplate_sa ]]; then
      /usr/bin/python3 "$BENCH_DIR/foam_flatplate_ref.py" --gale "$gdir" "$ref" || true
    else
      /usr/bin/python3 "$BENCH_DIR/gale_pitzdaily.py" "$gdir" "$ref" || true
    fi
  done
}

echo
/usr/bin/python3 "$BENCH_DIR/lib/summarize.py" "$tsv" --compare $md
((gale_ok)) && compare_answers
((gale_ok || !run_gale)) || echo "Gale: missing ($GALE), only OpenFOAM was run."
echo "records: $tsv"
