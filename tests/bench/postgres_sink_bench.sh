#!/usr/bin/env bash
# postgres_sink throughput: a CSV -> postgres_sink (mode append) pipeline run by the real
# `trestle` executable, against `psql -c "\copy t FROM 'same.csv' CSV HEADER"` of the same
# CSV into the same table, on a PostgreSQL 15 server this script starts in a temporary
# directory (fsync off, as the tests run it). Runs are interleaved (trestle, psql,
# trestle, ...) with the table truncated before each; each side's median wall time gives
# its rows/s, and the ratio is trestle's rows/s over psql's.
#
# Usage: postgres_sink_bench.sh TRESTLE PLUGIN_DIR [ROWS [RUNS]]   (defaults 1000000, 5)
#        postgres_sink_bench.sh TRESTLE PLUGIN_DIR --smoke         (2000 rows, 1 run)
# Prints a table and the line "ratio postgres_sink/psql_copy: <rows> rows <ratio>".
set -euo pipefail
trestle=$(realpath "$1")
plugins=$(realpath "$2")
rows=${3:-1000000}
runs=${4:-5}
if [ "$rows" = "--smoke" ]; then rows=2000; runs=1; fi
bin=/usr/lib/postgresql/15/bin
for b in initdb pg_ctl; do
  [ -x "$bin/$b" ] || { echo "FAIL: $bin/$b is missing (install postgresql-15: scripts/install-deps.sh)"; exit 1; }
done
command -v psql >/dev/null || { echo "FAIL: psql is missing (postgresql-client-15)"; exit 1; }

dir=$(mktemp -d /tmp/trestle-pgbench-XXXXXX)
as_pg=()
if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; as_pg=(runuser -u postgres --); fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cleanup() {
  "${as_pg[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
"${as_pg[@]}" "$bin/initdb" -D "$dir/data" -A trust -U postgres --no-sync -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1
"${as_pg[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  start >/dev/null
conn="host=127.0.0.1 port=$port user=postgres dbname=postgres"
sql() { psql -X -q -v ON_ERROR_STOP=1 -At "$conn" -c "$1"; }
sql "CREATE TABLE t (id bigint, day text, segment text, score double precision, active boolean)"

work=$(mktemp -d /tmp/trestle-pgbench-work-XXXXXX)
trap 'cleanup; rm -rf "$work"' EXIT
awk -v n="$rows" 'BEGIN {
  print "id,day,segment,score,active";
  srand(42);
  for (i = 0; i < n; i++)
    printf "%d,2026-12-%02d,seg%d,%.6f,%s\n", i, 1 + i % 28, i % 97, rand(), (i % 3 == 0 ? "true" : "false");
}' >"$work/same.csv"
cat >"$work/load.yaml" <<EOF
pipeline: pg-bench
nodes:
  - name: csv
    type: csv_source
    options: {path: same.csv, schema: {id: [int64], day: [utf8], segment: [utf8], score: [float64], active: [bool]}}
  - name: load
    type: postgres_sink
    inputs: [csv]
    options: {conninfo: "$conn", table: t, mode: append}
execution: {batch_rows: 8192}
EOF

now() { date +%s.%N; }
median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2)}'; }
: >"$work/trestle.times"
: >"$work/psql.times"
for ((i = 1; i <= runs; i++)); do
  sql "TRUNCATE t"
  t0=$(now)
  (cd "$work" && "$trestle" run load.yaml --plugin-path "$plugins" --run-dir "run$i" >"run$i.log" 2>&1) ||
    { echo "FAIL: trestle run $i failed:"; cat "$work/run$i.log"; exit 1; }
  t1=$(now)
  got=$(sql "SELECT count(*) FROM t")
  [ "$got" = "$rows" ] || { echo "FAIL: trestle loaded $got rows, not $rows"; exit 1; }
  echo "$t1 - $t0" | bc -l >>"$work/trestle.times"

  sql "TRUNCATE t"
  t0=$(now)
  (cd "$work" && psql -X -q -v ON_ERROR_STOP=1 "$conn" -c "\\copy t FROM 'same.csv' CSV HEADER")
  t1=$(now)
  got=$(sql "SELECT count(*) FROM t")
  [ "$got" = "$rows" ] || { echo "FAIL: psql loaded $got rows, not $rows"; exit 1; }
  echo "$t1 - $t0" | bc -l >>"$work/psql.times"
done

tm=$(median <"$work/trestle.times")
pm=$(median <"$work/psql.times")
printf '%-34s %12s %14s\n' "load of $rows rows ($runs runs)" "median s" "rows/s"
printf '%-34s %12.3f %14.0f\n' "trestle csv -> postgres_sink" "$tm" "$(echo "$rows / $tm" | bc -l)"
printf '%-34s %12.3f %14.0f\n' "psql \\copy" "$pm" "$(echo "$rows / $pm" | bc -l)"
printf 'ratio postgres_sink/psql_copy: %d rows %.3f\n' "$rows" "$(echo "$pm / $tm" | bc -l)"
