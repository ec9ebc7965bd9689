"""Unit tests of the semantic layer: values, checks, bad input, recognition."""

from __future__ import annotations

import pytest

from pipelines.parsing import PARSER_VERSION, parse_document
from pipelines.parsing.checks import run_checks
from pipelines.parsing.tables import decode_glued
from pipelines.parsing.types import Cell
from pipelines.parsing.values import parse_value


@pytest.mark.parametrize("raw,semantic,value", [
    ("0", "ZERO", 0), ("０", "ZERO", 0), ("零", "ZERO", 0), ("0件", "ZERO", 0), ("12", "NUMERIC", 12),
    ("1,234", "NUMERIC", 1234), ("+1", "NUMERIC", 1), ("-2", "NUMERIC", -2), ("885.1737", "NUMERIC", 885.1737),
    ("", "EMPTY", None), ("\u00a0", "EMPTY", None), ("—", "NA", None), ("/", "NA", None), ("无", "NA", None),
    ("见附件", "TEXT", None),
])
def test_parse_value(raw, semantic, value) -> None:
    cell = parse_value(raw)
    assert (cell.semantic, cell.value) == (semantic, value)


def test_value_unit_and_annotation() -> None:
    assert parse_value("251000元").unit == "元"
    cell = parse_value("22（其中修订 16 件）")
    assert (cell.value, cell.annotation) == (22, "其中修订16件")
    assert parse_value(None).semantic == "MISSING"


def _c(v):
    return parse_value(v)


def test_checks_strict_and_lenient() -> None:
    cells = {"t4.review.upheld": _c("3"), "t4.review.corrected": _c(""), "t4.review.other": _c("0"),
             "t4.review.pending": _c("0"), "t4.review.total": _c("3")}
    res = {c.rule: c for c in run_checks(cells)}
    assert (res["R4.review_sum"].strict, res["R4.review_sum"].lenient) == ("not_assessable", "pass")
    cells["t4.review.total"] = _c("0")
    res = {c.rule: c for c in run_checks(cells)}
    assert res["R4.review_sum"].lenient == "fail"
    assert cells["t4.review.total"].value == 0  # reported, not corrected


def test_missing_stays_unknown_in_lenient_reading() -> None:
    cells = {"t4.review.upheld": _c("3"), "t4.review.corrected": Cell(None, None, "MISSING"),
             "t4.review.other": _c("0"), "t4.review.pending": _c("0"), "t4.review.total": _c("3")}
    res = {c.rule: c for c in run_checks(cells)}
    assert res["R4.review_sum"].lenient == "not_assessable"


def test_decode_glued_unique_or_none() -> None:
    assert decode_glued("21710000218", (7,)) == ["217", "1", "0", "0", "0", "0", "218"]
    assert decode_glued("1111112", (7,)) is None or sum(map(int, decode_glued("1111112", (7,))[:6])) == 6
    assert decode_glued("abc", (7,)) is None


@pytest.mark.parametrize("body,name", [
    (b"", "empty.txt"), (bytes(range(256)) * 40, "random.bin"), (b"%PDF-1.4\n%broken", "trunc.pdf"),
    (b"not a zip at all", "fake.docx"),
])
def test_bad_input_is_a_failure_not_an_exception(body: bytes, name: str) -> None:
    result = parse_document(body, filename=name)
    assert result.status in ("failed", "not_report")
    assert result.reason and result.parser_version == PARSER_VERSION


def test_size_limit() -> None:
    from pipelines.parsing.extract import Limits

    result = parse_document(b"x" * 2048, filename="big.txt", limits=Limits(max_bytes=1024))
    assert result.status == "failed" and "big.txt" in result.reason


def test_notice_is_not_a_report() -> None:
    text = "某市办公室关于做好2021年政府信息公开工作年度报告编制发布工作的通知\n各单位：现就有关事项通知如下。\n"
    result = parse_document(text.encode(), filename="notice.txt")
    assert result.status == "not_report"


PRE2019 = """某县人民政府2015年政府信息公开工作年度报告
本报告所列数据统计期限自2015年1月1日起至2015年12月31日止。
一、概述
2015年，我县认真贯彻落实《中华人民共和国政府信息公开条例》。
二、主动公开政府信息情况
全年主动公开政府信息1200条。
三、政府信息依申请公开办理情况
全年共收到申请12件，同意公开10件，不同意公开2件。
四、因政府信息公开申请行政复议和提起行政诉讼的情况
无。
五、政府信息公开工作存在的主要问题及改进措施
公开内容有待丰富。
某县人民政府办公室
2016年3月20日
"""


def test_pre2019_report_keeps_its_own_sections() -> None:
    result = parse_document(PRE2019.encode(), filename="pre.txt")
    assert result.status == "ok"
    assert result.formats == {"t2": "pre2019", "t3": "pre2019", "t4": "pre2019"}
    assert result.extra.get("pre2019") is True
    assert [s.key for s in result.sections] == [f"pre2019.{i}" for i in range(1, 6)]
    assert result.cells == {}
    assert (result.agency, result.year, result.published) == ("某县人民政府", 2015, "2016-03-20")


