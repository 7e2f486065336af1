"""Offline evaluation: full ranking of every item for every held-out user, under a stated protocol.

Each evaluated user is scored against the whole catalogue (no sampled negatives). Items the user
already has in training are masked (and validation items when evaluating on test), so a model
is only credited for finding what was held out. Users are processed in batches whose score
matrix stays under `MAX_BATCH_CELLS` cells, so memory is bounded even at 100k items.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from llmrec.data.ids import IdMap, interaction_matrix
from llmrec.engine import Engine, LocalEngine
from llmrec.errors import ConfigError, DataError, ModelError
from llmrec.evaluation.metrics.at_k import check_k
from llmrec.evaluation.metrics.beyond_accuracy import (
    AveragePopularity,
    Coverage,
    IntraListDiversity,
    Novelty,
    ild_at_ks,
    item_popularity,
)
from llmrec.evaluation.metrics.ranking import RANKING_METRICS, hits_matrix, relevant_counts
from llmrec.evaluation.metrics.rating import MAE, RMSE
from llmrec.evaluation.protocol import CANDIDATES, MASKING_TEST, MASKING_VALID, Protocol, ties_text
from llmrec.evaluation.splits import Split
from llmrec.models.base import RatingPredictor, Recommender
from llmrec.models.ranking import rank_top_k, tie_order

MAX_BATCH_CELLS = 1 << 25
"""Largest users x items score block held at once (33.6M float32 cells, about 128 MB)."""

# Called as progress(model name, users done, users in total) after every batch.
ProgressCallback = Callable[[str, int, int], None]

PER_USER_METRICS = tuple(m.name for m in RANKING_METRICS) + (
    Novelty.name, AveragePopularity.name, IntraListDiversity.name)


@dataclass
class EvaluationResult:
    """Metric values of several models under one protocol.

    `metrics` is tidy: one row per (model, metric, k, value); k is <NA> for RMSE and MAE.
    `per_user` (when requested) has one row per (model, user_id, k) and a column per per-user
    metric (coverage is a property of all lists together, so it has no per-user value).
    """

    metrics: pd.DataFrame
    protocol: Protocol
    per_user: pd.DataFrame | None = None

    def table(self, k: int | None = None) -> pd.DataFrame:
        """Wide table: one row per model, one column per metric label (e.g. `NDCG@10`).

        With `k`, only the metrics at that cut-off (plus RMSE / MAE, which have none).
        """
        frame = self.metrics
        if k is not None:
            if k not in self.protocol.ks:
                raise ConfigError(f"no results at K={k}; choose one of {list(self.protocol.ks)}")
            frame = frame[frame["k"].isna() | (frame["k"] == k)]
        labels = _labels(frame)
        wide = frame.assign(label=labels).pivot(index="model", columns="label", values="value")
        wide = wide.reindex(index=list(dict.fromkeys(frame["model"])), columns=list(dict.fromkeys(labels)))
        wide.columns.name = None
        return wide

    def format(self, k: int | None = None) -> str:
        """The protocol, then the table, as plain text for a terminal or a log."""
        table = self.table(k).to_string(float_format=lambda v: f"{v:.4f}")
        return f"{self.protocol.describe()}\n\n{table}"

    def to_dict(self) -> dict:
        records = [
            {"model": row.model, "metric": row.metric, "k": None if pd.isna(row.k) else int(row.k),
             "value": None if pd.isna(row.value) else float(row.value)}
            for row in self.metrics.itertuples(index=False)
        ]
        return {"protocol": self.protocol.to_dict(), "metrics": records}

    def to_json(self) -> str:
        """Protocol and metrics as JSON (per-user values are too large; store them as Parquet)."""
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_json(cls, text: str) -> EvaluationResult:
        data = json.loads(text)
        return cls(metrics=_metrics_frame(data["metrics"]), protocol=Protocol.from_dict(data["protocol"]))


def evaluate(
    models: Mapping[str, Recommender],
    split: Split,
    ids: IdMap,
    *,
    ks: Sequence[int] = (5, 10, 20),
    on: str = "test",
    item_text: np.ndarray | None = None,
    batch_size: int = 1024,
    per_user: bool = False,
    rating_models: Iterable[str] | None = None,
    progress: ProgressCallback | None = None,
    candidates: np.ndarray | None = None,
    tie_seed: int = 0,
    engine: Engine | None = None,
) -> EvaluationResult:
    """Evaluate fitted `models` on the `on` part ("test" or "valid") of `split`.

    Ranking metrics (Precision, Recall, F1, NDCG, MAP, HitRate, MRR), catalogue coverage,
    novelty and average popularity are computed at every K in `ks`; intra-list diversity too
    when `item_text` ((n_items, dim) embeddings, row i = item index i) is given.

    `candidates` (item indices) restricts ranking to those items, e.g. the new items of a
    cold-start split; every other item is masked for every user and the protocol says so.

    Lists are ranked by `llmrec.models.ranking.rank_top_k`, the function every caller uses, once
    per user at the largest K (smaller K and every metric reuse that list); ties follow the order
    seeded by `tie_seed` (the workspace seed).

    Users are scored in blocks (one score matrix, one partial top-K per block); `engine` (default:
    in this process) runs the blocks, e.g. on a Ray cluster, and the results are merged in user
    order, so every engine gives the same metrics.

    RMSE and MAE are computed for `rating_models` (default: every model that is a
    `RatingPredictor`) on the held-out interactions that have a rating; when there are none, or no
    model predicts ratings, the protocol notes it instead.
    """
    ks = _checked_ks(ks)
    _check_models(models)
    if on not in ("test", "valid"):
        raise ConfigError(f"on must be 'test' or 'valid'; got {on!r}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
        raise ConfigError(f"batch_size must be a positive integer; got {batch_size!r}")
    held_out = split.part(on)
    if held_out.empty:
        raise DataError(f"the {on} part of the split is empty: there is nothing to evaluate")
    raters = _rating_models(models, rating_models)
    if item_text is not None:
        item_text = np.asarray(item_text)
        if item_text.ndim != 2 or item_text.shape[0] != ids.n_items:
            raise DataError(f"item_text must be (n_items={ids.n_items}, dim) embeddings; got shape "
                            f"{item_text.shape}")

    train = interaction_matrix(split.train, ids)
    mask = masked_items(split, ids, on=on)
    relevant, notes = _relevance(held_out, mask, ids, on)
    n_relevant = relevant_counts(relevant)
    users = np.flatnonzero(n_relevant > 0)
    if not len(users):
        raise DataError(f"no user has a {on} item outside their masked items: nothing to evaluate")
    popularity = item_popularity(train)
    n_train_users = int((train.getnnz(axis=1) > 0).sum())
    if item_text is None:
        notes.append("intra-list diversity (ILD) not computed: no item text embeddings given")

    candidate_text = CANDIDATES
    order = tie_order(ids.n_items, tie_seed)
    candidate_order = None
    if candidates is not None:
        candidates = np.unique(np.asarray(candidates, dtype=np.int64))
        candidate_text = (f"only the {len(candidates):,} candidate items (held-out new items); "
                          "every other item is masked for every user")
        position = np.empty(ids.n_items, dtype=np.int64)
        position[order] = np.arange(ids.n_items)
        candidate_order = np.argsort(position[candidates], kind="stable")   # the tie order among them

    rows = max(1, min(batch_size, MAX_BATCH_CELLS // max(ids.n_items, 1)))
    engine = engine or LocalEngine()
    rows_out: list[dict] = []
    per_user_frames: list[pd.DataFrame] = []
    for name, model in models.items():
        values = {(metric, k): np.empty(len(users)) for metric in PER_USER_METRICS for k in ks}
        covered = {k: np.zeros(ids.n_items, dtype=bool) for k in ks}
        block = UserBlockMetrics(model=model, name=name, n_items=ids.n_items, ks=tuple(ks), mask=mask,
                                 relevant=relevant, n_relevant=n_relevant, candidates=candidates,
                                 order=order if candidates is None else candidate_order,
                                 popularity=popularity, n_train_users=max(n_train_users, 1),
                                 item_text=item_text)
        start = 0
        for part_values, part_covered in engine.map_batches(block, users, rows):
            part = slice(start, start + len(next(iter(part_values.values()))))
            for key, column in part_values.items():
                values[key][part] = column
            for k, items in part_covered.items():
                covered[k][items] = True
            start = part.stop
            if progress is not None:
                progress(name, start, len(users))
        for k in ks:
            for metric in PER_USER_METRICS:
                if metric == IntraListDiversity.name and item_text is None:
                    continue
                column = values[metric, k]
                undefined = int(np.isnan(column).sum())
                if undefined:
                    notes.append(f"{name}: {metric}@{k} undefined for {undefined:,} users with fewer "
                                 "recommendable items than it needs; averaged over the others")
                mean = float(np.nanmean(column)) if undefined < len(column) else float("nan")
                rows_out.append({"model": name, "metric": metric, "k": k, "value": mean})
            rows_out.append({"model": name, "metric": Coverage.name, "k": k,
                             "value": covered[k].sum() / ids.n_items})
        if per_user:
            per_user_frames.append(_per_user_frame(name, ids.users[users], ks, values, item_text is not None))
    rows_out += _rating_rows(raters, models, held_out, ids, on, notes)

    metrics = _metrics_frame(rows_out)
    order = {label: i for i, label in enumerate(_metric_order(ks))}
    metrics = (metrics.assign(_order=[order[(m, None if pd.isna(k) else int(k))]
                                      for m, k in zip(metrics["metric"], metrics["k"], strict=True)],
                              _model=metrics["model"].map({m: i for i, m in enumerate(models)}))
               .sort_values(["_model", "_order"], kind="stable")
               .drop(columns=["_order", "_model"]).reset_index(drop=True))
    protocol = Protocol(split=split.description(), ks=tuple(ks), n_users=len(users), n_items=ids.n_items,
                        target=on, candidates=candidate_text,
                        masking=MASKING_TEST if on == "test" else MASKING_VALID,
                        ties=ties_text(tie_seed), notes=tuple(split.notes) + tuple(notes))
    per_user_frame = pd.concat(per_user_frames, ignore_index=True) if per_user else None
    return EvaluationResult(metrics=metrics, protocol=protocol, per_user=per_user_frame)


@dataclass
class UserBlockMetrics:
    """Per-user metric values of one model for one block of users: the unit of work of an engine.

    Calling it with user indices scores them against the catalogue, ranks once at the largest K and
    returns ({(metric, k): (n,) values}, {k: distinct item indices in the top K}). It holds
    everything it needs, so it can be shipped to another process.
    """

    model: Recommender
    name: str
    n_items: int
    ks: tuple[int, ...]
    mask: sp.csr_matrix
    relevant: sp.csr_matrix
    n_relevant: np.ndarray
    candidates: np.ndarray | None
    """Sorted item indices to rank (None: all): only they are scored, the rest never recommended."""
    order: np.ndarray
    """The tie order (`tie_order`) of the items ranked: of the candidates' positions when given."""
    popularity: np.ndarray
    n_train_users: int
    item_text: np.ndarray | None

    def __call__(self, batch: np.ndarray) -> tuple[dict[tuple[str, int], np.ndarray], dict[int, np.ndarray]]:
        mask = self.mask[batch]
        if self.candidates is None:
            scores = _checked_scores(self.model, self.name, batch, self.n_items)   # (batch, n_items)
            ranked, _ = rank_top_k(scores, max(self.ks), mask, order=self.order)  # (batch, max K)
        else:
            # Ranking the candidates alone (the new items of a cold-start split, 10% of the catalogue)
            # returns the same lists as masking every other item, at a tenth of the ranking work. All
            # items are scored: score(users, items) may round differently (BLAS on another shape).
            scores = _checked_scores(self.model, self.name, batch, self.n_items)[:, self.candidates]
            ranked, _ = rank_top_k(scores, max(self.ks), mask[:, self.candidates], order=self.order)
            ranked = np.where(ranked >= 0, self.candidates[np.maximum(ranked, 0)], -1)  # item indices
        hits = hits_matrix(ranked, self.relevant[batch])
        n_relevant = self.n_relevant[batch]
        values: dict[tuple[str, int], np.ndarray] = {}
        covered: dict[int, np.ndarray] = {}
        # one gather of the listed items' text for every K (the lists at smaller K are prefixes)
        ild = ild_at_ks(ranked, self.item_text, self.ks) if self.item_text is not None else {}
        for k in self.ks:
            for metric in RANKING_METRICS:
                values[metric.name, k] = metric(k).from_hits(hits, n_relevant)
            values[Novelty.name, k] = Novelty(k).batch(ranked, self.popularity, self.n_train_users)
            values[AveragePopularity.name, k] = AveragePopularity(k).batch(ranked, self.popularity)
            values[IntraListDiversity.name, k] = ild.get(k, np.full(len(batch), np.nan))
            covered[k] = Coverage(k).items(ranked)
        return values, covered


