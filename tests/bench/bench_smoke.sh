#!/usr/bin/env bash
# Runs a benchmark with --smoke (tiny sizes) and fails unless it exits 0 and prints a line
# matching PATTERN. Timings are never checked.
# Usage: bench_smoke.sh BENCH PATTERN
set -uo pipefail
out=$("$1" --smoke)
rc=$?
printf '%s\n' "$out"
if [ "$rc" -ne 0 ]; then
  echo "FAIL: $1 --smoke exited with $rc"
  exit 1
fi
if ! grep -Eq -- "$2" <<<"$out"; then
  echo "FAIL: $1 --smoke printed no line matching: $2"
  exit 1
fi
