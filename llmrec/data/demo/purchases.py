"""The demo's purchase log: which shopper buys what (mostly by taste), how they rate it, and when."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from llmrec.data.demo.catalogue import Catalog, sample_rows
from llmrec.data.demo.config import DemoConfig
from llmrec.data.demo.shoppers import Tastes

_SUBCATEGORY_BOOST = 10.0  # how much more a user buys on a preferred shelf than on another one
# (user's band, item's band) -> relative appetite; budget shoppers rarely buy premium and vice versa.
_BAND_AFFINITY = np.array([[1.0, 0.25, 0.05], [0.25, 1.0, 0.25], [0.05, 0.25, 1.0]])
_TASTE_POPULARITY_POWER = 0.5  # within a shelf, taste-driven picks follow a flattened popularity


class _Sampler:
    """Draws items for users: taste-driven (department, shelf, price band, popularity) or exploring."""

    def __init__(self, config: DemoConfig, catalog: Catalog, tastes: Tastes) -> None:
        self.config, self.tastes = config, tastes
        n_cat, n_sub = len(tastes.preferred_sub[0]), catalog.n_sub
        cell = catalog.cell
        taste_weight = catalog.popularity ** _TASTE_POPULARITY_POWER
        self.cell_mass = np.bincount(cell, weights=taste_weight, minlength=n_cat * n_sub * 3)
        self.cell_mass = self.cell_mass.reshape(n_cat, n_sub, 3)
        self.order = np.argsort(cell, kind="stable")
        self.sorted_cell = cell[self.order]
        self.cum_cell = np.cumsum(taste_weight[self.order])
        self.cum_pop = np.cumsum(catalog.popularity)

    def draw(self, users: np.ndarray, rng: np.random.Generator, explore_only: bool = False) -> np.ndarray:
        n = len(users)
        items = np.searchsorted(self.cum_pop, rng.random(n) * self.cum_pop[-1], side="right")
        items = np.minimum(items, len(self.cum_pop) - 1)
        taste = (rng.random(n) >= self.config.exploration) & (not explore_only)
        if taste.any():
            items[taste] = self._taste_draw(users[taste], rng)
        return items

    def _taste_draw(self, users: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        t = self.tastes
        slot = sample_rows(t.weights[users], rng)
        category = t.favourites[users, slot]
        shelf_mass = self.cell_mass[category].sum(axis=2)  # (n, n_sub)
        boost = 1.0 + (_SUBCATEGORY_BOOST - 1.0) * t.preferred_sub[users, category]
        shelf = sample_rows(shelf_mass * boost, rng)
        band = sample_rows(self.cell_mass[category, shelf] * _BAND_AFFINITY[t.band[users]], rng)
        cell = (category * self.cell_mass.shape[1] + shelf) * 3 + band
        lo = np.searchsorted(self.sorted_cell, cell, side="left")
        hi = np.searchsorted(self.sorted_cell, cell, side="right")
        base = np.where(lo > 0, self.cum_cell[np.maximum(lo - 1, 0)], 0.0)
        target = base + rng.random(len(users)) * (self.cum_cell[hi - 1] - base)
        pos = np.clip(np.searchsorted(self.cum_cell, target, side="right"), lo, hi - 1)
        return self.order[pos]


def sample_interactions(config: DemoConfig, catalog: Catalog, tastes: Tastes,
                        rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(user, item) index pairs, no pair twice, exactly `tastes.activity` per user."""
    sampler = _Sampler(config, catalog, tastes)
    quota = tastes.activity
    users = np.empty(0, dtype=np.int64)
    items = np.empty(0, dtype=np.int64)
    for round_ in range(12):
        deficit = quota - np.bincount(users, minlength=len(quota))
        if not deficit.any():
            break
        wanted = np.flatnonzero(deficit)
        draws = np.ceil(deficit[wanted] * (1.3 + 0.3 * round_)).astype(np.int64) + 1
        new_users = np.repeat(wanted, draws)
        new_items = sampler.draw(new_users, rng, explore_only=round_ >= 8)
        users, items = _keep_first(np.r_[users, new_users], np.r_[items, new_items], quota, config.n_items)
    deficit = quota - np.bincount(users, minlength=len(quota))
    if deficit.any():  # saturated users (tiny catalogues): top up with random unseen items
        extra_users, extra_items = [], []
        for user in np.flatnonzero(deficit):
            unseen = np.setdiff1d(np.arange(config.n_items), items[users == user])
            extra_items.append(rng.choice(unseen, size=deficit[user], replace=False))
            extra_users.append(np.full(deficit[user], user))
        users, items = np.r_[users, *extra_users], np.r_[items, *extra_items]
    return users, items


