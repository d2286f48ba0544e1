#!/usr/bin/env bash
# Runs the churn example end to end: generates the data set (once; seeded), then runs
# the pipeline and prints its run summary. Extra arguments go to `trestle run`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
trestle=${TRESTLE:-$root/build/runtime/trestle}
plugins=${TRESTLE_PLUGIN_DIR:-$root/build/plugins-out}
cd "$here"
[ -f data/customers.csv ] || python3 generate.py --out data
exec "$trestle" run churn.yaml --plugin-path "$plugins" --report out/report.json "$@"
