"""The random baseline: reproducible, batch-independent, and at chance level."""

import numpy as np
import scipy.sparse as sp

from llmrec.models.random import RandomScores


def test_random_scores_are_reproducible_and_batch_independent():
    train = sp.csr_matrix(np.ones((5, 50), dtype=np.float32))
    model = RandomScores(random_state=3).fit(train)
    all_users = model.score(np.arange(5))
    np.testing.assert_array_equal(model.score(np.array([2, 4])), all_users[[2, 4]])
    np.testing.assert_array_equal(RandomScores(random_state=3).fit(train).score(np.arange(5)), all_users)
    assert not np.array_equal(RandomScores(random_state=4).fit(train).score(np.arange(5)), all_users)


def test_random_hit_rate_is_chance():
    # 1 relevant item among 100: HR@10 of a random order is 10/100 in expectation.
    n_users, n_items = 2000, 100
    model = RandomScores(random_state=0).fit(sp.csr_matrix(np.eye(n_users, n_items, dtype=np.float32)))
    top10 = np.argsort(-model.score(np.arange(n_users)), axis=1)[:, :10]
    hit_rate = (top10 == 0).any(axis=1).mean()
    assert abs(hit_rate - 0.10) < 0.02  # binomial sd = sqrt(.1 * .9 / 2000) = 0.0067
