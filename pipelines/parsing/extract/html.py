"""HTML reader: text blocks in document order and every data table as an expanded grid."""

from __future__ import annotations

import json

import lxml.etree
import lxml.html

from pipelines.parsing import patterns as P
from pipelines.parsing.extract.errors import ExtractionError
from pipelines.parsing.extract.limits import Deadline, Limits
from pipelines.parsing.extract.text import decode_text
from pipelines.parsing.types import Block, ExtractedDocument

_MAX_SPAN = 1000
# libxml2 stops building the tree at this depth (without XML_PARSE_HUGE) and drops what lies below.
_MAX_DEPTH = 256


class HeavyTables(Exception):
    """The page's tables expand to more cells than ``Limits.html_isolate_cells``: the caller
    reads it again in a budgeted child process (:mod:`pipelines.parsing.extract.isolate`)."""


def span_load(root) -> int:
    """Upper bound of the grid cells the page's tables expand to: every cell counts once, a
    spanned cell rowspan × colspan (each clipped like :func:`table_grid` clips it)."""
    load = 0
    for cell in root.iter("td", "th"):
        if cell.get("rowspan") is None and cell.get("colspan") is None:
            load += 1
        else:
            load += _span(cell, "rowspan") * _span(cell, "colspan")
    return load


def _tag(el) -> str:
    tag = el.tag
    if not isinstance(tag, str):
        return ""  # comment / processing instruction
    return tag.rsplit("}", 1)[-1].lower()


def _table_rows(table) -> list:
    """The <tr> elements of ``table`` itself (not of nested tables), in order."""
    rows = []
    for child in table:
        tag = _tag(child)
        if tag == "tr":
            rows.append(child)
        elif tag in ("thead", "tbody", "tfoot"):
            rows.extend(c for c in child if _tag(c) == "tr")
    return rows


def _has_nested_table(table) -> bool:
    return any(True for _ in table.iterdescendants("table"))


_BREAK = "\x00"  # a structural line break (<br>, block element) inside a cell


def _collapse(text: str) -> str:
    """HTML whitespace semantics: any run of whitespace (source newlines, NBSP, ideographic
    space) renders as one space."""
    return P.EXTRACT_HTML_WS.sub(" ", text)


def _cell_text(cell) -> str:
    """Text of a table cell; <br>/<p>/<div> boundaries become "\n", other whitespace one space."""
    parts: list[str] = []

    def walk(el) -> None:
        tag = _tag(el)
        if tag in P.EXTRACT_HTML_DROP or not tag:
            if el.tail and el is not cell:
                parts.append(_collapse(el.tail))
            return
        if tag in P.EXTRACT_HTML_BLOCK and el is not cell:
            parts.append(_BREAK)
        if el.text:
            parts.append(_collapse(el.text))
        for child in el:
            walk(child)
        if tag in P.EXTRACT_HTML_BLOCK and el is not cell:
            parts.append(_BREAK)
        if el.tail and el is not cell:
            parts.append(_collapse(el.tail))

    walk(cell)
    lines = [line.strip() for line in "".join(parts).split(_BREAK)]
    return "\n".join(line for line in lines if line)


def _span(cell, attr: str) -> int:
    try:
        value = int(str(cell.get(attr, "1")).strip() or "1")
    except ValueError:
        return 1
    return max(1, min(value, _MAX_SPAN))


def table_grid(table, limits: Limits) -> tuple[tuple[str | None, ...], ...]:
    """Expand rowspan/colspan of ``table`` into a rectangular grid; covered positions are None."""
    grid: dict[tuple[int, int], str | None] = {}
    width = 0
    trs = _table_rows(table)
    n_rows = len(trs)
    for r, tr in enumerate(trs):
        c = 0
        for cell in tr:
            if _tag(cell) not in ("td", "th"):
                continue
            while (r, c) in grid:
                c += 1
            rowspan = min(_span(cell, "rowspan"), max(1, n_rows - r))
            colspan = _span(cell, "colspan")
            text = _cell_text(cell)
            for dr in range(rowspan):
                for dc in range(colspan):
                    grid[(r + dr, c + dc)] = text if (dr, dc) == (0, 0) else None
            if len(grid) > limits.max_table_cells:
                raise ExtractionError(
                    f"html: table grid exceeds max_table_cells={limits.max_table_cells}", "too_large")
            c += colspan
            width = max(width, c)
    rows = []
    for r in range(n_rows):
        rows.append(tuple(grid.get((r, c)) for c in range(width)))
    # Positions never written (ragged rows) are None as well: "a cell that does not exist".
    return tuple(rows)


