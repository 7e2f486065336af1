"""Explanation quality metrics with hand-computed values."""

import numpy as np
import pytest

from llmrec.reasons.evidence import build_evidence
from llmrec.reasons.quality import explanation_quality, sampled_explanation_quality
from llmrec.reasons.service import GeneratedText, ReasonService
from tests.reasons.conftest import idx


def test_hand_computed_metrics(ctx):
    ev = build_evidence(ctx, *idx(ctx, "U1", "P1"))
    battery = ev.of_kind("praised_aspect")[0]
    texts = [
        GeneratedText("Reviews praise its battery life.", "template", "cites no evidence fact", (battery,),
                      ev, raw_text="Buy it.", raw_ok=False, latency_s=0.2),
        GeneratedText("Reviews praise its battery here.", "llm", None, (battery,), ev, raw_text="x",
                      raw_ok=True, latency_s=0.4, cached=True),
    ]
    q = explanation_quality(texts)
    n_facts = len({(f.kind, f.key) for f in ev.facts})
    assert q["n_sentences"] == 2
    assert q["grounding_rate"] == 1.0
    assert q["raw_grounding_rate"] == 0.5  # one of two raw outputs passed
    assert q["fallback_rate"] == 0.5
    assert q["feature_coverage"] == pytest.approx(1 / n_facts)  # only (praised_aspect, battery) cited
    assert q["unique_sentence_ratio"] == 1.0
    assert q["distinct_1"] == pytest.approx(6 / 10)  # reviews praise its battery {life, here}
    assert q["distinct_2"] == pytest.approx(5 / 8)  # 3 shared bigrams + (battery life) + (battery here)
    assert q["mean_words"] == 5.0
    assert q["latency_per_sentence_s"] == pytest.approx(0.2)  # the cached text does not count


def test_sampled_quality_over_top1_pairs(ctx):
    top = np.array([0, 2, 1, -1])  # U4 has no recommendation
    q, texts = sampled_explanation_quality(ReasonService(ctx), top, n=10, seed=0)
    assert q["n_texts"] == 3 and len(texts) == 3
    assert {t.evidence.user_id for t in texts} == {"U1", "U2", "U3"}
    assert q["grounding_rate"] == 1.0 and q["fallback_rate"] == 0.0
