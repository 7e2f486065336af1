"""The corpus is embedded once per distinct text, longest first across chunks; encoders ship by settings."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import llmrec.text.cache as cache_module
from llmrec.text.cache import EmbeddingCache, encode_cached
from tests.text.test_text_cache import SpyEncoder, expected


def test_new_texts_are_embedded_once_longest_first_across_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(cache_module, "CHUNK", 2)
    spy = SpyEncoder()
    texts = ["bb", "a", "dddd", "bb", "ccc", "a", "eeeee"]
    done = []
    out = encode_cached(spy, texts, EmbeddingCache(tmp_path), progress=lambda d, n: done.append((d, n)))
    assert spy.seen == ["eeeee", "dddd", "ccc", "bb", "a"]     # distinct, by length, over 3 chunks
    np.testing.assert_array_equal(out, expected(spy, texts))  # original order restored
    assert done[-1] == (5, 5)


@pytest.mark.slow
def test_encoder_pickles_as_its_settings_and_embeds_the_same():
    from llmrec.text.encoder import TextEncoder

    encoder = TextEncoder(max_length=32, precision="fp32", batch_size=8)
    copy = pickle.loads(pickle.dumps(encoder))  # what Ray does when it ships the encoder to a worker
    assert (copy.identity, copy.max_length, copy.batch_size, copy.precision) == (
        encoder.identity, 32, 8, "fp32")
    texts = ["cordless drill", "green tea, organic"]
    np.testing.assert_allclose(copy.encode(texts), encoder.encode(texts), atol=1e-6)
    assert len(pickle.dumps(encoder)) < 10_000  # settings, not 90 MB of weights
