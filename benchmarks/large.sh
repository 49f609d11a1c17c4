#!/usr/bin/env bash
# `aepg train` and `aepg score --all` on a 284,807-row, 30-feature table (the size of the full
# credit-card dataset), made by tiling the bundled 5,099-row sample with ±0.5 % multiplicative
# noise, on a throwaway PostgreSQL. Prints wall time, the stage breakdown and peak memory, and
# the database's own floor for the same I/O (binary COPY out of the table into /dev/null).
#   benchmarks/large.sh [extra aepg train flags]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/pg-throwaway.sh
source benchmarks/lib/big-table.sh
swift build -c release >/dev/null
aepg=$PWD/.build/release/aepg

pg_throwaway_session large

make_big_table "$db" 284807
echo "table public.big: $(psql "$db" -Atc 'SELECT count(*) FROM public.big') rows, 30 features"
$aepg init --db "$db" >/dev/null

cols=$(big_feature_list "$db")
start=$(date +%s.%N)
psql "$db" -qc "\\copy (SELECT id, $cols FROM public.big) TO '/dev/null' (FORMAT binary)"
floor=$(echo "$(date +%s.%N) - $start" | bc)
echo "database floor: binary COPY of key + 30 float8 to /dev/null: $floor s"

echo; echo "== aepg train --table public.big --key id --label Class --name big $*"
start=$(date +%s.%N)
$aepg train --db "$db" --table public.big --key id --label Class --name big "$@" 2>/dev/null
echo "wall: $(echo "$(date +%s.%N) - $start" | bc) s"

echo; echo "== aepg score big --all"
start=$(date +%s.%N)
$aepg score big --all --db "$db" 2>/dev/null
echo "wall: $(echo "$(date +%s.%N) - $start" | bc) s"
