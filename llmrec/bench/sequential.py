"""Benchmark: SASRec and TextSASRec next-item accuracy on the amazon-scientific catalogue.

    python -m llmrec.bench.sequential [--models sasrec text_sasrec] [--threads 2] [--set dim=64 ...]

Protocol: each user's interactions ordered by timestamp; the last item is the test item, the one
before it the validation item (early stopping), the rest train. Test scores come from the history
train + validation; every item of that history is masked; full ranking over all items; NDCG@10 and
HR@10 (= Recall@10 with one test item), a tie counted in the test item's favour. Item texts are
embedded once with the packaged all-MiniLM-L6-v2 and cached (`--text-cache`).
Peak memory is the process's peak resident size after each fit (it only grows, so run one model per
process for a clean figure).

Measured 2026-12-02 (defaults: dim 64, 2 layers, 1 head, dropout 0.3, lr 1e-3, batch 128, patience 10;
8,442 users, 4,385 items; a machine shared with other jobs, so wall time is 2-3x the CPU time):

    model        NDCG@10  HR@10   val NDCG@10  best epoch  epochs  train s  CPU s  peak RSS MB
    sasrec       0.0708   0.1006  0.0757       13          23      912      575    776
    text_sasrec  0.0739   0.1076  0.0782       25          35      1196     350    818

(sasrec with --threads 2, text_sasrec with 1 thread.) `build` trains with the data-derived parameters of
llmrec.models.sequence_training.build_params instead (window 20 here, lr 2e-3, patience 5, bf16 where
native); reproduce them with --set max_len=20 lr=0.002 patience=5. Both sets are in BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from llmrec.bench import AMAZON_SCIENTIFIC
from llmrec.models.sasrec import SASRec, TextSASRec

MODELS = {"sasrec": SASRec, "text_sasrec": TextSASRec}


def load_sequences(folder: Path) -> tuple[list[np.ndarray], list[str], pd.DataFrame]:
    """(item-index sequences per user ordered by timestamp, item ids, items table in index order)."""
    items = pd.read_csv(folder / "items.csv").sort_values("item_id", kind="stable").reset_index(drop=True)
    index = pd.Series(np.arange(len(items)), index=items["item_id"])
    frame = pd.read_csv(folder / "interactions.csv").sort_values(["user_id", "timestamp"], kind="stable")
    codes = index.reindex(frame["item_id"]).to_numpy()
    if np.isnan(codes).any():
        raise SystemExit(f"{folder / 'interactions.csv'}: item {frame['item_id'][np.isnan(codes)].iloc[0]} "
                         "is not in items.csv")
    frame = frame.assign(item=codes.astype(np.int64))
    sequences = [group.to_numpy() for _, group in frame.groupby("user_id", sort=True)["item"]]
    return sequences, items["item_id"].tolist(), items


def leave_last_out(sequences: list[np.ndarray], n_items: int):
    """(train sequences, validation items, test items) for users with >= 3 interactions."""
    kept = [s for s in sequences if len(s) >= 3]
    return [s[:-2] for s in kept], np.array([s[-2] for s in kept]), np.array([s[-1] for s in kept])


def as_matrix(sequences: list[np.ndarray], n_items: int) -> sp.csr_matrix:
    rows = np.repeat(np.arange(len(sequences)), [len(s) for s in sequences])
    matrix = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, np.concatenate(sequences))),
                           shape=(len(sequences), n_items))
    matrix.data[:] = 1.0
    return matrix


def next_item_metrics(scores: np.ndarray, seen: sp.csr_matrix, targets: np.ndarray, k: int = 10
                      ) -> tuple[np.ndarray, np.ndarray]:
    """(NDCG@k, HR@k) per row: rank of the target among unmasked items, ties in its favour."""
    scores = scores.astype(np.float32, copy=True)
    target_scores = scores[np.arange(len(scores)), targets].copy()
    scores[np.repeat(np.arange(len(scores)), np.diff(seen.indptr)), seen.indices] = -np.inf
    rank = (scores > target_scores[:, None]).sum(1)                          # 0 = first
    masked = np.asarray(seen[np.arange(len(scores)), targets]).ravel() > 0   # a repeat: unreachable
    hit = (rank < k) & ~masked
    return np.where(hit, 1.0 / np.log2(rank + 2.0), 0.0), hit.astype(np.float64)


def item_text(items: pd.DataFrame, cache: Path, threads: int) -> np.ndarray:
    """(n_items, 384) MiniLM embeddings of the item texts, read from `cache` when it fits."""
    if cache.is_file():
        text = np.load(cache)
        if text.shape[0] == len(items):
            return text
    from llmrec.text.encoder import TextEncoder
    print(f"embedding {len(items):,} item texts (cached to {cache}) ...", flush=True)
    text = TextEncoder(None, threads=threads).encode(items["text"].fillna("").tolist())
    np.save(cache, text)
    return text


def run(name: str, params: dict, train_seqs, valid, test, n_items: int, text: np.ndarray | None) -> dict:
    train = as_matrix(train_seqs, n_items)
    validation = sp.csr_matrix((np.ones(len(valid), np.float32), (np.arange(len(valid)), valid)),
                               shape=train.shape)
    model = MODELS[name](**params)
    epochs: list[str] = []

    def progress(epoch: int, metrics: dict[str, float]) -> None:
        epochs.append(f"{epoch}:{metrics.get('val_ndcg@10', float('nan')):.4f}")
        if epoch % 5 == 0 or epoch == 1:
            print(f"  {name} epoch {epoch} ({time.perf_counter() - wall:.0f} s) "
                  f"loss {metrics['loss']:.3f} "
                  f"val NDCG@10 {metrics.get('val_ndcg@10', float('nan')):.4f}", flush=True)

    wall, cpu = time.perf_counter(), time.process_time()
    model.fit(train, item_text=text, validation=validation, callback=progress, sequences=train_seqs)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    seen = as_matrix([np.append(s, v) for s, v in zip(train_seqs, valid, strict=True)], n_items)
    ndcg, hr = [], []
    for start in range(0, len(test), 1024):
        rows = np.arange(start, min(start + 1024, len(test)))
        n, h = next_item_metrics(model.score(rows), seen[rows], test[rows])
        ndcg.append(n)
        hr.append(h)
    return {"model": name, "NDCG@10": float(np.concatenate(ndcg).mean()),
            "HR@10": float(np.concatenate(hr).mean()),
            "val NDCG@10": max(m.get("val_ndcg@10", 0.0) for m in model.history_),
            "best epoch": model.best_epoch_, "epochs": len(model.history_),
            "train s": round(wall, 1), "CPU s": round(cpu, 1),
            "peak RSS MB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def _value(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--text-cache", type=Path, default=Path("/tmp/sci_text.npy"))
    parser.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE",
                        help="model parameters, e.g. dim=64 dropout=0.3 (JSON values)")
    args = parser.parse_args(argv)
    folder = AMAZON_SCIENTIFIC
    if not (folder / "interactions.csv").is_file():
        print(f"skipped: {folder / 'interactions.csv'} not found (set LLMREC_AMAZON_SCIENTIFIC)")
        return
    sequences, item_ids, items = load_sequences(folder)
    train_seqs, valid, test = leave_last_out(sequences, len(item_ids))
    print(f"{len(train_seqs):,} users, {len(item_ids):,} items, "
          f"{sum(map(len, sequences)):,} interactions; leave-last-out", flush=True)
    params = dict(kv.split("=", 1) for kv in args.set)
    params = {key: _value(value) for key, value in params.items()} | {"threads": args.threads}
    text = item_text(items, args.text_cache, args.threads) if "text_sasrec" in args.models else None
    rows = []
    for name in args.models:
        rows.append(run(name, params, train_seqs, valid, test, len(item_ids),
                        text if name == "text_sasrec" else None))
        print(pd.DataFrame(rows).to_string(index=False, float_format="{:.4f}".format), flush=True)


if __name__ == "__main__":
    main()
