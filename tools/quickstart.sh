#!/usr/bin/env bash
# Installs what is missing, builds Gale and runs the default case
# (cases/cavity_re100, lid-driven cavity at Re=100) on 2 MPI ranks.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpirun --oversubscribe -np 2 build/gale run cases/cavity_re100
echo "ParaView file: $(pwd)/cases/cavity_re100/results/solution.xmf"
