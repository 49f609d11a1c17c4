#!/usr/bin/env bash
# Table 2 of the model families: clustering accuracy (Hungarian), NMI and ARI on digits.csv
# (10 classes) for k-means on the raw features, k-means on the autoencoder's latent vectors, and
# deep embedded clustering, on a throwaway PostgreSQL. Extra arguments go to every `aepg train`;
# without any, the network below is used (see the README for why).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/pg-throwaway.sh
csv=../shared/data/digits.csv
[ -f "$csv" ] || { echo "needs $csv"; exit 1; }
swift build -c release >/dev/null
aepg=.build/release/aepg
network=("$@")
[ ${#network[@]} -gt 0 ] || network=(--scale minmax --activation relu --hidden 128,64 --latent 10 --epochs 200 --batch-size 32 --patience 10)

pg_throwaway_session clustering
header=$(head -n 1 "$csv" | tr -d '\r')
cols=$(echo "$header" | tr ',' '\n' | awk '{ printf "%s%s %s", (NR>1?", ":""), $0, ($0=="id" ? "bigint PRIMARY KEY" : ($0=="digit" ? "int" : "float8")) }')
psql "$db" -qc "CREATE TABLE digits ($cols)"
psql "$db" -qc "\\copy digits FROM '$csv' (FORMAT csv, HEADER)"

echo "network: ${network[*]}"
echo "| method | accuracy | NMI | ARI |"
echo "| --- | ---: | ---: | ---: |"
.build/release/aepg-bench kmeans "$csv" digit 10 42 \
    | python3 -c 'import json,sys; r=json.load(sys.stdin); print("| k-means, raw features | %.4f | %.4f | %.4f |" % (r["accuracy"], r["nmi"], r["ari"]))'
for method in kmeans dec; do
    line=$($aepg train --db "$db" --table digits --key id --label digit --clusters 10 --name digits_$method \
               --cluster $method "${network[@]}" 2>/dev/null | grep "clusters against the label")
    name=$([ $method = kmeans ] && echo "k-means, latent vectors" || echo "deep embedded clustering")
    echo "$line" | awk -v n="$name" '{ printf "| %s | %s | %s | %s |\n", n, $8, $10, $12 }'
done
