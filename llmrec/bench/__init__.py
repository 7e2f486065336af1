"""Benchmarks: each measures llmrec against a reference in the same run and prints ratios."""

import os
from pathlib import Path

# The real catalogue used for benchmarks, next to the repository (`../shared`) unless told otherwise.
AMAZON_SCIENTIFIC = Path(os.environ.get(
    "LLMREC_AMAZON_SCIENTIFIC",
    Path(__file__).resolve().parents[3] / "shared" / "data" / "amazon-scientific"))
