"""Evidence builders: the facts for one request (a reason, a portrait summary, a product description).

`build_evidence`, `portrait_evidence` and `description_evidence` assemble, from an
`EvidenceContext` (llmrec.reasons.context), the facts a text may state, strongest first, in
microseconds to milliseconds. Nothing here writes prose for the shopper: `Fact.text` is a plain
statement for prompts and the UI.
"""

from __future__ import annotations

import re

import numpy as np

from llmrec.models.base import Explanation
from llmrec.models.ranking import top_indices
from llmrec.reasons import lexicon as lx
from llmrec.reasons.context import EvidenceContext
from llmrec.reasons.facts import BAND_PHRASES, BANDS, HISTORY_KINDS, Evidence, Fact, percent
from llmrec.reasons.titles import citable_title, tells_apart

PERSONAL_DESCRIPTION_KINDS = ("praised_aspect", "shared_category", "shared_brand", "similar_history_text",
                              "model_related", "popular_with_similar")
TITLE_FILLER = frozenset(
    "with from that this your pack size inch inches color black white each pcs piece pieces quality "
    "compatible includes high great best more other also only over under into than they have will "
    "made used uses using ideal perfect".split())
RATING_TERMS = ("star", "stars", "rate", "rated", "rater", "rating", "ratings", "review", "reviews")
# Words the checker reads as claims, prices, opinions or counts: never an interest term.
CHECKED_WORDS = frozenset(
    w for phrases in (*lx.PRICE_WORDS.values(), *(p for _, p in lx.CLAIMS),
                      *(p for _, p, _ in lx.NEEDS_KINDS), RATING_TERMS, *lx.ASPECT_FORMS.values(),
                      lx.SELF_POLAR, lx.POSITIVE, lx.NEGATIVE,
                      lx.NEGATORS,
                      lx.NUMBER_WORDS, lx.ORDINALS, lx.VAGUE_COUNTS)
    for phrase in phrases for w in re.findall(r"[a-z]+", phrase))


def build_evidence(ctx: EvidenceContext, user_index: int, item_index: int) -> Evidence:
    """Facts for "why recommend `item` to `user`", strongest kinds first (see REASON_KINDS)."""
    ctx.check_user(user_index)
    ctx.check_item(item_index)
    u, i = user_index, item_index
    history = ctx.history(u)
    history = history[history != i]
    facts: list[Fact] = []
    category, brand = ctx.categories[i], ctx.brands[i]

    explanation = ctx.explain(u, i) if ctx.explain is not None else None
    sequence_fact = sequence_history_fact(ctx, explanation, history)
    for kind, space, how in (("similar_history_text", ctx.item_text, "by product description"),
                             ("similar_history_mf", ctx.item_factors, "by who buys it")):
        if kind == "similar_history_mf" and sequence_fact is not None:
            facts.append(sequence_fact)
        elif space is not None and len(history):
            sims = space[history] @ space[i]  # (len(history),)
            best = _citable_best(ctx, history, sims, i)
            if best is not None:
                title = ctx.titles[history[best]]
                facts.append(Fact(kind, title, round(float(sims[best]), 3),
                                  f'The shopper bought "{title}", the closest item they own {how}.'))
    in_category = int((ctx.categories[history] == category).sum()) if category else 0
    if in_category:
        facts.append(Fact("shared_category", category, in_category,
                          f"The shopper has bought {_items(in_category)} in {category}."))
    same_brand = int((ctx.brands[history] == brand).sum()) if brand else 0
    if same_brand:
        facts.append(Fact("shared_brand", brand, same_brand,
                          f"The shopper has bought {_items(same_brand)} from {brand}."))
    if ctx.bands[i] >= 0 and ctx.user_band[u] >= 0:
        band, usual = BANDS[ctx.bands[i]], BANDS[ctx.user_band[u]]
        facts.append(Fact("price_band", band, usual,
                          f"The item is {BAND_PHRASES[band]} for {category or 'the shop'}; the shopper "
                          "usually buys "
                          f"{BAND_PHRASES[usual]} items."))
    cared = ctx.user_aspects[u]
    for aspect, praises in _praised(ctx.item_aspects[i])[:4]:
        if aspect in cared and len([f for f in facts if f.kind == "praised_aspect"]) < 2:
            facts.append(Fact("praised_aspect", aspect, praises,
                              f"Reviews of the item praise its {aspect}, which the shopper writes about "
                              f"in their own reviews."))
    neighbours = ctx.neighbours(u)
    if len(neighbours):
        bought = int(ctx.train[neighbours, i].sum())
        if bought:
            share = bought / len(neighbours)
            facts.append(Fact("popular_with_similar", "similar shoppers", round(share, 3),
                              f"{bought} of the shopper's {len(neighbours)} most similar shoppers bought it "
                              f"({percent(share)})."))
    if explanation is not None:
        related = _related(ctx, explanation)
        named = {f.key for f in related}  # the model's own reason wins over the same title by similarity
        facts = [f for f in facts if not (f.kind in HISTORY_KINDS and f.key in named)] + related
        facts.extend(_contributions(explanation))
    return _evidence(ctx, "reason", u, i, facts)


