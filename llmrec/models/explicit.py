"""RatingMF: biased matrix factorisation for explicit ratings, r_ui = mu + b_u + b_i + p_u . q_i."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import torch
import torch.nn.functional as F
from torch import nn

from llmrec.errors import DataError
from llmrec.models._common import (
    EarlyStopping,
    ParamsMixin,
    check_finite,
    check_float,
    check_indices,
    check_int,
    check_matrix,
    check_train,
    expect_shapes,
    resolve_seed,
)
from llmrec.models.base import EpochCallback, check_fitted
from llmrec.models.mf import INIT_STD, top_factors
from llmrec.models.persistence import PersistenceMixin


class BiasedMFModule(nn.Module):
    """mu + b_u + b_i + p_u . q_i; mu is the fixed training mean."""

    def __init__(self, n_users: int, n_items: int, factors: int, mean: float,
                 generator: torch.Generator) -> None:
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32))
        self.user = nn.Parameter(torch.randn(n_users, factors, generator=generator) * INIT_STD)
        self.item = nn.Parameter(torch.randn(n_items, factors, generator=generator) * INIT_STD)
        self.user_bias = nn.Parameter(torch.zeros(n_users))
        self.item_bias = nn.Parameter(torch.zeros(n_items))

    def forward(self, users: torch.Tensor, items: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(predicted ratings (b,), L2 penalty) for pairs users (b,), items (b,)."""
        p, q = self.user[users], self.item[items]                           # (b, f), (b, f)
        b_u, b_i = self.user_bias[users], self.item_bias[items]             # (b,), (b,)
        prediction = self.mean + b_u + b_i + (p * q).sum(-1)                # (b,)
        penalty = (p.square().sum() + q.square().sum() + b_u.square().sum() + b_i.square().sum()) / len(users)
        return prediction, penalty


def _pairs(matrix: sp.csr_matrix) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    coo = matrix.tocoo()
    return (torch.from_numpy(coo.row.astype(np.int64)), torch.from_numpy(coo.col.astype(np.int64)),
            torch.from_numpy(coo.data.astype(np.float32)))


