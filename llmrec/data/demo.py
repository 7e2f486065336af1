"""The built-in demo store: a seeded generator of a realistic shop whose shoppers have planted tastes.

Every user gets 1-3 favourite categories, preferred shelves within them, a price band and the
aspects they care about; every item a popularity (long tail) and a quality. Interactions are drawn
mostly from those tastes, ratings follow taste match and quality, and reviews are written so that
`llmrec.portraits.aspects.extract_aspects` reads back the aspects and the sentiment that were
planted. The planted structure is returned in `Dataset.ground_truth`, so every later stage
(recommenders, portraits, reasons) can be checked against the truth.
"""

from __future__ import annotations

import functools
import json
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime

import numpy as np
import pandas as pd

from llmrec.data import demo_vocabulary as vocab
from llmrec.data.dataset import Dataset, LoadReport
from llmrec.errors import ConfigError

MIN_INTERACTIONS_PER_USER = 5  # so leave-last-out always leaves history to learn from
_SUBCATEGORY_BOOST = 10.0  # how much more a user buys on a preferred shelf than on another one
# (user's band, item's band) -> relative appetite; budget shoppers rarely buy premium and vice versa.
_BAND_AFFINITY = np.array([[1.0, 0.25, 0.05], [0.25, 1.0, 0.25], [0.05, 0.25, 1.0]])
_TASTE_POPULARITY_POWER = 0.5  # within a shelf, taste-driven picks follow a flattened popularity
_CONTACT_RATE = 0.01  # share of reviews that leak a (fake) e-mail address or phone number


@dataclass(frozen=True)
class DemoConfig:
    """Size and randomness of the demo store; the defaults make a shop that loads in seconds."""

    n_users: int = 3000
    """Number of shoppers (ids U00001, ...)."""
    n_items: int = 2000
    """Number of products (ids P00001, ...)."""
    n_interactions: int = 60000
    """Total purchases; every user gets at least 5, activity is heavy-tailed."""
    n_reviews: int = 15000
    """Purchases that carry a written review (capped at n_interactions)."""
    n_categories: int = 12
    """Departments, taken in order from the built-in vocabulary (1 to 14)."""
    seed: int = 42
    """Seed of every random choice: the same config always yields identical tables."""
    start_date: date = date(2023, 1, 1)
    """First day of the shop's history (UTC)."""
    span_days: int = 730
    """Length of the history in days; timestamps fall in [start_date, start_date + span_days)."""
    exploration: float = 0.17
    """Share of purchases drawn from overall popularity instead of the user's tastes."""

    def validate(self) -> None:
        """Raise ConfigError naming the first invalid field."""
        n_cat = len(vocab.CATEGORIES)
        if not 1 <= self.n_categories <= n_cat:
            raise ConfigError(f"n_categories must be between 1 and {n_cat}, got {self.n_categories}")
        if self.n_users < 1:
            raise ConfigError(f"n_users must be at least 1, got {self.n_users}")
        if self.n_items < max(10, self.n_categories):
            raise ConfigError(f"n_items must be at least max(10, n_categories), got {self.n_items}")
        if self.n_interactions < MIN_INTERACTIONS_PER_USER * self.n_users:
            raise ConfigError(f"n_interactions must be at least {MIN_INTERACTIONS_PER_USER} x n_users = "
                              f"{MIN_INTERACTIONS_PER_USER * self.n_users}, got {self.n_interactions}")
        if self.n_interactions > self.n_users * _max_per_user(self.n_items):
            raise ConfigError(f"n_interactions must be at most {self.n_users * _max_per_user(self.n_items)} "
                              f"(n_users x {_max_per_user(self.n_items)} for {self.n_items} items), "
                              f"got {self.n_interactions}")
        if self.n_reviews < 0:
            raise ConfigError(f"n_reviews must be non-negative, got {self.n_reviews}")
        if self.span_days < 1:
            raise ConfigError(f"span_days must be at least 1, got {self.span_days}")
        if not 0.0 <= self.exploration <= 1.0:
            raise ConfigError(f"exploration must be between 0 and 1, got {self.exploration}")


