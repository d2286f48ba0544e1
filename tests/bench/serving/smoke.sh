#!/usr/bin/env bash
# serving_bench_smoke: a short, low-rate run of serving_loadgen against `trestle serve` of
# linear.yaml. Checks that the loadgen's JSON line parses and that every request was
# answered 200 with predictions; never looks at a latency.
#
#   smoke.sh TRESTLE PLUGIN_DIR LOADGEN
set -euo pipefail
TRESTLE=$1 PLUGIN_DIR=$2 LOADGEN=$3
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d)
export SERVING_BENCH_DIR=$HERE SERVING_BENCH_OUT=$TMP
SERVER=
cleanup() {
  if [[ -n $SERVER ]] && kill -0 "$SERVER" 2>/dev/null; then
    kill -TERM "$SERVER" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$SERVER" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER" 2>/dev/null || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT

"$TRESTLE" serve "$HERE/linear.yaml" --plugin-path "$PLUGIN_DIR" --listen 127.0.0.1:0 --no-store --no-admin \
  2>"$TMP/serve.log" &
SERVER=$!
PORT=
for _ in $(seq 600); do
  PORT=$(sed -n 's/.*serving endpoint listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$TMP/serve.log" | head -1)
  [[ -n $PORT ]] && break
  if ! kill -0 "$SERVER" 2>/dev/null; then echo "trestle serve exited:"; cat "$TMP/serve.log"; exit 1; fi
  sleep 0.1
done
[[ -n $PORT ]] || { echo "trestle serve never listened:"; cat "$TMP/serve.log"; exit 1; }

LINE=$("$LOADGEN" --target "127.0.0.1:$PORT" --path /v2/models/serving-linear/infer --csv "$HERE/rows.csv" \
  --rows-per-request 1 --rate 50 --connections 4 --duration 2 --warmup 0.5 --wait-ready 60 \
  --check-body '"predictions"' --label smoke)
echo "$LINE"

# The line must be one JSON object with every request answered.
if command -v python3 >/dev/null; then
  python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert d["mode"] == "open", d
assert d["ok"] > 0 and d["ok"] == d["sent"], d
assert d["error_count"] == 0 and d["errors"] == {} and d["unsent"] == 0, d
for k in ("p50", "p90", "p99", "p999", "max"): assert d["latency_ms"][k] >= 0, d
' "$LINE"
else
  [[ $LINE =~ ^\{.*\}$ ]]
  [[ $LINE == *'"error_count":0,"errors":{},"unsent":0,'* ]]
  [[ ! $LINE == *'"ok":0,'* ]]
fi
echo "serving_bench_smoke: ok"
