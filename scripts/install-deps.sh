#!/usr/bin/env bash
# Installs every Debian package bnc needs to build, test and benchmark. Idempotent.
set -euo pipefail

packages=(
  # Toolchain.
  build-essential cmake ninja-build ccache git python3
  # MLIR / LLVM 22 (lit and FileCheck come with llvm-22-tools).
  llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools
  # Halide 14, imported as a plain library (see DESIGN.md).
  libhalide14-0-dev
  # Tests and benchmarks.
  libgtest-dev libgmock-dev libbenchmark-dev python3-numpy
  # Runtime and checkpoints.
  nlohmann-json3-dev
  # bn-bench: the baseline, and its chart.
  libdnnl-dev python3-matplotlib
  # libFuzzer builds of the fuzz targets (tests/fuzz, BNC_ENABLE_LIBFUZZER).
  clang-22 libclang-rt-22-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && { echo "install-deps: all packages present"; exit 0; }

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists when one of the packages is not known yet.
for p in "${missing[@]}"; do
  if ! apt-cache show "$p" >/dev/null 2>&1; then $SUDO apt-get update; break; fi
done
$SUDO apt-get install -y --no-install-recommends "${missing[@]}"
