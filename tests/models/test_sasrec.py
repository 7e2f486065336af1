"""SASRec and TextSASRec: planted next-item patterns are learned, histories are checked and stored."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import torch

from llmrec.data.ids import IdMap
from llmrec.errors import ConfigError, DataError, UnknownIdError
from llmrec.models import build_model, load_model
from llmrec.models.sasrec import SASRec, TextSASRec
from llmrec.models.sequence_data import by_length, left_padded, length_batches, ordered_histories

SMALL = dict(dim=16, layers=1, heads=2, epochs=3, batch_size=16, dropout=0.1)
CHAIN = dict(dim=32, layers=1, heads=1, epochs=60, batch_size=32, lr=1e-2, dropout=0.1, patience=None)
N_ITEMS, N_USERS = 20, 80

# the shared RecommenderSuite runs for both models in tests/models/test_model_suite.py


def as_matrix(sequences: list[np.ndarray], n_items: int = N_ITEMS) -> sp.csr_matrix:
    rows = np.repeat(np.arange(len(sequences)), [len(s) for s in sequences])
    matrix = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, np.concatenate(sequences))),
                           shape=(len(sequences), n_items))
    matrix.data[:] = 1.0
    return matrix


@pytest.fixture(scope="module")
def chain():
    """Each user walks item i -> i + 1 (mod N_ITEMS) from a random start for 4..8 steps.

    Returns (sequences, train, successor of each user's last item).
    """
    rng = np.random.default_rng(0)
    sequences = [(rng.integers(N_ITEMS) + np.arange(rng.integers(4, 9))) % N_ITEMS for _ in range(N_USERS)]
    successors = np.array([(s[-1] + 1) % N_ITEMS for s in sequences])
    return sequences, as_matrix(sequences), successors


@pytest.fixture(scope="module")
def chain_text():
    """(N_ITEMS, 16) random unit vectors: each item's text is distinct."""
    text = np.random.default_rng(1).normal(size=(N_ITEMS, 16)).astype(np.float32)
    return text / np.linalg.norm(text, axis=1, keepdims=True)


@pytest.fixture(scope="module")
def fitted_chain(chain):
    sequences, train, _ = chain
    with torch_one_thread():
        return SASRec(**CHAIN).fit(train, sequences=sequences)


@pytest.fixture(scope="module")
def fitted_text_chain(chain, chain_text):
    sequences, train, _ = chain
    with torch_one_thread():
        return TextSASRec(**CHAIN, id_dropout=0.5).fit(train, item_text=chain_text, sequences=sequences)


class torch_one_thread:
    """Module-scoped fixtures run outside the per-test one-thread fixture."""

    def __enter__(self):
        self.before = torch.get_num_threads()
        torch.set_num_threads(1)

    def __exit__(self, *exc):
        torch.set_num_threads(self.before)


# -- known answers --------------------------------------------------------------------------------------


def test_sasrec_learns_the_planted_successor(fitted_chain, chain):
    _, _, successors = chain
    top = fitted_chain.score(np.arange(N_USERS)).argmax(1)
    assert (top == successors).mean() > 0.9


def test_text_sasrec_learns_the_planted_successor(fitted_text_chain, chain):
    _, _, successors = chain
    top = fitted_text_chain.score(np.arange(N_USERS)).argmax(1)
    assert (top == successors).mean() > 0.9


def test_text_sasrec_scores_new_items_from_text_alone(fitted_text_chain, chain, chain_text):
    # new items whose texts are (noisy) copies of the catalogue's: the copy of the successor must win
    _, _, successors = chain
    noisy = chain_text + np.random.default_rng(2).normal(0, 0.05, chain_text.shape).astype(np.float32)
    scores = fitted_text_chain.score_new_items(np.arange(N_USERS), noisy)
    assert scores.shape == (N_USERS, N_ITEMS)
    assert (scores.argmax(1) == successors).mean() > 0.9


def test_scoring_reuses_the_item_table_kept_at_fit(fitted_text_chain, monkeypatch):
    # TextSASRec's table is a text-adaptor pass over every item: computed once when the net is kept,
    # not per scored block nor per chunk of users inside it (SCORE_BATCH = 2 here: 3 chunks for 5 users).
    import llmrec.models.sasrec as sasrec_module

    users = np.arange(5)
    monkeypatch.setattr(sasrec_module, "SCORE_BATCH", 2)
    net = fitted_text_chain.net_
    fresh = fitted_text_chain._net_scores(net, [fitted_text_chain.histories_[u] for u in users])
    calls = []
    original = net.item_table
    monkeypatch.setattr(net, "item_table", lambda: calls.append(1) or original())
    np.testing.assert_array_equal(fitted_text_chain.score(users), fresh)
    assert calls == []


def test_order_matters(chain):
    # the same sets walked backwards teach i -> i - 1
    sequences, train, _ = chain
    reversed_model = SASRec(**CHAIN).fit(train, sequences=[s[::-1] for s in sequences])
    history = np.array([5, 4, 3])
    assert reversed_model.score_sequences([history])[0].argmax() == 2


def test_score_sequences_matches_score_and_handles_empty(fitted_chain, chain):
    sequences, train, _ = chain
    np.testing.assert_array_equal(fitted_chain.score_sequences(sequences[:5]),
                                  fitted_chain.score(np.arange(5)))
    assert fitted_chain.score_sequences([np.array([7, 8])])[0].argmax() == 9
    empty = fitted_chain.score_sequences([np.array([], dtype=np.int64)])[0]
    np.testing.assert_allclose(empty, np.log1p(np.asarray(train.sum(0)).ravel()))


def test_length_batches_cover_every_row_once_with_similar_lengths():
    lengths = np.array([5, 1, 5, 2, 1, 2, 9, 5])
    torch.manual_seed(0)
    batches = length_batches(lengths, 2)
    assert sorted(np.concatenate(batches).tolist()) == list(range(8))
    # sorted by length then cut: (1, 1) (2, 2) (5, 5) (5, 9) in some order
    assert sorted(sorted(lengths[b].tolist()) for b in batches) == [[1, 1], [2, 2], [5, 5], [5, 9]]


def test_scores_in_length_sorted_chunks_equal_scores_one_history_at_a_time(fitted_chain, chain):
    # 300 histories of mixed lengths span two scoring chunks (256 rows each), shortest first
    sequences = [chain[0][i % N_USERS][: 1 + i % 7] for i in range(300)]
    assert by_length(sequences, np.array([0, 1, 6, 7])).tolist() == [0, 7, 1, 6]   # lengths 1, 1, 2, 7
    together = fitted_chain.score_sequences(sequences)
    alone = np.vstack([fitted_chain.score_sequences([s]) for s in sequences[:20]])
    np.testing.assert_allclose(together[:20], alone, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(fitted_chain._history_states(sequences)[:20],
                               fitted_chain._history_states(sequences[:20]), rtol=1e-5, atol=1e-5)


def test_only_the_last_max_len_items_are_read():
    assert left_padded([np.array([4, 5, 6]), np.array([7])], max_len=2).tolist() == [[6, 7], [0, 8]]
    assert left_padded([np.array([], dtype=np.int64)], max_len=3).tolist() == [[0]]


def test_validation_items_extend_the_stored_histories(chain):
    sequences, _, successors = chain
    train = as_matrix(sequences)
    validation = sp.csr_matrix((np.ones(N_USERS, np.float32), (np.arange(N_USERS), successors)),
                               shape=train.shape)
    # users whose successor repeats a training item cannot form a valid (train, validation) split here
    seen = np.asarray(train[np.arange(N_USERS), successors]).ravel() > 0
    validation = sp.csr_matrix(validation.multiply(~seen[:, None]))
    model = SASRec(**{**CHAIN, "epochs": 4, "patience": 2}).fit(train, validation=validation,
                                                                   sequences=sequences)
    assert all("val_ndcg@10" in metrics for metrics in model.history_)
    assert 1 <= model.best_epoch_ <= len(model.history_)
    for user in range(N_USERS):
        expected = sequences[user] if seen[user] else np.append(sequences[user], successors[user])
        np.testing.assert_array_equal(model.histories_[user], expected)


# -- input checks -----------------------------------------------------------------------------------------


def test_sequences_must_match_the_matrix(chain):
    sequences, train, _ = chain
    wrong = list(sequences)
    wrong[3] = np.append(wrong[3], (wrong[3][-1] + 5) % N_ITEMS)
    with pytest.raises(DataError, match=r"sequences\[3\]"):
        SASRec(**SMALL).fit(train, sequences=wrong)
    with pytest.raises(DataError, match="one sequence per user"):
        SASRec(**SMALL).fit(train, sequences=sequences[:-1])


def test_bad_histories_and_parameters_raise(fitted_chain):
    with pytest.raises(DataError, match="item indices must lie in 0..19"):
        fitted_chain.score_sequences([np.array([1, 20])])
    with pytest.raises(UnknownIdError):
        fitted_chain.score(np.array([N_USERS]))
    with pytest.raises(ConfigError, match="multiple of heads"):
        build_model("sasrec", dim=10, heads=3)
    with pytest.raises(ConfigError, match="id_dropout"):
        build_model("text_sasrec", id_dropout=1.0)


def test_text_sasrec_needs_text(chain):
    sequences, train, _ = chain
    with pytest.raises(ConfigError, match="needs item_text"):
        TextSASRec(**SMALL).fit(train, sequences=sequences)


# -- determinism and persistence ------------------------------------------------------------------------


def test_fit_leaves_the_global_torch_generator_alone(chain):
    sequences, train, _ = chain
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    SASRec(**SMALL).fit(train, sequences=sequences)
    torch.testing.assert_close(torch.rand(3), expected)


def test_round_trip_keeps_histories_and_new_item_scores(fitted_text_chain, chain_text, tmp_path):
    fitted_text_chain.save(tmp_path / "m")
    loaded = load_model(tmp_path / "m")
    assert isinstance(loaded, TextSASRec)
    users = np.arange(N_USERS)
    np.testing.assert_array_equal(loaded.score(users), fitted_text_chain.score(users))
    np.testing.assert_array_equal(loaded.score_new_items(users, chain_text),
                                  fitted_text_chain.score_new_items(users, chain_text))
    for a, b in zip(loaded.histories_, fitted_text_chain.histories_, strict=True):
        np.testing.assert_array_equal(a, b)


# -- the model contract: explanations, vectors, new items, masking ------------------------------------------


def test_explanation_names_the_predecessor_as_most_influential(fitted_chain, chain):
    # user 0 walks ... -> p -> last; the successor of `last` is predicted from `last` above all
    sequences, _, successors = chain
    for user in range(5):
        explanation = fitted_chain.explain(user, int(successors[user]))
        assert explanation.related_items[0].item == sequences[user][-1]
        assert explanation.related_items[0].similarity > 0
        expected = float(fitted_chain.score(np.array([user]))[0, successors[user]])
        assert explanation.score == pytest.approx(expected, rel=1e-4, abs=1e-5)
        assert sum(c.contribution for c in explanation.top_factors) != 0


def test_text_explanation_splits_the_score_into_id_and_text(fitted_text_chain, chain):
    _, _, successors = chain
    explanation = fitted_text_chain.explain(3, int(successors[3]))
    assert set(explanation.parts) == {"id", "text"}
    assert explanation.related_items[0].item == chain[0][3][-1]


def test_vectors_reproduce_the_scores(fitted_chain):
    users = np.arange(10)
    np.testing.assert_allclose(fitted_chain.user_vectors()[users] @ fitted_chain.item_vectors().T,
                               fitted_chain.score(users), rtol=1e-4, atol=1e-4)
    assert fitted_chain.item_vectors().shape == (N_ITEMS, CHAIN["dim"])


def test_items_unseen_in_training_are_scored_by_text_like_new_items(chain, chain_text):
    # item 19 never occurs in training: its score must be the text-only new-item score
    sequences, _, _ = chain
    kept = [s[s != 19] for s in sequences]
    kept = [s if len(s) else np.array([0]) for s in kept]
    model = TextSASRec(**SMALL).fit(as_matrix(kept), item_text=chain_text, sequences=kept)
    users = np.arange(10)
    np.testing.assert_allclose(model.score(users, np.array([19]))[:, 0],
                               model.score_new_items(users, chain_text[19:20])[:, 0], rtol=1e-4, atol=1e-5)


def test_recommend_masks_validation_items_the_histories_hold(chain):
    sequences, train, successors = chain
    seen = np.asarray(train[np.arange(N_USERS), successors]).ravel() > 0
    validation = sp.csr_matrix((np.ones(N_USERS, np.float32), (np.arange(N_USERS), successors)),
                               shape=train.shape).multiply(~seen[:, None]).tocsr()
    model = SASRec(**{**SMALL, "epochs": 1}).fit(train, validation=validation, sequences=sequences)
    user = int(np.flatnonzero(~seen)[0])
    items, _ = model.recommend(np.array([user]), N_ITEMS)
    assert successors[user] not in items[0]
    assert model.n_users == N_USERS


def test_ordered_histories_sort_by_time_then_row_order():
    ids = IdMap(users=pd.Index(["a", "b", "c"], name="user_id"),
                items=pd.Index(["x", "y", "z"], name="item_id"))
    frame = pd.DataFrame({"user_id": ["b", "a", "b", "a", "b", "b"],
                          "item_id": ["z", "y", "x", "x", "y", "y"],
                          "timestamp": [5, 3, 5, 1, 2, 9]})
    # a: x (t1), y (t3); b: y (t2), z (t5, row 0), x (t5, row 2: the later row), y again (t9); c: none
    histories = ordered_histories(frame, ids)
    assert [h.tolist() for h in histories] == [[0, 1], [1, 2, 0, 1], []]
    assert all(h.dtype == np.int64 for h in histories)
    with pytest.raises(UnknownIdError):
        ordered_histories(frame.assign(item_id=["w"] * 6), ids)
