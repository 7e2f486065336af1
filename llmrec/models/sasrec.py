"""SASRec and TextSASRec: causal self-attention over each user's ordered history predicts the next item.

A nanoGPT-style pre-LN transformer reads the last `max_len` items of a history (learned positional
embeddings, counted from the end) and its last hidden state is dotted with the same item table that
embeds the inputs (tied), giving one score per item. Training is full-softmax cross-entropy over all
items at every position, AdamW, early stopping on validation NDCG@10.

TextSASRec builds each item's row from its frozen text embedding through a small adaptor plus an ID
embedding that is dropped at random during training, so items without any ID training (new items)
are scored from their text alone (`score_new_items`).

Order: `fit(..., sequences=)` takes one array of item indices per user, oldest first (see
sequence_data.ordered_histories); without it each row's items are taken in index order, which carries
no signal. `score(users)` reads the stored histories: training plus validation items when `validation`
was given (so after fit it predicts the item after everything seen, e.g. a leave-last-out test item);
`score_sequences(histories)` scores any histories (SequentialModel).

Capabilities: SequentialModel; Explainable (the score split over the item row's parts, related items
= the history items whose removal lowers the score most); FactorModel (the tied item table as item
vectors, the last hidden state as user vector); TextSASRec also NewItemScorer.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp
import torch

from llmrec.errors import ConfigError, DataError, ModelError
from llmrec.hardware import PRECISIONS, resolve_precision
from llmrec.models._common import (
    check_finite,
    check_float,
    check_indices,
    check_int,
    check_item_text,
    check_matrix,
    check_train,
    resolve_seed,
    torch_threads,
    validation_ndcg,
)
from llmrec.models.base import (
    EpochCallback,
    Explanation,
    Recommender,
    RelatedItem,
    check_fitted,
    factor_contributions,
)
from llmrec.models.sasrec_net import NetConfig, SASRecNet, last_states
from llmrec.models.sequence_data import (
    Sequences,
    by_length,
    check_histories,
    check_sequences,
    flatten,
    histories_from_matrix,
    unflatten,
)
from llmrec.models.sequence_training import Schedule, train_next_item

VALIDATION_USERS = 2000  # as in mf.py: enough to pick an epoch, cheap to evaluate
SCORE_BATCH = 256


# ----------------------------------------------------------------------------------------------------------
# the estimators


class SASRec(Recommender):
    """Self-attentive sequential recommendation (Kang & McAuley 2018) with full-softmax training.

    `dim`-wide embeddings, `layers` pre-LN blocks of `heads` heads, the last `max_len` items of a
    history, `dropout` everywhere; logits are divided by `temperature`. Each epoch visits every user
    with >= 2 training items once (batches of `batch_size`), predicting items 2..n from the ones before
    them; AdamW (`lr`, `weight_decay`). With `validation`, NDCG@10 on at most `validation_users` of its
    users is measured every `eval_every` epochs; training stops after `patience` evaluations without
    improvement and keeps the best ones' parameters (`best_epoch_`). `time_budget` (seconds, None: no
    limit) ends training when it runs out, even mid-epoch (`stopped_by_` says what ended it). `history_`
    holds per epoch: loss, batches run, cpu_s (the budget clock's seconds so far, before the epoch's
    validation) and val_ndcg@10 when validated.
    `precision`: "bf16" trains under bf16 autocast, "fp32" without, "auto" bf16 only where the CPU has
    it natively (`precision_` says which ran); scores are always computed in fp32. `negatives` (None:
    full softmax) trains with a sampled softmax against that many uniformly drawn items per batch.

    Users with an empty history get item popularity (log training counts) as scores. The history
    `recommend(exclude="history")` masks is training plus validation: what the stored histories hold.
    `threads` sets torch's thread count during fit and scoring (None: torch's default).
    """

    name = "sasrec"

    def __init__(self, dim: int = 64, layers: int = 2, heads: int = 1, max_len: int = 50,
                 dropout: float = 0.3, temperature: float = 1.0, epochs: int = 200, lr: float = 1e-3,
                 weight_decay: float = 0.0, batch_size: int = 128, patience: int | None = 10,
                 eval_every: int = 1, random_state: int | None = 0, threads: int | None = 1,
                 validation_users: int | None = VALIDATION_USERS, time_budget: float | None = None,
                 precision: str = "auto", negatives: int | None = None) -> None:
        self.dim = dim
        self.layers = layers
        self.heads = heads
        self.max_len = max_len
        self.dropout = dropout
        self.temperature = temperature
        self.epochs = epochs
        self.lr = lr
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.patience = patience
        self.eval_every = eval_every
        self.random_state = random_state
        self.threads = threads
        self.validation_users = validation_users
        self.time_budget = time_budget
        self.precision = precision
        self.negatives = negatives

    def _validate_params(self) -> None:
        for name in ("dim", "layers", "heads", "max_len", "epochs", "batch_size", "eval_every"):
            check_int(self, name, minimum=1)
        if self.dim % self.heads:
            raise ConfigError(f"{type(self).__name__}: dim ({self.dim}) must be a multiple of heads "
                            f"({self.heads})")
        check_float(self, "dropout", minimum=0.0, below=1.0)
        check_float(self, "temperature", minimum=0.0, strict=True)
        check_float(self, "lr", minimum=0.0, strict=True)
        check_float(self, "weight_decay", minimum=0.0)
        check_int(self, "patience", minimum=1, optional=True)
        check_int(self, "random_state", minimum=0, optional=True)
        check_int(self, "threads", minimum=1, optional=True)
        check_int(self, "validation_users", minimum=1, optional=True)
        check_int(self, "negatives", minimum=1, optional=True)
        if self.time_budget is not None:
            check_float(self, "time_budget", minimum=0.0, strict=True)
        if self.precision not in PRECISIONS:
            raise ConfigError(f"{type(self).__name__}: precision must be one of {', '.join(PRECISIONS)}, "
                              f"got {self.precision!r}")

    def _net_config(self, n_items: int, text_dim: int) -> NetConfig:
        return NetConfig(n_items=n_items, dim=self.dim, layers=self.layers, heads=self.heads,
                         max_len=self.max_len, dropout=float(self.dropout),
                         temperature=float(self.temperature))

    # -- training -------------------------------------------------------------------------------------

    def fit(self, train: sp.csr_matrix, *, item_text: np.ndarray | None = None,
            validation: sp.csr_matrix | None = None, callback: EpochCallback | None = None,
            sequences: Sequences | None = None, validation_sequences: Sequences | None = None) -> SASRec:
        """Learn from each user's ordered training history.

        sequences: one int array per user (row of `train`), item indices oldest first, holding exactly
            the row's items (repeats allowed); None takes each row's items in index order.
        validation_sequences: the same for `validation` (its order matters only with several items
            per user); the validation items are appended to the stored histories after training.
        """
        self._validate_params()
        train = check_train(train)
        histories = (histories_from_matrix(train) if sequences is None
                     else check_sequences(sequences, train, what="sequences"))
        text = self._check_text(item_text, train.shape[1])
        if validation is not None:
            validation = check_matrix(validation, what="validation", shape=train.shape)
            after = (histories_from_matrix(validation) if validation_sequences is None
                     else check_sequences(validation_sequences, validation, what="validation_sequences"))
        seed = resolve_seed(self.random_state)
        config = self._net_config(train.shape[1], 0 if text is None else text.shape[1])
        self.item_counts_ = np.bincount(train.indices, minlength=train.shape[1]).astype(np.float32)
        # dropout and initialisation draw from torch's global generator: seed it inside a fork so the
        # caller's random state is left as it was
        with torch_threads(self.threads), torch.random.fork_rng():
            torch.manual_seed(seed)
            net = SASRecNet(config, None if text is None else torch.from_numpy(text))
            self.history_, self.best_epoch_ = self._train(net, histories, train, validation, callback)
        self._export(net)
        self._keep(net)
        if validation is not None:
            histories = [np.concatenate([h, a]) for h, a in zip(histories, after, strict=True)]
        self.histories_ = histories
        self._remember(train if validation is None else train + validation)
        check_finite(self._state(), owner=type(self).__name__, when="after training")
        return self

    def _check_text(self, item_text: np.ndarray | None, n_items: int) -> np.ndarray | None:
        return None

    def _export(self, net: SASRecNet) -> None:
        """Adjust the trained network before it is kept (TextSASRec: unseen items by text alone)."""

    def _train(self, net: SASRecNet, histories: Sequences, train: sp.csr_matrix,
               validation: sp.csr_matrix | None, callback: EpochCallback | None) -> tuple[list, int]:
        """The training loop (llmrec.models.sequence_training); returns (per-epoch metrics, best epoch)."""
        validate = None if validation is None else (lambda: validation_ndcg(
            lambda users: self._net_scores(net, [histories[u] for u in users]),
            train, validation, max_users=self.validation_users))
        schedule = Schedule(epochs=self.epochs, lr=float(self.lr), weight_decay=float(self.weight_decay),
                            batch_size=self.batch_size, patience=self.patience, eval_every=self.eval_every,
                            max_len=self.max_len, time_budget=self.time_budget,
                            precision=resolve_precision(self.precision), negatives=self.negatives)
        outcome = train_next_item(net, histories, schedule, validate=validate, callback=callback,
                                  owner=type(self).__name__)
        self.stopped_by_, self.train_seconds_, self.precision_ = (outcome.stopped_by, outcome.seconds,
                                                                  schedule.precision)
        return outcome.history, outcome.best_epoch

    def _keep(self, net: SASRecNet) -> None:
        """Keep the trained (or loaded) network for scoring, with its item table computed once: the net
        no longer changes, and TextSASRec's table is a text-adaptor pass over every item."""
        self.net_ = net.eval()
        with torch.no_grad():
            self.item_table_ = net.item_table()                                  # (n_items + 1, d)

    # -- scoring ----------------------------------------------------------------------------------------

    def _net_scores(self, net: SASRecNet, histories: Sequences, table: torch.Tensor | None = None
                    ) -> np.ndarray:
        """(len(histories), n_items) float32 scores; empty histories get log popularity. `table`: the
        net's item table when known (the kept net's `item_table_`), else computed here."""
        out = np.empty((len(histories), net.config.n_items), dtype=np.float32)
        filled = np.array([len(h) > 0 for h in histories], dtype=bool)
        if not filled.all():
            counts = getattr(self, "item_counts_", None)
            out[~filled] = 0.0 if counts is None else np.log1p(counts)
        rows = by_length(histories, np.flatnonzero(filled))
        with torch.no_grad():
            table = net.item_table() if table is None else table
            for start in range(0, len(rows), SCORE_BATCH):
                chunk = rows[start:start + SCORE_BATCH]
                states = last_states(net, [histories[r] for r in chunk], table)   # (b, d)
                out[chunk] = net.logits(states, table).numpy()
        return out

    def _score(self, users: np.ndarray) -> np.ndarray:
        """(len(users), n_items) scores of the next item after each user's stored history."""
        check_fitted(self, "net_")
        with torch_threads(self.threads):
            return self._net_scores(self.net_, [self.histories_[u] for u in users], self.item_table_)

    def score_sequences(self, histories: Sequences) -> np.ndarray:
        """(len(histories), n_items) next-item scores after each history (item indices, oldest first)."""
        check_fitted(self, "net_")
        histories = check_histories(histories, self.net_.config.n_items)
        with torch_threads(self.threads):
            return self._net_scores(self.net_, histories, self.item_table_)

    def explain(self, user: int, item: int, top: int = 5) -> Explanation:
        """score(user, item) split into the parts of the item row the last state is dotted with.

        related_items: up to `top` history items whose removal from the history lowers the score
        most (leave-one-out over the positions the model reads), with that drop as `similarity`;
        top_factors: the largest per-dimension products state_k * row_k / temperature.
        """
        user = int(check_indices(user, self.n_users)[0])
        item = int(check_indices(item, self.n_items, kind="item")[0])
        history = self.histories_[user]
        if len(history) == 0:
            value = float(np.log1p(self.item_counts_[item]))
            return Explanation(self.name, user, item, value, {"popularity": value})
        with torch_threads(self.threads), torch.no_grad():
            state = last_states(self.net_, [history], self.item_table_)[0].numpy()   # (d,)
        temperature = self.net_.config.temperature
        rows = {key: row.numpy() for key, row in self._item_parts(item).items()}  # name -> (d,)
        parts = {key: float(state @ row) / temperature for key, row in rows.items()}
        row = sum(rows.values())                                               # (d,)
        related = self._influential(history, row, float(state @ row) / temperature, top)
        return Explanation(self.name, user, item, sum(parts.values()), parts,
                           top_factors=factor_contributions(state * row / temperature, top),
                           related_items=related)

    def _influential(self, history: np.ndarray, row: np.ndarray, score: float,
                     top: int) -> tuple[RelatedItem, ...]:
        """The `top` history items whose removal lowers the score (state . row) most, positive drops
        only; removing the only item of a history leaves no preference (score 0)."""
        start = max(0, len(history) - self.max_len)
        positions = range(start, len(history))
        states = self._history_states([np.delete(history, p) for p in positions])  # (positions, d)
        without = states @ row / self.net_.config.temperature                    # (positions,)
        drops: dict[int, float] = {}
        for position, value in zip(positions, without, strict=True):
            candidate = int(history[position])
            drops[candidate] = max(drops.get(candidate, -math.inf), score - float(value))
        ranked = sorted(drops.items(), key=lambda pair: (-pair[1], pair[0]))
        return tuple(RelatedItem(candidate, drop) for candidate, drop in ranked[:top] if drop > 0)

    # -- FactorModel ------------------------------------------------------------------------------------

    def item_vectors(self) -> np.ndarray:
        """(n_items, dim) the tied item table: the rows histories are embedded with and scored against."""
        check_fitted(self, "net_")
        with torch.no_grad():
            return self.item_table_[1:].numpy().astype(np.float32)

    def user_vectors(self) -> np.ndarray:
        """(n_users, dim) last hidden state of each stored history / temperature, so that
        user_vectors() @ item_vectors().T is score(); zero for users with an empty history."""
        check_fitted(self, "net_")
        return self._history_states(self.histories_) / self.net_.config.temperature

    def _history_states(self, histories: Sequences) -> np.ndarray:
        """(len(histories), dim) float32 last hidden states; zero rows for empty histories."""
        out = np.zeros((len(histories), self.net_.config.dim), dtype=np.float32)
        rows = by_length(histories, np.flatnonzero([len(h) > 0 for h in histories]))
        with torch_threads(self.threads), torch.no_grad():
            for start in range(0, len(rows), SCORE_BATCH):
                chunk = rows[start:start + SCORE_BATCH]
                out[chunk] = last_states(self.net_, [histories[r] for r in chunk], self.item_table_).numpy()
        return out

    def _item_parts(self, item: int) -> dict[str, torch.Tensor]:
        """The item's row (d,) as named parts that add up to it."""
        return {"sequence": self.net_.item.weight[item + 1].detach()}

    # -- persistence ------------------------------------------------------------------------------------

    def _state(self) -> dict[str, np.ndarray]:
        check_fitted(self, "net_")
        state = {f"net.{key}": value.detach().numpy().astype(np.float32)
                 for key, value in self.net_.state_dict().items()}
        stored = flatten(self.histories_)
        return {**state, "histories.items": stored["items"], "histories.offsets": stored["offsets"],
                "item_counts": self.item_counts_}

    def _set_state(self, tensors: dict[str, np.ndarray]) -> None:
        owner = type(self).__name__
        needed = ("net.item.weight", "histories.items", "histories.offsets", "item_counts")
        missing = [key for key in needed if key not in tensors]
        if missing:
            raise ModelError(f"{owner}: the saved model lacks tensors {missing}")
        n_items = tensors["net.item.weight"].shape[0] - 1
        text = tensors.get("net.text")
        net = SASRecNet(self._net_config(n_items, 0 if text is None else text.shape[1]))
        state = {key[len("net."):]: torch.from_numpy(value) for key, value in tensors.items()
                 if key.startswith("net.")}
        try:
            net.load_state_dict(state)
        except RuntimeError as error:
            raise ModelError(f"{owner}: the saved network does not match the parameters: "
                             f"{str(error).splitlines()[0]}") from None
        self._keep(net)
        self.histories_ = unflatten(tensors["histories.items"], tensors["histories.offsets"], n_items,
                                    owner=owner)
        self.item_counts_ = tensors["item_counts"]


