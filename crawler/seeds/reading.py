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

#: a seed file is a few kB (one row per agency); anything this large is no seed list, and is not read
MAX_SEED_FILE_BYTES = 64 * 1024 * 1024

#: leading bytes of binary files researchers have saved under a .csv name, and what they are
_BINARY_MAGIC = (
    (b"PK\x03\x04", "a ZIP archive (an Excel .xlsx or WPS .et workbook?)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office file (an Excel .xls workbook?)"),
    (b"%PDF", "a PDF document"),
)


def seed_files(path: Path) -> list[Path]:
    """The seed CSV files at ``path`` (a directory: its ``*.csv``, sorted; a file: itself)."""
    if path.is_dir():
        return sorted(
            p for p in path.glob(P.SEED_FILE_GLOB) if p.is_file() and not P.SEED_FILE_IGNORED.match(p.name)
        )
    return [path]


def _binary_problem(path: Path, data: bytes) -> Problem | None:
    """A file that is not text at all: named by its magic bytes, or by NUL bytes anywhere."""
    for magic, what in _BINARY_MAGIC:
        if data.startswith(magic):
            return Problem(path, 1, f"file is {what}, not CSV text: open it and save as 'CSV UTF-8' (rows not loaded)")
    if b"\x00" in data and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        offset = data.index(b"\x00")
        line = data.count(b"\n", 0, offset) + 1
        return Problem(
            path, line, f"file contains NUL bytes (first at byte offset {offset}): it is a binary file, not CSV "
            "text; save the seed list as 'CSV UTF-8' (rows not loaded)",
        )
    return None


def _decode(path: Path, data: bytes, problems: list[Problem]) -> str | None:
    if data.startswith(b"\xef\xbb\xbf"):
        problems.append(
            Problem(
                path, 1, "file starts with a UTF-8 byte order mark (BOM); accepted, but save as plain UTF-8", WARNING
            )
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
        size = path.stat().st_size
        if size > MAX_SEED_FILE_BYTES:
            problems.append(
                Problem(path, 0, f"file is {size:,} bytes; a seed list is a few kB (limit {MAX_SEED_FILE_BYTES:,}): "
                        "this is no seed file (not read)")
            )
            return []
        data = path.read_bytes()
    except OSError as exc:
        problems.append(Problem(path, 0, f"cannot read seed file: {exc.strerror or exc}"))
        return []
    binary = _binary_problem(path, data)
    if binary is not None:
        problems.append(binary)
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
            if "field larger than field limit" in str(exc):
                problems.append(_oversized_field(path, text, start))
                break  # the reader is lost inside the field: nothing after it can be trusted
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


def _oversized_field(path: Path, text: str, start: int) -> Problem:
    """The csv module refuses a field longer than its limit: say where, and what that usually means."""
    limit = csv.field_size_limit()
    for number, line in enumerate(text.splitlines()[start - 1:], start):
        if len(line) > limit:
            return Problem(
                path,
                number,
                f"line {number} is {len(line):,} characters long, over the csv module's field limit of {limit:,}: "
                "a seed row is a few hundred characters, so this is no seed file (a data export, a minified "
                "or binary file saved as .csv?); rows from here on not loaded",
            )
    return Problem(
        path,
        start,
        f"a field starting on line {start} runs past the csv module's field limit of {limit:,} characters: a stray "
        "double quote (\") opened a quoted field that swallowed the lines after it; remove it, or quote the whole "
        "field and double the quote inside (\"\"); rows from here on not loaded",
    )


def _rows_from_records(path: Path, records: list[tuple[int, int, list[str]]], problems: list[Problem]) -> list[_Row]:
    if not any(cell.strip() for _, _, record in records for cell in record):
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
        multiline = [h for h, v in zip(header, record, strict=True) if "\n" in v or "\r" in v]
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
        quoted = [h for h, v in zip(header, record, strict=True) if '"' in v]
        if quoted:
            problems.append(
                Problem(
                    path, start, f"stray double quote (\") in column {quoted[0]}: {record[header.index(quoted[0])]!r}"
                )
            )
            continue
        values = {h: v.strip() for h, v in zip(header, record, strict=True) if h in P.SEED_COLUMNS}
        extra = {h: v.strip() for h, v in zip(header, record, strict=True) if h and h not in P.SEED_COLUMNS}
        rows.append(_Row(path, start, values, extra))
    return rows
