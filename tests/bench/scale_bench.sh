#!/usr/bin/env bash
# Scale-out throughput (docs/benchmarks.md, "Scale-out workers"): rows/s of 1, 2 and 3
# `trestle run` workers of one Redis consumer group scoring the churn customers with
# examples/scale-out/scoring.yaml, on this machine. For each round, in the order 1, 2, 3
# workers (rounds interleave them), a fresh group on an empty stream, the workers
# started, the same events loaded, and the time taken until every event is
# scored or dead-lettered (the group's lag and pending count are 0) is measured from the
# moment every worker is reading (the events are loaded then, while they read); then the
# workers are stopped (SIGTERM). Prints the median rows/s per worker count and the
# ratio against one worker measured in the same run.
#
#   tests/bench/scale_bench.sh TRESTLE PLUGIN_DIR [EVENTS [ROUNDS]]   (100000, 3)
#   --smoke: 5000 events, 1 round (ctest scale_bench_smoke: checks the output, not speed)
set -euo pipefail
trestle=$1 plugins=$2
shift 2
events=${1:-100000} rounds=${2:-3}
if [ "${1:-}" = --smoke ]; then events=5000 rounds=1; fi
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  [ -f "$work/redis.pid" ] && kill -KILL "$(cat "$work/redis.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --dir "$work" --save "" --appendonly no --daemonize yes \
  --pidfile "$work/redis.pid" --logfile "$work/redis.log"
rcli() { redis-cli -p "$port" "$@"; }
for _ in $(seq 100); do rcli PING >/dev/null 2>&1 && break; sleep 0.1; done

# The events, as redis-cli --pipe input (once).
data=$work/customers.csv
(cd "$work" && python3 "$root/examples/churn/generate.py" --out gen >/dev/null)
head -n $((events + 1)) "$work/gen/customers.csv" >"$data"
python3 - "$data" >"$work/load.resp" <<'PY'
import sys
def resp(*args):
    return "*%d\r\n" % len(args) + "".join("$%d\r\n%s\r\n" % (len(a.encode()), a) for a in args)
with open(sys.argv[1]) as f:
    header = f.readline().rstrip("\n").split(",")
    for line in f:
        values = line.rstrip("\n").split(",")
        sys.stdout.write(resp("XADD", "customers", "*", *[x for k, v in zip(header, values) if v != "" for x in (k, v)]))
PY

export REDIS_ADDRESS=127.0.0.1:$port CHURN_MODELS=$root/examples/churn/models/churn STOP_WHEN_IDLE_MS=0
results=$work/results.txt
: >"$results"
for round in $(seq 1 "$rounds"); do
  for n in 1 2 3; do
    rcli FLUSHALL >/dev/null
    rcli XGROUP CREATE customers scorers 0 MKSTREAM >/dev/null
    pids=()
    for i in $(seq 1 "$n"); do
      WORKER=w$i "$trestle" run "$root/examples/scale-out/scoring.yaml" --plugin-path "$plugins" --no-store \
        --run-dir "$work/run-$round-$n-$i" -q 2>"$work/w$i.err" &
      pids+=($!)
    done
    # The clock starts once every worker is up (plugins loaded, reading): what is
    # measured is the stream's throughput, not the start of N processes.
    for i in $(seq 1 "$n"); do
      until [ "$(rcli XINFO CONSUMERS customers scorers | grep -c "^w$i\$")" -gt 0 ]; do sleep 0.02; done
    done
    start=$(date +%s.%N)
    rcli --pipe <"$work/load.resp" >/dev/null
    total=$(rcli XLEN customers)
    # Done when the group has read everything and acknowledged it all.
    while :; do
      info=$(rcli XINFO GROUPS customers | paste -sd' ')
      lag=$(sed -n 's/.*lag \([0-9]*\).*/\1/p' <<<"$info")
      pending=$(sed -n 's/.*pending \([0-9]*\).*/\1/p' <<<"$info")
      [ "${lag:-1}" = 0 ] && [ "${pending:-1}" = 0 ] && break
      for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null || { cat "$work"/w*.err; echo "a worker died" >&2; exit 1; }; done
      sleep 0.02
    done
    end=$(date +%s.%N)
    for p in "${pids[@]}"; do kill -TERM "$p"; done
    for p in "${pids[@]}"; do wait "$p" || { cat "$work"/w*.err; echo "a worker failed" >&2; exit 1; }; done
    pids=()
    python3 -c "import sys; print($n, $total / ($end - $start))" >>"$results"
    echo "round $round: $n worker(s): $(tail -1 "$results" | cut -d' ' -f2) rows/s" >&2
  done
done

python3 - "$results" "$events" "$(nproc)" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
by = {}
for n, r in rows:
    by.setdefault(int(n), []).append(float(r))
base = statistics.median(by[1])
print("scale-out: %s events, %s cores, median of %d round(s)" % (sys.argv[2], sys.argv[3], len(by[1])))
for n in sorted(by):
    m = statistics.median(by[n])
    print("workers %d: %.0f rows/s, ratio %.2f" % (n, m, m / base))
PY
