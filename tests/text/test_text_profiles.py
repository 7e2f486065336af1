"""Item review means and user text profiles on tiny hand-computed arrays."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from llmrec.data.ids import IdMap
from llmrec.errors import ConfigError, UnknownIdError
from llmrec.text.profiles import item_review_embeddings, user_profiles

IDS = IdMap(users=pd.Index(["u1", "u2", "u3"], name="user_id"),
            items=pd.Index(["a", "b", "c"], name="item_id"))
ITEM_EMB = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]], dtype=np.float32)


def test_item_review_embeddings_mean_normalised_and_mask():
    reviews = pd.DataFrame({"user_id": ["u1", "u2", "u1"], "item_id": ["a", "a", "c"]})
    review_emb = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 2.0]])
    emb, has = item_review_embeddings(review_emb, reviews, IDS)
    s = 1 / np.sqrt(2)
    np.testing.assert_allclose(emb, [[s, s], [0, 0], [0, 1]], atol=1e-6)  # a: mean (0.5,0.5); b: none
    assert has.tolist() == [True, False, True]
    assert emb.dtype == np.float32


def test_history_profile_weights_recent_items_more():
    interactions = pd.DataFrame({"user_id": ["u1", "u1", "u2"], "item_id": ["b", "a", "c"],
                                 "timestamp": [5, 1, 0]})
    profiles = user_profiles(ITEM_EMB, None, interactions, None, IDS, half_life=1.0)
    # u1: a is older (weight 0.5), b is latest (weight 1) -> (0.5, 1) normalised
    np.testing.assert_allclose(profiles[0], np.array([0.5, 1.0]) / np.sqrt(1.25), atol=1e-6)
    np.testing.assert_allclose(profiles[1], [-1.0, 0.0], atol=1e-6)
    np.testing.assert_array_equal(profiles[2], [0.0, 0.0])  # no history, no reviews


def test_reviews_blend_with_history():
    interactions = pd.DataFrame({"user_id": ["u1", "u2"], "item_id": ["a", "a"], "timestamp": [0, 0]})
    reviews = pd.DataFrame({"user_id": ["u1", "u3"], "item_id": ["a", "b"]})
    review_emb = np.array([[0.0, 3.0], [0.0, -1.0]])
    profiles = user_profiles(ITEM_EMB, review_emb, interactions, reviews, IDS, review_weight=0.25)
    np.testing.assert_allclose(profiles[0], np.array([0.75, 0.25]) / np.hypot(0.75, 0.25), atol=1e-6)
    np.testing.assert_allclose(profiles[1], [1.0, 0.0], atol=1e-6)   # history only
    np.testing.assert_allclose(profiles[2], [0.0, -1.0], atol=1e-6)  # reviews only
    np.testing.assert_allclose(np.linalg.norm(profiles, axis=1), 1.0, atol=1e-6)


def test_invalid_inputs():
    interactions = pd.DataFrame({"user_id": ["u1"], "item_id": ["zzz"], "timestamp": [0]})
    with pytest.raises(UnknownIdError, match="item ids missing.*zzz"):
        user_profiles(ITEM_EMB, None, interactions, None, IDS)
    with pytest.raises(ConfigError, match="review_weight"):
        user_profiles(ITEM_EMB, None, interactions, None, IDS, review_weight=1.5)