def masked_items(split: Split, ids: IdMap, *, on: str = "test") -> sp.csr_matrix:
    """Users x items bool matrix of what cannot be recommended: training (+ validation for test)."""
    mask = interaction_matrix(split.train, ids) != 0
    if on == "test" and len(split.valid):
        mask = mask + (interaction_matrix(split.valid, ids) != 0)
    return sp.csr_matrix(mask, dtype=bool)


def recommendations(
    model: Recommender,
    users: Sequence[str],
    k: int,
    *,
    ids: IdMap,
    split: Split | None = None,
    on: str = "test",
    tie_seed: int = 0,
) -> pd.DataFrame:
    """Top-k items of each user, for drill-down views: user_id, rank (1-based), item_id, score.

    With `split`, items are masked exactly as in `evaluate` and a `relevant` column says which
    recommendations are held-out items of the user in part `on`; without it nothing is masked.
    Same ranking function and tie rule as `evaluate` (pass the same `tie_seed`).
    """
    k = check_k(k)
    _check_models({model.name or type(model).__name__: model})
    user_index = np.array([ids.user_index(u) for u in users], dtype=np.int64)
    scores = _checked_scores(model, model.name or type(model).__name__, user_index, ids.n_items)
    mask = masked_items(split, ids, on=on)[user_index] if split is not None else None
    ranked, _ = rank_top_k(scores, k, mask, tie_seed=tie_seed)
    row, position = np.nonzero(ranked >= 0)
    items = ranked[row, position]
    out = pd.DataFrame({
        "user_id": pd.Series(np.asarray(ids.users)[user_index][row], dtype="string"),
        "rank": position + 1,
        "item_id": pd.Series(np.asarray(ids.items)[items], dtype="string"),
        "score": scores[row, items].astype(np.float32),
    })
    if split is not None:
        target = interaction_matrix(split.part(on), ids)[user_index]
        out["relevant"] = np.asarray(target[row, items]).ravel() != 0
    return out


