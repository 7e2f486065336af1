"""Benchmark: llmrec's BPRMF against implicit's BPR and ALS on the same data and protocol.

    python -m llmrec.bench.mf [--factors 64] [--epochs 30] [--threads 2] [--repeats 3]

Uses ../shared/data/amazon-scientific/interactions.csv (or $LLMREC_AMAZON_SCIENTIFIC) with
leave-last-out when present, else a synthetic low-rank implicit dataset. NDCG@10: full ranking,
training items masked, binary relevance.
The three fits run interleaved `repeats` times in one process and times are medians, so a machine
busy with other work slows all of them alike; compare the ratios, not the absolute times. CPU time
(time.process_time, all threads of the process) is reported next to wall time for the same reason.
`implicit` is needed only here; it is never a runtime dependency of llmrec.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from functools import partial

import numpy as np
import pandas as pd
import scipy.sparse as sp

from llmrec.bench import AMAZON_SCIENTIFIC
from llmrec.models._common import validation_ndcg
from llmrec.models.mf import BPRMF

AMAZON = AMAZON_SCIENTIFIC / "interactions.csv"


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


def _timed(fit: Callable[[], object]) -> tuple[object, float, float]:
    """(fit's result, wall seconds, CPU seconds of the whole process)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = fit()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def _ours_timed(train: sp.csr_matrix, params: dict) -> tuple[BPRMF, np.ndarray]:
    """(fitted BPRMF, (epochs, 2) cumulative (wall, CPU) seconds since fit started, at each epoch's end)."""
    marks: list[tuple[float, float]] = []
    wall, cpu = time.perf_counter(), time.process_time()
    model = BPRMF(**params).fit(train, callback=lambda epoch, metrics: marks.append(
        (time.perf_counter() - wall, time.process_time() - cpu)))
    return model, np.asarray(marks)


def _factors_ndcg(users: np.ndarray, items: np.ndarray, train: sp.csr_matrix, test: sp.csr_matrix) -> float:
    return validation_ndcg(lambda rows: users[rows] @ items.T, train, test)


def _ratio(a: float, b: float) -> float:
    return a / b if b > 0 else float("inf")


def run_mf_benchmark(train: sp.csr_matrix, test: sp.csr_matrix, *, factors: int = 64,
                     epochs: int | None = None, implicit_bpr_iterations: int = 100,
                     als_iterations: int = 15, threads: int = 2, ours_threads: int | None = 1,
                     repeats: int = 3, **ours: float) -> dict:
    """Fit the three models `repeats` times, interleaved; median epoch and fit times, NDCG@10 on `test`.

    Ours runs with BPRMF's defaults unless `epochs` or other BPRMF parameters (`ours`) are given,
    with `ours_threads` torch threads; implicit uses `threads`. "time to target" is the training
    time our model needs to first reach implicit BPR's final NDCG@10 (epoch by epoch, same seed).
    """
    from implicit.als import AlternatingLeastSquares
    from implicit.cpu.bpr import BayesianPersonalizedRanking

    params = {"factors": factors, "patience": None, "threads": ours_threads, **ours}
    if epochs is not None:
        params["epochs"] = epochs
    n_epochs = BPRMF(**params).epochs
    runs: dict[str, list[tuple[float, float]]] = {"llmrec_bpr": [], "implicit_bpr": [], "implicit_als": []}
    marks = []
    for _ in range(repeats):
        model, ours_marks = _ours_timed(train, params)
        marks.append(ours_marks)
        runs["llmrec_bpr"].append(tuple(ours_marks[-1]))
        bpr = BayesianPersonalizedRanking(factors=factors, iterations=implicit_bpr_iterations,
                                          num_threads=threads, random_state=0)
        runs["implicit_bpr"].append(_timed(partial(bpr.fit, train, show_progress=False))[1:])
        als = AlternatingLeastSquares(factors=factors, iterations=als_iterations, num_threads=threads,
                                      random_state=0)
        runs["implicit_als"].append(_timed(partial(als.fit, train, show_progress=False))[1:])

    ndcg = {"llmrec_bpr": validation_ndcg(model.score, train, test),
            "implicit_bpr": _factors_ndcg(bpr.user_factors, bpr.item_factors, train, test),
            "implicit_als": _factors_ndcg(als.user_factors, als.item_factors, train, test)}
    iterations = {"llmrec_bpr": n_epochs, "implicit_bpr": implicit_bpr_iterations,
                  "implicit_als": als_iterations}
    results: dict[str, dict[str, float]] = {}
    for name, times in runs.items():
        wall, cpu = (float(t) for t in np.median(np.asarray(times), axis=0))
        n = iterations[name]
        results[name] = {"epochs": n, "fit_s": wall, "fit_cpu_s": cpu, "epoch_s": wall / n,
                         "epoch_cpu_s": cpu / n, "ndcg@10": ndcg[name]}

    # NDCG@10 on test after every epoch: a second fit, same seed, so the same parameters epoch by epoch
    curve = [m["val_ndcg@10"] for m in BPRMF(**{**params, "eval_every": 1, "validation_users": None})
             .fit(train, validation=test).history_]
    reached = [epoch for epoch, value in enumerate(curve, 1) if value >= ndcg["implicit_bpr"]]
    ours_row = results["llmrec_bpr"]
    ours_row["ndcg_curve"] = curve
    cumulative = np.median(np.stack(marks), axis=0)                       # (epochs, 2) wall, CPU
    if reached:
        ours_row["epochs_to_implicit_bpr_ndcg"] = reached[0]
        ours_row["time_to_implicit_bpr_ndcg_s"] = float(cumulative[reached[0] - 1, 0])
        ours_row["cpu_to_implicit_bpr_ndcg_s"] = float(cumulative[reached[0] - 1, 1])
    for name in ("implicit_bpr", "implicit_als"):
        row = results[name]
        row["ours_epoch_time_ratio"] = _ratio(ours_row["epoch_s"], row["epoch_s"])
        row["ours_epoch_cpu_ratio"] = _ratio(ours_row["epoch_cpu_s"], row["epoch_cpu_s"])
        row["ours_fit_time_ratio"] = _ratio(ours_row["fit_s"], row["fit_s"])
        row["ours_ndcg_ratio"] = _ratio(ours_row["ndcg@10"], row["ndcg@10"])
    if reached:
        bpr_row = results["implicit_bpr"]
        bpr_row["ours_time_to_its_ndcg_ratio"] = _ratio(ours_row["time_to_implicit_bpr_ndcg_s"],
                                                        bpr_row["fit_s"])
        bpr_row["ours_cpu_to_its_ndcg_ratio"] = _ratio(ours_row["cpu_to_implicit_bpr_ndcg_s"],
                                                       bpr_row["fit_cpu_s"])
    return results


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--factors", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=None, help="our epochs (default: BPRMF's)")
    parser.add_argument("--implicit-iterations", type=int, default=100)
    parser.add_argument("--threads", type=int, default=2, help="implicit's threads")
    parser.add_argument("--ours-threads", type=int, default=1, help="torch threads for our model")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--lr", type=float, default=None)
    parser.add_argument("--synthetic", action="store_true", help="ignore the Amazon data even if present")
    args = parser.parse_args(argv)

    source = "amazon-scientific" if AMAZON.is_file() and not args.synthetic else "synthetic"
    frame = pd.read_csv(AMAZON) if source == "amazon-scientific" else synthetic()
    train, _, test = leave_last_out(frame)
    print(f"data: {source}, {train.shape[0]} users x {train.shape[1]} items, {train.nnz} training "
          f"interactions, {test.nnz} test; factors={args.factors}, implicit threads={args.threads}, "
          f"our threads={args.ours_threads}, {args.repeats} interleaved repeats (medians)")
    ours = {k: v for k, v in (("batch_size", args.batch_size), ("lr", args.lr)) if v is not None}
    results = run_mf_benchmark(train, test, factors=args.factors, epochs=args.epochs,
                               implicit_bpr_iterations=args.implicit_iterations, threads=args.threads,
                               ours_threads=args.ours_threads, repeats=args.repeats, **ours)
    for name, row in results.items():
        print(f"{name:13s} epochs={row['epochs']:4d} fit={row['fit_s']:6.2f}s (cpu {row['fit_cpu_s']:6.2f}s) "
              f"epoch={row['epoch_s'] * 1000:7.1f}ms (cpu {row['epoch_cpu_s'] * 1000:7.1f}ms) "
              f"NDCG@10={row['ndcg@10']:.4f}")
    for name in ("implicit_bpr", "implicit_als"):
        row = results[name]
        print(f"llmrec_bpr / {name}: epoch time x{row['ours_epoch_time_ratio']:.2f} "
              f"(cpu x{row['ours_epoch_cpu_ratio']:.2f}), fit time x{row['ours_fit_time_ratio']:.2f}, "
              f"NDCG@10 x{row['ours_ndcg_ratio']:.2f}")
    ours_row, bpr_row = results["llmrec_bpr"], results["implicit_bpr"]
    if "epochs_to_implicit_bpr_ndcg" in ours_row:
        print(f"llmrec_bpr reaches implicit_bpr's NDCG@10 {bpr_row['ndcg@10']:.4f} after "
              f"{ours_row['epochs_to_implicit_bpr_ndcg']} epochs, "
              f"{ours_row['time_to_implicit_bpr_ndcg_s']:.2f}s "
              f"(cpu {ours_row['cpu_to_implicit_bpr_ndcg_s']:.2f}s): "
              f"x{bpr_row['ours_time_to_its_ndcg_ratio']:.2f} of implicit_bpr's fit time "
              f"(cpu x{bpr_row['ours_cpu_to_its_ndcg_ratio']:.2f})")
    else:
        print(f"llmrec_bpr never reaches implicit_bpr's NDCG@10 {bpr_row['ndcg@10']:.4f} "
              f"(best {max(ours_row['ndcg_curve']):.4f})")
    return results


if __name__ == "__main__":
    main()
