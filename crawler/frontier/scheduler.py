"""scrapy-redis scheduler with leases: a request popped from the shared queue is acknowledged only
once its response (or failure) has been processed, so a worker killed at any moment loses nothing.

Bookkeeping per popped request (its token travels in ``meta[TOKEN]``, which Scrapy copies onto the
retries and redirects it makes of it):

- popped: the request sits in this worker's in-flight hash (:meth:`Frontier.pop`), one reference;
- its response or failure processed by the scraper (callback run, its items through the
  pipelines, its requests queued): one reference less;
- replaced by a retry or redirect that goes back to the shared queue: one reference less (the
  replacement is safely queued, with a token of its own when popped);
- a follow-up request that must stay in this process (``meta[LOCAL]``: it depends on the spider's
  memory, e.g. a page of a multi-page article) holds one more reference until it is processed.

At no references left, the token is acknowledged (removed from the in-flight hash). Every third
of the lease the worker renews its own leases and puts back every other worker's expired ones
(also once at start). Redis lost mid-run: one error line, the spider closes with reason
``redis_lost``; whatever was in flight is put back by the next worker's reaper.
"""

from __future__ import annotations

import logging
import random
from collections import defaultdict, deque
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import redis
from scrapy import Request, signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from scrapy.utils.defer import deferred_from_coro
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler
from twisted.internet import reactor, task

from crawler.frontier import serializer
from crawler.frontier.store import Frontier, connect, redacted, unwrap
from crawler.incremental import REDELIVERED
from crawler.spiders.base import LOCAL

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from scrapy.crawler import Crawler
    from scrapy.spiders import Spider

logger = logging.getLogger(__name__)

TOKEN = "harvest_frontier_token"
CHILD = "harvest_frontier_child"
LOST_STAT = "harvest/frontier/redis_lost"
REDIS_ERRORS = (redis.RedisError, OSError)
_lost_said = False


def frontier_lost(crawler: Crawler, url: str, exc: BaseException) -> None:
    """Redis went away mid-run: say so once, and close the spider (reason ``redis_lost``)."""
    stats = crawler.stats
    assert stats is not None
    if stats.get_value(LOST_STAT):
        return
    stats.set_value(LOST_STAT, 1)
    global _lost_said
    if not _lost_said:  # one line per process, whichever of its spiders noticed first
        _lost_said = True
        logger.error("Redis at %s lost (%s): stopping this worker; a rerun resumes", redacted(url), exc)
    engine = crawler.engine
    if engine is not None:
        def close() -> None:
            deferred_from_coro(engine.close_spider_async(reason="redis_lost"))

        reactor.callLater(0, close)  # type: ignore[arg-type]  # not from inside the engine's own loop


class FrontierQueue(PriorityQueue):
    """scrapy-redis priority queue whose pop leases the request (:meth:`Frontier.pop`). Requests of
    equal priority are shuffled (a random fraction of the score), so workers spread over hosts
    instead of lining up on one host's lease."""

    frontier: Frontier

    def push(self, request: Request) -> None:
        data = self._encode_request(request)
        self.server.execute_command("ZADD", self.key, -request.priority + random.random() * 0.5, data)

    def pop(self, timeout: int = 0) -> Request | None:
        got = self.frontier.pop(self.key)
        if got is None:
            return None
        token, member = got
        data, redelivered = unwrap(member)
        request = self._decode_request(data)
        request.meta[TOKEN] = token
        if redelivered:
            request.meta[REDELIVERED] = True
        return request


def make_queue(frontier: Frontier, spider: Spider) -> FrontierQueue:
    queue = FrontierQueue(frontier.server, spider, frontier.queue_key(spider.name), serializer=serializer)
    queue.frontier = frontier
    return queue


def make_dupefilter(frontier: Frontier, spider: Spider) -> RFPDupeFilter:
    return RFPDupeFilter(frontier.server, key=frontier.dupefilter_key(spider.name))


