#!/usr/bin/env bash
# Runs pipeline.yaml once per model framework (MODEL=linear|xgboost|torchscript|onnx, the
# one line of the pipeline that changes), writing out/scores-<model>.csv, and compares
# each output with that framework's own predictions in reference/<model>.csv.
# Usage: run.sh [MODEL...]   (default: all four). Exits 1 if any model fails.
# TRESTLE and TRESTLE_PLUGIN_DIR point it at another build (default: <repo>/build).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
trestle=${TRESTLE:-$root/build/runtime/trestle}
plugins=${TRESTLE_PLUGIN_DIR:-$root/build/plugins-out}
# Relative paths given in the environment are relative to where run.sh was started.
[[ $trestle == */* && $trestle != /* ]] && trestle=$PWD/$trestle
[[ $plugins != /* && $plugins != *:* ]] && plugins=$PWD/$plugins
cd "$here" || exit 1  # the pipeline's relative paths are relative to the working directory

models=("$@")
[ ${#models[@]} -gt 0 ] || models=(linear xgboost torchscript onnx)
mkdir -p out
failed=0
summary=()
for m in "${models[@]}"; do
  echo "== MODEL=$m"
  out=out/scores-$m.csv
  if ! MODEL=$m SCORES=$out "$trestle" run pipeline.yaml --plugin-path "$plugins" \
       --report "out/report-$m.json"; then
    summary+=("$(printf '%-12s FAIL: trestle run failed (see above)' "$m")")
    failed=1
    continue
  fi
  if line=$(/usr/bin/python3 compare.py "$out" "reference/$m.csv" --model "$m" \
              --holdout data/holdout.csv 2>&1); then
    summary+=("$(printf '%-12s %s' "$m" "$line")")
  else
    echo "$line"
    summary+=("$(printf '%-12s FAIL: output differs from reference/%s.csv (see above)' "$m" "$m")")
    failed=1
  fi
done
echo
echo "model        Trestle's scores against the framework's own predictions"
printf '%s\n' "${summary[@]}"
exit $failed
