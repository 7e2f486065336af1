"""Product aspects mentioned in review text, and the sentiment expressed about each.

A transparent lexicon approach: each aspect has surface forms; a mention takes the polarity of
the opinion words in a window around it (negation flips it). It is explainable to merchandisers
("praises battery life") and fast enough for every review of a catalogue.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# Canonical aspect -> surface forms (lower case, matched on word boundaries).
ASPECTS: dict[str, tuple[str, ...]] = {
    "quality": ("quality", "well made", "well-made", "craftsmanship", "build quality", "sturdy", "flimsy"),
    "price": ("price", "value", "cost", "worth the money", "expensive", "cheap", "affordable"),
    "durability": ("durability", "durable", "lasted", "lasts", "broke", "broken", "wear"),
    "ease of use": ("easy to use", "ease of use", "intuitive", "setup", "set up", "instructions"),
    "design": ("design", "look", "looks", "style", "stylish", "color", "colour", "finish"),
    "size": ("size", "fit", "fits", "too small", "too big", "compact", "dimensions"),
    "comfort": ("comfort", "comfortable", "soft", "ergonomic"),
    "performance": ("performance", "performs", "powerful", "fast", "speed", "works great", "accurate",
                    "accuracy"),
    "battery": ("battery", "battery life", "charge", "charging"),
    "shipping": ("shipping", "delivery", "arrived", "packaging", "package"),
    "noise": ("noise", "noisy", "quiet", "loud"),
    "taste": ("taste", "flavor", "flavour", "delicious", "smell", "scent"),
}

POSITIVE = frozenset(
    "good great excellent love loved perfect amazing awesome nice happy impressed sturdy solid "
    "comfortable easy quiet fast reliable best fantastic beautiful recommend durable accurate "
    "worth affordable delicious soft stylish intuitive powerful well pleased superb".split())
NEGATIVE = frozenset(
    "bad poor terrible awful hate hated broke broken cheap flimsy disappointed disappointing "
    "worst useless noisy loud slow difficult hard uncomfortable overpriced expensive weak "
    "defective returned return waste annoying leaked leaks failed fails horrible mediocre".split())
NEGATIONS = frozenset("not no never hardly barely isn't wasn't doesn't didn't don't aren't".split())

_WORD = re.compile(r"[a-z']+")
_PATTERNS = [
    (aspect, re.compile(r"\b(" + "|".join(map(re.escape, sorted(forms, key=len, reverse=True))) + r")\b"))
    for aspect, forms in ASPECTS.items()
]


@dataclass(frozen=True)
class AspectMention:
    aspect: str
    polarity: int  # +1 praise, -1 criticism, 0 neutral mention


def sentence_polarity(words: list[str]) -> int:
    """Sum of opinion words, each flipped when one of the two words before it is a negation."""
    score = 0
    for i, word in enumerate(words):
        value = (word in POSITIVE) - (word in NEGATIVE)
        if value and any(w in NEGATIONS for w in words[max(0, i - 2):i]):
            value = -value
        score += value
    return score


def extract_aspects(text: str, rating: float | None = None) -> list[AspectMention]:
    """Aspects mentioned in `text`, each with the polarity of the clause that mentions it.

    When the clause carries no opinion word, the review rating (if given) decides: 4-5 praise,
    1-2 criticism, 3 neutral.
    """
    mentions: list[AspectMention] = []
    for clause in re.split(r"[.!?;]|\bbut\b|\bhowever\b", text.lower()):
        words = _WORD.findall(clause)
        if not words:
            continue
        polarity = sentence_polarity(words)
        for aspect, pattern in _PATTERNS:
            if pattern.search(clause):
                if polarity == 0 and rating is not None and rating == rating:
                    sign = 1 if rating >= 4 else (-1 if rating <= 2 else 0)
                else:
                    sign = (polarity > 0) - (polarity < 0)
                mentions.append(AspectMention(aspect, sign))
    return mentions


def aspect_counts(texts: Iterable[str], ratings: Iterable[float | None]) -> dict[str, tuple[int, int, int]]:
    """aspect -> (mentions, praises, criticisms) over many reviews."""
    counts: dict[str, list[int]] = {}
    for text, rating in zip(texts, ratings, strict=False):
        for mention in extract_aspects(text or "", rating):
            c = counts.setdefault(mention.aspect, [0, 0, 0])
            c[0] += 1
            c[1] += mention.polarity > 0
            c[2] += mention.polarity < 0
    return {a: (c[0], c[1], c[2]) for a, c in counts.items()}
