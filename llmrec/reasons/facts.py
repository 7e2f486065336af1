"""Facts and evidence: the typed statements a generated text may make, and the kinds they come in.

A `Fact` is one checkable statement (its kind, what it is about, its value, a plain text); an
`Evidence` is every fact one request may state, with its subject. `llmrec.reasons.evidence` builds
them; the templates, the LLM prompts and the validator read them.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

# Fact kinds, grouped by the text they support.
REASON_KINDS: tuple[str, ...] = (
    "similar_history_text",  # key: title of the history item closest in text space; value: cosine
    "similar_history_mf",  # key: title of the history item closest in MF space; value: cosine
    "shared_category",  # key: the item's category; value: history items in it
    "shared_brand",  # key: the item's brand; value: history items of that brand
    "price_band",  # key: the item's band within its category; value: the user's usual band
    "praised_aspect",  # key: aspect the item's reviews praise and the user writes about; value: praises
    "popular_with_similar",  # key: "similar shoppers"; value: share of neighbours who bought the item
    "score_contribution",  # key: model component; value: its contribution to the score
    "model_related",  # key: title of a history item the model's own explanation names; value: weight
)
PORTRAIT_KINDS: tuple[str, ...] = (
    "top_category",  # key: category; value: history items in it
    "top_brand",  # key: brand; value: history items of it
    "usual_price_band",  # key: band; value: share of priced history in it
    "rating_behaviour",  # key: generous | balanced | critical; value: mean review rating
    "user_praises",  # key: aspect the user praises in reviews; value: praises
    "user_criticises",  # key: aspect the user criticises in reviews; value: criticisms
    "interest_term",  # key: a word many of the user's history titles share; value: titles with it
    "owned_item",  # key: title of the history item most typical of the user's history; value: history size
    "history_size",  # key: "orders"; value: history items (only when no other fact describes the shopper)
)
DESCRIPTION_KINDS: tuple[str, ...] = (
    "item_category",  # key: category; value: most specific category (shelf)
    "item_brand",  # key: brand
    "item_price_band",  # key: band; value: category
    "item_praised_aspect",  # key: aspect the item's reviews praise; value: praises
    "item_attribute",  # key: attribute name; value: attribute value
)
FACT_KINDS: tuple[str, ...] = REASON_KINDS + PORTRAIT_KINDS + DESCRIPTION_KINDS
TASKS: tuple[str, ...] = ("reason", "portrait", "description")
BANDS: tuple[str, ...] = ("budget", "mid", "premium")
BAND_PHRASES: dict[str, str] = {"budget": "budget-priced", "mid": "mid-priced", "premium": "premium-priced"}
HISTORY_KINDS = frozenset({"similar_history_text", "similar_history_mf", "model_related", "owned_item"})
CATEGORY_KINDS = frozenset({"shared_category", "top_category", "item_category"})
BRAND_KINDS = frozenset({"shared_brand", "top_brand", "item_brand"})
BAND_KINDS = frozenset({"price_band", "usual_price_band", "item_price_band"})
ASPECT_KINDS = frozenset({"praised_aspect", "user_praises", "user_criticises", "item_praised_aspect"})


@dataclass(frozen=True)
class Fact:
    """One checkable statement: `kind` (see FACT_KINDS), what it is about (`key`), its value, and
    `text`, the plain statement shown to generators and people."""

    kind: str
    key: str
    value: str | float | int
    text: str

    def to_dict(self) -> dict:
        return {"kind": self.kind, "key": self.key, "value": self.value, "text": self.text}


@dataclass(frozen=True)
class Evidence:
    """Everything a text for one request may state: the subject and its facts, strongest first."""

    task: str  # "reason" | "portrait" | "description"
    user_index: int
    user_id: str
    facts: tuple[Fact, ...]
    item_index: int | None = None
    item_id: str | None = None
    item_title: str | None = None
    item_category: str | None = None
    item_categories: tuple[str, ...] = ()
    item_brand: str | None = None
    item_band: str | None = None  # the item's price band within its category, if priced

    def of_kind(self, kind: str) -> list[Fact]:
        return [f for f in self.facts if f.kind == kind]

    @property
    def kinds(self) -> list[str]:
        return list(dict.fromkeys(f.kind for f in self.facts))

    def fingerprint(self) -> str:
        """sha256 of the subject and the facts: equal evidence, equal fingerprint (a cache key part)."""
        payload = {
            "task": self.task, "user": self.user_id, "item": self.item_id, "title": self.item_title,
            "category": self.item_category, "brand": self.item_brand, "band": self.item_band,
            "facts": [f.to_dict() for f in self.facts],
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def similar_counts(fact: Fact) -> tuple[int, int]:
    """(neighbours who bought, neighbours) of a popular_with_similar fact, read back from its text."""
    match = re.match(r"(\d+) of the shopper's (\d+) ", fact.text)
    if fact.kind != "popular_with_similar" or match is None:
        raise ValueError(f"not a popular_with_similar fact: {fact.text!r}")
    return int(match.group(1)), int(match.group(2))


def percent(share: float) -> str:
    """0.25 -> '25%': the one way shares are written, so validators and templates agree."""
    return f"{round(100 * share)}%"

