"""Benchmark: recommendation quality with frozen and with fine-tuned text, warm and cold-start.

    python -m llmrec.bench.quality [--models popularity,itemknn,bpr,text_mf] [--finetune-budget 1200]

Loads ../shared/data/amazon-scientific (or $LLMREC_AMAZON_SCIENTIFIC) through llmrec's own csv
importer, splits it leave-last-out (warm) and by held-out items (cold-start), fine-tunes the packaged
MiniLM on pairs from interactions that are in BOTH training parts (so neither evaluation leaks into
the text), embeds the catalogue with the frozen and the fine-tuned encoder (cached under
/tmp/llmrec-quality), trains every model on each text and prints NDCG@10 / Recall@10 with train
time and peak memory. Protocol: llmrec.evaluation (full ranking; train and validation items masked on
test; cold-start ranks only the new test items). Skipped with a message when the data is absent.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd

from llmrec.bench import AMAZON_SCIENTIFIC
from llmrec.data.ids import IdMap, interaction_matrix
from llmrec.evaluation import splits
from llmrec.evaluation.evaluate import evaluate
from llmrec.models.registry import build_model, get_spec

WORK = Path("/tmp/llmrec-quality")
DEFAULT_MODELS = ("popularity", "itemknn", "bpr", "text_mf", "sasrec", "text_sasrec")
SEED = 0


def load_catalogue(folder: Path):
    """The catalogue as the CLI's `--source csv --interactions .. --items ..` loads it, and its IdMap."""
    from llmrec.data.sources import load_source

    dataset = load_source("csv", interactions_path=folder / "interactions.csv",
                          items_path=folder / "items.csv", reviews_path=None, columns=None)
    return dataset, IdMap.from_dataset(dataset)


def finetune_train(warm: splits.Split, cold: splits.Split) -> pd.DataFrame:
    """Interactions in both training parts: no test, validation or held-out-item interaction."""
    keys = ["user_id", "item_id"]
    both = warm.train.merge(cold.train[keys].drop_duplicates(), on=keys, how="inner")
    return both


def finetuned_model(dataset, ids: IdMap, train: pd.DataFrame, *, budget_s: float, batch_size: int,
                    lr: float, layers: int | None, max_length: int, method: str = "head") -> Path:
    """The fine-tuned encoder folder for these pairs, trained once and reused from /tmp.

    method "head": the build's recipe (an output head on the frozen encoder, its defaults); "layers":
    the top `layers` transformer layers with batch_size, lr and max_length.
    """
    from llmrec.text.documents import item_documents
    from llmrec.text.finetune import finetune_encoder, finetune_head_encoder
    from llmrec.text.pairs import training_pairs

    pairs = training_pairs(train, ids, seed=SEED)
    key = (f"head-pairs{len(pairs)}-budget{int(budget_s)}" if method == "head" else
           f"pairs{len(pairs)}-budget{int(budget_s)}-bs{batch_size}-lr{lr:g}-layers{layers}-len{max_length}")
    folder = WORK / f"finetuned-{key}"
    if (folder / "finetune.json").is_file():
        return folder
    last = [0.0]

    def report(fraction: float, message: str) -> None:
        if fraction - last[0] >= 0.05 or fraction >= 1.0:
            last[0] = fraction
            print(f"  finetune {fraction:5.1%} {message}", flush=True)

    texts = item_documents(dataset.items)
    if method == "head":
        return finetune_head_encoder(None, texts, pairs, None, folder, time_budget_s=budget_s, seed=SEED,
                                     embed=lambda all_texts: embed(None, all_texts), progress=report)
    return finetune_encoder(None, texts, pairs, None, folder, time_budget_s=budget_s,
                            epochs=1, batch_size=batch_size, lr=lr, max_length=max_length,
                            trainable_layers=layers, seed=SEED, threads=1, progress=report)


def embed(model: Path | None, texts: list[str]) -> np.ndarray:
    from llmrec.text.cache import EmbeddingCache, encode_cached
    from llmrec.text.head import open_encoder

    encoder = open_encoder(model, threads=1)
    return encode_cached(encoder, texts, EmbeddingCache(WORK / "embeddings"))


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def fit(name: str, split: splits.Split, ids: IdMap, item_text: np.ndarray):
    """(fitted model, train seconds, peak RSS MB after fit) with the build's default parameters."""
    spec = get_spec(name)
    params = dict(spec.default_params)
    if "random_state" in spec.cls.param_names():
        params["random_state"] = SEED
    train = interaction_matrix(split.train, ids)
    valid = interaction_matrix(split.valid, ids) if len(split.valid) else None
    started = time.perf_counter()
    model = build_model(name, **params).fit(train, item_text=item_text, validation=valid)
    return model, time.perf_counter() - started, _peak_mb()


