#!/usr/bin/env bash
# Configures and builds Trestle (Release) into build/ (or $TRESTLE_BUILD_DIR), with
# g++ unless CXX says otherwise. Idempotent: a second run rebuilds only what changed.
# TRESTLE_CMAKE_ARGS adds configure options; TRESTLE_BUILD_TARGETS (space-separated)
# builds only those targets and what they need instead of everything.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${TRESTLE_BUILD_DIR:-$root/build}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release ${TRESTLE_CMAKE_ARGS:-} >/dev/null
targets=()
for t in ${TRESTLE_BUILD_TARGETS:-}; do targets+=(--target "$t"); done
cmake --build "$build" --parallel "$(nproc)" "${targets[@]}"
