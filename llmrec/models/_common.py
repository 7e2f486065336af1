"""Plumbing the recommenders share: parameter handling, input checks, seeds and the validation metric."""

from __future__ import annotations

import contextlib
import copy
import inspect
import math
from collections.abc import Callable, Iterator

import numpy as np
import scipy.sparse as sp
import torch

from llmrec.errors import ConfigError, DataError, ModelError, UnknownIdError
from llmrec.models.ranking import rank_top_k, tie_order

# ----------------------------------------------------------------------------------------------------------
# parameters


class ParamsMixin:
    """sklearn-style parameters: whatever `__init__` takes is stored under the same name."""

    name: str = ""

    @classmethod
    def param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return [p for p in signature.parameters if p != "self"]

    def get_params(self) -> dict:
        return {name: getattr(self, name) for name in self.param_names()}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    def _validate_params(self) -> None:
        """Raise ConfigError for the first invalid parameter (overridden per model)."""


def check_int(owner: object, name: str, *, minimum: int, optional: bool = False) -> None:
    value = getattr(owner, name)
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        none = " or None" if optional else ""
        raise ConfigError(f"{type(owner).__name__}: {name} must be an integer >= {minimum}{none}, "
                          f"got {value!r}")


def check_float(owner: object, name: str, *, minimum: float, strict: bool = False,
                below: float | None = None) -> None:
    value = getattr(owner, name)
    ok = (not isinstance(value, bool) and isinstance(value, int | float | np.number)
          and math.isfinite(value) and (value > minimum if strict else value >= minimum)
          and (below is None or value < below))
    if not ok:
        bound = f"> {minimum}" if strict else f">= {minimum}"
        if below is not None:
            bound += f" and < {below}"
        raise ConfigError(f"{type(owner).__name__}: {name} must be a number {bound}, got {value!r}")


def check_bool(owner: object, name: str) -> None:
    value = getattr(owner, name)
    if not isinstance(value, bool | np.bool_):
        raise ConfigError(f"{type(owner).__name__}: {name} must be True or False, got {value!r}")


def resolve_seed(random_state: int | None) -> int:
    """The integer seed of a fit: `random_state` itself, or fresh OS entropy when it is None."""
    if random_state is None:
        return int(np.random.SeedSequence().generate_state(1)[0])
    return int(random_state)


@contextlib.contextmanager
def torch_threads(threads: int | None) -> Iterator[None]:
    """Run the block with `threads` torch threads (None leaves torch's setting alone)."""
    if threads is None:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(int(threads))
    try:
        yield
    finally:
        torch.set_num_threads(before)


# ----------------------------------------------------------------------------------------------------------
# input checks


def check_matrix(matrix, *, what: str = "train", shape: tuple[int, int] | None = None) -> sp.csr_matrix:
    """A canonical float32 users x items CSR copy of `matrix` (sorted indices, no duplicates)."""
    if not sp.issparse(matrix) or matrix.ndim != 2:
        raise DataError(f"{what} must be a scipy.sparse users x items matrix, got {type(matrix).__name__}")
    if shape is not None and matrix.shape != shape:
        raise DataError(f"{what} has shape {matrix.shape}, expected {shape} (same users and items as train)")
    csr = sp.csr_matrix(matrix, dtype=np.float32, copy=True)
    csr.sum_duplicates()
    csr.eliminate_zeros()
    csr.sort_indices()
    if not np.isfinite(csr.data).all():
        raise DataError(f"{what} contains NaN or infinite values")
    return csr


def check_train(train) -> sp.csr_matrix:
    csr = check_matrix(train, what="train")
    if csr.nnz == 0:
        raise DataError("train has no interactions; a model needs at least one to learn from")
    return csr


def check_item_text(item_text, n_items: int, *, owner: str) -> np.ndarray:
    if item_text is None:
        raise ConfigError(f"{owner} needs item_text: an (n_items, d) array of item text embeddings, got None")
    text = np.asarray(item_text, dtype=np.float32)
    if text.ndim != 2 or text.shape[0] != n_items:
        raise DataError(f"item_text must have shape ({n_items}, d) (one row per item of train), "
                        f"got {text.shape}")
    if not np.isfinite(text).all():
        raise DataError("item_text contains NaN or infinite values")
    return text


def check_indices(indices, n: int, *, kind: str = "user") -> np.ndarray:
    """`indices` as a 1-D int64 array; UnknownIdError for any index outside [0, n)."""
    array = np.asarray(indices)
    if array.ndim == 0:
        array = array.reshape(1)
    if array.ndim != 1 or (array.size and not np.issubdtype(array.dtype, np.integer)):
        raise DataError(f"{kind} indices must be a 1-D array of integers, got dtype {array.dtype} "
                        f"and shape {array.shape}")
    array = array.astype(np.int64, copy=False)
    bad = (array < 0) | (array >= n)
    if bad.any():
        raise UnknownIdError(f"unknown {kind} index {int(array[bad][0])}: the model knows {n} {kind}s "
                             f"(indices 0..{n - 1})")
    return array


def check_finite(arrays: dict[str, np.ndarray], *, owner: str, when: str) -> None:
    for key, array in arrays.items():
        if not np.isfinite(array).all():
            raise ModelError(f"{owner}: {key} contains NaN or infinite values {when}; "
                             "try a lower learning rate or a stronger regularisation")


def expect_shapes(tensors: dict[str, np.ndarray], shapes: dict[str, tuple], *, owner: str) -> None:
    """ModelError unless `tensors` has exactly the keys of `shapes` with matching shapes (None: any)."""
    if set(tensors) != set(shapes):
        raise ModelError(f"{owner}: saved tensors {sorted(tensors)} do not match the expected "
                         f"{sorted(shapes)}")
    for key, shape in shapes.items():
        got = tensors[key].shape
        if len(got) != len(shape) or any(s is not None and s != g for s, g in zip(shape, got, strict=True)):
            raise ModelError(f"{owner}: tensor '{key}' has shape {got}, expected {shape}")


