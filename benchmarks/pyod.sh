#!/usr/bin/env bash
# The quality peer of benchmarks/families.sh: PyOD's AutoEncoder and VAE, each with its own
# defaults, on the same datasets and labels. Creates .venv (benchmarks/peers/requirements.txt) when needed.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! .venv/bin/python -c "import torch, sklearn, pyod, tqdm" 2>/dev/null; then
    python3 -m venv .venv
    .venv/bin/pip install -q -r benchmarks/peers/requirements.txt
fi
data=../shared/data
[ -d "$data" ] || data=data
.venv/bin/python benchmarks/peers/pyod_peer.py "$data"
