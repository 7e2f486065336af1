"""Declared stages: what changed decides what re-runs, keys are stable, stale quality is dropped."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from llmrec.errors import ConfigError
from llmrec.models import registry
from llmrec.pipeline import keys, stages
from llmrec.pipeline.artifacts import QUALITY_FILE, Workspace, quality_producers
from llmrec.pipeline.run import STAGES, build_workspace
from tests.conftest import small_config

REPO = Path(__file__).resolve().parents[2]
TINY = REPO / "tests" / "fixtures" / "sources" / "recbole" / "unisrec"


def write_shop(folder: Path, n_users: int = 30, n_items: int = 20) -> dict:
    """A small csv shop: every user buys 6 items (u buys items u..u+5 mod n), one per day."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = [(f"u{u}", f"i{(u + j) % n_items}", 1 + (u + j) % 5, 1_600_000_000 + 86_400 * j)
            for u in range(n_users) for j in range(6)]
    pd.DataFrame(rows, columns=["user_id", "item_id", "rating", "timestamp"]).to_csv(
        folder / "interactions.csv", index=False)
    pd.DataFrame({"item_id": [f"i{i}" for i in range(n_items)],
                  "title": [f"{'Kettle Mug Lamp Desk'.split()[i % 4]} number {i}" for i in range(n_items)]}
                 ).to_csv(folder / "items.csv", index=False)
    return {"interactions_path": str(folder / "interactions.csv"), "items_path": str(folder / "items.csv")}


def shop_config(root: Path, cache: Path, options: dict, **overrides):
    return small_config(root, cache, source="csv", source_options=options, models=("popularity", "bpr"),
                        epochs=2, factors=4, cold_start=False, **overrides)


def manifest(root: Path) -> dict:
    return json.loads((root / "manifest.json").read_text())


@pytest.fixture(scope="module")
def shop(tmp_path_factory, embedding_cache) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("shop")
    options = write_shop(folder / "csv")
    root = folder / "workspace"
    build_workspace(shop_config(root, embedding_cache, options))
    return root, options


@pytest.fixture
def copy(shop, tmp_path) -> Path:
    target = tmp_path / "workspace"
    shutil.copytree(shop[0], target)
    return target


def test_declared_order_puts_every_stage_after_its_upstream():
    names = [s.name for s in stages.ordered(small_config(Path("w"), Path("c")))]
    assert names == list(STAGES)
    for stage in stages.STAGES:
        if stage.name in names:  # optional stages (finetune) are off by default
            assert all(names.index(up) < names.index(stage.name) for up in stage.upstream if up in names)


def test_finetune_stage_runs_between_split_and_embed_only_when_asked():
    names = [s.name for s in stages.ordered(small_config(Path("w"), Path("c"), finetune_seconds=30))]
    assert names.index("split") < names.index("finetune") < names.index("embed")
    assert [s.name for s in stages.ordered(small_config(Path("w"), Path("c")))] == list(STAGES)
    assert "finetune" not in STAGES


def test_embed_key_is_unchanged_when_finetuning_is_off(shop):
    """Turning the optional stage off must not re-embed workspaces built before it existed."""
    config = shop_config(Path("w"), Path("c"), shop[1])
    run = stages.StageRun(config, shop[0], lambda *a: None)
    assert "finetuned" not in stages._embed_params(run)
    on = stages.StageRun(dataclasses.replace(config, finetune_seconds=5.0), shop[0], lambda *a: None)
    assert stages._embed_params(on)["finetuned"] is True
    assert "precision" not in stages._embed_params(run)  # nor does the default precision ("auto")
    int8 = stages.StageRun(dataclasses.replace(config, precision="int8"), shop[0], lambda *a: None)
    assert stages._embed_params(int8)["precision"] == "int8"
    assert stages.embedding_model(on) == config.encoder      # no decision to keep the fine-tuned one


def test_a_misspelt_upstream_stage_is_an_error():
    typo = stages.Stage("extra", ("trian",), stages._seed_params, (), lambda run: None)
    with pytest.raises(ConfigError, match="extra <- trian"):
        stages.ordered(small_config(Path("w"), Path("c")), (*stages.STAGES, typo))


