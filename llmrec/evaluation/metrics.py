"""Ranking, beyond-accuracy and rating metrics: one small class per metric, labelled like `NDCG@10`.

Each ranking metric has two forms that must agree:

- a reference function on one ranked list and a set of relevant items, written to be read
  (`ndcg_at_k(ranked, relevant, k)`);
- a vectorised form over a batch of users (`NDCG(k).batch(ranked, relevant)`, also exposed as
  `ndcg_at_k_batch`), where `ranked` is an (n_users, L) integer array of item indices, best
  first, padded with -1 where a list is shorter, and `relevant` an (n_users, n_items) sparse
  matrix whose non-zeros are each user's relevant items.

Conventions shared by every ranking metric:

- Relevance is binary.
- K <= 0 (or a K that is not an integer) raises ConfigError.
- A list shorter than K (K larger than the list, or -1 padding) counts the missing positions as
  misses: Precision@K still divides by K.
- A ranked list holding the same item twice raises DataError; a ranking never repeats an item.
- A user with no relevant items gets NaN: the metric is undefined for them. Averages over users
  (see `llmrec.evaluation.evaluate`) skip NaN users and report how many users were averaged.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import scipy.sparse as sp

from llmrec.errors import ConfigError, DataError

# --------------------------------------------------------------------------- checks


def check_k(k: int) -> int:
    """`k` as an int, or ConfigError when it is not a positive integer."""
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k <= 0:
        raise ConfigError(f"K must be a positive integer; got {k!r}")
    return int(k)


def _checked_list(ranked: Sequence, k: int) -> list:
    """The first k items of `ranked`, after checking that no item is repeated in the whole list."""
    k = check_k(k)
    items = list(ranked)
    if len(set(items)) != len(items):
        seen: set = set()
        repeated = next(item for item in items if item in seen or seen.add(item))
        raise DataError(f"ranked list repeats item {repeated!r}; a ranking lists each item once")
    return items[:k]


def _discounts(length: int) -> np.ndarray:
    """1 / log2(rank + 1) for ranks 1..length."""
    return 1.0 / np.log2(np.arange(2, length + 2))


# --------------------------------------------------------------------------- reference functions


def precision_at_k(ranked: Sequence, relevant: Collection, k: int) -> float:
    """Share of the K recommended positions that hold a relevant item: hits / K."""
    top = _checked_list(ranked, k)
    if not relevant:
        return float("nan")
    return sum(item in relevant for item in top) / k


def recall_at_k(ranked: Sequence, relevant: Collection, k: int) -> float:
    """Share of the relevant items found in the top K: hits / |relevant|."""
    top = _checked_list(ranked, k)
    if not relevant:
        return float("nan")
    return sum(item in relevant for item in top) / len(relevant)


def f1_at_k(ranked: Sequence, relevant: Collection, k: int) -> float:
    """Harmonic mean of Precision@K and Recall@K (0 when both are 0)."""
    p, r = precision_at_k(ranked, relevant, k), recall_at_k(ranked, relevant, k)
    if np.isnan(p):
        return p
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)


def ndcg_at_k(ranked: Sequence, relevant: Collection, k: int) -> float:
    """DCG of the top K over the best possible DCG.

    DCG = sum over hits at rank r (1-based) of 1 / log2(r + 1); the ideal DCG puts
    min(|relevant|, K) hits at ranks 1, 2, ..., so a perfect top K scores 1.
    """
    top = _checked_list(ranked, k)
    if not relevant:
        return float("nan")
    dcg = sum(1 / np.log2(rank + 1) for rank, item in enumerate(top, start=1) if item in relevant)
    idcg = sum(1 / np.log2(rank + 1) for rank in range(1, min(len(relevant), k) + 1))
    return float(dcg / idcg)


def average_precision_at_k(ranked: Sequence, relevant: Collection, k: int) -> float:
    """AP@K: the mean of Precision@r over the ranks r <= K that hold a hit.

    The sum is divided by min(|relevant|, K), not by |relevant|, so that a user with more
    relevant items than K can still reach 1 (the convention of most ML libraries; MAP@K is the
    mean of AP@K over users).
    """
    top = _checked_list(ranked, k)
    if not relevant:
        return float("nan")
    hits, total = 0, 0.0
    for rank, item in enumerate(top, start=1):
        if item in relevant:
            hits += 1
            total += hits / rank
    return total / min(len(relevant), k)


def hit_rate_at_k(ranked: Sequence, relevant: Collection, k: int) -> float:
    """1 when at least one relevant item is in the top K, else 0."""
    top = _checked_list(ranked, k)
    if not relevant:
        return float("nan")
    return float(any(item in relevant for item in top))


def mrr_at_k(ranked: Sequence, relevant: Collection, k: int) -> float:
    """1 / rank of the first relevant item in the top K; 0 when there is none."""
    top = _checked_list(ranked, k)
    if not relevant:
        return float("nan")
    for rank, item in enumerate(top, start=1):
        if item in relevant:
            return 1 / rank
    return 0.0


# --------------------------------------------------------------------------- batch helpers


def check_ranked(ranked: np.ndarray) -> np.ndarray:
    """`ranked` as an (n_users, L) int64 array; DataError if a row repeats an item (-1 is padding)."""
    ranked = np.asarray(ranked)
    if ranked.ndim != 2 or (ranked.size and not np.issubdtype(ranked.dtype, np.integer)):
        raise DataError(f"ranked lists must be an (n_users, L) integer array; got shape {ranked.shape} "
                        f"and dtype {ranked.dtype}")
    ranked = ranked.astype(np.int64, copy=False)
    if ranked.shape[1] > 1:
        ordered = np.sort(ranked, axis=1)
        repeats = (ordered[:, 1:] == ordered[:, :-1]) & (ordered[:, 1:] >= 0)
        if repeats.any():
            row = int(np.flatnonzero(repeats.any(axis=1))[0])
            raise DataError(f"ranked list of row {row} repeats an item; a ranking lists each item once")
    return ranked


def hits_matrix(ranked: np.ndarray, relevant: sp.spmatrix) -> np.ndarray:
    """(n_users, L) bool: whether each recommended item is relevant for that row's user."""
    ranked = check_ranked(ranked)
    relevant = sp.csr_matrix(relevant)
    if relevant.shape[0] != ranked.shape[0]:
        raise DataError(f"relevance has {relevant.shape[0]} rows but there are {ranked.shape[0]} "
                        "ranked lists; expected one row per list")
    if ranked.size and ranked.max() >= relevant.shape[1]:
        raise DataError(f"ranked lists hold item index {ranked.max()} but there are only "
                        f"{relevant.shape[1]} items")
    rows = np.broadcast_to(np.arange(ranked.shape[0])[:, None], ranked.shape)
    valid = ranked >= 0
    hits = np.zeros(ranked.shape, dtype=bool)
    hits[valid] = np.asarray(relevant[rows[valid], ranked[valid]]).ravel() != 0
    return hits


