"""Machinery every loader shares: opening files, reading lines and tables, bad-line policy, finishing."""

from __future__ import annotations

import ast
import codecs
import contextlib
import csv
import gzip
import io
import json
import math
import re
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from llmrec.data.cleaning import drop_duplicates, drop_missing_ids, kcore_filter
from llmrec.data.dataset import Dataset, LoadReport
from llmrec.data.item_text import fit_item_text
from llmrec.errors import ConfigError, DataError

_GZIP_MAGIC = b"\x1f\x8b"
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


def require_file(path: str | Path | None, option: str) -> Path:
    """`path` as a Path; a ConfigError when not given, a DataError naming the option when absent."""
    if path is None or str(path) == "":
        raise ConfigError(f"option '{option}' is required: the path of the file to read")
    path = Path(path).expanduser()
    if not path.exists():
        raise DataError(f"file not found (option '{option}')", file=str(path))
    if not path.is_file():
        raise DataError(f"expected a file for option '{option}', found a directory", file=str(path))
    return path


def require_dir(path: str | Path | None, option: str) -> Path:
    """`path` as a Path; a ConfigError when not given, a DataError naming the option when absent."""
    if path is None or str(path) == "":
        raise ConfigError(f"option '{option}' is required: the folder to read")
    path = Path(path).expanduser()
    if not path.exists():
        raise DataError(f"folder not found (option '{option}')", file=str(path))
    if not path.is_dir():
        raise DataError(f"expected a folder for option '{option}', found a file", file=str(path))
    return path


def check_common_options(kcore: int, max_rows: int | None) -> None:
    """A ConfigError for a kcore or max_rows no loader can honour."""
    if not isinstance(kcore, (int, np.integer)) or isinstance(kcore, bool) or kcore < 0:
        raise ConfigError(f"kcore must be a non-negative integer, got {kcore!r}")
    if max_rows is not None and (not isinstance(max_rows, (int, np.integer)) or max_rows <= 0):
        raise ConfigError(f"max_rows must be a positive integer or None, got {max_rows!r}")


def check_encoding(encoding: str) -> None:
    """A ConfigError when `encoding` is not a codec Python knows."""
    try:
        codecs.lookup(encoding)
    except (LookupError, TypeError):
        raise ConfigError(f"unknown text encoding {encoding!r}; try 'utf-8', 'latin-1' or 'cp1252'") from None


def open_binary(path: Path) -> io.BufferedIOBase:
    """The file's bytes, gunzipped when it is gzip (detected by its magic bytes, not its name)."""
    with path.open("rb") as probe:
        magic = probe.read(2)
    if magic == _GZIP_MAGIC:
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def sniff_format(path: Path) -> str:
    """What a file looks like from its first bytes (gzip unwrapped), for "this looks like ..." hints."""
    with path.open("rb") as probe:
        if probe.read(4) == b"PAR1":
            return "Parquet"
    try:
        with open_binary(path) as handle:
            head = handle.read(4096)
    except (OSError, EOFError):
        return "a damaged file"
    head = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if not head:
        return "an empty file"
    if head[:1] == b"{":
        return "JSON Lines"
    if head[:1] == b"[":
        return "a JSON array"
    return "delimited text"


class BadLines:
    """The skip_bad_lines policy for one file: raise the first error, or count and remember lines."""

    def __init__(self, path: Path, report: LoadReport, skip: bool) -> None:
        self.path = path
        self.report = report
        self.skip = skip
        self.count = 0
        self.lines: list[int] = []
        self.first_error: str | None = None

    def handle(self, error: DataError) -> None:
        if not self.skip:
            raise error
        self.count += 1
        if error.line is not None and len(self.lines) < 5:
            self.lines.append(error.line)
        if self.first_error is None:
            self.first_error = str(error)

    def close(self) -> None:
        if not self.count:
            return
        self.report.skipped_bad_lines += self.count
        where = f" (lines {', '.join(map(str, self.lines))}{', ...' if self.count > len(self.lines) else ''})"
        self.report.notes.append(f"{self.path.name}: skipped {self.count:,} malformed lines"
                                 f"{where if self.lines else ''}; first: {self.first_error}")


