import numpy as np
import pytest
import scipy.sparse as sp
import torch
import torch.nn.functional as F

from llmrec.errors import ConfigError, ModelError
from llmrec.models import BPRMF
from llmrec.models._common import sorted_pair_keys, validation_ndcg
from llmrec.models.mf import MFModule, RowAdagrad, bpr_gradients, row_sums, sample_negatives
from tests.models.model_datasets import withheld_first_rate

BOARD_MF = dict(factors=8, epochs=30, batch_size=64, lr=0.05, reg=0.05)


def test_withheld_item_ranks_first_on_checkerboard(board):
    train, withheld, _ = board
    model = BPRMF(**BOARD_MF).fit(train)
    assert withheld_first_rate(model.score(np.arange(40)), train, withheld) >= 0.95


def test_factors_are_numpy_and_score_is_their_product(board):
    train, _, _ = board
    model = BPRMF(**{**BOARD_MF, "epochs": 2}).fit(train)
    assert model.user_factors_.shape == (40, 8) and model.item_factors_.shape == (40, 8)
    assert isinstance(model.item_bias_, np.ndarray) and model.item_bias_.shape == (40,)
    expected = model.user_factors_[[2]] @ model.item_factors_.T + model.item_bias_
    np.testing.assert_allclose(model.score(np.array([2])), expected, rtol=1e-6)


def test_user_without_training_data_gets_item_bias_only(board):
    train, _, _ = board
    train = sp.vstack([train, sp.csr_matrix((1, 40), dtype=np.float32)]).tocsr()  # user 40: no data
    model = BPRMF(**{**BOARD_MF, "epochs": 2}).fit(train)
    np.testing.assert_array_equal(model.score(np.array([40]))[0], model.item_bias_)


def test_negatives_are_mostly_not_positives():
    rng = np.random.default_rng(0)
    dense = rng.random((50, 40)) < 0.5
    train = sp.csr_matrix(dense, dtype=np.float32)
    coo = train.tocoo()
    users = torch.from_numpy(coo.row.astype(np.int64))
    negatives = sample_negatives(users, 40, sorted_pair_keys(train), 3, torch.Generator().manual_seed(0))
    assert negatives.shape == (train.nnz, 3)
    clash = dense[users.numpy()[:, None], negatives.numpy()]
    # uniform sampling would clash half the time; 3 resampling rounds leave ~0.5 ** 4
    assert clash.mean() < 0.1


def test_callback_reports_every_epoch(board):
    train, _, _ = board
    log = []
    BPRMF(**{**BOARD_MF, "epochs": 4}, patience=None).fit(train, validation=train,
                                                   callback=lambda e, m: log.append((e, m)))
    assert [e for e, _ in log] == [1, 2, 3, 4]
    assert all(set(m) == {"loss", "val_ndcg@10"} for _, m in log)
    assert log[-1][1]["loss"] < log[0][1]["loss"]


def test_early_stopping_restores_best_epoch(random_implicit):
    train, valid = random_implicit
    log = []
    model = BPRMF(factors=16, epochs=40, lr=0.1, batch_size=32, reg=0.0, patience=3).fit(
        train, validation=valid, callback=lambda e, m: log.append(m["val_ndcg@10"]))
    best = int(np.argmax(log)) + 1
    assert model.best_epoch_ == best
    assert len(log) == best + 3                      # stopped after `patience` evaluations without gain
    assert log[-1] < log[best - 1]                   # so the last epoch was worse than the best ...
    restored = validation_ndcg(model.score, train, valid)
    assert restored == pytest.approx(log[best - 1], abs=1e-6)  # ... and the best one was restored


def test_eval_every_skips_evaluations(random_implicit):
    train, valid = random_implicit
    log = []
    BPRMF(factors=4, epochs=4, eval_every=2, batch_size=64).fit(
        train, validation=valid, callback=lambda e, m: log.append(m))
    assert ["val_ndcg@10" in m for m in log] == [False, True, False, True]


