"""Benchmark: llmrec's BPRMF against implicit's BPR and ALS on the same data and protocol.

    python -m llmrec.bench.mf [--factors 64] [--epochs 30] [--threads 2]

Uses /work/shared/data/amazon-scientific/interactions.csv with leave-last-out when present, else a
synthetic low-rank implicit dataset. NDCG@10: full ranking, training items masked, binary relevance.
`implicit` is needed only here; it is never a runtime dependency of llmrec.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
import torch

from llmrec.models._common import validation_ndcg
from llmrec.models.mf import BPRMF

AMAZON = Path("/work/shared/data/amazon-scientific/interactions.csv")


def leave_last_out(frame: pd.DataFrame) -> tuple[sp.csr_matrix, sp.csr_matrix, sp.csr_matrix]:
    """(train, valid, test) users x items: last interaction = test, second last = valid."""
    frame = frame.sort_values(["user_id", "timestamp"], kind="stable")
    users = frame["user_id"].astype("category").cat.codes.to_numpy()
    items = frame["item_id"].astype("category").cat.codes.to_numpy()
    from_end = frame.groupby("user_id", sort=False).cumcount(ascending=False).to_numpy()
    shape = (users.max() + 1, items.max() + 1)

    def matrix(mask: np.ndarray) -> sp.csr_matrix:
        m = sp.csr_matrix((np.ones(mask.sum(), np.float32), (users[mask], items[mask])), shape=shape)
        m.data[:] = 1.0
        return m

    return matrix(from_end >= 2), matrix(from_end == 1), matrix(from_end == 0)


def synthetic(n_users: int = 8000, n_items: int = 4000, per_user: int = 8, rank: int = 8,
              seed: int = 0) -> pd.DataFrame:
    """Interactions drawn from a low-rank softmax preference model (a stand-in for real data)."""
    rng = np.random.default_rng(seed)
    user_vectors = rng.normal(size=(n_users, rank))
    item_vectors = rng.normal(size=(n_items, rank))
    popularity = rng.normal(0, 1, n_items)
    rows = []
    for user in range(n_users):
        logits = user_vectors[user] @ item_vectors.T + popularity
        p = np.exp(logits - logits.max())
        chosen = rng.choice(n_items, size=per_user, replace=False, p=p / p.sum())
        rows += [(user, item, t) for t, item in enumerate(chosen)]
    return pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp"])


def _ndcg_from_factors(users: np.ndarray, items: np.ndarray, train: sp.csr_matrix,
                       test: sp.csr_matrix) -> float:
    return validation_ndcg(lambda rows: users[rows] @ items.T, train, test)


def run_mf_benchmark(train: sp.csr_matrix, test: sp.csr_matrix, *, factors: int = 64, epochs: int = 30,
                     implicit_bpr_iterations: int = 100, als_iterations: int = 15, threads: int = 2,
                     batch_size: int = 4096, lr: float = 0.01) -> dict:
    """Fit the three models on `train`; epoch times (s), fit times (s) and NDCG@10 on `test`."""
    from implicit.als import AlternatingLeastSquares
    from implicit.cpu.bpr import BayesianPersonalizedRanking

    results: dict[str, dict[str, float]] = {}
    torch.set_num_threads(threads)

    start = time.perf_counter()
    ours = BPRMF(factors=factors, epochs=epochs, lr=lr, batch_size=batch_size, patience=None,
                 threads=threads).fit(train)
    fit = time.perf_counter() - start
    results["llmrec_bpr"] = {"fit_s": fit, "epochs": epochs, "epoch_s": fit / epochs,
                             "ndcg@10": validation_ndcg(ours.score, train, test)}

    bpr = BayesianPersonalizedRanking(factors=factors, iterations=implicit_bpr_iterations,
                                      num_threads=threads, random_state=0)
    start = time.perf_counter()
    bpr.fit(train, show_progress=False)
    fit = time.perf_counter() - start
    results["implicit_bpr"] = {"fit_s": fit, "epochs": implicit_bpr_iterations,
                               "epoch_s": fit / implicit_bpr_iterations,
                               "ndcg@10": _ndcg_from_factors(bpr.user_factors, bpr.item_factors, train, test)}

    als = AlternatingLeastSquares(factors=factors, iterations=als_iterations, num_threads=threads,
                                  random_state=0)
    start = time.perf_counter()
    als.fit(train, show_progress=False)
    fit = time.perf_counter() - start
    results["implicit_als"] = {"fit_s": fit, "epochs": als_iterations, "epoch_s": fit / als_iterations,
                               "ndcg@10": _ndcg_from_factors(als.user_factors, als.item_factors, train, test)}

    ours_epoch, ours_ndcg = results["llmrec_bpr"]["epoch_s"], results["llmrec_bpr"]["ndcg@10"]
    for name in ("implicit_bpr", "implicit_als"):
        results[name]["ours_epoch_time_ratio"] = ours_epoch / results[name]["epoch_s"]
        results[name]["ours_fit_time_ratio"] = results["llmrec_bpr"]["fit_s"] / results[name]["fit_s"]
        results[name]["ours_ndcg_ratio"] = ours_ndcg / max(results[name]["ndcg@10"], 1e-12)
    return results


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--factors", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--implicit-iterations", type=int, default=100)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=4096)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--synthetic", action="store_true", help="ignore the Amazon data even if present")
    args = parser.parse_args(argv)

    source = "amazon-scientific" if AMAZON.is_file() and not args.synthetic else "synthetic"
    frame = pd.read_csv(AMAZON) if source == "amazon-scientific" else synthetic()
    train, _, test = leave_last_out(frame)
    print(f"data: {source}, {train.shape[0]} users x {train.shape[1]} items, {train.nnz} training "
          f"interactions, {test.nnz} test; factors={args.factors}, threads={args.threads}")
    results = run_mf_benchmark(train, test, factors=args.factors, epochs=args.epochs,
                               implicit_bpr_iterations=args.implicit_iterations, threads=args.threads,
                               batch_size=args.batch_size, lr=args.lr)
    for name, row in results.items():
        print(f"{name:13s} epochs={row['epochs']:4d} fit={row['fit_s']:7.2f}s "
              f"epoch={row['epoch_s'] * 1000:8.1f}ms NDCG@10={row['ndcg@10']:.4f}")
    for name in ("implicit_bpr", "implicit_als"):
        row = results[name]
        print(f"llmrec_bpr / {name}: epoch time x{row['ours_epoch_time_ratio']:.2f}, "
              f"fit time x{row['ours_fit_time_ratio']:.2f}, NDCG@10 x{row['ours_ndcg_ratio']:.2f}")
    return results


if __name__ == "__main__":
    main()