_ENCODING_HINT = ("the file is not valid {encoding}; re-encode it as UTF-8 "
                  "(e.g. iconv -f latin1 -t utf-8){option_hint}")


def decode_error(path: Path, line: int, error: UnicodeDecodeError, encoding: str,
                 has_option: bool) -> DataError:
    """The DataError for an undecodable line: the byte, its column, and how to fix the file."""
    option_hint = " or pass the file's encoding with the 'encoding' option" if has_option else ""
    found = error.object[max(0, error.start - 10): error.end + 10]
    return DataError(
        f"cannot decode byte 0x{error.object[error.start]:02x} at column {error.start + 1} "
        f"(found {found!r}): " + _ENCODING_HINT.format(encoding=encoding, option_hint=option_hint),
        file=str(path), line=line)


def iter_lines(path: Path, bad: BadLines, *, encoding: str = "utf-8", fallback: str | None = None,
               has_encoding_option: bool = False, keepends: bool = False) -> Iterator[tuple[int, str]]:
    """(1-based line number, text) for each line, decoded one line at a time so errors have a line.

    With `fallback`, a line that fails to decode is decoded with it instead (MovieLens mixes
    UTF-8 and Latin-1 across releases).
    """
    try:
        handle = open_binary(path)
    except OSError as error:
        raise DataError(f"cannot open the file: {error}", file=str(path)) from None
    with handle:
        lineno = 0
        try:
            for raw in handle:
                lineno += 1
                try:
                    text = raw.decode(encoding)
                except UnicodeDecodeError as error:
                    if fallback is not None:
                        text = raw.decode(fallback)
                    else:
                        bad.handle(decode_error(path, lineno, error, encoding, has_encoding_option))
                        continue
                if lineno == 1 and text.startswith("\ufeff"):
                    text = text[1:]
                yield lineno, (text if keepends else text.rstrip("\r\n"))
        except (OSError, EOFError) as error:  # truncated or corrupt gzip
            raise DataError(f"the file is corrupt or truncated after line {lineno}: {error}",
                            file=str(path)) from None


def empty_file(path: Path, expected: str) -> DataError:
    """The DataError for a file with nothing in it, saying what it should have held."""
    return DataError(f"the file is empty; expected {expected}", file=str(path))


def iter_json_records(path: Path, bad: BadLines, *, loose: bool = False,
                      expected: str = "one JSON object per line") -> Iterator[tuple[int, dict]]:
    """(line number, object) for each non-blank line of a JSON-lines file (plain or gzip).

    With `loose`, lines in Python-literal style ({'a': 1}, as some Amazon 2014/2018 dumps are)
    are read with ast.literal_eval, which evaluates literals only.
    """
    seen = 0
    for lineno, text in iter_lines(path, bad):
        if not text.strip():
            continue
        seen += 1
        try:
            record = json.loads(text)
        except json.JSONDecodeError as error:
            record = _loose_record(text) if loose else None
            if record is None:
                bad.handle(DataError(f"expected {expected}, found invalid JSON ({error.msg} at column "
                                     f"{error.colno}): {snippet(text)}", file=str(path), line=lineno))
                continue
        if not isinstance(record, dict):
            bad.handle(DataError(f"expected a JSON object, found {type(record).__name__}: {snippet(text)}",
                                 file=str(path), line=lineno))
            continue
        yield lineno, record
    if seen == 0:
        raise empty_file(path, expected)


def _loose_record(text: str) -> dict | None:
    if not text.lstrip().startswith("{"):
        return None
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


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


def file_stem(path: Path) -> str:
    """The file name without .gz/.jsonl/.json/.csv suffixes, used to name the dataset."""
    name = path.name
    for suffix in (".gz", ".jsonl", ".json", ".csv", ".tsv", ".txt", ".parquet"):
        name = name.removesuffix(suffix)
    return name


# --- delimited text tables ---------------------------------------------------------------------