def test_divergence_raises_model_error(board):
    train, _, _ = board
    with pytest.raises(ModelError, match="NaN or infinite"):
        BPRMF(factors=4, epochs=5, lr=1e38, batch_size=64).fit(train)


def test_threads_setting_is_restored(board):
    train, _, _ = board
    before = torch.get_num_threads()
    BPRMF(**{**BOARD_MF, "epochs": 1}, threads=2).fit(train)
    assert torch.get_num_threads() == before


def test_different_seeds_differ(board):
    train, _, _ = board
    a = BPRMF(**{**BOARD_MF, "epochs": 2}, random_state=0).fit(train).score(np.arange(3))
    b = BPRMF(**{**BOARD_MF, "epochs": 2}, random_state=1).fit(train).score(np.arange(3))
    assert not np.array_equal(a, b)


@pytest.mark.parametrize("params", [
    {"factors": 0}, {"epochs": -1}, {"lr": 0.0}, {"reg": -0.1}, {"batch_size": 1.5}, {"negatives": 0},
    {"item_bias": 1}, {"patience": 0}, {"eval_every": 0}, {"random_state": -3}, {"threads": 0},
    {"factors": True},
])
def test_invalid_parameters(board, params):
    train, _, _ = board
    with pytest.raises(ConfigError, match=next(iter(params))):
        BPRMF(**params).fit(train)


def test_validation_shape_is_checked(board):
    from llmrec.errors import DataError
    train, _, _ = board
    with pytest.raises(DataError, match="validation has shape"):
        BPRMF(epochs=1).fit(train, validation=sp.csr_matrix((3, 3), dtype=np.float32))


def test_validation_ndcg_hand_computed():
    # one user, 4 items; scores rank items 3, 2, 1, 0; item 3 is a training item (masked)
    train = sp.csr_matrix(np.array([[0, 0, 0, 1]], dtype=np.float32))
    valid = sp.csr_matrix(np.array([[0, 1, 0, 0]], dtype=np.float32))
    scores = lambda rows: np.array([[0.0, 1.0, 2.0, 3.0]], dtype=np.float32)
    # ranks after masking: item 2 -> rank 1, item 1 -> rank 2: DCG = 1 / log2(3), IDCG = 1
    assert validation_ndcg(scores, train, valid, k=10) == pytest.approx(1 / np.log2(3))
    assert validation_ndcg(scores, train, valid, k=1) == 0.0


def _dense(grads, module):
    """Hand gradients [(name, rows or None, values)] summed into tensors shaped like the parameters."""
    params = dict(module.named_parameters())
    dense = {name: torch.zeros_like(p) for name, p in params.items()}
    for name, rows, values in grads:
        if rows is None:
            dense[name] += values
        else:
            dense[name].index_add_(0, rows, values)
    return dense


def _autograd(module, users, pair_items, reg, text=None):
    """Gradients of the same mean loss by autograd: BPR + reg / 2 * ||row||^2 per row use, and with
    `text`, q_i = free_i + t_i W, b_i = free_b_i + t_i . w with reg * (||W||^2 + ||w||^2)."""
    params = {name: p.detach().clone().requires_grad_(True) for name, p in module.named_parameters()}
    b = len(users)
    with torch.enable_grad():
        q, bias = params["item"][pair_items], params["bias"][pair_items]
        if text is not None:
            q = q + text[pair_items] @ params["projection"]
            bias = bias + text[pair_items] @ params["text_bias"]
        p = params["user"][users]
        x = (p * (q[:b] - q[b:])).sum(1) + bias[:b] - bias[b:]
        rows = (p.square().sum() + params["item"][pair_items].square().sum()
                + params["bias"][pair_items].square().sum())
        loss = F.softplus(-x).mean() + reg / 2 * rows / b
        if text is not None:     # W and w are used by each of the 2b item rows: reg / 2 per row use
            loss = loss + reg * (params["projection"].square().sum() + params["text_bias"].square().sum())
        loss.backward()
    return {name: p.grad for name, p in params.items()}


