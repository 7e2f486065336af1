"""Small synthetic datasets with known answers for the recommender tests."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

N_BLOCKS = 4
BLOCK = 10  # users and items per block


def checkerboard(n_blocks: int = N_BLOCKS, block: int = BLOCK) -> tuple[sp.csr_matrix, np.ndarray]:
    """Users of block b interact with the items of block b, each withholding one of them.

    Returns (train, withheld): user u = b * block + l withholds item b * block + l, so every item is
    withheld by exactly one user and stays in train for the other block - 1 users.
    """
    n = n_blocks * block
    rows, cols = [], []
    for user in range(n):
        first = (user // block) * block
        rows += [user] * (block - 1)
        cols += [item for item in range(first, first + block) if item != user]
    train = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(n, n))
    return train, np.arange(n)


def block_text(n_items: int, n_blocks: int = N_BLOCKS, block: int = BLOCK, dim: int = 16,
               noise: float = 0.1, seed: int = 0) -> np.ndarray:
    """(n_items, dim) L2-normalised embeddings: item i points along axis (i // block) % n_blocks."""
    rng = np.random.default_rng(seed)
    text = rng.normal(0.0, noise, (n_items, dim)).astype(np.float32)
    text[np.arange(n_items), (np.arange(n_items) // block) % n_blocks] += 1.0
    return text / np.linalg.norm(text, axis=1, keepdims=True)


def withheld_first_rate(scores: np.ndarray, train: sp.csr_matrix, withheld: np.ndarray) -> float:
    """Fraction of users whose withheld item scores highest among their non-training items."""
    scores = scores.astype(np.float64).copy()
    scores[train.nonzero()] = -np.inf
    return float((scores.argmax(axis=1) == withheld).mean())


def planted_ratings(n_users: int = 80, n_items: int = 60, rank: int = 3, density: float = 0.5,
                    seed: int = 0) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """(train, test) ratings from mean + user bias + item bias + a rank-`rank` product, 80/20 split."""
    rng = np.random.default_rng(seed)
    full = (3.0 + rng.normal(0, 0.3, (n_users, 1)) + rng.normal(0, 0.3, (1, n_items))
            + rng.normal(0, 1.0, (n_users, rank)) @ rng.normal(0, 1.0, (rank, n_items)) / np.sqrt(rank))
    observed = rng.random((n_users, n_items)) < density
    is_test = rng.random((n_users, n_items)) < 0.2
    rows, cols = np.nonzero(observed & ~is_test)
    train = sp.csr_matrix((full[rows, cols].astype(np.float32), (rows, cols)), shape=full.shape)
    rows, cols = np.nonzero(observed & is_test)
    test = sp.csr_matrix((full[rows, cols].astype(np.float32), (rows, cols)), shape=full.shape)
    return train, test
