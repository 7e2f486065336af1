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
