#!/usr/bin/env bash
# Array features at embedding width, on a throwaway PostgreSQL: a generated table
# (id, embedding real[], anomaly) whose normal rows lie on a two-dimensional manifold in WIDTH
# dimensions and whose planted rows (1 %) lie off it (a third direction the normal rows never
# take, with the same per-element range). `aepg train` with default options reads, trains,
# scores and writes every row; printed: ROC-AUC and PR-AUC against the planted label, the time
# of each stage, and aepg's peak memory beside the size of the Float32 matrix.
#   benchmarks/embeddings.sh [ROWS [WIDTH [aepg train flags...]]]     (default 100000 384)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/pg-throwaway.sh
rows=${1:-100000}
width=${2:-384}
shift $(( $# < 2 ? $# : 2 ))
swift build -c release >/dev/null
aepg=.build/release/aepg

pg_throwaway_session embeddings
dir=$AEPG_SESSION_DIR
$aepg init --db "$db" >/dev/null

start=$(date +%s.%N)
psql "$db" -q -v ON_ERROR_STOP=1 -v rows="$rows" -v width="$width" <<'SQL'
SELECT setseed(0.42) AS seeded \gset
CREATE TABLE embeddings AS
WITH r AS (SELECT i, random() AS u, random() AS v, 0.5 + random() AS w, random() < 0.01 AS planted
             FROM generate_series(1, :rows) AS i)
SELECT i AS id,
       ARRAY(SELECT sin(2 * pi() * (u * (0.5 + (j * 0.618) % 1) + v * (0.5 + (j * 0.414) % 1)
                                    + CASE WHEN planted THEN w * (0.5 + (j * 0.732) % 1) ELSE 0 END) + j)
                    + 0.05 * (random() - 0.5)
               FROM generate_series(1, :width) AS j)::real[] AS embedding,
       planted::int AS anomaly
  FROM r;
ALTER TABLE embeddings ADD PRIMARY KEY (id);
ANALYZE embeddings;
SQL
generated=$(echo "$(date +%s.%N) - $start" | bc)
printf "generated %d rows x %d-wide real[] in %.0f s (%s planted)\n" "$rows" "$width" "$generated" \
    "$(psql "$db" -Atc "SELECT sum(anomaly) FROM embeddings")"

$aepg train --db "$db" --table embeddings --key id --label anomaly --name emb "$@" >"$dir/out" 2>"$dir/err" \
    || { cat "$dir/err" >&2; exit 1; }
grep -E "^trained|against the label|s in all" "$dir/out"
peak=$(grep -oE 'peak memory [0-9]+ MiB' "$dir/out" | awk '{ print $3 }')
awk -v r="$rows" -v w="$width" -v peak="$peak" 'BEGIN {
    matrix = r * w * 4 / 1048576
    printf "Float32 matrix %.0f MiB; peak memory %d MiB = %.2f x the matrix\n", matrix, peak, peak / matrix
}'
