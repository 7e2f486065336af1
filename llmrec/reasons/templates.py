"""Deterministic template sentences from evidence facts: instant, always grounded, varied across pairs.

Each fact kind has several phrasings (independent clauses); which one a text uses is decided by a
hash of (user, item, task), so the same request always gets the same words while different pairs
read differently. Templates are the fallback for every LLM sentence that fails validation.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace

from llmrec.reasons.facts import HISTORY_KINDS, Evidence, Fact, percent, similar_counts
from llmrec.reasons.sentences import MAX_WORDS, clean_sentence_problems
from llmrec.reasons.titles import TITLE_WORDS, short_title

TEMPLATE_VERSION = "templates-v2"
BAND_LABEL = {"budget": "budget", "mid": "mid-range", "premium": "premium"}

# Reason clauses: second person, independent, no final punctuation. Fields: see _fields().
REASON_CLAUSES: dict[str, tuple[str, ...]] = {
    "similar_history_text": (
        'it reads much like "{key}", which you already own',
        'its description is close to "{key}" from your past orders',
        'it is described much like "{key}", which you bought',
    ),
    "similar_history_mf": (
        'people who buy "{key}", which you own, tend to buy it too',
        'it shares its buyers with "{key}" from your order history',
        'shoppers who bought "{key}" as you did often pick it as well',
    ),
    "shared_category": (
        "you have bought {n_items} in {key}",
        "{key} is a category you keep coming back to",
        "it fits your interest in {key}",
    ),
    "shared_brand": (
        "you have bought {n_items} from {key} before",
        "it comes from {key}, a brand you already buy",
        "it is made by {key}, which you have chosen before",
    ),
    "price_band": (
        "it sits in the {label} price range you usually shop in",
        "it is a {label} pick for {category}, like most of what you buy",
        "its {label} price matches your usual spending",
    ),
    "price_band_other": (
        "it is a {label} option for {category}",
        "it offers a {label} choice in {category}",
        "it is priced as a {label} item for {category}",
    ),
    "praised_aspect": (
        "reviewers praise its {key}, something you care about",
        "its {key} earns praise in reviews, which matters to you",
        "reviews single out its {key}, an aspect you often write about",
    ),
    "popular_with_similar": (
        "it was bought by {k} of your {n} most similar shoppers",
        "shoppers with similar tastes to yours bought it ({pct})",
        "it is a favourite of similar shoppers, {pct} of whom bought it",
    ),
    "model_related": (
        'it follows on from "{key}" in your order history',
        'the model links it to "{key}", which you bought',
        'your purchase of "{key}" points the model to it',
    ),
    "score_contribution": (
        "the model's {key} signal ranks it highly for you",
        "its {key} component puts it near the top of your list",
        "our model's {key} term speaks strongly for it",
    ),
}
REASON_ORDER = ("model_related", "praised_aspect", "similar_history_text", "shared_brand",
                "popular_with_similar", "shared_category", "similar_history_mf", "price_band",
                "score_contribution")
REASON_OPENERS = ("Recommended because ", "We picked this for you because ", "Suggested because ",
                  "This could suit you because ", "")
CONNECTORS = (", and ", "; also, ", ", and ")

PORTRAIT_INTERESTS = ("This shopper's orders keep returning to {terms}",
                      "Many of this shopper's purchases are about {terms}",
                      "{terms} come up again and again in this shopper's orders")
# Five words besides the title: a sentence quoting a short title ("Uranium Ore") is still long enough.
PORTRAIT_OWNED = ('A typical purchase of theirs is "{title}"', 'They have bought "{title}" in the past',
                  'An item that sums up their history is "{title}"')
PORTRAIT_ALSO_OWNED = ('Their past orders also include "{title}"', 'They have also bought "{title}" before')
PORTRAIT_LAST_TERM = "Their past purchases also often mention {term}"
PORTRAIT_CATEGORY = ("This shopper mostly buys items in {cats}",
                     "Most of this shopper's orders are in {cats}",
                     "{cats} make up most of this shopper's purchases")
PORTRAIT_BRAND = (", often from {brands}", ", with a soft spot for {brands}", ", returning to {brands}")
PORTRAIT_BAND = ("They usually shop in the {label} price range", "Their purchases are mostly {label} for "
                 "their category", "They tend to choose {label} products")
PORTRAIT_RATING = ("They are a {rating} rater, averaging {mean} stars in reviews",
                   "Their reviews average {mean} stars, which makes them a {rating} rater",
                   "As a reviewer they are {rating}, with an average of {mean} stars")
PORTRAIT_ASPECTS = ("In their reviews they praise {praised}", "Their reviews speak well of {praised}",
                    "In reviews they write approvingly about {praised}")
PORTRAIT_CRITICISM = (" but criticise {criticised}", " and complain about {criticised}")
PORTRAIT_CRITICISM_ONLY = ("Their reviews often complain about {criticised}",
                           "In their reviews they criticise {criticised}")

DESCRIPTION_SUBJECT = ("This {band}{category} pick{brand}", "This {band}item in {category}{brand}",
                       "This {band}{category} find{brand}")
DESCRIPTION_SUBJECT_PLAIN = ("This {band}pick{brand}", "This {band}item{brand}", "This {band}find{brand}")
DESCRIPTION_LINK = (" is worth a look, as {clause}", " stands out for you because {clause}",
                    " suits you well: {clause}")
DESCRIPTION_CLAUSES: dict[str, tuple[str, ...]] = {
    "praised_aspect": ("reviewers praise its {key}, which you care about",
                       "its {key} earns praise in reviews, and you value {key}"),
    "shared_brand": ("you already own {n_items} from {key}", "{key} is a brand you have bought before"),
    "shared_category": ("it suits your interest in {key}", "you have bought {n_items} in {key}"),
    "item_praised_aspect": ("reviews praise its {key}", "its {key} is well reviewed"),
    "item_attribute": ("its {key} is {value}", "it comes with {key} {value}"),
    "similar_history_text": ('it is much like "{key}", which you own',
                             'it is close to "{key}" from your orders'),
    "model_related": ('it follows on from "{key}", which you bought',
                      'the model links it to "{key}" from your orders'),
    "popular_with_similar": ("{k} of your {n} most similar shoppers bought it",
                             "shoppers with tastes like yours bought it ({pct})"),
}
# When the subject already names the brand, the brand clause does not repeat it.
DESCRIPTION_BRAND_NAMED = ("you already own {n_items} from this brand",
                           "it comes from a brand you have bought before")
DESCRIPTION_ORDER = ("praised_aspect", "shared_brand", "item_praised_aspect", "model_related",
                     "shared_category", "similar_history_text", "popular_with_similar", "item_attribute")


class TemplateGenerator:
    """Writes every task from facts alone; `generate` follows the generator protocol of the service."""

    identity = "template"
    prompt_version = TEMPLATE_VERSION

    def generate(self, evidences: Sequence[Evidence]) -> list[str]:
        return [self.write(ev) for ev in evidences]

    def write(self, evidence: Evidence) -> str:
        """The preferred text: the first clean one of `options`."""
        return _first_fitting(self.options(evidence))

    def options(self, evidence: Evidence) -> list[str]:
        """Every text the templates can write for the evidence, preferred first (the service shows
        the first one its validator passes)."""
        if evidence.task == "portrait":
            flipped = replace(evidence, facts=tuple(reversed(evidence.facts)))  # the other owned item first
            return list(dict.fromkeys(self.portrait(ev, title_words=words) for ev in (evidence, flipped)
                                      for words in (TITLE_WORDS, -14, 0)))
        writer = self.reason if evidence.task == "reason" else self.description
        # Longer titles when a short one does not cite its fact: 14 words uncut, then whole titles.
        out = [c for words in (TITLE_WORDS, -14, 0) for c in writer(evidence, title_words=words)]
        return [_finish(c) for c in dict.fromkeys(out)]

    def reason(self, ev: Evidence, title_words: int = TITLE_WORDS) -> list[str]:
        """Candidate sentences: the strongest fact joined with a second fact of another kind, the
        strongest fact alone in each phrasing, then each other fact alone."""
        facts = _ordered(ev.facts, REASON_ORDER)
        if not facts:
            return [f"Recommended as a popular pick in {ev.item_category or 'the shop'} right now."]
        primary = facts[0]
        others = [f for f in facts[1:5] if f.kind != primary.kind and f.key != primary.key]
        opener = _choose(REASON_OPENERS, ev, "opener")
        first = self._clause(primary, ev, title_words)
        candidates = []
        if others:
            secondary = others[_hash(ev, "secondary") % len(others)]
            connector = _choose(CONNECTORS, ev, "connector")
            candidates.append(opener + first + connector + self._clause(secondary, ev, title_words))
        candidates.append(opener + first)
        for fact in facts:
            candidates += [opener + _fill(c, fact, ev, title_words) for c in _reason_options(fact, ev)]
        return candidates

    def portrait(self, ev: Evidence, title_words: int = TITLE_WORDS) -> str:
        """Two to three sentences: what they buy, how they spend and rate, what their reviews say."""
        sentences = []
        terms = [f.key for f in ev.of_kind("interest_term")]
        cats = [f.key for f in ev.of_kind("top_category")]
        brands = [f.key for f in ev.of_kind("top_brand")]
        if cats:
            s = _choose(PORTRAIT_CATEGORY, ev, "cats").format(cats=_join(cats))
            if brands:
                s += _choose(PORTRAIT_BRAND, ev, "brands").format(brands=_join(brands))
            sentences.append(s)
        elif brands:
            sentences.append(f"This shopper keeps coming back to {_join(brands)}")
        elif terms:
            sentences.append(_choose(PORTRAIT_INTERESTS, ev, "terms").format(terms=_join(terms)))
        band = ev.of_kind("usual_price_band")
        rating = ev.of_kind("rating_behaviour")
        if band:
            s = _choose(PORTRAIT_BAND, ev, "band").format(label=BAND_LABEL[band[0].key])
            if rating:
                s += f", and they are a {rating[0].key} rater"
            sentences.append(s)
        elif rating:
            sentences.append(_choose(PORTRAIT_RATING, ev, "rating").format(
                rating=rating[0].key, mean=f"{float(rating[0].value):.1f}"))
        praised = [f.key for f in ev.of_kind("user_praises")]
        criticised = [f.key for f in ev.of_kind("user_criticises")]
        if praised:
            s = _choose(PORTRAIT_ASPECTS, ev, "praised").format(praised=_join(praised))
            if criticised:
                s += _choose(PORTRAIT_CRITICISM, ev, "criticised").format(criticised=_join(criticised))
            sentences.append(s)
        elif criticised:
            sentences.append(_choose(PORTRAIT_CRITICISM_ONLY, ev, "criticised").format(
                criticised=_join(criticised)))
        owned = ev.of_kind("owned_item")  # what they bought, when little else is known
        if owned and len(sentences) < 2:
            phrasings = [_choose(PORTRAIT_OWNED, ev, "owned"), _choose(PORTRAIT_ALSO_OWNED, ev, "also")]
            for fact, phrasing in zip(owned[:2 - len(sentences)], phrasings, strict=False):
                sentences.append(phrasing.format(title=short_title(fact.key, title_words)))
        if len(sentences) == 1 and len(terms) >= 2 and not (cats or brands):
            # Interest terms are all there is: one sentence would be too few, so the last term gets its own.
            sentences = [_choose(PORTRAIT_INTERESTS, ev, "terms").format(terms=_join(terms[:-1])),
                         PORTRAIT_LAST_TERM.format(term=terms[-1])]
        size = ev.of_kind("history_size")
        if not sentences and size:
            sentences.append(f"This shopper has bought {_fields(size[0], ev)['n_items']} so far")
        if not sentences:
            return "This shopper has no purchase history to describe yet."
        sentences = [_finish(s) for s in sentences[:3]]
        return " ".join(s for s in sentences if not clean_sentence_problems(s))

    def description(self, ev: Evidence, title_words: int = TITLE_WORDS) -> list[str]:
        """Candidate sentences: the item's category, band and brand, then a fact personal to the user."""
        brand = ev.of_kind("item_brand")
        band = ev.of_kind("item_price_band")
        subjects = DESCRIPTION_SUBJECT if ev.item_category else DESCRIPTION_SUBJECT_PLAIN
        subject = _choose(subjects, ev, "subject").format(
            band=f"{BAND_LABEL[band[0].key]} " if band else "",
            category=ev.item_category or "",
            brand=f" from {brand[0].key}" if brand else "")
        facts = _ordered(ev.facts, DESCRIPTION_ORDER)
        candidates = []
        for fact in facts:
            options = DESCRIPTION_BRAND_NAMED if fact.kind == "shared_brand" and brand \
                else DESCRIPTION_CLAUSES[fact.kind]
            for option in _rotate(options, _hash(ev, "clause")):
                clause = _fill(option, fact, ev, title_words)
                candidates.append(subject + _choose(DESCRIPTION_LINK, ev, "link").format(clause=clause))
        candidates.append(subject + " is one to consider in your next order")
        return candidates

    def _clause(self, fact: Fact, ev: Evidence, title_words: int = TITLE_WORDS) -> str:
        return _fill(_choose(_reason_options(fact, ev), ev, fact.kind), fact, ev, title_words)


