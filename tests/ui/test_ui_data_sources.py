"""The Data page offers exactly the sources a build accepts: one list, the source registry's."""

from __future__ import annotations

from llmrec.cli import SOURCES as CLI_SOURCES
from llmrec.data.sources import SOURCES as REGISTRY
from llmrec.ui.views import data


def test_the_data_page_lists_every_registered_source_and_the_demo():
    assert data.SOURCES == CLI_SOURCES == ("demo", *REGISTRY)
    assert "sequences" in data.SOURCES
    assert all(name in data.SOURCE_LABELS for name in data.SOURCES)  # each with a readable label
