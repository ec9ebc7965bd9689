"""PDF reader (pypdfium2's text layer; pdfplumber as second engine and for table geometry):
text lines and tables per page in reading order, tables stitched across page breaks, page numbers
and running headers/footers dropped, image-only pages flagged."""

from __future__ import annotations

import base64
import bisect
import io
import logging
import math
import re
import threading
import zlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from pipelines.parsing import patterns as P
from pipelines.parsing.extract.errors import ExtractionError
from pipelines.parsing.extract.limits import Deadline, Limits
from pipelines.parsing.extract.text import normalise_ws
from pipelines.parsing.types import Block, ExtractedDocument

Row = tuple[str | None, ...]

# A page band (share of the page height) where running headers/footers and page numbers live.
_EDGE_BAND = 0.12
# A running header/footer must repeat on at least this share of pages (and on ≥ 2 pages).
_RUNNING_SHARE = 0.6
# Continuation tables must start within this share of the page height from the top, and the
# previous table must end within this share from the bottom.
_TOP_SHARE = 0.2
_BOTTOM_SHARE = 0.2


@dataclass
class _Item:
    top: float
    bottom: float
    text: str | None = None
    rows: list[list[str | None]] | None = None


@dataclass
class _Page:
    number: int
    height: float
    items: list[_Item] = field(default_factory=list)


def _cell(value) -> str | None:
    if value is None:
        return None
    lines = [normalise_ws(line) for line in str(value).split("\n")]
    return "\n".join(line for line in lines if line)


def _is_number(text: str | None) -> bool:
    return bool(text and P.EXTRACT_PDF_NUMERIC_CELL.match(text))


def _peel_frame_rows(rows: list[list[str | None]], top: float, bottom: float) -> list[_Item]:
    """Split a table into items: rows that are one full-width cell at the table's edges
    (page frames drawn around prose) become text lines; the rest stays a table."""
    def single(row: list[str | None]) -> bool:
        return bool(row) and row[0] is not None and all(c is None for c in row[1:])

    width = max((len(r) for r in rows), default=0)
    if width <= 1:
        return [_Item(top, bottom, text=line) for r in rows for line in (r[0] or "").split("\n") if line]
    start, end = 0, len(rows)
    while start < end and single(rows[start]):
        start += 1
    while end > start and single(rows[end - 1]):
        end -= 1
    items: list[_Item] = []
    for r in rows[:start]:
        items.extend(_Item(top, top, text=line) for line in (r[0] or "").split("\n") if line)
    if end > start:
        items.append(_Item(top, bottom, rows=rows[start:end]))
    for r in rows[end:]:
        items.extend(_Item(bottom, bottom, text=line) for line in (r[0] or "").split("\n") if line)
    return items


def _place_orphans(table, rows: list[list[str | None]], orphans: list[dict], out: _Page) -> None:
    """Put text lines that lie in ``table`` but in no cell into the empty grid position under
    them (row by y, column by x); lines that fit nowhere become free text lines."""
    x0, top, x1, bottom = table.bbox
    columns = [c.bbox for c in table.columns]
    for line in orphans:
        cx = (line["x0"] + line["x1"]) / 2
        cy = (line["top"] + line["bottom"]) / 2
        if not (x0 <= cx <= x1 and top <= cy <= bottom):
            continue
        text = normalise_ws(line["text"])
        if not text:
            continue
        r = next((i for i, row in enumerate(table.rows) if row.bbox[1] <= cy <= row.bbox[3]), None)
        c = next((j for j, col in enumerate(columns) if col[0] <= line["x0"] + 1 and line["x1"] - 1 <= col[2]),
                 None)
        if r is not None and c is not None and r < len(rows) and c < len(rows[r]) and not rows[r][c]:
            rows[r][c] = text
        else:
            out.items.append(_Item(float(line["top"]), float(line["bottom"]), text=text))


def _text_lines(chars: list[dict]) -> list[dict]:
    from pdfplumber.utils.text import chars_to_textmap

    if not chars:
        return []
    return chars_to_textmap(chars).extract_text_lines(strip=True, return_chars=False)


