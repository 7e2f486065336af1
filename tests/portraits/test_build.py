"""Portrait tables from a tiny hand-built dataset with known answers."""

import numpy as np
import pandas as pd

from llmrec.data.dataset import Dataset
from llmrec.portraits.build import build_portraits, price_bands
from llmrec.portraits.clusters import item_clusters


def _dataset() -> Dataset:
    items = pd.DataFrame({
        "item_id": ["a1", "a2", "a3", "b1", "b2", "b3"],
        "title": ["Acme red kettle", "Acme steel kettle", "Brio glass kettle",
                  "trail shoe", "road shoe", "hiking shoe"],
        "category": ["Kitchen"] * 3 + ["Sports"] * 3,
        "brand": ["Acme", "Acme", "Brio", "Run", "Run", "Peak"],
        "price": [10.0, 20.0, 30.0, 100.0, 50.0, 75.0],
    })
    interactions = pd.DataFrame({
        "user_id": ["u1", "u1", "u1", "u2", "u2", "u2"],
        "item_id": ["a1", "a2", "b2", "b1", "b3", "a3"],
        "rating": [5, 4, 3, 2, 4, 5],
        "timestamp": [1, 2, 3, 1, 2, 3],
    })
    reviews = pd.DataFrame({
        "user_id": ["u1", "u2"], "item_id": ["a1", "b1"], "rating": [5, 2],
        "title": ["", ""], "text": ["The design is lovely and the price is great.", "Poor quality."],
        "timestamp": [1, 1],
    })
    return Dataset.from_frames("tiny", interactions=interactions, items=items, reviews=reviews)


def test_price_bands_are_tertiles_within_category():
    dataset = _dataset()
    bands = price_bands(dataset.items)
    # Kitchen prices 10 < 20 < 30 and Sports 50 < 75 < 100: the band is the rank within the category
    assert list(bands) == ["budget", "mid", "premium", "premium", "budget", "mid"]


def test_portraits_known_answers():
    dataset = _dataset()
    emb = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    tables = build_portraits(dataset, emb)
    users = tables["users"].set_index("user_id")
    assert users.loc["u1", "top_category"] == "Kitchen"  # 2 of 3 purchases
    assert users.loc["u2", "top_category"] == "Sports"
    assert users.loc["u1", "top_brands"][0] == "Acme"
    # u1 bought budget (a1), mid (a2), budget (b2): budget is the usual band
    assert users.loc["u1", "price_band"] == "budget"
    assert users.loc["u1", "mean_rating"] == 4.0  # (5 + 4 + 3) / 3
    assert users.loc["u1", "praised"] == ["design", "price"]
    assert users.loc["u2", "criticised"] == ["quality"]
    assert users.loc["u1", "similar_users"] == ["u2"]
    aspects = tables["aspects"].set_index(["user_id", "aspect"])
    assert aspects.loc[("u2", "quality"), "criticisms"] == 1


def test_portraits_round_trip_through_parquet(tmp_path):
    users = build_portraits(_dataset(), np.eye(2, dtype=np.float32))["users"]
    users.to_parquet(tmp_path / "users.parquet", index=False)
    back = pd.read_parquet(tmp_path / "users.parquet").set_index("user_id")
    assert list(back.loc["u1", "top_categories"]) == ["Kitchen", "Sports"]


def test_item_clusters_separate_planted_groups():
    dataset = _dataset()
    rng = np.random.default_rng(0)
    centres = np.eye(8, dtype=np.float32)[[0, 0, 0, 5, 5, 5]]
    emb = centres + 0.01 * rng.standard_normal(centres.shape).astype(np.float32)
    clusters = item_clusters(emb, dataset.items, seed=0, n_clusters=2)
    labels = clusters["cluster"].to_numpy()
    assert len(set(labels[:3])) == 1 and len(set(labels[3:])) == 1 and labels[0] != labels[3]
    kitchen_label = clusters["cluster_label"].iloc[0]
    assert kitchen_label.startswith("Kitchen: ") and "kettle" in kitchen_label
    assert "acme" not in kitchen_label and "brio" not in kitchen_label  # brands never label a cluster


def test_similar_users_best_first_and_the_same_for_any_block_size():
    from llmrec.portraits.build import _similar_users

    angles = np.radians([0, 10, 30, 60, 90, 0])        # u5 duplicates u0's profile exactly
    emb = np.column_stack([np.cos(angles), np.sin(angles)]).astype(np.float32)
    ids = np.array([f"u{i}" for i in range(6)])
    whole = _similar_users(emb, ids, k=3)
    assert whole[0] == ["u5", "u1", "u2"]              # cosines 1.0, 0.98, 0.87
    assert whole[4] == ["u3", "u2", "u1"]              # 90 degrees: 60, 30, 10 nearest first
    assert set(whole[1][:2]) == {"u0", "u5"}           # an exact tie: both come first
    assert _similar_users(emb, ids, k=3, block=2) == whole
