#!/usr/bin/env bash
# The model-swap example (examples/model-swap) with one model framework: copies the
# example to a temporary directory, runs its pipeline with MODEL=<model> and again with
# the pipeline file's `type:` line edited to <model> (the two outputs must be identical),
# and checks the scores against the framework's own predictions with compare.py: every
# holdout row exactly once, each within the model's tolerance. Also checks that
# compare.py itself rejects a missing row, a duplicated row and a changed score.
# Usage: model_swap_test.sh TRESTLE PLUGIN_DIR EXAMPLE_DIR MODEL
set -euo pipefail
trestle=$1
plugins=$2
example=$3
model=$4
py=/usr/bin/python3
unset MODEL SCORES HOLDOUT  # the pipeline reads these; the test sets what it needs
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

cp -r "$example" "$tmp/ex"
cd "$tmp/ex"
rm -rf out .trestle
[ -f data/holdout.csv ] || fail "$example/data/holdout.csv is missing (run train_all.sh)"
[ -f "reference/$model.csv" ] || fail "$example/reference/$model.csv is missing (run train_all.sh)"

# 1. The swap through the environment: type: ${MODEL:-linear}.
MODEL=$model SCORES=out/env.csv "$trestle" run pipeline.yaml --plugin-path "$plugins" \
  --state-dir "$tmp/state" --quiet || fail "trestle run with MODEL=$model failed"

# 2. The swap as an edit of that one line of the pipeline file.
# shellcheck disable=SC2016  # the literal ${MODEL...} text of the pipeline file
grep -c '^    type: \${MODEL:-linear}' pipeline.yaml | grep -qx 1 || fail "pipeline.yaml has no single 'type: \${MODEL:-linear}' line"
sed "s/^    type: \${MODEL:-linear}.*/    type: $model/" pipeline.yaml > edited.yaml
[ "$(diff pipeline.yaml edited.yaml | grep -c '^[<>]')" = 2 ] || fail "edited.yaml differs from pipeline.yaml in more than one line"
(unset MODEL; SCORES=out/edited.csv "$trestle" run edited.yaml --plugin-path "$plugins" \
  --state-dir "$tmp/state" --quiet) || fail "trestle run of the pipeline with 'type: $model' failed"
cmp -s out/env.csv out/edited.csv || fail "MODEL=$model and 'type: $model' gave different outputs"

# 3. Trestle's scores against the framework's own.
"$py" compare.py out/env.csv "reference/$model.csv" --model "$model" --holdout data/holdout.csv

# 4. compare.py must catch a missing row, a duplicated row and a changed score.
sed '2d' out/env.csv > out/missing.csv
{ cat out/env.csv; sed -n 2p out/env.csv; } > out/duplicated.csv
awk -F, -v OFS=, 'NR == 2 { $2 = $2 + 1e-4 } { print }' out/env.csv > out/changed.csv
for bad in missing duplicated changed; do
  if "$py" compare.py "out/$bad.csv" "reference/$model.csv" --model "$model" >/dev/null 2>&1; then
    fail "compare.py accepted an output with a $bad row"
  fi
done
echo "model swap to $model: OK"