# --------------------------------------------------------------------------- helpers


def _checked_ks(ks: Sequence[int]) -> list[int]:
    if isinstance(ks, int | np.integer):
        ks = [ks]
    ks = [check_k(k) for k in ks]
    if not ks:
        raise ConfigError("ks must hold at least one cut-off K")
    return sorted(set(ks))


def _check_models(models: Mapping[str, Recommender]) -> None:
    if not isinstance(models, Mapping) or not models:
        raise ConfigError("models must be a non-empty dict of name -> fitted recommender")
    for name, model in models.items():
        if not isinstance(model, Recommender):
            raise ConfigError(f"model '{name}' is a {type(model).__name__}, not a Recommender")


def _rating_models(models: Mapping[str, Recommender], names: Iterable[str] | None) -> list[str]:
    if names is None:
        return [name for name, model in models.items() if isinstance(model, RatingPredictor)]
    names = list(names)
    for name in names:
        if name not in models:
            raise ConfigError(f"rating model '{name}' is not among the models {list(models)}")
        if not isinstance(models[name], RatingPredictor):
            raise ConfigError(f"rating model '{name}' is not a RatingPredictor (no predict(users, items))")
    return names


def _relevance(held_out: pd.DataFrame, mask: sp.csr_matrix, ids: IdMap, on: str
               ) -> tuple[sp.csr_matrix, list[str]]:
    """Held-out (user, item) pairs minus masked ones, and notes on what was left out."""
    target = sp.csr_matrix(interaction_matrix(held_out, ids) != 0, dtype=np.float32)
    already = target.multiply(mask).tocsr()
    relevant = (target - already).tocsr()
    relevant.eliminate_zeros()
    notes = []
    if already.nnz:
        notes.append(f"{already.nnz:,} {on} (user, item) pairs repeat an item the user already has in a "
                     "masked part; masked items cannot be recommended, so they are not counted as relevant")
    lost = int(((target.getnnz(axis=1) > 0) & (relevant.getnnz(axis=1) == 0)).sum())
    if lost:
        notes.append(f"{lost:,} users are not evaluated: all their {on} items are already in a masked part")
    return relevant, notes


