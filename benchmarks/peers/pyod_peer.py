"""PyOD's AutoEncoder and VAE with their default settings on the anomaly datasets of
../shared/data, scored the way aepg's datasets.sh scores (ROC-AUC, PR-AUC = average precision).

The peer for benchmarks/families.sh: same rows, same labels (the credit-card sample without
Time), each library's own defaults, seed 42, trained on every row. Run by benchmarks/pyod.sh.
"""
import csv
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


def main(data_dir):
    from pyod.models.auto_encoder import AutoEncoder
    from pyod.models.vae import VAE

    models = {"pyod_autoencoder": lambda: AutoEncoder(random_state=42, verbose=0),
              "pyod_vae": lambda: VAE(random_state=42, verbose=0)}
    print(f"{'dataset':22s} {'model':18s} {'ROC-AUC':>8s} {'PR-AUC':>8s} {'seconds':>8s}")
    sums = {m: [0.0, 0.0, 0] for m in models}
    for path in sorted(Path(data_dir).glob("*.csv")):
        loaded = load(path)
        if loaded is None:
            continue
        x, y = loaded
        for name, make in models.items():
            start = time.perf_counter()
            model = make()
            model.fit(x)
            scores = model.decision_scores_
            seconds = time.perf_counter() - start
            roc, pr = roc_auc_score(y, scores), average_precision_score(y, scores)
            sums[name][0] += roc
            sums[name][1] += pr
            sums[name][2] += 1
            print(f"{path.stem:22s} {name:18s} {roc:8.4f} {pr:8.4f} {seconds:8.2f}", flush=True)
    for name, (roc, pr, n) in sums.items():
        print(f"{'mean':22s} {name:18s} {roc / n:8.4f} {pr / n:8.4f}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data")