def code_files(name: str) -> set[str]:
    stage = next(s for s in stages.STAGES if s.name == name)
    return {p.relative_to(keys.ROOT).as_posix() for p in keys.code_files([stage.run, stage.params])}


def test_each_stage_depends_on_the_code_it_imports():
    assert code_files("split") == {"errors.py", "evaluation/splits.py"}
    assert {"models/mf.py", "models/registry.py"} <= code_files("train")
    assert {"text/encoder.py", "text/profiles.py"} <= code_files("embed")
    # the one top-k rule (models/ranking.py) is shared by portraits' similar users; no model is
    assert not any(f.startswith("models/") and f != "models/ranking.py"
                   for f in code_files("portraits") | code_files("embed"))
    assert "data/sources/recbole_benchmark.py" in code_files("load")


def test_code_hash_follows_imports_not_unrelated_modules(monkeypatch):
    train, split = stages._train, stages._split
    before = (keys.code_hash([train]), keys.code_hash([split]))
    original = keys.read_source
    monkeypatch.setattr(keys, "read_source", lambda path: original(path) + (
        "\n# edited\n" if path.name == "knn.py" else ""))
    # llmrec/models/knn.py is reached by train (through the registry), never by split
    assert keys.code_hash([train]) != before[0]
    assert keys.code_hash([split]) == before[1]


LOAD_KEY = """
import json, sys
from pathlib import Path
from llmrec.pipeline import keys, stages
from llmrec.pipeline.run import stage_definition
from tests.pipeline.test_stages import shop_config
options = json.loads(sys.argv[1])
run = stages.StageRun(shop_config(Path("w"), Path("c"), options), Path("w"), lambda *a: None)
print(keys.digest("load", stage_definition(stages.STAGES[0], run, {})))
print([keys.code_hash([s.run, s.params]) for s in stages.STAGES])
"""


def test_keys_are_the_same_in_another_process(shop):
    from llmrec.pipeline.run import stage_definition

    run = stages.StageRun(shop_config(Path("w"), Path("c"), shop[1]), Path("w"), lambda *a: None)
    here = [keys.digest("load", stage_definition(stages.STAGES[0], run, {})),
            str([keys.code_hash([s.run, s.params]) for s in stages.STAGES])]
    out = subprocess.run([sys.executable, "-c", LOAD_KEY, json.dumps(shop[1])], cwd=REPO, capture_output=True,
                         text=True, check=True, env={**os.environ, "PYTHONHASHSEED": "123"})
    assert out.stdout.split("\n")[:2] == here
    assert here[0] == manifest(shop[0])["stage_keys"]["load"]  # the key the build recorded


def test_changed_model_parameter_retrains_and_drops_stale_quality(copy, shop, embedding_cache, monkeypatch):
    stamp = quality_producers(manifest(copy))
    (copy / "reasons").mkdir()
    (copy / QUALITY_FILE).write_text(json.dumps({"template": {"n_pairs": 3, **stamp}}))
    bpr = registry.get_spec("bpr")
    monkeypatch.setitem(registry.SPEC_BY_NAME, "bpr", dataclasses.replace(bpr, default_params={"reg": 0.2}))
    build_workspace(shop_config(copy, embedding_cache, shop[1]))
    after = manifest(copy)
    assert after["reused_stages"] == ["load", "split", "embed", "portraits"]
    assert after["stage_reasons"]["train"] == "ran (reason: parameter models changed)"
    assert after["stage_definitions"]["train"]["params"]["models"]["bpr"]["reg"] == 0.2
    assert json.loads((copy / QUALITY_FILE).read_text()) == {}
    assert any("explanation quality of template dropped" in note for note in after["repairs"])


def test_unchanged_rebuild_keeps_quality_and_reuses_everything(copy, shop, embedding_cache):
    stamp = quality_producers(manifest(copy))
    (copy / "reasons").mkdir()
    entries = {"template": {"n_pairs": 3, **stamp}}
    (copy / QUALITY_FILE).write_text(json.dumps(entries))
    build_workspace(shop_config(copy, embedding_cache, shop[1]))
    assert manifest(copy)["reused_stages"] == list(STAGES)
    assert set(manifest(copy)["stage_reasons"].values()) == {"reused"}
    assert json.loads((copy / QUALITY_FILE).read_text()) == entries


