"""Downloader middlewares of the harvester.

:class:`StrictRobotsTxtMiddleware` replaces Scrapy's RobotsTxtMiddleware to make the robots.txt
error policy explicit (portals.md §5.7, RFC 9309 §2.3.1): a robots.txt answering **5xx** means
"unreachable" → the whole host is treated as disallowed for this run (the request fails with
``IgnoreRequest("Forbidden by robots.txt (robots.txt unreachable: HTTP 5xx)")``, which the spiders
classify ROBOTS-DISALLOWED); 4xx means "unavailable" → allow all (Scrapy's behaviour: the error
page parses as no rules); a transport failure fetching robots.txt also allows (the request itself
then fails and is classified by its own error, e.g. BROKEN:tls).

It also fixes a race in Scrapy 2.19's middleware under the asyncio reactor: every request that
arrives while a host's robots.txt is still downloading awaits the same Deferred through
``Deferred.asFuture``, which consumes the result — the first waiter gets the parser, all later
waiters get ``None`` and are let through unchecked. Seen on the farm: with several seeds of one
host starting together, a robots-disallowed column was fetched. Here each waiter gets its own
Deferred chained (result passed through) to the shared one.


:class:`SeedBackoffMiddleware` drops, before download, every request of a seed the spider has
backed off (``spider.backed_off``, filled on a BLOCKED event: challenge page, 429, 5xx burst), so
requests already queued for a blocking portal are not sent either (stat
``harvest/backoff/dropped``). Requests are never retried against a challenge.

Settings (crawler/settings.py)::

    DOWNLOADER_MIDDLEWARES = {
        "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
        "crawler.middlewares.StrictRobotsTxtMiddleware": 100,
        "crawler.middlewares.SeedBackoffMiddleware": 120,
    }
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response

DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"


class StrictRobotsTxtMiddleware(RobotsTxtMiddleware):
    async def robot_parser(self, request: Request):  # type: ignore[no-untyped-def]
        parser = self._parsers.get(urlparse_cached(request).netloc)
        if isinstance(parser, Deferred):
            waiter: Deferred = Deferred()

            def relay(result):  # type: ignore[no-untyped-def]
                waiter.callback(result)
                return result  # keep the shared Deferred's result for the next waiter

            parser.addBoth(relay)
            return await maybe_deferred_to_future(waiter)
        return await super().robot_parser(request)

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        if response.status >= 500:
            self._stats.inc_value("harvest/robots/unreachable_5xx")
            response = response.replace(body=DISALLOW_ALL)
        await super()._parse_robots(response, netloc, request)



class SeedBackoffMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SeedBackoffMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        spider = spider or self.crawler.spider
        seed = (request.cb_kwargs or {}).get("seed")
        backed_off = getattr(spider, "backed_off", None)
        if seed is not None and backed_off and getattr(seed, "id", None) in backed_off:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("harvest/backoff/dropped")
            raise IgnoreRequest(f"seed {seed.id} backed off for this run")
