#!/usr/bin/env bash
# The main job: install, build, then run bn-opt on a shipped example model and
# print the verified IR.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

scripts/build.sh
model=examples/models/residual_block_nchw.mlir
echo "== bn-opt $model"
build/bin/bn-opt "$model"
