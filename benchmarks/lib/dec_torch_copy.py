"""A PyTorch copy of aepg's clustering network and DEC on digits, for trying DEC variants quickly.

    .venv/bin/python benchmarks/lib/dec_torch_copy.py [--neighbors K] [--space raw|latent]
        [--seeds 1-5] [--smooth-start ROUNDS] [--embed-epochs E]

The network is `--purpose clustering`'s (ReLU 256,128 -> 10, min-max scaled inputs, Adam 0.001,
batch 32, 150 epochs), k-means (4 restarts) starts DEC, whose target is refreshed every 30
batches until under 0.1 % of the labels change. `--neighbors K` trains each row towards the mean
target of itself and its K nearest rows (in the scaled pixels, or in the pretrained latent space);
`--smooth-start R` starts DEC from k-means on latent vectors averaged R times over those
neighbourhoods. `--embed-epochs E` first fine-tunes the encoder for E passes over each row's
10 nearest rows in the scaled pixels as aepg's `--cluster-embedding` does (parametric UMAP's loss,
five negatives per edge drawn among the batch's rows), then runs k-means on it. Prints each seed's k-means and DEC accuracy (Hungarian) and their means.
"""
import argparse
import csv
import os

import numpy as np
import torch
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans
from sklearn.neighbors import NearestNeighbors

parser = argparse.ArgumentParser()
parser.add_argument("--neighbors", type=int, default=0)
parser.add_argument("--space", choices=["raw", "latent"], default="raw")
parser.add_argument("--seeds", default="1-5")
parser.add_argument("--smooth-start", type=int, default=0)
parser.add_argument("--embed-epochs", type=int, default=0)
parser.add_argument("--csv", default=os.path.join(os.path.dirname(__file__), "../../../shared/data/digits.csv"))
args = parser.parse_args()
torch.set_num_threads(2)

rows = list(csv.DictReader(open(args.csv)))
columns = [c for c in rows[0] if c not in ("id", "digit")]
X = np.array([[float(r[c]) for c in columns] for r in rows], dtype=np.float32)
y = np.array([int(r["digit"]) for r in rows])
X = (X - X.min(0)) / np.maximum(X.max(0) - X.min(0), 1e-9)
Xt = torch.tensor(X)


def accuracy(labels):
    counts = np.zeros((10, 10))
    for a, b in zip(labels, y):
        counts[a, b] += 1
    r, c = linear_sum_assignment(-counts)
    return counts[r, c].sum() / len(y)


def layers(widths):
    out = []
    for i, o in zip(widths, widths[1:]):
        out += [torch.nn.Linear(i, o), torch.nn.ReLU()]
    return torch.nn.Sequential(*out[:-1])


first, last = map(int, args.seeds.split("-"))
kmeans_accuracies, dec_accuracies = [], []
for seed in range(first, last + 1):
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    encoder, decoder = layers([64, 256, 128, 10]), layers([10, 128, 256, 64])
    optimizer = torch.optim.Adam(list(encoder.parameters()) + list(decoder.parameters()), 1e-3)
    for epoch in range(150):
        order = rng.permutation(len(X))
        for i in range(0, len(X), 32):
            batch = Xt[order[i:i + 32]]
            loss = ((decoder(encoder(batch)) - batch) ** 2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    if args.embed_epochs:
        edges = NearestNeighbors(n_neighbors=11).fit(X).kneighbors(X, return_distance=False)[:, 1:]
        heads, tails = np.repeat(np.arange(len(X)), 10), edges.reshape(-1)
        embedding_optimizer = torch.optim.Adam(encoder.parameters(), 1e-3)
        for epoch in range(args.embed_epochs):
            order = rng.permutation(len(heads))
            for i in range(0, len(order), 256):
                e = order[i:i + 256]
                zi, zj = encoder(Xt[heads[e]]), encoder(Xt[tails[e]])
                attract = torch.log1p(((zi - zj) ** 2).sum(1)).mean()
                zn = torch.cat([zj[torch.tensor(rng.permutation(len(e)))] for _ in range(5)])
                far = ((zi.repeat(5, 1) - zn) ** 2).sum(1)
                repel = -torch.log(far / (1 + far) + 1e-6).mean() * 5
                embedding_optimizer.zero_grad()
                (attract + repel).backward()
                embedding_optimizer.step()
    with torch.no_grad():
        Z = encoder(Xt).numpy()
    space = X if args.space == "raw" else Z
    near = NearestNeighbors(n_neighbors=args.neighbors + 1).fit(space).kneighbors(space, return_distance=False)
    start = Z
    for _ in range(args.smooth_start):
        start = start[near].mean(1)
    kmeans = KMeans(10, n_init=4, random_state=seed).fit(start)
    kmeans_accuracies.append(accuracy(kmeans.labels_))
    centers = np.stack([Z[kmeans.labels_ == j].mean(0) for j in range(10)])
    mu = torch.nn.Parameter(torch.tensor(centers, dtype=torch.float32))
    optimizer = torch.optim.Adam(list(encoder.parameters()) + [mu], 1e-3)

    def soft(z):
        q = 1.0 / (1.0 + ((z[:, None, :] - mu[None]) ** 2).sum(-1))
        return q / q.sum(1, keepdim=True)

    previous = None
    for update in range(200):
        with torch.no_grad():
            q = soft(encoder(Xt))
            p = q ** 2 / q.sum(0)
            p = (p.T / p.sum(1)).T
            if args.neighbors:
                p = p[torch.tensor(near)].mean(1)
            labels = q.argmax(1).numpy()
        if previous is not None and (labels != previous).mean() < 0.001:
            break
        previous = labels
        order = rng.permutation(len(X))
        for i in range(0, 30 * 32, 32):
            batch = order[i:i + 32]
            qb = soft(encoder(Xt[batch]))
            loss = (p[batch] * torch.log(p[batch] / qb)).sum(1).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    dec_accuracies.append(accuracy(labels))
    print(f"seed {seed}: k-means {kmeans_accuracies[-1]:.3f}  DEC {dec_accuracies[-1]:.3f}", flush=True)
print(f"neighbors {args.neighbors} ({args.space}), smoothed start {args.smooth_start}, embedding {args.embed_epochs}: "
      f"k-means {np.mean(kmeans_accuracies):.4f}  DEC {np.mean(dec_accuracies):.4f}")