def sequence_history_fact(ctx: EvidenceContext, explanation: Explanation | None,
                          history: np.ndarray) -> Fact | None:
    """For a sequential model (SASRec), the "who buys it" history fact names the history item its
    explanation found most influential (the first related item), not the nearest item vector: what
    such a model learns is which purchases lead to which. None for other models or without one."""
    from llmrec.models.base import SequentialModel
    from llmrec.models.registry import model_names

    if explanation is None or explanation.model not in model_names(SequentialModel):
        return None
    for related in explanation.related_items:
        title = ctx.titles[related.item]
        if related.item in history and _quotable(ctx, related.item, explanation.item):
            return Fact("similar_history_mf", title, round(float(related.similarity), 3),
                        f'The shopper bought "{title}"; in the model, that purchase raises this '
                        "item's score the most (shoppers who bought it often bought this next).")
    return None


def portrait_evidence(ctx: EvidenceContext, user_index: int) -> Evidence:
    """Facts describing a shopper: top categories and brands, usual band, ratings, review aspects."""
    ctx.check_user(user_index)
    u = user_index
    history = ctx.history(u)
    facts: list[Fact] = []
    categories = ctx.categories[history]
    for category, n in _top_counts(categories[categories != ""], 3):
        facts.append(Fact("top_category", category, n, f"The shopper bought {_items(n)} in {category}."))
    brands = ctx.brands[history]
    for brand, n in _top_counts(brands[brands != ""], 2):
        if n >= 2:
            facts.append(Fact("top_brand", brand, n, f"The shopper bought {_items(n)} from {brand}."))
    band_of = ctx.bands[history]
    band_of = band_of[band_of >= 0]
    if len(band_of) and ctx.user_band[u] >= 0:
        band = BANDS[ctx.user_band[u]]
        share = float((band_of == ctx.user_band[u]).mean())
        facts.append(Fact("usual_price_band", band, round(share, 3),
                          f"Most of the shopper's purchases are {BAND_PHRASES[band]} for their category."))
    if ctx.user_rating_count[u]:
        mean, n = float(ctx.user_rating_mean[u]), int(ctx.user_rating_count[u])
        label = "generous" if mean >= 4.2 else ("critical" if mean <= 3.0 else "balanced")
        facts.append(Fact("rating_behaviour", label, round(mean, 1),
                          f"The shopper's {n} review{'s' if n != 1 else ''} average {mean:.1f} stars: "
                          f"a {label} rater."))
    aspects = ctx.user_aspects[u]
    for aspect, praises in _praised(aspects)[:3]:
        facts.append(Fact("user_praises", aspect, praises, f"In their reviews the shopper praises {aspect}."))
    criticised = sorted(((a, c[2]) for a, c in aspects.items() if c[2] > c[1]), key=lambda t: (-t[1], t[0]))
    for aspect, criticisms in criticised[:2]:
        facts.append(Fact("user_criticises", aspect, criticisms,
                          f"In their reviews the shopper criticises {aspect}."))
    if not any(f.kind == "top_category" for f in facts):  # no categories: say what the titles share
        for term, n in interest_terms(ctx.titles[history], 3, ctx.common_words):
            facts.append(Fact("interest_term", term, n, f"{_items(n)} the shopper bought mention {term}."))
    for typical in _typical_items(ctx, history, 2):
        title = str(ctx.titles[typical])
        facts.append(Fact("owned_item", title, len(history),
                          f'The shopper bought "{title}", one of the items most typical of their history.'))
    if not facts and len(history):  # e.g. only untitled items: how much they bought is all there is
        facts.append(Fact("history_size", "orders", len(history),
                          f"The shopper has bought {_items(len(history))}."))
    return _evidence(ctx, "portrait", u, None, facts)


def description_evidence(ctx: EvidenceContext, user_index: int, item_index: int) -> Evidence:
    """The item's own facts, then what this shopper cares about that the item offers."""
    ctx.check_user(user_index)
    ctx.check_item(item_index)
    i = item_index
    category, brand = ctx.categories[i], ctx.brands[i]
    shelf = ctx.category_lists[i][-1] if ctx.category_lists[i] else category
    facts = [Fact("item_category", category, shelf,
                  f"The item is in {category}" + (f" ({shelf})." if shelf != category else "."))] \
        if category else []
    if brand:
        facts.append(Fact("item_brand", brand, brand, f"The item is made by {brand}."))
    if ctx.bands[i] >= 0:
        band = BANDS[ctx.bands[i]]
        facts.append(Fact("item_price_band", band, category,
                          f"The item is {BAND_PHRASES[band]} for {category or 'the shop'}."))
    for aspect, praises in _praised(ctx.item_aspects[i])[:2]:
        facts.append(Fact("item_praised_aspect", aspect, praises,
                          f"Reviews of the item praise its {aspect}."))
    for name, value in list(ctx.attributes[i].items())[:3]:
        label = name.replace("_", " ")
        facts.append(Fact("item_attribute", label, value, f"Its {label} is {value}."))
    personal = build_evidence(ctx, user_index, item_index)
    facts += [f for f in personal.facts if f.kind in PERSONAL_DESCRIPTION_KINDS]
    return _evidence(ctx, "description", user_index, i, facts)


