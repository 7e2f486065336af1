"""The packaged all-MiniLM-L6-v2 end to end: meaning, norms, bf16 agreement."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from llmrec.text.encoder import TextEncoder

DRILL = "A cordless drill with two batteries"
PARAPHRASE = "Battery-powered drill, includes 2 batteries"
UNRELATED = "Organic green tea leaves"


@pytest.fixture(scope="module")
def encoder():
    return TextEncoder(precision="fp32")


def test_paraphrase_is_closer_than_unrelated_text(encoder):
    drill, paraphrase, unrelated = encoder.encode([DRILL, PARAPHRASE, UNRELATED])
    assert drill @ paraphrase > drill @ unrelated + 0.3
    assert encoder.dim == 384


def test_vectors_are_unit_length_and_finite(encoder):
    out = encoder.encode([DRILL, "", "x " * 2000, PARAPHRASE])
    assert out.dtype == np.float32 and np.isfinite(out).all()
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, rtol=1e-5)


def _bf16_autocast_works() -> bool:
    try:
        with torch.autocast("cpu", dtype=torch.bfloat16):
            torch.ones(2, 2) @ torch.ones(2, 2)
        return True
    except RuntimeError:
        return False


@pytest.mark.slow  # bf16 is emulated (slow) on CPUs without AVX512-BF16/AMX
@pytest.mark.skipif(not _bf16_autocast_works(), reason="this torch build has no bf16 autocast on CPU")
def test_bf16_agrees_with_fp32(encoder):
    texts = [DRILL, PARAPHRASE, UNRELATED, "", "eSUN 1.75mm PETG filament 1kg spool for FDM 3D printers " * 6]
    bf16 = TextEncoder(precision="bf16")
    assert bf16.precision == "bf16"
    assert bf16.identity == encoder.identity
    cosine = np.sum(encoder.encode(texts) * bf16.encode(texts), axis=1)
    assert cosine.min() >= 0.999
