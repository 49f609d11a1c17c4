#!/usr/bin/env bash
# ROC-AUC and PR-AUC of `aepg train` on every dataset in ../shared/data (or data/), on a
# throwaway PostgreSQL. Extra arguments are passed to every `aepg train`, e.g.:
#   benchmarks/datasets.sh --hidden 64,32 --latent 3
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/pg-throwaway.sh
data=../shared/data
[ -d "$data" ] || data=data
swift build -c release >/dev/null
aepg=.build/release/aepg

pg_throwaway_session datasets
dir=$AEPG_SESSION_DIR
$aepg init --db "$db" >/dev/null

printf "%-22s %8s %8s %8s %9s %8s %7s\n" dataset rows ROC-AUC PR-AUC precision recall seconds
for csv in "$data"/*.csv; do
    name=$(basename "$csv" .csv)
    header=$(head -n 1 "$csv" | tr -d '\r')
    case "$header" in *,Class) label=Class; exclude="--exclude Time" ;; *,label) label=label; exclude="" ;; *) continue ;; esac
    table="bench_$name"
    cols=$(echo "$header" | tr ',' '\n' | awk -v l="$label" '{ printf "%s\"%s\" %s", (NR>1?", ":""), $0, ($0=="id" ? "bigint PRIMARY KEY" : ($0==l ? "int" : "float8")) }')
    psql "$db" -qc "DROP TABLE IF EXISTS $table CASCADE; CREATE TABLE $table ($cols)"
    psql "$db" -qc "\\copy $table FROM '$csv' (FORMAT csv, HEADER)"
    model=$(echo "$name" | tr -c 'a-z0-9_\n' '_')
    out=$($aepg train --db "$db" --table "$table" --key id --label "$label" $exclude --name "$model" "$@" 2>/dev/null)
    line=$(echo "$out" | grep "against the label")
    secs=$(echo "$out" | grep "s in all" | awk '{print $1}')
    rows=$(psql "$db" -Atc "SELECT count(*) FROM $table")
    echo "$line" | awk -v n="$name" -v r="$rows" -v s="$secs" '{ printf "%-22s %8s %8s %8s %9s %8s %7s\n", n, r, $5, $7, $9, $11, s }'
    echo "$line" | awk '{ print $5, $7 }' >> "$dir/aucs"
done
awk '{ roc += $1; pr += $2; n++ } END { printf "%-22s %8s %8.4f %8.4f\n", "mean", "", roc / n, pr / n }' "$dir/aucs"
