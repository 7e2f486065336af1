"""The Ray engine writes what the local engine writes: same embeddings, same metrics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from llmrec.engine import LocalEngine
from llmrec.evaluation import evaluate
from llmrec.text.cache import EmbeddingCache, encode_cached
from llmrec.text.encoder import TextEncoder
from tests.engine.test_blocks import small_world

ray = pytest.importorskip("ray")


@pytest.fixture(scope="module")
def ray_engine(tmp_path_factory):
    from llmrec.engine.ray_engine import RayEngine

    # Short temp path: Ray's socket paths must stay under the 107-character limit.
    temp = tmp_path_factory.mktemp("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, _temp_dir=str(temp),
             runtime_env={"env_vars": {"PYTHONPATH": str(__import__("pathlib").Path(__file__).parents[2])}})
    yield RayEngine(workers=2)
    ray.shutdown()


@pytest.mark.slow
def test_ray_embeddings_equal_local(ray_engine, tmp_path, monkeypatch):
    import llmrec.text.cache as cache_module

    monkeypatch.setattr(cache_module, "CHUNK", 5)  # several chunks, so both actors work
    texts = [f"cordless drill number {i} with {'a long description ' * (i % 4)}" for i in range(23)]
    encoder = TextEncoder(max_length=64, precision="fp32")
    local = encode_cached(encoder, texts, EmbeddingCache(tmp_path / "a"), engine=LocalEngine())
    remote = encode_cached(encoder, texts, EmbeddingCache(tmp_path / "b"), engine=ray_engine)
    assert remote.shape == (23, encoder.dim)
    np.testing.assert_allclose(remote, local, atol=1e-5)


@pytest.mark.slow
def test_ray_metrics_equal_local(ray_engine):
    models, split, ids, text = small_world()
    local = evaluate(models, split, ids, item_text=text, per_user=True, batch_size=16)
    remote = evaluate(models, split, ids, item_text=text, per_user=True, batch_size=16, engine=ray_engine)
    pd.testing.assert_frame_equal(remote.metrics, local.metrics)
    pd.testing.assert_frame_equal(remote.per_user, local.per_user)