def relevant_counts(relevant: sp.spmatrix) -> np.ndarray:
    """Number of relevant items per row (explicit zeros do not count)."""
    relevant = sp.csr_matrix(relevant, copy=True)
    relevant.sum_duplicates()
    relevant.eliminate_zeros()
    return np.diff(relevant.indptr)


# --------------------------------------------------------------------------- ranking metric classes


@dataclass(frozen=True)
class RankingMetric:
    """A top-K accuracy metric: `label` names it, `batch` scores many users at once."""

    k: int
    name: ClassVar[str] = ""

    def __post_init__(self) -> None:
        check_k(self.k)

    @property
    def label(self) -> str:
        return f"{self.name}@{self.k}"

    def __call__(self, ranked: Sequence, relevant: Collection) -> float:
        """The metric of one ranked list (the reference implementation)."""
        return _REFERENCE[self.name](ranked, relevant, self.k)

    def batch(self, ranked: np.ndarray, relevant: sp.spmatrix) -> np.ndarray:
        """(n_users,) values; NaN for users with no relevant items."""
        return self.from_hits(hits_matrix(ranked, relevant), relevant_counts(relevant))

    def from_hits(self, hits: np.ndarray, n_relevant: np.ndarray) -> np.ndarray:
        """(n_users,) values from a precomputed hits matrix and relevant counts."""
        hits = np.asarray(hits, dtype=bool)[:, : self.k]
        n_relevant = np.asarray(n_relevant)
        with np.errstate(divide="ignore", invalid="ignore"):
            values = self._compute(hits, n_relevant).astype(np.float64)
        values[n_relevant == 0] = np.nan
        return values

    def _compute(self, hits: np.ndarray, n_relevant: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class Precision(RankingMetric):
    name = "Precision"

    def _compute(self, hits, n_relevant):
        return hits.sum(axis=1) / self.k


class Recall(RankingMetric):
    name = "Recall"

    def _compute(self, hits, n_relevant):
        return hits.sum(axis=1) / n_relevant


class F1(RankingMetric):
    name = "F1"

    def _compute(self, hits, n_relevant):
        p = hits.sum(axis=1) / self.k
        r = hits.sum(axis=1) / n_relevant
        return np.where(p + r > 0, 2 * p * r / np.where(p + r > 0, p + r, 1), 0.0)


class NDCG(RankingMetric):
    name = "NDCG"

    def _compute(self, hits, n_relevant):
        discounts = _discounts(self.k)
        dcg = (hits * discounts[: hits.shape[1]]).sum(axis=1)
        ideal = np.cumsum(discounts)[np.clip(np.minimum(n_relevant, self.k) - 1, 0, None)]
        return dcg / ideal


class MAP(RankingMetric):
    name = "MAP"

    def _compute(self, hits, n_relevant):
        precision_at_rank = np.cumsum(hits, axis=1) / np.arange(1, hits.shape[1] + 1)
        return (precision_at_rank * hits).sum(axis=1) / np.minimum(n_relevant, self.k)


class HitRate(RankingMetric):
    name = "HitRate"

    def _compute(self, hits, n_relevant):
        return hits.any(axis=1).astype(np.float64)


class MRR(RankingMetric):
    name = "MRR"

    def _compute(self, hits, n_relevant):
        first = hits.argmax(axis=1)
        return np.where(hits.any(axis=1), 1.0 / (first + 1), 0.0)


_REFERENCE = {
    "Precision": precision_at_k,
    "Recall": recall_at_k,
    "F1": f1_at_k,
    "NDCG": ndcg_at_k,
    "MAP": average_precision_at_k,
    "HitRate": hit_rate_at_k,
    "MRR": mrr_at_k,
}
RANKING_METRICS: tuple[type[RankingMetric], ...] = (Precision, Recall, F1, NDCG, MAP, HitRate, MRR)


def precision_at_k_batch(ranked: np.ndarray, relevant: sp.spmatrix, k: int) -> np.ndarray:
    return Precision(k).batch(ranked, relevant)


def recall_at_k_batch(ranked: np.ndarray, relevant: sp.spmatrix, k: int) -> np.ndarray:
    return Recall(k).batch(ranked, relevant)


def f1_at_k_batch(ranked: np.ndarray, relevant: sp.spmatrix, k: int) -> np.ndarray:
    return F1(k).batch(ranked, relevant)


def ndcg_at_k_batch(ranked: np.ndarray, relevant: sp.spmatrix, k: int) -> np.ndarray:
    return NDCG(k).batch(ranked, relevant)


def average_precision_at_k_batch(ranked: np.ndarray, relevant: sp.spmatrix, k: int) -> np.ndarray:
    return MAP(k).batch(ranked, relevant)


def hit_rate_at_k_batch(ranked: np.ndarray, relevant: sp.spmatrix, k: int) -> np.ndarray:
    return HitRate(k).batch(ranked, relevant)


def mrr_at_k_batch(ranked: np.ndarray, relevant: sp.spmatrix, k: int) -> np.ndarray:
    return MRR(k).batch(ranked, relevant)


# --------------------------------------------------------------------------- beyond accuracy
#
# Popularity everywhere below is the number of distinct users who interacted with the item in
# training (see `item_popularity`), so a metric never looks at held-out data.


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
class Coverage:
    """Catalogue coverage: distinct items recommended in anyone's top K / n_items."""

    k: int
    name: ClassVar[str] = "Coverage"

    def __post_init__(self) -> None:
        check_k(self.k)

    @property
    def label(self) -> str:
        return f"{self.name}@{self.k}"

    def items(self, ranked: np.ndarray) -> np.ndarray:
        """The distinct item indices recommended in the top K (so batches can be combined)."""
        top = check_ranked(ranked)[:, : self.k]
        return np.unique(top[top >= 0])

    def __call__(self, ranked: np.ndarray, n_items: int) -> float:
        if n_items <= 0:
            raise DataError("coverage needs a catalogue of at least one item")
        return len(self.items(ranked)) / n_items


@dataclass(frozen=True)
class Novelty:
    """Mean self-information -log2(pop_i / n_users) of the items in a user's top K.

    pop_i is the training popularity of item i (distinct users), n_users the number of users
    with training interactions; see `self_information` for never-seen items. Padding (-1) is
    ignored; an empty list gives NaN.
    """

    k: int
    name: ClassVar[str] = "Novelty"

    def __post_init__(self) -> None:
        check_k(self.k)

    @property
    def label(self) -> str:
        return f"{self.name}@{self.k}"

    def __call__(self, ranked: Sequence[int], popularity: np.ndarray, n_users: int) -> float:
        top = _checked_list(ranked, self.k)
        if not top:
            return float("nan")
        info = self_information(popularity, n_users)
        return float(np.mean([info[item] for item in top]))

    def batch(self, ranked: np.ndarray, popularity: np.ndarray, n_users: int) -> np.ndarray:
        return _mean_of_item_values(check_ranked(ranked)[:, : self.k],
                                    self_information(popularity, n_users))


@dataclass(frozen=True)
class AveragePopularity:
    """Mean training popularity (distinct users) of the items in a user's top K; NaN when empty."""

    k: int
    name: ClassVar[str] = "AvgPop"

    def __post_init__(self) -> None:
        check_k(self.k)

    @property
    def label(self) -> str:
        return f"{self.name}@{self.k}"

    def __call__(self, ranked: Sequence[int], popularity: np.ndarray) -> float:
        top = _checked_list(ranked, self.k)
        if not top:
            return float("nan")
        return float(np.mean([popularity[item] for item in top]))

    def batch(self, ranked: np.ndarray, popularity: np.ndarray) -> np.ndarray:
        return _mean_of_item_values(check_ranked(ranked)[:, : self.k],
                                    np.asarray(popularity, dtype=np.float64))


@dataclass(frozen=True)
class IntraListDiversity:
    """Mean over pairs of items in a user's top K of 1 - cosine(text embedding i, embedding j).

    0 when all recommended items have the same direction, 1 for orthogonal texts, up to 2.
    An all-zero embedding has cosine 0 with everything. Lists with fewer than two items give NaN.
    """

    k: int
    name: ClassVar[str] = "ILD"

    def __post_init__(self) -> None:
        check_k(self.k)

    @property
    def label(self) -> str:
        return f"{self.name}@{self.k}"

    def __call__(self, ranked: Sequence[int], embeddings: np.ndarray) -> float:
        top = _checked_list(ranked, self.k)
        if len(top) < 2:
            return float("nan")
        unit = _unit_rows(np.asarray(embeddings, dtype=np.float64)[top])
        pairs = [(a, b) for a in range(len(top)) for b in range(a + 1, len(top))]
        return float(np.mean([1.0 - unit[a] @ unit[b] for a, b in pairs]))

    def batch(self, ranked: np.ndarray, embeddings: np.ndarray) -> np.ndarray:
        top = check_ranked(ranked)[:, : self.k]
        present = top >= 0
        # Gather first, then normalise: only the n_users * K listed rows, not the whole catalogue.
        gathered = np.asarray(embeddings)[np.where(present, top, 0)].astype(np.float64)
        vectors = _unit_rows(gathered) * present[..., None]  # (n_users, K, dim)
        gram = vectors @ vectors.transpose(0, 2, 1)  # (n_users, K, K)
        n = present.sum(axis=1)
        pairs = n * (n - 1) / 2
        # Sum of cosines over unordered pairs i < j; padding rows are zero vectors and add nothing.
        cos_sum = (gram.sum(axis=(1, 2)) - np.einsum("nii->n", gram)) / 2
        with np.errstate(divide="ignore", invalid="ignore"):
            values = 1.0 - cos_sum / pairs
        values[n < 2] = np.nan
        return values


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


# --------------------------------------------------------------------------- rating prediction


def _rating_pair(predicted, actual) -> tuple[np.ndarray, np.ndarray]:
    predicted = np.asarray(predicted, dtype=np.float64).ravel()
    actual = np.asarray(actual, dtype=np.float64).ravel()
    if predicted.shape != actual.shape:
        raise DataError(f"{len(predicted)} predictions for {len(actual)} ratings; expected one each")
    if not len(actual):
        raise DataError("no ratings to compare predictions with")
    if np.isnan(actual).any():
        raise DataError(f"{int(np.isnan(actual).sum())} ratings are missing (NaN); select rated rows first")
    if not np.isfinite(predicted).all():
        raise DataError(f"{int((~np.isfinite(predicted)).sum())} predictions are NaN or infinite")
    return predicted, actual


class RMSE:
    """Root mean squared error between predicted and observed ratings."""

    label: ClassVar[str] = "RMSE"

    def __call__(self, predicted, actual) -> float:
        predicted, actual = _rating_pair(predicted, actual)
        return float(np.sqrt(np.mean((predicted - actual) ** 2)))


class MAE:
    """Mean absolute error between predicted and observed ratings."""

    label: ClassVar[str] = "MAE"

    def __call__(self, predicted, actual) -> float:
        predicted, actual = _rating_pair(predicted, actual)
        return float(np.mean(np.abs(predicted - actual)))


def rmse(predicted, actual) -> float:
    return RMSE()(predicted, actual)


def mae(predicted, actual) -> float:
    return MAE()(predicted, actual)
