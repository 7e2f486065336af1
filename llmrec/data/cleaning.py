"""Pure cleaning helpers shared by the loaders: text, prices, timestamps, ids, duplicates, k-core."""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from llmrec.data.dataset import LoadReport
from llmrec.errors import ConfigError

# A tag must start with a letter (or '/', '!'), so "a < b and c > d" in prose survives.
_BLOCK = re.compile(r"<!--.*?(?:-->|$)|<(script|style)\b.*?(?:</\1\s*>|$)", re.S | re.I)
_TAG = re.compile(r"</?[A-Za-z!][^<>]*>")
# What is left of a tag cut short (Amazon 2018 titles such as '<span class="a-size-medium"'):
# the name and any name=value pairs, quoted values possibly unterminated.
_VALUE = r"""(?:"[^"]*"?|'[^']*'?|[^\s<>]+)"""
_PARTIAL_TAG = re.compile(rf"</?[A-Za-z!][\w:-]*(?:\s+[\w:.-]+\s*=\s*{_VALUE}?)*\s*/?")
_LONE_OPEN = re.compile(r"<(?=[A-Za-z/!])")
# The end of a tag whose start was cut away ("Safety Cone, 1-Pack,3M,90128-00001 />", UniSRec
# Scientific); "/>" is never prose, unlike a lone ">".
_TAG_END = re.compile(r"\s*/>")
_ATTRIBUTE = re.compile(rf"\b(?:on[a-z]+|href|src|style|srcdoc|formaction)\s*=\s*{_VALUE}", re.I)
_SCHEME = re.compile(r"(?:java|vb)script\s*:|\bdata\s*:\s*[a-z]+/[\w.+-]+[;,]?", re.I)
_SUSPECT = re.compile(r"[<&=]|/>|script\s*:|data\s*:", re.I)
_ENTITY = re.compile(r"&(#\d+|#x[0-9a-f]+|[a-z][a-z0-9]{1,31});?", re.I)
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
_MAX_PASSES = 8


def normalise_whitespace(text: str) -> str:
    """Collapse every run of whitespace (including non-breaking spaces) to one space; drop zero-widths."""
    if not text.isascii():  # O(1) in CPython, and most catalogue text is ASCII
        text = _INVISIBLE.sub("", text)
    return " ".join(text.split())


def strip_html(text: str) -> str:
    """Plain text, safe to show, from an HTML fragment that may be escaped once or several times.

    Each pass decodes entities and then removes markup: comments, script/style blocks with their
    contents, whole and cut-off tags, stray attribute fragments (onerror=..., href=...) and
    javascript:/vbscript:/data: URLs. Passes repeat until nothing changes, so "&lt;img
    onerror=...&gt;" (escaped markup) can never come out as a live tag.
    """
    if not _SUSPECT.search(text):
        return normalise_whitespace(text)
    for _ in range(_MAX_PASSES):
        before = text
        if "&" in text and _ENTITY.search(text):
            text = html.unescape(text)
        text = _BLOCK.sub(" ", text)
        # A space, not "", so "one<br>two" does not become "onetwo".
        text = _TAG.sub(" ", text)
        text = _PARTIAL_TAG.sub(" ", text)
        text = _LONE_OPEN.sub("", text)
        text = _TAG_END.sub(" ", text)
        text = _ATTRIBUTE.sub(" ", text)
        text = _SCHEME.sub("", text)
        if text == before:
            break
    return normalise_whitespace(text)


def clean_text(value: object) -> str:
    """Any text-ish field as one clean string: None/NaN -> "", lists of paragraphs joined by spaces."""
    if type(value) is str:
        return strip_html(value)
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if isinstance(value, (list, tuple, np.ndarray)):
        return normalise_whitespace(" ".join(clean_text(v) for v in value))
    return strip_html(str(value))


def clean_counted(value: object, report: LoadReport, field: str) -> str:
    """clean_text(value), counting in `report.markup_removed[field]` a value that held markup or
    entities (more than whitespace changed), for the data-quality card."""
    cleaned = clean_text(value)
    if isinstance(value, (list, tuple, np.ndarray)):
        value = " ".join(str(v) for v in value if isinstance(v, str))
    if isinstance(value, str) and _SUSPECT.search(value) and cleaned != normalise_whitespace(value):
        report.markup_removed[field] = report.markup_removed.get(field, 0) + 1
    return cleaned


def split_title(text: str) -> tuple[str, str]:
    """A one-field item text ("Title. Category path. Brand.", as UniSRec writes it) as (title, rest)."""
    title, _, rest = clean_text(text).partition(". ")
    return title, rest


_NUMBER = r"\d[\d.,' ]*"
_CURRENCY = r"(?:[$€£¥₹]|[A-Z]{1,3}\$?|US\$)?"
_PRICE = re.compile(
    rf"{_CURRENCY}\s*(?P<low>{_NUMBER})\s*(?:[A-Z]{{3}}|€)?"
    rf"(?:\s*(?:-|–|—|to)\s*{_CURRENCY}\s*(?P<high>{_NUMBER})\s*(?:[A-Z]{{3}}|€)?)?",
    re.I,
)


def _parse_number(text: str) -> float:
    text = text.strip().replace("'", "").replace(" ", "")
    if "," in text and "." in text:
        # Whichever separator comes last is the decimal point ("1,299.99" vs "1.299,99").
        if text.rfind(",") > text.rfind("."):
            text = text.replace(".", "").replace(",", ".")
        else:
            text = text.replace(",", "")
    elif "," in text:
        head, _, tail = text.rpartition(",")
        text = f"{head.replace(',', '')}.{tail}" if len(tail) != 3 else text.replace(",", "")
    return float(text)


