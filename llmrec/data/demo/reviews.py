"""The demo's reviews: which purchases get one, and texts whose aspects and mood follow the planted tastes.

`write_review` praises an aspect at 4-5 stars, criticises it at 1-2 and mixes both at 3, in words
that `llmrec.portraits.aspects.extract_aspects` reads back.
"""

from __future__ import annotations

import random

import numpy as np
import pandas as pd

from llmrec.data import demo_vocabulary as vocab
from llmrec.data.demo.catalogue import Catalog, capitalise
from llmrec.data.demo.config import DemoConfig
from llmrec.data.demo.shoppers import Tastes

_CONTACT_RATE = 0.01  # share of reviews that leak a (fake) e-mail address or phone number


def pick_reviews(config: DemoConfig, users: np.ndarray, ratings: np.ndarray,
                 rng: np.random.Generator) -> np.ndarray:
    """Rows of the interaction log that get a review: keen reviewers and strong feelings first."""
    n = min(config.n_reviews, len(users))
    if n == 0:
        return np.empty(0, dtype=np.int64)
    reviewer = rng.lognormal(0.0, 1.0, size=config.n_users)
    feeling = np.array([0.0, 1.5, 1.2, 1.0, 0.85, 1.0])[ratings.astype(np.int64)]
    keys = rng.exponential(size=len(users)) / (reviewer[users] * feeling)  # weighted sample, no repeats
    return np.sort(np.argpartition(keys, n - 1)[:n]) if n < len(users) else np.arange(len(users))


def review_table(rows: np.ndarray, interactions: pd.DataFrame, catalog: Catalog, categories,
                 tastes: Tastes, users: np.ndarray, items: np.ndarray, rnd: random.Random) -> pd.DataFrame:
    """Reviews of the chosen interaction rows, sharing their user, item, rating and timestamp."""
    ratings = interactions["rating"].to_numpy()
    titles, texts = [], []
    for row in rows:
        item = items[row]
        cat = categories[catalog.category[item]]
        noun = cat.subcategories[catalog.subcategory[item]].nouns[catalog.noun[item]]
        title, text = write_review(rnd, int(ratings[row]), cat.aspects, tastes.aspects[users[row]],
                                   noun=noun, brand=cat.brands[catalog.brand[item]])
        titles.append(title)
        texts.append(text)
    picked = interactions.iloc[rows].reset_index(drop=True)
    return picked.assign(title=titles, text=texts)[["user_id", "item_id", "rating", "title", "text",
                                                   "timestamp"]]


def write_review(rnd: random.Random, rating: int, relevant: tuple[str, ...], cared: list[str], *,
                 noun: str, brand: str) -> tuple[str, str]:
    """(title, text) of one review: 1-4 sentences on the item's aspects, favouring those the user
    cares about, praising them at 4-5 stars, criticising them at 1-2 and mixed at 3."""
    aspects = [a for a in cared if a in relevant and rnd.random() < 0.8]
    if not aspects and any(a in relevant for a in cared) and rnd.random() < 0.7:
        aspects = [rnd.choice([a for a in cared if a in relevant])]
    others = [a for a in relevant if a not in aspects]
    wanted = max(rnd.choices((1, 2, 3), weights=(0.35, 0.45, 0.2))[0], 2 if rating == 3 else 1)
    aspects += rnd.sample(others, max(0, min(wanted, 3) - len(aspects)))
    rnd.shuffle(aspects)
    mood = "positive" if rating >= 4 else "negative" if rating <= 2 else "mixed"
    fields = {"noun": noun, "brand": brand}
    if mood == "mixed":
        praised, criticised = aspects[0], aspects[1]
        if rnd.random() < 0.5:
            body = [f"{capitalise(rnd.choice(vocab.ASPECT_SUBJECTS[praised]))} "
                    f"{rnd.choice(vocab.MILD_PRAISE)}, but {rnd.choice(vocab.ASPECT_SUBJECTS[criticised])} "
                    f"{rnd.choice(vocab.MILD_CRITICISM)}."]
        else:
            body = [_aspect_sentence(rnd, praised, 4, fields), _aspect_sentence(rnd, criticised, 2, fields)]
        body += [_aspect_sentence(rnd, a, rnd.choice((2, 4)), fields) for a in aspects[2:]]
    else:
        body = [_aspect_sentence(rnd, a, rating, fields) for a in aspects]
    opener = rnd.choice(vocab.OPENERS[mood]).format(**fields) if rnd.random() < 0.45 else None
    closer = rnd.choice(vocab.CLOSERS[mood]) if rnd.random() < 0.45 else None
    if rnd.random() < _CONTACT_RATE:
        closer = rnd.choice(vocab.CONTACT_LINES).format(email=_fake_email(rnd), phone=_fake_phone(rnd))
    sentences = ([opener] if opener and len(body) < 3 else []) + body
    if closer:
        sentences = sentences[:3] + [closer]
    title = rnd.choice(vocab.REVIEW_TITLES[rating]).format(noun=noun)
    return capitalise(title), " ".join(sentences)


def _aspect_sentence(rnd: random.Random, aspect: str, rating: int, fields: dict[str, str]) -> str:
    """One sentence about `aspect` whose opinion words agree with `rating`."""
    positive = rating >= 4
    style = rnd.random()
    if style < 0.45:
        pool = vocab.ASPECT_PRAISE if positive else vocab.ASPECT_CRITICISM
        return rnd.choice(pool[aspect]).format(**fields)
    subject = rnd.choice(vocab.ASPECT_SUBJECTS[aspect])
    if style < 0.85:
        strong = rating in (1, 5)
        predicates = ((vocab.STRONG_PRAISE if strong else vocab.MILD_PRAISE) if positive
                      else (vocab.STRONG_CRITICISM if strong else vocab.MILD_CRITICISM))
        return f"{capitalise(subject)} {rnd.choice(predicates)}."
    frames = vocab.PRAISE_FRAMES if positive else vocab.CRITICISM_FRAMES
    return rnd.choice(frames).format(subject=subject)


def _fake_email(rnd: random.Random) -> str:
    first, last = rnd.choice(vocab.FIRST_NAMES), rnd.choice(vocab.LAST_NAMES)
    return f"{first}.{last}{rnd.randint(1, 99)}@{rnd.choice(('example.com', 'example.org', 'example.net'))}"


def _fake_phone(rnd: random.Random) -> str:
    return f"555-01{rnd.randint(0, 99):02d}"  # the 555-01xx block is reserved for fiction
