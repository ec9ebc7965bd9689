from urllib.parse import parse_qs

import pytest
from scrapy.http import Request

from crawler.spiders import hanweb
from crawler.spiders import links as L
from crawler.spiders.hanweb import HanwebSpider
from tests.spiders.helpers import page, raw, response, seed, split, spider, stat

COLUMN = "http://www.example-gov.cn/col/col1229/index.html"


def test_inline_datastore_is_page_one():
    links = hanweb.parse_listing(*page("hanweb_column.html"))
    # title attribute beats the polluted anchor text; 网站工作年度报表 and /module/ hrefs are dropped
    assert [link.url for link in links] == ["http://www.example-gov.cn/art/2025/1/20/art_1229_9001.html",
                                            "http://www.example-gov.cn/art/2024/1/22/art_1229_8001.html"]
    assert links[1].title == "某市2023年政府信息公开工作年度报告" and links[1].year == 2023


def test_jpage_call_gives_group_requests_of_perpage_times_three():
    text, _ = page("hanweb_column.html")
    config = hanweb.parse_jpage(text)
    assert (config.total_record, config.per_page) == (40, 5)
    assert config.params["columnid"] == "1229" and config.params["webname"] == "某市人民政府"
    req = hanweb.group_request(config, COLUMN, 1)
    assert req.method == "POST"
    assert req.url == "http://www.example-gov.cn/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=15&perpage=5"
    form = parse_qs(req.body.decode())
    assert form["columnid"] == ["1229"] and form["unitid"] == ["212860"]
    assert req.headers[b"X-Requested-With"] == b"XMLHttpRequest"


def test_group_answer_and_next_group_until_total():
    text, url = page("hanweb_proxy_group.xml")
    store = hanweb.parse_datastore(text)
    assert store.total_record == 40 and len(store.records) == 15
    assert len(hanweb.parse_listing(text, url)) == 15
    config = hanweb.parse_jpage(page("hanweb_column.html")[0])
    assert hanweb.next_group_start(config, store, 30) == 31
    assert hanweb.next_group_start(config, store, 45) is None  # past the total
    assert hanweb.next_group_start(config, hanweb.Datastore(), 15) is None  # empty group


def test_one_record_overlap_is_deduplicated_by_url():
    sp = spider(HanwebSpider)
    s = seed(COLUMN, "hanweb")
    col_requests, _, _ = split(sp.parse_listing(response("hanweb_column.html"), seed=s, page=1))
    details = [r for r in col_requests if r.callback == sp.parse_detail]
    groups = [r for r in col_requests if r.callback == sp.parse_listing]
    assert len(details) == 2 and len(groups) == 1 and groups[0].method == "POST"
    # a group whose first record repeats one already seen: only new rows are followed
    req = Request("http://www.example-gov.cn/module/web/jpage/dataproxy.jsp?startrecord=16&endrecord=30&perpage=5",
                  method="POST", body=b"columnid=1229")
    first = split(sp.parse_listing(response("hanweb_proxy_group.xml", request=req), seed=s, page=2))[0]
    again = split(sp.parse_listing(response("hanweb_proxy_group.xml", request=req), seed=s, page=3))[0]
    assert len([r for r in first if r.callback == sp.parse_detail]) == 15
    assert [r for r in again if r.callback == sp.parse_detail] == []
    assert [r for r in again if r.callback == sp.parse_listing] == []  # all rows known: stop


def test_malformed_xml_is_counted_and_paging_continues():
    with pytest.raises(hanweb.MalformedXml):
        hanweb.parse_datastore(raw("hanweb_proxy_malformed.xml")[0])
    sp = spider(HanwebSpider)
    s = seed(COLUMN, "hanweb")
    list(sp.parse_listing(response("hanweb_column.html"), seed=s, page=1))
    req = Request("http://www.example-gov.cn/module/web/jpage/dataproxy.jsp?startrecord=16&endrecord=30&perpage=5",
                  method="POST")
    requests, docs, _ = split(sp.parse_listing(response("hanweb_proxy_malformed.xml", request=req), seed=s, page=2))
    assert stat(sp, "harvest/hanweb/malformed_xml") == 1
    assert docs == [] and [r.url.split("?")[1] for r in requests] == ["startrecord=31&endrecord=45&perpage=5"]


@pytest.mark.parametrize("name", ["hanweb_entity_bomb.xml", "hanweb_xxe.xml"])
def test_entity_declarations_are_refused_without_expansion(name):
    body, _ = raw(name)
    with pytest.raises(hanweb.MalformedXml, match="DOCTYPE"):
        hanweb.parse_datastore(body)


