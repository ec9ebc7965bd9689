"""Each CMS family answers listing and pagination requests the way portals.md §2 describes."""

from __future__ import annotations

import html
import json
import re
import urllib.parse
from urllib.parse import urljoin

import pytest

from portalsim import Farm, FarmServer
from tests.farm.helpers import fetch, portal_of

TITLE_ATTR = re.compile(r"title=['\"]([^'\"]+)['\"]")


@pytest.fixture(scope="module")
def served():
    farm = Farm.generate(portals=20, seed=5, faults=False)
    with FarmServer(farm, port=0) as server:
        yield farm, server, server.manifest()


def expected_titles(farm, portal_id):
    return [d.title for d in farm.portal(portal_id).documents]


def listing_titles(page_html: str) -> list[str]:
    block = page_html.split('<ul class="list">', 1)[1].split("</ul>", 1)[0]
    return [html.unescape(t) for t in TITLE_ATTR.findall(block)]


# ----------------------------------------------------------------------------------------- TRS

def test_trs_classic_is_zero_based_index_n(served):
    farm, server, manifest = served
    portal = portal_of(manifest, "trs", "classic")
    first = fetch(portal["column_url"]).text()
    count, current = map(int, re.search(r'createPageHTML\((\d+), (\d+), "index", "html"\)', first).groups())
    assert current == 0 and count >= 2
    titles = listing_titles(first)
    for i in range(1, count):
        page = fetch(portal["column_url"].replace("index.html", f"index_{i}.html"))
        assert page.status == 200
        assert f"createPageHTML({count}, {i}," in page.text()
        titles += listing_titles(page.text())
    assert titles == expected_titles(farm, portal["id"])
    assert fetch(portal["column_url"].replace("index.html", f"index_{count}.html")).status == 404


def test_trs_ucap6_is_one_based_and_index_1_is_missing(served):
    farm, server, manifest = served
    portal = portal_of(manifest, "trs", "ucap6")
    first = fetch(portal["column_url"])
    text = first.body.decode("gbk") if "GBK" in first.headers["Content-Type"] else first.text()
    count, current = map(int, re.search(r"createPageHTML\('page_div',(\d+),(\d+),'index','html',\d+\)", text).groups())
    assert current == 1 and count >= 2
    assert fetch(portal["column_url"].replace("index.html", "index_1.html")).status == 404
    second = fetch(portal["column_url"].replace("index.html", "index_2.html"))
    assert second.status == 200
    assert f"'page_div',{count},2," in second.body.decode("gbk", "replace")


def test_trs_pager_variant_uses_htm_pages(served):
    farm, server, manifest = served
    portal = portal_of(manifest, "trs", "pager")
    assert portal["column_url"].endswith("/index.htm")
    first = fetch(portal["column_url"]).body.decode("gbk", "replace")
    size = int(re.search(r"Pager\(\{size:(\d+), current:0, prefix:'index',suffix:'htm'\}\)", first).group(1))
    assert size == len(portal["listing_urls"])
    assert fetch(portal["column_url"].replace("index.htm", "index_1.htm")).status == 200
    assert fetch(portal["column_url"].replace("index.htm", "index_1.html")).status == 404


def test_trs_classic_vars_pager(served):
    farm, server, manifest = served
    portal = portal_of(manifest, "trs", "classic-vars")
    first = fetch(portal["column_url"]).body.decode("gbk", "replace")
    assert re.search(r"var currentPage = 0;", first)
    assert int(re.search(r"countPage\s*=\s*(\d+)", first).group(1)) == len(portal["listing_urls"])


def test_trs_rows_link_relative_and_multi_page_articles(served):
    farm, server, manifest = served
    portal = portal_of(manifest, "trs", "classic")
    first = fetch(portal["column_url"]).text()
    href = re.search(r'<li><a href="(\./\d{6}/t\d{8}_\d+\.html)"', first).group(1)
    assert fetch(urljoin(portal["column_url"], href)).status == 200
    multi = [r for r in manifest["reports"] if len(r["detail_urls"]) > 1]
    assert multi, "some TRS articles span several pages"
    report = multi[0]
    name = report["detail_urls"][0].rsplit("/", 1)[1][:-5]
    for k, url in enumerate(report["detail_urls"]):
        page = fetch(url)
        assert page.status == 200
        assert f'createPageHTML({len(report["detail_urls"])}, {k}, "{name}"'.encode() in page.body


# -------------------------------------------------------------------------------------- Hanweb

def _hanweb_form(farm, portal_id):
    p = farm.portal(portal_id)
    return (f"col=1&appid=1&webid=1&path=/&columnid={p.column_id}&sourceContentType=1"
            f"&unitid={p.unit_id}&webname=x&permissiontype=0").encode()


