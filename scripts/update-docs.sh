#!/usr/bin/env bash
# Copies the reference docs generated from the ODS descriptions (build/docs)
# into docs/, where the README links them. The docs-up-to-date test fails
# until this has been run after a change to an op or pass description.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cmake --build "$root/build" --target bnc-doc
mkdir -p "$root/docs"
cp -r "$root/build/docs/." "$root/docs/"
echo "docs/ updated from build/docs"
