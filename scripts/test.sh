#!/usr/bin/env bash
# Installs, builds and runs every test (lit regression tests and GoogleTest
# unit tests) through CTest, which prints the closing summary.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

scripts/build.sh
cd build
ctest --output-on-failure -j "${BNC_JOBS:-2}"
