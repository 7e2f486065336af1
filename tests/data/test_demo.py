"""The demo store: sizes, determinism, consistency, and planted structure that can be read back."""

from __future__ import annotations

import json
import random
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from llmrec.data.demo import DemoConfig, generate_demo
from llmrec.data.demo.reviews import write_review
from llmrec.data.demo_vocabulary import (
    ASPECT_CRITICISM,
    ASPECT_PRAISE,
    ASPECT_SUBJECTS,
    CATEGORIES,
    CLOSERS,
    CONTACT_LINES,
    OPENERS,
)
from llmrec.errors import ConfigError
from llmrec.portraits.aspects import ASPECTS, extract_aspects

SMALL = DemoConfig(n_users=200, n_items=150, n_interactions=3000, n_reviews=600, seed=7)


@pytest.fixture(scope="module")
def small():
    return generate_demo(SMALL)


@pytest.fixture(scope="module")
def default():
    return generate_demo()


def _within(actual: int, target: int, tolerance: float = 0.10) -> bool:
    return abs(actual - target) <= tolerance * target


def test_default_sizes_match_the_targets(default):
    config = DemoConfig()
    assert default.name == "demo"
    assert _within(default.n_users, config.n_users)
    assert _within(default.n_items, config.n_items)
    assert _within(len(default.interactions), config.n_interactions)
    assert _within(len(default.reviews), config.n_reviews)
    assert default.items["category"].nunique() == config.n_categories


def test_small_config_is_exact(small):
    # Generation speed is measured by `python -m llmrec.bench --only demo`, not asserted here.
    assert small.n_users == 200 and small.n_items == 150
    assert len(small.interactions) == 3000 and len(small.reviews) == 600


def test_same_config_gives_identical_frames_and_other_seed_differs(small):
    again = generate_demo(SMALL)
    for table in ("items", "users", "interactions", "reviews"):
        pd.testing.assert_frame_equal(getattr(small, table), getattr(again, table))
    assert small.ground_truth == again.ground_truth
    assert small.fingerprint() == again.fingerprint()
    other = generate_demo(DemoConfig(n_users=200, n_items=150, n_interactions=3000, n_reviews=600, seed=8))
    assert not small.interactions.equals(other.interactions)
    assert not small.items["title"].equals(other.items["title"])


def test_ids_are_zero_padded_to_the_size(small):
    assert small.users["user_id"].iloc[0] == "U00001"
    assert small.items["item_id"].iloc[-1] == "P00150"
    wide = generate_demo(DemoConfig(n_users=20, n_items=100_000, n_interactions=100, n_reviews=10))
    assert wide.items["item_id"].iloc[-1] == "P100000"
    assert wide.items["item_id"].iloc[0] == "P000001"


def test_tables_are_canonical_and_consistent(small):
    items, interactions = small.items, small.interactions
    assert str(interactions["timestamp"].dtype) == "int64"
    assert str(interactions["rating"].dtype) == "float64"
    assert set(interactions["item_id"]) <= set(items["item_id"])
    assert set(interactions["user_id"]) == set(small.users["user_id"])
    assert items["item_id"].is_unique
    assert (items["price"] > 0).all()
    for row in items.itertuples():
        assert row.categories[0] == row.category and len(row.categories) == 2
        assert isinstance(json.loads(row.attributes), dict) and json.loads(row.attributes)
        assert row.brand in {b for c in CATEGORIES for b in c.brands}


def test_timestamps_fall_in_the_configured_span():
    config = DemoConfig(n_users=50, n_items=100, n_interactions=600, n_reviews=50, span_days=30)
    stamps = generate_demo(config).interactions["timestamp"]
    start = pd.Timestamp(config.start_date, tz="UTC").timestamp()
    assert stamps.min() >= start
    assert stamps.max() < start + 30 * 86_400


def test_no_duplicate_pairs_and_every_user_has_five(default):
    interactions = default.interactions
    assert not interactions.duplicated(["user_id", "item_id"]).any()
    counts = interactions["user_id"].value_counts()
    assert counts.min() >= 5
    assert len(counts) == default.n_users
    # Heavy-tailed activity: most users buy little, a few buy a lot.
    assert counts.median() < counts.mean() < counts.max() / 5


def test_timestamps_strictly_increase_per_user(default):
    ordered = default.interactions.sort_values(["user_id", "timestamp"])
    gaps = ordered.groupby("user_id")["timestamp"].diff().dropna()
    assert (gaps > 0).all()