def _evidence(ctx: EvidenceContext, task: str, u: int, i: int | None, facts: list[Fact]) -> Evidence:
    if i is None:
        return Evidence(task=task, user_index=u, user_id=str(ctx.ids.users[u]), facts=tuple(facts))
    return Evidence(
        task=task, user_index=u, user_id=str(ctx.ids.users[u]), facts=tuple(facts), item_index=i,
        item_id=str(ctx.ids.items[i]), item_title=str(ctx.titles[i]),
        item_category=str(ctx.categories[i]) or None,
        item_categories=ctx.category_lists[i], item_brand=str(ctx.brands[i]) or None,
        item_band=BANDS[ctx.bands[i]] if ctx.bands[i] >= 0 else None)


def _citable_best(ctx: EvidenceContext, history: np.ndarray, sims: np.ndarray, item: int) -> int | None:
    """Position in `history` of the most similar item whose title a text can quote and tell apart
    from the item's own title (see `_quotable`); None when no positively similar one can."""
    for j in np.argsort(-sims, kind="stable"):
        if sims[j] <= 0:
            return None
        if _quotable(ctx, history[j], item):
            return int(j)
    return None


def _quotable(ctx: EvidenceContext, owned: int, item: int) -> bool:
    """Whether a text about `item` may quote the title of `owned`: a real title whose quoted
    shortening has two words the item's title lacks (else the sentence cites nothing checkable)."""
    title = ctx.titles[owned]
    return citable_title(title, ctx.ids.items[owned]) and tells_apart(title, ctx.titles[item])


def _related(ctx: EvidenceContext, explanation: Explanation) -> list[Fact]:
    """The history items the model's own explanation names (a sequential model's influential
    history, a kNN model's neighbours), strongest first, at most two."""
    seen: set[str] = set()
    out = []
    for related in sorted(explanation.related_items, key=lambda r: -r.similarity):
        if not 0 <= related.item < len(ctx.titles) or related.item == explanation.item:
            continue
        title = str(ctx.titles[related.item])
        if _quotable(ctx, related.item, explanation.item) and title not in seen and len(out) < 2:
            seen.add(title)
            out.append(Fact("model_related", title, round(float(related.similarity), 3),
                            f'The {explanation.model} model scored the item highly because the shopper '
                            f'bought "{title}".'))
    return out


def interest_terms(titles: np.ndarray, k: int, common: frozenset[str] = frozenset()) -> list[tuple[str, int]]:
    """Words (alphabetic, 4+ letters, not filler, not `common` to the whole catalogue) shared by at
    least two of the titles, most shared first: what a shopper's history is about when the shop has
    no categories."""
    counts: dict[str, int] = {}
    for title in titles:
        for word in set(re.findall(r"[a-z]{4,}", str(title).lower())) - TITLE_FILLER - CHECKED_WORDS - common:
            counts[word] = counts.get(word, 0) + 1
    ranked = sorted(((w, n) for w, n in counts.items() if n >= 2), key=lambda t: (-t[1], t[0]))
    return ranked[:k]


def _typical_items(ctx: EvidenceContext, history: np.ndarray, k: int) -> list[int]:
    """Up to `k` history items with citable titles closest to the mean text vector of the history
    (history order without text vectors)."""
    history = np.array([h for h in history if citable_title(ctx.titles[h], ctx.ids.items[h])], dtype=np.int64)
    if len(history) == 0 or ctx.item_text is None:
        return [int(h) for h in history[:k]]
    vectors = ctx.item_text[history]  # (len(history), d)
    return [int(history[j]) for j in top_indices(vectors @ vectors.mean(axis=0), min(k, len(history)))]


def _contributions(explanation: Explanation) -> list[Fact]:
    """The two largest positive score parts of a model's explanation (ids and related items are not
    parts, so they never become "contributions")."""
    parts = [(name, value) for name, value in explanation.parts.items() if np.isfinite(value) and value > 0]
    parts.sort(key=lambda t: -t[1])
    return [Fact("score_contribution", name.replace("_", " "), round(value, 3),
                 f"The model's {name.replace('_', ' ')} term raised the score by {value:.2f}.")
            for name, value in parts[:2]]


def _praised(aspects: dict[str, tuple[int, int, int]]) -> list[tuple[str, int]]:
    """Aspects praised more than criticised, most praised first."""
    return sorted(((a, c[1]) for a, c in aspects.items() if c[1] > c[2]), key=lambda t: (-t[1], t[0]))


def _top_counts(values: np.ndarray, k: int) -> list[tuple[str, int]]:
    if len(values) == 0:
        return []
    names, counts = np.unique(values, return_counts=True)
    order = sorted(range(len(names)), key=lambda j: (-counts[j], names[j]))
    return [(str(names[j]), int(counts[j])) for j in order[:k]]


def _items(n: int) -> str:
    return f"{n} item" if n == 1 else f"{n} items"

