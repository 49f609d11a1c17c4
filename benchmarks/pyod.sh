#!/usr/bin/env bash
# The quality peers, each with its own defaults, on the same rows and labels as aepg:
#   benchmarks/pyod.sh           PyOD's AutoEncoder and VAE on the seven sets (beside families.sh)
#   benchmarks/pyod.sh --suite   IForest, PCA, AutoEncoder and VAE on the 30 sets of suite.sh;
#                                writes benchmarks/out/pyod-suite.tsv, which suite.sh then ranks against;
#                                a stopped run resumes where it stopped (delete the file to start over)
#   AEPG_PEER_SEED=7 benchmarks/pyod.sh --suite OUT.tsv pyod_iforest
#                                only the models named, with another seed, into OUT.tsv
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
    # --suite [OUT.tsv [MODEL...]]: all four peers into pyod-suite.tsv, or the models named
    # (AEPG_PEER_SEED=7 benchmarks/pyod.sh --suite benchmarks/out/pyod-iforest-seed7.tsv pyod_iforest).
    # A run resumes into its file, so another seed gets its own file by default.
    default=benchmarks/out/pyod-suite.tsv
    [ -n "${AEPG_PEER_SEED:-}" ] && [ "$AEPG_PEER_SEED" != 42 ] && default=benchmarks/out/pyod-suite-seed$AEPG_PEER_SEED.tsv
    .venv/bin/python benchmarks/peers/pyod_peer.py --suite "$data" "${2:-$default}" "${@:3}"
else
    .venv/bin/python benchmarks/peers/pyod_peer.py "$data"
fi