def _has_duplicate_chars(chars: list[dict]) -> bool:
    """Text drawn twice at the same spot (fake bold) duplicates table rows; cheap check first."""
    seen = set()
    for ch in chars:
        key = (ch["text"], round(ch["x0"]), round(ch["top"]))
        if key in seen:
            return True
        seen.add(key)
    return False


def _dedupe_chars(chars: list[dict]) -> list[dict]:
    """Drop characters drawn again within 1 pt of an earlier copy of the same text and size
    (what pdfplumber's ``dedupe_chars`` does), keeping the first."""
    kept: list[dict] = []
    seen: dict[tuple, list[dict]] = {}
    for ch in chars:
        key = (ch["text"], round(ch.get("size", 0), 2))
        bucket = seen.setdefault(key, [])
        if any(abs(o["x0"] - ch["x0"]) <= 1 and abs(o["top"] - ch["top"]) <= 1 for o in bucket):
            continue
        bucket.append(ch)
        kept.append(ch)
    return kept


def _intersections_to_cells(intersections: dict) -> list[tuple]:
    """``pdfplumber.table.intersections_to_cells`` with the edge sets of every point built once
    (pdfplumber rebuilds them on every test of two points): the same cells in the same order."""
    points = sorted(intersections)
    v_sets = {p: {(e["x0"], e["top"], e["x1"], e["bottom"]) for e in intersections[p]["v"]} for p in points}
    h_sets = {p: {(e["x0"], e["top"], e["x1"], e["bottom"]) for e in intersections[p]["h"]} for p in points}
    by_x: dict[float, list] = {}
    by_y: dict[float, list] = {}
    for p in points:  # sorted by (x, y): each list is in the order pdfplumber scans it
        by_x.setdefault(p[0], []).append(p)
        by_y.setdefault(p[1], []).append(p)

    def connects(p1: tuple, p2: tuple) -> bool:
        return ((p1[0] == p2[0] and not v_sets[p1].isdisjoint(v_sets[p2]))
                or (p1[1] == p2[1] and not h_sets[p1].isdisjoint(h_sets[p2])))

    cells = []
    for pt in points[:-1]:
        below = [q for q in by_x[pt[0]] if q[1] > pt[1]]
        right = [q for q in by_y[pt[1]] if q[0] > pt[0]]
        cell = None
        for below_pt in below:
            if not connects(pt, below_pt):
                continue
            for right_pt in right:
                if not connects(pt, right_pt):
                    continue
                corner = (right_pt[0], below_pt[1])
                if corner in intersections and connects(corner, right_pt) and connects(corner, below_pt):
                    cell = (pt[0], pt[1], corner[0], corner[1])
                    break
            if cell:
                break
        if cell:
            cells.append(cell)
    return cells


def _find_tables(page) -> list:
    """``pdfplumber.table.TableFinder(page).tables`` (default settings) with a faster cell finder."""
    from pdfplumber.table import Table, TableFinder, TableSettings, cells_to_tables, edges_to_intersections

    finder = TableFinder.__new__(TableFinder)
    finder.page = page
    finder.settings = TableSettings.resolve(None)
    edges = finder.get_edges()
    intersections = edges_to_intersections(edges, finder.settings.intersection_x_tolerance,
                                           finder.settings.intersection_y_tolerance)
    return [Table(page, group) for group in cells_to_tables(_intersections_to_cells(intersections))]


def _read_fast_page(view, number: int, unmapped: int) -> tuple[_Page, bool]:
    """Items of one page read by the fast engine (see :mod:`.pdfium_text`)."""
    if _has_duplicate_chars(view.chars):
        view.chars = _dedupe_chars(view.chars)
    height = view.bbox[3] - view.bbox[1]
    if not view.chars:
        return _Page(number=number, height=height), view.has_images
    if unmapped * 2 > len(view.chars):
        return _Page(number=number, height=height), True
    return _layout_page(number, height, view.chars, _find_tables(view)), False


