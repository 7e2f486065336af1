"""BPR matrix factorisation: the parameter tables, the one BPR training loop, and the BPRMF estimator.

r_ui = p_u . q_i + b_i, trained on sampled triples (u, i+, j-) to rank i+ above j-.
The loop computes the BPR gradients by hand (no autograd) and updates only the rows a batch touched,
which is what makes an epoch cheap on CPU. The text-aware hybrid (hybrid.py) reuses the loop; it only
changes how q_i and b_i are built and where their gradients go.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
import torch
import torch.nn.functional as F
from torch import nn

from llmrec.models._common import (
    EarlyStopping,
    check_bool,
    check_finite,
    check_float,
    check_indices,
    check_int,
    check_matrix,
    check_train,
    close_epoch,
    contains,
    expect_shapes,
    finish_training,
    resolve_seed,
    sorted_pair_keys,
    torch_threads,
    validation_ndcg,
)
from llmrec.models.base import (
    EpochCallback,
    Explanation,
    FactorTables,
    Recommender,
    check_fitted,
    factor_contributions,
)

INIT_STD = 0.1
# Resampling rounds for negatives that hit a training positive; the few left after the last round are
# kept (a user with a fraction d of all items keeps a clash with probability d ** (rounds + 1)).
NEGATIVE_ROUNDS = 3
# Early stopping scores at most this many validation users (evenly spaced, so the same ones every
# evaluation): NDCG@10 over 2,000 users is precise enough to pick an epoch and keeps evaluation cheap.
VALIDATION_USERS = 2000

# One gradient for the optimizer: (parameter name, row indices or None for the whole tensor, gradient).
# With row indices, the gradient has one row per index and indices may repeat (rows are summed).
Gradient = tuple[str, torch.Tensor | None, torch.Tensor]


class MFModule(nn.Module):
    """User vectors p_u, item vectors q_i and item biases b_i as plain tables (trained without autograd)."""

    def __init__(self, n_users: int, n_items: int, factors: int, item_bias: bool,
                 generator: torch.Generator) -> None:
        super().__init__()
        self.user = nn.Parameter(torch.randn(n_users, factors, generator=generator) * INIT_STD,
                                 requires_grad=False)
        self.item = nn.Parameter(torch.randn(n_items, factors, generator=generator) * INIT_STD,
                                 requires_grad=False)
        self.bias = nn.Parameter(torch.zeros(n_items), requires_grad=False) if item_bias else None

    def item_terms(self, items: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(vectors (b, f), biases (b,)) of `items` (b,), as used for scoring."""
        vectors = self.item.index_select(0, items)                          # (b, f)
        bias = self.bias.index_select(0, items) if self.bias is not None else vectors.new_zeros(len(items))
        return vectors, bias

    def all_item_terms(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(vectors (n_items, f), biases (n_items,)) of every item."""
        return self.item_terms(torch.arange(self.item.shape[0]))

    def train_item_terms(self, items: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, Any]:
        """item_terms for a training batch, plus what item_gradients needs later (here the rows, for L2)."""
        vectors, bias = self.item_terms(items)
        return vectors, bias, (vectors, bias)

    def item_gradients(self, items: torch.Tensor, saved: Any, grad_vectors: torch.Tensor,
                       grad_bias: torch.Tensor, l2: float) -> list[Gradient]:
        """Gradients of the item parameters given d loss / d q (b, f) and d loss / d b (b,) per entry of
        `items` (b,), plus the L2 term l2 * theta for every use of a row."""
        vectors, bias = saved                                               # (b, f), (b,) rows used
        grads = [("item", items, grad_vectors.add_(vectors, alpha=l2))]
        if self.bias is not None:
            grads.append(("bias", items, grad_bias.add_(bias, alpha=l2)))
        return grads


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
    owners = users[:, None].expand_as(sampled).reshape(-1)                 # (n m,)
    flat = sampled.view(-1)                                                 # (n m,)
    check = torch.arange(len(flat))                                         # positions still to check
    for _ in range(NEGATIVE_ROUNDS):
        clash = check[contains(positive_keys, owners[check] * n_items + flat[check])]
        if len(clash) == 0:
            break
        flat[clash] = torch.randint(n_items, (len(clash),), generator=generator)
        check = clash                                                       # only redraws can clash now
    return sampled


def module_scores(module: MFModule, users: np.ndarray) -> np.ndarray:
    """(len(users), n_items) scores of the module in its current state."""
    with torch.no_grad():
        vectors, bias = module.all_item_terms()                             # (n_items, f), (n_items,)
        return (module.user[torch.from_numpy(users)] @ vectors.T + bias).numpy()


def bpr_gradients(module: MFModule, users: torch.Tensor, pair_items: torch.Tensor,
                  reg: float) -> tuple[float, list[Gradient]]:
    """(summed BPR loss, gradients of the batch's mean loss) for triples (u, i+, j-), written out by hand.

    users (b,); pair_items (2b,) holds the b positives, then the b negatives. The loss per triple is
    -log sigmoid(x_uij) with x_uij = p_u . (q_i - q_j) + b_i - b_j, plus reg * ||theta||^2 / 2 for each
    row theta it uses; gradients are of the mean over the batch.
    """
    b = len(users)
    p = module.user.index_select(0, users)                                  # (b, f)
    q, bias, saved = module.train_item_terms(pair_items)                    # (2b, f), (2b,)
    diff = q[:b] - q[b:]                                                    # (b, f) q_i - q_j
    x = (p * diff).sum(1) + bias[:b] - bias[b:]                             # (b,) x_uij
    loss = float(F.softplus(-x).sum())                                      # -log sigmoid(x_uij)
    g = torch.sigmoid(-x).div_(-b)[:, None]                                 # (b, 1) d mean loss / d x_uij
    l2 = reg / b
    grad_p = (diff * g).add_(p, alpha=l2)                                   # (b, f)
    grad_qi = p * g                                                         # (b, f); grad q_j = -grad q_i
    grad_q = torch.cat([grad_qi, grad_qi.neg()])                            # (2b, f)
    grad_bias = torch.cat([g, g.neg()]).squeeze(1)                          # (2b,)
    return loss, [("user", users, grad_p), *module.item_gradients(pair_items, saved, grad_q, grad_bias, l2)]


def row_sums(rows: torch.Tensor, values: torch.Tensor, n_rows: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(unique rows (r,), values summed per unique row (r, ...)) of repeated `rows` (b,) in [0, n_rows)."""
    # bincount + cumsum instead of torch.unique: linear time, several times faster than its sort
    used = torch.bincount(rows, minlength=n_rows) > 0                       # (n_rows,)
    unique = used.nonzero().squeeze(1)                                      # (r,)
    position = used.cumsum(0).sub_(1).index_select(0, rows)                 # (b,) row -> slot in unique
    summed = values.new_zeros((len(unique), *values.shape[1:])).index_add_(0, position, values)
    return unique, summed


class RowAdagrad:
    """Adagrad that touches only the rows a batch used: untouched users and items cost nothing.

    Adagrad's per-coordinate step lr / sqrt(sum of squared gradients) suits BPR's skewed data: popular
    items quickly get small steps, rare ones keep large steps. It has no momentum, so rows that are not
    in a batch really do not move (unlike dense Adam, whose momentum moves every row every step).
    """

    def __init__(self, params: dict[str, torch.Tensor], lr: float, eps: float = 1e-10) -> None:
        self.params, self.lr, self.eps = params, lr, eps
        self.sum_squares = {name: torch.zeros_like(p) for name, p in params.items()}

    def step(self, grads: list[Gradient]) -> None:
        for name, rows, grad in grads:
            param, state = self.params[name], self.sum_squares[name]
            if rows is None:                                                # a whole (small) tensor
                state.add_(grad.square())
                param.addcdiv_(grad, state.sqrt().add_(self.eps), value=-self.lr)
                continue
            rows, grad = row_sums(rows, grad, len(param))                   # (r,), (r, ...)
            squares = state.index_select(0, rows).add_(grad.square())       # (r, ...)
            state.index_copy_(0, rows, squares)
            param.index_add_(0, rows, grad.div_(squares.sqrt_().add_(self.eps)), alpha=-self.lr)


def train_bpr(module: MFModule, train: sp.csr_matrix, settings: BPRSettings, generator: torch.Generator,
              validation: sp.csr_matrix | None = None, callback: EpochCallback | None = None,
              validation_users: int | None = VALIDATION_USERS) -> tuple[list[dict[str, float]], int]:
    """Train `module` with BPR on the non-zeros of `train`; returns (per-epoch metrics, best epoch).

    With `validation`, NDCG@10 (on at most `validation_users` of its users) is measured every
    `eval_every` epochs, training stops after `patience` evaluations without improvement, and the best
    evaluated parameters are restored.
    """
    n_items = train.shape[1]
    coo = train.tocoo()
    users = torch.from_numpy(coo.row.astype(np.int64))                      # (nnz,)
    items = torch.from_numpy(coo.col.astype(np.int64))                      # (nnz,)
    positive_keys = sorted_pair_keys(train)
    optimizer = RowAdagrad(dict(module.named_parameters()), lr=settings.lr)
    stopping = EarlyStopping(settings.patience, higher_is_better=True)
    history: list[dict[str, float]] = []
    owner = type(module).__name__

    for epoch in range(1, settings.epochs + 1):
        module.train()
        # one triple (u, i+, j-) per training pair and sampled negative, in a fresh order every epoch
        order = torch.randperm(len(users), generator=generator)             # (nnz,)
        negatives = sample_negatives(users[order], n_items, positive_keys, settings.negatives,
                                     generator)                              # (nnz, m)
        epoch_users = users[order].repeat_interleave(settings.negatives)    # (nnz m,)
        epoch_positives = items[order].repeat_interleave(settings.negatives)  # (nnz m,)
        epoch_negatives = negatives.view(-1)                                # (nnz m,)
        total = 0.0
        for start in range(0, len(epoch_users), settings.batch_size):
            batch = slice(start, start + settings.batch_size)
            pair_items = torch.cat([epoch_positives[batch], epoch_negatives[batch]])  # (2b,) i+ then j-
            loss, grads = bpr_gradients(module, epoch_users[batch], pair_items, settings.reg)
            optimizer.step(grads)
            total += loss
        metrics = {"loss": total / len(epoch_users)}
        check_finite({name: p.numpy() for name, p in module.named_parameters()},
                     owner=owner, when=f"after epoch {epoch}")

        due = validation is not None and (epoch % settings.eval_every == 0 or epoch == settings.epochs)
        validate = (lambda: validation_ndcg(lambda rows: module_scores(module, rows), train, validation,
                                            max_users=validation_users)) if due else None
        if close_epoch(epoch, metrics, validate=validate, stopping=stopping, module=module,
                       history=history, callback=callback):
            break
    return finish_training(module, stopping, history, validation is not None)


class BPRMF(FactorTables, Recommender):
    """Matrix factorisation r_ui = p_u . q_i + b_i trained with the BPR pairwise loss.

    Each epoch visits every training pair once, in batches of `batch_size`, with `negatives`
    uniformly sampled items per pair (negatives that are training positives are resampled a few
    times; the rare ones left are accepted). Gradients are computed by hand and applied with row-wise
    Adagrad (learning rate `lr`) to the rows each batch used, with L2 `reg` on those rows. With
    `validation`, NDCG@10 on at most `validation_users` of its users (None: all) is measured every
    `eval_every` epochs; training stops early on it and keeps the best epoch's parameters
    (`best_epoch_`). `patience=None` never stops early.

    Users with no training interactions get zero vectors, i.e. item-bias-only scores (all zero when
    item_bias=False). `threads` sets torch's thread count during fit (None: torch's default); one
    thread is fastest for batches this size, and far faster than two on a busy machine.

    The defaults (lr 0.05, batch 8192, reg 0.1) gave the best NDCG@10 per CPU-second on the
    amazon-scientific benchmark (llmrec.bench.mf) and the demo store; a strong `reg` matters most.
    """

    name = "bpr"

    def __init__(self, factors: int = 64, epochs: int = 30, lr: float = 0.05, reg: float = 0.1,
                 batch_size: int = 8192, negatives: int = 1, item_bias: bool = True,
                 patience: int | None = 3, eval_every: int = 1, random_state: int | None = 0,
                 threads: int | None = 1, validation_users: int | None = VALIDATION_USERS) -> None:
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
        self.validation_users = validation_users

    def _validate_params(self) -> None:
        for name in ("factors", "epochs", "batch_size", "negatives", "eval_every"):
            check_int(self, name, minimum=1)
        check_float(self, "lr", minimum=0.0, strict=True)
        check_float(self, "reg", minimum=0.0)
        check_bool(self, "item_bias")
        check_int(self, "patience", minimum=1, optional=True)
        check_int(self, "random_state", minimum=0, optional=True)
        check_int(self, "threads", minimum=1, optional=True)
        check_int(self, "validation_users", minimum=1, optional=True)

    # -- training -------------------------------------------------------------------------------------

    def fit(self, train: sp.csr_matrix, *, item_text: np.ndarray | None = None,
            validation: sp.csr_matrix | None = None, callback: EpochCallback | None = None) -> BPRMF:
        """Learn the factors from the non-zeros of `train` (values are ignored: implicit feedback)."""
        self._validate_params()
        train = check_train(train)
        if validation is not None:
            validation = check_matrix(validation, what="validation", shape=train.shape)
        self._remember(train)
        generator = torch.Generator().manual_seed(resolve_seed(self.random_state))
        settings = BPRSettings(epochs=self.epochs, lr=float(self.lr), reg=float(self.reg),
                               batch_size=self.batch_size, negatives=self.negatives,
                               patience=self.patience, eval_every=self.eval_every)
        with torch_threads(self.threads):
            module = self._build_module(train, item_text, generator)
            self.history_, self.best_epoch_ = train_bpr(module, train, settings, generator, validation,
                                                        callback, self.validation_users)
            self._export(module, train)
        return self

    def _build_module(self, train: sp.csr_matrix, item_text: np.ndarray | None,
                      generator: torch.Generator) -> MFModule:
        return MFModule(train.shape[0], train.shape[1], self.factors, self.item_bias, generator)

    def _export(self, module: MFModule, train: sp.csr_matrix) -> None:
        """Copy the learned tables out of `module` as numpy arrays (the fitted state)."""
        vectors, bias = module.all_item_terms()
        users = module.user.numpy().copy()
        users[np.diff(train.indptr) == 0] = 0.0        # no training data: item-bias-only scores
        self.user_factors_ = users.astype(np.float32)
        self.item_factors_ = vectors.numpy().astype(np.float32)
        self.item_bias_ = bias.numpy().astype(np.float32)
        check_finite(self._state(), owner=type(self).__name__, when="after training")

    # -- scoring ----------------------------------------------------------------------------------------

    def _score(self, users: np.ndarray) -> np.ndarray:
        return self.user_factors_[users] @ self.item_factors_.T + self.item_bias_  # (b, n_items)

    def _score_items(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        return self.user_factors_[users] @ self.item_factors_[items].T + self.item_bias_[items]  # (b, m)

    def _check_pair(self, user: int, item: int) -> tuple[int, int]:
        return (int(check_indices(user, self.n_users)[0]),
                int(check_indices(item, self.n_items, kind="item")[0]))

    def explain(self, user: int, item: int, top: int = 5) -> Explanation:
        """score(user, item) split into the factor dot product and the item bias, plus the factors
        contributing most (largest |p_uk q_ik|)."""
        user, item = self._check_pair(user, item)
        contributions = self.user_factors_[user] * self.item_factors_[item]   # (f,)
        parts = {"factors": float(contributions.sum()), "item_bias": float(self.item_bias_[item])}
        return Explanation(self.name, user, item, sum(parts.values()), parts,
                           top_factors=factor_contributions(contributions, top))

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

