"""The sentence checker: a generated sentence is shown only if it is clean and grounded in its evidence.

Rules, each failing with a short plain reason (`ValidationResult.reasons`):

* clean: the form rules of `llmrec.reasons.sentences` (capital start, final . ! or ?, 6-40
  words, no URL, markup or repetition);
* grounded: cites at least one evidence fact (see `cites`); generic praise cites none;
* invents nothing: titles of the evidence (quoted or not) are set aside first; then the sentence
  may name no catalogue product, brand or category outside the evidence, no unknown capitalised
  name (a brand or product the shop does not even sell), no number outside the evidence (digits or
  words: "seven", "a dozen", "twice", "third"), and no claim of a kind no evidence fact supports
  (shipping, stock, discounts, friends, awards, guarantees, sales rank, superlatives; ratings,
  reviews or other shoppers without a fact of that kind);
* contradicts nothing: price words must fit the item's price band (without a band in the evidence
  any price word fails); an opinion on a review aspect must agree with the evidence (praise for a
  praised aspect, complaint for a criticised one), must not be negated, and must be about an
  aspect the evidence mentions (`llmrec.reasons.opinions`); a category outside the evidence
  contradicts the item's category.

The word lists and the opinion scope rule live in `llmrec.reasons.lexicon`. Matching is
case-insensitive on word boundaries, with a plural "s"/"es" tolerated for names. The checker is
strict on purpose: a false rejection only costs a template sentence, a false acceptance shows an
invented claim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd

from llmrec.reasons import lexicon as lx
from llmrec.reasons.facts import (
    ASPECT_KINDS,
    BAND_KINDS,
    BRAND_KINDS,
    CATEGORY_KINDS,
    HISTORY_KINDS,
    Evidence,
    Fact,
)
from llmrec.reasons.opinions import aspect_problems
from llmrec.reasons.sentences import MARKUP, TOKEN, WORD, clean_sentence_problems
from llmrec.reasons.titles import STOPWORDS

BAND_WORDS: dict[str, tuple[str, ...]] = {band: lx.PRICE_WORDS[band] for band in ("budget", "mid", "premium")}
SIMILAR_SHOPPERS = re.compile(
    r"\b(similar|like-minded|comparable)\s+(shoppers|customers|buyers|users|people)\b"
    r"|\b(shoppers|customers|buyers|people)\s+(like you|with similar)\b")
RATING_WORDS = re.compile(r"\b(rat(e|es|ed|er|ing|ings)|stars?|reviews?)\b")
_NUMBER = re.compile(r"(?<![\w.])([$€£]\s?)?(\d+(?:[.,]\d+)*)(%?)")
_TAG = re.compile(r"</?[A-Za-z][^<>]{0,40}>")  # an HTML tag left in a catalogue title
_CAPITALISED = re.compile(r"(?<![\w'-])[A-Z][A-Za-z0-9]*(?:[-&][A-Za-z0-9]+)*")
_QUOTED = re.compile(r'"([^"]+)"')


@dataclass(frozen=True)
class ValidationResult:
    """ok when `reasons` is empty; each reason is one short plain sentence saying what failed;
    `cited_facts` are the evidence facts the sentence states."""

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
        # Words of shop names: an unknown-name check leaves them to the brand and category checks.
        self.name_words = {w for name in self.brands | self.categories for w in WORD.findall(name)}

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
    # Evidence titles (quoted or not) may contain anything: set them aside before the other checks.
    original = _without(_plain_quotes(sentence), _allowed_titles(evidence))
    original = _without_quoted_parts(original, _allowed_titles(evidence))
    rest = _norm(original)

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
    for quoted in _QUOTED.findall(original):  # evidence titles were blanked: what is left is not one
        if len(quoted.split()) >= 2 and _CAPITALISED.search(quoted):
            reasons.append(f"quotes a title not in the evidence: '{quoted.strip()}'")
    reasons += unknown_name_problems(original, evidence, catalogue)
    # Names of the evidence are set aside too: "Roastery Nine" is a brand, not a number.
    words = _norm(_without(original, allowed_brands | allowed_categories))
    reasons += number_problems(words, evidence)
    reasons += price_problems(words, evidence)
    reasons += aspect_problems(words, evidence)
    reasons += claim_problems(words, evidence)
    cited = [f for f in evidence.facts if cites(text, f, evidence)]
    if not cited:
        reasons.append("cites no evidence fact")
    return ValidationResult(ok=not reasons, reasons=reasons, cited_facts=cited)



def unknown_name_problems(original: str, evidence: Evidence, catalogue: Catalogue) -> list[str]:
    """Capitalised words that are neither in the evidence nor shop names: invented brands or products.

    Common words that may be capitalised (openers such as "Recommended", "Your", number words) are
    not names; at the start of the sentence or after a colon neither is a word ending in -ing, -ed
    or -ly ("Looking", "Based", "Clearly")."""
    known = set(WORD.findall(_norm(" ".join(_evidence_strings(evidence))))) | catalogue.name_words
    problems = []
    for match in _CAPITALISED.finditer(original):
        word = match.group(0)
        low = word.lower()
        if word == "I" or low in known or low in lx.COMMON_OPENERS or low in lx.POSITIVE \
                or low.split("-")[0] in lx.NUMBER_WORDS:
            continue
        before = original[:match.start()].rstrip(" \"'“‘")
        if (not before or before[-1] in ":;") and low.endswith(("ing", "ed", "ly")):
            continue
        problem = f"names '{word}', a brand or product the evidence does not mention"
        if problem not in problems:
            problems.append(problem)
    return problems


def number_problems(words: str, evidence: Evidence) -> list[str]:
    """Numbers (digits or words) that the evidence does not state."""
    allowed = _allowed_numbers(evidence)
    problems = []
    for match in _NUMBER.finditer(words):
        currency, digits = match.group(1), match.group(2)
        if _number(digits) not in allowed:
            what = "price" if currency else "number"
            problems.append(f"states a {what} absent from the evidence: '{match.group(0).strip()}'")
    for phrase, value in number_words(words):
        if phrase in lx.ORDINALS:
            if value not in allowed and value - 1 not in allowed:
                problems.append(f"states a number absent from the evidence: '{phrase}'")
        elif value not in allowed:
            problems.append(f"states a number absent from the evidence: '{phrase}' ({value:g})")
    for phrase in lx.VAGUE_COUNTS:
        if _mentions(words, phrase, plural=False):
            problems.append(f"states a count the evidence does not give: '{phrase}'")
    return problems


def number_words(words: str) -> list[tuple[str, float]]:
    """(phrase, value) of every number written in words: "seven" 7, "twenty-five" 25, "a dozen" 12,
    "twice" 2, "half" 50 (a share in percent), ordinals ("third" 3); "one" only before "of" or a
    counted noun."""
    tokens = [t for t in TOKEN.findall(words) if t != ","]
    found = []
    for j, token in enumerate(tokens):
        parts = token.split("-")
        if all(p in lx.NUMBER_WORDS for p in parts) and len(parts) <= 2:
            found.append((token, float(sum(lx.NUMBER_WORDS[p] for p in parts))))
        elif token in lx.ORDINALS:
            found.append((token, lx.ORDINALS[token]))
        elif token == "one" and j + 1 < len(tokens) and (tokens[j + 1] == "of"
                                                         or tokens[j + 1] in lx.COUNTED_NOUNS):
            found.append((token, 1.0))
    for phrase in ("a couple of", "a pair of"):
        if _mentions(words, phrase, plural=False):
            found.append((phrase, lx.NUMBER_WORDS[phrase]))
    return found


def price_problems(words: str, evidence: Evidence) -> list[str]:
    """Price words must fit the item's band (or, in a sentence about habits, the shopper's usual one)."""
    bands = evidence_bands(evidence, usual=any(_mentions(words, m, plural=False) for m in lx.USUAL_MARKERS))
    problems = []
    phrases = sorted(((p, g) for g, ps in lx.PRICE_WORDS.items() for p in ps), key=lambda t: -len(t[0]))
    for phrase, group in phrases:  # longest first, each match blanked: "budget-priced" is one word
        if not _mentions(words, phrase, plural=False):
            continue
        words = _without(words, [phrase])
        if not bands:
            problems.append(f"mentions price ('{phrase}') but the evidence has no price")
        elif not set(group.split("|")) & bands:
            problems.append(f"contradicts the price band: says '{phrase}' but the band is "
                            f"{' / '.join(sorted(bands))}")
    return problems


def evidence_bands(evidence: Evidence, usual: bool = False) -> set[str]:
    """Bands a sentence may name: the item's; with `usual`, also the shopper's usual band."""
    bands = {evidence.item_band} if evidence.item_band else set()
    for f in evidence.facts:
        if f.kind in ("price_band", "item_price_band"):
            bands.add(f.key)
        if f.kind == "usual_price_band" or (usual and f.kind == "price_band"):
            bands.add(str(f.value) if f.kind == "price_band" else f.key)
    return bands



def claim_problems(words: str, evidence: Evidence) -> list[str]:
    """Claims of a kind no evidence fact supports; a phrase the evidence itself uses is allowed."""
    said = _norm(" ".join(_evidence_strings(evidence)))
    kinds = set(evidence.kinds)
    problems = []
    for label, phrases in lx.CLAIMS:
        hits = [p for p in phrases
                if _mentions(words, p, plural=False) and not _mentions(said, p, plural=False)]
        if hits:
            problems.append(f"claims {label} ('{hits[0]}'), which the evidence does not cover")
    for label, phrases, needs in lx.NEEDS_KINDS:
        hits = [p for p in phrases if _mentions(words, p, plural=False)]
        if hits and not kinds & needs:
            problems.append(f"mentions {label} ('{hits[0]}') but the evidence has no fact about {label}")
    return problems



def cites(text: str, fact: Fact, evidence: Evidence) -> bool:
    """Does the (normalised) sentence state `fact`? The matching rule per kind:

    categories / brands: the key; bands: a word of the band (BAND_WORDS); aspects: the aspect or
    one of its unambiguous surface forms (lexicon.ASPECT_FORMS, SELF_POLAR); history titles: the
    full title, or two of its distinctive words (not in the item's title); similar shoppers: a
    phrase like "similar shoppers" or the share; rating behaviour: the label or a rating word;
    attributes: the value; score contributions: the component name; interest terms: the term;
    history size: the number of items.
    """
    kind, key = fact.kind, _norm(fact.key)
    if kind in CATEGORY_KINDS or kind in BRAND_KINDS:
        return _mentions(text, key)
    if kind in BAND_KINDS:
        return any(_mentions(text, w) for w in BAND_WORDS.get(fact.key, ()))
    if kind in ASPECT_KINDS:
        forms = (key, *lx.ASPECT_FORMS.get(fact.key, ()),
                 *(w for w, (a, _) in lx.SELF_POLAR.items() if a == fact.key))
        return any(_mentions(text, form) for form in forms)
    if kind in HISTORY_KINDS:
        if key in text:
            return True
        item_words = set(WORD.findall(_norm(evidence.item_title or "")))
        distinctive = {w for w in WORD.findall(key) if len(w) >= 3 and w not in STOPWORDS
                       and w not in item_words and not w.isdigit()}
        found = sum(_mentions(text, w) for w in distinctive)
        return bool(distinctive) and found >= min(2, len(distinctive))
    if kind == "popular_with_similar":
        return bool(SIMILAR_SHOPPERS.search(text)) or _mentions(text, f"{round(100 * float(fact.value))}%")
    if kind == "rating_behaviour":
        return _mentions(text, key) or bool(RATING_WORDS.search(text))
    if kind == "item_attribute":
        return _mentions(text, _norm(str(fact.value)))
    if kind == "history_size":
        return _mentions(text, str(fact.value), plural=False)
    if kind in ("score_contribution", "interest_term"):
        return _mentions(text, key)
    return False


def _evidence_strings(evidence: Evidence) -> list[str]:
    """Everything the evidence says, as text: fact texts, keys and values, and the subject."""
    strings = [f"{f.text} {f.key} {f.value}" for f in evidence.facts]
    strings += [s for s in (evidence.item_title, evidence.item_category, evidence.item_brand) if s]
    return strings + list(evidence.item_categories)


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


def _mentions(text: str, phrase: str, plural: bool = True) -> bool:
    if not phrase:
        return False
    return _mention_pattern(phrase, plural).search(text) is not None


@lru_cache(maxsize=8192)
def _mention_pattern(phrase: str, plural: bool) -> re.Pattern:
    """The compiled pattern of a phrase as a whole word. Kept here because re's own cache (512
    patterns) overflowed on a portrait's many title words: recompiling was a third of its checking."""
    head = r"(?<![\w])" if phrase[0].isalnum() else ""
    tail = (r"(?:s|es)?" if plural else "") + r"(?![\w])" if phrase[-1].isalnum() else ""
    return re.compile(head + re.escape(phrase) + tail)


