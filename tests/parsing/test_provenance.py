"""Every parsed cell says where it was read (issue 11): checked against the saved bytes of each
reader type — the grid cell of HTML, DOCX, XLSX and PDF tables (with the PDF page), and the
character span of a text document."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.parsing import parse_document
from pipelines.parsing.extract import extract
from pipelines.parsing.extract.text import decode_text

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "reports"


def _case(name: str) -> tuple[bytes, dict]:
    case = FIXTURES / name
    meta = json.loads((case / "meta.json").read_text(encoding="utf-8"))
    body = next(p for p in case.iterdir() if p.name.startswith("body")).read_bytes()
    return body, meta


def _located(name: str) -> tuple[bytes, dict, dict]:
    body, meta = _case(name)
    result = parse_document(body, content_type=meta["content_type"], filename=meta["filename"])
    assert result.status == "ok"
    cells = {k: c for k, c in result.cells.items() if c.semantic != "MISSING"}
    assert cells
    # every cell that holds something printed has a location; a MISSING one has none
    assert all(c.provenance is not None for c in cells.values()), [k for k, c in cells.items() if not c.provenance]
    assert all(c.provenance is None for c in result.cells.values() if c.semantic == "MISSING")
    return body, meta, cells


@pytest.mark.parametrize("name,fmt", [("rendered_html_2019", "html"), ("rendered_docx_2019", "docx"),
                                      ("rendered_xlsx_2019", "xlsx"), ("rendered_pdf_2021", "pdf")])
def test_grid_cells_point_at_their_table_row_and_column(name: str, fmt: str) -> None:
    body, meta, cells = _located(name)
    doc = extract(body, content_type=meta["content_type"], filename=meta["filename"])
    assert doc.source_format == fmt
    tables = [i for i, b in enumerate(doc.blocks) if b.kind == "table"]
    for key, cell in cells.items():
        where = cell.provenance
        assert where is not None
        block = doc.blocks[where["block"]]
        assert block.kind == "table", key
        assert tables.index(where["block"]) == where["table"], key
        printed = block.rows[where["row"]][where["col"]]
        assert printed is not None and printed.strip() == cell.raw, (key, where, printed, cell.raw)
        if fmt == "pdf":
            assert where["page"] == block.page and where["page"] >= 1


@pytest.mark.parametrize("name", ["seed_003", "rendered_text_a_2019", "combined_labels_text_b_2021"])
def test_text_cells_point_at_their_characters(name: str) -> None:
    body, _meta, cells = _located(name)
    text, _ = decode_text(body, "utf-8", name)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    exact = 0
    for key, cell in cells.items():
        start, end = cell.provenance["span"]  # type: ignore[index]
        assert 0 <= start <= end <= len(text), key
        assert cell.raw in text[start:end], (key, cell.raw, text[start:end])
        exact += text[start:end] == cell.raw
    assert exact >= 0.9 * len(cells)


def test_glued_digits_point_at_their_line() -> None:
    body, _meta, cells = _located("archive_glued_one_line_2021")
    text, _ = decode_text(body, "utf-8", "glued")
    spans = {tuple(c.provenance["span"]) for c in cells.values()}  # type: ignore[index]
    for start, end in spans:
        assert "\n" not in text[start:end]


def test_provenance_is_not_part_of_a_cells_identity() -> None:
    body, meta = _case("rendered_html_2019")
    a = parse_document(body, content_type=meta["content_type"], filename=meta["filename"])
    b = parse_document(body, content_type=meta["content_type"], filename=meta["filename"])
    assert a.cells == b.cells  # and equal cells read from elsewhere stay equal:
    from dataclasses import replace
    cell = next(iter(a.cells.values()))
    assert replace(cell, provenance={"block": 999}) == cell
