"""Aspect extraction: known sentences give known aspects and polarities."""

import pytest

from llmrec.portraits.aspects import aspect_counts, extract_aspects


@pytest.mark.parametrize(
    ("text", "rating", "expected"),
    [
        ("The battery life is great.", None, {("battery", 1)}),
        ("Shipping was slow and the packaging was torn.", None, {("shipping", -1)}),
        ("The design is not good.", None, {("design", -1)}),  # negation flips "good"
        ("Great price, but the quality is poor.", None, {("price", 1), ("quality", -1)}),
        ("It has a compact size.", 5, {("size", 1)}),  # no opinion word: the rating decides
        ("It has a compact size.", 1, {("size", -1)}),
        ("It has a compact size.", 3, {("size", 0)}),
        ("Nothing to say about this one.", 5, set()),
    ],
)
def test_extract_aspects(text, rating, expected):
    assert {(m.aspect, m.polarity) for m in extract_aspects(text, rating)} == expected


def test_aspect_counts_adds_up_over_reviews():
    counts = aspect_counts(["Love the design.", "Terrible design. Battery is great."], [5, 2])
    # design: mentioned twice, praised once (review 1), criticised once (review 2)
    assert counts["design"] == (2, 1, 1)
    assert counts["battery"] == (1, 1, 0)
