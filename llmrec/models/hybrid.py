"""TextAwareMF: BPR matrix factorisation whose item vectors are built partly from item text.

q_i = free_i + W t_i and b_i = free_b_i + w . t_i, where t_i is the item's text embedding. Training
is BPRMF's loop (mf.train_bpr); only the item terms differ. The free part is dropped at random during
training (`free_dropout`), so the text part must carry the signal on its own; items never seen in
training, or new items, are scored from their text alone.

On top of the factors, a content term adds the sharpened text similarity of the item to the user's
history (ItemKNN with similarities raised to `content_power`), weighted by `content_weight` (chosen
on validation by default). On amazon-scientific (llmrec.bench.quality) it lifts warm NDCG@10 above
BPR's and ranks new items better than content ItemKNN; the factors alone do neither.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
import torch
from torch import nn

from llmrec.errors import ConfigError, DataError
from llmrec.models._common import (
    check_float,
    check_indices,
    check_int,
    check_item_text,
    check_train,
    csr_from_state,
    csr_state,
    expect_shapes,
    validation_ndcg,
)
from llmrec.models.base import EpochCallback, Explanation, RelatedItem, check_fitted, factor_contributions
from llmrec.models.knn import TextNeighbours, UsesTextNeighbours
from llmrec.models.mf import BPRMF, INIT_STD, VALIDATION_USERS, Gradient, MFModule

CONTENT_WEIGHTS = (0.0, 0.3, 1.0, 3.0)
"""Grid `content_weight="auto"` searches on validation NDCG@10 (1.0 without validation data)."""


class TextMFModule(MFModule):
    """MFModule whose item terms add a learned projection of the (fixed) item text embeddings."""

    def __init__(self, n_users: int, item_text: torch.Tensor, factors: int, item_bias: bool,
                 free_dropout: float, text_reg: float, generator: torch.Generator) -> None:
        n_items, dim = item_text.shape
        super().__init__(n_users, n_items, factors, item_bias, generator)
        self.register_buffer("text", item_text)                             # (n_items, d)
        self.projection = nn.Parameter(torch.randn(dim, factors, generator=generator) * INIT_STD,
                                       requires_grad=False)                 # (d, f)
        self.text_bias = nn.Parameter(torch.zeros(dim), requires_grad=False) if item_bias else None  # (d,)
        self.free_dropout = free_dropout
        self.text_reg = text_reg
        self.generator = generator

    def item_terms(self, items: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        vectors, bias, _ = self._terms(items, torch.ones(len(items)))
        return vectors, bias

    def train_item_terms(self, items: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, Any]:
        """Item terms with each row's free part dropped with probability free_dropout (inverted dropout)."""
        keep = torch.rand(len(items), generator=self.generator) >= self.free_dropout   # (b,)
        scale = keep.float() / (1.0 - self.free_dropout)                    # (b,)
        return self._terms(items, scale)

    def _terms(self, items: torch.Tensor, scale: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, Any]:
        free, free_bias = super().item_terms(items)                         # (b, f), (b,)
        text = self.text.index_select(0, items)                             # (b, d)
        vectors = torch.addmm(free * scale[:, None], text, self.projection)  # (b, f) free + W t
        bias = free_bias * scale
        if self.text_bias is not None:
            bias = bias + text @ self.text_bias                             # (b,)
        return vectors, bias, (free, free_bias, scale, text)

    def item_gradients(self, items: torch.Tensor, saved: Any, grad_vectors: torch.Tensor,
                       grad_bias: torch.Tensor, l2: float) -> list[Gradient]:
        # q = scale * free + t W and b = scale * free_b + t . w: the free rows get the scaled gradient,
        # W and w the sum over the batch of t x gradient. Their L2 is text_reg per batch row, not averaged
        # like the free rows': with the free rows' weak decay W overfits the warm items' texts and new
        # items score near chance (demo cold-start NDCG@10 0.046 at 1e-5 against 0.086 at 1e-3).
        free, free_bias, scale, text = saved                                # (b, f), (b,), (b,), (b, d)
        grads = super().item_gradients(items, (free, free_bias), grad_vectors * scale[:, None],
                                       grad_bias * scale, l2)
        shared_l2 = self.text_reg * len(items)
        grads.append(("projection", None,
                      torch.addmm(self.projection, text.T, grad_vectors, beta=shared_l2)))   # (d, f)
        if self.text_bias is not None:
            grads.append(("text_bias", None,
                          torch.addmv(self.text_bias, text.T, grad_bias, beta=shared_l2)))   # (d,)
        return grads


