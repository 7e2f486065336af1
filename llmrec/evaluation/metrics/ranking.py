"""Per-user ranking accuracy at K (Precision, Recall, F1, NDCG, MAP, HitRate, MRR), one class each.

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

import numpy as np
import scipy.sparse as sp

from llmrec.errors import DataError
from llmrec.evaluation.metrics.at_k import MetricAtK, check_ranked, checked_top_k


def _discounts(length: int) -> np.ndarray:
    """1 / log2(rank + 1) for ranks 1..length."""
    return 1.0 / np.log2(np.arange(2, length + 2))


# --------------------------------------------------------------------------- reference functions


def precision_at_k(ranked: Sequence, relevant: Collection, k: int) -> float:
    """Share of the K recommended positions that hold a relevant item: hits / K."""
    top = checked_top_k(ranked, k)
    if not relevant:
        return float("nan")
    return sum(item in relevant for item in top) / k


def recall_at_k(ranked: Sequence, relevant: Collection, k: int) -> float:
    """Share of the relevant items found in the top K: hits / |relevant|."""
    top = checked_top_k(ranked, k)
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
    top = checked_top_k(ranked, k)
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
    top = checked_top_k(ranked, k)
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
    top = checked_top_k(ranked, k)
    if not relevant:
        return float("nan")
    return float(any(item in relevant for item in top))


def mrr_at_k(ranked: Sequence, relevant: Collection, k: int) -> float:
    """1 / rank of the first relevant item in the top K; 0 when there is none."""
    top = checked_top_k(ranked, k)
    if not relevant:
        return float("nan")
    for rank, item in enumerate(top, start=1):
        if item in relevant:
            return 1 / rank
    return 0.0


# --------------------------------------------------------------------------- batch helpers


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
class RankingMetric(MetricAtK):
    """A top-K accuracy metric: `label` names it, `batch` scores many users at once."""

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
