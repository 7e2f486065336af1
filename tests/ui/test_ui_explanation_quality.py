"""The evaluation page's "Explanation quality" section: the table from reasons/quality.json, or the
command that writes it."""

from __future__ import annotations

import json
import shutil

import pytest

from llmrec.pipeline.artifacts import quality_producers

QUALITY = {
    "template": {"grounding_rate": 1.0, "raw_grounding_rate": 1.0, "fallback_rate": 0.0,
                 "feature_coverage": 0.7, "unique_sentence_ratio": 0.99, "distinct_1": 0.08,
                 "distinct_2": 0.17,
                 "mean_words": 26.7, "latency_per_sentence_s": 0.0001, "n_pairs": 200, "model": "text_mf",
                 "generator_identity": "template", "created": "2026-01-01T00:00:00"},
    "llm": {"grounding_rate": 1.0, "raw_grounding_rate": 0.3, "fallback_rate": 0.7, "feature_coverage": 0.45,
            "unique_sentence_ratio": 1.0, "distinct_1": 0.36, "distinct_2": 0.58, "mean_words": 23.4,
            "latency_per_sentence_s": 2.5, "n_pairs": 24, "model": "text_mf",
            "generator_identity": "llm:SmolLM2", "created": "2026-01-01T00:00:00"},
}


@pytest.fixture(scope="module")
def root(small_workspace, tmp_path_factory):
    copy = tmp_path_factory.mktemp("quality-page") / "workspace"
    shutil.copytree(small_workspace, copy, ignore=shutil.ignore_patterns("reasons"))
    return copy


@pytest.fixture
def page(app, root, monkeypatch):
    monkeypatch.setenv("LLMREC_WORKSPACE", str(root))

    def open_page():
        app.run()
        app.switch_page("pages/6_evaluation.py").run()
        assert not app.exception, [e.value for e in app.exception]
        return app

    return open_page


def test_without_measurements_the_page_shows_the_command(page, root):
    (root / "reasons" / "quality.json").unlink(missing_ok=True)
    app = page()
    assert "Explanation quality" in [h.value for h in app.subheader]
    assert any("No explanation quality measured" in i.value for i in app.info)
    assert f"python -m llmrec explain --workspace {root}" in [c.value for c in app.code]
    assert not [df for df in app.dataframe if "grounding_rate" in df.value.columns]


def test_measurements_are_shown_one_row_per_generator(page, root):
    (root / "reasons").mkdir(exist_ok=True)
    # Entries are stamped with the data and models they measured; unstamped ones count as stale.
    stamp = quality_producers(json.loads((root / "manifest.json").read_text()))
    entries = {name: {**entry, **stamp} for name, entry in QUALITY.items()}
    (root / "reasons" / "quality.json").write_text(json.dumps(entries))
    app = page()
    (shown,) = [df.value for df in app.dataframe if "grounding_rate" in df.value.columns]
    assert list(shown["generator"]) == ["template", "llm"]
    assert {"raw_grounding_rate", "fallback_rate", "feature_coverage", "unique_sentence_ratio", "distinct_1",
            "distinct_2", "mean_words", "latency_per_sentence_s"} <= set(shown.columns)
    assert shown.set_index("generator").loc["llm", "fallback_rate"] == 0.7
    assert not any("No explanation quality measured" in i.value for i in app.info)
