"""Ordered user histories for sequential models: checking them, storing them, and batching them.

A CSR matrix says which items a user touched, not in which order; sequential models take the order
as a list with one 1-D int array of item indices per user, oldest first (`Sequences`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
import torch

from llmrec.data.ids import IdMap
from llmrec.errors import DataError, ModelError, UnknownIdError

Sequences = list[np.ndarray]


def ordered_histories(interactions: pd.DataFrame, ids: IdMap) -> Sequences:
    """One int64 array of item indices per user of `ids` (empty for users without rows), oldest first.

    Rows are ordered by `timestamp`, ties by row order (a later row counts as later), as in the
    leave-last-out split; repeated purchases stay. The result holds exactly the items of
    `interaction_matrix(interactions, ids)`, so it can be passed to a sequential model's fit.
    """
    users = ids.user_indices(interactions["user_id"])
    items = ids.item_indices(interactions["item_id"])
    if (users < 0).any() or (items < 0).any():
        raise UnknownIdError("interactions reference ids missing from the id map")
    times = interactions["timestamp"].to_numpy() if "timestamp" in interactions else np.zeros(len(users))
    order = np.lexsort((np.arange(len(users)), times, users))               # by user, time, row
    counts = np.bincount(users, minlength=ids.n_users)
    return np.split(items[order], np.cumsum(counts)[:-1])


def histories_from_matrix(matrix: sp.csr_matrix) -> Sequences:
    """Each row's items in index order: the fallback when no order is given (the order is arbitrary)."""
    return [matrix.indices[matrix.indptr[u]:matrix.indptr[u + 1]].astype(np.int64)
            for u in range(matrix.shape[0])]


def _item_array(value, label: str) -> np.ndarray:
    array = np.asarray(value)
    if array.ndim != 1 or (array.size and not np.issubdtype(array.dtype, np.integer)):
        raise DataError(f"{label} must be a 1-D array of item indices, got dtype {array.dtype} "
                        f"and shape {array.shape}")
    return array.astype(np.int64, copy=False)


def check_sequences(sequences, matrix: sp.csr_matrix, *, what: str) -> Sequences:
    """`sequences` as int64 arrays, one per row of `matrix`, holding exactly that row's items.

    Repeats are allowed (a CSR matrix cannot show them); an item outside the row, or a row item
    missing from the sequence, raises DataError naming the user.
    """
    n_users, n_items = matrix.shape
    if len(sequences) != n_users:
        raise DataError(f"{what} must hold one sequence per user ({n_users}), got {len(sequences)}")
    checked = []
    for user, sequence in enumerate(sequences):
        array = _item_array(sequence, f"{what}[{user}]")
        row = matrix.indices[matrix.indptr[user]:matrix.indptr[user + 1]]
        if not np.array_equal(np.unique(array), row):
            raise DataError(f"{what}[{user}] holds items {np.unique(array)[:5].tolist()}... but row {user} "
                            f"of the matrix holds {row[:5].tolist()}...: they must be the same set")
        checked.append(array)
    return checked


def check_histories(histories, n_items: int) -> Sequences:
    """Histories to score: 1-D int arrays of item indices in [0, n_items), oldest first."""
    checked = []
    for user, history in enumerate(histories):
        array = _item_array(history, f"history {user}")
        bad = (array < 0) | (array >= n_items)
        if bad.any():
            raise DataError(f"history {user} holds item index {int(array[bad][0])}; "
                            f"item indices must lie in 0..{n_items - 1}")
        checked.append(array)
    return checked


def left_padded(sequences: Sequences, max_len: int) -> np.ndarray:
    """(n, L) int64 array of the last <= max_len items + 1 of each sequence, right-aligned, 0 = padding.

    L is the longest kept length (at most max_len), so short batches cost short attention.
    """
    width = max(1, min(max_len, max((len(s) for s in sequences), default=1)))
    out = np.zeros((len(sequences), width), dtype=np.int64)
    for row, sequence in enumerate(sequences):
        kept = sequence[-width:]
        if len(kept):
            out[row, width - len(kept):] = kept + 1
    return out


def by_length(histories: Sequences, rows: np.ndarray) -> np.ndarray:
    """`rows` (indices into `histories`) ordered by history length, shortest first (stable).

    Scoring cuts rows into chunks and pads each to its longest history: in length order a chunk of
    short histories no longer pays for one long history in it (attention grows with the square)."""
    lengths = np.fromiter((len(histories[r]) for r in rows), dtype=np.int64, count=len(rows))
    return rows[np.argsort(lengths, kind="stable")]


def length_batches(lengths: np.ndarray, batch_size: int) -> list[np.ndarray]:
    """Row indices in batches of similar length, in random order (torch's global generator).

    Rows are sorted by length with random tie-breaking, cut into batches, and the batches shuffled:
    padding to a batch's longest row then costs little, and the batches still differ every epoch.
    """
    jitter = torch.rand(len(lengths)).numpy()
    order = np.lexsort((jitter, lengths))                                   # by length, then at random
    batches = [order[start:start + batch_size] for start in range(0, len(order), batch_size)]
    return [batches[i] for i in torch.randperm(len(batches)).tolist()]


def flatten(sequences: Sequences) -> dict[str, np.ndarray]:
    """Sequences as two arrays (items, offsets) that safetensors can store."""
    lengths = np.fromiter(map(len, sequences), dtype=np.int64, count=len(sequences))
    items = np.concatenate(sequences) if sequences else np.zeros(0, np.int64)
    return {"items": items.astype(np.int64),
            "offsets": np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)}


def unflatten(items: np.ndarray, offsets: np.ndarray, n_items: int, *, owner: str) -> Sequences:
    """The inverse of `flatten`, with a ModelError if the arrays are inconsistent."""
    if (offsets.ndim != 1 or len(offsets) == 0 or offsets[0] != 0 or offsets[-1] != len(items)
            or (np.diff(offsets) < 0).any() or (len(items) and (items.min() < 0 or items.max() >= n_items))):
        raise ModelError(f"{owner}: the saved histories are inconsistent")
    return [items[offsets[u]:offsets[u + 1]] for u in range(len(offsets) - 1)]
