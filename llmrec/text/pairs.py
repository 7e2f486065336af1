"""Training pairs for fine-tuning the text encoder: what should embed close, from TRAINING data only.

Item pairs come from each shopper's ordered training history (consecutive purchases, and items bought
by the same shopper); review pairs tie an item to its own reviews. Pairs from validation or test
interactions would leak the answer, so callers pass the training part of the split only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from llmrec.data.ids import IdMap
from llmrec.errors import ConfigError, DataError


def training_pairs(
    train: pd.DataFrame,
    ids: IdMap,
    *,
    consecutive_per_user: int = 20,
    co_per_user: int = 10,
    popularity_power: float = 0.5,
    seed: int = 0,
) -> np.ndarray:
    """(n, 2) int64 item-index pairs that should embed close, from TRAINING interactions only.

    Per user (history ordered by timestamp, ties kept in row order): consecutive distinct items,
    at most `consecutive_per_user` of them, and `co_per_user` pairs of co-interacted items drawn at
    random. Both are sampled with weight (pop_a * pop_b) ** -popularity_power / 2, so pairs of
    bestsellers, which teach little about the text, are down-weighted. Unordered duplicates are
    merged; the result is shuffled. Same data and seed, same pairs.
    """
    for column in ("user_id", "item_id"):
        if column not in train.columns:
            raise DataError(f"training interactions need a '{column}' column; found {list(train.columns)}")
    for name, value in (("consecutive_per_user", consecutive_per_user), ("co_per_user", co_per_user)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ConfigError(f"{name} must be a non-negative integer, got {value!r}")
    if not isinstance(popularity_power, int | float) or popularity_power < 0:
        raise ConfigError(f"popularity_power must be a number >= 0, got {popularity_power!r}")
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"user": train["user_id"].astype(str).to_numpy(),
                          "item": ids.item_indices(train["item_id"].astype(str)),
                          "time": train["timestamp"].to_numpy() if "timestamp" in train.columns
                          else np.zeros(len(train))})
    unknown = frame["item"].to_numpy() < 0
    if unknown.any():
        bad = train["item_id"].astype(str).to_numpy()[unknown][0]
        raise DataError(f"training interactions: item id '{bad}' is not in the id map")
    frame = frame.sort_values(["user", "time"], kind="stable")
    weight = np.bincount(frame["item"], minlength=ids.n_items).astype(np.float64)
    weight = np.maximum(weight, 1.0) ** (-popularity_power / 2)            # (n_items,)
    items = frame["item"].to_numpy()
    starts = np.flatnonzero(np.r_[True, frame["user"].to_numpy()[1:] != frame["user"].to_numpy()[:-1]])
    bounds = np.r_[starts, len(items)]
    chosen: list[np.ndarray] = []
    for start, stop in zip(bounds[:-1], bounds[1:], strict=True):
        history = items[start:stop]
        if len(history) < 2:
            continue
        steps = np.stack([history[:-1], history[1:]], axis=1)               # (len-1, 2)
        steps = steps[steps[:, 0] != steps[:, 1]]
        chosen.append(_sample(steps, consecutive_per_user, weight, rng))
        distinct = np.unique(history)
        if co_per_user and len(distinct) >= 2:
            draws = rng.integers(0, len(distinct), size=(4 * co_per_user, 2))
            co = distinct[draws[draws[:, 0] != draws[:, 1]]]
            chosen.append(_sample(co, co_per_user, weight, rng))
    if not chosen:
        return np.zeros((0, 2), dtype=np.int64)
    pairs = np.sort(np.concatenate(chosen), axis=1)
    pairs = np.unique(pairs, axis=0)
    return pairs[rng.permutation(len(pairs))].astype(np.int64)


def _sample(candidates: np.ndarray, limit: int, weight: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """At most `limit` rows of `candidates` without replacement, weighted by their items' weights."""
    if len(candidates) <= limit:
        return candidates
    p = weight[candidates[:, 0]] * weight[candidates[:, 1]]
    return candidates[rng.choice(len(candidates), size=limit, replace=False, p=p / p.sum())]


def review_pairs(reviews: pd.DataFrame, ids: IdMap, *, per_item: int = 3, min_chars: int = 20,
                 seed: int = 0) -> list[tuple[int, str]]:
    """(item index, review text) pairs, at most `per_item` per item, reviews shorter than `min_chars` skipped.

    Reviews belong to no split (they describe the item, not the held-out purchase), but a caller
    that evaluates on reviews' own interactions should pass only the training reviews.
    """
    if reviews is None or reviews.empty:
        return []
    body = reviews.get("text", pd.Series("", index=reviews.index)).fillna("").astype(str)
    if "title" in reviews.columns:
        body = (reviews["title"].fillna("").astype(str) + ". " + body).str.strip(". ")
    frame = pd.DataFrame({"item": ids.item_indices(reviews["item_id"].astype(str)), "text": body})
    frame = frame[(frame["item"] >= 0) & (frame["text"].str.len() >= min_chars)]
    frame = frame.iloc[np.random.default_rng(seed).permutation(len(frame))]
    frame = frame.groupby("item", sort=True).head(per_item).sort_values("item", kind="stable")
    return [(int(i), str(t)) for i, t in zip(frame["item"], frame["text"], strict=True)]
