"""A fine-tuned output head on top of a frozen text encoder: v -> normalise(v + W v).

Why a head: on a CPU, contrastive fine-tuning of MiniLM's transformer layers buys a few hundred
steps per build, and on Amazon Scientific every such run made content ItemKNN worse than the frozen
model (BENCHMARKS.md, quality section). A residual linear map trained on the frozen, pooled vectors
costs milliseconds per step, so it trains for many epochs in seconds and is what the build's
fine-tuning stage uses by default. W starts at zero: an untrained head is the frozen encoder.

A fine-tuned folder holds the base model's files (so it loads anywhere, offline) plus
`HEAD_FILE` (safetensors, one (dim, dim) "weight"). `open_encoder` returns a `HeadEncoder` for such a
folder and a plain `TextEncoder` for any other model. The base model's identity ignores the head
file, so the embedding cache finds the frozen vectors it already has and only the cheap head is
applied again; the HeadEncoder's own identity adds the head's hash.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.numpy import load_file, save_file

from llmrec.errors import ConfigError, DataError, ModelError
from llmrec.text.encoder import FINETUNE_REPORT, HEAD_FILE, NOT_THE_TRANSFORMER, folder_fingerprint


def open_encoder(model: str | Path | None = None, **settings):
    """The encoder for `model`: a HeadEncoder when it is a folder with a fine-tuned head, else a TextEncoder.

    `settings` are TextEncoder's keyword options (max_length, batch_size, precision, ...).
    """
    from llmrec.text.encoder import TextEncoder

    head = head_path(model)
    if head is None:
        return TextEncoder(model, **settings)
    return HeadEncoder(TextEncoder(_base_model(Path(model)), **settings), load_head(head))


def _base_model(folder: Path) -> str | Path | None:
    """The model a head folder was fine-tuned from when it is still here and identical, else the folder.

    Loading the original (the packaged MiniLM, a local folder, a cached hub model) keeps its cache
    identity, so vectors embedded before fine-tuning are reused; the copy in the folder is the
    fallback for a workspace moved to another machine.
    """
    import json

    from llmrec.text.encoder import PACKAGED_MODEL, _cached_snapshot, _resolve_model

    report = folder / FINETUNE_REPORT
    recorded = json.loads(report.read_text()).get("base_model") if report.is_file() else None
    if not isinstance(recorded, str):
        return folder
    base = None if recorded == f"package:{PACKAGED_MODEL}" else recorded
    try:
        _name, base_folder = _resolve_model(base)
    except (ConfigError, ModelError):      # the original moved or was never here: use the copy
        return folder
    base_folder = base_folder if base_folder is not None else _cached_snapshot(recorded)
    if base_folder is None:
        return folder
    same = (folder_fingerprint(base_folder, exclude=NOT_THE_TRANSFORMER)
            == folder_fingerprint(folder, exclude=NOT_THE_TRANSFORMER))
    return base if same else folder


def head_path(model: str | Path | None) -> Path | None:
    """The head file of a local model folder, or None (hub ids and the packaged model have none)."""
    if model is None:
        return None
    path = Path(model) / HEAD_FILE
    return path if path.is_file() else None


def load_head(path: Path) -> np.ndarray:
    """The (dim, dim) float32 weight stored in a head file; DataError when the file is not one."""
    from safetensors import SafetensorError

    try:
        weight = load_file(str(path))["weight"]
    except (OSError, KeyError, ValueError, SafetensorError) as error:
        raise DataError(f"{path}: not a fine-tuned head file (expected safetensors with a 'weight' "
                        f"tensor): {error}") from error
    if weight.ndim != 2 or weight.shape[0] != weight.shape[1]:
        raise DataError(f"{path}: the head weight must be square (dim, dim); found shape {weight.shape}")
    return np.ascontiguousarray(weight, dtype=np.float32)


def save_head(weight: np.ndarray, folder: Path) -> Path:
    """Write the head weight into a model folder; returns the file."""
    path = Path(folder) / HEAD_FILE
    save_file({"weight": np.ascontiguousarray(weight, dtype=np.float32)}, str(path))
    return path


def apply_head(vectors: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """normalise(v + v W^T) for each row: float32 unit vectors, shape unchanged."""
    vectors = np.asarray(vectors, dtype=np.float32)
    out = vectors + vectors @ weight.T
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return (out / np.maximum(norms, 1e-12)).astype(np.float32)


class HeadEncoder:
    """A TextEncoder followed by a fine-tuned head: same interface (identity, dim, encode)."""

    def __init__(self, base, weight: np.ndarray) -> None:
        if weight.shape != (base.dim, base.dim):
            raise DataError(f"the fine-tuned head is {weight.shape[0]}x{weight.shape[1]} but the encoder "
                            f"{base.model_name} gives {base.dim}-dim vectors")
        self.base, self.weight = base, weight
        self._hash = hashlib.blake2b(weight.tobytes(), digest_size=8).hexdigest()

    @property
    def identity(self) -> str:
        return f"{self.base.identity}|head={self._hash}"

    @property
    def dim(self) -> int:
        return self.base.dim

    @property
    def max_length(self) -> int:
        return self.base.max_length

    @property
    def precision(self) -> str:
        return self.base.precision

    @property
    def precision_reason(self) -> str:
        return self.base.precision_reason

    def encode(self, texts: Sequence[str], *,
               progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        return self.project(self.base.encode(texts, progress=progress))

    def project(self, vectors: np.ndarray) -> np.ndarray:
        """The head applied to the base encoder's vectors."""
        return apply_head(vectors, self.weight)

    def __repr__(self) -> str:
        return f"HeadEncoder({self.base!r}, head={self._hash})"


