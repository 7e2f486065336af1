"""Mapping between external string ids and the dense integer indices models work with."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from llmrec.errors import UnknownIdError


@dataclass(frozen=True)
class IdMap:
    """Dense indices for users and items: index i of `users` is user row i of every matrix."""

    users: pd.Index
    items: pd.Index

    @classmethod
    def from_dataset(cls, dataset) -> IdMap:
        return cls(users=pd.Index(dataset.users["user_id"].astype(str), name="user_id"),
                   items=pd.Index(dataset.items["item_id"].astype(str), name="item_id"))

    @property
    def n_users(self) -> int:
        return len(self.users)

    @property
    def n_items(self) -> int:
        return len(self.items)

    def user_index(self, user_id: str) -> int:
        try:
            return int(self.users.get_loc(str(user_id)))
        except KeyError:
            raise UnknownIdError(f"unknown user id '{user_id}'") from None

    def item_index(self, item_id: str) -> int:
        try:
            return int(self.items.get_loc(str(item_id)))
        except KeyError:
            raise UnknownIdError(f"unknown item id '{item_id}'") from None

    def user_indices(self, user_ids) -> np.ndarray:
        """Indices of many users; -1 where an id is unknown."""
        return self.users.get_indexer(pd.Index(user_ids).astype(str)).astype(np.int64)

    def item_indices(self, item_ids) -> np.ndarray:
        """Indices of many items; -1 where an id is unknown."""
        return self.items.get_indexer(pd.Index(item_ids).astype(str)).astype(np.int64)


def interaction_matrix(
    interactions: pd.DataFrame, ids: IdMap, *, values: str | None = None
) -> sp.csr_matrix:
    """Users x items CSR matrix of `interactions` (1.0 per pair, or the column `values`).

    Repeated (user, item) pairs keep one entry (the last value), so the matrix is binary for
    implicit feedback.
    """
    users = ids.user_indices(interactions["user_id"])
    items = ids.item_indices(interactions["item_id"])
    if (users < 0).any() or (items < 0).any():
        raise UnknownIdError("interactions reference ids missing from the id map")
    data = (np.ones(len(users), dtype=np.float32) if values is None
            else interactions[values].to_numpy(dtype=np.float32))
    frame = pd.DataFrame({"u": users, "i": items, "v": data}).drop_duplicates(["u", "i"], keep="last")
    return sp.csr_matrix((frame["v"].to_numpy(), (frame["u"].to_numpy(), frame["i"].to_numpy())),
                         shape=(ids.n_users, ids.n_items), dtype=np.float32)
