"""The evidence context: what every fact needs, precomputed once per workspace.

Price bands within categories, review aspects per item and per user, users' rating habits and
usual bands, title words too common to describe anyone, and (lazily) each user's neighbours.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from llmrec.data.ids import IdMap
from llmrec.data.quality import MISSING_CATEGORIES
from llmrec.errors import DataError, UnknownIdError
from llmrec.models.base import Explanation
from llmrec.models.ranking import top_indices
from llmrec.portraits.aspects import extract_aspects
from llmrec.portraits.build import price_bands as portrait_price_bands
from llmrec.reasons.facts import BANDS


@dataclass
class EvidenceContext:
    """Per-workspace precomputation behind every Evidence; build it with `from_arrays`."""

    ids: IdMap
    titles: np.ndarray  # (n_items,) str
    categories: np.ndarray  # (n_items,) str
    category_lists: list[tuple[str, ...]]
    brands: np.ndarray  # (n_items,) str, "" when unknown
    attributes: list[dict[str, str]]
    bands: np.ndarray  # (n_items,) int8: 0 budget, 1 mid, 2 premium, -1 unpriced
    train: sp.csr_matrix  # (n_users, n_items) binary history
    item_text: np.ndarray | None  # (n_items, d) L2-normed
    item_factors: np.ndarray | None  # (n_items, f) L2-normed here
    user_factors: np.ndarray | None  # (n_users, f) L2-normed here
    explain: Callable[[int, int], Explanation] | None  # an Explainable model's explain
    item_aspects: list[dict[str, tuple[int, int, int]]]  # per item: aspect -> (mentions, praises, crit.)
    user_aspects: list[dict[str, tuple[int, int, int]]]  # per user, from the user's own reviews
    user_rating_mean: np.ndarray  # (n_users,) mean review rating, nan without reviews
    user_rating_count: np.ndarray  # (n_users,) int
    user_band: np.ndarray  # (n_users,) int8 usual band of the history, -1 if unknown
    n_neighbours: int = 20
    common_words: frozenset[str] = frozenset()  # title words too common to describe a shopper
    _neighbours: dict[int, np.ndarray] = field(default_factory=dict, repr=False)

    @classmethod
    def from_arrays(
        cls,
        items: pd.DataFrame,
        reviews: pd.DataFrame,
        ids: IdMap,
        train: sp.csr_matrix,
        item_text: np.ndarray | None = None,
        item_factors: np.ndarray | None = None,
        user_factors: np.ndarray | None = None,
        explain: Callable[[int, int], Explanation] | None = None,
        *,
        n_neighbours: int = 20,
    ) -> EvidenceContext:
        """Precompute bands, aspects and neighbour structure from canonical tables and arrays.

        `items` and `reviews` are canonical tables (see llmrec.data.dataset); `train` is the users x
        items history in `ids` order; arrays are row-aligned with `ids` (items or users).
        """
        n_users, n_items = ids.n_users, ids.n_items
        if train.shape != (n_users, n_items):
            raise DataError(f"train matrix has shape {train.shape}, expected (n_users, n_items) = "
                            f"({n_users}, {n_items})", field="train")
        for name, array, rows in (("item_text", item_text, n_items), ("item_factors", item_factors, n_items),
                                  ("user_factors", user_factors, n_users)):
            if array is not None and (array.ndim != 2 or array.shape[0] != rows):
                raise DataError(f"{name} has shape {array.shape}, expected ({rows}, dim)", field=name)
        table = items.assign(item_id=items["item_id"].astype(str))
        table = table.drop_duplicates("item_id").set_index("item_id")
        missing = ids.items.difference(table.index)
        if len(missing):
            raise DataError(f"{len(missing)} items of the id map have no row in the items table "
                            f"(e.g. '{missing[0]}')", field="item_id")
        table = table.reindex(ids.items)
        categories = table["category"].fillna("").astype(str).to_numpy()
        categories = np.where(np.isin(categories, list(MISSING_CATEGORIES)), "", categories)
        prices = pd.to_numeric(table["price"], errors="coerce").to_numpy(dtype=np.float64)
        binary = train.copy().tocsr()
        binary.data = np.ones_like(binary.data, dtype=np.float32)
        binary.eliminate_zeros()
        bands = price_bands(prices, categories)
        item_aspects, user_aspects, rating_mean, rating_count = _review_aspects(reviews, ids)
        titles = table["title"].fillna("").astype(str).to_numpy()
        return cls(
            ids=ids,
            titles=titles,
            common_words=common_title_words(titles),
            categories=categories,
            category_lists=[tuple(str(c) for c in cs if str(c) not in MISSING_CATEGORIES)
                            for cs in table["categories"]],
            brands=table["brand"].fillna("").astype(str).to_numpy(),
            attributes=[_parse_attributes(a) for a in table["attributes"]],
            bands=bands,
            train=binary,
            item_text=None if item_text is None else np.asarray(item_text, dtype=np.float32),
            item_factors=None if item_factors is None else _l2(item_factors),
            user_factors=None if user_factors is None else _l2(user_factors),
            explain=explain,
            item_aspects=item_aspects,
            user_aspects=user_aspects,
            user_rating_mean=rating_mean,
            user_rating_count=rating_count,
            user_band=_usual_bands(binary, bands),
            n_neighbours=n_neighbours,
        )

    def history(self, user: int) -> np.ndarray:
        """Item indices the user interacted with in training."""
        return self.train.indices[self.train.indptr[user]:self.train.indptr[user + 1]]

    def neighbours(self, user: int) -> np.ndarray:
        """The user's most similar users: user-factor cosine if factors were given, else history cosine."""
        if user not in self._neighbours:
            if self.user_factors is not None:
                sims = self.user_factors @ self.user_factors[user]  # (n_users,)
            else:
                row = self.train[user]
                overlap = np.asarray((self.train @ row.T).todense()).ravel()  # (n_users,)
                degree = np.diff(self.train.indptr)  # (n_users,) history sizes
                sims = overlap / np.sqrt(np.maximum(degree * max(row.nnz, 1), 1.0))
            sims = np.asarray(sims, dtype=np.float64).copy()
            sims[user] = -np.inf
            top = top_indices(sims, min(self.n_neighbours, len(sims) - 1))
            self._neighbours[user] = top[sims[top] > 0]
        return self._neighbours[user]

    def check_user(self, user: int) -> None:
        if not 0 <= user < self.ids.n_users:
            raise UnknownIdError(f"user index {user} is outside [0, {self.ids.n_users})")

    def check_item(self, item: int) -> None:
        if not 0 <= item < self.ids.n_items:
            raise UnknownIdError(f"item index {item} is outside [0, {self.ids.n_items})")


