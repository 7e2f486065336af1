"""The sentence checker: a generated sentence is shown only if it is clean and grounded in its evidence.

Rules, each failing with a plain reason:

* clean: starts with a capital letter (an opening quote may precede it), ends with . ! or ?, has
  6-40 words, no URL / e-mail, no markup characters, no word said twice in a row, no repeated
  four-word phrase;
* grounded: cites at least one evidence fact (see `cites`);
* invents nothing: names no catalogue product title, brand or category outside the evidence, and no
  number or price that the evidence texts or the allowed titles do not contain;
* contradicts nothing: budget words for a premium item (or the reverse) are rejected, and a
  category outside the evidence counts as a contradiction of the item's category.

Matching is case-insensitive on word boundaries, with a plural "s"/"es" tolerated. The checker is
strict on purpose: a false rejection only costs a template sentence, a false acceptance shows an
invented claim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from llmrec.portraits.aspects import ASPECTS
from llmrec.reasons.evidence import (
    ASPECT_KINDS,
    BAND_KINDS,
    BRAND_KINDS,
    CATEGORY_KINDS,
    HISTORY_KINDS,
    Evidence,
    Fact,
)

MIN_WORDS, MAX_WORDS = 6, 40
BAND_WORDS: dict[str, tuple[str, ...]] = {
    "budget": ("budget", "budget-priced", "affordable", "inexpensive", "low-priced", "low-cost", "cheap",
               "bargain", "lower-priced", "low price"),
    "mid": ("mid-priced", "mid-range", "midrange", "mid price", "moderately priced", "mid-market",
            "middle price", "mid-price"),
    "premium": ("premium", "premium-priced", "high-end", "luxury", "upmarket", "pricey", "expensive",
                "higher-priced", "top-end"),
}
SIMILAR_SHOPPERS = re.compile(
    r"\b(similar|like-minded|comparable)\s+(shoppers|customers|buyers|users|people)\b"
    r"|\b(shoppers|customers|buyers|people)\s+(like you|with similar)\b")
RATING_WORDS = re.compile(r"\b(rat(e|es|ed|er|ing|ings)|stars?|reviews?)\b")
STOPWORDS = frozenset(
    "a an and are as at be by for from has have in is it its of on or the to with this that your you "
    "new set pack one two size".split())
_NUMBER = re.compile(r"(?<![\w.])([$€£]\s?)?(\d+(?:[.,]\d+)*)(%?)")
_URL = re.compile(r"https?://|www\.|\b[\w.-]+@[\w-]+\.\w+|\b\w+\.(com|net|org|io)\b", re.IGNORECASE)
_MARKUP = re.compile(r"[<>*#`\[\]{}|\\^~]|__")
_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"'”’)]))\s+(?=[\"'“‘A-Z])")
_WORD = re.compile(r"[a-z0-9][a-z0-9'&+-]*")


@dataclass(frozen=True)
class ValidationResult:
    """ok when `reasons` is empty; `cited_facts` are the evidence facts the sentence states."""

    ok: bool
    reasons: list[str] = field(default_factory=list)
    cited_facts: list[Fact] = field(default_factory=list)


class Catalogue:
    """The names a sentence could invent: product titles, brands and categories of the whole shop."""

    def __init__(self, titles, brands, categories) -> None:
        # Single-word or very short titles ("Lamp") are too generic to be called product names.
        self.titles = sorted({_norm(t) for t in titles if len(str(t).split()) >= 2 and len(str(t)) >= 8},
                             key=len, reverse=True)
        self.brands = {_norm(b) for b in brands if len(str(b).strip()) >= 2}
        self.categories = {_norm(c) for c in categories if len(str(c).strip()) >= 3}
        self._brand_re = _alternation(self.brands)
        self._category_re = _alternation(self.categories)

    @classmethod
    def from_items(cls, items: pd.DataFrame) -> Catalogue:
        """From a canonical items table (title, brand, category, categories)."""
        categories = set(items["category"].dropna().astype(str))
        for values in items["categories"]:
            categories.update(str(v) for v in values)
        return cls(items["title"].dropna().astype(str), items["brand"].dropna().astype(str), categories)

    @classmethod
    def from_context(cls, ctx) -> Catalogue:
        """From an EvidenceContext's item arrays."""
        categories = set(ctx.categories) | {c for cs in ctx.category_lists for c in cs}
        return cls(ctx.titles, ctx.brands, categories)

    def brands_in(self, text: str) -> set[str]:
        return {m.group(1) for m in self._brand_re.finditer(text)} if self._brand_re else set()

    def categories_in(self, text: str) -> set[str]:
        return {m.group(1) for m in self._category_re.finditer(text)} if self._category_re else set()

    def titles_in(self, text: str) -> list[str]:
        return [t for t in self.titles if t in text and re.search(rf"(?<!\w){re.escape(t)}(?!\w)", text)]


