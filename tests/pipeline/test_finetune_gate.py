"""The fine-tuning stage keeps the fine-tuned encoder only when it wins on validation, and a kept
one comes with its ablation: every text-aware model evaluated on the frozen text as well."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from llmrec.cli import main as cli_main
from llmrec.data.ids import IdMap
from llmrec.pipeline import encoder_choice, finetuning
from llmrec.pipeline.artifacts import Workspace
from llmrec.pipeline.report import text_ablation
from llmrec.pipeline.run import build_workspace
from llmrec.serve import WorkspaceIndex
from llmrec.serve.maps import available_spaces, space_vectors
from tests.conftest import small_config
from tests.pipeline.test_stages import shop_config, write_shop

TEXT_MODELS = ("itemknn", "text_mf")


def config(root, cache, options, **overrides):
    return small_config(root, cache, source="csv", source_options=options,
                        models=("popularity", *TEXT_MODELS), epochs=2, factors=4, cold_start=True,
                        **overrides)


@pytest.fixture(scope="module")
def frozen_shop(tmp_path_factory, embedding_cache):
    """The shop built without fine-tuning: what the ablation's frozen column must reproduce."""
    folder = tmp_path_factory.mktemp("gate")
    options = write_shop(folder / "csv")
    build_workspace(config(folder / "frozen", embedding_cache, options))
    return Workspace(folder / "frozen"), options


def values(ws: Workspace, table: str) -> pd.Series:
    return ws.table(table).set_index(["model", "metric", "k"])["value"]


def planted_gate(monkeypatch, frozen: float, tuned: float) -> None:
    """validation_ndcg answers `frozen` for its first call (frozen text) and `tuned` for the second."""
    answers = iter([frozen, tuned])
    monkeypatch.setattr(finetuning, "validation_ndcg", lambda parts, ids, item_text: next(answers))


def build_kept(root, cache, options) -> Workspace:
    """The shop fine-tuned for 3 s, with the validation check planted to prefer the fine-tuned text."""
    with pytest.MonkeyPatch.context() as patch:
        planted_gate(patch, 0.25, 0.5)
        return build_workspace(config(root, cache, options, finetune_seconds=3.0))


def test_a_fine_tuned_encoder_that_wins_is_kept_with_its_ablation(frozen_shop, tmp_path, embedding_cache,
                                                                  capsys):
    frozen_ws, options = frozen_shop
    ws = build_kept(tmp_path / "tuned", embedding_cache, options)
    decision = ws.manifest["finetune"]
    assert decision["kept"] is True, decision
    assert (decision["frozen"], decision["finetuned"]) == (0.25, 0.5)
    assert "fine-tuned encoder is used" in decision["reason"]
    assert ws.json("text/encoder.json")["finetuned"] is True
    # The frozen vectors stored beside the fine-tuned ones are exactly the frozen build's.
    np.testing.assert_allclose(ws.embeddings["items_frozen"], frozen_ws.embeddings["items"], atol=1e-6)

    table = text_ablation(ws, k=10)
    assert list(table.index) == list(TEXT_MODELS)
    frozen_metrics, tuned_metrics = (values(w, "evaluation/metrics.parquet") for w in (frozen_ws, ws))
    for model in TEXT_MODELS:
        for metric in ("NDCG", "Recall"):
            # Same text, parameters, seed and protocol as the frozen build: the same numbers.
            before, after = frozen_metrics[(model, metric, 10)], tuned_metrics[(model, metric, 10)]
            assert table.loc[model, f"{metric}@10 frozen"] == pytest.approx(before)
            assert table.loc[model, f"{metric}@10 fine-tuned"] == pytest.approx(after)
            assert table.loc[model, f"{metric}@10 change"] == pytest.approx(after - before)
    cold = text_ablation(ws, split="cold_start", k=10)
    frozen_cold = values(frozen_ws, "evaluation/cold_start.parquet")
    assert list(cold.index) == list(TEXT_MODELS)
    for model in TEXT_MODELS:
        assert cold.loc[model, "NDCG@10 frozen"] == pytest.approx(frozen_cold[(model, "NDCG", 10)])
    assert text_ablation(frozen_ws, k=10).empty

    index = WorkspaceIndex.open(ws.root)
    assert available_spaces(index) == ["text", "text_frozen", "mf"]
    np.testing.assert_array_equal(space_vectors(index, "text_frozen"), ws.embeddings["items_frozen"])
    assert available_spaces(WorkspaceIndex.open(frozen_ws.root)) == ["text", "mf"]

    capsys.readouterr()
    assert cli_main(["evaluate", "--workspace", str(ws.root), "--k", "10"]) == 0
    out = capsys.readouterr().out
    assert "Frozen vs fine-tuned text (standard, K = 10)" in out and "text_mf" in out.split("Frozen vs")[1]


