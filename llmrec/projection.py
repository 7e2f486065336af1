"""Seeded 2-D UMAP maps of item vectors (language-model text space, MF factor space)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from llmrec.errors import ConfigError

FIT_SAMPLE = 20_000
"""Above this many vectors, UMAP learns the map on a seeded sample of this size and places the rest
with `transform`: the layout of 100k items then costs a 20k fit plus a cheap projection."""


def project_2d(vectors: np.ndarray, *, seed: int, n_neighbors: int = 15, min_dist: float = 0.1,
               metric: str = "cosine", fit_sample: int = FIT_SAMPLE) -> np.ndarray:
    """(n, 2) float32 UMAP coordinates of `vectors`; the same seed gives the same map.

    A fixed random_state makes UMAP single-threaded; on 2 cores that costs little and buys
    reproducible maps. Tiny inputs (fewer than 4 rows) are laid out on a line instead. With more
    than `fit_sample` rows the map is fitted on a sample drawn with `seed` and the other rows are
    placed by `transform`.
    """
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim != 2:
        raise ConfigError(f"expected a 2-D array of vectors, got shape {vectors.shape}")
    if isinstance(fit_sample, bool) or not isinstance(fit_sample, int) or fit_sample < 4:
        raise ConfigError(f"fit_sample must be an integer of at least 4; got {fit_sample!r}")
    n = len(vectors)
    if n < 4:
        return np.column_stack([np.arange(n, dtype=np.float32), np.zeros(n, dtype=np.float32)])
    import umap  # imported here: numba compiles on first use, which no caller should pay at import

    fit_rows = np.arange(n)
    if n > fit_sample:
        fit_rows = np.sort(np.random.default_rng([seed, n]).choice(n, fit_sample, replace=False))
    n_fit = len(fit_rows)
    reducer = umap.UMAP(n_components=2, n_neighbors=min(n_neighbors, n_fit - 1), min_dist=min_dist,
                        metric=metric, random_state=seed, init="spectral" if n_fit > 20 else "random")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # umap warns that random_state disables parallelism
        coords = np.empty((n, 2), dtype=np.float32)
        coords[fit_rows] = reducer.fit_transform(vectors[fit_rows])
        if n_fit < n:
            rest = np.setdiff1d(np.arange(n), fit_rows)   # (n - n_fit,)
            coords[rest] = reducer.transform(vectors[rest])
    return coords


def projection_frame(item_ids, coords: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"item_id": pd.Series(item_ids, dtype="string"),
                         "x": coords[:, 0], "y": coords[:, 1]})


def place_new_points(vectors: np.ndarray, reference: np.ndarray, reference_xy: np.ndarray,
                     k: int = 10) -> np.ndarray:
    """Map positions for new vectors without re-running UMAP: a similarity-weighted mean of the
    2-D positions of their k nearest reference vectors (cosine; inputs L2-normalised)."""
    sims = np.asarray(vectors, dtype=np.float32) @ np.asarray(reference, dtype=np.float32).T
    k = min(k, sims.shape[1])
    nearest = np.argpartition(-sims, k - 1, axis=1)[:, :k]
    weights = np.clip(np.take_along_axis(sims, nearest, axis=1), 1e-6, None) ** 4  # favour the closest
    weights /= weights.sum(axis=1, keepdims=True)
    return np.einsum("nk,nkd->nd", weights, reference_xy[nearest]).astype(np.float32)
