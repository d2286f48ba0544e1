#!/usr/bin/env bash
# Replays a week of production for the drift example, as a daily scheduler would:
#   1. generates the reference day and day-1..day-7 (once; seeded),
#   2. profiles the reference (once): data/reference.profile,
#   3. runs drift.yaml once per day-file with that day's --date, every run recorded in
#      one run store,
#   4. asks the store what changed and since when (trestle history),
#   5. writes the last run's report: out/report.html.
# Each invocation replays the week into a fresh store (out/state). Extra arguments go
# to every `trestle run`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
trestle=${TRESTLE:-$root/build/runtime/trestle}
plugins=${TRESTLE_PLUGIN_DIR:-$root/build/plugins-out}
days=${DAYS:-7}
cd "$here"

[ -f "data/day-$days.csv" ] || python3 generate_days.py --out data --days "$days"
[ -f data/reference.profile ] ||
  "$trestle" profile data/reference.csv -o data/reference.profile --plugin-path "$plugins" --state-dir out/state -q

rm -rf out/state out/scores out/alerts
for day in $(seq 1 "$days"); do
  # Day N of the generator describes 2026-11-16 + N days.
  date=$(date -u -d "2026-11-16 + $day days" +%F)
  DAY=$day "$trestle" run drift.yaml --date "$date" --plugin-path "$plugins" --state-dir out/state -q --logtostderr=0 "$@"
  printf 'day %d: %s alert rows\n' "$day" "$(wc -l <"out/alerts/day-$day.jsonl")"
done

echo
"$trestle" runs --state-dir out/state
echo
"$trestle" history --state-dir out/state
for feature in country monthly_charges; do
  echo
  "$trestle" history --state-dir out/state --feature "$feature"
done
echo
"$trestle" report latest --state-dir out/state -o out/report.html
