"""The evaluation page says plainly whether rating MF beats the bias baseline."""

from __future__ import annotations

import pandas as pd
import pytest

from llmrec.serve import evaluation


class FakeIndex:
    """Only what `evaluation.metrics` reads: a workspace whose metrics table is given."""

    def __init__(self, rows: list[tuple[str, float]]) -> None:
        frame = pd.DataFrame([{"model": m, "metric": "RMSE", "k": None, "value": v} for m, v in rows])
        self.ws = type("Ws", (), {"table": staticmethod(lambda relative: frame)})()


@pytest.mark.parametrize("rows, expected", [
    ([("rating_mf", 0.90), ("bias", 1.00)],
     "better than the bias baseline: RMSE 0.9000 against 1.0000 (10.0% lower)"),
    ([("rating_mf", 0.9580), ("bias", 0.9573)], "does not beat the bias baseline"),
    ([("rating_mf", 0.995), ("bias", 1.00)], "does not beat"),  # 0.5% is within noise: not a win
])
def test_verdict_states_the_comparison(monkeypatch, rows, expected):
    monkeypatch.setattr(evaluation, "metrics", lambda index: index.ws.table("evaluation/metrics.parquet"))
    assert expected in evaluation.rating_model_verdict(FakeIndex(rows))


def test_no_verdict_without_both_models(monkeypatch):
    monkeypatch.setattr(evaluation, "metrics", lambda index: index.ws.table("evaluation/metrics.parquet"))
    assert evaluation.rating_model_verdict(FakeIndex([("rating_mf", 0.9)])) is None
