"""Reasons: grounded generated text (recommendation reasons, portrait summaries, product descriptions).

Every text starts from typed evidence facts (`evidence`), is written by a generator (deterministic
`templates` or a local `llm`), and is checked sentence by sentence (`validation`) before anyone sees
it; a sentence that fails is replaced by the template sentence (`service`). Generated texts are
cached in the workspace (`cache`) and measured (`quality`).
"""

from llmrec.reasons.evidence import Evidence, EvidenceContext, Fact, build_evidence
from llmrec.reasons.service import GeneratedText, ReasonService
from llmrec.reasons.templates import TemplateGenerator
from llmrec.reasons.validation import Catalogue, ValidationResult, Validator, validate

__all__ = [
    "Catalogue",
    "Evidence",
    "EvidenceContext",
    "Fact",
    "GeneratedText",
    "ReasonService",
    "TemplateGenerator",
    "ValidationResult",
    "Validator",
    "build_evidence",
    "validate",
]
