"""Masked mean pooling and L2 normalisation on hand-built tensors."""

import numpy as np
import torch

from llmrec.text.pooling import l2_normalize, mean_pool


def test_mean_pool_ignores_padding():
    hidden = torch.tensor([[[1.0, 2.0], [3.0, 4.0], [100.0, 100.0]],   # last token is padding
                           [[2.0, 0.0], [4.0, 0.0], [6.0, 3.0]]])       # (batch=2, seq=3, dim=2)
    mask = torch.tensor([[1, 1, 0], [1, 1, 1]])
    pooled = mean_pool(hidden, mask)
    # row 0: mean of (1,2) and (3,4) = (2,3); row 1: mean of three tokens = (4,1)
    assert torch.allclose(pooled, torch.tensor([[2.0, 3.0], [4.0, 1.0]]))
    assert pooled.dtype == torch.float32


def test_mean_pool_all_padding_gives_zeros_not_nan():
    pooled = mean_pool(torch.ones(1, 2, 3), torch.zeros(1, 2, dtype=torch.long))
    assert torch.equal(pooled, torch.zeros(1, 3))


def test_mean_pool_accepts_bf16_states():
    hidden = torch.tensor([[[1.0, 3.0], [3.0, 5.0]]], dtype=torch.bfloat16)
    pooled = mean_pool(hidden, torch.tensor([[1, 1]]))
    assert pooled.dtype == torch.float32
    assert torch.allclose(pooled, torch.tensor([[2.0, 4.0]]))


def test_l2_normalize_rows_and_zero_rows():
    out = l2_normalize(np.array([[3.0, 4.0], [0.0, 0.0]]))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [[0.6, 0.8], [0.0, 0.0]], rtol=1e-6)