def _max_per_user(n_items: int) -> int:
    """A user buys at most a third of the catalogue (and at most 2,000 items)."""
    return max(MIN_INTERACTIONS_PER_USER, min(n_items // 3, 2000))


@dataclass
class _Catalog:
    """Per-item arrays (length n_items) describing the generated products."""

    category: np.ndarray  # index into the used categories
    subcategory: np.ndarray  # index into the category's subcategories
    noun: np.ndarray  # index into the subcategory's nouns
    brand: np.ndarray  # index into the category's brands
    band: np.ndarray  # 0 budget, 1 mid, 2 premium: price tercile within the category
    price: np.ndarray
    quality: np.ndarray  # in (0, 1)
    popularity: np.ndarray  # in (0, 1], the most popular item is 1
    n_sub: int  # largest number of subcategories of a category

    @property
    def cell(self) -> np.ndarray:
        """(category, subcategory, band) as one integer: the shelf-and-price cell of each item."""
        return (self.category * self.n_sub + self.subcategory) * 3 + self.band


@dataclass
class _Tastes:
    """Per-user arrays (length n_users) of planted preferences."""

    favourites: np.ndarray  # (n_users, 3) category indices, most favoured first; -1 unused
    weights: np.ndarray  # (n_users, 3) favourite weights summing to 1; 0 unused
    preferred_sub: np.ndarray  # (n_users, n_categories, n_sub) bool
    band: np.ndarray  # preferred price band
    aspects: list[list[str]]  # 1-3 aspects each user cares about
    leniency: np.ndarray  # added to every rating the user gives
    activity: np.ndarray  # number of interactions


def generate_demo(config: DemoConfig = DemoConfig()) -> Dataset:  # noqa: B008 - frozen, safe default
    """Generate the demo shop described by `config` (deterministic for a given config)."""
    config.validate()
    categories = vocab.CATEGORIES[:config.n_categories]
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(config.seed).spawn(6)]
    catalog = _make_catalog(config, categories, streams[0])
    items = _item_table(catalog, categories, random.Random(int(streams[1].integers(2**63))))
    tastes = _make_tastes(config, catalog, categories, streams[2])
    user_idx, item_idx = _sample_interactions(config, catalog, tastes, streams[3])
    ratings = _rate(catalog, tastes, user_idx, item_idx, streams[4])
    timestamps = _timestamps(config, tastes, user_idx, streams[4])
    order = np.lexsort((user_idx, timestamps))  # a chronological log
    user_idx, item_idx, ratings, timestamps = (a[order] for a in (user_idx, item_idx, ratings, timestamps))

    user_ids = _ids("U", config.n_users)
    item_ids = _ids("P", config.n_items)
    interactions = pd.DataFrame({"user_id": user_ids[user_idx], "item_id": item_ids[item_idx],
                                 "rating": ratings.astype("float64"), "timestamp": timestamps})
    review_rows = _pick_reviews(config, user_idx, ratings, streams[5])
    reviews = _review_table(review_rows, interactions, catalog, categories, tastes, user_idx, item_idx,
                            random.Random(int(streams[5].integers(2**63))))
    items.insert(0, "item_id", item_ids)
    report = LoadReport(source="demo", rows_read={"items": len(items), "users": config.n_users,
                                                  "interactions": len(interactions), "reviews": len(reviews)})
    report.notes.append(f"generated with seed {config.seed}: {config.n_categories} categories, "
                        f"{config.span_days} days from {config.start_date.isoformat()}")
    return Dataset.from_frames(
        "demo", interactions=interactions, items=items, users=pd.DataFrame({"user_id": user_ids}),
        reviews=reviews, report=report,
        ground_truth=_ground_truth(catalog, categories, tastes, user_ids, item_ids))


def _ids(prefix: str, n: int) -> np.ndarray:
    width = max(5, len(str(n)))
    return np.array([f"{prefix}{k:0{width}d}" for k in range(1, n + 1)], dtype=object)


# --- catalogue --------------------------------------------------------------------------------------

def _make_catalog(config: DemoConfig, categories, rng: np.random.Generator) -> _Catalog:
    n, n_cat = config.n_items, len(categories)
    n_sub = max(len(c.subcategories) for c in categories)
    share = rng.dirichlet(np.full(n_cat, 6.0))
    category = np.concatenate([np.arange(n_cat), rng.choice(n_cat, size=n - n_cat, p=share)])
    category = rng.permutation(category)

    sub_share = np.zeros((n_cat, n_sub))
    for c, cat in enumerate(categories):
        sub_share[c, :len(cat.subcategories)] = rng.dirichlet(np.full(len(cat.subcategories), 8.0))
    subcategory = _sample_rows(sub_share[category], rng)
    noun_count = np.array([[len(s.nouns) for s in c.subcategories] + [1] * (n_sub - len(c.subcategories))
                           for c in categories])
    noun = np.floor(rng.random(n) * noun_count[category, subcategory]).astype(np.int64)
    brand_count = np.array([len(c.brands) for c in categories])
    brand = np.floor(rng.random(n) ** 1.5 * brand_count[category]).astype(np.int64)  # a few big brands

    median = np.log([c.price_median for c in categories])
    sigma = np.array([c.price_sigma for c in categories])
    shelf_offset = rng.normal(0.0, 0.15, size=(n_cat, n_sub))
    log_price = median[category] + shelf_offset[category, subcategory] + sigma[category] * rng.normal(size=n)
    price = _shop_price(np.exp(log_price))
    band = _terciles_within(price, category)

    brand_quality = rng.normal(0.0, 0.5, size=(n_cat, int(brand_count.max())))
    latent = 0.9 + brand_quality[category, brand] + 0.35 * (band - 1) + rng.normal(0.0, 0.8, size=n)
    quality = 1.0 / (1.0 + np.exp(-latent))
    # Long tail: popularity is a Zipf curve over a ranking that favours good items a little.
    rank = np.empty(n, dtype=np.int64)
    rank[np.argsort(-(0.5 * latent + rng.gumbel(size=n)), kind="stable")] = np.arange(n)
    popularity = (rank + 1.0) ** -0.9
    return _Catalog(category=category, subcategory=subcategory, noun=noun, brand=brand, band=band,
                    price=price, quality=quality, popularity=popularity / popularity.max(), n_sub=n_sub)


def _shop_price(raw: np.ndarray) -> np.ndarray:
    """Round to shop prices: x.49 / x.99 below 20, whole units minus a cent above."""
    low = np.maximum(np.round(raw * 2.0) / 2.0, 1.0) - 0.01
    high = np.round(raw) - 0.01
    return np.round(np.where(raw < 20.0, low, high), 2)


def _terciles_within(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """0/1/2 for the lower/middle/upper third of `values` within each group."""
    order = np.lexsort((values, groups))
    sorted_groups = groups[order]
    starts = np.flatnonzero(np.r_[True, sorted_groups[1:] != sorted_groups[:-1]])
    sizes = np.diff(np.r_[starts, len(values)])
    rank = np.arange(len(values)) - np.repeat(starts, sizes)
    out = np.empty(len(values), dtype=np.int64)
    out[order] = np.minimum(rank * 3 // np.repeat(sizes, sizes), 2)
    return out


def _sample_rows(weights: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One column index per row of non-negative `weights` (n, k), drawn proportionally."""
    cum = np.cumsum(weights, axis=1)
    draw = rng.random(len(weights)) * cum[:, -1]
    return np.minimum((cum <= draw[:, None]).sum(axis=1), weights.shape[1] - 1)


@functools.cache
def _title_case(noun: str) -> str:
    special = {"usb-c": "USB-C", "gps": "GPS", "3d": "3D"}
    return " ".join(special.get(w, w[:1].upper() + w[1:]) for w in noun.split())


def _item_table(catalog: _Catalog, categories, rnd: random.Random) -> pd.DataFrame:
    """Titles, descriptions, categories, brands and attributes written from the vocabulary."""
    titles, descriptions, paths, labels, brands, attributes = [], [], [], [], [], []
    for k in range(len(catalog.price)):
        cat = categories[catalog.category[k]]
        sub = cat.subcategories[catalog.subcategory[k]]
        band = int(catalog.band[k])
        noun = sub.nouns[catalog.noun[k]]
        brand = cat.brands[catalog.brand[k]]
        attrs = {key: rnd.choice(values) for key, values in (sub.attributes or cat.attributes).items()}
        series = rnd.choice(vocab.BAND_SERIES[band])
        adj = rnd.choice(vocab.BAND_ADJECTIVES[band])
        value = attrs[rnd.choice(list(attrs))]
        code = f"{''.join(w[0] for w in brand.split() if w[0].isalpha()).upper()}-{rnd.randint(100, 999)}"
        if cat.name == "Books":
            first, second = vocab.BOOK_TITLE_WORDS
            title = f"The {rnd.choice(first)} {rnd.choice(second)}: A {_title_case(noun)} ({attrs['format']})"
        else:
            title = rnd.choice(vocab.TITLE_TEMPLATES).format(
                brand=brand, series=series, Noun=_title_case(noun), value=_title_case(value), code=code)
        fields = {"brand": brand, "series": series, "noun": noun, "adj": adj, "use": rnd.choice(cat.uses),
                  "subcategory": sub.name, "subcategory_lower": sub.name.lower()}
        sentences = [_capitalise(rnd.choice(vocab.INTROS).format(**fields)), rnd.choice(sub.features)]
        extras = [rnd.choice(cat.features), rnd.choice(vocab.BAND_SENTENCES[band]),
                  _attribute_sentence(attrs)]
        sentences += rnd.sample(extras, rnd.randint(0, 2))
        titles.append(title)
        descriptions.append(" ".join(sentences))
        paths.append([cat.name, sub.name])
        labels.append(cat.name)
        brands.append(brand)
        attributes.append(json.dumps(attrs))
    titles = pd.Series(titles, dtype="object")
    repeated = titles.duplicated(keep="first")  # a model number tells look-alike listings apart
    titles[repeated] = titles[repeated] + " No. " + (titles.index[repeated] + 1).astype(str)
    return pd.DataFrame({"title": titles, "description": descriptions, "categories": paths,
                         "category": labels, "brand": brands, "price": catalog.price,
                         "attributes": attributes})


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _attribute_sentence(attrs: dict[str, str]) -> str:
    if "material" in attrs and "color" in attrs:
        return f"Made from {attrs['material']} in {attrs['color']}."
    key, value = next(iter(attrs.items()))
    return f"{_capitalise(key.replace('_', ' '))}: {value}."


# --- shoppers -------------------------------------------------------------------------------------

def _make_tastes(config: DemoConfig, catalog: _Catalog, categories, rng: np.random.Generator) -> _Tastes:
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
    return _Tastes(favourites=favourites, weights=weights, preferred_sub=preferred_sub, band=band,
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
    n, cap = config.n_users, _max_per_user(config.n_items)
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


# --- interactions ---------------------------------------------------------------------------------

class _Sampler:
    """Draws items for users: taste-driven (department, shelf, price band, popularity) or exploring."""

    def __init__(self, config: DemoConfig, catalog: _Catalog, tastes: _Tastes) -> None:
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
        slot = _sample_rows(t.weights[users], rng)
        category = t.favourites[users, slot]
        shelf_mass = self.cell_mass[category].sum(axis=2)  # (n, n_sub)
        boost = 1.0 + (_SUBCATEGORY_BOOST - 1.0) * t.preferred_sub[users, category]
        shelf = _sample_rows(shelf_mass * boost, rng)
        band = _sample_rows(self.cell_mass[category, shelf] * _BAND_AFFINITY[t.band[users]], rng)
        cell = (category * self.cell_mass.shape[1] + shelf) * 3 + band
        lo = np.searchsorted(self.sorted_cell, cell, side="left")
        hi = np.searchsorted(self.sorted_cell, cell, side="right")
        base = np.where(lo > 0, self.cum_cell[np.maximum(lo - 1, 0)], 0.0)
        target = base + rng.random(len(users)) * (self.cum_cell[hi - 1] - base)
        pos = np.clip(np.searchsorted(self.cum_cell, target, side="right"), lo, hi - 1)
        return self.order[pos]


def _sample_interactions(config: DemoConfig, catalog: _Catalog, tastes: _Tastes,
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


def _rate(catalog: _Catalog, tastes: _Tastes, users: np.ndarray, items: np.ndarray,
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


def _timestamps(config: DemoConfig, tastes: _Tastes, users: np.ndarray,
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


# --- reviews --------------------------------------------------------------------------------------

def _pick_reviews(config: DemoConfig, users: np.ndarray, ratings: np.ndarray,
                  rng: np.random.Generator) -> np.ndarray:
    """Rows of the interaction log that get a review: keen reviewers and strong feelings first."""
    n = min(config.n_reviews, len(users))
    if n == 0:
        return np.empty(0, dtype=np.int64)
    reviewer = rng.lognormal(0.0, 1.0, size=config.n_users)
    feeling = np.array([0.0, 1.5, 1.2, 1.0, 0.85, 1.0])[ratings.astype(np.int64)]
    keys = rng.exponential(size=len(users)) / (reviewer[users] * feeling)  # weighted sample, no repeats
    return np.sort(np.argpartition(keys, n - 1)[:n]) if n < len(users) else np.arange(len(users))


def _review_table(rows: np.ndarray, interactions: pd.DataFrame, catalog: _Catalog, categories,
                  tastes: _Tastes, users: np.ndarray, items: np.ndarray, rnd: random.Random) -> pd.DataFrame:
    """Reviews of the chosen interaction rows, sharing their user, item, rating and timestamp."""
    ratings = interactions["rating"].to_numpy()
    titles, texts = [], []
    for row in rows:
        item = items[row]
        cat = categories[catalog.category[item]]
        noun = cat.subcategories[catalog.subcategory[item]].nouns[catalog.noun[item]]
        title, text = write_review(rnd, int(ratings[row]), cat.aspects, tastes.aspects[users[row]],
                                   noun=noun, brand=cat.brands[catalog.brand[item]])
        titles.append(title)
        texts.append(text)
    picked = interactions.iloc[rows].reset_index(drop=True)
    return picked.assign(title=titles, text=texts)[["user_id", "item_id", "rating", "title", "text",
                                                   "timestamp"]]


def write_review(rnd: random.Random, rating: int, relevant: tuple[str, ...], cared: list[str], *,
                 noun: str, brand: str) -> tuple[str, str]:
    """(title, text) of one review: 1-4 sentences on the item's aspects, favouring those the user
    cares about, praising them at 4-5 stars, criticising them at 1-2 and mixed at 3."""
    aspects = [a for a in cared if a in relevant and rnd.random() < 0.8]
    if not aspects and any(a in relevant for a in cared) and rnd.random() < 0.7:
        aspects = [rnd.choice([a for a in cared if a in relevant])]
    others = [a for a in relevant if a not in aspects]
    wanted = max(rnd.choices((1, 2, 3), weights=(0.35, 0.45, 0.2))[0], 2 if rating == 3 else 1)
    aspects += rnd.sample(others, max(0, min(wanted, 3) - len(aspects)))
    rnd.shuffle(aspects)
    mood = "positive" if rating >= 4 else "negative" if rating <= 2 else "mixed"
    fields = {"noun": noun, "brand": brand}
    if mood == "mixed":
        praised, criticised = aspects[0], aspects[1]
        if rnd.random() < 0.5:
            body = [f"{_capitalise(rnd.choice(vocab.ASPECT_SUBJECTS[praised]))} "
                    f"{rnd.choice(vocab.MILD_PRAISE)}, but {rnd.choice(vocab.ASPECT_SUBJECTS[criticised])} "
                    f"{rnd.choice(vocab.MILD_CRITICISM)}."]
        else:
            body = [_aspect_sentence(rnd, praised, 4, fields), _aspect_sentence(rnd, criticised, 2, fields)]
        body += [_aspect_sentence(rnd, a, rnd.choice((2, 4)), fields) for a in aspects[2:]]
    else:
        body = [_aspect_sentence(rnd, a, rating, fields) for a in aspects]
    opener = rnd.choice(vocab.OPENERS[mood]).format(**fields) if rnd.random() < 0.45 else None
    closer = rnd.choice(vocab.CLOSERS[mood]) if rnd.random() < 0.45 else None
    if rnd.random() < _CONTACT_RATE:
        closer = rnd.choice(vocab.CONTACT_LINES).format(email=_fake_email(rnd), phone=_fake_phone(rnd))
    sentences = ([opener] if opener and len(body) < 3 else []) + body
    if closer:
        sentences = sentences[:3] + [closer]
    title = rnd.choice(vocab.REVIEW_TITLES[rating]).format(noun=noun)
    return _capitalise(title), " ".join(sentences)


def _aspect_sentence(rnd: random.Random, aspect: str, rating: int, fields: dict[str, str]) -> str:
    """One sentence about `aspect` whose opinion words agree with `rating`."""
    positive = rating >= 4
    style = rnd.random()
    if style < 0.45:
        pool = vocab.ASPECT_PRAISE if positive else vocab.ASPECT_CRITICISM
        return rnd.choice(pool[aspect]).format(**fields)
    subject = rnd.choice(vocab.ASPECT_SUBJECTS[aspect])
    if style < 0.85:
        strong = rating in (1, 5)
        predicates = ((vocab.STRONG_PRAISE if strong else vocab.MILD_PRAISE) if positive
                      else (vocab.STRONG_CRITICISM if strong else vocab.MILD_CRITICISM))
        return f"{_capitalise(subject)} {rnd.choice(predicates)}."
    frames = vocab.PRAISE_FRAMES if positive else vocab.CRITICISM_FRAMES
    return rnd.choice(frames).format(subject=subject)


def _fake_email(rnd: random.Random) -> str:
    first, last = rnd.choice(vocab.FIRST_NAMES), rnd.choice(vocab.LAST_NAMES)
    return f"{first}.{last}{rnd.randint(1, 99)}@{rnd.choice(('example.com', 'example.org', 'example.net'))}"


def _fake_phone(rnd: random.Random) -> str:
    return f"555-01{rnd.randint(0, 99):02d}"  # the 555-01xx block is reserved for fiction


# --- ground truth ---------------------------------------------------------------------------------

def _ground_truth(catalog: _Catalog, categories, tastes: _Tastes, user_ids: np.ndarray,
                  item_ids: np.ndarray) -> dict:
    """The planted structure, JSON-ready: users' tastes and items' quality, popularity and band."""
    names = [c.name for c in categories]
    users = {
        str(uid): {"favourite_categories": [names[c] for c in favs if c >= 0],
                   "price_band": vocab.BAND_NAMES[band], "aspects": list(aspects)}
        for uid, favs, band, aspects in zip(user_ids, tastes.favourites.tolist(), tastes.band.tolist(),
                                            tastes.aspects, strict=True)
    }
    items = {
        str(iid): {"quality": round(q, 3), "popularity": round(p, 5), "price_band": vocab.BAND_NAMES[b]}
        for iid, q, p, b in zip(item_ids, catalog.quality.tolist(), catalog.popularity.tolist(),
                                catalog.band.tolist(), strict=True)
    }
    return {"users": users, "items": items}
