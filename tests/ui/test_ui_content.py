"""What the pages show follows the choices: the selected user, model and K, the page link, and
privacy mode (no raw user id or e-mail address on any page that shows users or review text)."""

from __future__ import annotations

import re

import pytest

from llmrec.serve import WorkspaceIndex, explanations, users
from llmrec.serve.explanations import fact_rows
from llmrec.serve.recommendations import recommend
from tests.ui.test_ui_pages import open_page, table

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


@pytest.fixture(scope="module")
def index(small_index) -> WorkspaceIndex:
    return small_index


def shown_text(app) -> str:
    """Everything a reader of the page sees as text: Markdown, captions, notices, metric tiles, the
    cells of every table and the labels of the chosen options."""
    parts = [e.value for kind in ("markdown", "caption", "info", "warning", "error", "success", "title",
                                  "subheader", "header", "text", "code")
             for e in getattr(app, kind)]
    parts += [f"{m.label} {m.value}" for m in app.metric]
    for frame in app.dataframe:
        value = frame.value
        parts += [str(c) for c in value.columns]
        parts += [str(v) for v in value.astype(str).to_numpy().ravel()]
        parts += [str(v) for v in value.index.astype(str)]
    for box in [*app.selectbox, *app.sidebar.selectbox]:
        if box.value is not None:
            parts.append(str(box.format_func(box.value)))
    for choice in app.multiselect:
        parts += [str(choice.format_func(v)) for v in choice.value]
    return "\n".join(parts)


def test_recommendations_show_k_rows_of_the_selected_models_scores(app, index):
    open_page(app, "pages/4_recommendations.py")
    app.sidebar.selectbox(key="sidebar_model").set_value("bpr").run()
    app.sidebar.select_slider(key="sidebar_k").set_value(5).run()
    assert not app.exception
    user = app.selectbox(key="recs_user").value
    shown = table(app, "rank", "score", "why")
    expected = recommend(index, user, "bpr", 5, "seen")
    assert len(shown) == 5
    assert shown["title"].tolist() == expected["title"].tolist()
    assert shown["score"].to_numpy() == pytest.approx(expected["score"].to_numpy())
    assert any(s.value == "Top 5 from bpr" for s in app.subheader)


def test_reasons_and_evidence_explain_the_selected_model(app, index):
    """Select bpr: the reasons in the list and the evidence panel are bpr's, not text_mf's."""
    open_page(app, "pages/4_recommendations.py")
    app.sidebar.selectbox(key="sidebar_model").set_value("bpr").run()
    assert not app.exception
    user = app.selectbox(key="recs_user").value
    items = recommend(index, user, "bpr", 10, "seen")["item_id"].tolist()
    bpr = [t.text for t in explanations.reasons(index, user, items, "bpr")]
    text_mf = [t.text for t in explanations.reasons(index, user, items, "text_mf")]
    assert bpr != text_mf, "the two models' reasons coincide: the test could not tell them apart"
    assert table(app, "rank", "score", "why")["why"].tolist() == bpr
    assert any("Evidence for bpr's list" in m.value for m in app.markdown)
    item = app.selectbox(key="recs_explain").value
    evidence = table(app, "fact", "statement")
    expected = fact_rows(explanations.evidence(index, user, item, "bpr"))
    assert evidence["statement"].tolist() == [row["statement"] for row in expected]


def test_the_price_band_in_the_list_is_the_portraits_band(app, index):
    open_page(app, "pages/4_recommendations.py")
    user = app.selectbox(key="recs_user").value
    shown = table(app, "rank", "score", "why")
    recs = recommend(index, user, app.sidebar.selectbox(key="sidebar_model").value, 10, "seen")
    portrait_bands = index.items["price_band"]  # what users.price_profile counts for the portrait page
    assert shown["price_band"].tolist() == recs["item_id"].map(portrait_bands).tolist()


def test_the_portrait_shows_the_chosen_users_history(app, index):
    open_page(app, "pages/2_portraits.py")
    picker = app.selectbox(key="portraits_user")
    user = picker.options[4]
    picker.set_value(user).run()
    assert not app.exception
    n = len(users.history(index, user))
    tiles = {m.label: m.value for m in app.metric}
    assert tiles["Interactions"] == f"{n:,}"
    assert len(table(app, "date", "review")) == n


def test_a_link_to_a_user_shows_that_users_portrait(app, index):
    user = str(index.ws.ids.users[11])
    app.query_params["user"] = user
    open_page(app, "pages/2_portraits.py")
    hist = users.history(index, user)
    tiles = {m.label: m.value for m in app.metric}
    assert tiles["Interactions"] == f"{len(hist):,}"
    shown = table(app, "date", "review")
    assert sorted(shown["title"]) == sorted(hist["title"])


def _user_with_an_email(index) -> str:
    reviews = index.ws.dataset.reviews
    found = reviews[reviews["text"].astype(str).str.contains(EMAIL)]
    assert len(found), "the demo writes some e-mail addresses into reviews: none found"
    return str(found["user_id"].iloc[0])


PRIVATE_PAGES = ("pages/2_portraits.py", "pages/3_explorer.py", "pages/4_recommendations.py",
                 "pages/5_search.py", "pages/6_evaluation.py")


@pytest.mark.parametrize("page", PRIVATE_PAGES)
def test_privacy_mode_masks_ids_and_emails_on_every_page(app, index, page):
    user = _user_with_an_email(index)
    app.query_params["user"] = user  # a user whose review text holds an e-mail address
    app.query_params["overlay"] = "1"  # the explorer shows its user picker
    app.query_params["q"] = "kettle"  # the search page shows results
    open_page(app, page)
    app.sidebar.toggle(key="sidebar_privacy").set_value(True).run()
    assert not app.exception, [e.value for e in app.exception]
    text = shown_text(app)
    ids = set(index.ws.ids.users)
    leaked = sorted(ids & set(re.findall(r"[\w-]+", text)))
    assert leaked == []
    assert EMAIL.findall(text) == []
    assert "user-" in text  # users are shown, as pseudonyms


def test_without_privacy_mode_the_review_text_is_shown_as_written(app, index):
    """The privacy check above has power: the same portrait shows the address when privacy is off."""
    user = _user_with_an_email(index)
    app.query_params["user"] = user
    open_page(app, "pages/2_portraits.py")
    assert EMAIL.findall(shown_text(app))
    assert user in shown_text(app)
