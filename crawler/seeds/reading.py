"""Reading seed CSV files: which files, their encoding, and their rows by column name.

Nothing here judges a row's values (see :mod:`crawler.seeds.checks`); only the file's bytes,
encoding, CSV quoting and header are checked, each problem reported as a :class:`Problem`.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from crawler import patterns as P
from crawler.seeds.model import WARNING, Problem


def seed_files(path: Path) -> list[Path]:
    """The seed CSV files at ``path`` (a directory: its ``*.csv``, sorted; a file: itself)."""
    if path.is_dir():
        return sorted(
            p for p in path.glob(P.SEED_FILE_GLOB) if p.is_file() and not P.SEED_FILE_IGNORED.match(p.name)
        )
    return [path]


def _decode(path: Path, data: bytes, problems: list[Problem]) -> str | None:
    if data.startswith(b"\xef\xbb\xbf"):
        problems.append(
            Problem(path, 1, "file starts with a UTF-8 byte order mark (BOM); accepted, but save as plain UTF-8", WARNING)
        )
        data = data[3:]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        problems.append(
            Problem(path, 1, "file is UTF-16 (Excel 'Unicode text'); re-save it as 'CSV UTF-8' (rows not loaded)")
        )
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        try:
            text = data.decode("gb18030")
            guess = "it decodes as GBK/GB18030 (a Chinese Windows encoding), so its rows were read as GBK for now"
        except UnicodeDecodeError:
            text = None
            guess = "it is not GBK either; rows not loaded"
        problems.append(
            Problem(
                path,
                line,
                f"file is not UTF-8 (byte 0x{data[exc.start]:02x} at byte offset {exc.start}); {guess}. "
                "Re-save it as 'CSV UTF-8' (Excel) or UTF-8 (WPS/LibreOffice)",
            )
        )
    if text is not None and "\r\n" in text:
        problems.append(
            Problem(path, 1, "file has Windows line endings (CRLF); accepted, but save with LF line endings", WARNING)
        )
    return text


@dataclass
class _Row:
    path: Path
    line: int
    values: dict[str, str]
    extra: dict[str, str]


def _read_rows(path: Path, problems: list[Problem]) -> list[_Row]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.append(Problem(path, 0, f"cannot read seed file: {exc.strerror or exc}"))
        return []
    text = _decode(path, data, problems)
    if text is None:
        return []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[tuple[int, int, list[str]]] = []
    last_line = 0
    while True:
        start = last_line + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(
                Problem(
                    path,
                    start,
                    f"malformed CSV ({exc}): a stray double quote (\") probably opened or closed a quoted field; "
                    "remove it, or quote the whole field and double the quote inside (\"\")",
                )
            )
            if start == 1:
                return []  # no usable header
            last_line = max(reader.line_num, start)  # the reader resumes after the broken record
            continue
        records.append((start, reader.line_num, record))
        last_line = reader.line_num
    return _rows_from_records(path, records, problems)


def _rows_from_records(path: Path, records: list[tuple[int, int, list[str]]], problems: list[Problem]) -> list[_Row]:
    if not records:
        problems.append(Problem(path, 1, "seed file is empty: expected the header " + ",".join(P.SEED_COLUMNS)))
        return []
    _, _, header = records[0]
    header = [h.strip() for h in header]
    missing = [c for c in P.SEED_COLUMNS if c not in header]
    if missing:
        problems.append(
            Problem(
                path,
                1,
                f"header is missing column(s) {', '.join(missing)}; the header must start with "
                f"{','.join(P.SEED_COLUMNS)} (rows not loaded)",
            )
        )
        return []
    if tuple(header[: len(P.SEED_COLUMNS)]) != P.SEED_COLUMNS:
        problems.append(
            Problem(
                path,
                1,
                f"header columns are out of order; the header must start with {','.join(P.SEED_COLUMNS)} "
                "(rows were read by column name)",
            )
        )
    dupes = sorted({h for h in header if h and header.count(h) > 1})
    if dupes:
        problems.append(Problem(path, 1, f"header repeats column(s) {', '.join(dupes)} (rows not loaded)"))
        return []
    rows: list[_Row] = []
    for start, end, record in records[1:]:
        if not any(cell.strip() for cell in record):
            continue  # blank line or a spreadsheet's trailing ",,,,"
        if len(record) != len(header):
            extra_cells = record[len(header):]
            if len(record) > len(header) and not any(c.strip() for c in extra_cells):
                record = record[: len(header)]
            else:
                problems.append(
                    Problem(
                        path,
                        start,
                        f"row has {len(record)} fields but the header has {len(header)}; "
                        "a comma inside a value needs the value in double quotes",
                    )
                )
                continue
        multiline = [h for h, v in zip(header, record) if "\n" in v or "\r" in v]
        if multiline:
            problems.append(
                Problem(
                    path,
                    start,
                    f"field {multiline[0]} runs from line {start} to line {end}: a stray double quote (\") "
                    "probably opened a quoted field; values must fit on one line",
                )
            )
            continue
        quoted = [h for h, v in zip(header, record) if '"' in v]
        if quoted:
            problems.append(
                Problem(path, start, f"stray double quote (\") in column {quoted[0]}: {record[header.index(quoted[0])]!r}")
            )
            continue
        values = {h: v.strip() for h, v in zip(header, record) if h in P.SEED_COLUMNS}
        extra = {h: v.strip() for h, v in zip(header, record) if h and h not in P.SEED_COLUMNS}
        rows.append(_Row(path, start, values, extra))
    return rows
