"""Texts the dashboard shows by default: what the local LLM wrote earlier (from the workspace cache,
without loading it), else the instant template text."""

from __future__ import annotations

import shutil

import pytest

from llmrec.reasons.evidence import build_evidence, portrait_evidence
from llmrec.reasons.llm import LLMGenerator
from llmrec.reasons.service import ReasonService
from llmrec.serve import WorkspaceIndex
from llmrec.serve.explanations import portrait_summary, reason, reasons
from llmrec.serve.recommendations import recommend
from llmrec.ui.safe import plain


@pytest.fixture
def index(small_workspace, tmp_path, monkeypatch) -> WorkspaceIndex:
    """A private copy (the tests write LLM rows into its cache), where loading the LLM fails."""
    root = tmp_path / "workspace"
    shutil.copytree(small_workspace, root, ignore=shutil.ignore_patterns("reasons"))

    def no_loading(self):
        raise AssertionError("showing texts must never load the LLM")

    monkeypatch.setattr(LLMGenerator, "load", no_loading)
    return WorkspaceIndex.open(root)


class WrittenByTheLLM:
    """Stands in for the packaged LLM: the same identity (so the same cache keys), fixed words."""

    prompt_version = LLMGenerator.prompt_version

    def __init__(self, texts: dict):
        self.identity = LLMGenerator().identity
        self.texts = texts  # evidence fingerprint -> text

    def generate(self, evidences):
        return [self.texts[ev.fingerprint()] for ev in evidences]


def user_and_items(index, n=3):
    user = str(index.ws.dataset.interactions["user_id"].value_counts().index[0])
    return user, recommend(index, user, "text_mf", n, "seen")["item_id"].tolist()


def test_without_llm_texts_the_template_is_shown_and_cached(index):
    ws = index.ws
    user, items = user_and_items(index)
    first = reasons(index, user, items, "text_mf")
    assert {r.source for r in first} == {"template"} and not any(r.cached for r in first)
    assert all(r.cited_facts for r in first)
    again = reasons(index, user, items, "text_mf")
    assert [r.text for r in again] == [r.text for r in first] and all(r.cached for r in again)
    assert (ws.root / "reasons" / "cache.parquet").is_file()


def test_a_cached_llm_text_is_preferred_over_the_template(index):
    ws = index.ws
    user, items = user_and_items(index)
    service = index.reason_service("text_mf")
    u = ws.ids.user_index(user)
    target = build_evidence(service.ctx, u, ws.ids.item_index(items[0]))
    template = service.templates.write(target)
    # A grounded LLM sentence: the template's own words, so the checker passes it as the LLM's.
    written = "In short: " + template[0].lower() + template[1:]
    portrait = portrait_evidence(service.ctx, u)
    summary = service.templates.write(portrait)
    llm = WrittenByTheLLM({target.fingerprint(): written, portrait.fingerprint(): summary})
    texts = ReasonService(service.ctx, llm, cache=index.reason_cache()).run([target, portrait])
    assert [t.source for t in texts] == ["llm", "llm"], [t.fallback_reason for t in texts]

    shown = reasons(index, user, items, "text_mf")
    assert (shown[0].text, shown[0].source, shown[0].cached) == (written, "llm", True)
    assert shown[0].cited_facts
    assert {r.source for r in shown[1:]} == {"template"}  # no LLM text for the others
    one = reason(index, user, items[0], "text_mf")
    assert (one.text, one.source) == (written, "llm")
    assert portrait_summary(index, user, "text_mf").source == "llm"

    # A new process (the dashboard restarted) finds the same text in the file.
    fresh = WorkspaceIndex.open(ws.root)
    assert reason(fresh, user, items[0], "text_mf").text == written


def test_an_llm_service_is_not_redirected_to_the_default_llm(index):
    """Only the template service looks for the default LLM's texts; another generator writes its own."""
    user, items = user_and_items(index, 1)

    class Other:
        identity, prompt_version = "other-llm", "v1"

        def generate(self, evidences):
            return ["Not a grounded sentence at $1."] * len(evidences)

    shown = reason(index, user, items[0], "text_mf", index.reason_service("text_mf", generator=Other()))
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


def test_the_llm_button_streams_then_its_text_is_shown_from_the_cache(app, index, monkeypatch):
    from llmrec.ui import cache

    monkeypatch.setenv("LLMREC_WORKSPACE", str(index.ws.root))
    monkeypatch.setattr(cache, "llm_service", lambda root, stamp, model: cache.index(
        root, stamp).reason_service(model, generator=StreamingTemplateLLM()))
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


def test_describe_this_product_streams_then_shows_the_checked_text_and_its_source(app, index, monkeypatch):
    """With the (stand-in) LLM the streamed words become the shown, cached description ("LLM");
    with the switch off the templates write it and the caption says why."""
    from llmrec.reasons.evidence import description_evidence
    from llmrec.ui import cache

    monkeypatch.setenv("LLMREC_WORKSPACE", str(index.ws.root))
    monkeypatch.setattr(cache, "llm_service", lambda root, stamp, model: cache.index(
        root, stamp).reason_service(model, generator=StreamingTemplateLLM()))
    app.run()
    app.switch_page("pages/4_recommendations.py").run()
    user, item = app.selectbox(key="recs_user").value, app.selectbox(key="recs_explain").value
    model = app.sidebar.selectbox(key="sidebar_model").value
    service = index.reason_service(model)
    ev = description_evidence(service.ctx, index.check_user(user), index.check_item(item))
    expected = service.templates.write(ev)
    assert app.toggle(key="recs_describe_llm").value is True  # an LLM is installed: on by default
    app.button(key="recs_describe").click().run()
    assert not app.exception, [e.value for e in app.exception]
    shown = [m.value for m in app.markdown]
    assert plain(expected) in shown
    assert any("source: **LLM · fresh**" in c.value for c in app.caption)
    (cached,) = index.llm_reader(service).lookup([ev])  # in the workspace's cache, as the LLM's
    assert cached is not None and cached.source == "llm" and cached.text == expected
    app.toggle(key="recs_describe_llm").set_value(False).run()
    app.button(key="recs_describe").click().run()
    assert plain(expected) in [m.value for m in app.markdown]
    assert any("source: **template" in c.value and "the local LLM is switched off" in c.value
               for c in app.caption)
