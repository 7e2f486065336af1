"""Known-answer tests of the pure cleaning helpers."""

from __future__ import annotations

import json
import math
import random
import re

import pandas as pd
import pytest

from llmrec.data.cleaning import (
    attributes_json,
    clean_text,
    drop_duplicates,
    drop_missing_ids,
    epoch_to_seconds,
    kcore_filter,
    normalise_whitespace,
    parse_price,
    split_categories,
    strip_html,
)
from llmrec.data.dataset import LoadReport
from llmrec.errors import ConfigError


@pytest.mark.parametrize(("raw", "expected"), [
    ("<p>Sharp &amp; <b>balanced</b></p>", "Sharp & balanced"),
    ("line one<br/>line two", "line one line two"),
    ("Fish &amp;amp; chips", "Fish & chips"),  # escaped twice in the source
    ("&lt;b&gt; is a tag", "is a tag"),  # escaped markup is still markup: never shown as a tag
    ("a < b and c > d", "a < b and c > d"),
    ("<script>alert(1)</script>Safe <!-- note -->text", "Safe text"),
    ("caf&eacute;&#39;s&nbsp;menu", "café's menu"),
    ("plain", "plain"),
])
def test_strip_html(raw: str, expected: str) -> None:
    assert strip_html(raw) == expected


# Dirty titles, categories and brands as they occur in scraped catalogues -> what is stored.
@pytest.mark.parametrize(("raw", "expected"), [
    ("&lt;img src=x onerror=alert(1)&gt;", ""),
    ("Pen &lt;img src=x onerror=alert(1)&gt; blue", "Pen blue"),
    ("&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;Safe", "Safe"),  # escaped twice
    ("&#60;script&#62;steal()&#60;/script&#62;Mug", "Mug"),
    ('<span class="a-size-medium a-color-secondary"', ""),  # a cut-off tag, common in Amazon 2018
    ('Kettle <span class="a-size-medium', "Kettle"),
    ("Safety Cone, 1-Pack,3M,90128-00001 />", "Safety Cone, 1-Pack,3M,90128-00001"),  # UniSRec title
    ("Industrial & Scientific />. Lab Chemicals", "Industrial & Scientific . Lab Chemicals"),
    ("a > b and 3/4 > 1/2", "a > b and 3/4 > 1/2"),  # prose keeps its '>'
    ('<a href="javascript:alert(1)">Lamp</a>', "Lamp"),
    ("javascript:alert(1)", "alert(1)"),
    ("JaVaScRiPt :void(0) Desk", "void(0) Desk"),
    ("vbscript:msgbox Chair", "msgbox Chair"),
    ('" onmouseover="alert(1)" Sofa', '" Sofa'),
    ("<img src=data:text/html;base64,PHNjcmlwdD4= >Rug", "Rug"),
    ("data:text/html,<b>x</b> Rug", "x Rug"),
    ("<style>.a{color:red}</style>Bowl", "Bowl"),
    ("<script>never closed", ""),
    ("<!-- never closed", ""),
    ("Tool &lt;/ 3", "Tool / 3"),
    ("Data: 5 GB, 3 < 4", "Data: 5 GB, 3 < 4"),
    ("Size = 10 & up", "Size = 10 & up"),
])
def test_strip_html_removes_escaped_and_broken_markup(raw: str, expected: str) -> None:
    assert strip_html(raw) == expected


_FRAGMENTS = ["<", ">", "&lt;", "&gt;", "&amp;", "&#60;", "&#x3c;", "/", "!", "img", "script", "span",
              " src=x", " onerror=", "alert(1)", "javascript", ":", "\"", "'", "=", " ", "a", "--", "&",
              "lt;", "data", "text/html", "vbscript", "<!", "</"]
_LIVE_TAG = re.compile(r"<[A-Za-z/!]")


def test_strip_html_never_leaves_a_tag_or_a_script_url() -> None:
    """Seeded random splices of markup: never '<' + letter, '/' or '!', never javascript:."""
    rng = random.Random(7)
    for _ in range(5000):
        raw = "".join(rng.choice(_FRAGMENTS) for _ in range(rng.randint(1, 25)))
        out = strip_html(raw)
        assert not _LIVE_TAG.search(out), (raw, out)
        assert "javascript:" not in out.lower().replace(" ", ""), (raw, out)
        assert strip_html(out) == out, (raw, out)  # stable: cleaning clean text changes nothing


def test_normalise_whitespace_collapses_unicode_spaces_and_zero_widths() -> None:
    assert normalise_whitespace("  a\t\tb\u00a0 c\u200bd\n") == "a b cd"


def test_clean_text_handles_none_nan_and_paragraph_lists() -> None:
    assert clean_text(None) == ""
    assert clean_text(math.nan) == ""
    assert clean_text(["<p>One.</p>", "Two."]) == "One. Two."