class Validator:
    """`validate` bound to one catalogue (its name patterns are compiled once)."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue

    def __call__(self, sentence: str, evidence: Evidence) -> ValidationResult:
        return validate(sentence, evidence, self.catalogue)


def validate(sentence: str, evidence: Evidence, catalogue: Catalogue) -> ValidationResult:
    """Check one sentence against its evidence and the catalogue; collect every failed rule."""
    reasons = clean_sentence_problems(sentence)
    text = _norm(sentence)
    allowed_titles = [_norm(t) for t in _allowed_titles(evidence)]
    rest = text
    for title in sorted(allowed_titles, key=len, reverse=True):
        rest = rest.replace(title, " ")

    for title in catalogue.titles_in(rest):
        reasons.append(f"names a product not in the evidence: '{title}'")
    allowed_brands = {_norm(b) for b in _allowed_brands(evidence)}
    for brand in sorted(catalogue.brands_in(rest) - allowed_brands):
        reasons.append(f"names a brand not in the evidence: '{brand}'")
    allowed_categories = {_norm(c) for c in _allowed_categories(evidence)}
    for category in sorted(catalogue.categories_in(rest) - allowed_categories):
        subject = (f"the item is in '{evidence.item_category}'" if evidence.item_category
                   else "it is not in the evidence")
        reasons.append(f"contradicts the category: names '{category}' but {subject}")
    allowed_numbers = _allowed_numbers(evidence)
    for match in _NUMBER.finditer(rest):
        currency, digits = match.group(1), match.group(2)
        if _number(digits) not in allowed_numbers:
            what = "price" if currency else "number"
            reasons.append(f"states a {what} absent from the evidence: '{match.group(0).strip()}'")
    band = evidence.item_band or next((f.key for f in evidence.facts if f.kind == "usual_price_band"), None)
    if band is not None:
        for other in BANDS_OPPOSITE.get(band, ()):
            words = [w for w in BAND_WORDS[other] if _mentions(rest, w)]  # titles may say "Premium"
            if words:
                reasons.append(f"contradicts the price band: says '{words[0]}' but the band is {band}")
    cited = [f for f in evidence.facts if cites(text, f, evidence)]
    if not cited:
        reasons.append("cites no evidence fact")
    return ValidationResult(ok=not reasons, reasons=reasons, cited_facts=cited)


BANDS_OPPOSITE: dict[str, tuple[str, ...]] = {"budget": ("premium",), "premium": ("budget",), "mid": ()}


def clean_sentence_problems(sentence: str) -> list[str]:
    """Form problems of one sentence (empty list when clean)."""
    s = sentence.strip()
    if not s:
        return ["empty sentence"]
    problems = []
    words = s.split()
    if len(words) < MIN_WORDS:
        problems.append(f"too short: {len(words)} words ({MIN_WORDS}-{MAX_WORDS} expected)")
    if len(words) > MAX_WORDS:
        problems.append(f"too long: {len(words)} words ({MIN_WORDS}-{MAX_WORDS} expected)")
    first = s.lstrip("\"'“‘")[:1]
    if not (first.isalpha() and first.isupper()):
        problems.append("does not start with a capital letter")
    if not re.search(r"[.!?][\"'”’)]?$", s):
        problems.append("does not end with . ! or ?")
    if _URL.search(s):
        problems.append("contains a URL or e-mail address")
    if _MARKUP.search(s):
        problems.append("contains markup characters")
    tokens = _WORD.findall(s.lower())
    if any(a == b for a, b in zip(tokens, tokens[1:], strict=False)):
        problems.append("repeats a word")
    grams = [tuple(tokens[j:j + 4]) for j in range(len(tokens) - 3)]
    if len(grams) != len(set(grams)):
        problems.append("repeats a phrase")
    return problems


def split_sentences(text: str) -> list[str]:
    """Sentences of a text: split after . ! ? (and a closing quote) before a capital or an opening quote."""
    return [s.strip() for s in _SENTENCE_END.split(text.strip()) if s.strip()]


def cites(text: str, fact: Fact, evidence: Evidence) -> bool:
    """Does the (normalised) sentence state `fact`? The matching rule per kind:

    categories / brands: the key; bands: a word of the band (BAND_WORDS); aspects: the aspect or
    one of its surface forms (ASPECTS); history titles: the full title, or two of its distinctive
    words (not in the item's title); similar shoppers: a phrase like "similar shoppers" or the
    share; rating behaviour: the label or a rating word; attributes: the value; score
    contributions: the component name.
    """
    kind, key = fact.kind, _norm(fact.key)
    if kind in CATEGORY_KINDS or kind in BRAND_KINDS:
        return _mentions(text, key)
    if kind in BAND_KINDS:
        return any(_mentions(text, w) for w in BAND_WORDS.get(fact.key, ()))
    if kind in ASPECT_KINDS:
        return any(_mentions(text, form) for form in (key, *ASPECTS.get(fact.key, ())))
    if kind in HISTORY_KINDS:
        if key in text:
            return True
        item_words = set(_WORD.findall(_norm(evidence.item_title or "")))
        distinctive = {w for w in _WORD.findall(key) if len(w) >= 3 and w not in STOPWORDS
                       and w not in item_words and not w.isdigit()}
        found = sum(_mentions(text, w) for w in distinctive)
        return bool(distinctive) and found >= min(2, len(distinctive))
    if kind == "popular_with_similar":
        return bool(SIMILAR_SHOPPERS.search(text)) or _mentions(text, f"{round(100 * float(fact.value))}%")
    if kind == "rating_behaviour":
        return _mentions(text, key) or bool(RATING_WORDS.search(text))
    if kind == "item_attribute":
        return _mentions(text, _norm(str(fact.value)))
    if kind == "score_contribution":
        return _mentions(text, key)
    return False


def _allowed_titles(evidence: Evidence) -> list[str]:
    titles = [evidence.item_title] if evidence.item_title else []
    return titles + [f.key for f in evidence.facts if f.kind in HISTORY_KINDS]


def _allowed_brands(evidence: Evidence) -> set[str]:
    brands = {evidence.item_brand} if evidence.item_brand else set()
    return brands | {f.key for f in evidence.facts if f.kind in BRAND_KINDS}


def _allowed_categories(evidence: Evidence) -> set[str]:
    allowed = set(evidence.item_categories)
    if evidence.item_category:
        allowed.add(evidence.item_category)
    for f in evidence.facts:
        if f.kind in CATEGORY_KINDS:
            allowed.add(f.key)
        if f.kind == "item_category":
            allowed.add(str(f.value))
    return allowed


def _allowed_numbers(evidence: Evidence) -> set[float]:
    """Every number written in a fact text or an allowed title."""
    sources = [f.text for f in evidence.facts] + _allowed_titles(evidence)
    sources += [str(f.value) for f in evidence.facts if f.kind == "item_attribute"]
    return {_number(m.group(2)) for s in sources for m in _NUMBER.finditer(_norm(s))}


def _number(digits: str) -> float:
    try:
        return float(digits.replace(",", ""))
    except ValueError:
        return float("nan")


def _mentions(text: str, phrase: str) -> bool:
    if not phrase:
        return False
    pattern = rf"(?<![\w]){re.escape(phrase)}(?:s|es)?(?![\w])" if phrase[-1].isalnum() else \
        rf"(?<![\w]){re.escape(phrase)}"
    return re.search(pattern, text) is not None


def _alternation(names: set[str]) -> re.Pattern | None:
    if not names:
        return None
    body = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<![\w])({body})(?:s|es)?(?![\w])")


def _norm(text) -> str:
    """Lower case, typographic quotes and dashes made plain, whitespace collapsed."""
    text = str(text).lower().translate(str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-",
                                                      "—": "-"}))
    return " ".join(text.split())
