"""``seeds discover --write``: fill the column of discovered seeds in their seed files, keeping
every other byte of each file as it was.

A file is edited only when every line can be rewritten safely: a file with a byte-order mark,
Windows line endings or a row the loader cannot parse is left untouched and the problem named
with its line (:class:`~crawler.seeds.model.Problem`).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from crawler import patterns as P
from crawler.seeds.model import Problem


@dataclass(frozen=True)
class ColumnUpdate:
    column_url: str
    note: str          # appended to the row's notes


def _cell(value: str) -> str:
    if any(c in value for c in ',"\n\r') or value != value.strip():
        return '"' + value.replace('"', '""') + '"'
    return value


def write_columns(path: Path, updates: dict[str, ColumnUpdate]) -> tuple[list[str], list[Problem]]:
    """Fill ``column_url`` (empty only) and append to ``notes`` of the rows of ``path`` named in
    ``updates``. Returns (ids written, problems); with any problem the file is not changed."""
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        return [], [Problem(path, 1, "file starts with a UTF-8 byte order mark (BOM): not rewritten; "
                                     "save it as plain UTF-8 first")]
    if b"\r" in data:
        first = data[: data.index(b"\r")].count(b"\n") + 1
        return [], [Problem(path, first, "file has Windows line endings (CRLF): not rewritten; save it with LF "
                                        "line endings first")]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return [], [Problem(path, data.count(b"\n", 0, exc.start) + 1, "file is not UTF-8: not rewritten")]
    lines = text.split("\n")
    header: list[str] | None = None
    written: list[str] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            cells = next(csv.reader(io.StringIO(line), strict=True))
        except (csv.Error, StopIteration) as exc:
            return [], [Problem(path, number, f"row cannot be parsed ({exc}): file not rewritten")]
        if header is None:
            header = [h.strip() for h in cells]
            missing = [c for c in ("id", "column_url", "notes") if c not in header]
            if missing:
                return [], [Problem(path, number, f"header lacks {', '.join(missing)}: file not rewritten")]
            continue
        if len(cells) < len(header) or any(c.strip() for c in cells[len(header):]):
            return [], [Problem(path, number, f"row has {len(cells)} fields but the header has {len(header)}: "
                                              "file not rewritten")]
        row = dict(zip(header, cells[: len(header)], strict=True))
        update = updates.get(row["id"].strip())
        if update is None or row["column_url"].strip():
            continue
        cells[header.index("column_url")] = update.column_url
        notes = row["notes"].strip()
        cells[header.index("notes")] = f"{notes}; {update.note}" if notes else update.note
        lines[number - 1] = ",".join(_cell(c) for c in cells)
        written.append(row["id"].strip())
    if header is None:
        return [], [Problem(path, 1, "seed file is empty: expected the header " + ",".join(P.SEED_COLUMNS))]
    if written:
        path.write_bytes("\n".join(lines).encode("utf-8"))
    return written, []