def test_ratings_are_whole_stars_skewed_positive(default):
    ratings = default.interactions["rating"]
    assert set(ratings.unique()) <= {1.0, 2.0, 3.0, 4.0, 5.0}
    share = ratings.value_counts(normalize=True)
    assert share[5.0] > share[3.0] > share[2.0]
    assert share.get(1.0, 0) > 0.01


def test_reviews_belong_to_interactions(default):
    merged = default.reviews.merge(default.interactions, on=["user_id", "item_id"], suffixes=("", "_i"))
    assert len(merged) == len(default.reviews)
    assert (merged["rating"] == merged["rating_i"]).all()
    assert (merged["timestamp"] == merged["timestamp_i"]).all()
    assert (default.reviews["text"].str.len() > 0).all() and (default.reviews["title"].str.len() > 0).all()


def test_review_sentiment_agrees_with_rating(default):
    agree = Counter()
    total = Counter()
    for text, rating in zip(default.reviews["text"], default.reviews["rating"], strict=True):
        polarity = [m.polarity for m in extract_aspects(text, rating)]
        assert polarity, f"no aspect found in: {text}"
        total[rating] += 1
        if rating >= 4:
            agree[rating] += sum(polarity) > 0
        elif rating <= 2:
            agree[rating] += sum(polarity) < 0
        else:
            agree[rating] += (max(polarity) > 0) and (min(polarity) < 0)
    for rating in total:
        assert agree[rating] / total[rating] > 0.9, rating


def test_reviews_emphasise_the_aspects_users_care_about(default):
    truth = default.ground_truth["users"]
    mentioned = Counter()
    cared = Counter()
    for user, text, rating in default.reviews[["user_id", "text", "rating"]].itertuples(index=False):
        aspects = {m.aspect for m in extract_aspects(text, rating)}
        mentioned[user] += len(aspects)
        cared[user] += len(aspects & set(truth[user]["aspects"]))
    # A user's cared aspects are a small share of the vocabulary but a large share of their mentions.
    share = sum(cared.values()) / sum(mentioned.values())
    assert share > 0.4


def test_some_reviews_leak_contact_details_but_rarely(default):
    leaks = default.reviews["text"].str.contains(r"@example\.|555-01\d\d", regex=True).mean()
    assert 0.002 < leaks < 0.03


def test_planted_favourite_category_is_the_most_bought(default):
    truth = default.ground_truth["users"]
    bought = default.interactions.merge(default.items[["item_id", "category"]], on="item_id")
    counts = bought.groupby(["user_id", "category"]).size().unstack(fill_value=0)
    favourite = pd.Series({u: t["favourite_categories"][0] for u, t in truth.items()})
    top = counts.to_numpy()[np.arange(len(counts)), counts.columns.get_indexer(favourite[counts.index])]
    assert (top == counts.max(axis=1).to_numpy()).mean() >= 0.8


def test_planted_price_band_shows_in_purchases(default):
    truth = default.ground_truth
    bands = default.interactions["item_id"].map(lambda i: truth["items"][i]["price_band"])
    wanted = default.interactions["user_id"].map(lambda u: truth["users"][u]["price_band"])
    assert (bands == wanted).mean() > 0.5  # a third by chance


def test_titles_vary_and_descriptions_have_two_to_four_sentences(default):
    items = default.items
    assert items["title"].nunique() / len(items) > 0.9
    assert not items["title"].str.match(r"^Product \d+$").any()
    sentences = items["description"].str.count(r"[.!?](\s|$)")
    assert sentences.between(2, 4).mean() > 0.95


def test_item_text_names_its_shelf(default):
    nouns = {s.name: s.nouns for c in CATEGORIES for s in c.subcategories}
    text = (default.items["title"] + " " + default.items["description"]).str.lower()
    shelves = default.items["categories"].map(lambda path: path[1])
    hits = [any(n in t for n in nouns[s]) for t, s in zip(text, shelves, strict=True)]
    assert np.mean(hits) == 1.0


def test_premium_items_cost_more_than_budget_items_within_a_category(default):
    bands = default.items["item_id"].map(lambda i: default.ground_truth["items"][i]["price_band"])
    medians = default.items.assign(band=bands).groupby(["category", "band"])["price"].median().unstack()
    assert (medians["premium"] > medians["mid"]).all()
    assert (medians["mid"] > medians["budget"]).all()
    per_category = default.items.assign(band=bands).groupby(["category", "band"])["price"]
    assert (per_category.max().unstack()["budget"] <= per_category.min().unstack()["premium"]).all()


