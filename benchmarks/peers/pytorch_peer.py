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

_imports_started = time.perf_counter()
import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - _imports_started

# name -> (widths, activations per layer, optimizer, learning rate, batch, rows); mirrors
# Sources/aepg-bench/BenchmarkCase.swift.
CASES = {
    "fraud_sigmoid_rmsprop_b32": ([29, 64, 32, 3, 32, 29], ["sigmoid"] * 5, "rmsprop", 0.015, 32, 65_536),
    "aepg_fraud_sigmoid_rmsprop_b32": ([29, 64, 32, 3, 32, 64, 29], ["sigmoid", "sigmoid", "linear", "sigmoid", "sigmoid", "linear"],
                                       "rmsprop", 0.015, 32, 65_536),
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
    """Keras constants, as aepg uses them; PyTorch's fastest implementations on CPU: the fused
    Adam where this PyTorch has it, multi-tensor (foreach) RMSprop."""
    params = list(params)
    if kind == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, alpha=0.9, eps=1e-7, foreach=True)
    try:
        return torch.optim.Adam(params, lr=lr, eps=1e-7, fused=True)
    except (RuntimeError, TypeError, ValueError):
        return torch.optim.Adam(params, lr=lr, eps=1e-7, foreach=True)


def train_epoch(model, opt, x, batch):
    # One gather per epoch (a shuffled copy), then every batch is a contiguous slice of it.
    shuffled = x[torch.randperm(x.shape[0])]
    for start in range(0, x.shape[0], batch):
        xb = shuffled[start:start + batch]
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.mse_loss(model(xb), xb)
        loss.backward()
        opt.step()


def bench(args):
    """Each case at one thread and at --threads; the faster is PyTorch's figure (both are printed
    as `by_threads`): small batches often run faster on one thread."""
    epochs = 2 if args.quick else 5
    for name, (widths, acts, kind, lr, batch, rows) in CASES.items():
        rows = rows // 8 if args.quick else rows
        by_threads = {}
        for threads in sorted({1, args.threads}):
            torch.set_num_threads(threads)
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
            by_threads[threads] = statistics.median(rates)
        best = max(by_threads, key=by_threads.get)
        emit(bench=name, metric="train_samples_per_s", value=by_threads[best], threads=best,
             by_threads={str(t): round(v) for t, v in by_threads.items()}, rows=rows, batch=batch)
    torch.set_num_threads(args.threads)

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


def read_features(cur, sql, width):
    """Binary COPY out into numpy with no per-row Python: the rows are a fixed layout (an int8
    key and `width` float8 values, none NULL), so the bytes are one structured array."""
    data = bytearray()
    with cur.copy(sql) as copy:
        for chunk in copy:
            data += chunk
    fields = [("count", ">i2"), ("key_len", ">i4"), ("key", ">i8")]
    for j in range(width):
        fields += [(f"len{j}", ">i4"), (f"v{j}", ">f8")]
    layout = np.dtype(fields)
    body = memoryview(data)[19:len(data) - 2]  # PGCOPY header, then rows, then the -1 trailer
    rows = np.frombuffer(body, dtype=layout)
    assert (rows["count"] == width + 1).all() and (rows["key_len"] == 8).all(), "unexpected COPY layout (a NULL?)"
    x = np.empty((len(rows), width), dtype=np.float32)
    for j in range(width):
        x[:, j] = rows[f"v{j}"]
    return rows["key"].copy(), x


