"""Evaluation: splits, metrics, the protocol they run under, and the evaluate() driver."""

from llmrec.evaluation.evaluate import EvaluationResult, evaluate, recommendations
from llmrec.evaluation.protocol import Protocol
from llmrec.evaluation.splits import Split, cold_start_split, leave_last_out, random_split, temporal_split

__all__ = [
    "EvaluationResult",
    "Protocol",
    "Split",
    "cold_start_split",
    "evaluate",
    "leave_last_out",
    "random_split",
    "recommendations",
    "temporal_split",
]
