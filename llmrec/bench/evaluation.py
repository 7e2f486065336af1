"""Evaluation throughput: users ranked and scored per second over a large catalogue.

    python -m llmrec.bench.evaluation [--items 100000] [--users 4000] [--reference /path/to/old/checkout]

Synthetic factor model (dim 64) and text embeddings (dim 384) over `--items` items; every user has
20 training items and one test item. With `--reference`, the same measurement runs alternately in
this checkout and in the reference checkout (child processes, A/B/A/B) and the ratio is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd


def _fake_model(n_users: int, n_items: int, dim: int, seed: int):
    """A fitted-looking factor model: scores are user_factors @ item_factors.T."""
    from llmrec.models.base import Recommender

    class Factors(Recommender):
        name = "factors"

        def _score(self, users: np.ndarray) -> np.ndarray:
            return self.user_factors_[users] @ self.item_factors_.T

    rng = np.random.default_rng(seed)
    model = Factors()
    model.user_factors_ = rng.standard_normal((n_users, dim), dtype=np.float32)
    model.item_factors_ = rng.standard_normal((n_items, dim), dtype=np.float32)
    return model


def measure(n_users: int, n_items: int, engine: str = "local") -> dict:
    from llmrec.data.ids import IdMap, interaction_matrix
    from llmrec.evaluation.evaluate import evaluate
    from llmrec.evaluation.splits import Split

    rng = np.random.default_rng(0)
    per_user = 21
    users = np.repeat(np.arange(n_users), per_user)
    items = rng.integers(0, n_items, size=len(users))
    frame = pd.DataFrame({"user_id": users.astype(str), "item_id": items.astype(str),
                          "timestamp": np.tile(np.arange(per_user), n_users), "rating": np.nan})
    frame = frame.drop_duplicates(["user_id", "item_id"])
    last = frame.groupby("user_id").cumcount(ascending=False) == 0
    ids = IdMap(users=pd.Index(np.arange(n_users).astype(str)),
                items=pd.Index(np.arange(n_items).astype(str)))
    split = Split(kind="leave_last_out", params={}, notes=[], train=frame[~last], valid=frame.iloc[:0],
                  test=frame[last])
    interaction_matrix(split.train, ids)
    model = _fake_model(n_users, n_items, 64, 1)
    model._remember(interaction_matrix(split.train, ids))
    text = rng.standard_normal((n_items, 384), dtype=np.float32)
    kwargs = {"engine": engine} if engine != "local" else {}
    started = time.perf_counter()
    result = evaluate({"factors": model}, split, ids, ks=(5, 10, 20), item_text=text, per_user=True,
                      **kwargs)
    seconds = time.perf_counter() - started
    ndcg = result.table(10)["NDCG@10"].iloc[0]
    return {"seconds": round(seconds, 2), "users_per_s": round(n_users / seconds, 1), "ndcg10": float(ndcg)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m llmrec.bench.evaluation",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=4000)
    parser.add_argument("--reference", type=Path, help="checkout of the code to compare against")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.users, args.items)))
        return 0
    if args.reference is None:
        row = measure(args.users, args.items)
        print(f"{args.users:,} users x {args.items:,} items: {row['seconds']} s, "
              f"{row['users_per_s']:,} users/s, NDCG@10 {row['ndcg10']:.5f}")
        return 0
    here = Path(__file__).resolve().parents[2]
    script = Path(__file__).resolve()
    results: dict[str, list[dict]] = {"reference": [], "this": []}
    for _ in range(args.rounds):
        for label, root in (("reference", args.reference.resolve()), ("this", here)):
            out = subprocess.run([sys.executable, str(script), "--child", "--users", str(args.users),
                                  "--items", str(args.items)], cwd=root, capture_output=True, text=True,
                                 env={**os.environ, "PYTHONPATH": str(root)}, check=True)
            results[label].append(json.loads(out.stdout.strip().splitlines()[-1]))
    best = {label: min(rows, key=lambda r: r["seconds"]) for label, rows in results.items()}
    for label, row in best.items():
        print(f"{label:>9}: {args.users:,} users x {args.items:,} items in {row['seconds']} s "
              f"({row['users_per_s']:,} users/s), NDCG@10 {row['ndcg10']:.5f}")
    print(f"speed-up: {best['reference']['seconds'] / best['this']['seconds']:.1f}x "
          f"(same NDCG@10: {best['reference']['ndcg10'] == best['this']['ndcg10']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
