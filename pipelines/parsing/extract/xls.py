"""Spreadsheet readers: XLSX (openpyxl, read-only, cached values) and XLS (xlrd).

Each non-empty sheet becomes one table block (merged ranges: value at the top-left, covered
positions None); numbers are rendered as a spreadsheet displays them."""

from __future__ import annotations

import datetime as dt
import io
import math

import defusedxml.ElementTree as DET

from pipelines.parsing import patterns as P
from pipelines.parsing.extract.errors import ExtractionError
from pipelines.parsing.extract.limits import Deadline, Limits
from pipelines.parsing.extract.text import normalise_ws
from pipelines.parsing.extract.zipsafe import open_zip
from pipelines.parsing.types import Block, ExtractedDocument

_MAX_DECIMALS = 6
_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def render_number(value: float | int, number_format: str | None = None) -> str:
    """A number as a spreadsheet shows it: integers without ``.0``, no float noise
    (62.550000000000004 → ``62.55``), fixed decimals and percent from the number format."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return ""
    fmt = (number_format or "General").split(";")[0]
    percent = "%" in fmt
    if percent:
        value = value * 100
    m = P.EXTRACT_NUMBER_FORMAT_DECIMALS.search(fmt)
    if fmt != "General" and (m or P.EXTRACT_NUMBER_FORMAT_DIGITS.search(fmt)):
        decimals = m.group(1).count("0") if m else 0
        text = f"{value:.{decimals}f}"
    elif float(value).is_integer() and abs(value) < 1e15:
        text = str(int(value))
    else:
        # Binary float noise sits beyond the 6th decimal (62.550000001, 0.30000000000000004);
        # the reports' amounts carry at most 4 decimals.
        text = f"{round(float(value), _MAX_DECIMALS):.15g}"
        if "e" in text:
            text = f"{float(value):.15f}".rstrip("0").rstrip(".")
    if "," in fmt and not percent:
        whole, _, frac = text.partition(".")
        sign = "-" if whole.startswith("-") else ""
        whole = f"{int(whole.lstrip('-')):,}"
        text = sign + whole + ("." + frac if frac else "")
    return text + ("%" if percent else "")


def _render(value, number_format: str | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        return render_number(value, number_format)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    lines = [normalise_ws(line) for line in str(value).replace("\r", "\n").split("\n")]
    return "\n".join(line for line in lines if line)


def _apply_merges(grid: list[list[str | None]], merges: list[tuple[int, int, int, int]]) -> None:
    """``merges`` as (row0, col0, row1, col1) inclusive, 0-based."""
    for r0, c0, r1, c1 in merges:
        for r in range(r0, min(r1, len(grid) - 1) + 1):
            for c in range(c0, min(c1, len(grid[r]) - 1) + 1):
                if (r, c) != (r0, c0):
                    grid[r][c] = None


def _trim(grid: list[list[str | None]]) -> list[list[str | None]]:
    while grid and not any(grid[-1]):
        grid.pop()
    width = max((max((i + 1 for i, c in enumerate(r) if c), default=0) for r in grid), default=0)
    return [r[:width] + [""] * (width - len(r[:width])) for r in grid]


def _sheet_block(grid: list[list[str | None]]) -> Block | None:
    grid = _trim(grid)
    if not grid or not grid[0]:
        return None
    return Block(kind="table", rows=tuple(tuple(r) for r in grid))


def _xlsx_merges(zf, sheet_path: str) -> list[tuple[int, int, int, int]]:
    from openpyxl.utils.cell import range_boundaries

    try:
        with zf.open(sheet_path) as fh:
            merges = []
            for _event, el in DET.iterparse(fh, events=("end",), forbid_dtd=True):
                if el.tag == _MAIN_NS + "mergeCell" and el.get("ref"):
                    c0, r0, c1, r1 = range_boundaries(el.get("ref"))
                    merges.append((r0 - 1, c0 - 1, r1 - 1, c1 - 1))
                elif el.tag == _MAIN_NS + "row":
                    el.clear()
            return merges
    except KeyError:
        return []


def extract_xlsx(body: bytes, *, limits: Limits, deadline: Deadline,
                 warnings: list[str] | None = None) -> ExtractedDocument:
    import openpyxl

    warns = list(warnings or [])
    zf = open_zip(body, limits, "xlsx")
    try:
        wb = openpyxl.load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    except Exception as exc:
        raise ExtractionError(f"xlsx: corrupt workbook ({type(exc).__name__}: {exc})", "corrupt") from exc
    blocks: list[Block] = []
    try:
        for ws in wb.worksheets:
            deadline.check(f"xlsx sheet {ws.title}")
            grid: list[list[str | None]] = []
            for r, row in enumerate(ws.iter_rows()):
                if r >= limits.max_sheet_rows:
                    raise ExtractionError(f"xlsx: sheet {ws.title} exceeds max_sheet_rows={limits.max_sheet_rows}",
                                          "too_large")
                if r % 1000 == 0:
                    deadline.check(f"xlsx sheet {ws.title} row {r}")
                grid.append([_render(getattr(c, "value", None), getattr(c, "number_format", None)) for c in row])
            width = max((len(r) for r in grid), default=0)
            if width * len(grid) > limits.max_table_cells:
                raise ExtractionError(f"xlsx: sheet {ws.title} exceeds max_table_cells={limits.max_table_cells}",
                                      "too_large")
            grid = [r + [""] * (width - len(r)) for r in grid]
            path = getattr(ws, "_worksheet_path", None)
            if path:
                _apply_merges(grid, _xlsx_merges(zf, path))
            block = _sheet_block(grid)
            if block:
                blocks.append(Block(kind="text", text=normalise_ws(ws.title)))
                blocks.append(block)
    finally:
        wb.close()
        zf.close()
    if not blocks:
        raise ExtractionError("xlsx: every sheet is empty", "empty")
    return ExtractedDocument(blocks=tuple(blocks), source_format="xlsx", warnings=tuple(warns))


def extract_xls(body: bytes, *, limits: Limits, deadline: Deadline,
                warnings: list[str] | None = None) -> ExtractedDocument:
    import xlrd

    warns = list(warnings or [])
    try:
        book = xlrd.open_workbook(file_contents=body, formatting_info=True, on_demand=True)
    except Exception as exc:
        raise ExtractionError(f"xls: corrupt or unsupported workbook ({type(exc).__name__}: {exc})",
                              "corrupt") from exc
    blocks: list[Block] = []
    try:
        for idx in range(book.nsheets):
            sheet = book.sheet_by_index(idx)
            deadline.check(f"xls sheet {sheet.name}")
            if sheet.nrows > limits.max_sheet_rows or sheet.nrows * sheet.ncols > limits.max_table_cells:
                raise ExtractionError(
                    f"xls: sheet {sheet.name} has {sheet.nrows}×{sheet.ncols} cells, exceeds the limits "
                    f"(max_sheet_rows={limits.max_sheet_rows}, max_table_cells={limits.max_table_cells})",
                    "too_large")
            grid: list[list[str | None]] = []
            for r in range(sheet.nrows):
                row: list[str | None] = []
                for c in range(sheet.ncols):
                    cell = sheet.cell(r, c)
                    if cell.ctype == xlrd.XL_CELL_DATE:
                        try:
                            row.append(_render(xlrd.xldate_as_datetime(cell.value, book.datemode)))
                        except (ValueError, OverflowError):
                            row.append(render_number(cell.value))
                    elif cell.ctype == xlrd.XL_CELL_NUMBER:
                        fmt = None
                        try:
                            xf = book.xf_list[cell.xf_index]
                            fmt = book.format_map[xf.format_key].format_str
                        except (IndexError, KeyError, AttributeError, TypeError):
                            fmt = None
                        row.append(render_number(cell.value, fmt))
                    elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                        row.append("TRUE" if cell.value else "FALSE")
                    elif cell.ctype == xlrd.XL_CELL_ERROR:
                        row.append(xlrd.error_text_from_code.get(cell.value, "#ERR"))
                    else:
                        row.append(_render(cell.value))
                grid.append(row)
            merges = [(r0, c0, r1 - 1, c1 - 1) for r0, r1, c0, c1 in sheet.merged_cells]
            _apply_merges(grid, merges)
            block = _sheet_block(grid)
            if block:
                blocks.append(Block(kind="text", text=normalise_ws(sheet.name)))
                blocks.append(block)
            book.unload_sheet(idx)
    finally:
        book.release_resources()
    if not blocks:
        raise ExtractionError("xls: every sheet is empty", "empty")
    return ExtractedDocument(blocks=tuple(blocks), source_format="xls", warnings=tuple(warns))
