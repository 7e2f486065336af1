"""evaluate() end to end with fake recommenders whose scores are fixed matrices."""

from __future__ import annotations

import importlib
import json
import math

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from llmrec.data.ids import IdMap, interaction_matrix
from llmrec.errors import ConfigError, DataError, ModelError
from llmrec.evaluation import (
    EvaluationResult,
    Protocol,
    evaluate,
    leave_last_out,
    recommendations,
)
from llmrec.models import Recommender, rank_top_k, tie_order

# The package exports the function evaluate(), which hides the module of the same name.
evaluate_module = importlib.import_module("llmrec.evaluation.evaluate")


class FixedScores(Recommender):
    """A Recommender whose score() returns rows of a fixed (n_users, n_items) matrix."""

    def __init__(self, matrix, name="fixed"):
        self.matrix = np.asarray(matrix, dtype=np.float32)
        self.name = name
        self._remember(sp.csr_matrix(self.matrix.shape, dtype=np.float32))

    def fit(self, train, **kwargs):
        return self

    def _score(self, users):
        return self.matrix[users]


class ConstantRater(FixedScores):
    def predict(self, users, items):
        return np.full(len(users), 3.0)


@pytest.fixture
def interactions() -> pd.DataFrame:
    # Leave-last-out on this gives:
    #   u0: train i0, valid i1, test i2
    #   u1: train i1, valid i3, test i0
    #   u2: train i0, valid i2, test i4
    rows = [("u0", "i0", 1), ("u0", "i1", 2), ("u0", "i2", 3),
            ("u1", "i1", 1), ("u1", "i3", 2), ("u1", "i0", 3),
            ("u2", "i0", 1), ("u2", "i2", 2), ("u2", "i4", 3)]
    users, items, times = zip(*rows, strict=True)
    return pd.DataFrame({"user_id": pd.Series(users, dtype="string"),
                         "item_id": pd.Series(items, dtype="string"),
                         "rating": [1.0, 2.0, 4.0, 1.0, 2.0, 2.0, 1.0, 2.0, 5.0],
                         "timestamp": np.array(times, dtype=np.int64)})


@pytest.fixture
def ids() -> IdMap:
    return IdMap(users=pd.Index(["u0", "u1", "u2"], name="user_id"),
                 items=pd.Index([f"i{i}" for i in range(5)], name="item_id"))


@pytest.fixture
def split(interactions):
    return leave_last_out(interactions)


def value(result, metric, k=None, model="fixed"):
    rows = result.metrics[(result.metrics["model"] == model) & (result.metrics["metric"] == metric)]
    if k is not None:
        rows = rows[rows["k"] == k]
    assert len(rows) == 1
    return float(rows["value"].iloc[0])


def test_oracle_scores_one(split, ids):
    oracle = interaction_matrix(split.test, ids).toarray()
    result = evaluate({"oracle": FixedScores(oracle)}, split, ids, ks=(1, 3))
    for k in (1, 3):
        for metric in ("NDCG", "Recall", "HitRate", "MRR", "MAP"):
            assert value(result, metric, k, model="oracle") == pytest.approx(1.0)
    assert value(result, "Precision", 3, model="oracle") == pytest.approx(1 / 3)


def test_masking_gives_credit_only_for_test_items(split, ids):
    train = interaction_matrix(split.train, ids).toarray()
    valid = interaction_matrix(split.valid, ids).toarray()
    test = interaction_matrix(split.test, ids).toarray()
    # training items score highest, validation items next, then the test item, then the rest
    cheat = 10 * train + 5 * valid + 2 * test
    result = evaluate({"fixed": FixedScores(cheat)}, split, ids, ks=(1,))
    assert value(result, "NDCG", 1) == pytest.approx(1.0)  # test item at rank 1 for every user
    recs = recommendations(FixedScores(cheat), ["u0", "u1", "u2"], 5, ids=ids, split=split)
    masked = set(map(tuple, split.train[["user_id", "item_id"]].to_numpy().tolist()))
    masked |= set(map(tuple, split.valid[["user_id", "item_id"]].to_numpy().tolist()))
    assert not masked & set(map(tuple, recs[["user_id", "item_id"]].to_numpy().tolist()))


