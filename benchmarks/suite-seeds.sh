#!/usr/bin/env bash
# The development suite over several seeds: benchmarks/suite.sh once per seed (results in
# benchmarks/out/suite-seed<N>.tsv, or $AEPG_SUITE_OUT with the seed before .tsv), then the
# per-set means over the seeds in benchmarks/out/suite-seeds.tsv, summarised like one run. On sets
# of a few hundred rows one seed moves ROC-AUC by several hundredths: compare choices on means.
#   benchmarks/suite-seeds.sh "42 7 1234"                 # the defaults, three seeds (about 15 minutes)
#   benchmarks/suite-seeds.sh "42 7 1234" --kind dense    # any aepg train flags after the seeds
#   AEPG_SUITE_AGAINST=previous=benchmarks/out/suite-dense-seeds.tsv benchmarks/suite-seeds.sh "42 7 1234"
#   AEPG_SUITE_PEERS=benchmarks/out/pyod-iforest-seeds.tsv ...   # peers averaged over the same seeds
#       (AEPG_PEER_SEED=<seed> benchmarks/pyod.sh --suite OUT.tsv pyod_iforest, then lib/suite_average.py)
# Give the seeds here, not as --seed among the flags.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { echo "usage: benchmarks/suite-seeds.sh \"SEED...\" [aepg train flags]" >&2; exit 64; }
case " $* " in *" --seed "*) echo "give the seeds as the first argument, not as --seed" >&2; exit 64 ;; esac
seeds=$1; shift
base=${AEPG_SUITE_OUT:-benchmarks/out/suite.tsv}
runs=()
for seed in $seeds; do
    run=${base%.tsv}-seed$seed.tsv
    echo "seed $seed -> $run" >&2
    AEPG_SUITE_OUT=$run AEPG_SUITE_AGAINST= benchmarks/suite.sh "$@" --seed "$seed" > /dev/null
    runs+=("$run")
done
averaged=${base%.tsv}-seeds.tsv
python3 benchmarks/lib/suite_average.py "$averaged" "${runs[@]}"
echo "means over seeds $seeds ($averaged):"
peers=${AEPG_SUITE_PEERS:-benchmarks/out/pyod-suite.tsv}
python3 benchmarks/lib/suite_report.py "$averaged" $( [ -f "$peers" ] && echo "$peers" ) ${AEPG_SUITE_AGAINST:-}
