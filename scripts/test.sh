#!/usr/bin/env bash
# The README's second command: installs what Trestle needs (Debian 12), then
#   1. g++, Release (build/): builds everything and runs the whole test suite;
#   2. clang with AddressSanitizer and UndefinedBehaviorSanitizer (build-asan/), the
#      libFuzzer targets included: builds everything, runs the whole suite but the large
#      test, the examples and the benchmarks' smoke runs, then runs each fuzzer for
#      TRESTLE_FUZZ_SECONDS (default 45);
#   3. clang with ThreadSanitizer (build-tsan/): builds only the engine tests (execution,
#      monitors and the admin endpoint, model swaps, the run store, serving, the CLI end
#      to end; without the xgboost, torchscript and onnx plugins) and runs them.
# Escape hatches: TRESTLE_SKIP_CLANG=1 skips 2, TRESTLE_SKIP_FUZZ=1 builds and runs no
# fuzzer in 2, TRESTLE_SKIP_TSAN=1 skips 3.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
jobs=$(nproc)

# phase NAME COMMAND...: runs a phase and prints how long it took.
phase() {
  local name=$1 start=$SECONDS
  shift
  echo "== $name"
  "$@"
  echo "== $name: $((SECONDS - start)) s"
}

phase "g++ build" env TRESTLE_BUILD_DIR="$root/build" "$root/scripts/build.sh"
phase "g++: the whole test suite" \
  ctest --test-dir "$root/build" --output-on-failure --timeout 900 -j "$jobs"

if [ "${TRESTLE_SKIP_CLANG:-0}" != 1 ]; then
  fuzz=ON
  [ "${TRESTLE_SKIP_FUZZ:-0}" = 1 ] && fuzz=OFF
  phase "clang ASan+UBSan build (fuzzers: $fuzz)" \
    env CC=clang CXX=clang++ TRESTLE_BUILD_DIR="$root/build-asan" \
    TRESTLE_CMAKE_ARGS="-DTRESTLE_SANITIZE=address -DTRESTLE_FUZZ=$fuzz -DTRESTLE_FUZZ_SECONDS=${TRESTLE_FUZZ_SECONDS:-45}" \
    "$root/scripts/build.sh"
  # The large test (1 GiB, peak RSS bounded) runs in the g++ pass only: under ASan it
  # takes minutes, and ASan's shadow memory and quarantine break its RSS bound. The
  # examples' scripts and the benchmarks' smoke runs also run in the g++ pass only: they
  # drive, end to end, code the suite's own tests cover, and took a quarter of this pass.
  phase "ASan+UBSan: the test suite but the large test, examples and benchmarks" \
    ctest --test-dir "$root/build-asan" --output-on-failure --timeout 900 -j "$jobs" -L sanitize \
    -LE 'large|fuzz|examples|bench'
  if [ "$fuzz" = ON ]; then
    phase "ASan+UBSan: the fuzzers" \
      ctest --test-dir "$root/build-asan" --output-on-failure -j "$jobs" -L fuzz
  fi
fi

if [ "${TRESTLE_SKIP_TSAN:-0}" != 1 ]; then
  phase "clang TSan build of the engine tests" \
    env CC=clang CXX=clang++ TRESTLE_BUILD_DIR="$root/build-tsan" \
    TRESTLE_CMAKE_ARGS="-DTRESTLE_SANITIZE=thread -DTRESTLE_WITH_XGBOOST=OFF -DTRESTLE_WITH_TORCHSCRIPT=OFF -DTRESTLE_WITH_ONNX=OFF" \
    TRESTLE_BUILD_TARGETS=trestle_engine_tests "$root/scripts/build.sh"
  phase "TSan: the engine tests" \
    ctest --test-dir "$root/build-tsan" --output-on-failure --timeout 900 -j "$jobs" -L sanitize \
    -L '^(engine|serving)$' -LE 'examples|bench'
fi
