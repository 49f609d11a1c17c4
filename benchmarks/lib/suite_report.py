"""The summary of benchmarks/suite.sh: aepg's means per group and worst set, and, when
benchmarks/out/pyod-suite.tsv exists (benchmarks/pyod.sh --suite), the peers' on the same sets
and the mean rank of each (1 = best ROC-AUC on a set; ties share the mean rank). Another aepg
run given as NAME=PATH (e.g. the previous default) joins the comparison, and the sets where
this run's ROC-AUC is lower than that one's by more than 0.05 are listed.

    python3 benchmarks/lib/suite_report.py benchmarks/out/suite.tsv [benchmarks/out/pyod-suite.tsv] [NAME=PATH ...]
"""
import csv
import sys
from collections import defaultdict


def read(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


aepg_rows = read(sys.argv[1])
group = {r["set"]: r["group"] for r in aepg_rows}
results = defaultdict(dict)  # model -> set -> (roc, pr)
for r in aepg_rows:
    results["aepg"][r["set"]] = (float(r["roc_auc"]), float(r["pr_auc"]))
# NAME=PATH is another aepg run under that name; a plain path is the peers' file, one model per row.
others = [a.split("=", 1) for a in sys.argv[2:] if "=" in a]
for argument in sys.argv[2:]:
    name, path = argument.split("=", 1) if "=" in argument else (None, argument)
    for r in read(path):
        if r["set"] in group:
            results[name or r["model"]][r["set"]] = (float(r["roc_auc"]), float(r["pr_auc"]))

# Models with a result on every set are compared; a model still running is listed apart.
pending = {m: len(per_set) for m, per_set in results.items() if len(per_set) < len(group)}
for m in pending:
    del results[m]
complete = list(group)
missing = [f"{m} ({n} of {len(group)} sets so far)" for m, n in pending.items()]
ranks = defaultdict(list)
for s in complete:
    ordered = sorted(results, key=lambda m: -results[m][s][0])
    position = 0
    while position < len(ordered):
        tied = [m for m in ordered if results[m][s][0] == results[ordered[position]][s][0]]
        for m in tied:
            ranks[m].append(position + (len(tied) + 1) / 2)
        position += len(tied)

print(f"\n{'model':18} {'sets':>4}  {'develop ROC / PR':>17}  {'held out ROC / PR':>17}  {'all ROC / PR':>15}  {'rank':>5}  worst set")
for model, per_set in results.items():
    line = f"{model:18} {len(complete):4d}"
    for wanted in ("develop", "held-out", None):
        chosen = [s for s in complete if wanted is None or group[s] == wanted]
        roc = sum(per_set[s][0] for s in chosen) / len(chosen)
        pr = sum(per_set[s][1] for s in chosen) / len(chosen)
        line += f"  {roc:7.4f} / {pr:6.4f}"
    worst = min(complete, key=lambda s: per_set[s][0])
    rank = sum(ranks[model]) / len(ranks[model]) if len(results) > 1 else 1.0
    print(f"{line}  {rank:5.2f}  {worst} ({per_set[worst][0]:.4f})")
if missing:
    print(f"(not compared yet, its run is incomplete: {', '.join(missing)})")
for name, _ in others:
    if name in results:
        drops = sorted((results["aepg"][s][0] - results[name][s][0], s) for s in complete)
        worse = [f"{s} ({d:+.4f})" for d, s in drops if d < -0.05]
        print(f"against {name}: ROC-AUC higher on {sum(d > 0 for d, _ in drops)} of {len(drops)} sets; "
              f"lower by more than 0.05 on {', '.join(worse) if worse else 'none'}")
