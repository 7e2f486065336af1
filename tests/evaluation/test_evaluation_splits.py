"""Splits: the right rows held out, nothing lost, same seed same split, clear errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from llmrec.errors import ConfigError, DataError
from llmrec.evaluation.splits import (
    cold_start_split,
    given_split,
    leave_last_out,
    random_split,
    temporal_split,
)


def frame(rows) -> pd.DataFrame:
    users, items, timestamps = zip(*rows, strict=True)
    return pd.DataFrame({
        "user_id": pd.Series(users, dtype="string"),
        "item_id": pd.Series(items, dtype="string"),
        "rating": np.arange(len(rows), dtype=np.float64),  # doubles as the original row number
        "timestamp": np.array(timestamps, dtype=np.int64),
    })


@pytest.fixture
def random_interactions() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    n = 3000
    return frame(list(zip(rng.integers(0, 150, n).astype(str), rng.integers(0, 400, n).astype(str),
                          rng.integers(0, 10_000, n), strict=True)))


def rows_of(part: pd.DataFrame) -> list[int]:
    return part["rating"].astype(int).tolist()


def assert_partition(split, interactions):
    """Every input row is in exactly one part."""
    all_rows = rows_of(split.train) + rows_of(split.valid) + rows_of(split.test)
    assert sorted(all_rows) == list(range(len(interactions)))


def test_leave_last_out_picks_last_and_second_last():
    interactions = frame([
        ("a", "i1", 5),   # row 0: a's latest -> test
        ("a", "i2", 1),   # row 1: a's earliest -> train
        ("a", "i3", 3),   # row 2: tied at 3 with row 3, earlier row -> train
        ("a", "i4", 3),   # row 3: tied at 3, later row counts as later -> valid
        ("b", "i1", 1),   # rows 4-5: b has 2 < 3 interactions -> all train
        ("b", "i2", 2),
        ("c", "i3", 9),   # row 6: c's latest -> test
        ("c", "i1", 7),   # row 7: train
        ("c", "i2", 8),   # row 8: valid
    ])
    split = leave_last_out(interactions)
    assert rows_of(split.test) == [0, 6]
    assert rows_of(split.valid) == [3, 8]
    assert rows_of(split.train) == [1, 2, 4, 5, 7]  # input order kept
    assert split.params["users_only_in_train"] == 1
    assert "1 of 3 users have fewer than 3 interactions" in split.notes[0]
    assert "1 users with fewer interactions are kept entirely in training" in split.description()
    assert list(split.train.columns) == list(interactions.columns)


def test_leave_last_out_min_history(random_interactions):
    split = leave_last_out(random_interactions, min_history=25)
    counts = random_interactions["user_id"].value_counts()
    assert set(split.test["user_id"]) == set(counts[counts >= 25].index)
    assert split.params["users_only_in_train"] == int((counts < 25).sum())
    assert_partition(split, random_interactions)
    with pytest.raises(ConfigError, match="min_history must be an integer >= 3"):
        leave_last_out(random_interactions, min_history=2)


def test_temporal_split_with_explicit_cutoffs():
    interactions = frame([("a", f"i{t}", t) for t in range(1, 11)])  # timestamps 1..10
    split = temporal_split(interactions, cutoff=8, valid_cutoff=6)
    assert split.train["timestamp"].tolist() == [1, 2, 3, 4, 5]
    assert split.valid["timestamp"].tolist() == [6, 7]
    assert split.test["timestamp"].tolist() == [8, 9, 10]
    assert "at or after timestamp 8" in split.description()


def test_temporal_split_quantiles_and_errors():
    interactions = frame([("a", f"i{t}", t) for t in range(1, 11)])
    # quantile 0.8 of 1..10 ("lower") is 8; 0.7 is 7
    split = temporal_split(interactions)
    assert (split.params["cutoff"], split.params["valid_cutoff"]) == (8, 7)
    no_valid = temporal_split(interactions, valid_quantile=None)
    assert no_valid.valid.empty and len(no_valid.train) == 7
    with pytest.raises(DataError, match="test empty"):
        temporal_split(interactions, cutoff=11, valid_quantile=None)
    with pytest.raises(ConfigError, match="after the test cutoff"):
        temporal_split(interactions, cutoff=3)
    with pytest.raises(ConfigError, match="quantile"):
        temporal_split(interactions, quantile=1.5)


def test_temporal_split_notes_cold_users():
    interactions = frame([("a", "i1", 1), ("a", "i2", 2), ("b", "i3", 9)])
    split = temporal_split(interactions, cutoff=5, valid_quantile=None)
    assert any("1 test users have no training interactions" in note for note in split.notes)


def test_random_split_per_user(random_interactions):
    split = random_split(random_interactions, test_ratio=0.2, valid_ratio=0.1, seed=3)
    assert_partition(split, random_interactions)
    sizes = random_interactions["user_id"].value_counts()
    test_sizes = split.test["user_id"].value_counts().reindex(sizes.index, fill_value=0)
    np.testing.assert_array_equal(test_sizes, np.minimum(np.round(sizes * 0.2), sizes - 1))
    assert set(split.train["user_id"]) == set(random_interactions["user_id"])  # everyone trains
    again = random_split(random_interactions, test_ratio=0.2, valid_ratio=0.1, seed=3)
    pd.testing.assert_frame_equal(split.test, again.test)
    other = random_split(random_interactions, test_ratio=0.2, valid_ratio=0.1, seed=4)
    assert rows_of(other.test) != rows_of(split.test)


def test_random_split_global(random_interactions):
    split = random_split(random_interactions, seed=0, by_user=False)
    assert_partition(split, random_interactions)
    assert len(split.test) == 600 and len(split.valid) == 300
    assert "over all interactions" in split.description()
    with pytest.raises(ConfigError, match="below 1"):
        random_split(random_interactions, test_ratio=0.6, valid_ratio=0.5)


def test_cold_start_split_holds_out_whole_items(random_interactions):
    split = cold_start_split(random_interactions, item_ratio=0.1, valid_item_ratio=0.05, seed=5)
    assert_partition(split, random_interactions)
    n_items = random_interactions["item_id"].nunique()
    test_items, valid_items = set(split.test["item_id"]), set(split.valid["item_id"])
    assert len(test_items) == round(n_items * 0.1)
    assert not (test_items | valid_items) & set(split.train["item_id"])
    assert not test_items & valid_items
    assert set(split.cold_items) == test_items | valid_items
    # all interactions of a held-out test item are in test
    assert len(split.test) == random_interactions["item_id"].isin(test_items).sum()


def test_cold_start_split_is_deterministic_and_ignores_row_order(random_interactions):
    first = cold_start_split(random_interactions, seed=5)
    shuffled = random_interactions.sample(frac=1.0, random_state=0)
    second = cold_start_split(shuffled, seed=5)
    assert first.cold_items.equals(second.cold_items)
    assert not first.cold_items.equals(cold_start_split(random_interactions, seed=6).cold_items)


@pytest.mark.parametrize("split", [leave_last_out, temporal_split, random_split, cold_start_split])
def test_bad_input_is_a_data_error(split, random_interactions):
    with pytest.raises(DataError, match="empty"):
        split(random_interactions.iloc[:0])
    with pytest.raises(DataError, match="no column 'user_id'"):
        split(random_interactions.drop(columns="user_id"))
    broken = random_interactions.copy()
    broken.loc[3, "item_id"] = pd.NA
    with pytest.raises(DataError, match="field 'item_id'"):
        split(broken)


def test_description_of_a_hand_built_split(random_interactions):
    from llmrec.evaluation.splits import Split

    split = Split(kind="leave_last_out", train=random_interactions, valid=random_interactions.iloc[:0],
                  test=random_interactions.iloc[:5])
    assert split.description().endswith("Train 3,000 / validation 0 / test 5 interactions.")
    with pytest.raises(ConfigError, match="choose one of"):
        split.part("holdout")


def test_given_split_keeps_the_authors_assignment():
    frame = pd.DataFrame({"user_id": ["a", "a", "a", "b", "b", "b"],
                          "item_id": ["1", "2", "3", "1", "3", "2"], "timestamp": [0, 1, 2, 0, 1, 2],
                          "given_split": ["train", "valid", "test", "train", "test", "valid"]})
    split = given_split(frame)
    assert split.kind == "given"
    assert list(split.test["item_id"]) == ["3", "3"] and list(split.valid["item_id"]) == ["2", "2"]
    assert list(split.train["item_id"]) == ["1", "1"]
    assert split.params["test_users"] == 2
    assert split.description().startswith("Given split: the train/validation/test assignment shipped")


def test_given_split_names_the_first_unlabelled_row():
    frame = pd.DataFrame({"user_id": ["a", "a"], "item_id": ["1", "2"], "timestamp": [0, 1],
                          "given_split": ["train", "holdout"]})
    with pytest.raises(DataError, match="row 1: given_split is 'holdout', expected one of"):
        given_split(frame)
