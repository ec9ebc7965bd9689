"""HTML reader: grids from rowspan/colspan, layout tables, chrome, HTML inside JavaScript."""

from __future__ import annotations

import json

import pytest

from pipelines.parsing.extract import ExtractionError, Limits, extract
from pipelines.parsing.extract.html import js_html_strings
from tests.parsing.fixtures_extract import CORPUS, corpus_file

SPANNED = """<html><head><title>页面标题</title><style>p{color:red}</style>
<script>var x = "<p>不是正文</p>";</script></head><body>
<div class="nav">首页 &gt; 政务公开</div>
<h1>某某局2023年政府信息公开工作年度报告</h1>
<p>一、总体情况</p><p>正文<b>加粗</b>继续。<br>第二行</p>
<table border="0">
<tr><td rowspan="2" colspan="2">（本列数据的勾稽关系）</td><td colspan="3">申请人情况</td></tr>
<tr><td>自然人</td><td>法人</td><td>总计</td></tr>
<tr><td rowspan="2">三、本年度办理结果</td><td>（一）予以公开</td><td>5</td><td>&nbsp;</td><td> 5 </td></tr>
<tr><td>（二）部分公开</td><td>1</td><td>　</td><td>1</td></tr>
</table>
<noscript>请启用脚本</noscript>
<p>六、其他需要报告的事项</p>
</body></html>"""


def test_rowspan_colspan_grid_and_order():
    doc = extract(SPANNED.encode("utf-8"), filename="page.html")
    assert doc.source_format == "html"
    texts = [b.text for b in doc.blocks if b.kind == "text"]
    assert "页面标题" not in texts and "不是正文" not in " ".join(texts) and "请启用脚本" not in texts
    kinds = [b.kind for b in doc.blocks]
    assert kinds.index("table") > texts.index("一、总体情况")
    assert doc.blocks[-1].text == "六、其他需要报告的事项"
    assert "正文加粗继续。" in texts and "第二行" in texts
    table = next(b for b in doc.blocks if b.kind == "table")
    assert table.rows == (
        ("（本列数据的勾稽关系）", None, "申请人情况", None, None),
        (None, None, "自然人", "法人", "总计"),
        ("三、本年度办理结果", "（一）予以公开", "5", "", "5"),
        (None, "（二）部分公开", "1", "", "1"),
    )


def test_nested_layout_table_recurses_into_cells():
    page = """<html><body><table><tr><td>栏目导航</td><td>
      <p>某某局年度报告</p>
      <table><tr><td>信息内容</td><td>本年制发件数</td></tr><tr><td>规章</td><td>3</td></tr></table>
      <p>结束语</p></td></tr></table></body></html>"""
    doc = extract(page.encode("utf-8"))
    tables = [b for b in doc.blocks if b.kind == "table"]
    assert len(tables) == 1 and tables[0].rows == (("信息内容", "本年制发件数"), ("规章", "3"))
    texts = [b.text for b in doc.blocks if b.kind == "text"]
    assert texts == ["栏目导航", "某某局年度报告", "结束语"]


def test_ragged_rows_padded_with_none_not_zero():
    page = "<table><tr><td>a</td><td>b</td><td>c</td></tr><tr><td>d</td></tr></table>"
    doc = extract(page.encode("utf-8"), content_type="text/html")
    assert doc.blocks[0].rows == (("a", "b", "c"), ("d", None, None))


def test_span_bomb_limited():
    page = '<table><tr><td colspan="1000" rowspan="50">x</td></tr>' + "<tr><td>y</td></tr>" * 50 + "</table>"
    with pytest.raises(ExtractionError) as err:
        extract(page.encode("utf-8"), limits=Limits(max_table_cells=10_000))
    assert "max_table_cells" in err.value.reason


