"""DOCX, XLSX/XLS and DOC (catdoc) readers."""

from __future__ import annotations

import os
import stat
import textwrap

import pytest

from pipelines.parsing.extract import ExtractionError, Limits, extract
from pipelines.parsing.extract.doc import catdoc_blocks, extract_doc
from pipelines.parsing.extract.limits import Deadline
from pipelines.parsing.extract.xls import render_number
from tests.parsing.fixtures_extract import corpus_file, make_docx, make_xlsx, make_zip_bomb

# ---------------------------------------------------------------- DOCX


def test_docx_body_order_and_merged_cells():
    doc = extract(make_docx(), filename="r.docx")
    assert doc.source_format == "docx"
    kinds = [b.kind for b in doc.blocks]
    assert kinds == ["text", "text", "table", "text", "table", "text"]
    t1, t2 = (b for b in doc.blocks if b.kind == "table")
    assert t1.rows == (
        ("第二十条第（一）项", None, None, None),
        ("信息内容", "本年制发件数", "本年废止件数", "现行有效件数"),
        ("规章", "0", "", "3"),
        ("行政规范性文件", "5", None, "12"),
    )
    assert t2.rows == (
        ("三、本年度办理结果", "（一）予以公开", "7"),
        (None, "（二）部分公开", "2"),
        (None, "（七）总计", "9"),
    )
    assert doc.blocks[3].text == "三、收到和处理政府信息公开申请情况"


def test_docx_layout_table_with_nested_table_is_recursed():
    import io

    import docx

    d = docx.Document()
    outer = d.add_table(rows=1, cols=2)
    outer.cell(0, 0).text = "栏目"
    right = outer.cell(0, 1)
    right.paragraphs[0].text = "某某局年度报告"
    inner = right.add_table(rows=2, cols=2)
    for (r, c), text in {(0, 0): "信息内容", (0, 1): "本年制发件数", (1, 0): "规章", (1, 1): "3"}.items():
        inner.cell(r, c).text = text
    buf = io.BytesIO()
    d.save(buf)
    doc = extract(buf.getvalue())
    tables = [b for b in doc.blocks if b.kind == "table"]
    assert [t.rows for t in tables] == [(("信息内容", "本年制发件数"), ("规章", "3"))]
    texts = [b.text for b in doc.blocks if b.kind == "text" and b.text]
    assert texts == ["栏目", "某某局年度报告"]


def test_docx_not_a_zip_is_corrupt():
    with pytest.raises(ExtractionError) as err:
        extract(b"This is not really a Word file, just text pretending.\x00\x01\x02", filename="r.docx")
    assert err.value.code in ("corrupt", "binary")
    assert "docx" in err.value.reason


def test_docx_damaged_zip_is_corrupt():
    body = make_docx()
    damaged = body[:200] + b"\0" * 500 + body[700:]
    with pytest.raises(ExtractionError) as err:
        extract(damaged, filename="r.docx")
    assert err.value.code == "corrupt"


def test_docx_zip_bomb_refused_before_reading():
    bomb = make_zip_bomb("word/document.xml", size=40 * 1024 * 1024)
    assert len(bomb) < 1024 * 1024
    with pytest.raises(ExtractionError) as err:
        extract(bomb, limits=Limits(max_uncompressed_bytes=10 * 1024 * 1024))
    assert err.value.code == "too_large" and "max_uncompressed_bytes" in err.value.reason
    with pytest.raises(ExtractionError) as err:  # default size limit passes, ratio limit catches it
        extract(bomb)
    assert "compression ratio" in err.value.reason


def test_docx_corpus_blank_template():
    path = corpus_file("t001_gov_disclosure_annual_report_template_2021format_blank.docx")
    if path is None:
        pytest.skip("../shared/corpus absent")
    doc = extract(path.read_bytes(), filename=path.name)
    tables = [b for b in doc.blocks if b.kind == "table"]
    assert [(len(t.rows), len(t.rows[0])) for t in tables] == [(14, 4), (28, 10), (4, 15)]
    t3 = tables[1]
    assert t3.rows[1][:4] == (None, None, None, "自然人")  # vertical merge covered → None
    assert [r[2] for r in t3.rows[7:9]] == ["1.属于国家秘密", "2.其他法律行政法规禁止公开"]
    assert all(c == "" for r in t3.rows[3:] for c in r[3:])  # blank form: empty, never 0
    headings = [b.text for b in doc.blocks if b.kind == "text" and b.text.endswith("情况")]
    assert headings[:3] == ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况"]


# ---------------------------------------------------------------- XLSX / XLS


def test_xlsx_sheet_grid_merges_and_number_display():
    doc = extract(make_xlsx(), filename="t.xlsx")
    assert doc.source_format == "xlsx"
    assert [b.kind for b in doc.blocks] == ["text", "table"]  # the empty sheet is skipped
    assert doc.blocks[0].text == "表三"
    assert doc.blocks[1].rows == (
        ("申请人情况", None, None, ""),
        ("自然人", "法人", "总计", ""),
        ("95", "0", "95", ""),
        ("62.55", "3", "0.3", "7730.28"),
    )


