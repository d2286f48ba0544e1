#!/usr/bin/env bash
# The serving example (examples/serving) end to end, from a copy of it and of the churn
# example in a temporary directory: its run.sh serves examples/churn/churn.yaml, and the
# test checks what a client and an operator are told:
#   - the model's metadata names the churn model, its version and its inputs,
#   - the example request gets three predictions in order, the third an error entry of
#     node "score" (its tenure is null), with the model version,
#   - the load test's requests were all answered 200 with predictions,
#   - SIGTERM drained the server: the run succeeded with the one refused row in the
#     dead letters.
# Usage: serving_test.sh TRESTLE PLUGIN_DIR LOADGEN EXAMPLES_DIR
set -euo pipefail
trestle=$1
plugins=$2
loadgen=$3
examples=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

mkdir -p "$tmp/examples/churn" "$tmp/examples/serving"
cp "$examples"/churn/{churn.yaml,generate.py} "$tmp/examples/churn/"
cp -r "$examples/churn/models" "$tmp/examples/churn/"
cp "$examples"/serving/{run.sh,request.json,warmup.json} "$tmp/examples/serving/"
TRESTLE=$trestle TRESTLE_PLUGIN_DIR=$plugins TRESTLE_LOADGEN=$loadgen "$tmp/examples/serving/run.sh" \
  >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/out" "$tmp/err"; fail "run.sh failed"; }
cat "$tmp/out"

python3 - "$tmp/out" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
def after(header):
    i = next(i for i, l in enumerate(lines) if l.startswith(header))
    return lines[i + 1]
meta = json.loads(after("== GET "))
assert meta["name"] == "churn-scoring", meta
assert len(meta["versions"]) == 1 and meta["versions"][0], meta
assert "tenure_months" in [i["name"] for i in meta["inputs"]], meta
answer = json.loads(after("== POST "))
assert answer["id"] == "example-1", answer
assert answer["model_version"] == meta["versions"][0], answer
p = answer["predictions"]
assert [r.get("customer_id") for r in p[:2]] == ["C9000001", "C9000002"], p
assert all(0 <= r["churn_probability"] <= 1 for r in p[:2]), p
assert p[2]["error"]["node"] == "score" and "tenure_months" in p[2]["error"]["reason"], p
load = json.loads(after("== 5 s of single-row requests"))
assert load["sent"] > 0 and load["ok"] == load["sent"] and load["error_count"] == 0 and load["unsent"] == 0, load
summary = "\n".join(lines)
assert "pipeline churn-scoring  succeeded" in summary, summary
assert "dead letters: 1 rows" in summary, summary
print("serving example: ok (%d load requests answered)" % load["ok"])
PY
