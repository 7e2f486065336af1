"""Fine-tuning the encoder: training pairs from histories, and contrastive training on a tiny BERT."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
import torch
from safetensors.torch import load_file

from llmrec.data.ids import IdMap
from llmrec.errors import ConfigError, DataError
from llmrec.text import finetune as finetune_module
from llmrec.text.encoder import TextEncoder
from llmrec.text.finetune import finetune_encoder, read_report, symmetric_info_nce
from llmrec.text.pairs import review_pairs, training_pairs

# eight items in four planted pairs (0,1) (2,3) (4,5) (6,7): the texts of a pair share no word
TEXTS = ["drill battery", "tea green", "cordless case", "organic leaves", "steel kit", "red light",
         "small blue", "large powered"]
PLANTED = [(0, 1), (2, 3), (4, 5), (6, 7)]


def _ids(items: list[str], users: list[str]) -> IdMap:
    return IdMap(users=pd.Index(users, name="user_id"), items=pd.Index(items, name="item_id"))


def _history(rows: list[tuple[str, str, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp"])


class FakeClock:
    """Each call advances one second: a time budget then allows a known number of steps."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


def _pair_margin(folder, pairs=PLANTED) -> float:
    """Mean cosine of planted pairs minus mean cosine of all other pairs."""
    vectors = TextEncoder(folder, max_length=32).encode(TEXTS)                  # (8, 32)
    sims = vectors @ vectors.T
    planted = {tuple(p) for p in pairs}
    inside = [sims[a, b] for a, b in planted]
    outside = [sims[a, b] for a, b in itertools.combinations(range(len(TEXTS)), 2) if (a, b) not in planted]
    return float(np.mean(inside) - np.mean(outside))


def _tune(tiny_model_dir, out, **options):
    params = dict(time_budget_s=1e9, epochs=30, batch_size=4, lr=1e-3, seed=0, trainable_layers=None)
    return finetune_encoder(tiny_model_dir, TEXTS, np.array(PLANTED * 2), None, out, **{**params, **options})


# -- training pairs ------------------------------------------------------------------------------------------


def test_pairs_are_consecutive_and_co_interacted_items_in_time_order():
    ids = _ids(["a", "b", "c", "d"], ["u", "v"])
    # u bought c, a, b in that order (rows given out of order); v bought only d
    train = _history([("u", "a", 2), ("u", "c", 1), ("u", "b", 3), ("v", "d", 1)])
    pairs = training_pairs(train, ids, co_per_user=0)
    assert sorted(map(tuple, pairs.tolist())) == [(0, 1), (0, 2)]         # c-a, a-b (sorted pairs)
    with_co = training_pairs(train, ids, co_per_user=5)
    assert sorted(map(tuple, with_co.tolist())) == [(0, 1), (0, 2), (1, 2)]   # + c-b, co-interacted


def test_pairs_are_capped_per_user_and_deterministic_for_a_seed():
    items = [f"i{k}" for k in range(30)]
    ids = _ids(items, ["u"])
    train = _history([("u", item, t) for t, item in enumerate(items)])
    pairs = training_pairs(train, ids, consecutive_per_user=5, co_per_user=3, seed=4)
    assert len(pairs) <= 8
    np.testing.assert_array_equal(pairs, training_pairs(train, ids, consecutive_per_user=5, co_per_user=3,
                                                        seed=4))
    assert (pairs[:, 0] != pairs[:, 1]).all()


def test_popular_pairs_are_down_weighted():
    # one user with 40 consecutive steps: half between two bestsellers, half among rare items
    items = ["hot1", "hot2"] + [f"rare{k}" for k in range(20)]
    ids = _ids(items, [f"u{k}" for k in range(51)])
    rows = [("u0", "hot1" if t % 2 == 0 else "hot2", t) for t in range(20)]
    rows += [("u0", f"rare{k}", 20 + k) for k in range(20)]
    rows += [(f"u{k}", item, 0) for k in range(1, 51) for item in ("hot1", "hot2")]   # make them popular
    pairs = training_pairs(_history(rows), ids, consecutive_per_user=10, co_per_user=0, popularity_power=1.0)
    hot = {(0, 1)}
    assert sum(tuple(p) in hot for p in pairs.tolist()) == 0 or len(pairs) > 5
    rare_pairs = sum(min(p) >= 2 for p in pairs.tolist())
    assert rare_pairs >= 8      # nearly all 10 sampled steps are among the rare items