class _Walker:
    def __init__(self, limits: Limits, deadline: Deadline) -> None:
        self.blocks: list[Block] = []
        self.buffer: list[str] = []
        self.limits = limits
        self.deadline = deadline
        self.count = 0
        self.cells = 0  # expanded grid cells of every table so far

    def flush(self) -> None:
        if self.buffer:
            text = _collapse("".join(self.buffer)).strip()
            self.buffer = []
            if text:
                self.blocks.append(Block(kind="text", text=text))

    def walk(self, el) -> None:
        tag = _tag(el)
        self.count += 1
        if self.count % 500 == 0:
            self.deadline.check("html elements")
        if tag in P.EXTRACT_HTML_DROP or (not tag and el.tag is not None and not isinstance(el.tag, str)):
            # Dropped element or comment: keep only its tail text.
            if el.tail:
                self.buffer.append(el.tail)
            return
        if tag == "table":
            self.flush()
            self.table(el)
            if el.tail:
                self.buffer.append(el.tail)
            return
        block = tag in P.EXTRACT_HTML_BLOCK
        if block:
            self.flush()
        if el.text:
            self.buffer.append(el.text)
        for child in el:
            self.walk(child)
        if block:
            self.flush()
        if el.tail:
            self.buffer.append(el.tail)

    def table(self, table) -> None:
        self.deadline.check("html table")
        if _has_nested_table(table):
            # Layout table: its cells are page regions; recurse in document order.
            for tr in _table_rows(table):
                for cell in tr:
                    self.flush()
                    self.walk_children(cell)
                    self.flush()
            return
        rows = table_grid(table, self.limits)
        width = len(rows[0]) if rows else 0
        if not rows or width == 0:
            return
        self.cells += len(rows) * width
        if self.cells > self.limits.max_document_cells:
            raise ExtractionError(
                f"html: the page's tables expand to more than max_document_cells="
                f"{self.limits.max_document_cells} grid cells (rowspan/colspan bomb?)", "too_large")
        if width == 1:
            # A one-column "table" is a layout box: its rows are text.
            for row in rows:
                for line in (row[0] or "").split("\n"):
                    if line:
                        self.blocks.append(Block(kind="text", text=line))
            return
        self.blocks.append(Block(kind="table", rows=rows))

    def walk_children(self, el) -> None:
        if el.text:
            self.buffer.append(el.text)
        for child in el:
            self.walk(child)


def js_html_strings(text: str) -> str | None:
    """HTML carried by JavaScript string literals (e.g. ``let content = "<p …>"``), unescaped."""
    pieces: list[str] = []
    for m in P.EXTRACT_JS_STRING.finditer(text):
        lit = next(g for g in m.groups() if g is not None) if any(g is not None for g in m.groups()) else ""
        if len(lit) < 20 or not P.EXTRACT_JS_HTML_TAG.search(lit):
            continue
        try:
            quote = m.group(0)[0]
            if quote == '"':
                value = json.loads('"' + lit + '"', strict=False)
            else:
                value = json.loads('"' + lit.replace('"', '\\"').replace("\\'", "'").replace("\\`", "`") + '"',
                                   strict=False)
        except ValueError:
            value = lit.replace('\\"', '"').replace("\\'", "'").replace("\\n", "\n").replace("\\t", "\t")
        pieces.append(value)
    return "\n".join(pieces) if pieces else None


def _looks_like_js(text: str) -> bool:
    """JavaScript source rather than an HTML document: starts like JS, or its first tag sits
    right after a string quote (``= "<p …``)."""
    if P.EXTRACT_JS_START.match(text):
        return True
    m = P.EXTRACT_HTML_MARKERS.search(text[:8192])
    return m is not None and m.start() > 0 and text[m.start() - 1] in "\"'`"


def extract_html(body: bytes, *, limits: Limits, deadline: Deadline, declared_charset: str | None = None,
                 warnings: list[str] | None = None) -> ExtractedDocument:
    warns = list(warnings or [])
    if not declared_charset:
        m = P.EXTRACT_CHARSET.search(body[:4096].decode("latin-1"))
        declared_charset = m.group(1) if m else None
    text, dec_warns = decode_text(body, declared_charset, "html")
    warns.extend(dec_warns)
    if not text.strip():
        raise ExtractionError("html: no content (only whitespace)", "empty")
    if _looks_like_js(text):
        embedded = js_html_strings(text)
        if embedded:
            warns.append("html: HTML taken from JavaScript string literals (unescaped)")
            text = embedded
    if text.lstrip().startswith("<?xml"):
        text = text.lstrip().split("?>", 1)[-1]  # lxml refuses str input with an encoding declaration
    parser = lxml.html.HTMLParser()
    try:
        root = lxml.html.document_fromstring(text, parser=parser)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise ExtractionError(f"html: unparseable HTML ({exc})", "corrupt") from exc
    too_deep = any("Excessive depth" in e.message for e in parser.error_log)
    if limits.isolate:
        load = span_load(root)
        if load > limits.html_isolate_cells:
            raise HeavyTables(load)
    walker = _Walker(limits, deadline)
    walker.walk(root)
    walker.flush()
    if too_deep:
        message = (f"html: markup nested deeper than {_MAX_DEPTH} levels; the HTML parser stops "
                   "there and everything below that depth is not read")
        if not walker.blocks:
            raise ExtractionError(message, "too_deep")
        warns.append(message)
    if not walker.blocks:
        raise ExtractionError("html: no text content outside scripts/styles", "empty")
    images = sum(1 for _ in root.iter("img"))
    return ExtractedDocument(blocks=tuple(walker.blocks), source_format="html", warnings=tuple(warns),
                             images=images)
