#!/usr/bin/env bash
# Clustering on digits.csv (1,797 8×8 images, 10 classes), seeds 1–5: accuracy (Hungarian), NMI
# and ARI of k-means on the raw pixels, of k-means as a clustering job (--purpose clustering: in
# the clustering network's neighbour embedding), and of deep embedded clustering from there
# (--purpose clustering --cluster dec), on a throwaway PostgreSQL; then the means. Extra arguments go to every
# `aepg train` (e.g. --hidden 128,64 to try another network); AEPG_CLUSTER_SEEDS="6 7 8" runs
# other seeds. Another labelled CSV (an id column, numeric features, an integer class column):
# AEPG_CLUSTER_CSV=FILE AEPG_CLUSTER_LABEL=COLUMN AEPG_CLUSTER_K=CLASSES (benchmarks/clustering-sets.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/pg-throwaway.sh
if [ -n "${AEPG_CLUSTER_CSV:-}" ]; then
    csv=$AEPG_CLUSTER_CSV
    [ -f "$csv" ] || { echo "no file $csv" >&2; exit 66; }
else
    csv=../shared/data/digits.csv
    [ -f "$csv" ] || csv=data/digits.csv
fi
label=${AEPG_CLUSTER_LABEL:-digit} k=${AEPG_CLUSTER_K:-10}
swift build -c release >/dev/null
aepg=.build/release/aepg

pg_throwaway_session clustering
header=$(head -n 1 "$csv" | tr -d '\r')
cols=$(echo "$header" | tr ',' '\n' | awk -v label="$label" '{ printf "%s%s %s", (NR>1?", ":""), $0, ($0=="id" ? "bigint PRIMARY KEY" : ($0==label ? "int" : "float8")) }')
psql "$db" -qc "CREATE TABLE labelled ($cols)"
psql "$db" -qc "\\copy labelled FROM '$csv' (FORMAT csv, HEADER)"

# latent_line METHOD SEED: "accuracy NMI ARI" of aepg's clusters against the class column.
latent_line() {
    $aepg train --db "$db" --table labelled --key id --label "$label" --clusters "$k" --name "labelled_$1" --purpose clustering \
        --cluster "$1" --seed "$2" "${@:3}" 2>/dev/null | awk '/clusters against the label/ { print $8, $10, $12 }'
}
echo "extra flags: ${*:-none}"
echo "| seed | k-means, raw pixels | k-means, latent vectors | DEC |"
echo "| ---: | --- | --- | --- |"
echo "accuracy NMI ARI of each, seed by seed" >&2
results=$(for seed in ${AEPG_CLUSTER_SEEDS:-1 2 3 4 5}; do
    raw=$(.build/release/aepg-bench kmeans "$csv" "$label" "$k" "$seed" \
          | python3 -c 'import json,sys; r=json.load(sys.stdin); print("%.4f %.4f %.4f" % (r["accuracy"], r["nmi"], r["ari"]))')
    echo "$seed $raw $(latent_line kmeans "$seed" "$@") $(latent_line dec "$seed" "$@")"
done)
echo "$results" | awk '{ printf "| %s | %s / %s / %s | %s / %s / %s | %s / %s / %s |\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 }'
echo "$results" | awk '{ for (i = 2; i <= 10; i++) s[i] += $i; n++; if ($8 <= $2) worse++ }
    END { printf "| mean | %.4f / %.4f / %.4f | %.4f / %.4f / %.4f | %.4f / %.4f / %.4f |\n", s[2]/n, s[3]/n, s[4]/n, s[5]/n, s[6]/n, s[7]/n, s[8]/n, s[9]/n, s[10]/n
          printf "\n(accuracy / NMI / ARI) DEC above k-means on the raw pixels in %d of %d seeds\n", n - worse, n }'
