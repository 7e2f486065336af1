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
from llmrec.errors import DamagedArtifactError, WorkspaceError
from llmrec.pipeline import integrity
from llmrec.pipeline.artifacts import LAYOUT_VERSION, MANIFEST, Workspace, read_manifest
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
        self.keys: dict[str, str] = {}
        self.timings: dict[str, float] = {}
        self.reused: list[str] = []
        self.files: dict[str, dict] = {}  # what the new manifest records (see integrity.py)
        self.notes: list[str] = []  # damage found in the previous workspace, said in the output
        self.previous, self.previous_keys, self.previous_files = _previous(config.workspace.resolve(),
                                                                           self.notes)

    def stage(self, name: str, key: str, artifacts: list[str], build: Callable[[], None]) -> None:
        """Reuse `artifacts` of the previous workspace when `key` matches and they verify; else build."""
        started = time.perf_counter()
        self.keys[name] = key
        if self.previous_keys.get(name) == key and self._intact(name, artifacts) and all(
                reuse(self.previous, self.staging, relative) for relative in artifacts):
            self.reused.append(name)
            for relative in artifacts:
                self.files.update(integrity.under(self.previous_files, relative))
            self.progress(name, 1.0, "unchanged, reused")
        else:
            self.progress(name, 0.0, "started")
            build()
            self.progress(name, 1.0, "done")
        for relative in artifacts:
            if not integrity.under(self.files, relative):
                self.files.update(integrity.describe(self.staging, relative))
        self.timings[name] = round(time.perf_counter() - started, 3)

    def _intact(self, name: str, artifacts: list[str]) -> bool:
        """Whether the previous files of `artifacts` are all there with their recorded checksums."""
        recorded = {f: e for relative in artifacts for f, e in integrity.under(self.previous_files,
                                                                               relative).items()}
        if not recorded:
            return False
        found = integrity.problems(self.previous, recorded, checksums=True, trust_unmodified=True)
        for problem in found:
            self.notes.append(f"{name}: previous artifact {problem.file} {problem.what}, recomputed")
            self.progress(name, 0.0, self.notes[-1])
        return not found


def _previous(previous: Path, notes: list[str]) -> tuple[Path | None, dict[str, str], dict[str, dict]]:
    """The previous workspace, its stage keys and recorded files; nothing when it cannot be trusted.

    A workspace without recorded checksums (written by an older llmrec) is not reused either: its
    files cannot be verified, and reusing a damaged one would carry the damage forward.
    """
    if not (previous / MANIFEST).is_file():
        return None, {}, {}
    try:
        manifest = read_manifest(previous)
    except DamagedArtifactError as error:
        notes.append(f"previous {error.file} {error.what}: every stage rebuilt")
        return None, {}, {}
    except WorkspaceError:
        notes.append("previous workspace written by another llmrec version: every stage rebuilt")
        return None, {}, {}
    if not manifest.get("files"):
        notes.append("previous workspace records no checksums (older llmrec): every stage rebuilt")
        return None, {}, {}
    return previous, manifest["stage_keys"], manifest["files"]


def _reuse_texts(run: _Build) -> None:
    """Carry the generated-text cache over unless its Parquet file is unreadable (then drop it).

    Texts are keyed by model, prompt and evidence, so they stay valid even when nothing else of
    the previous workspace is reused.
    """
    import pyarrow.parquet as pq

    if not reuse(run.config.workspace.resolve(), run.staging, "reasons"):
        return
    for path in sorted((run.staging / "reasons").glob("*.parquet")):
        try:
            pq.read_metadata(path)
        except (OSError, ValueError) as error:
            path.unlink()
            run.notes.append(f"reasons: previous {path.relative_to(run.staging).as_posix()} damaged "
                             f"({type(error).__name__}), dropped; texts are generated again when asked")


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
        _reuse_texts(run)
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
            "repairs": run.notes,
            "files": run.files,
            "timings": {**run.timings, "total": round(time.perf_counter() - total_started, 3)},
            "models": models,
            "counts": {"users": dataset.n_users, "items": dataset.n_items,
                       "interactions": len(dataset.interactions), "reviews": len(dataset.reviews)},
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2))
    return Workspace(config.workspace)
