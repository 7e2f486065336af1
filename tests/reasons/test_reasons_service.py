"""The service: generator output is checked, failures fall back to templates, the cache answers repeats."""

import pandas as pd
import pytest

from llmrec.reasons.cache import ReasonCache, cache_key
from llmrec.reasons.evidence import build_evidence
from llmrec.reasons.service import ReasonService
from llmrec.reasons.templates import TemplateGenerator
from tests.reasons.conftest import idx

GOOD = "Recommended because reviewers praise its battery, something you care about."
BAD = "You will love it because Voltari makes the best gear at only $5."


class FakeLLM:
    """Returns fixed texts and counts its calls."""

    prompt_version = "fake-v1"

    def __init__(self, text, identity="fake-llm"):
        self.text, self.identity, self.calls = text, identity, 0

    def generate(self, evidences):
        self.calls += 1
        return [self.text] * len(evidences)


class RaisingLLM(FakeLLM):
    def generate(self, evidences):
        raise AssertionError("the model must not be called on a cache hit")


def test_a_bad_llm_sentence_is_replaced_by_the_template(ctx):
    service = ReasonService(ctx, FakeLLM(BAD))
    u, i = idx(ctx, "U1", "P1")
    out = service.reason(u, i)
    assert out.source == "template"
    assert out.text == TemplateGenerator().write(build_evidence(ctx, u, i))
    assert "names a brand" in out.fallback_reason and "states a price" in out.fallback_reason
    assert out.raw_text == BAD and out.raw_ok is False and out.grounded
    assert out.cited_facts


def test_a_grounded_llm_sentence_is_kept(ctx):
    out = ReasonService(ctx, FakeLLM(GOOD)).reason(*idx(ctx, "U1", "P1"))
    assert (out.source, out.text, out.fallback_reason) == ("llm", GOOD, None)
    assert [f.kind for f in out.cited_facts] == ["praised_aspect"]


def test_portrait_needs_two_to_three_grounded_sentences(ctx):
    one = "This shopper mostly buys items in Electronics and Pet Supplies."
    (u,) = idx(ctx, "U1")
    out = ReasonService(ctx, FakeLLM(one)).portrait_summary(u)
    assert out.source == "template" and "has 1 sentences" in out.fallback_reason
    two = one + " In their reviews they praise the battery."
    out = ReasonService(ctx, FakeLLM(two)).portrait_summary(u)
    assert out.source == "llm" and len(out.sentences) == 2


def test_product_description_falls_back_sentence_by_sentence(ctx):
    out = ReasonService(ctx, FakeLLM("It is a fine item.")).product_description(*idx(ctx, "U1", "P1"))
    assert out.source == "template" and "too short" in out.fallback_reason
    assert out.evidence.task == "description"


def test_batch_calls_the_generator_once(ctx):
    llm = FakeLLM(GOOD)
    pairs = [idx(ctx, "U1", "P1"), idx(ctx, "U3", "P2"), idx(ctx, "U4", "P1")]
    texts = ReasonService(ctx, llm).reasons(pairs)
    assert llm.calls == 1 and len(texts) == 3
    assert [t.evidence.item_id for t in texts] == ["P1", "P2", "P1"]


def test_template_generator_is_the_default(ctx):
    out = ReasonService(ctx).reason(*idx(ctx, "U1", "P1"))
    assert out.source == "template" and out.fallback_reason is None and out.raw_text is None


def test_cache_hit_returns_identical_text_without_the_model(ctx, tmp_path):
    pairs = [idx(ctx, "U1", "P1"), idx(ctx, "U2", "P3")]
    first = ReasonService(ctx, FakeLLM(GOOD), cache=ReasonCache.for_workspace(tmp_path)).reasons(pairs)
    assert (tmp_path / "reasons" / "cache.parquet").is_file()
    again = ReasonService(ctx, RaisingLLM(GOOD), cache=ReasonCache.for_workspace(tmp_path)).reasons(pairs)
    assert [t.text for t in again] == [t.text for t in first]
    assert [t.source for t in again] == [t.source for t in first]
    assert all(t.cached for t in again) and not any(t.cached for t in first)