@pytest.mark.parametrize(("raw", "expected"), [
    ("$1,299.99", 1299.99),
    ("$10.00 - $20.00", 10.0),  # a range gives its low end
    ("12.99 EUR", 12.99),
    ("1.299,99 €", 1299.99),
    ("5,50", 5.5),
    (12.5, 12.5),
    (3, 3.0),
])
def test_parse_price(raw: object, expected: float) -> None:
    assert parse_price(raw) == pytest.approx(expected)


@pytest.mark.parametrize("raw", ["", "N/A", "None", None, True, -1.0, math.inf,
                                 ".a-box-inner{background-color:#fff}", "free"])
def test_parse_price_gives_nan_for_non_prices(raw: object) -> None:
    assert math.isnan(parse_price(raw))


@pytest.mark.parametrize(("raw", "expected"), [
    ("Home > Kitchen > Knives", ["Home", "Kitchen", "Knives"]),
    ("Action|Comedy", ["Action", "Comedy"]),
    ('["Toys", "Games &amp; Puzzles"]', ["Toys", "Games & Puzzles"]),
    (["A", "", " B "], ["A", "B"]),
    ("Single", ["Single"]),
    (None, []),
])
def test_split_categories(raw: object, expected: list[str]) -> None:
    assert split_categories(raw) == expected


def test_split_categories_with_explicit_separator() -> None:
    assert split_categories("Home; Garden", ";") == ["Home", "Garden"]


def test_attributes_json_flattens_values_to_strings() -> None:
    text = attributes_json({"features": ["Organic", "", "Handmade"], "Size": 100, "empty": "",
                            "nested": {"b": 1, "a": 2}, "none": None, "html": "<i>Blue</i>"})
    assert json.loads(text) == {"features": "Organic; Handmade", "Size": "100",
                                "nested": '{"a": 2, "b": 1}', "html": "Blue"}
    assert attributes_json(None) == "{}"


def test_epoch_to_seconds_detects_units_per_value() -> None:
    seconds, note = epoch_to_seconds(pd.Series([1_600_000_000, 1_600_000_000_500, 1_600_000_000_000_000]))
    assert seconds.tolist() == [1_600_000_000, 1_600_000_000, 1_600_000_000]
    assert note is not None and "milliseconds" in note and "microseconds" in note
    assert epoch_to_seconds(pd.Series([5, 6]))[1] is None


def test_drop_missing_ids_reports_count() -> None:
    report = LoadReport(source="t")
    frame = pd.DataFrame({"user_id": ["u1", None, " ", "u2"], "item_id": ["i1", "i1", "i2", None]})
    out = drop_missing_ids(frame, report)
    assert out["user_id"].tolist() == ["u1"]
    assert report.dropped == {"interactions with a missing user or item id": 3}


def test_drop_duplicates_keeps_first_and_reports() -> None:
    report = LoadReport(source="t")
    frame = pd.DataFrame({"user_id": ["u", "u", "u"], "item_id": ["i", "i", "i"],
                          "rating": [5.0, 5.0, 4.0], "timestamp": [1, 1, 1]})
    out = drop_duplicates(frame, report)
    assert out["rating"].tolist() == [5.0, 4.0]  # same pair, other rating: not a duplicate
    assert report.dropped == {"exact duplicate interactions": 1}


def test_kcore_cascades_until_stable() -> None:
    # k=2. Round 1: c3 and c4 have one row each -> drop c3-s3, c4-s1.
    # Round 2: s3 is left with c2 only -> drop c2-s3. Then every user and item has 2 rows.
    pairs = [("c1", "s1"), ("c1", "s2"), ("c2", "s1"), ("c2", "s2"), ("c2", "s3"), ("c3", "s3"), ("c4", "s1")]
    frame = pd.DataFrame(pairs, columns=["user_id", "item_id"])
    report = LoadReport(source="t")
    out = kcore_filter(frame, 2, report)
    assert sorted(map(tuple, out.to_numpy().tolist())) == [("c1", "s1"), ("c1", "s2"), ("c2", "s1"),
                                                             ("c2", "s2")]
    assert report.dropped == {"interactions outside the 2-core": 3}


def test_kcore_of_one_or_zero_keeps_everything() -> None:
    frame = pd.DataFrame({"user_id": ["a"], "item_id": ["x"]})
    assert len(kcore_filter(frame, 0)) == 1
    assert len(kcore_filter(frame, 1)) == 1


def test_kcore_rejects_negative() -> None:
    with pytest.raises(ConfigError, match="kcore"):
        kcore_filter(pd.DataFrame({"user_id": [], "item_id": []}), -1)
