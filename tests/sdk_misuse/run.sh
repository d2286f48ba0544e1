#!/usr/bin/env bash
# The SDK refuses, at compile time, a default or fallback of the wrong kind for an
# operator parameter (issue 16): each snippet here names, on its first line, the
# compiler message it must fail with, or "compiles". Usage: run.sh CXX SDK_INCLUDE_DIR
set -uo pipefail
cxx=$1 include=$2
here=$(cd "$(dirname "$0")" && pwd)
failed=0
for f in "$here"/*.cc; do
  want=$(sed -n '1s|^// expect: ||p' "$f")
  out=$("$cxx" -std=c++20 -fsyntax-only -I "$include" "$f" 2>&1)
  rc=$?
  name=$(basename "$f")
  if [ "$want" = compiles ]; then
    [ $rc -eq 0 ] && echo "ok: $name compiles" || { echo "FAIL: $name does not compile:"; echo "$out" | head -20; failed=1; }
  elif [ $rc -eq 0 ]; then
    echo "FAIL: $name compiles, but must fail with: $want"; failed=1
  elif grep -qF -- "$want" <<<"$out"; then
    echo "ok: $name is refused: $want"
  else
    echo "FAIL: $name is refused, but not with \"$want\":"; echo "$out" | head -20; failed=1
  fi
done
exit $failed
