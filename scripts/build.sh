#!/usr/bin/env bash
# Installs the dependencies, then configures and builds bnc into build/.
# Extra arguments go to the CMake configure step.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "$@"
# Two jobs: the machines this is built on have two cores and MLIR's headers
# are heavy.
cmake --build build -j "${BNC_JOBS:-2}"
