"""The train stage's bar follows each fit's own limits (epoch cap, CPU budget), not the config's epochs."""

from __future__ import annotations

import pytest

from llmrec.pipeline.fit_progress import FitProgress


def test_a_budgeted_fit_advances_by_the_nearer_of_its_two_limits():
    bar = FitProgress("sasrec", {"epochs": 200, "time_budget": 100.0, "patience": 5})
    fraction, _ = bar.update(1, {"loss": 7.0, "cpu_s": 10.0, "val_ndcg@10": 0.02})
    assert fraction == pytest.approx(0.10)          # 10 of 100 CPU s beats 1 of 200 epochs
    fraction, message = bar.update(2, {"loss": 6.5, "cpu_s": 19.0, "val_ndcg@10": 0.01})
    assert fraction == pytest.approx(0.19)
    assert "1/5 checks without gain" in message and "best 0.0200 (epoch 1)" in message
    assert "19/100 CPU s" in message and "at most 200" in message


def test_an_unbudgeted_fit_counts_epochs_of_its_own_cap_and_never_goes_back():
    bar = FitProgress("bpr", {"epochs": 40})
    assert bar.update(10, {"loss": 0.3})[0] == pytest.approx(0.25)
    assert bar.update(9, {"loss": 0.3})[0] == pytest.approx(0.25)   # a smaller share does not lower it
    assert bar.update(60, {"loss": 0.3})[0] == 1.0                   # capped at done


def test_the_config_epochs_play_no_part_for_a_sequential_fit():
    # before: epoch / config.epochs (40) showed a 200-epoch fit 50% done after 20 epochs
    fraction, _ = FitProgress("text_sasrec", {"epochs": 200, "time_budget": None}).update(20, {"cpu_s": 50.0})
    assert fraction == pytest.approx(0.10)
