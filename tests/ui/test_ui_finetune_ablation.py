"""A workspace that kept a fine-tuned encoder: the Evaluation page shows frozen vs fine-tuned per
text-aware model, and the explorer offers both text spaces."""

from __future__ import annotations

import pytest

from llmrec.pipeline.report import text_ablation
from tests.pipeline.test_finetune_gate import TEXT_MODELS, build_kept
from tests.pipeline.test_stages import write_shop
from tests.ui.test_ui_pages import open_page


@pytest.fixture(scope="module")
def ui_workspace(tmp_path_factory, embedding_cache):
    folder = tmp_path_factory.mktemp("ui-tuned")
    return build_kept(folder / "ws", embedding_cache, write_shop(folder / "csv")).root


def test_evaluation_page_shows_the_ablation_the_build_stored(app, ui_workspace):
    page = open_page(app, "pages/6_evaluation.py")
    assert "Frozen vs fine-tuned text" in [h.value for h in page.subheader]
    assert any("encoder is used" in c.value and "0\\.5000" in c.value for c in page.caption)  # escaped
    shown = [frame.value for frame in page.dataframe if "NDCG@10 frozen" in frame.value.columns]
    stored = {split: text_ablation(ui_workspace, split=split, k=10) for split in ("standard", "cold_start")}
    expected = [table for table in stored.values() if not table.empty]   # the page's order: warm, then cold
    assert len(shown) == len(expected) >= 1, "the page must show one ablation table per stored split"
    for on_page, table in zip(shown, expected, strict=True):
        assert list(on_page.index) == list(TEXT_MODELS)
        assert on_page["NDCG@10 change"].to_numpy() == pytest.approx(table["NDCG@10 change"].to_numpy())


def test_explorer_offers_the_frozen_text_space_beside_the_fine_tuned_one(app):
    page = open_page(app, "pages/3_explorer.py")
    radio = page.radio(key="explorer_space")
    assert radio.options == ["Text (fine-tuned language model)", "Text (frozen, before fine-tuning)",
                             "Collaborative (MF factors)"]
    radio.set_value("text_frozen").run()
    assert not page.exception, [e.value for e in page.exception]
    assert any("frozen, before fine-tuning" in m.value for m in page.markdown)
