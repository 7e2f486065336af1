"""The demo's shoppers and their planted tastes: departments, shelves, price band, aspects, activity."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from llmrec.data import demo_vocabulary as vocab
from llmrec.data.demo.catalogue import Catalog
from llmrec.data.demo.config import MIN_INTERACTIONS_PER_USER, DemoConfig, max_per_user


@dataclass
class Tastes:
    """Per-user arrays (length n_users) of planted preferences."""

    favourites: np.ndarray  # (n_users, 3) category indices, most favoured first; -1 unused
    weights: np.ndarray  # (n_users, 3) favourite weights summing to 1; 0 unused
    preferred_sub: np.ndarray  # (n_users, n_categories, n_sub) bool
    band: np.ndarray  # preferred price band
    aspects: list[list[str]]  # 1-3 aspects each user cares about
    leniency: np.ndarray  # added to every rating the user gives
    activity: np.ndarray  # number of interactions


def make_tastes(config: DemoConfig, catalog: Catalog, categories, rng: np.random.Generator) -> Tastes:
    n, n_cat, n_sub = config.n_users, len(categories), catalog.n_sub
    # Favourite categories: bigger departments attract more fans.
    appeal = np.log(np.bincount(catalog.category, minlength=n_cat) + 1.0) * 0.5
    keys = appeal + rng.gumbel(size=(n, n_cat))
    top = np.argsort(-keys, axis=1, kind="stable")[:, :3]
    n_fav = np.minimum(rng.choice([1, 2, 3], size=n, p=[0.3, 0.45, 0.25]), n_cat)
    first = np.where(n_fav == 1, 1.0,
                     np.where(n_fav == 2, rng.uniform(0.6, 0.85, n), rng.uniform(0.55, 0.75, n)))
    second = np.where(n_fav == 3, (1.0 - first) * rng.uniform(0.6, 0.75, n), 1.0 - first)
    weights = np.stack([first, second, 1.0 - first - second], axis=1)
    weights[np.arange(3)[None, :] >= n_fav[:, None]] = 0.0
    favourites = np.where(weights > 0, top[:, :weights.shape[1]], -1)
    weights = weights / weights.sum(axis=1, keepdims=True)

    # One or two preferred shelves in every department (only the favourite ones matter much).
    exists = np.array([[s < len(c.subcategories) for s in range(n_sub)] for c in categories])
    shelf_keys = np.where(exists[None], rng.random((n, n_cat, n_sub)), -1.0)
    ranks = np.argsort(np.argsort(-shelf_keys, axis=2, kind="stable"), axis=2, kind="stable")
    n_pref = rng.choice([1, 2], size=(n, n_cat, 1), p=[0.6, 0.4])
    preferred_sub = (ranks < n_pref) & exists[None]

    band = rng.choice(3, size=n, p=[0.35, 0.4, 0.25])
    aspects = _pick_aspects(favourites[:, 0], categories, rng)
    leniency = rng.normal(0.0, 0.45, size=n)
    activity = _activity(config, rng)
    return Tastes(favourites=favourites, weights=weights, preferred_sub=preferred_sub, band=band,
                   aspects=aspects, leniency=leniency, activity=activity)


def _pick_aspects(top_category: np.ndarray, categories, rng: np.random.Generator) -> list[list[str]]:
    """1-3 aspects per user, from their favourite department's aspects (its own ones twice as likely)."""
    n = len(top_category)
    width = max(len(c.aspects) for c in categories)
    log_w = np.full((len(categories), width), -np.inf)
    for c, cat in enumerate(categories):
        log_w[c, :len(cat.aspects)] = [0.0 if a in vocab.GENERAL_ASPECTS else np.log(2.0)
                                       for a in cat.aspects]
    keys = log_w[top_category] + rng.gumbel(size=(n, width))
    order = np.argsort(-keys, axis=1, kind="stable")[:, :3]
    count = rng.choice([1, 2, 3], size=n, p=[0.35, 0.4, 0.25])
    return [[categories[c].aspects[a] for a in row[:k]] for c, row, k in zip(top_category, order, count,
                                                                             strict=True)]


def _activity(config: DemoConfig, rng: np.random.Generator) -> np.ndarray:
    """Interactions per user: at least 5, heavy-tailed, summing exactly to n_interactions."""
    n, cap = config.n_users, max_per_user(config.n_items)
    extra_total = config.n_interactions - MIN_INTERACTIONS_PER_USER * n
    propensity = rng.lognormal(0.0, 1.2, size=n)
    extra = np.zeros(n)
    room = np.full(n, float(cap - MIN_INTERACTIONS_PER_USER))
    for _ in range(50):  # hand what the capped users cannot take to the others
        remaining = extra_total - extra.sum()
        open_ = room - extra > 1e-9
        if remaining < 1e-6 or not open_.any():
            break
        share = np.where(open_, propensity, 0.0)
        extra = np.minimum(extra + remaining * share / share.sum(), room)
    whole = np.floor(extra).astype(np.int64)
    short = extra_total - int(whole.sum())
    if short > 0:  # the largest remainders get the last units
        fraction = np.where(whole < room, extra - whole, -1.0)
        whole[np.argsort(-fraction, kind="stable")[:short]] += 1
    return whole + MIN_INTERACTIONS_PER_USER
