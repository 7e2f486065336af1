"""Train / validation / test splits of an interactions table, each able to describe itself.

Every split keeps the input columns, keeps rows in their input order within each part, and is
deterministic: the time-based splits need no randomness, the random ones draw from an explicit
`numpy.random.Generator` built from `seed`. Nothing is dropped silently: rows that cannot be held
out (users with too short a history) stay in training and the split's `notes` say how many.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from llmrec.errors import ConfigError, DataError

PARTS = ("train", "valid", "test")


@dataclass
class Split:
    """Three disjoint interaction tables plus how they were made.

    `kind` is one of "leave_last_out", "temporal", "random", "cold_start", "given"; `params` holds the
    arguments (and derived values such as cutoffs) needed to reproduce it. `cold_items` lists the
    item ids held out of training by a cold-start split (None for the other kinds). `notes` are
    plain-English facts worth reporting next to results (e.g. users kept entirely in training).
    """

    kind: str
    train: pd.DataFrame
    valid: pd.DataFrame
    test: pd.DataFrame
    params: dict[str, Any] = field(default_factory=dict)
    cold_items: pd.Index | None = None
    notes: list[str] = field(default_factory=list)

    def part(self, name: str) -> pd.DataFrame:
        """The table called `name`: "train", "valid" or "test"."""
        if name not in PARTS:
            raise ConfigError(f"unknown split part '{name}'; choose one of {list(PARTS)}")
        return getattr(self, name)

    def sizes(self) -> dict[str, int]:
        return {name: len(self.part(name)) for name in PARTS}

    def description(self) -> str:
        """One or two sentences saying how the data was split, for the evaluation protocol."""
        try:
            how = self._how()
        except KeyError:  # built by hand (e.g. from stored tables) without the usual params
            how = f"{self.kind} split with parameters {self.params}."
        sizes = self.sizes()
        return (f"{how} Train {sizes['train']:,} / validation {sizes['valid']:,} / "
                f"test {sizes['test']:,} interactions.")

    def _how(self) -> str:
        p = self.params
        if self.kind == "leave_last_out":
            how = (f"Leave-last-out split: for each user with at least {p['min_history']} interactions, "
                   "the latest interaction (by timestamp, ties broken by row order) is the test item and "
                   "the one before it the validation item; "
                   f"{p['users_only_in_train']:,} users with fewer interactions are kept entirely in "
                   "training.")
        elif self.kind == "temporal":
            valid = ("no validation period" if p["valid_cutoff"] is None
                     else f"validation from timestamp {p['valid_cutoff']}")
            how = (f"Temporal split over all users: test is every interaction at or after timestamp "
                   f"{p['cutoff']}, {valid}, training is everything earlier.")
        elif self.kind == "random":
            scope = "within each user's history" if p["by_user"] else "over all interactions"
            how = (f"Random split {scope} (seed {p['seed']}): {p['test_ratio']:.0%} of interactions to "
                   f"test and {p['valid_ratio']:.0%} to validation"
                   + (", each user keeping at least one training interaction." if p["by_user"] else "."))
        elif self.kind == "given":
            how = ("Given split: the train/validation/test assignment shipped with the data (the authors' "
                   f"{p['origin']}), used as is so results compare with published ones; "
                   f"{p['test_users']:,} users have a test item.")
        elif self.kind == "cold_start":
            how = (f"Cold-start item split (seed {p['seed']}): {p['n_test_items']:,} items "
                   f"({p['item_ratio']:.0%}) have all their interactions in test and "
                   f"{p['n_valid_items']:,} more in validation; none of them appear in training.")
        else:
            how = f"{self.kind} split with parameters {p}."
        return how


def leave_last_out(interactions: pd.DataFrame, *, min_history: int = 3) -> Split:
    """Hold out each user's last interaction for test and the one before it for validation.

    Order is by `timestamp`, ties broken by row order (a later row counts as later). Users with
    fewer than `min_history` interactions have no held-out rows: all their interactions stay in
    training, and `notes` / `params["users_only_in_train"]` say how many users that is.
    `min_history` must be at least 3 so that every evaluated user keeps one training interaction.
    """
    _check_int("min_history", min_history, minimum=3)
    frame = _checked(interactions, ("user_id", "item_id", "timestamp"))
    position = np.arange(len(frame))
    user_codes = pd.factorize(frame["user_id"])[0]
    order = np.lexsort((position, frame["timestamp"].to_numpy(), user_codes))
    ordered_users = user_codes[order]
    sizes = np.bincount(user_codes)
    # Position of each row counted from its user's latest interaction: 0 = last, 1 = second last.
    starts = np.r_[0, np.cumsum(sizes)[:-1]]
    from_end = np.empty(len(frame), dtype=np.int64)
    from_end[order] = sizes[ordered_users] - 1 - (np.arange(len(frame)) - starts[ordered_users])
    eligible = sizes[user_codes] >= min_history
    part = np.where(eligible & (from_end == 0), 2, np.where(eligible & (from_end == 1), 1, 0))
    short = int((sizes < min_history).sum())
    notes = []
    if short:
        notes.append(f"{short:,} of {len(sizes):,} users have fewer than {min_history} interactions "
                     "and are kept entirely in training (not evaluated)")
    return _build("leave_last_out", frame, part,
                  params={"min_history": min_history, "users_only_in_train": short}, notes=notes)


def temporal_split(
    interactions: pd.DataFrame,
    *,
    cutoff: int | None = None,
    quantile: float = 0.8,
    valid_cutoff: int | None = None,
    valid_quantile: float | None = 0.7,
) -> Split:
    """Split all users at global points in time: train < valid_cutoff <= valid < cutoff <= test.

    `cutoff` (a timestamp), when given, takes precedence over `quantile` (the fraction of
    interactions, by timestamp, that fall before the test period); likewise `valid_cutoff` over
    `valid_quantile`. `valid_quantile=None` with no `valid_cutoff` means no validation period.
    Users and items first seen after a cutoff are cold in training; `notes` count them.
    """
    frame = _checked(interactions, ("user_id", "item_id", "timestamp"))
    times = frame["timestamp"].to_numpy()
    if cutoff is None:
        _check_ratio("quantile", quantile)
        cutoff = _time_quantile(times, quantile)
    valid_source = "valid_cutoff"
    if valid_cutoff is None and valid_quantile is not None:
        _check_ratio("valid_quantile", valid_quantile)
        valid_cutoff = _time_quantile(times, valid_quantile)
        valid_source = f"valid_quantile={valid_quantile}"
    cutoff = int(cutoff)
    if valid_cutoff is not None:
        valid_cutoff = int(valid_cutoff)
        if valid_cutoff > cutoff:
            raise ConfigError(f"validation start {valid_cutoff} (from {valid_source}) is after the test "
                              f"cutoff {cutoff}; pass an earlier valid_cutoff, or valid_quantile=None")
    start = cutoff if valid_cutoff is None else valid_cutoff
    part = np.where(times >= cutoff, 2, np.where(times >= start, 1, 0))
    if not (part == 0).any():
        raise DataError(f"temporal split left training empty: every timestamp is at or after {start}")
    if not (part == 2).any():
        raise DataError(f"temporal split left test empty: no timestamp is at or after {cutoff} "
                        f"(latest is {int(times.max())})")
    train = frame[part == 0]
    test = frame[part == 2]
    notes = []
    new_users = int((~test["user_id"].drop_duplicates().isin(train["user_id"])).sum())
    new_items = int((~test["item_id"].drop_duplicates().isin(train["item_id"])).sum())
    if new_users:
        notes.append(f"{new_users:,} test users have no training interactions (models use their fallback)")
    if new_items:
        notes.append(f"{new_items:,} test items never occur in training")
    return _build("temporal", frame, part,
                  params={"cutoff": cutoff, "valid_cutoff": valid_cutoff, "quantile": quantile,
                          "valid_quantile": valid_quantile}, notes=notes)


def random_split(
    interactions: pd.DataFrame,
    *,
    test_ratio: float = 0.2,
    valid_ratio: float = 0.1,
    seed: int = 0,
    by_user: bool = True,
) -> Split:
    """Assign interactions to test / validation at random.

    With `by_user` (the default, stratified per user) each user with n interactions sends
    round(n * test_ratio) to test and round(n * valid_ratio) to validation, capped so that at
    least one stays in training; users with a single interaction keep it in training. With
    `by_user=False` the same ratios apply to the whole table at once, so some users may have
    nothing in training. Rounding is half-to-even (numpy's), per user.
    """
    _check_ratio("test_ratio", test_ratio)
    _check_ratio("valid_ratio", valid_ratio, allow_zero=True)
    if test_ratio + valid_ratio >= 1:
        raise ConfigError(f"test_ratio + valid_ratio must be below 1; got {test_ratio + valid_ratio}")
    _check_int("seed", seed, minimum=0)
    frame = _checked(interactions, ("user_id", "item_id"))
    rng = np.random.default_rng(seed)
    n = len(frame)
    if by_user:
        user_codes = pd.factorize(frame["user_id"])[0]
        sizes = np.bincount(user_codes)
        n_test = np.minimum(np.round(sizes * test_ratio), sizes - 1).astype(np.int64)
        n_valid = np.minimum(np.round(sizes * valid_ratio), sizes - 1 - n_test).astype(np.int64)
        # A random position for every row inside its user's shuffled history.
        order = np.lexsort((rng.permutation(n), user_codes))
        starts = np.r_[0, np.cumsum(sizes)[:-1]]
        rank = np.empty(n, dtype=np.int64)
        rank[order] = np.arange(n) - starts[user_codes[order]]
        limit_test = n_test[user_codes]
        limit_valid = limit_test + n_valid[user_codes]
    else:
        rank = rng.permutation(n)
        limit_test = np.full(n, int(round(n * test_ratio)))
        limit_valid = limit_test + int(round(n * valid_ratio))
    part = np.where(rank < limit_test, 2, np.where(rank < limit_valid, 1, 0))
    if not (part == 2).any():
        raise DataError(f"random split left test empty: {n:,} interactions are too few for "
                        f"test_ratio={test_ratio}")
    return _build("random", frame, part,
                  params={"test_ratio": test_ratio, "valid_ratio": valid_ratio, "seed": seed,
                          "by_user": by_user}, notes=[])


def given_split(interactions: pd.DataFrame, *, origin: str = "benchmark split") -> Split:
    """The split the data's authors gave, read from the interactions column `given_split`.

    Each row's value must be "train", "valid" or "test" (UniSRec/RecBole `X.{train,valid,test}.inter`
    files; see llmrec/data/sources/recbole_benchmark.py). A DataError names the first row with any
    other value, so a half-labelled table is never evaluated silently.
    """
    frame = _checked(interactions, ("user_id", "item_id", "given_split"))
    values = frame["given_split"].astype(str)
    codes = values.map({name: code for code, name in enumerate(PARTS)})
    bad = codes.isna().to_numpy()
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DataError(f"interaction row {row}: given_split is '{values.iloc[row]}', expected one of "
                        f"{list(PARTS)}", field="given_split")
    part = codes.to_numpy(dtype=np.int64)
    if not (part == 2).any():
        raise DataError("given split has no test interactions (no row with given_split 'test')",
                        field="given_split")
    test_users = int(frame.loc[part == 2, "user_id"].nunique())
    return _build("given", frame, part, params={"origin": origin, "test_users": test_users}, notes=[])


def cold_start_split(
    interactions: pd.DataFrame,
    *,
    item_ratio: float = 0.1,
    valid_item_ratio: float = 0.05,
    seed: int = 0,
) -> Split:
    """Hold out whole items: every interaction of a held-out item leaves training.

    round(n_items * item_ratio) items (at least one) send all their interactions to test and a
    further, disjoint round(n_items * valid_item_ratio) items to validation, so validation is
    also cold. Items are drawn from the sorted distinct item ids, so the result does not depend
    on row order. `cold_items` holds both groups; none of them occurs in `train`.
    """
    _check_ratio("item_ratio", item_ratio)
    _check_ratio("valid_item_ratio", valid_item_ratio, allow_zero=True)
    if item_ratio + valid_item_ratio >= 1:
        raise ConfigError("item_ratio + valid_item_ratio must be below 1 so some items remain in "
                          f"training; got {item_ratio + valid_item_ratio}")
    _check_int("seed", seed, minimum=0)
    frame = _checked(interactions, ("user_id", "item_id"))
    items = np.sort(frame["item_id"].astype(str).unique())
    n_test = max(1, int(round(len(items) * item_ratio)))
    n_valid = int(round(len(items) * valid_item_ratio))
    if n_test + n_valid >= len(items):
        raise DataError(f"cold-start split needs more items: {len(items):,} distinct items cannot "
                        f"hold out {n_test} for test and {n_valid} for validation and keep any in training")
    shuffled = items[np.random.default_rng(seed).permutation(len(items))]
    test_items, valid_items = shuffled[:n_test], shuffled[n_test:n_test + n_valid]
    item_ids = frame["item_id"].astype(str)
    part = np.where(item_ids.isin(test_items), 2, np.where(item_ids.isin(valid_items), 1, 0))
    train_users = set(frame["user_id"][part == 0])
    no_train = int((~pd.Series(frame["user_id"][part != 0].unique()).isin(train_users)).sum())
    notes = []
    if no_train:
        notes.append(f"{no_train:,} users interacted only with held-out items and have no training "
                     "interactions (models use their fallback)")
    split = _build("cold_start", frame, part,
                   params={"item_ratio": item_ratio, "valid_item_ratio": valid_item_ratio, "seed": seed,
                           "n_test_items": n_test, "n_valid_items": n_valid}, notes=notes)
    split.cold_items = pd.Index(np.sort(np.r_[test_items, valid_items]), name="item_id", dtype="string")
    return split


def _build(kind: str, frame: pd.DataFrame, part: np.ndarray, *, params: dict, notes: list[str]) -> Split:
    """Cut `frame` by `part` (0 train, 1 valid, 2 test), keeping row order within each part."""
    tables = {name: frame[part == code].reset_index(drop=True) for code, name in enumerate(PARTS)}
    return Split(kind=kind, params=params, notes=notes, **tables)


def _checked(interactions: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """The interactions with a clean index, after checking they can be split at all."""
    if not isinstance(interactions, pd.DataFrame):
        raise DataError(f"interactions must be a pandas DataFrame; got {type(interactions).__name__}")
    for column in columns:
        if column not in interactions.columns:
            raise DataError(f"interactions have no column '{column}' (columns: "
                            f"{list(interactions.columns)})", field=column)
    if interactions.empty:
        raise DataError("interactions are empty: there is nothing to split")
    for column in columns:
        missing = int(interactions[column].isna().sum())
        if missing:
            raise DataError(f"{missing:,} interactions have no value (expected none missing)", field=column)
    if "timestamp" in columns and not pd.api.types.is_numeric_dtype(interactions["timestamp"]):
        raise DataError(f"timestamps must be numbers (unix seconds); got dtype "
                        f"{interactions['timestamp'].dtype}", field="timestamp")
    return interactions.reset_index(drop=True)


def _time_quantile(times: np.ndarray, q: float) -> int:
    # "lower" keeps the cutoff an observed timestamp, so the split is exact and reproducible.
    return int(np.quantile(times, q, method="lower"))


def _check_ratio(name: str, value: float, *, allow_zero: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{name} must be a number between 0 and 1; got {value!r}")
    low_ok = value >= 0 if allow_zero else value > 0
    if not (low_ok and value < 1):
        bound = "[0, 1)" if allow_zero else "(0, 1)"
        raise ConfigError(f"{name} must be in {bound}; got {value}")


def _check_int(name: str, value: int, *, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ConfigError(f"{name} must be an integer >= {minimum}; got {value!r}")
