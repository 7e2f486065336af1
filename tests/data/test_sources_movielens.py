"""The MovieLens loader on hand-written 100K, 1M and latest-small fixtures (known answers)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from llmrec.data.sources import load_source
from llmrec.data.sources.movielens import detect_variant
from llmrec.errors import DataError

ML = Path(__file__).parents[1] / "fixtures" / "sources" / "movielens"


def item(data, item_id: str) -> dict:
    return data.items.set_index("item_id").loc[item_id].to_dict()


def test_100k() -> None:
    data = load_source("movielens", path=ML / "ml-100k")
    assert (data.n_users, data.n_items, len(data.interactions)) == (3, 3, 5)
    first = data.interactions.iloc[0]
    assert first.tolist() == ["1", "10", 4.0, 881250949]
    toy = item(data, "10")
    assert toy["title"] == "Toy Story (1995)"
    assert toy["categories"] == ["Animation", "Children's", "Comedy"] and toy["category"] == "Animation"
    assert toy["brand"] == "" and math.isnan(toy["price"])
    assert json.loads(toy["attributes"]) == {"release_date": "01-Jan-1995", "imdb_url": "http://imdb/toy"}
    # u.item is Latin-1.
    assert item(data, "20")["title"] == "Misérables, Les (1995)"
    assert item(data, "20")["categories"] == ["Drama", "War"]
    # Only the "unknown" genre: no categories, grouped as Unknown.
    assert item(data, "30")["categories"] == [] and item(data, "30")["category"] == "Unknown"


def test_1m() -> None:
    data = load_source("movielens", path=ML / "ml-1m")
    assert len(data.interactions) == 3 and data.n_users == 2
    assert data.interactions.iloc[1].tolist() == ["1", "661", 3.0, 978302109]
    peach = item(data, "661")
    assert peach["title"] == "James and the Giant Peach (1996)"
    assert peach["categories"] == ["Animation", "Children's", "Musical"]
    assert sorted(data.items["item_id"]) == ["1193", "661"]  # 2000 was never rated
    assert data.report.dropped == {"items without interactions": 1}


def test_1m_keeps_unrated_latin1_movie_on_request() -> None:
    data = load_source("movielens", path=ML / "ml-1m", keep_unused_items=True)
    assert item(data, "2000")["title"] == "Café au lait (1993)"


def test_latest_small() -> None:
    data = load_source("movielens", path=ML / "ml-latest-small")
    assert data.interactions["rating"].tolist() == [4.0, 4.5, 2.5]
    assert data.interactions["timestamp"].tolist() == [964982703, 964981247, 1445714835]
    president = item(data, "3")
    assert president["title"] == "American President, The (1995)"
    assert president["categories"] == ["Comedy", "Drama", "Romance"] and president["category"] == "Comedy"


def test_no_genres_listed_is_no_category() -> None:
    data = load_source("movielens", path=ML / "ml-latest-small", keep_unused_items=True)
    assert item(data, "5")["categories"] == []


@pytest.mark.parametrize(("folder", "variant"), [("ml-100k", "100k"), ("ml-1m", "1m"),
                                                 ("ml-latest-small", "latest")])
def test_detect_variant(folder: str, variant: str) -> None:
    assert detect_variant(ML / folder, None) == (ML / folder, variant)


def test_detect_variant_looks_one_level_down() -> None:
    found, variant = detect_variant(ML, "1m")
    assert found.name in {"ml-1m", "ml-bad-1m"} and variant == "1m"


def test_folder_without_ratings_names_the_expected_files() -> None:
    with pytest.raises(DataError, match="no MovieLens ratings file found; expected one of: u.data"):
        load_source("movielens", path=ML.parent / "recbole" / "shop")


def test_missing_folder_names_the_option() -> None:
    with pytest.raises(DataError, match=r"folder not found \(option 'path'\)"):
        load_source("movielens", path=ML / "ml-nope")


def test_100k_wrong_type() -> None:
    with pytest.raises(DataError) as caught:
        load_source("movielens", path=ML / "ml-bad-100k")
    assert "u.data" in str(caught.value) and "line 3" in str(caught.value)
    assert caught.value.field == "rating" and "found 'five'" in str(caught.value)
    data = load_source("movielens", path=ML / "ml-bad-100k", skip_bad_lines=True)
    assert data.report.skipped_bad_lines == 1 and len(data.interactions) == 2


def test_1m_wrong_field_count() -> None:
    with pytest.raises(DataError, match=r"ratings.dat, line 2: expected 4 fields"):
        load_source("movielens", path=ML / "ml-bad-1m")
    data = load_source("movielens", path=ML / "ml-bad-1m", skip_bad_lines=True)
    assert data.report.skipped_bad_lines == 1 and len(data.interactions) == 2


def test_max_rows() -> None:
    data = load_source("movielens", path=ML / "ml-100k", max_rows=2)
    assert data.interactions["item_id"].tolist() == ["10", "20"]
