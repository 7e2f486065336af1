"""Every dashboard page through streamlit's AppTest on a real (small) demo workspace."""

from __future__ import annotations

import pytest

from llmrec.pipeline.artifacts import Workspace

PAGES = {
    "pages/1_overview.py": "Overview",
    "pages/2_portraits.py": "User portraits",
    "pages/3_explorer.py": "Embedding explorer",
    "pages/4_recommendations.py": "Recommendations",
    "pages/5_search.py": "Personalised search",
    "pages/6_evaluation.py": "Evaluation",
    "pages/7_data.py": "Data",
}


def open_page(app, page):
    app.run()
    app.switch_page(page).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def errors(app) -> list[str]:
    return [e.value for e in app.error]


def tables(app, *columns: str) -> list:
    """The values of the data tables on screen that have all of `columns`, in screen order."""
    found = [df.value for df in app.dataframe]
    return [v for v in found if set(columns) <= set(v.columns)]


def table(app, *columns: str):
    found = tables(app, *columns)
    assert found, f"no table with columns {columns}"
    return found[0]


@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_renders_without_errors(app, page):
    open_page(app, page)
    assert [t.value for t in app.title] == [PAGES[page]]
    assert errors(app) == []


def test_sidebar_offers_workspace_model_k_and_privacy(app, ui_workspace):
    open_page(app, "pages/1_overview.py")
    assert app.sidebar.selectbox(key="sidebar_workspace").value == str(ui_workspace)
    models = app.sidebar.selectbox(key="sidebar_model")
    assert set(models.options) <= set(Workspace(ui_workspace).model_names)
    assert models.value == "text_mf"
    assert app.sidebar.select_slider(key="sidebar_k").value == 10
    assert app.sidebar.toggle(key="sidebar_privacy").value is False


def test_overview_shows_the_dataset_card(app, ui_workspace):
    open_page(app, "pages/1_overview.py")
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Users"] == f"{Workspace(ui_workspace).dataset.n_users:,}"
    assert {"Items", "Interactions", "Reviews", "Sparsity", "Time span"} <= set(metrics)
    top = table(app, "mean_rating", "popularity")
    assert len(top) == 10
    assert top["popularity"].is_monotonic_decreasing


def test_missing_workspace_shows_an_empty_state(app, monkeypatch, tmp_path):
    monkeypatch.setenv("LLMREC_WORKSPACE", str(tmp_path / "nothing-here"))
    for page in ("pages/1_overview.py", "pages/4_recommendations.py", "pages/6_evaluation.py"):
        open_page(app, page)
        assert any("Data" in i.value and "make demo" in i.value for i in app.info)
        assert errors(app) == []


def test_picking_another_user_changes_the_history(app):
    open_page(app, "pages/2_portraits.py")
    picker = app.selectbox(key="portraits_user")
    first = table(app, "date", "review")
    picker.select_index(3).run()
    assert not app.exception
    second = table(app, "date", "review")
    assert app.selectbox(key="portraits_user").index == 3
    assert not first.equals(second)
    assert app.query_params["user"] == picker.options[3]


def test_user_from_the_url_is_selected(app, ui_workspace):
    user = Workspace(ui_workspace).ids.users[7]
    app.query_params["user"] = user
    open_page(app, "pages/2_portraits.py")
    # the page list is registered on the first run; the URL then selects the user on the page
    assert app.selectbox(key="portraits_user").value == user


def test_portrait_summary_names_its_source(app):
    open_page(app, "pages/2_portraits.py")
    text = " ".join(m.value for m in app.markdown)
    assert "Portrait summary" in text and "source:" in text


def test_privacy_mode_hides_user_ids(app, ui_workspace):
    open_page(app, "pages/2_portraits.py")
    real = app.selectbox(key="portraits_user").value
    app.sidebar.toggle(key="sidebar_privacy").set_value(True).run()
    assert not app.exception
    shown = app.selectbox(key="portraits_user")
    assert shown.value == real  # the same user stays selected ...
    assert shown.format_func(real).startswith("user-") and real not in shown.format_func(real)
    assert app.query_params["user"].startswith("user-")  # ... and the link does not leak the id
    similar = table(app, "user_id", "similarity")
    assert similar["user_id"].str.startswith("user-").all()


def recs_ids(app) -> list[str]:
    """Item ids of the list on screen (the Explain picker shows titles, so ask the query)."""
    from llmrec.serve import WorkspaceIndex
    from llmrec.serve.recommendations import recommend
    from llmrec.ui.context import KEY

    ctx = app.session_state[KEY]
    user = app.selectbox(key="recs_user").value
    return recommend(WorkspaceIndex(ctx.ws), user, ctx.model, ctx.k, "seen")["item_id"].tolist()