def test_validation_items_are_candidates_when_evaluating_on_validation(split, ids):
    valid = interaction_matrix(split.valid, ids).toarray()
    result = evaluate({"fixed": FixedScores(valid)}, split, ids, ks=(1,), on="valid")
    assert value(result, "NDCG", 1) == pytest.approx(1.0)
    assert result.protocol.target == "valid"
    assert "validation items" not in result.protocol.masking


def test_hand_computed_ranking_coverage_novelty(split, ids):
    # Every user prefers i0 > i1 > i2 > i3 > i4. After masking train + valid:
    #   u0 (masks i0, i1): ranks i2, i3, i4; test i2 at rank 1
    #   u1 (masks i1, i3): ranks i0, i2, i4; test i0 at rank 1
    #   u2 (masks i0, i2): ranks i1, i3, i4; test i4 at rank 3
    model = FixedScores(np.tile([5.0, 4.0, 3.0, 2.0, 1.0], (3, 1)))
    result = evaluate({"fixed": model}, split, ids, ks=(1, 3, 5), per_user=True)
    assert value(result, "HitRate", 1) == pytest.approx(2 / 3)
    assert value(result, "NDCG", 3) == pytest.approx((1 + 1 + 1 / math.log2(4)) / 3)
    assert value(result, "MRR", 3) == pytest.approx((1 + 1 + 1 / 3) / 3)
    assert value(result, "Recall", 3) == pytest.approx(1.0)
    # K=5 > 3 recommendable items: missing positions count as misses
    assert value(result, "Precision", 5) == pytest.approx(1 / 5)
    # top-1 items {i2, i0, i1}; top-3 items all five
    assert value(result, "Coverage", 1) == pytest.approx(3 / 5)
    assert value(result, "Coverage", 3) == pytest.approx(1.0)
    # training popularity: i0 2 users (u0, u2), i1 1 user, others 0 (counted as 1); 3 training users
    # top-1: u0 i2 -> log2(3), u1 i0 -> log2(3/2), u2 i1 -> log2(3)
    assert value(result, "Novelty", 1) == pytest.approx((2 * math.log2(3) + math.log2(1.5)) / 3)
    assert value(result, "AvgPop", 1) == pytest.approx((0 + 2 + 1) / 3)
    per_user = result.per_user.set_index(["user_id", "k"])
    assert per_user.loc[("u2", 3), "NDCG"] == pytest.approx(0.5)
    assert per_user.loc[("u0", 3), "NDCG"] == pytest.approx(1.0)
    assert set(result.per_user.columns) >= {"model", "user_id", "k", "NDCG", "Novelty"}


def test_diversity_uses_item_text(split, ids):
    model = FixedScores(np.tile([5.0, 4.0, 3.0, 2.0, 1.0], (3, 1)))
    without = evaluate({"fixed": model}, split, ids, ks=(2,))
    assert "ILD" not in set(without.metrics["metric"])
    assert any("ILD" in note for note in without.protocol.notes)
    # identical embeddings -> every pair has cosine 1 -> diversity 0
    same = evaluate({"fixed": model}, split, ids, ks=(2,), item_text=np.ones((5, 3)))
    assert value(same, "ILD", 2) == pytest.approx(0.0)
    with pytest.raises(DataError, match="item_text"):
        evaluate({"fixed": model}, split, ids, item_text=np.ones((4, 3)))


def test_batching_does_not_change_results(split, ids, monkeypatch):
    scores = np.random.default_rng(0).random((3, 5))
    whole = evaluate({"fixed": FixedScores(scores)}, split, ids, per_user=True)
    monkeypatch.setattr(evaluate_module, "MAX_BATCH_CELLS", 5)  # one user per batch
    calls = []
    small = evaluate({"fixed": FixedScores(scores)}, split, ids, per_user=True,
                     progress=lambda name, done, total: calls.append((name, done, total)))
    pd.testing.assert_frame_equal(whole.metrics, small.metrics)
    pd.testing.assert_frame_equal(whole.per_user, small.per_user)
    assert calls == [("fixed", 1, 3), ("fixed", 2, 3), ("fixed", 3, 3)]


