"""Workspace layout on disk, and a read-only view of a built workspace.

    <workspace>/manifest.json             config, versions, data fingerprint, stage timings, each
                                          stage's key, definition (upstream keys, params, code hash,
                                          packages) and why it ran, and the size and sha256 of every
                                          file below (see integrity.py); paths and readers: layout.py
    <workspace>/data/*.parquet            canonical dataset (+ dataset.json: name, load report;
                                          quality.json: the data-quality card, llmrec/data/quality.py)
    <workspace>/text/embeddings.safetensors   items, reviews, item_reviews, users (float32, L2-normed)
    <workspace>/split/{train,valid,test}.parquet  the split used for training/evaluation (split.json)
    <workspace>/models/<name>/            model.safetensors + config.json per trained model
    <workspace>/projection/{text,mf}.parquet  item_id, x, y (seeded 2-D UMAP)
    <workspace>/portraits/users.parquet   one row per user; portraits/aspects.parquet (user, aspect)
    <workspace>/evaluation/metrics.parquet, per_user.parquet, protocol.json, cold_start.parquet
    <workspace>/reasons/cache.parquet     generated texts keyed by model, prompt version and evidence
    <workspace>/reasons/quality.json      explanation quality per generator (`python -m llmrec explain`),
                                          each entry stamped with what produced it (QUALITY_PRODUCERS)

Nothing here is pickled; arrays are safetensors, tables Parquet, metadata JSON. Every read goes
through this module, which turns a missing or damaged file into one WorkspaceError naming the file
and the fix, instead of a pyarrow, safetensors or JSON traceback.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from safetensors import SafetensorError
from safetensors.numpy import load_file

from llmrec.data.dataset import Dataset
from llmrec.data.ids import IdMap
from llmrec.data.quality import FILE as QUALITY_CARD
from llmrec.data.quality import DataQuality, data_quality
from llmrec.errors import DamagedArtifactError, WorkspaceError
from llmrec.pipeline import integrity
from llmrec.pipeline.integrity import MANIFEST, Problem, rebuild_hint
from llmrec.pipeline.layout import (  # noqa: F401  (re-exported: the workspace's layout)
    DATA,
    EMBEDDINGS_FILE,
    FINETUNED_ENCODER,
    QUALITY_FILE,
    QUALITY_PRODUCERS,
    SPLIT,
    current_quality,
    quality_producers,
    read_dataset,
    read_embeddings,
    read_split,
)
from llmrec.pipeline.workdir import wait_for_swap

LAYOUT_VERSION = 1
# What every manifest holds, with its type: anything else means the manifest is damaged.
REQUIRED = {"layout_version": int, "config": dict, "models": list, "counts": dict, "stage_keys": dict}
# Errors the readers (pyarrow, safetensors, json, the file system) raise for a bad file.
READ_ERRORS = (OSError, ValueError, pa.ArrowException, SafetensorError)


def read_manifest(root: Path) -> dict:
    """The parsed manifest of `root`, checked for shape; WorkspaceError when it is not usable."""
    path = root / MANIFEST
    if not path.is_file():
        raise WorkspaceError(f"{root} is not a built workspace (no {MANIFEST}); "
                             "run `python -m llmrec build` first")
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise _damaged(root, MANIFEST, _short(error)) from None
    if not isinstance(manifest, dict):
        raise _damaged(root, MANIFEST, f"a JSON {type(manifest).__name__}, expected an object")
    version = manifest.get("layout_version")
    if version != LAYOUT_VERSION:
        which = "a newer" if isinstance(version, int) and version > LAYOUT_VERSION else "an older"
        raise WorkspaceError(f"{root} was written by {which} llmrec (layout version {version!r}, this "
                             f"one reads {LAYOUT_VERSION}); {rebuild_hint(root)}")
    for key, kind in REQUIRED.items():
        if not isinstance(manifest.get(key), kind):
            raise _damaged(root, MANIFEST, f"'{key}' is missing or not a {kind.__name__}")
    if "files" in manifest and not integrity.valid_files(manifest["files"]):
        raise _damaged(root, MANIFEST, "'files' is not a mapping of path -> size and checksum")
    return manifest


class Workspace:
    """Read access to a built workspace; every artifact is loaded lazily, once.

    Opening checks the manifest and that every recorded file exists with its recorded size (one
    stat each); `verify(checksums=True)` also compares contents.
    """

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        if not wait_for_swap(self.root):
            raise WorkspaceError(
                f"{self.root} is not a built workspace (no {MANIFEST}); "
                "run `python -m llmrec build` first")
        self.manifest: dict = read_manifest(self.root)
        found = self.verify(checksums=False)
        if found:
            more = f" (and {len(found) - 1} more damaged files)" if len(found) > 1 else ""
            raise DamagedArtifactError(f"workspace {self.root} is damaged: {found[0]}{more}; "
                                       f"{rebuild_hint(self.root)}", file=found[0].file, what=found[0].what)

    @property
    def files(self) -> dict[str, dict]:
        """Recorded artifact files (empty for a workspace written before checksums were recorded)."""
        return self.manifest.get("files", {})

    def verify(self, *, checksums: bool = True) -> list[Problem]:
        """Recorded files that are missing or differ in size (and, with `checksums`, in content)."""
        return integrity.problems(self.root, self.files, checksums=checksums)

    @cached_property
    def dataset(self) -> Dataset:
        with self._reading(DATA.path):
            return read_dataset(self.root)

    @cached_property
    def data_quality(self) -> DataQuality:
        """The data-quality card the build computed (computed now for a workspace built before it was)."""
        if not (self.root / DATA.path / QUALITY_CARD).is_file():
            return data_quality(self.dataset)
        with self._reading(f"{DATA.path}/{QUALITY_CARD}"):
            return DataQuality.load(self.root / DATA.path)

    @cached_property
    def ids(self) -> IdMap:
        return IdMap.from_dataset(self.dataset)

    @cached_property
    def embeddings(self) -> dict[str, np.ndarray]:
        """'items', 'reviews', 'item_reviews', 'users': row i matches row i of the same table."""
        with self._reading(EMBEDDINGS_FILE):
            return read_embeddings(self.root)

    def arrays(self, relative: str) -> dict[str, np.ndarray]:
        """A safetensors file of the workspace."""
        with self._reading(relative):
            return load_file(self.root / relative)

    def table(self, relative: str) -> pd.DataFrame:
        """A Parquet table of the workspace."""
        with self._reading(relative):
            return pd.read_parquet(self.root / relative)

    def columns(self, relative: str) -> list[str]:
        """The column names of a Parquet table, read from its footer only."""
        import pyarrow.parquet as pq

        with self._reading(relative):
            return list(pq.read_schema(self.root / relative).names)

    def json(self, relative: str) -> dict:
        """A JSON object of the workspace."""
        with self._reading(relative):
            value = json.loads((self.root / relative).read_text())
        if not isinstance(value, dict):
            raise _damaged(self.root, relative, f"a JSON {type(value).__name__}, expected an object")
        return value

    @contextmanager
    def _reading(self, relative: str) -> Iterator[None]:
        """Translate a reader's error about `relative` (a file or folder) into a WorkspaceError."""
        try:
            yield
        except READ_ERRORS as error:
            culprit = _culprit(self.root, relative, error)
            if culprit is None:
                raise DamagedArtifactError(f"workspace {self.root}: {relative} is missing; "
                                           f"{rebuild_hint(self.root)}", file=relative, what="missing") \
                    from None
            raise _damaged(self.root, culprit, _short(error)) from None

    @cached_property
    def split(self) -> dict[str, pd.DataFrame]:
        with self._reading(SPLIT.path):
            return read_split(self.root)

    @property
    def encoder_source(self) -> str | Path | None:
        """The encoder the items were embedded with: the shop's fine-tuned copy when the build made
        one, else the configured model (None: the packaged MiniLM). Queries must use the same one."""
        tuned = self.root / FINETUNED_ENCODER
        if (tuned / "config.json").is_file():
            return tuned
        return (self.manifest.get("config") or {}).get("encoder")

    @property
    def model_names(self) -> list[str]:
        return list(self.manifest.get("models", []))

    def projection(self, space: str) -> pd.DataFrame:
        """item_id, x, y for space 'text' or 'mf'."""
        return self.table(f"projection/{space}.parquet")


