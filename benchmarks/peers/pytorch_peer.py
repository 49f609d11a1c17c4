"""The PyTorch peer of aepg-bench and of `aepg train`/`aepg score` on PostgreSQL.

What a user would otherwise write: PyTorch for the network (bare training loop, no DataLoader),
psycopg 3 COPY for the database I/O, scikit-learn KMeans for the clusters. Same configurations,
same thread count as aepg. Prints one JSON object per line, like aepg-bench.

    python pytorch_peer.py bench [--quick] [--threads N]
    python pytorch_peer.py e2e --db CONNINFO --table public.big --key id --label Class [--epochs 5]
"""
import argparse
import json
import resource
import statistics
import sys
import time

import numpy as np
import torch
from torch import nn

# name -> (widths, activations per layer, optimizer, learning rate, batch, rows); mirrors
# Sources/aepg-bench/BenchmarkCase.swift.
CASES = {
    "fraud_sigmoid_rmsprop_b32": ([29, 64, 32, 3, 32, 29], ["sigmoid"] * 5, "rmsprop", 0.015, 32, 65_536),
    "fraud_relu_adam_b256": ([29, 64, 32, 3, 32, 29], ["relu", "relu", "linear", "relu", "linear"], "adam", 1e-3, 256, 131_072),
    "dec_relu_adam_b256": ([64, 500, 500, 2000, 10, 2000, 500, 500, 64],
                           ["relu", "relu", "relu", "linear", "relu", "relu", "relu", "linear"], "adam", 1e-3, 256, 16_384),
}


def emit(**fields):
    print(json.dumps(fields, sort_keys=True), flush=True)


def network(widths, activations):
    layers = []
    for i, act in enumerate(activations):
        layers.append(nn.Linear(widths[i], widths[i + 1]))
        if act == "sigmoid":
            layers.append(nn.Sigmoid())
        elif act == "relu":
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def optimizer(kind, params, lr):
    # Keras constants, as aepg uses them.
    if kind == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, alpha=0.9, eps=1e-7)
    return torch.optim.Adam(params, lr=lr, eps=1e-7)


def train_epoch(model, opt, x, batch):
    perm = torch.randperm(x.shape[0])
    for start in range(0, x.shape[0], batch):
        xb = x[perm[start:start + batch]]
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.mse_loss(model(xb), xb)
        loss.backward()
        opt.step()


def bench(args):
    epochs = 2 if args.quick else 5
    for name, (widths, acts, kind, lr, batch, rows) in CASES.items():
        rows = rows // 8 if args.quick else rows
        torch.manual_seed(1)
        x = torch.randn(rows, widths[0])
        model = network(widths, acts)
        opt = optimizer(kind, model.parameters(), lr)
        rates = []
        for epoch in range(1 + epochs):
            start = time.perf_counter()
            train_epoch(model, opt, x, batch)
            if epoch > 0:
                rates.append(rows / (time.perf_counter() - start))
        emit(bench=name, metric="train_samples_per_s", value=statistics.median(rates), rows=rows, batch=batch)

    # Scoring: forward pass, per-row error, top-3 features, nearest of 4 centroids.
    rows = 32_768 if args.quick else 262_144
    widths, acts = CASES["fraud_sigmoid_rmsprop_b32"][:2]
    model = network(widths, acts)
    encoder = model[:6]  # three Linear+Sigmoid pairs: the latent
    x = torch.randn(rows, 29)
    centroids = torch.randn(4, 3)
    rates = []
    with torch.inference_mode():
        for repeat in range(1 + epochs):
            start = time.perf_counter()
            for s in range(0, rows, 4096):
                xb = x[s:s + 4096]
                latent = encoder(xb)
                err = (model[6:](latent) - xb) ** 2
                score = err.mean(dim=1)
                top = err.topk(3, dim=1).indices
                cluster = torch.cdist(latent, centroids).argmin(dim=1)
            if repeat > 0:
                rates.append(rows / (time.perf_counter() - start))
    emit(bench="score_fraud_net", metric="score_rows_per_s", value=statistics.median(rates), rows=rows)