# ----------------------------------------------------------------------------------------------------------
# training


@dataclass(frozen=True)
class HeadRecipe:
    """How the head is trained. Defaults measured on Amazon Scientific (BENCHMARKS.md, quality)."""

    epochs: int = 40
    batch_size: int = 256
    lr: float = 1e-3
    weight_decay: float = 0.01
    temperature: float = 0.2

    def check(self) -> None:
        for name in ("epochs", "batch_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"{name} must be a positive integer, got {value!r}")
        if self.batch_size < 2:
            raise ConfigError(f"batch_size must be at least 2 (in-batch negatives), got {self.batch_size}")
        for name in ("lr", "temperature"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not value > 0:
                raise ConfigError(f"{name} must be a positive number, got {value!r}")


DEFAULT_HEAD = HeadRecipe()


@dataclass(frozen=True)
class HeadRun:
    """What one head training did."""

    weight: np.ndarray
    steps: int
    planned_steps: int
    epochs_done: float
    stopped_by: str
    first_loss: float
    final_loss: float


def train_head(vectors: np.ndarray, anchors: np.ndarray, positives: np.ndarray,
               keys: tuple[np.ndarray, np.ndarray], recipe: HeadRecipe | None = None, *,
               time_budget_s: float = math.inf, seed: int = 0,
               progress: Callable[[float, str], None] | None = None,
               clock: Callable[[], float] = time.monotonic) -> HeadRun:
    """Train W so that normalise(v + W v) of each anchor is closest to its positive among the batch.

    vectors: (n_texts, dim) frozen unit vectors; anchors, positives: row indices into `vectors`, one
    positive pair per position; keys: (anchor keys, positive keys) naming the text behind each row, so
    a pair sharing a text with the positive is no negative (symmetric InfoNCE, `symmetric_info_nce`).
    Stops after `recipe.epochs` or before the first step past `time_budget_s`. Same inputs and seed,
    same weight.
    """
    recipe = recipe or DEFAULT_HEAD
    recipe.check()
    n_examples = len(anchors)
    if n_examples < 2:
        raise DataError(f"the head needs at least two training pairs; found {n_examples}")
    started = clock()
    generator = torch.Generator().manual_seed(seed)
    table = torch.from_numpy(np.ascontiguousarray(vectors, dtype=np.float32))      # (n_texts, dim)
    dim = table.shape[1]
    weight = torch.zeros((dim, dim), requires_grad=True)
    optimizer = torch.optim.AdamW([weight], lr=recipe.lr, weight_decay=recipe.weight_decay)
    # One thread: each step is a few small matrix products, where a second thread only adds
    # synchronisation (and, on a busy machine, OpenMP spin-waiting that made epochs 100x slower).
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        run = _epochs(table, weight, optimizer, anchors, positives, keys, recipe, generator,
                      deadline=started + time_budget_s, progress=progress, clock=clock)
    finally:
        torch.set_num_threads(threads)
    return run


def _epochs(table, weight, optimizer, anchors, positives, keys, recipe, generator, *, deadline, progress,
            clock) -> HeadRun:
    n_examples = len(anchors)
    per_epoch = math.ceil(n_examples / recipe.batch_size)
    planned = per_epoch * recipe.epochs
    step, losses, stopped_by = 0, [], "completed"

    def head(rows: torch.Tensor) -> torch.Tensor:                                  # (batch, dim)
        x = table[rows]
        return F.normalize(x + x @ weight.T, dim=-1)

    for _epoch in range(recipe.epochs):
        order = torch.randperm(n_examples, generator=generator).numpy()
        epoch_loss, seen = 0.0, 0
        for start in range(0, n_examples, recipe.batch_size):
            if clock() >= deadline:
                stopped_by = "time_budget"
                break
            rows = order[start:start + recipe.batch_size]
            if len(rows) < 2:
                continue
            left, right = head(torch.from_numpy(anchors[rows])), head(torch.from_numpy(positives[rows]))
            loss = symmetric_info_nce(left, right, keys[0][rows], keys[1][rows], recipe.temperature)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            step += 1
            epoch_loss += float(loss.detach()) * len(rows)
            seen += len(rows)
        if seen:
            losses.append(epoch_loss / seen)
        if progress is not None and losses:
            progress(step / planned, f"head epoch {len(losses)}/{recipe.epochs}, loss {losses[-1]:.3f}")
        if stopped_by != "completed":
            break
    return HeadRun(weight=weight.detach().numpy().copy(), steps=step, planned_steps=planned,
                   epochs_done=step / per_epoch, stopped_by=stopped_by,
                   first_loss=losses[0] if losses else float("nan"),
                   final_loss=losses[-1] if losses else float("nan"))


def symmetric_info_nce(left: torch.Tensor, right: torch.Tensor, left_keys: np.ndarray,
                       right_keys: np.ndarray, temperature: float) -> torch.Tensor:
    """InfoNCE of left->right and right->left with in-batch negatives, averaged.

    left, right: (batch, dim) unit vectors; row i of each is a positive pair. Keys identify the
    text behind each row: pair j is no negative of pair i when the two pairs share a text (the same
    item twice in a batch), so such entries are masked out in both directions.
    """
    logits = left @ right.T / temperature                                  # (batch, batch)
    lk, rk = torch.from_numpy(np.asarray(left_keys)), torch.from_numpy(np.asarray(right_keys))
    shared = ((lk[:, None] == lk[None, :]) | (lk[:, None] == rk[None, :])
              | (rk[:, None] == lk[None, :]) | (rk[:, None] == rk[None, :]))  # (batch, batch), symmetric
    shared.fill_diagonal_(False)
    labels = torch.arange(len(lk))
    forward = F.cross_entropy(logits.masked_fill(shared, -torch.inf), labels)
    backward = F.cross_entropy(logits.T.masked_fill(shared, -torch.inf), labels)
    return (forward + backward) / 2
