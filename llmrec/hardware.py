"""What this machine's CPU can do, read once for every component that picks a precision."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from llmrec.errors import ConfigError

PRECISIONS = ("auto", "bf16", "fp32")
"""Precisions of training (fine-tuning, the sequential models) and of the local LLM."""
ENCODER_PRECISIONS = ("auto", "bf16", "int8", "fp32")
"""Precisions of the text encoder's inference: training's plus dynamic int8 of the Linear layers."""
INT8_MIN_TEXTS = 50_000
"""From this many texts to embed, "auto" picks int8 on a CPU without native bf16: there fp32 costs
minutes (about 110 texts/s on 2 cores), int8 is ~1.5x faster, and content ItemKNN NDCG@10 on Amazon
Scientific stayed within noise of fp32 (benchmarks/embedding.notes.md). Below it fp32 takes at most a
few minutes and its vectors are exact, so the small demo stays exact."""


@lru_cache(maxsize=1)
def cpu_has_native_bf16() -> bool:
    """True when the CPU advertises native bf16 arithmetic (AVX512-BF16 or AMX), read from /proc/cpuinfo.

    Emulated bf16 is several times slower than fp32, so callers use bf16 only where this is True.
    """
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return bool(flags & {"avx512_bf16", "amx_bf16"})
    except OSError:
        pass
    return False


def resolve_precision(precision: str) -> str:
    """"bf16" or "fp32": "auto" picks bf16 only where the CPU has it natively (emulated bf16 is slower)."""
    if precision not in PRECISIONS:
        raise ConfigError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    if precision == "auto":
        return "bf16" if cpu_has_native_bf16() else "fp32"
    return precision


@dataclass(frozen=True)
class PrecisionChoice:
    """The precision an encoder runs in and the sentence that says why (for the manifest and the CLI)."""

    precision: str
    reason: str


def encoder_precision(precision: str, *, n_texts: int | None = None,
                      native_bf16: bool | None = None) -> PrecisionChoice:
    """The text encoder's precision on a CPU: an explicit one as asked; "auto" by the CPU and the corpus.

    "auto": bf16 where the CPU has native bf16 (the encoder still checks that its vectors agree with
    fp32); else int8 when `n_texts` (the texts about to be embedded; None: unknown) reaches
    INT8_MIN_TEXTS; else fp32. `native_bf16` None reads this CPU's flags.
    """
    if precision not in ENCODER_PRECISIONS:
        raise ConfigError(f"precision must be one of {', '.join(ENCODER_PRECISIONS)}, got {precision!r}")
    if precision != "auto":
        return PrecisionChoice(precision, f"{precision}: asked for")
    if cpu_has_native_bf16() if native_bf16 is None else native_bf16:
        return PrecisionChoice("bf16", "auto: native bf16 on this CPU -> bf16")
    if n_texts is not None and n_texts >= INT8_MIN_TEXTS:
        return PrecisionChoice("int8", f"auto: no native bf16 on this CPU and {n_texts:,} texts "
                                       f"(>= {INT8_MIN_TEXTS:,}) -> int8")
    size = "an unknown number of texts" if n_texts is None else f"{n_texts:,} texts (< {INT8_MIN_TEXTS:,})"
    return PrecisionChoice("fp32", f"auto: no native bf16 on this CPU and {size} -> fp32")
