"""A damaged workspace on a page: one plain line naming the file and the fix, never a traceback."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.ui.test_ui_pages import errors


@pytest.fixture
def damaged(ui_workspace, tmp_path, app, monkeypatch) -> Path:
    """A copy of the shared workspace that the app is pointed at; the test damages it."""
    root = tmp_path / "workspace"
    shutil.copytree(ui_workspace, root)
    monkeypatch.setenv("LLMREC_WORKSPACE", str(root))
    return root


def plain(text: str) -> str:
    """The text a reader sees once Markdown escapes are rendered."""
    return re.sub(r"\\(.)", r"\1", text)


def assert_no_traceback(app) -> None:
    assert not app.exception, [e.value for e in app.exception]
    shown = " ".join(str(e.value) for e in [*app.error, *app.markdown, *app.text])
    assert "Traceback" not in shown and "site-packages" not in shown


@pytest.mark.parametrize("page", ["pages/1_overview.py", "pages/6_evaluation.py"])
def test_unreadable_manifest_is_one_plain_line_on_every_page(app, damaged, page):
    (damaged / "manifest.json").write_text("[1, 2]")
    app.run()
    app.switch_page(page).run()
    assert_no_traceback(app)
    shown = [plain(e) for e in errors(app)]
    assert len(shown) == 1
    assert "manifest.json is damaged (a JSON list, expected an object)" in shown[0]
    assert f"rebuild with `python -m llmrec build --workspace {damaged}`" in shown[0]


def test_damaged_table_of_the_same_size_is_named_on_the_page(app, damaged):
    table = damaged / "portraits" / "users.parquet"
    data = bytearray(table.read_bytes())
    data[-1] ^= 0xFF  # the Parquet magic bytes: same size, so only a read finds it
    table.write_bytes(bytes(data))
    app.run()
    app.switch_page("pages/2_portraits.py").run()
    assert_no_traceback(app)
    shown = [plain(e) for e in errors(app)]
    assert len(shown) == 1 and "portraits/users.parquet is damaged" in shown[0]
    assert "python -m llmrec build" in shown[0]


def test_unexpected_error_shows_only_its_type(app, monkeypatch):
    from llmrec.ui.views import overview

    def broken(ctx):
        raise RuntimeError("boom in /usr/lib/python3/site-packages/secret.py")

    monkeypatch.setattr(overview, "dataset_card", broken)
    app.run()
    assert_no_traceback(app)
    shown = [plain(e) for e in errors(app)]
    assert len(shown) == 1 and "RuntimeError" in shown[0] and "secret" not in shown[0]


def test_error_text_is_not_markdown(app, damaged):
    """A file name with Markdown in it is shown as written, not as a link or emphasis."""
    from llmrec.ui.safe import plain as escape

    (damaged / "manifest.json").write_text("[")
    app.run()
    shown = errors(app)
    assert len(shown) == 1 and escape(str(damaged)) in shown[0]
    assert "manifest.json is damaged" in plain(shown[0])
