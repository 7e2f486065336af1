"""Text profiles: an item's reviews and a user's history and reviews, each as one unit vector."""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from llmrec.data.ids import IdMap
from llmrec.errors import ConfigError, DataError, UnknownIdError
from llmrec.text.pooling import l2_normalize


def item_review_embeddings(
    review_emb: np.ndarray, reviews: pd.DataFrame, ids: IdMap
) -> tuple[np.ndarray, np.ndarray]:
    """Mean of each item's review embeddings, L2-normalised: `(n_items, d)` and a has_reviews mask.

    Row i of `review_emb` embeds row i of `reviews`. Items without reviews get a zero row.
    """
    review_emb = _rows(review_emb, len(reviews), "review_emb", "reviews")
    items = _indices(ids.item_indices(reviews["item_id"]), reviews["item_id"], "item")
    sums = _group_sum(items, np.ones(len(items)), review_emb, ids.n_items)
    has_reviews = np.bincount(items, minlength=ids.n_items) > 0
    return l2_normalize(sums), has_reviews


def user_profiles(
    item_emb: np.ndarray,
    review_emb: np.ndarray | None,
    interactions: pd.DataFrame,
    reviews: pd.DataFrame | None,
    ids: IdMap,
    *,
    review_weight: float = 0.5,
    half_life: float = 10.0,
) -> np.ndarray:
    """One L2-normalised text vector per user, `(n_users, d)`.

    History part: a recency-weighted mean of the embeddings of the items the user interacted with.
    The most recent interaction has weight 1 and weights halve every `half_life` interactions further
    back (weight = 0.5 ** (steps_back / half_life)), counted by position in the user's history ordered
    by timestamp, so it also works where timestamps are only positions. Review part: the mean of the
    embeddings of the user's own reviews. Both parts are normalised, then blended as
    (1 - review_weight) * history + review_weight * reviews; a user with only one part gets that part,
    a user with neither gets a zero row.
    """
    if not 0.0 <= review_weight <= 1.0:
        raise ConfigError(f"review_weight must be between 0 and 1, got {review_weight}")
    if not half_life > 0:
        raise ConfigError(f"half_life must be a positive number of interactions, got {half_life}")
    item_emb = _rows(item_emb, ids.n_items, "item_emb", "items in the id map")

    ordered = interactions.sort_values(["user_id", "timestamp"], kind="stable")
    users = _indices(ids.user_indices(ordered["user_id"]), ordered["user_id"], "user")
    items = _indices(ids.item_indices(ordered["item_id"]), ordered["item_id"], "item")
    steps_back = ordered.groupby("user_id", sort=False).cumcount(ascending=False).to_numpy()
    weights = 0.5 ** (steps_back / half_life)
    history = l2_normalize(_group_sum(users, weights, item_emb[items], ids.n_users))

    if review_emb is None or reviews is None or len(reviews) == 0 or review_weight == 0.0:
        return history
    review_emb = _rows(review_emb, len(reviews), "review_emb", "reviews")
    authors = _indices(ids.user_indices(reviews["user_id"]), reviews["user_id"], "user")
    own = l2_normalize(_group_sum(authors, np.ones(len(authors)), review_emb, ids.n_users))

    has_history = np.linalg.norm(history, axis=1) > 0
    has_own = np.linalg.norm(own, axis=1) > 0
    w_history = np.where(has_own, 1.0 - review_weight, 1.0) * has_history
    w_own = np.where(has_history, review_weight, 1.0) * has_own
    return l2_normalize(w_history[:, None] * history + w_own[:, None] * own)


def _group_sum(groups: np.ndarray, weights: np.ndarray, vectors: np.ndarray, n_groups: int) -> np.ndarray:
    """Sum over rows of weights[r] * vectors[r] into row groups[r] of an (n_groups, d) float32 array."""
    matrix = sp.csr_matrix((weights.astype(np.float64), (groups, np.arange(len(groups)))),
                           shape=(n_groups, len(groups)))
    return np.asarray(matrix @ vectors.astype(np.float64), dtype=np.float32)


def _rows(array, expected: int, name: str, what: str) -> np.ndarray:
    array = np.asarray(array, dtype=np.float32)
    if array.ndim != 2 or len(array) != expected:
        raise DataError(f"{name} must have one row per {what} ({expected}), got shape {array.shape}")
    return array


def _indices(indices: np.ndarray, raw: pd.Series, kind: str) -> np.ndarray:
    unknown = indices < 0
    if unknown.any():
        examples = ", ".join(map(str, pd.unique(raw[unknown])[:3]))
        raise UnknownIdError(f"{int(unknown.sum())} rows reference {kind} ids missing from the id map "
                             f"(e.g. {examples})")
    return indices
