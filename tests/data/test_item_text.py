"""Junk titles, the per-item text fallback chain and field completeness (hand-checked values)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from llmrec.data.dataset import LoadReport
from llmrec.data.item_text import fit_item_text, junk_titles
from llmrec.data.sources import load_source
from tests.data.helpers import write


def _items(titles: list[str], descriptions: list[str] | None = None) -> pd.DataFrame:
    n = len(titles)
    return pd.DataFrame({"item_id": [f"P{i}" for i in range(n)], "title": titles,
                         "description": descriptions or [""] * n, "categories": [[] for _ in range(n)],
                         "category": "", "brand": "", "price": np.nan, "attributes": "{}"})


def test_junk_titles() -> None:
    titles = ["Good Mug", "", "B00ABCDEFG", "P3", ".a-section{margin:0}", "12345"] + ["Unknown product"] * 6
    expected = ["", "empty", "id", "id", "markup", "id"] + ["repeated"] * 6
    assert junk_titles(_items(titles)).tolist() == expected


def test_fallback_chain_and_completeness() -> None:
    items = _items(["Good Mug", "", "B00ABCDEFG", "Lamp"], ["", "", "", "Warm light"])
    items.loc[0, "brand"] = "Acme"
    reviews = pd.DataFrame({"user_id": ["u1", "u2", "u3"], "item_id": ["P1", "P1", "P9"],
                            "rating": 5.0, "title": ["Sturdy kettle", "Boils fast", "x"],
                            "text": ["Works well. Bought two.", "", "y"], "timestamp": 0})
    report = LoadReport(source="test")
    out = fit_item_text(items, reviews, report)
    assert out["text_source"].tolist() == ["metadata", "reviews", "id", "metadata"]
    assert out.loc[1, "title"] == "P1" and out.loc[1, "description"] == "Sturdy kettle Works well. Boils fast"
    assert out.loc[2, "title"] == "P2" and out.loc[2, "description"] == ""
    assert out.loc[3, "title"] == "Lamp"
    # Filled before any fallback: 3 of 4 titles (the ASIN-like one counts as filled), 1 description, 1 brand.
    assert report.completeness == {"title": 0.75, "description": 0.25, "categories": 0.0, "brand": 0.25,
                                   "price": 0.0}
    assert report.text_sources == {"metadata": 2, "reviews": 1, "id": 1}
    assert "1 item titles unusable (empty); the id stands in as title" in report.notes
    assert any(line.startswith("item text from metadata 2, reviews 1, id 1") for line in report.lines())


def test_cut_off_amazon_title_falls_back_to_reviews(tmp_path: Path) -> None:
    reviews = write(tmp_path / "Tools_5.json", "\n".join(json.dumps(r) for r in [
        {"overall": 5.0, "reviewerID": "R1", "asin": "T1", "summary": "Sharp saw", "reviewText":
         "Cuts oak easily. Blade dulls after a year.", "unixReviewTime": 1252800000},
        {"overall": 4.0, "reviewerID": "R1", "asin": "T2", "summary": "Fine", "reviewText": "ok",
         "unixReviewTime": 1252900000}]) + "\n")
    meta = write(tmp_path / "meta_Tools.json", "\n".join(json.dumps(r) for r in [
        {"asin": "T1", "title": '<span class="a-size-medium a-color-secondary"'},
        {"asin": "T2", "title": "Hammer", "brand": "Acme"}]) + "\n")
    data = load_source("amazon2018", reviews_path=reviews, meta_path=meta)
    t1 = data.items.set_index("item_id").loc["T1"]
    assert (t1["title"], t1["description"]) == ("T1", "Sharp saw Cuts oak easily.")
    assert t1["text_source"] == "reviews"
    assert data.report.text_sources == {"metadata": 1, "reviews": 1, "id": 0}
    assert data.report.completeness["title"] == 0.5 and data.report.completeness["brand"] == 0.5
