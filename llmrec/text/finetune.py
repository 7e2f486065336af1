"""Fine-tuning the text encoder on the shop's own data: contrastive pairs from training interactions.

Pre-train, then fine-tune: a BERT-family encoder (the packaged MiniLM by default) is trained so that
items bought one after the other, or by the same shopper, embed close together, and an item embeds
close to its own reviews. Loss: symmetric InfoNCE with in-batch negatives (sentence-transformers'
MultipleNegativesRankingLoss, both directions), on masked-mean-pooled, L2-normalised vectors exactly
as `llmrec.text.encoder.TextEncoder` computes them. The result is a normal Hugging Face folder
(safetensors + config.json + tokenizer files) that `TextEncoder(out_folder)` loads; its identity
hashes the weights, so embedding caches recompute by themselves.

How to wire (for the build-stage owner; nothing here knows about stages or screens):

    from llmrec.text.finetune import training_pairs, finetune_encoder
    pairs = training_pairs(split.train, ids, seed=config.seed)          # TRAINING part only
    folder = finetune_encoder(config.encoder, item_documents(dataset.items), pairs,
                              review_pairs(dataset.reviews, ids),        # or None
                              run.staging / "text" / "encoder",
                              time_budget_s=600, seed=config.seed,
                              progress=lambda f, msg: run.progress("finetune", f, msg))
    encoder = TextEncoder(folder, max_length=config.max_length)          # then embed as usual

Only training interactions may feed `training_pairs`: pairs from validation or test leak the answer.
"""

from __future__ import annotations

import contextlib
import json
import math
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from llmrec.errors import ConfigError, DataError
from llmrec.hardware import PRECISIONS, resolve_precision
from llmrec.text.encoder import FINETUNE_REPORT, NOT_THE_TRANSFORMER, _cached_snapshot, _load, _resolve_model
from llmrec.text.head import DEFAULT_HEAD, HeadRecipe, save_head, symmetric_info_nce, train_head
from llmrec.text.pooling import mean_pool

FinetuneProgress = Callable[[float, str], None]
"""progress(fraction in [0, 1], message): what a CLI bar or a Streamlit bar shows."""

MANIFEST = FINETUNE_REPORT


# ----------------------------------------------------------------------------------------------------------
# fine-tuning


@dataclass(frozen=True)
class FinetuneReport:
    """What a fine-tuning run did: written as finetune.json next to the weights."""

    base_model: str
    n_item_pairs: int
    n_review_pairs: int
    steps: int
    planned_steps: int
    epochs_done: float
    stopped_by: str
    """"completed" or "time_budget"."""
    final_loss: float
    precision: str
    seconds: float
    params: dict
    lr_horizon_steps: int = 0
    """Steps the learning rate decays over: planned_steps, or fewer when the time budget allows fewer."""