def test_parser_never_resolves_external_entities_even_when_declarations_slip_through():
    # the lxml parser itself is configured not to resolve entities or touch the network
    from lxml import etree
    body, _ = raw("hanweb_xxe.xml")
    root = etree.fromstring(body, hanweb._parser())
    text = "".join(root.find(".//record").itertext())
    assert "root:" not in text  # &xxe; left unresolved
    bomb, _ = raw("hanweb_entity_bomb.xml")
    try:
        root = etree.fromstring(bomb, hanweb._parser())
    except etree.XMLSyntaxError:
        return  # libxml2 refuses the amplification outright: also safe
    assert len("".join(root.itertext())) < 1000


def test_detail_attachment_scoped_to_zoom_with_link_text_name():
    sp = spider(HanwebSpider)
    s = seed(COLUMN, "hanweb")
    link = hanweb.parse_listing(*page("hanweb_column.html"))[0]
    requests, docs, _ = split(sp.parse_detail(response("hanweb_detail.html"), seed=s, link=link))
    assert len(docs) == 1
    assert len(requests) == 1 and "0f1e2d3c" in requests[0].url
    assert requests[0].cb_kwargs["name"] == "某市2024年政府信息公开工作年度报告.pdf"


def test_get_page_variant_when_no_jpage_call():
    text, url = page("hanweb_column.html")
    no_call = text.replace("jpage({", "noop({").replace("totalRecord:40", "")
    sp = spider(HanwebSpider)
    s = seed(COLUMN, "hanweb")
    requests, _, _ = split(sp.parse_listing(response("hanweb_column.html", url=url).replace(body=no_call.encode()),
                                            seed=s, page=1))
    groups = [r for r in requests if r.callback == sp.parse_listing]
    # the column's nextgroup names page=1 (the inline rows); the spider asks for page 2
    assert len(groups) == 1 and groups[0].method == "GET"
    assert "dataproxy.jsp?page=2&" in groups[0].url and "columnid=1229" in groups[0].url
    group, _ = page("hanweb_proxy_group.xml")  # answers totalpage 8 and nextgroup page=4
    store = hanweb.parse_datastore(group)
    assert "page=4&" in hanweb.next_page_get("http://www.example-gov.cn/module/web/jpage/dataproxy.jsp?page=3&x=1", store)
    assert hanweb.next_page_get("http://www.example-gov.cn/module/web/jpage/dataproxy.jsp?page=8&x=1", store) is None


def test_picture_page_requests_its_page_pictures_as_parts_never_logos() -> None:
    """A 图片版 page: its report pictures are requested (bounded in size) as picture parts; the
    site's logo and QR code inside the container are not."""
    from scrapy.http import HtmlResponse

    from pipelines.pictures import MAX_PICTURE_BYTES

    sp = spider(HanwebSpider)
    s = seed(COLUMN, "hanweb")
    url = "http://www.example-gov.cn/art/2024/3/1/art_1_1.html"
    body = ("<html><head><title>某区2023年政府信息公开工作年度报告（图片版）</title></head><body>"
            "<h1>某区2023年政府信息公开工作年度报告（图片版）</h1><div id=\"zoom\">"
            "<p><img src=\"/picture/0/W020240301_1.png\" width=\"600\"></p>"
            "<p><img src=\"/picture/0/W020240301_2.png\" width=\"600\"></p>"
            "<p><img src=\"/images/ewm.png\"><img src=\"/images/logo.gif\"></p></div></body></html>")
    resp = HtmlResponse(url=url, body=body.encode(), encoding="utf-8", request=Request(url),
                        headers={"Content-Type": "text/html; charset=utf-8"})
    link = L.ReportLink(url=url, title="某区2023年政府信息公开工作年度报告（图片版）", year=2023)
    requests, docs, _ = split(sp.parse_detail(resp, seed=s, link=link))
    assert len(docs) == 1 and not docs[0].picture_part
    assert [r.url for r in requests] == ["http://www.example-gov.cn/picture/0/W020240301_1.png",
                                         "http://www.example-gov.cn/picture/0/W020240301_2.png"]
    assert all(r.cb_kwargs["picture"] and r.meta["download_maxsize"] == MAX_PICTURE_BYTES for r in requests)
    png = HtmlResponse(url=requests[0].url, body=b"\x89PNG\r\n\x1a\n", request=requests[0],
                       headers={"Content-Type": "image/png"})
    (part,) = list(sp.parse_attachment(png, **requests[0].cb_kwargs))
    assert part.picture_part and part.parent_url == url and part.content_type == "image/png"
