"""Evidence: the typed facts a generated text may state about a user, an item, or the pair.

`EvidenceContext` precomputes what every fact needs once per workspace (price bands, review
aspects per item and per user, neighbour structure); `build_evidence`, `portrait_evidence` and
`description_evidence` then assemble the facts for one request in microseconds to milliseconds.
Nothing here writes prose for the shopper: `Fact.text` is a plain statement for prompts and the UI.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from llmrec.data.ids import IdMap
from llmrec.data.quality import MISSING_CATEGORIES
from llmrec.errors import DataError, UnknownIdError
from llmrec.models.base import Explanation
from llmrec.models.ranking import top_indices
from llmrec.portraits.aspects import extract_aspects
from llmrec.portraits.build import price_bands as portrait_price_bands
from llmrec.reasons import lexicon as lx

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


@dataclass
class EvidenceContext:
    """Per-workspace precomputation behind every Evidence; build it with `from_arrays`."""

    ids: IdMap
    titles: np.ndarray  # (n_items,) str
    categories: np.ndarray  # (n_items,) str
    category_lists: list[tuple[str, ...]]
    brands: np.ndarray  # (n_items,) str, "" when unknown
    attributes: list[dict[str, str]]
    bands: np.ndarray  # (n_items,) int8: 0 budget, 1 mid, 2 premium, -1 unpriced
    train: sp.csr_matrix  # (n_users, n_items) binary history
    item_text: np.ndarray | None  # (n_items, d) L2-normed
    item_factors: np.ndarray | None  # (n_items, f) L2-normed here
    user_factors: np.ndarray | None  # (n_users, f) L2-normed here
    explain: Callable[[int, int], Explanation] | None  # an Explainable model's explain
    item_aspects: list[dict[str, tuple[int, int, int]]]  # per item: aspect -> (mentions, praises, crit.)
    user_aspects: list[dict[str, tuple[int, int, int]]]  # per user, from the user's own reviews
    user_rating_mean: np.ndarray  # (n_users,) mean review rating, nan without reviews
    user_rating_count: np.ndarray  # (n_users,) int
    user_band: np.ndarray  # (n_users,) int8 usual band of the history, -1 if unknown
    n_neighbours: int = 20
    common_words: frozenset[str] = frozenset()  # title words too common to describe a shopper
    _neighbours: dict[int, np.ndarray] = field(default_factory=dict, repr=False)

    @classmethod
    def from_arrays(
        cls,
        items: pd.DataFrame,
        reviews: pd.DataFrame,
        ids: IdMap,
        train: sp.csr_matrix,
        item_text: np.ndarray | None = None,
        item_factors: np.ndarray | None = None,
        user_factors: np.ndarray | None = None,
        explain: Callable[[int, int], Explanation] | None = None,
        *,
        n_neighbours: int = 20,
    ) -> EvidenceContext:
        """Precompute bands, aspects and neighbour structure from canonical tables and arrays.

        `items` and `reviews` are canonical tables (see llmrec.data.dataset); `train` is the users x
        items history in `ids` order; arrays are row-aligned with `ids` (items or users).
        """
        n_users, n_items = ids.n_users, ids.n_items
        if train.shape != (n_users, n_items):
            raise DataError(f"train matrix has shape {train.shape}, expected (n_users, n_items) = "
                            f"({n_users}, {n_items})", field="train")
        for name, array, rows in (("item_text", item_text, n_items), ("item_factors", item_factors, n_items),
                                  ("user_factors", user_factors, n_users)):
            if array is not None and (array.ndim != 2 or array.shape[0] != rows):
                raise DataError(f"{name} has shape {array.shape}, expected ({rows}, dim)", field=name)
        table = items.assign(item_id=items["item_id"].astype(str))
        table = table.drop_duplicates("item_id").set_index("item_id")
        missing = ids.items.difference(table.index)
        if len(missing):
            raise DataError(f"{len(missing)} items of the id map have no row in the items table "
                            f"(e.g. '{missing[0]}')", field="item_id")
        table = table.reindex(ids.items)
        categories = table["category"].fillna("").astype(str).to_numpy()
        categories = np.where(np.isin(categories, list(MISSING_CATEGORIES)), "", categories)
        prices = pd.to_numeric(table["price"], errors="coerce").to_numpy(dtype=np.float64)
        binary = train.copy().tocsr()
        binary.data = np.ones_like(binary.data, dtype=np.float32)
        binary.eliminate_zeros()
        bands = price_bands(prices, categories)
        item_aspects, user_aspects, rating_mean, rating_count = _review_aspects(reviews, ids)
        titles = table["title"].fillna("").astype(str).to_numpy()
        return cls(
            ids=ids,
            titles=titles,
            common_words=common_title_words(titles),
            categories=categories,
            category_lists=[tuple(str(c) for c in cs if str(c) not in MISSING_CATEGORIES)
                            for cs in table["categories"]],
            brands=table["brand"].fillna("").astype(str).to_numpy(),
            attributes=[_parse_attributes(a) for a in table["attributes"]],
            bands=bands,
            train=binary,
            item_text=None if item_text is None else np.asarray(item_text, dtype=np.float32),
            item_factors=None if item_factors is None else _l2(item_factors),
            user_factors=None if user_factors is None else _l2(user_factors),
            explain=explain,
            item_aspects=item_aspects,
            user_aspects=user_aspects,
            user_rating_mean=rating_mean,
            user_rating_count=rating_count,
            user_band=_usual_bands(binary, bands),
            n_neighbours=n_neighbours,
        )

    def history(self, user: int) -> np.ndarray:
        """Item indices the user interacted with in training."""
        return self.train.indices[self.train.indptr[user]:self.train.indptr[user + 1]]

    def neighbours(self, user: int) -> np.ndarray:
        """The user's most similar users: user-factor cosine if factors were given, else history cosine."""
        if user not in self._neighbours:
            if self.user_factors is not None:
                sims = self.user_factors @ self.user_factors[user]  # (n_users,)
            else:
                row = self.train[user]
                overlap = np.asarray((self.train @ row.T).todense()).ravel()  # (n_users,)
                degree = np.diff(self.train.indptr)  # (n_users,) history sizes
                sims = overlap / np.sqrt(np.maximum(degree * max(row.nnz, 1), 1.0))
            sims = np.asarray(sims, dtype=np.float64).copy()
            sims[user] = -np.inf
            top = top_indices(sims, min(self.n_neighbours, len(sims) - 1))
            self._neighbours[user] = top[sims[top] > 0]
        return self._neighbours[user]

    def check_user(self, user: int) -> None:
        if not 0 <= user < self.ids.n_users:
            raise UnknownIdError(f"user index {user} is outside [0, {self.ids.n_users})")

    def check_item(self, item: int) -> None:
        if not 0 <= item < self.ids.n_items:
            raise UnknownIdError(f"item index {item} is outside [0, {self.ids.n_items})")