class TextAwareMF(BPRMF, UsesTextNeighbours):
    """BPRMF with text-built item vectors: q_i = free_i + W t_i, b_i = free_b_i + w . t_i.

    `item_text` (n_items, d) is required at fit. `free_dropout` is the probability of dropping an
    item's free part in a training example. Items without training interactions have their free
    part set to zero after training, so they rank by text like new items (`score_new_items`).
    `text_reg` is the L2 weight of the text projection per batch row: much stronger than `reg`, it
    keeps the projection from memorising warm items, which is what makes new-item scores useful.
    Everything else is as in BPRMF (same training loop, early stopping, fallbacks).

    score(u, j) = p_u . q_j + b_j + content_weight * sum over i in u's history of s_ij, where s_ij =
    cos(t_i, t_j) ** content_power if j is among i's `content_neighbours` most similar items (and the
    cosine is positive), else 0. `content_weight="auto"` picks it from CONTENT_WEIGHTS by NDCG@10 on
    `validation` after the factors are trained (`content_weight_` holds the value used).
    """

    name = "text_mf"

    def __init__(self, factors: int = 64, epochs: int = 30, lr: float = 0.05, reg: float = 0.1,
                 batch_size: int = 8192, negatives: int = 1, item_bias: bool = True,
                 patience: int | None = 3, eval_every: int = 1, random_state: int | None = 0,
                 threads: int | None = 1, validation_users: int | None = VALIDATION_USERS,
                 free_dropout: float = 0.5, text_reg: float = 1e-3,
                 content_weight: float | str = "auto", content_neighbours: int = 50,
                 content_power: float = 3.0) -> None:
        super().__init__(factors=factors, epochs=epochs, lr=lr, reg=reg, batch_size=batch_size,
                         negatives=negatives, item_bias=item_bias, patience=patience,
                         eval_every=eval_every, random_state=random_state, threads=threads,
                         validation_users=validation_users)
        self.free_dropout = free_dropout
        self.text_reg = text_reg
        self.content_weight = content_weight
        self.content_neighbours = content_neighbours
        self.content_power = content_power

    def _validate_params(self) -> None:
        super()._validate_params()
        check_float(self, "free_dropout", minimum=0.0, below=1.0)
        check_float(self, "text_reg", minimum=0.0)
        if self.content_weight != "auto":
            check_float(self, "content_weight", minimum=0.0)
        check_int(self, "content_neighbours", minimum=1)
        check_float(self, "content_power", minimum=0.0, strict=True)

    def fit(self, train: sp.csr_matrix, *, item_text: np.ndarray | None = None,
            validation: sp.csr_matrix | None = None, callback: EpochCallback | None = None,
            neighbours: TextNeighbours | None = None) -> TextAwareMF:
        """Train the factors (BPRMF.fit), then the content term; `content_weight="auto"` uses `validation`.
        `neighbours` (a TextNeighbours of the same item text) shares the neighbour table with ItemKNN."""
        if isinstance(self.content_weight, str) and self.content_weight != "auto":
            raise ConfigError(f"content_weight must be a number >= 0 or 'auto', got {self.content_weight!r}")
        self._validate_params()
        train = check_train(train)
        text = check_item_text(item_text, train.shape[1], owner=type(self).__name__)
        self.content_weight_ = 0.0                  # the factors alone while they train and validate
        self.item_text_ = _unit_rows(text)
        if neighbours is None:
            neighbours = TextNeighbours(text)
        neighbours.check(text, type(self).__name__)
        # Cosine neighbours (text_neighbours normalises the rows itself); copied, as the table is shared.
        similarity = neighbours.table(self.content_neighbours).copy()
        full = np.diff(similarity.indptr) >= min(self.content_neighbours, max(train.shape[1] - 1, 0))
        floors = np.zeros(train.shape[1], dtype=np.float32)     # a new item must beat i's k-th neighbour
        floors[full] = np.minimum.reduceat(similarity.data, similarity.indptr[:-1][full]) if full.any() else 0
        self.content_floor_ = floors
        similarity.data **= float(self.content_power)
        self.content_similarity_ = similarity.astype(np.float32)
        super().fit(train, item_text=item_text, validation=validation, callback=callback)
        self.content_weight_ = self._choose_weight(validation)
        return self

    def _choose_weight(self, validation: sp.csr_matrix | None) -> float:
        if self.content_weight != "auto":
            return float(self.content_weight)
        if validation is None or validation.nnz == 0:
            return 1.0
        train = self.interactions_
        factors = lambda rows: BPRMF._score(self, rows)                    # noqa: E731
        content = lambda rows: (train[rows] @ self.content_similarity_).toarray()  # noqa: E731
        results = {weight: validation_ndcg(lambda rows, w=weight: factors(rows) + w * content(rows), train,
                                           validation, max_users=self.validation_users)
                   for weight in CONTENT_WEIGHTS}
        return float(max(results, key=lambda w: (results[w], -w)))

    # -- scoring ----------------------------------------------------------------------------------------

    def _content(self, users: np.ndarray, items: np.ndarray | None = None) -> np.ndarray:
        """(b, n_items or len(items)) content_weight * summed sharpened similarity to the users' histories."""
        similarity = self.content_similarity_ if items is None else self.content_similarity_[:, items]
        return self.content_weight_ * (self.interactions_[users] @ similarity).toarray()

    def _score(self, users: np.ndarray) -> np.ndarray:
        scores = super()._score(users)
        if self.content_weight_:
            scores = scores + self._content(users)
        return scores.astype(np.float32, copy=False)

    def _score_items(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        scores = super()._score_items(users, items)
        if self.content_weight_:
            scores = scores + self._content(users, items)
        return scores.astype(np.float32, copy=False)

    def _build_module(self, train: sp.csr_matrix, item_text: np.ndarray | None,
                      generator: torch.Generator) -> TextMFModule:
        text = check_item_text(item_text, train.shape[1], owner=type(self).__name__)
        return TextMFModule(train.shape[0], torch.from_numpy(text), self.factors, self.item_bias,
                            float(self.free_dropout), float(self.text_reg), generator)

    def _export(self, module: TextMFModule, train: sp.csr_matrix) -> None:
        cold = torch.from_numpy(np.bincount(train.indices, minlength=train.shape[1]) == 0)
        with torch.no_grad():
            module.item[cold] = 0.0                    # never seen: the text part alone
            if module.bias is not None:
                module.bias[cold] = 0.0
            free = module.item.detach().numpy().astype(np.float32)
            free_bias = (module.bias.detach().numpy() if module.bias is not None
                         else np.zeros(len(free))).astype(np.float32)
            text_bias = (module.text_bias.detach().numpy() if module.text_bias is not None
                         else np.zeros(module.text.shape[1])).astype(np.float32)
            self.free_item_factors_, self.free_item_bias_ = free.copy(), free_bias.copy()
            self.text_projection_ = module.projection.detach().numpy().astype(np.float32).copy()
            self.text_bias_weights_ = text_bias.copy()
        super()._export(module, train)

    # -- new items -----------------------------------------------------------------------------------

    def _check_text(self, item_text: np.ndarray) -> np.ndarray:
        check_fitted(self, "text_projection_")
        dim = self.text_projection_.shape[0]
        text = np.asarray(item_text, dtype=np.float32)
        if text.ndim != 2 or text.shape[1] != dim:
            raise DataError(f"item_text must have shape (m, {dim}) like the training text, got {text.shape}")
        return text

    def item_vectors_from_text(self, item_text: np.ndarray) -> np.ndarray:
        """(m, factors) item vectors W t of items known only by their text embeddings (m, d)."""
        return self._check_text(item_text) @ self.text_projection_

    def score_new_items(self, users: np.ndarray, item_text: np.ndarray) -> np.ndarray:
        """(len(users), m) scores of m items never seen in training, from their text (m, d) alone."""
        text = self._check_text(item_text)
        users = check_indices(users, self.n_users)
        vectors, bias = text @ self.text_projection_, text @ self.text_bias_weights_  # (m, f), (m,)
        scores = self.user_factors_[users] @ vectors.T + bias                # (b, m)
        if self.content_weight_:
            sims = self.item_text_ @ _unit_rows(text).T                       # (n_items, m)
            sims = np.where((sims > 0) & (sims >= self.content_floor_[:, None]), sims, 0.0)
            scores = scores + self.content_weight_ * (self.interactions_[users] @ sims ** self.content_power)
        return np.asarray(scores, dtype=np.float32)

    def explain(self, user: int, item: int, top: int = 5) -> Explanation:
        """score(user, item) split into the free and the text part of the item vector and bias, and the
        content term; the history items most similar to the item are `related_items`."""
        user, item = self._check_pair(user, item)
        p = self.user_factors_[user]
        free = float(p @ self.free_item_factors_[item])
        contributions = p * self.item_factors_[item]                          # (f,)
        parts = {"free": free, "text": float(contributions.sum()) - free,
                 "free_bias": float(self.free_item_bias_[item]),
                 "text_bias": float(self.item_bias_[item] - self.free_item_bias_[item])}
        related: tuple[RelatedItem, ...] = ()
        if self.content_weight_:
            history = self.interactions_[user].indices
            similarity = self.content_similarity_[history][:, item].toarray().ravel()   # (len(history),)
            parts["content"] = float(self.content_weight_ * similarity.sum())
            order = np.argsort(-similarity, kind="stable")[:top]
            related = tuple(RelatedItem(int(history[i]), float(similarity[i])) for i in order
                            if similarity[i] > 0)
        return Explanation(self.name, user, item, sum(parts.values()), parts,
                           top_factors=factor_contributions(contributions, top), related_items=related)

    # -- persistence ----------------------------------------------------------------------------------

    def _state(self) -> dict[str, np.ndarray]:
        check_fitted(self, "text_projection_")
        return {**super()._state(), "free_item_factors": self.free_item_factors_,
                "free_item_bias": self.free_item_bias_, "text_projection": self.text_projection_,
                "text_bias_weights": self.text_bias_weights_, "item_text": self.item_text_,
                "content_floor": self.content_floor_,
                "content_weight": np.asarray([self.content_weight_], dtype=np.float32),
                **csr_state("content_similarity", self.content_similarity_)}

    def _set_state(self, tensors: dict[str, np.ndarray]) -> None:
        tensors = dict(tensors)
        owner = type(self).__name__
        content = {key: tensors.pop(key) for key in list(tensors) if key.startswith("content_similarity.")}
        item_text, floor = tensors.pop("item_text", None), tensors.pop("content_floor", None)
        weight = tensors.pop("content_weight", np.zeros(1, np.float32))
        extra = {key: tensors.pop(key, None) for key in
                 ("free_item_factors", "free_item_bias", "text_projection", "text_bias_weights")}
        super()._set_state(tensors)
        n_items, f = self.item_factors_.shape
        dim = extra["text_projection"].shape[0] if extra["text_projection"] is not None else None
        present = {k: v for k, v in extra.items() if v is not None}
        expect_shapes(present, {"free_item_factors": (n_items, f), "free_item_bias": (n_items,),
                                "text_projection": (dim, f), "text_bias_weights": (dim,)},
                      owner=type(self).__name__)
        self.free_item_factors_, self.free_item_bias_ = extra["free_item_factors"], extra["free_item_bias"]
        self.text_projection_, self.text_bias_weights_ = extra["text_projection"], extra["text_bias_weights"]
        self.content_weight_ = float(weight[0])
        if content and item_text is not None and floor is not None:   # saved before the content term: none
            expect_shapes({"item_text": item_text, "content_floor": floor},
                          {"item_text": (n_items, dim), "content_floor": (n_items,)}, owner=owner)
            self.content_similarity_ = csr_from_state("content_similarity", content, owner=owner)
            self.item_text_, self.content_floor_ = item_text, floor
        else:
            self.content_weight_ = 0.0


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    return matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
