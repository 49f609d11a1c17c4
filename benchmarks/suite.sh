#!/usr/bin/env bash
# The development suite: `aepg train` with any flags on 30 public anomaly-detection sets (the 23
# of ../shared/data/adbench, the six ADBench sets and the credit-card sample of ../shared/data),
# on a throwaway PostgreSQL. Prints ROC-AUC and PR-AUC per set, the means (unweighted: every set
# counts once) for the sets used to choose defaults and for the held-out ones, and the worst set;
# with benchmarks/out/pyod-suite.tsv (benchmarks/pyod.sh --suite), the same for the PyOD peers
# and every model's mean rank.
#   benchmarks/suite.sh                       # the current defaults
#   benchmarks/suite.sh --kind denoising      # any aepg train flags
#   AEPG_SUITE_KEEP=0.01 benchmarks/suite.sh --label-use select
#       # a few labels: training sees only 1 % of the anomaly labels (column known: 1 for those,
#       # NULL elsewhere); ROC-AUC and PR-AUC are then measured with aepg evaluate on every label
#   AEPG_SUITE_AGAINST=previous=benchmarks/out/suite-dense.tsv benchmarks/suite.sh
#       # also compares with an earlier run's results and lists the sets that lost over 0.05 ROC-AUC
# Results also go to benchmarks/out/suite.tsv (or $AEPG_SUITE_OUT): set, group, rows, roc_auc, pr_auc, seconds.
# AEPG_SUITE_SCORES=DIR also writes each set's per-row scores to DIR/<set>.csv (id, score), for
# offline analysis beside other detectors' scores.
#
# Held out: these eight sets are never used to choose a default; report them apart.
held_out="Cardiotocography Ionosphere PageBlocks SpamBase Waveform letter smtp wine"
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/pg-throwaway.sh
data=../shared/data
[ -d "$data/adbench" ] || { echo "error: the suite needs ../shared/data and ../shared/data/adbench beside the checkout" >&2; exit 66; }
# AEPG_BIN=PATH runs another build (say, a copy of the binary before a change) instead of this one's.
if [ -n "${AEPG_BIN:-}" ]; then aepg=$AEPG_BIN; else swift build -c release --product aepg >/dev/null; aepg=$PWD/.build/release/aepg; fi
mkdir -p benchmarks/out
out=${AEPG_SUITE_OUT:-benchmarks/out/suite.tsv}

pg_throwaway_session suite
$aepg init --db "$db" >/dev/null
printf "set\tgroup\trows\troc_auc\tpr_auc\tseconds\n" > "$out"
printf "%-20s %-9s %8s %8s %8s %8s\n" set group rows ROC-AUC PR-AUC seconds
for csv in "$data"/{cardio,creditcard_sample,mammography,pendigits,satellite,shuttle,thyroid}.csv "$data"/adbench/*.csv; do
    name=$(basename "$csv" .csv)
    group=develop
    case " $held_out " in *" $name "*) group=held-out ;; esac
    header=$(head -n 1 "$csv" | tr -d '\r')
    case "$header" in *,Class) label=Class; exclude="--exclude Time" ;; *) label=label; exclude="" ;; esac
    table="s_$(echo "$name" | tr 'A-Z' 'a-z' | tr -c 'a-z0-9_\n' '_')"
    # A row of over 1,000 float8 columns would pass PostgreSQL's 8 kB row limit: wide sets use real.
    width=$(echo "$header" | tr ',' '\n' | wc -l)
    type=float8; [ "$width" -gt 1000 ] && type=real
    cols=$(echo "$header" | tr ',' '\n' | awk -v l="$label" -v t="$type" '{ printf "%s\"%s\" %s", (NR>1?", ":""), $0, ($0=="id" ? "bigint PRIMARY KEY" : ($0==l ? "int" : t)) }')
    psql "$db" -qc "CREATE TABLE $table ($cols)"
    psql "$db" -qc "\\copy $table FROM '$csv' (FORMAT csv, HEADER)"
    start=$(date +%s.%N)
    if [ -n "${AEPG_SUITE_KEEP:-}" ]; then
        psql "$db" -qc "ALTER TABLE $table ADD COLUMN known int" -c "UPDATE $table SET known = 1 WHERE id IN (SELECT id FROM $table
            WHERE \"$label\" = 1 ORDER BY md5(id::text) LIMIT greatest(1, round($AEPG_SUITE_KEEP * (SELECT count(*) FROM $table WHERE \"$label\" = 1))))"
        hidden=$label; [ -n "$exclude" ] && hidden="Time,$label"
        $aepg train --db "$db" --table "$table" --key id --label known --exclude "$hidden" \
            --name "$table" "$@" >/dev/null 2>&1 || true
        evaluation=$($aepg evaluate "$table" --db "$db" --label "$label" 2>/dev/null)
        roc=$(echo "$evaluation" | awk '$1 == "ROC-AUC" {print $2}'); pr=$(echo "$evaluation" | awk '$1 == "PR-AUC" {print $2}')
    else
        line=$($aepg train --db "$db" --table "$table" --key id --label "$label" $exclude --name "$table" "$@" 2>/dev/null | grep "against the label")
        roc=$(echo "$line" | awk '{print $5}'); pr=$(echo "$line" | awk '{print $7}')
    fi
    secs=$(echo "$(date +%s.%N) - $start" | bc)
    if [ -n "${AEPG_SUITE_SCORES:-}" ]; then
        mkdir -p "$AEPG_SUITE_SCORES"
        psql "$db" -qc "\\copy (SELECT id, score FROM aepg.${table}_results ORDER BY id) TO '$AEPG_SUITE_SCORES/$name.csv' (FORMAT csv)"
    fi
    rows=$(psql "$db" -Atc "SELECT count(*) FROM $table")
    printf "%-20s %-9s %8s %8s %8s %8.1f\n" "$name" "$group" "$rows" "$roc" "$pr" "$secs"
    printf "%s\t%s\t%s\t%s\t%s\t%.2f\n" "$name" "$group" "$rows" "$roc" "$pr" "$secs" >> "$out"
done
python3 benchmarks/lib/suite_report.py "$out" $( [ -f benchmarks/out/pyod-suite.tsv ] && echo benchmarks/out/pyod-suite.tsv ) ${AEPG_SUITE_AGAINST:-}
