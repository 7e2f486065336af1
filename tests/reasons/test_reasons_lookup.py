"""Cache-only lookups, streamed texts landing in the cache, and two processes sharing one cache file."""

import pytest

from llmrec.reasons.cache import ReasonCache
from llmrec.reasons.evidence import build_evidence
from llmrec.reasons.service import ReasonService

GOOD = "Recommended because reviewers praise its battery, something you care about."


class FakeLLM:
    """Returns a fixed text (streamed word by word when asked) and counts its calls."""

    prompt_version = "fake-v1"

    def __init__(self, text=GOOD, identity="fake-llm"):
        self.text, self.identity, self.calls = text, identity, 0

    def generate(self, evidences):
        self.calls += 1
        return [self.text] * len(evidences)

    def stream(self, evidence):
        self.calls += 1
        yield from (word + " " for word in self.text.split())


class SpyLLM(FakeLLM):
    """Fails the test if anything asks it to write."""

    def generate(self, evidences):
        raise AssertionError("lookup must never call the generator")

    def stream(self, evidence):
        raise AssertionError("lookup must never call the generator")


def evidence(ctx, user_id="U1", item_id="P1"):
    return build_evidence(ctx, ctx.ids.user_index(user_id), ctx.ids.item_index(item_id))


def test_lookup_never_calls_the_generator(ctx, tmp_path):
    cache = ReasonCache(tmp_path / "cache.parquet")
    hit, miss = evidence(ctx, "U1", "P1"), evidence(ctx, "U2", "P6")
    ReasonService(ctx, FakeLLM(), cache=cache).run([hit])

    found = ReasonService(ctx, SpyLLM(), cache=cache).lookup([hit, miss])

    assert found[1] is None
    assert (found[0].text, found[0].source, found[0].cached) == (GOOD, "llm", True)
    assert [f.kind for f in found[0].cited_facts] == ["praised_aspect"]


def test_lookup_without_a_cache_finds_nothing(ctx):
    assert ReasonService(ctx, SpyLLM()).lookup([evidence(ctx)]) == [None]


def test_lookup_is_keyed_by_generator_identity(ctx, tmp_path):
    cache = ReasonCache(tmp_path / "cache.parquet")
    ReasonService(ctx, FakeLLM(identity="model-a"), cache=cache).run([evidence(ctx)])
    assert ReasonService(ctx, SpyLLM(identity="model-b"), cache=cache).lookup([evidence(ctx)]) == [None]


def test_run_generates_only_what_lookup_misses(ctx, tmp_path):
    cache = ReasonCache(tmp_path / "cache.parquet")
    first = evidence(ctx, "U1", "P1")
    ReasonService(ctx, FakeLLM(), cache=cache).run([first])
    llm = FakeLLM()
    out = ReasonService(ctx, llm, cache=cache).run([first, evidence(ctx, "U3", "P2")])
    assert llm.calls == 1 and [t.cached for t in out] == [True, False]


def test_a_streamed_text_is_cached_and_answered_from_the_cache_next_time(ctx, tmp_path):
    path = tmp_path / "cache.parquet"
    ev = evidence(ctx)
    events = list(ReasonService(ctx, FakeLLM(), cache=ReasonCache(path)).stream(ev))
    assert all(isinstance(e, str) for e in events[:-1]) and events[-1].text == GOOD
    assert not events[-1].cached

    # A new process: the checked text comes from the file, without the generator.
    (again,) = list(ReasonService(ctx, SpyLLM(), cache=ReasonCache(path)).stream(ev))
    assert (again.text, again.source, again.cached) == (GOOD, "llm", True)


def test_two_caches_on_one_file_keep_each_others_rows(ctx, tmp_path):
    """The dashboard and `python -m llmrec explain` each hold a cache of the same file."""
    path = tmp_path / "cache.parquet"
    dashboard, cli = ReasonCache(path), ReasonCache(path)
    ReasonService(ctx, FakeLLM(), cache=cli).run([evidence(ctx)])
    # The dashboard flushes a row of its own after the CLI wrote: the CLI's row must survive ...
    dashboard.put("dashboard-row", {"text": "A row.", "source": "template"})
    dashboard.flush()
    assert len(ReasonCache(path)) == 2
    # ... and the dashboard finds the CLI's text without being reopened.
    (found,) = ReasonService(ctx, SpyLLM(), cache=dashboard).lookup([evidence(ctx)])
    assert found is not None and found.text == GOOD


@pytest.mark.parametrize("rows", [0, 3])
def test_flush_without_new_rows_leaves_the_file_alone(ctx, tmp_path, rows):
    path = tmp_path / "cache.parquet"
    cache = ReasonCache(path)
    items = ["P1", "P4", "P6"][:rows]
    ReasonService(ctx, cache=cache).run([evidence(ctx, "U1", i) for i in items])
    before = path.stat().st_mtime_ns if path.exists() else None
    cache.flush()
    assert (path.stat().st_mtime_ns if path.exists() else None) == before
