#!/usr/bin/env bash
# Installs Trestle into a temporary prefix, builds examples/plugin-template against it
# with clang++ (the runtime is built by whichever compiler the tree uses) through
# find_package(Trestle), runs the template's own tests, checks that the plugin exports
# only its entry symbol, and runs its operator in a pipeline with the installed trestle.
# Then builds it again as a library only (BUILD_TESTING=OFF, with find_package(GTest)
# made to fail, so a build without GoogleTest works) and runs that one too: with clang++
# and libc++ where libc++ is installed (the runtime uses libstdc++, the plugin libc++),
# else with the default standard library. On Debian 12 libc++-14-dev conflicts with
# libunwind-dev, which glog needs, so scripts/install-deps.sh does not install it.
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

libcxx=no
if printf 'int main() {}\n' | clang++ -x c++ -stdlib=libc++ - -o "$tmp/libcxx-probe" 2>/dev/null; then libcxx=yes; fi
stdlib_flags=()
[ $libcxx = yes ] && stdlib_flags=(-DCMAKE_CXX_FLAGS=-stdlib=libc++)
cmake -S "$src/examples/plugin-template" -B "$tmp/clip-lib" -G Ninja -DCMAKE_CXX_COMPILER=clang++ \
  "${stdlib_flags[@]}" -DBUILD_TESTING=OFF -DCMAKE_DISABLE_FIND_PACKAGE_GTest=ON \
  -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/clip-lib" >/dev/null
if [ $libcxx = yes ] && ! ldd "$tmp/clip-lib/libclip.so" | grep -q 'libc++\.so'; then
  echo "FAIL: the libc++ build of libclip.so does not use libc++:"; ldd "$tmp/clip-lib/libclip.so"
  exit 1
fi
[ $libcxx = yes ] || echo "note: libc++ is not installed (libc++-14-dev); the library-only build uses libstdc++"
[ ! -e "$tmp/clip-lib/clip_test" ] || { echo "FAIL: BUILD_TESTING=OFF still built clip_test"; exit 1; }

cd "$tmp"
printf 'id,x\n1,-2.5\n2,0.25\n3,7\n' > in.csv
cat > clip.yaml <<'YAML'
pipeline: clip-demo
nodes:
  - {name: src, type: csv_source, options: {path: in.csv}}
  - {name: clamp, type: clip, inputs: [src], options: {column: x, lo: 0, hi: 1}}
  - {name: out, type: csv_sink, inputs: [clamp], options: {path: out.csv}}
YAML
expected=$'id,x\n1,0\n2,0.25\n3,1'
for plugin in clip clip-lib; do
  rm -f out.csv
  "$tmp/prefix/bin/trestle" run clip.yaml --plugin-path "$tmp/$plugin" \
    --plugin-path "$tmp/prefix/lib/trestle/plugins" --quiet
  actual=$(cat out.csv)
  if [ "$actual" != "$expected" ]; then
    echo "FAIL: with $plugin, out.csv is"; echo "$actual"; echo "expected"; echo "$expected"
    exit 1
  fi
done
echo "plugin template: built out of tree with clang++ (tested; and library-only without GoogleTest, libc++: $libcxx), loaded and run: OK"