def test_ground_truth_is_compact_json(small):
    truth = json.loads(json.dumps(small.ground_truth))
    assert set(truth) == {"users", "items"}
    assert set(truth["users"]) == set(small.users["user_id"])
    assert set(truth["items"]) == set(small.items["item_id"])
    user = truth["users"]["U00001"]
    assert 1 <= len(user["favourite_categories"]) <= 3 and user["price_band"] in {"budget", "mid", "premium"}
    assert 1 <= len(user["aspects"]) <= 3 and set(user["aspects"]) <= set(ASPECTS)
    item = truth["items"]["P00001"]
    assert 0 < item["quality"] < 1 and 0 < item["popularity"] <= 1
    assert max(i["popularity"] for i in truth["items"].values()) == 1.0


def test_dataset_round_trips_through_save_and_load(small, tmp_path):
    small.save(tmp_path)
    loaded = type(small).load(tmp_path)
    pd.testing.assert_frame_equal(loaded.interactions, small.interactions)
    assert loaded.ground_truth == small.ground_truth


@pytest.mark.parametrize("change", [
    {"n_categories": 0}, {"n_categories": len(CATEGORIES) + 1}, {"n_users": 0}, {"n_items": 5},
    {"n_interactions": 10}, {"n_reviews": -1}, {"span_days": 0}, {"exploration": 1.5},
    {"n_users": 10, "n_items": 30, "n_interactions": 10_000},
])
def test_invalid_config_raises_config_error(change):
    fields = {"n_users": 20, "n_items": 50, "n_interactions": 200, "n_reviews": 10} | change
    with pytest.raises(ConfigError):
        generate_demo(DemoConfig(**fields))


def test_every_category_can_be_generated():
    dataset = generate_demo(DemoConfig(n_users=100, n_items=400, n_interactions=1000, n_reviews=300,
                                       n_categories=len(CATEGORIES)))
    assert dataset.items["category"].nunique() == len(CATEGORIES)
    assert len(CATEGORIES) >= 12


# --- the review vocabulary against the aspect lexicon -----------------------------------------------

def test_product_words_name_no_aspect():
    for category in CATEGORIES:
        for word in category.brands + tuple(n for s in category.subcategories for n in s.nouns):
            assert extract_aspects(f"this {word} is here", None) == [], word
        assert set(category.aspects) <= set(ASPECTS)


def test_filler_sentences_name_no_aspect():
    fields = {"noun": "kettle", "brand": "Brand", "email": "a.b@example.com", "phone": "555-0100"}
    for pool in (*OPENERS.values(), *CLOSERS.values(), CONTACT_LINES):
        for sentence in pool:
            assert extract_aspects(sentence.format(**fields), 3) == [], sentence


@pytest.mark.parametrize("aspect", sorted(ASPECTS))
def test_aspect_phrases_name_one_aspect_with_the_intended_polarity(aspect):
    for sentence in ASPECT_PRAISE[aspect]:
        assert extract_aspects(sentence.format(noun="kettle"), 3) == [_mention(aspect, 1)], sentence
    for sentence in ASPECT_CRITICISM[aspect]:
        assert extract_aspects(sentence.format(noun="kettle"), 3) == [_mention(aspect, -1)], sentence
    for subject in ASPECT_SUBJECTS[aspect]:
        assert [m.aspect for m in extract_aspects(subject, None)] == [aspect], subject


def _mention(aspect, polarity):
    return extract_aspects(ASPECT_SUBJECTS[aspect][0] + (" is great" if polarity > 0 else " is bad"))[0]


def test_written_reviews_mention_only_relevant_aspects():
    rnd = random.Random(0)
    relevant = CATEGORIES[0].aspects
    for rating in (1, 2, 3, 4, 5):
        for _ in range(200):
            title, text = write_review(rnd, rating, relevant, ["battery", "taste"], noun="power bank",
                                       brand="Voltari")
            found = extract_aspects(text, rating)
            assert {m.aspect for m in found} <= set(relevant), text
            assert "taste" not in {m.aspect for m in found}
            assert 1 <= len([s for s in text.split(". ") if s]) <= 4 + text.count(", but"), text
            assert title