def _without(text: str, names) -> str:
    """`text` with every occurrence of the names (case-insensitive, longest first) blanked out."""
    for name in sorted((_plain_quotes(n) for n in names if n), key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", " ", text, flags=re.IGNORECASE)
    return text


def _without_quoted_parts(text: str, titles: list[str]) -> str:
    """`text` with quoted shortenings of evidence titles blanked: a quoted span whose words (a final
    "..." aside) run in order inside one title is that title cut short, e.g. "eSUN Bronze filament..."
    for "eSUN Bronze filament 1.75mm 0.5kg Spool for Makerbot". Markup characters and words of
    the title never count as a shortening's own words."""
    def words_of(text: str) -> str:  # "Black- 1kg" and "Black" agree: no edge hyphens or quotes
        return " ".join(w.strip("-'") for w in WORD.findall(_norm(MARKUP.sub(" ", _TAG.sub(" ", text)))))

    known = [words_of(t) for t in titles]

    def blank(match: re.Match) -> str:
        words = words_of(match.group(1).strip().rstrip(".…").strip())
        if len(words.split()) >= 2 and any(f" {words} " in f" {k} " for k in known):
            return " "
        return match.group(0)

    return _QUOTED.sub(blank, text)


def _plain_quotes(text: str) -> str:
    return str(text).translate(str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"}))


def _alternation(names: set[str]) -> re.Pattern | None:
    if not names:
        return None
    body = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<![\w])({body})(?:s|es)?(?![\w])")


def _norm(text) -> str:
    """Lower case, typographic quotes and dashes made plain, whitespace collapsed."""
    return " ".join(_plain_quotes(text).lower().split())