def run(models: list[str], *, budget_s: float, batch_size: int, lr: float,
        layers: int | None, max_length: int, method: str = "head") -> pd.DataFrame:
    from llmrec.text.documents import item_documents

    dataset, ids = load_catalogue(AMAZON_SCIENTIFIC)
    warm = splits.leave_last_out(dataset.interactions)
    cold = splits.cold_start_split(dataset.interactions, seed=SEED)
    cold_items = ids.item_indices(cold.test["item_id"].unique())
    print(f"data: {ids.n_users:,} users x {ids.n_items:,} items, {len(dataset.interactions):,} interactions; "
          f"warm: {warm.description()}; cold: {len(cold_items)} new test items", flush=True)
    texts = item_documents(dataset.items)
    tuned_folder = finetuned_model(dataset, ids, finetune_train(warm, cold), budget_s=budget_s,
                                   batch_size=batch_size, lr=lr, layers=layers, max_length=max_length,
                                   method=method)
    print(f"fine-tuned encoder: {tuned_folder} {json.loads((tuned_folder / 'finetune.json').read_text())}",
          flush=True)
    texts_by = {"frozen": embed(None, texts), "finetuned": embed(tuned_folder, texts)}
    rows = []
    for text_name, item_text in texts_by.items():
        for name in models:
            for split_name, split, candidates in (("warm", warm, None), ("cold", cold, cold_items)):
                model, seconds, peak = fit(name, split, ids, item_text)
                result = evaluate({name: model}, split, ids, ks=(10,), candidates=candidates, tie_seed=SEED)
                table = result.metrics.set_index(["metric", "k"])["value"]
                rows.append({"text": text_name, "model": name, "split": split_name,
                             "ndcg@10": float(table[("NDCG", 10)]), "recall@10": float(table[("Recall", 10)]),
                             "train_s": seconds, "peak_mb": peak})
                print(f"  {text_name:9s} {name:12s} {split_name:4s} NDCG@10 {rows[-1]['ndcg@10']:.4f} "
                      f"Recall@10 {rows[-1]['recall@10']:.4f} train {seconds:6.1f}s peak {peak:6.0f} MB",
                      flush=True)
    return pd.DataFrame(rows)


def format_table(frame: pd.DataFrame) -> str:
    """One row per model: warm and cold NDCG@10 / Recall@10, frozen vs fine-tuned, time and memory."""
    wide = frame.pivot_table(index="model", columns=["split", "text"], values=["ndcg@10", "recall@10"],
                             sort=False)
    lines = [f"{'model':12s} | {'warm NDCG@10':>19s} | {'warm Recall@10':>19s} | {'cold NDCG@10':>19s} | "
             f"{'cold Recall@10':>19s} | train s (frozen/tuned, warm) | peak MB",
             f"{'':12s} | {'frozen   tuned':>19s} | {'frozen   tuned':>19s} | {'frozen   tuned':>19s} | "
             f"{'frozen   tuned':>19s} |"]
    for model in dict.fromkeys(frame["model"]):
        cells = []
        for metric, split in (("ndcg@10", "warm"), ("recall@10", "warm"), ("ndcg@10", "cold"),
                              ("recall@10", "cold")):
            values = [wide.loc[model].get((metric, split, t), np.nan) for t in ("frozen", "finetuned")]
            cells.append(f"{values[0]:9.4f} {values[1]:9.4f}")
        times = frame[(frame["model"] == model) & (frame["split"] == "warm")].set_index("text")["train_s"]
        peak = frame[frame["model"] == model]["peak_mb"].max()
        lines.append(f"{model:12s} | " + " | ".join(cells)
                     + f" | {times.get('frozen', np.nan):6.1f} / {times.get('finetuned', np.nan):6.1f}"
                     + f"               | {peak:6.0f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> pd.DataFrame | None:
    from llmrec.models.registry import SPEC_BY_NAME

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(DEFAULT_MODELS),
                        help="comma-separated registry names; unregistered ones are skipped with a note")
    parser.add_argument("--method", choices=("head", "layers"), default="head",
                        help="head: the build's recipe (an output head on the frozen encoder); "
                             "layers: train the top transformer layers with the --finetune-* options")
    parser.add_argument("--finetune-budget", type=float, default=1200.0, help="seconds of fine-tuning")
    parser.add_argument("--finetune-batch", type=int, default=64)
    parser.add_argument("--finetune-lr", type=float, default=5e-5)
    parser.add_argument("--finetune-length", type=int, default=48, help="tokens per text while training")
    parser.add_argument("--finetune-layers", type=int, default=2,
                        help="top transformer layers trained (0: all); fewer is faster on a CPU")
    args = parser.parse_args(argv)
    if not (AMAZON_SCIENTIFIC / "interactions.csv").is_file():
        print(f"skipped: {AMAZON_SCIENTIFIC} is absent "
              "(set LLMREC_AMAZON_SCIENTIFIC to the catalogue folder)")
        return None
    import torch

    torch.set_num_threads(1)
    wanted = [m.strip() for m in args.models.split(",") if m.strip()]
    missing = [m for m in wanted if m not in SPEC_BY_NAME]
    if missing:
        print(f"not in this checkout's model registry, skipped: {', '.join(missing)}")
    started = time.perf_counter()
    frame = run([m for m in wanted if m in SPEC_BY_NAME], budget_s=args.finetune_budget,
                batch_size=args.finetune_batch, lr=args.finetune_lr, layers=args.finetune_layers or None,
                max_length=args.finetune_length, method=args.method)
    print()
    print(format_table(frame))
    print(f"\ntotal {time.perf_counter() - started:.0f} s; peak memory {_peak_mb():.0f} MB (whole process)")
    return frame


if __name__ == "__main__":
    main()
