#!/usr/bin/env bash
# The drift example (examples/drift) end to end: copies it to a temporary directory,
# runs its run.sh (a week of day-files into one run store), and checks what an operator
# would be told:
#   - days 1-3 raise nothing (no alert rows, no findings in the store),
#   - `trestle history` dates both changes to day 4 (the generator's drift day, the
#     run's --date): country (DRIFT by linf and UNKNOWN_CATEGORICAL_VALUES "BR") and
#     monthly_charges (DRIFT by wasserstein), ongoing through day 7, with the default
#     window settings (one window per run),
#   - features that did not change have no findings, nor has customer_id (an
#     identifier the drift monitor leaves out),
#   - `trestle history` without --feature lists both features with day 4,
#   - both monitors saw all 20,000 rows of every day,
#   - the report marks the first alert on day 4.
# Usage: drift_test.sh TRESTLE PLUGIN_DIR EXAMPLE_DIR
set -euo pipefail
trestle=$1
plugins=$2
example=$3
py=/usr/bin/python3
unset DAY DAYS
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

mkdir "$tmp/ex"
cp "$example"/{drift.yaml,run.sh,generate_days.py} "$tmp/ex/"
mkdir -p "$tmp/churn" && cp -r "$example/../churn/generate.py" "$example/../churn/models" "$tmp/churn/"
cd "$tmp/ex"
TRESTLE=$trestle TRESTLE_PLUGIN_DIR=$plugins ./run.sh > run.out 2>run.err || { cat run.out run.err; fail "run.sh failed"; }
cat run.out

day4=$($py -c 'import datetime, generate_days as g; print((g.FIRST_DAY + datetime.timedelta(days=4)).strftime("%Y-%m-%d"))')
for d in 1 2 3; do
  [ ! -s "out/alerts/day-$d.jsonl" ] || fail "day $d raised alerts: $(head -c 400 "out/alerts/day-$d.jsonl")"
done
for d in 4 5 6 7; do
  [ -s "out/alerts/day-$d.jsonl" ] || fail "day $d raised no alert"
done

"$trestle" runs --state-dir out/state --format json > runs.json
for f in country monthly_charges tenure_months contract customer_id; do
  "$trestle" history --state-dir out/state --feature "$f" --format json > "history-$f.json"
done
"$trestle" history --state-dir out/state --format json > history-all.json
"$trestle" history --state-dir out/state > history-all.txt
$py - "$day4" <<'PY' || fail "the history does not date the changes to day 4 (see above)"
import json, sys
day4 = sys.argv[1]
runs = json.load(open("runs.json"))
runs = runs["runs"] if isinstance(runs, dict) else runs
assert len(runs) == 7 and all(r["status"] == "succeeded" for r in runs), runs
quiet = sorted(runs, key=lambda r: r["started"])[:3]
assert all(r["findings"] == 0 for r in quiet), "findings on days 1-3: %s" % [r["findings"] for r in quiet]

def findings(feature):
    return {(f["code"], f["statistic"]): f for f in json.load(open("history-%s.json" % feature))["findings"]}

expected = {
    "country": [("DRIFT", "linf"), ("UNKNOWN_CATEGORICAL_VALUES", "unknown_share")],
    "monthly_charges": [("DRIFT", "wasserstein")],
}
for feature, keys in expected.items():
    got = findings(feature)
    for key in keys:
        assert key in got, "%s: no %s finding (have %s)" % (feature, key, sorted(got))
        f = got[key]
        print("%s %s/%s since %s, %d windows, ongoing=%s" % (feature, key[0], key[1], f["since_date"], f["windows"], f["ongoing"]))
        assert f["since_date"] == day4 and f["since_dated"], "%s %s began %s, not on day 4 (%s)" % (feature, key, f["since_date"], day4)
        assert f["windows"] == 4 and f["ongoing"], f
for feature in ("tenure_months", "contract", "customer_id"):
    assert not findings(feature), "%s did not change but has findings: %s" % (feature, findings(feature))
# Every monitor looked at every row of every day (monitoring.queue_batches).
ws = json.load(open("history-monthly_charges.json"))["windows"]
assert len(ws) == 14 and all(w["rows"] == 20000 and w["skipped_batches"] == 0 for w in ws), \
    [(w["node"], w["rows"], w["skipped_batches"]) for w in ws]
assert sorted({w["date"] for w in ws}) == sorted({w["run_date"] for w in ws}) and len({w["date"] for w in ws}) == 7, ws
top = findings("country")[("UNKNOWN_CATEGORICAL_VALUES", "unknown_share")]["message"]
assert '"BR"' in top, top
summary = json.load(open("history-all.json"))["findings"]
assert {f["feature"] for f in summary} >= {"country", "monthly_charges"}, summary
assert all(f["ongoing"] for f in summary[:3]), "ongoing findings come first: %s" % summary
assert all(f["since_date"] == day4 for f in summary if f["feature"] in ("country", "monthly_charges")), summary
assert day4 in open("history-all.txt").read()
PY

grep -q "first alert $day4" out/report.html || fail "out/report.html marks no first alert on $day4"
$py - <<'PY' || fail "out/report.html does not open with 'what changed, and since when'"
html = open("out/report.html").read()
since, accounting = html.find('id="since-when"'), html.find('id="accounting"')
assert 0 <= since < accounting, (since, accounting)
assert "no threshold recorded" not in html
PY
grep -q '<svg class="chart histogram"' out/report.html || fail "out/report.html has no histogram"
echo "PASS: both changes dated to $day4 (day 4)"