def test_a_fine_tuned_encoder_without_gain_falls_back_to_the_frozen_one(frozen_shop, tmp_path,
                                                                       embedding_cache, monkeypatch):
    frozen_ws, options = frozen_shop
    planted_gate(monkeypatch, 0.5, 0.5)          # a tie is no gain
    ws = build_workspace(config(tmp_path / "tuned", embedding_cache, options, finetune_seconds=3.0))
    decision = ws.manifest["finetune"]
    assert decision["kept"] is False and "no gain, so the frozen encoder is used" in decision["reason"]
    assert ws.json("text/encoder.json")["finetuned"] is False
    np.testing.assert_allclose(ws.embeddings["items"], frozen_ws.embeddings["items"], atol=1e-6)
    assert "items_frozen" not in ws.embeddings
    assert text_ablation(ws, k=10).empty
    assert not (ws.root / "projection" / "text_frozen.parquet").exists()


def test_too_few_pairs_skip_fine_tuning(tmp_path, embedding_cache):
    """Two users with two purchases each: 2 pairs, far below the minimum; nothing is trained."""
    rows = [("a", "i0", 1), ("a", "i1", 2), ("a", "i2", 3), ("b", "i2", 1), ("b", "i3", 2), ("b", "i0", 3)]
    (tmp_path / "csv").mkdir()
    folder = tmp_path / "csv"
    pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp"]).to_csv(folder / "i.csv", index=False)
    pd.DataFrame({"item_id": [f"i{i}" for i in range(4)], "title": ["red mug", "blue mug", "lamp", "desk"]}
                 ).to_csv(folder / "items.csv", index=False)
    options = {"interactions_path": str(folder / "i.csv"), "items_path": str(folder / "items.csv")}
    ws = build_workspace(shop_config(tmp_path / "ws", embedding_cache, options, finetune_seconds=3.0))
    decision = ws.manifest["finetune"]
    assert decision["kept"] is False and decision["n_item_pairs"] < finetuning.MIN_PAIRS
    assert "too few to fine-tune" in decision["reason"]
    assert not (ws.root / "finetune" / "encoder" / "config.json").exists()


def test_validation_ndcg_is_one_when_the_text_twin_of_the_history_is_the_answer():
    """User u bought item 2u and comes back for 2u+1, whose text is identical and orthogonal to the
    others': content ItemKNN ranks it first (NDCG 1); swapping the twins' texts for noise ranks it lower."""
    n_users = 4
    users = [f"u{u}" for u in range(n_users)]
    items = pd.DataFrame({"item_id": [f"i{i}" for i in range(2 * n_users)]})
    train = pd.DataFrame({"user_id": users, "item_id": [f"i{2 * u}" for u in range(n_users)]})
    valid = pd.DataFrame({"user_id": users, "item_id": [f"i{2 * u + 1}" for u in range(n_users)]})
    ids = IdMap(users=pd.Index(users), items=pd.Index(items["item_id"]))
    parts = {"train": train, "valid": valid, "test": valid.iloc[:0]}
    twins = np.repeat(np.eye(n_users, dtype=np.float32), 2, axis=0)        # item 2u and 2u+1 -> e_u
    assert finetuning.validation_ndcg(parts, ids, twins) == pytest.approx(1.0)
    shuffled = twins[[0, 3, 2, 5, 4, 7, 6, 1]]                              # every twin pair broken
    assert finetuning.validation_ndcg(parts, ids, shuffled) < 1.0


def test_decision_is_read_back(tmp_path):
    assert encoder_choice.read_decision(tmp_path) is None
    (tmp_path / "finetune").mkdir()
    (tmp_path / "finetune" / "decision.json").write_text(json.dumps({"kept": True}))
    assert encoder_choice.read_decision(tmp_path) == {"kept": True}


def test_fine_tuning_pairs_leave_out_the_items_the_cold_start_split_holds_out(tmp_path):
    from types import SimpleNamespace

    from llmrec.pipeline.finetuning import shared_training

    train = pd.DataFrame({"user_id": ["u1", "u1", "u1", "u2", "u2"], "item_id": ["a", "new", "b", "b", "c"],
                          "timestamp": [1, 2, 3, 1, 2]})
    run = SimpleNamespace(staging=tmp_path)
    assert shared_training(run, train).equals(train)                      # no cold-start split: all of it
    (tmp_path / "split").mkdir()
    train[train["item_id"] != "new"].to_parquet(tmp_path / "split" / "cold_train.parquet")
    kept = shared_training(run, train)
    assert kept["item_id"].tolist() == ["a", "b", "b", "c"]               # order kept, held-out item gone