def parse_price(value: object) -> float:
    """A price as a float, or NaN when absent or not a price.

    Accepts numbers and strings like "$1,299.99", "12.99 EUR", "1.299,99 €". A range such as
    "$10.00 - $20.00" gives its low end: that is the "from" price a shopper sees and, unlike the
    mean, the real price of some variant. "", "N/A", "None" and anything that is not wholly a
    price (Amazon 2018 has CSS fragments in this field) give NaN.
    """
    if value is None or isinstance(value, bool):
        return math.nan
    if isinstance(value, (int, float, np.integer, np.floating)):
        number = float(value)
        return number if math.isfinite(number) and number >= 0 else math.nan
    match = _PRICE.fullmatch(str(value).strip())
    if match is None:
        return math.nan
    try:
        return _parse_number(match.group("low"))
    except ValueError:
        return math.nan


def split_categories(value: object, sep: str | None = None) -> list[str]:
    """A category path as a list, most general first.

    Lists pass through; strings are split on `sep`, or else on the first of ">", "|" found
    (so "Home > Kitchen" and "Action|Comedy" both work); a JSON list string is parsed.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    if isinstance(value, (list, tuple, np.ndarray)):
        return [c for c in (clean_text(v) for v in value) if c]
    text = str(value).strip()
    if text.startswith("[") and text.endswith("]"):
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError:
            parsed = None
        if isinstance(parsed, list):
            return split_categories(parsed)
    if sep is None:
        sep = next((s for s in (">", "|") if s in text), None)
    parts = text.split(sep) if sep else [text]
    return [c for c in (clean_text(p) for p in parts) if c]


def attributes_json(attributes: Mapping | None) -> str:
    """A flat JSON object of str -> str: lists joined with "; ", nested objects as JSON, empties dropped."""
    out: dict[str, str] = {}
    for key, value in (attributes or {}).items():
        if isinstance(value, Mapping):
            text = json.dumps(value, ensure_ascii=False, sort_keys=True) if value else ""
        elif isinstance(value, (list, tuple, np.ndarray)):
            text = "; ".join(t for t in (clean_text(v) for v in value) if t)
        else:
            text = clean_text(value)
        if text:
            out[normalise_whitespace(str(key))] = text
    return json.dumps(out, ensure_ascii=False)


# Thresholds between units: 1e11 s is the year 5138, 1e11 ms is 1973, so the ranges never meet.
_UNIT_DIVISORS = ((1e17, 1_000_000_000), (1e14, 1_000_000), (1e11, 1_000))


def epoch_to_seconds(values: pd.Series) -> tuple[pd.Series, str | None]:
    """Unix times in s, ms, us or ns (detected per value by magnitude) as int64 seconds.

    Returns the converted series and a note naming the unit found when it was not seconds.
    """
    numbers = pd.to_numeric(values, errors="raise").astype("float64")
    magnitude = numbers.abs()
    divisor = pd.Series(1.0, index=numbers.index)
    units = []
    for threshold, div in _UNIT_DIVISORS:
        chosen = (magnitude >= threshold) & (divisor == 1.0)
        if chosen.any():
            divisor[chosen] = div
            units.append({1_000: "milliseconds", 1_000_000: "microseconds",
                          1_000_000_000: "nanoseconds"}[div])
    seconds = np.floor(numbers / divisor).fillna(0).astype("int64")
    note = f"timestamps given in {', '.join(units)} were converted to seconds" if units else None
    return seconds, note


def drop_missing_ids(frame: pd.DataFrame, report: LoadReport, table: str = "interactions") -> pd.DataFrame:
    """Rows whose user_id or item_id is null or blank are dropped and counted in the report."""
    missing = pd.Series(False, index=frame.index)
    for column in ("user_id", "item_id"):
        if column in frame:
            ids = frame[column]
            missing |= ids.isna() | (ids.astype("string").str.strip() == "").fillna(True)
    report.drop(f"{table} with a missing user or item id", int(missing.sum()))
    return frame.loc[~missing].reset_index(drop=True)


def drop_duplicates(frame: pd.DataFrame, report: LoadReport, table: str = "interactions") -> pd.DataFrame:
    """Exact duplicate rows (every column equal) are dropped, keeping the first, and counted."""
    hashable = frame.drop(columns=[c for c in frame.columns if frame[c].dtype == object
                                   and frame[c].map(lambda v: isinstance(v, list)).any()])
    duplicated = hashable.duplicated(keep="first")
    report.drop(f"exact duplicate {table}", int(duplicated.sum()))
    return frame.loc[~duplicated].reset_index(drop=True)


def kcore_filter(interactions: pd.DataFrame, k: int, report: LoadReport | None = None) -> pd.DataFrame:
    """Iterative k-core: repeatedly drop users and items with fewer than `k` interaction rows.

    Rows are counted (a user who bought one item twice has two), as RecBole and LensKit do.
    Stops when every remaining user and item has at least `k` rows; k <= 1 is a no-op.
    """
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 0:
        raise ConfigError(f"kcore must be a non-negative integer, got {k!r}")
    frame = interactions
    if k > 1:
        while True:
            user_counts = frame["user_id"].map(frame["user_id"].value_counts())
            item_counts = frame["item_id"].map(frame["item_id"].value_counts())
            keep = (user_counts >= k) & (item_counts >= k)
            if keep.all():
                break
            frame = frame.loc[keep]
    if report is not None:
        report.drop(f"interactions outside the {k}-core", len(interactions) - len(frame))
    return frame.reset_index(drop=True)
