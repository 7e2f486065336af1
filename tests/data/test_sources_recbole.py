"""The RecBole atomic-file loader on hand-written fixtures (known answers)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from llmrec.data.sources import load_source
from llmrec.data.sources.recbole import parse_header
from llmrec.errors import ConfigError, DataError

RB = Path(__file__).parents[1] / "fixtures" / "sources" / "recbole"


def test_shop_tables() -> None:
    data = load_source("recbole", path=RB / "shop")
    assert data.name == "recbole:shop"
    assert len(data.interactions) == 5
    assert data.interactions.iloc[3].tolist() == ["u2", "i3", 2.0, 1_600_000_300]
    items = data.items.set_index("item_id")
    assert items.loc["i1", "title"] == "Red Mug"
    assert items.loc["i1", "categories"] == ["Kitchen", "Mugs"] and items.loc["i1", "category"] == "Kitchen"
    assert items.loc["i2", "brand"] == "PotCo" and items.loc["i2", "price"] == 25.0
    assert math.isnan(items.loc["i3", "price"])
    assert json.loads(items.loc["i3", "attributes"]) == {"color": "silver"}
    # shop.user lists u4, who has no interactions.
    assert data.users["user_id"].tolist() == ["u1", "u2", "u3"]
    assert data.report.dropped == {"users without interactions": 1}
    assert data.report.rows_read == {"interactions": 5, "items": 3, "users": 4}


def test_dataset_option_and_detection() -> None:
    with pytest.raises(ConfigError, match="several RecBole datasets; set 'dataset' to one of: a, b"):
        load_source("recbole", path=RB / "two")
    data = load_source("recbole", path=RB / "two", dataset="b")
    assert data.name == "recbole:b" and len(data.interactions) == 2
    with pytest.raises(DataError, match="no 'nope.inter' in the folder.*found: a, b"):
        load_source("recbole", path=RB / "two", dataset="nope")
    with pytest.raises(DataError, match="no RecBole '<name>.inter' file"):
        load_source("recbole", path=RB)


def test_bad_header_names_file_line_and_cell() -> None:
    with pytest.raises(DataError) as caught:
        load_source("recbole", path=RB / "bad_header")
    message = str(caught.value)
    assert "bh.inter" in message and "line 1" in message and "field 'user_id'" in message
    assert "name:type" in message


def test_unknown_type_lists_valid_types() -> None:
    with pytest.raises(DataError, match="field 'x'.*one of token, token_seq, float, float_seq, found 'int'"):
        parse_header(["x:int"], Path("f.inter"))


def test_wrong_type_and_skip() -> None:
    with pytest.raises(DataError) as caught:
        load_source("recbole", path=RB / "bad_float")
    assert "bf.inter" in str(caught.value) and "line 3" in str(caught.value)
    assert caught.value.field == "rating"
    data = load_source("recbole", path=RB / "bad_float", skip_bad_lines=True)
    assert data.report.skipped_bad_lines == 1
    # No timestamp field: each user's rows are numbered in file order.
    assert data.interactions["timestamp"].tolist() == [0, 0]


def test_field_options_name_the_missing_field() -> None:
    with pytest.raises(DataError, match="expected 'customer'.*'user_field' option"):
        load_source("recbole", path=RB / "shop", user_field="customer")