def finetune_encoder(
    base_model: str | Path | None,
    item_texts: Sequence[str],
    pairs: np.ndarray,
    review_pairs: Sequence[tuple[int, str]] | None,
    out_folder: Path,
    *,
    time_budget_s: float = 600.0,
    epochs: int = 1,
    batch_size: int = 64,
    lr: float = 5e-5,
    temperature: float = 0.05,
    max_length: int = 48,
    warmup: float = 0.1,
    trainable_layers: int | None | str = "auto",
    seed: int = 0,
    precision: str = "auto",
    threads: int | None = None,
    progress: FinetuneProgress | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Path:
    """Fine-tune `base_model` contrastively on item pairs (+ item/review pairs); save it to `out_folder`.

    base_model: None (packaged MiniLM), a local model folder or a hub id, as for TextEncoder.
    item_texts: one document per item index (llmrec.text.documents.item_documents).
    pairs: (n, 2) item indices from `training_pairs` (training interactions only).
    review_pairs: (item index, review text) pairs, or None.
    time_budget_s: training stops cleanly before the first step that would start after the budget
        (measured with `clock`); the weights reached so far are saved. Steps are never cut midway.
    epochs, batch_size, lr, warmup (fraction of steps with a linear ramp), temperature (InfoNCE),
        max_length (tokens per text during training), seed: the usual meanings.
    trainable_layers: None trains every weight; k trains only the top k transformer layers and
        freezes the embeddings and the layers below: their token states are computed once per text
        and each step runs only the top k layers (3x cheaper steps with k=2 of MiniLM's 6, and less
        drift from the pre-trained model). "auto": the top 2 layers of a BERT-family model (all
        of a smaller one), every weight of any other model.
    precision: "auto" uses bf16 autocast only where the hardware runs it natively, else fp32.
    progress(fraction, message) after every step. Returns `out_folder`.
    """
    item_texts = list(item_texts)
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2) if len(pairs) else np.zeros((0, 2), np.int64)
    reviews = list(review_pairs or [])
    _check_inputs(item_texts, pairs, reviews, time_budget_s=time_budget_s, epochs=epochs,
                  batch_size=batch_size, lr=lr, temperature=temperature, precision=precision)
    started = clock()
    generator = torch.Generator().manual_seed(seed)
    if threads is not None:
        torch.set_num_threads(threads)
    name, folder = _resolve_model(base_model)
    tokenizer, model = _load(name, folder)
    max_length = min(max_length, *(x for x in (getattr(model.config, "max_position_embeddings", None),)
                                   if isinstance(x, int)))
    torch.manual_seed(seed)          # dropout masks inside the transformer; restored below
    model.train()
    if trainable_layers == "auto":
        layers = getattr(getattr(model, "encoder", None), "layer", None)
        trainable_layers = None if layers is None or not hasattr(model, "embeddings") else min(2, len(layers))
    _freeze_below(model, trainable_layers)
    mode = resolve_precision(precision)

    # texts: items first, then reviews; an example is (anchor text, positive text) + identity keys
    texts = item_texts + [text for _, text in reviews]
    token_ids = tokenizer(texts, truncation=True, max_length=max_length, return_attention_mask=False,
                          return_token_type_ids=False)["input_ids"]
    anchors, positives = _examples(pairs, reviews, len(item_texts))
    n_examples = len(anchors)
    per_epoch = math.ceil(n_examples / batch_size)
    planned = per_epoch * epochs
    trained = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trained, lr=lr, weight_decay=0.01)
    # Warm-up then linear decay over `horizon` steps: the planned run, or, once a few steps have
    # been timed, the steps the time budget will allow if fewer (a run the budget cuts short still
    # ends at a low learning rate instead of stopping at its peak).
    horizon = [planned]
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: _lr_factor(s, horizon[0], warmup))
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    token_types = "token_type_ids" in tokenizer.model_input_names
    # Frozen lower layers give an item the same token states in every pair it appears in (about 20
    # pairs per item on Amazon Scientific): computed once, they leave only the top layers to each
    # step, a step n_layers / trainable_layers times cheaper. Skipped where they would not fit in memory.
    states, top_layers = None, None
    if trainable_layers is not None and _states_fit(texts, max_length, model):
        n_frozen = len(model.encoder.layer) - trainable_layers
        if progress is not None:
            progress(0.0, f"caching the frozen lower {n_frozen} layers' states of {len(texts):,} texts")
        states = _frozen_states(model, token_ids, n_frozen, pad_id, token_types, mode)
        top_layers = list(model.encoder.layer[n_frozen:])

    step, loss_value, stopped_by = 0, float("nan"), "completed"
    if progress is not None:
        progress(0.0, f"fine-tuning on {len(pairs):,} item pairs and {len(reviews):,} review pairs")
    training_started = None
    rng_state = torch.random.get_rng_state()
    try:
        for _epoch in range(epochs):
            order = torch.randperm(n_examples, generator=generator).numpy()
            for start in range(0, n_examples, batch_size):
                now = clock()
                if now - started >= time_budget_s:
                    stopped_by = "time_budget"
                    break
                if training_started is None:
                    training_started = now
                elif step == TIMED_STEPS and horizon[0] == planned:
                    per_step = (now - training_started) / step
                    affordable = step + int((time_budget_s - (now - started)) / max(per_step, 1e-9))
                    horizon[0] = max(step + 1, min(planned, affordable))
                rows = order[start:start + batch_size]
                if len(rows) < 2:        # one example has no in-batch negative
                    continue
                a, b = anchors[rows], positives[rows]
                with _autocast(mode):
                    left, right = (                                                     # (batch, dim) each
                        _embed(model, [token_ids[i] for i in side], pad_id, token_types) if states is None
                        else _embed_states(model, [states[i] for i in side], top_layers) for side in (a, b))
                loss = symmetric_info_nce(left.float(), right.float(), a, b, temperature)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(trained, 1.0)
                optimizer.step()
                schedule.step()
                step += 1
                loss_value = float(loss.detach())
                if progress is not None:
                    progress(step / planned, f"step {step:,}/{planned:,}, loss {loss_value:.3f}")
            if stopped_by != "completed":
                break
    finally:
        torch.random.set_rng_state(rng_state)

    model.eval()
    out_folder = Path(out_folder)
    out_folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out_folder, safe_serialization=True)
    tokenizer.save_pretrained(out_folder)
    report = FinetuneReport(
        base_model=name, n_item_pairs=len(pairs), n_review_pairs=len(reviews), steps=step,
        planned_steps=planned, epochs_done=step / max(per_epoch, 1), stopped_by=stopped_by,
        final_loss=loss_value, precision=mode, seconds=round(clock() - started, 3),
        lr_horizon_steps=horizon[0],
        params={"epochs": epochs, "batch_size": batch_size, "lr": lr, "temperature": temperature,
                "max_length": max_length, "warmup": warmup, "trainable_layers": trainable_layers,
                "seed": seed,
                "time_budget_s": time_budget_s})
    (out_folder / MANIFEST).write_text(json.dumps(asdict(report), indent=2))
    if progress is not None:
        progress(1.0, f"fine-tuned: {step:,} steps ({stopped_by}), loss {loss_value:.3f}")
    return out_folder


