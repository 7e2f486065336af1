"""The build stages, declared: name, upstream stages, parameters, outputs and the body that runs.

`run.py` orders the stages from their `upstream` declarations and derives each reuse key from what
is declared (see `keys.py`): the upstream keys, the values `params` returns (the config fields and
model parameters the stage reads), a hash of the source of the body and parameter functions and of
every llmrec module they reach, and the versions of the declared `packages`. Nothing else: a stage
that reads what it does not declare would be reused stale: read config only through `params`.

Adding an optional stage (e.g. `finetune`, between split and embed): write its body
`finetune(run)` saving under a new `Artifact` of layout.py, a params function, and one entry
    Stage("finetune", ("split",), _finetune_params, (FINETUNED,), finetune,
          packages=("torch", "transformers"), enabled=lambda config: config.finetune is not None),
then add "finetune" to embed's `upstream` and let `_embed_params` / `embed` use the fine-tuned
folder when `run.config.finetune` is set. A disabled stage is skipped and dropped from the upstream
lists of the others, so the keys of a build without it do not change.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from llmrec.data.dataset import Dataset
from llmrec.data.ids import IdMap
from llmrec.data.quality import data_quality
from llmrec.errors import ConfigError
from llmrec.models.base import FactorModel
from llmrec.models.knn import TextNeighbours
from llmrec.models.registry import baseline_names, get_spec, model_names
from llmrec.pipeline import encoder_choice
from llmrec.pipeline.encoder_choice import corpus_size, embedding_model, frozen_item_vectors, text_encoder
from llmrec.pipeline.finetuning import evaluate_frozen_text, finetune
from llmrec.pipeline.fit_progress import FitProgress
from llmrec.pipeline.fitting import fit_model, model_params
from llmrec.pipeline.history import kept_epochs
from llmrec.pipeline.layout import (
    DATA,
    EMBEDDINGS_FILE,
    EVALUATION,
    FINETUNED,
    MODELS,
    PORTRAITS,
    PROJECTION,
    SPLIT,
    TEXT,
    Artifact,
    cold_part_path,
    read_dataset,
    read_embeddings,
    read_split,
)
from llmrec.projection import project_2d, projection_frame

# The models whose item vectors can define the "MF space" map, in registry order.
MF_SPACE_MODELS = model_names(FactorModel)
# progress(stage, fraction of that stage done in [0, 1], message)
Progress = Callable[[str, float, str], None]


class StageRun:
    """What a stage body reads: the config, the staging folder, progress, and upstream outputs.

    Upstream outputs are loaded from the staging folder on first use, through their artifact's
    reader, so a reused stage and a rebuilt one are read the same way.
    """

    def __init__(self, config, staging: Path, progress: Progress) -> None:
        self.config = config
        self.staging = staging
        self.progress = progress

    @cached_property
    def dataset(self) -> Dataset:
        return read_dataset(self.staging)

    @cached_property
    def ids(self) -> IdMap:
        return IdMap.from_dataset(self.dataset)

    @cached_property
    def embeddings(self) -> dict[str, np.ndarray]:
        return read_embeddings(self.staging)

    @cached_property
    def parts(self) -> dict[str, pd.DataFrame]:
        return read_split(self.staging)

    @cached_property
    def models(self) -> list[str]:
        return models_to_train(self.config, self.dataset)

    @cached_property
    def neighbours(self) -> TextNeighbours:  # one set of tables for every fit of the build (with cold start)
        return TextNeighbours(self.embeddings["items"])


@dataclass(frozen=True)
class Stage:
    """One declared build stage."""

    name: str
    upstream: tuple[str, ...]
    """Stages whose outputs this one reads (their keys are part of its key)."""
    params: Callable[[StageRun], dict]
    """The JSON-able values the stage reads from the config and model specs."""
    outputs: tuple[Artifact, ...]
    run: Callable[[StageRun], None]
    packages: tuple[str, ...] = ()
    """Installed packages whose version changes the result."""
    enabled: Callable[[object], bool] = lambda config: True
    """Whether the config asks for this stage at all (optional stages)."""


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
    data_quality(dataset).save(run.staging / "data")


def engine_of(config):
    """The engine the build runs embedding and evaluation on (`--engine`, `--address`)."""
    from llmrec.engine import make_engine

    return make_engine(config.engine, address=config.engine_address)


def embed(run, dataset: Dataset, ids: IdMap) -> None:
    from llmrec.text.cache import EmbeddingCache, encode_cached
    from llmrec.text.documents import item_documents, review_documents
    from llmrec.text.profiles import item_review_embeddings, user_profiles

    encoder = text_encoder(run, embedding_model(run), corpus_size(dataset))
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
    save_arrays(run.staging / EMBEDDINGS_FILE,
                {"items": item_emb, "reviews": review_emb, "item_reviews": item_reviews, "users": users,
                 **frozen_item_vectors(run, item_texts, corpus_size(dataset))})
    (run.staging / "text" / "encoder.json").write_text(json.dumps(
        {"identity": encoder.identity, "dim": int(item_emb.shape[1]), "max_length": run.config.max_length,
         "precision": encoder.precision, "precision_reason": encoder.precision_reason,
         "model": str(run.config.encoder or "packaged all-MiniLM-L6-v2"),
         "finetuned": embedding_model(run) != run.config.encoder}, indent=2))


def split(run, dataset: Dataset) -> None:
    from llmrec.evaluation import splits

    config = run.config
    kind = resolve_split(config, dataset)
    if kind == "given":
        result = splits.given_split(dataset.interactions)
    elif kind == "leave_last_out":
        result = splits.leave_last_out(dataset.interactions)
    elif kind == "temporal":
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
            # spelt here, not through layout.cold_part_path: the split stage's key hashes only the
            # code it imports, and layout would bring the whole data layer into it
            cold.part(part).to_parquet(folder / f"cold_{part}.parquet", index=False)
        meta["cold_start"] = {"description": cold.description(), "params": cold.params,
                              "notes": cold.notes, "cold_items": [str(i) for i in cold.cold_items]}
    (folder / "split.json").write_text(json.dumps(meta, indent=2, default=str))


def resolve_split(config, dataset: Dataset) -> str:
    """The configured split; by default the data's own (`given`) when it ships one, else leave-last-out."""
    has_given = "given_split" in dataset.interactions.columns
    if config.split == "given" and not has_given:
        raise ConfigError(f"split 'given' needs the data's own split (an interactions column "
                          f"'given_split', e.g. from UniSRec/RecBole .train/.valid/.test.inter files); "
                          f"{dataset.name} has none: choose leave_last_out, temporal or random")
    return config.split or ("given" if has_given else "leave_last_out")


