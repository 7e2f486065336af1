"""The LLM generator: prompt, post-processing, configuration; the packaged model end to end (slow)."""

import os
from pathlib import Path

import pytest

from llmrec.errors import ConfigError
from llmrec.reasons.evidence import build_evidence
from llmrec.reasons.llm import MAX_FACTS, LLMGenerator, build_messages, gguf_key, packaged_gguf, postprocess
from llmrec.reasons.sentences import split_sentences
from llmrec.reasons.service import ReasonService
from llmrec.reasons.templates import TemplateGenerator
from tests.reasons.conftest import idx


@pytest.mark.parametrize(("raw", "limit", "expected"), [
    ("You will like it. It is great.", 1, "You will like it."),
    ('"You will like its battery."', 1, "You will like its battery."),
    ("**You** will like its `battery`.", 1, "You will like its battery."),
    ("Sure! You will like it. More text", 1, "You will like it."),
    ("Here is a sentence: You will like it.", 1, "You will like it."),
    ("- You will like it.\n\nAnother.", 1, "You will like it."),
    ("One. Two. Three. Four.", 3, "One. Two. Three."),
    ('"Soniq Headphones" fit your taste.', 1, '"Soniq Headphones" fit your taste.'),
    ("cut off without an end", 1, "cut off without an end"),
])
def test_postprocess(raw, limit, expected):
    assert postprocess(raw, limit) == expected


def test_prompt_carries_only_the_facts(ctx):
    ev = build_evidence(ctx, *idx(ctx, "U1", "P1"))
    system, user = build_messages(ev)
    assert system["role"] == "system" and user["role"] == "user"
    for fact in ev.facts[:MAX_FACTS]:  # only the strongest few: a small model copes with few facts
        assert f"- {fact.text}" in user["content"]
    assert ev.facts[MAX_FACTS].text not in user["content"]
    assert "Soniq Wireless Headphones X1" in user["content"] and "one sentence" in user["content"]
    assert "Pet Supplies" not in user["content"]  # nothing beyond the evidence


def test_rewrite_prompt_carries_the_draft_after_a_worked_example(ctx):
    ev = build_evidence(ctx, *idx(ctx, "U1", "P1"))
    draft = TemplateGenerator().write(ev)
    system, example, answer, ask = build_messages(ev, draft)
    roles = (system["role"], example["role"], answer["role"], ask["role"])
    assert roles == ("system", "user", "assistant", "user")
    assert ask["content"].endswith(draft) and "one sentence" in ask["content"]
    assert "Soniq" not in example["content"] + answer["content"]  # the example is about another shop


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"max_new_tokens": 0}, "max_new_tokens"),
    ({"batch_size": 0}, "batch_size"),
    ({"mode": "poem"}, "mode must be one of rewrite, facts"),
    ({"retries": -1}, "retries"),
    ({"dtype": "float16"}, "dtype must be one of auto, float32, bfloat16"),
])
def test_invalid_settings_are_named(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        LLMGenerator(**kwargs)


def test_model_paths_are_resolved_without_loading(tmp_path):
    gguf = packaged_gguf()
    by_file = LLMGenerator(gguf, cache_dir=tmp_path)
    assert by_file.identity == LLMGenerator(cache_dir=tmp_path).identity
    assert gguf_key(gguf) in by_file.identity and by_file.model_ is None
    with pytest.raises(ConfigError, match="gguf_file"):
        LLMGenerator(tmp_path, gguf_file="missing.gguf")
    assert "my-org/my-model" in LLMGenerator("my-org/my-model").identity
    assert "max_new_tokens=20" in LLMGenerator(max_new_tokens=20, cache_dir=tmp_path).identity


def test_the_compute_dtype_follows_the_cpu_and_keys_the_cache(tmp_path, monkeypatch):
    import llmrec.reasons.llm as llm

    monkeypatch.setattr(llm, "cpu_has_native_bf16", lambda: True)
    assert LLMGenerator(cache_dir=tmp_path).dtype == "bfloat16"
    monkeypatch.setattr(llm, "cpu_has_native_bf16", lambda: False)
    auto = LLMGenerator(cache_dir=tmp_path)
    assert auto.dtype == "float32" and auto.identity.endswith("|dtype=float32")
    assert LLMGenerator(cache_dir=tmp_path, dtype="bfloat16").identity != auto.identity


@pytest.fixture(scope="module")
def real_llm(tmp_path_factory):
    cache = Path(os.environ["LLMREC_CACHE"]) / "llm" if os.environ.get("LLMREC_CACHE") \
        else tmp_path_factory.mktemp("llm")
    return LLMGenerator(cache_dir=cache, max_new_tokens=40, batch_size=3).load()


@pytest.mark.slow
def test_packaged_model_output_is_validated_or_replaced(ctx, real_llm):
    assert real_llm.load_source_ in ("converted from GGUF", "converted cache")
    assert list(real_llm.cache_dir.glob("*/model.safetensors"))
    service = ReasonService(ctx, real_llm)
    pairs = [idx(ctx, "U1", "P1"), idx(ctx, "U3", "P2"), idx(ctx, "U4", "P1")]
    texts = service.reasons(pairs)
    assert len(texts) == 3
    for text in texts:
        assert text.raw_text is not None and text.grounded
        ok, failure, _ = service.check(text.text, text.evidence)
        assert ok, failure
        if text.source == "llm":
            assert text.text == text.raw_text and text.fallback_reason is None
        else:
            assert text.fallback_reason and text.text != text.raw_text
    # Greedy decoding is deterministic.
    assert [t.raw_text for t in service.reasons(pairs[:1])] == [texts[0].raw_text]
    # A second load of the same GGUF comes from the converted cache.
    again = LLMGenerator(cache_dir=real_llm.cache_dir).load()
    assert again.load_source_ == "converted cache"


@pytest.mark.slow
def test_stream_yields_chunks_that_add_up_to_the_text(ctx, real_llm):
    ev = build_evidence(ctx, *idx(ctx, "U1", "P1"))
    chunks = list(real_llm.stream(ev))
    assert len(chunks) > 1
    streamed = postprocess("".join(chunks), 1)
    assert split_sentences(streamed)[:1] == split_sentences(real_llm.generate([ev])[0])[:1]
