import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, TextResponse
from scrapy.utils.defer import deferred_f_from_coro_f
from scrapy.utils.test import get_crawler

from portalsim import Farm, FarmServer
from crawler.middlewares import (RateLimitNoRetryMiddleware, RobotsCache, SeedBackoffMiddleware,
                                 StrictRobotsTxtMiddleware)
from crawler.spiders.health import classify_failure
from crawler.spiders.trs import TrsSpider
from tests.spiders.helpers import seed, spider, stat

REPO = Path(__file__).resolve().parents[2]


def test_backed_off_seed_requests_are_dropped_before_download():
    sp = spider(TrsSpider)
    sp.crawler.spider = sp  # the middleware reaches the spider through its crawler
    mw = SeedBackoffMiddleware(sp.crawler)
    blocked, fine = seed("http://a.gov.cn/x/index.html", "trs", "a"), seed("http://b.gov.cn/x/index.html", "trs", "b")
    sp.backed_off.add("a")
    with pytest.raises(IgnoreRequest) as exc:
        mw.process_request(Request("http://a.gov.cn/x/1.html", cb_kwargs={"seed": blocked}))
    assert mw.process_request(Request("http://b.gov.cn/x/1.html", cb_kwargs={"seed": fine})) is None
    assert stat(sp, "harvest/backoff/dropped") == 1
    # the drop is not mistaken for a robots.txt refusal
    assert classify_failure(["IgnoreRequest"], str(exc.value)) is None


def test_429_reaches_the_spider_without_quick_retries_but_5xx_is_retried():
    from scrapy.downloadermiddlewares.retry import RetryMiddleware
    from scrapy.http import Response

    sp = spider(TrsSpider)
    sp.crawler.spider = sp
    ours, retry = RateLimitNoRetryMiddleware(sp.crawler), RetryMiddleware.from_crawler(sp.crawler)

    def through_both(url: str, status: int):   # process_response runs 560 (ours) before 550 (retry)
        request = Request(url)
        response = Response(url, status=status, headers={"Retry-After": "3600"})
        return retry.process_response(request, ours.process_response(request, response))

    assert isinstance(through_both("http://a.gov.cn/x/index_1.html", 429), Response)
    assert stat(sp, "harvest/ratelimit/not_retried") == 1
    assert isinstance(through_both("http://a.gov.cn/x/index_2.html", 503), Request)   # retried
    assert isinstance(through_both("http://a.gov.cn/robots.txt", 429), Request)      # robots: retried
    from crawler import settings as project_settings
    assert project_settings.DOWNLOADER_MIDDLEWARES["crawler.middlewares.RateLimitNoRetryMiddleware"] > 550


# --- robots.txt shared by the crawlers of one process -------------------------------------------


class _Robots(scrapy.Spider):
    name = "robots-test"


def _robots_middleware(cache: RobotsCache, answers: dict[str, tuple[int, bytes]],
                       fetched: list[str]) -> StrictRobotsTxtMiddleware:
    """A middleware on its own crawler whose engine answers robots.txt from ``answers`` (slowly, so
    requests of several crawlers meet while the fetch is in flight)."""
    crawler = get_crawler(_Robots, {"ROBOTSTXT_OBEY": True})

    class Engine:
        async def download_async(self, request):  # type: ignore[no-untyped-def]
            fetched.append(request.url)
            await asyncio.sleep(0.01)
            status, body = answers[request.url]
            return TextResponse(request.url, status=status, body=body, request=request)

    crawler.engine = Engine()
    return StrictRobotsTxtMiddleware(crawler, cache=cache)


async def _verdict(mw, url: str) -> str:  # type: ignore[no-untyped-def]
    try:
        await mw.process_request(Request(url))
    except IgnoreRequest:
        return "refused"
    return "allowed"


async def _verdicts(pairs) -> list[str]:  # type: ignore[no-untyped-def]
    """Each (middleware, URL) request at once; the test runs on pytest-twisted's asyncio reactor."""
    return list(await asyncio.gather(*(_verdict(mw, url) for mw, url in pairs)))