def models_to_train(config, dataset: Dataset) -> list[str]:
    """Configured models, less the rating models when the data has (almost) no ratings."""
    has_ratings = dataset.interactions["rating"].notna().mean() > 0.5
    return [m for m in config.models if has_ratings or not get_spec(m).needs_ratings]


def train(run, models: list[str], parts: dict[str, pd.DataFrame], ids: IdMap, item_text: np.ndarray) -> None:
    history = []
    for index, name in enumerate(models):
        # each fit's own epoch cap and budget, not the config's epochs (see FitProgress)
        bar = FitProgress(name, model_params(name, run.config, parts["train"], ids.n_items))

        def on_epoch(epoch: int, metrics: dict, name=name, index=index, bar=bar) -> None:
            history.append({"model": name, "epoch": epoch, **metrics})
            fraction, message = bar.update(epoch, metrics)
            run.progress("train", (index + fraction) / len(models), message)

        run.progress("train", index / len(models), f"fitting {name}")
        model = fit_model(name, run.config, parts["train"], parts["valid"], ids, item_text, on_epoch,
                     run.neighbours)
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
    if "items_frozen" in run.embeddings:
        evaluate_frozen_text(run, models, parts, ids, run.embeddings["items_frozen"], fit_model,
                             *(cold_parts(run, ids) if "cold_start" in meta else (None, None)))


def evaluate_cold_start(run, models: list[str], ids: IdMap, item_text: np.ndarray, meta: dict,
                        folder: Path) -> None:
    """Models never see the held-out items; they rank only those new items for each user."""
    from llmrec.evaluation import splits
    from llmrec.evaluation.evaluate import evaluate as run_evaluation

    parts, cold_items = cold_parts(run, ids)
    # Ranking models only (rating models predict stars, not new-item rankings), plus the chance floor.
    cold_models = [m for m in models if not get_spec(m).needs_ratings]
    kept = {m: {"epochs": epochs} for m, epochs in kept_epochs(run.staging / "models").items()}
    fitted = {m: fit_model(m, run.config, parts["train"], parts["valid"], ids, item_text,
                           neighbours=run.neighbours, **kept.get(m, {}))
              for m in (*cold_models, *baseline_names())}
    split_obj = splits.Split(kind="cold_start", params=meta["params"], notes=meta["notes"],
                             train=parts["train"], valid=parts["valid"], test=parts["test"])
    result = run_evaluation(fitted, split_obj, ids, ks=run.config.ks, item_text=item_text,
                            candidates=cold_items, tie_seed=run.config.seed, engine=engine_of(run.config))
    result.metrics.to_parquet(folder / "cold_start.parquet", index=False)
    (folder / "cold_start_protocol.json").write_text(
        json.dumps(result.protocol.to_dict(), indent=2, default=str))


def cold_parts(run, ids: IdMap) -> tuple[dict[str, pd.DataFrame], np.ndarray]:
    """The cold-start train/valid/test tables, and the new items users met in test (the candidates)."""
    parts = {p: pd.read_parquet(cold_part_path(run.staging, p)) for p in ("train", "valid", "test")}
    # Rank only the new items that users actually met in test; validation-only items stay out.
    return parts, ids.item_indices(parts["test"]["item_id"].unique())


