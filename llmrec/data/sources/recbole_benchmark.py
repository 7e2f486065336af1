"""The UniSRec/RecBole benchmark layout: `X.{train,valid,test}.inter` sequences, `X.text`, `X.*2index`.

Each `.inter` row is (user, item_id_list, item_id): a history and its next item. `train` holds
every prefix of each user's training history, longest first; `valid` and `test` hold one row per
user whose target is the second-last and last item. Rebuilding the history from these rows gives
each user's ordered interactions (position as time), and the target of the valid and test rows
is remembered in the `given_split` column so the evaluation can reuse the authors' split.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from llmrec.data.cleaning import split_title
from llmrec.data.dataset import LoadReport
from llmrec.data.sources.delimited import parse_header
from llmrec.data.sources.files import BadLines, empty_file, iter_lines
from llmrec.data.sources.values import snippet
from llmrec.errors import DataError

PARTS = ("train", "valid", "test")
_INTER_FIELDS = ("user_id", "item_id_list", "item_id")


def benchmark_names(stems: list[str]) -> list[str]:
    """Names X for which `X.train.inter`, `X.valid.inter` and `X.test.inter` all exist."""
    return sorted(s.removesuffix(".train") for s in stems if s.endswith(".train")
                  and all(f"{s.removesuffix('.train')}.{part}" in stems for part in PARTS[1:]))


def part_of_benchmark(stem: str, benchmarks: list[str]) -> str | None:
    """The benchmark X when `stem` is `X.train`, `X.valid` or `X.test` of one; else None."""
    base, _, part = stem.rpartition(".")
    return base if part in PARTS and base in benchmarks else None


@dataclass(frozen=True)
class _Row:
    """One `.inter` row and where it was read, for error messages."""

    path: Path
    line: int
    sequence: list[str]
    target: str


@dataclass
class _History:
    """One user's items in order, and the split each position belongs to."""

    items: list[str] = field(default_factory=list)
    splits: list[str] = field(default_factory=list)
    train_rows: list[_Row] = field(default_factory=list)  # in file order: longest first
    given: dict[str, _Row] = field(default_factory=dict)  # "valid"/"test" -> its row


