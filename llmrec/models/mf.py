"""BPR matrix factorisation: the torch module, the one BPR training loop, and the BPRMF estimator.

r_ui = p_u . q_i + b_i, trained on sampled triples (u, i+, j-) to rank i+ above j-.
The text-aware hybrid (hybrid.py) reuses the loop; it only changes how q_i and b_i are built.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import torch
import torch.nn.functional as F
from torch import nn

from llmrec.models._common import (
    EarlyStopping,
    ParamsMixin,
    check_bool,
    check_finite,
    check_float,
    check_indices,
    check_int,
    check_matrix,
    check_train,
    contains,
    expect_shapes,
    resolve_seed,
    sorted_pair_keys,
    torch_threads,
    validation_ndcg,
)
from llmrec.models.base import EpochCallback, check_fitted
from llmrec.models.persistence import PersistenceMixin

INIT_STD = 0.1
# Resampling rounds for negatives that hit a training positive; the few left after the last round are
# kept (a user with a fraction d of all items keeps a clash with probability d ** (rounds + 1)).
NEGATIVE_ROUNDS = 3


class MFModule(nn.Module):
    """User vectors p_u, item vectors q_i and item biases b_i as plain parameter tables."""

    def __init__(self, n_users: int, n_items: int, factors: int, item_bias: bool,
                 generator: torch.Generator) -> None:
        super().__init__()
        self.user = nn.Parameter(torch.randn(n_users, factors, generator=generator) * INIT_STD)
        self.item = nn.Parameter(torch.randn(n_items, factors, generator=generator) * INIT_STD)
        self.bias = nn.Parameter(torch.zeros(n_items)) if item_bias else None

    def item_terms(self, items: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(vectors (b, f), biases (b,), squared norm to regularise (b,)) of `items` (b,)."""
        vectors = self.item[items]                                          # (b, f)
        bias = self.bias[items] if self.bias is not None else vectors.new_zeros(len(items))  # (b,)
        return vectors, bias, vectors.square().sum(-1) + bias.square()

    def all_item_terms(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(vectors (n_items, f), biases (n_items,)) of every item."""
        vectors, bias, _ = self.item_terms(torch.arange(self.item.shape[0]))
        return vectors, bias

    def global_penalty(self) -> torch.Tensor:
        """Regularisation of parameters shared by all items (none here)."""
        return self.user.new_zeros(())

    def forward(self, users: torch.Tensor, positives: torch.Tensor,
                negatives: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(BPR loss, L2 penalty) of a batch: users (b,), positives (b,), negatives (b, m)."""
        items = torch.cat([positives[:, None], negatives], dim=1)          # (b, 1 + m), positive first
        p = self.user[users]                                                # (b, f)
        q, bias, norms = self.item_terms(items.view(-1))                    # (b(1+m), f), (b(1+m),) x 2
        x = (q.view(*items.shape, -1) * p[:, None, :]).sum(-1) + bias.view(items.shape)  # (b, 1 + m)
        loss = F.softplus(x[:, 1:] - x[:, :1]).mean()                      # -log sigmoid(x_pos - x_neg)
        penalty = (p.square().sum() + norms.sum()) / len(users) + self.global_penalty()
        return loss, penalty


@dataclass(frozen=True)
class BPRSettings:
    epochs: int
    lr: float
    reg: float
    batch_size: int
    negatives: int
    patience: int | None
    eval_every: int


def sample_negatives(users: torch.Tensor, n_items: int, positive_keys: torch.Tensor, negatives: int,
                     generator: torch.Generator) -> torch.Tensor:
    """(len(users), negatives) uniform item indices, resampled where they are training positives."""
    sampled = torch.randint(n_items, (len(users), negatives), generator=generator)      # (n, m)
    for _ in range(NEGATIVE_ROUNDS):
        clash = contains(positive_keys, users[:, None] * n_items + sampled)              # (n, m)
        count = int(clash.sum())
        if count == 0:
            break
        sampled[clash] = torch.randint(n_items, (count,), generator=generator)
    return sampled


def module_scores(module: MFModule, users: np.ndarray) -> np.ndarray:
    """(len(users), n_items) scores of the module in its current state."""
    with torch.no_grad():
        vectors, bias = module.all_item_terms()                             # (n_items, f), (n_items,)
        return (module.user[torch.from_numpy(users)] @ vectors.T + bias).numpy()


def train_bpr(module: MFModule, train: sp.csr_matrix, settings: BPRSettings, generator: torch.Generator,
              validation: sp.csr_matrix | None = None,
              callback: EpochCallback | None = None) -> tuple[list[dict[str, float]], int]:
    """Train `module` with BPR on the non-zeros of `train`; returns (per-epoch metrics, best epoch).

    With `validation`, NDCG@10 is measured every `eval_every` epochs, training stops after
    `patience` evaluations without improvement, and the best evaluated parameters are restored.
    """
    n_items = train.shape[1]
    coo = train.tocoo()
    users = torch.from_numpy(coo.row.astype(np.int64))                      # (nnz,)
    items = torch.from_numpy(coo.col.astype(np.int64))                      # (nnz,)
    positive_keys = sorted_pair_keys(train)
    optimizer = torch.optim.Adam(module.parameters(), lr=settings.lr, fused=True)
    stopping = EarlyStopping(settings.patience, higher_is_better=True)
    history: list[dict[str, float]] = []
    owner = type(module).__name__

    for epoch in range(1, settings.epochs + 1):
        module.train()
        order = torch.randperm(len(users), generator=generator)             # (nnz,)
        epoch_users, epoch_items = users[order], items[order]
        epoch_negatives = sample_negatives(epoch_users, n_items, positive_keys, settings.negatives,
                                           generator)                        # (nnz, m)
        total = torch.zeros(())
        for start in range(0, len(users), settings.batch_size):
            batch = slice(start, start + settings.batch_size)
            loss, penalty = module(epoch_users[batch], epoch_items[batch], epoch_negatives[batch])
            optimizer.zero_grad(set_to_none=True)
            (loss + settings.reg * penalty).backward()
            optimizer.step()
            total += loss.detach() * len(epoch_users[batch])
        metrics = {"loss": float(total) / len(users)}
        check_finite({name: p.detach().numpy() for name, p in module.named_parameters()},
                     owner=owner, when=f"after epoch {epoch}")

        stop = False
        if validation is not None and (epoch % settings.eval_every == 0 or epoch == settings.epochs):
            module.eval()
            ndcg = validation_ndcg(lambda rows: module_scores(module, rows), train, validation)
            metrics["val_ndcg@10"] = ndcg
            stop = stopping.update(epoch, ndcg, module)
        history.append(metrics)
        if callback is not None:
            callback(epoch, dict(metrics))
        if stop:
            break

    module.eval()
    if validation is not None and stopping.best_state is not None:
        stopping.restore(module)
        return history, stopping.best_epoch
    return history, len(history)


class BPRMF(ParamsMixin, PersistenceMixin):
    """Matrix factorisation r_ui = p_u . q_i + b_i trained with the BPR pairwise loss.

    Each epoch visits every training pair once, with `negatives` uniformly sampled items per pair
    (negatives that are training positives are resampled a few times; the rare ones left are
    accepted). Adam, L2 `reg` on the vectors and biases in each batch. With `validation`, stops early
    on NDCG@10 and keeps the best epoch's parameters (`best_epoch_`). `patience=None` never stops early.

    Users with no training interactions get zero vectors, i.e. item-bias-only scores (all zero when
    item_bias=False). `threads` sets torch's thread count during fit (None: torch's default).
    """

    name = "bpr"

    def __init__(self, factors: int = 64, epochs: int = 30, lr: float = 0.01, reg: float = 1e-4,
                 batch_size: int = 4096, negatives: int = 1, item_bias: bool = True,
                 patience: int | None = 3, eval_every: int = 1, random_state: int | None = 0,
                 threads: int | None = None) -> None:
        self.factors = factors
        self.epochs = epochs
        self.lr = lr
        self.reg = reg
        self.batch_size = batch_size
        self.negatives = negatives
        self.item_bias = item_bias
        self.patience = patience
        self.eval_every = eval_every
        self.random_state = random_state
        self.threads = threads

    def _validate_params(self) -> None:
        for name in ("factors", "epochs", "batch_size", "negatives", "eval_every"):
            check_int(self, name, minimum=1)
        check_float(self, "lr", minimum=0.0, strict=True)
        check_float(self, "reg", minimum=0.0)
        check_bool(self, "item_bias")
        check_int(self, "patience", minimum=1, optional=True)
        check_int(self, "random_state", minimum=0, optional=True)
        check_int(self, "threads", minimum=1, optional=True)

    # -- training -------------------------------------------------------------------------------------

    def fit(self, train: sp.csr_matrix, *, item_text: np.ndarray | None = None,
            validation: sp.csr_matrix | None = None, callback: EpochCallback | None = None) -> BPRMF:
        """Learn the factors from the non-zeros of `train` (values are ignored: implicit feedback)."""
        self._validate_params()
        train = check_train(train)
        if validation is not None:
            validation = check_matrix(validation, what="validation", shape=train.shape)
        generator = torch.Generator().manual_seed(resolve_seed(self.random_state))
        settings = BPRSettings(epochs=self.epochs, lr=float(self.lr), reg=float(self.reg),
                               batch_size=self.batch_size, negatives=self.negatives,
                               patience=self.patience, eval_every=self.eval_every)
        with torch_threads(self.threads):
            module = self._build_module(train, item_text, generator)
            self.history_, self.best_epoch_ = train_bpr(module, train, settings, generator, validation,
                                                        callback)
            self._export(module, train)
        return self

    def _build_module(self, train: sp.csr_matrix, item_text: np.ndarray | None,
                      generator: torch.Generator) -> MFModule:
        return MFModule(train.shape[0], train.shape[1], self.factors, self.item_bias, generator)

    def _export(self, module: MFModule, train: sp.csr_matrix) -> None:
        """Copy the learned tables out of `module` as numpy arrays (the fitted state)."""
        with torch.no_grad():
            vectors, bias = module.all_item_terms()
            users = module.user.detach().numpy().copy()
        users[np.diff(train.indptr) == 0] = 0.0        # no training data: item-bias-only scores
        self.user_factors_ = users.astype(np.float32)
        self.item_factors_ = vectors.numpy().astype(np.float32)
        self.item_bias_ = bias.numpy().astype(np.float32)
        check_finite(self._state(), owner=type(self).__name__, when="after training")

    # -- scoring ----------------------------------------------------------------------------------------

    def score(self, users: np.ndarray) -> np.ndarray:
        check_fitted(self, "user_factors_")
        users = check_indices(users, len(self.user_factors_))
        return self.user_factors_[users] @ self.item_factors_.T + self.item_bias_  # (b, n_items)

    def _check_pair(self, user: int, item: int) -> tuple[int, int]:
        check_fitted(self, "user_factors_")
        return (int(check_indices(user, len(self.user_factors_))[0]),
                int(check_indices(item, len(self.item_factors_), kind="item")[0]))

    def explain(self, user: int, item: int, top: int = 5) -> dict:
        """score(user, item) split into the factor dot product and the item bias, plus the factors
        contributing most (largest |p_uk q_ik|)."""
        user, item = self._check_pair(user, item)
        contributions = self.user_factors_[user] * self.item_factors_[item]   # (f,)
        parts = {"factors": float(contributions.sum()), "item_bias": float(self.item_bias_[item])}
        return {"model": self.name, "user": user, "item": item, "score": float(sum(parts.values())),
                "parts": parts, "top_factors": top_factors(contributions, top)}

    # -- persistence ------------------------------------------------------------------------------------

    def _state(self) -> dict[str, np.ndarray]:
        check_fitted(self, "user_factors_")
        return {"user_factors": self.user_factors_, "item_factors": self.item_factors_,
                "item_bias": self.item_bias_}

    def _set_state(self, tensors: dict[str, np.ndarray]) -> None:
        f = self.factors
        n_items = tensors["item_bias"].shape[0] if "item_bias" in tensors else None
        expect_shapes(tensors, {"user_factors": (None, f), "item_factors": (n_items, f),
                                "item_bias": (None,)}, owner=type(self).__name__)
        self.user_factors_ = tensors["user_factors"]
        self.item_factors_ = tensors["item_factors"]
        self.item_bias_ = tensors["item_bias"]


def top_factors(contributions: np.ndarray, top: int) -> list[dict]:
    """The `top` factors with the largest absolute contribution, largest first."""
    order = np.argsort(-np.abs(contributions), kind="stable")[:top]
    return [{"factor": int(k), "contribution": float(contributions[k])} for k in order]
