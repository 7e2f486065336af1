"""WorkspaceIndex lookups that replace per-request scans: they must give exactly what the scan gave."""

from __future__ import annotations

import pandas as pd
import pytest

from llmrec.serve import WorkspaceIndex, maps, users


@pytest.fixture(scope="module")
def index(small_index) -> WorkspaceIndex:
    return small_index


@pytest.fixture(scope="module")
def some_users(index) -> list[str]:
    ids = index.ws.ids.users
    return [str(ids[0]), str(ids[len(ids) // 2]), str(ids[-1])]


@pytest.mark.parametrize("relative", ["portraits/users.parquet", "portraits/interests.parquet",
                                      "portraits/aspects.parquet"])
def test_user_slice_is_the_filter_on_user_id(index, some_users, relative):
    if not (index.ws.root / relative).is_file():
        pytest.skip(f"the small workspace has no {relative}")
    table = index.ws.table(relative)
    table["user_id"] = table["user_id"].astype(str)
    for user in some_users:
        expected = table[table["user_id"] == user]
        pd.testing.assert_frame_equal(index.user_slice(relative, user), expected)  # rows, order, labels
    assert index.user_slice(relative, "no-such-user").empty


@pytest.mark.parametrize("part", ["train", "valid", "test"])
def test_split_slice_is_the_filter_on_user_id(index, some_users, part):
    split = index.ws.split[part]
    for user in some_users:
        expected = split[split["user_id"].astype(str) == user]
        assert len(expected)  # every user of the small workspace is in every part
        pd.testing.assert_frame_equal(index.split_slice(part, user), expected)


def test_derived_values_are_computed_once(index):
    calls = []
    first = index.derived(("test", "once"), lambda: calls.append(1) or len(calls))
    second = index.derived(("test", "once"), lambda: calls.append(1) or len(calls))
    assert (first, second, len(calls)) == (1, 1, 1)


def test_map_positions_match_the_map_frame(index):
    frame = maps.map_frame(index, "text")
    by_id = frame.set_index("item_id")
    wanted = [frame["item_id"].iloc[5], "no-such-item", frame["item_id"].iloc[2], frame["item_id"].iloc[5]]
    got = maps.map_positions(index, "text", wanted)
    # in the order asked, the repeat kept, the unknown id left out
    assert got["item_id"].tolist() == [wanted[0], wanted[2], wanted[0]]
    assert got["x"].tolist() == by_id.loc[got["item_id"], "x"].tolist()
    assert list(got.columns) == ["item_id", "x", "y", "title"]
    rows = maps.map_rows(index, "text", (wanted[0], wanted[2]))
    assert rows.index.tolist() == [2, 5]  # map order, row labels of the full frame
    pd.testing.assert_frame_equal(rows, frame.loc[[2, 5]])
    assert maps.map_item_at(index, "text", 5) == wanted[0]
    assert maps.map_item_at(index, "text", len(frame)) is None
    assert maps.map_item_at(index, "text", -1) is None
    assert maps.map_size(index, "text") == len(frame)


def test_known_user(index, some_users):
    assert all(users.known_user(index, u) for u in some_users)
    assert not users.known_user(index, "no-such-user")


def test_population_shares_sum_to_one_and_are_the_same_for_every_user(index, some_users):
    profile = users.price_profile(index, some_users[0])
    assert profile["population"].sum() == pytest.approx(1.0)
    assert profile["user"].sum() == pytest.approx(1.0)
    again = users.price_profile(index, some_users[1])
    assert profile["population"].tolist() == again["population"].tolist()