def test_test_items_already_in_training_are_not_relevant(ids):
    # u0 bought i0 again last: the repeat cannot be recommended (masked), so it is not counted
    rows = [("u0", "i0", 1), ("u0", "i1", 2), ("u0", "i0", 3),
            ("u1", "i1", 1), ("u1", "i2", 2), ("u1", "i3", 3)]
    users, items, times = zip(*rows, strict=True)
    interactions = pd.DataFrame({"user_id": list(users), "item_id": list(items), "rating": np.nan,
                                 "timestamp": list(times)})
    split = leave_last_out(interactions)
    result = evaluate({"fixed": FixedScores(np.zeros((3, 5)))}, split, ids)
    assert result.protocol.n_users == 1
    assert any("1 users are not evaluated" in note for note in result.protocol.notes)
    assert any("repeat an item" in note for note in result.protocol.notes)


def test_rating_metrics(split, ids):
    # test ratings: u0 i2 4.0, u1 i0 2.0, u2 i4 5.0; constant prediction 3 -> errors 1, 1, 2
    models = {"rater": ConstantRater(np.zeros((3, 5))), "ranker": FixedScores(np.zeros((3, 5)))}
    result = evaluate(models, split, ids, ks=(1,))
    assert value(result, "RMSE", model="rater") == pytest.approx(math.sqrt(6 / 3))
    assert value(result, "MAE", model="rater") == pytest.approx(4 / 3)
    assert "RMSE" not in set(result.metrics.loc[result.metrics["model"] == "ranker", "metric"])
    assert result.metrics.loc[result.metrics["metric"] == "RMSE", "k"].isna().all()
    with pytest.raises(ConfigError, match="no predict"):
        evaluate(models, split, ids, rating_models=["ranker"])


def test_rating_metrics_skipped_without_ratings(split, ids):
    for part in (split.train, split.valid, split.test):
        part["rating"] = np.nan
    result = evaluate({"rater": ConstantRater(np.zeros((3, 5)))}, split, ids)
    assert "RMSE" not in set(result.metrics["metric"])
    assert any("RMSE/MAE not computed" in note for note in result.protocol.notes)


def test_result_table_format_and_json(split, ids):
    models = {"b": FixedScores(np.zeros((3, 5))), "a": FixedScores(np.tile(np.arange(5.0), (3, 1)))}
    result = evaluate(models, split, ids, ks=(5, 10))
    table = result.table(10)
    assert list(table.index) == ["b", "a"]  # models keep their given order
    assert table.columns[0] == "Precision@10" and "NDCG@10" in table.columns
    assert not any(column.endswith("@5") for column in table.columns)
    assert "NDCG@5" in result.table().columns
    with pytest.raises(ConfigError, match="choose one of"):
        result.table(7)
    text = result.format(10)
    assert text.startswith("Split: Leave-last-out") and "NDCG@10" in text
    assert text.index("Masking") < text.index("NDCG@10")
    data = json.loads(result.to_json())
    assert data["protocol"]["ks"] == [5, 10]
    restored = EvaluationResult.from_json(result.to_json())
    pd.testing.assert_frame_equal(restored.metrics, result.metrics)
    assert restored.protocol == result.protocol


def test_protocol_text_names_every_choice(split, ids):
    result = evaluate({"fixed": FixedScores(np.zeros((3, 5)))}, split, ids, ks=(5, 10))
    text = result.protocol.describe()
    for words in ("Split: Leave-last-out", "K: 5, 10", "Candidates: all items",
                  "Masking: training items of each user masked (and validation items",
                  "Relevance: held-out items", "3 users, 5 items"):
        assert words in text
    assert Protocol.from_dict(result.protocol.to_dict()) == result.protocol


def test_invalid_arguments(split, ids):
    model = FixedScores(np.zeros((3, 5)))
    with pytest.raises(ConfigError, match="non-empty dict"):
        evaluate({}, split, ids)
    with pytest.raises(ConfigError, match="K must be"):
        evaluate({"m": model}, split, ids, ks=(0,))
    with pytest.raises(ConfigError, match="'test' or 'valid'"):
        evaluate({"m": model}, split, ids, on="train")
    with pytest.raises(ConfigError, match="batch_size"):
        evaluate({"m": model}, split, ids, batch_size=0)
    with pytest.raises(ConfigError, match="not a Recommender"):
        evaluate({"m": object()}, split, ids)