class RatingMF(ParamsMixin, PersistenceMixin):
    """Biased MF fit to the values of `train` (ratings) with mean squared error, Adam and L2 `reg`.

    `predict` returns ratings clipped to the range seen in training; `score` returns the unclipped
    predictions for ranking. With `validation` (a CSR of held-out ratings), stops early on RMSE and
    keeps the best epoch. Users or items without training ratings get zero vectors and biases, so
    they are predicted from the other terms (the global mean at worst).
    """

    name = "rating_mf"

    def __init__(self, factors: int = 32, epochs: int = 50, lr: float = 0.01, reg: float = 0.02,
                 batch_size: int = 4096, patience: int | None = 5, random_state: int | None = 0) -> None:
        self.factors = factors
        self.epochs = epochs
        self.lr = lr
        self.reg = reg
        self.batch_size = batch_size
        self.patience = patience
        self.random_state = random_state

    def _validate_params(self) -> None:
        for name in ("factors", "epochs", "batch_size"):
            check_int(self, name, minimum=1)
        check_float(self, "lr", minimum=0.0, strict=True)
        check_float(self, "reg", minimum=0.0)
        check_int(self, "patience", minimum=1, optional=True)
        check_int(self, "random_state", minimum=0, optional=True)

    def fit(self, train: sp.csr_matrix, *, item_text: np.ndarray | None = None,
            validation: sp.csr_matrix | None = None, callback: EpochCallback | None = None) -> RatingMF:
        """Fit to the ratings stored as the values of `train` (users x items)."""
        self._validate_params()
        train = check_train(train)
        if validation is not None:
            validation = check_matrix(validation, what="validation", shape=train.shape)
            if validation.nnz == 0:
                validation = None
        generator = torch.Generator().manual_seed(resolve_seed(self.random_state))
        users, items, ratings = _pairs(train)
        module = BiasedMFModule(*train.shape, self.factors, float(ratings.mean()), generator)
        optimizer = torch.optim.Adam(module.parameters(), lr=float(self.lr), fused=True)
        stopping = EarlyStopping(self.patience, higher_is_better=False)
        self.history_ = []

        for epoch in range(1, self.epochs + 1):
            module.train()
            order = torch.randperm(len(users), generator=generator)         # (nnz,)
            total = torch.zeros(())
            for start in range(0, len(order), self.batch_size):
                batch = order[start:start + self.batch_size]                # (b,)
                prediction, penalty = module(users[batch], items[batch])
                loss = F.mse_loss(prediction, ratings[batch])
                optimizer.zero_grad(set_to_none=True)
                (loss + self.reg * penalty).backward()
                optimizer.step()
                total += loss.detach() * len(batch)
            metrics = {"loss": float(total) / len(order)}
            check_finite({k: v.detach().numpy() for k, v in module.named_parameters()},
                         owner=type(self).__name__, when=f"after epoch {epoch}")
            stop = False
            if validation is not None:
                module.eval()
                with torch.no_grad():
                    v_users, v_items, v_ratings = _pairs(validation)
                    prediction, _ = module(v_users, v_items)
                    metrics["val_rmse"] = float(F.mse_loss(prediction, v_ratings).sqrt())
                stop = stopping.update(epoch, metrics["val_rmse"], module)
            self.history_.append(metrics)
            if callback is not None:
                callback(epoch, dict(metrics))
            if stop:
                break

        if validation is not None:
            stopping.restore(module)
        self.best_epoch_ = stopping.best_epoch if validation is not None else len(self.history_)
        self._export(module, train)
        return self

    def _export(self, module: BiasedMFModule, train: sp.csr_matrix) -> None:
        state = {k: v.detach().numpy().astype(np.float32).copy() for k, v in module.named_parameters()}
        no_users = np.diff(train.indptr) == 0
        no_items = np.bincount(train.indices, minlength=train.shape[1]) == 0
        state["user"][no_users], state["user_bias"][no_users] = 0.0, 0.0
        state["item"][no_items], state["item_bias"][no_items] = 0.0, 0.0
        self.user_factors_, self.item_factors_ = state["user"], state["item"]
        self.user_bias_, self.item_bias_ = state["user_bias"], state["item_bias"]
        self.global_mean_ = float(module.mean)
        self.rating_range_ = (float(train.data.min()), float(train.data.max()))
        check_finite(self._state(), owner=type(self).__name__, when="after training")

    # -- prediction -------------------------------------------------------------------------------------

    def predict(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        """Predicted ratings of the pairs (users[k], items[k]), clipped to the training range."""
        check_fitted(self, "user_factors_")
        users = check_indices(users, len(self.user_factors_))
        items = check_indices(items, len(self.item_factors_), kind="item")
        if len(users) != len(items):
            raise DataError(f"predict needs as many users as items, got {len(users)} and {len(items)}")
        ratings = (self.global_mean_ + self.user_bias_[users] + self.item_bias_[items]
                   + np.einsum("bf,bf->b", self.user_factors_[users], self.item_factors_[items]))
        return np.clip(ratings, *self.rating_range_).astype(np.float32)

    def score(self, users: np.ndarray) -> np.ndarray:
        """Unclipped predicted ratings of every item, (len(users), n_items) float32."""
        check_fitted(self, "user_factors_")
        users = check_indices(users, len(self.user_factors_))
        scores = self.user_factors_[users] @ self.item_factors_.T           # (b, n_items)
        scores += self.item_bias_ + (self.global_mean_ + self.user_bias_[users])[:, None]
        return scores.astype(np.float32, copy=False)

    def explain(self, user: int, item: int, top: int = 5) -> dict:
        """score(user, item) as global mean + user bias + item bias + factors, with the top factors."""
        check_fitted(self, "user_factors_")
        user = int(check_indices(user, len(self.user_factors_))[0])
        item = int(check_indices(item, len(self.item_factors_), kind="item")[0])
        contributions = self.user_factors_[user] * self.item_factors_[item]   # (f,)
        parts = {"global_mean": self.global_mean_, "user_bias": float(self.user_bias_[user]),
                 "item_bias": float(self.item_bias_[item]), "factors": float(contributions.sum())}
        return {"model": self.name, "user": user, "item": item, "score": float(sum(parts.values())),
                "parts": parts, "top_factors": top_factors(contributions, top)}

    # -- persistence ------------------------------------------------------------------------------------

    def _state(self) -> dict[str, np.ndarray]:
        check_fitted(self, "user_factors_")
        return {"user_factors": self.user_factors_, "item_factors": self.item_factors_,
                "user_bias": self.user_bias_, "item_bias": self.item_bias_,
                "global_mean": np.array([self.global_mean_], dtype=np.float32),
                "rating_range": np.array(self.rating_range_, dtype=np.float32)}

    def _set_state(self, tensors: dict[str, np.ndarray]) -> None:
        f = self.factors
        n_users = tensors["user_bias"].shape[0] if "user_bias" in tensors else None
        n_items = tensors["item_bias"].shape[0] if "item_bias" in tensors else None
        expect_shapes(tensors, {"user_factors": (n_users, f), "item_factors": (n_items, f),
                                "user_bias": (None,), "item_bias": (None,), "global_mean": (1,),
                                "rating_range": (2,)}, owner=type(self).__name__)
        self.user_factors_, self.item_factors_ = tensors["user_factors"], tensors["item_factors"]
        self.user_bias_, self.item_bias_ = tensors["user_bias"], tensors["item_bias"]
        self.global_mean_ = float(tensors["global_mean"][0])
        self.rating_range_ = (float(tensors["rating_range"][0]), float(tensors["rating_range"][1]))


def rmse_mae(model: RatingMF, test: sp.csr_matrix) -> tuple[float, float]:
    """(RMSE, MAE) of `model.predict` on the ratings stored in `test` (users x items)."""
    test = check_matrix(test, what="test")
    if test.nnz == 0:
        raise DataError("test holds no ratings")
    coo = test.tocoo()
    error = model.predict(coo.row, coo.col).astype(np.float64) - coo.data
    return float(np.sqrt(np.mean(error**2))), float(np.mean(np.abs(error)))