def _records(xml_text: str) -> list[str]:
    return [html.unescape(t) for t in re.findall(r"title='([^']+)'", xml_text)]


def test_hanweb_inline_datastore_and_post_groups_with_overlap(served):
    farm, server, manifest = served
    portal = portal_of(manifest, "hanweb", "overlap")
    page = fetch(portal["column_url"]).text()
    assert '<script type="text/xml"><datastore>' in page
    total = int(re.search(r"totalRecord:(\d+)", page).group(1))
    per = int(re.search(r"perPage:(\d+)", page).group(1))
    inline = _records(page.split("<datastore>", 1)[1].split("</datastore>", 1)[0])
    expected = expected_titles(farm, portal["id"])
    assert total == len(expected) and inline == expected[:per]
    proxy = f'{portal["base_url"]}/p/{portal["id"]}/module/web/jpage/dataproxy.jsp'
    form = _hanweb_form(farm, portal["id"])
    collected: list[str] = []
    start = 1
    while start <= total:
        end = start + per * 3 - 1
        answer = fetch(f"{proxy}?startrecord={start}&endrecord={end}&perpage={per}", data=form,
                       headers={"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8",
                                "X-Requested-With": "XMLHttpRequest"})
        assert answer.status == 200 and "<totalrecord>%d</totalrecord>" % total in answer.text()
        rows = _records(answer.text())
        if start > 1:  # one look-ahead boundary record repeats the previous group's last
            assert rows[0] == collected[-1]
            rows = rows[1:]
        collected += rows
        start = end + 1
    assert collected == expected


def test_hanweb_get_page_n_and_wrong_column(served):
    farm, server, manifest = served
    portal = portal_of(manifest, "hanweb", "plain-groups")
    p = farm.portal(portal["id"])
    page = fetch(portal["column_url"]).text()
    nextgroup = re.search(r'<nextgroup><!\[CDATA\[<a href="([^"]+)"', page).group(1)
    assert "dataproxy.jsp?page=1&" in nextgroup
    collected = []
    for n in range(1, 10):
        answer = fetch(urljoin(portal["column_url"], nextgroup.replace("page=1&", f"page={n}&")))
        rows = _records(answer.text())
        if not rows:
            break
        assert len(rows) <= p.page_size
        collected += rows
    assert collected == expected_titles(farm, portal["id"])
    bogus = fetch(urljoin(portal["column_url"], nextgroup.replace(f"columnid={p.column_id}", "columnid=1")))
    assert "<totalrecord>0</totalrecord>" in bogus.text()
    # dates split over lines in this variant
    assert re.search(r'<span class="time">\n \d{4}-\n \d{2}-\n \d{2}\n</span>', page)


def test_hanweb_downfile_redirects_with_content_disposition(served):
    farm, server, manifest = served
    hanweb_ids = {p["id"] for p in manifest["portals"] if p["family"] == "hanweb"}
    report = next(r for r in manifest["reports"] if r["portal_id"] in hanweb_ids and r["attachments"])
    att = report["attachments"][0]
    assert "/module/download/downfile.jsp?classid=0&filename=" in att["url"]
    first = fetch(att["url"])
    assert first.status == 302 and first.headers["Location"].endswith(att["final_url"].split("/p/", 1)[1])
    final = fetch(att["final_url"])
    assert final.status == 200
    disposition = final.headers["Content-Disposition"]
    name = urllib.parse.unquote(disposition.split("filename*=UTF-8''", 1)[1])
    assert name == att["filename"]


# -------------------------------------------------------------------------------------- gkmlpt

def test_gkmlpt_config_sid_and_api_pages(served):
    farm, server, manifest = served
    portal = portal_of(manifest, "gkmlpt", "standard")
    base, cat = portal["column_url"].split("#")
    shell = fetch(base).text()
    sid = re.search(r"SID: '(\d+)'", shell).group(1)
    api = f'{portal["base_url"]}/p/{portal["id"]}/gkmlpt/api/all/{cat}'
    one = json.loads(fetch(f"{api}?page=1&sid={sid}").body)
    zero = json.loads(fetch(f"{api}?page=0&sid={sid}").body)
    assert one == zero
    assert one["total"] == len(expected_titles(farm, portal["id"]))
    assert [a["title"] for a in one["articles"]] == expected_titles(farm, portal["id"])[:100]
    assert json.loads(fetch(f"{api}?page=2&sid={sid}").body)["articles"] == []
    assert fetch(f"{api}?page=1&sid=1").status == 404
    detail = fetch(one["articles"][0]["url"]).text()
    assert "window._CONFIG = {SID: '" in detail and '"content": "\\u003Cp' in detail
    assert "索引号" in detail and "发布机构" in detail