def test_unknown_item_is_an_error():
    with pytest.raises(DataError, match="item id 'zz'"):
        training_pairs(_history([("u", "zz", 1), ("u", "a", 2)]), _ids(["a"], ["u"]))


def test_review_pairs_skip_short_reviews_and_cap_per_item():
    ids = _ids(["a", "b"], ["u"])
    reviews = pd.DataFrame({"item_id": ["a", "a", "a", "b", "b"],
                            "text": ["great drill, strong battery", "ok", "lasts a long time on one charge",
                                     "fresh green tea leaves", "tea tea tea tea tea tea tea"]})
    pairs = review_pairs(reviews, ids, per_item=1)
    assert [item for item, _ in pairs] == [0, 1]
    assert all(len(text) >= 20 for _, text in pairs)


# -- the loss ------------------------------------------------------------------------------------------------


def test_info_nce_is_log_batch_for_orthogonal_vectors_and_masks_duplicates():
    left = torch.eye(4)
    right = torch.eye(4)
    keys = np.arange(4)
    # the positive scores 1/t, each negative 0: loss = log(1 + 3 e^(-1/t)) both ways
    loss = symmetric_info_nce(left, right, keys, keys + 10, temperature=1.0)
    assert float(loss) == pytest.approx(np.log(1 + 3 * np.exp(-1.0)), rel=1e-6)
    # rows 0 and 1 share their positive text: each is no negative of the other, in both directions
    masked = symmetric_info_nce(left, right, keys, np.array([10, 10, 12, 13]), temperature=1.0)
    expected = (2 * np.log(1 + 2 * np.exp(-1.0)) + 2 * np.log(1 + 3 * np.exp(-1.0))) / 4
    assert float(masked) == pytest.approx(expected, rel=1e-6)


# -- fine-tuning ---------------------------------------------------------------------------------------------


def test_finetuning_pulls_planted_pairs_together(tiny_model_dir, tmp_path):
    before = _pair_margin(tiny_model_dir)
    folder = _tune(tiny_model_dir, tmp_path / "tuned", epochs=12, lr=3e-3)
    after = _pair_margin(folder)
    assert after > before + 0.2, (before, after)


def test_only_top_layers_change_when_asked(tiny_model_dir, tmp_path):
    folder = _tune(tiny_model_dir, tmp_path / "top", trainable_layers=1, epochs=3)
    base = load_file(tiny_model_dir / "model.safetensors")
    tuned = load_file(folder / "model.safetensors")
    changed = {name for name in base if not torch.equal(base[name], tuned[name])}
    assert changed and all(".layer.1." in name for name in changed), sorted(changed)[:5]
    assert _pair_margin(folder) > _pair_margin(tiny_model_dir)


def test_cached_lower_layer_states_train_the_same_weights_as_running_the_whole_model(
        tiny_model_dir, tmp_path, monkeypatch):
    """Frozen lower layers are computed once per text; the top layers then train on those states.
    With the cache forbidden (no memory for it), every step runs the whole model: same weights."""
    cached = load_file(_tune(tiny_model_dir, tmp_path / "cached", trainable_layers=1, epochs=2)
                       / "model.safetensors")
    monkeypatch.setattr(finetune_module, "STATE_CACHE_BYTES", 0)
    whole = load_file(_tune(tiny_model_dir, tmp_path / "whole", trainable_layers=1, epochs=2)
                      / "model.safetensors")
    assert any(not torch.equal(cached[name], load_file(tiny_model_dir / "model.safetensors")[name])
               for name in cached)
    for name in cached:
        torch.testing.assert_close(cached[name], whole[name], atol=1e-5, rtol=1e-4, msg=name)


def test_default_trains_the_top_two_layers_and_leaves_the_embeddings(tiny_model_dir, tmp_path):
    folder = finetune_encoder(tiny_model_dir, TEXTS, np.array(PLANTED * 2), None, tmp_path / "auto",
                              epochs=2, batch_size=4, lr=1e-3)
    assert read_report(folder).params["trainable_layers"] == 2          # the tiny BERT has 2 layers
    base, tuned = load_file(tiny_model_dir / "model.safetensors"), load_file(folder / "model.safetensors")
    changed = {name for name in base if not torch.equal(base[name], tuned[name])}
    assert changed and not any("embeddings" in name for name in changed)


