"""`python -m llmrec explain`: explanation quality of sampled top-1 reasons, recorded in the workspace."""

from __future__ import annotations

import json
import shutil

import pytest

from llmrec.cli import main
from llmrec.pipeline.artifacts import Workspace, quality_producers
from llmrec.serve import WorkspaceIndex
from llmrec.serve.evaluation import QUALITY_FILE, explanation_quality
from llmrec.serve.explanations import reason
from llmrec.serve.recommendations import recommend, top_items

RATES = ("grounding_rate", "raw_grounding_rate", "fallback_rate", "feature_coverage", "unique_sentence_ratio",
         "distinct_1", "distinct_2")


@pytest.fixture(scope="module")
def root(small_workspace, tmp_path_factory):
    """A private copy: the command writes reasons/ into the workspace."""
    copy = tmp_path_factory.mktemp("explain") / "workspace"
    shutil.copytree(small_workspace, copy, ignore=shutil.ignore_patterns("reasons"))
    return copy


@pytest.fixture(scope="module")
def template_run(root):
    path = root / QUALITY_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    # An earlier LLM measurement must survive a template run (they sit side by side).
    stamp = quality_producers(Workspace(root).manifest)
    path.write_text(json.dumps({"llm": {"grounding_rate": 1.0, "n_pairs": 5, "model": "text_mf", **stamp},
                                "stale": {"grounding_rate": 0.5, "n_pairs": 5, "model": "bpr",
                                          "fingerprint": stamp["fingerprint"], "train_key": "0" * 16}}))
    assert main(["explain", "--workspace", str(root), "--pairs", "40", "--seed", "7"]) == 0
    return json.loads(path.read_text())


def test_explain_writes_the_template_quality(template_run):
    entry = template_run["template"]
    assert set(RATES) <= set(entry)
    for rate in RATES:
        assert 0.0 <= entry[rate] <= 1.0, rate
    # Templates are written from the evidence: every shown sentence is grounded, none replaced.
    assert entry["grounding_rate"] == 1.0 and entry["fallback_rate"] == 0.0
    assert entry["n_pairs"] == 40 and entry["n_generated"] == 40
    assert entry["mean_words"] > 3 and entry["latency_per_sentence_s"] >= 0
    assert (entry["model"], entry["generator_identity"]) == ("text_mf", "template")
    # stamped with what produced it: the data and the trained models
    assert set(entry) >= {"fingerprint", "train_key"}
    assert entry["created"]


def test_explain_keeps_other_generators_entries_of_the_same_models(root, template_run):
    stamp = quality_producers(Workspace(root).manifest)
    assert template_run["llm"] == {"grounding_rate": 1.0, "n_pairs": 5, "model": "text_mf", **stamp}
    assert template_run["template"]["train_key"] == stamp["train_key"]
    assert "stale" not in template_run  # measured on models this workspace no longer has


def test_the_dashboard_then_shows_the_explained_texts_from_the_cache(root, template_run):
    index = WorkspaceIndex.open(root)
    ws = index.ws
    table = explanation_quality(index)
    assert list(table["generator"]) == ["llm", "template"]
    assert table.set_index("generator").loc["template", "n_pairs"] == 40
    service = index.reason_service("text_mf")  # the model `explain` explained by default
    history = (service.ctx.train.getnnz(axis=1) > 0).nonzero()[0]
    users = [int(u) for u in history]
    top = top_items(index, "text_mf", users)
    cached = [reason(index, ws.ids.users[u], ws.ids.items[i], "text_mf").cached
              for u, i in zip(users, top, strict=True)]
    assert sum(cached) == 40  # exactly the sampled users' top-1 reasons were written before


def test_a_second_run_is_served_from_the_cache_and_is_identical(root, template_run, capsys):
    assert main(["explain", "--workspace", str(root), "--pairs", "40", "--seed", "7", "--json"]) == 0
    again = json.loads(capsys.readouterr().out)["template"]
    assert again["n_generated"] == 0
    for key in (*RATES, "mean_words", "n_pairs"):
        assert again[key] == template_run["template"][key], key


def test_top_items_masks_training_and_validation_items(root):
    index = WorkspaceIndex.open(root)
    ws = index.ws
    users = list(range(20))
    top = top_items(index, "bpr", users)
    for user, item in zip(users, top, strict=True):
        user_id = ws.ids.users[user]
        masked = {str(i) for p in ("train", "valid")
                  for i in ws.split[p].loc[ws.split[p]["user_id"].astype(str) == user_id, "item_id"]}
        assert item >= 0 and ws.ids.items[item] not in masked
        assert ws.ids.items[item] == recommend(index, user_id, "bpr", 1, "evaluation")["item_id"].iloc[0]


@pytest.mark.parametrize("argv, message", [
    (["--pairs", "0"], "--pairs must be at least 1"),
    (["--model", "nope"], "unknown model 'nope'"),
])
def test_bad_arguments_fail_with_one_line(root, capsys, argv, message):
    assert main(["explain", "--workspace", str(root), *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err


def test_the_reader_ignores_entries_of_other_models(root, template_run):
    path = root / QUALITY_FILE
    entries = json.loads(path.read_text())
    entries["old"] = {**entries["template"], "train_key": "0" * 16}  # measured before a retraining
    path.write_text(json.dumps(entries))
    assert list(explanation_quality(WorkspaceIndex.open(root))["generator"]) == ["llm", "template"]