def results_buffer(keys, latent, cluster, distance, score, top):
    """The results as binary COPY bytes built by numpy: id, version, latent real[3], cluster,
    distance, score, and the top-3 feature indexes as smallint[3] (names would make the rows
    variable-length, and no longer one array)."""
    n, k = latent.shape
    def array_header(oid, count):
        return [("ndim", ">i4"), ("hasnull", ">i4"), ("oid", ">u4"), ("dim", ">i4"), ("lb", ">i4")], (1, 0, oid, count, 1)
    lat_header, lat_values = array_header(700, k)
    top_header, top_values = array_header(21, 3)
    fields = [("count", ">i2"), ("l_id", ">i4"), ("id", ">i8"), ("l_v", ">i4"), ("v", ">i4"), ("l_lat", ">i4")]
    fields += [("lat_" + name, t) for name, t in lat_header]
    for j in range(k):
        fields += [(f"lat_len{j}", ">i4"), (f"lat{j}", ">f4")]
    fields += [("l_c", ">i4"), ("c", ">i4"), ("l_d", ">i4"), ("d", ">f4"), ("l_s", ">i4"), ("s", ">f8"), ("l_top", ">i4")]
    fields += [("top_" + name, t) for name, t in top_header]
    for j in range(3):
        fields += [(f"top_len{j}", ">i4"), (f"top{j}", ">i2")]
    out = np.empty(n, dtype=np.dtype(fields))
    out["count"], out["l_id"], out["id"], out["l_v"], out["v"] = 7, 8, keys, 4, 1
    out["l_lat"] = 20 + 8 * k
    for (name, _), value in zip(lat_header, lat_values):
        out["lat_" + name] = value
    for j in range(k):
        out[f"lat_len{j}"], out[f"lat{j}"] = 4, latent[:, j]
    out["l_c"], out["c"], out["l_d"], out["d"], out["l_s"], out["s"] = 4, cluster, 4, distance, 8, score
    out["l_top"] = 20 + 6 * 3
    for (name, _), value in zip(top_header, top_values):
        out["top_" + name] = value
    for j in range(3):
        out[f"top_len{j}"], out[f"top{j}"] = 2, top[:, j]
    return b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8 + out.tobytes() + b"\xff\xff"


def e2e(args):
    """Train + score + cluster + write back, as a careful psycopg/PyTorch/scikit-learn script
    would: binary COPY both ways through numpy buffers, k-means fitted on a 100,000-row sample
    as aepg's is. Import time is reported apart (`imports_seconds`), not in `value`."""
    start = time.perf_counter()
    import psycopg
    from sklearn.cluster import KMeans
    imports = IMPORT_SECONDS + time.perf_counter() - start

    stages = {}
    t0 = time.perf_counter()
    with psycopg.connect(args.db) as conn:
        cur = conn.cursor()
        cur.execute("""SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped
                       AND attname NOT IN (%s, %s) ORDER BY attnum""", (args.table, args.key, args.label))
        features = [r[0] for r in cur.fetchall()]
        cols = ", ".join(f'"{f}"::float8' for f in features)
        start = time.perf_counter()
        keys, x = read_features(cur, f'COPY (SELECT "{args.key}"::int8, {cols} FROM {args.table}) TO STDOUT (FORMAT binary)',
                                len(features))
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
        lat = latent.numpy()
        sample = np.random.default_rng(42).choice(len(lat), size=min(100_000, len(lat)), replace=False)
        km = KMeans(n_clusters=4, n_init=4, random_state=42).fit(lat[sample])
        labels = km.predict(lat)
        distance = np.linalg.norm(lat - km.cluster_centers_[labels], axis=1)
        stages["cluster"] = time.perf_counter() - start

        start = time.perf_counter()
        cur.execute("DROP TABLE IF EXISTS peer_results")
        cur.execute("""CREATE TABLE peer_results (id bigint, version int, latent real[], cluster int, distance real,
                       score float8, top_features smallint[], PRIMARY KEY (version, id))""")
        payload = results_buffer(keys, lat, labels, distance, score, top)
        with cur.copy("COPY peer_results FROM STDIN (FORMAT binary)") as copy:
            for offset in range(0, len(payload), 1 << 20):
                copy.write(payload[offset:offset + (1 << 20)])
        conn.commit()
        stages["write"] = time.perf_counter() - start
    emit(bench="e2e_pytorch_pipeline", metric="seconds", value=time.perf_counter() - t0, rows=len(keys),
         stages=stages, threshold=float(threshold), imports_seconds=imports,
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
