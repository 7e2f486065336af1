"""Sentence form: how a text is split into sentences, and what makes one sentence clean.

Clean: starts with a capital letter (an opening quote may precede it), ends with . ! or ?, has
6-40 words, no URL / e-mail, no markup characters, no word said twice in a row, no repeated
four-word phrase. Templates use these rules to pick a clean phrasing; the validator
(llmrec.reasons.validation) applies them first.
"""

from __future__ import annotations

import re

MIN_WORDS, MAX_WORDS = 6, 40
_URL = re.compile(r"https?://|www\.|\b[\w.-]+@[\w-]+\.\w+|\b\w+\.(com|net|org|io)\b", re.IGNORECASE)
MARKUP = re.compile(r"[<>*#`\[\]{}|\\^~]|__")
_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"'”’)]))\s+(?=[\"'“‘A-Z])")
WORD = re.compile(r"[a-z0-9][a-z0-9'&+-]*")
TOKEN = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*|[.,;:!?]")
_QUOTED_SPAN = re.compile(r'"[^"\n]+"|“[^”\n]+”')
_MASK = str.maketrans({".": "\x00", "!": "\x00", "?": "\x00"})  # same length: offsets stay valid


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
    if MARKUP.search(s):
        problems.append("contains markup characters")
    tokens = WORD.findall(s.lower())
    if any(a == b for a, b in zip(tokens, tokens[1:], strict=False)):
        problems.append("repeats a word")
    grams = [tuple(tokens[j:j + 4]) for j in range(len(tokens) - 3)]
    if len(grams) != len(set(grams)):
        problems.append("repeats a phrase")
    return problems



def split_sentences(text: str) -> list[str]:
    """Sentences of a text: split after . ! ? (and a closing quote) before a capital or an opening quote.

    Periods inside a double-quoted span (a quoted title such as "St. Clair Harness No. 7") never
    end a sentence; one right before the closing quote still does ('He said "hi." Then left.')."""
    text = text.strip()
    masked = _QUOTED_SPAN.sub(lambda m: m.group(0)[:-2].translate(_MASK) + m.group(0)[-2:], text)
    out, start = [], 0
    for match in _SENTENCE_END.finditer(masked):
        out.append(text[start:match.start()])
        start = match.end()
    out.append(text[start:])
    return [s.strip() for s in out if s.strip()]

