"""The build command's data flags reach the loaders as their options (sequences, --rating-scale)."""

from __future__ import annotations

import pytest

from llmrec.cli import _source_options, parser
from llmrec.data.sources import load_source
from llmrec.errors import ConfigError


def _options(*flags: str) -> dict:
    return _source_options(parser().parse_args(["build", *flags]))


def test_sequences_and_rating_scale_flags() -> None:
    assert _options("--source", "sequences", "--path", "Beauty.txt") == {"path": "Beauty.txt"}
    assert _options("--source", "csv", "--interactions", "e.csv", "--rating-scale", "1-5") == {
        "interactions_path": "e.csv", "rating_scale": "1-5"}


def test_rating_scale_on_a_source_without_it_is_an_error() -> None:
    options = _options("--source", "movielens", "--path", "ml", "--rating-scale", "1-5")
    with pytest.raises(ConfigError, match="source 'movielens' has no option 'rating_scale'"):
        load_source("movielens", **options)


def test_a_flag_the_source_does_not_use_is_an_error() -> None:
    with pytest.raises(ConfigError, match=r"--meta is not used by --source movielens; it takes --path"):
        _options("--source", "movielens", "--path", "ml", "--meta", "meta.json")
    with pytest.raises(ConfigError, match=r"--items is not used by --source amazon2023"):
        _options("--source", "amazon2023", "--reviews", "r.jsonl", "--items", "i.csv")


def test_amazon_ratings_and_per_file_columns() -> None:
    assert _options("--source", "amazon2018", "--ratings", "r.csv", "--meta", "m.json") == {
        "ratings_path": "r.csv", "meta_path": "m.json"}
    options = _options("--source", "csv", "--interactions", "e.csv", "--items", "meta.jsonl",
                       "--columns", "user_id=customer", "--item-columns", "title=name")
    assert options["columns"] == {"interactions": {"user_id": "customer"}, "items": {"title": "name"}}
