"""Effect sizes with uncertainty: paired bootstrap confidence intervals of per-user metric differences."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from llmrec.errors import ConfigError, DataError


@dataclass(frozen=True)
class PairedDifference:
    """Mean of (a - b) over the same users, with a percentile bootstrap interval around it."""

    mean: float
    low: float
    high: float
    n_users: int
    level: float

    def __iter__(self):
        """Unpacks as (mean, low, high), the way callers usually read it."""
        return iter((self.mean, self.low, self.high))


def paired_bootstrap(per_user_a, per_user_b, n: int = 1000, seed: int = 0,
                     level: float = 0.95) -> PairedDifference:
    """Mean difference a - b and its `level` percentile bootstrap interval, resampling users.

    Paired because both models were scored on the same users: resampling the per-user
    differences keeps each user's difficulty out of the comparison, so the interval is far
    narrower than comparing two independent means. Rows where either value is NaN (a user with
    nothing relevant) are dropped. A row i of `a` and row i of `b` must be the same user.
    """
    a = np.asarray(per_user_a, dtype=np.float64)
    b = np.asarray(per_user_b, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 1:
        raise DataError(f"paired_bootstrap: per-user values must be two 1-D arrays of one length; "
                        f"found shapes {a.shape} and {b.shape}")
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n <= 0:
        raise ConfigError(f"paired_bootstrap: n (resamples) must be a positive integer; got {n!r}")
    if not 0 < level < 1:
        raise ConfigError(f"paired_bootstrap: level must be between 0 and 1; got {level!r}")
    diff = (a - b)[~(np.isnan(a) | np.isnan(b))]
    if diff.size == 0:
        raise DataError("paired_bootstrap: no user has a value for both models")
    rng = np.random.default_rng(seed)
    means = np.empty(n)
    for start in range(0, n, 256):  # blocks keep memory at 256 * n_users
        rows = rng.integers(0, diff.size, size=(min(256, n - start), diff.size))  # (block, n_users)
        means[start:start + len(rows)] = diff[rows].mean(axis=1)
    tail = (1 - level) / 2
    low, high = np.quantile(means, [tail, 1 - tail])
    return PairedDifference(float(diff.mean()), float(low), float(high), int(diff.size), level)


def paired_values(per_user: pd.DataFrame, model_a: str, model_b: str, metric: str = "NDCG",
                  k: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """The two models' per-user `metric`@k aligned on the users both were scored on.

    `per_user` is the layout of a workspace's evaluation/per_user.parquet (model, user_id, k and
    one column per metric).
    """
    if metric not in per_user.columns:
        raise DataError(f"per-user table: no column {metric!r}; found {sorted(per_user.columns)}")
    at_k = per_user[per_user["k"] == k]
    wide = at_k.pivot_table(index="user_id", columns="model", values=metric, aggfunc="first", dropna=False)
    for model in (model_a, model_b):
        if model not in wide.columns:
            raise DataError(f"per-user table: no rows for model {model!r} at k={k}; "
                            f"found {sorted(wide.columns)}")
    both = wide[[model_a, model_b]]
    return both[model_a].to_numpy(dtype=np.float64), both[model_b].to_numpy(dtype=np.float64)
