"""The staged build: load -> embed -> split -> train -> evaluate -> project -> portraits.

Each stage has a key made of its inputs (data fingerprint, config values, upstream keys). When the
previous workspace holds a stage with the same key, its artifacts are linked instead of rebuilt, so
an unchanged rebuild takes seconds. Everything is written into a staging folder that replaces the
workspace only when the whole build succeeded.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import pandas as pd
from safetensors.numpy import load_file

from llmrec.data.dataset import Dataset
from llmrec.data.ids import IdMap
from llmrec.pipeline.artifacts import LAYOUT_VERSION, MANIFEST, Workspace
from llmrec.pipeline.config import BuildConfig
from llmrec.pipeline.workdir import atomic_folder, reuse

# progress(stage, fraction of that stage done in [0, 1], message)
Progress = Callable[[str, float, str], None]
STAGES = ("load", "embed", "split", "train", "evaluate", "project", "portraits")
_PACKAGES = ("llmrec", "torch", "transformers", "numpy", "pandas", "pyarrow", "umap-learn", "streamlit")


def _key(*parts) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _code(*parts: str) -> str:
    """Hash of llmrec's own source for the given subpackages/modules: changed code, changed key."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for part in parts:
        path = root / part
        for file in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def _versions() -> dict[str, str]:
    out = {}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


class _Build:
    """One run of the pipeline: holds the staging folder, the previous manifest and timings."""

    def __init__(self, config: BuildConfig, staging: Path, progress: Progress | None) -> None:
        self.config = config
        self.staging = staging
        self.progress = progress or (lambda stage, fraction, message: None)
        previous = config.workspace.resolve()
        self.previous: Path | None = None
        self.previous_keys: dict[str, str] = {}
        if (previous / MANIFEST).is_file():
            try:
                manifest = json.loads((previous / MANIFEST).read_text())
                if manifest.get("layout_version") == LAYOUT_VERSION:
                    self.previous, self.previous_keys = previous, manifest.get("stage_keys", {})
            except (OSError, json.JSONDecodeError):
                pass  # an unreadable old manifest only means nothing is reused
        self.keys: dict[str, str] = {}
        self.timings: dict[str, float] = {}
        self.reused: list[str] = []

    def stage(self, name: str, key: str, artifacts: list[str], build: Callable[[], None]) -> None:
        """Reuse `artifacts` of the previous workspace when `key` matches, else run `build`."""
        started = time.perf_counter()
        self.keys[name] = key
        if self.previous_keys.get(name) == key and all(
                reuse(self.previous, self.staging, relative) for relative in artifacts):
            self.reused.append(name)
            self.progress(name, 1.0, "unchanged, reused")
        else:
            self.progress(name, 0.0, "started")
            build()
            self.progress(name, 1.0, "done")
        self.timings[name] = round(time.perf_counter() - started, 3)


def build_workspace(config: BuildConfig, progress: Progress | None = None, *, force: bool = False,
                    wait: bool = False) -> Workspace:
    """Build (or incrementally rebuild) the workspace described by `config`; return a reader.

    Writes only into a new, empty or workspace folder (`force`: any folder, keeping its other
    files); a second build of the same workspace fails at once, or waits for the first (`wait`).
    """
    from llmrec.pipeline import stages

    total_started = time.perf_counter()
    with atomic_folder(config.workspace, force=force, wait=wait) as staging:
        run = _Build(config, staging, progress)
        source_key = _key(config.source, stages.source_signature(config), _code("data"))
        run.stage("load", source_key, ["data"], lambda: stages.load(run))
        dataset = Dataset.load(staging / "data")
        fingerprint = dataset.fingerprint()
        ids = IdMap.from_dataset(dataset)

        embed_key = _key(fingerprint, stages.encoder_identity(config), config.max_length, _code("text"))
        run.stage("embed", embed_key, ["text"], lambda: stages.embed(run, dataset, ids))
        embeddings = load_file(staging / "text" / "embeddings.safetensors")

        split_key = _key(fingerprint, config.split, config.seed, config.cold_start, _code("evaluation"))
        run.stage("split", split_key, ["split"], lambda: stages.split(run, dataset))
        train_parts = {p: pd.read_parquet(staging / "split" / f"{p}.parquet")
                       for p in ("train", "valid", "test")}

        models = stages.models_to_train(config, dataset)
        train_key = _key(split_key, embed_key, models, config.factors, config.epochs, config.seed,
                         _code("models"))
        run.stage("train", train_key, ["models"],
                  lambda: stages.train(run, models, train_parts, ids, embeddings["items"]))

        eval_key = _key(train_key, config.ks)
        run.stage("evaluate", eval_key, ["evaluation"],
                  lambda: stages.evaluate(run, models, train_parts, ids, embeddings["items"]))

        project_key = _key(embed_key, train_key, config.seed, _code("projection.py"))
        run.stage("project", project_key, ["projection"],
                  lambda: stages.project(run, dataset, models, embeddings["items"]))

        # Portraits read the text embeddings only: retraining a model leaves them as they are.
        portraits_key = _key(embed_key, config.seed, _code("portraits"))
        run.stage("portraits", portraits_key, ["portraits"],
                  lambda: stages.portraits(run, dataset, embeddings["items"], embeddings["users"]))

        # Generated texts are keyed by model, prompt and evidence, so the old ones stay valid.
        reuse(run.previous, staging, "reasons")
        manifest = {
            "layout_version": LAYOUT_VERSION,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "source": config.source,
            "dataset_name": dataset.name,
            "config": config.to_dict(),
            "versions": _versions(),
            "fingerprint": fingerprint,
            "stage_keys": run.keys,
            "reused_stages": run.reused,
            "timings": {**run.timings, "total": round(time.perf_counter() - total_started, 3)},
            "models": models,
            "counts": {"users": dataset.n_users, "items": dataset.n_items,
                       "interactions": len(dataset.interactions), "reviews": len(dataset.reviews)},
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2))
    return Workspace(config.workspace)
