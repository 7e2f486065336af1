"""Training the SASRec network: next-item batches, full-softmax cross-entropy, mixed precision, early
stopping on validation and a wall-clock budget; and the parameters a build trains with, derived from
the data.

Every epoch visits each user with >= 2 training items once, in batches of similar length, predicting
items 2..n of the last `max_len` + 1 from the ones before them. The budget is checked after every
batch, so even one epoch of a very large catalogue cannot run past it: the epoch is cut short,
validated, and training ends with the best validated parameters.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from llmrec.errors import DataError, ModelError
from llmrec.models._common import EarlyStopping, close_epoch, finish_training
from llmrec.models.base import EpochCallback
from llmrec.models.sasrec_net import SASRecNet
from llmrec.models.sequence_data import Sequences, left_padded, length_batches

clock = time.process_time
"""The training budget's clock: CPU seconds of this process, so that a machine busy with other work
does not cut training short (with one training thread and an idle machine it runs at wall-clock
speed). Module-level so a test can plant one."""


@dataclass(frozen=True)
class Schedule:
    """How long and how fast to train (the estimator's parameters, checked)."""

    epochs: int
    lr: float
    weight_decay: float
    batch_size: int
    patience: int | None
    eval_every: int
    max_len: int
    time_budget: float | None
    """CPU seconds (`clock`) for the whole training loop, validation included; None: no limit."""
    precision: str
    """"bf16" (autocast in the training steps) or "fp32"; scoring always runs in fp32."""
    negatives: int | None = None
    """None: full softmax over all items; else sampled softmax against this many items drawn uniformly
    per batch (shared by its positions), for catalogues where a full softmax per position is too slow."""


@dataclass
class Outcome:
    history: list[dict[str, float]]
    best_epoch: int
    stopped_by: str
    """"patience", "time budget" or "epochs": why training ended."""
    seconds: float


def train_next_item(net: SASRecNet, histories: Sequences, schedule: Schedule, *,
                    validate: Callable[[], float] | None, callback: EpochCallback | None,
                    owner: str) -> Outcome:
    """Train `net` in place on `histories` (item indices, oldest first); `validate` (None: no early
    stopping) returns validation NDCG@10 of the network as it stands."""
    examples = [h[-(schedule.max_len + 1):] for h in histories if len(h) >= 2]   # inputs + next items
    if not examples:
        raise DataError("train has no user with two or more items: a sequential model has nothing "
                        "to learn from")
    lengths = np.fromiter(map(len, examples), dtype=np.int64, count=len(examples))
    optimizer = torch.optim.AdamW(net.parameters(), lr=schedule.lr, weight_decay=schedule.weight_decay)
    stopping = EarlyStopping(schedule.patience, higher_is_better=True)
    history: list[dict[str, float]] = []
    started = clock()
    stopped_by = "epochs"
    for epoch in range(1, schedule.epochs + 1):
        net.train()
        total, count, steps = 0.0, 0, 0
        out_of_time = False
        for rows in length_batches(lengths, schedule.batch_size):
            loss, n = _step(net, optimizer, [examples[i] for i in rows], schedule)
            total, count, steps = total + loss, count + n, steps + 1
            if schedule.time_budget is not None and clock() - started >= schedule.time_budget:
                out_of_time = True
                break
        metrics = {"loss": total / count, "batches": float(steps), "cpu_s": clock() - started}
        if not math.isfinite(metrics["loss"]):
            raise ModelError(f"{owner}: the loss became NaN or infinite in epoch {epoch}; "
                             "try a lower learning rate")
        due = validate is not None and (epoch % schedule.eval_every == 0 or epoch == schedule.epochs
                                        or out_of_time)
        if close_epoch(epoch, metrics, validate=validate if due else None, stopping=stopping, module=net,
                       history=history, callback=callback):
            stopped_by = "patience"
            break
        if out_of_time:
            stopped_by = "time budget"
            break
    history, best_epoch = finish_training(net, stopping, history, validate is not None)
    return Outcome(history, best_epoch, stopped_by, clock() - started)


def _step(net: SASRecNet, optimizer: torch.optim.Optimizer, batch: Sequences,
          schedule: Schedule) -> tuple[float, int]:
    """One optimiser step on a batch of examples; (summed loss, number of predicted positions)."""
    inputs = torch.from_numpy(left_padded([s[:-1] for s in batch], schedule.max_len))        # (b, L)
    targets = torch.from_numpy(left_padded([s[1:] for s in batch], schedule.max_len)) - 1    # (b, L)
    real = targets >= 0                                                                      # (b, L)
    targets = targets[real]                                                                  # (n,)
    sampled = schedule.negatives is not None and schedule.negatives < net.config.n_items
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=schedule.precision == "bf16"):
        if sampled:
            logits, targets = _sampled_logits(net, inputs, real, targets, schedule.negatives)
        else:
            table = net.item_table()
            states = net.hidden(inputs, table)[real]                 # (n, d) real positions only
            logits = net.logits(states, table)                       # (n, n_items)
    loss = F.cross_entropy(logits.float(), targets, reduction="sum")
    n = len(targets)
    optimizer.zero_grad(set_to_none=True)
    (loss / n).backward()
    optimizer.step()
    return loss.item(), n


