"""The data-quality card on dirty Amazon 2018 metadata: field counts, junk titles and markup removed."""

from __future__ import annotations

import json

from llmrec.data.quality import DataQuality, data_quality
from llmrec.data.sources import load_source

META = [
    {"asin": "E1", "title": '<span class="a-size-medium a-color-secondary"',
     "category": ["Electronics", "Cables"], "brand": "CableCo", "price": "$12.99"},
    {"asin": "E2", "title": "Mouse &amp; Pad", "description": ["A <b>mouse</b>"], "category": []},
    {"asin": "E3", "title": "Hub", "brand": "HubInc"},
]
REVIEWS = [  # R1 and R2 write about E1; the reviews of E2 and E3 are stars only
    {"overall": 5.0, "reviewerID": "R1", "asin": "E1", "reviewText": "Great cable", "summary": "Five",
     "unixReviewTime": 1252800000},
    {"overall": 4.0, "reviewerID": "R1", "asin": "E2", "unixReviewTime": 1252900000},
    {"overall": 3.0, "reviewerID": "R2", "asin": "E1", "reviewText": "Meh", "unixReviewTime": 1253000000},
    {"overall": 2.0, "reviewerID": "R2", "asin": "E3", "unixReviewTime": 1253100000},
]


def _dataset(tmp_path):
    for name, rows in (("meta.json", META), ("reviews.json", REVIEWS)):
        (tmp_path / name).write_text("".join(json.dumps(r) + "\n" for r in rows))
    return load_source("amazon2018", reviews_path=tmp_path / "reviews.json", meta_path=tmp_path / "meta.json")


def test_dirty_metadata_card_counts_each_field_and_what_cleaning_did(tmp_path):
    data = _dataset(tmp_path)
    quality = data_quality(data)
    assert (quality.n_items, quality.n_events) == (3, 4)
    # E1's title was an unclosed tag: cleaned to nothing, so the id stands in (not a title).
    assert data.items.set_index("item_id").loc["E1", "title"] == "E1"
    assert quality.items_with == {"title": 2, "text": 1, "categories": 1, "brand": 2, "price": 1,
                                  "reviews": 1}
    assert quality.events_with == {"rating": 4, "timestamp": 4, "review": 2}
    assert quality.junk_titles == {"empty": 1}
    assert quality.markup_removed == {"title": 2, "description": 1}  # the tag, "&amp;"; "<b>"
    assert quality.text_sources == {"metadata": 2, "reviews": 1, "id": 0}  # E1's text from its reviews
    assert quality.has_categories and quality.has_ratings and quality.dated
    assert "junk titles replaced by the item id: 1 (empty 1)" in quality.lines()
    assert "markup removed from: title 2, description 1" in quality.lines()


def test_the_card_survives_a_save_and_load(tmp_path):
    quality = data_quality(_dataset(tmp_path))
    quality.save(tmp_path)
    assert DataQuality.load(tmp_path) == quality
