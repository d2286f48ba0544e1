#!/usr/bin/env bash
# The README's second command: installs what Trestle needs (Debian 12), builds it with
# g++ and runs the whole test suite, then builds it with clang and runs the fast tests.
# Set TRESTLE_SKIP_CLANG=1 to skip the clang pass.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"

echo "== g++ build and the whole test suite"
TRESTLE_BUILD_DIR="$root/build" "$root/scripts/build.sh"
(cd "$root/build" && ctest --output-on-failure --timeout 900 -j "$(nproc)")

if [ "${TRESTLE_SKIP_CLANG:-0}" != 1 ]; then
  echo "== clang build and the fast tests"
  CC=clang CXX=clang++ TRESTLE_BUILD_DIR="$root/build-clang" "$root/scripts/build.sh"
  (cd "$root/build-clang" && ctest --output-on-failure --timeout 600 -j "$(nproc)" -LE large)
fi
