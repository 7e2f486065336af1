"""Template sentences: every fact kind has phrasings that pass the checker, deterministic and varied."""

import re

import numpy as np
import pytest

from llmrec.data.demo import DemoConfig, generate_demo
from llmrec.data.ids import IdMap, interaction_matrix
from llmrec.reasons.context import EvidenceContext
from llmrec.reasons.evidence import build_evidence, portrait_evidence
from llmrec.reasons.facts import FACT_KINDS, PORTRAIT_KINDS, REASON_KINDS, Evidence
from llmrec.reasons.sentences import split_sentences
from llmrec.reasons.templates import TemplateGenerator
from llmrec.reasons.validation import Catalogue, validate
from tests.reasons.conftest import every_evidence, idx


@pytest.mark.parametrize("kind", FACT_KINDS)
def test_every_fact_kind_alone_gives_a_valid_sentence_citing_it(ctx, shop, bare_ctx, bare_shop, kind):
    found = [ev for ev in every_evidence(ctx) if kind in ev.kinds]
    if not found:  # kinds only a shop without categories has (interest terms)
        ctx, shop, found = bare_ctx, bare_shop, [ev for ev in every_evidence(bare_ctx) if kind in ev.kinds]
    catalogue = Catalogue.from_items(shop.items)
    source = found[0]
    task = "portrait" if kind in PORTRAIT_KINDS else ("reason" if kind in REASON_KINDS else "description")
    fact = source.of_kind(kind)[0]
    # Keep the subject, drop every other fact: the text must then state this one.
    alone = Evidence(**{**source.__dict__, "task": task, "facts": (fact,)})
    text = TemplateGenerator().write(alone)
    cited = set()
    for sentence in split_sentences(text):
        result = validate(sentence, alone, catalogue)
        assert result.ok, (text, result.reasons)
        cited |= {f.kind for f in result.cited_facts}
    assert kind in cited, text


def test_templates_are_deterministic(ctx):
    ev = build_evidence(ctx, *idx(ctx, "U1", "P1"))
    assert TemplateGenerator().write(ev) == TemplateGenerator().write(ev)
    assert TemplateGenerator().generate([ev, ev]) == [TemplateGenerator().write(ev)] * 2


def test_portrait_has_two_to_three_sentences(ctx):
    text = TemplateGenerator().write(portrait_evidence(ctx, *idx(ctx, "U1")))
    assert 2 <= len(split_sentences(text)) <= 3


def test_templates_vary_and_stay_grounded_over_200_demo_pairs():
    dataset = generate_demo(DemoConfig(n_users=300, n_items=200, n_interactions=4000, n_reviews=1500))
    ids = IdMap.from_dataset(dataset)
    train = interaction_matrix(dataset.interactions, ids)
    ctx = EvidenceContext.from_arrays(dataset.items, dataset.reviews, ids, train)
    catalogue = Catalogue.from_items(dataset.items)
    rng = np.random.default_rng(0)
    pairs = zip(rng.choice(ids.n_users, 200, replace=False), rng.integers(0, ids.n_items, 200), strict=True)
    generator, sentences = TemplateGenerator(), []
    for u, i in pairs:
        ev = build_evidence(ctx, int(u), int(i))
        text = generator.write(ev)
        sentences.append(text)
        assert validate(text, ev, catalogue).ok or not ev.facts, text
    assert len(set(sentences)) / len(sentences) > 0.5
    # Phrasings vary too, not only the names in them.
    openers = {re.split(r"\b(?:because|reviews|it|you)\b", s)[0] for s in sentences}
    assert len(openers) >= 4
