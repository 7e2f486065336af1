"""Workspace layout on disk, and a read-only view of a built workspace.

    <workspace>/manifest.json             config, versions, data fingerprint, stage timings
    <workspace>/data/*.parquet            canonical dataset (+ dataset.json: name, load report)
    <workspace>/text/embeddings.safetensors   items, reviews, item_reviews, users (float32, L2-normed)
    <workspace>/split/{train,valid,test}.parquet  leave-last-out split used for training/evaluation
    <workspace>/models/<name>/            model.safetensors + config.json per trained model
    <workspace>/projection/{text,mf}.parquet  item_id, x, y (seeded 2-D UMAP)
    <workspace>/portraits/users.parquet   one row per user; portraits/aspects.parquet (user, aspect)
    <workspace>/evaluation/metrics.parquet, per_user.parquet, protocol.json, cold_start.parquet
    <workspace>/reasons/cache.parquet     generated texts keyed by model, prompt version and evidence
    <workspace>/reasons/quality.json      explanation quality per generator (`python -m llmrec explain`)

Nothing here is pickled; arrays are safetensors, tables Parquet, metadata JSON.
"""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
from safetensors.numpy import load_file

from llmrec.data.dataset import Dataset
from llmrec.data.ids import IdMap
from llmrec.errors import WorkspaceError
from llmrec.pipeline.workdir import wait_for_swap

MANIFEST = "manifest.json"
LAYOUT_VERSION = 1


class Workspace:
    """Read access to a built workspace; every artifact is loaded lazily, once."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        if not wait_for_swap(self.root):
            raise WorkspaceError(
                f"{self.root} is not a built workspace (no {MANIFEST}); "
                "run `python -m llmrec build` first")

    @cached_property
    def manifest(self) -> dict:
        manifest = json.loads((self.root / MANIFEST).read_text())
        if manifest.get("layout_version") != LAYOUT_VERSION:
            raise WorkspaceError(f"{self.root} was written by an incompatible llmrec version; rebuild it")
        return manifest

    @cached_property
    def dataset(self) -> Dataset:
        return Dataset.load(self.root / "data")

    @cached_property
    def ids(self) -> IdMap:
        return IdMap.from_dataset(self.dataset)

    @cached_property
    def embeddings(self) -> dict[str, np.ndarray]:
        """'items', 'reviews', 'item_reviews', 'users': row i matches row i of the same table."""
        return load_file(self.root / "text" / "embeddings.safetensors")

    def table(self, relative: str) -> pd.DataFrame:
        path = self.root / relative
        if not path.is_file():
            raise WorkspaceError(f"{path} is missing; rebuild the workspace")
        return pd.read_parquet(path)

    @cached_property
    def split(self) -> dict[str, pd.DataFrame]:
        return {part: self.table(f"split/{part}.parquet") for part in ("train", "valid", "test")}

    @property
    def model_names(self) -> list[str]:
        return list(self.manifest.get("models", []))

    def projection(self, space: str) -> pd.DataFrame:
        """item_id, x, y for space 'text' or 'mf'."""
        return self.table(f"projection/{space}.parquet")