def e2e(args):
    """Train + score + cluster + write back, as a psycopg/PyTorch/scikit-learn script would."""
    import psycopg
    from sklearn.cluster import KMeans

    stages = {}
    t0 = time.perf_counter()
    with psycopg.connect(args.db) as conn:
        cur = conn.cursor()
        cur.execute("""SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped
                       AND attname NOT IN (%s, %s) ORDER BY attnum""", (args.table, args.key, args.label))
        features = [r[0] for r in cur.fetchall()]
        cols = ", ".join(f'"{f}"::float8' for f in features)
        keys, rows = [], []
        start = time.perf_counter()
        with cur.copy(f'COPY (SELECT "{args.key}", {cols} FROM {args.table}) TO STDOUT (FORMAT binary)') as copy:
            copy.set_types(["int8"] + ["float8"] * len(features))
            for row in copy.rows():
                keys.append(row[0])
                rows.append(row[1:])
        x = np.asarray(rows, dtype=np.float32)
        stages["read"] = time.perf_counter() - start

        start = time.perf_counter()
        mean, std = x.mean(axis=0), x.std(axis=0)
        std[std == 0] = 1
        x = torch.from_numpy((x - mean) / std)
        stages["preprocess"] = time.perf_counter() - start

        start = time.perf_counter()
        torch.manual_seed(42)
        d = x.shape[1]
        encoder = nn.Sequential(nn.Linear(d, 16), nn.Sigmoid(), nn.Linear(16, 8), nn.Sigmoid(), nn.Linear(8, 3))
        decoder = nn.Sequential(nn.Linear(3, 8), nn.Sigmoid(), nn.Linear(8, 16), nn.Sigmoid(), nn.Linear(16, d))
        model = nn.Sequential(encoder, decoder)
        opt = optimizer("adam", model.parameters(), 1e-3)
        perm = torch.randperm(x.shape[0])
        n_val = int(round(0.1 * x.shape[0]))
        train, val = x[perm[n_val:]], x[perm[:n_val]]
        for _ in range(args.epochs):
            train_epoch(model, opt, train, 256)
            with torch.inference_mode():
                torch.nn.functional.mse_loss(model(val), val)
        stages["train"] = time.perf_counter() - start

        start = time.perf_counter()
        with torch.inference_mode():
            latent = encoder(x)
            err = (decoder(latent) - x) ** 2
            score = err.mean(dim=1).double().numpy()
            top = err.topk(3, dim=1).indices.numpy()
        threshold = score.mean() + 3 * score.std()
        stages["score"] = time.perf_counter() - start

        start = time.perf_counter()
        km = KMeans(n_clusters=4, n_init=4, random_state=42).fit(latent.numpy())
        distance = np.linalg.norm(latent.numpy() - km.cluster_centers_[km.labels_], axis=1)
        stages["cluster"] = time.perf_counter() - start

        start = time.perf_counter()
        cur.execute("DROP TABLE IF EXISTS peer_results")
        cur.execute("""CREATE TABLE peer_results (id bigint, version int, latent real[], cluster int, distance real,
                       score float8, top_features text[], PRIMARY KEY (version, id))""")
        lat = latent.numpy()
        with cur.copy("COPY peer_results FROM STDIN (FORMAT binary)") as copy:
            copy.set_types(["int8", "int4", "float4[]", "int4", "float4", "float8", "text[]"])
            for i, key in enumerate(keys):
                copy.write_row((key, 1, lat[i].tolist(), int(km.labels_[i]), float(distance[i]), float(score[i]),
                                [features[j] for j in top[i]]))
        conn.commit()
        stages["write"] = time.perf_counter() - start
    emit(bench="e2e_pytorch_pipeline", metric="seconds", value=time.perf_counter() - t0, rows=len(keys),
         stages=stages, threshold=float(threshold),
         peak_rss_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["bench", "e2e"])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--db")
    parser.add_argument("--table", default="public.big")
    parser.add_argument("--key", default="id")
    parser.add_argument("--label", default="Class")
    parser.add_argument("--epochs", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    bench(args) if args.mode == "bench" else e2e(args)


if __name__ == "__main__":
    sys.exit(main())
