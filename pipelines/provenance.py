"""Show where a stored value was read (issue 11): the lines of the archived source around it.

A cell's provenance (``report_cells.provenance``, from :class:`pipelines.parsing.types.Cell`) names
the parsed document's SHA-256 and a location: the block of the extracted document, and the table
row/column (grids), the page (PDF), or the character span in the decoded text (text documents).
Here the archived bytes are read again the way the crawl read them (an HTML page's cleaned
content container behind its title, :func:`pipelines.report.parser_input`), and the location is
rendered as a few numbered lines with the value in 【】 — pure functions, no database.
"""

from __future__ import annotations

from typing import Any

from pipelines.parsing.types import Block, ExtractedDocument

MARK_OPEN, MARK_CLOSE = "【", "】"


def parser_body(body: bytes, content_type: str | None, filename: str | None,
                url: str | None) -> tuple[bytes, str | None]:
    """What the parser read of an archived document: an HTML page's content container behind
    its title (as the crawl reads it), anything else as stored."""
    from pipelines.cleaning import clean_page
    from pipelines.parsing.extract import sniff
    from pipelines.parsing.extract.sniff import format_hint
    from pipelines.report import joined_page

    if sniff(body, format_hint(content_type, filename)) != "html":
        return body, content_type
    cleaned = clean_page(body, url=url)
    if cleaned.content_html and "no_container" not in cleaned.flags:
        return joined_page(cleaned.title, [str(cleaned.content_html)]), "text/html; charset=utf-8"
    return body, content_type


def _mark(text: str, start: int, end: int) -> str:
    return text[:start] + MARK_OPEN + text[start:end] + MARK_CLOSE + text[end:]


def text_context(text: str, span: tuple[int, int], context: int = 3) -> list[str]:
    """Numbered lines of ``text`` (newlines normalised) around ``span``, the span marked."""
    from pipelines.parsing.extract.text import source_lines

    lines = source_lines(text)
    starts, pos = [], 0
    for line in lines:
        starts.append(pos)
        pos += len(line) + 1
    start, end = span
    hits = [n for n, line in enumerate(lines) if starts[n] <= end and start <= starts[n] + len(line)]
    if not hits:
        return []
    out: list[str] = []
    for n in range(max(hits[0] - context, 0), min(hits[-1] + context + 1, len(lines))):
        line, at = lines[n], starts[n]
        hit = n in hits
        shown = _mark(line, max(start - at, 0), min(end - at, len(line))) if hit else line
        out.append(f"{'>' if hit else ' '} {n + 1:5d}  {shown}")
    return out


def _grid_row(row: tuple[str | None, ...], col: int | None) -> str:
    cells = ["" if c is None else c for c in row]
    if col is not None and 0 <= col < len(cells):
        cells[col] = MARK_OPEN + cells[col] + MARK_CLOSE
    return " | ".join(cells)


def block_context(doc: ExtractedDocument, where: dict[str, Any], context: int = 3) -> list[str]:
    """The blocks around ``where["block"]`` (a table: the rows around ``where["row"]``), the value
    marked; each line prefixed with its block (and row) number."""
    bi = where.get("block")
    if not isinstance(bi, int) or not 0 <= bi < len(doc.blocks):
        return []
    out: list[str] = []
    for i in range(max(bi - context, 0), min(bi + context + 1, len(doc.blocks))):
        block: Block = doc.blocks[i]
        page = f" p{block.page}" if block.page is not None else ""
        if block.kind == "table":
            row = where.get("row") if i == bi else None
            lo, hi = (0, min(len(block.rows), 2)) if row is None else (max(row - context, 0), row + context + 1)
            for r in range(lo, min(hi, len(block.rows))):
                hit = i == bi and r == row
                shown = _grid_row(block.rows[r], where.get("col") if hit else None)
                out.append(f"{'>' if hit else ' '} {i:4d}.{r:<3d}{page}  {shown}")
            if row is None and len(block.rows) > 2:
                out.append(f"  {i:4d}     …  ({len(block.rows)} rows)")
        else:
            hit = i == bi
            text = block.text
            out.append(f"{'>' if hit else ' '} {i:4d}{page}      {text}")
    return out


def _holds(doc: ExtractedDocument, where: dict[str, Any], raw: str | None) -> bool:
    """The location names a block of ``doc`` that holds ``raw`` (None: nothing to compare)."""
    bi = where.get("block")
    if not isinstance(bi, int) or not 0 <= bi < len(doc.blocks):
        return False
    if raw is None:
        return True
    block = doc.blocks[bi]
    if block.kind == "table":
        row, col = where.get("row"), where.get("col")
        if not isinstance(row, int) or not isinstance(col, int) or row >= len(block.rows):
            return False
        printed = block.rows[row][col] if col < len(block.rows[row]) else None
        return printed is not None and printed.strip() == raw
    return raw in block.text.replace(" ", "") or raw in block.text


def source_context(body: bytes, content_type: str | None, filename: str | None, url: str | None,
                   where: dict[str, Any], raw: str | None = None, context: int = 3) -> list[str]:
    """Lines of an archived document around a cell's location (see the module docstring).

    The document is read as the crawl read it; when the location does not hold ``raw`` there
    (a document parsed whole, e.g. by ``scrapy report``), it is read as stored instead."""
    from pipelines.parsing.extract import extract
    from pipelines.parsing.extract.text import charset_from_content_type, decode_text

    tried: list[tuple[bytes, str | None]] = [parser_body(body, content_type, filename, url)]
    if tried[0][0] is not body:
        tried.append((body, content_type))
    for i, (data, ctype) in enumerate(tried):
        doc = extract(data, content_type=ctype, filename=filename)
        if i + 1 < len(tried) and not _holds(doc, where, raw):
            continue
        span = where.get("span")
        if doc.source_format == "text" and isinstance(span, list) and len(span) == 2:
            text, _ = decode_text(data, charset_from_content_type(ctype), filename or "document")
            return text_context(text, (int(span[0]), int(span[1])), context)
        return block_context(doc, where, context)
    return []