def test_hand_written_gradients_match_autograd():
    generator = torch.Generator().manual_seed(0)
    module = MFModule(6, 9, 4, True, generator)
    module.bias.data = torch.randn(9, generator=generator)
    users = torch.tensor([0, 3, 3, 5, 1])
    pair_items = torch.tensor([1, 2, 2, 8, 0, 4, 7, 1, 3, 2])           # positives, then negatives
    loss, grads = bpr_gradients(module, users, pair_items, reg=0.3)
    expected = _autograd(module, users, pair_items, 0.3)
    for name, grad in _dense(grads, module).items():
        torch.testing.assert_close(grad, expected[name], rtol=1e-5, atol=1e-6)
    assert loss > 0.0


def test_text_module_gradients_match_autograd():
    from llmrec.models.hybrid import TextMFModule
    generator = torch.Generator().manual_seed(1)
    text = torch.randn(9, 5, generator=generator)
    # reg 0.3 per use averaged over 5 triples is 0.3 / 5 per row: text_reg 0.06 matches the reference
    module = TextMFModule(6, text, 4, True, free_dropout=0.0, text_reg=0.06, generator=generator)
    module.bias.data = torch.randn(9, generator=generator)
    module.text_bias.data = torch.randn(5, generator=generator)
    users = torch.tensor([0, 3, 3, 5, 1])
    pair_items = torch.tensor([1, 2, 2, 8, 0, 4, 7, 1, 3, 2])
    _, grads = bpr_gradients(module, users, pair_items, reg=0.3)
    expected = _autograd(module, users, pair_items, 0.3, text)
    for name, grad in _dense(grads, module).items():
        torch.testing.assert_close(grad, expected[name], rtol=1e-5, atol=1e-6)


def test_row_sums_adds_repeated_rows():
    rows, sums = row_sums(torch.tensor([4, 1, 4, 0]), torch.tensor([[1.0], [2.0], [3.0], [5.0]]), 6)
    assert rows.tolist() == [0, 1, 4]
    assert sums.squeeze(1).tolist() == [5.0, 2.0, 4.0]


def test_row_adagrad_leaves_untouched_rows_alone():
    table = torch.ones(4, 2)
    optimizer = RowAdagrad({"t": table}, lr=0.5)
    optimizer.step([("t", torch.tensor([2, 2]), torch.tensor([[1.0, -2.0], [1.0, 0.0]]))])
    # row 2: summed gradient (2, -2), first Adagrad step moves each coordinate by lr * sign
    torch.testing.assert_close(table, torch.tensor([[1.0, 1.0], [1.0, 1.0], [0.5, 1.5], [1.0, 1.0]]))


def test_validation_ndcg_on_a_fixed_sample_of_users(random_implicit):
    train, valid = random_implicit
    scores = lambda rows: np.tile(np.arange(50, dtype=np.float32), (len(rows), 1))
    full = validation_ndcg(scores, train, valid)
    assert validation_ndcg(scores, train, valid, max_users=10_000) == full
    seen = []
    validation_ndcg(lambda rows: seen.append(rows) or scores(rows), train, valid, max_users=7)
    assert len(seen[0]) == 7 and seen[0][0] == np.flatnonzero(np.diff(valid.indptr))[0]


def test_same_seed_same_history_with_and_without_validation(random_implicit):
    """Evaluation must not consume the training generator: the benchmark relies on it."""
    train, valid = random_implicit
    params = dict(factors=4, epochs=3, batch_size=32, patience=None)
    a = BPRMF(**params).fit(train)
    b = BPRMF(**params).fit(train, validation=valid)
    assert [m["loss"] for m in a.history_] == [m["loss"] for m in b.history_]
