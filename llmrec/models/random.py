"""Random: the chance baseline; each user gets a fixed random order of the catalogue."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from llmrec.models._common import check_int, check_train
from llmrec.models.base import EpochCallback, Recommender


class RandomScores(Recommender):
    """Uniform random scores, reproducible per (random_state, user): the floor every model must clear.

    Reported next to cold-start results, where "far above random" is the question. Its saved state
    is only the training history (the scores are regenerated from the seed).
    """

    name = "random"

    def __init__(self, random_state: int = 0) -> None:
        self.random_state = random_state

    def _validate_params(self) -> None:
        check_int(self, "random_state", minimum=0)

    def fit(self, train: sp.csr_matrix, *, item_text: np.ndarray | None = None,
            validation: sp.csr_matrix | None = None, callback: EpochCallback | None = None) -> RandomScores:
        self._validate_params()
        self._remember(check_train(train))
        return self

    def _score(self, users: np.ndarray) -> np.ndarray:
        out = np.empty((len(users), self.n_items), dtype=np.float32)
        for row, user in enumerate(users):  # one generator per user: scores do not depend on batching
            out[row] = np.random.default_rng([self.random_state, int(user)]).random(self.n_items)
        return out

    def _state(self) -> dict[str, np.ndarray]:
        self._check_fitted()
        return {}

    def _set_state(self, tensors: dict[str, np.ndarray]) -> None:
        pass
