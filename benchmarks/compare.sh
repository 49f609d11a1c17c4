#!/usr/bin/env bash
# One command, one table: aepg against PyTorch (same data, same threads, same run) and against
# the database's own COPY floor. Prints figures and ratios; asserts nothing.
#   benchmarks/compare.sh            # full run (about 5 minutes on 2 cores)
#   benchmarks/compare.sh --quick    # smaller inputs, for a smoke test
#   benchmarks/compare.sh --5m       # also score a 5,000,000-row table and report peak memory
# Needs Python 3 with PyTorch, psycopg 3, scikit-learn and numpy: it creates .venv with them
# (from PyPI) when they are missing. Every measurement also goes to benchmarks/out/compare.jsonl.
set -euo pipefail
cd "$(dirname "$0")/.."
quick="" big5m=""
for arg in "$@"; do
    case "$arg" in --quick) quick="--quick" ;; --5m) big5m=1 ;; *) echo "unknown option $arg" >&2; exit 64 ;; esac
done
threads=${AEPG_BENCH_THREADS:-$(nproc)}
export OPENBLAS_NUM_THREADS=$threads

if ! .venv/bin/python -c "import torch, psycopg, sklearn" 2>/dev/null; then
    python3 -m venv .venv
    .venv/bin/pip install -q -r benchmarks/peers/requirements.txt
fi
swift build -c release >/dev/null
aepg=$PWD/.build/release/aepg
source scripts/pg-throwaway.sh
source benchmarks/lib/big-table.sh

pg_throwaway_session compare
out=$AEPG_SESSION_DIR
results=$out/results.jsonl

# timed LABEL COMMAND...: wall seconds and peak RSS of one command, as a JSON line.
timed() {
    local label=$1; shift
    /usr/bin/time -f "%e %M" -o "$out/time" "$@" >/dev/null 2>"$out/stderr" || { cat "$out/stderr" >&2; return 1; }
    read -r secs kb < "$out/time"
    echo "{\"bench\": \"$label\", \"metric\": \"seconds\", \"value\": $secs, \"peak_rss_mib\": $((kb / 1024))}" >> "$results"
}

echo "1/4 in-memory training and scoring, two alternating repeats each" >&2
for repeat in 1 2; do
    .build/release/aepg-bench $quick | sed 's/^{/{"impl": "aepg", /' >> "$results"
    .venv/bin/python benchmarks/peers/pytorch_peer.py bench $quick --threads "$threads" | sed 's/^{/{"impl": "pytorch", /' >> "$results"
done

rows=284807
[ -n "$quick" ] && rows=50000
echo "2/4 a $rows-row, 30-feature table" >&2
make_big_table "$db" "$rows"
$aepg init --db "$db" >/dev/null

echo "3/4 the database floor: binary COPY out of the features, binary COPY in of an equivalent results set" >&2
cols=$(big_feature_list "$db")
psql "$db" -qc "CREATE TABLE floor_results (id bigint, version int, latent real[], cluster int, distance real, score float8, top_features text[], PRIMARY KEY (version, id))"
psql "$db" -qc "\\copy (SELECT id, 1, ARRAY[\"V1\", \"V2\", \"V3\"]::real[], 0, 0.5::real, \"Amount\", ARRAY['V1', 'V2', 'V3'] FROM public.big) TO '$out/results.bin' (FORMAT binary)"
for repeat in 1 2 3; do
    timed floor_copy_out psql "$db" -qc "\\copy (SELECT id, $cols FROM public.big) TO '/dev/null' (FORMAT binary)"
    psql "$db" -qc "TRUNCATE floor_results"
    timed floor_copy_in psql "$db" -qc "\\copy floor_results FROM '$out/results.bin' (FORMAT binary)"
done

echo "4/4 end to end: train (5 epochs) and score --all, aepg and the PyTorch pipeline, alternating" >&2
for repeat in 1 2 3; do
    timed aepg_train_dense $aepg train --db "$db" --table public.big --key id --label Class --name big --epochs 5 --patience 0 --kind dense
    timed aepg_train $aepg train --db "$db" --table public.big --key id --label Class --name big --epochs 5 --patience 0
    timed aepg_score_all $aepg score big --all --db "$db"
    # The pipeline times itself from its first statement (imports reported apart, as imports_seconds).
    .venv/bin/python benchmarks/peers/pytorch_peer.py e2e --db "$db" --table public.big --threads "$threads" >> "$results"
done

if [ -n "$big5m" ]; then
    echo "extra: aepg score --all on 5,000,000 rows" >&2
    make_big_table "$db" 5000000
    timed aepg_train_5m $aepg train --db "$db" --table public.big --key id --label Class --name big --epochs 1 --patience 0
    timed aepg_score_all_5m $aepg score big --all --db "$db"
fi

mkdir -p benchmarks/out
cp "$results" benchmarks/out/compare.jsonl  # every measurement the table's medians come from
python3 benchmarks/report.py "$results" "$rows" "$threads"
