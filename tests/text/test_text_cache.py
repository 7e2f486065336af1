"""EmbeddingCache and encode_cached: only new texts are embedded, results survive a restart."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from llmrec.errors import DataError
from llmrec.text.cache import EmbeddingCache, encode_cached


class SpyEncoder:
    """A deterministic fake encoder that records every text it embeds."""

    def __init__(self, identity: str = "spy|v1", dim: int = 4) -> None:
        self.identity, self.dim, self.seen = identity, dim, []

    def encode(self, texts, *, progress=None):
        self.seen.extend(texts)
        if progress is not None:
            progress(len(texts), len(texts))
        return np.stack([self.vector(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def vector(self, text: str) -> np.ndarray:
        seed = int(hashlib.sha1(text.encode()).hexdigest()[:8], 16)
        return np.random.default_rng(seed).standard_normal(self.dim).astype(np.float32)


def expected(spy, texts):
    return np.stack([spy.vector(t) for t in texts])


def test_second_call_embeds_nothing(tmp_path):
    spy, cache = SpyEncoder(), EmbeddingCache(tmp_path)
    texts = ["drill", "tea", "drill", ""]
    first = encode_cached(spy, texts, cache)
    assert spy.seen == ["drill", "tea", ""]  # duplicate text embedded once
    np.testing.assert_array_equal(first, expected(spy, texts))

    spy.seen.clear()
    second = encode_cached(spy, texts, cache)
    assert spy.seen == []
    np.testing.assert_array_equal(second, first)


def test_only_changed_texts_are_embedded_and_order_is_kept(tmp_path):
    spy, cache = SpyEncoder(), EmbeddingCache(tmp_path)
    encode_cached(spy, ["a", "b", "c"], cache)
    spy.seen.clear()
    texts = ["c", "b2", "a", "d", "b2"]
    out = encode_cached(spy, texts, cache)
    assert spy.seen == ["b2", "d"]
    np.testing.assert_array_equal(out, expected(spy, texts))


def test_persists_across_instances_without_one_file_per_text(tmp_path):
    spy = SpyEncoder()
    encode_cached(spy, [f"text {i}" for i in range(50)], EmbeddingCache(tmp_path))
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(files) == 3  # identity.txt, one vectors shard, one keys shard
    for path in tmp_path.rglob("*.npy"):
        np.load(path, allow_pickle=False)

    spy.seen.clear()
    reopened = EmbeddingCache(tmp_path)
    out = encode_cached(spy, ["text 3", "text 49"], reopened)
    assert spy.seen == []
    np.testing.assert_array_equal(out, expected(spy, ["text 3", "text 49"]))
    assert reopened.count(spy.identity) == 50


def test_identity_separates_encoders(tmp_path):
    cache = EmbeddingCache(tmp_path)
    encode_cached(SpyEncoder("model-a"), ["drill"], cache)
    other = SpyEncoder("model-b")
    encode_cached(other, ["drill"], cache)
    assert other.seen == ["drill"]


def test_compact_merges_shards_and_keeps_vectors(tmp_path):
    spy, cache = SpyEncoder(), EmbeddingCache(tmp_path)
    for batch in (["a", "b"], ["c"], ["d", "a"]):
        encode_cached(spy, batch, cache)
    cache.compact(spy.identity)
    assert len(list(tmp_path.rglob("shard-*.npy"))) == 2
    spy.seen.clear()
    out = encode_cached(spy, ["a", "b", "c", "d"], EmbeddingCache(tmp_path))
    assert spy.seen == []
    np.testing.assert_array_equal(out, expected(spy, ["a", "b", "c", "d"]))


def test_interrupted_shard_without_keys_is_ignored(tmp_path):
    spy, cache = SpyEncoder(), EmbeddingCache(tmp_path)
    encode_cached(spy, ["a"], cache)
    folder = next(tmp_path.iterdir())
    np.save(folder / "shard-000001.npy", np.ones((1, 4), np.float32))  # keys file never written
    spy.seen.clear()
    out = encode_cached(spy, ["a", "b"], EmbeddingCache(tmp_path))
    assert spy.seen == ["b"]
    np.testing.assert_array_equal(out, expected(spy, ["a", "b"]))


def test_progress_counts_only_new_texts_and_bad_input_fails(tmp_path):
    spy, cache = SpyEncoder(), EmbeddingCache(tmp_path)
    encode_cached(spy, ["a"], cache)
    calls = []
    encode_cached(spy, ["a", "b", "c"], cache, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(2, 2)]
    with pytest.raises(DataError, match="single string"):
        encode_cached(spy, "abc", cache)
    with pytest.raises(DataError, match="text 1"):
        encode_cached(spy, ["a", 3], cache)


def test_interrupted_run_keeps_finished_chunks(tmp_path, monkeypatch):
    import llmrec.text.cache as cache_module

    monkeypatch.setattr(cache_module, "CHUNK", 2)

    class FailsOnSecondChunk(SpyEncoder):
        def encode(self, texts, *, progress=None):
            if self.seen:
                raise KeyboardInterrupt
            return super().encode(texts, progress=progress)

    texts = ["a", "b", "c", "d"]
    with pytest.raises(KeyboardInterrupt):
        encode_cached(FailsOnSecondChunk(), texts, EmbeddingCache(tmp_path))
    spy = SpyEncoder()
    steps = []
    result = encode_cached(spy, texts, EmbeddingCache(tmp_path), progress=lambda d, n: steps.append((d, n)))
    assert spy.seen == ["c", "d"]  # the first chunk survived the interruption
    assert steps[-1] == (2, 2)
    np.testing.assert_array_equal(result, expected(spy, texts))