def csr_state(prefix: str, matrix: sp.csr_matrix) -> dict[str, np.ndarray]:
    return {f"{prefix}.data": matrix.data.astype(np.float32),
            f"{prefix}.indices": matrix.indices.astype(np.int64),
            f"{prefix}.indptr": matrix.indptr.astype(np.int64),
            f"{prefix}.shape": np.asarray(matrix.shape, dtype=np.int64)}


def csr_from_state(prefix: str, tensors: dict[str, np.ndarray], *, owner: str) -> sp.csr_matrix:
    shape = tuple(int(s) for s in tensors[f"{prefix}.shape"])
    indptr, indices = tensors[f"{prefix}.indptr"], tensors[f"{prefix}.indices"]
    data = tensors[f"{prefix}.data"]
    if (len(shape) != 2 or len(indptr) != shape[0] + 1 or len(indices) != len(data) or indptr[-1] != len(data)
            or (len(indices) and (indices.min() < 0 or indices.max() >= shape[1]))):
        raise ModelError(f"{owner}: the saved sparse matrix '{prefix}' is inconsistent")
    return sp.csr_matrix((data, indices, indptr), shape=shape)


# ----------------------------------------------------------------------------------------------------------
# training helpers


class EarlyStopping:
    """Remembers the best validation value and the parameters it came with.

    `patience` counts evaluations without improvement; None never stops early.
    """

    def __init__(self, patience: int | None, *, higher_is_better: bool) -> None:
        self.patience = patience
        self.sign = 1.0 if higher_is_better else -1.0
        self.best_value = -math.inf
        self.best_epoch = 0
        self.best_state: dict | None = None
        self.bad_evaluations = 0

    def update(self, epoch: int, value: float, module: torch.nn.Module) -> bool:
        """Record an evaluation; True when training should stop."""
        if self.sign * value > self.best_value:
            self.best_value, self.best_epoch = self.sign * value, epoch
            self.best_state = copy.deepcopy(module.state_dict())
            self.bad_evaluations = 0
        else:
            self.bad_evaluations += 1
        return self.patience is not None and self.bad_evaluations >= self.patience

    def restore(self, module: torch.nn.Module) -> None:
        if self.best_state is not None:
            module.load_state_dict(self.best_state)


def sorted_pair_keys(matrix: sp.csr_matrix) -> torch.Tensor:
    """Sorted int64 keys user * n_items + item of the non-zeros, for fast membership tests."""
    coo = matrix.tocoo()
    keys = coo.row.astype(np.int64) * matrix.shape[1] + coo.col.astype(np.int64)
    return torch.from_numpy(np.sort(keys))


def contains(sorted_keys: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
    """Boolean mask: which `keys` occur in `sorted_keys`."""
    position = torch.searchsorted(sorted_keys, keys).clamp_(max=len(sorted_keys) - 1)
    return sorted_keys[position] == keys


def close_epoch(epoch: int, metrics: dict[str, float], *, validate: Callable[[], float] | None,
                stopping: EarlyStopping, module: torch.nn.Module, history: list[dict[str, float]],
                callback) -> bool:
    """End one training epoch: validate when `validate` is given (early stopping keeps the best
    parameters), record the epoch and report it to `callback`. True when training should stop."""
    stop = False
    if validate is not None:
        module.eval()
        metrics["val_ndcg@10"] = ndcg = validate()
        stop = stopping.update(epoch, ndcg, module)
    history.append(metrics)
    if callback is not None:
        callback(epoch, dict(metrics))
    return stop


def finish_training(module: torch.nn.Module, stopping: EarlyStopping, history: list[dict[str, float]],
                    validated: bool) -> tuple[list[dict[str, float]], int]:
    """(history, best epoch): the best validated parameters restored, else the last epoch's."""
    module.eval()
    if validated and stopping.best_state is not None:
        stopping.restore(module)
        return history, stopping.best_epoch
    return history, len(history)


def validation_ndcg(score_users: Callable[[np.ndarray], np.ndarray], train: sp.csr_matrix,
                    validation: sp.csr_matrix, k: int = 10, max_users: int | None = None) -> float:
    """Mean NDCG@k (binary relevance) over users with validation items, training items masked.

    With `max_users`, only that many of those users, evenly spaced (the same ones on every call).
    A small private metric for early stopping; reported evaluation lives in llmrec.evaluation.
    """
    users = np.flatnonzero(np.diff(validation.indptr))
    if max_users is not None and len(users) > max_users:
        users = users[np.linspace(0, len(users) - 1, max_users).round().astype(np.int64)]
    if len(users) == 0:
        return 0.0
    n_items = train.shape[1]
    k = min(k, n_items)
    discounts = 1.0 / np.log2(np.arange(2, k + 2))          # (k,)
    ideal = np.concatenate([[0.0], np.cumsum(discounts)])   # ideal DCG by number of relevant items
    block = max(1, 2**23 // n_items)
    order = tie_order(n_items, 0)
    total = 0.0
    for start in range(0, len(users), block):
        rows = users[start:start + block]
        top, _ = rank_top_k(score_users(rows), k, train[rows], order=order)   # (b, k) best first
        relevant = validation[rows]
        hits = np.take_along_axis(relevant.toarray() > 0, np.maximum(top, 0), axis=1) & (top >= 0)  # (b, k)
        n_relevant = np.minimum(np.diff(relevant.indptr), k)
        total += float((hits @ discounts / ideal[n_relevant]).sum())
    return total / len(users)
