"""`python -m llmrec evaluate`: the stored results, filtered and printed under their protocol."""

from __future__ import annotations

import json

import pytest

from llmrec.cli import main
from llmrec.errors import ConfigError
from llmrec.pipeline.report import evaluation_report, format_by_k


def test_report_filters_models_and_k(small_workspace):
    result = evaluation_report(small_workspace, models=["bpr", "random"], split="cold_start", ks=(10,))
    assert set(result.metrics["model"]) == {"bpr", "random"}
    assert set(result.metrics["k"].dropna()) == {10}
    text = format_by_k(result)
    assert text.startswith("Protocol\n") and "Candidates: only the" in text and "K = 10" in text


def test_report_rejects_unknown_model_and_k(small_workspace):
    with pytest.raises(ConfigError, match="not in this workspace"):
        evaluation_report(small_workspace, models=["nope"])
    with pytest.raises(ConfigError, match=r"K=\[7\] was not evaluated"):
        evaluation_report(small_workspace, ks=(7,))


def test_cli_prints_json_and_one_line_errors(small_workspace, capsys):
    assert main(["evaluate", "--workspace", str(small_workspace), "--k", "5", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["protocol"]["ks"] == [5, 10, 20] and {row["k"] for row in data["metrics"]} <= {5, None}
    assert main(["evaluate", "--workspace", str(small_workspace), "--k", "7"]) == 2
    assert "K=[7] was not evaluated" in capsys.readouterr().err
