"""What this machine's CPU can do, read once for every component that picks a precision."""

from __future__ import annotations

from functools import lru_cache

from llmrec.errors import ConfigError

PRECISIONS = ("auto", "bf16", "fp32")


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