@pytest.mark.parametrize("value,fmt,shown", [
    (62.550000000000004, None, "62.55"), (62.550000001, None, "62.55"), (5.0, None, "5"),
    (62.5, "0.00", "62.50"), (0.125, "0.0%", "12.5%"), (1234567.5, "#,##0.00", "1,234,567.50"),
    (885.1737, "General", "885.1737"), (-2.0, None, "-2"),
])
def test_render_number(value, fmt, shown):
    assert render_number(value, fmt) == shown


def test_xls_sheet_grid_merges_and_number_display():
    xlwt = pytest.importorskip("xlwt")  # test-only writer of legacy .xls
    import io

    wb = xlwt.Workbook()
    ws = wb.add_sheet("表二")
    ws.write_merge(0, 0, 0, 2, "第二十条第（一）项")
    for c, text in enumerate(["信息内容", "本年制发件数", "现行有效件数"]):
        ws.write(1, c, text)
    ws.write(2, 0, "规章")
    ws.write(2, 1, 3.0)
    ws.write(2, 2, 62.550000000000004)
    ws.write(3, 0, "金额")
    ws.write(3, 1, 7730.2, xlwt.easyxf(num_format_str="0.00"))
    buf = io.BytesIO()
    wb.save(buf)
    doc = extract(buf.getvalue(), filename="t.xlsx")  # wrong extension on purpose
    assert doc.source_format == "xls"
    assert any("suggest xlsx" in w for w in doc.warnings)
    assert doc.blocks[1].rows == (
        ("第二十条第（一）项", None, None),
        ("信息内容", "本年制发件数", "现行有效件数"),
        ("规章", "3", "62.55"),
        ("金额", "7730.20", ""),
    )


def test_xls_garbage_ole_is_corrupt():
    body = bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 600 + "Workbook".encode("utf-16-le") + b"\1" * 300
    with pytest.raises(ExtractionError) as err:
        extract(body, filename="t.xls")
    assert err.value.code == "corrupt" and "xls" in err.value.reason


# ---------------------------------------------------------------- DOC (catdoc)

CATDOC_SAMPLE = textwrap.dedent("""\
    某某局2019年政府信息公开工作年度报告

    二、主动公开政府信息情况
    第二十条第（一）项\t\t\t\t
    信息内容\t本年新制作数量\t本年新公开数量\t对外公开总数量\t
    规章\t0\t0\t0\t
    规范性文件\t3\t3\t12\t

    三、收到和处理政府信息公开申请情况
    """)


def test_catdoc_output_parsing():
    blocks = catdoc_blocks(CATDOC_SAMPLE)
    assert [b.kind for b in blocks] == ["text", "text", "text", "table", "text", "text"]
    assert blocks[3].rows == (
        ("第二十条第（一）项", "", "", ""),
        ("信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"),
        ("规章", "0", "0", "0"),
        ("规范性文件", "3", "3", "12"),
    )


def _fake_converter(tmp_path, script: str) -> str:
    exe = tmp_path / "fakecatdoc"
    exe.write_text("#!/bin/sh\n" + script, encoding="utf-8")
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    return str(exe)


def test_doc_through_converter_subprocess(tmp_path):
    sample = tmp_path / "out.txt"
    sample.write_text(CATDOC_SAMPLE, encoding="utf-8")
    exe = _fake_converter(tmp_path, f'cat "{sample}"\n')
    doc = extract_doc(b"\xd0\xcf\x11\xe0", limits=Limits(), deadline=Deadline(10), catdoc=exe)
    assert doc.source_format == "doc"
    assert any(b.kind == "table" for b in doc.blocks)


def test_doc_converter_timeout(tmp_path):
    exe = _fake_converter(tmp_path, "sleep 5\n")
    with pytest.raises(ExtractionError) as err:
        extract_doc(b"x", limits=Limits(subprocess_timeout_s=0.3), deadline=Deadline(10), catdoc=exe)
    assert err.value.code == "deadline" and "timeout" in err.value.reason


def test_doc_converter_missing():
    with pytest.raises(ExtractionError) as err:
        extract_doc(b"x", limits=Limits(), deadline=Deadline(10), catdoc="no-such-catdoc-binary")
    assert err.value.code == "converter_missing" and "catdoc" in err.value.reason


@pytest.mark.skipif(not any(os.access(os.path.join(p, "catdoc"), os.X_OK)
                            for p in os.environ.get("PATH", "").split(os.pathsep)),
                    reason="catdoc not installed")
def test_real_catdoc_rejects_broken_ole():
    body = bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 600 + "WordDocument".encode("utf-16-le")
    with pytest.raises(ExtractionError) as err:
        extract(body, filename="r.doc")
    assert err.value.code in ("corrupt", "empty")
