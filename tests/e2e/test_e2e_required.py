"""LLMREC_REQUIRE_BROWSER=1 (set by CI) turns a missing browser from a skip into a failure."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e import conftest


@pytest.fixture
def no_chromium(monkeypatch):
    monkeypatch.setattr(conftest, "CHROMIUM", Path("/nonexistent/chromium"))


def test_without_the_requirement_a_missing_browser_skips(no_chromium, monkeypatch):
    monkeypatch.delenv(conftest.REQUIRE_ENV, raising=False)
    assert conftest.needs_chromium().args[0] is True  # skipif(True)


def test_with_the_requirement_a_missing_browser_fails(no_chromium, monkeypatch):
    monkeypatch.setenv(conftest.REQUIRE_ENV, "1")
    assert conftest.needs_chromium().args[0] is False  # not skipped ...
    with pytest.raises(pytest.fail.Exception, match="LLMREC_REQUIRE_BROWSER=1 but /nonexistent/chromium"):
        next(conftest.browser.__wrapped__())  # ... the browser fixture fails instead
