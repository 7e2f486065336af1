"""Pooling of token states into one vector per text, and L2 normalisation."""

from __future__ import annotations

import numpy as np
import torch


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean of the token states where `mask` is 1; padding never counts.

    hidden: (batch, seq, dim); mask: (batch, seq) of 0/1. Returns float32 (batch, dim). The count is
    clamped at 1e-9 so an all-padding row gives zeros instead of NaN.
    """
    weights = mask.unsqueeze(-1).to(torch.float32)  # (batch, seq, 1)
    summed = (hidden.to(torch.float32) * weights).sum(dim=1)  # (batch, dim)
    counts = weights.sum(dim=1).clamp(min=1e-9)  # (batch, 1)
    return summed / counts


def l2_normalize(vectors: np.ndarray, *, eps: float = 1e-12) -> np.ndarray:
    """Rows scaled to unit length as float32; all-zero rows stay zero."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return (vectors / np.maximum(norms, eps)).astype(np.float32, copy=False)
