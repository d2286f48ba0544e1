#!/usr/bin/env bash
# End-to-end benchmark (docs/benchmarks.md "End to end: Trestle vs a hand-written program
# and pandas"): the same generated CSV -> impute / scale / one_hot -> XGBoost -> CSV job
# done by
#   trestle-t1, trestle-t2  `trestle run pipeline.yaml` with execution.threads (and the
#                           source's parse_threads) 1 and 2
#   handwritten             end_to_end_handwritten (handwritten.cc), one thread
#   pandas                  pandas_score.py (skipped when python3-pandas is missing)
# interleaved, RUNS times each; then start-up times, peak RSS at other input sizes and a
# check that every variant wrote the same scores. Prints the tables and writes
# OUT_DIR/table.md.
#
#   run.sh BUILD_DIR OUT_DIR [ROWS [RUNS]]        (defaults: 2000000 rows, 3 runs)
#
# Environment: E2E_BATCH_ROWS sets Trestle's execution.batch_rows (default: the
# runtime's); E2E_TRESTLE, E2E_PLUGIN_DIR, E2E_HANDWRITTEN override the paths under
# BUILD_DIR; E2E_STARTUP_REPS (default 10) start-up measurements; E2E_RSS_20M=1 also
# measures peak RSS on 20M rows (about 1.3 GB of CSV in OUT_DIR, slow); E2E_INSTRUCTIONS=1
# also counts the instructions of Trestle (1 thread) and the hand-written program on 200k
# rows with valgrind's callgrind, a figure the machine's other load does not move.
# Exits 1 when a variant fails or the outputs differ; never judges a timing.
set -euo pipefail
if [[ $# -lt 2 || $# -gt 4 ]]; then
  echo "usage: $0 BUILD_DIR OUT_DIR [ROWS [RUNS]]" >&2
  exit 2
fi
BUILD=$1 ROWS=${3:-2000000} RUNS=${4:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
TRESTLE=${E2E_TRESTLE:-$BUILD/runtime/trestle}
PLUGINS=${E2E_PLUGIN_DIR:-$BUILD/plugins-out}
HAND=${E2E_HANDWRITTEN:-$BUILD/tests/bench/end_to_end_handwritten}
STARTUP_REPS=${E2E_STARTUP_REPS:-10}
SEED=2026
[[ $ROWS =~ ^[1-9][0-9]*$ && $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "ROWS and RUNS must be positive integers" >&2; exit 2; }
for f in "$TRESTLE" "$HAND"; do [[ -x $f ]] || { echo "not built: $f" >&2; exit 1; }; done
[[ -d $PLUGINS ]] || { echo "no plugin directory: $PLUGINS" >&2; exit 1; }
# The runs start in OUT_DIR.
TRESTLE=$(realpath "$TRESTLE") PLUGINS=$(realpath "$PLUGINS") HAND=$(realpath "$HAND")

# Debian's python3 has numpy and xgboost; a python3 earlier in PATH (pyenv) may not.
PY=
for p in /usr/bin/python3 python3; do
  if "$p" -c 'import numpy, xgboost' 2>/dev/null; then PY=$p; break; fi
done
[[ -n $PY ]] || { echo "needs python3 with numpy and xgboost (python3-numpy, python3-xgboost)" >&2; exit 1; }
HAVE_PANDAS=1
if ! "$PY" -c 'import pandas' 2>/dev/null; then
  HAVE_PANDAS=0
  echo "pandas variant skipped: python3-pandas is not installed (apt-get install python3-pandas)"
fi

mkdir -p "$2"
OUT=$(cd "$2" && pwd)
DATA=$OUT/data
mkdir -p "$DATA" "$OUT/out" "$OUT/times" "$OUT/runs" "$OUT/logs"
rm -f "$OUT"/times/* "$OUT/out/agreement.txt" "$OUT/table.md"
rm -rf "${OUT:?}"/runs/*

# The data: regenerated only when the rows, the seed or the generator changed.
STAMP="rows=$ROWS seed=$SEED $(cksum <"$HERE/generate.py")"
if [[ ! -f $DATA/stamp || $(cat "$DATA/stamp") != "$STAMP" ]]; then
  echo "generating $ROWS rows into $DATA"
  rm -f "$DATA/stamp" "$DATA"/data*.csv
  "$PY" "$HERE/generate.py" --rows "$ROWS" --seed "$SEED" --out "$DATA"
  echo "$STAMP" >"$DATA/stamp"
fi

# What a run measures: wall s, peak RSS KiB, user s, system s.
if /usr/bin/time -f '%e' -o /dev/null true 2>/dev/null; then
  measure() { local into=$1; shift; /usr/bin/time -f '%e %M %U %S' -o "$into" "$@"; }
else
  measure() { local into=$1; shift; "$PY" "$HERE/measure.py" "$into" "$@"; }
fi

# variant_command VARIANT INPUT OUTPUT RUN_DIR: sets CMD to the command of one run and
# VARS to the environment it needs (NAME=VALUE...).
variant_command() {
  local v=$1 input=$2 output=$3 run_dir=$4
  VARS=()
  case $v in
    trestle-t*)
      rm -rf "$run_dir"
      VARS=(E2E_THREADS="${v#trestle-t}" E2E_DATA="$DATA" E2E_INPUT="$input" E2E_OUTPUT="$output")
      CMD=("$TRESTLE" run "$HERE/pipeline.yaml" --plugin-path "$PLUGINS" --no-store --no-admin -q --run-dir "$run_dir") ;;
    handwritten) CMD=("$HAND" "$DATA/model.ubj" "$DATA/feature_params.json" "$input" "$output") ;;
    pandas) CMD=("$PY" "$HERE/pandas_score.py" "$DATA/model.ubj" "$DATA/feature_params.json" "$input" "$output") ;;
  esac
}

# run_variant VARIANT INPUT ROWS RUN: one measured run, writing OUT/out/VARIANT.csv.
run_variant() {
  local v=$1 input=$2 rows=$3 run=$4
  local output=$OUT/out/$v.csv tag=$v.$rows.$run
  local log=$OUT/logs/$tag.log
  variant_command "$v" "$input" "$output" "$OUT/runs/$tag"
  rm -f "$output"
  if ! (cd "$OUT" && measure "$OUT/times/$tag" env "${VARS[@]}" "${CMD[@]}" >"$log" 2>&1); then
    echo "$v failed on $rows rows (run $run):" >&2
    tail -n 30 "$log" >&2
    exit 1
  fi
  [[ -s $output ]] || { echo "$v wrote no output ($output)" >&2; exit 1; }
  echo "  $tag: $(cat "$OUT/times/$tag")"
}

VARIANTS=(trestle-t1 trestle-t2 handwritten)
((HAVE_PANDAS)) && VARIANTS+=(pandas)
N=${#VARIANTS[@]}

{
  echo "Machine: $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM."
  echo "Load average (1, 5, 15 min) before the runs: $(cut -d' ' -f1-3 /proc/loadavg)."
} >"$OUT/times/machine"

# Interleaved: each round runs every variant once, starting one further along each time.
echo "timing $ROWS rows, $RUNS rounds of: ${VARIANTS[*]}"
for ((r = 1; r <= RUNS; r++)); do
  for ((k = 0; k < N; k++)); do
    run_variant "${VARIANTS[$(((r - 1 + k) % N))]}" "$DATA/data.csv" "$ROWS" "$r"
  done
done

# Every variant must say what the hand-written program says.
agree=1
for v in "${VARIANTS[@]}"; do
  [[ $v == handwritten ]] && continue
  if ! "$PY" "$HERE/compare.py" "$OUT/out/handwritten.csv" "$OUT/out/$v.csv" >>"$OUT/out/agreement.txt"; then agree=0; fi
done
sed "s|$OUT/out/||g" -i "$OUT/out/agreement.txt"
for v in "${VARIANTS[@]}"; do echo "$v $(stat -c %s "$OUT/out/$v.csv")"; done >"$OUT/out/sizes.txt"
cat "$OUT/out/agreement.txt"

# Start-up: `trestle version`, and `trestle validate` of the pipeline (plugin loading,
# option checks, every node's open()), in microseconds.
startup() {
  local into=$1; shift
  for ((i = 0; i < STARTUP_REPS; i++)); do
    local t0 t1
    t0=$(date +%s%N)
    "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; "$@" >&2 || true; exit 1; }
    t1=$(date +%s%N)
    echo $(((t1 - t0) / 1000)) >>"$into"
  done
}
echo "start-up, $STARTUP_REPS runs each"
startup "$OUT/times/startup-version" "$TRESTLE" version
startup "$OUT/times/startup-validate" env E2E_DATA="$DATA" E2E_INPUT="$DATA/data.csv" E2E_OUTPUT="$OUT/out/validate.csv" \
  "$TRESTLE" validate "$HERE/pipeline.yaml" --plugin-path "$PLUGINS"

# Peak RSS at other input sizes: one run of each variant. 200k rows are the first rows
# of the data; 20M rows repeat them.
SIZES=()
((ROWS > 200000)) && SIZES+=(200000)
[[ ${E2E_RSS_20M:-0} == 1 && $ROWS -lt 20000000 ]] && SIZES+=(20000000)
for size in "${SIZES[@]}"; do
  input=$DATA/data-$size.csv
  if ((size < ROWS)); then
    head -n $((size + 1)) "$DATA/data.csv" >"$input"
  else
    { cat "$DATA/data.csv"; for ((i = ROWS; i < size; i += ROWS)); do tail -n +2 "$DATA/data.csv"; done; } |
      head -n $((size + 1)) >"$input"
  fi
  echo "peak RSS on $size rows"
  for v in "${VARIANTS[@]}"; do run_variant "$v" "$input" "$size" 1; done
  if ((size > ROWS)); then rm -f "$input"; fi
done

# Instructions executed (callgrind counts them whatever else the machine runs), on at
# most 200k rows: Trestle with 1 thread and the hand-written program.
if [[ ${E2E_INSTRUCTIONS:-0} == 1 ]]; then
  command -v valgrind >/dev/null || { echo "E2E_INSTRUCTIONS=1 needs valgrind" >&2; exit 1; }
  irows=$((ROWS < 200000 ? ROWS : 200000))
  input=$DATA/data.csv
  if ((irows < ROWS)); then input=$DATA/data-$irows.csv; head -n $((irows + 1)) "$DATA/data.csv" >"$input"; fi
  echo "instructions on $irows rows (callgrind)"
  for v in trestle-t1 handwritten; do
    variant_command "$v" "$input" "$OUT/out/$v.csv" "$OUT/runs/$v.callgrind"
    (cd "$OUT" && env "${VARS[@]}" valgrind --tool=callgrind --callgrind-out-file="$OUT/logs/callgrind.$v" "${CMD[@]}" >"$OUT/logs/callgrind.$v.log" 2>&1) ||
      { echo "$v failed under callgrind:" >&2; tail -n 30 "$OUT/logs/callgrind.$v.log" >&2; exit 1; }
    count=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$OUT/logs/callgrind.$v.log")
    echo "$irows $count" >"$OUT/times/instructions-$v"
    echo "  $v: $count instructions"
  done
fi
echo "Load average (1, 5, 15 min) after the runs: $(cut -d' ' -f1-3 /proc/loadavg)." >>"$OUT/times/machine"

echo
"$PY" "$HERE/report.py" "$OUT" "$ROWS" "$RUNS"
if ((!agree)); then
  echo "the outputs differ (see above)" >&2
  exit 1
fi
