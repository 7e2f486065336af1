"""A tiny hand-made shop: 8 items in 3 categories, 4 shoppers, reviews that praise battery and quality."""

import json
import zlib

import numpy as np
import pandas as pd
import pytest

from llmrec.data.dataset import Dataset
from llmrec.data.ids import IdMap, interaction_matrix
from llmrec.models.base import Explanation, RelatedItem
from llmrec.reasons.context import EvidenceContext

ITEMS = [  # item_id, title, category, shelf, brand, price
    ("P1", "Soniq Wireless Headphones X1", "Electronics", "Audio", "Soniq", 99.0),
    ("P2", "Soniq Bluetooth Speaker Mini", "Electronics", "Audio", "Soniq", 49.0),
    ("P3", "Voltari Wall Adapter", "Electronics", "Portable Power", "Voltari", 19.0),
    ("P4", "Voltari Power Bank Max", "Electronics", "Portable Power", "Voltari", 39.0),
    ("P5", "Pawsome Co Wet Cat Food", "Pet Supplies", "Pet Food", "Pawsome Co", 12.0),
    ("P6", "Whiskerwood Dog Harness", "Pet Supplies", "Dog Supplies", "Whiskerwood", 25.0),
    ("P7", "Whiskerwood Cat Tree Deluxe", "Pet Supplies", "Cat Supplies", "Whiskerwood", 89.0),
    ("P8", "Inkwright Notebook Classic", "Office", "Paper", "Inkwright", 9.0),
]
HISTORY = {"U1": ["P2", "P3", "P5"], "U2": ["P1", "P2", "P4"], "U3": ["P1", "P3", "P6"],
           "U4": ["P5", "P6", "P7", "P8"]}
REVIEWS = [  # user, item, rating, text
    ("U1", "P2", 5.0, "The battery life is great and the sound is excellent."),
    ("U1", "P5", 2.0, "The taste is poor. My cat hated it."),
    ("U2", "P1", 5.0, "Battery is excellent. Great quality too."),
    ("U3", "P1", 4.0, "Good battery, solid build quality."),
    ("U4", "P7", 5.0, "Sturdy and well made, great quality."),
    ("U4", "P8", 4.0, "Nice design and a good price."),
]


def title_vectors(titles, dim=64):
    out = np.zeros((len(titles), dim), dtype=np.float32)
    for row, title in enumerate(titles):
        for word in title.lower().split():
            out[row, zlib.crc32(word.encode()) % dim] += 1
    return out / np.linalg.norm(out, axis=1, keepdims=True)


@pytest.fixture(scope="session")
def shop():
    items = pd.DataFrame({
        "item_id": [r[0] for r in ITEMS], "title": [r[1] for r in ITEMS],
        "description": ["" for _ in ITEMS], "categories": [[r[2], r[3]] for r in ITEMS],
        "category": [r[2] for r in ITEMS], "brand": [r[4] for r in ITEMS], "price": [r[5] for r in ITEMS],
        "attributes": [json.dumps({"color": "black", "warranty": "2 years"})] + ["{}"] * (len(ITEMS) - 1)})
    rows = [(u, i, 5.0, t) for u, items_ in HISTORY.items() for t, i in enumerate(items_)]
    interactions = pd.DataFrame(rows, columns=["user_id", "item_id", "rating", "timestamp"])
    reviews = pd.DataFrame([(u, i, r, "", text, 0) for u, i, r, text in REVIEWS],
                           columns=["user_id", "item_id", "rating", "title", "text", "timestamp"])
    return Dataset.from_frames("tiny", interactions=interactions, items=items, reviews=reviews)


@pytest.fixture(scope="session")
def ctx(shop):
    ids = IdMap.from_dataset(shop)
    train = interaction_matrix(shop.interactions, ids)
    rng = np.random.default_rng(0)
    return EvidenceContext.from_arrays(
        shop.items, shop.reviews, ids, train, title_vectors(list(shop.items["title"])),
        item_factors=rng.normal(size=(ids.n_items, 4)), user_factors=None,
        explain=lambda u, i: Explanation("fake", u, i, 0.65,
                                         {"bias": 0.25, "collaborative": 0.5, "text": -0.1},
                                         related_items=(RelatedItem(ids.item_index("P3"), 0.4),)))


def idx(ctx, user_id, item_id=None):
    u = ctx.ids.user_index(user_id)
    return (u,) if item_id is None else (u, ctx.ids.item_index(item_id))


def every_evidence(ctx):
    """The evidence of every request a shop can make: each portrait, each reason and description."""
    from llmrec.reasons.evidence import build_evidence, description_evidence, portrait_evidence

    out = []
    for u in range(ctx.ids.n_users):
        out.append(portrait_evidence(ctx, u))
        for i in range(ctx.ids.n_items):
            out += [build_evidence(ctx, u, i), description_evidence(ctx, u, i)]
    return out


# A shop as real catalogues deliver it: no categories, brands or prices; titles with periods, a
# trailing sentence, markup remnants and repeated phrases; no reviews.
BARE_ITEMS = [
    ("S1", "eSUN Bronze filament 1.75mm 0.5kg(1.1lb) Spool for Makerbot, Reprap. Industrial & Scientific "
           "3D Printing Filament. eSUN."),
    ("S2", "FlashForge HP-00057 Platform Sticker for Creator Pro, 6 Pcs Kit (Pack of 6). Industrial & "
           "Scientific 3D Printer Parts."),
    ("S3", "<b>Hatchbox</b> PLA filament 1.75 mm, 1 kg [Black] **new** filament spool"),
    ("S4", "St. Clair Lab Beaker No. 7, 250 ml. Borosilicate glass beaker"),
    ("S5", "Digital Caliper 0-6 in. Stainless Steel | Extra-Large LCD Screen"),
    ("S6", "Nitrile Gloves, Nitrile Gloves, Nitrile Gloves, Medium (Pack of 100)"),
    ("S7", "S7"),  # no title: the importer puts the id in its place (24 Scientific items)
    ("S8", "Uranium Ore"),  # a title of two words
]
BARE_HISTORY = {"B1": ["S1", "S3", "S5"], "B2": ["S2", "S4"], "B3": ["S1", "S2", "S6"], "B4": ["S6"],
                "B5": ["S7"], "B6": ["S7", "S8"]}


@pytest.fixture(scope="session")
def bare_shop():
    items = pd.DataFrame({"item_id": [r[0] for r in BARE_ITEMS], "title": [r[1] for r in BARE_ITEMS]})
    rows = [(u, i, t) for u, items_ in BARE_HISTORY.items() for t, i in enumerate(items_)]
    interactions = pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp"])
    return Dataset.from_frames("bare", interactions=interactions, items=items)


@pytest.fixture(scope="session")
def bare_ctx(bare_shop):
    ids = IdMap.from_dataset(bare_shop)
    train = interaction_matrix(bare_shop.interactions, ids)
    return EvidenceContext.from_arrays(
        bare_shop.items, bare_shop.reviews, ids, train, title_vectors(list(bare_shop.items["title"])),
        explain=lambda u, i: Explanation("sasrec", u, i, 0.9, {"sequence": 0.9},
                                         related_items=(RelatedItem(ids.item_index("S6"), 0.8),)))
