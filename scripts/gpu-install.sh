#!/usr/bin/env bash
# Installs the CUDA and TensorRT execution providers of ONNX Runtime 1.29.0 beside onnxruntime-node 1.29.0's own
# libonnxruntime.so.1, from the npm registry (no NuGet feed needed). Second way in docs/GPU.md; read it first.
#
# Source: npm package com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9 (MIT, a Unity plug-in published on npm). Its
# Plugins/Linux/x64/ holds libonnxruntime_providers_{shared,cuda,tensorrt}.so of ORT 1.29.0 built for CUDA 13
# (the CUDA provider links libcublas.so.13, libcublasLt.so.13, libcudart.so.13, libcurand.so.10). About 230 MB.
#
# Usage: scripts/gpu-install.sh [--from PACKAGE.tgz]
#   --from  use a tarball fetched earlier with `npm pack com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9`
#           (for hosts that reach the registry only through another machine)
#
# It changes node_modules/onnxruntime-node/bin/napi-v6/linux/x64/ of the project it is run in (follow the
# node_modules link if it is one: every project sharing that tree gets the providers).
set -euo pipefail

PACKAGE='com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9'
ORT_VERSION='1.29.0'
PROVIDERS=(shared cuda tensorrt)

fail() { echo "gpu-install: $*" >&2; exit 1; }

tarball=''
while [[ $# -gt 0 ]]; do
  case "$1" in
    --from) [[ $# -ge 2 ]] || fail '--from needs a .tgz path'; tarball="$(realpath "$2")"; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) fail "unknown argument $1 (see --help)" ;;
  esac
done

[[ "$(uname -s)/$(uname -m)" == 'Linux/x86_64' ]] || fail "these providers are for Linux x86_64, this is $(uname -s)/$(uname -m)"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
ort_dir="$(node -p "require('path').dirname(require.resolve('onnxruntime-node/package.json'))")" \
  || fail 'onnxruntime-node is not installed here; run npm install first'
installed="$(node -p "require('onnxruntime-node/package.json').version")"
# Provider libraries must match the core exactly; mixing ORT versions fails when the session loads them.
[[ "$installed" == "$ORT_VERSION" ]] \
  || fail "onnxruntime-node is $installed but these providers are ORT $ORT_VERSION; pin onnxruntime-node@$ORT_VERSION"
bin_dir="$ort_dir/bin/napi-v6/linux/x64"
[[ -f "$bin_dir/libonnxruntime.so.1" ]] || fail "no libonnxruntime.so.1 in $bin_dir; reinstall onnxruntime-node"
[[ -w "$bin_dir" ]] || fail "$bin_dir is not writable; run as the user who owns node_modules"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if [[ -z "$tarball" ]]; then
  echo "gpu-install: fetching $PACKAGE with npm pack (about 230 MB)..."
  tarball_name="$(cd "$work" && npm pack "$PACKAGE" --silent | tail -n 1)" \
    || fail "npm pack $PACKAGE failed; check registry access or use --from"
  tarball="$work/$tarball_name"
fi
[[ -f "$tarball" ]] || fail "no tarball at $tarball"
tar -xzf "$tarball" -C "$work" package/Plugins/Linux/x64 \
  || fail "$tarball has no package/Plugins/Linux/x64; is it $PACKAGE?"
source_dir="$work/package/Plugins/Linux/x64"

for provider in "${PROVIDERS[@]}"; do
  lib="libonnxruntime_providers_${provider}.so"
  [[ -f "$source_dir/$lib" ]] || fail "$lib missing from the package"
done
# The version string is embedded in the provider libraries; refuse anything but the core's version.
grep -aqF "$ORT_VERSION" "$source_dir/libonnxruntime_providers_cuda.so" \
  || fail "libonnxruntime_providers_cuda.so does not carry version $ORT_VERSION; wrong package version?"

for provider in "${PROVIDERS[@]}"; do
  lib="libonnxruntime_providers_${provider}.so"
  install -m 0755 "$source_dir/$lib" "$bin_dir/$lib"
  echo "gpu-install: installed $bin_dir/$lib"
done

# The providers load CUDA 13 / cuDNN / TensorRT from the system; report what the loader cannot find.
missing="$(cd "$bin_dir" && LD_LIBRARY_PATH="$bin_dir:${LD_LIBRARY_PATH:-}" ldd ./libonnxruntime_providers_cuda.so | grep 'not found' || true)"
if [[ -n "$missing" ]]; then
  echo "gpu-install: installed, but the CUDA provider cannot find these libraries (install CUDA 13 and cuDNN 9," >&2
  echo "or add their folder to LD_LIBRARY_PATH); until then rpntd falls back to cpu with a warning:" >&2
  echo "$missing" >&2
  exit 2
fi
echo "gpu-install: done. Set model.executionProvider: cuda (or tensorrt); rpntd logs the provider it runs on."
