#!/usr/bin/env bash
# Usage: abi_proof_test.sh TRESTLE PROBE_SO PLUGIN_DIR
# Checks the probe really uses the old string ABI, then runs it in a pipeline.
set -euo pipefail
trestle=$1
probe=$2
plugins=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Old-ABI std::string symbols are std::basic_string without the __cxx11 namespace.
if nm -C -u "$probe" | grep -q '__cxx11'; then
  echo "FAIL: $probe references new-ABI (__cxx11) symbols"; exit 1
fi
nm -C -u "$probe" | grep -q 'std::basic_string<char' || { echo "FAIL: no old-ABI std::string use found"; exit 1; }

mkdir "$tmp/probe" && cp "$probe" "$tmp/probe/"
cd "$tmp"
printf 'id,word\n1,hello\n2,\n3,trestle\n' > in.csv
cat > p.yaml <<'YAML'
pipeline: abi-proof
nodes:
  - {name: src, type: csv_source, options: {path: in.csv, null_values: [""]}}
  - {name: loud, type: shout, inputs: [src], options: {column: word, suffix: "?!"}}
  - {name: out, type: csv_sink, inputs: [loud], options: {path: out.csv}}
YAML
"$trestle" plugins list --plugin-path "$tmp/probe" | grep -Eq "abi_probe 1\.0\.0  ABI 1\.[0-9]+"
"$trestle" run p.yaml --plugin-path "$tmp/probe" --plugin-path "$plugins" --quiet
expected=$'id,word,word_length\n1,HELLO?!,7\n2,,\n3,TRESTLE?!,9'
actual=$(cat out.csv)
if [ "$actual" != "$expected" ]; then
  echo "FAIL: out.csv is"; echo "$actual"; echo "expected"; echo "$expected"; exit 1
fi
echo "ABI proof: clang++ -D_GLIBCXX_USE_CXX11_ABI=0 plugin ran in the runtime: OK"
