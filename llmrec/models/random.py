"""Random: the chance baseline; each user gets a fixed random order of the catalogue."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from llmrec.models._common import ParamsMixin, check_indices, check_train
from llmrec.models.base import EpochCallback, check_fitted


class RandomScores(ParamsMixin):
    """Uniform random scores, reproducible per (random_state, user): the floor every model must clear.

    Reported next to cold-start results, where "far above random" is the question. Not persisted:
    it has no learned state worth saving.
    """

    name = "random"

    def __init__(self, random_state: int = 0) -> None:
        self.random_state = random_state

    def fit(self, train: sp.csr_matrix, *, item_text: np.ndarray | None = None,
            validation: sp.csr_matrix | None = None, callback: EpochCallback | None = None) -> RandomScores:
        train = check_train(train)
        self.n_users_, self.n_items_ = train.shape
        return self

    def score(self, users: np.ndarray) -> np.ndarray:
        check_fitted(self, "n_users_")
        users = check_indices(users, self.n_users_)
        out = np.empty((len(users), self.n_items_), dtype=np.float32)
        for row, user in enumerate(users):  # one generator per user: scores do not depend on batching
            out[row] = np.random.default_rng([self.random_state, int(user)]).random(self.n_items_)
        return out
