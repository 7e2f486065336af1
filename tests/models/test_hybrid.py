import numpy as np
import pytest
import scipy.sparse as sp

from llmrec.errors import ConfigError, DataError
from llmrec.models import BPRMF, TextAwareMF, load_model
from llmrec.models.hybrid import CONTENT_WEIGHTS
from tests.models.model_datasets import block_text, withheld_first_rate

BOARD_MF = dict(factors=8, epochs=30, batch_size=64, lr=0.05, reg=0.05)
N_COLD = 8  # items 40..47: two per block, text only, no interactions


@pytest.fixture(scope="module")
def with_cold_items(board):
    train, withheld, _ = board
    train = sp.hstack([train, sp.csr_matrix((40, N_COLD), dtype=np.float32)]).tocsr()
    # item 40 + j belongs to block j % 4; block_text puts item i on axis (i // 10) % 4, so build it here
    text = block_text(40 + N_COLD)
    cold_blocks = np.arange(N_COLD) % 4
    cold_text = block_text(N_COLD * 10, block=1, seed=3)[:N_COLD]      # item j on axis j % 4
    text[40:] = cold_text
    model = TextAwareMF(**BOARD_MF).fit(train, item_text=text)
    return model, train, withheld, text, cold_blocks


def test_withheld_item_ranks_first_on_checkerboard(with_cold_items):
    model, train, withheld, _, _ = with_cold_items
    scores = model.score(np.arange(40))[:, :40]
    assert withheld_first_rate(scores, train[:, :40], withheld) >= 0.95


def test_cold_items_rank_in_the_users_block_first(with_cold_items):
    model, _, _, _, cold_blocks = with_cold_items
    user_blocks = np.arange(40) // 10
    best_cold = model.score(np.arange(40))[:, 40:].argmax(axis=1)             # (40,)
    assert (cold_blocks[best_cold] == user_blocks).mean() >= 0.95
    np.testing.assert_array_equal(model.free_item_factors_[40:], 0.0)      # text alone


def test_score_new_items_matches_cold_item_scores(with_cold_items):
    model, _, _, text, cold_blocks = with_cold_items
    users = np.arange(40)
    new = model.score_new_items(users, text[40:])
    np.testing.assert_allclose(new, model.score(users)[:, 40:], rtol=1e-5, atol=1e-6)
    assert (cold_blocks[new.argmax(axis=1)] == users // 10).mean() >= 0.95
    np.testing.assert_allclose(model.item_vectors_from_text(text[40:]), model.item_factors_[40:], atol=1e-6)
    with pytest.raises(DataError, match="item_text must have shape"):
        model.score_new_items(users, text[:, :3])


def test_explain_splits_free_and_text(with_cold_items):
    model, _, _, _, _ = with_cold_items
    cold = model.explain(3, 42)
    assert cold.parts["free"] == 0.0 and cold.parts["free_bias"] == 0.0
    warm = model.explain(3, 5)
    assert set(warm.parts) == {"free", "text", "free_bias", "text_bias", "content"}
    assert warm.parts["content"] > 0 and warm.related_items      # item 5's block mates in user 3's history
    assert all(r.item // 10 == 0 for r in warm.related_items)


def test_save_load_keeps_the_text_projection(with_cold_items, tmp_path):
    model, _, _, text, _ = with_cold_items
    model.save(tmp_path)
    loaded = load_model(tmp_path)
    np.testing.assert_array_equal(loaded.score_new_items(np.arange(5), text[40:]),
                                  model.score_new_items(np.arange(5), text[40:]))


def test_plain_bpr_cannot_rank_cold_items(with_cold_items):
    """The control: without text, cold items carry no block signal."""
    _, train, _, _, cold_blocks = with_cold_items
    scores = BPRMF(**BOARD_MF).fit(train).score(np.arange(40))[:, 40:]
    assert (cold_blocks[scores.argmax(axis=1)] == np.arange(40) // 10).mean() < 0.6


def test_item_text_is_required(board):
    with pytest.raises(ConfigError, match="needs item_text"):
        TextAwareMF(epochs=1).fit(board[0])


@pytest.mark.parametrize("value", [-0.1, 1.0, "half"])
def test_invalid_free_dropout(board, value):
    with pytest.raises(ConfigError, match="free_dropout"):
        TextAwareMF(free_dropout=value).fit(board[0], item_text=board[2])


# -- the content term ----------------------------------------------------------------------------------------


def _factor_scores(model: TextAwareMF, users: np.ndarray) -> np.ndarray:
    return model.user_factors_[users] @ model.item_factors_.T + model.item_bias_


def test_content_term_known_answer():
    """Three items on the unit circle, one user who bought item 0; one neighbour each, cubed."""
    angles = np.array([0.0, np.pi / 3, np.pi / 2])
    text = np.stack([np.cos(angles), np.sin(angles)], axis=1).astype(np.float32)   # cos(0,1)=0.5, cos(0,2)=0
    train = sp.csr_matrix(np.array([[1, 0, 0], [0, 1, 0]], dtype=np.float32))
    model = TextAwareMF(factors=2, epochs=2, content_weight=2.0, content_neighbours=1,
                        content_power=3.0).fit(train, item_text=text)
    content = model.score(np.array([0, 1])) - _factor_scores(model, np.array([0, 1]))
    # user 0 has item 0, whose one neighbour is item 1: 2 * 0.5**3 = 0.25 on item 1, nothing else
    # user 1 has item 1, whose nearest is item 2 (cos 0.866 > 0.5): 2 * 0.866**3 = 1.299 on item 2
    np.testing.assert_allclose(content, [[0.0, 0.25, 0.0], [0.0, 0.0, 2 * np.cos(np.pi / 6) ** 3]], atol=1e-5)
    np.testing.assert_allclose(model.score(np.array([1]), np.array([2, 0])), [content[1, [2, 0]]
                               + _factor_scores(model, np.array([1]))[0, [2, 0]]], rtol=1e-5)


def test_zero_content_weight_is_the_factor_model(board):
    train, _, text = board
    model = TextAwareMF(**BOARD_MF, content_weight=0.0).fit(train, item_text=text)
    np.testing.assert_allclose(model.score(np.arange(40)), _factor_scores(model, np.arange(40)), rtol=1e-6)
    assert "content" not in model.explain(0, 1).parts


def test_auto_content_weight_is_chosen_on_validation(board):
    train, withheld, text = board
    validation = sp.csr_matrix((np.ones(40, np.float32), (np.arange(40), withheld)), shape=train.shape)
    model = TextAwareMF(**BOARD_MF).fit(train, item_text=text, validation=validation)
    assert model.content_weight_ in CONTENT_WEIGHTS
    without = TextAwareMF(**BOARD_MF).fit(train, item_text=text)
    assert without.content_weight_ == 1.0                      # no validation: the default weight


def test_save_load_keeps_the_content_term(with_cold_items, tmp_path):
    model = with_cold_items[0]
    model.save(tmp_path)
    loaded = load_model(tmp_path)
    assert loaded.content_weight_ == model.content_weight_ > 0
    np.testing.assert_array_equal(loaded.score(np.arange(40)), model.score(np.arange(40)))


@pytest.mark.parametrize("options, match", [(dict(content_weight=-1.0), "content_weight"),
                                            (dict(content_weight="big"), "content_weight"),
                                            (dict(content_neighbours=0), "content_neighbours"),
                                            (dict(content_power=0.0), "content_power")])
def test_invalid_content_options(board, options, match):
    with pytest.raises(ConfigError, match=match):
        TextAwareMF(**options).fit(board[0], item_text=board[2])