def finetune_head_encoder(
    base_model: str | Path | None,
    item_texts: Sequence[str],
    pairs: np.ndarray,
    review_pairs: Sequence[tuple[int, str]] | None,
    out_folder: Path,
    *,
    embed: Callable[[list[str]], np.ndarray],
    recipe: HeadRecipe = DEFAULT_HEAD,
    time_budget_s: float = 600.0,
    seed: int = 0,
    progress: FinetuneProgress | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Path:
    """Fine-tune a head on `base_model`'s frozen vectors (llmrec.text.head); save base + head to `out_folder`.

    Same pairs and contract as `finetune_encoder`; `embed(texts)` returns the base model's vectors of
    the texts (the build passes its embedding cache, so nothing is embedded twice). The base model's
    files are copied byte for byte, so the folder loads offline and its transformer keeps the base
    model's cache identity. Returns `out_folder`; `open_encoder(out_folder)` loads it.
    """
    item_texts = list(item_texts)
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2) if len(pairs) else np.zeros((0, 2), np.int64)
    reviews = list(review_pairs or [])
    recipe.check()
    _check_inputs(item_texts, pairs, reviews, time_budget_s=time_budget_s, epochs=1, batch_size=2,
                  lr=recipe.lr, temperature=recipe.temperature, precision="fp32")
    started = clock()
    name, folder = _resolve_model(base_model)
    texts = item_texts + [text for _, text in reviews]
    if progress is not None:
        progress(0.0, f"frozen vectors of {len(texts):,} texts")
    vectors = np.asarray(embed(texts), dtype=np.float32)                       # (n_texts, dim)
    anchors, positives = _examples(pairs, reviews, len(item_texts))
    run = train_head(vectors, anchors, positives, (anchors, positives), recipe,
                     time_budget_s=max(time_budget_s - (clock() - started), 1e-9), seed=seed,
                     progress=progress, clock=clock)
    out_folder = Path(out_folder)
    _copy_model_files(name, folder, out_folder)
    save_head(run.weight, out_folder)
    report = FinetuneReport(
        base_model=name, n_item_pairs=len(pairs), n_review_pairs=len(reviews), steps=run.steps,
        planned_steps=run.planned_steps, epochs_done=run.epochs_done, stopped_by=run.stopped_by,
        final_loss=run.final_loss, precision="fp32", seconds=round(clock() - started, 3),
        params={"method": "head", **asdict(recipe), "seed": seed, "time_budget_s": time_budget_s,
                "first_loss": run.first_loss})
    (out_folder / MANIFEST).write_text(json.dumps(asdict(report), indent=2))
    if progress is not None:
        progress(1.0, f"fine-tuned head: {run.epochs_done:.1f} epochs ({run.stopped_by}), "
                      f"loss {run.first_loss:.3f} -> {run.final_loss:.3f}")
    return out_folder


