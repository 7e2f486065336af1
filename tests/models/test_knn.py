import numpy as np
import pytest
import scipy.sparse as sp

import llmrec.models.knn as knn
from llmrec.errors import ConfigError, DataError
from llmrec.models import ItemKNN
from tests.models.model_datasets import withheld_first_rate


def dense_neighbours(text: np.ndarray, k: int, shrink: float) -> np.ndarray:
    norms = np.linalg.norm(text, axis=1)
    sims = text @ text.T / (np.outer(norms, norms) + shrink) if shrink else (
        (text / norms[:, None]) @ (text / norms[:, None]).T)
    np.fill_diagonal(sims, -np.inf)
    out = np.zeros_like(sims)
    for row in range(len(sims)):
        best = np.argsort(-sims[row])[:k]
        out[row, best] = np.maximum(sims[row, best], 0)
    return out


@pytest.mark.parametrize("shrink", [0.0, 0.5])
def test_blockwise_neighbours_match_dense_computation(monkeypatch, shrink):
    monkeypatch.setattr(knn, "_BLOCK_ELEMENTS", 7 * 30)  # 7 rows per block: several uneven blocks
    text = np.random.default_rng(0).normal(size=(30, 6)).astype(np.float32)
    similarity = knn.text_neighbours(text, 4, shrink)
    assert similarity.shape == (30, 30)
    assert (np.diff(similarity.indptr) <= 4).all()
    assert similarity.diagonal().sum() == 0
    np.testing.assert_allclose(similarity.toarray(), dense_neighbours(text, 4, shrink), atol=1e-5)


def test_withheld_item_ranks_first_with_block_text(board):
    train, withheld, text = board
    model = ItemKNN(neighbours=20).fit(train, item_text=text)
    assert withheld_first_rate(model.score(np.arange(40)), train, withheld) >= 0.95


def test_score_is_sum_of_history_similarities(board):
    train, _, text = board
    model = ItemKNN(neighbours=5).fit(train, item_text=text)
    history = train[7].indices
    expected = model.similarity_[history].sum(axis=0).A1
    np.testing.assert_allclose(model.score(np.array([7]))[0], expected, rtol=1e-6)
    explanation = model.explain(7, 3)
    assert {n.item for n in explanation.related_items} <= set(history)
    sims = [n.similarity for n in explanation.related_items]
    assert sims == sorted(sims, reverse=True)


def test_user_without_history_gets_popularity():
    train = sp.csr_matrix(np.array([[1, 1, 0], [0, 1, 0], [0, 0, 0]], dtype=np.float32))
    model = ItemKNN().fit(train, item_text=np.eye(3, dtype=np.float32))
    np.testing.assert_allclose(model.score(np.array([2]))[0], [0.5, 1.0, 0.0])


def test_item_text_is_required_and_checked(board):
    train, _, text = board
    with pytest.raises(ConfigError, match="needs item_text"):
        ItemKNN().fit(train)
    with pytest.raises(DataError, match=r"shape \(40, d\)"):
        ItemKNN().fit(train, item_text=text[:5])


@pytest.mark.parametrize("params", [{"neighbours": 0}, {"neighbours": 2.5}, {"shrink": -1.0}])
def test_invalid_parameters(board, params):
    train, _, text = board
    with pytest.raises(ConfigError, match=next(iter(params))):
        ItemKNN(**params).fit(train, item_text=text)


def test_shared_text_neighbours_are_computed_once_and_give_the_same_models(board, monkeypatch):
    from llmrec.errors import ModelError
    from llmrec.models import TextAwareMF

    train, _withheld, text = board
    calls = []
    original = knn.text_neighbours
    monkeypatch.setattr(knn, "text_neighbours", lambda *args: calls.append(args[1:]) or original(*args))
    shared = knn.TextNeighbours(text)
    knn_shared = ItemKNN(neighbours=20).fit(train, item_text=text, neighbours=shared)
    mf_shared = TextAwareMF(factors=4, epochs=2, content_neighbours=20, content_weight=1.0,
                            random_state=0).fit(train, item_text=text, neighbours=shared)
    assert calls == [(20, 0.0)]                               # one table for both models
    table = shared.table(20).toarray()
    knn_own = ItemKNN(neighbours=20).fit(train, item_text=text)
    mf_own = TextAwareMF(factors=4, epochs=2, content_neighbours=20, content_weight=1.0,
                         random_state=0).fit(train, item_text=text)
    np.testing.assert_array_equal(knn_shared.similarity_.toarray(), knn_own.similarity_.toarray())
    np.testing.assert_array_equal(mf_shared.score(np.arange(40)), mf_own.score(np.arange(40)))
    np.testing.assert_array_equal(shared.table(20).toarray(), table)   # text_mf's power left it intact
    with pytest.raises(ModelError, match="other item text"):
        ItemKNN(neighbours=20).fit(train, item_text=text[::-1].copy(), neighbours=shared)
