"""PyOD's AutoEncoder and VAE with their default settings on the anomaly datasets of
../shared/data, scored the way aepg's datasets.sh scores (ROC-AUC, PR-AUC = average precision).

The peer for benchmarks/families.sh: same rows, same labels (the credit-card sample without
Time), each library's own defaults, seed 42, trained on every row. Run by benchmarks/pyod.sh.
"""
import csv
import os
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score


def load(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header = [h.strip() for h in rows[0]]
    label = "Class" if "Class" in header else ("label" if "label" in header else None)
    if label is None:
        return None
    skip = {"id", label, "Time"}
    columns = [i for i, h in enumerate(header) if h not in skip]
    data = np.array([[float(r[i]) for i in columns] for r in rows[1:]], dtype=np.float32)
    y = np.array([int(float(r[header.index(label)])) for r in rows[1:]])
    return data, y


# The peers' seed: 42, or $AEPG_PEER_SEED (e.g. to average IForest over the seeds of suite-seeds.sh).
SEED = int(os.environ.get("AEPG_PEER_SEED", "42"))
MODELS = {
    "pyod_autoencoder": lambda: __import__("pyod.models.auto_encoder", fromlist=["x"]).AutoEncoder(random_state=SEED, verbose=0),
    "pyod_vae": lambda: __import__("pyod.models.vae", fromlist=["x"]).VAE(random_state=SEED, verbose=0),
    "pyod_iforest": lambda: __import__("pyod.models.iforest", fromlist=["x"]).IForest(random_state=SEED),
    "pyod_pca": lambda: __import__("pyod.models.pca", fromlist=["x"]).PCA(random_state=SEED),
}


def run(paths, models, tsv=None):
    """Each model (its own defaults, seed 42, fit on every row) on each set; prints a line per
    pair and the means, and writes set, model, roc_auc, pr_auc, seconds to `tsv`."""
    print(f"{'dataset':22s} {'model':18s} {'ROC-AUC':>8s} {'PR-AUC':>8s} {'seconds':>8s}")
    sums = {m: [0.0, 0.0, 0] for m in models}
    # A run that was stopped resumes: pairs already in `tsv` are kept and not run again.
    done = set()
    if tsv and Path(tsv).exists():
        done = {tuple(line.split("\t")[:2]) for line in Path(tsv).read_text().splitlines()[1:]}
    out = open(tsv, "a" if done else "w") if tsv else None
    if out and not done:
        out.write("set\tmodel\troc_auc\tpr_auc\tseconds\n")
    # Model by model and smallest set first, so the fast ones have covered every set before the
    # slow ones start, and a stopped run has the most sets.
    sets = sorted(((path, loaded) for path in paths if (loaded := load(path)) is not None), key=lambda s: len(s[1][1]))
    for name in models:
        for path, (x, y) in sets:
            if (path.stem, name) in done:
                continue
            start = time.perf_counter()
            model = MODELS[name]()
            model.fit(x)
            scores = np.asarray(model.decision_scores_, dtype=np.float64)
            seconds = time.perf_counter() - start
            if not np.isfinite(scores).all():
                # PyOD's PCA divides by each component's variance: a zero one gives infinite
                # scores. Those rows rank as the most anomalous (as an infinite score says).
                finite = scores[np.isfinite(scores)]
                high = finite.max() + 1 if finite.size else 1.0
                scores = np.nan_to_num(scores, nan=high, posinf=high, neginf=finite.min() if finite.size else 0.0)
                print(f"{path.stem:22s} {name:18s} (non-finite scores ranked highest)", flush=True)
            roc, pr = roc_auc_score(y, scores), average_precision_score(y, scores)
            sums[name][0] += roc
            sums[name][1] += pr
            sums[name][2] += 1
            print(f"{path.stem:22s} {name:18s} {roc:8.4f} {pr:8.4f} {seconds:8.2f}", flush=True)
            if out:
                out.write(f"{path.stem}\t{name}\t{roc:.4f}\t{pr:.4f}\t{seconds:.2f}\n")
                out.flush()
    for name, (roc, pr, n) in sums.items():
        if n:
            print(f"{'mean':22s} {name:18s} {roc / n:8.4f} {pr / n:8.4f}")


def main(argv):
    """`pyod_peer.py DATA_DIR` (AutoEncoder and VAE on the seven sets, as families.sh compares), or
    `pyod_peer.py --suite DATA_DIR OUT.tsv [MODEL...]` (AutoEncoder, VAE, IForest and PCA, or the
    models named, on the 30 sets of benchmarks/suite.sh)."""
    if argv and argv[0] == "--suite":
        data = Path(argv[1])
        seven = [data / f"{n}.csv" for n in ["cardio", "creditcard_sample", "mammography", "pendigits", "satellite", "shuttle", "thyroid"]]
        models = argv[3:] or ["pyod_iforest", "pyod_pca", "pyod_autoencoder", "pyod_vae"]
        unknown = [m for m in models if m not in MODELS]
        if unknown:
            sys.exit(f"unknown model(s) {', '.join(unknown)}; known: {', '.join(MODELS)}")
        run(seven + sorted((data / "adbench").glob("*.csv")), models, argv[2])
    else:
        run(sorted(Path(argv[0] if argv else "../shared/data").glob("*.csv")), ["pyod_autoencoder", "pyod_vae"])


if __name__ == "__main__":
    main(sys.argv[1:])
