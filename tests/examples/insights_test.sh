#!/usr/bin/env bash
# The insights example (examples/insights) end to end: copies it (and the churn model it
# reads) to a temporary directory, runs its run.sh (a 7-day backfill, a re-run of one
# date), and checks the tables the business would read:
#   - every date of the week succeeded (`trestle runs --pipeline ... --from --to`),
#   - segment_insights has one row per date and segment: 7 x the segments of the events,
#   - re-running a date (run.sh re-runs 2026-11-27; this test re-runs 2026-11-30 once
#     more) leaves both tables exactly as they were, row for row,
#   - the segment rows agree with a plain recomputation from customer_scores: customers
#     and high_risk_share exactly, mean_score to a few ulp (exact sum over count), and
#     p90_score within the sketch's relative accuracy of the exact 0.9 quantile,
#   - customer_scores has every event of every day exactly once.
# With POSTGRES=1 (and PostgreSQL 15's initdb/pg_ctl installed) the same checks run
# against the Postgres variant, on a server this test starts in the temporary directory.
# Usage: insights_test.sh TRESTLE PLUGIN_DIR EXAMPLE_DIR
set -euo pipefail
trestle=$(realpath "$1")
plugins=$(realpath "$2")
example=$(realpath "$3")
py=/usr/bin/python3
unset INSIGHTS_PG INSIGHTS_EVENTS
tmp=$(mktemp -d)
pgbin=
cleanup() {
  [ -z "$pgbin" ] || "$pgbin/pg_ctl" -D "$tmp/pg/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

mkdir -p "$tmp/ex" "$tmp/churn"
cp "$example"/{insights.yaml,insights-postgres.yaml,run.sh,generate.py,show.py} "$tmp/ex/"
cp -r "$example/../churn/models" "$tmp/churn/"
cd "$tmp/ex"

pg_args=()
if [ "${POSTGRES:-0}" = 1 ]; then
  pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$pgbin" ] || fail "POSTGRES=1 but no /usr/lib/postgresql/*/bin"
  port=$((20000 + RANDOM % 20000))
  mkdir "$tmp/pg"
  as_pg=()
  if [ "$(id -u)" = 0 ]; then chown postgres "$tmp" "$tmp/pg"; as_pg=(runuser -u postgres --); fi
  "${as_pg[@]}" "$pgbin/initdb" -D "$tmp/pg/data" -A trust -U postgres --no-sync >/dev/null
  "${as_pg[@]}" "$pgbin/pg_ctl" -D "$tmp/pg/data" -l "$tmp/pg/log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $tmp/pg -c fsync=off" start >/dev/null
  pg_args=(--postgres "host=127.0.0.1 port=$port dbname=postgres user=postgres")
fi

TRESTLE=$trestle TRESTLE_PLUGIN_DIR=$plugins ./run.sh "${pg_args[@]}" >run.out 2>run.err ||
  { cat run.out run.err; fail "run.sh failed"; }
cat run.out

# run.sh printed the re-run date's rows before and after: the same counts and digests.
mapfile -t before_after < <(grep -E '^(customer_scores|segment_insights):' run.out)
[ "${#before_after[@]}" = 4 ] || fail "run.sh printed ${#before_after[@]} count lines, not 4"
[ "${before_after[0]}" = "${before_after[2]}" ] && [ "${before_after[1]}" = "${before_after[3]}" ] ||
  fail "the re-run changed the tables: ${before_after[*]}"

dump() { # every row of both tables, sorted, one file
  if [ ${#pg_args[@]} -gt 0 ]; then
    for t in customer_scores segment_insights; do
      psql -X -q --csv -d "${pg_args[1]}" -c "SELECT * FROM $t ORDER BY 1, 2, 3" | sed "s/^/$t,/"
    done
  else
    $py - <<'PY'
import sqlite3
for f, t in (("out/scores.db", "customer_scores"), ("out/insights.db", "segment_insights")):
    for row in sorted(sqlite3.connect(f).execute("SELECT * FROM " + t)):
        print(t, *[repr(v) for v in row], sep=",")
PY
  fi
}
dump >before.txt
if [ ${#pg_args[@]} -gt 0 ]; then export INSIGHTS_PG=${pg_args[1]}; pipeline=insights-postgres.yaml
else pipeline=insights.yaml; fi
"$trestle" run "$pipeline" --date 2026-11-30 --plugin-path "$plugins" --state-dir out/state -q --logtostderr=0 ||
  fail "re-running 2026-11-30 failed"
dump >after.txt
cmp -s before.txt after.txt || { diff before.txt after.txt | head -20; fail "re-running 2026-11-30 changed the tables"; }
"$trestle" runs --state-dir out/state --pipeline insights --from 2026-11-24 --to 2026-11-30 --format json >runs.json
[ "$(wc -l <before.txt)" -gt 28000 ] || fail "only $(wc -l <before.txt) rows in the tables"

$py - "${pg_args[1]:-}" <<'PY' || fail "the insight tables do not check out (see above)"
import collections, csv, io, json, math, sqlite3, subprocess, sys
conninfo = sys.argv[1]

def rows(sql, sqlite_file):
    if not conninfo:
        return [tuple(r) for r in sqlite3.connect(sqlite_file).execute(sql)]
    out = subprocess.run(["psql", "-X", "-q", "--csv", "-t", "-d", conninfo, "-c", sql],
                         capture_output=True, text=True, check=True).stdout
    return [tuple(r) for r in csv.reader(io.StringIO(out))]

runs = json.load(open("runs.json"))
assert [r["status"] for r in runs] == ["succeeded"] * 7, runs
assert [r["date"] for r in runs] == ["2026-11-%d" % d for d in range(24, 31)], runs
assert runs[3]["runs"] == 2 and runs[6]["runs"] == 2, "2026-11-27 and -30 ran twice: %s" % runs

events = sqlite3.connect("data/events.db")
segments = events.execute("SELECT COUNT(*) FROM (SELECT DISTINCT country, plan FROM events)").fetchone()[0]
per_day = dict(events.execute("SELECT day, COUNT(*) FROM events GROUP BY day"))
scores = collections.defaultdict(list)
for day, cid, country, plan, p in rows("SELECT day, customer_id, country, plan, churn_probability FROM customer_scores",
                                      "out/scores.db"):
    scores[(day, country, plan)].append((cid, float(p)))
assert {d: sum(len(v) for k, v in scores.items() if k[0] == d) for d in per_day} == per_day, "customer_scores rows per day"
assert all(len({c for c, _ in v}) == len(v) for v in scores.values()), "a customer twice on one day"

table = rows("SELECT day, country, plan, customers, mean_score, p90_score, high_risk_share FROM segment_insights",
             "out/insights.db")
assert len(table) == 7 * segments == len(scores), "segment_insights has %d rows, want 7 x %d" % (len(table), segments)
accuracy = 0.005  # group_aggregate's default relative_accuracy
worst_mean = worst_p90 = 0.0
for day, country, plan, customers, mean, p90, share in table:
    v = sorted(p for _, p in scores[(day, country, plan)])
    n = len(v)
    assert int(customers) == n, (day, country, plan, customers, n)
    assert float(share) == sum(p > 0.5 for p in v) / n, (day, country, plan, share)
    exact_mean = math.fsum(v) / n
    worst_mean = max(worst_mean, abs(float(mean) - exact_mean) / exact_mean)
    assert abs(float(mean) - exact_mean) <= 4 * math.ulp(exact_mean), (day, country, plan, mean, exact_mean)
    # The sketch's quantile q is within accuracy x |x_q| of x_q, the value of rank
    # floor(q (n - 1)) of the sorted values (plugins/support/quantile_sketch.hpp).
    exact = v[math.floor(0.9 * (n - 1))]
    err = abs(float(p90) - exact) / exact
    worst_p90 = max(worst_p90, err)
    assert err <= accuracy, (day, country, plan, p90, exact)
print("segment_insights: %d rows = 7 x %d segments; mean_score within %.1e, p90_score within %.2e of exact"
      % (len(table), segments, worst_mean, worst_p90))
PY
echo "PASS: a week of insight tables, idempotent re-runs, aggregates agree with customer_scores"