def _read_page(page, number: int) -> tuple[_Page, bool]:
    """Items of one page in reading order, and whether the page has no text layer but images."""
    if _has_duplicate_chars(page.chars):
        page = page.dedupe_chars()
    chars = page.chars
    if not chars:
        return _Page(number=number, height=float(page.height)), bool(page.images)
    unmapped = sum(1 for ch in chars if ch["text"].startswith("(cid:"))
    if unmapped * 2 > len(chars):
        # Glyphs without a Unicode mapping: the text layer is unusable, like a scan.
        return _Page(number=number, height=float(page.height)), True
    return _layout_page(number, float(page.height), chars, page.find_tables()), False


class _CharIndex:
    """The characters of one page ordered by vertical midpoint, so the characters of a box are
    found by bisection instead of a scan of the page (pdfplumber's ``Table.extract`` scans every
    character once per row and once per cell). Midpoints are computed as pdfplumber does."""

    def __init__(self, chars: list[dict]) -> None:
        mids = sorted(((ch["top"] + ch["bottom"]) / 2, (ch["x0"] + ch["x1"]) / 2, i) for i, ch in enumerate(chars))
        self.chars = chars
        self.mids = mids
        self.v = [m[0] for m in mids]

    def inside(self, x0: float, top: float, x1: float, bottom: float) -> list[int]:
        """Indices (in page order) of the characters whose midpoint lies in the box, half-open
        like pdfplumber's ``char_in_bbox``: ``x0 <= h < x1`` and ``top <= v < bottom``."""
        mids = self.mids
        lo, hi = bisect.bisect_left(self.v, top), bisect.bisect_left(self.v, bottom)
        return sorted(i for _, h, i in mids[lo:hi] if x0 <= h < x1)

    def touching(self, x0: float, top: float, x1: float, bottom: float) -> list[int]:
        """Indices of the characters whose midpoint lies in the closed box."""
        mids = self.mids
        lo, hi = bisect.bisect_left(self.v, top), bisect.bisect_right(self.v, bottom)
        return [i for _, h, i in mids[lo:hi] if x0 <= h <= x1]


def _cell_text(chars: list[dict]) -> str:
    """``pdfplumber.utils.extract_text`` of a cell's characters (a lone printable character is
    its own text, which is what that function returns for it)."""
    from pdfplumber.utils import extract_text

    if len(chars) == 1 and not chars[0]["text"].isspace():
        return chars[0]["text"]
    return extract_text(chars)


def _table_rows(table, index: _CharIndex) -> list[list[str | None]]:
    """What ``table.extract()`` returns (same characters per cell, same text), with the
    characters of each cell found through ``index``."""
    chars = index.chars
    out: list[list[str | None]] = []
    for row in table.rows:
        arr: list[str | None] = []
        for cell in row.cells:
            if cell is None:
                arr.append(None)
                continue
            found = index.inside(*cell)
            arr.append(_cell_text([chars[i] for i in found]) if found else "")
        out.append(arr)
    return out


def _layout_page(number: int, height: float, chars: list[dict], tables) -> _Page:
    """Text lines and table grids of one page (pdfplumber ``Table`` objects over ``chars``),
    sorted top to bottom."""
    out = _Page(number=number, height=height)
    index = _CharIndex(chars)

    # One pass over the chars: outside every table → free text; inside a table's outline but in
    # no detected cell (a missing rule line) → orphan text, placed into the grid below.
    free: list[dict] = []
    orphan: list[dict] = []
    boxes = []
    for t in tables:
        in_cells: set[int] = set()
        for c in t.cells:
            in_cells.update(index.touching(*c))
        boxes.append((t.bbox, in_cells))
    for i, ch in enumerate(chars):
        cx = (ch["x0"] + ch["x1"]) / 2
        cy = (ch["top"] + ch["bottom"]) / 2
        for (x0, t0, x1, t1), in_cells in boxes:
            if x0 <= cx <= x1 and t0 <= cy <= t1:
                if i not in in_cells:
                    orphan.append(ch)
                break
        else:
            free.append(ch)
    orphans = _text_lines(orphan)
    for t in tables:
        rows = [[_cell(c) for c in row] for row in _table_rows(t, index)]
        _place_orphans(t, rows, orphans, out)
        rows = [r for r in rows if any(c for c in r)]
        # Consecutive identical rows are drawing artefacts (overlapping cell borders).
        deduped: list[list[str | None]] = []
        for r in rows:
            if not deduped or r != deduped[-1]:
                deduped.append(r)
        if deduped:
            out.items.extend(_peel_frame_rows(deduped, float(t.bbox[1]), float(t.bbox[3])))
    for line in _text_lines(free):
        text = normalise_ws(line["text"])
        if text:
            out.items.append(_Item(float(line["top"]), float(line["bottom"]), text=text))
    out.items.sort(key=lambda it: (it.top, 0 if it.text is not None else 1))
    return out


