"""llmrec.pipeline.queries: the answers the dashboard shows, checked against the workspace itself."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from llmrec.errors import ConfigError, UnknownIdError
from llmrec.pipeline import queries as q
from llmrec.pipeline.artifacts import Workspace


@pytest.fixture(scope="module")
def ws(ui_workspace) -> Workspace:
    return Workspace(ui_workspace)


@pytest.fixture(scope="module")
def encoder(ws):
    from llmrec.text.encoder import TextEncoder

    config = ws.manifest["config"]
    return TextEncoder(config.get("encoder"), max_length=config.get("max_length", 256))


@pytest.fixture(scope="module")
def user(ws) -> str:
    counts = ws.dataset.interactions["user_id"].value_counts()
    return str(counts.index[0])  # the most active user


def test_dataset_card_counts_match_the_tables(ws):
    card = q.dataset_card(ws)
    data = ws.dataset
    assert (card["users"], card["items"], card["interactions"], card["reviews"]) == (
        data.n_users, data.n_items, len(data.interactions), len(data.reviews))
    assert card["sparsity"] == pytest.approx(1 - len(data.interactions) / (data.n_users * data.n_items))
    assert card["first"] <= card["last"]


def test_long_tail_is_a_cumulative_share_from_zero_to_one(ws):
    curve = q.long_tail(ws)
    assert curve["interaction_share"].iloc[0] == 0 and curve["interaction_share"].iloc[-1] == pytest.approx(1)
    assert curve["interaction_share"].is_monotonic_increasing
    # the popular head holds more than its share
    assert q.head_share(ws, 0.2) > 0.2


def test_history_is_in_time_order_with_product_facts(ws, user):
    hist = q.history(ws, user)
    expected = ws.dataset.interactions[ws.dataset.interactions["user_id"] == user]
    assert len(hist) == len(expected)
    assert hist["timestamp"].is_monotonic_increasing
    titles = ws.dataset.items.set_index("item_id")["title"]
    assert (hist["title"].to_numpy() == titles.loc[hist["item_id"]].to_numpy()).all()


def test_unknown_ids_raise_a_clear_error(ws):
    with pytest.raises(UnknownIdError, match="unknown user id 'nobody'"):
        q.history(ws, "nobody")
    with pytest.raises(UnknownIdError, match="unknown item id"):
        q.nearest_items(ws, "no-such-item", "text")


def test_recommend_masks_history_and_ranks_by_score(ws, user):
    seen = set(q.history(ws, user)["item_id"])
    recs = q.recommend(ws, user, "bpr", 10, "seen")
    assert len(recs) == 10 and not seen & set(recs["item_id"])
    assert recs["score"].is_monotonic_decreasing
    model = q.load_workspace_model(ws, "bpr")
    scores = model.score(np.array([ws.ids.user_index(user)]))[0]
    assert recs["score"].to_numpy() == pytest.approx(scores[ws.ids.item_indices(recs["item_id"])])


def test_recommend_in_the_evaluation_setting_can_hit_test_items(ws, user):
    recs = q.recommend(ws, user, "bpr", 50, "evaluation")
    test = set(q.test_items(ws, user)["item_id"])
    assert recs["held_out"].to_numpy().tolist() == [i in test for i in recs["item_id"]]
    train = ws.split["train"]
    assert not set(train.loc[train["user_id"] == user, "item_id"]) & set(recs["item_id"])


def test_unknown_model_lists_the_choices(ws, user):
    with pytest.raises(ConfigError, match="this workspace has: .*bpr"):
        q.recommend(ws, user, "magic", 5)


def test_nearest_items_in_text_space_are_the_cosine_neighbours(ws):
    item = ws.ids.items[0]
    near = q.nearest_items(ws, item, "text", 5)
    vectors = ws.embeddings["items"]
    sims = vectors @ vectors[0]
    sims[0] = -np.inf
    assert near["item_id"].tolist() == ws.ids.items[np.argsort(-sims)[:5]].tolist()
    assert item not in set(near["item_id"])
    assert len(q.nearest_items(ws, item, "mf", 5)) == 5


def test_map_frame_covers_every_item_with_facts(ws):
    points = q.map_frame(ws, "text")
    assert len(points) == ws.ids.n_items
    assert points[["x", "y", "title", "category", "popularity", "cluster"]].notna().all().all()
    with pytest.raises(ConfigError, match="choose one of text, mf"):
        q.map_frame(ws, "nope")


def test_personalised_search_blends_two_scores(ws, encoder, user):
    pure = q.personalised_search(ws, encoder, "running shoes", user, "bpr", 0.0, 10)
    assert pure["score"].to_numpy() == pytest.approx(pure["text_score"].to_numpy())
    assert pure["text_score"].is_monotonic_decreasing
    taste = q.personalised_search(ws, encoder, "running shoes", user, "bpr", 1.0, 10)
    assert taste["score"].to_numpy() == pytest.approx(taste["preference_score"].to_numpy())
    half = q.personalised_search(ws, encoder, "running shoes", user, "bpr", 0.5, 10)
    assert half["score"].to_numpy() == pytest.approx(
        0.5 * half["text_score"].to_numpy() + 0.5 * half["preference_score"].to_numpy())
    assert ((half["preference_score"] >= 0) & (half["preference_score"] <= 1)).all()
    with pytest.raises(ConfigError):
        q.personalised_search(ws, encoder, "x", user, "bpr", 1.5)


def test_launch_places_a_product_among_its_neighbours_and_finds_its_audience(ws, encoder):
    launch = q.launch_product(ws, encoder, "Stainless steel espresso machine", "15 bar pump", k=10)
    points = q.map_frame(ws, "text").set_index("item_id")
    near = points.loc[launch.neighbours["item_id"]]
    # interpolated, so inside the bounding box of its neighbours
    assert near["x"].min() - 1e-6 <= launch.x["text"] <= near["x"].max() + 1e-6
    assert near["y"].min() - 1e-6 <= launch.y["text"] <= near["y"].max() + 1e-6
    assert launch.neighbours["similarity"].is_monotonic_decreasing
    assert launch.model == "text_mf"
    audience = launch.audience
    assert (audience["score"] >= audience["threshold"]).all()
    # cross-check one user by brute force: their 10th best unseen score is the threshold
    if len(audience):
        uid = audience["user_id"].iloc[0]
        recs = q.recommend(ws, uid, "text_mf", 10, "seen")
        assert audience["threshold"].iloc[0] == pytest.approx(recs["score"].iloc[-1], rel=1e-4)


def test_evidence_cites_the_users_own_history(ws, user):
    recs = q.recommend(ws, user, "text_mf", 3, "seen")
    ev = q.evidence(ws, user, recs["item_id"].iloc[0], "text_mf")
    assert set(ev.closest_history["item_id"]) <= set(q.history(ws, user)["item_id"])
    assert ev.closest_history["similarity"].is_monotonic_decreasing
    reason = q.reason(ws, user, recs["item_id"].iloc[0], q.reason_service(ws))
    assert reason.text and reason.source in ("template", "llm")


def test_portrait_and_profiles_are_shares(ws, user):
    p = q.portrait(ws, user)
    assert p["n_interactions"] == len(q.history(ws, user))
    cats = q.category_profile(ws, user)
    assert cats["user"].between(0, 1).all() and cats["population"].between(0, 1).all()
    bands = q.price_profile(ws, user)
    assert bands["user"].sum() == pytest.approx(1)
    similar = q.similar_users(ws, user, 5)
    assert len(similar) == 5 and user not in set(similar["user_id"])


def test_metrics_table_lists_accuracy_first(ws):
    table = q.metrics_table(ws, 10)
    assert list(table.columns)[0] == "NDCG@10"
    assert set(table.index) == set(ws.model_names)
    worst = q.worst_users(ws, "bpr", 10)
    assert worst["NDCG"].is_monotonic_increasing
    assert isinstance(q.protocol_lines(ws), list) and q.protocol_lines(ws)


def test_find_users_filters_by_text_most_active_first(ws):
    found = q.find_users(ws, "", 20)
    counts = ws.dataset.interactions["user_id"].value_counts()
    assert counts.loc[found].is_monotonic_decreasing and counts.loc[found[0]] == counts.max()
    some = str(ws.ids.users[3])
    assert some in q.find_users(ws, some[-3:], 1000)
    assert isinstance(q.interactions_per_user(ws), pd.DataFrame)


def test_stream_text_ends_with_the_checked_text(ws, user):
    service = q.reason_service(ws)  # templates: no streaming, just the final checked text
    parts = list(q.stream_text(ws, service, user))
    assert isinstance(parts[-1], q.Reason) and parts[-1].source == "template"
    assert parts[-1].text == q.portrait_summary(ws, user, service).text
    item = q.recommend(ws, user, "text_mf", 1, "seen")["item_id"].iloc[0]
    last = list(q.stream_text(ws, service, user, item))[-1]
    assert last.text == q.reason(ws, user, item, service).text