class FrontierScheduler(Scheduler):
    crawler: Crawler
    frontier: Frontier
    url: str
    local: deque[Request]
    refs: dict[str, int]
    loop: task.LoopingCall | None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FrontierScheduler:
        settings = crawler.settings
        url = settings["HARVEST_REDIS_URL"]
        server = connect(url)  # FrontierUnavailable naming the URL
        scheduler = cls(server=server, persist=True, serializer=serializer)
        scheduler.crawler, scheduler.url, scheduler.stats = crawler, url, crawler.stats
        scheduler.frontier = Frontier(server, settings["HARVEST_REDIS_PREFIX"],
                                      lease_s=settings.getfloat("HARVEST_FRONTIER_LEASE_S"),
                                      worker=settings.get("HARVEST_WORKER_ID") or None)
        scheduler.local = deque()
        scheduler.refs = defaultdict(int)
        scheduler.loop = None
        return scheduler

    def open(self, spider: Spider) -> None:
        self.spider = spider
        # one in-flight hash per worker process and spider
        self.frontier.worker = f"{self.frontier.worker}-{spider.name}"
        self.queue = make_queue(self.frontier, spider)
        self.df = make_dupefilter(self.frontier, spider)
        self.crawler.signals.connect(self._spider_opened, signal=signals.spider_opened)
        self.crawler.signals.connect(self._spider_idle, signal=signals.spider_idle)
        interval = max(self.frontier.lease_ms / 3000, 0.2)
        self.loop = task.LoopingCall(self._tick)
        self.loop.start(interval, now=True)  # the first tick reaps what dead workers left

    def close(self, reason: str) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        if self._lost():
            return
        try:  # anything not acknowledged goes back for another worker (nothing if drained)
            back = self.frontier.release_all()
        except REDIS_ERRORS as exc:
            logger.warning("could not put back this worker's in-flight requests (%s); "
                           "another worker's reaper will after the lease", exc)
            return
        if back:
            logger.info("%s: put %d unfinished request(s) back into the queue", self.spider.name, back)

    # --- the queue ----------------------------------------------------------------------------

    def enqueue_request(self, request: Request) -> bool:
        token = request.meta.pop(TOKEN, None)
        child = request.meta.pop(CHILD, False)
        if request.meta.get(LOCAL):
            if token:
                request.meta[TOKEN] = token
                if child:
                    self.refs[token] += 1
            self.local.append(request)
            return True
        if self._lost():
            return False
        try:
            accepted = request.dont_filter or not self.df.request_seen(request)
            if accepted:
                self.queue.push(request)
                if self.stats:
                    self.stats.inc_value("scheduler/enqueued/redis")
        except REDIS_ERRORS as exc:
            frontier_lost(self.crawler, self.url, exc)
            return False
        if token:  # a retry or redirect replaced the popped request, and is queued (or a duplicate)
            self._done(token)
        return bool(accepted)

    def next_request(self) -> Request | None:
        if self.local:
            return self.local.popleft()
        if self._lost():
            return None
        try:
            request = self.queue.pop()
        except REDIS_ERRORS as exc:
            frontier_lost(self.crawler, self.url, exc)
            return None
        if request is not None:
            self.refs[request.meta[TOKEN]] = 1
            if self.stats:
                self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self) -> bool:
        if self.local:
            return True
        if self._lost():
            return False
        try:
            return len(self.queue) > 0
        except REDIS_ERRORS as exc:
            frontier_lost(self.crawler, self.url, exc)
            return False

    def __len__(self) -> int:
        return len(self.local) + (0 if self._lost() else len(self.queue))

    # --- acknowledgements ---------------------------------------------------------------------

    def _done(self, token: str) -> None:
        self.refs[token] -= 1
        if self.refs[token] > 0:
            return
        del self.refs[token]
        if self._lost():
            return
        try:
            self.frontier.ack(token)
        except REDIS_ERRORS as exc:
            frontier_lost(self.crawler, self.url, exc)

    def _spider_opened(self, spider: Spider) -> None:
        # the scraper's slot calls finish_response once a response or failure has been processed
        # completely (callback, items through the pipelines, requests queued): acknowledge there
        engine = self.crawler.engine
        assert engine is not None and engine.scraper.slot is not None
        slot = engine.scraper.slot
        finish = slot.finish_response

        def finish_response(result: Any, request: Request) -> None:
            finish(result, request)
            token = request.meta.get(TOKEN)
            if token:
                self._done(token)

        slot.finish_response = finish_response  # type: ignore[method-assign]
        # an errback's output skips the spider middlewares: tag its follow-up requests here
        scraper = engine.scraper
        call = scraper.call_spider_async

        async def call_spider_async(result: Any, request: Request) -> Any:
            output = await call(result, request)
            if isinstance(result, Response) or output is None:
                return output
            if isinstance(output, AsyncIterator):
                return _tag_async(request, output)
            return tag_followups(request, output)

        scraper.call_spider_async = call_spider_async  # type: ignore[method-assign]

    def _lost(self) -> bool:
        return bool(self.stats and self.stats.get_value(LOST_STAT))

    def _tick(self) -> None:
        if self._lost():
            return
        try:
            self.frontier.renew()
            reaped = self.frontier.reap()
        except REDIS_ERRORS as exc:
            frontier_lost(self.crawler, self.url, exc)
            return
        if reaped:
            logger.warning("put %d expired in-flight request(s) of a stopped worker back into the queue", reaped)
            if self.stats:
                self.stats.inc_value("harvest/frontier/reaped", reaped)

    def _spider_idle(self, spider: Spider) -> None:
        """Close when the whole frontier is drained, not when this worker's share is."""
        if self._lost():
            return
        try:
            if self.refs or self.frontier.server.hlen(self.frontier.inflight_key):
                # idle, yet holding leases: their requests vanished without reaching the scraper
                logger.warning("%s: %d leased request(s) never completed; putting them back",
                               spider.name, max(len(self.refs), 1))
                self.refs.clear()
                self.frontier.release_all()
                raise DontCloseSpider
            if not self.frontier.drained():
                raise DontCloseSpider
        except REDIS_ERRORS as exc:
            frontier_lost(self.crawler, self.url, exc)


def tag_followups(parent: Request, result: Iterable[Any]) -> Iterator[Any]:
    """The requests a callback or errback of ``parent`` yields get no lease token of their own
    (they are new requests), except those staying in this process, which hold the parent's lease
    (and inherit its redelivered mark: the walk they continue may have been cut off before)."""
    token = parent.meta.get(TOKEN)
    for out in result:
        if isinstance(out, Request):
            if token and out.meta.get(LOCAL):
                out.meta[TOKEN], out.meta[CHILD] = token, True
                if parent.meta.get(REDELIVERED):
                    out.meta[REDELIVERED] = True
            else:
                out.meta.pop(TOKEN, None)
                out.meta.pop(CHILD, None)
        yield out


async def _tag_async(parent: Request, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
    async for out in result:
        for tagged in tag_followups(parent, [out]):
            yield tagged


class FrontierTokenMiddleware:
    """Spider middleware: :func:`tag_followups` on what callbacks yield (errbacks' output does not
    pass spider middlewares: :meth:`FrontierScheduler._spider_opened` tags it)."""

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        return tag_followups(response.request or Request("data:,"), result)

    async def process_spider_output_async(self, response: Response, result: AsyncIterator[Any]
                                          ) -> AsyncIterator[Any]:
        async for out in _tag_async(response.request or Request("data:,"), result):
            yield out