@deferred_f_from_coro_f
async def test_two_crawlers_fetch_robots_once_and_both_obey_it():
    cache, fetched = RobotsCache(), []
    answers = {"http://a.gov.cn/robots.txt": (200, b"User-agent: *\nDisallow: /private/\n")}
    first, second = (_robots_middleware(cache, answers, fetched) for _ in range(2))
    assert await _verdicts([(first, "http://a.gov.cn/x/1.html"), (second, "http://a.gov.cn/private/2.html"),
                      (second, "http://a.gov.cn/x/3.html")]) == ["allowed", "refused", "allowed"]
    assert fetched == ["http://a.gov.cn/robots.txt"]
    assert first._stats.get_value("robotstxt/request_count") == 1
    assert second._stats.get_value("robotstxt/request_count") is None
    assert second._stats.get_value("harvest/robots/shared") == 1


@deferred_f_from_coro_f
async def test_shared_robots_keep_the_5xx_and_4xx_policy():
    cache, fetched = RobotsCache(), []
    answers = {"http://down.gov.cn/robots.txt": (500, b"<h1>500</h1>"),
               "http://none.gov.cn/robots.txt": (404, b"<h1>not found</h1>")}
    first, second = (_robots_middleware(cache, answers, fetched) for _ in range(2))
    verdicts = await _verdicts([(first, "http://down.gov.cn/a.html"), (second, "http://down.gov.cn/b.html"),
                          (second, "http://none.gov.cn/a.html"), (first, "http://none.gov.cn/b.html")])
    assert verdicts == ["refused", "refused", "allowed", "allowed"]  # 5xx: disallow all; 4xx: allow all
    assert sorted(fetched) == ["http://down.gov.cn/robots.txt", "http://none.gov.cn/robots.txt"]
    assert classify_failure(["IgnoreRequest"], "Forbidden by robots.txt") == "ROBOTS-DISALLOWED"


@deferred_f_from_coro_f
async def test_robots_cache_lives_while_a_crawler_is_open_and_unreachable_answers_expire_sooner():
    now = [0.0]
    cache, fetched = RobotsCache(clock=lambda: now[0]), []
    answers = {"http://a.gov.cn/robots.txt": (200, b"User-agent: *\nDisallow:\n"),
               "http://down.gov.cn/robots.txt": (503, b"busy")}
    first = _robots_middleware(cache, answers, fetched)
    await _verdicts([(first, "http://a.gov.cn/1"), (first, "http://down.gov.cn/1")])
    now[0] = 2 * 3600.0  # past the 1 h retry of an unreachable robots.txt, within the 24 h of a good one
    await _verdicts([(first, "http://a.gov.cn/2"), (first, "http://down.gov.cn/2")])
    assert fetched == ["http://a.gov.cn/robots.txt", "http://down.gov.cn/robots.txt", "http://down.gov.cn/robots.txt"]
    now[0] = 25 * 3600.0
    await _verdicts([(first, "http://a.gov.cn/3")])
    assert fetched.count("http://a.gov.cn/robots.txt") == 2
    first._release()  # the last crawler of the run closed: the next run asks again
    assert cache.entries == {}
    await _verdicts([(_robots_middleware(cache, answers, fetched), "http://a.gov.cn/4")])
    assert fetched.count("http://a.gov.cn/robots.txt") == 3


@pytest.mark.slow
def test_crawlers_of_one_process_fetch_a_hosts_robots_once(tmp_path):
    """Real engine, real farm: every family spider in one CrawlerProcess, one host → one robots.txt."""
    generated = Farm.generate(portals=2, seed=7, faults=False)  # a TRS and a Hanweb portal
    env = {**os.environ, "PYTHONPATH": str(REPO), "HARVEST_DATABASE_URL": f"sqlite:///{tmp_path / 'h.db'}",
           "HARVEST_BLOB_DIR": str(tmp_path / "blobs"), "HARVEST_VAR_DIR": str(tmp_path / "var")}
    with FarmServer(generated, port=0) as server:
        server.write_out(tmp_path)
        proc = subprocess.run([sys.executable, "-m", "tests.spiders.farm_crawl", str(tmp_path / "seeds.csv"),
                               str(tmp_path / "out.json")], cwd=REPO, env=env, capture_output=True, text=True,
                              timeout=120)
        robots = [path for _, path in server.requests if path.endswith("/robots.txt")]
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    spiders = {o["spider"] for o in out["outcomes"] if o["event"] == "OK"}
    assert len(spiders) == 2, out["outcomes"]  # two crawlers did crawl the host
    assert robots == ["/robots.txt"]
    assert sum(s.get("robotstxt/request_count", 0) for s in out["stats"].values()) == 1
    assert sum(s.get("harvest/robots/shared", 0) for s in out["stats"].values()) == 1
