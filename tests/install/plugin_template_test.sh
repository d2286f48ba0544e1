#!/usr/bin/env bash
# Installs Trestle into a temporary prefix, builds examples/plugin-template against it
# with clang++ (the runtime is built by whichever compiler the tree uses) through
# find_package(Trestle), runs the template's own tests, checks that the plugin exports
# only its entry symbol, and runs its operator in a pipeline with the installed trestle.
# Usage: plugin_template_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
cmake -S "$src/examples/plugin-template" -B "$tmp/clip" -G Ninja -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/clip" >/dev/null
ctest --test-dir "$tmp/clip" --output-on-failure | tail -n 3

exported=$(nm -D --defined-only "$tmp/clip/libclip.so" | awk '{print $3}' | sort | tr '\n' ' ')
if [ "$exported" != "trestle_plugin_entry_v1 " ]; then
  echo "FAIL: libclip.so exports: $exported (want only trestle_plugin_entry_v1)"
  exit 1
fi

cd "$tmp"
printf 'id,x\n1,-2.5\n2,0.25\n3,7\n' > in.csv
cat > clip.yaml <<'YAML'
pipeline: clip-demo
nodes:
  - {name: src, type: csv_source, options: {path: in.csv}}
  - {name: clamp, type: clip, inputs: [src], options: {column: x, lo: 0, hi: 1}}
  - {name: out, type: csv_sink, inputs: [clamp], options: {path: out.csv}}
YAML
"$tmp/prefix/bin/trestle" run clip.yaml --plugin-path "$tmp/clip" \
  --plugin-path "$tmp/prefix/lib/trestle/plugins" --quiet
expected=$'id,x\n1,0\n2,0.25\n3,1'
actual=$(cat out.csv)
if [ "$actual" != "$expected" ]; then
  echo "FAIL: out.csv is"; echo "$actual"; echo "expected"; echo "$expected"
  exit 1
fi
echo "plugin template: built out of tree with clang++, tested, loaded and run: OK"