def _drop_boilerplate(pages: list[_Page]) -> int:
    """Remove page numbers and running headers/footers; return the number of lines dropped."""
    def edge_lines(pg: _Page) -> list[tuple[_Item, str]]:
        texts = [(it, it.text) for it in pg.items if it.text is not None]
        cand = texts[:2] + texts[-2:]
        return [(it, text) for it, text in cand
                if it.top <= pg.height * _EDGE_BAND or it.bottom >= pg.height * (1 - _EDGE_BAND)]

    def key(text: str) -> str:
        return P.EXTRACT_DIGITS.sub("#", text.replace(" ", ""))

    counts: Counter[str] = Counter()
    for pg in pages:
        counts.update({key(text) for _, text in edge_lines(pg)})
    threshold = max(2, math.ceil(len(pages) * _RUNNING_SHARE))
    running = {k for k, n in counts.items() if n >= threshold}
    dropped = 0
    for pg in pages:
        drop = {id(it) for it, text in edge_lines(pg)
                if P.EXTRACT_PAGE_NUMBER.match(text) or key(text) in running}
        if drop:
            dropped += len(drop)
            pg.items = [it for it in pg.items if id(it) not in drop]
    return dropped


def _complementary(a: list[str | None], b: list[str | None]) -> bool:
    return all(not (x and y) for x, y in zip(a, b, strict=True))


def _merge_split_row(prev: list[str | None], cont: list[str | None]) -> list[str | None] | None:
    """Merge a row cut by a page break, or return None when ``cont`` is a row of its own.

    A cut row shows as two slices of which only one carries the numbers (or whose filled
    positions do not overlap); the label text of both slices is concatenated. Both rows must
    have the same width (the caller pads a narrower continuation first)."""
    a_num = any(_is_number(c) for c in prev)
    b_num = any(_is_number(c) for c in cont)
    if not (a_num != b_num or _complementary(prev, cont)):
        return None
    if not any(cont) or not any(prev):
        return None
    merged: list[str | None] = []
    for x, y in zip(prev, cont, strict=True):
        if x and y:
            merged.append(x + y)
        else:
            merged.append(x or y if (x or y) else (x if x is not None else y))
    return merged


def _pad_left(rows: list[list[str | None]], width: int) -> list[list[str | None]]:
    padded: list[list[str | None]] = []
    for r in rows:
        pad: list[str | None] = [None] * (width - len(r))
        padded.append(pad + r)
    return padded


