#!/usr/bin/env bash
# The quality peers, each with its own defaults, on the same rows and labels as aepg:
#   benchmarks/pyod.sh           PyOD's AutoEncoder and VAE on the seven sets (beside families.sh)
#   benchmarks/pyod.sh --suite   IForest, PCA, AutoEncoder and VAE on the 30 sets of suite.sh;
#                                writes benchmarks/out/pyod-suite.tsv, which suite.sh then ranks against;
#                                a stopped run resumes where it stopped (delete the file to start over)
# Creates .venv (benchmarks/peers/requirements.txt) when needed.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! .venv/bin/python -c "import torch, sklearn, pyod, tqdm" 2>/dev/null; then
    python3 -m venv .venv
    .venv/bin/pip install -q -r benchmarks/peers/requirements.txt
fi
data=../shared/data
[ -d "$data" ] || data=data
if [ "${1:-}" = "--suite" ]; then
    mkdir -p benchmarks/out
    .venv/bin/python benchmarks/peers/pyod_peer.py --suite "$data" benchmarks/out/pyod-suite.tsv
else
    .venv/bin/python benchmarks/peers/pyod_peer.py "$data"
fi
