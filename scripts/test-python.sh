#!/usr/bin/env bash
# Runs the training package's tests with a python3 that has PyTorch (Debian's python3-torch lives in /usr/bin/python3,
# which a pyenv or venv python3 earlier on PATH would hide).
set -euo pipefail
cd "$(dirname "$0")/../training"
for py in /usr/bin/python3 python3; do
  if "$py" -c 'import torch, numpy, onnx, yaml, pytest' 2>/dev/null; then
    exec "$py" -m pytest -q tests
  fi
done
echo "test-python: no python3 with torch, numpy, onnx, yaml and pytest; install: apt-get install python3-torch python3-numpy python3-scipy python3-onnx python3-yaml python3-pytest" >&2
exit 1
