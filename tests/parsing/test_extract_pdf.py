"""PDF reader: reading order, tables stitched across pages, boilerplate, OCR detection, bad PDFs."""

from __future__ import annotations

import json
import time

import pytest

from pipelines.parsing.extract import ExtractionError, Limits, extract
from tests.parsing.fixtures_extract import CORPUS, corpus_file, make_image_pdf, make_pdf

ROWS = [["项目", "自然人", "法人", "总计"]] + [[f"第{i}行标签", str(i), "0", str(i)] for i in range(1, 80)]


@pytest.fixture(scope="module")
def long_table_pdf() -> bytes:
    return make_pdf(ROWS)


def test_long_table_is_stitched_and_boilerplate_dropped(long_table_pdf):
    doc = extract(long_table_pdf, filename="r.pdf")
    assert doc.source_format == "pdf" and not doc.needs_ocr
    tables = [b for b in doc.blocks if b.kind == "table"]
    assert len(tables) == 1, [len(t.rows) for t in tables]
    assert [list(r) for r in tables[0].rows] == ROWS
    texts = [b.text for b in doc.blocks if b.kind == "text"]
    assert not any("—" in t for t in texts)  # "— N —" page numbers
    assert "某某局政府信息公开工作年度报告" not in texts  # running header on every page
    # Reading order: heading, prose, table, closing line.
    kinds = [b.kind for b in doc.blocks]
    assert texts[0] == "一、总体情况" and doc.blocks[-1].text == "四、结束语"
    assert kinds.index("table") == len(kinds) - 2


def test_row_cut_by_page_break_is_merged():
    from pipelines.parsing.extract.pdf import _merge_split_row

    prev = [None, "（三）不予公开", "4.无正当理由大量反复", "", "", ""]
    cont = [None, None, "申请", "0", "1", "1"]
    assert _merge_split_row(prev, cont) == [None, "（三）不予公开", "4.无正当理由大量反复申请", "0", "1", "1"]
    # Two complete rows are not merged.
    assert _merge_split_row([None, "1.a", "3", "0"], ["", "2.b", "1", "0"]) is None


def test_image_only_pdf_needs_ocr():
    doc = extract(make_image_pdf(), filename="scan.pdf")
    assert doc.needs_ocr
    assert any("without a usable text layer" in w for w in doc.warnings)