def test_report_year_is_never_the_publication_year() -> None:
    text = PRE2019.replace("某县人民政府2015年政府信息公开工作年度报告", "政府信息公开工作年度报告")
    result = parse_document(text.encode(), filename="noyear.txt")
    assert result.year == 2015  # from the statistical period, not from 2016-03-20


def test_gbk_bytes_labelled_utf8_still_parse() -> None:
    result = parse_document(PRE2019.encode("gbk"), content_type="text/plain; charset=utf-8", filename="gbk.txt")
    assert result.status == "ok" and result.year == 2015


def test_deadline_limit_gives_failure() -> None:
    import random as _random

    from pipelines.parsing.extract import Limits
    from portalsim.render import random_spec, render_report

    body, ctype = render_report(random_spec(_random.Random(3)), "pdf")
    result = parse_document(body, content_type=ctype, filename="slow.pdf", limits=Limits(deadline_s=0.0))
    assert result.status == "failed" and "slow.pdf" in result.reason


def test_pdf_without_text_layer_needs_ocr() -> None:
    import io

    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.rect(100, 100, 300, 400, fill=1)  # a "scanned" page: graphics, no text
    c.showPage()
    c.save()
    result = parse_document(buf.getvalue(), filename="scan.pdf")
    assert result.status == "needs_ocr"
    assert "scan.pdf" in result.reason


# --- a report published as pictures (图片版) -------------------------------------------------

def _picture_page(title: str, extra: str = "") -> bytes:
    images = "".join(f'<p><img src="scan_{i}.png" width="600"></p>' for i in range(1, 4))
    return f"<html><body><h1>{title}</h1>{extra}{images}</body></html>".encode()


def test_report_published_as_images_needs_ocr_with_its_identity() -> None:
    from pipelines.parsing import parse_document

    result = parse_document(_picture_page("梅州市人力资源和社会保障局2021年政府信息公开工作年度报告（图片版）"),
                            filename="page.html")
    assert result.status == "needs_ocr" and "image" in result.reason
    assert (result.agency, result.year) == ("梅州市人力资源和社会保障局", 2021)


def test_images_under_a_notice_or_without_a_report_title_are_not_reports() -> None:
    from pipelines.parsing import parse_document

    notice = parse_document(_picture_page("关于梅州市2021年政府信息公开工作年度报告的更正说明"), filename="n.html")
    untitled = parse_document(_picture_page("梅州市人力资源和社会保障局工作动态"), filename="u.html")
    assert notice.status == "not_report" and untitled.status == "not_report"


def test_images_with_a_text_report_are_parsed_as_text() -> None:
    from pipelines.parsing import parse_document

    text = "".join(f"<p>{line}</p>" for line in (
        "一、总体情况", "本机关认真贯彻落实《中华人民共和国政府信息公开条例》。" * 12,
        "二、主动公开政府信息情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"))
    result = parse_document(_picture_page("梅州市人力资源和社会保障局2021年政府信息公开工作年度报告", text),
                            filename="t.html")
    assert result.status == "ok"


def test_glued_cuts_by_cell_count_then_arithmetic() -> None:
    from pipelines.parsing import schema
    from pipelines.parsing.tables import decode_row, glued_syntax_splits

    count = schema.COUNT
    g = "\x00glued:"
    # Table 2 (no arithmetic): unique only by the cell count.
    assert glued_syntax_splits("0012", [count] * 3) == [["0", "0", "12"]]
    assert decode_row([g + "7"], [count], None).cells == ["7"]
    assert decode_row([g + "898989"], [count] * 3, None).cells is None
    # Seven digits for seven cells: decoded although 1+1+1+1+1+1 != 2 (a failed check later).
    assert decode_row([g + "1111112"], [count] * 7, (7,)).cells == ["1", "1", "1", "1", "1", "1", "2"]
    # More digits than cells: the row total decides, or the cuts stay candidates.
    assert decode_row([g + "21710000218"], [count] * 7, (7,)).cells == ["217", "1", "0", "0", "0", "0", "218"]
    amb = decode_row([g + "270020130"], [count] * 7, (7,))
    assert amb.cells is None and ["27", "0", "0", "2", "0", "1", "30"] in amb.candidates
    assert len(amb.candidates) > 1


def test_row_number_after_spaces_is_not_absorbed() -> None:
    from pipelines.parsing.tables import _glued_tokens

    toks = _glued_tokens("1.属于国家秘密 0 0 00 00 0 2.其他法律行政法规禁止公开0000000")
    assert toks == ["1.属于国家秘密", "\x00glued:0000000", "2.其他法律行政法规禁止公开", "\x00glued:0000000"]
