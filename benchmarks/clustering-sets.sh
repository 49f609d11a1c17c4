#!/usr/bin/env bash
# Does clustering in a neighbour embedding (--cluster-embedding, 20 under --purpose clustering)
# carry beyond digits? Runs benchmarks/clustering.sh (seeds 1–5) on the three labelled sets
# bundled with scikit-learn besides digits (iris: 150 × 4, 3 classes; wine: 178 × 13, 3;
# breast_cancer: 569 × 30, 2), with the default and with --cluster-embedding 0, and prints each
# mean line (accuracy / NMI / ARI of k-means on the raw features, of k-means on the latent
# vectors, and of DEC). Needs Python 3 with scikit-learn: it creates .venv when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! .venv/bin/python -c "import sklearn" 2>/dev/null; then
    python3 -m venv .venv
    .venv/bin/pip install -q -r benchmarks/peers/requirements.txt
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
.venv/bin/python - "$out" <<'PY'
import csv, sys
from sklearn import datasets
for name in ("iris", "wine", "breast_cancer"):
    data = getattr(datasets, "load_" + name)()
    with open(f"{sys.argv[1]}/{name}.csv", "w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["id"] + [f"f{j + 1}" for j in range(data.data.shape[1])] + ["class"])
        for i, (row, target) in enumerate(zip(data.data, data.target)):
            # Classes from 1: a 0/1 column would be read as an anomaly label.
            out.writerow([i + 1, *row, int(target) + 1])
PY
echo "| set | clusters in | k-means, raw features | k-means | DEC |"
echo "| --- | --- | --- | --- | --- |"
for name in iris wine breast_cancer; do
    classes=$(tail -n +2 "$out/$name.csv" | awk -F, '{ print $NF }' | sort -u | wc -l)
    for start in "neighbour embedding (default)" "pretrained latent space (--cluster-embedding 0)"; do
        flags=()
        [[ $start == pretrained* ]] && flags=(--cluster-embedding 0)
        mean=$(AEPG_CLUSTER_CSV="$out/$name.csv" AEPG_CLUSTER_LABEL=class AEPG_CLUSTER_K="$classes" \
               benchmarks/clustering.sh ${flags[@]+"${flags[@]}"} 2>/dev/null | grep '^| mean')
        echo "| $name | $start ${mean#| mean }"
    done
done
