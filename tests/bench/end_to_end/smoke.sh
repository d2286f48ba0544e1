#!/usr/bin/env bash
# end_to_end_bench_smoke: run.sh on 20000 rows, once. Checks that every variant ran and
# that their outputs agree (run.sh exits 1 otherwise); never looks at a timing.
#
#   smoke.sh BUILD_DIR TRESTLE PLUGIN_DIR HANDWRITTEN
set -euo pipefail
BUILD=$1
export E2E_TRESTLE=$2 E2E_PLUGIN_DIR=$3 E2E_HANDWRITTEN=$4 E2E_STARTUP_REPS=2
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

bash "$HERE/run.sh" "$BUILD" "$TMP" 20000 1 | tee "$TMP/log"

table=$TMP/table.md
need() { grep -q "$1" "$table" || { echo "end_to_end_bench_smoke: table.md has no line matching: $1"; exit 1; }; }
need '^| Trestle, 1 thread | [0-9.]* |'
need '^| Trestle, 2 threads | [0-9.]* |'
need '^| hand-written C++ | [0-9.]* |'
need '^    agree: trestle-t1.csv vs handwritten.csv: 20000 rows'
need '^    agree: trestle-t2.csv vs handwritten.csv: 20000 rows'
if grep -q '^pandas variant skipped' "$TMP/log"; then
  echo "end_to_end_bench_smoke: pandas variant skipped (python3-pandas missing)"
else
  need '^| pandas + xgboost | [0-9.]* |'
  need '^    agree: pandas.csv vs handwritten.csv: 20000 rows'
fi
need '^| `trestle validate pipeline.yaml` | [0-9]* |'
echo "end_to_end_bench_smoke: ok"
