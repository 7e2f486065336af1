"""Every source checks ratings at import: blank, NaN, inf, 1e308 and off-scale values are named."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from llmrec.data.sources import load_source
from llmrec.data.sources.values import RatingScale, parse_rating_scale
from llmrec.errors import ConfigError, DataError
from tests.data.helpers import write

# (text written in the file, what the error says it found)
BAD_VALUES = [
    ("", "nothing"),
    ("NaN", "(nothing|'NaN')"),
    ("inf", "'?inf"),
    ("1e308", r"'?1e\+?308"),
    ("-1", "'?-1"),
]



@pytest.mark.parametrize(("value", "found"), BAD_VALUES)
def test_movielens_latest_rejects_bad_rating_with_line(tmp_path: Path, value: str, found: str) -> None:
    folder = tmp_path / "ml-latest-small"
    write(
        folder / "ratings.csv",
        f"userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,3,{value},964981247\n2,1,0.5,964981248\n",
    )
    with pytest.raises(
        DataError,
        match=rf"ratings.csv, line 3, field 'rating': expected a rating from 0.5 "
        rf"to 5, found {found}",
    ):
        load_source("movielens", path=folder)
    data = load_source("movielens", path=folder, skip_bad_lines=True)
    assert data.interactions["rating"].tolist() == [4.0, 0.5]
    assert data.report.skipped_bad_lines == 1 and "(lines 3)" in " ".join(data.report.notes)


@pytest.mark.parametrize(("value", "found"), BAD_VALUES[1:])
def test_movielens_1m_rejects_bad_rating_with_line(tmp_path: Path, value: str, found: str) -> None:
    folder = tmp_path / "ml-1m"
    write(folder / "ratings.dat", f"1::1193::5::978300760\n1::661::{value}::978302109\n")
    with pytest.raises(
        DataError,
        match=rf"ratings.dat, line 2, field 'rating': expected a rating from 0.5 to 5, "
        rf"found {found}",
    ):
        load_source("movielens", path=folder)


def test_movielens_100k_blank_rating(tmp_path: Path) -> None:
    folder = tmp_path / "ml-100k"
    write(folder / "u.data", "196\t242\t3\t881250949\n186\t302\t\t891717742\n")
    with pytest.raises(
        DataError,
        match=r"u.data, line 2, field 'rating': expected a rating from 0.5 to 5, "
        r"found nothing",
    ):
        load_source("movielens", path=folder)


@pytest.mark.parametrize(
    ("value", "found"),
    [
        ("null", "nothing"),
        ("NaN", "nothing"),
        ("Infinity", "inf"),
        ("1e308", r"1e\+308"),
        ("-1.0", "-1.0"),
        ('""', "nothing"),
        ("0.0", "0.0"),
    ],
)
def test_amazon2023_rejects_bad_rating(tmp_path: Path, value: str, found: str) -> None:
    good = '{"rating": 5.0, "parent_asin": "P1", "user_id": "U1", "timestamp": 1600000000000}\n'
    bad = f'{{"rating": {value}, "parent_asin": "P2", "user_id": "U1", "timestamp": 1600000100000}}\n'
    reviews = write(tmp_path / "All_Beauty.jsonl", good + bad)
    with pytest.raises(
        DataError,
        match=rf"All_Beauty.jsonl, line 2, field 'rating': expected a rating from 1 "
        rf"to 5, found {found}",
    ):
        load_source("amazon2023", reviews_path=reviews)
    data = load_source("amazon2023", reviews_path=reviews, skip_bad_lines=True)
    assert len(data.interactions) == 1 and data.report.skipped_bad_lines == 1


def test_amazon2018_rejects_infinite_overall(tmp_path: Path) -> None:
    reviews = write(
        tmp_path / "Electronics_5.json",
        '{"overall": 5.0, "reviewerID": "R1", "asin": "E1", "unixReviewTime": 1252800000}\n'
        "{'overall': float('inf'), 'reviewerID': 'R1', 'asin': 'E2', 'unixReviewTime': 1}\n"
        '{"overall": Infinity, "reviewerID": "R2", "asin": "E1", "unixReviewTime": 1252900000}\n',
    )
    with pytest.raises(DataError, match=r"Electronics_5.json, line 2"):
        load_source("amazon2018", reviews_path=reviews)
    data = load_source("amazon2018", reviews_path=reviews, skip_bad_lines=True)
    assert data.report.skipped_bad_lines == 2
    note = " ".join(data.report.notes)
    assert "(lines 2, 3)" in note


@pytest.mark.parametrize(("value", "found"), BAD_VALUES[1:])
def test_csv_rejects_non_finite_or_negative_rating(tmp_path: Path, value: str, found: str) -> None:
    path = write(tmp_path / "events.csv", f"user_id,item_id,rating\nu1,i1,4\nu1,i2,{value}\nu2,i1,3\n")
    with pytest.raises(
        DataError,
        match=rf"events.csv, line 3, field 'rating': expected a rating from 0 to "
        rf"1e\+09, found '{re.escape(value)}'",
    ):
        load_source("csv", interactions_path=path)
    data = load_source("csv", interactions_path=path, skip_bad_lines=True)
    assert data.interactions["rating"].tolist() == [4.0, 3.0]


def test_csv_blank_rating_among_given_ones_is_a_bad_line(tmp_path: Path) -> None:
    path = write(tmp_path / "events.csv", "user_id,item_id,rating\nu1,i1,4\nu1,i2,\n")
    with pytest.raises(DataError, match=r"events.csv, line 3, field 'rating': expected .*found nothing"):
        load_source("csv", interactions_path=path)


def test_csv_all_blank_ratings_are_implicit_feedback(tmp_path: Path) -> None:
    path = write(tmp_path / "events.csv", "user_id,item_id,rating\nu1,i1,\nu1,i2,\n")
    data = load_source("csv", interactions_path=path)
    assert data.interactions["rating"].isna().all()
    assert any("implicit feedback" in note for note in data.report.notes)


def test_csv_declared_scale(tmp_path: Path) -> None:
    path = write(tmp_path / "events.csv", "user_id,item_id,rating\nu1,i1,4\nu1,i2,6\n")
    with pytest.raises(DataError, match=r"line 3, field 'rating': expected a rating from 1 to 5, found '6'"):
        load_source("csv", interactions_path=path, rating_scale="1-5")
    signed = write(tmp_path / "signed.csv", "user_id,item_id,rating\nu1,i1,-7.5\nu1,i2,10\n")
    data = load_source("csv", interactions_path=signed, rating_scale="-10-10")
    assert data.interactions["rating"].tolist() == [-7.5, 10.0]


def test_recbole_rejects_infinite_rating(tmp_path: Path) -> None:
    folder = tmp_path / "shop"
    write(
        folder / "shop.inter",
        "user_id:token\titem_id:token\trating:float\ttimestamp:float\n"
        "u1\ti1\t5\t1600000000\nu1\ti2\tinf\t1600000100\n",
    )
    with pytest.raises(
        DataError,
        match=r"shop.inter, line 3, field 'rating': expected a rating from 0 to "
        r"1e\+09, found inf",
    ):
        load_source("recbole", path=folder)
    data = load_source("recbole", path=folder, rating_scale="1-5", skip_bad_lines=True)
    assert data.interactions["rating"].tolist() == [5.0]


def test_rating_option_only_where_a_source_uses_it() -> None:
    with pytest.raises(ConfigError, match="source 'amazon2023' has no option 'rating_scale'"):
        load_source("amazon2023", reviews_path="x.jsonl", rating_scale="1-5")


@pytest.mark.parametrize(
    ("text", "scale"),
    [("1-5", (1.0, 5.0)), ("0.5..5", (0.5, 5.0)), ("-10,10", (-10.0, 10.0)), ((1, 10), (1.0, 10.0))],
)
def test_parse_rating_scale(text: object, scale: tuple[float, float]) -> None:
    assert parse_rating_scale(text) == RatingScale(*scale)


@pytest.mark.parametrize("text", ["5-1", "five", "1-inf", (1,), (math.nan, 2)])
def test_parse_rating_scale_rejects(text: object) -> None:
    with pytest.raises(ConfigError, match="rating_scale must be 'LOW-HIGH'"):
        parse_rating_scale(text)
