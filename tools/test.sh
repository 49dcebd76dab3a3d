#!/usr/bin/env bash
# Installs what is missing (including ParaView's python for the XDMF test),
# builds Gale and runs the whole test suite with CTest. GALE_SANITIZE=1
# builds with AddressSanitizer/UBSan in build-asan instead.
set -euo pipefail
cd "$(dirname "$0")/.."
GALE_WITH_PARAVIEW=1 bash tools/deps.sh
build=build
opts=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
if [ "${GALE_SANITIZE:-0}" = 1 ]; then
  build=build-asan
  opts=(-DCMAKE_BUILD_TYPE=Debug -DGALE_SANITIZE=ON)
  # OpenMPI and HDF5 keep allocations until exit; leaks in Gale are checked by the unit tests' own frees
  export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fi
cmake -S . -B "$build" "${opts[@]}" >/dev/null
cmake --build "$build" -j"$(nproc)"
cd "$build"
ctest --output-on-failure -j"$(nproc)" "$@"
