from crawler.spiders import generic
from crawler.spiders import links as L
from crawler.spiders.generic import GenericSpider
from tests.spiders.helpers import page, prime, raw, response, seed, split, spider


def test_next_link_query_pager():
    text, url = page("plain_query.html")
    assert generic.next_page(text, url) == "http://www.example-gov.cn/zfxxgk/zfxxgknb/list.html?page=2"
    guess = generic.detect_pager(text, url)
    assert guess.kind == "query" and guess.last == 3
    assert guess.url_of(3) == "http://www.example-gov.cn/zfxxgk/zfxxgknb/list.html?page=3"


def test_numbered_pages_without_next_link():
    text, url = page("plain_numbered.html")  # page 2 of 4, only numbers and 尾页
    assert generic.next_page(text, url, page=2) == "http://www.example-gov.cn/zfxxgk/zfxxgknb/3.html"
    guess = generic.detect_pager(text, url)
    assert guess.kind == "numbered" and guess.current == 2 and guess.last == 4
    # on the last page nothing further is guessed
    assert generic.next_page(text.replace('<a href="3.html">3</a>', ""), "http://www.example-gov.cn/zfxxgk/zfxxgknb/4.html",
                             page=4) is None


def test_index_n_pages_one_based_from_anchors():
    text, url = page("plain_index_n.html")
    assert generic.next_page(text, url, page=1) == "http://www.example-gov.cn/zfxxgk/zfxxgknb/index_2.shtml"
    guess = generic.detect_pager(text, url)
    assert guess.kind == "index_n" and guess.last == 3


def test_trs_script_recognised_on_auto_seeds():
    text, url = page("trs_listing_p1.html")
    assert generic.next_page(text, url) == "http://www.example-gov.cn/zwgk/zfxxgknb/index_1.html"


def test_onclick_links_and_gbk_page_with_lying_header():
    links = generic.parse_listing(*page("plain_onclick.html"))
    assert [link.url for link in links] == ["http://www.example-gov.cn/zfxxgk/zfxxgknb/202605/t20260501_77.html"]
    body, meta = raw("plain_gbk_mismatch.html")  # header says UTF-8, bytes are GBK
    text = L.decode_body(body, meta["headers"]["Content-Type"])
    links = generic.parse_listing(text, meta["url"])
    assert [link.title for link in links] == ["某县人民政府2022年政府信息公开工作年度报告"]


def test_title_filters():
    assert L.is_report_title("宿迁市 2025 年政府信息公开工作年度报告")
    assert L.is_report_title("市扶农办2016年度政府信息公开工作报告")
    assert not L.is_report_title("2023年政府网站工作年度报表")
    assert not L.is_report_title("政府信息公开指南")
    assert not L.is_report_title("关于报送2023年政府信息公开工作年度报告的通知")
    assert L.guess_year("宿迁市 2025 年政府信息公开工作年度报告") == 2025
    assert L.guess_year("某区2016年度政府信息公开工作报告") == 2016


def test_generic_spider_yields_details_and_next_page():
    sp = spider(GenericSpider)
    s = seed("http://www.example-gov.cn/zfxxgk/zfxxgknb/list.html", "plain")
    prime(sp, s)
    requests, docs, outcomes = split(sp.parse_listing(response("plain_query.html"), seed=s, page=1))
    assert [r.url for r in requests] == ["http://www.example-gov.cn/zfxxgk/zfxxgknb/content/post_11.html",
                                         "http://www.example-gov.cn/zfxxgk/zfxxgknb/list.html?page=2"]
    assert [o.event for o in outcomes] == ["OK"] and docs == []
    assert requests[0].meta["harvest_kind"] == "detail" and requests[1].meta["harvest_kind"] == "listing"
