"""Turns benchmarks/compare.sh's JSON lines into one table of medians and ratios."""
import json
import statistics
import sys

results_file, rows, threads = sys.argv[1], int(sys.argv[2]), sys.argv[3]
records = [json.loads(line) for line in open(results_file) if line.strip()]


def med(bench, impl=None, field="value"):
    values = [r[field] for r in records if r["bench"] == bench and (impl is None or r.get("impl") == impl) and field in r]
    return statistics.median(values) if values else float("nan")


print(f"\naepg vs PyTorch {records and ''}(same machine, same run, {threads} threads; medians)\n")
print(f"{'measure':66} {'aepg':>12} {'PyTorch':>12} {'ratio':>8}  target")
targets = {
    "fraud_sigmoid_rmsprop_b32": ("notebook's fraud net 29-64-32-3-32-29, sigmoid, RMSprop, batch 32 (samples/s)", 10),
    "aepg_fraud_sigmoid_rmsprop_b32": ("aepg's build: 29-64-32-3-32-64-29, linear latent/output, same (samples/s)", None),
    "fraud_relu_adam_b256": ("same widths, ReLU, Adam, batch 256 (samples/s)", 3),
    "dec_relu_adam_b256": ("DEC-size 64-500-500-2000-10, ReLU, batch 256 (samples/s)", 1),
    "score_fraud_net": ("scoring in memory, fraud net (rows/s)", None),
}
verdicts = []
for bench, (label, target) in targets.items():
    a, p = med(bench, "aepg"), med(bench, "pytorch")
    ratio = a / p
    goal = f">= {target}x: {'met' if ratio >= target else 'NOT met'}" if target else "-"
    verdicts.append(goal)
    threads_used = [r.get("threads") for r in records if r["bench"] == bench and r.get("impl") == "pytorch" and "threads" in r]
    best = f" (PyTorch best at {max(set(threads_used), key=threads_used.count)} thread(s))" if threads_used else ""
    print(f"{label:66} {a:12,.0f} {p:12,.0f} {ratio:7.2f}x  {goal}{best}")

train, score, peer = med("aepg_train"), med("aepg_score_all"), med("e2e_pytorch_pipeline")
print(f"\nend to end on {rows:,} rows x 30 features (seconds, lower is better)")
print(f"{'PyTorch pipeline: binary COPY via numpy, 5 epochs, score, KMeans (100k sample), COPY back':72} {peer:8.2f}")
print(f"{'  (its imports, not counted above: numpy, torch, psycopg, scikit-learn)':72} {med('e2e_pytorch_pipeline', field='imports_seconds'):8.2f}")
print(f"{'aepg train --epochs 5 --kind dense: the same work (one network; scores, clusters every row)':72} {med('aepg_train_dense'):8.2f}")
print(f"{'aepg train --epochs 5: the default, an ensemble of five networks':72} {train:8.2f}")
print(f"{'aepg score --all: rescoring every row afterwards':72} {score:8.2f}")
ratio = peer / train
print(f"{'speed-up of aepg train --kind dense (the same network) over the pipeline':72} {peer / med('aepg_train_dense'):7.2f}x")
print(f"{'speed-up of aepg train (the default) over the pipeline (target >= 5x)':72} {ratio:7.2f}x  {'met' if ratio >= 5 else 'NOT met'}")
print(f"{'speed-up of aepg train + a separate score --all over the pipeline':72} {peer / (train + score):7.2f}x")

copy_out, copy_in = med("floor_copy_out"), med("floor_copy_in")
floor = rows / (copy_out + copy_in)
achieved = rows / score
print(f"\ndatabase floor: COPY out {copy_out:.2f} s + COPY in {copy_in:.2f} s = {floor:,.0f} rows/s")
print(f"{'aepg score --all: rows/s, share of the floor (target >= 50 %)':72} {achieved:10,.0f}  {100 * achieved / floor:5.1f} %  "
      f"{'met' if achieved >= floor / 2 else 'NOT met'}")
print(f"\npeak memory (MiB): aepg train {med('aepg_train', field='peak_rss_mib'):.0f}, aepg score --all "
      f"{med('aepg_score_all', field='peak_rss_mib'):.0f}, PyTorch pipeline {med('e2e_pytorch_pipeline', field='peak_rss_mib'):.0f}")
big = med("aepg_score_all_5m", field="peak_rss_mib")
if big == big:
    print(f"aepg score --all on 5,000,000 rows: {med('aepg_score_all_5m'):.1f} s, peak {big:.0f} MiB "
          f"(target < 200 MB: {'met' if big * 1.048576 < 200 else 'NOT met'})")