def test_html_in_javascript_string_is_unescaped():
    html = "<p style='text-align: center'>2019年某某局政府信息公开工作年度报告</p><table><tr><td>规章</td><td>13</td></tr></table>"
    js = "//字典\nlet menu = [{\"id\": \"1\"}]\nlet content = " + json.dumps(html, ensure_ascii=False) + "\n"
    assert js_html_strings(js) == html
    doc = extract(js.encode("utf-8"), filename="report.js")
    assert doc.blocks[0].text == "2019年某某局政府信息公开工作年度报告"
    assert doc.blocks[1].rows == (("规章", "13"),)
    assert any("JavaScript" in w for w in doc.warnings)


def test_gbk_page_with_meta_charset():
    page = '<html><head><meta charset="gb2312"></head><body><p>政府信息公开</p></body></html>'
    doc = extract(page.encode("gbk"))
    assert doc.blocks[0].text == "政府信息公开"


def _truth(name: str) -> dict:
    return json.loads((CORPUS / "truth" / f"{name}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", ["r013_fujian_pingtan_2024_page.html",
                                  "r014_shanghai_gov_office_2019_html_in_js.js"])
def test_corpus_html_tables_carry_truth_numbers_in_order(name):
    path = corpus_file(name)
    if path is None:
        pytest.skip("../shared/corpus absent")
    doc = extract(path.read_bytes(), filename=name)
    tables = [b for b in doc.blocks if b.kind == "table"]
    assert len(tables) >= 3
    expected_t4 = [v for k, v in _truth(name)["expected"].items() if k.startswith("t4.")]
    t4 = next(t for t in tables if len(t.rows[0]) == 15)
    got = [float(c) if c else None for c in t4.rows[-1]]
    assert len(got) == len(expected_t4) == 15
    # Blank cells (r014 prints &nbsp; for zeros) stay blank here; printed numbers match in order.
    assert sum(g is not None for g in got) >= 5
    assert all(g is None or g == float(e) for g, e in zip(got, expected_t4))


@pytest.mark.parametrize("name", ["r013_fujian_pingtan_2024_page.html",
                                  "r014_shanghai_gov_office_2019_html_in_js.js"])
def test_corpus_html_table3_grid_matches_truth_positions(name):
    path = corpus_file(name)
    if path is None:
        pytest.skip("../shared/corpus absent")
    doc = extract(path.read_bytes(), filename=name)
    expected = [v for k, v in _truth(name)["expected"].items() if k.startswith("t3.")]
    t3 = next(b for b in doc.blocks if b.kind == "table" and len(b.rows[0]) == 10)
    values = [c for row in t3.rows[3:] for c in row[3:]]  # 3 header rows, 3 label columns
    assert len(values) == len(expected)
    printed = [(v, e) for v, e in zip(values, expected) if v]
    assert len(printed) >= 30
    assert all(float(v) == float(e) for v, e in printed)


def test_comments_and_inline_markup_do_not_split_text():
    doc = extract("<html><body><p>政府<!-- 注释 -->信息<span>公开</span></p></body></html>".encode())
    assert [b.text for b in doc.blocks] == ["政府信息公开"]


def test_source_newlines_are_spaces_but_br_is_a_cell_line_break():
    page = "<div>政府信息\n   公开</div><table><tr><td>本年新\n  制作数量</td><td>结果<br>维持</td></tr></table>"
    doc = extract(page.encode("utf-8"))
    assert doc.blocks[0].text == "政府信息 公开"
    assert doc.blocks[1].rows == (("本年新 制作数量", "结果\n维持"),)


def test_unexpected_reader_failure_is_wrapped(monkeypatch):
    import pipelines.parsing.extract.html as html_reader

    def boom(*args, **kwargs):
        raise ValueError("synthetic")

    monkeypatch.setattr(html_reader, "extract_html", boom)
    with pytest.raises(ExtractionError) as err:
        extract(b"<html><body><p>x</p></body></html>", filename="p.html")
    assert err.value.code == "failed" and "ValueError: synthetic" in err.value.reason
