"""The generic CSV/Parquet loader on hand-written fixtures (known answers)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from llmrec.data.sources import load_source
from llmrec.errors import ConfigError, DataError

CSV = Path(__file__).parents[1] / "fixtures" / "sources" / "csv"
COLUMNS = {"user_id": "customer", "item_id": "sku", "rating": "stars", "timestamp": "ts",
           "title": "name", "description": "desc", "categories": "cats"}


def load_shop(**options):
    return load_source("csv", interactions_path=CSV / options.pop("interactions", "interactions.csv"),
                       items_path=CSV / "items.csv", reviews_path=CSV / "reviews.csv", columns=COLUMNS,
                       **options)


@pytest.mark.parametrize("name", ["interactions.csv", "interactions.csv.gz"])
def test_csv_tables(name: str) -> None:
    data = load_shop(interactions=name)
    # 9 rows: an exact duplicate and a row without a customer are dropped.
    assert len(data.interactions) == 7
    assert data.users["user_id"].tolist() == ["c1", "c2", "c3", "c4"]
    stamps = data.interactions.set_index(["user_id", "item_id"])["timestamp"]
    assert stamps[("c1", "s1")] == 1_600_000_000
    assert stamps[("c1", "s2")] == 1_600_000_100  # given in milliseconds
    assert stamps[("c2", "s1")] == 1_600_000_200  # given as 2020-09-13T12:30:00Z
    items = data.items.set_index("item_id")
    assert items.loc["s1", "title"] == "Chef's Knife"
    assert items.loc["s1", "description"] == "Sharp & balanced"
    assert items.loc["s1", "categories"] == ["Home", "Kitchen", "Knives"]
    assert items.loc["s1", "price"] == pytest.approx(1299.99)
    assert json.loads(items.loc["s1", "attributes"]) == {"color": "steel"}
    assert items.loc["s2", "categories"] == ["Home", "Kitchen"] and math.isnan(items.loc["s2", "price"])
    assert items.loc["s3", "price"] == 15.0 and items.loc["s3", "attributes"] == "{}"
    assert "s4" not in items.index
    # The second review is by c9, who has no interactions.
    assert data.reviews[["user_id", "title", "text", "timestamp"]].values.tolist() == \
        [["c1", "Love it", "Cuts everything", 1_600_000_000]]
    report = data.report
    assert report.rows_read == {"interactions": 9, "items": 4, "reviews": 2}
    assert report.dropped == {"interactions with a missing user or item id": 1,
                              "exact duplicate interactions": 1,
                              "reviews of users or items not in the interactions": 1,
                              "items without interactions": 1}
    assert any("milliseconds" in note for note in report.notes)


def test_csv_kcore_cascade() -> None:
    # k=2, see test_cleaning.test_kcore_cascades_until_stable for the rounds.
    data = load_shop(kcore=2)
    pairs = sorted(zip(data.interactions["user_id"], data.interactions["item_id"], strict=True))
    assert pairs == [("c1", "s1"), ("c1", "s2"), ("c2", "s1"), ("c2", "s2")]
    assert data.report.dropped["interactions outside the 2-core"] == 3
    assert sorted(data.items["item_id"]) == ["s1", "s2"]


def test_parquet_with_per_table_mapping() -> None:
    columns = {"interactions": {"user_id": "user", "item_id": "item", "rating": "score", "timestamp": "when"},
               "items": {"item_id": "item"}}
    # Row 2 has no score while the others do: a rating missing among given ones is a bad row.
    with pytest.raises(DataError, match=r"interactions.parquet, field 'rating': row 2: expected a rating "
                                        r"from 0 to 1e\+09, found nothing"):
        load_source("csv", interactions_path=CSV / "interactions.parquet", columns=columns)
    data = load_source("csv", interactions_path=CSV / "interactions.parquet",
                       items_path=CSV / "items.parquet", columns=columns, skip_bad_lines=True)
    assert data.interactions["item_id"].tolist() == ["1", "1"]
    assert data.interactions["timestamp"].tolist() == [1_600_000_000, 1_609_459_200]
    assert data.report.skipped_bad_lines == 1
    items = data.items.set_index("item_id")
    assert items.loc["1", "categories"] == ["Home", "Garden"]
    assert json.loads(items.loc["1", "attributes"]) == {"tags": "x; y"}


def test_without_timestamps_file_order_is_used() -> None:
    data = load_source("csv", interactions_path=CSV / "interactions.csv",
                       columns={"user_id": "customer", "item_id": "sku"})
    assert data.interactions.query("user_id == 'c2'")["timestamp"].tolist() == [0, 1, 2]
    assert data.interactions["rating"].isna().all()


@pytest.mark.parametrize(("name", "line", "field", "found"), [
    ("wrong_type.csv", 4, "rating", "found 'five'"),
    ("bad_fields.csv", 3, None, "expected 4 fields"),
    ("latin1.csv", 3, None, "'encoding' option"),
    ("bad_timestamp.csv", 2, "timestamp", "found 'yesterday'"),
])
def test_malformed_lines(name: str, line: int, field: str | None, found: str) -> None:
    with pytest.raises(DataError) as caught:
        load_source("csv", interactions_path=CSV / name)
    message = str(caught.value)
    assert name in message and f"line {line}" in message and found in message
    if field:
        assert f"field '{field}'" in message


@pytest.mark.parametrize(("name", "kept"), [("wrong_type.csv", 3), ("bad_fields.csv", 2), ("latin1.csv", 1)])
def test_skip_bad_lines_counts(name: str, kept: int) -> None:
    data = load_source("csv", interactions_path=CSV / name, skip_bad_lines=True)
    assert data.report.skipped_bad_lines == 1 and len(data.interactions) == kept


def test_latin1_with_encoding_option() -> None:
    data = load_source("csv", interactions_path=CSV / "latin1.csv", encoding="latin-1")
    assert data.interactions["item_id"].tolist() == ["i1", "café"]


def test_all_rows_bad_is_a_data_error() -> None:
    with pytest.raises(DataError, match="no valid interactions"):
        load_source("csv", interactions_path=CSV / "bad_timestamp.csv", skip_bad_lines=True)


def test_missing_and_empty_files() -> None:
    with pytest.raises(DataError, match=r"missing_column.csv, line 1, field 'item_id': missing required"):
        load_source("csv", interactions_path=CSV / "missing_column.csv")
    with pytest.raises(DataError, match="empty.csv: the file is empty"):
        load_source("csv", interactions_path=CSV / "empty.csv")
    with pytest.raises(DataError, match=r"file not found \(option 'items_path'\)"):
        load_source("csv", interactions_path=CSV / "wrong_type.csv", items_path=CSV / "nope.csv")


def test_mapping_errors() -> None:
    with pytest.raises(ConfigError, match="unknown canonical column 'usr'"):
        load_source("csv", interactions_path=CSV / "interactions.csv", columns={"usr": "customer"})
    with pytest.raises(ConfigError, match="unknown table 'orders'"):
        load_source("csv", interactions_path=CSV / "interactions.csv", columns={"orders": {"user_id": "x"}})
    with pytest.raises(DataError, match="maps 'rating' to 'starz'.*none of the files"):
        load_source("csv", interactions_path=CSV / "interactions.csv",
                    columns={"user_id": "customer", "item_id": "sku", "rating": "starz"})
    with pytest.raises(DataError, match="missing column 'buyer' named in the 'columns' option"):
        load_source("csv", interactions_path=CSV / "interactions.csv",
                    columns={"interactions": {"user_id": "buyer", "item_id": "sku"}})


def test_unknown_encoding_and_bad_columns_type_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="unknown text encoding 'klingon'"):
        load_source("csv", interactions_path=CSV / "wrong_type.csv", encoding="klingon")
    with pytest.raises(ConfigError, match="columns must be a mapping"):
        load_source("csv", interactions_path=CSV / "wrong_type.csv", columns=["user_id"])
