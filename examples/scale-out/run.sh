#!/usr/bin/env bash
# Scale-out on one machine, without Docker: starts a redis-server (Debian's) on a free
# loopback port in a temporary directory, loads the churn example's customers into the
# stream "customers", starts three `trestle run scoring.yaml` workers of one consumer
# group, kills one with SIGKILL when a third of the customers are scored, lets the other
# two finish (they claim what it left unacknowledged), and prints the tally: every
# customer scored at least once, the duplicates (bounded by what the killed worker had
# not acknowledged), nothing pending in the group.
#
#   examples/scale-out/run.sh [WORKERS]      (default 3)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
trestle=${TRESTLE:-$root/build/runtime/trestle}
plugins=${TRESTLE_PLUGIN_DIR:-$root/build/plugins-out}
churn=$root/examples/churn
workers=${1:-3}
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  [ -f "$work/redis.pid" ] && kill -KILL "$(cat "$work/redis.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --dir "$work" --save "" --appendonly yes --daemonize yes \
  --pidfile "$work/redis.pid" --logfile "$work/redis.log"
rcli() { redis-cli -p "$port" "$@"; }
for _ in $(seq 100); do rcli PING >/dev/null 2>&1 && break; sleep 0.1; done

# The churn example's customers, one stream entry each (a field per column; an empty
# CSV field is left out, i.e. null). Malformed lines go in as they are: the workers
# dead-letter what does not decode.
[ -f "$churn/data/customers.csv" ] || (cd "$churn" && python3 generate.py --out data)
python3 - "$churn/data/customers.csv" <<'PY' | rcli --pipe >/dev/null
import sys
def resp(*args):
    out = ["*%d\r\n" % len(args)]
    for a in args:
        b = a.encode()
        out.append("$%d\r\n%s\r\n" % (len(b), a))
    return "".join(out)
with open(sys.argv[1]) as f:
    header = f.readline().rstrip("\n").split(",")
    for line in f:
        values = line.rstrip("\n").split(",")
        fields = [x for k, v in zip(header, values) if v != "" for x in (k, v)]
        sys.stdout.write(resp("XADD", "customers", "*", *fields))
PY
total=$(rcli XLEN customers)
rcli XGROUP CREATE customers scorers 0 >/dev/null
echo "== $total customer events in stream \"customers\"; $workers workers of group \"scorers\""

export REDIS_ADDRESS=127.0.0.1:$port CHURN_MODELS=$churn/models/churn STOP_WHEN_IDLE_MS=8000
for i in $(seq 1 "$workers"); do
  WORKER=worker-$i "$trestle" run "$here/scoring.yaml" --plugin-path "$plugins" --state-dir "$work/state-$i" \
    --run-dir "$work/run-$i" >"$work/worker-$i.out" 2>"$work/worker-$i.err" &
  pids+=($!)
done

# Kill the first worker (SIGKILL: no drain, no goodbye) a third of the way through.
while [ "$(rcli XLEN scores)" -lt $((total / 3)) ]; do
  kill -0 "${pids[0]}" 2>/dev/null || { echo "worker-1 ended early:"; cat "$work/worker-1.err"; exit 1; }
  sleep 0.05
done
kill -KILL "${pids[0]}"
wait "${pids[0]}" 2>/dev/null || true
unacked=$(rcli XPENDING customers scorers - + 1000000 worker-1 | awk 'NR % 4 == 1' | grep -c . || true)
echo "== killed worker-1 (SIGKILL) with $(rcli XLEN scores) scores out; it had $unacked entries unacknowledged"

status=0
for i in $(seq 2 "$workers"); do
  if wait "${pids[$((i - 1))]}"; then echo "== worker-$i finished:"; else status=1; echo "== worker-$i FAILED:"; fi
  sed 's/^/   /' "$work/worker-$i.out" | grep -v 'dead letters:' || true
done
pids=()

scored=$(rcli XLEN scores)
distinct=$(rcli --scan --pattern 'churn:*' | wc -l)
pending=$(rcli XPENDING customers scorers | head -1)
# Dead letters by entry (a killed worker's may be redone by another).
dead=$(cat "$work"/run-*/dead_letter.jsonl 2>/dev/null | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
print(len({d.get("location") or json.dumps(d.get("row"), sort_keys=True) for d in rows}))')
echo "== tally"
echo "   customer events:                 $total"
echo "   distinct customers scored:       $distinct (hash churn:<id>, latest score)"
echo "   scored + dead-lettered:          $((distinct + dead)) of $total"
echo "   dead letters (refused rows):     $dead distinct"
echo "   scores appended (stream scores): $scored"
echo "   duplicates:                      $((scored - distinct)) (at most the $unacked worker-1 had not acknowledged)"
echo "   pending in the group:            $pending"
echo "   example: $(rcli HGETALL "churn:$(rcli --scan --pattern 'churn:*' | head -1 | cut -d: -f2)" | paste -sd' ')"
exit $status
