"""Sequence files: one user per line, `user item1 item2 ...` in time order (SASRec / S3-Rec format)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from llmrec.data.dataset import Dataset, LoadReport
from llmrec.data.sources.files import (
    BadLines,
    check_encoding,
    empty_file,
    file_stem,
    iter_lines,
    require_file,
)
from llmrec.data.sources.finishing import check_common_options, finish
from llmrec.data.sources.values import snippet
from llmrec.errors import DataError


def load_sequences(
    *,
    path: str | Path,
    sep: str | None = None,
    encoding: str = "utf-8",
    skip_bad_lines: bool = False,
    kcore: int = 0,
    max_rows: int | None = None,
) -> Dataset:
    """Load a sequence file such as SASRec's `Beauty.txt` or S3-Rec's `Beauty.txt` (plain or .gz).

    Each line is a user id and that user's items, oldest first. There are no ratings (implicit
    feedback: rating is NaN) and no times: an item's position in the line is its timestamp.
    Items are titled by their id.

    path: the file.
    sep: the separator; by default any run of whitespace.
    encoding: the text encoding of the file.
    skip_bad_lines: skip malformed lines and count them in the report instead of raising.
    kcore: keep the iterative k-core of users and items (0 or 1 keeps everything).
    max_rows: read at most this many lines (users), the first ones in the file.
    """
    check_common_options(kcore, max_rows)
    check_encoding(encoding)
    file = require_file(path, "path")
    report = LoadReport(source="sequences")
    report.files.append(str(file))
    bad = BadLines(file, report, skip_bad_lines)
    users: list[str] = []
    items: list[str] = []
    positions: list[int] = []
    first_line: dict[str, int] = {}
    seen = 0
    for line, text in iter_lines(file, bad, encoding=encoding, has_encoding_option=True):
        if not text.strip():
            continue
        seen += 1
        fields = [f.strip() for f in text.split(sep)] if sep else text.split()
        try:
            if len(fields) < 2 or not all(fields):
                raise DataError(f"expected a user id followed by at least one item id, found {snippet(text)}",
                                file=str(file), line=line)
            if fields[0] in first_line:
                raise DataError(f"expected one line per user, found user {fields[0]!r} again (first on line "
                                f"{first_line[fields[0]]})", file=str(file), line=line, field="user")
        except DataError as error:
            bad.handle(error)
            continue
        first_line[fields[0]] = line
        users += [fields[0]] * (len(fields) - 1)
        items += fields[1:]
        positions += range(len(fields) - 1)
        if max_rows is not None and len(first_line) >= max_rows:
            report.notes.append(f"{file.name}: stopped after max_rows={max_rows:,} users")
            break
    bad.close()
    if seen == 0:
        raise empty_file(file, "one line per user: 'user item1 item2 ...'")
    report.rows_read["interactions"] = len(users)
    report.notes.append(f"{file.name}: no ratings or times; timestamps are positions in each user's history")
    interactions = pd.DataFrame({"user_id": users, "item_id": items, "rating": np.nan,
                                 "timestamp": np.asarray(positions, dtype="int64")})
    return finish(f"sequences:{file_stem(file)}", report, interactions=interactions, kcore=kcore)
