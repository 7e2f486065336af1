"""Reading one value from a source: rating scales, typed JSON fields, and how a found value is quoted.

Each reader names the file, line and field of a value it cannot accept, and says what it
expected and what it found.
"""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from llmrec.errors import ConfigError, DataError

_SNIPPET = 60


def snippet(text: object) -> str:
    """A short quoted rendering of a found value for error messages."""
    if isinstance(text, np.generic):
        text = text.item()  # 'inf', not 'np.float64(inf)'
    text = repr(text)
    return text if len(text) <= _SNIPPET else text[: _SNIPPET - 3] + "..."


def is_missing(value: object) -> bool:
    """True for None, NaN, NA and NaT; False for everything else, lists included."""
    return (value is None or value is pd.NA or value is pd.NaT
            or (isinstance(value, float) and math.isnan(value)))


# --- ratings -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RatingScale:
    """The ratings a source may hold: finite numbers from `low` to `high`, both included."""

    low: float
    high: float

    def describe(self) -> str:
        return f"a rating from {self.low:g} to {self.high:g}"

    def holds(self, values: np.ndarray | float) -> np.ndarray | bool:
        """True where a value is finite and on the scale (NaN and inf never are)."""
        return (values >= self.low) & (values <= self.high)


AMAZON_SCALE = RatingScale(1.0, 5.0)
# Without a declared scale a rating must still be a finite, non-negative number small enough that
# sums and means stay finite (a play count fits; 1e308 is a corrupt value, not a rating).
OPEN_SCALE = RatingScale(0.0, 1e9)
_SCALE_TEXT = re.compile(r"\s*(-?\d+(?:\.\d+)?)\s*(?:\.\.|,|:|to|-)\s*(-?\d+(?:\.\d+)?)\s*")


def parse_rating_scale(value: object) -> RatingScale | None:
    """A declared scale from "1-5", "0.5..5", "-10,10" or a (low, high) pair; None stays None."""
    if value is None or isinstance(value, RatingScale):
        return value
    low = high = None
    if isinstance(value, str):
        match = _SCALE_TEXT.fullmatch(value)
        if match:
            low, high = float(match.group(1)), float(match.group(2))
    elif isinstance(value, (tuple, list)) and len(value) == 2:
        with contextlib.suppress(TypeError, ValueError):
            low, high = float(value[0]), float(value[1])
    if low is None or high is None or not (math.isfinite(low) and math.isfinite(high)) or low > high:
        raise ConfigError(f"rating_scale must be 'LOW-HIGH' with LOW <= HIGH, e.g. '1-5' or '0.5..5', "
                          f"got {value!r}")
    return RatingScale(low, high)


def check_rating(value: float, scale: RatingScale, path: Path, line: int, field: str) -> float:
    """`value` when it is on the scale; otherwise a DataError saying what was expected and found."""
    if not scale.holds(value):
        found = "nothing" if math.isnan(value) else snippet(value)
        raise DataError(f"expected {scale.describe()}, found {found}", file=str(path), line=line, field=field)
    return value


# --- field access for JSON records -------------------------------------------------------------

_MISSING = object()


def get_required(record: dict, key: str | tuple[str, ...], path: Path, line: int, hint: str = "") -> object:
    """The value of the first present key, or a DataError naming the key and the keys found."""
    keys = (key,) if isinstance(key, str) else key
    for k in keys:
        value = record.get(k, _MISSING)
        if value is not _MISSING:
            return value
    found = ", ".join(list(record)[:12])
    raise DataError(f"missing required key (expected {' or '.join(map(repr, keys))}; found keys: {found})"
                    f"{hint}", file=str(path), line=line, field=keys[0])


def as_float(value: object, path: Path, line: int, field: str) -> float:
    """A number (or numeric string) as float; None is NaN; anything else is a DataError."""
    if value is None:
        return math.nan
    if isinstance(value, bool):
        raise DataError(f"expected a number, found boolean {value!r}", file=str(path), line=line, field=field)
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip()) if value.strip() else math.nan
        except ValueError:
            pass
    raise DataError(f"expected a number, found {snippet(value)}", file=str(path), line=line, field=field)


def as_int(value: object, path: Path, line: int, field: str) -> int:
    """A whole number (int, integral float or numeric string) as int; anything else a DataError."""
    number = as_float(value, path, line, field)
    if math.isnan(number) or not math.isfinite(number):
        raise DataError(f"expected an integer, found {snippet(value)}",
                        file=str(path), line=line, field=field)
    return int(number)


def as_id(value: object, path: Path, line: int, field: str) -> str | None:
    """An id as a string; None/"" stay missing (dropped and reported later); containers are errors."""
    if value is None:
        return None
    if isinstance(value, (dict, list, bool)):
        raise DataError(f"expected an id (string or number), found {snippet(value)}",
                        file=str(path), line=line, field=field)
    text = str(value).strip()
    return text or None


def as_list(value: object, path: Path, line: int, field: str) -> list:
    """A JSON list field as a list; a lone string becomes a one-element list; null is []."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Iterable) and not isinstance(value, dict):
        return list(value)
    raise DataError(f"expected a list of strings, found {snippet(value)}", file=str(path), line=line,
                    field=field)


def as_object(value: object, path: Path, line: int, field: str) -> dict:
    """A JSON object field as a dict; null or "" is {}."""
    if value is None or value == "":
        return {}
    if not isinstance(value, dict):
        raise DataError(f"expected a JSON object, found {snippet(value)}", file=str(path), line=line,
                        field=field)
    return value
