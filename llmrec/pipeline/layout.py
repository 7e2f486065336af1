"""The workspace layout: each stage output (an `Artifact`) and the one reader of each.

Stages write to these paths and read their upstream through these readers; the Workspace reads
through them too, so a path or format lives in one place. Kept free of other pipeline imports: a
stage's reuse key hashes the modules it imports (see keys.py), and this one changes rarely.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from safetensors.numpy import load_file

from llmrec.data.dataset import Dataset


@dataclass(frozen=True)
class Artifact:
    """One stage output: its place in a workspace. The functions below are its only readers."""

    path: str
    """File or folder relative to the workspace root."""
    what: str
    """One line for the manifest and the docs."""


DATA = Artifact("data", "canonical dataset: items, users, interactions, reviews, dataset.json, quality.json")
TEXT = Artifact("text", "embeddings.safetensors and encoder.json")
EMBEDDINGS_FILE = f"{TEXT.path}/embeddings.safetensors"
SPLIT = Artifact("split", "{train,valid,test}.parquet, cold_{...}.parquet and split.json")
MODELS = Artifact("models", "<name>/model.safetensors + config.json, training_history.parquet")
EVALUATION = Artifact("evaluation", "metrics, per-user metrics, protocols, cold-start metrics")
PROJECTION = Artifact("projection", "{text,mf}.parquet and projection.json")
PORTRAITS = Artifact("portraits", "users, aspects, item clusters")
FINETUNED = Artifact("finetune", "encoder/: the encoder fine-tuned on this shop (build --finetune)")
FINETUNED_ENCODER = f"{FINETUNED.path}/encoder"
FINETUNE_DECISION = f"{FINETUNED.path}/decision.json"
"""Whether the build kept the fine-tuned encoder, and the validation numbers behind it."""
QUALITY_FILE = "reasons/quality.json"
# What produced an explanation-quality entry: the data and the trained models (the generator's own
# identity is recorded beside them). An entry whose producers differ from the manifest's is stale.
QUALITY_PRODUCERS = ("fingerprint", "train_key")


def read_dataset(root: Path) -> Dataset:
    return Dataset.load(root / DATA.path)


def read_embeddings(root: Path) -> dict[str, np.ndarray]:
    return load_file(root / EMBEDDINGS_FILE)


def cold_part_path(root: Path, part: str) -> Path:
    """The cold-start split's "train", "valid" or "test" table in a workspace or staging folder."""
    return Path(root) / SPLIT.path / f"cold_{part}.parquet"


def read_split(root: Path) -> dict[str, pd.DataFrame]:
    return {part: pd.read_parquet(root / SPLIT.path / f"{part}.parquet")
            for part in ("train", "valid", "test")}


def quality_producers(manifest: dict) -> dict[str, str | None]:
    """The producer stamp a quality entry written for this workspace carries."""
    return {"fingerprint": manifest.get("fingerprint"),
            "train_key": manifest.get("stage_keys", {}).get("train")}


def current_quality(entries: dict, manifest: dict) -> dict[str, dict]:
    """The quality entries produced by this workspace's data and models; stale ones left out."""
    stamp = quality_producers(manifest)
    return {name: entry for name, entry in entries.items()
            if isinstance(entry, dict) and all(entry.get(k) == v for k, v in stamp.items())}


