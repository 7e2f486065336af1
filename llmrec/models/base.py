"""The one contract every recommender implements, and the optional capabilities a model may declare.

How to write a model (SASRec and any later one adopt the same steps):

1. Subclass `Recommender`; set `name` (the registry key). `__init__` only stores parameters.
2. `fit(train, *, item_text=None, validation=None, callback=None)`: validate parameters, call
   `self._remember(train)` (the users x items CSR it learns from; it becomes the "history" that
   `recommend(exclude="history")` masks and that is saved with the model), learn, return `self`.
3. Implement `_score(users) -> (len(users), n_items) float32` for checked user indices; `score`,
   `recommend` and the checks around them come from the base class.
4. Persistence: `_state() -> dict of arrays` and `_set_state(arrays)`; the base class adds the
   training history and config.json (class, params, id vocabulary). No pickle.
5. Declare what the model can do beyond that by implementing a capability Protocol below
   (`FactorModel`, `Explainable`, `RatingPredictor`, `NewItemScorer`, `SequentialModel`); callers
   check `isinstance(model, Explainable)` or the registry spec, never `getattr`.
6. Register a `ModelSpec` in `llmrec/models/registry.py`: every list of model names (build
   choices, map models, cold-start models, dashboard defaults) derives from it.
7. The model passes `tests/models/recommender_suite.py` (unknown user, empty input, save/load).

Ranking goes through `llmrec.models.ranking.rank_top_k` only: one tie rule for every caller.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal, Protocol, get_args, runtime_checkable

import numpy as np
import scipy.sparse as sp

from llmrec.errors import ConfigError, ModelError, NotFittedError
from llmrec.models._common import ParamsMixin, check_indices
from llmrec.models.persistence import PersistenceMixin
from llmrec.models.ranking import check_k, rank_top_k, tie_order

# Called once per epoch with (epoch, metrics such as {"loss": .., "val_ndcg@10": ..}).
EpochCallback = Callable[[int, dict[str, float]], None]

ExcludePolicy = Literal["history", "none"]
"""Named masking policies of `recommend`: "history" masks the training interactions the model was fit
on; "none" masks nothing. Anything else to mask (validation items in evaluation) goes in `mask`."""
EXCLUDE_POLICIES: tuple[str, ...] = get_args(ExcludePolicy)

MAX_BLOCK_CELLS = 1 << 24
"""Largest users x items score block `recommend` holds at once (16.8M float32 cells, about 64 MB)."""


# ----------------------------------------------------------------------------------------------------------
# explanations


@dataclass(frozen=True)
class FactorContribution:
    """One latent factor's share p_uk * q_ik of a factor model's dot product."""

    factor: int
    contribution: float


@dataclass(frozen=True)
class RelatedItem:
    """An item of the user's history that supports the score (e.g. a kNN neighbour), by item index."""

    item: int
    similarity: float


@dataclass(frozen=True)
class Explanation:
    """score(user, item) split into its additive parts; ids and related items are kept apart.

    `parts` holds only real contributions to the score (global mean, biases, the user-item dot
    product, a text part, ...): they sum to `score`. Row indices never appear in `parts`.
    """

    model: str
    user: int
    item: int
    score: float
    parts: Mapping[str, float]
    top_factors: tuple[FactorContribution, ...] = ()
    related_items: tuple[RelatedItem, ...] = ()

    def __post_init__(self) -> None:
        parts = {str(k): float(v) for k, v in self.parts.items()}
        if not parts or not all(math.isfinite(v) for v in parts.values()):
            raise ModelError(f"{self.model}: an explanation needs finite score parts, got {parts}")
        total = math.fsum(parts.values())
        if not math.isclose(total, float(self.score), rel_tol=1e-4, abs_tol=1e-4):
            raise ModelError(f"{self.model}: explanation parts sum to {total:.6g}, not the score "
                             f"{float(self.score):.6g}")
        object.__setattr__(self, "parts", parts)
        object.__setattr__(self, "score", float(self.score))


def factor_contributions(contributions: np.ndarray, top: int) -> tuple[FactorContribution, ...]:
    """The `top` factors with the largest absolute contribution, largest first."""
    order = np.argsort(-np.abs(contributions), kind="stable")[:top]
    return tuple(FactorContribution(int(k), float(contributions[k])) for k in order)


# ----------------------------------------------------------------------------------------------------------
# capabilities: declared by implementing the methods, checked with isinstance (runtime_checkable)


@runtime_checkable
class FactorModel(Protocol):
    """Has one vector per item and per user in a shared space (maps, neighbours, MF-space evidence)."""

    def item_vectors(self) -> np.ndarray:
        """(n_items, f) float32 item vectors."""
        ...

    def user_vectors(self) -> np.ndarray:
        """(n_users, f) float32 user vectors."""
        ...


@runtime_checkable
class Explainable(Protocol):
    """Splits a score into additive parts."""

    def explain(self, user: int, item: int) -> Explanation: ...