def test_cache_misses_for_another_model_or_prompt(ctx, tmp_path):
    ev = build_evidence(ctx, *idx(ctx, "U1", "P1"))
    keys = {cache_key("a", "v1", ev), cache_key("b", "v1", ev), cache_key("a", "v2", ev)}
    assert len(keys) == 3
    cache = ReasonCache(tmp_path / "cache.parquet")
    ReasonService(ctx, FakeLLM(GOOD, identity="a"), cache=cache).reason(*idx(ctx, "U1", "P1"))
    other = FakeLLM(GOOD, identity="b")
    ReasonService(ctx, other, cache=cache).reason(*idx(ctx, "U1", "P1"))
    assert other.calls == 1 and len(cache) == 2


def test_a_cached_text_that_no_longer_validates_is_regenerated(ctx, tmp_path):
    path = tmp_path / "cache.parquet"
    ReasonService(ctx, FakeLLM(GOOD), cache=ReasonCache(path)).reason(*idx(ctx, "U1", "P1"))
    frame = pd.read_parquet(path)
    frame["text"] = BAD
    frame.to_parquet(path, index=False)
    llm = FakeLLM(GOOD)
    out = ReasonService(ctx, llm, cache=ReasonCache(path)).reason(*idx(ctx, "U1", "P1"))
    assert llm.calls == 1 and out.text == GOOD and not out.cached


def test_cache_file_holds_no_pickle(ctx, tmp_path):
    cache = ReasonCache(tmp_path / "cache.parquet")
    ReasonService(ctx, FakeLLM(BAD), cache=cache).reason(*idx(ctx, "U1", "P1"))
    frame = pd.read_parquet(tmp_path / "cache.parquet")
    assert frame.loc[0, "raw_text"] == BAD and frame.loc[0, "source"] == "template"
    assert set(frame.dtypes.astype(str)) <= {"string", "str", "int64", "object"}


@pytest.mark.parametrize("bad", ["", "   ", "**Great** battery, you care about it!"])
def test_degenerate_llm_output_never_reaches_the_caller(ctx, bad):
    out = ReasonService(ctx, FakeLLM(bad)).reason(*idx(ctx, "U1", "P1"))
    assert out.source == "template" and out.fallback_reason


class StreamingLLM(FakeLLM):
    def stream(self, evidence):
        yield from (self.text[:10], self.text[10:])


@pytest.mark.parametrize(("text", "source"), [(GOOD, "llm"), (BAD, "template")])
def test_stream_yields_chunks_then_the_checked_text(ctx, text, source):
    ev = build_evidence(ctx, *idx(ctx, "U1", "P1"))
    events = list(ReasonService(ctx, StreamingLLM(text)).stream(ev))
    assert events[:2] == [text[:10], text[10:]]
    assert events[-1].source == source and events[-1].grounded


def test_stream_without_a_streaming_generator_yields_the_final_text(ctx):
    ev = build_evidence(ctx, *idx(ctx, "U1", "P1"))
    (final,) = list(ReasonService(ctx).stream(ev))
    assert final.text == TemplateGenerator().write(ev)


class ResamplingFake:
    """Writes `bad` first, then `good` when asked for another candidate."""

    identity, prompt_version, retries = "resampling-fake", "v", 2

    def __init__(self, bad: str, good: str) -> None:
        self.bad, self.good, self.attempts = bad, good, []

    def generate(self, evidences, attempt=0):
        self.attempts.append(attempt)
        return [self.bad if attempt == 0 else self.good for _ in evidences]


def test_a_failed_candidate_is_resampled_and_the_first_that_passes_is_kept(ctx):
    good = "Recommended because reviewers praise its battery, something you care about."
    fake = ResamplingFake("It is a fine item, truly fine for you.", good)
    out = ReasonService(ctx, fake).reason(*idx(ctx, "U1", "P1"))
    assert out.source == "llm" and out.text == good and out.attempts == 2 and out.raw_ok
    assert fake.attempts == [0, 1]  # stops asking once every text passed
