#!/usr/bin/env bash
# The serving benchmark (docs/benchmarks.md, "Serving"). For each model (linear,
# xgboost) and request size (1 and 32 rows), one after another on loopback:
#   floor      floor_server: a minimal Beast server calling the model directly
#   batched    trestle serve, dynamic batching: $BATCHED_FLAGS
#   unbatched  trestle serve, one request per engine batch:
#              --max-batch-rows <rows per request> --max-queue-delay-us 0
# each is loaded by serving_loadgen open loop at $RATES req/s (latency from each
# request's scheduled send time), then closed loop with $MAX_CONNECTIONS connections
# (max throughput). Prints markdown tables (latency and throughput, ratios against the
# floor measured in the same run) and leaves every JSON line in OUT_DIR/results.jsonl.
#
#   tests/bench/serving/run.sh BUILD_DIR [OUT_DIR]
#
# BUILD_DIR holds runtime/trestle, plugins-out/ and tests/bench/{serving_loadgen,
# floor_server} (ninja -C BUILD_DIR trestle trestle_io trestle_features trestle_linear
# trestle_xgboost serving_loadgen floor_server). Needs python3 for the tables and curl
# for the server-side batch statistics (skipped without it). Settings by environment:
# DURATION (s per run, default 10), WARMUP (s, 1), RATES ("500 1000 2000"), ROWS ("1 32"),
# MODELS ("linear xgboost"), CONNECTIONS (open loop, 32), MAX_CONNECTIONS (closed loop,
# 64), FLOOR_THREADS (default: the number of cores), BATCHED_FLAGS.
set -euo pipefail

BUILD=$(cd "${1:?usage: run.sh BUILD_DIR [OUT_DIR]}" && pwd)
OUT=${2:-$(mktemp -d /tmp/serving-bench.XXXXXX)}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-1}
RATES=${RATES:-"500 1000 2000"}
ROWS=${ROWS:-"1 32"}
MODELS=${MODELS:-"linear xgboost"}
CONNECTIONS=${CONNECTIONS:-32}
MAX_CONNECTIONS=${MAX_CONNECTIONS:-64}
FLOOR_THREADS=${FLOOR_THREADS:-$(nproc)}
BATCHED_FLAGS=${BATCHED_FLAGS:-"--max-batch-rows 256 --max-queue-delay-us 500"}

TRESTLE=$BUILD/runtime/trestle
PLUGINS=$BUILD/plugins-out
LOADGEN=$BUILD/tests/bench/serving_loadgen
FLOOR=$BUILD/tests/bench/floor_server
for f in "$TRESTLE" "$LOADGEN" "$FLOOR"; do [[ -x $f ]] || { echo "run.sh: $f is not built" >&2; exit 2; }; done
export SERVING_BENCH_DIR=$HERE SERVING_BENCH_OUT=$OUT/sink

RESULTS=$OUT/results.jsonl
: >"$RESULTS"
PID= PORT=

stop_server() {
  [[ -n $PID ]] || return 0
  kill -TERM "$PID" 2>/dev/null || true
  for _ in $(seq 200); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$PID" 2>/dev/null; then
    echo "run.sh: server $PID did not stop within 20 s of SIGTERM; killing it" >&2
    kill -KILL "$PID" 2>/dev/null || true
  fi
  wait "$PID" 2>/dev/null || true
  PID=
}
trap stop_server EXIT

# start_server LOG PATTERN COMMAND...: starts COMMAND, waits for PATTERN (with the port as
# \1) in LOG.
start_server() {
  local log=$1 pattern=$2
  shift 2
  "$@" >"$log" 2>&1 &
  PID=$!
  PORT=
  for _ in $(seq 600); do
    PORT=$(sed -n "s/$pattern/\\1/p" "$log" | head -1)
    [[ -n $PORT ]] && return 0
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "run.sh: the server did not start:" >&2
  cat "$log" >&2
  exit 1
}

model_file() { [[ $1 == linear ]] && echo "$HERE/linear_model.json" || echo "$HERE/../xgboost_bench_model.ubj"; }

scrape() {  # the serving metrics of the server on $PORT, or nothing
  command -v curl >/dev/null && curl -s "http://127.0.0.1:$PORT/metrics" | grep '^trestle_serving_' || true
}

# load MODEL SERVER ROWS (RATE | max)
load() {
  local model=$1 server=$2 rows=$3 rate=$4 mode before after line
  if [[ $rate == max ]]; then mode=(--max-throughput --connections "$MAX_CONNECTIONS")
  else mode=(--rate "$rate" --connections "$CONNECTIONS"); fi
  before=$(scrape)
  local load_before
  load_before=$(cut -d' ' -f1 /proc/loadavg)
  line=$("$LOADGEN" --target "127.0.0.1:$PORT" --path "/v2/models/serving-$model/infer" --csv "$HERE/rows.csv" \
    --rows-per-request "$rows" "${mode[@]}" --duration "$DURATION" --warmup "$WARMUP" --wait-ready 60 \
    --check-body '"predictions"' --label "$model/$server/$rows/$rate")
  after=$(scrape)
  python3 - "$model" "$server" "$rows" "$rate" "$load_before" "$line" "$before" "$after" >>"$RESULTS" <<'EOF'
import json, sys
model, server, rows, rate, load_before, line, before, after = sys.argv[1:]
def parse(text):
    m = {}
    for l in text.splitlines():
        name, _, value = l.rpartition(" ")
        m[name] = float(value)
    return m
def total(m, family):
    return sum(v for k, v in m.items() if k.split("{")[0] == family)
b, a = parse(before), parse(after)
delta = lambda f: total(a, f) - total(b, f)
server_side = {}
if a:
    batches = delta("trestle_serving_batch_rows_count")
    reqs = delta("trestle_serving_queue_duration_seconds_count")
    server_side = {
        "batches": batches,
        "mean_batch_rows": delta("trestle_serving_batch_rows_sum") / batches if batches else 0,
        "mean_queue_ms": 1000 * delta("trestle_serving_queue_duration_seconds_sum") / reqs if reqs else 0,
        "mean_compute_ms": 1000 * delta("trestle_serving_compute_duration_seconds_sum") / reqs if reqs else 0,
    }
print(json.dumps({"model": model, "server": server, "rows": int(rows), "rate": rate,
                  "loadavg_before": float(load_before),
                  "loadavg_after": float(open("/proc/loadavg").read().split()[0]),
                  "server_side": server_side, "run": json.loads(line)}))
EOF
  echo "$line" >&2
}

