#!/usr/bin/env bash
# Builds examples/train_loop the way a project outside bnc would: installs
# the bnc build in BNC_BUILD into WORK/install, then configures and builds the
# example against it with find_package(bnc) into WORK/train_loop.
#
#   scripts/build-train-loop.sh BNC_BUILD WORK
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bnc_build=$(cd "$1" && pwd)
work=$2
mkdir -p "$work"
work=$(cd "$work" && pwd)

cmake --install "$bnc_build" --prefix "$work/install" > "$work/install.log"
generator=()
if command -v ninja > /dev/null; then generator=(-G Ninja); fi
cmake -S "$root/examples/train_loop" -B "$work/train_loop" "${generator[@]}" \
    -Dbnc_DIR="$work/install/lib/cmake/bnc" > "$work/configure.log"
cmake --build "$work/train_loop" -j "${BNC_JOBS:-2}"
