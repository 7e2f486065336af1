"""A sequential model's evidence names the history item its explanation found most influential."""

from __future__ import annotations

import dataclasses

import numpy as np

from llmrec.data.ids import IdMap, interaction_matrix
from llmrec.models import Explanation, RelatedItem
from llmrec.reasons.context import EvidenceContext
from llmrec.reasons.evidence import build_evidence


def context(shop, model: str, related: bool = True) -> EvidenceContext:
    ids = IdMap.from_dataset(shop)
    p3 = ids.item_index("P3")                  # U1 owns P2, P3, P5: P3 is planted as the influential one

    def explain(u: int, i: int) -> Explanation:
        return Explanation(model, u, i, 0.9, {"sequence": 0.9},
                           related_items=(RelatedItem(p3, 0.4), RelatedItem(ids.item_index("P2"), 0.1))
                           if related else ())

    factors = np.zeros((ids.n_items, 2))
    factors[:, 0] = 1.0                          # every item vector alike: cosine ties everywhere
    train = interaction_matrix(shop.interactions, ids)
    return EvidenceContext.from_arrays(shop.items, shop.reviews, ids, train, item_factors=factors,
                                       explain=explain)


def test_sasrec_history_fact_is_its_most_influential_item(shop):
    ctx = context(shop, "sasrec")
    u, i = ctx.ids.user_index("U1"), ctx.ids.item_index("P4")
    evidence = build_evidence(ctx, u, i)
    # The model's own reason, strongest first; no nearest-vector fact stands in for it.
    assert [(f.key, f.value) for f in evidence.of_kind("model_related")][0] == ("Voltari Wall Adapter", 0.4)
    assert evidence.of_kind("similar_history_mf") == []


def test_other_models_keep_the_nearest_item_vector(shop):
    ctx = context(shop, "bpr", related=False)  # a factor model names no history items itself
    u, i = ctx.ids.user_index("U1"), ctx.ids.item_index("P4")
    facts = build_evidence(ctx, u, i).of_kind("similar_history_mf")
    # every item vector is identical in direction: the first history item (index order) wins the tie
    assert [f.key for f in facts] == [ctx.titles[ctx.history(u)[0]]]
    assert dataclasses.asdict(facts[0])["value"] == 1.0