def _sampled_logits(net: SASRecNet, inputs: torch.Tensor, real: torch.Tensor, targets: torch.Tensor,
                    negatives: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(logits (n, 1 + negatives), targets (n,) all 0) of the real positions of `inputs` (b, L): each
    position's next item first, then items drawn uniformly at random (uniform draws need no
    log-probability correction); a draw that is the position's own next item is masked out rather than
    counted as a negative. Only the item rows the batch touches are built (padding row 0 included)."""
    drawn = torch.randint(net.config.n_items, (negatives,))                                  # (m,)
    needed = torch.unique(torch.cat([torch.zeros(1, dtype=torch.long), inputs.flatten(), targets + 1,
                                     drawn + 1]))                                            # sorted
    table = net.item_rows(needed)                                                            # (r, d)
    local = torch.searchsorted(needed, inputs)                     # (b, L); padding stays 0
    states = net.hidden(local, table)[real]                                                  # (n, d)
    positive = (states * table[torch.searchsorted(needed, targets + 1)]).sum(-1, keepdim=True)  # (n, 1)
    sampled = states @ table[torch.searchsorted(needed, drawn + 1)].T                        # (n, m)
    sampled = sampled.masked_fill(drawn[None, :] == targets[:, None], -math.inf)
    logits = torch.cat([positive, sampled], dim=1) / net.config.temperature
    return logits, torch.zeros(len(targets), dtype=torch.long)


# ----------------------------------------------------------------------------------------------------------
# what a build trains with


BUILD_EPOCHS = 200
"""The build's epoch cap: early stopping (patience) or the time budget ends training long before."""
BUILD_PATIENCE = 5
MAX_LEN_BOUNDS = (10, 50)


FULL_SOFTMAX_ITEMS = 20_000
"""Up to this many items a build trains with a full softmax; above, sampled softmax (`NEGATIVES`)."""
NEGATIVES = 4096


def build_params(history_lengths: np.ndarray, n_items: int) -> dict[str, int | None]:
    """The sequential models' build parameters from the training histories' lengths and the number of
    items (a pure function of these statistics).

    max_len: the 99th percentile of the lengths, rounded up to a multiple of 10, within 10..50 (the
    published SASRec setting on Amazon data is 50): longer windows only add positions that almost no
    history fills. Attention and embedding width stay at the published 64 (2 layers, 1 head); the number
    of epochs is left to early stopping on validation (patience 5) under the build's time budget.
    negatives: a full softmax (None) up to FULL_SOFTMAX_ITEMS items, whose cost per position grows with
    the catalogue; above, NEGATIVES sampled items per batch, so an epoch costs the same at any size.
    """
    lengths = np.asarray(history_lengths)
    if lengths.ndim != 1 or len(lengths) == 0:
        raise DataError("build_params needs the length of at least one training history")
    p99 = float(np.percentile(lengths, 99))
    low, high = MAX_LEN_BOUNDS
    max_len = int(min(high, max(low, 10 * math.ceil(p99 / 10))))
    negatives = None if n_items <= FULL_SOFTMAX_ITEMS else NEGATIVES
    return {"max_len": max_len, "dim": 64, "epochs": BUILD_EPOCHS, "patience": BUILD_PATIENCE,
            "negatives": negatives}
