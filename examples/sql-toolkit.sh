#!/usr/bin/env bash
# A transcript of the SQL-facing toolkit on a fresh throwaway PostgreSQL: a model created from
# SQL, a training queued and run by a worker, the views, in-database scoring against the worker,
# realtime scoring, a sharded score over 3 workers, a roll-back, and a reader refused a write.
#   examples/sql-toolkit.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/pg-throwaway.sh
swift build -c release >/dev/null
aepg=$PWD/.build/release/aepg
pg_throwaway_session toolkit
sql() { echo; echo "=> $1"; psql "$db" -X -P pager=off -c "$1"; }
run() { echo; echo "\$ $*"; "$@"; }

psql "$db" -q -o /dev/null -f data/creditcard_sample.sql
psql "$db" -qc "\\copy public.creditcard FROM 'data/creditcard_sample.csv' (FORMAT csv, HEADER)"
run $aepg init --roles --db "$db"
sql "SELECT aepg.create_model('fraud', 'public.creditcard', 'id', exclude => ARRAY['Time'], label => 'Class', options => '{\"clusters\": 4}')"
sql "SELECT aepg.enqueue('train', 'fraud') AS job"
run $aepg worker --exit-when-idle --db "$db"
sql "SELECT id, kind, model, status, attempts, result FROM aepg.jobs"
sql "SELECT name, active_version, round(roc_auc::numeric, 4) AS roc_auc, round(pr_auc::numeric, 4) AS pr_auc FROM aepg.model_list"
sql "SELECT id, \"Amount\", \"Class\", round(score::numeric, 3) AS score, flagged, cluster FROM aepg.fraud_flags ORDER BY score DESC LIMIT 5"
sql "SELECT cluster, rows, round(mean_score::numeric, 3) AS mean_score, round(share_flagged::numeric, 3) AS share_flagged FROM aepg.fraud_cluster_profile"
sql "SELECT count(*) AS rows, max(abs(s.score - r.score) / r.score) AS max_relative_difference, bool_and(s.flagged = (r.score > v.threshold)) AS flags_agree
       FROM public.creditcard c
       JOIN aepg.fraud_results r ON r.id = c.id AND r.version = 1
       JOIN aepg.versions v ON v.model = 'fraud' AND v.version = 1,
       aepg.score_row('fraud', to_jsonb(c)) s"
sql "SELECT aepg.enable_realtime('fraud')"
sql "INSERT INTO public.creditcard SELECT 900001, \"Time\", -40, 30, -35, \"V4\", \"V5\", \"V6\", \"V7\", \"V8\", \"V9\", \"V10\", \"V11\", \"V12\", \"V13\", \"V14\", \"V15\", \"V16\", \"V17\", \"V18\", \"V19\", \"V20\", \"V21\", \"V22\", \"V23\", \"V24\", \"V25\", \"V26\", \"V27\", \"V28\", \"Amount\", 0 FROM public.creditcard WHERE id = 4273"
sql "SELECT id, round(score::numeric, 3) AS score, flagged FROM aepg.fraud_flags WHERE id = 900001"
sql "CREATE TABLE unsharded AS SELECT id, score, cluster FROM aepg.fraud_results WHERE version = 1"
run $aepg score fraud --all --shards 3 --db "$db"
echo; echo "\$ three workers: aepg worker --exit-when-idle (x3, in parallel)"
for i in 1 2 3; do $aepg worker --exit-when-idle --db "$db" & done; wait
sql "SELECT id, status, attempts, result->>'rows' AS rows, worker IS NOT NULL AS ran FROM aepg.jobs WHERE args ? 'shard' ORDER BY id"
sql "SELECT count(*) AS rows,
            count(*) FILTER (WHERE abs(u.score - r.score) > 1e-6 * greatest(abs(u.score), 1) OR u.cluster IS DISTINCT FROM r.cluster) AS differing,
            max(abs(u.score - r.score)) AS largest_difference
       FROM unsharded u FULL JOIN aepg.fraud_results r ON r.id = u.id AND r.version = 1"
run $aepg train fraud --epochs 5 --db "$db"
sql "SELECT version, active, round(roc_auc::numeric, 4) AS roc_auc FROM aepg.version_list ORDER BY version"
sql "SELECT count(*) FILTER (WHERE flagged) AS flagged_rows FROM aepg.fraud_flags"
sql "SELECT aepg.activate('fraud', 1)"
sql "SELECT version, active FROM aepg.version_list ORDER BY version"
sql "SELECT count(*) FILTER (WHERE flagged) AS flagged_rows FROM aepg.fraud_flags"
psql "$db" -qc "CREATE ROLE analyst LOGIN IN ROLE aepg_reader"
echo; echo "=> as analyst (aepg_reader): SELECT count(*) FROM aepg.fraud_flags WHERE flagged; UPDATE aepg.models SET active_version = 2"
psql "$db user=analyst" -X -c "SELECT count(*) FROM aepg.fraud_flags WHERE flagged" -c "UPDATE aepg.models SET active_version = 2" 2>&1 || true
