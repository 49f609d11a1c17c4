#!/usr/bin/env bash
# Table 1 of the model families: ROC-AUC and PR-AUC on every anomaly dataset for the ensemble (the
# default), dense, sparse, denoising and variational autoencoders (default options otherwise, seed 42, trained on all rows;
# the variational one scored both ways), each run through benchmarks/datasets.sh. Prints a
# Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
declare -A flags=(
    [ensemble]=""
    [dense]="--kind dense"
    [sparse]="--kind dense --l1-activity 1e-4"
    [denoising]="--kind denoising"
    [variational]="--kind variational"
    [variational_elbo]="--kind variational --score elbo"
)
kinds=(ensemble dense sparse denoising variational variational_elbo)
out=$(mktemp -d)
for kind in "${kinds[@]}"; do
    # shellcheck disable=SC2086
    benchmarks/datasets.sh ${flags[$kind]} > "$out/$kind.txt"
done
printf "| dataset |"; for kind in "${kinds[@]}"; do printf " %s ROC | %s PR |" "$kind" "$kind"; done; echo
printf "| --- |"; for _ in "${kinds[@]}"; do printf " ---: | ---: |"; done; echo
for dataset in $(awk 'NR > 1 && $1 != "mean" { print $1 }' "$out/dense.txt") mean; do
    printf "| %s |" "$dataset"
    for kind in "${kinds[@]}"; do
        awk -v d="$dataset" '$1 == d { if (d == "mean") printf " %s | %s |", $2, $3; else printf " %s | %s |", $3, $4 }' "$out/$kind.txt"
    done
    echo
done
rm -rf "$out"