def price_bands(prices: np.ndarray, categories: np.ndarray) -> np.ndarray:
    """0 budget / 1 mid / 2 premium, -1 when unbanded: the portraits' bands
    (`llmrec.portraits.build.price_bands`, tertiles within the category) as codes."""
    names = portrait_price_bands(pd.DataFrame({"price": np.asarray(prices, dtype=np.float64),
                                               "category": np.asarray(categories)}))
    return names.map({band: code for code, band in enumerate(BANDS)}).fillna(-1).to_numpy(dtype=np.int8)


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
        if related.item in history and title:
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


def similar_counts(fact: Fact) -> tuple[int, int]:
    """(neighbours who bought, neighbours) of a popular_with_similar fact, read back from its text."""
    match = re.match(r"(\d+) of the shopper's (\d+) ", fact.text)
    if fact.kind != "popular_with_similar" or match is None:
        raise ValueError(f"not a popular_with_similar fact: {fact.text!r}")
    return int(match.group(1)), int(match.group(2))


def percent(share: float) -> str:
    """0.25 -> '25%': the one way shares are written, so validators and templates agree."""
    return f"{round(100 * share)}%"


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
    """Position in `history` of the most similar titled item whose title has, among its first
    seven words (what a text quotes), two words the item's title lacks (else a sentence naming it
    cannot be told from one naming the item itself)."""
    own = set(re.findall(r"[a-z0-9]+", str(ctx.titles[item]).lower()))
    for j in np.argsort(-sims, kind="stable"):
        head = " ".join(str(ctx.titles[history[j]]).split()[:7]).lower()
        words = set(re.findall(r"[a-z0-9]{3,}", head)) - own
        if sims[j] <= 0:
            return None
        if ctx.titles[history[j]] and len({w for w in words if not w.isdigit()}) >= 2:
            return int(j)
    return None


