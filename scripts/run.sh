#!/usr/bin/env bash
# The main job: install, build, then run bnc on the shipped example models:
# the verified IR of a training block, a frozen block whose BN the inference
# pipeline folds into the convolution, and one training step of the block
# compiled with Halide, next to the reference evaluator's.
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

echo "== bn-run $model --entry train_step (fused, Halide JIT, random inputs)"
build/bin/bn-run "$model" --entry train_step --pipeline bn-fuse,bn-schedule \
    --random-inputs 1 --out build/run/halide
echo "== the same step on the reference evaluator"
build/bin/bn-run "$model" --entry train_step --backend reference \
    --random-inputs 1 --out build/run/reference
