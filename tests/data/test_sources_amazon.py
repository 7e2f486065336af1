"""The Amazon Reviews 2023 and 2018 loaders on hand-written fixtures (known answers)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from llmrec.data.sources import load_source
from llmrec.errors import ConfigError, DataError

A23 = Path(__file__).parents[1] / "fixtures" / "sources" / "amazon2023"
A18 = Path(__file__).parents[1] / "fixtures" / "sources" / "amazon2018"


def item(data, item_id: str) -> dict:
    return data.items.set_index("item_id").loc[item_id].to_dict()


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_amazon2023_tables(suffix: str) -> None:
    data = load_source("amazon2023", reviews_path=A23 / f"All_Beauty.jsonl{suffix}",
                       meta_path=A23 / f"meta_All_Beauty.jsonl{suffix}")
    # 8 reviews: one exact duplicate and one without a user are dropped.
    assert len(data.interactions) == 6 and len(data.reviews) == 6
    assert data.users["user_id"].tolist() == ["U1", "U2", "U3"]
    assert sorted(data.items["item_id"]) == ["P1", "P2", "P3"]  # P9 has no reviews
    first = data.interactions.iloc[0]
    assert (first["user_id"], first["item_id"], first["rating"], first["timestamp"]) == \
        ("U1", "P1", 5.0, 1_600_000_000)
    # Milliseconds are floored to seconds; variant asins map to their parent_asin.
    assert data.interactions.query("item_id == 'P3'")["timestamp"].tolist() == [1_600_000_300]
    assert data.interactions.query("user_id == 'U2' and item_id == 'P2'")["rating"].tolist() == [5.0]
    review = data.reviews.iloc[0]
    assert (review["title"], review["text"]) == ("Great soap", "Smells nice. Would buy again & again")

    p1 = item(data, "P1")
    assert p1["title"] == "Lavender Soap & Bar"
    assert p1["description"] == "A gentle soap. Made in France."
    assert p1["categories"] == ["Beauty", "Bath", "Soap"] and p1["category"] == "Bath"
    assert p1["brand"] == "SoapCo" and p1["price"] == 12.5
    assert json.loads(p1["attributes"]) == {"main_category": "All Beauty", "features": "Organic; Handmade",
                                            "Size": "100 g", "Scent": "Lavender"}
    p2, p3 = item(data, "P2"), item(data, "P3")
    assert p2["price"] == 10.0 and p2["categories"] == ["All Beauty"] and p2["brand"] == ""
    assert p3["title"] == "Rose Oil" and p3["description"] == "Pure oil" and math.isnan(p3["price"])

    report = data.report
    assert report.rows_read == {"interactions": 8, "reviews": 8, "items": 4}
    assert report.dropped["exact duplicate interactions"] == 1
    assert report.dropped["interactions with a missing user or item id"] == 1
    assert report.dropped["items without interactions"] == 1
    assert [Path(f).name for f in report.files] == [f"All_Beauty.jsonl{suffix}",
                                                    f"meta_All_Beauty.jsonl{suffix}"]


def test_amazon2023_without_metadata_titles_items_by_id() -> None:
    data = load_source("amazon2023", reviews_path=A23 / "All_Beauty.jsonl")
    assert item(data, "P2")["title"] == "P2"


def test_amazon2023_keep_unused_items() -> None:
    data = load_source("amazon2023", reviews_path=A23 / "All_Beauty.jsonl",
                       meta_path=A23 / "meta_All_Beauty.jsonl", keep_unused_items=True)
    assert math.isnan(item(data, "P9")["price"])  # "N/A"
    assert data.n_items == 4


def test_amazon2023_kcore() -> None:
    # Counts: U1 2, U2 3, U3 1; P1 3, P2 2, P3 1. k=2 drops U3-P1 and U2-P3; then all have 2.
    data = load_source("amazon2023", reviews_path=A23 / "All_Beauty.jsonl",
                       meta_path=A23 / "meta_All_Beauty.jsonl", kcore=2)
    pairs = sorted(zip(data.interactions["user_id"], data.interactions["item_id"], strict=True))
    assert pairs == [("U1", "P1"), ("U1", "P2"), ("U2", "P1"), ("U2", "P2")]
    assert data.report.dropped["interactions outside the 2-core"] == 2
    assert sorted(data.items["item_id"]) == ["P1", "P2"] and len(data.reviews) == 4


def test_amazon2023_max_rows() -> None:
    data = load_source("amazon2023", reviews_path=A23 / "All_Beauty.jsonl", max_rows=3)
    assert len(data.interactions) == 3
    assert any("max_rows=3" in note for note in data.report.notes)


def test_amazon2023_kcore_too_large() -> None:
    with pytest.raises(ConfigError, match="kcore=9"):
        load_source("amazon2023", reviews_path=A23 / "All_Beauty.jsonl", kcore=9)


@pytest.mark.parametrize(("name", "line", "field", "found"), [
    ("bad_json.jsonl", 3, None, "invalid JSON"),
    ("missing_key.jsonl", 2, "rating", "missing required key"),
    ("wrong_type.jsonl", 2, "rating", "found 'five'"),
    ("latin1.jsonl", 2, None, "not valid utf-8"),
])
def test_amazon2023_malformed_lines(name: str, line: int, field: str | None, found: str) -> None:
    with pytest.raises(DataError) as caught:
        load_source("amazon2023", reviews_path=A23 / name)
    message = str(caught.value)
    assert name in message and f"line {line}" in message and found in message
    if field:
        assert f"field '{field}'" in message
    data = load_source("amazon2023", reviews_path=A23 / name, skip_bad_lines=True)
    assert data.report.skipped_bad_lines == 1
    assert any(f"(lines {line})" in note for note in data.report.notes)


def test_amazon2023_empty_missing_and_corrupt_files() -> None:
    with pytest.raises(DataError, match="empty.jsonl: the file is empty"):
        load_source("amazon2023", reviews_path=A23 / "empty.jsonl")
    with pytest.raises(DataError, match=r"nope.jsonl: file not found \(option 'reviews_path'\)"):
        load_source("amazon2023", reviews_path=A23 / "nope.jsonl")
    with pytest.raises(DataError, match=r"nope.jsonl: file not found \(option 'meta_path'\)"):
        load_source("amazon2023", reviews_path=A23 / "All_Beauty.jsonl", meta_path=A23 / "nope.jsonl")
    with pytest.raises(DataError, match="truncated.jsonl.gz: the file is corrupt or truncated"):
        load_source("amazon2023", reviews_path=A23 / "truncated.jsonl.gz")


def test_amazon2023_recognises_a_2018_file() -> None:
    with pytest.raises(DataError, match="line 1, field 'user_id'.*use the 'amazon2018' source"):
        load_source("amazon2023", reviews_path=A23 / "format_2018.jsonl")


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_amazon2018_tables(suffix: str) -> None:
    data = load_source("amazon2018", reviews_path=A18 / f"Electronics_5.json{suffix}",
                       meta_path=A18 / "meta_Electronics.json")
    assert len(data.interactions) == 4 and data.users["user_id"].tolist() == ["R1", "R2"]
    # Line 3 is a Python literal ({'overall': 3.0, ...}); line 4 only has reviewTime "01 02, 2010".
    by_pair = data.interactions.set_index(["user_id", "item_id"])
    assert by_pair.loc[("R2", "E1"), "rating"] == 3.0
    assert by_pair.loc[("R2", "E3"), "timestamp"] == 1_262_390_400
    assert by_pair.loc[("R1", "E1"), "timestamp"] == 1_252_800_000
    assert data.reviews.iloc[0][["title", "text"]].tolist() == ["Five Stars", 'Works "great"']

    e1 = item(data, "E1")
    assert e1["title"] == "USB Cable" and e1["description"] == "Fast charging cable 1 m"
    assert e1["categories"] == ["Electronics", "Computers & Accessories", "Cables"]
    assert e1["category"] == "Computers & Accessories" and e1["brand"] == "CableCo"
    assert e1["price"] == pytest.approx(12.99)
    assert json.loads(e1["attributes"]) == {"main_category": "Computers", "features": "Braided"}
    e2 = item(data, "E2")  # a Python-literal metadata line whose price is a CSS fragment
    assert e2["title"] == "Mouse" and e2["description"] == "A mouse" and math.isnan(e2["price"])
    assert item(data, "E3")["price"] == 10.0


@pytest.mark.parametrize(("name", "line", "field", "found"), [
    ("bad_json.json", 2, None, "invalid JSON"),
    ("wrong_type.json", 2, "unixReviewTime", "found 'last tuesday'"),
])
def test_amazon2018_malformed_lines(name: str, line: int, field: str | None, found: str) -> None:
    with pytest.raises(DataError) as caught:
        load_source("amazon2018", reviews_path=A18 / name)
    message = str(caught.value)
    assert name in message and f"line {line}" in message and found in message
    if field:
        assert f"field '{field}'" in message
    data = load_source("amazon2018", reviews_path=A18 / name, skip_bad_lines=True)
    assert data.report.skipped_bad_lines == 1 and len(data.interactions) == 1


def test_amazon2018_recognises_a_2023_file() -> None:
    with pytest.raises(DataError, match="field 'reviewerID'.*use the 'amazon2023' source"):
        load_source("amazon2018", reviews_path=A23 / "All_Beauty.jsonl")


def test_escaped_markup_never_reaches_titles_categories_or_brands(tmp_path: Path) -> None:
    """Issue 7: '&lt;img ... onerror=...&gt;' was stored as a live tag after cleaning."""
    reviews = tmp_path / "Shop.jsonl"
    reviews.write_text('{"rating": 5.0, "parent_asin": "P1", "user_id": "U1", "timestamp": 1600000000000}\n')
    meta = tmp_path / "meta_Shop.jsonl"
    meta.write_text(json.dumps({
        "parent_asin": "P1", "title": "Mug &lt;img src=x onerror=alert(1)&gt;",
        "categories": ["Home", "&lt;script&gt;alert(1)&lt;/script&gt;Kitchen"],
        "store": "<a href=\"javascript:alert(1)\">Acme</a>"}) + "\n")
    item = load_source("amazon2023", reviews_path=reviews, meta_path=meta).items.iloc[0]
    assert (item["title"], item["categories"], item["brand"]) == ("Mug", ["Home", "Kitchen"], "Acme")
