#!/usr/bin/env bash
# Prepares the data and the scale parameters, then trains every model and writes every
# framework's reference predictions. Deterministic: on the same Debian packages it
# rewrites the committed files byte for byte. Uses Debian's python3-sklearn,
# python3-xgboost, python3-torch and python3-onnx through /usr/bin/python3.
set -euo pipefail
cd "$(dirname "$0")"
py=/usr/bin/python3
# TorchScript writes some declarations in set order; a fixed hash seed makes model.pt
# byte-stable (the predictions do not depend on it).
export PYTHONHASHSEED=0
"$py" prepare.py
"$py" train_linear.py
"$py" train_xgboost.py
"$py" train_torch.py
