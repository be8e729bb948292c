#!/usr/bin/env bash
# The main job: install, build, then run bn-opt on the shipped example models:
# the verified IR of a training block, and a frozen block whose BN the
# inference pipeline folds into the convolution.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

scripts/build.sh
model=examples/models/residual_block_nchw.mlir
echo "== bn-opt $model"
build/bin/bn-opt "$model"

frozen=examples/models/frozen_conv_bn_relu_nchw.mlir
echo "== bn-opt --bn-inference-pipeline $frozen"
build/bin/bn-opt --bn-inference-pipeline "$frozen"
