"""Opinions on review aspects in a sentence: which aspect, praised or criticised, negated or not.

An opinion word counts for the nearest aspect in its clause (see the scope rule in
llmrec.reasons.lexicon); the validator accepts an opinion only when the evidence backs it.
"""

from __future__ import annotations

from llmrec.reasons import lexicon as lx
from llmrec.reasons.facts import Evidence
from llmrec.reasons.sentences import TOKEN

PRAISED_KINDS = frozenset({"praised_aspect", "item_praised_aspect", "user_praises"})
CRITICISED_KINDS = frozenset({"user_criticises"})


def aspect_problems(words: str, evidence: Evidence) -> list[str]:
    """Opinions on review aspects that the evidence does not back (see the scope rule in lexicon)."""
    praised = {f.key for f in evidence.facts if f.kind in PRAISED_KINDS}
    criticised = {f.key for f in evidence.facts if f.kind in CRITICISED_KINDS}
    problems = []
    for aspect, polarity, negated in aspect_opinions(words):
        if negated:
            problem = f"negates an opinion on its {aspect}"
        elif polarity == 0:
            continue
        elif aspect not in praised | criticised:
            problem = f"gives an opinion on its {aspect}, which the evidence does not mention"
        elif polarity < 0 and aspect in praised:
            problem = f"turns praise of its {aspect} into criticism"
        elif polarity > 0 and aspect in criticised:
            problem = f"turns criticism of {aspect} into praise"
        else:
            continue
        if problem not in problems:
            problems.append(problem)
    return problems


def aspect_opinions(words: str) -> list[tuple[str, int, bool]]:
    """(aspect, polarity +1/0/-1, negated) of every aspect mention in a normalised sentence."""
    tokens = TOKEN.findall(words)
    for contraction in [j for j, t in enumerate(tokens) if t.endswith("n't")][::-1]:
        tokens[contraction:contraction + 1] = [tokens[contraction][:-3], "not"]
    out = []
    for clause in _clauses(tokens):
        spans = _aspect_spans(clause)
        opinions = [(j, (w in lx.POSITIVE) - (w in lx.NEGATIVE)) for j, w in enumerate(clause)
                    if w in lx.POSITIVE or w in lx.NEGATIVE]
        opinions = [(j, p) for j, p in opinions if not any(s <= j < e for s, e, _, _ in spans)]
        for start, end, aspect, own in spans:
            if own:
                out.append((aspect, own, _negated(clause, start)))
                continue
            left = [(start - j, j, p) for j, p in opinions if start - lx.OPINION_LEFT_WINDOW <= j < start]
            right = [(j - end + 1, j, p) for j, p in opinions
                     if j >= end and j - end < lx.OPINION_RIGHT_WINDOW
                     and not any(j < s <= j + 3 for s, _, _, _ in spans)]
            best = min(left + right, default=None, key=lambda t: (t[0], t[1] > start))
            if best is None:
                out.append((aspect, 0, False))
            else:
                out.append((aspect, best[2], _negated(clause, best[1])))
    return out



def _clauses(tokens: list[str]) -> list[list[str]]:
    clauses, current = [], []
    for j, token in enumerate(tokens):
        joined = token == "," and j + 1 < len(tokens) and tokens[j + 1] in lx.COMMA_BREAKS
        if token in ".;:!?" or token in lx.CLAUSE_BREAKS or joined:
            clauses.append(current)
            current = []
        elif token != ",":
            current.append(token)
    return [c for c in clauses + [current] if c]


def _aspect_spans(clause: list[str]) -> list[tuple[int, int, str, int]]:
    """(start, end, aspect, own polarity) of aspect mentions, longest phrase first, no overlaps."""
    phrases = [(tuple(f.split()), a, 0) for a, forms in lx.ASPECT_FORMS.items() for f in forms]
    phrases += [(tuple(w.split()), a, p) for w, (a, p) in lx.SELF_POLAR.items()]
    phrases.sort(key=lambda t: -len(t[0]))
    spans: list[tuple[int, int, str, int]] = []
    taken: set[int] = set()
    for words, aspect, polarity in phrases:
        n = len(words)
        for j in range(len(clause) - n + 1):
            if j and clause[j - 1] in lx.PERSON_POSSESSIVES and not polarity:
                continue  # "your taste", "their price range": the person's, not the item's
            if tuple(clause[j:j + n]) == words and not taken & set(range(j, j + n)):
                spans.append((j, j + n, aspect, polarity))
                taken.update(range(j, j + n))
    return sorted(spans)


def _negated(clause: list[str], j: int) -> bool:
    return any(w in lx.NEGATORS for w in clause[max(0, j - lx.NEGATION_WINDOW):j])