def _damaged(root: Path, relative: str, why: str) -> DamagedArtifactError:
    return DamagedArtifactError(f"workspace {root}: {relative} is damaged ({why}); {rebuild_hint(root)}",
                                file=relative, what=f"damaged ({why})")


def _short(error: BaseException) -> str:
    """The first line of a reader's message, without local paths, at most 100 characters."""
    if isinstance(error, FileNotFoundError):
        return "missing"
    text = (str(error).strip().splitlines() or [type(error).__name__])[0]
    text = text if len(text) <= 100 else text[:97] + "..."
    return f"{type(error).__name__}: {text}"


def _culprit(root: Path, relative: str, error: BaseException) -> str | None:
    """The file (relative to root) a reader failed on; None when the artifact is simply missing.

    A folder artifact (the dataset) is read by code that does not say which file failed, so its
    files are probed one by one.
    """
    filename = getattr(error, "filename", None)
    if isinstance(error, FileNotFoundError) and filename:
        try:
            return Path(filename).resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            return relative
    path = root / relative
    if not path.exists():
        return None
    if path.is_file():
        return relative
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        if not _readable(file):
            return file.relative_to(root).as_posix()
    return relative


def _readable(path: Path) -> bool:
    import pyarrow.parquet as pq

    try:
        if path.suffix == ".parquet":
            pq.read_metadata(path)
        elif path.suffix == ".json":
            json.loads(path.read_text())
        return True
    except READ_ERRORS:
        return False
