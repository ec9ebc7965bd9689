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

Parsed robots.txt files are shared by every crawler of the process (``scrapy nightly`` runs one
crawler per CMS family, and all farm portals — often many seeds of one site — share a host): a run
fetches each host's robots.txt once, not once per spider. The :class:`RobotsCache` keeps an entry
per netloc while at least one crawler using it is open (so two runs one after the other in one
process do not share answers) and for at most ``HARVEST_ROBOTS_MAX_AGE_S`` (default 24 h, the
RFC 9309 §2.4 limit); an "unreachable" answer (5xx → disallow all) or a transport failure
(→ allow all) is kept at most ``HARVEST_ROBOTS_RETRY_S`` (default 1 h) and then fetched again
(portals.md §5.7: unreachable is temporary). Stat ``harvest/robots/shared``: hosts whose parser
this crawler took from another crawler instead of fetching robots.txt itself.

:class:`SeedBackoffMiddleware` drops, before download, every request of a seed the spider has
backed off (``spider.backed_off``, filled on a BLOCKED event: challenge page, 429, 5xx burst), so
requests already queued for a blocking portal are not sent either (stat
``harvest/backoff/dropped``). Requests are never retried against a challenge.

:class:`RateLimitNoRetryMiddleware` sits between the downloader and Scrapy's RetryMiddleware: a
**429** answer ("slow down", usually with a long ``Retry-After``) is handed to the spider at once,
which backs the seed off for the run, instead of being asked again three times straight away
(stat ``harvest/ratelimit/not_retried``). robots.txt answers are left to the normal retry.

Scrapy's CookiesMiddleware asks tldextract whether a cookie's ``Domain`` is a public suffix, with an
extractor built on tldextract's defaults: the first cookie carrying a ``Domain`` attribute makes it
download the Public Suffix List from publicsuffix.org (then GitHub) and cache it under ``~/.cache``.
The harvester sends nothing anywhere but to the portals it crawls (a test run never leaves
127.0.0.1), so :class:`OfflineCookiesMiddleware` takes its place and, when it is built, points that
check at :data:`crawler.sites.PUBLIC_SUFFIXES`, the same bundled snapshot the site checks read.

Settings (crawler/settings.py)::

    DOWNLOADER_MIDDLEWARES = {
        "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
        "crawler.middlewares.StrictRobotsTxtMiddleware": 100,
        "scrapy.downloadermiddlewares.cookies.CookiesMiddleware": None,
        "crawler.middlewares.OfflineCookiesMiddleware": 700,   # Scrapy's place for cookies
        "crawler.middlewares.SeedBackoffMiddleware": 120,
        "crawler.middlewares.RateLimitNoRetryMiddleware": 560,   # RetryMiddleware is 550
    }
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, MutableMapping
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals
from scrapy.downloadermiddlewares import cookies as scrapy_cookies
from scrapy.downloadermiddlewares.cookies import CookiesMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

from crawler import sites

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response
    from scrapy.robotstxt import RobotParser

DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"
ROBOTS_MAX_AGE_S = 24 * 3600.0  # RFC 9309 §2.4: a cached robots.txt SHOULD NOT be used longer
ROBOTS_RETRY_S = 3600.0  # an unreachable robots.txt (5xx, transport error) is asked again after this


class RobotsCache:
    """robots.txt parsers (or the Deferred of a fetch in flight) per netloc, shared by crawlers.

    Entries live while at least one user (a crawler's middleware, see :meth:`acquire`) is open;
    when the last one closes the cache is emptied. A finished entry also expires after the
    ``max_age`` of the view that reads it (``retry_after`` for an entry marked unreachable).
    Views with a different ``namespace`` (the robots parser class) never see each other's entries.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.entries: dict[tuple[str, str], tuple[float, Any]] = {}
        self.unreachable: set[tuple[str, str]] = set()
        self.users = 0

    def acquire(self) -> None:
        self.users += 1

    def release(self) -> None:
        self.users = max(self.users - 1, 0)
        if self.users == 0:
            self.entries.clear()
            self.unreachable.clear()

    def view(self, namespace: str = "", max_age: float = ROBOTS_MAX_AGE_S,
             retry_after: float = ROBOTS_RETRY_S) -> RobotsParsers:
        return RobotsParsers(self, namespace, max_age, retry_after)


class RobotsParsers(MutableMapping[str, Any]):
    """One middleware's ``_parsers`` mapping (netloc → parser) over a shared :class:`RobotsCache`;
    expired entries read as absent, so Scrapy's middleware fetches them again."""

    def __init__(self, cache: RobotsCache, namespace: str, max_age: float, retry_after: float) -> None:
        self.cache, self.namespace, self.max_age, self.retry_after = cache, namespace, max_age, retry_after

    def _live(self, key: tuple[str, str]) -> bool:
        entry = self.cache.entries.get(key)
        if entry is None:
            return False
        stored_at, value = entry
        if isinstance(value, Deferred):
            return True
        limit = self.retry_after if key in self.cache.unreachable else self.max_age
        return self.cache.clock() - stored_at <= limit

    def __getitem__(self, netloc: str) -> Any:
        key = (self.namespace, netloc)
        if not self._live(key):
            raise KeyError(netloc)
        return self.cache.entries[key][1]

    def __setitem__(self, netloc: str, value: Any) -> None:
        key = (self.namespace, netloc)
        if isinstance(value, Deferred):
            self.cache.unreachable.discard(key)  # a new fetch starts
        self.cache.entries[key] = (self.cache.clock(), value)

    def __delitem__(self, netloc: str) -> None:
        key = (self.namespace, netloc)
        del self.cache.entries[key]
        self.cache.unreachable.discard(key)

    def __iter__(self) -> Iterator[str]:
        return iter([n for ns, n in list(self.cache.entries) if ns == self.namespace and self._live((ns, n))])

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def mark_unreachable(self, netloc: str) -> None:
        self.cache.unreachable.add((self.namespace, netloc))


