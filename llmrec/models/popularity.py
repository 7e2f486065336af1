"""Popularity: the number of users who interacted with each item, the same for every user."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from llmrec.models._common import ParamsMixin, check_indices, check_train, expect_shapes
from llmrec.models.base import EpochCallback, check_fitted
from llmrec.models.persistence import PersistenceMixin


class Popularity(ParamsMixin, PersistenceMixin):
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
        self.n_users_ = train.shape[0]
        self.item_counts_ = np.bincount(train.indices, minlength=train.shape[1]).astype(np.float32)
        return self

    def score(self, users: np.ndarray) -> np.ndarray:
        check_fitted(self, "item_counts_")
        users = check_indices(users, self.n_users_)
        return np.tile(self.item_counts_, (len(users), 1))  # (n_users, n_items)

    def explain(self, user: int, item: int) -> dict:
        check_fitted(self, "item_counts_")
        user = int(check_indices(user, self.n_users_)[0])
        item = int(check_indices(item, len(self.item_counts_), kind="item")[0])
        count = float(self.item_counts_[item])
        return {"model": self.name, "user": user, "item": item, "score": count,
                "parts": {"popularity": count}, "interactions": int(count)}

    def _state(self) -> dict[str, np.ndarray]:
        check_fitted(self, "item_counts_")
        return {"item_counts": self.item_counts_, "n_users": np.array([self.n_users_], dtype=np.int64)}

    def _set_state(self, tensors: dict[str, np.ndarray]) -> None:
        expect_shapes(tensors, {"item_counts": (None,), "n_users": (1,)}, owner=type(self).__name__)
        self.item_counts_ = tensors["item_counts"].astype(np.float32)
        self.n_users_ = int(tensors["n_users"][0])
