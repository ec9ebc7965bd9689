"""crawler.offsite: requests and redirects stay on the seed's site; the spiders report MOVED."""

from __future__ import annotations

import pytest
from scrapy.http import Request, Response
from twisted.internet.error import ConnectionRefusedError, TCPTimedOutError
from twisted.python.failure import Failure

from crawler.offsite import (OffsiteRedirect, OffsiteRedirectMiddleware, OffsiteRequest,
                             SeedSiteGuardMiddleware, anchor_of)
from crawler.spiders import health
from crawler.spiders.links import ReportLink
from crawler.spiders.trs import TrsSpider
from tests.spiders.helpers import prime, seed, spider, split, stat

COLUMN = "http://www.example-gov.cn/zwgk/zfxxgknb/index.html"
SEED = seed(COLUMN, "trs")


def _guard():  # type: ignore[no-untyped-def]
    sp = spider(TrsSpider)
    return sp, SeedSiteGuardMiddleware(sp.crawler), OffsiteRedirectMiddleware(sp.crawler)


@pytest.mark.parametrize("url", [
    "http://www.example-gov.cn/zwgk/zfxxgknb/202401/t1.html",
    "https://xxgk.example-gov.cn/a.pdf",          # a sibling host of the same registrable domain
    "http://www.example-gov.cn:8080/robots.txt",
])
def test_requests_on_the_seeds_site_pass(url: str) -> None:
    sp, guard, _ = _guard()
    assert guard.process_request(Request(url, cb_kwargs={"seed": SEED}), sp) is None
    assert stat(sp, "harvest/offsite/blocked") == 0


@pytest.mark.parametrize(("url", "reason"), [
    ("http://www.other-gov.cn/a.html", "another site"),
    ("http://169.254.169.254/latest/meta-data/", "internal address"),
    ("http://2130706433/", "internal address"),
    ("http://[::1]:8080/", "internal address"),
    ("http://localhost/", "internal address"),
])
def test_requests_leaving_the_site_are_refused_before_download(url: str, reason: str) -> None:
    sp, guard, _ = _guard()
    with pytest.raises(OffsiteRequest) as exc:
        guard.process_request(Request(url, cb_kwargs={"seed": SEED}), sp)
    assert not isinstance(exc.value, OffsiteRedirect) and exc.value.reason == reason
    assert stat(sp, "harvest/offsite/blocked") == 1
    # a refused link is not a robots.txt refusal, and says nothing about the seed
    assert health.classify_failure([c.__name__ for c in type(exc.value).__mro__], str(exc.value)) is None


def test_a_followed_redirect_leaving_the_site_is_moved() -> None:
    # e.g. a meta refresh: the redirected request carries the chain and the seed
    sp, guard, _ = _guard()
    request = Request("http://evil.example.com/robots-harvest", cb_kwargs={"seed": SEED},
                      meta={"redirect_urls": [COLUMN]})
    with pytest.raises(OffsiteRedirect) as exc:
        guard.process_request(request, sp)
    assert exc.value.target == "http://evil.example.com/robots-harvest" and exc.value.source == COLUMN
    names = [c.__name__ for c in type(exc.value).__mro__]
    assert health.classify_failure(names, str(exc.value)) == health.MOVED   # not ROBOTS, despite the URL


def test_a_request_without_seed_is_judged_by_its_first_url() -> None:
    sp, guard, _ = _guard()
    robots = Request("http://www.example-gov.cn/robots.txt")
    assert anchor_of(robots) == robots.url and guard.process_request(robots, sp) is None
    moved = Request("http://10.0.0.1/robots.txt", meta={"redirect_urls": ["http://www.example-gov.cn/robots.txt"]})
    with pytest.raises(OffsiteRedirect):
        guard.process_request(moved, sp)
    assert guard.process_request(Request("data:,"), sp) is None


@pytest.mark.parametrize(("location", "target"), [
    (b"http://www.other-gov.cn/nb/", "http://www.other-gov.cn/nb/"),
    (b"//169.254.169.254/latest/meta-data/", "http://169.254.169.254/latest/meta-data/"),
    (b"http://0x7f000001/admin", "http://0x7f000001/admin"),
])
def test_a_3xx_leaving_the_site_is_not_followed(location: bytes, target: str) -> None:
    sp, _, mw = _guard()
    request = Request(COLUMN, cb_kwargs={"seed": SEED})
    with pytest.raises(OffsiteRedirect) as exc:
        mw.process_response(request, Response(COLUMN, status=302, headers={"Location": location}), sp)
    assert exc.value.target == target and exc.value.source == COLUMN
    assert stat(sp, "harvest/offsite/moved") == 1


