"""Texts the dashboard shows by default: what the local LLM wrote earlier (from the workspace cache,
without loading it), else the instant template text."""

from __future__ import annotations

import shutil

import pytest

from llmrec.pipeline import queries as q
from llmrec.pipeline.artifacts import Workspace
from llmrec.reasons.evidence import build_evidence, portrait_evidence
from llmrec.reasons.llm import LLMGenerator
from llmrec.reasons.service import ReasonService


@pytest.fixture
def ws(small_workspace, tmp_path, monkeypatch) -> Workspace:
    """A private copy (the tests write LLM rows into its cache), where loading the LLM fails."""
    root = tmp_path / "workspace"
    shutil.copytree(small_workspace, root, ignore=shutil.ignore_patterns("reasons"))

    def no_loading(self):
        raise AssertionError("showing texts must never load the LLM")

    monkeypatch.setattr(LLMGenerator, "load", no_loading)
    return Workspace(root)


class WrittenByTheLLM:
    """Stands in for the packaged LLM: the same identity (so the same cache keys), fixed words."""

    prompt_version = LLMGenerator.prompt_version

    def __init__(self, texts: dict):
        self.identity = LLMGenerator().identity
        self.texts = texts  # evidence fingerprint -> text

    def generate(self, evidences):
        return [self.texts[ev.fingerprint()] for ev in evidences]


def user_and_items(ws, n=3):
    user = str(ws.dataset.interactions["user_id"].value_counts().index[0])
    return user, q.recommend(ws, user, "text_mf", n, "seen")["item_id"].tolist()


def test_without_llm_texts_the_template_is_shown_and_cached(ws):
    user, items = user_and_items(ws)
    first = q.reasons(ws, user, items, q.reason_service(ws))
    assert {r.source for r in first} == {"template"} and not any(r.cached for r in first)
    assert all(r.cited_facts for r in first)
    again = q.reasons(ws, user, items, q.reason_service(ws))
    assert [r.text for r in again] == [r.text for r in first] and all(r.cached for r in again)
    assert (ws.root / "reasons" / "cache.parquet").is_file()


def test_a_cached_llm_text_is_preferred_over_the_template(ws):
    user, items = user_and_items(ws)
    service = q.reason_service(ws)
    u = ws.ids.user_index(user)
    target = build_evidence(service.ctx, u, ws.ids.item_index(items[0]))
    template = service.templates.write(target)
    # A grounded LLM sentence: the template's own words, so the checker passes it as the LLM's.
    written = "In short: " + template[0].lower() + template[1:]
    portrait = portrait_evidence(service.ctx, u)
    summary = service.templates.write(portrait)
    llm = WrittenByTheLLM({target.fingerprint(): written, portrait.fingerprint(): summary})
    texts = ReasonService(service.ctx, llm, cache=q.reason_cache(ws)).run([target, portrait])
    assert [t.source for t in texts] == ["llm", "llm"], [t.fallback_reason for t in texts]

    shown = q.reasons(ws, user, items, q.reason_service(ws))
    assert (shown[0].text, shown[0].source, shown[0].cached) == (written, "llm", True)
    assert shown[0].cited_facts
    assert {r.source for r in shown[1:]} == {"template"}  # no LLM text for the others
    one = q.reason(ws, user, items[0], q.reason_service(ws))
    assert (one.text, one.source) == (written, "llm")
    assert q.portrait_summary(ws, user, q.reason_service(ws)).source == "llm"

    # A new process (the dashboard restarted) finds the same text in the file.
    fresh = Workspace(ws.root)
    assert q.reason(fresh, user, items[0], q.reason_service(fresh)).text == written


def test_an_llm_service_is_not_redirected_to_the_default_llm(ws):
    """Only the template service looks for the default LLM's texts; another generator writes its own."""
    user, items = user_and_items(ws, 1)

    class Other:
        identity, prompt_version = "other-llm", "v1"

        def generate(self, evidences):
            return ["Not a grounded sentence at $1."] * len(evidences)

    shown = q.reason(ws, user, items[0], q.reason_service(ws, generator=Other()))
    # Its ungrounded sentence is replaced, and says so, rather than swapped for a default-LLM text.
    assert shown.source == "template" and shown.fallback_reason and not shown.cached


class StreamingTemplateLLM:
    """Streams the template's own words under the packaged LLM's identity: grounded, so kept as 'llm'."""

    prompt_version = LLMGenerator.prompt_version

    def __init__(self):
        from llmrec.reasons.templates import TemplateGenerator

        self.identity = LLMGenerator().identity
        self.templates = TemplateGenerator()

    def generate(self, evidences):
        return [self.templates.write(ev) for ev in evidences]

    def stream(self, evidence):
        yield from (word + " " for word in self.templates.write(evidence).split())


def test_the_llm_button_streams_then_its_text_is_shown_from_the_cache(app, ws, monkeypatch):
    from llmrec.ui import cache

    monkeypatch.setenv("LLMREC_WORKSPACE", str(ws.root))
    monkeypatch.setattr(cache, "llm_service", lambda root, stamp: q.reason_service(
        cache.workspace(root, stamp), generator=StreamingTemplateLLM()))
    app.run()
    app.switch_page("pages/2_portraits.py").run()
    header = next(m.value for m in app.markdown if "Portrait summary" in m.value)
    assert "template · fresh" in header
    app.button(key="portraits_llm").click().run()
    assert not app.exception, [e.value for e in app.exception]
    header = next(m.value for m in app.markdown if "Portrait summary" in m.value)
    assert "LLM · cached" in header
    # A restarted dashboard (fresh Streamlit caches) shows it at once, without the button.
    cache.clear()
    app.run()
    assert "LLM · cached" in next(m.value for m in app.markdown if "Portrait summary" in m.value)