def project(run, dataset: Dataset, models: list[str], item_text: np.ndarray) -> None:
    from llmrec.models import load_model

    folder = run.staging / "projection"
    folder.mkdir(parents=True, exist_ok=True)
    item_ids = dataset.items["item_id"].to_numpy()
    run.progress("project", 0.05, "UMAP of text embeddings (first call compiles numba: ~30 s)")
    projection_frame(item_ids, project_2d(item_text, seed=run.config.seed)).to_parquet(
        folder / "text.parquet", index=False)
    if "items_frozen" in run.embeddings:    # the frozen text space too, to compare with the fine-tuned one
        run.progress("project", 0.3, "UMAP of the frozen encoder's text embeddings")
        frozen = project_2d(run.embeddings["items_frozen"], seed=run.config.seed)
        projection_frame(item_ids, frozen).to_parquet(folder / "text_frozen.parquet", index=False)
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


# Declarations: the parameters each stage reads, and the adapters from StageRun to the bodies.

def _load_params(run: StageRun) -> dict:
    demo_seed = run.config.seed if run.config.source == "demo" else None
    return {"source": run.config.source, "demo_seed": demo_seed, **source_signature(run.config)}


def _embed_params(run: StageRun) -> dict:
    # With fine-tuning on, the finetune stage's key (an upstream key) stands for the weights.
    params = {"encoder": encoder_identity(run.config), "max_length": run.config.max_length,
              **encoder_choice.precision_param(run.config)}
    return {**params, "finetuned": True} if run.config.finetune_seconds else params


def _finetune_params(run: StageRun) -> dict:
    return {"base_encoder": encoder_identity(run.config), "max_length": run.config.max_length,
            **encoder_choice.precision_param(run.config), "seconds": run.config.finetune_seconds,
            "seed": run.config.seed}


def _split_params(run: StageRun) -> dict:
    return {"split": resolve_split(run.config, run.dataset), "seed": run.config.seed,
            "cold_start": run.config.cold_start}


def _train_params(run: StageRun) -> dict:
    return {"models": {name: model_params(name, run.config) for name in run.models}}


def _evaluate_params(run: StageRun) -> dict:
    return {"ks": list(run.config.ks), "tie_seed": run.config.seed}


def _seed_params(run: StageRun) -> dict:
    return {"seed": run.config.seed}


def _load(run: StageRun) -> None:
    load(run)


def _finetune(run: StageRun) -> None:
    finetune(run, run.dataset, run.ids, run.parts)


def _embed(run: StageRun) -> None:
    embed(run, run.dataset, run.ids)


def _split(run: StageRun) -> None:
    split(run, run.dataset)


def _train(run: StageRun) -> None:
    train(run, run.models, run.parts, run.ids, run.embeddings["items"])


def _evaluate(run: StageRun) -> None:
    evaluate(run, run.models, run.parts, run.ids, run.embeddings["items"])


def _project(run: StageRun) -> None:
    project(run, run.dataset, run.models, run.embeddings["items"])


def _portraits(run: StageRun) -> None:
    portraits(run, run.dataset, run.embeddings["items"], run.embeddings["users"])


STAGES: tuple[Stage, ...] = (
    Stage("load", (), _load_params, (DATA,), _load),
    Stage("split", ("load",), _split_params, (SPLIT,), _split),
    # Optional: the encoder fine-tuned on the training split, which embed then uses.
    Stage("finetune", ("load", "split"), _finetune_params, (FINETUNED,), _finetune,
          packages=("torch", "transformers"), enabled=lambda config: config.finetune_seconds is not None),
    Stage("embed", ("load", "finetune"), _embed_params, (TEXT,), _embed, packages=("torch", "transformers")),
    Stage("train", ("split", "embed"), _train_params, (MODELS,), _train, packages=("torch", "numpy")),
    Stage("evaluate", ("train", "split", "embed"), _evaluate_params, (EVALUATION,), _evaluate,
          packages=("numpy",)),
    # The maps read the text embeddings and the trained factors.
    Stage("project", ("embed", "train"), _seed_params, (PROJECTION,), _project, packages=("umap-learn",)),
    # Portraits read the data and the text embeddings only: retraining leaves them as they are.
    Stage("portraits", ("load", "embed"), _seed_params, (PORTRAITS,), _portraits,
          packages=("scikit-learn", "torch")),
)


def ordered(config, stages: tuple[Stage, ...] = STAGES) -> list[Stage]:
    """The enabled stages, each after its upstream ones (declaration order breaks ties)."""
    declared = {s.name for s in stages}
    unknown = sorted({f"{s.name} <- {u}" for s in stages for u in s.upstream if u not in declared})
    if unknown:  # a misspelt upstream would leave a stage reused when its input changed
        raise ConfigError(f"build stages name undeclared upstream stages: {', '.join(unknown)}")
    enabled = {s.name: s for s in stages if s.enabled(config)}
    done: list[Stage] = []
    while len(done) < len(enabled):
        names = {s.name for s in done}
        ready = [s for s in enabled.values() if s.name not in names
                 and all(u in names or u not in enabled for u in s.upstream)]
        if not ready:
            raise ConfigError(f"build stages depend on each other in a cycle: "
                              f"{sorted(set(enabled) - names)}")
        done.append(ready[0])
    return done
