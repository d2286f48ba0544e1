#!/usr/bin/env bash
# Serves the churn model (examples/churn/churn.yaml, unchanged) with `trestle serve`,
# sends one request with curl, runs a short load test, then drains the server with
# SIGTERM and prints its run summary. Extra arguments go to `trestle serve`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
trestle=${TRESTLE:-$root/build/runtime/trestle}
plugins=${TRESTLE_PLUGIN_DIR:-$root/build/plugins-out}
loadgen=${TRESTLE_LOADGEN:-$root/build/tests/bench/serving_loadgen}
churn=$root/examples/churn
work=$(mktemp -d)
log=$work/serve.log
server=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# The source is opened at start-up to learn the request schema: the churn data set is
# its sample.
[ -f "$churn/data/customers.csv" ] || (cd "$churn" && python3 generate.py --out data)
cd "$churn"
"$trestle" serve churn.yaml --plugin-path "$plugins" --response scores --listen 127.0.0.1:0 \
  --warmup "$here/warmup.json" --state-dir "$work/state" --max-batch-rows 256 --max-queue-delay-us 500 "$@" \
  2>"$log" &
server=$!

# The bound port is in the log; readiness follows the warm-up.
port=
for _ in $(seq 1 300); do
  port=$(sed -n 's/.*serving endpoint listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" | head -n1)
  [ -n "$port" ] && curl -sf "http://127.0.0.1:$port/v2/health/ready" >/dev/null && break
  kill -0 "$server" 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$port" ] || { echo "the server did not become ready" >&2; cat "$log" >&2; exit 1; }
url=http://127.0.0.1:$port/v2/models/churn-scoring
echo "== GET $url"
curl -s "$url"; echo
echo "== POST $url/infer (examples/serving/request.json: the third row has no tenure)"
curl -s -X POST "$url/infer" -H 'Content-Type: application/json' --data-binary @"$here/request.json"; echo

if [ -x "$loadgen" ]; then
  echo "== 5 s of single-row requests at 500/s"
  python3 - "$churn/data/customers.csv" "$work/one_row.json" <<'PY'
import csv, json, sys
with open(sys.argv[1]) as f:
    row = next(csv.DictReader(f))
ints, floats = {"tenure_months", "support_calls"}, {"monthly_charges", "total_charges"}
inst = {k: (int(v) if k in ints and v else float(v) if k in floats and v else
            (v == "true") if k == "senior" else v or None) for k, v in row.items()}
json.dump({"instances": [inst]}, open(sys.argv[2], "w"))
PY
  "$loadgen" --target "127.0.0.1:$port" --path /v2/models/churn-scoring/infer --body "$work/one_row.json" \
    --rate 500 --duration 5 --connections 16 --check-body '"predictions"' --label churn-1-row
else
  echo "(no load generator at $loadgen: build the tree with scripts/build.sh for the load test)"
fi

echo "== drain (SIGTERM) and the run summary"
kill -TERM "$server"
wait "$server"
server=
grep -v '[IWE][0-9]\{8\} ' "$log" || true
