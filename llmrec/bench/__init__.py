"""Benchmarks: each measures llmrec against a reference in the same run and prints ratios."""