@dataclass
class Table:
    """A delimited file read as strings, with line numbers for the rows (computed only when needed)."""

    frame: pd.DataFrame
    path: Path
    bad: BadLines
    line_numbers_of: Callable[[], np.ndarray]
    row_label: str = "line"  # "row" for binary formats such as Parquet
    invalid: np.ndarray = field(init=False)
    _lines: np.ndarray | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.invalid = np.zeros(len(self.frame), dtype=bool)

    def line_of(self, row: int) -> int:
        if self._lines is None:
            self._lines = self.line_numbers_of()
        return int(self._lines[row])

    def require(self, column: str, option_hint: str = "") -> None:
        if column not in self.frame.columns:
            raise DataError(f"missing required column (expected '{column}'; found columns: "
                            f"{', '.join(map(str, self.frame.columns))}){option_hint}",
                            file=str(self.path), line=1 if self.row_label == "line" else None,
                            field=column)

    def flag(self, mask: np.ndarray, column: str, expected: str, values: pd.Series) -> None:
        """Mark rows with an invalid value: the first raises, or with skip_bad_lines all are counted."""
        new = mask & ~self.invalid
        for row in np.flatnonzero(new):
            found = "nothing" if is_missing(values.iloc[row]) else snippet(values.iloc[row])
            if self.row_label == "line":
                error = DataError(f"expected {expected}, found {found}", file=str(self.path),
                                  line=self.line_of(row), field=column)
            else:
                error = DataError(f"row {self.line_of(row)}: expected {expected}, found {found}",
                                  file=str(self.path), field=column)
            self.bad.handle(error)
        self.invalid |= mask

    def numbers(self, column: str, *, expected: str = "a number") -> pd.Series:
        """The column as float64; a non-empty value that is not a number is an invalid row."""
        raw = self.frame[column]
        numbers = pd.to_numeric(raw, errors="coerce").astype("float64")
        bad = (numbers.isna() & raw.notna()).to_numpy()
        if bad.any():
            self.flag(bad, column, expected, raw)
        return numbers

    def ratings(self, column: str, scale: RatingScale, *, implicit_ok: bool = False) -> pd.Series:
        """The column as float64 ratings; blank, NaN, infinite or off-scale values are invalid rows.

        With `implicit_ok`, a column that is blank on every row is implicit feedback: all NaN, no error.
        """
        raw = self.frame[column]
        numbers = self.numbers(column, expected=scale.describe())
        blank = raw.isna().to_numpy()
        if implicit_ok and blank.all():
            return numbers
        invalid = ~scale.holds(numbers.to_numpy())
        if invalid.any():
            self.flag(invalid, column, scale.describe(), raw)
        return numbers

    def valid_frame(self, frame: pd.DataFrame | None = None) -> pd.DataFrame:
        """`frame` (default: the raw one) without the rows flagged invalid."""
        frame = self.frame if frame is None else frame
        return frame.loc[~self.invalid].reset_index(drop=True)


