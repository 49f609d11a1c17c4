"""Offline: would PyOD's IForest help as a member of aepg's ensemble? Mixes each set's aepg score
(a mean of robust z-scores, from `AEPG_SUITE_SCORES=DIR benchmarks/suite.sh`) with IForest's score
put on the same scale (its robust z-score: median and interquartile range), at several IForest
weights, and prints ROC-AUC / PR-AUC per set and the means of the develop, held-out and all sets.

    AEPG_SUITE_SCORES=/tmp/scores benchmarks/suite.sh
    .venv/bin/python benchmarks/lib/combine_with_iforest.py /tmp/scores [seed]
"""
import csv
import sys
from pathlib import Path

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "peers"))
from pyod_peer import load  # noqa: E402

HELD_OUT = "Cardiotocography Ionosphere PageBlocks SpamBase Waveform letter smtp wine".split()
WEIGHTS = [0, 1 / 6, 0.25, 1 / 3, 0.5]


def robust_z(scores):
    q1, median, q3 = np.percentile(scores, [25, 50, 75])
    spread = q3 - q1 or np.mean(np.abs(scores - median)) or 1.0
    return (scores - median) / spread


def main(score_dir, seed):
    from pyod.models.iforest import IForest
    data = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
    paths = [data / f"{n}.csv" for n in "cardio creditcard_sample mammography pendigits satellite shuttle thyroid".split()]
    paths += sorted((data / "adbench").glob("*.csv"))
    results, groups = {w: [] for w in WEIGHTS}, []
    print("set", *[f"w={w:.2f}" for w in WEIGHTS], "IForest", sep="\t")
    for path in paths:
        scored = Path(score_dir) / f"{path.stem}.csv"
        if not scored.exists():
            continue
        x, y = load(path)
        with open(path, newline="") as f:
            ids = [int(r[0]) for r in list(csv.reader(f))[1:]]
        with open(scored, newline="") as f:
            by_id = {int(k): float(s) for k, s in csv.reader(f)}
        aepg = np.array([by_id[i] for i in ids])
        forest = IForest(random_state=seed).fit(x).decision_scores_.astype(float)
        groups.append("held-out" if path.stem in HELD_OUT else "develop")
        for w in WEIGHTS:
            mixed = (1 - w) * aepg + w * robust_z(forest)
            results[w].append((roc_auc_score(y, mixed), average_precision_score(y, mixed)))
        print(path.stem, *[f"{results[w][-1][0]:.3f}" for w in WEIGHTS], f"{roc_auc_score(y, forest):.3f}", sep="\t", flush=True)
    groups = np.array(groups)
    print("\nIForest weight   develop ROC / PR   held out ROC / PR   all ROC / PR   worst ROC")
    for w in WEIGHTS:
        r = np.array(results[w])
        parts = [f"{r[g].mean(0)[0]:.4f} / {r[g].mean(0)[1]:.4f}" for g in (groups == "develop", groups == "held-out", groups == groups)]
        print(f"{w:.3f}            " + "   ".join(parts) + f"   {r[:, 0].min():.4f}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 42)
