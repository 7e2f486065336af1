"""One seeded run of the demo generator: catalogue, shoppers, purchases and reviews, and the planted truth."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd

from llmrec.data import demo_vocabulary as vocab
from llmrec.data.dataset import Dataset, LoadReport
from llmrec.data.demo.catalogue import Catalog, item_table, make_catalog
from llmrec.data.demo.config import DemoConfig
from llmrec.data.demo.purchases import purchase_times, rate, sample_interactions
from llmrec.data.demo.reviews import pick_reviews, review_table
from llmrec.data.demo.shoppers import Tastes, make_tastes


def generate_demo(config: DemoConfig = DemoConfig()) -> Dataset:  # noqa: B008 - frozen, safe default
    """Generate the demo shop described by `config` (deterministic for a given config)."""
    config.validate()
    categories = vocab.CATEGORIES[:config.n_categories]
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(config.seed).spawn(6)]
    catalog = make_catalog(config, categories, streams[0])
    items = item_table(catalog, categories, random.Random(int(streams[1].integers(2**63))))
    tastes = make_tastes(config, catalog, categories, streams[2])
    user_idx, item_idx = sample_interactions(config, catalog, tastes, streams[3])
    ratings = rate(catalog, tastes, user_idx, item_idx, streams[4])
    timestamps = purchase_times(config, tastes, user_idx, streams[4])
    order = np.lexsort((user_idx, timestamps))  # a chronological log
    user_idx, item_idx, ratings, timestamps = (a[order] for a in (user_idx, item_idx, ratings, timestamps))

    user_ids = _ids("U", config.n_users)
    item_ids = _ids("P", config.n_items)
    interactions = pd.DataFrame({"user_id": user_ids[user_idx], "item_id": item_ids[item_idx],
                                 "rating": ratings.astype("float64"), "timestamp": timestamps})
    review_rows = pick_reviews(config, user_idx, ratings, streams[5])
    reviews = review_table(review_rows, interactions, catalog, categories, tastes, user_idx, item_idx,
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


def _ground_truth(catalog: Catalog, categories, tastes: Tastes, user_ids: np.ndarray,
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
