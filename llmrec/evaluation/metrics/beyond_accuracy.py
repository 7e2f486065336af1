"""Catalogue-level beyond-accuracy metrics of the lists themselves: coverage, novelty, popularity, diversity.

None of these looks at held-out data. Popularity everywhere below is the number of distinct users
who interacted with the item in training (see `item_popularity`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import scipy.sparse as sp

from llmrec.errors import DataError
from llmrec.evaluation.metrics.at_k import MetricAtK, check_ranked, checked_top_k


def item_popularity(train: sp.spmatrix) -> np.ndarray:
    """(n_items,) number of distinct users with a non-zero training entry for each item."""
    train = sp.csr_matrix(train)
    return np.asarray((train != 0).sum(axis=0)).ravel().astype(np.int64)


def self_information(popularity: np.ndarray, n_users: int) -> np.ndarray:
    """-log2(pop_i / n_users) per item.

    An item nobody interacted with in training would be infinitely novel; it is counted as if
    one user had (pop_i = 1, the largest finite value, log2(n_users)).
    """
    if n_users <= 0:
        raise DataError("novelty needs at least one training user")
    popularity = np.asarray(popularity, dtype=np.float64)
    if (popularity > n_users).any():
        raise DataError(f"an item popularity exceeds the number of users ({n_users})")
    return -np.log2(np.maximum(popularity, 1.0) / n_users)


@dataclass(frozen=True)
class Coverage(MetricAtK):
    """Catalogue coverage: distinct items recommended in anyone's top K / n_items."""

    name: ClassVar[str] = "Coverage"

    def items(self, ranked: np.ndarray) -> np.ndarray:
        """The distinct item indices recommended in the top K (so batches can be combined)."""
        top = check_ranked(ranked)[:, : self.k]
        return np.unique(top[top >= 0])

    def __call__(self, ranked: np.ndarray, n_items: int) -> float:
        if n_items <= 0:
            raise DataError("coverage needs a catalogue of at least one item")
        return len(self.items(ranked)) / n_items


@dataclass(frozen=True)
class Novelty(MetricAtK):
    """Mean self-information -log2(pop_i / n_users) of the items in a user's top K.

    pop_i is the training popularity of item i (distinct users), n_users the number of users
    with training interactions; see `self_information` for never-seen items. Padding (-1) is
    ignored; an empty list gives NaN.
    """

    name: ClassVar[str] = "Novelty"

    def __call__(self, ranked: Sequence[int], popularity: np.ndarray, n_users: int) -> float:
        top = checked_top_k(ranked, self.k)
        if not top:
            return float("nan")
        info = self_information(popularity, n_users)
        return float(np.mean([info[item] for item in top]))

    def batch(self, ranked: np.ndarray, popularity: np.ndarray, n_users: int) -> np.ndarray:
        return _mean_of_item_values(check_ranked(ranked)[:, : self.k],
                                    self_information(popularity, n_users))


@dataclass(frozen=True)
class AveragePopularity(MetricAtK):
    """Mean training popularity (distinct users) of the items in a user's top K; NaN when empty."""

    name: ClassVar[str] = "AvgPop"

    def __call__(self, ranked: Sequence[int], popularity: np.ndarray) -> float:
        top = checked_top_k(ranked, self.k)
        if not top:
            return float("nan")
        return float(np.mean([popularity[item] for item in top]))

    def batch(self, ranked: np.ndarray, popularity: np.ndarray) -> np.ndarray:
        return _mean_of_item_values(check_ranked(ranked)[:, : self.k],
                                    np.asarray(popularity, dtype=np.float64))


@dataclass(frozen=True)
class IntraListDiversity(MetricAtK):
    """Mean over pairs of items in a user's top K of 1 - cosine(text embedding i, embedding j).

    0 when all recommended items have the same direction, 1 for orthogonal texts, up to 2.
    An all-zero embedding has cosine 0 with everything. Lists with fewer than two items give NaN.
    """

    name: ClassVar[str] = "ILD"

    def __call__(self, ranked: Sequence[int], embeddings: np.ndarray) -> float:
        top = checked_top_k(ranked, self.k)
        if len(top) < 2:
            return float("nan")
        unit = _unit_rows(np.asarray(embeddings, dtype=np.float64)[top])
        pairs = [(a, b) for a in range(len(top)) for b in range(a + 1, len(top))]
        return float(np.mean([1.0 - unit[a] @ unit[b] for a, b in pairs]))

    def batch(self, ranked: np.ndarray, embeddings: np.ndarray) -> np.ndarray:
        return ild_at_ks(ranked, embeddings, (self.k,))[self.k]


def ild_at_ks(ranked: np.ndarray, embeddings: np.ndarray, ks) -> dict[int, np.ndarray]:
    """{k: (n_users,) ILD@k} for every k in `ks` from one gather of the top max(ks) rows: each list's
    first k items are a prefix of its longest list, so sums over its first k unit vectors give every k."""
    top = check_ranked(ranked)[:, : max(ks)]
    present = top >= 0
    # Gather first, then normalise: only the n_users * K listed rows, not the whole catalogue.
    gathered = np.asarray(embeddings)[np.where(present, top, 0)].astype(np.float64)
    vectors = _unit_rows(gathered) * present[..., None]                  # (n_users, K, dim)
    # Sum of cosines over unordered pairs i < j without a K x K Gram matrix: |sum v|^2 is every ordered
    # pair's dot product plus the squared norms (1, or 0 for padding and all-zero embeddings).
    squares = np.einsum("nkd,nkd->nk", vectors, vectors)                 # (n_users, K)
    out = {}
    for k in ks:
        total, n = vectors[:, :k].sum(axis=1), present[:, :k].sum(axis=1)   # (n_users, dim), (n_users,)
        cos_sum = (np.einsum("nd,nd->n", total, total) - squares[:, :k].sum(axis=1)) / 2
        with np.errstate(divide="ignore", invalid="ignore"):
            values = 1.0 - cos_sum / (n * (n - 1) / 2)
        values[n < 2] = np.nan
        out[k] = values
    return out


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    return matrix / np.clip(norms, 1e-12, None)


def _mean_of_item_values(top: np.ndarray, values: np.ndarray) -> np.ndarray:
    present = top >= 0
    picked = np.where(present, values[np.where(present, top, 0)], 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return picked.sum(axis=1) / present.sum(axis=1)


def catalogue_coverage_at_k(ranked: np.ndarray, n_items: int, k: int) -> float:
    return Coverage(k)(ranked, n_items)


def novelty_at_k(ranked: Sequence[int], popularity: np.ndarray, n_users: int, k: int) -> float:
    return Novelty(k)(ranked, popularity, n_users)


def average_popularity_at_k(ranked: Sequence[int], popularity: np.ndarray, k: int) -> float:
    return AveragePopularity(k)(ranked, popularity)


def intra_list_diversity_at_k(ranked: Sequence[int], embeddings: np.ndarray, k: int) -> float:
    return IntraListDiversity(k)(ranked, embeddings)
