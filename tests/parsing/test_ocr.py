"""The OCR reader (optional extra ``ocr``): grid geometry, confidence, bad pictures, and one
scanned page of r001 read to the truth's cells (slow; skipped without ../shared or the extra)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.parsing import parse_document
from pipelines.parsing.extract import ocr
from pipelines.parsing.types import Block, Cell, ExtractedDocument
from portalsim.bodies import png_header

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / ".." / "shared" / "corpus"
R001 = "r001_jiangsu_huaian_hongze_2023.pdf"

needs_ocr_extra = pytest.mark.skipif(not ocr.available(), reason=ocr.missing_reason())


def _blank_scan_pdf() -> bytes:
    from PIL import Image

    from portalsim.scans import image_pdf
    return image_pdf([Image.new("L", (300, 400), 255)])


def test_without_the_extra_scans_stay_needs_ocr_and_name_it(monkeypatch) -> None:
    monkeypatch.setattr(ocr, "available", lambda: False)
    result = parse_document(_blank_scan_pdf(), filename="scan.pdf")
    assert result.status == "needs_ocr"
    assert "pip install -e '.[ocr]'" in result.reason
    picture = parse_document(png_header(10, 10), filename="page.png")
    assert picture.status == "needs_ocr" and ".[ocr]" in picture.reason


@needs_ocr_extra
def test_huge_and_corrupt_pictures_fail_with_a_reason() -> None:
    # pictures OCR cannot read stay needs_ocr (their bytes are kept), with the reason
    huge = parse_document(png_header(20_000, 20_000), filename="huge.png")
    assert huge.status == "needs_ocr"
    assert "20000×20000 pixels exceeds max_image_pixels" in huge.reason
    corrupt = parse_document(b"\x89PNG\r\n\x1a\n" + b"\x00garbage" * 50, filename="bad.png")
    assert corrupt.status == "needs_ocr" and "corrupt" in corrupt.reason


@needs_ocr_extra
def test_a_scan_ocr_cannot_read_in_budget_stays_needs_ocr_with_the_reason() -> None:
    from pipelines.parsing.extract.limits import Limits

    # a budget too small for the OCR child: it is killed, the run goes on, the reason says why
    result = parse_document(_blank_scan_pdf(), filename="scan.pdf",
                            limits=Limits(ocr_budget_s=0.01, ocr_page_s=0.0))
    assert result.status == "needs_ocr"
    assert "OCR failed" in result.reason and "reading budget" in result.reason


@needs_ocr_extra
def test_grid_from_ruling_lines_with_a_span() -> None:
    import numpy as np
    from PIL import Image, ImageDraw

    def ruled(size: tuple[int, int], xs: list[int], ys: list[int], width: int) -> Image.Image:
        """A 3 × 3 grid whose third vertical stroke skips the first row: one cell spans two columns."""
        img = Image.new("L", size, 255)
        draw = ImageDraw.Draw(img)
        for y in ys:
            draw.line([(xs[0], y), (xs[-1], y)], fill=0, width=width)
        for x in xs:
            draw.line([(x, ys[1] if x == xs[2] else ys[0]), (x, ys[-1])], fill=0, width=width)
        return img

    img = ruled((600, 300), [50, 250, 400, 550], [50, 120, 190, 260], width=2)
    grids = ocr.find_grids(np.asarray(img))
    assert len(grids) == 1
    grid = grids[0]
    assert len(grid.xs) == 4 and len(grid.ys) == 4
    assert grid.anchor[0][2] == (0, 1)
    assert grid.anchor[1][2] == (1, 2)
    lines = [ocr.Line(300, 70, 340, 100, "合并", 0.99), ocr.Line(420, 140, 450, 170, "7", 0.42)]
    rows, scores = ocr._grid_rows(grid, lines)
    # a harsh scan of the same grid (blur 1.2, noise 20, thin strokes): the same cells and spans
    from portalsim.scans import degrade

    thin = ruled((1200, 600), [100, 500, 800, 1100], [100, 240, 380, 520], width=1)
    for seed in range(4):
        harsh = degrade(thin, seed, max_tilt=0.0, blur=1.2, noise=20)
        (again,) = ocr.find_grids(np.asarray(harsh))
        assert again.anchor == grid.anchor, seed
    assert rows[0] == ["", "合并", None] and rows[1][2] == "7"
    assert scores[1][2] == 0.42 and scores[0][0] is None


def test_confidence_and_low_confidence_annotation() -> None:
    doc = ExtractedDocument(blocks=(Block(kind="table", rows=(("a", "5"),), scores=((0.99, 0.5),)),),
                            source_format="pdf", ocr=True)
    cells = {"x.sure": Cell(raw="a", value=None, semantic="TEXT",
                            provenance={"block": 0, "table": 0, "row": 0, "col": 0}),
             "x.doubt": Cell(raw="5", value=5, semantic="NUMERIC",
                             provenance={"block": 0, "table": 0, "row": 0, "col": 1}),
             "x.nowhere": Cell(raw="1", value=1, semantic="NUMERIC")}
    out = ocr.with_confidence(doc, cells)
    assert out["x.sure"].confidence == 0.99 and out["x.sure"].annotation is None
    assert out["x.doubt"].annotation == "low_confidence"
    assert out["x.doubt"].to_json()["confidence"] == 0.5
    assert out["x.nowhere"].confidence is None


@pytest.mark.slow
@pytest.mark.corpus
@needs_ocr_extra
@pytest.mark.skipif(not (CORPUS / "docs" / R001).exists(), reason="../shared/corpus not present")
def test_scanned_table3_page_of_r001_reads_the_truth() -> None:
    from portalsim.scans import scanned_pdf

    scan = scanned_pdf((CORPUS / "docs" / R001).read_bytes(), [3], seed=1)
    result = parse_document(scan, filename="r001-scan.pdf")
    assert result.status == "ok", result.to_json()["reason"]
    assert result.extra.get("ocr") is True
    truth = json.loads((CORPUS / "truth" / f"{R001}.json").read_text(encoding="utf-8"))["expected"]
    # the page holds table 2's item 8 (item 6's heading is on page 2) and table 3 down to 无法提供 item 2
    keys = [k for k in truth if k.startswith(("t2.a8", "t3.new", "t3.carried_in", "t3.granted", "t3.partial",
                                              "t3.deny", "t3.unable.not_held", "t3.unable.need_creation"))]
    assert len(keys) >= 90
    assert result.cells["t3.new.total"].value == 21
    wrong = [(k, truth[k], result.cells[k].raw if k in result.cells else None) for k in keys
             if k not in result.cells or result.cells[k].value != truth[k]]
    assert len(wrong) <= len(keys) // 100, wrong
    assert all(result.cells[k].confidence is not None for k in keys if k in result.cells)


def _row(prefix: str, raws: dict[str, str]) -> dict[str, Cell]:
    from pipelines.parsing.tables import _cell

    return {f"{prefix}.{col}": _cell(raw) for col, raw in raws.items()}


def test_look_alike_letters_are_numbers_only_when_the_row_adds_up() -> None:
    cols = ("natural_person", "commercial", "research", "social_welfare", "legal_service", "other_org")
    adds_up = _row("t3.new", {**dict.fromkeys(cols, "0"), "natural_person": "1O", "commercial": "l",
                              "total": "11"})
    # two misread cells in one row: each is checked against the other as printed (no value), so
    # the arithmetic confirms neither
    out = ocr.confirm_numbers(adds_up)
    assert out["t3.new.natural_person"].semantic == "MISSING"
    one = _row("t3.new", {**dict.fromkeys(cols, "0"), "natural_person": "1O", "total": "10"})
    out = ocr.confirm_numbers(one)
    assert out["t3.new.natural_person"].value == 10 and out["t3.new.natural_person"].semantic == "NUMERIC"
    wrong = _row("t3.new", {**dict.fromkeys(cols, "0"), "natural_person": "1O", "total": "12"})
    out = ocr.confirm_numbers(wrong)
    assert out["t3.new.natural_person"].semantic == "MISSING" and out["t3.new.natural_person"].value is None
    assert out["t3.new.natural_person"].annotation == "low_confidence"
    elsewhere = ocr.confirm_numbers({"t2.a6.admin_penalty.decisions": Cell(raw="4l19", value=None, semantic="TEXT")})
    assert elsewhere["t2.a6.admin_penalty.decisions"].semantic == "MISSING"
    plain_text = ocr.confirm_numbers({"t3.new.total": Cell(raw="无", value=None, semantic="TEXT")})
    assert plain_text["t3.new.total"].semantic == "TEXT"


def test_confidence_is_stored_with_the_cells_provenance() -> None:
    from pipelines.storage.store import _provenance

    where = {"block": 2, "table": 1, "row": 3, "col": 4}
    stored = _provenance({"raw": "0", "provenance": where, "confidence": 0.87}, "ab" * 32)
    assert stored == {"sha256": "ab" * 32, **where, "confidence": 0.87}
    assert "confidence" not in (_provenance({"raw": "0", "provenance": where}, None) or {})


def test_parser_version_records_whether_ocr_was_installed() -> None:
    from pipelines import parsing
    from pipelines.reparse import version_key

    assert parsing.PARSER_VERSION.endswith("+ocr") == ocr.available()
    # a scan read without the extra sorts below the version that reads it with OCR: `scrapy reparse
    # --status needs_ocr` takes the backlog up once the extra is installed, and only once
    base = parsing.PARSER_VERSION.removesuffix("+ocr")
    assert version_key(base) < version_key(f"{base}+ocr")
    assert not version_key(f"{base}+ocr") < version_key(f"{base}+ocr")


def test_a_failed_check_names_the_least_confident_cells() -> None:
    from pipelines.parsing.types import CheckResult

    cells = {"t3.new.natural_person": Cell(raw="8", value=8, semantic="NUMERIC", confidence=0.55),
             "t3.new.commercial": Cell(raw="0", value=0, semantic="ZERO", confidence=0.99),
             "t3.new.total": Cell(raw="3", value=3, semantic="NUMERIC", confidence=0.97),
             "t3.granted.total": Cell(raw="1", value=1, semantic="NUMERIC", confidence=0.1)}
    checks = (CheckResult("R3.row_total", "new", "fail", "fail", "R3.row_total fails for new"),
              CheckResult("R3.row_total", "granted", "pass", "pass"))
    failed, passed = ocr.name_doubtful(checks, cells, n=2)
    assert failed.detail == ("R3.row_total fails for new; lowest OCR confidence: "
                             "t3.new.natural_person='8' (0.55), t3.new.total='3' (0.97)")
    assert passed.detail is None


def test_a_picture_without_text_stays_needs_ocr_with_a_reason() -> None:
    from pipelines.parsing import parse_extracted

    result = parse_extracted(ExtractedDocument(blocks=(), source_format="image", needs_ocr=True, ocr=True),
                             name="logo.png")
    assert result.status == "needs_ocr" and "recognised no text" in result.reason


@pytest.mark.slow
@needs_ocr_extra
def test_a_scan_of_no_text_yields_no_cells() -> None:
    from portalsim.bodies import scan_pdf

    # the farm's "scans" are ink patterns, not writing: OCR runs and invents nothing
    result = parse_document(scan_pdf(3), filename="scan.pdf")
    assert result.status == "needs_ocr"
    assert "OCR recognised no text" in result.reason


@needs_ocr_extra
def test_the_crawl_defers_ocr_to_reparse() -> None:
    """The crawl's parse (ocr=False) leaves a scan needs_ocr, names the reparse command and records
    the version without OCR, so `scrapy reparse --status needs_ocr` selects it and OCRs it."""
    from pipelines import parsing
    from pipelines.reparse import version_key
    from pipelines.report import parse_to_json
    from portalsim.bodies import scan_pdf

    crawl = parse_to_json(scan_pdf(3), "application/pdf", "scan.pdf", None, False)
    assert crawl["status"] == "needs_ocr"
    assert "scrapy reparse --status needs_ocr" in crawl["reason"]
    assert crawl["parser_version"] == parsing.BASE_PARSER_VERSION
    assert version_key(crawl["parser_version"]) < version_key(parsing.PARSER_VERSION)
    reparse = parse_to_json(scan_pdf(3), "application/pdf", "scan.pdf")
    assert reparse["parser_version"] == parsing.PARSER_VERSION
    assert "deferred" not in reparse["reason"]  # OCR ran (the farm's scans carry no writing)


def _lines(*specs: tuple[float, float, str, float]) -> list[ocr.Line]:
    """Lines of (width, height, text, score) stacked down a page."""
    return [ocr.Line(10, 40 * k, 10 + w, 40 * k + h, text, score) for k, (w, h, text, score) in enumerate(specs)]


def test_orientation_is_judged_by_wide_confident_lines() -> None:
    upright = _lines(*[(300, 20, "政府信息公开工作年度报告", 0.98)] * 6)
    sideways = _lines(*[(20, 300, "政府信息公开工作年度报告", 0.97)] * 6)
    upside_down = _lines(*[(200, 20, "乙Ɛ8-", 0.6)] * 6)
    assert ocr.looks_upright(upright) and not ocr.looks_upright(sideways) and not ocr.looks_upright(upside_down)
    assert ocr.upright_chars(upright) > ocr.upright_chars(upside_down) == ocr.upright_chars(sideways) == 0
    # a page on its side is read turned both ways, an unconfident one upside down: never more
    assert ocr.other_orientations(sideways) == (90, 270) and ocr.other_orientations(upside_down) == (180,)
    # too little text to tell: no further readings (a blank page costs one reading, not four)
    assert ocr.looks_upright(_lines((20, 300, "报告", 0.5), (20, 300, "年度", 0.4)))
    assert not ocr.looks_upright(_lines((200, 20, "获日", 0.64), (200, 20, "国《图", 0.61), (150, 20, "2粮花", 0.55)))


@pytest.mark.slow
@pytest.mark.corpus
@needs_ocr_extra
@pytest.mark.skipif(not (CORPUS / "docs" / R001).exists(), reason="../shared/corpus not present")
@pytest.mark.parametrize("turn", [90, 180])
def test_a_page_scanned_sideways_or_upside_down_is_read_upright(turn: int) -> None:
    import io

    from portalsim.scans import degrade, render_pages

    (page,) = render_pages((CORPUS / "docs" / R001).read_bytes(), [1])
    top = degrade(page.crop((0, 0, page.width, page.height // 3)), seed=2)  # the title and first paragraphs
    out = io.BytesIO()
    top.rotate(turn, expand=True, fillcolor=255).save(out, format="PNG")
    doc = ocr.extract_ocr_image(out.getvalue(), limits=ocr_limits(), deadline=ocr_deadline())
    assert f"read turned by {360 - turn}°" in " ".join(doc.warnings)
    text = doc.text.replace(" ", "")
    assert "政府信息公开" in text and "洪泽区" in text, text[:300]


def ocr_limits():
    from pipelines.parsing.extract.limits import DEFAULT_LIMITS
    return DEFAULT_LIMITS


def ocr_deadline():
    from pipelines.parsing.extract.limits import Deadline
    return Deadline(600)