def test_truncated_pdf_fails_clearly(long_table_pdf):
    body = long_table_pdf[: len(long_table_pdf) // 3]
    start = time.monotonic()
    with pytest.raises(ExtractionError) as err:
        extract(body, filename="cut.pdf")
    assert err.value.code == "corrupt" and "truncated" in err.value.reason
    assert time.monotonic() - start < 10


def test_header_only_pdf_is_an_error():
    with pytest.raises(ExtractionError) as err:
        extract(b"%PDF-1.4\n%garbage", filename="x.pdf")
    assert err.value.code == "corrupt"


def test_encrypted_pdf_fails_clearly():
    body = make_pdf(ROWS[:5], encrypt="secret")
    with pytest.raises(ExtractionError) as err:
        extract(body, filename="locked.pdf")
    assert err.value.code == "encrypted"
    assert "password" in err.value.reason


def test_page_limit(long_table_pdf):
    with pytest.raises(ExtractionError) as err:
        extract(long_table_pdf, limits=Limits(max_pages=1))
    assert err.value.code == "too_many_pages" and "max_pages=1" in err.value.reason


def test_deadline_checked_between_pages(long_table_pdf):
    with pytest.raises(ExtractionError) as err:
        extract(long_table_pdf, limits=Limits(deadline_s=0.0))
    assert err.value.code == "deadline" and "deadline" in err.value.reason


def test_wrong_extension_still_read_with_warning(long_table_pdf):
    doc = extract(long_table_pdf, filename="report.docx", content_type="application/msword")
    assert doc.source_format == "pdf"
    assert any("suggest docx" in w for w in doc.warnings)


@pytest.mark.parametrize("name", ["r001_jiangsu_huaian_hongze_2023.pdf", "r002_jiangsu_huaian_hongze_2024.pdf",
                                  "r003_jiangsu_huaian_city_2024.pdf"])
def test_corpus_tables_3_and_4_numbers_in_order(name):
    path = corpus_file(name)
    if path is None:
        pytest.skip("../shared/corpus absent")
    truth = json.loads((CORPUS / "truth" / f"{name}.json").read_text(encoding="utf-8"))["expected"]
    doc = extract(path.read_bytes(), filename=name)
    t3 = [b for b in doc.blocks if b.kind == "table" and len(b.rows[0]) == 10]
    assert len(t3) == 1  # stitched across the page break
    got3 = [float(c) for row in t3[0].rows[3:] for c in row[3:] if c]
    assert got3 == [float(v) for k, v in truth.items() if k.startswith("t3.")]
    t4 = next(b for b in doc.blocks if b.kind == "table" and len(b.rows[0]) == 15)
    assert [float(c) for c in t4.rows[-1]] == [float(v) for k, v in truth.items() if k.startswith("t4.")]
    texts = [b.text for b in doc.blocks if b.kind == "text"]
    assert not any(t.strip("- ").isdigit() for t in texts if t.startswith("-"))  # "- 3 -" dropped


def test_corpus_non_report_pdf_reads():
    path = corpus_file("n001_shanghai_putuo_czj_2024_budget_final_accounts_NOT_A_REPORT.pdf")
    if path is None:
        pytest.skip("../shared/corpus absent")
    doc = extract(path.read_bytes())
    assert not doc.needs_ocr
    assert any("决算" in b.text for b in doc.blocks if b.kind == "text")
    assert sum(b.kind == "table" for b in doc.blocks) >= 5


def _page(number, items):
    from pipelines.parsing.extract.pdf import _Item, _Page

    page = _Page(number=number, height=800.0)
    for top, bottom, payload in items:
        if isinstance(payload, str):
            page.items.append(_Item(top, bottom, text=payload))
        else:
            page.items.append(_Item(top, bottom, rows=[list(r) for r in payload]))
    return page


def test_stitch_repeated_header_and_narrower_continuation():
    from pipelines.parsing.extract.pdf import _stitch

    header = ["项目", "自然人", "总计"]
    pages = [
        _page(1, [(50, 60, "三、收到和处理政府信息公开申请情况"),
                  (100, 780, [header, ["（一）予以公开", "5", "5"], ["（二）部分公开", "1", "1"]])]),
        # Next page: the header row repeated, then rows whose first column came out missing.
        _page(2, [(40, 300, [header, ["（三）不予公开", "0", "0"]]),
                  (320, 500, [["0", "0"], ["7", "7"]])]),
    ]
    warnings: list[str] = []
    blocks = _stitch(pages, warnings)
    assert [b.kind for b in blocks] == ["text", "table", "table"]
    assert blocks[1].rows == (tuple(header), ("（一）予以公开", "5", "5"), ("（二）部分公开", "1", "1"),
                              ("（三）不予公开", "0", "0"))
    assert blocks[1].page == 1
    # A table that does not start the page is not a continuation.
    assert blocks[2].rows == (("0", "0"), ("7", "7"))


def test_stitch_continuation_with_other_width_is_right_aligned():
    from pipelines.parsing.extract.pdf import _stitch

    pages = [
        _page(1, [(600, 790, [["标签", "a", "b", "c"], ["1.甲", "1", "2", "3"]])]),
        _page(2, [(40, 200, [["2.乙", "4", "5"], ["6", "7", "8"]])]),
    ]
    warnings: list[str] = []
    blocks = _stitch(pages, warnings)
    assert len(blocks) == 1
    assert blocks[0].rows[-2:] == ((None, "2.乙", "4", "5"), (None, "6", "7", "8"))
    assert any("3 columns instead of 4" in w for w in warnings)


def test_pdf_the_fast_engine_cannot_read_goes_to_pdfplumber(monkeypatch, long_table_pdf):
    from pipelines.parsing.extract import pdfium_text

    def broken(body):
        raise pdfium_text.FastEngineDeclined("cannot open (PDFium: Data format error)")

    monkeypatch.setattr(pdfium_text, "open_document", broken)
    doc = extract(long_table_pdf, filename="r.pdf", limits=Limits(isolate=False))
    tables = [b for b in doc.blocks if b.kind == "table"]
    assert [list(r) for r in tables[0].rows] == ROWS
    assert any("read with pdfplumber" in w and "Data format error" in w for w in doc.warnings)


def test_fast_engine_and_pdfplumber_agree_on_the_long_table(long_table_pdf):
    from pipelines.parsing.extract.limits import Deadline
    from pipelines.parsing.extract.pdf import _drop_boilerplate, _read_with_pdfium, _read_with_pdfplumber, _stitch

    def blocks(pages):
        _drop_boilerplate(pages)
        return _stitch(pages, [])

    fast, _ = _read_with_pdfium(long_table_pdf, Limits(), Deadline(60))
    slow, _ = _read_with_pdfplumber(long_table_pdf, Limits(), Deadline(60), [])
    assert blocks(fast) == blocks(slow)


def test_pdf_neither_engine_reads_fails_with_both_reasons():
    from pipelines.parsing import parse_document

    body = b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"
    result = parse_document(body, filename="garbage.pdf")
    assert result.status == "failed"
    assert "pypdfium2: cannot open" in result.reason and "pdfplumber:" in result.reason
