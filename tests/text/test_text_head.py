"""The fine-tuned head: planted pairs recovered, saved and loaded, and the frozen vectors reused."""

from __future__ import annotations

import numpy as np
import pytest

from llmrec.errors import DataError
from llmrec.text.cache import EmbeddingCache, encode_cached
from llmrec.text.encoder import TextEncoder
from llmrec.text.finetune import finetune_head_encoder, read_report
from llmrec.text.head import (
    HEAD_FILE,
    HeadEncoder,
    HeadRecipe,
    apply_head,
    load_head,
    open_encoder,
    train_head,
)

TEXTS = ["drill battery", "tea green", "cordless case", "organic leaves", "steel kit", "red light",
         "small blue", "large powered"]
PLANTED = np.array([(0, 1), (2, 3), (4, 5), (6, 7)])


def _nearest(vectors: np.ndarray) -> np.ndarray:
    sims = vectors @ vectors.T
    np.fill_diagonal(sims, -np.inf)
    return sims.argmax(axis=1)


def test_a_zero_head_is_the_frozen_encoder_and_any_head_gives_unit_vectors():
    vectors = np.random.default_rng(0).normal(size=(5, 6)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    assert np.allclose(apply_head(vectors, np.zeros((6, 6), np.float32)), vectors, atol=1e-6)
    weight = np.eye(6, dtype=np.float32)                           # v + v = 2v: same direction
    assert np.allclose(apply_head(vectors, weight), vectors, atol=1e-6)
    skew = np.random.default_rng(1).normal(size=(6, 6)).astype(np.float32)
    assert np.allclose(np.linalg.norm(apply_head(vectors, skew), axis=1), 1.0, atol=1e-5)


def test_training_pulls_planted_pairs_that_start_far_apart_to_nearest_neighbours():
    # Random 16-dim unit vectors: before training a planted partner is rarely the nearest item.
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(8, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    partner = np.empty(8, dtype=np.int64)
    partner[PLANTED[:, 0]], partner[PLANTED[:, 1]] = PLANTED[:, 1], PLANTED[:, 0]
    assert (_nearest(vectors) == partner).sum() < 8
    anchors, positives = PLANTED[:, 0].repeat(4), PLANTED[:, 1].repeat(4)
    run = train_head(vectors, anchors, positives, (anchors, positives),
                     HeadRecipe(epochs=300, batch_size=4, lr=1e-2, temperature=0.1), seed=0)
    assert (_nearest(apply_head(vectors, run.weight)) == partner).all()
    assert run.final_loss < run.first_loss
    assert run.stopped_by == "completed" and run.steps == run.planned_steps == 300 * 4


def test_same_seed_same_head_and_the_time_budget_stops_after_whole_steps():
    vectors = np.eye(8, dtype=np.float32)
    anchors, positives = PLANTED[:, 0], PLANTED[:, 1]
    recipe = HeadRecipe(epochs=5, batch_size=2)
    first = train_head(vectors, anchors, positives, (anchors, positives), recipe, seed=4)
    again = train_head(vectors, anchors, positives, (anchors, positives), recipe, seed=4)
    assert np.array_equal(first.weight, again.weight)
    ticks = iter(range(1000))
    cut = train_head(vectors, anchors, positives, (anchors, positives), recipe, seed=4,
                     time_budget_s=3.5, clock=lambda: float(next(ticks)))
    assert cut.stopped_by == "time_budget" and cut.steps == 3       # clock 0 at start; steps at 1, 2, 3


def test_fine_tuned_folder_loads_as_base_plus_head_and_reuses_the_frozen_cache(tiny_model_dir, tmp_path):
    base = TextEncoder(tiny_model_dir, max_length=32)
    cache = EmbeddingCache(tmp_path / "cache")
    frozen = encode_cached(base, TEXTS, cache)
    folder = finetune_head_encoder(tiny_model_dir, TEXTS, PLANTED, [(0, "green tea")], tmp_path / "tuned",
                                   embed=lambda texts: encode_cached(base, texts, cache),
                                   recipe=HeadRecipe(epochs=50, batch_size=4, lr=1e-2), seed=0)
    report = read_report(folder)
    assert report.params["method"] == "head" and report.n_item_pairs == 4 and report.n_review_pairs == 1
    assert (folder / HEAD_FILE).is_file() and (folder / "config.json").is_file()

    tuned = open_encoder(folder, max_length=32)
    assert isinstance(tuned, HeadEncoder)
    assert tuned.base.identity == base.identity                     # the original model is the base
    assert tuned.identity != base.identity
    expected = apply_head(frozen, load_head(folder / HEAD_FILE))
    assert np.allclose(tuned.encode(TEXTS), expected, atol=1e-5)

    class NoEmbedding(TextEncoder):
        def encode(self, texts, *, progress=None):
            raise AssertionError(f"re-embedded {len(texts)} texts that are in the cache")

    spy = HeadEncoder(NoEmbedding(tiny_model_dir, max_length=32), tuned.weight)
    assert np.allclose(encode_cached(spy, TEXTS, cache), expected, atol=1e-5)


def test_a_moved_folder_falls_back_to_its_own_copy_of_the_base_model(tiny_model_dir, tmp_path):
    folder = finetune_head_encoder(tiny_model_dir, TEXTS, PLANTED, None, tmp_path / "tuned",
                                   embed=TextEncoder(tiny_model_dir, max_length=32).encode,
                                   recipe=HeadRecipe(epochs=2, batch_size=4))
    report = folder / "finetune.json"
    report.write_text(report.read_text().replace(str(tiny_model_dir), str(tmp_path / "gone")))
    tuned = open_encoder(folder, max_length=32)
    assert tuned.base.model_name == str(folder.resolve())
    frozen = TextEncoder(tiny_model_dir, max_length=32).encode(TEXTS)
    assert np.allclose(tuned.encode(TEXTS), apply_head(frozen, tuned.weight), atol=1e-5)


def test_plain_models_open_as_text_encoders_and_a_broken_head_file_is_named(tiny_model_dir, tmp_path):
    assert type(open_encoder(tiny_model_dir, max_length=32)) is TextEncoder
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / HEAD_FILE).write_bytes(b"not safetensors")
    with pytest.raises(DataError, match="not a fine-tuned head file"):
        load_head(broken / HEAD_FILE)
