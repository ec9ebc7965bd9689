"""Per-host politeness held in Redis, so it holds across every worker together.

Before a request is downloaded the worker takes the host's lease (``<p>:polite:<host>``, a token
with a TTL) if nobody holds it and the host's next allowed start (``<p>:polite:<host>:next``) has
passed; otherwise it waits and tries again. When the response or the error comes back the lease is
released and the next allowed start set to now + the delay. So one request at a time per host,
across all workers, and at least the delay between the end of one and the start of the next
(stricter than Scrapy's own start-to-start delay). A worker killed while holding a lease blocks the
host for the lease's TTL at most (``HARVEST_POLITENESS_LEASE_S``, default DOWNLOAD_TIMEOUT + 5 s).

The slot is the request's ``host:port`` (``HARVEST_POLITENESS_SCOPE = "host"``), or its seed
(``"seed"``: the simulated farm serves many portals from one loopback host). The delay is
``HARVEST_POLITENESS_DELAY``, else ``DOWNLOAD_DELAY``.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urlsplit

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.exceptions import IgnoreRequest

from crawler.frontier.scheduler import REDIS_ERRORS, frontier_lost
from crawler.frontier.store import Frontier, connect

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

LEASE = "harvest_host_lease"
#: at most this long between two tries of a busy host (milliseconds)
POLL_MS = 50

# KEYS: lease, next; ARGV: token, lease ttl ms. Returns 0 (leased) or the ms to wait before retrying.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then
  local left = redis.call('PTTL', KEYS[1])
  if left < 1 or left > tonumber(ARGV[3]) then left = tonumber(ARGV[3]) end
  return left
end
local nxt = tonumber(redis.call('GET', KEYS[2]) or '0')
if nxt > now then return nxt - now end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 0
"""

# KEYS: lease, next; ARGV: token, delay ms. Releases the lease if still ours; sets the next start.
_RELEASE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[2], tostring(now + tonumber(ARGV[2])), 'PX', tonumber(ARGV[2]) + 60000)
return 1
"""


def politeness_slot(request: Request, scope: str) -> str:
    if scope == "seed":
        seed = (request.cb_kwargs or {}).get("seed")
        if seed is not None:
            return f"seed:{seed.id}"
    parts = urlsplit(request.url)
    return f"{parts.hostname or ''}:{parts.port or (443 if parts.scheme == 'https' else 80)}"


class SharedPolitenessMiddleware:
    """Downloader middleware (next to the downloader): take the host's lease before each download."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.url = settings["HARVEST_REDIS_URL"]
        self.frontier = Frontier(connect(self.url), settings["HARVEST_REDIS_PREFIX"])
        self.scope = settings.get("HARVEST_POLITENESS_SCOPE") or "host"
        if self.scope not in ("host", "seed"):
            raise ValueError(f"HARVEST_POLITENESS_SCOPE must be host or seed, got {self.scope!r}")
        delay = settings.get("HARVEST_POLITENESS_DELAY")
        self.delay_ms = int(float(delay if delay is not None else settings.getfloat("DOWNLOAD_DELAY")) * 1000)
        lease = settings.get("HARVEST_POLITENESS_LEASE_S")
        self.lease_ms = int(float(lease if lease is not None else settings.getfloat("DOWNLOAD_TIMEOUT") + 5) * 1000)
        self._acquire = self.frontier.server.register_script(_ACQUIRE)
        self._release = self.frontier.server.register_script(_RELEASE)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def process_request(self, request: Request, spider: Spider | None = None) -> None:
        if not request.url.startswith(("http://", "https://")):
            return None
        keys = list(self.frontier.politeness_keys(politeness_slot(request, self.scope)))
        token = uuid.uuid4().hex
        waited = 0
        while True:
            try:
                wait_ms = int(self._acquire(keys=keys, args=[token, self.lease_ms, POLL_MS]))
            except REDIS_ERRORS as exc:
                frontier_lost(self.crawler, self.url, exc)
                raise IgnoreRequest("Redis lost: politeness lease unavailable") from exc
            if wait_ms <= 0:
                break
            waited += wait_ms
            await asyncio.sleep(wait_ms / 1000)
        if waited and self.crawler.stats:
            self.crawler.stats.inc_value("harvest/politeness/waited_ms", waited)
        request.meta[LEASE] = [*keys, token]
        return None

    def _release_lease(self, request: Request) -> None:
        held = request.meta.pop(LEASE, None)
        if not held:
            return
        lease_key, next_key, token = held
        try:
            self._release(keys=[lease_key, next_key], args=[token, self.delay_ms])
        except REDIS_ERRORS as exc:
            frontier_lost(self.crawler, self.url, exc)

    def process_response(self, request: Request, response: Response, spider: Spider | None = None) -> Response:
        self._release_lease(request)
        return response

    def process_exception(self, request: Request, exception: Exception, spider: Spider | None = None) -> Any:
        self._release_lease(request)
        return None


class NoSilentRetryHTTP11DownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler without Twisted's silent retry: Twisted's connection pool sends an
    idempotent request a second time, at once, when a kept-alive connection drops before the
    answer — inside one host lease and without the delay. Such a request fails instead and
    RetryMiddleware retries it through the lease like any other (``DOWNLOAD_HANDLERS`` of
    ``scrapy worker``)."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._pool.retryAutomatically = False
