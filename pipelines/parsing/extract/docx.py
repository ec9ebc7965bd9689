"""DOCX reader (python-docx): paragraphs and tables in body order, merged cells collapsed."""

from __future__ import annotations

import io

from pipelines.parsing.extract.errors import ExtractionError
from pipelines.parsing.extract.limits import Deadline, Limits
from pipelines.parsing.extract.text import normalise_ws
from pipelines.parsing.extract.zipsafe import open_zip
from pipelines.parsing.types import Block, ExtractedDocument

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _cell_text(cell) -> str:
    lines = [normalise_ws(p.text) for p in cell.paragraphs]
    return "\n".join(line for line in lines if line)


def table_grid(table, limits: Limits) -> tuple[tuple[str | None, ...], ...]:
    """Grid of a python-docx table; a merged cell appears once (top-left), covered positions None."""
    # Keyed by the lxml element itself (not id()): the set keeps the proxies alive, so identity
    # is stable; python-docx returns the same <w:tc> for every grid position a merge covers.
    seen: set = set()
    rows: list[tuple[str | None, ...]] = []
    n_cells = 0
    for row in table.rows:
        out: list[str | None] = []
        for cell in row.cells:
            n_cells += 1
            key = cell._tc
            if key in seen:
                out.append(None)
            else:
                seen.add(key)
                out.append(_cell_text(cell))
        if n_cells > limits.max_table_cells:
            raise ExtractionError(f"docx: table exceeds max_table_cells={limits.max_table_cells}", "too_large")
        rows.append(tuple(out))
    width = max((len(r) for r in rows), default=0)
    return tuple(r + (None,) * (width - len(r)) for r in rows)


def _body_blocks(doc, limits: Limits, deadline: Deadline) -> list[Block]:
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    blocks: list[Block] = []

    def walk(parent_el, parent) -> None:
        for i, child in enumerate(parent_el.iterchildren()):
            if i % 200 == 0:
                deadline.check("docx body")
            tag = child.tag
            if tag == _W + "p":
                blocks.append(Block(kind="text", text=normalise_ws(Paragraph(child, parent).text)))
            elif tag == _W + "tbl" and any(True for _ in child.iterdescendants(_W + "tbl")):
                # Layout table (its cells hold tables): read each cell's content in order.
                for tc in child.iterdescendants(_W + "tc"):
                    if tc.getparent().getparent() is child:  # this table's own cells only
                        walk(tc, parent)
            elif tag == _W + "tbl":
                table = Table(child, parent)
                rows = table_grid(table, limits)
                if rows and len(rows[0]) == 1:
                    for row in rows:
                        blocks.extend(Block(kind="text", text=line) for line in (row[0] or "").split("\n") if line)
                elif rows:
                    blocks.append(Block(kind="table", rows=rows))
            elif tag in (_W + "sdt", _W + "sdtContent", _W + "customXml", _W + "smartTag"):
                walk(child, parent)

    walk(doc.element.body, doc._body)
    return blocks


def extract_docx(body: bytes, *, limits: Limits, deadline: Deadline,
                 warnings: list[str] | None = None) -> ExtractedDocument:
    import docx

    open_zip(body, limits, "docx").close()
    try:
        doc = docx.Document(io.BytesIO(body))
    except Exception as exc:  # python-docx raises KeyError/ValueError/XMLSyntaxError on damage
        raise ExtractionError(f"docx: corrupt document ({type(exc).__name__}: {exc})", "corrupt") from exc
    blocks = _body_blocks(doc, limits, deadline)
    if not any(b.text or b.kind == "table" for b in blocks):
        raise ExtractionError("docx: document has no text", "empty")
    return ExtractedDocument(blocks=tuple(blocks), source_format="docx", warnings=tuple(warnings or []))