def _checked_scores(model: Recommender, name: str, users: np.ndarray, n_items: int) -> np.ndarray:
    scores = np.asarray(model.score(users), dtype=np.float32)
    if scores.shape != (len(users), n_items):
        raise ModelError(f"model '{name}' returned scores of shape {scores.shape}; expected "
                         f"({len(users)}, {n_items}) (users x all items)")
    if np.isnan(scores).any():
        raise ModelError(f"model '{name}' returned NaN scores for {int(np.isnan(scores).any(axis=1).sum())} "
                         "users")
    return scores


def _rating_rows(raters: list[str], models: Mapping[str, Recommender], held_out: pd.DataFrame,
                 ids: IdMap, on: str, notes: list[str]) -> list[dict]:
    if "rating" not in held_out.columns or held_out["rating"].isna().all():
        if raters:
            notes.append(f"RMSE/MAE not computed: the {on} interactions have no ratings")
        return []
    if not raters:
        notes.append("RMSE/MAE not computed: no model predicts ratings")
        return []
    rated = held_out[held_out["rating"].notna()]
    if len(rated) < len(held_out):
        notes.append(f"RMSE/MAE use the {len(rated):,} {on} interactions with a rating "
                     f"({len(held_out) - len(rated):,} have none)")
    users = ids.user_indices(rated["user_id"])
    items = ids.item_indices(rated["item_id"])
    actual = rated["rating"].to_numpy(dtype=np.float64)
    rows = []
    for name in raters:
        predicted = np.asarray(models[name].predict(users, items), dtype=np.float64).ravel()
        if predicted.shape != actual.shape or not np.isfinite(predicted).all():
            raise ModelError(f"model '{name}' must predict one finite rating per (user, item) pair; got "
                             f"shape {predicted.shape} for {len(actual)} pairs")
        rows.append({"model": name, "metric": RMSE.label, "k": None, "value": RMSE()(predicted, actual)})
        rows.append({"model": name, "metric": MAE.label, "k": None, "value": MAE()(predicted, actual)})
    return rows


def _per_user_frame(name: str, user_ids: pd.Index, ks: list[int], values: dict, with_ild: bool
                    ) -> pd.DataFrame:
    frames = []
    for k in ks:
        columns = {metric: values[metric, k] for metric in PER_USER_METRICS
                   if with_ild or metric != IntraListDiversity.name}
        frames.append(pd.DataFrame({"model": name, "user_id": pd.Series(user_ids, dtype="string"),
                                    "k": k, **columns}))
    return pd.concat(frames, ignore_index=True)


def _metric_order(ks: list[int]) -> list[tuple[str, int | None]]:
    order = []
    for k in ks:
        order += [(m.name, k) for m in RANKING_METRICS]
        order += [(m, k) for m in (Coverage.name, Novelty.name, AveragePopularity.name,
                                   IntraListDiversity.name)]
    return order + [(RMSE.label, None), (MAE.label, None)]


def _metrics_frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["model", "metric", "k", "value"])
    return frame.astype({"model": "string", "metric": "string", "k": "Int64", "value": "float64"})


def _labels(frame: pd.DataFrame) -> list[str]:
    return [m if pd.isna(k) else f"{m}@{k}" for m, k in zip(frame["metric"], frame["k"], strict=True)]
