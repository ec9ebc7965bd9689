"""Incremental crawling: skip what is stored, stop paging when a listing page brings nothing new.

A spider middleware, so every CMS-family spider gets the same rules without code of its own. Spiders
tag requests with ``meta["harvest_kind"]``: ``listing`` (a listing or pager page), ``detail`` (a
report page) or ``attachment``.

- Attachments already stored are not requested again, in any mode; stored detail pages are not
  requested again in ``incremental`` mode. Either is re-requested once its last fetch is older than
  ``HARVEST_REVALIDATE_DAYS``, with ``If-None-Match`` / ``If-Modified-Since`` (a 304 ends there).
- In ``full`` mode (backfill) a stored detail page is read again — HTML pages are small — because
  a run killed after storing a page but before storing its attachments must still find those
  attachments when it resumes; the attachments already stored are skipped. This, not a Scrapy
  JOBDIR, is what makes a backfill resumable after ``kill -9``: a JOBDIR's persisted dupefilter
  marks requests as seen before they are downloaded, so a hard kill would lose them for good.
- In ``incremental`` mode, the next listing page is requested only if the current one yielded at
  least one new detail request (portals.md §2.F: stop at the first page with no new report link).

The mode is the spider's ``mode`` argument (default: setting HARVEST_RUN_MODE).
Settings: HARVEST_REVALIDATE_DAYS (default 30).
Stats: harvest/incremental/known_skipped, harvest/incremental/revalidated,
harvest/incremental/paging_stopped.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Self

from scrapy import Request, signals

from pipelines.storage.db import make_engine
from pipelines.storage.store import ReportStore

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response

KIND = "harvest_kind"
FOLLOWED_KINDS = ("detail", "attachment")


@dataclass(frozen=True)
class KnownFetch:
    fetched_at: datetime
    etag: str | None
    last_modified: str | None


class IncrementalMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.mode = crawler.settings.get("HARVEST_RUN_MODE", "full")
        self.revalidate_after = timedelta(days=crawler.settings.getfloat("HARVEST_REVALIDATE_DAYS", 30))
        self.known: dict[str, KnownFetch] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        middleware = cls(crawler)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        return middleware

    def spider_opened(self, spider: Spider) -> None:
        engine = make_engine(self.crawler.settings["HARVEST_DATABASE_URL"])
        try:
            self.known = {url: KnownFetch(*info) for url, info in ReportStore(engine).latest_fetches().items()}
        finally:
            engine.dispose()
        self.mode = getattr(spider, "mode", None) or self.mode
        spider.logger.info("incremental: %d stored URLs known (mode=%s)", len(self.known), self.mode)

    # --- the rules ---------------------------------------------------------------------

    def _filter(self, response: Response, outputs: Iterable[Any]) -> Iterator[Any]:
        stats = self.crawler.stats
        assert stats is not None
        held_pages: list[Request] = []
        new_followed = 0
        from_listing = response.meta.get(KIND) == "listing"
        for out in outputs:
            if isinstance(out, Request):
                kind = out.meta.get(KIND)
                if kind in FOLLOWED_KINDS:
                    out = self._followed(out)
                    if out is None:
                        stats.inc_value("harvest/incremental/known_skipped")
                        continue
                    new_followed += 1
                elif kind == "listing" and from_listing and self.mode == "incremental":
                    held_pages.append(out)
                    continue
            yield out
        if held_pages and new_followed:
            yield from held_pages
        elif held_pages:
            stats.inc_value("harvest/incremental/paging_stopped")

    def _followed(self, request: Request) -> Request | None:
        known = self.known.get(request.url)
        if known is None:
            return request
        if self.mode == "full" and request.meta.get(KIND) == "detail":
            return request
        if datetime.now(UTC) - _aware(known.fetched_at) < self.revalidate_after:
            return None
        headers = {}
        if known.etag:
            headers["If-None-Match"] = known.etag
        if known.last_modified:
            headers["If-Modified-Since"] = known.last_modified
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("harvest/incremental/revalidated")
        return request.replace(headers={**request.headers.to_unicode_dict(), **headers},
                               dont_filter=True)

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        return self._filter(response, result)

    async def process_spider_output_async(self, response: Response, result: AsyncIterator[Any]
                                          ) -> AsyncIterator[Any]:
        collected = [out async for out in result]
        for out in self._filter(response, collected):
            yield out


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