def _reason_options(fact: Fact, ev: Evidence) -> tuple[str, ...]:
    if fact.kind == "price_band" and fact.key != fact.value:
        return REASON_CLAUSES["price_band_other"]
    return REASON_CLAUSES[fact.kind]


def _fill(template: str, fact: Fact, ev: Evidence, title_words: int = TITLE_WORDS) -> str:
    return template.format(**_fields(fact, ev, title_words))


def _fields(fact: Fact, ev: Evidence, title_words: int = TITLE_WORDS) -> dict[str, str]:
    value = fact.value
    key = short_title(fact.key, title_words) if fact.kind in HISTORY_KINDS else fact.key
    fields = {"key": key, "value": str(value), "category": ev.item_category or "the shop",
              "label": BAND_LABEL.get(fact.key, fact.key)}
    if isinstance(value, int):
        fields["n_items"] = f"{value} item" if value == 1 else f"{value} items"
    if fact.kind == "popular_with_similar":
        k, n = similar_counts(fact)
        fields.update(k=str(k), n=str(n), pct=percent(float(value)))
    return fields


def _ordered(facts: Sequence[Fact], order: Sequence[str]) -> list[Fact]:
    rank = {kind: r for r, kind in enumerate(order)}
    return sorted((f for f in facts if f.kind in rank), key=lambda f: rank[f.kind])


def _first_fitting(candidates: list[str]) -> str:
    """The first candidate that is a clean sentence (length, no repeated words or phrases); the
    last one regardless."""
    for candidate in candidates:
        if len(candidate.split()) <= MAX_WORDS and not clean_sentence_problems(_finish(candidate)):
            return _finish(candidate)
    return _finish(candidates[-1])


def _finish(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _hash(ev: Evidence, salt: str) -> int:
    digest = hashlib.blake2b(f"{ev.user_id}|{ev.item_id}|{ev.task}|{salt}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big")


def _choose(options: Sequence[str], ev: Evidence, salt: str) -> str:
    return options[_hash(ev, salt) % len(options)]


def _rotate(options: Sequence[str], start: int) -> list[str]:
    start %= len(options)
    return list(options[start:]) + list(options[:start])
