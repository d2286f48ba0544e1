#!/usr/bin/env bash
# Installs every Debian 12 package Trestle needs to build and test. Idempotent: when
# all packages are already present it does nothing and returns at once.
set -euo pipefail

# libclang-rt-14-dev: clang's sanitizer and libFuzzer runtimes (only recommended by
# clang, so --no-install-recommends would leave them out). Not libc++-14-dev: it needs
# libunwind-14-dev, which conflicts with libunwind-dev (glog's), so the two cannot be
# installed together on Debian 12 (tests/install/plugin_template_test.sh skips its
# libc++ build without it).
packages=(
  build-essential cmake ninja-build clang libclang-rt-14-dev pkg-config git ca-certificates
  libboost-dev libboost-program-options-dev libboost-filesystem-dev
  libtbb-dev libprotobuf-dev protobuf-compiler
  libgflags-dev libgoogle-glog-dev libunwind-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libyaml-cpp-dev nlohmann-json3-dev libsqlite3-dev libssl-dev libpq-dev postgresql postgresql-client
  libhiredis-dev redis-server
  python3 python3-numpy chromium
  libxgboost-dev xgboost libtorch-dev libopencv-dnn-dev
  python3-xgboost python3-sklearn python3-torch python3-onnx python3-pandas
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
echo "Installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
