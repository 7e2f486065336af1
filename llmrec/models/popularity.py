"""Popularity: the number of users who interacted with each item, the same for every user."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from llmrec.models._common import check_indices, check_train, expect_shapes
from llmrec.models.base import EpochCallback, Explanation, Recommender, check_fitted


class Popularity(Recommender):
    """Scores every item by its interaction count in train (binary: one per user and item).

    Not iterative: `validation` and `callback` are accepted for the common interface and unused.
    """

    name = "popularity"

    def __init__(self) -> None:
        pass

    def fit(self, train: sp.csr_matrix, *, item_text: np.ndarray | None = None,
            validation: sp.csr_matrix | None = None, callback: EpochCallback | None = None) -> Popularity:
        self._validate_params()
        train = check_train(train)
        self._remember(train)
        self.item_counts_ = np.bincount(train.indices, minlength=train.shape[1]).astype(np.float32)
        return self

    def _score(self, users: np.ndarray) -> np.ndarray:
        return np.tile(self.item_counts_, (len(users), 1))  # (n_users, n_items)

    def explain(self, user: int, item: int) -> Explanation:
        """The score is the item's interaction count, one part."""
        user = int(check_indices(user, self.n_users)[0])
        item = int(check_indices(item, self.n_items, kind="item")[0])
        count = float(self.item_counts_[item])
        return Explanation(self.name, user, item, count, {"popularity": count})

    def _state(self) -> dict[str, np.ndarray]:
        check_fitted(self, "item_counts_")
        return {"item_counts": self.item_counts_}

    def _set_state(self, tensors: dict[str, np.ndarray]) -> None:
        expect_shapes(tensors, {"item_counts": (None,)}, owner=type(self).__name__)
        self.item_counts_ = tensors["item_counts"].astype(np.float32)
