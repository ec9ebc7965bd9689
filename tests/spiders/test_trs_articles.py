"""TRS multi-page articles: the article pager on the farm's page shapes, and the spider holding the
first page until every page is in (or failed), then yielding one article carrying the others."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from scrapy.exceptions import DontCloseSpider
from scrapy.http import HtmlResponse, Request
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from portalsim import Farm
from portalsim.families import family_of
from crawler.incremental import ARTICLE_PART, IncrementalMiddleware, KnownFetch
from crawler.spiders import trs
from crawler.spiders.base import KIND
from crawler.spiders.links import ReportLink, decode_body
from crawler.spiders.trs import TrsSpider
from tests.spiders.helpers import page, response, seed, split, spider, stat

HOST = "http://127.0.0.1:8000"


@pytest.fixture(scope="module")
def articles() -> list[list[tuple[str, bytes, str]]]:
    """Every multi-page article of a small farm: [(url, body, content type) per page, in order]."""
    farm = Farm.generate(portals=6, seed=68, faults=False)
    found = []
    for portal in farm.portals:
        family = family_of(portal.family)
        for doc in portal.documents:
            if doc.article_pages > 1:
                pages = []
                for path, render in family.detail_pages(farm, portal, doc).items():
                    answer = render()
                    pages.append((f"{HOST}/p/{portal.portal_id}{path}", answer.body, dict(answer.headers)["Content-Type"]))
                found.append(pages)
    assert len(found) >= 3 and {len(a) for a in found} == {2, 3}
    return found


def _text(body: bytes, ctype: str) -> str:
    return decode_body(body, ctype)


def _response(url: str, body: bytes, ctype: str, request: Request | None = None, status: int = 200) -> HtmlResponse:
    return HtmlResponse(url=url, status=status, headers={"Content-Type": ctype}, body=body,
                        request=request or Request(url))


def _link(url: str) -> ReportLink:
    return ReportLink(url=url, title="宁波民政局2022年政府信息公开工作年度报告", year=2022)


# --- the pure pager -------------------------------------------------------------------------

def test_article_pager_on_every_farm_page(articles) -> None:
    for pages in articles:
        urls = [url for url, _, _ in pages]
        for k, (url, body, ctype) in enumerate(pages):
            pager = trs.article_pager(_text(body, ctype), url)
            assert pager is not None, url
            assert (pager.count, pager.page) == (len(pages), k + 1)
            assert urls[0].endswith(f"/{pager.name}.{pager.ext}")
            assert trs.article_parts(_text(body, ctype), url) == (urls[1:] if k == 0 else [])


def test_article_pager_shapes() -> None:
    text, url = page("trs_article_p1.html")
    pager = trs.article_pager(text, url)
    assert pager is not None and (pager.count, pager.page, pager.name) == (3, 1, "t20240215_501")
    base = "http://www.example-gov.cn/gongkai/zfxxgkpt/zfxxgknb/201904/"
    classic = ('<div class="TRS_Editor"><p>一、总体情况</p><script>\nvar currentPage = 0; //所在页从0开始\n'
               'var nextPage = currentPage+1//下一页\nvar countPage = 2 //共多少页\n'
               'if(countPage>1&&nextPage<countPage)document.write("<a href=\\"t20190419_6377489_" + nextPage'
               ' + ".htm\\">[下一页]</a>");\n</script></div>')
    assert trs.article_parts(classic, base + "t20190419_6377489.htm") == [base + "t20190419_6377489_1.htm"]
    # page 2 of the same article announces nothing further
    assert trs.article_parts(classic.replace("currentPage = 0", "currentPage = 1"),
                             base + "t20190419_6377489_1.htm") == []
    # a listing pager in the detail template, a pager of another article, a single page: no article
    listing = '<div class="page"><script>createPageHTML(12, 0, "index", "html");</script></div>'
    assert trs.article_pager(listing, base + "t20190419_6377489.html") is None
    other = '<script>createPageHTML(3, 0, "t20190419_1111", "html");</script>'
    assert trs.article_pager(other, base + "t20190419_6377489.html") is None
    single = '<script>createPageHTML(1, 0, "t20190419_6377489", "html");</script>'
    assert trs.article_pager(single, base + "t20190419_6377489.html") is None
    # a lying pager is followed only up to the cap
    huge = '<script>createPageHTML(100000, 0, "t20190419_6377489", "html");</script>'
    parts = trs.article_parts(huge, base + "t20190419_6377489.html")
    assert len(parts) == trs.MAX_ARTICLE_PAGES - 1 and parts[-1].endswith(f"_{trs.MAX_ARTICLE_PAGES - 1}.html")


def test_page_number_in_url() -> None:
    assert trs.page_number_in_url("t20230115_415242", f"{HOST}/a/t20230115_415242.html") == 1
    assert trs.page_number_in_url("t20230115_415242", f"{HOST}/a/t20230115_415242_2.html") == 3
    assert trs.page_number_in_url("t20230115_415242", f"{HOST}/a/t20230115_41524.html") is None
    assert trs.page_number_in_url("index", f"{HOST}/a/t20230115_415242.html") is None


# --- the spider -------------------------------------------------------------------------------

def _start(sp, s, pages):  # type: ignore[no-untyped-def]
    """Feed page 1; returns the part requests it made."""
    url, body, ctype = pages[0]
    requests, docs, _ = split(sp.parse_detail(_response(url, body, ctype), seed=s, link=_link(url)))
    assert docs == []  # page 1 is held until the article is complete
    return [r for r in requests if r.callback == sp.parse_article_page]


def _feed(sp, request, pages):  # type: ignore[no-untyped-def]
    body, ctype = next((b, c) for u, b, c in pages if u == request.url)
    return split(sp.parse_article_page(_response(request.url, body, ctype, request=request), **request.cb_kwargs))[1]


def test_article_is_held_then_yielded_once_with_its_pages_in_order(articles) -> None:
    pages = next(a for a in articles if len(a) == 3)
    urls = [u for u, _, _ in pages]
    sp = spider(TrsSpider)
    s = seed(f"{HOST}/p/x/zwgk/zfxxgknb/index.html", "trs")
    parts = _start(sp, s, pages)
    assert [r.url for r in parts] == urls[1:]
    for r in parts:
        assert r.dont_filter and r.meta[KIND] == "detail" and r.meta[ARTICLE_PART] == r.url
        assert r.cb_kwargs["part_of"] == urls[0] and r.errback == sp.on_article_page_error
    # the last page arrives first: it is yielded as a part at once, the article not yet
    docs = _feed(sp, parts[1], pages)
    assert [(d.url, d.article_part, d.parent_url) for d in docs] == [(urls[2], True, urls[0])]
    docs = _feed(sp, parts[0], pages)
    assert [d.url for d in docs] == [urls[1], urls[0]]
    article = docs[1]
    assert not article.article_part and article.parent_url is None
    assert [p.url for p in article.article_pages] == urls[1:] and article.article_missing == []
    assert all(p.article_part for p in article.article_pages)
    assert sp.articles == {}
    assert stat(sp, "harvest/article/assembled") == 1 and stat(sp, "harvest/article/incomplete") == 0


def test_failed_page_leaves_the_article_incomplete_not_dropped(articles) -> None:
    pages = next(a for a in articles if len(a) == 3)
    urls = [u for u, _, _ in pages]
    sp = spider(TrsSpider)
    s = seed(f"{HOST}/p/x/zwgk/zfxxgknb/index.html", "trs")
    parts = _start(sp, s, pages)
    # page 2 answers 404 (HttpError reaches the errback), page 3 a soft-404 page with status 200
    not_found = _response(urls[1], b"<html><body>404</body></html>", "text/html", request=parts[0], status=404)
    failure = Failure(HttpError(not_found))
    failure.request = parts[0]  # type: ignore[attr-defined]
    _, docs, outcomes = split(sp.on_article_page_error(failure))
    assert docs == [] and outcomes == []  # one page failing does not classify the seed
    soft = response("fault_soft404.html", request=parts[1])
    _, docs, _ = split(sp.parse_article_page(soft, **parts[1].cb_kwargs))
    assert len(docs) == 1
    article = docs[0]
    assert article.url == urls[0] and article.article_pages == [] and article.article_missing == urls[1:]
    assert stat(sp, "harvest/article/incomplete") == 1


def test_backed_off_seed_still_yields_what_was_fetched(articles) -> None:
    pages = next(a for a in articles if len(a) == 3)
    urls = [u for u, _, _ in pages]
    sp = spider(TrsSpider)
    s = seed(f"{HOST}/p/x/zwgk/zfxxgknb/index.html", "trs")
    parts = _start(sp, s, pages)
    assert [d.url for d in _feed(sp, parts[0], pages)] == [urls[1]]
    sp.backed_off.add(s.id)  # e.g. a challenge page elsewhere on the portal
    docs = _feed(sp, parts[1], pages)
    assert [d.url for d in docs] == [urls[0]]
    assert [p.url for p in docs[0].article_pages] == [urls[1]] and docs[0].article_missing == [urls[2]]


def test_stalled_article_is_flushed_when_the_spider_idles(articles) -> None:
    pages = next(a for a in articles if len(a) == 2)
    urls = [u for u, _, _ in pages]
    sp = spider(TrsSpider)
    s = seed(f"{HOST}/p/x/zwgk/zfxxgknb/index.html", "trs")
    _start(sp, s, pages)  # page 2's request is never answered (dropped by some middleware)
    scheduled: list[Request] = []

    class Engine:
        def crawl(self, request: Request) -> None:
            scheduled.append(request)

    sp.crawler.engine = Engine()
    with pytest.raises(DontCloseSpider):
        sp.flush_stalled_articles()
    assert [r.url for r in scheduled] == ["data:,"] and scheduled[0].callback == sp.emit_stalled_articles
    docs = list(sp.emit_stalled_articles(None))
    assert [d.url for d in docs] == [urls[0]] and docs[0].article_missing == urls[1:]
    assert sp.articles == {} and stat(sp, "harvest/article/stalled") == 1
    sp.flush_stalled_articles()  # nothing held: the spider may close
    # a flush request that never gets through is not retried for ever
    _start(sp, s, pages)
    with pytest.raises(DontCloseSpider):
        sp.flush_stalled_articles()
    sp.flush_stalled_articles()
    assert len(scheduled) == 2


def test_single_page_report_is_yielded_at_once() -> None:
    text, url = page("trs_listing_p1.html")
    link = trs.parse_listing(text, url)[0]
    sp = spider(TrsSpider)
    s = seed("http://www.example-gov.cn/zwgk/zfxxgknb/index.html", "trs")
    body = ("<html><head><title>北京市某区人民政府2023年政府信息公开工作年度报告</title></head><body>"
            '<div class="TRS_Editor"><p>一、总体情况</p><p>二、主动公开政府信息情况</p></div></body></html>').encode()
    requests, docs, _ = split(sp.parse_detail(_response(link.url, body, "text/html; charset=utf-8"), seed=s, link=link))
    assert [d.url for d in docs] == [link.url] and docs[0].article_pages == [] and requests == []
    assert sp.articles == {}


def test_incremental_mode_never_drops_an_article_page() -> None:
    crawler = get_crawler(TrsSpider)
    mw = IncrementalMiddleware(crawler)
    mw.mode = "incremental"
    known = f"{HOST}/a/t20230115_415242_1.html"
    mw.known = {known: KnownFetch(datetime.now(UTC), None, None)}
    part = Request(known, meta={KIND: "detail", ARTICLE_PART: known})
    plain = Request(known, meta={KIND: "detail"})
    source = _response(f"{HOST}/a/t20230115_415242.html", b"<html></html>", "text/html",
                       request=Request(f"{HOST}/a/t20230115_415242.html", meta={KIND: "detail"}))
    assert list(mw._filter(source, [part, plain])) == [part]
    assert stat_of(crawler, "harvest/incremental/known_skipped") == 1


def stat_of(crawler, key: str) -> int:  # type: ignore[no-untyped-def]
    return crawler.stats.get_value(key, 0)
