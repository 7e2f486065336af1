"""Explanations for the list on screen: evidence, checked reasons, portrait summaries, descriptions.

Every text is a `llmrec.reasons.GeneratedText` and every evidence a `llmrec.reasons.Evidence`, built
for the model whose list is shown (its factors, neighbours and score parts), never for a default
model. What the dashboard shows first is what the local LLM wrote earlier for exactly this evidence
(read from the workspace's generated-text cache without loading the LLM), else the template text.
"""

from __future__ import annotations

from collections.abc import Iterator

from llmrec.reasons.evidence import build_evidence, description_evidence, portrait_evidence
from llmrec.reasons.facts import Evidence
from llmrec.reasons.service import GeneratedText, ReasonService
from llmrec.serve.index import WorkspaceIndex

FACT_LABELS = {
    "similar_history_text": "closest in their history (text)",
    "similar_history_mf": "closest in their history (model space)",
    "shared_category": "shared category",
    "shared_brand": "shared brand",
    "price_band": "price band",
    "praised_aspect": "praised aspect they care about",
    "popular_with_similar": "bought by similar shoppers",
    "score_contribution": "model score part",
}


def evidence(index: WorkspaceIndex, user_id: str, item_id: str, model: str | None) -> Evidence:
    """The facts for "why does `model` recommend `item_id` to `user_id`", strongest first."""
    ctx = index.evidence_context(model)
    return build_evidence(ctx, index.check_user(user_id), index.check_item(item_id))


def shown_texts(index: WorkspaceIndex, service: ReasonService,
                evidences: list[Evidence]) -> list[GeneratedText]:
    """The texts to show at once: what the local LLM wrote earlier for exactly this evidence (from
    the cache), else the service's own text (instant for the templates)."""
    found: list[GeneratedText | None] = [None] * len(evidences)
    if service.generator is service.templates and service.cache is not None:
        reader = index.llm_reader(service)
        if reader is not None:
            found = reader.lookup(evidences)
    missing = [j for j, text in enumerate(found) if text is None]
    if missing:
        for j, text in zip(missing, service.run([evidences[j] for j in missing]), strict=True):
            found[j] = text
    return found  # type: ignore[return-value]


def reasons(index: WorkspaceIndex, user_id: str, item_ids: tuple[str, ...] | list[str],
            model: str | None, service: ReasonService | None = None) -> list[GeneratedText]:
    """One checked reason sentence per item of `model`'s list (one batched call to the service).

    `service` defaults to the templates over `model`'s evidence; pass another (e.g. an LLM one) to
    have it write instead.
    """
    service = service or index.reason_service(model)
    user = index.check_user(user_id)
    evidences = [build_evidence(service.ctx, user, index.check_item(item)) for item in item_ids]
    return shown_texts(index, service, evidences)


def reason(index: WorkspaceIndex, user_id: str, item_id: str, model: str | None,
           service: ReasonService | None = None) -> GeneratedText:
    """Why `model` recommends `item_id` to `user_id`: one checked sentence."""
    return reasons(index, user_id, [item_id], model, service)[0]


def portrait_summary(index: WorkspaceIndex, user_id: str, model: str | None = None,
                     service: ReasonService | None = None) -> GeneratedText:
    """A short checked paragraph describing the user."""
    service = service or index.reason_service(model)
    return shown_texts(index, service, [portrait_evidence(service.ctx, index.check_user(user_id))])[0]


def product_description(index: WorkspaceIndex, user_id: str, item_id: str, model: str | None = None,
                        service: ReasonService | None = None) -> GeneratedText:
    """A one-sentence description of the product for this shopper."""
    service = service or index.reason_service(model)
    ev = description_evidence(service.ctx, index.check_user(user_id), index.check_item(item_id))
    return shown_texts(index, service, [ev])[0]


def stream_text(index: WorkspaceIndex, service: ReasonService, user_id: str,
                item_id: str | None = None, task: str = "reason") -> Iterator[str | GeneratedText]:
    """Raw chunks as the service's generator writes them, then the checked text to show instead.

    A portrait summary when `item_id` is None, else the item's reason (`task="reason"`) or its
    description for this shopper (`task="description"`).
    """
    user = index.check_user(user_id)
    if item_id is None:
        ev = portrait_evidence(service.ctx, user)
    elif task == "description":
        ev = description_evidence(service.ctx, user, index.check_item(item_id))
    elif task == "reason":
        ev = build_evidence(service.ctx, user, index.check_item(item_id))
    else:
        raise ValueError(f"task must be 'reason' or 'description' for an item, got '{task}'")
    yield from service.stream(ev)


def fact_rows(ev: Evidence) -> list[dict]:
    """The evidence as rows for a table: what kind of fact, the plain statement, its value."""
    return [{"fact": FACT_LABELS.get(f.kind, f.kind.replace("_", " ")), "statement": f.text,
             "value": str(f.value)} for f in ev.facts]