@runtime_checkable
class RatingPredictor(Protocol):
    """Predicts explicit ratings (RMSE / MAE are computed for these models)."""

    def predict(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        """(len(users),) predicted ratings of the pairs (users[k], items[k])."""
        ...


@runtime_checkable
class NewItemScorer(Protocol):
    """Scores items never seen in training from their text embeddings alone."""

    def score_new_items(self, users: np.ndarray, item_text: np.ndarray) -> np.ndarray:
        """(len(users), m) scores of m new items given their text embeddings (m, d)."""
        ...


@runtime_checkable
class SequentialModel(Protocol):
    """Scores the catalogue from ordered histories (next-item models such as SASRec)."""

    def score_sequences(self, histories: Sequence[np.ndarray]) -> np.ndarray:
        """(len(histories), n_items) scores; each history is item indices, oldest first."""
        ...


CAPABILITIES: tuple[type, ...] = (FactorModel, Explainable, RatingPredictor, NewItemScorer, SequentialModel)


def capabilities_of(cls: type) -> frozenset[str]:
    """Names of the capability Protocols a model class implements, e.g. {"FactorModel", "Explainable"}."""
    return frozenset(c.__name__ for c in CAPABILITIES if issubclass(cls, c))


# ----------------------------------------------------------------------------------------------------------
# the base class


class Recommender(ParamsMixin, PersistenceMixin):
    """fit on a users x items CSR matrix; score users against items; recommend the top k.

    Users and items are dense indices (see `llmrec.data.ids.IdMap`). A user index outside
    [0, n_users) raises UnknownIdError; a known user with no training interactions gets the
    model's fallback (documented per model; usually item popularity or item bias).
    """

    name: ClassVar[str] = ""

    def fit(self, train: sp.csr_matrix, *, item_text: np.ndarray | None = None,
            validation: sp.csr_matrix | None = None,
            callback: EpochCallback | None = None) -> Recommender:
        raise NotImplementedError

    def _score(self, users: np.ndarray) -> np.ndarray:
        """(len(users), n_items) float32 scores of checked user indices; higher is better."""
        raise NotImplementedError

    def _score_items(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        """(len(users), len(items)) scores of checked indices; override when cheaper than all items."""
        return self._score(users)[:, items]

    # -- the shared contract ----------------------------------------------------------------------------

    def _remember(self, train: sp.csr_matrix) -> None:
        """Keep the binary training history: what exclude="history" masks, saved with the model."""
        history = sp.csr_matrix(train, dtype=np.float32, copy=True)
        history.data[:] = 1.0
        history.eliminate_zeros()
        self.interactions_ = history

    @property
    def n_users(self) -> int:
        self._check_fitted()
        return self.interactions_.shape[0]

    @property
    def n_items(self) -> int:
        self._check_fitted()
        return self.interactions_.shape[1]

    def _check_fitted(self) -> None:
        if getattr(self, "interactions_", None) is None:
            raise NotFittedError(f"{type(self).__name__} is not fitted: call fit() or load() first")

    def score(self, users: np.ndarray, items: np.ndarray | None = None) -> np.ndarray:
        """(len(users), n_items) float32 scores, or (len(users), len(items)) for the given items."""
        users = check_indices(users, self.n_users)
        if items is None:
            return self._score(users)
        return self._score_items(users, check_indices(items, self.n_items, kind="item"))

    def recommend(self, users: np.ndarray, k: int, exclude: ExcludePolicy = "history",
                  mask: sp.spmatrix | None = None, candidates: np.ndarray | None = None, *,
                  tie_seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """(items (n, k') int64, scores (n, k') float32): each user's top k, best first.

        `exclude` names the masking policy (EXCLUDE_POLICIES); `mask` (n_users x n_items, sparse)
        masks more items per user, e.g. validation items in evaluation; `candidates` (item indices)
        restricts the ranking to those items. Rows run out of items end in -1 / -inf. Ties follow
        `llmrec.models.ranking` (seeded by `tie_seed`).
        """
        if exclude not in EXCLUDE_POLICIES:
            raise ConfigError(f"unknown exclude policy {exclude!r}; choose one of "
                              f"{', '.join(EXCLUDE_POLICIES)}")
        users = check_indices(users, self.n_users)
        n_items = self.n_items
        if mask is not None and mask.shape != (self.n_users, n_items):
            raise ConfigError(f"mask has shape {mask.shape}, expected (n_users, n_items) = "
                              f"({self.n_users}, {n_items})")
        k = check_k(k)
        blocked = None
        if candidates is not None:
            blocked = np.ones(n_items, dtype=bool)
            blocked[check_indices(candidates, n_items, kind="item")] = False
        order = tie_order(n_items, tie_seed)
        items_out = np.full((len(users), min(k, n_items)), -1, dtype=np.int64)
        scores_out = np.full(items_out.shape, -np.inf, dtype=np.float32)
        rows = max(1, MAX_BLOCK_CELLS // max(n_items, 1))
        for start in range(0, len(users), rows):
            block = users[start:start + rows]
            scores = self._score(block)                                # (b, n_items)
            if blocked is not None:
                scores = np.where(blocked, np.float32(-np.inf), scores)
            part = slice(start, start + len(block))
            items_out[part], scores_out[part] = rank_top_k(
                scores, k, exclusion_mask(self, block, exclude, mask), order=order)
        return items_out, scores_out


def exclusion_mask(model: Recommender, users: np.ndarray, exclude: str,
                   mask: sp.spmatrix | None) -> sp.csr_matrix | None:
    """The sparse (len(users), n_items) mask of `exclude` plus the rows `users` of `mask`."""
    parts = []
    if exclude == "history":
        parts.append(model.interactions_[users])
    if mask is not None:
        parts.append(sp.csr_matrix(mask)[users])
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else sp.csr_matrix(parts[0] + parts[1])


class FactorTables:
    """FactorModel for models that keep `user_factors_` (n_users, f) and `item_factors_` (n_items, f)."""

    def item_vectors(self) -> np.ndarray:
        """(n_items, f) item vectors (FactorModel)."""
        check_fitted(self, "item_factors_")
        return self.item_factors_

    def user_vectors(self) -> np.ndarray:
        """(n_users, f) user vectors (FactorModel)."""
        check_fitted(self, "user_factors_")
        return self.user_factors_


def check_fitted(model, attribute: str) -> None:
    if getattr(model, attribute, None) is None:
        raise NotFittedError(f"{type(model).__name__} is not fitted: call fit() or load() first")
