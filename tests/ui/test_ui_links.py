"""Shared links and data text reach the screen as plain text: unknown ids are ignored with a notice,
and payloads are escaped on their way into Markdown-rendering elements."""

from __future__ import annotations

from llmrec.pipeline.artifacts import Workspace
from llmrec.ui.safe import plain
from tests.ui.test_ui_pages import open_page

IMAGE = "![px](http://evil.test/p.png)"
NOTICE = "is not known here; it was ignored"


def notices(app) -> list[str]:
    return [i.value for i in app.info if NOTICE in i.value]


def test_an_unknown_item_in_the_link_is_ignored_and_the_page_works(app, ui_workspace):
    app.query_params["item"] = IMAGE
    open_page(app, "pages/3_explorer.py")
    assert [e.value for e in app.error] == []
    assert notices(app) == [f"The link's item {plain(repr(IMAGE))} {NOTICE}."]
    chosen = app.selectbox(key="explorer_item").value
    assert chosen in Workspace(ui_workspace).ids.items
    assert app.query_params["item"] == chosen  # the bad id is gone from the link
    assert any("Nearest" in m.value for m in app.markdown)


def test_an_unknown_user_in_the_link_is_ignored(app, ui_workspace):
    app.query_params["user"] = "[x](http://evil.test)"
    open_page(app, "pages/2_portraits.py")
    assert len(notices(app)) == 1 and "\\[x\\]\\(http\\:\\/\\/" in notices(app)[0]
    assert app.selectbox(key="portraits_user").value in Workspace(ui_workspace).ids.users


def test_in_privacy_mode_the_notice_for_a_link_user_does_not_repeat_the_id(app, ui_workspace):
    """A link may carry a real id (shared before privacy mode was on): the notice names no id."""
    real = Workspace(ui_workspace).ids.users[0]
    app.query_params["user"] = real
    app.query_params["private"] = "1"
    open_page(app, "pages/2_portraits.py")
    assert not app.exception
    assert notices(app) == [f"The link's user {NOTICE}."]
    assert real not in " ".join(e.value for e in (*app.info, *app.markdown))


def test_an_unknown_model_in_the_link_falls_back_with_a_notice(app):
    app.query_params["model"] = "nope"
    app.run()  # the sidebar reads the link on the first run, whatever the page
    assert not app.exception
    assert [n for n in notices(app) if "model" in n] == [f"The link's model {plain(repr('nope'))} {NOTICE}."]
    assert app.sidebar.selectbox(key="sidebar_model").value in ("text_mf", *app.sidebar.selectbox(
        key="sidebar_model").options)


def test_a_known_item_in_the_link_is_selected_without_a_notice(app, ui_workspace):
    item = Workspace(ui_workspace).ids.items[3]
    app.query_params["item"] = item
    open_page(app, "pages/3_explorer.py")
    assert app.selectbox(key="explorer_item").value == item
    assert notices(app) == []


def test_metric_tiles_show_data_as_plain_text():
    """st.metric renders Markdown in its label and value: facts() escapes both."""
    from streamlit.testing.v1 import AppTest

    def script():
        from llmrec.ui.components import facts

        facts({"Top category": "![px](http://evil.test/p.png)", "[x](http://e.test)": "*5*"})

    app = AppTest.from_function(script).run()
    assert not app.exception
    tiles = {m.label: m.value for m in app.metric}
    assert tiles == {"Top category": plain(IMAGE), plain("[x](http://e.test)"): plain("*5*")}