def test_same_seed_same_weights(tiny_model_dir, tmp_path):
    first = load_file(_tune(tiny_model_dir, tmp_path / "a", epochs=2) / "model.safetensors")
    second = load_file(_tune(tiny_model_dir, tmp_path / "b", epochs=2) / "model.safetensors")
    other = load_file(_tune(tiny_model_dir, tmp_path / "c", epochs=2, seed=1) / "model.safetensors")
    assert all(torch.equal(first[name], second[name]) for name in first)
    assert not all(torch.equal(first[name], other[name]) for name in first)


def test_time_budget_stops_cleanly_after_whole_steps(tiny_model_dir, tmp_path):
    # the fake clock advances 1 s per reading: one reading at the start, one before each step,
    # so a 3.5 s budget lets exactly 3 steps run; the model is still saved
    messages = []
    folder = _tune(tiny_model_dir, tmp_path / "budget", time_budget_s=3.5, clock=FakeClock(),
                   progress=lambda fraction, message: messages.append((fraction, message)))
    report = read_report(folder)
    assert (report.steps, report.stopped_by, report.planned_steps) == (3, "time_budget", 60)
    assert messages[0][0] == 0.0 and messages[-1][0] == 1.0
    assert [f for f, _ in messages[1:-1]] == pytest.approx([1 / 60, 2 / 60, 3 / 60])
    assert TextEncoder(folder, max_length=32).encode(["drill"]).shape == (1, 32)


def test_saved_folder_loads_with_a_new_identity(tiny_model_dir, tmp_path):
    folder = _tune(tiny_model_dir, tmp_path / "tuned", epochs=1)
    for name in ("config.json", "model.safetensors", "tokenizer.json"):
        assert (folder / name).is_file()
    tuned, base = TextEncoder(folder, max_length=32), TextEncoder(tiny_model_dir, max_length=32)
    assert tuned.identity != base.identity
    assert not np.allclose(tuned.encode(TEXTS), base.encode(TEXTS))
    assert read_report(folder).precision == "fp32" or read_report(folder).precision == "bf16"


def test_review_pairs_train_with_item_pairs(tiny_model_dir, tmp_path):
    reviews = [(0, "green tea leaves"), (2, "a kit")]
    folder = finetune_encoder(tiny_model_dir, TEXTS, np.array(PLANTED), reviews, tmp_path / "r",
                              time_budget_s=1e9, epochs=1, batch_size=3, lr=1e-3)
    assert read_report(folder).n_review_pairs == 2


@pytest.mark.parametrize("options, match", [
    (dict(batch_size=1), "batch_size must be at least 2"),
    (dict(epochs=0), "epochs must be a positive integer"),
    (dict(time_budget_s=0), "time_budget_s must be a positive"),
    (dict(precision="fp16"), "precision must be one of"),
    (dict(trainable_layers=5), "trainable_layers must be None or an integer in 1..2"),
])
def test_invalid_options(tiny_model_dir, tmp_path, options, match):
    with pytest.raises(ConfigError, match=match):
        _tune(tiny_model_dir, tmp_path / "x", **options)


def test_pairs_outside_the_catalogue_are_an_error(tiny_model_dir, tmp_path):
    with pytest.raises(DataError, match="outside 0..7"):
        finetune_encoder(tiny_model_dir, TEXTS, np.array([[0, 8], [1, 2]]), None, tmp_path / "x")


def test_learning_rate_schedule_is_fitted_to_what_the_time_budget_allows(tiny_model_dir, tmp_path):
    # fake clock: 1 s per reading, one at the start and one before each step: 5 timed steps show
    # 1 s per step with 14 s left, so a 20 s budget affords 5 + 14 = 19 of the 60 planned steps,
    # and the decay is compressed to end there
    folder = _tune(tiny_model_dir, tmp_path / "fit", time_budget_s=20, clock=FakeClock())
    report = read_report(folder)
    assert (report.steps, report.stopped_by, report.planned_steps) == (19, "time_budget", 60)
    assert report.lr_horizon_steps == 19
    assert finetune_module._lr_factor(0, 100, 0.1) == pytest.approx(0.1)
    assert finetune_module._lr_factor(9, 100, 0.1) == pytest.approx(1.0)
    assert finetune_module._lr_factor(55, 100, 0.1) == pytest.approx(0.5)
    assert finetune_module._lr_factor(100, 100, 0.1) == 0.0
