"""Explanation quality: how grounded, varied and fast a set of generated texts is.

    grounding_rate      share of shown sentences that pass the validator (1.0 unless evidence was empty)
    raw_grounding_rate  share of generator outputs that passed before any fallback (after resampling)
    first_try_grounding_rate   share whose first candidate passed (no resampling)
    template_failures   shown texts that failed the checker (templates included: must be 0)
    fallback_rate       share of texts whose generator output was replaced by the template
    feature_coverage    distinct (kind, key) facts cited / distinct (kind, key) facts available
    unique_sentence_ratio, distinct_1, distinct_2   variety (distinct sentences, unigrams, bigrams)
    mean_words          mean sentence length in words
    latency_per_sentence_s   generation time per shown sentence (cache hits excluded)
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from llmrec.reasons.service import GeneratedText, ReasonService

_TOKEN = re.compile(r"[a-z0-9']+")


def explanation_quality(texts: Sequence[GeneratedText], service: ReasonService | None = None) -> dict:
    """The metrics above over `texts`; with `service`, the shown sentences are re-validated."""
    if not texts:
        return {"n_texts": 0}
    sentences = [(s, t) for t in texts for s in t.sentences]
    if service is not None:
        passed = [service.validator(s, t.evidence).ok for s, t in sentences]
    else:
        passed = [t.grounded for _, t in sentences]
    available = {(f.kind, f.key) for t in texts for f in t.evidence.facts}
    cited = {(f.kind, f.key) for t in texts for f in t.cited_facts}
    tokens = [_TOKEN.findall(s.lower()) for s, _ in sentences]
    unigrams = [w for ws in tokens for w in ws]
    bigrams = [pair for ws in tokens for pair in zip(ws, ws[1:], strict=False)]
    generated = [t for t in texts if not t.cached]
    raw = [t.raw_ok for t in texts if t.raw_ok is not None]
    return {
        "n_texts": len(texts),
        "n_sentences": len(sentences),
        "grounding_rate": float(np.mean(passed)) if passed else 0.0,
        "raw_grounding_rate": float(np.mean(raw)) if raw else float("nan"),
        "first_try_grounding_rate": float(np.mean([t.raw_ok and t.attempts == 1 for t in texts
                                                   if t.raw_ok is not None])) if raw else float("nan"),
        "template_failures": int(sum(not t.grounded for t in texts)),
        "fallback_rate": float(np.mean([t.raw_text is not None and t.raw_ok is False for t in texts])),
        "feature_coverage": len(cited & available) / len(available) if available else 0.0,
        "unique_sentence_ratio": len({s for s, _ in sentences}) / len(sentences) if sentences else 0.0,
        "distinct_1": len(set(unigrams)) / len(unigrams) if unigrams else 0.0,
        "distinct_2": len(set(bigrams)) / len(bigrams) if bigrams else 0.0,
        "mean_words": float(np.mean([len(s.split()) for s, _ in sentences])) if sentences else 0.0,
        "latency_per_sentence_s": (sum(t.latency_s for t in generated)
                                   / max(sum(len(t.sentences) for t in generated), 1)),
    }


def sampled_explanation_quality(service: ReasonService, top_items: np.ndarray, n: int = 200,
                                seed: int = 0) -> tuple[dict, list[GeneratedText]]:
    """Quality of reasons for `n` sampled (user, top-1 recommended item) pairs.

    `top_items[u]` is user u's top recommended item index (-1 for none); users are sampled without
    replacement among those with a recommendation and a training history.
    """
    top_items = np.asarray(top_items)
    history = np.diff(service.ctx.train.indptr) > 0
    eligible = np.flatnonzero((top_items >= 0) & history[:len(top_items)])
    rng = np.random.default_rng(seed)
    users = rng.choice(eligible, size=min(n, len(eligible)), replace=False)
    texts = service.reasons([(int(u), int(top_items[u])) for u in users])
    return explanation_quality(texts, service), texts
