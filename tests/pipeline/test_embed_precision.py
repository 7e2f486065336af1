"""The build embeds in the configured precision and says which ran and why: int8 on request (`--precision
int8`), its vectors cached apart from fp32's and the embed stage re-run when the precision changes."""

from __future__ import annotations

import numpy as np
import pytest

from llmrec.cli import main as cli_main
from llmrec.errors import ConfigError
from llmrec.pipeline.artifacts import Workspace
from llmrec.pipeline.run import build_workspace
from tests.pipeline.test_stages import shop_config, write_shop


@pytest.fixture(scope="module")
def shop(tmp_path_factory, embedding_cache):
    """The small csv shop built with the default precision ("auto")."""
    folder = tmp_path_factory.mktemp("precision")
    options = write_shop(folder / "csv")
    return build_workspace(shop_config(folder / "auto", embedding_cache, options)), options


def test_auto_build_records_its_precision_and_reason(shop):
    ws, _ = shop
    embedding = ws.manifest["embedding"]
    # 20 items and no reviews: far below INT8_MIN_TEXTS, so never int8 whatever the CPU
    assert embedding["precision"] in ("fp32", "bf16")
    assert embedding["reason"].startswith("auto: ") and embedding["reason"].endswith(embedding["precision"])
    assert ws.json("text/encoder.json")["precision"] == embedding["precision"]


def test_int8_build_says_so_and_re_embeds(shop, tmp_path, embedding_cache, capsys, monkeypatch):
    auto_ws, options = shop
    monkeypatch.setenv("LLMREC_CACHE", str(embedding_cache))  # the command line's cache, not ~/.cache
    root = tmp_path / "int8"
    capsys.readouterr()
    assert cli_main(["build", "--workspace", str(root), "--source", "csv",
                     "--interactions", options["interactions_path"], "--items", options["items_path"],
                     "--models", "popularity", "bpr", "--epochs", "2", "--factors", "4", "--no-cold-start",
                     "--precision", "int8"]) == 0
    assert "  embedding: int8 (int8: asked for)" in capsys.readouterr().out
    ws = Workspace(root)
    assert ws.manifest["embedding"] == {"precision": "int8", "reason": "int8: asked for"}
    assert ws.json("text/encoder.json")["identity"].endswith("|int8")
    assert ws.manifest["stage_keys"]["embed"] != auto_ws.manifest["stage_keys"]["embed"]
    # int8 vectors: close to the fp32/bf16 ones of the same texts, but their own
    int8, exact = ws.embeddings["items"], auto_ws.embeddings["items"]
    cosine = np.sum(int8 * exact, axis=1)
    assert cosine.min() > 0.9 and np.abs(int8 - exact).max() > 1e-4


def test_unknown_precision_is_a_config_error(tmp_path, embedding_cache):
    with pytest.raises(ConfigError, match="precision 'fp16'.*auto, bf16, int8, fp32"):
        shop_config(tmp_path / "ws", embedding_cache, {}, precision="fp16")