def read_delimited(path: Path, bad: BadLines, *, sep: str, names: list[str] | None = None,
                   encoding: str = "utf-8", quoting: int = csv.QUOTE_MINIMAL, max_rows: int | None = None,
                   expected: str = "a header line and data rows", has_encoding_option: bool = False,
                   header_parser: Callable[[list[str]], list[str]] | None = None,
                   floats: Callable[[list[str]], Collection[str]] | None = None) -> Table:
    """A delimited file (plain or gzip) as a Table of strings ("" and missing cells are NA).

    pandas' C reader does the work; if it rejects the file, a line-by-line pass with the csv
    module finds the exact line (or, with skip_bad_lines, skips and counts the bad ones).
    `names` means the file has no header; `header_parser` rewrites the header cells (RecBole).
    `floats(columns)` names the columns the fast path may parse as numbers directly, which is
    several times faster than strings; a bad value there sends the file down the slow path.
    """
    if path.stat().st_size == 0:
        raise empty_file(path, expected)
    try:
        frame = _read_fast(path, sep=sep, names=names, encoding=encoding, quoting=quoting,
                           max_rows=max_rows, header_parser=header_parser, floats=floats)
        if len(frame.columns) and frame.iloc[:, -1].isna().any():
            # pandas pads a short row with NA; only the slow pass can tell it from an empty last cell.
            raise _NeedsSlowPass()
        line_numbers_of = lambda: _scan(path, bad, sep=sep, names=names, encoding=encoding,  # noqa: E731
                                        quoting=quoting, max_rows=max_rows, header_parser=header_parser,
                                        has_encoding_option=has_encoding_option)[1]
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError, csv.Error,
            EOFError, OSError, _NeedsSlowPass):
        frame, lines = _scan(path, bad, sep=sep, names=names, encoding=encoding, quoting=quoting,
                             max_rows=max_rows, header_parser=header_parser,
                             has_encoding_option=has_encoding_option)
        line_numbers_of = lambda: lines  # noqa: E731
    if frame.empty:
        raise DataError(f"no data rows; expected {expected}", file=str(path))
    return Table(frame=frame, path=path, bad=bad, line_numbers_of=line_numbers_of)


class _NeedsSlowPass(Exception):
    """The fast reader saw a header it cannot name or a possibly short row; the slow pass is precise."""


def _read_fast(path: Path, *, sep: str, names, encoding, quoting, max_rows, header_parser,
               floats) -> pd.DataFrame:
    options = {"sep": sep, "header": None if names else 0, "names": names, "encoding": encoding,
               "quoting": quoting, "keep_default_na": False, "na_values": [""], "on_bad_lines": "error",
               "engine": "c"}
    dtype: object = str
    if floats is not None:
        if names:
            raw = canonical = list(names)
        else:
            with open_binary(path) as handle:
                raw = [str(c) for c in pd.read_csv(handle, nrows=0, **options).columns]
            try:
                canonical = header_parser(raw) if header_parser else [c.strip() for c in raw]
            except DataError:
                raise _NeedsSlowPass() from None
        numeric = set(floats(canonical))
        dtype = {r: ("float64" if c in numeric else str) for r, c in zip(raw, canonical, strict=True)}
    with open_binary(path) as handle:
        frame = pd.read_csv(handle, dtype=dtype, nrows=max_rows, **options)
    if header_parser is not None:
        try:
            frame.columns = header_parser([str(c) for c in frame.columns])
        except DataError:
            raise _NeedsSlowPass() from None
    elif names is None:
        frame.columns = [str(c).strip() for c in frame.columns]
    if not names and any(str(c).startswith("Unnamed:") for c in frame.columns):
        raise _NeedsSlowPass()  # a blank header cell: let the slow pass name it
    return frame


def _scan(path: Path, bad: BadLines, *, sep, names, encoding, quoting, max_rows, header_parser,
          has_encoding_option) -> tuple[pd.DataFrame, np.ndarray]:
    state = {"line": 0}

    def lines() -> Iterator[str]:
        for lineno, text in iter_lines(path, bad, encoding=encoding, keepends=True,
                                       has_encoding_option=has_encoding_option):
            state["line"] = lineno
            yield text

    reader = csv.reader(lines(), delimiter=sep, quoting=quoting)
    header = names
    rows: list[list[str]] = []
    numbers: list[int] = []
    try:
        for record in reader:
            if not record or (len(record) == 1 and not record[0].strip()):
                continue
            if header is None:
                cells = [c.strip() for c in record]
                header = header_parser(cells) if header_parser else cells
                for position, cell in enumerate(header):
                    if not cell:
                        raise DataError(f"expected a column name in header cell {position + 1}, found ''",
                                        file=str(path), line=state["line"])
                continue
            if len(record) != len(header):
                bad.handle(DataError(f"expected {len(header)} fields separated by {sep!r}, found "
                                     f"{len(record)}: {snippet(sep.join(record))}",
                                     file=str(path), line=state["line"]))
                continue
            rows.append(record)
            numbers.append(state["line"])
            if max_rows is not None and len(rows) >= max_rows:
                break
    except csv.Error as error:
        raise DataError(f"malformed delimited text ({error})", file=str(path), line=state["line"]) from None
    if header is None:
        raise empty_file(path, "a header line and data rows")
    frame = pd.DataFrame(rows, columns=header, dtype="str").replace("", np.nan)
    return frame, np.asarray(numbers, dtype=np.int64)


