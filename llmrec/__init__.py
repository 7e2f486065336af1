"""llmrec: a workbench for LLM-enhanced e-commerce recommendation."""

__version__ = "0.1.0"
