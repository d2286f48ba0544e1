#!/usr/bin/env bash
# Configures and builds Trestle (Release) into build/ (or $TRESTLE_BUILD_DIR), with
# g++ unless CXX says otherwise. Idempotent: a second run rebuilds only what changed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${TRESTLE_BUILD_DIR:-$root/build}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release ${TRESTLE_CMAKE_ARGS:-} >/dev/null
cmake --build "$build" --parallel "$(nproc)"
