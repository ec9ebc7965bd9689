"""clean_page on synthetic family pages: container, metadata, tables, tail-trimming rules."""

import re

import pytest

from pipelines.cleaning import clean_page
from pipelines.cleaning import patterns as P
from portalsim.pages import Page, render, report_lines, report_table, seed_lines, seed_page

URL = "http://jyj.example.gov.cn/zfxxgk/zfxxgknb/202501/t20250103_1.html"
FAMILIES = {"trs": "trs:.TRS_Editor", "hanweb": "hanweb:#zoom", "gkmlpt": "gkmlpt:.article-content", "plain": "markers"}


def squash(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


@pytest.mark.parametrize("family", sorted(FAMILIES))
@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_family_page_keeps_every_body_line_and_no_chrome(family, seed):
    page = seed_page(seed, family=family)
    r = clean_page(render(page), url=URL)
    assert r.container == FAMILIES[family]
    assert "no_container" not in r.flags and "all_chrome" not in r.flags
    kept = r.content_text.splitlines()
    body_lines = report_lines(seed)
    for line in body_lines:
        assert squash(line) in kept, line
    body = "\n".join(body_lines)
    for marker in P.BOILERPLATE_MARKERS:
        if marker not in body:
            assert marker not in r.content_text, marker
    for varying in ("浏览次数", "87319", "n0nce", "《关于印发2025年政务公开工作要点的通知》", "扫一扫"):
        assert varying not in r.content_text
        assert varying not in r.content_html  # the HTML handed to the parser is trimmed the same way


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_metadata_per_family(family):
    r = clean_page(render(seed_page(0, family=family)), url=URL)
    assert r.title == "白碱滩区教育局2024年政府信息公开工作年度报告"
    assert (r.published, r.published_source) == ("2025-01-03", "meta")
    assert r.site_id_code == "6502040001"
    assert r.attachments == (("http://jyj.example.gov.cn/zfxxgk/zfxxgknb/202501/P020250103123456789012.pdf",
                              "附件1：2024年度报告原文.pdf"),)
    if family in ("hanweb", "gkmlpt"):
        assert r.index_no == "11650204MB1234567X/2025-00012"
        assert r.publisher == "白碱滩区教育局"
        assert "索引号" not in r.content_text
    else:
        assert r.index_no is None


def test_published_source_order():
    page = seed_page(0, family="hanweb", with_meta_pubdate=False)
    r = clean_page(render(page), url=URL)
    assert (r.published, r.published_source) == ("2025-01-03", "index_table")
    r = clean_page(render(seed_page(0, family="trs", with_meta_pubdate=False, pubdate="2025-02-07 09:00")), url=URL)
    assert (r.published, r.published_source) == ("2025-02-07", "byline")
    html = "<html><body><div id='zoom'><p>一、总体情况</p><p>" + "内容。" * 30 + "</p></div></body></html>"
    r = clean_page(html.encode(), listing_date="2025-03-01")
    assert (r.published, r.published_source) == ("2025-03-01", "listing")
    assert (clean_page(html.encode()).published_source) == "none"


def test_update_time_is_not_publication_date():
    html = ("<html><body><div>更新时间：2026-05-05</div><div id='zoom'><p>一、总体情况</p><p>" + "内容。" * 30
            + "</p></div></body></html>")
    r = clean_page(html.encode())
    assert r.published is None and r.published_source == "none"


def test_tables_stay_structure_in_html_and_rows_in_text():
    r = clean_page(render(seed_page(0, family="trs")), url=URL)
    assert r.content_html.count("<table") == 1 and 'rowspan="2"' in r.content_html and 'colspan="4"' in r.content_html
    assert "| 行政规范性文件 | 12 | 3 | 45 |" in r.content_text.splitlines()
    assert "| 第二十条第（一）项 |  |  |  |" in r.content_text.splitlines()
    assert "|  | 473 |  |  |" in r.content_text.splitlines()  # rowspan cell padded, colspan padded


def _page_with_tail(tail_html: str, body_html: str) -> bytes:
    return (f"<html><body><div class='TRS_Editor'>{body_html}{tail_html}</div></body></html>").encode()


BODY = "<p>一、总体情况</p><p>" + "本机关全年主动公开政府信息57条。" * 4 + "</p>"


def test_marker_mid_body_is_content():
    body = BODY + "<p>我的分享到这里。</p><p>分享到了各部门的成果，取得良好效果。</p><p>" + "后续正文内容。" * 5 + "</p>"
    r = clean_page(_page_with_tail("<p>分享到：</p><p>微信</p><p>微博</p>", body))
    assert "我的分享到这里。" in r.content_text and "分享到了各部门的成果，取得良好效果。" in r.content_text
    assert r.content_text.splitlines()[-1] == "后续正文内容。" * 5
    assert "微博" not in r.content_text


def test_header_share_bar_followed_by_text_keeps_text():
    body = "<p>分享到：微信 微博</p>" + BODY
    r = clean_page(_page_with_tail("", body))
    assert r.content_text.splitlines()[0] == "一、总体情况"  # the share bar line is chrome, the rest kept
    assert "本机关全年主动公开政府信息57条。" in r.content_text


def test_text_before_first_marker_kept_exactly_with_attachment_list():
    before = ["白碱滩区教育局", "2025年1月3日", "（此件公开发布）", "相关附件：附件1.2024年度报告表格.docx",
              "附件2：统计表.xlsx"]
    body = BODY + "".join(f"<p>{x}</p>" for x in before)
    tail = "<p>相关链接：一图读懂《2024年报告》</p><p>《另一份文件的标题》</p><p>【打印本页】【关闭窗口】</p>"
    r = clean_page(_page_with_tail(tail, body))
    assert r.content_text.splitlines()[-len(before):] == before
    assert "另一份文件" not in r.content_text and "一图读懂" not in r.content_text


def test_all_chrome_is_flagged_never_emptied():
    r = clean_page(_page_with_tail("<p>扫一扫在手机打开当前页</p><p>【打印本页】</p><p>相关链接</p>", ""))
    assert "all_chrome" in r.flags
    assert "扫一扫在手机打开当前页" in r.content_text and r.content_text.strip()


def test_cleaning_is_idempotent():
    r1 = clean_page(render(seed_page(3, family="hanweb")), url=URL)
    r2 = clean_page(f"<html><body>{r1.content_html}</body></html>".encode())
    assert r2.content_text == r1.content_text and r2.digest == r1.digest


def test_gbk_page_decoded_as_gb18030_same_digest():
    utf = clean_page(render(seed_page(0, family="trs")), url=URL)
    gbk = clean_page(render(seed_page(0, family="trs", charset="gbk")), url=URL,
                     headers={"Content-Type": "text/html; charset=GB2312"})
    assert gbk.encoding == "gb18030" and "charset_mismatch" not in gbk.flags
    assert gbk.digest == utf.digest and gbk.title == utf.title


def test_page_without_markers_flagged():
    r = clean_page(render(Page(family="trs", title="关于做好2021年度报告编制工作的通知",
                               lines=tuple(["各单位：", "请于1月31日前报送。"] * 3), table="")))
    assert "no_report_markers" in r.flags


def test_report_table_changes_with_number():
    assert "474" in report_table(474) and "474" not in report_table(473)
    assert seed_lines(0)[0].endswith("年度报告")


def test_related_heading_inside_report_tail_is_content():
    body = BODY + "<p>（三）相关政策解读情况</p><p>无</p><p>白碱滩区教育局</p>"
    r = clean_page(_page_with_tail("<p>【打印本页】</p>", body))
    assert r.content_text.splitlines()[-3:] == ["（三）相关政策解读情况", "无", "白碱滩区教育局"]


def test_report_nested_deeper_than_libxml_default_limit_is_kept():
    page = seed_page(0, family="trs")
    inner = render(page).decode("utf-8")
    start, end = inner.index("<body>") + 6, inner.index("</body>")
    depth = 300  # 900 levels of table/tr/td: libxml2 drops such content unless huge_tree is on
    html = inner[:start] + "<table><tr><td>" * depth + inner[start:end] + "</td></tr></table>" * depth + inner[end:]
    r = clean_page(html.encode("utf-8"))
    assert r.container == "trs:.TRS_Editor"
    assert all(squash(ln) in r.content_text.splitlines() for ln in report_lines(0))


def test_gkmlpt_body_only_in_config_detail_json():
    import json

    fragment = "<p>一、总体情况</p><p>" + "本机关全年主动公开政府信息57条。" * 3 + "</p><table><tr><td>规章</td><td>0</td></tr></table>"
    code = "window._CONFIG = {SID: '755041', DETAIL: {\"title\": \"x\", \"content\": " + json.dumps(fragment).replace("<", "\\u003C") + "}};"
    html = f"<html><head><meta name='PubDate' content='2025-01-20 09:00'></head><body><script>{code}</script><div id='app'></div></body></html>"
    r = clean_page(html.encode())
    assert r.container == "gkmlpt:_CONFIG.DETAIL.content"
    assert "一、总体情况" in r.content_text and "| 规章 | 0 |" in r.content_text and "<table>" in r.content_html


def test_gkmlpt_detail_on_a_page_without_body():
    # libxml2 creates no <body> for a page that is all <head>; the DETAIL fragment is still the content
    import json

    fragment = "<p>一、总体情况</p><p>" + "本机关全年主动公开政府信息57条。" * 3 + "</p>"
    code = "window._CONFIG = {DETAIL: {\"content\": " + json.dumps(fragment).replace("<", "\\u003C") + "}};"
    r = clean_page(f"<html><head><script>{code}</script></head></html>".encode())
    assert "internal_error" not in r.flags
    assert r.container == "gkmlpt:_CONFIG.DETAIL.content"
    assert "一、总体情况" in r.content_text
