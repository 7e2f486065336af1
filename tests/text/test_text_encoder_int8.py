"""The int8 text encoder on a tiny random BERT: quantised Linear layers, vectors close to fp32, its own
cache key, and "auto" choosing it only for large corpora on CPUs without native bf16."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import llmrec.text.encoder as encoder_module
from llmrec.errors import ConfigError
from llmrec.hardware import INT8_MIN_TEXTS
from llmrec.text.cache import EmbeddingCache, encode_cached
from llmrec.text.encoder import TextEncoder

TEXTS = ["drill", "a cordless drill with two battery kit, includes case", "", "green tea",
         "organic green tea leaves . large small red blue steel light kit", "tea", "battery powered drill"]


@pytest.fixture(scope="module")
def encoders(tiny_model_dir):
    return {mode: TextEncoder(tiny_model_dir, batch_size=2, max_length=32, precision=mode)
            for mode in ("fp32", "int8")}


def test_int8_quantises_every_linear_layer(encoders):
    from torch.ao.nn.quantized.dynamic import Linear as DynamicLinear

    modules = list(encoders["int8"]._model.modules())
    assert not any(type(m) is torch.nn.Linear for m in modules)
    # 2 layers x (query, key, value, attention output, intermediate, output) + the pooler
    assert sum(isinstance(m, DynamicLinear) for m in modules) == 13
    assert not any(isinstance(m, DynamicLinear) for m in encoders["fp32"]._model.modules())


def test_int8_vectors_are_close_to_fp32_but_not_the_same(encoders):
    fp32, int8 = encoders["fp32"].encode(TEXTS), encoders["int8"].encode(TEXTS)
    assert int8.dtype == np.float32 and int8.shape == fp32.shape
    np.testing.assert_allclose(np.linalg.norm(int8, axis=1), 1.0, rtol=1e-5)
    cosine = np.sum(fp32 * int8, axis=1)
    assert cosine.min() >= 0.999  # the tiny random model has no outlier activations
    assert np.abs(fp32 - int8).max() > 1e-6  # the int8 kernels really ran


def test_int8_has_its_own_cache_key_and_bf16_shares_fp32s(encoders, tiny_model_dir, tmp_path):
    assert encoders["int8"].identity == encoders["fp32"].identity + "|int8"
    bf16 = TextEncoder(tiny_model_dir, max_length=32, precision="bf16")
    assert bf16.identity == encoders["fp32"].identity  # they agree within cosine 0.999
    cache = EmbeddingCache(tmp_path)
    fp32 = encode_cached(encoders["fp32"], TEXTS, cache)
    int8 = encode_cached(encoders["int8"], TEXTS, cache)  # embedded again, not read from fp32's entries
    assert cache.count(encoders["fp32"].identity) == cache.count(encoders["int8"].identity) == len(TEXTS)
    assert np.abs(fp32 - int8).max() > 1e-6
    np.testing.assert_array_equal(encode_cached(encoders["int8"], TEXTS, cache), int8)


@pytest.mark.parametrize(("native_bf16", "corpus_size", "chosen"), [
    (False, INT8_MIN_TEXTS, "int8"), (False, INT8_MIN_TEXTS - 1, "fp32"), (False, None, "fp32")])
def test_auto_is_int8_only_for_large_corpora_without_native_bf16(tiny_model_dir, monkeypatch, native_bf16,
                                                                 corpus_size, chosen):
    monkeypatch.setattr(encoder_module, "cpu_has_native_bf16", lambda: native_bf16)
    encoder = TextEncoder(tiny_model_dir, max_length=32, corpus_size=corpus_size)
    assert encoder.precision == chosen
    assert encoder.precision_reason.startswith("auto: no native bf16 on this CPU")
    assert encoder.precision_reason.endswith(f"-> {chosen}")


def test_auto_falls_back_to_fp32_without_int8_kernels(tiny_model_dir, monkeypatch):
    monkeypatch.setattr(encoder_module, "cpu_has_native_bf16", lambda: False)
    monkeypatch.setattr(encoder_module, "torch_has_int8_kernels", lambda: False)
    encoder = TextEncoder(tiny_model_dir, max_length=32, corpus_size=INT8_MIN_TEXTS)
    assert encoder.precision == "fp32"
    assert "no int8 kernels" in encoder.precision_reason
    with pytest.raises(ConfigError, match="int8.*use 'fp32'"):
        TextEncoder(tiny_model_dir, max_length=32, precision="int8")


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"precision": "int8", "device": "cuda"}, "int8' runs on the CPU only"),
    ({"corpus_size": -1}, "corpus_size"), ({"corpus_size": 2.5}, "corpus_size")])
def test_invalid_int8_settings_are_config_errors(tiny_model_dir, kwargs, message):
    with pytest.raises(ConfigError, match=message):
        TextEncoder(tiny_model_dir, max_length=32, **kwargs)


def test_int8_survives_pickling_as_settings(encoders):
    import pickle

    copy = pickle.loads(pickle.dumps(encoders["int8"]))
    assert copy.precision == "int8" and copy.identity == encoders["int8"].identity
    np.testing.assert_array_equal(copy.encode(TEXTS), encoders["int8"].encode(TEXTS))
