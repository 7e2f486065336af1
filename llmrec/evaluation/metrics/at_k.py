"""What every top-K metric checks about its input, and the `Name@K` label every metric carries.

A ranked list is best first and never repeats an item; a batch of lists is an (n_users, L)
integer array of item indices padded with -1 where a list is shorter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from llmrec.errors import ConfigError, DataError


def check_k(k: int) -> int:
    """`k` as an int, or ConfigError when it is not a positive integer."""
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k <= 0:
        raise ConfigError(f"K must be a positive integer; got {k!r}")
    return int(k)


def checked_top_k(ranked: Sequence, k: int) -> list:
    """The first k items of `ranked`, after checking that no item is repeated in the whole list."""
    k = check_k(k)
    items = list(ranked)
    if len(set(items)) != len(items):
        seen: set = set()
        repeated = next(item for item in items if item in seen or seen.add(item))
        raise DataError(f"ranked list repeats item {repeated!r}; a ranking lists each item once")
    return items[:k]


def check_ranked(ranked: np.ndarray) -> np.ndarray:
    """`ranked` as an (n_users, L) int64 array; DataError if a row repeats an item (-1 is padding)."""
    ranked = np.asarray(ranked)
    if ranked.ndim != 2 or (ranked.size and not np.issubdtype(ranked.dtype, np.integer)):
        raise DataError(f"ranked lists must be an (n_users, L) integer array; got shape {ranked.shape} "
                        f"and dtype {ranked.dtype}")
    ranked = ranked.astype(np.int64, copy=False)
    if ranked.shape[1] > 1:
        ordered = np.sort(ranked, axis=1)
        repeats = (ordered[:, 1:] == ordered[:, :-1]) & (ordered[:, 1:] >= 0)
        if repeats.any():
            row = int(np.flatnonzero(repeats.any(axis=1))[0])
            raise DataError(f"ranked list of row {row} repeats an item; a ranking lists each item once")
    return ranked



@dataclass(frozen=True)
class MetricAtK:
    """A metric of the top K of each list; `label` names it like `NDCG@10`."""

    k: int
    name: ClassVar[str] = ""

    def __post_init__(self) -> None:
        check_k(self.k)

    @property
    def label(self) -> str:
        return f"{self.name}@{self.k}"