# --- RecBole typed headers --------------------------------------------------------------------

FIELD_TYPES = ("token", "token_seq", "float", "float_seq")


def parse_header(cells: list[str], path: Path) -> tuple[list[str], dict[str, str]]:
    """Field names and types from `name:type` header cells; a DataError for a malformed cell."""
    names, types = [], {}
    for cell in cells:
        name, sep, kind = cell.strip().rpartition(":")
        if not sep or not name:
            raise DataError(f"expected a header cell 'name:type' with type one of {', '.join(FIELD_TYPES)}, "
                            f"found {cell!r}", file=str(path), line=1, field=cell)
        if kind not in FIELD_TYPES:
            raise DataError(f"expected a field type, one of {', '.join(FIELD_TYPES)}, found {kind!r}",
                            file=str(path), line=1, field=name)
        names.append(name)
        types[name] = kind
    return names, types


# --- finishing ---------------------------------------------------------------------------------


def finish(name: str, report: LoadReport, *, interactions: pd.DataFrame, items: pd.DataFrame | None = None,
           users: pd.DataFrame | None = None, reviews: pd.DataFrame | None = None, kcore: int = 0,
           keep_unused_items: bool = False) -> Dataset:
    """Clean the raw tables (missing ids, exact duplicates, k-core) and build the Dataset.

    Reviews and users are kept only for users and items that survive in the interactions, so a
    k-core is not undone by them; items likewise unless `keep_unused_items` (cold-start studies).
    """
    interactions = drop_missing_ids(interactions, report, "interactions")
    interactions = drop_duplicates(interactions, report, "interactions")
    if interactions.empty:
        raise DataError(f"{name}: no valid interactions (every row was malformed or lacked an id)")
    interactions = kcore_filter(interactions, kcore, report)
    if interactions.empty:
        raise ConfigError(f"{name}: kcore={kcore} removed every interaction; try a smaller kcore")
    kept_users = pd.Index(interactions["user_id"].unique())
    kept_items = pd.Index(interactions["item_id"].unique())
    if reviews is not None:
        reviews = drop_missing_ids(reviews, report, "reviews")
        reviews = drop_duplicates(reviews, report, "reviews")
        outside = ~(reviews["user_id"].isin(kept_users) & reviews["item_id"].isin(kept_items))
        report.drop("reviews of users or items not in the interactions", int(outside.sum()))
        reviews = reviews.loc[~outside].reset_index(drop=True)
    if users is not None:
        unused_users = ~users["user_id"].isin(kept_users)
        report.drop("users without interactions", int(unused_users.sum()))
        users = users.loc[~unused_users].reset_index(drop=True)
    if items is not None:
        items = items.loc[items["item_id"].notna() & (items["item_id"].astype("string").str.strip() != "")]
        duplicated = items["item_id"].duplicated(keep="first")
        report.drop("items listed twice in the metadata (kept the first)", int(duplicated.sum()))
        items = items.loc[~duplicated]
        if not keep_unused_items:
            unused = ~items["item_id"].isin(kept_items)
            report.drop("items without interactions", int(unused.sum()))
            items = items.loc[~unused]
        items = items.reset_index(drop=True)
    dataset = Dataset.from_frames(name, interactions=interactions, items=items, users=users,
                                  reviews=reviews, report=report)
    dataset.items = fit_item_text(dataset.items, dataset.reviews, report)
    return dataset


def position_timestamps(user_ids: pd.Series) -> pd.Series:
    """Each row's position in its user's history (file order), for sources without times."""
    return user_ids.groupby(user_ids, sort=False, dropna=False).cumcount().astype("int64")

