"""The reason service: evidence -> generator -> sentence-by-sentence check -> template fallback -> cache.

Nothing a generator writes reaches a caller unchecked: each sentence of its output is validated,
and when one fails the whole text is replaced by the template text, with the failure recorded in
`fallback_reason`. Cached texts are validated again on every hit.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Protocol, runtime_checkable

from llmrec.reasons.cache import ReasonCache, cache_key
from llmrec.reasons.evidence import (
    Evidence,
    EvidenceContext,
    Fact,
    build_evidence,
    description_evidence,
    portrait_evidence,
)
from llmrec.reasons.llm import postprocess
from llmrec.reasons.templates import TemplateGenerator
from llmrec.reasons.validation import Catalogue, ValidationResult, Validator, split_sentences

# How many sentences each task must have.
# How many sentences each task must have (a portrait of a shopper with a single fact: one).
SENTENCES: dict[str, tuple[int, int]] = {"reason": (1, 1), "description": (1, 1), "portrait": (2, 3)}


class TextGenerator(Protocol):
    """Anything that writes one text per evidence: TemplateGenerator, LLMGenerator, a test fake."""

    identity: str  # names the model and its settings (part of the cache key)
    prompt_version: str

    def generate(self, evidences: Sequence[Evidence]) -> list[str]: ...


@runtime_checkable
class ResamplingGenerator(Protocol):
    """A generator that can write other candidates for the same evidence (LLMGenerator): the service
    asks for up to `retries` more, one attempt at a time, for the texts that failed the checker."""

    identity: str
    prompt_version: str
    retries: int

    def generate(self, evidences: Sequence[Evidence], attempt: int = 0) -> list[str]: ...


@runtime_checkable
class StreamingGenerator(Protocol):
    """A generator that can also hand out one text in chunks as it writes it (LLMGenerator), so a
    screen can show the words arriving."""

    identity: str
    prompt_version: str

    def generate(self, evidences: Sequence[Evidence]) -> list[str]: ...

    def stream(self, evidence: Evidence) -> Iterator[str]: ...


@dataclass(frozen=True)
class GeneratedText:
    """A checked text and how it came to be."""

    text: str
    source: str  # "llm" (the configured generator's words) | "template"
    fallback_reason: str | None  # why the generator's text was replaced; None when it was not
    cited_facts: tuple[Fact, ...]
    evidence: Evidence
    grounded: bool = True  # the shown text passed validation (False only without any evidence)
    raw_text: str | None = None  # the generator's output before the check (None for templates)
    raw_ok: bool | None = None  # whether that output passed
    latency_s: float = 0.0  # generation time attributed to this text (0 for cache hits)
    cached: bool = False
    attempts: int = 1  # generator candidates written for this text (the last one is `raw_text`)

    @property
    def sentences(self) -> list[str]:
        return split_sentences(self.text)


class ReasonService:
    """Grounded reasons, portrait summaries and product descriptions for users and items (indices).

    `generator` defaults to the templates; pass an LLMGenerator for model-written text. `validator`
    defaults to one over the context's catalogue; `cache` (optional) makes repeats free.
    """

    def __init__(self, ctx: EvidenceContext, generator: TextGenerator | None = None,
                 validator: Validator | None = None, cache: ReasonCache | None = None,
                 *, catalogue: Catalogue | None = None) -> None:
        self.ctx = ctx
        self.templates = TemplateGenerator()
        self.generator = generator if generator is not None else self.templates
        if validator is None:
            validator = Validator(catalogue or Catalogue.from_context(ctx))
        self.validator = validator
        self.cache = cache

    def reason(self, user: int, item: int) -> GeneratedText:
        return self.reasons([(user, item)])[0]

    def reasons(self, pairs: Sequence[tuple[int, int]]) -> list[GeneratedText]:
        """Reasons for many (user, item) pairs; the generator sees all cache misses in one batch."""
        return self.run([build_evidence(self.ctx, int(u), int(i)) for u, i in pairs])

    def portrait_summary(self, user: int) -> GeneratedText:
        return self.run([portrait_evidence(self.ctx, int(user))])[0]

    def product_description(self, user: int, item: int) -> GeneratedText:
        return self.run([description_evidence(self.ctx, int(user), int(item))])[0]

    def stream(self, evidence: Evidence) -> Iterator[str | GeneratedText]:
        """Raw chunks as the generator writes them (str, for a typing effect), then the checked
        GeneratedText, which the caller must show in place of the chunks. A cached text is yielded
        at once, without the generator; generators without a `stream` method yield only the final
        text. The checked text is remembered in the cache like any other."""
        if not isinstance(self.generator, StreamingGenerator):
            yield self.run([evidence])[0]
            return
        (hit,) = self.lookup([evidence])
        if hit is not None:
            yield hit
            return
        start = time.perf_counter()
        chunks = []
        for chunk in self.generator.stream(evidence):
            chunks.append(chunk)
            yield chunk
        raw = postprocess("".join(chunks), SENTENCES[evidence.task][1])
        final = self._finish(evidence, raw, time.perf_counter() - start)
        if self.cache is not None:
            self.cache.put(self._key(evidence), self._row(final))
            self.cache.flush()
        yield final

    def check(self, text: str, evidence: Evidence) -> tuple[bool, str | None, list[Fact]]:
        """(ok, first failure, cited facts) of a whole text, sentence by sentence."""
        sentences = split_sentences(text)
        low, high = SENTENCES[evidence.task]
        low = min(low, max(len(evidence.facts), 1))
        if not low <= len(sentences) <= high:
            expected = f"{low}" if low == high else f"{low}-{high}"
            return False, f"has {len(sentences)} sentences ({expected} expected)", []
        cited: list[Fact] = []
        for sentence in sentences:
            result: ValidationResult = self.validator(sentence, evidence)
            if not result.ok:
                return False, "; ".join(result.reasons), []
            cited += [f for f in result.cited_facts if f not in cited]
        return True, None, cited

    def lookup(self, evidences: Sequence[Evidence]) -> list[GeneratedText | None]:
        """The cached text of each evidence for this generator, or None; never calls the generator.

        A cached text is validated again (the validator may have changed since it was written);
        one that no longer passes counts as missing."""
        if self.cache is None:
            return [None] * len(evidences)
        self.cache.refresh()  # texts another process wrote meanwhile (e.g. `python -m llmrec explain`)
        out: list[GeneratedText | None] = []
        for ev in evidences:
            row = self.cache.get(self._key(ev))
            found = None
            if row is not None:
                ok, _, cited = self.check(row["text"], ev)
                if ok:
                    found = GeneratedText(text=row["text"], source=row["source"],
                                          fallback_reason=row["fallback_reason"], cited_facts=tuple(cited),
                                          evidence=ev, raw_text=row["raw_text"],
                                          raw_ok=row["fallback_reason"] is None, cached=True)
            out.append(found)
        return out

    def run(self, evidences: Sequence[Evidence]) -> list[GeneratedText]:
        """Check the cache, generate the misses in one batch, validate, fall back, remember."""
        out = self.lookup(evidences)
        misses = [j for j, found in enumerate(out) if found is None]
        if misses:
            start = time.perf_counter()
            raw = dict(zip(misses, self.generator.generate([evidences[j] for j in misses]), strict=True))
            attempts = dict.fromkeys(misses, 1)
            retries = self.generator.retries if isinstance(self.generator, ResamplingGenerator) else 0
            for attempt in range(1, retries + 1):
                failed = [j for j in misses if not self.check(raw[j], evidences[j])[0]]
                if not failed:
                    break
                again = self.generator.generate([evidences[j] for j in failed], attempt)
                for j, text in zip(failed, again, strict=True):
                    raw[j], attempts[j] = text, attempt + 1
            latency = (time.perf_counter() - start) / len(misses)
            for j in misses:
                out[j] = replace(self._finish(evidences[j], raw[j], latency), attempts=attempts[j])
                if self.cache is not None:
                    self.cache.put(self._key(evidences[j]), self._row(out[j]))
            if self.cache is not None:
                self.cache.flush()
        return out  # type: ignore[return-value]

    def _key(self, evidence: Evidence) -> str:
        return cache_key(self.generator.identity, self.generator.prompt_version, evidence)

    def template(self, ev: Evidence) -> tuple[str, bool, str | None, list[Fact]]:
        """(text, ok, failure, cited) of the first template option the validator passes; the
        preferred option with its failure when none does (only without usable evidence)."""
        options = self.templates.options(ev)
        first = None
        for option in options:
            ok, failure, cited = self.check(option, ev)
            if ok:
                return option, True, None, cited
            first = first or (option, False, failure, cited)
        return first  # type: ignore[return-value]

    def _finish(self, ev: Evidence, raw: str, latency: float) -> GeneratedText:
        by_templates = self.generator is self.templates
        source = "template" if by_templates else "llm"
        ok, failure, cited = self.check(raw, ev)
        if ok:
            return GeneratedText(text=raw, source=source, fallback_reason=None, cited_facts=tuple(cited),
                                 evidence=ev, raw_text=None if by_templates else raw, raw_ok=True,
                                 latency_s=latency)
        reason = None if by_templates else failure
        fallback, fallback_ok, fallback_failure, fallback_cited = self.template(ev)
        if not fallback_ok:
            # Only without usable evidence (e.g. a user with no history): say so, never hide it.
            reason = f"{reason + '; ' if reason else ''}template not grounded: {fallback_failure}"
        return GeneratedText(text=fallback, source="template", fallback_reason=reason,
                             cited_facts=tuple(fallback_cited), evidence=ev, grounded=fallback_ok,
                             raw_text=None if by_templates else raw, raw_ok=False, latency_s=latency)

    def _row(self, text: GeneratedText) -> dict:
        ev = text.evidence
        return {"generator": self.generator.identity, "prompt_version": self.generator.prompt_version,
                "task": ev.task, "user_id": ev.user_id, "item_id": ev.item_id, "text": text.text,
                "source": text.source, "fallback_reason": text.fallback_reason, "raw_text": text.raw_text}
