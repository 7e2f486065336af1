"""Templates on catalogues as they really are: dotted and marked-up titles, no categories, brands,
prices or reviews. Every template text must pass the strict validator, for every task and pair."""

import pytest

from llmrec.reasons.evidence import build_evidence, portrait_evidence
from llmrec.reasons.sentences import split_sentences
from llmrec.reasons.service import ReasonService
from llmrec.reasons.templates import TemplateGenerator, short_title
from llmrec.reasons.validation import Catalogue, validate
from tests.reasons.conftest import every_evidence, idx


@pytest.mark.parametrize(("title", "expected"), [
    # Was: the whole title, whose ". " split the sentence in three ("has 3 sentences (1 expected)").
    ("eSUN Bronze filament 1.75mm 0.5kg(1.1lb) Spool for Makerbot, Reprap. Industrial & Scientific.",
     "eSUN Bronze filament 1.75mm"),  # "0.5kg(1.1lb)" would repeat the word "1"
    # Was: markup reached the text ("contains markup characters").
    ("<b>Hatchbox</b> PLA filament 1.75 mm, 1 kg [Black] **new**", "Hatchbox PLA filament 1.75 mm"),
    ("St. Clair Lab Beaker No. 7, 250 ml. Borosilicate glass beaker", "St. Clair Lab Beaker No. 7"),
    ("Nitrile Gloves, Nitrile Gloves, Nitrile Gloves, Medium", "Nitrile Gloves"),
    ("Digital Caliper 0-6 in. Stainless Steel | Extra-Large LCD", "Digital Caliper 0-6 in. Stainless Steel"),
])
def test_short_title_is_safe_to_quote(title, expected):
    assert short_title(title) == expected


@pytest.mark.parametrize("shop_name", ["shop", "bare_shop"])
def test_every_template_text_passes_the_strict_validator(request, shop_name):
    shop = request.getfixturevalue(shop_name)
    ctx = request.getfixturevalue("ctx" if shop_name == "shop" else "bare_ctx")
    service = ReasonService(ctx, catalogue=Catalogue.from_items(shop.items))
    failures = []
    for ev in every_evidence(ctx):
        if not ev.facts:
            continue
        text = service.run([ev])[0]
        if not text.grounded or text.fallback_reason:
            failures.append((ev.task, ev.user_id, ev.item_id, text.text, text.fallback_reason))
        assert not any(c in text.text for c in "<>*[]|"), text.text
    assert failures == []


def test_summaries_of_a_shop_without_categories_never_say_unknown(bare_ctx, bare_shop):
    catalogue = Catalogue.from_items(bare_shop.items)
    for u in range(bare_ctx.ids.n_users):
        ev = portrait_evidence(bare_ctx, u)
        text = TemplateGenerator().write(ev)
        assert "Unknown" not in text and "unknown" not in text
        assert 2 <= len(split_sentences(text)) <= 3 or len(ev.facts) == 1, text
        for sentence in split_sentences(text):
            assert validate(sentence, ev, catalogue).ok, (sentence, validate(sentence, ev, catalogue).reasons)


def test_summaries_quote_no_untitled_item_and_stay_long_enough_with_short_titles(bare_ctx, bare_shop):
    """On Scientific, summaries of shoppers whose typical items had their id for a title ("S7") or a
    two-word title ("Uranium Ore") came out with no sentence or one: "has 0 sentences (2-3 expected)"."""
    service = ReasonService(bare_ctx, catalogue=Catalogue.from_items(bare_shop.items))
    untitled_only = portrait_evidence(bare_ctx, *idx(bare_ctx, "B5"))
    assert [(f.kind, f.value) for f in untitled_only.facts] == [("history_size", 1)]
    short = portrait_evidence(bare_ctx, *idx(bare_ctx, "B6"))
    assert [(f.kind, f.key) for f in short.facts] == [("owned_item", "Uranium Ore")]
    for ev in (untitled_only, short):
        text = service.run([ev])[0]
        assert text.grounded and text.fallback_reason is None, (text.text, text.fallback_reason)
        assert '"S7"' not in text.text and len(split_sentences(text.text)) == 1
    assert service.run([short])[0].cited_facts == short.facts


def test_interest_terms_come_from_shared_title_words(bare_ctx):
    ev = portrait_evidence(bare_ctx, *idx(bare_ctx, "B1"))  # S1 and S3 both say "filament" and "spool"
    assert [f.key for f in ev.of_kind("interest_term")] == ["filament", "spool"]
    assert not ev.of_kind("top_category")


def test_the_models_related_items_become_evidence_and_text(bare_ctx, bare_shop):
    ev = build_evidence(bare_ctx, *idx(bare_ctx, "B3", "S4"))
    related = ev.of_kind("model_related")
    assert [f.key for f in related] == [bare_shop.items.set_index("item_id").loc["S6", "title"]]
    text = TemplateGenerator().write(ev)
    assert '"Nitrile Gloves"' in text, text
    assert validate(text, ev, Catalogue.from_items(bare_shop.items)).ok


def test_a_quoted_shortening_of_an_evidence_title_is_not_an_invented_title(ctx, shop):
    ev = build_evidence(ctx, *idx(ctx, "U1", "P1"))
    catalogue = Catalogue.from_items(shop.items)
    assert validate('It follows on from "Voltari Wall", which you bought.', ev, catalogue).ok
    assert not validate('It follows on from "Voltari Power", which you bought.', ev, catalogue).ok


def test_periods_inside_a_quoted_title_do_not_end_the_sentence():
    assert split_sentences('It is like "St. Clair No. 7. Glass", which you own. Next one.') == [
        'It is like "St. Clair No. 7. Glass", which you own.', "Next one."]
