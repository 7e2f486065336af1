"""Delimited text tables (CSV, TSV, RecBole atomic files) read as strings, with line numbers for errors.

pandas' C reader does the work; when it rejects a file, a line-by-line pass with the csv module
finds the exact line. RecBole's typed `name:type` header cells are parsed here too.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from llmrec.data.sources.files import BadLines, empty_file, iter_lines, open_binary
from llmrec.data.sources.values import RatingScale, is_missing, snippet
from llmrec.errors import DataError


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
