#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) and runs each for a
# given number of seconds, in parallel. Not part of CI; see README.md.
#
#   tests/fuzz/build_and_run.sh [SECONDS] [TARGET ...]     TARGET: case polymesh expr stl obj gmsh
#   tests/fuzz/build_and_run.sh coverage [TARGET ...]      line coverage of the corpora
# With no TARGET: case polymesh expr (run stl obj gmsh by name, two at a time on 2 cores).
#
# Environment: FUZZ_BUILD (build and work folder, default <repo>/build-fuzz),
# CC (default clang), FUZZ_LEAKS (0: LeakSanitizer off, default 1),
# FUZZ_BUILD_ONLY (1: build and stop), FUZZ_SKIP_BUILD (1: run the targets
# already built in $FUZZ_BUILD), FUZZ_FLAGS (more libFuzzer flags, e.g.
# -len_control=0 to try inputs up to -max_len at once). The seeds are tests/fuzz/corpus_seed/;
# tests/fuzz/regressions/ is not given to the fuzzers (a reproducer of a bug
# not yet fixed would stop them at once) but replayed by test_fuzz_replay. The growing corpus is kept in
# $FUZZ_BUILD/corpus/TARGET, crashes in $FUZZ_BUILD/artifacts/TARGET/, logs in
# $FUZZ_BUILD/logs/TARGET.log. libgale is built by CMake with the same
# compiler and sanitizers (plus -fsanitize=fuzzer-no-link, so that Gale's
# code is instrumented for coverage) in $FUZZ_BUILD/lib; each target links
# fuzz_main.c + fuzz_targets.c against it.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SECS=${1:-60}
shift || true
TARGETS=${*:-case polymesh expr}
B=${FUZZ_BUILD:-$ROOT/build-fuzz}
CC=${CC:-clang}
CXX=${CXX:-clang++}
LEAKS=${FUZZ_LEAKS:-1}

declare -A MACRO=([case]=GALE_FUZZ_CASE [polymesh]=GALE_FUZZ_POLYMESH [expr]=GALE_FUZZ_EXPR [stl]=GALE_FUZZ_STL [obj]=GALE_FUZZ_OBJ [gmsh]=GALE_FUZZ_GMSH)
declare -A MAXLEN=([case]=4096 [polymesh]=16384 [expr]=1024 [stl]=16384 [obj]=8192 [gmsh]=16384)
for t in $TARGETS; do
  [[ -n ${MACRO[$t]:-} ]] || { echo "unknown target '$t' (expected case, polymesh, expr, stl, obj, gmsh)" >&2; exit 2; }
done

mkdir -p "$B/logs"
PKGLIBS="$(pkg-config --libs PETSc hdf5-openmpi ompi-c yaml-0.1 zlib) -lmetis -lm -lstdc++"
INC="-I$ROOT/include -I$ROOT/mesh -I$ROOT/io -I$HERE $(pkg-config --cflags PETSc ompi-c yaml-0.1)"