def _keep_first(users: np.ndarray, items: np.ndarray, quota: np.ndarray,
                n_items: int) -> tuple[np.ndarray, np.ndarray]:
    """Drop repeated pairs and everything beyond each user's quota, keeping the earliest draws."""
    _, first = np.unique(users * n_items + items, return_index=True)
    first.sort()
    users, items = users[first], items[first]
    order = np.argsort(users, kind="stable")
    sorted_users = users[order]
    starts = np.flatnonzero(np.r_[True, sorted_users[1:] != sorted_users[:-1]])
    sizes = np.diff(np.r_[starts, len(users)])
    rank = np.empty(len(users), dtype=np.int64)
    rank[order] = np.arange(len(users)) - np.repeat(starts, sizes)
    keep = rank < quota[users]
    return users[keep], items[keep]


def rate(catalog: Catalog, tastes: Tastes, users: np.ndarray, items: np.ndarray,
         rng: np.random.Generator) -> np.ndarray:
    """Stars 1-5 from taste match, item quality, the user's leniency and noise."""
    category, shelf = catalog.category[items], catalog.subcategory[items]
    fav_weight = (tastes.weights[users] * (tastes.favourites[users] == category[:, None])).sum(axis=1)
    on_shelf = tastes.preferred_sub[users, category, shelf]
    band_gap = np.abs(tastes.band[users] - catalog.band[items])
    latent = (3.55 + tastes.leniency[users] + 3.0 * (catalog.quality[items] - 0.68) + 0.9 * fav_weight
              + 0.3 * on_shelf + np.array([0.2, -0.1, -0.6])[band_gap] + rng.normal(0.0, 0.8, len(users)))
    # Now and then a unit disappoints badly (faulty, not as described), more often for poor items.
    letdown = rng.random(len(users)) < 0.02 + 0.15 * (1.0 - catalog.quality[items])
    latent -= letdown * rng.uniform(2.0, 3.5, len(users))
    return np.clip(np.rint(latent), 1, 5)


def purchase_times(config: DemoConfig, tastes: Tastes, users: np.ndarray,
                   rng: np.random.Generator) -> np.ndarray:
    """Unix seconds, strictly increasing within each user's active window of the shop's history."""
    # Leave room at the end for the tie-breaking seconds added below.
    span = max(config.span_days * 86_400 - int(tastes.activity.max()), 1)
    n_users = len(tastes.activity)
    length = span * rng.uniform(0.15, 1.0, size=n_users)
    start = rng.random(n_users) * (span - length)
    offset = start[users] + rng.random(len(users)) * length[users]
    order = np.lexsort((offset, users))
    seconds = np.empty(len(users), dtype=np.int64)
    seconds[order] = np.floor(offset[order]).astype(np.int64)
    # Sorting already orders each user's events; add the rank in seconds so none tie.
    sorted_users = users[order]
    starts = np.flatnonzero(np.r_[True, sorted_users[1:] != sorted_users[:-1]])
    rank = np.arange(len(users)) - np.repeat(starts, np.diff(np.r_[starts, len(users)]))
    seconds[order] += rank
    epoch = int(datetime.combine(config.start_date, datetime.min.time(), tzinfo=UTC).timestamp())
    return seconds + epoch