def test_edited_input_file_recomputes_load_and_everything_downstream(copy, shop, embedding_cache, tmp_path):
    options = write_shop(tmp_path / "csv")
    moved = shop_config(copy, embedding_cache, options)
    build_workspace(moved)  # the same shop at another path: the load key changes with the file list
    frame = pd.read_csv(options["interactions_path"])
    frame.loc[0, "rating"] = 1 if frame.loc[0, "rating"] != 1 else 2
    frame.to_csv(options["interactions_path"], index=False)
    build_workspace(moved)
    after = manifest(copy)
    assert after["reused_stages"] == []
    assert after["stage_reasons"]["load"] == "ran (reason: input files changed)"
    assert after["stage_reasons"]["split"] == "ran (reason: input changed: load)"


def test_changed_encoder_recomputes_embed(copy, shop, embedding_cache, monkeypatch):
    import llmrec.text.encoder as encoder

    original = encoder.model_fingerprint
    monkeypatch.setattr(encoder, "model_fingerprint", lambda model=None: original(model) + "|new-weights")
    build_workspace(shop_config(copy, embedding_cache, shop[1]))
    after = manifest(copy)
    assert after["stage_reasons"]["embed"] == "ran (reason: parameter encoder changed)"
    # the split reads the data only; training reads the text embeddings (text-aware models)
    assert after["reused_stages"] == ["load", "split"]


def test_changed_k_reuses_training(copy, shop, embedding_cache):
    build_workspace(shop_config(copy, embedding_cache, shop[1], ks=(3,)))
    after = manifest(copy)
    assert "train" in after["reused_stages"]
    assert after["stage_reasons"]["evaluate"] == "ran (reason: parameter ks changed)"


def inter_targets(part: str) -> set[tuple[str, str]]:
    """(user, item) targets of a Tiny.<part>.inter file, mapped to the original ids."""
    def index(kind: str) -> dict[str, str]:
        lines = (TINY / f"Tiny.{kind}2index").read_text().splitlines()
        return {number: original for original, number in (line.split("\t") for line in lines if line)}

    users, items = index("user"), index("item")
    rows = (TINY / f"Tiny.{part}.inter").read_text().splitlines()[1:]
    return {(users[r.split("\t")[0]], items[r.split("\t")[2]]) for r in rows if r.strip()}


def test_given_split_is_the_default_for_benchmark_data(tmp_path, embedding_cache, capsys, monkeypatch):
    from llmrec.cli import main

    monkeypatch.setenv("LLMREC_CACHE", str(embedding_cache))
    code = main(["build", "--workspace", str(tmp_path / "ws"), "--source", "recbole", "--path", str(TINY),
                 "--dataset", "Tiny", "--models", "popularity", "--epochs", "1", "--no-cold-start"])
    out = capsys.readouterr().out
    assert code == 0, out
    ws = Workspace(tmp_path / "ws")
    assert ws.manifest["split"] == "given" and "split: given" in out
    for part in ("test", "valid"):
        frame = ws.split[part]
        pairs = set(zip(frame["user_id"].astype(str), frame["item_id"].astype(str), strict=True))
        assert pairs == inter_targets(part) and len(frame) == len(pairs)
    protocol = ws.json("evaluation/protocol.json")
    assert "Given split" in json.dumps(protocol)
    for stage in STAGES:
        assert f"{stage:<9} ran (reason: no previous result)" in out


def test_finetuned_build_embeds_with_the_shop_encoder_and_reuses_it(copy, shop, embedding_cache):
    tuned = shop_config(copy, embedding_cache, shop[1], finetune_seconds=3.0)
    build_workspace(tuned)
    after = manifest(copy)
    folder = copy / "finetune" / "encoder"
    assert (folder / "config.json").is_file() and list(folder.glob("*.safetensors"))
    assert after["stage_reasons"]["finetune"] == "ran (reason: no previous result)"
    assert after["stage_reasons"]["embed"].startswith("ran")
    assert after["reused_stages"][:2] == ["load", "split"]
    assert any(name.startswith("finetune/encoder/") for name in Workspace(copy).files)  # checksummed
    build_workspace(tuned)
    again = manifest(copy)
    assert {"finetune", "embed", "train"} <= set(again["reused_stages"])
