#!/usr/bin/env bash
# Installs Trestle into a temporary prefix, moves the installed tree to another path and
# checks, with neither --plugin-path nor TRESTLE_PLUGIN_PATH, that the moved trestle finds
# its plugins next to itself: `plugins list` shows them at the new location, a
# csv_source -> csv_sink pipeline runs, and an unknown operator's error lists the searched
# directories. Then builds examples/plugin-template against the moved prefix through
# find_package(Trestle), installs it there and runs its operator.
# Usage: relocated_install_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
unset TRESTLE_PLUGIN_PATH
# Per-user caches the runtime may write go under $tmp too.
export XDG_CACHE_HOME="$tmp/cache"

fail() {
  echo "FAIL: $*"
  exit 1
}

cmake --install "$build" --prefix "$tmp/installed" >/dev/null
mv "$tmp/installed" "$tmp/moved"
[ ! -e "$tmp/installed" ] || fail "$tmp/installed still exists after mv"
trestle="$tmp/moved/bin/trestle"
io=$(find "$tmp/moved" -name libtrestle_io.so)
[ -n "$io" ] || fail "libtrestle_io.so is not in the installed tree"
plugins=$(dirname "$io")

# 1. plugins list: every library from the moved tree, none refused.
list=$("$trestle" plugins list)
grep -qx "  path:   $plugins/libtrestle_io.so" <<<"$list" || fail "plugins list does not show $io:"$'\n'"$list"
outside=$(grep '^  path: ' <<<"$list" | grep -v "^  path:   $plugins/" || true)
[ -z "$outside" ] || fail "plugins list shows libraries outside $plugins:"$'\n'"$outside"
if grep -q '^refused:' <<<"$list"; then fail "plugins list refused libraries:"$'\n'"$list"; fi

# 2. A pipeline with the io plugin's source and sink.
mkdir "$tmp/work"
cd "$tmp/work"
printf 'id,x\n1,-2.5\n2,0.25\n3,7\n' > in.csv
cat > copy.yaml <<'YAML'
pipeline: copy
nodes:
  - {name: src, type: csv_source, options: {path: in.csv}}
  - {name: out, type: csv_sink, inputs: [src], options: {path: out.csv}}
YAML
"$trestle" run copy.yaml --quiet
[ "$(cat out.csv)" = "$(cat in.csv)" ] || fail "out.csv is"$'\n'"$(cat out.csv)"$'\n'"expected"$'\n'"$(cat in.csv)"

# 3. An unknown operator: the error names the directories searched, the moved tree's first.
sed 's/type: csv_sink/type: csv_snik/' copy.yaml > typo.yaml
rc=0
"$trestle" validate typo.yaml 2> err.txt || rc=$?
[ "$rc" = 78 ] || fail "validate of an unknown operator exited $rc:"$'\n'"$(cat err.txt)"
grep -q 'unknown operator type "csv_snik" (did you mean "csv_sink"?)' err.txt || fail "no unknown operator error:"$'\n'"$(cat err.txt)"
searched=$(sed -n '/^note: plugin directories searched, in order:$/{n;p}' err.txt)
[[ "$searched" =~ ^"  $plugins: "[1-9][0-9]*" librar"(y|ies)$ ]] ||
  fail "the first searched directory is not $plugins:"$'\n'"$(cat err.txt)"
if grep -q "$tmp/installed" err.txt; then fail "the error names the tree's old location:"$'\n'"$(cat err.txt)"; fi

# 4. An out-of-tree plugin against the moved prefix, installed into it and found there.
cmake -S "$src/examples/plugin-template" -B "$tmp/clip" -G Ninja -DCMAKE_PREFIX_PATH="$tmp/moved" >/dev/null
cmake --build "$tmp/clip" --target clip >/dev/null
cmake --install "$tmp/clip" >/dev/null
[ -f "$plugins/libclip.so" ] || fail "the template plugin was not installed into $plugins"
cat > clip.yaml <<'YAML'
pipeline: clip-demo
nodes:
  - {name: src, type: csv_source, options: {path: in.csv}}
  - {name: clamp, type: clip, inputs: [src], options: {column: x, lo: 0, hi: 1}}
  - {name: out, type: csv_sink, inputs: [clamp], options: {path: clipped.csv}}
YAML
"$trestle" run clip.yaml --quiet
expected=$'id,x\n1,0\n2,0.25\n3,1'
[ "$(cat clipped.csv)" = "$expected" ] || fail "clipped.csv is"$'\n'"$(cat clipped.csv)"$'\n'"expected"$'\n'"$expected"

echo "relocated install: plugins found next to the moved trestle, pipeline run, out-of-tree plugin added: OK"