class TextSASRec(SASRec):
    """SASRec whose item rows are ID embedding + adaptor(frozen text embedding).

    During training each item's ID embedding is zeroed with probability `id_dropout` (per batch), so
    the text adaptor alone must carry the item; `score_new_items` scores items known only by text.
    Needs `item_text` (n_items, d) in fit.
    """

    name = "text_sasrec"

    def __init__(self, dim: int = 64, layers: int = 2, heads: int = 1, max_len: int = 50,
                 dropout: float = 0.3, temperature: float = 1.0, epochs: int = 200, lr: float = 1e-3,
                 weight_decay: float = 0.0, batch_size: int = 128, patience: int | None = 10,
                 eval_every: int = 1, random_state: int | None = 0, threads: int | None = 1,
                 validation_users: int | None = VALIDATION_USERS, time_budget: float | None = None,
                 precision: str = "auto", negatives: int | None = None, id_dropout: float = 0.3) -> None:
        super().__init__(dim=dim, layers=layers, heads=heads, max_len=max_len, dropout=dropout,
                         temperature=temperature, epochs=epochs, lr=lr, weight_decay=weight_decay,
                         batch_size=batch_size, patience=patience, eval_every=eval_every,
                         random_state=random_state, threads=threads, validation_users=validation_users,
                         time_budget=time_budget, precision=precision, negatives=negatives)
        self.id_dropout = id_dropout

    def _validate_params(self) -> None:
        super()._validate_params()
        check_float(self, "id_dropout", minimum=0.0, below=1.0)

    def _net_config(self, n_items: int, text_dim: int) -> NetConfig:
        base = super()._net_config(n_items, text_dim)
        return NetConfig(**{**base.__dict__, "text_dim": text_dim, "id_dropout": float(self.id_dropout)})

    def _check_text(self, item_text: np.ndarray | None, n_items: int) -> np.ndarray:
        return check_item_text(item_text, n_items, owner=type(self).__name__)

    def _export(self, net: SASRecNet) -> None:
        """Items without training interactions keep no ID row, so they are scored by their text alone,
        as `score_new_items` scores new items (the cold-start evaluation relies on this)."""
        with torch.no_grad():
            net.item.weight[1:][torch.from_numpy(self.item_counts_ == 0)] = 0.0

    def _item_parts(self, item: int) -> dict[str, torch.Tensor]:
        with torch.no_grad():
            text = self.net_.adaptor(self.net_.text[item:item + 1])[0]      # (d,)
        return {"id": self.net_.item.weight[item + 1].detach(), "text": text}

    def item_vectors_from_text(self, item_text: np.ndarray) -> np.ndarray:
        """(m, dim) item rows of items known only by their text embeddings (m, d)."""
        check_fitted(self, "net_")
        dim = self.net_.config.text_dim
        text = np.asarray(item_text, dtype=np.float32)
        if text.ndim != 2 or text.shape[1] != dim:
            raise DataError(f"item_text must have shape (m, {dim}) like the training text, got {text.shape}")
        with torch.no_grad():
            return self.net_.adaptor(torch.from_numpy(text)).numpy()

    def score_new_items(self, users: np.ndarray, item_text: np.ndarray) -> np.ndarray:
        """(len(users), m) scores of m items never seen in training, from their text (m, d) alone.

        Users with an empty history get 0 for every new item (no preference)."""
        vectors = self.item_vectors_from_text(item_text)                     # (m, dim)
        users = check_indices(users, self.n_users)
        states = self._history_states([self.histories_[u] for u in users])  # (len(users), dim)
        return (states @ vectors.T / self.net_.config.temperature).astype(np.float32)
