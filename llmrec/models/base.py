"""The one interface every recommender implements, and the helpers they share."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
import scipy.sparse as sp

from llmrec.errors import NotFittedError

# Called once per epoch with (epoch, metrics such as {"loss": .., "val_ndcg@10": ..}).
EpochCallback = Callable[[int, dict[str, float]], None]


@runtime_checkable
class Recommender(Protocol):
    """fit on a users x items CSR matrix; score users against all items.

    Users and items are dense indices (see `llmrec.data.ids.IdMap`). A user index outside
    [0, n_users) raises UnknownIdError; a known user with no training interactions gets the
    model's fallback (documented per model; usually item popularity or item bias).
    """

    name: str

    def fit(self, train: sp.csr_matrix, *, item_text: np.ndarray | None = None,
            validation: sp.csr_matrix | None = None,
            callback: EpochCallback | None = None) -> Recommender: ...

    def score(self, users: np.ndarray) -> np.ndarray:
        """(len(users), n_items) float32 scores; higher is better."""
        ...

    def save(self, folder: Path) -> None: ...


def top_k(scores: np.ndarray, k: int, exclude: sp.csr_matrix | None = None,
          rows: np.ndarray | None = None) -> np.ndarray:
    """Indices of the k best items per row of `scores`, best first.

    `exclude` (users x items) masks items per user (e.g. training items) with -inf; `rows` says
    which row of `exclude` each score row belongs to.
    """
    scores = np.array(scores, dtype=np.float32, copy=True)
    if exclude is not None:
        rows = np.arange(len(scores)) if rows is None else rows
        mask = exclude[rows]
        scores[mask.nonzero()] = -np.inf
    k = min(k, scores.shape[1])
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    order = np.take_along_axis(scores, part, axis=1).argsort(axis=1)[:, ::-1]
    return np.take_along_axis(part, order, axis=1)


def check_fitted(model, attribute: str) -> None:
    if getattr(model, attribute, None) is None:
        raise NotFittedError(f"{type(model).__name__} is not fitted: call fit() or load() first")
