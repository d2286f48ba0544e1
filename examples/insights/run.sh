#!/usr/bin/env bash
# Runs the insights example as a nightly scheduler would, for one week:
#   1. generates the events (once; seeded) and profiles the reference day (once),
#   2. backfills 2026-11-24..2026-11-30: one run of the pipeline per date,
#   3. re-runs 2026-11-27 and shows that its rows are the same before and after,
#   4. shows each date's status (`trestle runs`) and the segment table of the last day.
# Each invocation starts from empty tables (out/ and, for Postgres, the two tables are
# dropped) and a fresh run store (out/state).
#
# usage: run.sh [--postgres CONNINFO] [trestle run arguments...]
#   --postgres CONNINFO (or INSIGHTS_PG=CONNINFO): read the events from PostgreSQL and
#   write the tables there (insights-postgres.yaml); the events are loaded into its
#   table `events` when it does not exist yet.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
trestle=${TRESTLE:-$root/build/runtime/trestle}
plugins=${TRESTLE_PLUGIN_DIR:-$root/build/plugins-out}
pg=${INSIGHTS_PG:-}
if [ "${1:-}" = --postgres ]; then
  [ $# -ge 2 ] || { echo "usage: run.sh [--postgres CONNINFO] [trestle run arguments...]" >&2; exit 2; }
  pg=$2
  shift 2
fi
first=2026-11-24 last=2026-11-30 again=2026-11-27
cd "$here"

[ -f data/events.db ] && [ -f data/reference.csv ] || python3 generate.py --out data
rm -rf out
mkdir -p out
[ -f data/reference.profile ] ||
  "$trestle" profile data/reference.csv -o data/reference.profile --plugin-path "$plugins" --state-dir out/state -q --logtostderr=0

if [ -n "$pg" ]; then
  pipeline=insights-postgres.yaml
  export INSIGHTS_PG=$pg  # the pipeline reads its conninfo from the environment
  psql -X -q -d "$pg" -v ON_ERROR_STOP=1 -c 'DROP TABLE IF EXISTS customer_scores, segment_insights'
  [ "$(psql -X -tA -d "$pg" -c "SELECT to_regclass('events') IS NOT NULL")" = t ] ||
    python3 generate.py --out data --postgres "$pg"
  show() { python3 show.py --postgres "$pg" "$@"; }
else
  pipeline=insights.yaml
  show() { python3 show.py "$@"; }
fi
run() { "$trestle" run "$pipeline" --plugin-path "$plugins" --state-dir out/state -q --logtostderr=0 "$@"; }

echo "== backfill $first .. $last ($pipeline)"
run --from "$first" --to "$last" "$@"
echo
echo "== re-run $again: its partition is replaced, not added to"
show counts "$again"
run --date "$again" "$@"
show counts "$again"
echo
echo "== trestle runs --pipeline insights --from $first --to $last"
"$trestle" runs --state-dir out/state --pipeline insights --from "$first" --to "$last"
echo
show trend
echo
show segments "$last"
