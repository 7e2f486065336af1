"""BiasBaseline: r_ui = mu + b_u + b_i with regularised biases, the rating baseline to beat."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from llmrec.errors import DataError
from llmrec.models._common import check_float, check_indices, check_int, check_train, expect_shapes
from llmrec.models.base import EpochCallback, Explanation, Recommender, check_fitted


def fit_biases(train: sp.csr_matrix, reg: float, sweeps: int) -> tuple[float, np.ndarray, np.ndarray]:
    """(mu, user biases (n_users,), item biases (n_items,)): least squares + reg (|b_u|^2 + |b_i|^2).

    Alternating least squares: each sweep solves the item biases given the user biases, then the user
    biases given the item biases, each in closed form b = sum(residuals) / (count + reg).
    """
    coo = train.tocoo()
    ratings = coo.data.astype(np.float64)
    mean = float(ratings.mean())
    n_users, n_items = train.shape
    user_count = np.bincount(coo.row, minlength=n_users)
    item_count = np.bincount(coo.col, minlength=n_items)
    user_bias, item_bias = np.zeros(n_users), np.zeros(n_items)
    for _ in range(sweeps):
        item_bias = np.bincount(coo.col, ratings - mean - user_bias[coo.row], n_items) / (item_count + reg)
        user_bias = np.bincount(coo.row, ratings - mean - item_bias[coo.col], n_users) / (user_count + reg)
    return mean, user_bias.astype(np.float32), item_bias.astype(np.float32)


class BiasBaseline(Recommender):
    """Global mean plus a user and an item bias, fit to the ratings in `train` by a few ALS sweeps.

    `reg` shrinks the biases of users and items with few ratings toward zero (reg 5: a bias from 5
    ratings counts half). Ranking by it is ranking by item bias (the user bias is the same for every
    item). Users and items without ratings get bias 0. Not iterative: `validation` and `callback` are
    unused.
    """

    name = "bias"

    def __init__(self, reg: float = 5.0, sweeps: int = 10) -> None:
        self.reg = reg
        self.sweeps = sweeps

    def _validate_params(self) -> None:
        check_float(self, "reg", minimum=0.0)
        check_int(self, "sweeps", minimum=1)

    def fit(self, train: sp.csr_matrix, *, item_text: np.ndarray | None = None,
            validation: sp.csr_matrix | None = None, callback: EpochCallback | None = None) -> BiasBaseline:
        """Fit to the ratings stored as the values of `train` (users x items)."""
        self._validate_params()
        train = check_train(train)
        self._remember(train)
        self.global_mean_, self.user_bias_, self.item_bias_ = fit_biases(train, float(self.reg), self.sweeps)
        self.rating_range_ = (float(train.data.min()), float(train.data.max()))
        return self

    def _score(self, users: np.ndarray) -> np.ndarray:
        check_fitted(self, "item_bias_")
        scores = np.empty((len(users), self.n_items), dtype=np.float32)   # (b, n_items)
        scores[:] = self.item_bias_
        scores += (self.global_mean_ + self.user_bias_[users])[:, None]
        return scores

    def predict(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        """Predicted ratings of the pairs (users[k], items[k]), clipped to the training range."""
        users = check_indices(users, self.n_users)
        items = check_indices(items, self.n_items, kind="item")
        if len(users) != len(items):
            raise DataError(f"predict needs as many users as items, got {len(users)} and {len(items)}")
        ratings = self.global_mean_ + self.user_bias_[users] + self.item_bias_[items]
        return np.clip(ratings, *self.rating_range_).astype(np.float32)

    def explain(self, user: int, item: int) -> Explanation:
        """score(user, item) as global mean + user bias + item bias."""
        user = int(check_indices(user, self.n_users)[0])
        item = int(check_indices(item, self.n_items, kind="item")[0])
        parts = {"global_mean": self.global_mean_, "user_bias": float(self.user_bias_[user]),
                 "item_bias": float(self.item_bias_[item])}
        return Explanation(self.name, user, item, sum(parts.values()), parts)

    def _state(self) -> dict[str, np.ndarray]:
        check_fitted(self, "item_bias_")
        return {"user_bias": self.user_bias_, "item_bias": self.item_bias_,
                "global_mean": np.array([self.global_mean_], dtype=np.float32),
                "rating_range": np.array(self.rating_range_, dtype=np.float32)}

    def _set_state(self, tensors: dict[str, np.ndarray]) -> None:
        expect_shapes(tensors, {"user_bias": (None,), "item_bias": (None,), "global_mean": (1,),
                                "rating_range": (2,)}, owner=type(self).__name__)
        self.user_bias_, self.item_bias_ = tensors["user_bias"], tensors["item_bias"]
        self.global_mean_ = float(tensors["global_mean"][0])
        self.rating_range_ = (float(tensors["rating_range"][0]), float(tensors["rating_range"][1]))
