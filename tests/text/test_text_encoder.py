"""TextEncoder on a tiny random BERT: ordering, padding, truncation, progress, validation, identity."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import torch

from llmrec.errors import ConfigError, DataError, ModelError
from llmrec.text.encoder import TextEncoder, folder_fingerprint, model_fingerprint

TEXTS = ["drill", "a cordless drill with two battery kit, includes case", "", "green tea",
         "organic green tea leaves . large small red blue steel light kit", "tea", "battery powered drill"]


@pytest.fixture(scope="module")
def encoder(tiny_model_dir):
    return TextEncoder(tiny_model_dir, batch_size=2, max_length=32)


def test_output_shape_dtype_and_unit_norm(encoder):
    out = encoder.encode(TEXTS)
    assert out.shape == (len(TEXTS), encoder.dim) == (len(TEXTS), 32)
    assert out.dtype == np.float32
    assert np.isfinite(out).all()
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, rtol=1e-5)


def test_length_sorted_batches_restore_original_order(encoder):
    together = encoder.encode(TEXTS)  # batches of 2 mix lengths and need padding
    alone = np.vstack([encoder.encode([text]) for text in TEXTS])  # no padding at all
    np.testing.assert_allclose(together, alone, atol=1e-5)
    assert not np.allclose(together[0], together[1])


def test_truncates_at_max_length(tiny_model_dir):
    short = TextEncoder(tiny_model_dir, max_length=8)  # [CLS] + 6 words + [SEP]
    prefix = "red blue steel light kit tea"
    long, short_one = short.encode([prefix + " drill battery case", prefix])
    np.testing.assert_allclose(long, short_one, atol=1e-6)


def test_empty_inputs(encoder):
    assert encoder.encode([]).shape == (0, encoder.dim)
    empty = encoder.encode([""])
    assert np.isfinite(empty).all() and np.linalg.norm(empty) == pytest.approx(1.0, abs=1e-5)


def test_progress_reports_done_and_total(encoder):
    calls = []
    encoder.encode(TEXTS, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(0, 7), (2, 7), (4, 7), (6, 7), (7, 7)]


def test_leaves_threads_alone_unless_asked(tiny_model_dir):
    before = torch.get_num_threads()
    TextEncoder(tiny_model_dir, max_length=32)
    assert torch.get_num_threads() == before
    try:
        TextEncoder(tiny_model_dir, max_length=32, threads=1)
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


def test_runs_in_eval_mode_even_if_switched(encoder):
    encoder._model.train()  # dropout would make two passes differ
    first, second = encoder.encode(TEXTS), encoder.encode(TEXTS)
    np.testing.assert_array_equal(first, second)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"precision": "fp16"}, "auto, bf16, int8, fp32"), ({"batch_size": 0}, "batch_size"),
     ({"max_length": 1}, "max_length"), ({"max_length": 100}, "at most 64"), ({"threads": 0}, "threads"),
     ({"device": "gpu"}, "device")],
)
def test_invalid_parameters_are_config_errors(tiny_model_dir, kwargs, message):
    with pytest.raises(ConfigError, match=message):
        TextEncoder(tiny_model_dir, **{"max_length": 32, **kwargs})


def test_bad_texts_are_data_errors(encoder):
    with pytest.raises(DataError, match="single string"):
        encoder.encode("drill")
    with pytest.raises(DataError, match="text 1 must be a string"):
        encoder.encode(["drill", None])


def test_missing_folders_and_uncached_hub_ids_are_model_errors(tmp_path, monkeypatch):
    with pytest.raises(ModelError, match="does not exist"):
        TextEncoder(tmp_path / "nowhere")
    with pytest.raises(ModelError, match="no config.json"):
        TextEncoder(tmp_path)

    import transformers

    def offline(*args, **kwargs):  # what transformers raises without internet and without a cache
        raise OSError("We couldn't connect to 'https://huggingface.co' to load the files")

    monkeypatch.setattr(transformers.AutoTokenizer, "from_pretrained", offline)
    with pytest.raises(ModelError, match="offline.*hf download some-org/some-model"):
        TextEncoder("some-org/some-model")


def test_identity_tracks_model_content_and_settings(tiny_model_dir, tmp_path, encoder):
    assert encoder.identity == TextEncoder(tiny_model_dir, batch_size=7, max_length=32).identity
    assert encoder.identity != TextEncoder(tiny_model_dir, max_length=16).identity
    assert "pooling=mean" in encoder.identity

    copy = tmp_path / "copy"
    shutil.copytree(tiny_model_dir, copy)
    assert folder_fingerprint(copy) == folder_fingerprint(tiny_model_dir)  # location and mtime do not count
    config = json.loads((copy / "config.json").read_text())
    config["hidden_dropout_prob"] = 0.2
    (copy / "config.json").write_text(json.dumps(config))
    assert folder_fingerprint(copy) != folder_fingerprint(tiny_model_dir)


def test_new_weights_of_the_same_size_change_the_fingerprint(tiny_model_dir, tmp_path):
    # A fine-tuned model saved over the old one has exactly the same file sizes.
    copy = tmp_path / "copy"
    shutil.copytree(tiny_model_dir, copy)
    weights = next(copy.glob("*.safetensors"))
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0x01
    weights.write_bytes(bytes(data))
    assert weights.stat().st_size == next(tiny_model_dir.glob("*.safetensors")).stat().st_size
    assert folder_fingerprint(copy) != folder_fingerprint(tiny_model_dir)
    assert model_fingerprint(copy) != model_fingerprint(tiny_model_dir)
    assert TextEncoder(copy, max_length=32).identity != TextEncoder(tiny_model_dir, max_length=32).identity


def test_auto_precision_is_fp32_without_native_bf16(tiny_model_dir, monkeypatch):
    monkeypatch.setattr("llmrec.text.encoder.cpu_has_native_bf16", lambda: False)
    assert TextEncoder(tiny_model_dir, max_length=32).precision == "fp32"


def _fake_forward(cosine: float):
    """A forward pass whose bf16 vectors meet the fp32 ones at exactly `cosine` (unit vectors)."""
    def forward(self, texts):
        angle = 0.0 if self.precision == "fp32" else float(np.arccos(cosine))
        return np.tile([np.cos(angle), np.sin(angle)], (len(texts), 1)).astype(np.float32)
    return forward


@pytest.mark.parametrize(("cosine", "chosen"), [(0.9999, "bf16"), (0.995, "fp32")])
def test_auto_picks_bf16_on_native_bf16_when_it_agrees_with_fp32(tiny_model_dir, monkeypatch, cosine, chosen):
    """No timing decides: a one-pass timing under load chose fp32 on every try (see _bf16_usable)."""
    import llmrec.text.encoder as encoder_module

    monkeypatch.setattr(encoder_module, "cpu_has_native_bf16", lambda: True)
    monkeypatch.setattr(encoder_module, "torch_has_bf16_kernels", lambda: True)
    monkeypatch.setattr(encoder_module, "_BF16_DECISIONS", {})
    monkeypatch.setattr(TextEncoder, "_forward", _fake_forward(cosine))
    assert TextEncoder(tiny_model_dir, max_length=32).precision == chosen


def test_auto_is_fp32_when_torch_lacks_bf16_kernels(tiny_model_dir, monkeypatch):
    import llmrec.text.encoder as encoder_module

    monkeypatch.setattr(encoder_module, "cpu_has_native_bf16", lambda: True)
    monkeypatch.setattr(encoder_module, "torch_has_bf16_kernels", lambda: False)
    monkeypatch.setattr(encoder_module, "_BF16_DECISIONS", {})
    assert TextEncoder(tiny_model_dir, max_length=32).precision == "fp32"
