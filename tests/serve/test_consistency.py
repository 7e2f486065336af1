"""One answer per question: price bands agree between portraits, lists and evidence; returned frames
can be changed by a caller without changing the next answer."""

from __future__ import annotations

import pandas as pd
import pytest

from llmrec.portraits.build import price_bands
from llmrec.reasons.facts import BANDS
from llmrec.serve import WorkspaceIndex, catalogue, explanations, recommendations, users


@pytest.fixture(scope="module")
def index(small_index) -> WorkspaceIndex:
    return small_index


def test_every_item_has_one_price_band_in_portraits_lists_and_evidence(index):
    ws = index.ws
    portraits = price_bands(ws.dataset.items).fillna("unknown")
    portraits.index = ws.dataset.items["item_id"].astype(str)
    portraits = portraits.reindex(ws.ids.items)
    assert portraits.isin(BANDS).mean() > 0.9  # the demo prices nearly everything
    # the recommendations panel: every item, ranked by a model with nothing masked
    user = str(ws.ids.users[0])
    everything = recommendations.recommend(index, user, "bpr", ws.ids.n_items, "none")
    assert len(everything) == ws.ids.n_items
    shown = everything.set_index("item_id")["price_band"].reindex(ws.ids.items)
    assert shown.tolist() == portraits.tolist()
    # the reasons' evidence (the facts the reason sentences cite)
    codes = index.evidence_context("bpr").bands
    evidence_bands = ["unknown" if c < 0 else BANDS[c] for c in codes]
    assert evidence_bands == portraits.tolist()
    # the product card and the population shares on the portrait page
    assert catalogue.item_card(index, ws.ids.items[5])["price_band"] == portraits.iloc[5]
    assert catalogue.item_price_bands(index).reindex(ws.ids.items).tolist() == portraits.tolist()


def test_the_price_band_fact_names_the_items_band(index):
    ws = index.ws
    user = str(ws.dataset.interactions["user_id"].value_counts().index[0])
    recs = recommendations.recommend(index, user, "text_mf", 10, "seen")
    checked = 0
    for item, band in zip(recs["item_id"], recs["price_band"], strict=True):
        ev = explanations.evidence(index, user, item, "text_mf")
        for fact in ev.of_kind("price_band"):
            assert fact.key == band
            checked += 1
    assert checked, "no price-band fact in ten reasons: the check saw nothing"


def test_a_changed_frame_does_not_change_the_next_answer(index):
    user = str(index.ws.ids.users[2])
    calls = [
        lambda: users.history(index, user),
        lambda: recommendations.recommend(index, user, "bpr", 5, "seen"),
        lambda: catalogue.top_products(index, 5),
        lambda: catalogue.search_items(index, "", 5),
        lambda: users.price_profile(index, user),
        lambda: catalogue.item_price_bands(index).to_frame(),
    ]
    for call in calls:
        first = call()
        expected = first.copy(deep=True)
        for column in range(first.shape[1]):  # a caller scribbles over what it got, in place
            first.iat[0, column] = first.iat[-1, column]
        first.rename(columns=str.upper, inplace=True)
        first.drop(first.index[:1], inplace=True)
        pd.testing.assert_frame_equal(call(), expected)
    assert index.items["price_band"].notna().all()


def test_the_dashboards_cached_frames_are_copies(small_workspace):
    """st.cache_data hands out a copy per call: mutating one leaves the cache intact."""
    from llmrec.ui import cache, reads

    key = reads.WorkspaceKey(str(small_workspace), cache.stamp(str(small_workspace)))
    user = str(WorkspaceIndex.open(small_workspace).ws.ids.users[1])
    first = reads.history(key, user)
    expected = first.copy(deep=True)
    first["title"] = "changed"
    pd.testing.assert_frame_equal(reads.history(key, user), expected)
    recs = reads.recommend(key, user, "bpr", 5, "seen")
    recs.drop(columns="score", inplace=True)
    assert "score" in reads.recommend(key, user, "bpr", 5, "seen").columns
