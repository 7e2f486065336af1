"""A small CSV-imported workspace whose ids and texts are full of Markdown, HTML and URL payloads.

Every payload points at evil.test: a browser that renders any of them as an image, a link or a
script would request (or link to) that host, which the browser tests watch for.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

EVIL = "evil.test"
IMAGE = "![px](http://evil.test/p.png)"
LINK = "[x](http://evil.test)"
BARE = "http://evil.test/a"
WWW = "www.evil.test"
HTML = "<img src=http://evil.test/i.png>"
SCRIPT = "<script>fetch('http://evil.test/s')</script>"
JS_LINK = "[go](javascript:fetch('http://evil.test/j'))"
PAYLOADS = (IMAGE, LINK, BARE, WWW, HTML, SCRIPT, JS_LINK)
# Shown as text whatever the data cleaner does with HTML: what the tests look for on screen.
VISIBLE = (IMAGE, BARE)
TOP_USER = f"{IMAGE} {BARE}"  # the most active user: the default on every user page
TOP_ITEM = f"Kettle {IMAGE} {LINK}"  # the most popular item: the explorer's default
TOP_CATEGORY = f"{IMAGE} {WWW}"


def _id(prefix: str, number: int, every: int) -> str:
    """'I007', and every `every`-th id with a payload appended."""
    plain = f"{prefix}{number:03d}"
    return plain if number % every else f"{plain} {PAYLOADS[number % len(PAYLOADS)]}"


def write_payload_tables(folder: Path, seed: int = 7) -> dict[str, str]:
    """Interactions, items and reviews CSVs; returns the csv source options for BuildConfig."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    n_items = 40
    titles = [TOP_ITEM] + [f"Item {i} {PAYLOADS[i % len(PAYLOADS)]}" for i in range(1, n_items)]
    # every 4th item (the top user's pool) in TOP_CATEGORY, so it is that user's top category
    categories = [TOP_CATEGORY if i % 4 == 0 else f"Cat {i % 4} {PAYLOADS[(i + 2) % len(PAYLOADS)]}"
                  for i in range(n_items)]
    items = pd.DataFrame({
        "item_id": [_id("I", i, 3) for i in range(n_items)],
        "title": titles,
        "description": [f"Describes {t}. More at {BARE} or {WWW}." for t in titles],
        "category": categories,
        "brand": [f"Brand {PAYLOADS[i % len(PAYLOADS)]}" for i in range(n_items)],
        "price": np.round(rng.uniform(5, 200, n_items), 2),
    })
    users = [TOP_USER] + [_id("U", u, 4) for u in range(1, 60)]
    rows = []
    for u, user in enumerate(users):
        # the top user buys the most (10 items), all in TOP_CATEGORY
        pool = [i for i in range(n_items) if i % 4 == 0] if u == 0 else list(range(n_items))
        chosen = rng.choice(pool, size=len(pool) if u == 0 else 8, replace=False)
        if u == 0:
            chosen = np.concatenate([[0], chosen[chosen != 0]])
        elif 0 not in chosen:
            chosen[0] = 0  # item 0 is the most popular
        for t, i in enumerate(chosen):
            rows.append((user, items["item_id"][int(i)], int(rng.integers(1, 6)), 1_700_000_000 + 86_400 * t))
    interactions = pd.DataFrame(rows, columns=["user_id", "item_id", "rating", "timestamp"])
    reviews = interactions.iloc[::2].copy()
    reviews["text"] = [f"Great {PAYLOADS[j % len(PAYLOADS)]} see {BARE}, mail me a@{EVIL}."
                       for j in range(len(reviews))]
    paths = {"interactions_path": folder / "interactions.csv", "items_path": folder / "items.csv",
             "reviews_path": folder / "reviews.csv"}
    interactions.to_csv(paths["interactions_path"], index=False)
    items.to_csv(paths["items_path"], index=False)
    reviews.to_csv(paths["reviews_path"], index=False)
    return {name: str(path) for name, path in paths.items()}
