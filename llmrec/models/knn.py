"""ItemKNN: content-based item-item neighbours from item text embeddings."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import torch

from llmrec.errors import ModelError
from llmrec.models._common import (
    check_float,
    check_indices,
    check_int,
    check_item_text,
    check_train,
    csr_from_state,
    csr_state,
    expect_shapes,
)
from llmrec.models.base import EpochCallback, Explanation, Recommender, RelatedItem, check_fitted

# Similarity entries computed at once (block rows x all items): 2**25 float32 = 128 MB.
_BLOCK_ELEMENTS = 2**25


def text_neighbours(item_text: np.ndarray, neighbours: int, shrink: float = 0.0) -> sp.csr_matrix:
    """Sparse items x items matrix holding, per row, the `neighbours` most similar other items.

    Similarity is x_i . x_j / (|x_i| |x_j| + shrink) (cosine when shrink = 0); only positive
    similarities are kept. Computed in row blocks, so memory stays O(block x n_items + n_items x k).
    """
    text = torch.from_numpy(np.ascontiguousarray(item_text, dtype=np.float32))  # (n, d)
    n = text.shape[0]
    k = min(neighbours, n - 1)
    if k <= 0:
        return sp.csr_matrix((n, n), dtype=np.float32)
    norms = text.norm(dim=1)                                   # (n,)
    if shrink == 0.0:
        text = text / norms.clamp(min=1e-12)[:, None]
    block = max(1, _BLOCK_ELEMENTS // n)
    rows, cols, values = [], [], []
    with torch.no_grad():
        for start in range(0, n, block):
            stop = min(start + block, n)
            sims = text[start:stop] @ text.T                   # (b, n)
            if shrink != 0.0:
                sims /= norms[start:stop, None] * norms[None, :] + shrink
            local = torch.arange(stop - start)
            sims[local, local + start] = -torch.inf            # never your own neighbour
            best, index = torch.topk(sims, k, dim=1)           # (b, k)
            keep = best > 0
            rows.append((local[:, None] + start).expand(-1, k)[keep].numpy())
            cols.append(index[keep].numpy())
            values.append(best[keep].numpy())
    return sp.csr_matrix((np.concatenate(values), (np.concatenate(rows), np.concatenate(cols))),
                         shape=(n, n), dtype=np.float32)


class TextNeighbours:
    """The text-neighbour tables of one item-text matrix, each computed on first request, then shared.

    A build fits ItemKNN and TextAwareMF on the same item text, and both again for the cold-start
    split (which holds out interactions, not texts): at 100k items one table is ~190 CPU-s of
    matrix products, so the caller that holds this object pays for it once. Tables are shared, so
    models must not modify them in place.
    """

    def __init__(self, item_text: np.ndarray) -> None:
        self.item_text = np.ascontiguousarray(item_text, dtype=np.float32)   # (n_items, d)
        self._tables: dict[tuple[int, float], sp.csr_matrix] = {}

    def table(self, neighbours: int, shrink: float = 0.0) -> sp.csr_matrix:
        """`text_neighbours(item_text, neighbours, shrink)`, computed once per (neighbours, shrink)."""
        key = (int(neighbours), float(shrink))
        if key not in self._tables:
            self._tables[key] = text_neighbours(self.item_text, *key)
        return self._tables[key]

    def check(self, item_text: np.ndarray, owner: str) -> None:
        """ModelError unless these tables were built from `item_text` (a model fitted on other text
        would silently use the wrong neighbours)."""
        if self.item_text.shape != item_text.shape or not np.array_equal(self.item_text, item_text):
            raise ModelError(f"{owner}: the shared text neighbours were built from other item text "
                             f"(shape {self.item_text.shape}) than the item_text given to fit "
                             f"(shape {item_text.shape})")


class UsesTextNeighbours:
    """Capability mixin: `fit(..., neighbours=TextNeighbours)` reuses tables shared with other models
    instead of computing its own (same result)."""


class ItemKNN(Recommender, UsesTextNeighbours):
    """Content-based item-item kNN: score(u, j) = sum over items i in u's history of sim(i, j).

    sim keeps each item's `neighbours` most similar items by text embedding (see text_neighbours).
    `item_text` is required at fit; `neighbours` (a TextNeighbours of the same text) shares the table.
    Users with no training history get item popularity scaled to [0, 1] instead. `validation` and
    `callback` are unused (the model is not iterative).
    """

    name = "itemknn"

    def __init__(self, neighbours: int = 50, shrink: float = 0.0) -> None:
        self.neighbours = neighbours
        self.shrink = shrink

    def _validate_params(self) -> None:
        check_int(self, "neighbours", minimum=1)
        check_float(self, "shrink", minimum=0.0)

    def fit(self, train: sp.csr_matrix, *, item_text: np.ndarray | None = None,
            validation: sp.csr_matrix | None = None, callback: EpochCallback | None = None,
            neighbours: TextNeighbours | None = None) -> ItemKNN:
        self._validate_params()
        train = check_train(train)
        text = check_item_text(item_text, train.shape[1], owner=type(self).__name__)
        self._remember(train)
        if neighbours is None:
            neighbours = TextNeighbours(text)
        neighbours.check(text, type(self).__name__)
        self.similarity_ = neighbours.table(self.neighbours, float(self.shrink))
        counts = np.bincount(train.indices, minlength=train.shape[1]).astype(np.float32)
        self.popularity_ = counts / max(float(counts.max()), 1.0)
        return self

    def _score(self, users: np.ndarray) -> np.ndarray:
        history = self.interactions_[users]                         # (b, n_items) sparse
        scores = (history @ self.similarity_).toarray().astype(np.float32, copy=False)  # (b, n_items)
        cold = np.diff(history.indptr) == 0
        scores[cold] = self.popularity_
        return scores

    def explain(self, user: int, item: int, top: int = 5) -> Explanation:
        """The score is the summed similarity of the item to the user's history (one part); the history
        items contributing most are `related_items`. Users without history: scaled popularity."""
        user = int(check_indices(user, self.n_users)[0])
        item = int(check_indices(item, self.n_items, kind="item")[0])
        history = self.interactions_[user].indices
        if len(history) == 0:
            value = float(self.popularity_[item])
            return Explanation(self.name, user, item, value, {"popularity": value})
        similarity = self.similarity_[history][:, item].toarray().ravel()  # (len(history),)
        order = np.argsort(-similarity, kind="stable")[:top]
        related = tuple(RelatedItem(int(history[i]), float(similarity[i]))
                        for i in order if similarity[i] > 0)
        total = float(similarity.sum())
        return Explanation(self.name, user, item, total, {"history": total}, related_items=related)

    def _state(self) -> dict[str, np.ndarray]:
        check_fitted(self, "similarity_")
        return {**csr_state("similarity", self.similarity_), "popularity": self.popularity_}

    def _set_state(self, tensors: dict[str, np.ndarray]) -> None:
        owner = type(self).__name__
        expect_shapes(tensors, {f"similarity.{f}": (None,) for f in ("data", "indices", "indptr", "shape")}
                      | {"popularity": (None,)}, owner=owner)
        similarity = csr_from_state("similarity", tensors, owner=owner)
        n_items = len(tensors["popularity"])
        if similarity.shape != (n_items, n_items):
            raise ModelError(f"{owner}: saved similarity has shape {similarity.shape}, expected "
                             f"({n_items}, {n_items})")
        self.similarity_ = similarity
        self.popularity_ = tensors["popularity"].astype(np.float32)
