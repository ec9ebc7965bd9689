"""Platform auto-detection from a column page, and the stored record of detections."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from crawler.platforms import detect_platform, effective_platform, load_detections, record_detection

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"

TRS_PAGE = """<html><body><ul>
<li><a href="./202303/t20230315_123.html" title="2022年政府信息公开工作年度报告">2022年…</a><span>2023-03-15</span></li>
</ul><div class="page"><script>createPageHTML(3, 0, "index", "html");</script></div></body></html>"""
TRS_PAGER_PAGE = "<html><body><script>Pager({size:4, current:0, prefix:'index', suffix:'htm'});</script></body></html>"
TRS_COUNTPAGE = "<html><script>var currentPage = 0;\nvar countPage = 2 //共多少页</script></html>"
HANWEB_PAGE = """<html><body><div id="212860"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&columnid=33718"></a>]]></nextgroup>
<recordset><record><![CDATA[<li><a href='/art/2026/1/11/art_33718_1.html' title='年报'>年报</a></li>]]></record>
</recordset></datastore></script></div>
<script>$('#212860').jpage({totalRecord:4,perPage:19});</script></body></html>"""
GKMLPT_PAGE = """<html><head><script>window._CONFIG = { SID: '755041', TREE: [{id: 2629, name: '年报'}] };</script>
</head><body><div id="app"></div><script src="/gkmlpt/static/js/app.js"></script></body></html>"""
JSON_BODY = '{"status": 0, "data": {"totalElements": 2, "data": [{"title": "年报", "url": "http://x/doc/1.shtml"}]}}'
JSONAPI_PAGE = "<html><script>$.post('/info_open/search', {siteId: 1, pageIndex: 1});</script></html>"
PLAIN_PAGE = """<html><body><ul><li><a href="/zfxxgknb/2.html">年报</a></li></ul>
<a href="?page=2">下一页</a> <a href="?page=5">尾页</a></body></html>"""
PLAIN_SINGLE = "<html><body><ul><li><a href='/nb/1.html'>2023年报</a></li></ul></body></html>"


@pytest.mark.parametrize(
    ("body", "url", "key", "evidence"),
    [
        (TRS_PAGE, "http://a.gov.cn/zfxxgknb/", "trs", "createPageHTML"),
        (TRS_PAGER_PAGE, "http://a.gov.cn/nb/", "trs", "Pager"),
        (TRS_COUNTPAGE, "http://a.gov.cn/nb/", "trs", "countPage"),
        (HANWEB_PAGE, "http://a.gov.cn/col/col33718/index.html", "hanweb", "datastore"),
        (HANWEB_PAGE.replace("<datastore>", "").replace("<record>", ""), "http://a.gov.cn/x/", "hanweb", "dataproxy"),
        (GKMLPT_PAGE, "http://a.gd.gov.cn/gkmlpt/annualreport", "gkmlpt", "_CONFIG"),
        (PLAIN_SINGLE, "http://a.gd.gov.cn/gkmlpt/annualreport#2629", "gkmlpt", "url"),
        (JSON_BODY, "http://a.gov.cn/info_open/search", "jsonapi", "JSON"),
        (JSONAPI_PAGE, "http://a.gov.cn/xxgk/", "jsonapi", "info_open"),
        (PLAIN_PAGE, "http://a.gov.cn/zfxxgknb/1.html", "plain", "尾页"),
        (PLAIN_SINGLE, "http://a.gov.cn/nb/", "plain", "no CMS fingerprint"),
        (PLAIN_SINGLE, "http://a.gov.cn/col/col5985/index.html", "hanweb", "url"),
        ("", "http://a.gov.cn/nb/", "auto", "empty"),
        (b"%PDF-1.4 binary", "http://a.gov.cn/nb/", "auto", "neither HTML nor JSON"),
    ],
)
def test_detect_platform_synthetic(body, url: str, key: str, evidence: str) -> None:
    got_key, got_evidence = detect_platform(body, url)
    assert (got_key, evidence in got_evidence) == (key, True), got_evidence


def test_detect_platform_reads_gbk_bytes() -> None:
    body = TRS_PAGE.replace("年度报告", "年报").encode("gbk")
    assert detect_platform(body, "http://a.gov.cn/nb/")[0] == "trs"


def test_family_order_gkmlpt_before_trs() -> None:
    mixed = GKMLPT_PAGE + "<script>createPageHTML(2, 0, 'index', 'html');</script>"
    assert detect_platform(mixed, "http://a.gov.cn/")[0] == "gkmlpt"


def test_detect_platform_on_real_trs_listing_page() -> None:
    page = CORPUS / "docs" / "l001_fujian_pingtan_nianbao_list_page1.html"
    if not page.exists():
        pytest.skip(f"corpus absent: {page}")
    key, evidence = detect_platform(page.read_bytes(), "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/")
    assert key == "trs", evidence
    assert "trsapi" in evidence or "t-date" in evidence


def test_record_and_load_detections(tmp_path: Path) -> None:
    path = tmp_path / "var" / "platforms.json"
    assert load_detections(path) == {}
    when = datetime(2026, 1, 5, 8, 0, tzinfo=timezone.utc)
    record_detection("130000_rmzf", "trs", "body: createPageHTML() pager", "http://a/nb/", path=path, now=when)
    record_detection("320900_sthjj", "hanweb", "body: <datastore>", "http://b/col/col1/index.html", path=path)
    record_detection("130000_rmzf", "plain", "body: next-page anchor", "http://a/nb2/", path=path, now=when)
    found = load_detections(path)
    assert sorted(found) == ["130000_rmzf", "320900_sthjj"]
    assert (found["130000_rmzf"].platform, found["130000_rmzf"].url) == ("plain", "http://a/nb2/")
    assert found["130000_rmzf"].detected_at == "2026-01-05T08:00:00+00:00"
    assert json.loads(path.read_text(encoding="utf-8"))["format"] == 1
    assert [p.name for p in path.parent.iterdir()] == ["platforms.json"]  # no temp file left behind


def test_record_detection_refuses_auto_and_unknown(tmp_path: Path) -> None:
    for key in ("auto", "wordpress"):
        with pytest.raises(ValueError):
            record_detection("130000_rmzf", key, "", "http://a/", path=tmp_path / "p.json")
    assert not (tmp_path / "p.json").exists()


def test_corrupt_detections_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "platforms.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="platforms.json"):
        load_detections(path)


def test_default_detections_path_is_under_var_dir(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HARVEST_VAR_DIR", str(tmp_path))
    record_detection("130000_rmzf", "trs", "e", "http://a/nb/")
    assert (tmp_path / "platforms.json").exists()
    assert load_detections()["130000_rmzf"].platform == "trs"


def test_effective_platform_uses_detection_only_for_same_url(tmp_path: Path) -> None:
    path = tmp_path / "platforms.json"
    record_detection("130000_rmzf", "trs", "e", "http://a/nb/", path=path)
    found = load_detections(path)
    assert effective_platform("auto", "130000_rmzf", "http://a/nb/", found) == "trs"
    assert effective_platform("auto", "130000_rmzf", "http://a/moved/", found) == "auto"
    assert effective_platform("hanweb", "130000_rmzf", "http://a/nb/", found) == "hanweb"
    assert effective_platform("auto", "other", "http://a/nb/", found) == "auto"
