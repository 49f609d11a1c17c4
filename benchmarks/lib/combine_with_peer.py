"""Offline: would another detector help as a member of aepg's ensemble? Mixes each set's aepg
score (a mean of robust z-scores, from `AEPG_SUITE_SCORES=DIR benchmarks/suite.sh`) with the
detector's score put on the same scale (its robust z-score: median and interquartile range), at
several weights, and prints ROC-AUC / PR-AUC per set and the means of the develop, held-out and
all sets.

    AEPG_SUITE_SCORES=/tmp/scores benchmarks/suite.sh
    .venv/bin/python benchmarks/lib/combine_with_peer.py /tmp/scores [seed] [iforest|knn|ecod|hbos|copod]

iforest is PyOD's IForest on the raw inputs; knn is the distance to the 5th nearest of (a
seeded sample of 8,192 of) the rows, in the inputs scaled as the ensemble scales them (median
and interquartile range, asinh on columns whose standard deviation exceeds 3 IQRs): the kNN
detector as aepg could store it; ecod, hbos and copod are PyOD's, with their defaults.
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
NEIGHBORS, REFERENCE_ROWS = 5, 8192


def robust_z(scores):
    q1, median, q3 = np.percentile(scores, [25, 50, 75])
    spread = q3 - q1 or np.mean(np.abs(scores - median)) or 1.0
    return (scores - median) / spread


def scaled_like_the_ensemble(x):
    q1, median, q3 = np.percentile(x, [25, 50, 75], axis=0)
    spread = np.where(q3 > q1, q3 - q1, 1.0)
    z = (x - median) / spread
    heavy = z.std(0) > 3
    z[:, heavy] = np.arcsinh(z[:, heavy])
    return z


def knn_distance(x, seed):
    from sklearn.neighbors import NearestNeighbors
    z = scaled_like_the_ensemble(x.astype(np.float64))
    sample = len(z) > REFERENCE_ROWS
    reference = z[np.sort(np.random.default_rng(seed).choice(len(z), REFERENCE_ROWS, replace=False))] if sample else z
    distances, _ = NearestNeighbors(n_neighbors=NEIGHBORS + 1).fit(reference).kneighbors(z)
    # A row that is in the reference finds itself first, at distance 0.
    itself = distances[:, 0] == 0
    return np.where(itself, distances[:, NEIGHBORS], distances[:, NEIGHBORS - 1])


def main(score_dir, seed, peer):
    from pyod.models.iforest import IForest
    data = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
    paths = [data / f"{n}.csv" for n in "cardio creditcard_sample mammography pendigits satellite shuttle thyroid".split()]
    paths += sorted((data / "adbench").glob("*.csv"))
    results, groups = {w: [] for w in WEIGHTS}, []
    print("set", *[f"w={w:.2f}" for w in WEIGHTS], peer, sep="\t")
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
        if peer == "knn":
            peer_scores = knn_distance(x, seed)
        elif peer in ("ecod", "hbos", "copod"):
            module = __import__(f"pyod.models.{peer}", fromlist=["x"])
            peer_scores = getattr(module, peer.upper())().fit(x).decision_scores_.astype(float)
        else:
            peer_scores = IForest(random_state=seed).fit(x).decision_scores_.astype(float)
        groups.append("held-out" if path.stem in HELD_OUT else "develop")
        for w in WEIGHTS:
            mixed = (1 - w) * aepg + w * robust_z(peer_scores)
            results[w].append((roc_auc_score(y, mixed), average_precision_score(y, mixed)))
        print(path.stem, *[f"{results[w][-1][0]:.3f}" for w in WEIGHTS], f"{roc_auc_score(y, peer_scores):.3f}", sep="\t", flush=True)
    groups = np.array(groups)
    print(f"\n{peer} weight   develop ROC / PR   held out ROC / PR   all ROC / PR   worst ROC")
    for w in WEIGHTS:
        r = np.array(results[w])
        parts = [f"{r[g].mean(0)[0]:.4f} / {r[g].mean(0)[1]:.4f}" for g in (groups == "develop", groups == "held-out", groups == groups)]
        print(f"{w:.3f}            " + "   ".join(parts) + f"   {r[:, 0].min():.4f}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 42, sys.argv[3] if len(sys.argv) > 3 else "iforest")
