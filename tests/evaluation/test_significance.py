"""paired_bootstrap and paired_values on hand-computed cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from llmrec.errors import ConfigError, DataError
from llmrec.evaluation.significance import paired_bootstrap, paired_values


def test_a_constant_difference_has_a_zero_width_interval():
    # every user gains exactly 0.1, so every resample's mean gain is 0.1
    a = np.array([0.3, 0.5, 0.9, 0.1])
    mean, low, high = paired_bootstrap(a, a - 0.1, n=200, seed=1)
    assert mean == pytest.approx(0.1)
    assert low == pytest.approx(0.1)
    assert high == pytest.approx(0.1)


def test_two_users_give_the_three_possible_resample_means():
    # differences [1, 0]: a resample of 2 users averages 0 (p 1/4), 0.5 (p 1/2) or 1 (p 1/4),
    # so the 2.5% and 97.5% quantiles of 1,000 resamples are 0 and 1, the mean is 0.5
    result = paired_bootstrap([1.0, 0.0], [0.0, 0.0], n=1000, seed=0)
    assert tuple(result) == (0.5, 0.0, 1.0)
    assert result.n_users == 2
    assert result.level == 0.95


def test_pairing_removes_user_difficulty():
    # users differ wildly (0..1) but a beats b by 0.01 on every single one: the paired interval
    # is [0.01, 0.01], while the two means alone (0.505 vs 0.495) would be indistinguishable
    b = np.linspace(0.0, 0.99, 100)
    mean, low, high = paired_bootstrap(b + 0.01, b, n=500, seed=3)
    assert low > 0
    assert mean == pytest.approx(0.01)


def test_users_without_a_value_are_dropped():
    # the NaN user (nothing relevant) is left out: differences [0.2, 0.4] remain, mean 0.3
    result = paired_bootstrap([0.5, np.nan, 0.4], [0.3, 0.1, 0.0], n=100, seed=0)
    assert result.n_users == 2
    assert result.mean == pytest.approx(0.3)
    assert 0.2 - 1e-12 <= result.low <= result.high <= 0.4 + 1e-12


def test_same_seed_same_interval():
    rng = np.random.default_rng(0)
    a, b = rng.random(50), rng.random(50)
    assert tuple(paired_bootstrap(a, b, seed=7)) == tuple(paired_bootstrap(a, b, seed=7))


@pytest.mark.parametrize(("a", "b", "error"), [
    ([1.0, 2.0], [1.0], DataError),
    ([np.nan], [1.0], DataError),
])
def test_bad_values_are_refused(a, b, error):
    with pytest.raises(error):
        paired_bootstrap(a, b)


@pytest.mark.parametrize("kwargs", [{"n": 0}, {"n": 2.5}, {"level": 1.0}])
def test_bad_parameters_are_refused(kwargs):
    with pytest.raises(ConfigError):
        paired_bootstrap([1.0], [0.0], **kwargs)


def test_paired_values_aligns_users_across_models():
    # rows in a different user order per model, plus a k=5 row that must be ignored
    table = pd.DataFrame({
        "model": ["a", "a", "b", "b", "a"],
        "user_id": ["u1", "u2", "u2", "u1", "u1"],
        "k": [10, 10, 10, 10, 5],
        "NDCG": [0.9, 0.2, 0.1, 0.5, 0.0],
    })
    a, b = paired_values(table, "a", "b")
    # user order u1, u2: a = [0.9, 0.2], b = [0.5, 0.1]
    assert a.tolist() == [0.9, 0.2]
    assert b.tolist() == [0.5, 0.1]
    with pytest.raises(DataError, match="'c'"):
        paired_values(table, "a", "c")
