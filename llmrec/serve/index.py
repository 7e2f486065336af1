"""WorkspaceIndex: the lookups, loaded models and reason services derived from one built workspace."""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from llmrec.data.quality import MISSING_CATEGORIES
from llmrec.errors import ConfigError, LlmrecError, ModelError, WorkspaceError
from llmrec.models.base import Explainable, FactorModel
from llmrec.pipeline.artifacts import Workspace
from llmrec.pipeline.integrity import rebuild_hint
from llmrec.portraits.build import price_bands


class WorkspaceIndex:
    """One built workspace plus everything derived from it, built on first use and then kept.

    The workspace is immutable once built, so what is derived from it never goes stale; a rebuilt
    workspace gets a new index. Callers hold the index (the dashboard caches one per workspace root
    and manifest stamp); nothing here lives in module-level state. Frames held here are shared:
    functions of llmrec.serve never hand them out, they return new frames.
    """

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self._models: dict[str, object] = {}
        self._contexts: dict[str | None, object] = {}
        self._services: dict[tuple[str | None, int], object] = {}
        self._readers: dict[int, object] = {}
        self._reason_cache = None
        self._derived: dict[object, object] = {}

    @classmethod
    def open(cls, root: Path | str) -> WorkspaceIndex:
        return cls(Workspace(root))

    # ------------------------------------------------------------------ lookups

    @cached_property
    def items(self) -> pd.DataFrame:
        """The items table indexed by item_id, plus popularity, row and price_band (read-only)."""
        data = self.ws.dataset
        items = data.items.copy()
        popularity = data.interactions["item_id"].value_counts()
        items["popularity"] = items["item_id"].map(popularity).fillna(0).astype("int64")
        items["row"] = np.arange(len(items))
        items["price_band"] = price_bands(items).fillna("unknown").to_numpy()
        # "Unknown" is a placeholder, not a category: shown as an empty cell, never as a category.
        items["category"] = items["category"].where(~items["category"].isin(MISSING_CATEGORIES), "")
        items = items.set_index(items["item_id"].astype(str), drop=False)
        items.index.name = None
        return items

    @cached_property
    def user_rows(self) -> dict[str, np.ndarray]:
        """user_id -> row positions in the interactions table."""
        return _group_rows(self.ws.dataset.interactions["user_id"])

    @cached_property
    def item_review_rows(self) -> dict[str, np.ndarray]:
        return _group_rows(self.ws.dataset.reviews["item_id"])

    @cached_property
    def user_review_rows(self) -> dict[str, np.ndarray]:
        return _group_rows(self.ws.dataset.reviews["user_id"])

    @cached_property
    def activity(self) -> dict[str, int]:
        """user_id -> number of interactions."""
        return {u: len(r) for u, r in self.user_rows.items()}

    def derived(self, key: object, compute: Callable[[], object]):
        """A value derived from the workspace alone (a table read once, a population share),
        computed on first use and kept with the index: per-user reads then cost a lookup, not a scan
        of a million rows. Callers must not mutate what it returns."""
        if key not in self._derived:
            self._derived[key] = compute()
        return self._derived[key]

    def user_slice(self, relative: str, user_id: str) -> pd.DataFrame:
        """The rows of a per-user workspace table (`portraits/interests.parquet`, ...) that belong to
        `user_id`, in file order with their row labels (what a filter on `user_id` gives; user_id as
        str). The table is read and grouped once per index."""
        table, rows = self.derived(("by user", relative), lambda: _by_user(self.ws.table(relative)))
        return table.iloc[rows.get(str(user_id), _NO_ROWS)]

    def split_slice(self, part: str, user_id: str) -> pd.DataFrame:
        """The user's rows of split `part` ("train", "valid", "test"), as a filter on user_id gives."""
        table, rows = self.derived(("split", part), lambda: (self.ws.split[part],
                                                             _group_rows(self.ws.split[part]["user_id"])))
        return table.iloc[rows.get(str(user_id), _NO_ROWS)]

    def check_user(self, user_id: str) -> int:
        """The user's row; UnknownIdError names the id when it is not in the workspace."""
        return self.ws.ids.user_index(user_id)

    def check_item(self, item_id: str) -> int:
        return self.ws.ids.item_index(item_id)

    @property
    def tie_seed(self) -> int:
        """The workspace seed: it orders tied scores here exactly as in the offline evaluation."""
        return int(self.ws.manifest.get("config", {}).get("seed", 0))

    def best(self, scores: np.ndarray, k: int) -> np.ndarray:
        """Indices of the k highest scores, best first, under the one tie rule (llmrec.models.ranking)."""
        from llmrec.models.ranking import top_indices

        return top_indices(scores, k, tie_seed=self.tie_seed)

    # ------------------------------------------------------------------ models

    @cached_property
    def model_names(self) -> tuple[str, ...]:
        """Trained models present on disk, in manifest order."""
        root = self.ws.root / "models"
        names = self.ws.model_names or sorted(p.name for p in root.glob("*") if p.is_dir())
        return tuple(n for n in names if (root / n).is_dir())

    def model(self, name: str):
        """The trained model `name` (loaded once per index)."""
        if name not in self._models:
            if name not in self.model_names:
                raise ConfigError(f"unknown model '{name}'; this workspace has: "
                                  f"{', '.join(self.model_names) or 'none'}")
            models = importlib.import_module("llmrec.models")  # imports torch: only when a model is asked for
            try:
                self._models[name] = models.load_model(self.ws.root / "models" / name, self.ws.ids)
            except ModelError as error:
                raise WorkspaceError(f"{error}; {rebuild_hint(self.ws.root)}") from None
        return self._models[name]

    # ------------------------------------------------------------------ reasons

    def reason_cache(self):
        """The workspace's generated-text cache (<workspace>/reasons/cache.parquet), one per index, so
        a text one service writes (the LLM button) is at once visible to the others."""
        if self._reason_cache is None:
            from llmrec.reasons.cache import ReasonCache

            self._reason_cache = ReasonCache.for_workspace(self.ws.root)
        return self._reason_cache

    def evidence_context(self, model: str | None):
        """The reasons' EvidenceContext for `model`'s list: its factors (MF-space history facts,
        neighbours) and its score explanation when it has them; None: text and history facts only."""
        if model not in self._contexts:
            if None not in self._contexts:
                from llmrec.data.ids import interaction_matrix
                from llmrec.reasons.context import EvidenceContext

                data = self.ws.dataset
                self._contexts[None] = EvidenceContext.from_arrays(
                    data.items, data.reviews, self.ws.ids, interaction_matrix(data.interactions, self.ws.ids),
                    item_text=self.ws.embeddings.get("items"))
            if model is not None:
                from llmrec.reasons.context import _l2 as l2  # the context's own normalisation

                obj = self.model(model)
                factors = isinstance(obj, FactorModel)
                self._contexts[model] = dataclasses.replace(
                    self._contexts[None],
                    item_factors=l2(obj.item_vectors()) if factors else None,
                    user_factors=l2(obj.user_vectors()) if factors else None,
                    explain=obj.explain if isinstance(obj, Explainable) else None,
                    _neighbours={})
        return self._contexts[model]

    def reason_service(self, model: str | None, generator=None):
        """A ReasonService explaining `model`'s list, reading and writing the generated-text cache.

        `generator`: None for the templates, or e.g. an LLMGenerator (one service per generator object).
        """
        key = (model, id(generator))
        if key not in self._services:
            from llmrec.reasons.service import ReasonService

            self._services[key] = (ReasonService(self.evidence_context(model), generator=generator,
                                                 cache=self.reason_cache()), generator)
        return self._services[key][0]

    def llm_reader(self, service):
        """A service over the same context and cache whose generator is the default local LLM, never
        loaded (None when the LLM cannot be resolved). Its identity keys the cache, so it finds what
        the LLM wrote earlier (the dashboard's button or `python -m llmrec explain --llm`)."""
        key = id(service)
        if key not in self._readers:
            from llmrec.reasons.llm import LLMGenerator

            try:
                generator = LLMGenerator()  # resolves the model file only: loading waits for first use
            except LlmrecError:
                reader = None
            else:
                reader = type(service)(service.ctx, generator, service.validator, service.cache)
            self._readers[key] = (reader, service)  # holding the service keeps its id unique
        return self._readers[key][0]


_NO_ROWS = np.empty(0, dtype=np.int64)


def _by_user(table: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    table["user_id"] = table["user_id"].astype(str)
    return table, _group_rows(table["user_id"])


def _group_rows(keys: pd.Series) -> dict[str, np.ndarray]:
    if not len(keys):
        return {}
    groups = pd.Series(np.arange(len(keys))).groupby(keys.astype(str).to_numpy()).indices
    return {str(k): np.asarray(v) for k, v in groups.items()}