def _examples(pairs: np.ndarray, reviews: list[tuple[int, str]], n_items: int
              ) -> tuple[np.ndarray, np.ndarray]:
    """(anchors, positives): text indices, items first then reviews (review j is text n_items + j)."""
    anchors = np.r_[pairs[:, 0], np.array([i for i, _ in reviews], dtype=np.int64)]
    positives = np.r_[pairs[:, 1], n_items + np.arange(len(reviews), dtype=np.int64)]
    return anchors.astype(np.int64), positives.astype(np.int64)


def _copy_model_files(name: str, folder: Path | None, out_folder: Path) -> None:
    """The base model's files, byte for byte (a re-saved model would hash differently)."""
    source = folder if folder is not None else _cached_snapshot(name)
    out_folder.mkdir(parents=True, exist_ok=True)
    if source is None:                  # a hub model loaded some other way: save what transformers has
        tokenizer, model = _load(name, None)
        model.save_pretrained(out_folder, safe_serialization=True)
        tokenizer.save_pretrained(out_folder)
        return
    for path in sorted(p for p in Path(source).rglob("*") if p.is_file() and ".git" not in p.parts):
        relative = path.relative_to(source)
        if relative.as_posix() in NOT_THE_TRANSFORMER:
            continue
        (out_folder / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, out_folder / relative)


TIMED_STEPS = 5
"""Steps timed before the learning-rate schedule is fitted to the time budget."""


def _lr_factor(step: int, horizon: int, warmup: float) -> float:
    """Multiplier of the base learning rate at `step`: linear warm-up, then linear decay to 0 at `horizon`."""
    ramp = max(1, int(horizon * warmup))
    return min((step + 1) / ramp, max(0.0, (horizon - step) / max(horizon - ramp, 1)))


def read_report(folder: Path) -> FinetuneReport:
    """The FinetuneReport saved with a fine-tuned model folder."""
    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise DataError(f"{path} not found: {folder} is not a folder written by finetune_encoder")
    return FinetuneReport(**json.loads(path.read_text()))


def _freeze_below(model, trainable_layers: int | None) -> None:
    """Freeze the embeddings and all but the top `trainable_layers` layers (in eval mode: no dropout)."""
    if trainable_layers is None:
        return
    layers = getattr(getattr(model, "encoder", None), "layer", None)
    if layers is None or not hasattr(model, "embeddings"):
        raise ConfigError(f"trainable_layers needs a BERT-family model (embeddings + encoder.layer); "
                          f"{type(model).__name__} is not one: pass trainable_layers=None")
    if isinstance(trainable_layers, bool) or not isinstance(trainable_layers, int) \
            or not 1 <= trainable_layers <= len(layers):
        raise ConfigError(f"trainable_layers must be None or an integer in 1..{len(layers)}, "
                          f"got {trainable_layers!r}")
    for module in [model.embeddings, *layers[:len(layers) - trainable_layers]]:
        module.eval()
        module.requires_grad_(False)


def _embed(model, token_ids: list[list[int]], pad_id: int, token_types: bool) -> torch.Tensor:
    """(batch, dim) unit vectors with gradients: right padding, masked mean pooling, L2 (as TextEncoder)."""
    inputs = _batch_inputs(token_ids, pad_id, token_types)
    hidden = model(**inputs).last_hidden_state                                  # (batch, seq, dim)
    return F.normalize(mean_pool(hidden, inputs["attention_mask"]), dim=-1)


def _batch_inputs(token_ids: list[list[int]], pad_id: int, token_types: bool) -> dict[str, torch.Tensor]:
    """input_ids and attention_mask (and token_type_ids where the model takes them), right-padded."""
    width = max(map(len, token_ids))
    input_ids = torch.full((len(token_ids), width), pad_id, dtype=torch.long)   # (batch, seq)
    mask = torch.zeros((len(token_ids), width), dtype=torch.long)               # (batch, seq)
    for row, ids in enumerate(token_ids):
        input_ids[row, :len(ids)] = torch.tensor(ids)
        mask[row, :len(ids)] = 1
    inputs = {"input_ids": input_ids, "attention_mask": mask}
    if token_types:
        inputs["token_type_ids"] = torch.zeros_like(input_ids)
    return inputs


class _Passthrough(torch.nn.Module):
    """Stands in for the embeddings when the model's input is already the stored lower-layer states."""

    def forward(self, inputs_embeds=None, **_unused):
        return inputs_embeds


