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
    top = app.dataframe(key="overview_top").value
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
    picker = app.sidebar.selectbox(key="portraits_user")
    first = app.dataframe(key="portraits_history").value
    picker.select_index(3).run()
    assert not app.exception
    second = app.dataframe(key="portraits_history").value
    assert app.sidebar.selectbox(key="portraits_user").index == 3
    assert not first.equals(second)
    assert app.query_params["user"] == picker.options[3]


def test_user_from_the_url_is_selected(app, ui_workspace):
    user = Workspace(ui_workspace).ids.users[7]
    app.query_params["user"] = user
    open_page(app, "pages/2_portraits.py")
    # the page list is registered on the first run; the URL then selects the user on the page
    assert app.sidebar.selectbox(key="portraits_user").value == user


def test_portrait_summary_names_its_source(app):
    open_page(app, "pages/2_portraits.py")
    text = " ".join(m.value for m in app.markdown)
    assert "Portrait summary" in text and "source:" in text


def test_privacy_mode_hides_user_ids(app, ui_workspace):
    open_page(app, "pages/2_portraits.py")
    real = app.sidebar.selectbox(key="portraits_user").value
    app.sidebar.toggle(key="sidebar_privacy").set_value(True).run()
    assert not app.exception
    shown = app.sidebar.selectbox(key="portraits_user")
    assert shown.value == real  # the same user stays selected ...
    assert shown.format_func(real).startswith("user-") and real not in shown.format_func(real)
    assert app.query_params["user"].startswith("user-")  # ... and the link does not leak the id
    similar = app.dataframe(key="portraits_similar").value
    assert similar["user_id"].str.startswith("user-").all()


def test_recommendations_follow_k_and_model(app):
    open_page(app, "pages/4_recommendations.py")
    recs = app.dataframe(key="recs_table").value
    assert len(recs) == 10
    assert recs["score"].is_monotonic_decreasing
    assert len(app.expander) >= 10
    assert any("reason source" in c.value for c in app.caption)
    app.sidebar.select_slider(key="sidebar_k").set_value(5).run()
    assert len(app.dataframe(key="recs_table").value) == 5
    before = app.dataframe(key="recs_table").value["title"].tolist()
    app.sidebar.selectbox(key="sidebar_model").set_value("popularity").run()
    after = app.dataframe(key="recs_table").value["title"].tolist()
    assert not app.exception and before != after
    compare = app.dataframe(key="recs_compare_table").value
    assert len(compare) == 5


def test_launching_a_new_product_places_it_and_finds_an_audience(app):
    open_page(app, "pages/4_recommendations.py")
    app.text_input(key="recs_launch_title").input("Stainless steel espresso machine")
    app.text_area(key="recs_launch_description").input("15 bar pump, milk frother, compact design")
    app.button[0].click()  # the form's submit button is the only button on the page
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    neighbours = app.dataframe(key="recs_launch_nn").value
    assert len(neighbours) == 10
    labels = [m.label for m in app.metric]
    assert any("would get it in their top 10" in label for label in labels)


def test_search_shows_both_scores_and_reacts_to_the_weight(app):
    open_page(app, "pages/5_search.py")
    app.text_input(key="search_query").input("comfortable running shoes").run()
    assert not app.exception
    results = app.dataframe(key="search_results").value
    assert {"text_score", "preference_score", "score"} <= set(results.columns)
    assert len(results) == 10
    app.slider(key="search_weight").set_value(0.0).run()
    pure = app.dataframe(key="search_results").value
    assert pure["text_score"].is_monotonic_decreasing
    app.slider(key="search_weight").set_value(1.0).run()
    taste = app.dataframe(key="search_results").value
    assert taste["preference_score"].is_monotonic_decreasing


def test_evaluation_states_the_protocol_and_drills_down(app):
    open_page(app, "pages/6_evaluation.py")
    text = " ".join(m.value for m in app.markdown)
    assert "Protocol" in text
    table = app.dataframe(key="eval_table").value
    assert len(table) >= 3
    assert any(c.startswith("NDCG@") for c in table.columns)
    recs = app.dataframe(key="eval_user_recs").value
    assert "held_out" in recs.columns and len(recs) > 0
    app.selectbox(key="eval_model").set_value("popularity").run()
    assert not app.exception


def test_explorer_switches_space_and_colour_and_lists_neighbours(app):
    open_page(app, "pages/3_explorer.py")
    for colour in ("price", "popularity", "cluster", "category"):
        app.radio(key="explorer_colour").set_value(colour).run()
        assert not app.exception
    assert len(app.dataframe(key="explorer_nn_text").value) == 10
    app.radio(key="explorer_space").set_value("mf").run()
    assert not app.exception
    assert len(app.dataframe(key="explorer_nn_mf").value) == 10
    app.toggle(key="explorer_overlay").set_value(True).run()
    assert not app.exception
    assert app.sidebar.selectbox(key="explorer_user").value


def test_explorer_item_picker_changes_the_neighbours(app):
    open_page(app, "pages/3_explorer.py")
    picker = app.selectbox(key="explorer_item")
    before = app.dataframe(key="explorer_nn_text").value
    picker.select_index(5).run()
    after = app.dataframe(key="explorer_nn_text").value
    assert not before.equals(after)
    assert app.query_params["item"] == picker.options[5]


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