def test_recommendations_follow_k_and_model(app):
    open_page(app, "pages/4_recommendations.py")
    recs = table(app, "rank", "score", "why")
    assert len(recs) == 10
    assert recs["score"].is_monotonic_decreasing
    assert recs["why"].str.len().gt(20).all()  # every item has its reason sentence
    assert any(c.value.startswith("source:") for c in app.caption)
    explain = app.selectbox(key="recs_explain")
    first = [m.value for m in app.markdown]
    explain.set_value(recs_ids(app)[3]).run()
    assert not app.exception and [m.value for m in app.markdown] != first
    app.sidebar.select_slider(key="sidebar_k").set_value(5).run()
    assert len(table(app, "rank", "score", "why")) == 5
    before = table(app, "rank", "score", "why")["title"].tolist()
    app.sidebar.selectbox(key="sidebar_model").set_value("popularity").run()
    after = table(app, "rank", "score", "why")["title"].tolist()
    assert not app.exception and before != after
    compare = table(app, "popularity", "bpr")
    assert len(compare) == 5


def test_launching_a_new_product_places_it_and_finds_an_audience(app):
    open_page(app, "pages/4_recommendations.py")
    app.text_input(key="recs_launch_title").input("Stainless steel espresso machine")
    app.text_area(key="recs_launch_description").input("15 bar pump, milk frother, compact design")
    app.button(key="recs_launch_submit").click()
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    neighbours = tables(app, "title", "similarity")[-1]
    assert len(neighbours) == 10
    labels = [m.label for m in app.metric]
    assert any("would get it in their top 10" in label for label in labels)


def test_search_shows_both_scores_and_reacts_to_the_weight(app):
    open_page(app, "pages/5_search.py")
    app.text_input(key="search_query").input("comfortable running shoes").run()
    assert not app.exception
    results = table(app, "text_score")
    assert {"text_score", "preference_score", "score"} <= set(results.columns)
    assert len(results) == 10
    app.slider(key="search_weight").set_value(0.0).run()
    pure = table(app, "text_score")
    assert pure["text_score"].is_monotonic_decreasing
    app.slider(key="search_weight").set_value(1.0).run()
    taste = table(app, "text_score")
    assert taste["preference_score"].is_monotonic_decreasing


def test_evaluation_states_the_protocol_and_drills_down(app):
    open_page(app, "pages/6_evaluation.py")
    text = " ".join(m.value for m in app.markdown)
    assert "Protocol" in text
    across = table(app, "NDCG@5", "NDCG@20")
    assert len(across) >= 3
    assert {"NDCG@10", "Recall@20", "HitRate@5"} <= set(across.columns)
    assert list(across.columns).index("NDCG@5") == 0
    recs = table(app, "held_out")
    assert "held_out" in recs.columns and len(recs) > 0
    app.selectbox(key="eval_model").set_value("popularity").run()
    assert not app.exception


def test_explorer_switches_space_and_colour_and_lists_neighbours(app):
    open_page(app, "pages/3_explorer.py")
    for colour in ("price", "popularity", "cluster", "category"):
        app.radio(key="explorer_colour").set_value(colour).run()
        assert not app.exception
    assert len(tables(app, "title", "similarity")[0]) == 10
    app.radio(key="explorer_space").set_value("mf").run()
    assert not app.exception
    assert len(tables(app, "title", "similarity")[1]) == 10
    app.toggle(key="explorer_overlay").set_value(True).run()
    assert not app.exception
    assert app.selectbox(key="explorer_user").value


def test_explorer_item_picker_changes_the_neighbours(app, ui_workspace):
    open_page(app, "pages/3_explorer.py")
    before = tables(app, "title", "similarity")[0]
    other = Workspace(ui_workspace).ids.items[5]
    app.selectbox(key="explorer_item").set_value(other).run()
    assert not app.exception
    after = tables(app, "title", "similarity")[0]
    assert not before.equals(after)
    assert app.query_params["item"] == other


def test_data_page_shows_a_clear_error_for_a_bad_file(app, tmp_path, ui_workspace):
    bad = tmp_path / "broken.csv"
    bad.write_text("this,is\nnot,an,interactions,file\n\x00\x00\n")
    open_page(app, "pages/7_data.py")
    app.selectbox(key="data_source").set_value("csv").run()
    app.text_input(key="data_inter_path").input(str(bad)).run()
    app.button(key="data_check").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert errors(app), "a bad file must produce st.error"
    assert "Could not read this source" in errors(app)[0]
    # the workspace in use is untouched and still works
    app.switch_page("pages/1_overview.py").run()
    assert not app.exception and errors(app) == []


def test_data_page_reports_a_missing_path(app, tmp_path):
    open_page(app, "pages/7_data.py")
    app.selectbox(key="data_source").set_value("movielens").run()
    app.text_input(key="data_ml_path").input(str(tmp_path / "no-such-folder")).run()
    app.button(key="data_check").click().run()
    assert not app.exception
    assert errors(app)


def test_data_page_checks_the_demo_source(app):
    open_page(app, "pages/7_data.py")
    app.number_input(key="data_demo_users").set_value(60).run()
    app.number_input(key="data_demo_items").set_value(60).run()
    app.button(key="data_check").click().run()
    assert not app.exception
    assert any("Read 60 users" in s.value for s in app.success)
