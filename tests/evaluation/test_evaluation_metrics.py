"""Metric functions against hand-computed values; batch forms against the reference functions."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from llmrec.errors import ConfigError, DataError
from llmrec.evaluation.metrics import beyond_accuracy as beyond
from llmrec.evaluation.metrics import ranking, rating

LOG3 = math.log2(3)
LOG5 = math.log2(5)

# ranked [3, 1, 7, 2], relevant {1, 2}:
#   rank 1: item 3 miss, rank 2: item 1 HIT, rank 3: item 7 miss, rank 4: item 2 HIT
RANKED = [3, 1, 7, 2]
RELEVANT = {1, 2}


@pytest.mark.parametrize(("function", "k", "expected"), [
    (ranking.precision_at_k, 4, 2 / 4),
    (ranking.precision_at_k, 2, 1 / 2),                       # rank 2 hit
    (ranking.precision_at_k, 1, 0.0),                         # rank 1 miss
    (ranking.precision_at_k, 10, 2 / 10),                     # K > list: missing positions are misses
    (ranking.recall_at_k, 4, 2 / 2),
    (ranking.recall_at_k, 2, 1 / 2),
    (ranking.f1_at_k, 4, 2 * 0.5 * 1.0 / 1.5),                # P=1/2, R=1
    (ranking.f1_at_k, 1, 0.0),                                # P=R=0
    (ranking.ndcg_at_k, 4, (1 / LOG3 + 1 / LOG5) / (1 + 1 / LOG3)),   # hits at ranks 2, 4; ideal ranks 1, 2
    (ranking.ndcg_at_k, 2, (1 / LOG3) / (1 + 1 / LOG3)),      # hit at rank 2; ideal ranks 1, 2
    (ranking.ndcg_at_k, 10, (1 / LOG3 + 1 / LOG5) / (1 + 1 / LOG3)),  # ideal over min(|rel|=2, K)
    (ranking.average_precision_at_k, 4, (1 / 2 + 2 / 4) / 2),  # P@2=1/2, P@4=2/4, / min(2, 4)
    (ranking.average_precision_at_k, 2, (1 / 2) / 2),         # P@2=1/2, / min(2, 2)
    (ranking.hit_rate_at_k, 4, 1.0),
    (ranking.hit_rate_at_k, 1, 0.0),
    (ranking.mrr_at_k, 4, 1 / 2),                             # first hit at rank 2
    (ranking.mrr_at_k, 1, 0.0),
])
def test_reference_metrics_on_a_hand_ranked_list(function, k, expected):
    assert function(RANKED, RELEVANT, k) == pytest.approx(expected)


def test_average_precision_divides_by_k_when_more_items_are_relevant():
    # ranked [5, 6, 7], relevant {5, 6, 7, 8, 9}, K=2: hits at ranks 1, 2 -> (1/1 + 2/2) / min(5, 2)
    assert ranking.average_precision_at_k([5, 6, 7], {5, 6, 7, 8, 9}, 2) == pytest.approx(1.0)
    assert ranking.recall_at_k([5, 6, 7], {5, 6, 7, 8, 9}, 2) == pytest.approx(2 / 5)
    assert ranking.ndcg_at_k([5, 6, 7], {5, 6, 7, 8, 9}, 2) == pytest.approx(1.0)


def test_perfect_list_scores_one():
    for function in (ranking.precision_at_k, ranking.recall_at_k, ranking.ndcg_at_k,
                     ranking.average_precision_at_k, ranking.hit_rate_at_k, ranking.mrr_at_k,
                     ranking.f1_at_k):
        assert function([4, 9], {4, 9}, 2) == pytest.approx(1.0)


def test_empty_relevant_set_is_undefined():
    for function in ranking._REFERENCE.values():
        assert math.isnan(function(RANKED, set(), 3))


def test_duplicates_in_ranked_list_are_an_error():
    with pytest.raises(DataError, match="repeats item 1"):
        ranking.ndcg_at_k([3, 1, 1], RELEVANT, 3)


@pytest.mark.parametrize("k", [0, -1, 2.5, True, None])
def test_invalid_k_is_a_config_error(k):
    with pytest.raises(ConfigError, match="K must be a positive integer"):
        ranking.precision_at_k(RANKED, RELEVANT, k)
    with pytest.raises(ConfigError):
        ranking.NDCG(k)


def test_labels():
    assert ranking.NDCG(10).label == "NDCG@10"
    assert ranking.MAP(5).label == "MAP@5"
    assert ranking.HitRate(20).label == "HitRate@20"
    assert beyond.Coverage(10).label == "Coverage@10"
    assert beyond.IntraListDiversity(3).label == "ILD@3"
    assert rating.RMSE.label == "RMSE"
    assert [metric(1).label for metric in ranking.RANKING_METRICS] == [
        "Precision@1", "Recall@1", "F1@1", "NDCG@1", "MAP@1", "HitRate@1", "MRR@1"]


def test_metric_object_calls_the_reference_function():
    assert ranking.NDCG(4)(RANKED, RELEVANT) == ranking.ndcg_at_k(RANKED, RELEVANT, 4)


@pytest.mark.parametrize("k", [1, 3, 5, 10, 15])
def test_batch_forms_equal_reference_functions_on_random_data(k):
    rng = np.random.default_rng(7)
    n_users, n_items, length = 60, 30, 10
    ranked = np.stack([rng.permutation(n_items)[:length] for _ in range(n_users)])
    ranked[::7, 6:] = -1  # some shorter lists, padded
    relevant = sp.random(n_users, n_items, density=0.15, format="csr", random_state=3)
    relevant.data[:] = 1.0
    keep = np.ones(n_users)
    keep[0] = 0  # a user with no relevant items -> NaN in both forms
    relevant = (sp.diags(keep) @ relevant).tocsr()
    relevant.eliminate_zeros()
    batch_functions = {
        "Precision": ranking.precision_at_k_batch, "Recall": ranking.recall_at_k_batch,
        "F1": ranking.f1_at_k_batch,
        "NDCG": ranking.ndcg_at_k_batch, "MAP": ranking.average_precision_at_k_batch,
        "HitRate": ranking.hit_rate_at_k_batch, "MRR": ranking.mrr_at_k_batch,
    }
    for name, batch in batch_functions.items():
        got = batch(ranked, relevant, k)
        expected = [ranking._REFERENCE[name]([i for i in row if i >= 0], set(relevant[u].indices), k)
                    for u, row in enumerate(ranked)]
        np.testing.assert_allclose(got, expected, equal_nan=True, err_msg=name)
        assert np.isnan(got[0])


def test_batch_rejects_repeated_items_but_not_padding():
    relevant = sp.csr_matrix(np.eye(3))
    ranking.ndcg_at_k_batch(np.array([[0, -1, -1], [1, 2, -1], [2, 0, 1]]), relevant, 3)
    with pytest.raises(DataError, match="row 1 repeats"):
        ranking.ndcg_at_k_batch(np.array([[0, 1, 2], [2, 2, 0], [0, 1, 2]]), relevant, 3)


def test_hits_matrix_checks_shapes():
    with pytest.raises(DataError, match="one row per list"):
        ranking.hits_matrix(np.array([[0, 1]]), sp.csr_matrix((2, 3)))
    with pytest.raises(DataError, match="only 3 items"):
        ranking.hits_matrix(np.array([[0, 5]]), sp.csr_matrix((1, 3)))


def test_catalogue_coverage():
    # lists [0, 1] and [1, 2] over 5 items: top-2 covers {0, 1, 2}, top-1 covers {0, 1}
    ranked = np.array([[0, 1], [1, 2]])
    assert beyond.catalogue_coverage_at_k(ranked, 5, 2) == pytest.approx(3 / 5)
    assert beyond.catalogue_coverage_at_k(ranked, 5, 1) == pytest.approx(2 / 5)
    assert beyond.catalogue_coverage_at_k(np.array([[0, -1]]), 5, 2) == pytest.approx(1 / 5)  # padding


def test_novelty_and_average_popularity():
    # training popularity of items 0..3 among 4 users: 4, 2, 1, 0
    # self-information -log2(pop/4): 0, 1, 2, and 2 for the never-seen item (counted as pop 1)
    popularity = np.array([4, 2, 1, 0])
    np.testing.assert_allclose(beyond.self_information(popularity, 4), [0, 1, 2, 2])
    assert beyond.novelty_at_k([0, 1], popularity, 4, 2) == pytest.approx(0.5)
    assert beyond.novelty_at_k([1, 2, 0], popularity, 4, 2) == pytest.approx(1.5)  # top-2 only
    assert beyond.average_popularity_at_k([0, 1], popularity, 2) == pytest.approx(3.0)
    ranked = np.array([[0, 1], [1, 2], [3, -1]])
    np.testing.assert_allclose(beyond.Novelty(2).batch(ranked, popularity, 4), [0.5, 1.5, 2.0])
    np.testing.assert_allclose(beyond.AveragePopularity(2).batch(ranked, popularity), [3.0, 1.5, 0.0])


def test_intra_list_diversity():
    # e0=(1,0), e1=(0,1), e2=(1,1): pairs 1-cos = 1, 1-1/sqrt2, 1-1/sqrt2
    embeddings = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 2.0]])
    expected = (1 + 2 * (1 - 1 / math.sqrt(2))) / 3
    assert beyond.intra_list_diversity_at_k([0, 1, 2], embeddings, 3) == pytest.approx(expected)
    assert math.isnan(beyond.intra_list_diversity_at_k([0], embeddings, 3))
    batch = beyond.IntraListDiversity(3).batch(np.array([[0, 1, 2], [0, 1, -1], [2, -1, -1]]), embeddings)
    np.testing.assert_allclose(batch, [expected, 1.0, np.nan])


def test_ild_batch_equals_reference_on_random_embeddings():
    rng = np.random.default_rng(0)
    embeddings = rng.normal(size=(20, 5))
    ranked = np.stack([rng.permutation(20)[:6] for _ in range(10)])
    batch = beyond.IntraListDiversity(4).batch(ranked, embeddings)
    expected = [beyond.intra_list_diversity_at_k(list(row), embeddings, 4) for row in ranked]
    np.testing.assert_allclose(batch, expected)


def test_ild_batch_counts_a_zero_embedding_as_orthogonal_to_everything():
    # e0=(1,0), e3=(0,0), e2=(1,1): pairs (0,3) and (3,2) have cosine 0, (0,2) 1/sqrt2
    embeddings = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 2.0], [0.0, 0.0]])
    expected = (2 + (1 - 1 / math.sqrt(2))) / 3
    batch = beyond.IntraListDiversity(3).batch(np.array([[0, 3, 2], [3, 0, -1]]), embeddings)
    np.testing.assert_allclose(batch, [expected, 1.0])
    assert beyond.intra_list_diversity_at_k([0, 3, 2], embeddings, 3) == pytest.approx(expected)


def test_rating_errors():
    # errors 0, 0, 2 -> RMSE sqrt(4/3), MAE 2/3
    assert rating.rmse([1, 2, 3], [1, 2, 5]) == pytest.approx(math.sqrt(4 / 3))
    assert rating.mae([1, 2, 3], [1, 2, 5]) == pytest.approx(2 / 3)
    with pytest.raises(DataError, match="2 predictions for 3 ratings"):
        rating.rmse([1, 2], [1, 2, 3])
    with pytest.raises(DataError, match="missing"):
        rating.mae([1, 2], [1, np.nan])
    with pytest.raises(DataError, match="no ratings"):
        rating.rmse([], [])


def test_ild_at_every_k_from_one_gather_equals_one_k_at_a_time():
    rng = np.random.default_rng(1)
    embeddings = rng.normal(size=(30, 4))
    ranked = np.stack([rng.permutation(30)[:8] for _ in range(6)])
    ranked[0, 3:] = -1                                   # a short list: ILD@5 and @8 over its 3 items
    together = beyond.ild_at_ks(ranked, embeddings, (2, 5, 8))
    for k in (2, 5, 8):
        expected = [beyond.intra_list_diversity_at_k([i for i in row if i >= 0], embeddings, k)
                    for row in ranked]
        np.testing.assert_allclose(together[k], expected)
