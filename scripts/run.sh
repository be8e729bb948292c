#!/usr/bin/env bash
# The main job: install the dependencies, build and install bnc, then build
# examples/train_loop against the installed package, as an outside project
# would, and run it: training steps of a ResNet basic block through its
# ahead-of-time compiled kernels, the running statistics converging, and the
# derived inference program checked against a C++ reference.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

scripts/build.sh
echo "== building examples/train_loop against the installed bnc (build/example)"
scripts/build-train-loop.sh build build/example
echo "== build/example/train_loop/train_loop"
build/example/train_loop/train_loop "$@"