def price_bands(prices: np.ndarray, categories: np.ndarray) -> np.ndarray:
    """0 budget / 1 mid / 2 premium, -1 when unbanded: the portraits' bands
    (`llmrec.portraits.build.price_bands`, tertiles within the category) as codes."""
    names = portrait_price_bands(pd.DataFrame({"price": np.asarray(prices, dtype=np.float64),
                                               "category": np.asarray(categories)}))
    return names.map({band: code for code, band in enumerate(BANDS)}).fillna(-1).to_numpy(dtype=np.int8)



def common_title_words(titles: np.ndarray, share: float = 0.05) -> frozenset[str]:
    """Words in more than `share` of the catalogue's titles ("industrial", "scientific" when every
    title carries its shop path): they say nothing about one shopper."""
    counts: dict[str, int] = {}
    for title in titles:
        for word in set(re.findall(r"[a-z]{4,}", str(title).lower())):
            counts[word] = counts.get(word, 0) + 1
    limit = max(share * len(titles), 2)
    return frozenset(w for w, n in counts.items() if n > limit)



def _l2(array: np.ndarray) -> np.ndarray:
    array = np.asarray(array, dtype=np.float32)
    return array / np.clip(np.linalg.norm(array, axis=1, keepdims=True), 1e-12, None)


def _parse_attributes(raw) -> dict[str, str]:
    if raw is None or (isinstance(raw, float) and np.isnan(raw)) or raw is pd.NA:
        return {}
    try:
        parsed = json.loads(raw)
    except (TypeError, ValueError):
        return {}
    return {str(k): str(v) for k, v in parsed.items()} if isinstance(parsed, dict) else {}


def _usual_bands(train: sp.csr_matrix, bands: np.ndarray) -> np.ndarray:
    """Most frequent band of each user's priced history (ties go to the cheaper band)."""
    out = np.full(train.shape[0], -1, dtype=np.int8)
    for u in range(train.shape[0]):
        b = bands[train.indices[train.indptr[u]:train.indptr[u + 1]]]
        b = b[b >= 0]
        if len(b):
            out[u] = int(np.bincount(b, minlength=3).argmax())
    return out


def _review_aspects(reviews: pd.DataFrame, ids: IdMap):
    """One pass over reviews: aspect counts per item and per user (as aspect_counts), user ratings."""
    item_aspects: list[dict] = [{} for _ in range(ids.n_items)]
    user_aspects: list[dict] = [{} for _ in range(ids.n_users)]
    rating_sum = np.zeros(ids.n_users)
    rating_count = np.zeros(ids.n_users, dtype=np.int64)
    if len(reviews):
        users = ids.user_indices(reviews["user_id"])
        items = ids.item_indices(reviews["item_id"])
        titles = reviews["title"].fillna("").astype(str).to_numpy()
        texts = reviews["text"].fillna("").astype(str).to_numpy()
        ratings = pd.to_numeric(reviews["rating"], errors="coerce").to_numpy(dtype=np.float64)
        for u, i, title, text, rating in zip(users, items, titles, texts, ratings, strict=True):
            mentions = extract_aspects(f"{title}. {text}" if title else text,
                                       None if np.isnan(rating) else rating)
            for target in ((item_aspects[i],) if i >= 0 else ()) + ((user_aspects[u],) if u >= 0 else ()):
                for m in mentions:
                    c = target.get(m.aspect, (0, 0, 0))
                    target[m.aspect] = (c[0] + 1, c[1] + (m.polarity > 0), c[2] + (m.polarity < 0))
            if u >= 0 and not np.isnan(rating):
                rating_sum[u] += rating
                rating_count[u] += 1
    with np.errstate(invalid="ignore", divide="ignore"):
        rating_mean = np.where(rating_count > 0, rating_sum / np.maximum(rating_count, 1), np.nan)
    return item_aspects, user_aspects, rating_mean, rating_count
