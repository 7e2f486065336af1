"""The Data page says what the target folder is before anything is written, and refuses others'."""

from __future__ import annotations

from tests.pipeline.test_workdir import make_foreign, snapshot
from tests.ui.test_ui_pages import errors, open_page


def choose_target(app, folder) -> None:
    open_page(app, "pages/7_data.py")
    app.text_input(key="data_target").input(str(folder)).run()
    assert not app.exception, [e.value for e in app.exception]


def test_foreign_folder_is_refused_before_any_write(app, tmp_path):
    folder = make_foreign(tmp_path / "my *files* [x](y)")
    before = snapshot(folder)
    choose_target(app, folder)
    assert f"{folder}: a folder with other files" in [t.value for t in app.text][0]
    assert len(errors(app)) == 1 and "not an llmrec workspace" in errors(app)[0]
    assert "\\*files\\*" in errors(app)[0]  # Markdown in the path is shown, not interpreted
    assert app.button(key="data_build").disabled
    app.checkbox(key="data_force").check().run()
    assert errors(app) == [] and not app.button(key="data_build").disabled
    assert snapshot(folder) == before and sorted(p.name for p in tmp_path.iterdir()) == [folder.name]


def test_new_folder_and_existing_workspace_are_accepted(app, tmp_path, ui_workspace):
    choose_target(app, tmp_path / "fresh")
    assert [t.value for t in app.text][0] == f"{tmp_path / 'fresh'}: a new folder: it will be created"
    assert errors(app) == [] and not app.button(key="data_build").disabled
    choose_target(app, ui_workspace)
    assert "an existing workspace" in [t.value for t in app.text][0]
    assert not (tmp_path / "fresh").exists()
