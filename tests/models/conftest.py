import numpy as np
import pytest
import torch

from tests.models.model_datasets import block_text, checkerboard


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """Tiny models train faster on one thread, and the machine may be shared."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def board():
    train, withheld = checkerboard()
    return train, withheld, block_text(train.shape[1])


@pytest.fixture(scope="session")
def random_implicit():
    """(train, validation): 60 users x 50 items, ~10% density, one validation item per user."""
    rng = np.random.default_rng(1)
    dense = rng.random((60, 50)) < 0.1
    dense[np.arange(60), rng.integers(0, 50, 60)] = True
    valid = np.zeros_like(dense)
    for user in range(60):
        items = np.flatnonzero(dense[user])
        if len(items) > 1:
            pick = rng.choice(items)
            dense[user, pick], valid[user, pick] = False, True
    import scipy.sparse as sp
    return sp.csr_matrix(dense, dtype=np.float32), sp.csr_matrix(valid, dtype=np.float32)
