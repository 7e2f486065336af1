"""Opening and reading source files: paths checked, gzip detected, lines decoded one at a time, bad lines.

Every reader here reports a line number with its errors, and the `BadLines` policy decides whether
the first malformed line raises or all of them are skipped, counted and noted in the load report.
"""

from __future__ import annotations

import ast
import codecs
import gzip
import io
import json
from collections.abc import Iterator
from pathlib import Path

from llmrec.data.dataset import LoadReport
from llmrec.data.sources.values import snippet
from llmrec.errors import ConfigError, DataError

_GZIP_MAGIC = b"\x1f\x8b"


def require_file(path: str | Path | None, option: str) -> Path:
    """`path` as a Path; a ConfigError when not given, a DataError naming the option when absent."""
    return _require(path, option, kind="file", needed="the path of the file to read", other="a directory")


def require_dir(path: str | Path | None, option: str) -> Path:
    """`path` as a Path; a ConfigError when not given, a DataError naming the option when absent."""
    return _require(path, option, kind="folder", needed="the folder to read", other="a file")


def _require(path: str | Path | None, option: str, *, kind: str, needed: str, other: str) -> Path:
    if path is None or str(path) == "":
        raise ConfigError(f"option '{option}' is required: {needed}")
    path = Path(path).expanduser()
    if not path.exists():
        raise DataError(f"{kind} not found (option '{option}')", file=str(path))
    if not (path.is_file() if kind == "file" else path.is_dir()):
        raise DataError(f"expected a {kind} for option '{option}', found {other}", file=str(path))
    return path


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


def file_stem(path: Path) -> str:
    """The file name without .gz/.jsonl/.json/.csv suffixes, used to name the dataset."""
    name = path.name
    for suffix in (".gz", ".jsonl", ".json", ".csv", ".tsv", ".txt", ".parquet"):
        name = name.removesuffix(suffix)
    return name