def test_bad_model_output_is_a_model_error(split, ids):
    with pytest.raises(ModelError, match="expected \\(3, 5\\)"):
        evaluate({"m": FixedScores(np.zeros((3, 4)))}, split, ids)
    scores = np.zeros((3, 5))
    scores[1, 2] = np.nan
    with pytest.raises(ModelError, match="NaN"):
        evaluate({"m": FixedScores(scores)}, split, ids)


def test_rank_top_k_ties_masking_and_padding():
    scores = np.array([[1.0, 3.0, 3.0, 3.0, 0.0],
                       [5.0, 4.0, 3.0, 2.0, 1.0]])
    by_index = np.arange(5)  # tie order = item order, to read the ties off by hand
    # row 0: three items tie at 3 -> earlier in the tie order first; row 1: plain order
    np.testing.assert_array_equal(rank_top_k(scores, 2, order=by_index)[0], [[1, 2], [0, 1]])
    np.testing.assert_array_equal(rank_top_k(scores, 4, order=by_index)[0], [[1, 2, 3, 0], [0, 1, 2, 3]])
    exclude = sp.csr_matrix(np.array([[0, 1, 1, 1, 0], [1, 1, 1, 1, 0]]))
    # row 1 has a single recommendable item: padded with -1 (score -inf)
    items, values = rank_top_k(scores, 3, exclude, order=by_index)
    np.testing.assert_array_equal(items, [[0, 4, -1], [4, -1, -1]])
    assert values[1].tolist() == [1.0, -np.inf, -np.inf]
    assert rank_top_k(scores, 10)[0].shape == (2, 5)


def test_rank_top_k_breaks_ties_by_the_seeded_order():
    # all scores equal: the list is the seeded permutation itself, not items 0, 1, 2, ...
    flat = np.zeros((2, 50), dtype=np.float32)
    items, _ = rank_top_k(flat, 10, tie_seed=7)
    np.testing.assert_array_equal(items, np.tile(tie_order(50, 7)[:10], (2, 1)))
    assert items[0].tolist() != list(range(10))
    assert not np.array_equal(rank_top_k(flat, 10, tie_seed=8)[0], items)


def test_recommendations_frame(split, ids):
    model = FixedScores(np.tile([5.0, 4.0, 3.0, 2.0, 1.0], (3, 1)))
    recs = recommendations(model, ["u2"], 2, ids=ids, split=split)
    assert recs["item_id"].tolist() == ["i1", "i3"]  # i0, i2 masked for u2
    assert recs["rank"].tolist() == [1, 2]
    assert recs["relevant"].tolist() == [False, False]
    unmasked = recommendations(model, ["u2"], 2, ids=ids)
    assert unmasked["item_id"].tolist() == ["i0", "i1"] and "relevant" not in unmasked


def test_rank_top_k_matches_a_full_sort_under_the_tie_order():
    # coarse scores -> many ties; reference: sort by (-score, place in the tie order) over the whole row
    rng = np.random.default_rng(2)
    scores = np.round(rng.random((40, 200)) * 4).astype(np.float32)
    place = np.empty(200, dtype=np.int64)
    place[tie_order(200, 3)] = np.arange(200)
    expected = np.lexsort((np.broadcast_to(place, scores.shape), -scores))[:, :7]
    np.testing.assert_array_equal(rank_top_k(scores, 7, tie_seed=3)[0], expected)


def test_candidates_restrict_ranking_to_new_items(split, ids):
    # Every user prefers i0 > i1 > i2 > i3 > i4; only i2 and i4 are candidates.
    #   u0 (test i2): ranks i2, i4 -> i2 at rank 1
    #   u2 (test i4; i2 masked as its validation item): ranks i4 -> rank 1
    #   u1 (test i0): i0 is not a candidate, so it ranks i2, i4 -> a miss
    preference = np.tile(np.array([5, 4, 3, 2, 1], dtype=np.float32), (3, 1))
    result = evaluate({"fixed": FixedScores(preference)}, split, ids, ks=(1,), candidates=np.array([2, 4]))
    assert value(result, "HitRate", 1) == pytest.approx(2 / 3)
    assert "only the 2 candidate items" in result.protocol.candidates
    recs = recommendations(FixedScores(preference), ["u0"], 1, ids=ids, split=split)
    assert recs["item_id"].tolist() == ["i2"]