def _stitch(pages: list[_Page], warnings: list[str]) -> list[Block]:
    blocks: list[Block] = []
    open_table: list[list[str | None]] | None = None
    open_page = 0
    prev_page_height = 0.0
    prev_table_bottom = 0.0

    def close() -> None:
        nonlocal open_table
        if open_table:
            width = max(len(r) for r in open_table)
            rows = tuple(tuple(r) + (None,) * (width - len(r)) for r in open_table)
            blocks.append(Block(kind="table", rows=rows, page=open_page))
        open_table = None

    for pg in pages:
        for idx, it in enumerate(pg.items):
            if it.rows is not None:
                if (
                    open_table is not None and idx == 0
                    and (len(it.rows[0]) == len(open_table[-1])
                         or (it.top <= pg.height * _TOP_SHARE
                             and prev_table_bottom >= prev_page_height * (1 - _BOTTOM_SHARE)))
                ):  # a continuation of the open table
                    rows = [list(r) for r in it.rows]
                    # Header rows repeated on the new page.
                    for k in (3, 2, 1):
                        if len(rows) > k and rows[:k] == [list(r) for r in open_table[:k]]:
                            rows = rows[k:]
                            break
                    width_a, width_b = len(open_table[-1]), len(rows[0])
                    if width_a != width_b:
                        width = max(width_a, width_b)
                        open_table = _pad_left(open_table, width)
                        rows = _pad_left(rows, width)
                        warnings.append(
                            f"pdf: table continued on page {pg.number} with {width_b} columns instead of "
                            f"{width_a}; rows right-aligned")
                    merged = _merge_split_row(open_table[-1], rows[0])
                    if merged is not None:
                        open_table[-1] = merged
                        rows = rows[1:]
                    open_table.extend(rows)
                else:
                    close()
                    open_table = [list(r) for r in it.rows]
                    open_page = pg.number
                prev_table_bottom = it.bottom
            elif it.text is not None:  # every item carries either rows or text
                if open_table is not None:
                    close()
                blocks.append(Block(kind="text", text=it.text, page=pg.number))
        prev_page_height = pg.height
    close()
    return blocks


class _StreamCap(threading.local):
    limit: int = Limits().max_stream_bytes


_stream_cap = _StreamCap()


class _Inflater:
    """A ``zlib.decompressobj`` whose total output is counted against the stream cap."""

    def __init__(self, *args) -> None:
        self._d = zlib.decompressobj(*args)
        self._size = 0

    def decompress(self, data: bytes, max_length: int = 0) -> bytes:
        out = self._d.decompress(data, max_length)
        self._size += len(out)
        if self._size > _stream_cap.limit:
            raise _stream_too_large()
        return out

    def __getattr__(self, name: str):
        return getattr(self._d, name)


def _stream_too_large() -> ExtractionError:
    return ExtractionError(f"pdf: a Flate stream inflates past max_stream_bytes={_stream_cap.limit} "
                           "(flate bomb); refused", "too_large")


class _BoundedZlib:
    """What pdfminer sees as ``zlib``: ``decompress`` stops at ``Limits.max_stream_bytes`` of
    output (pdfminer inflates every stream whole, so a 1.5 MB stream could become 1.5 GiB)."""

    error = zlib.error
    MAX_WBITS = zlib.MAX_WBITS

    @staticmethod
    def decompress(data: bytes, *args) -> bytes:
        d = zlib.decompressobj(*args[1:2])
        out = d.decompress(data, _stream_cap.limit + 1)
        if len(out) > _stream_cap.limit:
            raise _stream_too_large()
        if not d.eof:
            raise zlib.error("Error -5 while decompressing data: incomplete or truncated stream")
        return out

    @staticmethod
    def decompressobj(*args) -> _Inflater:
        return _Inflater(*args)


def _raise_limit(exc: BaseException) -> None:
    """Re-raise a limit hit (stream cap, out of memory) that pdfplumber wrapped in its own
    exception, so it is reported as such and not as a corrupt page."""
    inner = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else exc.__cause__
    if isinstance(inner, (ExtractionError, MemoryError)):
        raise inner from exc


def _cap_streams(limit: int) -> None:
    import pdfminer.pdftypes

    if pdfminer.pdftypes.zlib is zlib:
        # pdfminer declares this attribute as the zlib module, a type no class can match; the
        # stand-in provides what pdfminer uses of it (decompress, decompressobj, error, MAX_WBITS).
        stand_in: Any = _BoundedZlib
        pdfminer.pdftypes.zlib = stand_in
    _stream_cap.limit = limit


# Codes of limit hits: they end the reading whichever engine met them (no second engine).
_LIMIT_CODES = frozenset({"too_large", "too_many_pages", "deadline", "memory"})
# PDFium inflates a stream whole and aborts the process when an allocation fails (no clean
# memory error); a stream inflating past this share of the memory budget is left to pdfplumber,
# whose inflater counts against max_stream_bytes and fails with a MemoryError the budget names.
_FAST_STREAM_SHARE = 0.25
_STREAM_START = re.compile(rb"stream\r?\n")
_CHUNK = 64 * 1024