def _related(ctx: EvidenceContext, explanation: Explanation) -> list[Fact]:
    """The history items the model's own explanation names (a sequential model's influential
    history, a kNN model's neighbours), strongest first, at most two."""
    seen: set[str] = set()
    out = []
    for related in sorted(explanation.related_items, key=lambda r: -r.similarity):
        if not 0 <= related.item < len(ctx.titles) or related.item == explanation.item:
            continue
        title = str(ctx.titles[related.item])
        if title and title not in seen and len(out) < 2:
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


def common_title_words(titles: np.ndarray, share: float = 0.05) -> frozenset[str]:
    """Words in more than `share` of the catalogue's titles ("industrial", "scientific" when every
    title carries its shop path): they say nothing about one shopper."""
    counts: dict[str, int] = {}
    for title in titles:
        for word in set(re.findall(r"[a-z]{4,}", str(title).lower())):
            counts[word] = counts.get(word, 0) + 1
    limit = max(share * len(titles), 2)
    return frozenset(w for w, n in counts.items() if n > limit)


def _typical_items(ctx: EvidenceContext, history: np.ndarray, k: int) -> list[int]:
    """Up to `k` titled history items closest to the mean text vector of the history (history
    order without text vectors)."""
    history = np.array([h for h in history if ctx.titles[h]], dtype=np.int64)
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


def _l2(array: np.ndarray) -> np.ndarray:
    array = np.asarray(array, dtype=np.float32)
    return array / np.clip(np.linalg.norm(array, axis=1, keepdims=True), 1e-12, None)


def _parse_attributes(raw) -> dict[str, str]:
    if raw is None or (isinstance(raw, float) and np.isnan(raw)) or raw is pd.NA:
        return {}
    try:
        parsed = json.loads(raw)
    except (TypeError, ValueError):
        return {}
    return {str(k): str(v) for k, v in parsed.items()} if isinstance(parsed, dict) else {}


def _usual_bands(train: sp.csr_matrix, bands: np.ndarray) -> np.ndarray:
    """Most frequent band of each user's priced history (ties go to the cheaper band)."""
    out = np.full(train.shape[0], -1, dtype=np.int8)
    for u in range(train.shape[0]):
        b = bands[train.indices[train.indptr[u]:train.indptr[u + 1]]]
        b = b[b >= 0]
        if len(b):
            out[u] = int(np.bincount(b, minlength=3).argmax())
    return out


def _review_aspects(reviews: pd.DataFrame, ids: IdMap):
    """One pass over reviews: aspect counts per item and per user (as aspect_counts), user ratings."""
    item_aspects: list[dict] = [{} for _ in range(ids.n_items)]
    user_aspects: list[dict] = [{} for _ in range(ids.n_users)]
    rating_sum = np.zeros(ids.n_users)
    rating_count = np.zeros(ids.n_users, dtype=np.int64)
    if len(reviews):
        users = ids.user_indices(reviews["user_id"])
        items = ids.item_indices(reviews["item_id"])
        titles = reviews["title"].fillna("").astype(str).to_numpy()
        texts = reviews["text"].fillna("").astype(str).to_numpy()
        ratings = pd.to_numeric(reviews["rating"], errors="coerce").to_numpy(dtype=np.float64)
        for u, i, title, text, rating in zip(users, items, titles, texts, ratings, strict=True):
            mentions = extract_aspects(f"{title}. {text}" if title else text,
                                       None if np.isnan(rating) else rating)
            for target in ((item_aspects[i],) if i >= 0 else ()) + ((user_aspects[u],) if u >= 0 else ()):
                for m in mentions:
                    c = target.get(m.aspect, (0, 0, 0))
                    target[m.aspect] = (c[0] + 1, c[1] + (m.polarity > 0), c[2] + (m.polarity < 0))
            if u >= 0 and not np.isnan(rating):
                rating_sum[u] += rating
                rating_count[u] += 1
    with np.errstate(invalid="ignore", divide="ignore"):
        rating_mean = np.where(rating_count > 0, rating_sum / np.maximum(rating_count, 1), np.nan)
    return item_aspects, user_aspects, rating_mean, rating_count