def test_gkmlpt_escaped_titles(served):
    farm, server, manifest = served
    portal = portal_of(manifest, "gkmlpt", "escaped-titles")
    base, cat = portal["column_url"].split("#")
    sid = re.search(r"SID: '(\d+)'", fetch(base).text()).group(1)
    data = json.loads(fetch(f'{portal["base_url"]}/p/{portal["id"]}/gkmlpt/api/all/{cat}?page=1&sid={sid}').body)
    raw = data["articles"][0]["title"]
    assert raw.startswith("%u")
    decoded = re.sub(r"%u([0-9A-F]{4})", lambda m: chr(int(m.group(1), 16)), raw)
    assert decoded == expected_titles(farm, portal["id"])[0]


# ------------------------------------------------------------------------------------ JSON API

def test_jsonapi_post_search_pages_and_error_payloads(served):
    farm, server, manifest = served
    portal = portal_of(manifest, "jsonapi")
    p = farm.portal(portal["id"])
    shell = fetch(portal["column_url"]).text()
    assert '<ul id="infoList"></ul>' in shell and "list.js" in shell
    search = f'{portal["base_url"]}/p/{portal["id"]}/info_open/search'
    collected, index = [], 1
    while True:
        form = f"siteId={p.unit_id}&channelIds={p.column_id}&pageSize=4&searchType=1&order=1&pageIndex={index}"
        payload = json.loads(fetch(search, data=form.encode()).body)
        assert payload["status"] == 0
        if not payload["data"]["data"]:
            break
        collected += [row["title"] for row in payload["data"]["data"]]
        index += 1
    assert collected == expected_titles(farm, portal["id"])
    assert payload["data"]["totalPages"] == index - 1
    assert json.loads(fetch(search).body)["status"] != 0
    assert json.loads(fetch(search, data=b"siteId=1&channelIds=2").body)["status"] != 0


# --------------------------------------------------------------------------------------- plain

@pytest.mark.parametrize("variant", ["query", "numbered", "index_n"])
def test_plain_pagers_follow_next_links(served, variant):
    farm, server, manifest = served
    portal = portal_of(manifest, "plain", variant)
    url, titles, seen = portal["column_url"], [], set()
    while url and url not in seen:
        seen.add(url)
        page = fetch(url)
        assert page.status == 200
        text = page.body.decode("gbk" if portal["encoding"] != "utf-8" else "utf-8")
        titles += listing_titles(text)
        nxt = re.search(r'<a href="([^"]+)">下一页</a>', text)
        url = urljoin(url, nxt.group(1)) if nxt else None
    assert titles == expected_titles(farm, portal["id"])
    assert len(seen) == len(portal["listing_urls"]) >= 2


# ----------------------------------------------------------------------------------- encodings

def test_encodings_declared_undeclared_and_mismatched(served):
    farm, server, manifest = served
    by_encoding = {p["encoding"]: p for p in manifest["portals"] if p["family"] == "trs"}
    assert set(by_encoding) == {"utf-8", "gbk", "gbk-undeclared", "mismatch"}
    utf = fetch(by_encoding["utf-8"]["column_url"])
    assert utf.headers["Content-Type"].endswith("charset=UTF-8") and "政府信息公开年报" in utf.text()
    gbk = fetch(by_encoding["gbk"]["column_url"])
    assert gbk.headers["Content-Type"].endswith("charset=GBK") and "charset=gb2312" in gbk.body.decode("gbk")
    undeclared = fetch(by_encoding["gbk-undeclared"]["column_url"])
    assert undeclared.headers["Content-Type"] == "text/html"
    assert "charset" not in undeclared.body.decode("gbk")
    mismatch = fetch(by_encoding["mismatch"]["column_url"])
    assert mismatch.headers["Content-Type"].endswith("charset=UTF-8")
    with pytest.raises(UnicodeDecodeError):
        mismatch.body.decode("utf-8")
    assert "政府信息公开年报" in mismatch.body.decode("gbk")


def test_gkmlpt_single_page_mode_404s_page_two(served):
    farm, server, manifest = served
    portal = portal_of(manifest, "gkmlpt", "single-page")
    base, cat = portal["column_url"].split("#")
    sid = re.search(r"SID: '(\d+)'", fetch(base).text()).group(1)
    api = f'{portal["base_url"]}/p/{portal["id"]}/gkmlpt/api/all/{cat}'
    assert len(json.loads(fetch(f"{api}?page=1&sid={sid}").body)["articles"]) == len(expected_titles(farm, portal["id"]))
    assert fetch(f"{api}?page=2&sid={sid}").status == 404
