"""Averages several runs of benchmarks/suite.sh (one per seed) into one file of the same shape:
per set, the mean ROC-AUC, PR-AUC and seconds over the runs, so that suite_report.py reads it like
a single run. The peers' files (benchmarks/pyod.sh --suite, one row per set and model) average the
same way, per set and model. A set missing from any run is left out (and named on stderr).

    python3 benchmarks/lib/suite_average.py OUT.tsv RUN1.tsv RUN2.tsv ...
"""
import csv
import sys

out, paths = sys.argv[1], sys.argv[2:]
runs = [list(csv.DictReader(open(p, newline=""), delimiter="\t")) for p in paths]
if not any(runs):
    sys.exit("suite_average.py: the runs hold no rows")
fields = list(next(run for run in runs if run)[0].keys())
key = (lambda r: (r["set"], r["model"])) if "model" in fields else (lambda r: r["set"])
indexed = [{key(r): r for r in run} for run in runs]
keys = list(dict.fromkeys(k for run in indexed for k in run))  # every set, in first-seen order
with open(out, "w", newline="") as f:
    writer = csv.DictWriter(f, fieldnames=fields, delimiter="\t", lineterminator="\n")
    writer.writeheader()
    for k in keys:
        rows = [run.get(k) for run in indexed]
        if any(r is None or not r["roc_auc"] for r in rows):
            print(f"{k}: not in every run, left out", file=sys.stderr)
            continue
        averaged = dict(rows[0])
        for field, digits in (("roc_auc", 4), ("pr_auc", 4), ("seconds", 2)):
            averaged[field] = f"{sum(float(r[field]) for r in rows) / len(rows):.{digits}f}"
        writer.writerow(averaged)