def read_benchmark(folder: Path, name: str, report: LoadReport, *, skip: bool,
                   encoding: str) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Interactions (user_id, item_id, timestamp = position, given_split) and items from `.text`."""
    users = _read_index(folder / f"{name}.user2index", report, skip, encoding)
    items = _read_index(folder / f"{name}.item2index", report, skip, encoding)
    histories: dict[str, _History] = {}
    for part in PARTS:
        _read_part(folder / f"{name}.{part}.inter", part, histories, report, skip, encoding)
    rows = []
    for user, history in histories.items():
        _rebuild(history)
        for position, (item, split) in enumerate(zip(history.items, history.splits, strict=True)):
            rows.append((user, item, position, split))
    frame = pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp", "given_split"])
    frame["rating"] = float("nan")
    if users is not None:
        frame["user_id"] = _map_ids(frame["user_id"], users, folder / f"{name}.user2index", "user")
    if items is not None:
        frame["item_id"] = _map_ids(frame["item_id"], items, folder / f"{name}.item2index", "item")
    else:
        report.notes.append(f"no {name}.item2index: items keep the integer ids of the .inter files")
    report.rows_read["interactions"] = len(frame)
    report.notes.append(f"{name}: UniSRec/RecBole benchmark split kept as given_split "
                        f"(train/valid/test); timestamps are positions in each user's history")
    text_file = folder / f"{name}.text"
    item_table = _read_text(text_file, report, skip, encoding) if text_file.is_file() else None
    return frame, item_table


def _read_index(path: Path, report: LoadReport, skip: bool, encoding: str) -> dict[str, str] | None:
    """`original id TAB integer id` lines as integer id -> original id; None when the file is absent."""
    if not path.is_file():
        return None
    report.files.append(str(path))
    bad = BadLines(path, report, skip)
    index: dict[str, str] = {}
    for line, text in iter_lines(path, bad, encoding=encoding, has_encoding_option=True):
        if not text.strip():
            continue
        fields = text.split("\t")
        if len(fields) != 2 or not fields[0].strip() or not fields[1].strip():
            bad.handle(DataError(f"expected 'original id<TAB>integer id', found {snippet(text)}",
                                 file=str(path), line=line))
            continue
        original, token = fields[0].strip(), fields[1].strip()
        if token in index:
            bad.handle(DataError(f"expected each integer id once, found {token!r} again (first for "
                                 f"{index[token]!r})", file=str(path), line=line, field="integer id"))
            continue
        index[token] = original
    bad.close()
    if not index:
        raise empty_file(path, "'original id<TAB>integer id' lines")
    return index


def _read_part(path: Path, part: str, histories: dict[str, _History], report: LoadReport, skip: bool,
               encoding: str) -> None:
    report.files.append(str(path))
    bad = BadLines(path, report, skip)
    header: list[str] | None = None
    count = 0
    for line, text in iter_lines(path, bad, encoding=encoding, has_encoding_option=True):
        if not text.strip():
            continue
        cells = text.split("\t")
        if header is None:
            header, _ = parse_header(cells, path)
            missing = [f for f in _INTER_FIELDS if f not in header]
            if missing:
                raise DataError(f"missing required field (expected {', '.join(_INTER_FIELDS)}; found "
                                f"{', '.join(header)})", file=str(path), line=line, field=missing[0])
            columns = [header.index(f) for f in _INTER_FIELDS]
            continue
        try:
            if len(cells) != len(header):
                raise DataError(f"expected {len(header)} fields separated by '\\t', found {len(cells)}: "
                                f"{snippet(text)}", file=str(path), line=line)
            user, sequence, target = (cells[c].strip() for c in columns)
            if not user or not target:
                raise DataError(f"expected a user and a target item, found {snippet(text)}",
                                file=str(path), line=line)
            history = histories.setdefault(user, _History())
            row = _Row(path, line, sequence.split(), target)
            if part == "train":
                history.train_rows.append(row)
            elif part in history.given:
                raise DataError(f"expected one {part} row per user, found a second for user {user!r} "
                                f"(first on line {history.given[part].line})", file=str(path), line=line,
                                field="user_id")
            else:
                history.given[part] = row
        except DataError as error:
            bad.handle(error)
            continue
        count += 1
    bad.close()
    if header is None:
        raise empty_file(path, "a header 'user_id:token, item_id_list:token_seq, item_id:token' and rows")
    report.rows_read[f"{part} rows"] = count


def _rebuild(history: _History) -> None:
    """Fill `items`/`splits` from the rows: train prefixes shortest first, then valid, then test.

    Every row's history must end the items rebuilt so far (lists may be cut to their last N
    items); a row that does not is a DataError naming its line.
    """
    rows = [(row, "train") for row in reversed(history.train_rows)]
    rows += [(history.given[part], part) for part in PARTS[1:] if part in history.given]
    history.items = list(rows[0][0].sequence)
    history.splits = ["train"] * len(history.items)
    for row, split in rows:
        if row.sequence and history.items[-len(row.sequence):] != row.sequence:
            raise DataError(f"expected a history ending with the user's items so far "
                            f"({snippet(' '.join(history.items[-5:]))} at the end), found "
                            f"{snippet(' '.join(row.sequence[-5:]))} at the end; train rows must be every "
                            f"prefix of one history, longest first", file=str(row.path), line=row.line,
                            field="item_id_list")
        history.items.append(row.target)
        history.splits.append(split)


def _map_ids(tokens: pd.Series, index: dict[str, str], path: Path, kind: str) -> pd.Series:
    unknown = sorted(set(tokens) - set(index))
    if unknown:
        raise DataError(f"expected every {kind} id of the .inter files in the index, found "
                        f"{len(unknown):,} missing, e.g. {unknown[0]!r}", file=str(path))
    return tokens.map(index)


def _read_text(path: Path, report: LoadReport, skip: bool, encoding: str) -> pd.DataFrame:
    """`item_id:token TAB text:token_seq` as items: the first sentence as title, the rest as description."""
    report.files.append(str(path))
    bad = BadLines(path, report, skip)
    rows = []
    header = False
    for line, text in iter_lines(path, bad, encoding=encoding, has_encoding_option=True):
        if not text.strip():
            continue
        item, sep, body = text.partition("\t")
        if not header:
            header = True
            if item.strip().startswith("item_id:"):
                continue
        if not sep or not item.strip():
            bad.handle(DataError(f"expected 'item id<TAB>text', found {snippet(text)}", file=str(path),
                                 line=line))
            continue
        title, rest = split_title(body)
        rows.append({"item_id": item.strip(), "title": title, "description": rest})
    bad.close()
    report.rows_read["items"] = len(rows)
    return pd.DataFrame(rows, columns=["item_id", "title", "description"])
