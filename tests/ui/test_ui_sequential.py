"""The Recommendations page with a sequential model (SASRec) chosen in the sidebar."""

from __future__ import annotations

from tests.ui.test_ui_pages import open_page, recs_ids, table


def test_recommendations_page_shows_sasrec_lists_and_explanations(app):
    open_page(app, "pages/4_recommendations.py")
    model = app.sidebar.selectbox(key="sidebar_model")
    assert {"sasrec", "text_sasrec"} <= set(model.options)
    before = table(app, "rank", "score", "why")["title"].tolist()
    model.set_value("sasrec").run()
    assert not app.exception, [e.value for e in app.exception]
    recs = table(app, "rank", "score", "why")
    assert len(recs) == 10 and recs["score"].is_monotonic_decreasing
    assert recs["title"].tolist() != before
    first = [m.value for m in app.markdown]
    app.selectbox(key="recs_explain").set_value(recs_ids(app)[2]).run()
    assert not app.exception, [e.value for e in app.exception]
    assert [m.value for m in app.markdown] != first