def _inflated_size(data: memoryview, cap: int) -> int:
    """Bytes a Flate stream starting at ``data`` inflates to, counted up to ``cap + 1`` with the
    output thrown away (a damaged stream counts what it gave before the damage)."""
    d = zlib.decompressobj()
    size = pos = 0
    try:
        while pos < len(data) and not d.eof and size <= cap:
            out = d.decompress(data[pos:pos + _CHUNK], _CHUNK * 16)
            pos += _CHUNK
            size += len(out)
            while d.unconsumed_tail and size <= cap:
                size += len(d.decompress(d.unconsumed_tail, _CHUNK * 16))
    except zlib.error:
        pass
    return size


def _check_streams(body: bytes, limits: Limits):
    """Measure every Flate stream PDFium may inflate (content, forms, fonts, object streams;
    images are never decoded here) before it does: past ``max_stream_bytes`` the document is
    refused as today; past the fast engine's share of the memory budget it goes to pdfplumber.
    Returns the fast engine's refusal or None."""
    from pipelines.parsing.extract.pdfium_text import FastEngineDeclined

    fast_cap = int(limits.budget_memory_mb * 1024 * 1024 * _FAST_STREAM_SHARE)
    cap = min(limits.max_stream_bytes, fast_cap)
    view = memoryview(body)
    for m in _STREAM_START.finditer(body):
        if body[max(0, m.start() - 3):m.start()] == b"end":
            continue
        head = body[max(0, m.start() - 4096):m.start()]
        head = head[head.rfind(b"obj") + 1:] if b"obj" in head else head[-1024:]
        flate = head.find(b"/FlateDecode")
        if flate < 0 or b"/Image" in head:
            continue
        a85 = head.find(b"/ASCII85Decode")
        if 0 <= a85 < flate:
            end = body.find(b"~>", m.end())
            try:
                data = memoryview(base64.a85decode(body[m.end():end if end >= 0 else len(body)], adobe=False))
            except ValueError:
                continue
        else:
            data = view[m.end():]
        size = _inflated_size(data, cap)
        if size > cap:
            _stream_cap.limit = limits.max_stream_bytes
            if cap == limits.max_stream_bytes:
                raise _stream_too_large()
            return FastEngineDeclined(f"a Flate stream inflates past {fast_cap} bytes, "
                                      f"{_FAST_STREAM_SHARE:.0%} of the memory budget", "too_large")
    return None


