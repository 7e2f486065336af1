"""The csv source reads JSON Lines too, and Amazon metadata and reviews as they are distributed."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmrec.data.sources import load_source
from llmrec.errors import DataError
from tests.data.helpers import write

SOURCES = Path(__file__).parents[1] / "fixtures" / "sources"
A23 = SOURCES / "amazon2023"
A18 = SOURCES / "amazon2018"


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_amazon_2023_metadata_as_items(suffix: str) -> None:
    data = load_source("csv", interactions_path=A23 / "All_Beauty.csv",
                       items_path=A23 / f"meta_All_Beauty.jsonl{suffix}")
    p1 = data.items.set_index("item_id").loc["P1"]
    assert p1["title"] == "Lavender Soap & Bar"  # parent_asin recognised, entities decoded
    assert p1["description"] == "A gentle soap. Made in France."  # a list of paragraphs
    assert p1["categories"] == ["Beauty", "Bath", "Soap"] and p1["brand"] == "SoapCo"
    assert p1["price"] == 12.5
    assert "images" not in p1["attributes"] and "Organic; Handmade" in p1["attributes"]
    assert data.interactions["item_id"].tolist() == ["P1", "P2", "P1"]


def test_amazon_2018_metadata_and_reviews_as_they_are() -> None:
    # Line 4 has only the human-readable reviewTime: the amazon2018 source reads it, csv skips it.
    data = load_source("csv", interactions_path=A18 / "Electronics_5.json",
                       items_path=A18 / "meta_Electronics.json", skip_bad_lines=True)
    assert "(lines 4" in " ".join(data.report.notes)
    e1 = data.items.set_index("item_id").loc["E1"]
    assert e1["categories"] == ["Electronics", "Computers & Accessories", "Cables"]  # 'category' list
    assert e1["brand"] == "CableCo" and e1["price"] == 12.99
    first = data.interactions.iloc[0]
    assert (first["user_id"], first["item_id"], first["rating"], first["timestamp"]) == \
        ("R1", "E1", 5.0, 1252800000)


def test_json_lines_errors_name_the_line(tmp_path: Path) -> None:
    path = write(tmp_path / "events.jsonl", '{"user_id": "u1", "item_id": "i1", "rating": 4}\n'
                                            '{"user_id": "u1", "item_id": "i2", "rating": 9e999}\n')
    with pytest.raises(DataError, match=r"events.jsonl, line 2, field 'rating': expected a rating"):
        load_source("csv", interactions_path=path)


def test_json_array_says_what_it_looks_like(tmp_path: Path) -> None:
    path = write(tmp_path / "items.json", '[{"item_id": "i1"}]')
    with pytest.raises(DataError, match=r"this looks like a JSON array: write one object per line"):
        load_source("csv", interactions_path=path)


def test_one_text_column_gives_title_and_description(tmp_path: Path) -> None:
    events = write(tmp_path / "interactions.csv", "user_id,item_id,timestamp\nU1,B01,0\nU1,B02,1\n")
    items = write(tmp_path / "items.csv", "item_id,text\n"
                  'B01,"Steel Kettle 1.7 l. Home & Kitchen Kettles. Acme. "\nB02,Oak Desk\n')
    data = load_source("csv", interactions_path=events, items_path=items).items.set_index("item_id")
    assert data.loc["B01", "title"] == "Steel Kettle 1.7 l"
    assert data.loc["B01", "description"] == "Home & Kitchen Kettles. Acme."
    assert data.loc["B02", "title"] == "Oak Desk" and data.loc["B01", "attributes"] == "{}"