@pytest.mark.parametrize(("status", "location", "meta"), [
    (302, b"/zwgk/other/index.html", {}),                            # relative: same site
    (301, b"https://xxgk.example-gov.cn/nb/", {}),                   # a sibling host
    (302, b"http://www.other-gov.cn/", {"dont_redirect": True}),     # not followed anyway
    (200, b"http://www.other-gov.cn/", {}),                          # not a redirect
    (302, b"ftp://www.other-gov.cn/", {}),                           # never followed by Scrapy
])
def test_other_responses_pass(status: int, location: bytes, meta: dict) -> None:
    sp, _, mw = _guard()
    request = Request(COLUMN, cb_kwargs={"seed": SEED}, meta=meta)
    response = Response(COLUMN, status=status, headers={"Location": location})
    assert mw.process_response(request, response, sp) is response


def test_the_guard_runs_before_robots_txt_and_sees_3xx_before_redirects() -> None:
    from crawler import settings
    mws = settings.DOWNLOADER_MIDDLEWARES
    assert mws["crawler.offsite.SeedSiteGuardMiddleware"] < mws["crawler.middlewares.StrictRobotsTxtMiddleware"]
    assert mws["crawler.offsite.OffsiteRedirectMiddleware"] > 600   # RedirectMiddleware


def _failure(exc, request):  # type: ignore[no-untyped-def]
    failure = Failure(exc)
    failure.request = request
    return failure


def test_a_report_link_moving_off_site_makes_the_seed_moved_with_its_target() -> None:
    sp = spider(TrsSpider)
    prime(sp, SEED)
    sp.events[SEED.id].append(health.OK)
    link = ReportLink("http://www.example-gov.cn/zwgk/zfxxgknb/202401/t1.html", "2023年年报", 2023)
    request = Request(link.url, callback=sp.parse_detail, cb_kwargs={"seed": SEED, "link": link})
    exc = OffsiteRedirect("http://127.0.0.2/x", COLUMN, "another site", link.url)
    _, docs, outcomes = split(sp.on_error(_failure(exc, request)))
    assert docs == [] and [(o.event, o.url, o.detail) for o in outcomes] == [
        ("MOVED", link.url, "http://127.0.0.2/x")]
    assert health.final_event(sp.events[SEED.id]) == "MOVED"


def test_a_column_that_cannot_connect_is_broken_connect() -> None:
    sp = spider(TrsSpider)
    prime(sp, SEED)
    request = Request(COLUMN, callback=sp.parse_listing, cb_kwargs={"seed": SEED, "page": 1})
    _, _, outcomes = split(sp.on_error(_failure(ConnectionRefusedError("Connection refused"), request)))
    assert [o.event for o in outcomes] == ["BROKEN:connect"]
    assert health.classify_failure([c.__name__ for c in TCPTimedOutError.__mro__], "timed out") == "BROKEN:connect"
    import scrapy.exceptions
    wrapped = getattr(scrapy.exceptions, "DownloadConnectionRefusedError", None)  # Scrapy 2.19+
    if wrapped is not None:
        assert health.classify_failure([c.__name__ for c in wrapped.__mro__], "refused") == "BROKEN:connect"
    # a download timeout (a stalled answer) is not a connect failure
    from twisted.internet.error import TimeoutError as DownloadTimeout
    assert health.classify_failure([c.__name__ for c in DownloadTimeout.__mro__], "took longer") is None


def test_moved_beats_ok_and_empty() -> None:
    assert health.final_event(["OK", "MOVED"]) == "MOVED"
    assert health.final_event(["EMPTY", "MOVED"]) == "MOVED"
    assert "MOVED" in health.EVENTS and "BROKEN:connect" in health.EVENTS


def test_seeds_status_shows_the_moved_target() -> None:
    from crawler.commands.seeds import status_rows
    row = status_rows([SEED], {}, {SEED.id: {"state": "MOVED", "detail": "http://127.0.0.2:8000/nb/"}})[0]
    assert (row.state, row.shown_state) == ("MOVED", "MOVED: http://127.0.0.2:8000/nb/")
    other = status_rows([SEED], {}, {SEED.id: {"state": "BROKEN:404", "detail": "404 Not Found"}})[0]
    assert other.shown_state == "BROKEN:404"