def _read_with_pdfplumber(body: bytes, limits: Limits, deadline: Deadline,
                         warns: list[str]) -> tuple[list[_Page], list[int]]:
    """The second engine: pdfplumber (pdfminer) parses the whole PDF in Python; slow, but it
    reads what PDFium declines (see :func:`extract_pdf`)."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError

    _cap_streams(limits.max_stream_bytes)
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    try:
        pdf = pdfplumber.open(io.BytesIO(body))
    except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
        raise ExtractionError(f"pdf: encrypted PDF that cannot be opened without a password ({exc!r})",
                              "encrypted") from exc
    except PDFSyntaxError as exc:
        raise ExtractionError(f"pdf: corrupt or truncated PDF ({exc})", "corrupt") from exc
    except (ExtractionError, MemoryError):
        raise  # a bomb, not a corrupt file: the caller reports the limit or the memory budget
    except Exception as exc:  # pdfminer raises many types on broken files; pdfplumber wraps them
        _raise_limit(exc)
        inner = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc.__cause__ or exc
        name = type(inner).__name__
        if "crypt" in name.lower() or "password" in name.lower():
            raise ExtractionError(f"pdf: encrypted PDF that cannot be opened without a password ({name})",
                                  "encrypted") from exc
        raise ExtractionError(f"pdf: corrupt or truncated PDF, cannot open ({name}: {inner})", "corrupt") from exc
    pages: list[_Page] = []
    image_only: list[int] = []
    try:
        try:
            n_pages = len(pdf.pages)
        except (ExtractionError, MemoryError):
            raise
        except Exception as exc:
            _raise_limit(exc)
            raise ExtractionError(f"pdf: corrupt or truncated PDF, page tree unreadable "
                                  f"({type(exc).__name__}: {exc})", "corrupt") from exc
        if n_pages == 0:
            raise ExtractionError("pdf: no pages (corrupt or truncated PDF)", "corrupt")
        if n_pages > limits.max_pages:
            raise ExtractionError(f"pdf: {n_pages} pages exceeds max_pages={limits.max_pages}", "too_many_pages")
        for i, page in enumerate(pdf.pages, start=1):
            deadline.check(f"pdf page {i} of {n_pages}")
            try:
                pg, no_text = _read_page(page, i)
            except (ExtractionError, MemoryError):
                raise
            except Exception as exc:
                _raise_limit(exc)
                if "crypt" in type(exc).__name__.lower():
                    raise ExtractionError(f"pdf: encrypted content on page {i} ({exc!r})", "encrypted") from exc
                warns.append(f"pdf: page {i} unreadable ({type(exc).__name__}: {exc}); skipped")
                continue
            if no_text:
                image_only.append(i)
            pages.append(pg)
    finally:
        pdf.close()
    return pages, image_only


def _read_with_pdfium(body: bytes, limits: Limits, deadline: Deadline) -> tuple[list[_Page], list[int]]:
    """The fast engine (PDFium text layer, see :mod:`.pdfium_text`)."""
    from pipelines.parsing.extract.pdfium_text import read_pages

    pages: list[_Page] = []
    image_only: list[int] = []
    for number, view, unmapped in read_pages(body, limits=limits, deadline=deadline):
        pg, no_text = _read_fast_page(view, number, unmapped)
        if no_text:
            image_only.append(number)
        pages.append(pg)
    return pages, image_only


def extract_pdf(body: bytes, *, limits: Limits, deadline: Deadline,
                warnings: list[str] | None = None) -> ExtractedDocument:
    """Read a PDF with the fast engine (pypdfium2); a document it cannot open or read
    faithfully goes to pdfplumber, and when both fail the error names both reasons. Limit hits
    (stream cap, page count, deadline, memory) end the reading at once, whichever engine."""
    from pipelines.parsing.extract.pdfium_text import FastEngineDeclined

    warns = list(warnings or [])
    if b"%%EOF" not in body[-2048:]:
        warns.append("pdf: no %%EOF marker at the end (truncated file?)")
    declined: FastEngineDeclined | None = _check_streams(body, limits)
    result = None
    if declined is None:
        try:
            result = _read_with_pdfium(body, limits, deadline)
        except (ExtractionError, MemoryError):
            raise
        except FastEngineDeclined as exc:
            declined = exc
        except Exception as exc:  # PDFium or the geometry failed on this file: the next engine tries
            declined = FastEngineDeclined(f"failed ({type(exc).__name__}: {exc})", "failed")
    if result is None:
        assert declined is not None
        try:
            result = _read_with_pdfplumber(body, limits, deadline, warns)
        except ExtractionError as exc:
            if exc.code in _LIMIT_CODES:
                raise
            raise ExtractionError(f"pdf: pypdfium2: {declined.reason}; pdfplumber: {exc.reason}",
                                  exc.code) from exc
        warns.append(f"pdf: read with pdfplumber; pypdfium2 declined: {declined.reason}")
    pages, image_only = result
    if not pages:
        raise ExtractionError("pdf: no readable page (corrupt or truncated PDF)", "corrupt")
    _drop_boilerplate(pages)
    blocks = _stitch(pages, warns)
    needs_ocr = bool(image_only)
    if image_only:
        warns.append(f"pdf: pages without a usable text layer (images only or unmapped glyphs): {image_only}")
    if not blocks and not needs_ocr and all(not pg.items for pg in pages):
        needs_ocr = True
        warns.append("pdf: no text layer on any page")
    ocr_pages = tuple(image_only) if image_only else (tuple(pg.number for pg in pages) if needs_ocr else ())
    return ExtractedDocument(blocks=tuple(blocks), source_format="pdf", needs_ocr=needs_ocr,
                             warnings=tuple(warns), ocr_pages=ocr_pages)
