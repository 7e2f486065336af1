"""Evidence facts for reasons, portraits and descriptions on the tiny shop."""

import numpy as np
import pytest

from llmrec.errors import DataError, UnknownIdError
from llmrec.reasons.context import EvidenceContext, price_bands
from llmrec.reasons.evidence import build_evidence, description_evidence, portrait_evidence
from llmrec.reasons.facts import DESCRIPTION_KINDS, PORTRAIT_KINDS, REASON_KINDS, similar_counts
from tests.reasons.conftest import idx


@pytest.mark.parametrize(("prices", "categories", "expected"), [
    # Within a category: tertiles -> budget (0) / mid (1) / premium (2).
    ([10, 20, 30], ["a", "a", "a"], [0, 1, 2]),
    # Unpriced items (nan, 0) get -1.
    ([10, np.nan, 30, 0, 20], ["a", "a", "a", "a", "a"], [0, -1, 2, -1, 1]),
    # Fewer than 3 priced items in a category: no band (the portraits' rule, the only one).
    ([10, 20, 30, 40, 35], ["a", "a", "a", "b", "b"], [0, 1, 2, -1, -1]),
])
def test_price_bands_are_tertiles_within_category(prices, categories, expected):
    assert price_bands(np.array(prices, dtype=float), np.array(categories)).tolist() == expected


def test_reason_evidence_has_every_kind(ctx):
    ev = build_evidence(ctx, *idx(ctx, "U1", "P1"))
    assert set(ev.kinds) == set(REASON_KINDS)
    facts = {f.kind: f for f in ev.facts}
    assert facts["shared_category"].key == "Electronics" and facts["shared_category"].value == 2
    assert facts["shared_brand"].key == "Soniq" and facts["shared_brand"].value == 1
    # Electronics prices 19, 39, 49, 99: the 99 headphones are premium; U1 bought 49 (mid), 19 (budget), 12
    # (Pet Supplies 12, 25, 89: budget) -> usual band budget.
    assert (facts["price_band"].key, facts["price_band"].value) == ("premium", "budget")
    assert facts["praised_aspect"].key == "battery"
    assert facts["similar_history_text"].key == "Soniq Bluetooth Speaker Mini"
    # U1 shares one item each with U2 (P2), U3 (P3) and U4 (P5); U2 and U3 bought P1.
    assert similar_counts(facts["popular_with_similar"]) == (2, 3)
    assert [f.key for f in ev.of_kind("score_contribution")] == ["collaborative", "bias"]
    assert ev.item_band == "premium" and ev.item_brand == "Soniq"


def test_history_excludes_the_item_itself(ctx):
    ev = build_evidence(ctx, *idx(ctx, "U2", "P1"))  # U2 already owns P1
    assert all(f.key != "Soniq Wireless Headphones X1" for f in ev.facts)


def test_portrait_evidence(ctx):
    ev = portrait_evidence(ctx, *idx(ctx, "U1"))
    assert set(ev.kinds) <= set(PORTRAIT_KINDS)
    assert [f.key for f in ev.of_kind("top_category")] == ["Electronics", "Pet Supplies"]
    assert ev.of_kind("rating_behaviour")[0].key == "balanced"  # mean of 5 and 2 = 3.5
    assert [f.key for f in ev.of_kind("user_praises")] == ["battery"]
    assert [f.key for f in ev.of_kind("user_criticises")] == ["taste"]


def test_description_evidence_has_item_facts_then_personal_ones(ctx):
    ev = description_evidence(ctx, *idx(ctx, "U1", "P1"))
    assert set(DESCRIPTION_KINDS) <= set(ev.kinds)
    assert {"praised_aspect", "shared_category", "shared_brand"} <= set(ev.kinds)
    assert ev.of_kind("item_category")[0].value == "Audio"
    assert {f.key: f.value for f in ev.of_kind("item_attribute")} == {"color": "black", "warranty": "2 years"}


def test_fingerprint_is_stable_and_follows_the_facts(ctx):
    a = build_evidence(ctx, *idx(ctx, "U1", "P1"))
    assert a.fingerprint() == build_evidence(ctx, *idx(ctx, "U1", "P1")).fingerprint()
    assert a.fingerprint() != build_evidence(ctx, *idx(ctx, "U3", "P2")).fingerprint()


def test_unknown_indices_raise(ctx):
    with pytest.raises(UnknownIdError):
        build_evidence(ctx, 99, 0)
    with pytest.raises(UnknownIdError):
        description_evidence(ctx, 0, -1)


def test_misaligned_arrays_are_named(shop, ctx):
    with pytest.raises(DataError, match="item_text"):
        EvidenceContext.from_arrays(shop.items, shop.reviews, ctx.ids, ctx.train, np.zeros((3, 4)))


def test_neighbours_from_factors_when_given(shop, ctx):
    factors = np.eye(4)[[0, 0, 1, 1]]  # U1~U2, U3~U4
    with_factors = EvidenceContext.from_arrays(shop.items, shop.reviews, ctx.ids, ctx.train,
                                               user_factors=factors, n_neighbours=1)
    assert with_factors.neighbours(0).tolist() == [1]
    assert with_factors.neighbours(2).tolist() == [3]
