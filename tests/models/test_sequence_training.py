"""How the sequential models train in a build: parameters derived from the data, a time budget that
ends training, and the choice of precision."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from llmrec import hardware
from llmrec.errors import ConfigError, DataError
from llmrec.hardware import resolve_precision
from llmrec.models import sequence_training
from llmrec.models.sasrec import SASRec
from llmrec.models.sequence_training import build_params


def walks(n_users: int = 60, n_items: int = 20, seed: int = 0) -> tuple[list[np.ndarray], sp.csr_matrix]:
    """Users walking item i -> i + 1 from random starts, 4..8 steps; (sequences, train matrix)."""
    rng = np.random.default_rng(seed)
    sequences = [(rng.integers(n_items) + np.arange(rng.integers(4, 9))) % n_items for _ in range(n_users)]
    rows = np.repeat(np.arange(n_users), [len(s) for s in sequences])
    train = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, np.concatenate(sequences))),
                          shape=(n_users, n_items))
    train.data[:] = 1.0
    return sequences, train


# -- build parameters: a pure function of the history lengths ----------------------------------------


def test_window_follows_the_99th_percentile_of_history_lengths():
    # 99th percentile 5 -> rounded up to 10 (the floor); 18 -> 20 (Amazon Scientific's case)
    assert build_params(np.full(100, 5), 100)["max_len"] == 10
    assert build_params(np.r_[np.full(98, 4), 18, 18], 100)["max_len"] == 20
    # one very long history among short ones does not widen the window ...
    assert build_params(np.r_[np.full(999, 6), 400], 100)["max_len"] == 10
    # ... but long histories everywhere are capped at the published 50
    assert build_params(np.full(50, 300), 100)["max_len"] == 50
    params = build_params(np.full(10, 7), 100)
    assert params == {"max_len": 10, "dim": 64, "epochs": sequence_training.BUILD_EPOCHS,
                      "patience": sequence_training.BUILD_PATIENCE, "negatives": None}
    assert build_params(np.full(10, 7), 100) == params                 # same statistics, same answer
    with pytest.raises(DataError, match="at least one training history"):
        build_params(np.array([]), 100)


def test_large_catalogues_switch_to_a_sampled_softmax():
    lengths = np.full(10, 7)
    limit = sequence_training.FULL_SOFTMAX_ITEMS
    assert build_params(lengths, limit)["negatives"] is None
    assert build_params(lengths, limit + 1)["negatives"] == sequence_training.NEGATIVES


def test_the_build_passes_data_derived_params_and_its_budget():
    from llmrec.pipeline.config import BuildConfig
    from llmrec.pipeline.stages import model_params

    # 100 users with 12 interactions and one with 40: the 99th percentile of 101 lengths is the 100th
    # smallest, 12 -> window 20
    train = pd.DataFrame({"user_id": np.r_[np.repeat(np.arange(100), 12), np.full(40, 100)], "item_id": 0})
    config = BuildConfig(seed=3, train_budget=12.5)
    params = model_params("text_sasrec", config, train, n_items=50)
    assert params["max_len"] == 20 and params["dim"] == 64 and params["negatives"] is None
    assert params["time_budget"] == 12.5 and params["random_state"] == 3
    # the data-free form (the train stage's key) leaves the data-derived part out
    assert "max_len" not in model_params("sasrec", config)
    assert "time_budget" not in model_params("bpr", config, train)
    with pytest.raises(ConfigError, match="training budget must be a positive"):
        BuildConfig(train_budget=0)


# -- the time budget ----------------------------------------------------------------------------------


def test_time_budget_ends_training_mid_epoch(monkeypatch):
    # a planted clock that advances one second per reading: the reading before training is 0, and
    # after batch b it is b, so a 2.5 s budget stops after the third batch of the first epoch
    ticks = iter(range(1000))
    monkeypatch.setattr(sequence_training, "clock", lambda: float(next(ticks)))
    sequences, train = walks()
    validation = sp.csr_matrix((np.ones(60, np.float32), (np.arange(60), np.zeros(60, int))),
                               shape=train.shape)
    model = SASRec(dim=16, layers=1, epochs=50, batch_size=8, patience=None, time_budget=2.5,
                   precision="fp32").fit(train, sequences=sequences, validation=validation)
    assert model.stopped_by_ == "time budget"
    assert len(model.history_) == 1 and model.history_[0]["batches"] == 3
    assert "val_ndcg@10" in model.history_[0]             # the cut epoch is still validated
    assert model.best_epoch_ == 1


def test_without_a_budget_training_runs_every_epoch_or_until_patience():
    sequences, train = walks()
    model = SASRec(dim=16, layers=1, epochs=3, batch_size=8, patience=None, precision="fp32")
    model.fit(train, sequences=sequences)
    assert model.stopped_by_ == "epochs"
    assert [m["batches"] for m in model.history_] == [8, 8, 8]        # 60 users / 8 per batch
    with pytest.raises(ConfigError, match="time_budget must be a number > 0"):
        SASRec(time_budget=0).fit(train, sequences=sequences)


# -- precision ----------------------------------------------------------------------------------------


def test_auto_precision_is_bf16_only_on_native_hardware(monkeypatch):
    monkeypatch.setattr(hardware, "cpu_has_native_bf16", lambda: False)
    assert resolve_precision("auto") == "fp32"
    monkeypatch.setattr(hardware, "cpu_has_native_bf16", lambda: True)
    assert resolve_precision("auto") == "bf16"
    assert resolve_precision("fp32") == "fp32"
    with pytest.raises(ConfigError, match="precision must be one of auto, bf16, fp32"):
        resolve_precision("fp16")


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_both_precisions_learn_the_planted_successor(precision):
    sequences, train = walks(n_users=80)
    model = SASRec(dim=32, layers=1, epochs=60, batch_size=32, lr=1e-2, dropout=0.1, patience=None,
                   precision=precision).fit(train, sequences=sequences)
    assert model.precision_ == precision
    successors = np.array([(s[-1] + 1) % 20 for s in sequences])
    assert (model.score(np.arange(80)).argmax(1) == successors).mean() > 0.9


def test_sampled_softmax_learns_the_planted_successor():
    # 8 negatives out of 20 items per batch: every wrong successor is still met often enough
    sequences, train = walks(n_users=80)
    model = SASRec(dim=32, layers=1, epochs=60, batch_size=32, lr=1e-2, dropout=0.1, patience=None,
                   precision="fp32", negatives=8).fit(train, sequences=sequences)
    successors = np.array([(s[-1] + 1) % 20 for s in sequences])
    assert (model.score(np.arange(80)).argmax(1) == successors).mean() > 0.9


def test_the_rows_a_sampled_step_builds_are_the_item_table_rows():
    import torch

    from llmrec.models.sasrec_net import NetConfig, SASRecNet

    config = NetConfig(n_items=30, dim=8, layers=1, heads=1, max_len=5, dropout=0.0, temperature=1.0,
                       text_dim=6, id_dropout=0.3)
    net = SASRecNet(config, torch.randn(30, 6)).eval()
    rows = torch.tensor([0, 3, 17, 30])
    with torch.no_grad():
        torch.testing.assert_close(net.item_rows(rows), net.item_table()[rows])
        assert net.item_rows(torch.tensor([0])).abs().max() == 0          # padding stays zero


def test_cold_start_retraining_stops_at_the_epoch_the_standard_fit_kept(tmp_path):
    from llmrec.pipeline.history import kept_epochs

    assert kept_epochs(tmp_path) == {}                                   # no training history yet
    nan = float("nan")
    pd.DataFrame({"model": ["sasrec"] * 5 + ["bpr"] * 2 + ["text_sasrec"] * 3,
                  "epoch": [1, 2, 3, 4, 5, 1, 2, 1, 2, 3],
                  "val_ndcg@10": [0.1, 0.3, 0.2, 0.3, 0.25, 0.1, 0.2, nan, 0.4, nan]}
                 ).to_parquet(tmp_path / "training_history.parquet")
    # the first best epoch; only sequential models; epochs without validation are skipped
    assert kept_epochs(tmp_path) == {"sasrec": 2, "text_sasrec": 2}