@contextlib.contextmanager
def _only_layers(model, layers, *, states_in: bool = False):
    """The model with just `layers` in its encoder (and, with states_in, no embeddings); restored after."""
    full, embeddings = model.encoder.layer, model.embeddings
    model.encoder.layer = torch.nn.ModuleList(layers)
    if states_in:
        model.embeddings = _Passthrough()
    try:
        yield model
    finally:
        model.encoder.layer, model.embeddings = full, embeddings


def _frozen_states(model, token_ids: list[list[int]], n_frozen: int, pad_id: int, token_types: bool,
                   mode: str, batch_size: int = 64) -> list[torch.Tensor]:
    """Each text's token states after the frozen embeddings and lower `n_frozen` layers: (len_i, dim) each."""
    states: list[torch.Tensor] = [torch.empty(0)] * len(token_ids)
    order = np.argsort([len(ids) for ids in token_ids], kind="stable")   # similar lengths: less padding
    with torch.no_grad(), _only_layers(model, model.encoder.layer[:n_frozen]), _autocast(mode):
        for start in range(0, len(order), batch_size):
            rows = order[start:start + batch_size]
            inputs = _batch_inputs([token_ids[i] for i in rows], pad_id, token_types)
            hidden = model(**inputs).last_hidden_state                          # (batch, seq, dim)
            for position, row in enumerate(rows):
                states[row] = hidden[position, :len(token_ids[row])].float().clone()
    return states


def _embed_states(model, states: list[torch.Tensor], top_layers) -> torch.Tensor:
    """(batch, dim) unit vectors with gradients from stored lower-layer states through `top_layers`."""
    width = max(len(x) for x in states)
    hidden_in = torch.zeros((len(states), width, states[0].shape[-1]))          # (batch, seq, dim)
    mask = torch.zeros((len(states), width), dtype=torch.long)                  # (batch, seq)
    for row, x in enumerate(states):
        hidden_in[row, :len(x)] = x
        mask[row, :len(x)] = 1
    with _only_layers(model, top_layers, states_in=True):
        hidden = model(inputs_embeds=hidden_in, attention_mask=mask).last_hidden_state
    return F.normalize(mean_pool(hidden, mask), dim=-1)


STATE_CACHE_BYTES = 2_000_000_000
"""Most memory the cached lower-layer states may take (float32); larger catalogues train uncached."""


def _states_fit(texts: list[str], max_length: int, model) -> bool:
    return len(texts) * max_length * int(model.config.hidden_size) * 4 <= STATE_CACHE_BYTES



def _autocast(mode: str):
    return torch.autocast("cpu", dtype=torch.bfloat16) if mode == "bf16" else contextlib.nullcontext()


def _check_inputs(item_texts: list[str], pairs: np.ndarray, reviews: list[tuple[int, str]], *,
                  time_budget_s: float, epochs: int, batch_size: int, lr: float, temperature: float,
                  precision: str) -> None:
    if not item_texts or not all(isinstance(t, str) for t in item_texts):
        raise DataError("item_texts must be a non-empty list of strings, one per item index")
    if len(pairs) and (pairs.min() < 0 or pairs.max() >= len(item_texts)):
        raise DataError(f"pairs hold item indices outside 0..{len(item_texts) - 1}: "
                        f"found {pairs.min()}..{pairs.max()}")
    for position, (item, text) in enumerate(reviews):
        if not 0 <= int(item) < len(item_texts) or not isinstance(text, str):
            raise DataError(f"review pair {position}: expected (item index < {len(item_texts)}, text), "
                            f"found ({item!r}, {type(text).__name__})")
    if len(pairs) + len(reviews) < 2:
        raise DataError("fine-tuning needs at least two training pairs; found "
                        f"{len(pairs) + len(reviews)}")
    if not isinstance(time_budget_s, int | float) or not time_budget_s > 0:
        raise ConfigError(f"time_budget_s must be a positive number of seconds, got {time_budget_s!r}")
    for name, value in (("epochs", epochs), ("batch_size", batch_size)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"{name} must be a positive integer, got {value!r}")
    if batch_size < 2:
        raise ConfigError(f"batch_size must be at least 2 (in-batch negatives), got {batch_size}")
    for name, value in (("lr", lr), ("temperature", temperature)):
        if not isinstance(value, int | float) or not value > 0:
            raise ConfigError(f"{name} must be a positive number, got {value!r}")
    if precision not in PRECISIONS:
        raise ConfigError(f"precision must be one of {', '.join(PRECISIONS)}; got {precision!r}")
