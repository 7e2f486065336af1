"""Views on data without metadata (ids only, no ratings, no dates) say so instead of inventing fields."""

from __future__ import annotations

import pandas as pd
import pytest

from llmrec.serve import WorkspaceIndex, catalogue, evaluation, maps, users
from llmrec.serve.tables import item_columns, shown_items


@pytest.fixture(scope="module")
def bare(bare_workspace) -> WorkspaceIndex:
    return WorkspaceIndex.open(bare_workspace)


def test_the_quality_card_counts_no_titles_categories_ratings_or_dates(bare):
    quality = catalogue.data_quality(bare)
    assert (quality.n_items, quality.n_events) == (40, 360)  # 60 users x 6 purchases of 40 items
    fields = ("title", "text", "categories", "brand", "price", "reviews")
    assert quality.items_with == dict.fromkeys(fields, 0)
    assert quality.events_with == {"rating": 0, "timestamp": 0, "review": 0}
    assert quality.text_sources == {"metadata": 0, "reviews": 0, "id": 40}
    assert not (quality.has_categories or quality.has_ratings or quality.dated)
    assert "times are positions in each user's history (order only, no dates)" in quality.lines()


def test_the_card_is_written_by_the_build(bare_workspace):
    assert (bare_workspace / "data" / "quality.json").is_file()


def test_no_portrait_claims_an_unknown_category(bare):
    table = users.portraits_table(bare)
    assert all(len(cats) == 0 for cats in table["top_categories"])
    assert set(table["top_category"].fillna("")) == {""}
    assert catalogue.category_mix(bare).empty
    assert users.category_profile(bare, "U000").empty
    assert "category" not in maps.colourings(bare)
    assert maps.colourings(bare)[0] == "cluster"
    assert set(bare.items["category"]) == {""}  # the loader's "Unknown" placeholder is no category
    assert catalogue.dataset_card(bare)["categories"] == 0


def test_cluster_labels_are_never_built_from_ids(bare):
    labels = set(users.cluster_labels(bare).values())
    ids = [i.lower() for i in bare.ws.ids.items]
    assert labels  # every item has a cluster
    for label in labels:
        assert "unknown" not in label.lower()
        assert label.startswith("cluster ")  # ids carry no words: only the plain number is left
        assert not any(fragment in label.lower() for i in ids for fragment in (i, i[3:]))


def test_history_has_positions_no_ratings_and_the_item_id(bare):
    hist = users.history(bare, "U002")
    assert "date" not in hist and users.time_column(bare) == "position"
    assert hist["position"].tolist() == [1, 2, 3, 4, 5, 6]
    assert hist["item_id"].tolist() == [f"B00ITEM{i:03d}" for i in range(2, 8)]  # bought in that order
    assert hist["rating"].isna().all()  # unrated, not 0
    shown = item_columns(hist, ["position", "title", "category", "brand", "price", "rating", "review"])
    assert shown == ["position", "item_id"]  # the id stands in for the missing title, once


def test_tables_of_items_show_the_id(bare):
    top = catalogue.top_products(bare, 5)
    assert item_columns(top, list(top.columns)) == ["item_id", "popularity"]


def test_the_timeline_plots_no_rating_zero_points(bare):
    from llmrec.ui.charts import timeline

    hist = users.history(bare, "U002")
    fig = timeline(hist, "position", by_category=False)
    ys = [y for trace in fig.data for y in trace.y]
    assert len(ys) == 6 and 0 not in ys
    assert fig.layout.yaxis.visible is False  # no rating axis at all
    assert fig.layout.xaxis.title.text.startswith("position in the history")  # not "date"


def test_a_small_cold_start_pool_is_called_small(bare):
    pool = evaluation.cold_start_pool(bare)
    assert 0 < pool["n_items"] < evaluation.MIN_COLD_ITEMS
    assert pool["note"] is not None and f"{pool['n_items']:,} new items" in pool["note"]


def test_item_columns_adds_the_id_where_titles_repeat_or_are_ids():
    frame = pd.DataFrame({"item_id": ["a", "b", "c"], "title": ["Mug", "Mug", "Lamp"],
                          "category": ["", "", ""], "price": [1.0, None, None]})
    assert item_columns(frame, ["title", "category", "price"]) == ["item_id", "title", "price"]
    partly = frame.assign(title=["Mug", "b", "Lamp"])
    assert item_columns(partly, ["title"]) == ["item_id", "title"]
    distinct = frame.assign(title=["Mug", "Cup", "Lamp"])
    assert item_columns(distinct, ["title", "price"]) == ["title", "price"]
    assert list(shown_items(frame, ["title"]).columns) == ["item_id", "title"]
    assert shown_items(partly, ["title"])["title"].tolist() == ["Mug", "", "Lamp"]  # b's title was its id


def test_rated_and_unrated_events_keep_their_own_lanes():
    from llmrec.ui.charts import timeline

    hist = pd.DataFrame({"date": pd.to_datetime([1, 2, 3], unit="D"), "rating": [4.0, None, 2.0],
                         "category": ["A", "A", "B"], "title": ["x", "y", "z"]})
    fig = timeline(hist, "date")
    ys = sorted(y for trace in fig.data for y in trace.y)
    assert ys == [2.0, 4.0, 6.0]  # the unrated one in the "not rated" lane, not at 0
    assert list(fig.layout.yaxis.ticktext)[-1] == "not rated"