#: the process-wide cache every StrictRobotsTxtMiddleware uses (tests may swap in their own)
SHARED_ROBOTS = RobotsCache()


class StrictRobotsTxtMiddleware(RobotsTxtMiddleware):
    def __init__(self, crawler: Crawler, cache: RobotsCache | None = None) -> None:
        super().__init__(crawler)
        self._cache = cache if cache is not None else SHARED_ROBOTS
        settings = crawler.settings
        # Scrapy annotates _parserimpl as a RobotParser instance; it holds the loaded class
        impl: type[RobotParser] = self._parserimpl  # type: ignore[assignment]
        self._shared = self._cache.view(f"{impl.__module__}.{impl.__qualname__}",
                                        settings.getfloat("HARVEST_ROBOTS_MAX_AGE_S", ROBOTS_MAX_AGE_S),
                                        settings.getfloat("HARVEST_ROBOTS_RETRY_S", ROBOTS_RETRY_S))
        # Scrapy declares _parsers a dict but only uses mapping operations, which the shared view has
        self._parsers = self._shared  # type: ignore[assignment]
        self._fetched: set[str] = set()  # netlocs whose robots.txt this crawler fetched itself
        self._counted: set[str] = set()  # netlocs counted in harvest/robots/shared
        self._released = False
        self._cache.acquire()
        crawler.signals.connect(self._release, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StrictRobotsTxtMiddleware:
        return cls(crawler)

    def _release(self, *args: Any, **kwargs: Any) -> None:
        if not self._released:
            self._released = True
            self._cache.release()

    async def robot_parser(self, request: Request) -> RobotParser | None:
        netloc = urlparse_cached(request).netloc
        parser = self._parsers.get(netloc)
        if netloc in self._parsers and netloc not in self._fetched and netloc not in self._counted:
            self._counted.add(netloc)
            self._stats.inc_value("harvest/robots/shared")
        elif netloc not in self._parsers:
            self._fetched.add(netloc)
        if isinstance(parser, Deferred):
            waiter: Deferred[RobotParser | None] = Deferred()

            def relay(result: Any) -> Any:
                waiter.callback(result)
                return result  # keep the shared Deferred's result for the next waiter

            parser.addBoth(relay)
            return await maybe_deferred_to_future(waiter)
        return await super().robot_parser(request)

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        if response.status >= 500:
            self._stats.inc_value("harvest/robots/unreachable_5xx")
            response = response.replace(body=DISALLOW_ALL)
            self._shared.mark_unreachable(netloc)
        await super()._parse_robots(response, netloc, request)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        self._shared.mark_unreachable(netloc)
        super()._robots_error(exc, netloc)


class SeedBackoffMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SeedBackoffMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        spider = self.crawler.spider
        seed = (request.cb_kwargs or {}).get("seed")
        backed_off = getattr(spider, "backed_off", None)
        if seed is not None and backed_off and getattr(seed, "id", None) in backed_off:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("harvest/backoff/dropped")
            raise IgnoreRequest(f"seed {seed.id} backed off for this run")


class RateLimitNoRetryMiddleware:
    """Do not retry a 429: pass it on to the spider, which backs the seed off (see module doc)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RateLimitNoRetryMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status == 429 and not request.url.endswith("/robots.txt"):
            request.meta["dont_retry"] = True
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("harvest/ratelimit/not_retried")
        return response


class OfflineCookiesMiddleware(CookiesMiddleware):
    """Scrapy's cookie handling, its public-suffix check read from the bundled snapshot (never fetched)."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        # Scrapy keeps its extractor in a module global (2.19: ``_split_domain``); an upgrade that
        # renames it fails tests/crawl/test_scrapy_api.py instead of fetching the list quietly
        if not hasattr(scrapy_cookies, "_split_domain"):
            raise RuntimeError("scrapy.downloadermiddlewares.cookies no longer has _split_domain: "
                               "point its public-suffix check at crawler.sites.PUBLIC_SUFFIXES again")
        scrapy_cookies._split_domain = sites.PUBLIC_SUFFIXES
        return super().from_crawler(crawler)