if [[ $SECS == coverage ]]; then
  # Source-based coverage of what the corpora (seeds + what fuzzing found) reach.
  cmake -S "$ROOT" -B "$B/covlib" -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF \
    -DCMAKE_C_FLAGS="-fprofile-instr-generate -fcoverage-mapping -fsanitize=fuzzer-no-link" >"$B/logs/cmake-cov.log"
  cmake --build "$B/covlib" --target gale -j "$(nproc)" >"$B/logs/build-cov.log" 2>&1 || { tail -30 "$B/logs/build-cov.log" >&2; exit 1; }
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  profs=() objs=()
  for t in $TARGETS; do
    # shellcheck disable=SC2086
    $CC -std=gnu11 -g -O1 -fsanitize=fuzzer -fprofile-instr-generate -fcoverage-mapping $INC -DGALE_FUZZ_TARGET=${MACRO[$t]} \
      "$HERE/fuzz_main.c" "$HERE/fuzz_targets.c" -o "$B/cov_$t" "$B/covlib/libgale.a" $PKGLIBS
    mkdir -p "$B/corpus/$t"
    LLVM_PROFILE_FILE="$B/cov_$t.profraw" "$B/cov_$t" -runs=0 "$B/corpus/$t" "$HERE/corpus_seed/$t" >"$B/logs/cov_$t.log" 2>&1
    profs+=("$B/cov_$t.profraw") objs+=(-object "$B/cov_$t")
  done
  llvm-profdata-14 merge -o "$B/cov.profdata" "${profs[@]}"
  # the first binary is positional, the others follow -object
  llvm-cov-14 report "${objs[@]:1}" -instr-profile="$B/cov.profdata" "$ROOT/io/case.c" "$ROOT/io/expr.c" "$ROOT/mesh/polymesh.c" "$ROOT/mesh/mesh.c" "$ROOT/mesh/blockmesh.c" \
    "$ROOT/mesh/stl.c" "$ROOT/mesh/obj.c" "$ROOT/mesh/geometry.c" "$ROOT/mesh/geometry_report.c" "$ROOT/mesh/surface_search.c" "$ROOT/mesh/gmsh.c"
  echo "per line: llvm-cov-14 show ${objs[*]:1} -instr-profile=$B/cov.profdata FILE.c"
  exit 0
fi

if [[ ${FUZZ_SKIP_BUILD:-0} != 1 ]]; then
echo "building libgale (clang, ASan+UBSan, fuzzer-no-link) in $B/lib"
cmake -S "$ROOT" -B "$B/lib" -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DGALE_SANITIZE=ON -DBUILD_TESTING=OFF -DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link" -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link" >"$B/logs/cmake.log"
cmake --build "$B/lib" --target gale -j "$(nproc)" >"$B/logs/build.log" 2>&1 || { tail -30 "$B/logs/build.log" >&2; exit 1; }

CFLAGS="-std=gnu11 -Wall -Wextra -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined $INC"
LIBS="$B/lib/libgale.a $PKGLIBS"
for t in $TARGETS; do
  echo "building $B/fuzz_$t"
  # shellcheck disable=SC2086
  $CC $CFLAGS -DGALE_FUZZ_TARGET=${MACRO[$t]} "$HERE/fuzz_main.c" "$HERE/fuzz_targets.c" -o "$B/fuzz_$t" $LIBS
done
fi
[[ ${FUZZ_BUILD_ONLY:-0} == 1 ]] && exit 0

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export ASAN_OPTIONS="detect_leaks=$LEAKS:abort_on_error=0:allocator_may_return_null=0:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"

pids=()
for t in $TARGETS; do
  mkdir -p "$B/corpus/$t" "$B/artifacts/$t"
  echo "running fuzz_$t for $SECS s (log $B/logs/$t.log)"
  # -close_fd_mask=1: the surface report's lines on stdout would slow it down
  "$B/fuzz_$t" "$B/corpus/$t" "$HERE/corpus_seed/$t" -max_total_time="$SECS" -max_len="${MAXLEN[$t]}" -timeout=10 -close_fd_mask=1 ${FUZZ_FLAGS:-} \
    -dict="$HERE/dict/$t.dict" -artifact_prefix="$B/artifacts/$t/" -print_final_stats=1 >"$B/logs/$t.log" 2>&1 &
  pids+=($!)
done
status=0
for p in "${pids[@]}"; do wait "$p" || status=1; done

for t in $TARGETS; do
  echo "== $t: $(grep -E '^#[0-9]+.*(DONE|pulse|NEW|REDUCE)' "$B/logs/$t.log" | tail -1)"
  grep -E 'stat::number_of_executed_units|stat::peak_rss_mb' "$B/logs/$t.log" || true
  ls "$B/artifacts/$t" 2>/dev/null | sed 's/^/   artifact: /'
done
exit $status