echo "run.sh: results in $OUT; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for model in $MODELS; do
  for rows in $ROWS; do
    for server in floor batched unbatched; do
      log=$OUT/$model-$server-$rows.log
      case $server in
        floor)
          start_server "$log" '^floor listening on 127\.0\.0\.1:\([0-9]*\)$' \
            "$FLOOR" --model "$model" --model-file "$(model_file "$model")" --threads "$FLOOR_THREADS" \
            --name "serving-$model" ;;
        batched)
          # shellcheck disable=SC2086
          start_server "$log" '.*serving endpoint listening on 127\.0\.0\.1:\([0-9]*\).*' \
            "$TRESTLE" serve "$HERE/$model.yaml" --plugin-path "$PLUGINS" --listen 127.0.0.1:0 --no-store --no-admin \
            $BATCHED_FLAGS ;;
        unbatched)
          start_server "$log" '.*serving endpoint listening on 127\.0\.0\.1:\([0-9]*\).*' \
            "$TRESTLE" serve "$HERE/$model.yaml" --plugin-path "$PLUGINS" --listen 127.0.0.1:0 --no-store --no-admin \
            --max-batch-rows "$rows" --max-queue-delay-us 0 ;;
      esac
      for rate in $RATES max; do load "$model" "$server" "$rows" "$rate"; done
      stop_server
    done
  done
done

python3 - "$RESULTS" <<'EOF' | tee "$OUT/table.md"
import json, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
key = lambda r: (r["model"], r["rows"], r["rate"])
floor = {key(r): r["run"] for r in runs if r["server"] == "floor"}
fmt = lambda v: "%.2f" % v
ratio = lambda a, b: "%.2f" % (a / b) if b else "-"
def errors(run):
    e = dict(run["errors"])
    if run["unsent"]: e["unsent"] = run["unsent"]
    return ", ".join("%s: %d" % kv for kv in sorted(e.items())) or "0"
print("Open loop (latency in ms from each request's scheduled send time; x floor = the same percentile of the floor):\n")
print("| model | rows/req | req/s target | server | req/s achieved | p50 | p99 | p99.9 | max | p50 x floor | p99 x floor | errors | mean batch rows |")
print("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---:|")
for r in runs:
    if r["rate"] == "max": continue
    run, f = r["run"], floor.get(key(r))
    lat, flat = run["latency_ms"], f["latency_ms"] if f else None
    batch = r["server_side"].get("mean_batch_rows")
    print("| %s | %d | %s | %s | %.0f | %s | %s | %s | %s | %s | %s | %s | %s |" % (
        r["model"], r["rows"], r["rate"], r["server"], run["achieved_rps"], fmt(lat["p50"]), fmt(lat["p99"]),
        fmt(lat["p999"]), fmt(lat["max"]), ratio(lat["p50"], flat["p50"]) if flat else "-",
        ratio(lat["p99"], flat["p99"]) if flat else "-", errors(run), "%.1f" % batch if batch else "-"))
print("\nClosed loop, max throughput (%d connections):\n" % next((r["run"]["connections"] for r in runs if r["rate"] == "max"), 0))
print("| model | rows/req | server | req/s | rows/s | x floor | batched / unbatched | p50 ms | p99 ms | errors | mean batch rows |")
print("|---|---:|---|---:|---:|---:|---:|---:|---:|---|---:|")
maxruns = {(r["model"], r["rows"], r["server"]): r["run"] for r in runs if r["rate"] == "max"}
for r in runs:
    if r["rate"] != "max": continue
    run = r["run"]
    f = maxruns.get((r["model"], r["rows"], "floor"))
    u = maxruns.get((r["model"], r["rows"], "unbatched"))
    bu = ratio(run["rows_per_s"], u["rows_per_s"]) if r["server"] == "batched" and u else ""
    batch = r["server_side"].get("mean_batch_rows")
    print("| %s | %d | %s | %.0f | %.0f | %s | %s | %s | %s | %s | %s |" % (
        r["model"], r["rows"], r["server"], run["achieved_rps"], run["rows_per_s"],
        ratio(run["rows_per_s"], f["rows_per_s"]) if f else "-", bu, fmt(run["latency_ms"]["p50"]),
        fmt(run["latency_ms"]["p99"]), errors(run), "%.1f" % batch if batch else "-"))
loads = [r["loadavg_before"] for r in runs]
print("\nLoad average (1 min) before the runs: %.1f to %.1f" % (min(loads), max(loads)))
EOF
