"""Seeded 2-D UMAP maps of item vectors (language-model text space, MF factor space)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from llmrec.errors import ConfigError


def project_2d(vectors: np.ndarray, *, seed: int, n_neighbors: int = 15, min_dist: float = 0.1,
               metric: str = "cosine") -> np.ndarray:
    """(n, 2) float32 UMAP coordinates of `vectors`; the same seed gives the same map.

    A fixed random_state makes UMAP single-threaded; on 2 cores that costs little and buys
    reproducible maps. Tiny inputs (fewer than 4 rows) are laid out on a line instead.
    """
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim != 2:
        raise ConfigError(f"expected a 2-D array of vectors, got shape {vectors.shape}")
    n = len(vectors)
    if n < 4:
        return np.column_stack([np.arange(n, dtype=np.float32), np.zeros(n, dtype=np.float32)])
    import umap  # imported here: numba compiles on first use, which no caller should pay at import

    reducer = umap.UMAP(n_components=2, n_neighbors=min(n_neighbors, n - 1), min_dist=min_dist,
                        metric=metric, random_state=seed, init="spectral" if n > 20 else "random")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # umap warns that random_state disables parallelism
        coords = reducer.fit_transform(vectors)
    return coords.astype(np.float32)


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
