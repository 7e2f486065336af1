"""Quoting catalogue titles: which titles a text may quote, and how a title is shortened safely.

Real titles carry periods, markup remnants, repeated words and whole product specs; some items have
no title at all (the importer puts the id in its place). A quoted title must read as one clause and
must be told apart from the recommended item's own title, or the checker cannot see what it cites.
"""

from __future__ import annotations

import re

TITLE_WORDS = 7  # a quoted title is cut to this many words at most
_TITLE_TAG = re.compile(r"</?[A-Za-z][^<>]{0,40}>")
_TITLE_MARKUP = re.compile(r"[<>*#`\[\]{}|\\^~_\"“”]+")
# Clause breaks: a period after a word of 3+ letters ("No. 7" and "in." are not breaks), ; : ! ?,
# a comma, a spaced dash, slash or opening parenthesis, a bar or bracket.
_TITLE_CUT = re.compile(r"(?<=[A-Za-z]{3})\.(?=\s)|[;:!?](?=\s)|,|\s[-–—(/]\s?|\s?[|\[{]")
_TITLE_TAIL = frozenset("a an and for from in of on or the to with by at".split())
_WORD = re.compile(r"[a-z0-9][a-z0-9'&+-]*")
# Words that never tell two titles apart (the checker's `cites` ignores them too).
STOPWORDS = frozenset(
    "a an and are as at be by for from has have in is it its of on or the to with this that your you "
    "new set pack one two size".split())


def citable_title(title: str, item_id: str) -> bool:
    """Whether a text may quote the title at all: not the item's id standing in for a missing title,
    with at least two words of three letters."""
    return str(title) != str(item_id) and len(re.findall(r"[A-Za-z]{3,}", str(title))) >= 2


def tells_apart(title: str, item_title: str) -> bool:
    """Whether the quoted (shortened) `title` has two words of three or more characters, not mere
    numbers, that `item_title` lacks: else a sentence quoting it cannot be told from one naming the
    item itself, and the checker finds no fact cited."""
    own = set(_WORD.findall(str(item_title).lower()))
    words = {w for w in _WORD.findall(short_title(title).lower())
             if len(w) >= 3 and not w.isdigit() and w not in STOPWORDS}
    return len(words - own) >= 2


def short_title(title: str, max_words: int = TITLE_WORDS) -> str:
    """A title safe to quote in a sentence: no markup or quote characters, cut at its first clause
    break (". ", ", ", " - ", " (") once it has three words, at most `max_words` words, and cut
    before a word it repeats. `max_words=0`: the whole title, only markup and quotes removed;
    negative: at most -max_words words, not cut at clause breaks."""
    text = " ".join(_TITLE_TAG.sub(" ", str(title)).split())
    if max_words == 0:
        return " ".join(_TITLE_MARKUP.sub(" ", text).split())
    cuts = _TITLE_CUT.finditer(text) if max_words > 0 else ()
    max_words = abs(max_words)
    for match in cuts:
        if len(_TITLE_MARKUP.sub(" ", text[:match.start()]).split()) >= 3:
            text = text[:match.start()]
            break
    words: list[str] = []
    seen: set[str] = set()
    split = _TITLE_MARKUP.sub(" ", text).split()
    while len(split) > 1 and split[0].lower() == split[1].lower():  # "Hitachi Hitachi 726808 ..."
        split.pop(0)
    for word in split[:max_words]:
        tokens = re.findall(r"[a-z0-9]+", word.lower())
        if set(tokens) & seen or len(set(tokens)) < len(tokens):  # the checker rejects repeated
            break  # words: "1 1/2" reads as 1, 1, 2 and "M/M" as m, m
        words.append(word)
        seen |= set(tokens)
    while len(words) > 1 and words[-1].lower().strip(".,;:") in _TITLE_TAIL:
        words.pop()
    return " ".join(words).rstrip(" .,;:-–—(/&+")
