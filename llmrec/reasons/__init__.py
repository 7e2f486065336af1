"""Reasons: grounded generated text (recommendation reasons, portrait summaries, product descriptions).

Every text starts from typed evidence facts (`facts`, built by `evidence` from a per-workspace
`context`), is written by a generator (deterministic `templates` or a local `llm`), and is checked
sentence by sentence (`sentences` for form, `validation` and `opinions` for content) before anyone sees
it; a sentence that fails is replaced by the template sentence (`service`). Generated texts are
cached in the workspace (`cache`) and measured (`quality`).
"""

from llmrec.reasons.cache import ReasonCache
from llmrec.reasons.context import EvidenceContext
from llmrec.reasons.evidence import build_evidence, description_evidence, portrait_evidence
from llmrec.reasons.facts import Evidence, Fact
from llmrec.reasons.llm import LLMGenerator
from llmrec.reasons.quality import explanation_quality, sampled_explanation_quality
from llmrec.reasons.service import GeneratedText, ReasonService
from llmrec.reasons.templates import TemplateGenerator
from llmrec.reasons.validation import Catalogue, ValidationResult, Validator, validate

__all__ = [
    "Catalogue",
    "Evidence",
    "EvidenceContext",
    "Fact",
    "GeneratedText",
    "LLMGenerator",
    "ReasonCache",
    "ReasonService",
    "TemplateGenerator",
    "ValidationResult",
    "Validator",
    "build_evidence",
    "description_evidence",
    "explanation_quality",
    "portrait_evidence",
    "sampled_explanation_quality",
    "validate",
]
