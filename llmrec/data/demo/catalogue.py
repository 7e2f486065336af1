"""The demo catalogue: products with a department, shelf, brand, price band, quality and popularity.

Titles, descriptions and attributes are written from the vocabulary so that look-alike products
still read as distinct listings.
"""

from __future__ import annotations

import functools
import json
import random
from dataclasses import dataclass

import numpy as np
import pandas as pd

from llmrec.data import demo_vocabulary as vocab
from llmrec.data.demo.config import DemoConfig


@dataclass
class Catalog:
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


def make_catalog(config: DemoConfig, categories, rng: np.random.Generator) -> Catalog:
    n, n_cat = config.n_items, len(categories)
    n_sub = max(len(c.subcategories) for c in categories)
    share = rng.dirichlet(np.full(n_cat, 6.0))
    category = np.concatenate([np.arange(n_cat), rng.choice(n_cat, size=n - n_cat, p=share)])
    category = rng.permutation(category)

    sub_share = np.zeros((n_cat, n_sub))
    for c, cat in enumerate(categories):
        sub_share[c, :len(cat.subcategories)] = rng.dirichlet(np.full(len(cat.subcategories), 8.0))
    subcategory = sample_rows(sub_share[category], rng)
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
    return Catalog(category=category, subcategory=subcategory, noun=noun, brand=brand, band=band,
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


def sample_rows(weights: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One column index per row of non-negative `weights` (n, k), drawn proportionally."""
    cum = np.cumsum(weights, axis=1)
    draw = rng.random(len(weights)) * cum[:, -1]
    return np.minimum((cum <= draw[:, None]).sum(axis=1), weights.shape[1] - 1)


@functools.cache
def _title_case(noun: str) -> str:
    special = {"usb-c": "USB-C", "gps": "GPS", "3d": "3D"}
    return " ".join(special.get(w, w[:1].upper() + w[1:]) for w in noun.split())


def item_table(catalog: Catalog, categories, rnd: random.Random) -> pd.DataFrame:
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
        sentences = [capitalise(rnd.choice(vocab.INTROS).format(**fields)), rnd.choice(sub.features)]
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


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _attribute_sentence(attrs: dict[str, str]) -> str:
    if "material" in attrs and "color" in attrs:
        return f"Made from {attrs['material']} in {attrs['color']}."
    key, value = next(iter(attrs.items()))
    return f"{capitalise(key.replace('_', ' '))}: {value}."
