"""Score-contribution facts come from an Explanation's parts only, never from its row indices."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from llmrec.data.ids import IdMap
from llmrec.models import BiasBaseline, Explanation
from llmrec.reasons.context import EvidenceContext
from llmrec.reasons.evidence import build_evidence

N_USERS, N_ITEMS = 1500, 1500
USER, ITEM = 1402, 1405  # indices far larger than any score part


@pytest.fixture(scope="module")
def big_shop():
    """1,500 users x 1,500 items with ratings; user 1402 rated items 0..9 and not item 1405."""
    rng = np.random.default_rng(0)
    rows = np.repeat(np.arange(N_USERS), 10)
    cols = (rows + np.tile(np.arange(10), N_USERS) * 7) % N_ITEMS
    cols[rows == USER] = np.arange(10)
    ratings = rng.integers(1, 6, len(rows)).astype(np.float32)
    ratings[(cols == ITEM)] = 5.0                      # a well-liked item: a positive item bias
    train = sp.csr_matrix((ratings, (rows, cols)), shape=(N_USERS, N_ITEMS))
    ids = IdMap(users=pd.Index([f"u{i}" for i in range(N_USERS)], name="user_id"),
                items=pd.Index([f"p{i}" for i in range(N_ITEMS)], name="item_id"))
    items = pd.DataFrame({"item_id": ids.items, "title": [f"Item {i}" for i in range(N_ITEMS)],
                          "categories": [["Home"]] * N_ITEMS, "category": "Home", "brand": "",
                          "price": np.nan, "attributes": json.dumps({})})
    reviews = pd.DataFrame(columns=["user_id", "item_id", "rating", "title", "text", "timestamp"])
    return train, ids, items, reviews


def test_contributions_are_score_parts_not_indices(big_shop):
    train, ids, items, reviews = big_shop
    model = BiasBaseline().fit(train)
    ctx = EvidenceContext.from_arrays(items, reviews, ids, train, explain=model.explain)
    explanation = model.explain(USER, ITEM)
    assert (explanation.user, explanation.item) == (USER, ITEM)
    assert sum(explanation.parts.values()) == pytest.approx(explanation.score, abs=1e-5)

    facts = build_evidence(ctx, USER, ITEM).of_kind("score_contribution")
    assert facts, "the positive parts (global mean, item bias) must become facts"
    positive = {name.replace("_", " "): round(v, 3) for name, v in explanation.parts.items() if v > 0}
    assert {f.key: f.value for f in facts} == dict(sorted(positive.items(), key=lambda kv: -kv[1])[:2])
    for fact in facts:
        assert fact.value not in (USER, ITEM) and f"{ITEM}" not in fact.text and f"{USER}" not in fact.text
        assert fact.key not in ("user", "item", "score", "model")
        assert fact.value < 6  # a rating-scale contribution, not a row index


def test_related_items_and_factors_never_become_contributions(big_shop):
    train, ids, items, reviews = big_shop
    from llmrec.models import FactorContribution, RelatedItem

    def explain(user: int, item: int) -> Explanation:
        return Explanation("fake", user, item, 0.75, {"history": 0.75},
                           top_factors=(FactorContribution(1405, 9.0),),
                           related_items=(RelatedItem(1405, 0.9),))

    ctx = EvidenceContext.from_arrays(items, reviews, ids, train, explain=explain)
    facts = build_evidence(ctx, USER, ITEM).of_kind("score_contribution")
    assert [(f.key, f.value) for f in facts] == [("history", 0.75)]
