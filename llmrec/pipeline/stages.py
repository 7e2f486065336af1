"""The work of each build stage; `run.py` decides whether a stage runs or is reused."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from llmrec.data.dataset import Dataset
from llmrec.data.ids import IdMap, interaction_matrix
from llmrec.models.base import FactorModel
from llmrec.models.registry import baseline_names, get_spec, model_names
from llmrec.projection import project_2d, projection_frame

# The models whose item vectors can define the "MF space" map, in registry order.
MF_SPACE_MODELS = model_names(FactorModel)


def save_arrays(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Named float arrays as one safetensors file (no pickle on the load path)."""
    from safetensors.numpy import save_file

    path.parent.mkdir(parents=True, exist_ok=True)
    save_file({k: np.ascontiguousarray(v) for k, v in arrays.items()}, str(path))


def source_signature(config) -> dict:
    """What identifies the loaded data without loading it: options plus size and mtime of files."""
    signature = {"options": config.source_options}
    files = {}
    for name, value in sorted(config.source_options.items()):
        if isinstance(value, (str, Path)) and Path(value).exists():
            path = Path(value)
            paths = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
            files[name] = [(str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in paths]
    signature["files"] = files
    return signature


def encoder_identity(config) -> str:
    """Identity of the configured encoder: its name and a hash of its weights (none loaded).

    Hashing the files, not the configured string, means new weights at the same path or an
    upgraded model package re-embed instead of reusing stale vectors.
    """
    from llmrec.text.encoder import model_fingerprint

    return model_fingerprint(config.encoder)


def load_dataset(config) -> Dataset:
    """Load the configured source into a canonical Dataset (demo generation included)."""
    options = dict(config.source_options)
    if config.source == "demo":
        from llmrec.data.demo import DemoConfig, generate_demo

        options.setdefault("seed", config.seed)
        return generate_demo(DemoConfig(**options))
    from llmrec.data.sources import load_source

    return load_source(config.source, **options)


def load(run) -> None:
    dataset = load_dataset(run.config)
    run.progress("load", 0.9, f"{dataset.n_users:,} users, {dataset.n_items:,} items, "
                              f"{len(dataset.interactions):,} interactions")
    dataset.save(run.staging / "data")


def engine_of(config):
    """The engine the build runs embedding and evaluation on (`--engine`, `--address`)."""
    from llmrec.engine import make_engine

    return make_engine(config.engine, address=config.engine_address)


def embed(run, dataset: Dataset, ids: IdMap) -> None:
    from llmrec.text.cache import EmbeddingCache, encode_cached
    from llmrec.text.documents import item_documents, review_documents
    from llmrec.text.encoder import TextEncoder
    from llmrec.text.profiles import item_review_embeddings, user_profiles

    encoder = TextEncoder(run.config.encoder, max_length=run.config.max_length)
    cache = EmbeddingCache(run.config.cache_dir / "embeddings")
    item_texts = item_documents(dataset.items)
    review_texts = review_documents(dataset.reviews)
    total = len(item_texts) + len(review_texts)
    # One call for items and reviews: a text shared by both is embedded once, and the whole corpus
    # is sorted by length before it is cut into chunks.
    vectors = encode_cached(encoder, item_texts + review_texts, cache, engine=engine_of(run.config),
                            progress=lambda done, n: run.progress("embed", done / max(n, 1),
                                                                  f"{done:,}/{n:,} new texts of {total:,}"))
    item_emb, review_emb = vectors[:len(item_texts)], vectors[len(item_texts):]
    item_reviews, _has_reviews = item_review_embeddings(review_emb, dataset.reviews, ids)
    users = user_profiles(item_emb, review_emb, dataset.interactions, dataset.reviews, ids)
    save_arrays(run.staging / "text" / "embeddings.safetensors",
                {"items": item_emb, "reviews": review_emb, "item_reviews": item_reviews, "users": users})
    (run.staging / "text" / "encoder.json").write_text(json.dumps(
        {"identity": encoder.identity, "dim": int(item_emb.shape[1]), "max_length": run.config.max_length,
         "model": str(run.config.encoder or "packaged all-MiniLM-L6-v2")}, indent=2))


def split(run, dataset: Dataset) -> None:
    from llmrec.evaluation import splits

    config = run.config
    if config.split == "leave_last_out":
        result = splits.leave_last_out(dataset.interactions)
    elif config.split == "temporal":
        result = splits.temporal_split(dataset.interactions)
    else:
        result = splits.random_split(dataset.interactions, seed=config.seed)
    folder = run.staging / "split"
    folder.mkdir(parents=True, exist_ok=True)
    for part in ("train", "valid", "test"):
        result.part(part).to_parquet(folder / f"{part}.parquet", index=False)
    meta = {"kind": result.kind, "params": result.params, "notes": result.notes,
            "description": result.description()}
    if config.cold_start:
        cold = splits.cold_start_split(dataset.interactions, seed=config.seed)
        for part in ("train", "valid", "test"):
            cold.part(part).to_parquet(folder / f"cold_{part}.parquet", index=False)
        meta["cold_start"] = {"description": cold.description(), "params": cold.params,
                              "notes": cold.notes, "cold_items": [str(i) for i in cold.cold_items]}
    (folder / "split.json").write_text(json.dumps(meta, indent=2, default=str))


def models_to_train(config, dataset: Dataset) -> list[str]:
    """Configured models, less the rating models when the data has (almost) no ratings."""
    has_ratings = dataset.interactions["rating"].notna().mean() > 0.5
    return [m for m in config.models if has_ratings or not get_spec(m).needs_ratings]


def model_params(name: str, config) -> dict:
    """The spec's default parameters, the config fields it takes, and the seed when it has one."""
    spec = get_spec(name)
    params = {**spec.default_params, **{field: getattr(config, field) for field in spec.config_params}}
    if "random_state" in spec.cls.param_names():
        params["random_state"] = config.seed
    return params


def _fit(name: str, config, train: pd.DataFrame, valid: pd.DataFrame, ids: IdMap,
         item_text: np.ndarray, callback=None):
    from llmrec.models import build_model

    values = "rating" if get_spec(name).needs_ratings else None
    train_csr = interaction_matrix(train, ids, values=values)
    valid_csr = interaction_matrix(valid, ids, values=values) if len(valid) else None
    model = build_model(name, **model_params(name, config))
    return model.fit(train_csr, item_text=item_text, validation=valid_csr, callback=callback)


def train(run, models: list[str], parts: dict[str, pd.DataFrame], ids: IdMap, item_text: np.ndarray) -> None:
    history = []
    for index, name in enumerate(models):
        def on_epoch(epoch: int, metrics: dict, name=name, index=index) -> None:
            history.append({"model": name, "epoch": epoch, **metrics})
            run.progress("train", (index + min(epoch / run.config.epochs, 1.0)) / len(models),
                         f"{name} epoch {epoch}: " + ", ".join(f"{k} {v:.4f}" for k, v in metrics.items()))

        run.progress("train", index / len(models), f"fitting {name}")
        model = _fit(name, run.config, parts["train"], parts["valid"], ids, item_text, on_epoch)
        model.save(run.staging / "models" / name, ids=ids)
    pd.DataFrame(history).to_parquet(run.staging / "models" / "training_history.parquet", index=False)


def evaluate(run, models: list[str], parts: dict[str, pd.DataFrame], ids: IdMap,
             item_text: np.ndarray) -> None:
    from llmrec.evaluation import splits
    from llmrec.evaluation.evaluate import evaluate as run_evaluation
    from llmrec.models import load_model

    folder = run.staging / "evaluation"
    folder.mkdir(parents=True, exist_ok=True)
    fitted = {name: load_model(run.staging / "models" / name, ids) for name in models}
    meta = json.loads((run.staging / "split" / "split.json").read_text())
    split_obj = splits.Split(kind=meta["kind"], params=meta["params"], notes=meta["notes"],
                             train=parts["train"], valid=parts["valid"], test=parts["test"])

    def report(name: str, done: int, total: int) -> None:
        step = 0.6 / len(fitted)
        run.progress("evaluate", list(fitted).index(name) * step + step * done / max(total, 1),
                     f"{name}: full ranking, {done:,}/{total:,} users")

    result = run_evaluation(fitted, split_obj, ids, ks=run.config.ks, item_text=item_text, per_user=True,
                            progress=report, tie_seed=run.config.seed, engine=engine_of(run.config))
    result.metrics.to_parquet(folder / "metrics.parquet", index=False)
    result.per_user.to_parquet(folder / "per_user.parquet", index=False)
    (folder / "protocol.json").write_text(json.dumps(result.protocol.to_dict(), indent=2, default=str))

    if "cold_start" in meta:
        run.progress("evaluate", 0.6, "cold-start: retraining on data without the held-out items")
        evaluate_cold_start(run, models, ids, item_text, meta["cold_start"], folder)


def evaluate_cold_start(run, models: list[str], ids: IdMap, item_text: np.ndarray, meta: dict,
                        folder: Path) -> None:
    """Models never see the held-out items; they rank only those new items for each user."""
    from llmrec.evaluation import splits
    from llmrec.evaluation.evaluate import evaluate as run_evaluation

    staging = run.staging / "split"
    parts = {p: pd.read_parquet(staging / f"cold_{p}.parquet") for p in ("train", "valid", "test")}
    # Rank only the new items that users actually met in test; validation-only items stay out.
    cold_items = ids.item_indices(parts["test"]["item_id"].unique())
    # Ranking models only (rating models predict stars, not new-item rankings), plus the chance floor.
    cold_models = [m for m in models if not get_spec(m).needs_ratings]
    fitted = {name: _fit(name, run.config, parts["train"], parts["valid"], ids, item_text)
              for name in (*cold_models, *baseline_names())}
    split_obj = splits.Split(kind="cold_start", params=meta["params"], notes=meta["notes"],
                             train=parts["train"], valid=parts["valid"], test=parts["test"])
    result = run_evaluation(fitted, split_obj, ids, ks=run.config.ks, item_text=item_text,
                            candidates=cold_items, tie_seed=run.config.seed, engine=engine_of(run.config))
    result.metrics.to_parquet(folder / "cold_start.parquet", index=False)
    (folder / "cold_start_protocol.json").write_text(
        json.dumps(result.protocol.to_dict(), indent=2, default=str))


def project(run, dataset: Dataset, models: list[str], item_text: np.ndarray) -> None:
    from llmrec.models import load_model

    folder = run.staging / "projection"
    folder.mkdir(parents=True, exist_ok=True)
    item_ids = dataset.items["item_id"].to_numpy()
    run.progress("project", 0.05, "UMAP of text embeddings (first call compiles numba: ~30 s)")
    projection_frame(item_ids, project_2d(item_text, seed=run.config.seed)).to_parquet(
        folder / "text.parquet", index=False)
    space = next((m for m in MF_SPACE_MODELS if m in models), None)
    if space is not None:
        run.progress("project", 0.5, f"UMAP of {space} item factors")
        factors = load_model(run.staging / "models" / space).item_vectors()
        projection_frame(item_ids, project_2d(factors, seed=run.config.seed)).to_parquet(
            folder / "mf.parquet", index=False)
    (folder / "projection.json").write_text(json.dumps({"mf_model": space, "method": "umap",
                                                         "seed": run.config.seed}))


def portraits(run, dataset: Dataset, item_emb: np.ndarray, user_emb: np.ndarray) -> None:
    from llmrec.portraits.build import build_portraits
    from llmrec.portraits.clusters import item_clusters

    folder = run.staging / "portraits"
    folder.mkdir(parents=True, exist_ok=True)
    clusters = item_clusters(item_emb, dataset.items, seed=run.config.seed)
    clusters.to_parquet(folder / "item_clusters.parquet", index=False)
    tables = build_portraits(dataset, user_emb, clusters)
    for name, frame in tables.items():
        frame.to_parquet(folder / f"{name}.parquet", index=False)
