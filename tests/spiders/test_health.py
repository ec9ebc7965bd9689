import pytest
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import DNSLookupError
from twisted.python.failure import Failure

from crawler.spiders import health
from crawler.spiders.generic import GenericSpider
from crawler.spiders.trs import TrsSpider
from tests.spiders.helpers import page, prime, response, seed, split, spider

COLUMN = "http://www.example-gov.cn/zwgk/zfxxgknb/index.html"


@pytest.mark.parametrize("name,expected", [
    ("fault_412.html", "BLOCKED:challenge-412"),
    ("fault_521.html", "BLOCKED:cookie-521"),
    ("fault_429.html", "BLOCKED:rate-limit-429"),
    ("fault_soft404.html", "BROKEN:soft-404"),
    ("trs_listing_p1.html", None),
    ("hanweb_detail.html", None),
])
def test_classify_response(name, expected):
    resp = response(name)
    text, url = page(name)
    assert health.classify_response(resp.status, text, url) == expected


def test_status_codes_and_markers():
    assert health.classify_status(503, "") == "BLOCKED:server-5xx"
    assert health.classify_status(404, "<h1>404 Not Found</h1>") == "BROKEN:404"
    assert health.classify_status(200, "<html><body>" + "正文" * 50 + "</body></html>") is None
    # a 200 page of JSL cookie script is a challenge too (classify by body, not status alone)
    assert health.classify_status(200, page("fault_521.html")[0]) == "BLOCKED:cookie-521"
    # a long real page that mentions 页面不存在 in passing is not a soft-404
    assert not health.is_soft_404(200, "<p>" + "一、总体情况" * 200 + "页面不存在</p>")


def test_redirect_home():
    assert health.is_redirect_home(COLUMN, "http://www.example-gov.cn/")
    assert health.is_redirect_home("http://h/p/x/zfxxgk/zfxxgknb/list.html", "http://h/p/x/")
    assert health.is_redirect_home(COLUMN, "http://www.example-gov.cn/index.html")
    assert not health.is_redirect_home("http://www.example-gov.cn/zwgk/zfxxgknb/", COLUMN)
    assert not health.is_redirect_home(COLUMN, "http://www.example-gov.cn/zwgk/zfxxgknb/index_1.html")
    assert health.classify_response(200, page("fault_home.html")[0], "http://www.example-gov.cn/",
                                     requested_url=COLUMN, is_column=True) == "BROKEN:redirect-home"


def test_final_event_most_severe_wins():
    assert health.final_event(["OK", "BLOCKED:rate-limit-429"]) == "BLOCKED:rate-limit-429"
    assert health.final_event(["EMPTY", "OK"]) == "EMPTY"
    assert health.final_event([]) is None


def _failure(exc, url=COLUMN, page=1, sp=None, s=None):
    request = Request(url, callback=sp.parse_listing, cb_kwargs={"seed": s, "page": page})
    failure = Failure(exc)
    failure.request = request
    return failure


@pytest.mark.parametrize("make,expected", [
    (lambda: IgnoreRequest("Forbidden by robots.txt"), "ROBOTS-DISALLOWED"),
    (lambda: DNSLookupError("no such host"), "BROKEN:dns"),
    (lambda: Exception("[<twisted.python.failure.Failure OpenSSL.SSL.Error: [('SSL routines', '', "
                       "'wrong version number')]>]"), "BROKEN:tls"),
    (lambda: HttpError(response("fault_412.html"), "Ignoring non-200 response"), "BLOCKED:challenge-412"),
    (lambda: HttpError(response("fault_521.html"), "Ignoring non-200 response"), "BLOCKED:cookie-521"),
])
def test_errback_classifies_column_failures(make, expected):
    sp = spider(TrsSpider)
    s = seed(COLUMN, "trs")
    prime(sp, s)
    _, docs, outcomes = split(sp.on_error(_failure(make(), sp=sp, s=s)))
    assert docs == [] and [o.event for o in outcomes] == [expected]


def test_404_on_column_is_broken_but_on_a_later_page_only_counted():
    from scrapy.http import HtmlResponse
    sp = spider(TrsSpider)
    s = seed(COLUMN, "trs")
    r404 = HtmlResponse(COLUMN, status=404, body=b"<h1>404 Not Found</h1>")
    _, _, outcomes = split(sp.on_error(_failure(HttpError(r404, "x"), page=2, sp=sp, s=s)))
    assert outcomes == []
    _, _, outcomes = split(sp.on_error(_failure(HttpError(r404, "x"), page=1, sp=sp, s=s)))
    assert [o.event for o in outcomes] == ["BROKEN:404"]


def test_challenge_page_never_yielded_and_seed_backed_off():
    sp = spider(TrsSpider)
    s = seed(COLUMN, "trs")
    prime(sp, s)
    # a challenge answered with 200-range status on a detail page: no document, seed blocked
    link = None
    from crawler.spiders.links import ReportLink
    link = ReportLink(COLUMN.replace("index.html", "202402/t1.html"), "某区2023年政府信息公开工作年度报告", 2023)
    resp = response("fault_521.html", url=link.url)
    _, docs, outcomes = split(sp.parse_detail(resp, seed=s, link=link))
    assert docs == [] and [o.event for o in outcomes] == ["BLOCKED:cookie-521"]
    assert s.id in sp.backed_off
    # after the back-off the seed's listing pages are not followed any more
    requests, docs, _ = split(sp.parse_listing(response("trs_listing_p1.html"), seed=s, page=1))
    assert requests == [] and docs == []


def test_soft_404_and_redirect_home_columns_are_not_documents():
    sp = spider(GenericSpider)
    s = seed("http://www.example-gov.cn/zfxxgk/zfxxgknb/list.html", "plain")
    prime(sp, s)
    requests, docs, outcomes = split(sp.parse_listing(response("fault_soft404.html"), seed=s, page=1))
    assert requests == [] and docs == [] and [o.event for o in outcomes] == ["BROKEN:soft-404"]
    sp = spider(GenericSpider)
    prime(sp, s)
    req = Request("http://www.example-gov.cn/", meta={"redirect_urls": [s.column_url]})
    requests, docs, outcomes = split(sp.parse_listing(response("fault_home.html", request=req), seed=s, page=1))
    assert requests == [] and docs == [] and [o.event for o in outcomes] == ["BROKEN:redirect-home"]


def test_empty_column():
    sp = spider(GenericSpider)
    s = seed("http://www.example-gov.cn/zfxxgk/zfxxgknb/list.html", "plain")
    prime(sp, s)
    _, _, outcomes = split(sp.parse_listing(response("fault_home.html", url=s.column_url), seed=s, page=1))
    assert [o.event for o in outcomes] == ["EMPTY"]


def test_single_5xx_detail_is_not_a_burst_but_two_are():
    from scrapy.http import HtmlResponse
    sp = spider(TrsSpider)
    s = seed(COLUMN, "trs")
    r500 = HtmlResponse(COLUMN, status=500, body=b"<h1>500</h1>")

    def fail(url):
        request = Request(url, callback=sp.parse_detail, cb_kwargs={"seed": s, "link": None})
        failure = Failure(HttpError(r500, "x"))
        failure.request = request
        return split(sp.on_error(failure))[2]

    assert fail(COLUMN.replace("index.html", "1.html")) == []
    assert [o.event for o in fail(COLUMN.replace("index.html", "2.html"))] == ["BLOCKED:server-5xx"]
    assert s.id in sp.backed_off
