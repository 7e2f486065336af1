"""llmrec.serve: the answers the dashboard shows, checked against the workspace itself."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from llmrec.errors import ConfigError, UnknownIdError
from llmrec.pipeline.artifacts import Workspace
from llmrec.reasons.service import GeneratedText
from llmrec.serve import (
    WorkspaceIndex,
    catalogue,
    evaluation,
    explanations,
    maps,
    recommendations,
    search,
    users,
)


@pytest.fixture(scope="module")
def index(small_index) -> WorkspaceIndex:
    return small_index


@pytest.fixture(scope="module")
def ws(index) -> Workspace:
    return index.ws


@pytest.fixture(scope="module")
def encoder(ws):
    from llmrec.text.encoder import TextEncoder

    config = ws.manifest["config"]
    return TextEncoder(config.get("encoder"), max_length=config.get("max_length", 256))


@pytest.fixture(scope="module")
def user(ws) -> str:
    counts = ws.dataset.interactions["user_id"].value_counts()
    return str(counts.index[0])  # the most active user


def test_dataset_card_counts_match_the_tables(index, ws):
    card = catalogue.dataset_card(index)
    data = ws.dataset
    assert (card["users"], card["items"], card["interactions"], card["reviews"]) == (
        data.n_users, data.n_items, len(data.interactions), len(data.reviews))
    assert card["sparsity"] == pytest.approx(1 - len(data.interactions) / (data.n_users * data.n_items))
    assert card["first"] <= card["last"]


def test_long_tail_is_a_cumulative_share_from_zero_to_one(index, ws):
    curve = catalogue.long_tail(index)
    assert curve["interaction_share"].iloc[0] == 0 and curve["interaction_share"].iloc[-1] == pytest.approx(1)
    assert curve["interaction_share"].is_monotonic_increasing
    # the popular head holds more than its share
    assert catalogue.head_share(index, 0.2) > 0.2


def test_history_is_in_time_order_with_product_facts(index, ws, user):
    hist = users.history(index, user)
    expected = ws.dataset.interactions[ws.dataset.interactions["user_id"] == user]
    assert len(hist) == len(expected)
    assert hist["timestamp"].is_monotonic_increasing
    titles = ws.dataset.items.set_index("item_id")["title"]
    assert (hist["title"].to_numpy() == titles.loc[hist["item_id"]].to_numpy()).all()


def test_unknown_ids_raise_a_clear_error(index, ws):
    with pytest.raises(UnknownIdError, match="unknown user id 'nobody'"):
        users.history(index, "nobody")
    with pytest.raises(UnknownIdError, match="unknown item id"):
        maps.nearest_items(index, "no-such-item", "text")


def test_recommend_masks_history_and_ranks_by_score(index, ws, user):
    seen = set(users.history(index, user)["item_id"])
    recs = recommendations.recommend(index, user, "bpr", 10, "seen")
    assert len(recs) == 10 and not seen & set(recs["item_id"])
    assert recs["score"].is_monotonic_decreasing
    model = index.model("bpr")
    scores = model.score(np.array([ws.ids.user_index(user)]))[0]
    assert recs["score"].to_numpy() == pytest.approx(scores[ws.ids.item_indices(recs["item_id"])])


def test_recommend_in_the_evaluation_setting_can_hit_test_items(index, ws, user):
    recs = recommendations.recommend(index, user, "bpr", 50, "evaluation")
    test = set(recommendations.test_items(index, user)["item_id"])
    assert recs["held_out"].to_numpy().tolist() == [i in test for i in recs["item_id"]]
    train = ws.split["train"]
    assert not set(train.loc[train["user_id"] == user, "item_id"]) & set(recs["item_id"])


def test_unknown_model_lists_the_choices(index, ws, user):
    with pytest.raises(ConfigError, match="this workspace has: .*bpr"):
        recommendations.recommend(index, user, "magic", 5)


def test_nearest_items_in_text_space_are_the_cosine_neighbours(index, ws):
    item = ws.ids.items[0]
    near = maps.nearest_items(index, item, "text", 5)
    vectors = ws.embeddings["items"]
    sims = vectors @ vectors[0]
    sims[0] = -np.inf
    assert near["item_id"].tolist() == ws.ids.items[np.argsort(-sims)[:5]].tolist()
    assert item not in set(near["item_id"])
    assert len(maps.nearest_items(index, item, "mf", 5)) == 5


def test_map_frame_covers_every_item_with_facts(index, ws):
    points = maps.map_frame(index, "text")
    assert len(points) == ws.ids.n_items
    assert points[["x", "y", "title", "category", "popularity", "cluster"]].notna().all().all()
    with pytest.raises(ConfigError, match="choose one of text, text_frozen, mf"):
        maps.map_frame(index, "nope")


def test_personalised_search_blends_two_scores(index, ws, encoder, user):
    pure = search.personalised_search(index, encoder, "running shoes", user, "bpr", 0.0, 10)
    assert pure["score"].to_numpy() == pytest.approx(pure["text_score"].to_numpy())
    assert pure["text_score"].is_monotonic_decreasing
    taste = search.personalised_search(index, encoder, "running shoes", user, "bpr", 1.0, 10)
    assert taste["score"].to_numpy() == pytest.approx(taste["preference_score"].to_numpy())
    half = search.personalised_search(index, encoder, "running shoes", user, "bpr", 0.5, 10)
    assert half["score"].to_numpy() == pytest.approx(
        0.5 * half["text_score"].to_numpy() + 0.5 * half["preference_score"].to_numpy())
    assert ((half["preference_score"] >= 0) & (half["preference_score"] <= 1)).all()
    with pytest.raises(ConfigError):
        search.personalised_search(index, encoder, "x", user, "bpr", 1.5)


def test_launch_places_a_product_among_its_neighbours_and_finds_its_audience(index, ws, encoder):
    launch = recommendations.launch_product(index, encoder, "Stainless steel espresso machine", "15 bar pump",
                                            k=10)
    points = maps.map_frame(index, "text").set_index("item_id")
    near = points.loc[launch.neighbours["item_id"]]
    # interpolated, so inside the bounding box of its neighbours
    assert near["x"].min() - 1e-6 <= launch.x <= near["x"].max() + 1e-6
    assert near["y"].min() - 1e-6 <= launch.y <= near["y"].max() + 1e-6
    assert launch.neighbours["similarity"].is_monotonic_decreasing
    assert launch.model == "text_mf"
    audience = launch.audience
    assert (audience["score"] >= audience["threshold"]).all()
    # cross-check one user by brute force: their 10th best unseen catalogue score, from text alone
    # (tests/test_acceptance_demo.py checks that a product of a planted department finds an audience)
    if not len(audience):
        return
    uid = audience["user_id"].iloc[0]
    row = ws.ids.user_indices([uid])
    text_scores = index.model("text_mf").score_new_items(row, ws.embeddings["items"])[0]
    history = ws.dataset.interactions
    seen = ws.ids.item_indices(history.loc[history["user_id"] == uid, "item_id"])
    tenth = np.sort(np.delete(text_scores, seen))[::-1][9]
    assert audience["threshold"].iloc[0] == pytest.approx(tenth, rel=1e-4)


def test_evidence_and_reasons_are_built_for_the_model_on_screen(index, user):
    recs = recommendations.recommend(index, user, "bpr", 3, "seen")
    item = recs["item_id"].iloc[0]
    ev = explanations.evidence(index, user, item, "bpr")
    history_titles = set(users.history(index, user)["title"])
    for fact in ev.facts:
        if fact.kind.startswith("similar_history"):
            assert fact.key in history_titles
    # the MF-space fact uses bpr's own item factors, not text_mf's
    assert index.evidence_context("bpr").item_factors.shape[1] == index.model("bpr").item_vectors().shape[1]
    assert index.evidence_context("bpr").explain.__self__ is index.model("bpr")
    texts = explanations.reasons(index, user, tuple(recs["item_id"]), "bpr")
    assert [t.evidence.item_id for t in texts] == recs["item_id"].tolist()
    assert all(isinstance(t, GeneratedText) and t.text and t.source in ("template", "llm") for t in texts)
    assert texts[0].evidence == ev


def test_portrait_and_profiles_are_shares(index, ws, user):
    p = users.portrait(index, user)
    assert p["n_interactions"] == len(users.history(index, user))
    cats = users.category_profile(index, user)
    assert cats["user"].between(0, 1).all() and cats["population"].between(0, 1).all()
    bands = users.price_profile(index, user)
    assert bands["user"].sum() == pytest.approx(1)
    similar = users.similar_users(index, user, 5)
    assert len(similar) == 5 and user not in set(similar["user_id"])


def test_metrics_table_lists_accuracy_first(index, ws):
    table = evaluation.metrics_table(index, 10)
    assert list(table.columns)[0] == "NDCG@10"
    assert set(table.index) == set(ws.model_names)
    worst = evaluation.worst_users(index, "bpr", 10)
    assert worst["NDCG"].is_monotonic_increasing
    assert isinstance(evaluation.protocol_lines(index), list) and evaluation.protocol_lines(index)


def test_find_users_filters_by_text_most_active_first(index, ws):
    found = users.find_users(index, "", 20)
    counts = ws.dataset.interactions["user_id"].value_counts()
    assert counts.loc[found].is_monotonic_decreasing and counts.loc[found[0]] == counts.max()
    some = str(ws.ids.users[3])
    assert some in users.find_users(index, some[-3:], 1000)
    assert isinstance(catalogue.interactions_per_user(index), pd.DataFrame)


def test_stream_text_ends_with_the_checked_text(index, user):
    service = index.reason_service("text_mf")  # templates: no streaming, just the final checked text
    parts = list(explanations.stream_text(index, service, user))
    assert isinstance(parts[-1], GeneratedText) and parts[-1].source == "template"
    assert parts[-1].text == explanations.portrait_summary(index, user, "text_mf").text
    item = recommendations.recommend(index, user, "text_mf", 1, "seen")["item_id"].iloc[0]
    last = list(explanations.stream_text(index, service, user, item))[-1]
    assert last.text == explanations.reason(index, user, item, "text_mf").text
