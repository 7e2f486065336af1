"""The source registry and the reading machinery every loader shares."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from llmrec.data.dataset import Dataset, LoadReport
from llmrec.data.sources import SOURCES, load_source, register_source, source_options
from llmrec.data.sources.delimited import _scan, read_delimited
from llmrec.data.sources.files import BadLines
from llmrec.errors import ConfigError, DataError

FIXTURES = Path(__file__).parents[1] / "fixtures" / "sources"


def test_registry_lists_the_five_sources() -> None:
    assert {"amazon2023", "amazon2018", "movielens", "recbole", "csv"} <= set(SOURCES)


def test_unknown_source_lists_the_valid_choices() -> None:
    with pytest.raises(ConfigError, match="unknown data source 'nope'.*amazon2023.*csv"):
        load_source("nope")


def test_unknown_option_lists_the_valid_options() -> None:
    with pytest.raises(ConfigError, match="no option 'folder'.*path"):
        load_source("movielens", folder="x")


def test_missing_required_option_is_named() -> None:
    with pytest.raises(ConfigError, match="needs the option 'interactions_path'"):
        load_source("csv")


def test_every_loader_takes_the_common_options() -> None:
    for kind in SOURCES:
        options = source_options(kind)
        assert {"skip_bad_lines", "kcore", "max_rows"} <= set(options), kind
        assert options["kcore"] == 0 and options["max_rows"] is None and options["skip_bad_lines"] is False


def test_register_source_adds_a_loader_and_refuses_silent_replacement() -> None:
    def load_tiny(*, n: int = 1) -> Dataset:
        frame = pd.DataFrame({"user_id": ["u"] * n, "item_id": [f"i{k}" for k in range(n)]})
        return Dataset.from_frames("tiny", interactions=frame)

    register_source("tiny-test", load_tiny)
    try:
        assert load_source("tiny-test", n=3).n_items == 3
        with pytest.raises(ConfigError, match="already registered"):
            register_source("tiny-test", lambda: None)  # type: ignore[arg-type, return-value]
    finally:
        SOURCES.pop("tiny-test")


@pytest.mark.parametrize("kcore", [-1, 1.5, True])
def test_invalid_kcore_is_a_config_error(kcore: object) -> None:
    with pytest.raises(ConfigError, match="kcore"):
        load_source("movielens", path=FIXTURES / "movielens" / "ml-100k", kcore=kcore)


def test_invalid_max_rows_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="max_rows"):
        load_source("movielens", path=FIXTURES / "movielens" / "ml-100k", max_rows=0)


def test_fast_and_line_by_line_readers_agree() -> None:
    # The C reader is used when it succeeds; the csv-module pass must read the same table.
    path = FIXTURES / "movielens" / "ml-latest-small" / "movies.csv"
    report = LoadReport(source="t")
    fast = read_delimited(path, BadLines(path, report, False), sep=",").frame
    slow, lines = _scan(path, BadLines(path, report, False), sep=",", names=None, encoding="utf-8",
                        quoting=0, max_rows=None, header_parser=None, has_encoding_option=False)
    pd.testing.assert_frame_equal(fast.astype(object), slow.astype(object))
    assert lines.tolist() == [2, 3, 4]
    assert fast["title"].tolist()[1] == "American President, The (1995)"


def test_conversion_error_is_reported_at_its_line_after_a_blank_line() -> None:
    # pandas skips blank lines, so row numbers and line numbers differ; the error must use lines.
    path = FIXTURES / "recbole" / "bad_float" / "bf.inter"
    with pytest.raises(DataError) as caught:
        load_source("recbole", path=path.parent)
    assert caught.value.line == 3 and caught.value.field == "rating"


def test_skipped_lines_note_lists_first_line_numbers() -> None:
    data = load_source("csv", interactions_path=FIXTURES / "csv" / "wrong_type.csv", skip_bad_lines=True)
    assert data.report.skipped_bad_lines == 1
    assert any("wrong_type.csv: skipped 1 malformed lines (lines 4)" in n for n in data.report.notes)
    assert len(data.interactions) == 3
    assert not math.isnan(data.interactions["rating"].iloc[0])
