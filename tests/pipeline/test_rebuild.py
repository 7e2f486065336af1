"""The fix for a damaged workspace is the exact build command it was made with, read from its manifest."""

from __future__ import annotations

import json
import shlex
import shutil

import pytest

from llmrec.cli import build_config, main, parser
from llmrec.errors import WorkspaceError
from llmrec.pipeline.artifacts import Workspace
from llmrec.pipeline.integrity import rebuild_hint
from llmrec.pipeline.rebuild import build_flags, rebuild_command

WORKSPACE = "/shops/ws"


def recorded(argv: list[str]) -> dict:
    """The config a `build` with these flags records in its manifest (JSON: tuples become lists)."""
    args = parser().parse_args(["build", "--workspace", WORKSPACE, *argv])
    return json.loads(json.dumps(build_config(args).to_dict()))


def test_recbole_hint_repeats_the_source_flags():
    config = recorded(["--source", "recbole", "--path", "/data/recbole", "--dataset", "ml-100k"])
    assert rebuild_command(WORKSPACE, config) == (
        "python -m llmrec build --workspace /shops/ws --source recbole --path /data/recbole "
        "--dataset ml-100k", [])


BUILDS = {
    "demo defaults": [],
    "demo sizes and training": ["--demo-users", "300", "--demo-items", "200", "--epochs", "5",
                                "--factors", "16", "--seed", "7", "--train-budget", "60",
                                "--precision", "int8"],
    "recbole, everything": ["--source", "recbole", "--path", "data/rb", "--dataset", "Scientific",
                            "--rating-scale", "1-5", "--skip-bad-lines", "--kcore", "5",
                            "--split", "given", "--k", "10", "20", "--models", "bpr", "sasrec",
                            "--no-cold-start"],
    "amazon with a space in a path": ["--source", "amazon2023", "--reviews", "my data/reviews.jsonl",
                                      "--meta", "my data/meta.jsonl", "--finetune", "--encoder", "/m/e5"],
    "csv, one mapping": ["--source", "csv", "--interactions", "a.csv",
                         "--columns", "user_id=customer,item_id=sku"],
    "csv, a mapping per file": ["--source", "csv", "--interactions", "a.csv", "--items", "b.csv",
                                "--columns", "user_id=customer", "--item-columns", "item_id=sku,title=name",
                                "--review-columns", "text=body"],
    "ray": ["--engine", "ray", "--address", "ray://head:10001", "--finetune", "90"],
}


@pytest.mark.parametrize("build", list(BUILDS))
def test_the_command_rebuilds_the_recorded_config(build):
    config = recorded(BUILDS[build])
    command, unexpressed = rebuild_command(WORKSPACE, config)
    words = shlex.split(command)
    assert words[:6] == ["python", "-m", "llmrec", "build", "--workspace", WORKSPACE]
    assert recorded(words[6:]) == config and unexpressed == []


def test_defaults_are_left_out_and_settings_without_a_flag_are_named():
    assert build_flags(recorded([])) == ([], [])
    # no training budget (a config written by code, not by the command line) has no flag
    assert build_flags({**recorded([]), "train_budget": None}) == ([], ["train_budget=None"])
    config = {**recorded(["--source", "movielens", "--path", "ml"]), "max_length": 128}
    config["source_options"]["max_rows"] = 1000
    assert build_flags(config) == (["--source", "movielens", "--path", "ml"],
                                   ["max_rows=1000", "max_length=128"])


@pytest.fixture
def copy(small_workspace, tmp_path):
    target = tmp_path / "workspace"
    shutil.copytree(small_workspace, target)
    return target


# conftest's small_config: the SMALL_DEMO sizes, 16 factors, 5 epochs (in BuildConfig's field order)
SMALL_FLAGS = ("--demo-users 300 --demo-items 200 --demo-interactions 3600 --demo-reviews 1200 "
               "--factors 16 --epochs 5")


def test_a_damaged_workspace_names_its_own_build_command(copy, capsys):
    (copy / "data" / "items.parquet").unlink()
    expected = f"rebuild with `python -m llmrec build --workspace {copy} {SMALL_FLAGS}`"
    with pytest.raises(WorkspaceError) as error:
        Workspace(copy)
    assert str(error.value).endswith(expected)
    assert main(["check", "--workspace", str(copy)]) == 1
    assert capsys.readouterr().err.strip().endswith(expected)


def test_an_unreadable_manifest_says_the_flags_are_needed(copy):
    (copy / "manifest.json").write_text("{")
    assert rebuild_hint(copy) == (f"rebuild with `python -m llmrec build --workspace {copy}` and the source "
                                  "flags it was built with (its manifest is unreadable)")
