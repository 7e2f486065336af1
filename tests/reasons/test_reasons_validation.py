"""The sentence checker, table-driven: grounded sentences pass; invented or garbled ones are rejected."""

import pytest

from llmrec.reasons.evidence import build_evidence, portrait_evidence
from llmrec.reasons.facts import Evidence, Fact
from llmrec.reasons.sentences import split_sentences
from llmrec.reasons.validation import Catalogue, validate
from tests.reasons.conftest import idx

# Evidence: U1 -> P1 "Soniq Wireless Headphones X1" (Electronics, Soniq, premium; reviews praise battery).
ACCEPTED = [
    ("Recommended because reviewers praise its battery, something you care about.", {"praised_aspect"}),
    ("You have bought 2 items in Electronics, and this one comes from Soniq.",
     {"shared_category", "shared_brand"}),
    ('It reads much like "Soniq Bluetooth Speaker Mini", which you already own.',
     {"similar_history_text", "shared_brand"}),
    ("Shoppers with similar tastes bought the Soniq Wireless Headphones X1 (67%).", {"popular_with_similar"}),
    ("This premium pick for Electronics has a battery that reviewers love.",
     {"price_band", "shared_category", "praised_aspect"}),
]
REJECTED = [
    ("Recommended because Voltari makes great gear with a battery you will love.", "names a brand"),
    ("Recommended because 7 of your friends loved its battery life.", "states a number"),
    ("Recommended because its battery is praised and it costs only $15 today.", "states a price"),
    ("It goes well with the Whiskerwood Cat Tree Deluxe and has a great battery.", "names a product"),
    ("Recommended because you love Pet Supplies and its battery is praised.", "contradicts the category"),
    ("Recommended because it is a cheap option with a well reviewed battery.", "contradicts the price band"),
    ("This is a wonderful product that everyone should own and enjoy today.", "cites no evidence fact"),
    ("Recommended because " + "its battery is great and " * 8 + "it is from Soniq.", "too long"),
    ("Great battery life.", "too short"),
    ("recommended because reviewers praise its battery, which you value.", "capital letter"),
    ("Recommended because reviewers praise its battery, which you value", "does not end"),
    ("Recommended because its battery battery is praised by reviewers.", "repeats a word"),
    ("Its battery is great and its battery is great and more.", "repeats a phrase"),
    ("Read about its battery at https://shop.example.com today.", "URL"),
    ("Recommended because **reviewers** praise its battery life.", "markup"),
]


@pytest.fixture(scope="module")
def checker(ctx, shop):
    catalogue = Catalogue.from_items(shop.items)
    evidence = build_evidence(ctx, *idx(ctx, "U1", "P1"))
    return lambda sentence: validate(sentence, evidence, catalogue)


@pytest.mark.parametrize(("sentence", "cited_kinds"), ACCEPTED)
def test_grounded_sentences_pass(checker, sentence, cited_kinds):
    result = checker(sentence)
    assert result.ok, result.reasons
    assert cited_kinds <= {f.kind for f in result.cited_facts}


@pytest.mark.parametrize(("sentence", "reason"), REJECTED)
def test_bad_sentences_fail_with_a_reason(checker, sentence, reason):
    result = checker(sentence)
    assert not result.ok
    assert any(reason in r for r in result.reasons), result.reasons


def test_portrait_may_name_its_top_categories_only(ctx, shop):
    catalogue = Catalogue.from_items(shop.items)
    evidence = portrait_evidence(ctx, *idx(ctx, "U1"))
    assert validate("This shopper mostly buys items in Electronics and Pet Supplies.", evidence, catalogue).ok
    result = validate("This shopper mostly buys items in Office and Electronics.", evidence, catalogue)
    assert any("'office'" in r for r in result.reasons)


@pytest.mark.parametrize(("text", "expected"), [
    ("One sentence here.", ["One sentence here."]),
    ("First one. Second one! Third?", ["First one.", "Second one!", "Third?"]),
    ('He said "hi." Then left.', ['He said "hi."', "Then left."]),
    ("Version 2.5 is out. Yes.", ["Version 2.5 is out.", "Yes."]),
])
def test_split_sentences(text, expected):
    assert split_sentences(text) == expected


def test_names_inside_an_allowed_title_are_not_inventions():
    catalogue = Catalogue(["Voltari Premium Cable 2", "Soniq Speaker"], ["Voltari", "Soniq"], ["Electronics"])
    evidence = Evidence(task="reason", user_index=0, user_id="U", item_title="Voltari Premium Cable 2",
                        item_category="Electronics", item_band="budget",
                        facts=(Fact("shared_category", "Electronics", 2, "The shopper has bought 2 items in "
                                                                          "Electronics."),))
    ok = validate("The Voltari Premium Cable 2 suits your taste for Electronics.", evidence, catalogue)
    assert ok.ok, ok.reasons
    bad = validate("The premium Voltari cable suits your taste for Electronics.", evidence, catalogue)
    assert {r.split(":")[0] for r in bad.reasons} == {"names a brand not in the evidence",
                                                      "contradicts the price band"}
