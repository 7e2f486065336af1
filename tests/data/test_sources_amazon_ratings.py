"""Amazon ratings-only CSVs (2018 without header, 2023 with one), alone or with reviews and metadata."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmrec.data.sources import load_source
from llmrec.errors import ConfigError, DataError
from tests.data.helpers import write

A23 = Path(__file__).parents[1] / "fixtures" / "sources" / "amazon2023"
A18 = Path(__file__).parents[1] / "fixtures" / "sources" / "amazon2018"


def test_2018_ratings_only() -> None:
    data = load_source("amazon2018", ratings_path=A18 / "ratings_Electronics.csv")
    assert data.name == "amazon2018:ratings_Electronics"
    assert data.interactions.values.tolist() == [["R1", "E1", 5.0, 1252800000], ["R1", "E2", 4.0, 1252900000],
                                                 ["R2", "E1", 3.0, 1253000000]]
    assert data.reviews.empty
    assert data.items.set_index("item_id").loc["E1", "title"] == "E1"  # no metadata: titled by id


def test_2018_ratings_with_meta_and_reviews() -> None:
    data = load_source("amazon2018", ratings_path=A18 / "ratings_Electronics.csv",
                       meta_path=A18 / "meta_Electronics.json")
    assert data.items.set_index("item_id").loc["E1", "title"] == "USB Cable"
    both = load_source("amazon2018", ratings_path=A18 / "ratings_Electronics.csv",
                       reviews_path=A18 / "Electronics_5.json")
    assert len(both.interactions) == 3  # from the ratings file
    assert "Works \"great\"" in both.reviews["text"].tolist()


def test_2023_ratings_csv_with_header() -> None:
    data = load_source("amazon2023", ratings_path=A23 / "All_Beauty.csv",
                       meta_path=A23 / "meta_All_Beauty.jsonl")
    assert data.interactions["item_id"].tolist() == ["P1", "P2", "P1"]
    assert data.interactions["timestamp"].tolist() == [1_600_000_000, 1_600_000_100, 1_600_000_200]
    assert data.items.set_index("item_id").loc["P1", "title"] == "Lavender Soap & Bar"


def test_bad_rating_in_ratings_csv_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path / "ratings.csv", "E1,R1,5.0,1252800000\nE2,R1,inf,1252900000\n")
    with pytest.raises(DataError, match=r"ratings.csv, line 2, field 'rating': expected a rating from 1"):
        load_source("amazon2018", ratings_path=path)


def test_files_in_the_wrong_option_say_what_they_look_like() -> None:
    with pytest.raises(DataError, match=r"this looks like JSON Lines; pass it with --reviews"):
        load_source("amazon2018", ratings_path=A18 / "Electronics_5.json")
    with pytest.raises(DataError, match=r"expected JSON Lines for option 'reviews_path'; this looks like "
                                        r"delimited text; pass a ratings-only CSV with --ratings"):
        load_source("amazon2023", reviews_path=A23 / "All_Beauty.csv")
    with pytest.raises(ConfigError, match=r"needs 'reviews_path' .* or 'ratings_path'"):
        load_source("amazon2023", meta_path=A23 / "meta_All_Beauty.jsonl")
