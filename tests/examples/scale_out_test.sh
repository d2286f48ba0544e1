#!/usr/bin/env bash
# The scale-out example (examples/scale-out) end to end: three workers of one Redis
# consumer group score the churn customers, one is killed with SIGKILL a third of the
# way. Checks the tally it prints: every event either scored or dead-lettered, nothing
# pending in the group, and no more duplicates than the killed worker had unacknowledged.
# Usage: scale_out_test.sh TRESTLE PLUGIN_DIR EXAMPLES_DIR
set -euo pipefail
trestle=$1
plugins=$2
examples=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

mkdir -p "$tmp/examples/churn" "$tmp/examples/scale-out"
cp "$examples"/churn/generate.py "$tmp/examples/churn/"
cp -r "$examples/churn/models" "$tmp/examples/churn/"
cp "$examples"/scale-out/{run.sh,scoring.yaml} "$tmp/examples/scale-out/"
TRESTLE=$trestle TRESTLE_PLUGIN_DIR=$plugins "$tmp/examples/scale-out/run.sh" >"$tmp/out" 2>"$tmp/err" ||
  { cat "$tmp/out" "$tmp/err"; fail "run.sh failed"; }
cat "$tmp/out"

value() { sed -n "s/^ *$1: *\([0-9][0-9]*\).*/\1/p" "$tmp/out" | head -1; }
total=$(value "customer events")
scored=$(value "distinct customers scored")
dead=$(value "dead letters (refused rows)")
pending=$(value "pending in the group")
dups=$(value "duplicates")
unacked=$(sed -n 's/.*it had \([0-9][0-9]*\) entries unacknowledged.*/\1/p' "$tmp/out")
[ -n "$total" ] && [ "$total" -gt 0 ] || fail "no events"
[ $((scored + dead)) -eq "$total" ] || fail "$scored scored + $dead dead letters != $total events"
[ "$dead" -gt 0 ] || fail "the malformed customers were not dead-lettered"
[ "$pending" -eq 0 ] || fail "$pending entries left pending"
[ "$dups" -le "$unacked" ] || fail "$dups duplicates, more than the $unacked unacknowledged by the killed worker"
echo "scale-out example: ok ($total events, $dups duplicates <= $unacked)"
