#!/usr/bin/env bash
# run_fuzzer.sh regressions FUZZER DIR       runs every input of DIR/regressions and
#                                            DIR/corpus once; fails on any crash
# run_fuzzer.sh fuzz FUZZER DIR SECONDS      fuzzes for SECONDS from a copy of
#                                            DIR/corpus; fails on a crash, leaving the
#                                            input in the current directory
set -euo pipefail
mode=$1 fuzzer=$2 dir=$3
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
case "$mode" in
  regressions)
    inputs=()
    for d in "$dir/regressions" "$dir/corpus"; do
      [ -d "$d" ] && while IFS= read -r -d '' f; do inputs+=("$f"); done < <(find "$d" -type f -print0)
    done
    [ ${#inputs[@]} -gt 0 ] || { echo "no inputs in $dir/regressions or $dir/corpus" >&2; exit 1; }
    exec "$fuzzer" -runs=1 "${inputs[@]}"
    ;;
  fuzz)
    seconds=$4
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    cp -r "$dir/corpus/." "$work/"
    # -rss_limit_mb: the readers must stay bounded on any input; -timeout: no input may
    # take a second.
    "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$PWD/$(basename "$fuzzer")-" "$work"
    ;;
  *) echo "usage: run_fuzzer.sh regressions|fuzz FUZZER DIR [SECONDS]" >&2; exit 2 ;;
esac
