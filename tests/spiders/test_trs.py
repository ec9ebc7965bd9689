from scrapy.http import Request

from crawler.spiders import trs
from crawler.spiders.trs import TrsSpider
from tests.spiders.helpers import page, response, seed, split, spider, stat

COLUMN = "http://www.example-gov.cn/zwgk/zfxxgknb/index.html"


def test_listing_keeps_reports_by_title_attribute_and_drops_non_reports():
    links = trs.parse_listing(*page("trs_listing_p1.html"))
    assert [link.url.rsplit("/", 1)[-1] for link in links] == ["t20240215_501.html", "t20230320_404.html"]
    # the title attribute (full title) wins over the truncated text
    assert links[0].title == "北京市某区人民政府2023年政府信息公开工作年度报告"
    assert [link.year for link in links] == [2023, 2022]
    assert links[0].url == "http://www.example-gov.cn/zwgk/zfxxgknb/202402/t20240215_501.html"


def test_classic_create_page_html_is_zero_based():
    assert trs.page_urls(*page("trs_listing_p1.html")) == [
        "http://www.example-gov.cn/zwgk/zfxxgknb/index.html",
        "http://www.example-gov.cn/zwgk/zfxxgknb/index_1.html",
        "http://www.example-gov.cn/zwgk/zfxxgknb/index_2.html"]
    assert trs.next_page(*page("trs_listing_p1.html")) == "http://www.example-gov.cn/zwgk/zfxxgknb/index_1.html"
    assert trs.next_page(*page("trs_listing_p3.html")) is None  # last page by count


def test_six_argument_variant_is_one_based():
    text, url = page("trs_listing_ucap6.html")  # page 2 of 4 is index_2
    assert trs.parse_pager(text).one_based_suffix
    assert trs.next_page(text, url) == "http://www.example-gov.cn/xxgk/xxgknb/index_3.html"
    assert trs.page_urls(text, url)[1] == "http://www.example-gov.cn/xxgk/xxgknb/index_2.html"


def test_pager_object_and_classic_variables():
    text, url = page("trs_listing_pager.html")  # current 1 (0-based) → next index_2.htm
    assert trs.next_page(text, url) == "http://www.example-gov.cn/gongkai/zfxxgknb/index_2.htm"
    text, url = page("trs_listing_classic.html")
    assert trs.next_page(text, url) == "http://www.example-gov.cn/gongkai/zfxxgkpt/zfxxgknb/index_1.html"


def test_multi_page_article_parts_and_scoped_attachments():
    text, url = page("trs_article_p1.html")
    assert trs.article_parts(text, url) == [
        "http://www.example-gov.cn/zwgk/zfxxgknb/202402/t20240215_501_1.html",
        "http://www.example-gov.cn/zwgk/zfxxgknb/202402/t20240215_501_2.html"]
    sp = spider(TrsSpider)
    s = seed(COLUMN, "trs")
    link = trs.parse_listing(*page("trs_listing_p1.html"))[0]
    requests, docs, _ = split(sp.parse_detail(response("trs_article_p1.html"), seed=s, link=link))
    assert docs == []  # page 1 of a multi-page article is held until its other pages are in
    held = sp.articles["http://www.example-gov.cn/zwgk/zfxxgknb/202402/t20240215_501.html"].first
    assert held.portal_id == s.id
    urls = [r.url for r in requests]
    assert "http://www.example-gov.cn/zwgk/zfxxgknb/202402/t20240215_501_1.html" in urls
    assert "http://www.example-gov.cn/zwgk/zfxxgknb/202402/P020240215390112345678.pdf" in urls
    # a sibling host of the same site is allowed for attachments; another site and the footer are not
    assert "https://files.example-gov.cn/att/2024/W020240215.docx" in urls
    assert not any("evil.example.com" in u or "网站使用说明" in u or "%E7%BD%91" in u for u in urls)
    names = {r.cb_kwargs.get("name") for r in requests if r.cb_kwargs.get("name")}
    assert "2023年政府信息公开工作年度报告数据表.pdf" in names


def test_lying_pager_is_capped_and_loop_back_stops():
    sp = spider(TrsSpider, max_pages=4)
    s = seed(COLUMN, "trs")
    requests, _, outcomes = split(sp.parse_listing(response("trs_listing_lying.html"), seed=s, page=1))
    listing = [r for r in requests if r.callback == sp.parse_listing]
    assert [r.url for r in listing] == ["http://www.example-gov.cn/zwgk/zfxxgknb/index_1.html"]
    assert [o.event for o in outcomes] == ["OK"]
    # page 2 claims to be page 1 again (current 0) and repeats the same rows: paging stops
    req = listing[0]
    requests, _, _ = split(sp.parse_listing(response("trs_listing_loop.html", request=req), **req.cb_kwargs))
    assert requests == []
    # the page cap bounds a pager that keeps announcing new pages
    sp2 = spider(TrsSpider, max_pages=2)
    reqs, _, _ = split(sp2.parse_listing(response("trs_listing_lying.html"), seed=s, page=2))
    assert [r for r in reqs if r.callback == sp2.parse_listing] == []
    assert stat(sp2, "harvest/listing/page_cap") == 1


def test_empty_200_page_is_counted_and_does_not_crash():
    sp = spider(TrsSpider)
    s = seed(COLUMN, "trs")
    req = Request("http://www.example-gov.cn/zwgk/zfxxgknb/index_1.html")
    requests, docs, _ = split(sp.parse_listing(response("trs_listing_empty.html", request=req), seed=s, page=2))
    assert requests == [] and docs == []
    assert stat(sp, "harvest/listing/empty") == 1
